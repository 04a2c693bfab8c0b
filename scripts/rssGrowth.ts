/**
 * Memory growth over a soak, read three ways. The agent's resident memory swings by ±15 % from one
 * sample to the next (chDB's caches, merges, V8's heap), so the first and last sample alone say
 * more about where the swings fell than about a leak; the medians of a window at each end and the
 * least-squares trend over every sample say whether memory really climbs.
 */

export interface RssSample {
  readonly atS: number;
  readonly rssMB: number;
}

export interface RssGrowth {
  /** Last sample over the first one at or after the baseline, - 1, in %. */
  readonly endpointsPercent: number;
  /** Median of the window after the baseline against the median of the last window, in %. */
  readonly mediansPercent: number;
  /** Least-squares slope times the measured span, over the mean, in %. */
  readonly trendPercent: number;
  readonly minMB: number;
  readonly maxMB: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function rssGrowth(samples: readonly RssSample[], baselineS: number, windowS: number): RssGrowth {
  const measured = samples.filter((s) => s.atS >= baselineS);
  if (measured.length < 2) {
    throw new Error(`rssGrowth: expected at least 2 samples from ${baselineS} s on, got ${measured.length}`);
  }
  const first = measured[0];
  const last = measured[measured.length - 1];
  const head = measured.filter((s) => s.atS < first.atS + windowS).map((s) => s.rssMB);
  const tail = measured.filter((s) => s.atS > last.atS - windowS).map((s) => s.rssMB);
  const n = measured.length;
  const meanT = measured.reduce((a, s) => a + s.atS, 0) / n;
  const meanY = measured.reduce((a, s) => a + s.rssMB, 0) / n;
  const sxx = measured.reduce((a, s) => a + (s.atS - meanT) ** 2, 0);
  const sxy = measured.reduce((a, s) => a + (s.atS - meanT) * (s.rssMB - meanY), 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return {
    endpointsPercent: round1((last.rssMB / first.rssMB - 1) * 100),
    mediansPercent: round1((median(tail) / median(head) - 1) * 100),
    trendPercent: round1(((slope * (last.atS - first.atS)) / meanY) * 100),
    minMB: Math.min(...measured.map((s) => s.rssMB)),
    maxMB: Math.max(...measured.map((s) => s.rssMB)),
  };
}
