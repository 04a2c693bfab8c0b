import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { containerIdFromCgroup, type CgroupAttribution } from './containerIdFromCgroup';

/**
 * cgroup v2 id -> path, as /proc/<pid>/cgroup would spell it. connections.bt reports each socket's
 * cgroup id (the kernfs id of its cgroup directory, which is that directory's inode number on a
 * 64-bit kernel), and unlike a pid it still names the owner after the process has exited: this
 * index is what attributes short-lived processes.
 *
 * Built lazily by walking the hierarchy, and walked again when an id is missing (a cgroup made
 * since), at most once per minRescanMs so that ids that are never there (another cgroup namespace,
 * a v1-only host's root id) cannot turn every event into a walk. The previous walk's entries stay
 * one more generation: a container that exited just before a walk still resolves for its late
 * lines, and kernfs never reuses an id, so an old entry cannot name the wrong cgroup.
 */

export interface CgroupIdIndexOptions {
  /** Mount point of the cgroup v2 hierarchy's root, e.g. /sys/fs/cgroup or /sys/fs/cgroup/unified. */
  readonly root: string;
  readonly minRescanMs?: number;
  /** Clock in milliseconds; tests pass their own. */
  readonly now?: () => number;
}

export interface CgroupIdIndexStats {
  readonly scans: number;
  readonly cgroups: number;
  /** Lookups that found no cgroup even after a walk allowed by the rate limit. */
  readonly misses: number;
}

export class CgroupIdIndex {
  private current = new Map<number, string>();
  private previous = new Map<number, string>();
  /** Parsing a path costs more than the lookup; the ids asked for are few (one per container). */
  private readonly attributions = new Map<number, CgroupAttribution | undefined>();
  private lastScanMs = Number.NEGATIVE_INFINITY;
  private scans = 0;
  private misses = 0;
  private readonly root: string;
  private readonly minRescanMs: number;
  private readonly now: () => number;

  constructor(opts: CgroupIdIndexOptions) {
    this.root = opts.root;
    this.minRescanMs = opts.minRescanMs ?? 1_000;
    this.now = opts.now ?? Date.now;
    if (!(this.minRescanMs >= 0)) {
      throw new RangeError(
        `CgroupIdIndex minRescanMs: expected a number of milliseconds >= 0, got ${opts.minRescanMs}`
      );
    }
  }

  /** '/' for the root, '/kubepods.slice/...' below it; undefined when no such cgroup was found. */
  pathOf(id: number): string | undefined {
    const known = this.current.get(id) ?? this.previous.get(id);
    if (known !== undefined) {
      return known;
    }
    if (this.now() - this.lastScanMs < this.minRescanMs) {
      this.misses++;
      return undefined;
    }
    this.rescan();
    const found = this.current.get(id);
    this.misses += found === undefined ? 1 : 0;
    return found;
  }

  /**
   * The container of a cgroup id; undefined when the id tells nothing: unknown, or the root cgroup,
   * which is where every socket is on a host whose runtime uses only v1 hierarchies.
   */
  attribution(id: number): CgroupAttribution | undefined {
    if (this.attributions.has(id)) {
      return this.attributions.get(id);
    }
    const path = this.pathOf(id);
    const attribution = path === undefined || path === '/' ? undefined : containerIdFromCgroup(`0::${path}`);
    if (path !== undefined) {
      this.attributions.set(id, attribution);
    }
    return attribution;
  }

  stats(): CgroupIdIndexStats {
    return { scans: this.scans, cgroups: this.current.size, misses: this.misses };
  }

  private rescan(): void {
    this.lastScanMs = this.now();
    this.scans++;
    const found = new Map<number, string>();
    const pending = [''];
    for (let relative = pending.pop(); relative !== undefined; relative = pending.pop()) {
      const dir = join(this.root, relative);
      try {
        found.set(statSync(dir).ino, relative === '' ? '/' : `/${relative}`);
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          if (entry.isDirectory()) {
            pending.push(relative === '' ? entry.name : `${relative}/${entry.name}`);
          }
        }
      } catch {
        // Removed while walking: a cgroup that is gone has no lines left to attribute.
      }
    }
    this.previous = this.current;
    this.current = found;
    // Bounded like the index: only ids of the last two walks stay.
    for (const id of this.attributions.keys()) {
      if (!this.previous.has(id) && !found.has(id)) {
        this.attributions.delete(id);
      }
    }
  }
}
