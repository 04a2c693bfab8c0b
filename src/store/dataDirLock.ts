/**
 * Who owns an embedded data dir. chDB lets one process open a data dir: a second process that
 * tries gets "Code: 76. DB::Exception: Cannot lock file <dir>/status. Another server instance in
 * same directory is already running. (CANNOT_OPEN_FILE)" (an flock on <dir>/status, released by
 * the kernel when the holder dies, even on SIGKILL). That lock only says no; this one says who,
 * so another netmon process can reach the owner over its control socket instead of failing.
 *
 * The lock is a file holding the owner's pid, created with O_EXCL. A lock whose pid is no longer
 * alive is stale (the owner crashed) and is taken over. Should two processes take over the same
 * stale lock at once, chDB's own flock still lets only one open the engine.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir } from './ensureDir';

export const LOCK_FILE = 'netmon.lock';

export type LockAttempt = { held: false; release(): void } | { held: true; pid: number };

/** Takes the lock of `dataDir` (creating the dir), or reports the live process that has it. */
export function acquireDataDirLock(dataDir: string): LockAttempt {
  ensureDir(dataDir);
  const path = join(dataDir, LOCK_FILE);
  // Two rounds: the second runs after a stale lock was moved aside.
  for (let round = 0; round < 2; round++) {
    if (tryCreate(path)) {
      return { held: false, release: () => release(path) };
    }
    const owner = readOwner(path);
    if (owner !== undefined && isAlive(owner)) {
      return { held: true, pid: owner };
    }
    moveAsideStale(path);
  }
  throw new Error(`could not take the lock ${path}: it keeps reappearing; is another netmon starting on ${dataDir}?`);
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      return false;
    }
    throw err;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The pid in the lock file; undefined when the file vanished or holds no pid (a crash mid-write). */
export function readOwner(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw err;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  if (pid === process.pid) {
    return true;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the pid exists but belongs to another user, so it is alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Rename, check, then delete: between reading the stale pid and moving the file, a racing process
 * may have replaced it with its own live lock, which must be put back rather than deleted.
 */
function moveAsideStale(path: string): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return;
    }
    throw err;
  }
  const owner = readOwner(aside);
  if (owner !== undefined && isAlive(owner)) {
    try {
      linkSync(aside, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw err;
      }
    }
  }
  unlinkSync(aside);
}

function release(path: string): void {
  // Only remove our own lock: after a takeover race the file may name someone else.
  if (readOwner(path) === process.pid) {
    unlinkSync(path);
  }
}
