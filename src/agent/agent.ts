import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { version as agentVersion } from '../../package.json';
import { cgroup2Mount } from './attribution/cgroup2Mount';
import { CgroupIdIndex } from './attribution/cgroupIdIndex';
import { ProcessInfoCache } from './attribution/processInfo';
import type { BpftraceProgram } from './bpftrace/bpftraceProgram';
import { BpftraceSupervisor, type SupervisorEvent } from './bpftrace/bpftraceSupervisor';
import { closedInsertLines, connectionsProgram } from './bpftrace/connectionsProgram';
import { runPreflight } from './bpftrace/preflight';
import {
  createCapturePipeline,
  type CaptureClock,
  type CapturePipeline,
  type CaptureStats,
} from './capture/capturePipeline';
import { DnsCapture } from './dnsCapture';
import { ClosedGaps } from './health/closedGaps';
import { HealthRecorder, type HealthSample } from './health/healthRecorder';
import { ProcessUsageSampler } from './health/processUsage';
import { openRunMarker, type RunMarker } from './health/runMarker';
import { createIdentity, type Identity, type IdentitySettings } from './identity/identity';
import { topTalkers, type TopTalker } from './status/topTalkers';
import { WallClock } from './wallClock';
import type { PendingBatches } from './writer/pendingBatches';
import type { RowSink } from './writer/rowSink';
import { RowWriter } from './writer/rowWriter';

/**
 * The agent on one host: bpftrace (bpf/connections.bt) under a supervisor, its lines through the
 * capture pipeline, and after each of bpftrace's flushes the rows of the interval into the store
 * together with one agent_health row. stop() ends bpftrace so its END block flushes, and writes
 * everything that is left. DNS (bpf/dns.bt, dnsCapture.ts) runs beside it, its rows written with
 * each interval and its counters and probes in the same agent_health row; the connections capture
 * never depends on it.
 *
 * The writes follow bpftrace's flushes rather than a wall-clock grid: bpftrace's 1 s tick starts
 * when it attaches, at a phase the agent cannot choose, and a grid out of step with it would
 * write nothing the first interval and then each interval's rows up to an interval late. A write
 * comes the reorder window (plus a margin) after each "flushed" line, when that flush's rows are
 * ready; should flush lines be lost, a timer still writes an interval and a margin after the
 * last write, so closed connections never wait for bpftrace.
 */

export interface AgentOptions {
  /** Where rows go: the ClickHouse store, or the Vector sink (any RowSink). */
  store: RowSink;
  /** Where rows wait until the store takes them: the disk spool (the caller opens and closes it). Default in memory. */
  pending?: PendingBatches;
  /** Rows per insert (RowWriter's default when not given). */
  maxBatchRows?: number;
  /** Default os.hostname(). */
  node?: string;
  /** Flush interval, a whole number of seconds >= 1 (the CLI's default is 10). */
  intervalSeconds: number;
  /** Else $NETMON_BPFTRACE, else bpftrace on PATH. */
  bpftracePath?: string;
  /** BPFTRACE_MAP_KEYS_MAX: TCP connections tracked at once. Default 65536. */
  mapKeysMax?: number;
  /** connections.bt's per-CPU output buffer in pages (connectionsProgram's default when not given). */
  perfRbPages?: number;
  /** UDP ports dns.bt watches besides 53, at most DNS_EXTRA_PORTS_MAX. */
  dnsExtraPorts?: readonly number[];
  /** A DNS question unanswered this long is stored as TIMEOUT. Default 5. */
  dnsTimeoutSeconds?: number;
  /** Where workload metadata comes from (inventory, Kubernetes) and conntrack for Service backends. */
  metadata?: IdentitySettings;
  /** After each interval's rows are written. */
  onInterval?: (s: IntervalReport) => void;
  /** Progress and warnings for a person. */
  log?: (line: string) => void;
  /**
   * Where the agent keeps its run marker (the spool dir, or the embedded data dir): an agent that
   * died without a clean stop is then a gap in agent_health at the next start. None: not recorded.
   */
  stateDir?: string;
  /** The system clocks; a test steps the wall clock through it. */
  clock?: CaptureClock;
}

