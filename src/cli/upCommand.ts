import { Option, type Command } from 'commander';
import { migrate } from '../store/migrate';
import { openForCli } from '../store/openForCli';
import { positiveSeconds } from './optionParsers';
import { storeOptionsOf } from './storeOptions';

interface UpFlags {
  interval: number;
  duration?: number;
  ui: boolean;
  sink: 'clickhouse' | 'vector';
}

export function addUpCommand(program: Command): void {
  program
    .command('up')
    .description('capture on this host into the store, and serve the local UI on 127.0.0.1:3000')
    .addOption(new Option('--interval <seconds>', 'flush interval').argParser(positiveSeconds).default(10))
    .addOption(
      new Option('--duration <seconds>', 'stop by itself after this long, flushing everything first').argParser(
        positiveSeconds
      )
    )
    .option('--no-ui', 'do not serve the local UI')
    .addOption(new Option('--sink <sink>', 'where records go').choices(['clickhouse', 'vector']).default('clickhouse'))
    .action(async (flags: UpFlags, cmd: Command) => {
      // Listening before anything else, so a signal during startup still ends in a clean shutdown.
      const stop = stopSignal(flags.duration);
      try {
        const store = await openForCli(storeOptionsOf(cmd));
        try {
          await migrate(store, { onProgress: (line) => console.log(line) });
          console.log(
            `netmon up: holding ${store.description} (interval ${flags.interval}s, sink ${flags.sink}, ui ${flags.ui ? 'on' : 'off'}); ` +
              'capture arrives with issue 3'
          );
          console.log(`netmon up: stopping (${await stop.reason})`);
        } finally {
          await store.close();
        }
      } finally {
        stop.cancel();
      }
    });
}

/** `reason` resolves after `seconds`, or on SIGINT/SIGTERM, with what stopped it; cancel stops listening. */
function stopSignal(seconds: number | undefined): { reason: Promise<string>; cancel(): void } {
  let settle!: (why: string) => void;
  const reason = new Promise<string>((resolve) => (settle = resolve));
  const stop = (why: string) => {
    cancel();
    settle(why);
  };
  // Signal handlers alone do not keep Node running; this timer does until one fires.
  const timer =
    seconds === undefined
      ? setInterval(() => undefined, 1 << 30)
      : setTimeout(() => stop(`--duration ${seconds}s elapsed`), seconds * 1000);
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  function cancel() {
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { reason, cancel };
}
