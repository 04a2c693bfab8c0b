import { DATABASE } from '../schema';
import { validateRange, type TimeRange } from '../sql/timeRange';

/** What a caller asks of the synthetic fleet generator. */
export interface SynthOptions {
  /** Same seed and sizes, same rows: every value is a hash of (seed, row number). */
  readonly seed: number;
  /** Raw connection rows, exactly. */
  readonly connectionRows: number;
  /** Pods (one container each), exactly; default 5,000. */
  readonly pods?: number;
  readonly fromMs: number;
  readonly toMs: number;
  /** Raw DNS rows, exactly; default a tenth of the connection rows. */
  readonly dnsRows?: number;
  /** Database holding the schema's tables; default netmon. */
  readonly database?: string;
}

/** The sizes every statement of one run shares, derived once and validated. */
export interface FleetShape extends TimeRange {
  readonly seed: number;
  readonly connectionRows: number;
  readonly dnsRows: number;
  readonly pods: number;
  /** About 8 pods per deployment, from 1 to ~2x the mean (see podStart in fleetSql.ts). */
  readonly deployments: number;
  readonly namespaces: number;
  readonly clusters: number;
  readonly nodesPerCluster: number;
  readonly database: string;
}

export const DEFAULT_PODS = 5000;
const MAX_PODS = 1_000_000;
const PODS_PER_DEPLOYMENT = 8;
const MAX_NAMESPACES = 30;
const PODS_PER_NODE = 25;
/** A multi-row connection lasts 4 flush intervals of 10 s; the window must hold it. */
export const MIN_SPAN_MS = 60_000;

export function fleetShape(opts: SynthOptions): FleetShape {
  const seed = count(opts.seed, 'synth seed', 0);
  const connectionRows = count(opts.connectionRows, 'synth connection rows', 0);
  const pods = count(opts.pods ?? DEFAULT_PODS, 'synth pods', 1);
  if (pods > MAX_PODS) {
    throw new Error(`synth pods: expected at most ${MAX_PODS}, got ${pods}`);
  }
  const dnsRows = count(opts.dnsRows ?? Math.floor(connectionRows / 10), 'synth DNS rows', 0);
  validateRange(opts);
  if (opts.toMs - opts.fromMs < MIN_SPAN_MS) {
    throw new Error(`synth time range: expected at least ${MIN_SPAN_MS / 1000} s, got ${opts.toMs - opts.fromMs} ms`);
  }
  const database = opts.database ?? DATABASE;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new Error(`synth database: expected a plain identifier, got ${JSON.stringify(database)}`);
  }
  const deployments = Math.max(1, Math.round(pods / PODS_PER_DEPLOYMENT));
  const clusters = pods >= 2000 ? 3 : pods >= 2 ? 2 : 1;
  return {
    seed,
    connectionRows,
    dnsRows,
    pods,
    deployments,
    namespaces: Math.min(MAX_NAMESPACES, deployments),
    clusters,
    nodesPerCluster: Math.max(1, Math.round(pods / PODS_PER_NODE / clusters)),
    database,
    fromMs: opts.fromMs,
    toMs: opts.toMs,
  };
}

function count(value: number, input: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`${input}: expected an integer >= ${min}, got ${value}`);
  }
  return value;
}
