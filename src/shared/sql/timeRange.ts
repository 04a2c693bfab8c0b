import type { TtlTier } from '../schema';

/** A query window in epoch milliseconds, from inclusive, to exclusive. */
export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** raw = the ingest tables, minute/hour = the rollups; the names match the TTL tiers. */
export type Tier = TtlTier;

/** Bucket width of each tier; raw rows carry milliseconds, but series steps are whole seconds. */
export const TIER_SECONDS: Record<Tier, number> = { raw: 1, minute: 60, hour: 3600 };

/** Longest window answered from the minute rollup; longer ones read the hour rollup. */
export const MINUTE_TIER_MAX_SPAN_MS = 6 * 3600 * 1000;

/**
 * Windows this short read raw: a few minute buckets would draw a chart of one or two points, and
 * none inside a window shorter than a minute that starts mid-minute (a bucket is stamped with its
 * start). Five minutes of raw rows stay a small, time-ordered read.
 */
export const RAW_TIER_MAX_SPAN_MS = 5 * 60 * 1000;

export function validateRange(range: TimeRange): void {
  const { fromMs, toMs } = range;
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || fromMs < 0 || fromMs >= toMs) {
    throw new Error(`time range: expected integer epoch milliseconds with 0 <= fromMs < toMs, got ${fromMs}..${toMs}`);
  }
}

/**
 * Rollups lose the columns that only raw has, so asking for one of those forces raw; otherwise
 * the span decides, which keeps a day-long view off the raw table (and see RAW_TIER_MAX_SPAN_MS).
 */
export function chooseTier(range: TimeRange, needsRaw: boolean): Tier {
  const span = range.toMs - range.fromMs;
  if (needsRaw || span <= RAW_TIER_MAX_SPAN_MS) {
    return 'raw';
  }
  return span <= MINUTE_TIER_MAX_SPAN_MS ? 'minute' : 'hour';
}

/**
 * Widens the window to whole buckets of the tier. A rollup row stands for its whole bucket, so the
 * window must start and end on bucket edges for the same question to count the same rows on
 * every tier.
 */
export function alignRange(range: TimeRange, tier: Tier): TimeRange {
  const width = TIER_SECONDS[tier] * 1000;
  return {
    fromMs: Math.floor(range.fromMs / width) * width,
    toMs: Math.ceil(range.toMs / width) * width,
  };
}

/** The requested step rounded up to a whole number of the tier's buckets (never finer than one). */
export function seriesStepSeconds(requestedSeconds: number, tier: Tier): number {
  if (!Number.isFinite(requestedSeconds) || requestedSeconds <= 0) {
    throw new Error(`series step: expected a positive number of seconds, got ${requestedSeconds}`);
  }
  const width = TIER_SECONDS[tier];
  return Math.max(1, Math.ceil(requestedSeconds / width)) * width;
}
