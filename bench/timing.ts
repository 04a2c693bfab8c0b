/** Nearest-rank percentile of a sample; p in (0, 100]. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) {
    throw new Error('percentile: expected at least one sample');
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

export interface Timing {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly runs: number;
}

export function summarize(samples: readonly number[]): Timing {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    max: round(Math.max(...samples)),
    runs: samples.length,
  };
}

/** Wall milliseconds of each of `runs` calls, after one untimed warm-up call. */
export async function timeRuns(runs: number, call: () => Promise<unknown>): Promise<number[]> {
  await call();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  return samples;
}
