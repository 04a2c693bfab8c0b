import type { DnsQueryRow } from '../shared/schema';
import type { BpftraceProgram } from './bpftrace/bpftraceProgram';
import { BpftraceSupervisor, type Gap, type SupervisorEvent } from './bpftrace/bpftraceSupervisor';
import { dnsProgram } from './bpftrace/dnsProgram';
import { runPreflight } from './bpftrace/preflight';
import type { CaptureClock } from './capture/capturePipeline';
import type { AttributeCgroup, AttributeProcess, LookupMetadata } from './capture/connectionRow';
import type { DnsNameMap } from './dns/dnsNameMap';
import { DnsPacketLines } from './dns/dnsPacketLine';
import { createDnsPipeline, type DnsPipeline } from './dns/dnsPipeline';

/**
 * DNS capture beside the connections capture: bpf/dns.bt under a supervisor of its own, its lines
 * through DnsPacketLines into the DNS pipeline, dns_queries rows for the agent's writer and the
 * IP -> name map for connection rows.
 *
 * DNS is never a reason for the agent to go down: when dns.bt cannot run here (preflight), does
 * not attach, or gives up after crashes, one line says so, the program's probes stay expected
 * but unattached in agent_health (probes_attached < probes_expected is the counter), and
 * connections are captured as before. Crashes after a good start are restarted by the
 * supervisor, with their gaps in agent_health.
 */

export interface DnsCaptureOptions {
  readonly node: string;
  readonly bpftracePath: string;
  /** UDP ports watched besides 53, at most DNS_EXTRA_PORTS_MAX. */
  readonly extraPorts?: readonly number[];
  /** A question with no answer this long is stored as TIMEOUT. Default 5. */
  readonly timeoutSeconds?: number;
  /** pid -> comm and container: the agent's ProcessInfoCache. */
  readonly attribute: AttributeProcess;
  /** Socket cgroup id -> container: the agent's CgroupIdIndex. */
  readonly attributeCgroup: AttributeCgroup;
  /** container id -> pod metadata for the client_* columns. */
  readonly metadata?: LookupMetadata;
  readonly log: (line: string) => void;
  readonly onEvent?: (event: SupervisorEvent) => void;
  /** The agent's clock, so DNS rows are stamped like connections rows. */
  readonly clock?: CaptureClock;
}

/** Cumulative counters and levels, merged into the agent's health sample. */
export interface DnsCaptureHealth {
  readonly eventsRead: number;
  readonly lostEvents: number;
  /** Lines that did not parse or were too long, heads whose payload never came, and undecodable DNS payloads. */
  readonly malformedLines: number;
  readonly restarts: number;
  readonly probesAttached: number;
  readonly probesExpected: number;
  /** The running dns.bt's bpftrace. */
  readonly pid: number | undefined;
  readonly gaps: readonly Gap[];
}

export const DEFAULT_DNS_TIMEOUT_SECONDS = 5;
/** Pairing and timeouts run this often between writes, so memory and TIMEOUT rows do not wait for the interval. */
const TICK_MS = 1_000;
const HELLO_TIMEOUT_MS = 30_000;

