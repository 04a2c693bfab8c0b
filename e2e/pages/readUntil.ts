import { isDeepStrictEqual } from 'node:util';

/**
 * Reads the page until it shows `expected` or `timeoutMs` passes, and returns the last reading
 * either way, so the caller's assertion prints what the page ended with. Panels fill in
 * asynchronously after a load or a click (variables first, then queries); this is the retrying
 * that Playwright's own expect() would do, which playwright-core does not ship.
 */
export async function readUntil<T>(read: () => Promise<T>, expected: T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await read();
    if (isDeepStrictEqual(seen, expected) || Date.now() > deadline) {
      return seen;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
