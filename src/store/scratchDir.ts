import { constants, accessSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from './dataDirLock';

/**
 * The private directory where the embedded store writes each insert's Native file for chDB to
 * read (clientStore.ts). /dev/shm when it is there and writable: the file lives a few milliseconds
 * and never needs a disk, and it is not on the data dir's disk, so a full data disk still fails in
 * chDB with NOT_ENOUGH_SPACE, as the reliability tests expect, rather than here. Else the OS temp
 * dir.
 */
export function defaultScratchParent(): string {
  try {
    if (statSync('/dev/shm').isDirectory()) {
      accessSync('/dev/shm', constants.W_OK | constants.X_OK);
      return '/dev/shm';
    }
  } catch {
    // No /dev/shm (macOS) or not ours to write: the temp dir will do.
  }
  return tmpdir();
}

const PREFIX = 'netmon-insert-';
const OWNED = new RegExp(`^${PREFIX}(\\d+)-`);

/**
 * A fresh directory under `parent`, named after this process. A process killed mid-insert leaves
 * its directory (and on /dev/shm that is memory, up to a batch of rows), so the directories of
 * processes that no longer exist are removed first.
 */
export function makeScratchDir(parent: string): string {
  let names: string[] = [];
  try {
    names = readdirSync(parent);
  } catch {
    // mkdtemp below says what is wrong with the parent.
  }
  for (const name of names) {
    const pid = Number(OWNED.exec(name)?.[1]);
    if (pid > 0 && pid !== process.pid && !isAlive(pid)) {
      try {
        rmSync(join(parent, name), { recursive: true, force: true });
      } catch {
        // Another user's (sticky /dev/shm): theirs to clean.
      }
    }
  }
  return mkdtempSync(join(parent, `${PREFIX}${process.pid}-`));
}
