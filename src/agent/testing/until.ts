/**
 * For tests: polls `check` until it holds, or fails naming what it waited for. `what` may be a
 * function so a test can say what it saw last.
 */
export async function until(
  what: string | (() => string),
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 5_000, pollMs = 10 }: { timeoutMs?: number; pollMs?: number } = {}
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
