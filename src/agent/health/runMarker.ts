import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gap } from '../bpftrace/bpftraceSupervisor';

/**
 * Tells the next start whether this agent stopped cleanly: a small file in the agent's state dir
 * (the spool dir, or the embedded data dir), written at start, updated after each interval, and
 * removed at a clean stop. One found at start means the last agent died (SIGKILL, OOM, power):
 * nothing was captured from its last recorded interval until now, and that is a gap agent_health
 * records. The state dir is locked by its owner (spool or store), so one agent uses one marker.
 *
 * Updated by rename without an fsync: after a crash of the host the marker may be an interval
 * old, which only makes the recorded gap start earlier than the data that did survive.
 */

export const RUN_MARKER_FILE = 'netmon-run.json';

interface MarkerText {
  pid: number;
  startedAt: number;
  /** End of the last interval whose rows were handed to the writer; absent before the first. */
  lastInterval?: number;
}

export interface RunMarker {
  /** The gap left by an agent that did not stop cleanly, closed at this start; undefined after a clean stop or on first use. */
  readonly uncleanStop: Gap | undefined;
  /** An interval ending at `ts` (epoch ms) has been handed to the writer. */
  interval(ts: number): void;
  /** A clean stop: the next start records no gap. */
  clear(): void;
}

export function openRunMarker(dir: string, now: number, pid = process.pid): RunMarker {
  const path = join(dir, RUN_MARKER_FILE);
  const uncleanStop = leftOver(path, now);
  const marker: MarkerText = { pid, startedAt: now };
  const save = () => {
    // Best effort: the state dir may be the store's full disk, and a marker that could not be
    // updated only makes the next start's gap begin earlier; it must never cost an interval.
    try {
      writeFileSync(`${path}.tmp`, JSON.stringify(marker));
      renameSync(`${path}.tmp`, path);
    } catch {
      // Kept as it was.
    }
  };
  save();
  return {
    uncleanStop,
    interval(ts) {
      marker.lastInterval = ts;
      save();
    },
    clear() {
      // Absent when it could never be written.
      rmSync(path, { force: true });
    },
  };
}

function leftOver(path: string, now: number): Gap | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw err;
  }
  const old = parse(text);
  // A damaged marker still says the last agent died; its file time is when it last wrote it.
  const start = old ? (old.lastInterval ?? old.startedAt) : statSync(path).mtimeMs;
  const who = old ? `pid ${old.pid}` : 'its run marker was damaged';
  return {
    start: Math.min(Math.round(start), now),
    end: now,
    reason: `agent restarted after an unclean stop (${who})`,
  };
}

function parse(text: string): MarkerText | undefined {
  try {
    const m = JSON.parse(text) as Partial<MarkerText>;
    const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    if (ok(m.pid) && ok(m.startedAt) && (m.lastInterval === undefined || ok(m.lastInterval))) {
      return m as MarkerText;
    }
  } catch {
    // Damaged: handled by the caller.
  }
  return undefined;
}
