import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * mkdir -p, one level at a time. Node 20's recursive mkdirSync never returns for a path under
 * /proc (procfs answers ENOENT to the retry it loops on), which turned `--data-dir /proc/x` into a
 * hang instead of an error.
 */
export function ensureDir(path: string): void {
  const dir = resolve(path);
  const missing: string[] = [];
  for (let p = dir; !exists(p); p = dirname(p)) {
    missing.unshift(p);
    if (dirname(p) === p) {
      break;
    }
  }
  for (const p of missing) {
    mkdirSync(p);
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