/** One interval. Counters are this interval's (as in its agent_health row); probes and rowsPending are levels at its end. */
export interface IntervalReport {
  /** End of the interval, epoch ms. */
  ts: number;
  intervalMs: number;
  probesAttached: number;
  probesExpected: number;
  eventsRead: number;
  lostEvents: number;
  malformedLines: number;
  mapFullErrors: number;
  /** Rows of any table the store acknowledged. */
  rowsWritten: number;
  /** Rows waiting for the store to take them. */
  rowsPending: number;
  bpftraceRestarts: number;
  /** By bytes (both directions) over the connections rows written this interval. */
  topTalkers: TopTalker[];
}

export interface AgentSummary {
  rowsWritten: number;
  rowsDropped: number;
  intervals: number;
  /** Seconds whose tick or flush waited for bpftrace's output to catch up: each delays a flush a second. */
  lateTicks: number;
}

export interface Agent {
  /** The last interval's report; undefined before the first interval ends. */
  status(): IntervalReport | undefined;
  /** Stops bpftrace (END flush), writes every remaining row and a final agent_health row. */
  stop(): Promise<AgentSummary>;
}

/** Capture cannot run on this host; `exitCode` is the sysexits code the CLI exits with. */
export class PreflightError extends Error {
  override readonly name = 'PreflightError';

  constructor(
    message: string,
    readonly exitCode: number
  ) {
    super(message);
  }
}

export const DEFAULT_MAP_KEYS_MAX = 65_536;

export type CaptureOptions = Pick<AgentOptions, 'intervalSeconds' | 'bpftracePath' | 'mapKeysMax' | 'perfRbPages'>;

/**
 * Checks that capture can run here, in seconds and before anything else is opened; throws a
 * PreflightError naming the missing piece. startAgent runs it too.
 */
export async function checkCapture(opts: CaptureOptions): Promise<{ program: BpftraceProgram; bpftracePath: string }> {
  const program = connectionsProgram({
    intervalSeconds: opts.intervalSeconds,
    mapKeysMax: opts.mapKeysMax,
    perfRbPages: opts.perfRbPages,
  });
  const result = await runPreflight({ program, bpftracePath: opts.bpftracePath });
  if (!result.ok) {
    throw new PreflightError(result.message, result.exitCode);
  }
  return { program, bpftracePath: result.bpftracePath };
}

