import { reportFor } from './cliErrors';
import { buildProgram } from './program';

/** Entry point (bin/netmon.mjs): one line on stderr and an exit code, never a stack trace. */
async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    const { message, exitCode } = reportFor(err);
    if (message !== undefined) {
      console.error(message);
    }
    process.exitCode = exitCode;
  }
}

void main();
