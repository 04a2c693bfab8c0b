import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describeExit, errorSummary } from '../bpftrace/bpftraceMessages';
import { diesWithAgent, findExecutable } from '../bpftrace/childCommand';
import { LineSplitter } from '../bpftrace/lineSplitter';
import { RestartBackoff, type BackoffPolicy } from '../bpftrace/restartBackoff';
import { parseConntrackLine } from './conntrackLine';
import type { NatTable } from './natTable';

/**
 * Feeds a NatTable from the kernel's conntrack events, read through `conntrack -E` (Debian package
 * conntrack), for as long as the agent runs.
 *
 * Why conntrack events: a NEW event carries both tuples of the flow as netfilter will rewrite
 * them, the original (what the client's socket names: the Service IP) and the reply (whose source
 * is the backend pod), so the translation is read, not inferred, and it covers every NAT engine
 * that uses conntrack (kube-proxy iptables and nftables modes, IPVS with conntrack, plain nft
 * rules). The alternatives fall short: this kernel has no netfilter or NAT tracepoints (no
 * nf/nat group in /sys/kernel/tracing/events), kprobes on nf_nat_* are unstable internals,
 * polling /proc/net/nf_conntrack misses entries between polls and costs a full table walk each
 * time, and Node cannot open a netlink socket without a native addon.
 *
 * The event for a connect is emitted when its first packet leaves netfilter, before the
 * connection is established, but it reaches us through another pipe than bpftrace's line for the
 * same connect, so neither order is promised: see NatTable for how lookups cope.
 *
 * Connections made before the agent started (or while conntrack was down) have no NEW event to
 * come, so each run also lists the flows that exist, `conntrack -L --dst-nat`, once its event
 * socket is open: conntrack says so with its buffer-size NOTICE, and from then on no flow can
 * fall between the listing and the events.
 *
 * `--dst-nat` keeps only DNAT'd flows, so a node's ordinary connections cost no parsing here;
 * the larger netlink buffer makes ENOBUFS (the kernel dropping events for a slow reader) rarer,
 * and each one conntrack reports is counted. If conntrack cannot run (not installed, no
 * CAP_NET_ADMIN, events disabled), that is said once in a message naming the cause, capture goes
 * on without Service backends, and a crashed conntrack is restarted with backoff.
 */

export type ConntrackEvent =
  | { readonly type: 'started'; readonly pid: number | undefined }
  /** An unexpected end; a restart follows. */
  | { readonly type: 'exited'; readonly reason: string }
  | { readonly type: 'restarting'; readonly delayMs: number }
  /** No Service backends until the cause is fixed; retrying cannot help, so none follows. */
  | { readonly type: 'unavailable'; readonly message: string }
  /** Running, but some or all translations will be missing. */
  | { readonly type: 'warning'; readonly message: string };

export interface ConntrackEventsOptions {
  readonly table: NatTable;
  /** Path or name on PATH; default `conntrack`. */
  readonly conntrackPath?: string;
  readonly onEvent?: (event: ConntrackEvent) => void;
  readonly backoff?: BackoffPolicy;
  /** Where the kernel says whether it sends events at all; overridable for tests. */
  readonly eventsSysctlPath?: string;
}

/** Cumulative since construction. */
export interface ConntrackEventsStats {
  readonly running: boolean;
  readonly pid: number | undefined;
  /** Lines that were a NEW tcp/udp flow. */
  readonly events: number;
  /** Existing flows read by the listing at each start, and the listings that completed. */
  readonly listedFlows: number;
  readonly listings: number;
  readonly malformedLines: number;
  readonly lastMalformedReason: string;
  readonly ignoredLines: number;
  /** Times conntrack reported that the kernel dropped events (ENOBUFS). */
  readonly lostEventReports: number;
  readonly restarts: number;
  /** Why there are no translations now, or the last problem; undefined when all is well. */
  readonly lastError: string | undefined;
}

