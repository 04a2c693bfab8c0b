import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { checkCapture, PreflightError, startAgent, type Agent } from '../agent/agent';
import { DNS_EXTRA_PORTS_MAX } from '../agent/bpftrace/dnsProgram';
import { DEFAULT_DNS_TIMEOUT_SECONDS } from '../agent/dnsCapture';
import { VectorSink } from '../agent/sink/vectorSink';
import { LiveStatus } from '../agent/status/liveStatus';
import { DiskPendingBatches } from '../agent/writer/diskPendingBatches';
import type { RowSink } from '../agent/writer/rowSink';
import { migrate } from '../store/migrate';
import { openForCli } from '../store/openForCli';
import type { Store } from '../store/store';
import { serveUi, type RunningUi } from './host/serveUi';
import { listenPort, positiveInteger, positiveSeconds } from './optionParsers';
import { storeOptionsOf } from './storeOptions';

interface UpFlags {
  interval: number;
  duration?: number;
  ui: boolean;
  uiPort: number;
  sink: 'clickhouse' | 'vector';
  vectorUrl: string;
  spoolDir?: string;
  spoolMaxBytes: number;
  dnsPorts: number[];
  dnsTimeout: number;
  inventory?: string;
  kubeconfig?: string;
  cluster?: string;
}

export function addUpCommand(program: Command): void {
  program
    .command('up')
    .description('capture on this host into the store, and serve the local UI on 127.0.0.1:3000')
    // Whole seconds: bpftrace flushes on a one-second tick.
    .addOption(new Option('--interval <seconds>', 'flush interval').argParser(positiveInteger).default(10))
    .addOption(
      new Option('--duration <seconds>', 'stop by itself after this long, flushing everything first').argParser(
        positiveSeconds
      )
    )
    .option('--no-ui', 'do not serve the local UI')
    .addOption(
      new Option('--ui-port <port>', 'port of the local UI on 127.0.0.1 (0 = any free port)')
        .argParser(listenPort)
        .default(3000)
    )
    .addOption(
      new Option(
        '--sink <sink>',
        'where records go: the store, or Vector (the fleet pipeline: run netmon migrate against its ClickHouse)'
      )
        .choices(['clickhouse', 'vector'])
        .default('clickhouse')
    )
    .addOption(
      new Option('--vector-url <url>', "Vector's http_server source, for --sink vector")
        .env('NETMON_VECTOR_URL')
        .argParser(vectorUrl)
        .default(DEFAULT_VECTOR_URL)
    )
    .addOption(
      new Option(
        '--spool-dir <dir>',
        'keep records the sink has not taken on disk here, across restarts ' +
          '(default: <data-dir>/spool with --sink vector or --clickhouse-url; in memory for the embedded store)'
      )
    )
    .addOption(
      new Option('--spool-max-bytes <size>', 'bound of the spool; past it the oldest records are dropped')
        .argParser(byteSize)
        .default(DEFAULT_SPOOL_MAX_BYTES, '1G')
    )
    .addOption(
      new Option(
        '--dns-ports <ports>',
        `UDP ports watched for DNS besides 53, comma-separated (at most ${DNS_EXTRA_PORTS_MAX})`
      )
        .argParser(dnsPorts)
        .default([], 'none')
    )
    .addOption(
      new Option('--dns-timeout <seconds>', 'a DNS question unanswered this long is stored as TIMEOUT')
        .argParser(positiveSeconds)
        .default(DEFAULT_DNS_TIMEOUT_SECONDS)
    )
    .option('--inventory <file>', 'static metadata for hosts, services and networks Kubernetes does not know (YAML)')
    .addOption(
      new Option('--kubeconfig <file>', 'watch Kubernetes through this kubeconfig (in a pod: its service account)').env(
        'KUBECONFIG'
      )
    )
    .option('--cluster <name>', "cluster name written with this node's workloads")
    .action(async (flags: UpFlags, cmd: Command) => {
      // Listening before anything else, so a signal during startup still ends in a clean shutdown.
      const stop = stopSignal();
      try {
        await capture(flags, cmd, stop);
      } catch (err) {
        if (!(err instanceof PreflightError)) {
          throw err;
        }
        // The check's own line and its sysexits code (77 permissions, 69 a missing piece).
        console.error(`error: ${err.message}`);
        process.exitCode = err.exitCode;
      } finally {
        stop.cancel();
      }
    });
}