export class DnsCapture {
  private readonly pipeline: DnsPipeline;
  private readonly lines = new DnsPacketLines();
  private readonly supervisor: BpftraceSupervisor;
  private readonly program: BpftraceProgram;
  private readonly c = { linesRead: 0, lostEvents: 0, badLines: 0, lastBadLine: '' };
  private reported = { malformed: 0, evictions: 0, badLines: 0 };
  private started = false;
  private begun: (() => void) | undefined;
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly opts: DnsCaptureOptions) {
    const timeoutSeconds = opts.timeoutSeconds ?? DEFAULT_DNS_TIMEOUT_SECONDS;
    if (!(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds)) {
      throw new RangeError(`DnsCapture timeoutSeconds: expected a number of seconds > 0, got ${timeoutSeconds}`);
    }
    this.program = dnsProgram({ extraPorts: opts.extraPorts });
    this.pipeline = createDnsPipeline({
      node: opts.node,
      attribute: opts.attribute,
      attributeCgroup: opts.attributeCgroup,
      metadata: opts.metadata,
      timeoutMs: timeoutSeconds * 1000,
      clock: opts.clock,
    });
    this.supervisor = new BpftraceSupervisor({
      program: this.program,
      bpftracePath: opts.bpftracePath,
      onLine: (line) => this.handleLine(line),
      onEvent: opts.onEvent,
    });
  }

  /** IP -> the last name whose DNS answer held it on this node (connections.remote_dns_name). */
  get names(): DnsNameMap {
    return this.pipeline.names;
  }

  /** Resolves once dns.bt runs, or once it is clear it cannot (logged); never rejects. */
  async start(): Promise<void> {
    const check = await runPreflight({ program: this.program, bpftracePath: this.opts.bpftracePath });
    if (!check.ok) {
      this.off(check.message);
      return;
    }
    const begin = new Promise<void>((resolve) => (this.begun = resolve));
    let timer: NodeJS.Timeout | undefined;
    try {
      this.started = true;
      await this.supervisor.start();
      // bpftrace announces its probes before attaching them; BEGIN's hello comes once they are.
      await Promise.race([
        begin,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no dns_hello line within ${HELLO_TIMEOUT_MS} ms of attaching`)),
            HELLO_TIMEOUT_MS
          );
        }),
      ]);
    } catch (err) {
      await this.supervisor.stop();
      this.off((err as Error).message);
      return;
    } finally {
      clearTimeout(timer);
    }
    this.ticker = setInterval(() => this.pipeline.tick(), TICK_MS);
  }

  /** Once per agent interval: the questions completed since the last call; logs what was lost meanwhile. */
  takeRows(): DnsQueryRow[] {
    const rows = this.pipeline.takeRows();
    this.warnAboutLosses();
    return rows;
  }

  /** Ends dns.bt and pairs everything it printed; questions still within the timeout are not written. */
  async stop(): Promise<void> {
    clearInterval(this.ticker);
    if (this.started) {
      const exit = await this.supervisor.stop();
      if (exit !== undefined && (exit.code !== 0 || exit.signal !== null)) {
        this.opts.log(`dns.bt did not end cleanly (code ${exit.code}, signal ${exit.signal})`);
      }
    }
    this.pipeline.drain();
  }

  health(): DnsCaptureHealth {
    const s = this.supervisor.status();
    return {
      eventsRead: this.c.linesRead,
      lostEvents: this.c.lostEvents,
      malformedLines: this.c.badLines + s.oversizedLines + this.lines.evicted + this.pipeline.stats().malformed,
      restarts: s.restarts,
      probesAttached: s.probesAttached ?? 0,
      probesExpected: s.expectedProbes,
      pid: s.pid,
      gaps: s.gaps,
    };
  }

  private off(why: string): void {
    this.opts.log(`DNS capture is off: ${why}; connections are still captured`);
  }

  private handleLine(line: string): void {
    this.c.linesRead++;
    const parsed = this.lines.parse(line);
    switch (parsed.kind) {
      case 'packet':
        this.pipeline.handlePacket(parsed.packet);
        return;
      case 'hello':
        this.begun?.();
        this.begun = undefined;
        return;
      case 'lostEvents':
        this.c.lostEvents += parsed.count;
        return;
      case 'malformed':
      case 'unknown':
        this.c.badLines++;
        this.c.lastBadLine = parsed.reason;
        return;
      case 'pending':
      case 'attachedProbes':
        return;
    }
  }

  private warnAboutLosses(): void {
    const p = this.pipeline.stats();
    const now = { malformed: p.malformed, evictions: p.evictions, badLines: this.c.badLines };
    const was = this.reported;
    if (now.malformed > was.malformed) {
      this.opts.log(`${now.malformed - was.malformed} malformed DNS payloads ignored (last: ${p.lastMalformedReason})`);
    }
    if (now.badLines > was.badLines) {
      this.opts.log(`${now.badLines - was.badLines} dns.bt lines did not parse (last: ${this.c.lastBadLine})`);
    }
    if (now.evictions > was.evictions) {
      this.opts.log(`${now.evictions - was.evictions} unanswered DNS questions dropped to bound memory`);
    }
    this.reported = now;
  }
}
