import { CommanderError } from 'commander';

/** Bad input found after commander parsed the line (an empty query, say): exit code 2 like commander's own. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/**
 * What to print and the exit code for an error that reached the top. Commander has already
 * printed its own messages (and help or version, which exit 0), so those print nothing more.
 */
export function reportFor(err: unknown): { message?: string; exitCode: number } {
  if (err instanceof CommanderError) {
    return { exitCode: err.exitCode === 0 ? 0 : EXIT_USAGE };
  }
  const text = err instanceof Error ? err.message : String(err);
  return { message: `error: ${firstLine(text)}`, exitCode: err instanceof UsageError ? EXIT_USAGE : EXIT_RUNTIME };
}

export function firstLine(text: string): string {
  return text.trim().split('\n')[0];
}
