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
    .addOption(new Option('--duration <seconds>', 'stop by itself after this long, flushing everything first').argParser(positiveSeconds))
    .option('--no-ui', 'do not serve the local UI')
    .addOption(new Option('--sink <sink>', 'where records go').choices(['clickhouse', 'vector']).default('clickhouse'))
    .action(async (flags: UpFlags, cmd: Command) => {
      const store = await openForCli(storeOptionsOf(cmd));
      try {
        await migrate(store, { onProgress: (line) => console.log(line) });
        console.log(
          `netmon up: holding ${store.description} (interval ${flags.interval}s, sink ${flags.sink}, ui ${flags.ui ? 'on' : 'off'}); ` +
            'capture arrives with issue 3'
        );
        const why = await untilStopped(flags.duration);
        console.log(`netmon up: stopping (${why})`);
      } finally {
        await store.close();
      }
    });
}

/** Resolves after `seconds`, or on SIGINT/SIGTERM, with what stopped it. */
function untilStopped(seconds: number | undefined): Promise<string> {
  return new Promise((resolve) => {
    // Signal handlers alone do not keep Node running; this timer does until one fires.
    const timer =
      seconds === undefined ? setInterval(() => undefined, 1 << 30) : setTimeout(() => stop(`--duration ${seconds}s elapsed`), seconds * 1000);
    const onSignal = (signal: NodeJS.Signals) => stop(signal);
    function stop(why: string) {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(why);
    }
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
