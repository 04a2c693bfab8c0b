import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './childCommand';

/**
 * Where tracefs lives: its own mount point since Linux 4.1, and the older path under debugfs
 * (an automount there once debugfs is mounted).
 */
export const TRACEFS_DIRS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

export type TracefsResult = { ok: true; dir: string; mountedNow: boolean } | { ok: false; message: string };

/**
 * The first of `dirs` with tracefs mounted; if none is, mounts tracefs on the first one, as a
 * fresh machine (or a container) may not have it mounted and bpftrace reads tracepoint formats
 * from it. An unmounted mount point is an empty directory, so `events/` tells the two apart.
 */
export async function findOrMountTracefs(dirs: readonly string[], timeoutMs: number): Promise<TracefsResult> {
  const mounted = dirs.find((dir) => existsSync(join(dir, 'events')));
  if (mounted !== undefined) {
    return { ok: true, dir: mounted, mountedNow: false };
  }
  const target = dirs[0];
  const mountArgs = ['-t', 'tracefs', 'nodev', target];
  try {
    await runCommand('mount', mountArgs, timeoutMs);
  } catch (err) {
    return {
      ok: false,
      message: `tracefs is not mounted at ${dirs.join(' or ')} and mounting it failed (${(err as Error).message}); run \`mount ${mountArgs.join(' ')}\` as root`,
    };
  }
  if (!existsSync(join(target, 'events'))) {
    return { ok: false, message: `mounted tracefs at ${target} but ${join(target, 'events')} is missing; is this kernel built with CONFIG_FTRACE?` };
  }
  return { ok: true, dir: target, mountedNow: true };
}
