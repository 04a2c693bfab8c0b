import { SYSTEM_CLOCK, type CaptureClock } from './capture/capturePipeline';

/**
 * The agent's wall time: the monotonic clock (bpftrace's clock, and Node's hrtime) plus an offset,
 * so that intervals and the order of rows never follow the wall clock's small corrections. When
 * the system clock steps (an NTP step, a person setting the date, a VM resumed) by more than
 * `stepMs`, check() adopts the new offset: rows written from then on are stamped on the corrected
 * time rather than an hour in its future or its past.
 */
export class WallClock implements CaptureClock {
  /** Whole milliseconds: rows stamped through it stay on the same millisecond grid as the offset. */
  private offset: number;

  constructor(
    private readonly source: CaptureClock = SYSTEM_CLOCK,
    private readonly stepMs = DEFAULT_STEP_MS
  ) {
    this.offset = this.measure();
  }

  /** Monotonic ms to epoch ms. */
  get offsetMs(): number {
    return this.offset;
  }

  monotonicNs(): number {
    return this.source.monotonicNs();
  }

  /** Not floored, so a pipeline that takes its own offset from this clock gets exactly offsetMs. */
  nowMs(): number {
    return this.offset + this.source.monotonicNs() / 1e6;
  }

  /** Reads the system clock; returns by how many ms the offset moved (0 while the clock keeps to the mapping). */
  check(): number {
    const measured = this.measure();
    const step = measured - this.offset;
    if (Math.abs(step) <= this.stepMs) {
      return 0;
    }
    this.offset = measured;
    return step;
  }

  private measure(): number {
    return Math.round(this.source.nowMs() - this.source.monotonicNs() / 1e6);
  }
}

/**
 * NTP slews at most 500 ppm (1.8 s an hour): a second apart is a step, or drift that has added up
 * over a long run and is then taken in once.
 */
export const DEFAULT_STEP_MS = 1_000;
