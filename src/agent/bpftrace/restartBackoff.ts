/**
 * When to restart bpftrace after it dies. Doubling from 250 ms to a 4 s cap keeps a crash loop
 * cheap (bpftrace spends about a second of CPU compiling at each start) while any single crash
 * is followed by a new start within 4 s. A run that stayed up for `stableMs` was not part of a
 * crash loop, so the next crash starts over from the shortest delay.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 4000, stableMs: 60_000 };

/** Delay before restart number `crashesInARow` (1 for the first crash of a streak). */
export function restartDelayMs(policy: BackoffPolicy, crashesInARow: number): number {
  const doublings = Math.max(0, crashesInARow - 1);
  // Capped before exponentiation would overflow: 2^31 doublings is never reached by a real streak.
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(doublings, 30));
}

export class RestartBackoff {
  private crashesInARow = 0;

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  /** The delay before the next start, given how long the run that just ended was up (0 if it never attached). */
  next(ranForMs: number): number {
    if (ranForMs >= this.policy.stableMs) {
      this.crashesInARow = 0;
    }
    this.crashesInARow++;
    return restartDelayMs(this.policy, this.crashesInARow);
  }
}
