import { DATABASE, INGEST_TABLES, type IngestTable } from '../../src/shared/schema';
import type { Store } from '../../src/store/store';
import { ANSWER_BYTES, REQUEST_BYTES, type LoadTruth } from './loopbackLoad';

/**
 * Holds the stored connections rows against the load's ground truth: each completed connection
 * must be there once from each side (one closing row, and byte sums that are exactly one
 * request and one answer), and no row of any table may be stored twice. A lost batch shows as
 * missing sides, a replayed one that was not deduplicated as doubled sums and identical rows.
 */

export interface Delivery {
  /** Completed connections the load made. */
  connections: number;
  /** Sides (outbound or inbound) of those with no closing row, one per connection. */
  lostSides: number;
  /** Closing rows past one per side, or sides with more bytes than were sent. */
  duplicatedSides: number;
  /** Sides with one closing row but byte sums other than the truth. */
  wrongBytes: number;
  /** Rows stored more than once, identical in every column, by table. */
  identicalRows: Record<IngestTable, number>;
  /** A few client ports of lost or duplicated sides, to look up. */
  examples: string[];
}

interface SideRow {
  local_port: number;
  remote_port: number;
  closes: string;
  tx: string;
  rx: string;
}

export async function checkDelivery(store: Store, truth: LoadTruth): Promise<Delivery> {
  const sides = await store.query<SideRow>(
    `SELECT local_port, remote_port, countIf(state = 'closed') AS closes, sum(bytes_tx) AS tx, sum(bytes_rx) AS rx
     FROM ${DATABASE}.connections
     WHERE protocol = 'tcp' AND (local_port = {port:UInt16} OR remote_port = {port:UInt16})
     GROUP BY local_port, remote_port`,
    { port: truth.serverPort }
  );
  const byKey = new Map(sides.map((s) => [`${s.local_port}>${s.remote_port}`, s]));
  const result: Delivery = {
    connections: truth.clientPorts.length,
    lostSides: 0,
    duplicatedSides: 0,
    wrongBytes: 0,
    identicalRows: await identicalRows(store),
    examples: [],
  };
  // Loopback reuses a client port still in TIME-WAIT (net.ipv4.tcp_tw_reuse=2), so a port may stand for several connections.
  const uses = new Map<number, number>();
  for (const c of truth.clientPorts) {
    uses.set(c, (uses.get(c) ?? 0) + 1);
  }
  const s = truth.serverPort;
  for (const [c, n] of uses) {
    for (const [key, tx, rx] of [
      [`${c}>${s}`, n * REQUEST_BYTES, n * ANSWER_BYTES],
      [`${s}>${c}`, n * ANSWER_BYTES, n * REQUEST_BYTES],
    ] as const) {
      const side = byKey.get(key);
      const closes = Number(side?.closes ?? 0);
      const [gotTx, gotRx] = [Number(side?.tx ?? 0), Number(side?.rx ?? 0)];
      const problem =
        closes < n
          ? 'lostSides'
          : closes > n || gotTx > tx || gotRx > rx
            ? 'duplicatedSides'
            : gotTx !== tx || gotRx !== rx
              ? 'wrongBytes'
              : undefined;
      if (problem !== undefined) {
        result[problem] += problem === 'wrongBytes' ? 1 : Math.abs(closes - n) || 1;
        if (result.examples.length < 5) {
          result.examples.push(`${key}: ${problem} (${n} connections; closes ${closes}, tx ${gotTx}, rx ${gotRx})`);
        }
      }
    }
  }
  return result;
}

async function identicalRows(store: Store): Promise<Record<IngestTable, number>> {
  const out = {} as Record<IngestTable, number>;
  for (const table of INGEST_TABLES) {
    const [r] = await store.query<{ extra: string }>(
      `SELECT count() - uniqExact(*) AS extra FROM ${DATABASE}.${table}`
    );
    out[table] = Number(r.extra);
  }
  return out;
}

/** Rows of every table the agent writes: what an agent's "wrote N rows" must equal. */
export async function storedRows(store: Store): Promise<number> {
  const counts = INGEST_TABLES.map((t) => `(SELECT count() FROM ${DATABASE}.${t})`).join(' + ');
  const [r] = await store.query<{ n: string }>(`SELECT ${counts} AS n`);
  return Number(r.n);
}
