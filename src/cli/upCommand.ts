import { InvalidArgumentError, Option, type Command } from 'commander';
import { checkCapture, PreflightError, startAgent, type Agent } from '../agent/agent';
import { DNS_EXTRA_PORTS_MAX } from '../agent/bpftrace/dnsProgram';
import { DEFAULT_DNS_TIMEOUT_SECONDS } from '../agent/dnsCapture';
import { LiveStatus } from '../agent/status/liveStatus';
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
    .addOption(new Option('--sink <sink>', 'where records go').choices(['clickhouse', 'vector']).default('clickhouse'))
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
      if (flags.sink === 'vector') {
        throw new Error(
          '--sink vector arrives with the fleet pipeline (pipeline/, Vector); use --sink clickhouse (the default) for now'
        );
      }
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
  const store = await openForCli(storeOptionsOf(cmd));
  let agent: Agent | undefined;
  let ui: RunningUi | undefined;
  try {
    await migrate(store, { onProgress: (line) => live.log(line) });
    ui = flags.ui ? await startUi(store, flags.uiPort, log) : undefined;
    agent = await startAgent({
      store,
      intervalSeconds: flags.interval,
      bpftracePath,
      dnsExtraPorts: flags.dnsPorts,
      dnsTimeoutSeconds: flags.dnsTimeout,
      metadata: { inventoryPath: flags.inventory, kubeconfigPath: flags.kubeconfig, cluster: flags.cluster },
      log,
      onInterval: (report) => live.show(report),
    });
    console.log(`netmon up: holding ${store.description}; capturing with ${bpftracePath} every ${flags.interval}s`);
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
        (summary.rowsDropped > 0 ? `; dropped ${summary.rowsDropped} (see agent_health.records_dropped)` : '')
    );
  } finally {
    // Only after a failure: stop bpftrace before the store it writes to goes away.
    await agent?.stop().catch(() => undefined);
    await ui?.close();
    await store.close();
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