export const CONNTRACK_ARGS: readonly string[] = [
  '-E',
  '-e',
  'NEW',
  '-o',
  'extended',
  '--dst-nat',
  '--buffer-size',
  `${8 << 20}`,
];
export const LIST_ARGS: readonly string[] = ['-L', '--dst-nat', '-o', 'extended'];
const SUBSCRIBED = /^NOTICE: Netlink socket buffer size has been set/;
const LIST_TIMEOUT_MS = 30_000;
export const DEFAULT_EVENTS_SYSCTL = '/proc/sys/net/netfilter/nf_conntrack_events';
/** A restart costs one short-lived process; up to 30 s between tries keeps a permanent fault quiet. */
const CONNTRACK_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, stableMs: 60_000 };
const MAX_LINE_BYTES = 4096;
const STDERR_LINES_KEPT = 10;
const STOP_TIMEOUT_MS = 2000;

export class ConntrackEvents {
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private child: ChildProcess | undefined;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private readonly backoff: RestartBackoff;
  private readonly killOnExit = () => this.child?.kill('SIGKILL');
  private readonly counts = {
    events: 0,
    listedFlows: 0,
    listings: 0,
    malformedLines: 0,
    ignoredLines: 0,
    lostEventReports: 0,
    restarts: 0,
  };
  private lastMalformedReason = '';
  private lastError: string | undefined;

  constructor(private readonly opts: ConntrackEventsOptions) {
    this.backoff = new RestartBackoff(opts.backoff ?? CONNTRACK_BACKOFF);
  }

  /** Starts reading events; problems are reported through onEvent, never thrown. */
  start(): void {
    if (this.state !== 'idle') {
      throw new Error(`ConntrackEvents.start: already ${this.state}; it starts once`);
    }
    const name = this.opts.conntrackPath ?? 'conntrack';
    const path = findExecutable(name);
    if (path === undefined) {
      this.state = 'stopped';
      this.report({
        type: 'unavailable',
        message: `Service IP backends unavailable: ${JSON.stringify(name)} is not an executable on PATH (install the conntrack package); connections to Service IPs are stored without their backend`,
      });
      return;
    }
    this.checkEventsEnabled();
    this.state = 'running';
    process.on('exit', this.killOnExit);
    this.spawnConntrack(path);
  }

  /** Ends conntrack (SIGTERM, SIGKILL after 2 s); resolves once its last line is in the table. */
  stop(): Promise<void> {
    this.stopping ??= this.endConntrack();
    return this.stopping;
  }

  private endConntrack(): Promise<void> {
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (this.state !== 'running' || child === undefined) {
      this.state = 'stopped';
      process.off('exit', this.killOnExit);
      return Promise.resolve();
    }
    this.state = 'stopping';
    return new Promise((resolve) => {
      const killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      this.stopped = () => {
        clearTimeout(killTimer);
        this.state = 'stopped';
        process.off('exit', this.killOnExit);
        resolve();
      };
      child.kill('SIGTERM');
    });
  }

  stats(): ConntrackEventsStats {
    return {
      running: this.child !== undefined,
      pid: this.child?.pid,
      ...this.counts,
      lastMalformedReason: this.lastMalformedReason,
      lastError: this.lastError,
    };
  }

  private report(event: ConntrackEvent): void {
    if (event.type === 'unavailable' || event.type === 'warning') {
      this.lastError = event.message;
    } else if (event.type === 'exited') {
      this.lastError = `conntrack ended unexpectedly (${event.reason})`;
    }
    this.opts.onEvent?.(event);
  }

  /** With events off the kernel stays silent and conntrack runs happily: the one cause worth checking first. */
  private checkEventsEnabled(): void {
    const sysctl = this.opts.eventsSysctlPath ?? DEFAULT_EVENTS_SYSCTL;
    let value: string;
    try {
      value = readFileSync(sysctl, 'utf8').trim();
    } catch {
      // nf_conntrack not loaded yet: nothing is translated now, and loading it enables events by default.
      return;
    }
    if (value === '0') {
      this.report({
        type: 'warning',
        message: `conntrack events are disabled (${sysctl} is 0): Service IP backends will be missing until it is set to 1`,
      });
    }
  }