/** Runs preflight, starts bpftrace, resolves once probes are attached. */
export async function startAgent(opts: AgentOptions): Promise<Agent> {
  if (!Number.isSafeInteger(opts.intervalSeconds) || opts.intervalSeconds < 1) {
    throw new RangeError(
      `startAgent intervalSeconds: expected a whole number of seconds >= 1, got ${opts.intervalSeconds}`
    );
  }
  const log = opts.log ?? (() => undefined);
  const { program, bpftracePath } = await checkCapture(opts);
  const node = opts.node ?? hostname();
  const wall = new WallClock(opts.clock);
  const processes = new ProcessInfoCache();
  const cgroupRoot = cgroup2Mount();
  const cgroups = cgroupRoot === undefined ? undefined : new CgroupIdIndex({ root: cgroupRoot });
  if (cgroups === undefined) {
    log('no cgroup v2 mount: processes that exit quickly may not be attributed to their containers');
  }
  const identity = createIdentity({ ...opts.metadata, node, log });
  const pipeline = createCapturePipeline({
    node,
    attribute: (pid) => processes.get(pid),
    attributeCgroup: (id) => cgroups?.attribution(id),
    metadata: (id) => identity.metadataFor(id),
    maxConnections: opts.mapKeysMax ?? DEFAULT_MAP_KEYS_MAX,
    clock: wall,
    closedInsertLines: closedInsertLines(readFileSync(program.path, 'utf8')),
  });
  // bpftrace 0.17 announces its probes before attaching them; BEGIN (the program's hello line)
  // runs once they all are, so traffic is seen only from then on.
  let begun: (() => void) | undefined;
  let beginFailed: ((err: Error) => void) | undefined;
  const begin = new Promise<void>((resolve, reject) => ((begun = resolve), (beginFailed = reject)));
  // Also rejected when the first start fails, which supervisor.start() reports instead.
  begin.catch(() => undefined);
  let loop: AgentLoop | undefined;
  const supervisor = new BpftraceSupervisor({
    program,
    bpftracePath,
    onLine: (line) => {
      const kind = pipeline.handleLine(line);
      if (kind === 'hello' && begun !== undefined) {
        begun();
        begun = undefined;
      } else if (kind === 'flushed') {
        loop?.flushed();
      }
    },
    onEvent: (event) => {
      logSupervisorEvent(event, log);
      // Dying between the attach announcement and BEGIN (e.g. "Failed to open perf buffer") is a
      // failed start, not a crash to wait out: say why now rather than after BEGIN_TIMEOUT_MS.
      if (event.type === 'exited' && begun !== undefined) {
        beginFailed?.(new Error(`bpftrace exited before ${program.path} printed its hello line: ${event.reason}`));
      }
    },
  });
  const dns = new DnsCapture({
    node,
    bpftracePath,
    extraPorts: opts.dnsExtraPorts,
    timeoutSeconds: opts.dnsTimeoutSeconds,
    attribute: (pid) => processes.get(pid),
    attributeCgroup: (id) => cgroups?.attribution(id),
    metadata: (id) => identity.metadataFor(id),
    clock: wall,
    log,
    onEvent: (event) => logSupervisorEvent(event, (line) => log(`dns.bt: ${line}`)),
  });
  // Side by side: each bpftrace takes seconds to compile. dns.start() never rejects.
  const dnsStarted = dns.start();
  const identityStarted = identity.start();
  try {
    await supervisor.start();
    await withTimeout(
      begin,
      BEGIN_TIMEOUT_MS,
      `${program.path} did not print its hello line within ${BEGIN_TIMEOUT_MS} ms of attaching`
    );
  } catch (err) {
    await Promise.all([
      supervisor.stop(),
      dnsStarted.then(() => dns.stop()),
      identityStarted.then(() => identity.stop()),
    ]);
    throw new Error(`bpftrace did not start: ${(err as Error).message}`, { cause: err });
  }
  await Promise.all([dnsStarted, identityStarted]);
  const writer = new RowWriter({
    store: opts.store,
    node,
    log,
    pending: opts.pending,
    maxBatchRows: opts.maxBatchRows,
  });
  loop = new AgentLoop({ ...opts, node, log, wall, pipeline, supervisor, dns, identity, writer });
  return loop;
}

/** Past the reorder window before a write, so that the timer never fires just before rows are due. */
const WRITE_MARGIN_MS = 50;

const BEGIN_TIMEOUT_MS = 30_000;

