import type { Gap } from '../bpftrace/bpftraceSupervisor';

/**
 * The gaps of several bpftrace programs as one list for HealthRecorder.record, which takes a list
 * that only grows at its end. Each supervisor's own gaps close in order, but one program's open
 * gap must not hold back another's closed ones, so a gap joins the list when it closes, with its
 * program named in the reason when the caller gives a label.
 */
export class ClosedGaps {
  private readonly joined: Gap[] = [];
  /** Gaps already taken from each source's list, by source. */
  private readonly taken = new Map<string, number>();

  /** `gaps` is one supervisor's whole list, oldest first; returns every closed gap so far. */
  add(source: string, gaps: readonly Gap[], label = ''): readonly Gap[] {
    let n = this.taken.get(source) ?? 0;
    for (; n < gaps.length && gaps[n].end !== undefined; n++) {
      this.joined.push(label === '' ? gaps[n] : { ...gaps[n], reason: `${label}${gaps[n].reason}` });
    }
    this.taken.set(source, n);
    return this.joined;
  }
}