  private spawnConntrack(path: string): void {
    const [file, args] = diesWithAgent(path, CONNTRACK_ARGS);
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    this.startedAt = Date.now();
    const stdout = new LineSplitter(MAX_LINE_BYTES);
    const stderr = new LineSplitter(MAX_LINE_BYTES);
    const errorLines: string[] = [];
    let ended = false;
    const onEnded = (how: string) => {
      if (ended) {
        return;
      }
      ended = true;
      stdout.end().forEach((l) => this.onLine(l));
      stderr.end().forEach((l) => this.onStderr(l, errorLines, path));
      this.counts.malformedLines += stdout.oversizedLines;
      this.child = undefined;
      if (this.state !== 'running') {
        this.stopped?.();
        return;
      }
      const said = errorSummary(errorLines);
      const hint = /netlink|not permitted/i.test(said ?? '') ? ' (conntrack -E needs root or CAP_NET_ADMIN)' : '';
      this.report({ type: 'exited', reason: `${said === undefined ? how : `${how}: ${said}`}${hint}` });
      const delayMs = this.backoff.next(Date.now() - this.startedAt);
      this.report({ type: 'restarting', delayMs });
      this.restartTimer = setTimeout(() => {
        this.counts.restarts++;
        this.spawnConntrack(path);
      }, delayMs);
    };
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk).forEach((l) => this.onLine(l)));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk).forEach((l) => this.onStderr(l, errorLines, path)));
    // A spawn failure (EACCES) may give 'error' and no 'close'; other errors come with a 'close'.
    child.on('error', (err) => {
      if (child.pid === undefined) {
        onEnded(`could not run ${path}: ${err.message}`);
      }
    });
    // 'close' comes after the pipes drained: every line is in by now.
    child.on('close', (code, signal) => onEnded(describeExit(code, signal)));
    if (child.pid !== undefined) {
      this.report({ type: 'started', pid: child.pid });
    }
  }

  private listExisting(path: string): void {
    const child = spawn(path, LIST_ARGS, {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: LIST_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    const stdout = new LineSplitter(MAX_LINE_BYTES);
    const errorLines: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk).forEach((l) => this.onLine(l, 'listedFlows')));
    child.stderr.on('data', (chunk: Buffer) => errorLines.push(...chunk.toString('utf8').split('\n')));
    let failure: string | undefined;
    child.on('error', (err) => (failure = err.message));
    child.on('close', (code, signal) => {
      stdout.end().forEach((l) => this.onLine(l, 'listedFlows'));
      this.counts.malformedLines += stdout.oversizedLines;
      if (failure === undefined && code === 0) {
        this.counts.listings++;
        return;
      }
      const why = failure ?? describeExit(code, signal);
      const said = errorSummary(errorLines.filter((l) => !/flow entries have been shown/.test(l)));
      this.report({
        type: 'warning',
        message: `existing Service IP connections were not read (\`${path} ${LIST_ARGS.join(' ')}\` ${why}${said === undefined ? '' : `: ${said}`}): those opened before now have no backend`,
      });
    });
  }

  private onLine(line: string, counter: 'events' | 'listedFlows' = 'events'): void {
    const parsed = parseConntrackLine(line);
    switch (parsed.kind) {
      case 'flow':
        this.counts[counter]++;
        this.opts.table.record(parsed.flow);
        return;
      case 'ignored':
        this.counts.ignoredLines++;
        return;
      case 'malformed':
        this.counts.malformedLines++;
        this.lastMalformedReason = parsed.reason;
        return;
    }
  }

  private onStderr(line: string, errorLines: string[], path: string): void {
    if (SUBSCRIBED.test(line) && this.state === 'running') {
      this.listExisting(path);
    }
    if (line.includes('ENOBUFS')) {
      this.counts.lostEventReports++;
      this.report({
        type: 'warning',
        message: 'the kernel dropped conntrack events (ENOBUFS): some Service IP backends are missing',
      });
    }
    // Its own closing summary ("N flow events have been shown.") and buffer NOTICE explain nothing.
    if (!/flow events have been shown|^NOTICE:/.test(line)) {
      errorLines.push(line);
      errorLines.splice(0, errorLines.length - STDERR_LINES_KEPT);
    }
  }
}