async function capture(flags: UpFlags, cmd: Command, stop: StopSignal): Promise<void> {
  // Before the store: a host that cannot capture says so in seconds, without touching the data dir.
  const { bpftracePath } = await checkCapture({ intervalSeconds: flags.interval });
  const live = new LiveStatus(process.stdout);
  const log = (line: string) => live.log(`netmon up: ${line}`);
  const storeOptions = storeOptionsOf(cmd);
  // Spooled to disk whenever records leave the process; the embedded store is in it, so a disk
  // copy in front of it would only write everything twice.
  const spoolDir =
    flags.spoolDir ??
    (flags.sink === 'vector' || storeOptions.url !== undefined ? join(storeOptions.dataDir, 'spool') : undefined);
  // With Vector nothing is written here: the aggregator's server is migrated by `netmon migrate` against it.
  const store = flags.sink === 'clickhouse' ? await openForCli(storeOptions) : undefined;
  let spool: DiskPendingBatches | undefined;
  let agent: Agent | undefined;
  let ui: RunningUi | undefined;
  try {
    if (store) {
      await migrate(store, { onProgress: (line) => live.log(line) });
    }
    if (spoolDir !== undefined) {
      spool = await DiskPendingBatches.open({ dir: resolve(spoolDir), maxBytes: flags.spoolMaxBytes, log });
    }
    const sink: RowSink = store ?? new VectorSink({ url: flags.vectorUrl, node: hostname() });
    if (flags.ui) {
      ui = store ? await startUi(store, flags.uiPort, log) : undefined;
      if (!store) {
        log('no local UI with --sink vector: the records go to the fleet ClickHouse, which Grafana reads');
      }
    }
    agent = await startAgent({
      store: sink,
      pending: spool,
      // Keeps one request to Vector to a few MB.
      maxBatchRows: store ? undefined : VECTOR_BATCH_ROWS,
      intervalSeconds: flags.interval,
      bpftracePath,
      dnsExtraPorts: flags.dnsPorts,
      dnsTimeoutSeconds: flags.dnsTimeout,
      metadata: { inventoryPath: flags.inventory, kubeconfigPath: flags.kubeconfig, cluster: flags.cluster },
      // Both are locked by their owner, so one agent uses them; the spool is what survives an unclean stop.
      stateDir: spool?.dir ?? (store ? resolve(storeOptions.dataDir) : undefined),
      log,
      onInterval: (report) => live.show(report),
    });
    const target = store ? `holding ${store.description}` : `sending to ${sink.description}`;
    console.log(`netmon up: ${target}; capturing with ${bpftracePath} every ${flags.interval}s`);
    if (spool) {
      console.log(`netmon up: spooling unsent records in ${spool.dir} (at most ${flags.spoolMaxBytes} bytes)`);
    }
    if (ui) {
      console.log(`UI: ${ui.url}`);
    }
    if (flags.duration !== undefined) {
      stop.after(flags.duration);
    }
    live.log(`netmon up: stopping (${await stop.reason})`);
    const summary = await agent.stop();
    agent = undefined;
    live.log(
      `netmon up: wrote ${summary.rowsWritten} rows in ${summary.intervals} intervals` +
        (summary.rowsDropped > 0 ? `; dropped ${summary.rowsDropped} (see agent_health.records_dropped)` : '') +
        (spool && spool.rows > 0 ? `; ${spool.rows} stay spooled in ${spool.dir} for the next start` : '')
    );
  } finally {
    // Only after a failure: stop bpftrace before the store it writes to goes away.
    await agent?.stop().catch(() => undefined);
    await ui?.close();
    await spool?.close();
    await store?.close();
  }
}

/** The UI on the store `up` holds; a taken port says which flags get around it. */
async function startUi(store: Store, port: number, log: (line: string) => void): Promise<RunningUi> {
  const ui = await serveUi(store, port);
  if (!ui.built) {
    log('the UI is not built: run `npm run build:host` (npm start does), then reload the page');
  }
  return ui;
}

const DEFAULT_VECTOR_URL = 'http://127.0.0.1:8687';
const DEFAULT_SPOOL_MAX_BYTES = 1024 ** 3;
const VECTOR_BATCH_ROWS = 10_000;

function vectorUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new InvalidArgumentError(
      `expected the http:// or https:// URL of Vector's http_server source, e.g. ${DEFAULT_VECTOR_URL}, got "${value}".`
    );
  }
  return value;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Bytes, or k/M/G (powers of 1024, an optional "B" or "iB" after them): 1G, 512M, 1GiB. */
function byteSize(value: string): number {
  const m = /^(\d+)\s*([kmg]?)(?:i?b)?$/i.exec(value.trim());
  const bytes = m ? Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()] : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new InvalidArgumentError(
      `expected a size of at least 1 byte: a number of bytes or one with a k, M or G suffix (powers of 1024), e.g. 512M or 1G, got "${value}".`
    );
  }
  return bytes;
}

/** dns.bt takes a fixed number of extra ports; 53 is always watched. */
function dnsPorts(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  const ports = parts.map(Number);
  const bad = parts.find((p, i) => !/^\d+$/.test(p) || ports[i] < 1 || ports[i] > 65535 || ports[i] === 53);
  if (bad !== undefined) {
    throw new InvalidArgumentError(
      `expected UDP ports in [1, 65535] other than 53 (always watched), comma-separated, got "${bad}" in "${value}".`
    );
  }
  const unique = [...new Set(ports)];
  if (unique.length > DNS_EXTRA_PORTS_MAX) {
    throw new InvalidArgumentError(
      `expected at most ${DNS_EXTRA_PORTS_MAX} ports besides 53, got ${unique.length} in "${value}".`
    );
  }
  return unique;
}

interface StopSignal {
  /** Resolves with what stopped it: SIGINT, SIGTERM or the duration. */
  reason: Promise<string>;
  /** Stops by itself `seconds` from now: counted from when capture runs, not from startup. */
  after(seconds: number): void;
  /** Stops listening. */
  cancel(): void;
}

function stopSignal(): StopSignal {
  let settle!: (why: string) => void;
  const reason = new Promise<string>((resolve) => (settle = resolve));
  const stop = (why: string) => {
    cancel();
    settle(why);
  };
  // Signal handlers alone do not keep Node running; this timer does until one fires.
  let timer = setInterval(() => undefined, 1 << 30);
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  function cancel() {
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    reason,
    after(seconds) {
      clearTimeout(timer);
      timer = setTimeout(() => stop(`--duration ${seconds}s elapsed`), seconds * 1000);
    },
    cancel,
  };
}