function withTimeout(promise: Promise<void>, ms: number, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function logSupervisorEvent(event: SupervisorEvent, log: (line: string) => void): void {
  switch (event.type) {
    case 'attached':
      log(`bpftrace (pid ${event.pid}) attached ${event.probes} probes`);
      return;
    case 'exited':
      log(`bpftrace (pid ${event.pid}) exited unexpectedly: ${event.reason}`);
      return;
    case 'restarting':
      log(`restarting bpftrace in ${event.delayMs} ms`);
      return;
    case 'fatal':
      log(`capture stopped: ${event.message}`);
      return;
    case 'spawned':
      return;
  }
}

interface LoopParts extends AgentOptions {
  node: string;
  log: (line: string) => void;
  /** The clock both capture pipelines stamp rows with, from their start offset. */
  wall: WallClock;
  pipeline: CapturePipeline;
  supervisor: BpftraceSupervisor;
  dns: DnsCapture;
  identity: Identity;
  writer: RowWriter;
}

/** Capture losses that are not rows but still worth a warning when they grow. */
const CAPTURE_LOSSES = {
  evictions:
    'owner or reset lines waiting for their connection, or UDP flows, evicted to bound memory (raise BPFTRACE_MAP_KEYS_MAX)',
  closedForgotten:
    'closed connections forgotten early to bound memory: their rows are out, but a late RST or a local peer may go unattributed (BPFTRACE_MAP_KEYS_MAX sizes this too)',
  abandonedConnections: 'live connections lost their final row because bpftrace started over',
  closedMapFull:
    "closes found the second's @closed map full and went out as lines instead (nothing lost; raise BPFTRACE_MAP_KEYS_MAX above the closes per second)",
  lateTicks:
    "seconds in which bpftrace's output was more than a second behind: closes and flushes waited in the kernel (nothing lost unless its maps fill)",
  lateLines: 'events arrived too late to be applied in order',
} as const satisfies Partial<Record<keyof CaptureStats, string>>;

class AgentLoop implements Agent {
  private readonly intervalMs: number;
  /** From a "flushed" line to the write of its rows. */
  private readonly settleMs: number;
  private readonly usage = new ProcessUsageSampler();
  private readonly health: HealthRecorder;
  private readonly gaps = new ClosedGaps();
  private readonly marker: RunMarker | undefined;
  /** The wall clock's offset when the pipelines took theirs. */
  private readonly startOffsetMs: number;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopping: Promise<AgentSummary> | undefined;
  private last: IntervalReport | undefined;
  private intervals = 0;
  private probesAttached = 0;
  private losses: Record<keyof typeof CAPTURE_LOSSES, number>;

  constructor(private readonly parts: LoopParts) {
    this.intervalMs = parts.intervalSeconds * 1000;
    this.settleMs = parts.pipeline.reorderWindowMs + WRITE_MARGIN_MS;
    this.startOffsetMs = parts.wall.offsetMs;
    if (parts.stateDir !== undefined) {
      this.marker = openRunMarker(parts.stateDir, Math.floor(parts.wall.nowMs()));
      const unclean = this.marker.uncleanStop;
      if (unclean) {
        parts.log(
          `the last agent did not stop cleanly: nothing was captured for ${Math.round((unclean.end! - unclean.start) / 1000)} s`
        );
        this.gaps.add('agent', [unclean]);
      }
    }
    // Rows the spool found damaged when it opened were dropped before the first interval: they count in it.
    this.health = new HealthRecorder(parts.node, agentVersion, { ...this.sample(), recordsDropped: 0 });
    this.losses = this.captureLosses();
    this.scheduleIn(this.intervalMs + this.settleMs);
  }

  /** bpftrace printed a "flushed" line: its rows are ready once the reorder window has passed. */
  flushed(): void {
    if (this.stopping === undefined) {
      this.scheduleIn(this.settleMs);
    }
  }

  status(): IntervalReport | undefined {
    return this.last;
  }

  stop(): Promise<AgentSummary> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  private async finish(): Promise<AgentSummary> {
    clearTimeout(this.timer);
    while (this.ticking !== undefined) {
      await this.ticking;
    }
    const [exit] = await Promise.all([this.parts.supervisor.stop(), this.parts.dns.stop(), this.parts.identity.stop()]);
    if (exit !== undefined && (exit.code !== 0 || exit.signal !== null)) {
      this.parts.log(
        `bpftrace did not end cleanly (code ${exit.code}, signal ${exit.signal}): its last flush may be missing`
      );
    }
    this.parts.pipeline.drain();
    await this.interval(true);
    this.marker?.clear();
    const w = this.parts.writer.stats();
    return {
      rowsWritten: w.sent,
      rowsDropped: w.dropped,
      intervals: this.intervals,
      lateTicks: this.parts.pipeline.stats().lateTicks,
    };
  }

  /** Replaces the pending write's time. */
  private scheduleIn(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
  }

  /** One write at a time: a write due while the last one still waits for the store runs after it. */
  private tick(): void {
    this.timer = undefined;
    const run = (this.ticking ?? Promise.resolve())
      .then(() => this.interval(false))
      .catch((err: unknown) => this.parts.log(`interval failed: ${(err as Error).message}`));
    this.ticking = run;
    void run.finally(() => {
      if (this.ticking !== run) {
        return;
      }
      this.ticking = undefined;
      // Only when no "flushed" line has set the next write meanwhile: the fallback for lost ones.
      if (this.stopping === undefined && this.timer === undefined) {
        this.scheduleIn(this.intervalMs + this.settleMs);
      }
    });
  }

  /**
   * Writes the interval's rows and its health row. The last one (at stop) gives up on what the
   * store did not take, except what a disk spool keeps for the next start.
   */
  private async interval(last: boolean): Promise<void> {
    const { writer, pipeline, supervisor, dns, identity, wall } = this.parts;
    const step = wall.check();
    if (step !== 0) {
      this.parts.log(`the wall clock stepped by ${(step / 1000).toFixed(1)} s: rows are stamped on the new time`);
    }
    // DNS first: taking its rows applies the answers that are past its reorder window to the name
    // map, so a connection opened right after its lookup is written with the name.
    const dnsRows = this.onCurrentTime(dns.takeRows());
    const rows = identity.enrichConnections(this.onCurrentTime(pipeline.takeRows()), dns.names);
    writer.write('connections', rows);
    writer.write('dns_queries', dnsRows);
    writer.write('container_metadata', identity.takeMetadataRows(Math.floor(wall.nowMs())));
    await writer.flush({ force: last });
    if (last) {
      await writer.abandonPending('the agent stopped before the store took them');
    }
    this.gaps.add('connections', supervisor.status().gaps);
    const health = this.health.record(this.sample(last), this.gaps.add('dns', dns.health().gaps, 'dns.bt: '));
    writer.write('agent_health', health);
    await writer.flush({ force: last });
    if (last) {
      await writer.abandonPending('the agent stopped before the store took them');
    }
    this.marker?.interval(health[0].ts);
    this.warnAboutLosses();
    this.intervals++;
    const h = health[0];
    this.last = {
      ts: h.ts,
      intervalMs: h.interval_ms,
      probesAttached: h.probes_attached,
      probesExpected: h.probes_expected,
      eventsRead: h.events_read,
      lostEvents: h.lost_events,
      malformedLines: h.malformed_lines,
      mapFullErrors: h.map_full_errors,
      rowsWritten: h.records_sent,
      rowsPending: writer.stats().pendingRows,
      bpftraceRestarts: h.bpftrace_restarts,
      topTalkers: topTalkers(rows),
    };
    try {
      this.parts.onInterval?.(this.last);
    } catch (err) {
      this.parts.log(`onInterval failed: ${(err as Error).message}`);
    }
  }

  /**
   * The pipelines map monotonic time to wall time with the offset they took at the start; rows
   * move by the steps of the wall clock since, so they land on the time the clock now shows.
   */
  private onCurrentTime<R extends { ts: number }>(rows: R[]): R[] {
    const shift = this.parts.wall.offsetMs - this.startOffsetMs;
    if (shift !== 0) {
      for (const row of rows) {
        row.ts += shift;
      }
    }
    return rows;
  }

  /** At stop, bpftrace is gone because the agent ended it: the probes were attached for the whole last interval. */
  private sample(stopped = false): HealthSample {
    const status = this.parts.supervisor.status();
    const dns = this.parts.dns.health();
    const probesAttached = stopped ? this.probesAttached : (status.probesAttached ?? 0) + dns.probesAttached;
    this.probesAttached = probesAttached;
    const capture = this.parts.pipeline.stats();
    const written = this.parts.writer.stats();
    const usage = this.usage.sample([status.pid, dns.pid]);
    const monotonicMs = this.parts.wall.monotonicNs() / 1e6;
    return {
      ts: Math.floor(this.parts.wall.offsetMs + monotonicMs),
      monotonicMs,
      eventsRead: capture.linesRead + dns.eventsRead,
      lostEvents: capture.lostEvents + dns.lostEvents,
      // Lines too long to take in did not parse either.
      malformedLines: capture.malformedLines + capture.unknownLines + status.oversizedLines + dns.malformedLines,
      mapFullErrors: capture.mapFullErrors,
      bpftraceRestarts: status.restarts + dns.restarts,
      recordsSpooled: written.spooled,
      recordsSent: written.sent,
      recordsDropped: written.dropped,
      cpuMs: usage.cpuMs,
      probesAttached,
      probesExpected: status.expectedProbes + dns.probesExpected,
      spoolBytes: written.spoolBytes,
      rssBytes: usage.rssBytes,
    };
  }

  private captureLosses(): Record<keyof typeof CAPTURE_LOSSES, number> {
    const s = this.parts.pipeline.stats();
    const keys = Object.keys(CAPTURE_LOSSES) as Array<keyof typeof CAPTURE_LOSSES>;
    return Object.fromEntries(keys.map((k) => [k, s[k]])) as Record<keyof typeof CAPTURE_LOSSES, number>;
  }

  private warnAboutLosses(): void {
    const now = this.captureLosses();
    for (const key of Object.keys(CAPTURE_LOSSES) as Array<keyof typeof CAPTURE_LOSSES>) {
      if (now[key] > this.losses[key]) {
        this.parts.log(`${now[key] - this.losses[key]} ${CAPTURE_LOSSES[key]}`);
      }
    }
    this.losses = now;
  }
}
