#!/usr/bin/env node
// Builds the standalone host's bundle (dist-host/) when it is missing or older than anything it is
// built from, so `npm install && npm start` works on a fresh clone and after a pull, and a second
// start costs nothing. `node scripts/ensureHost.mjs`; exits non-zero when the build fails.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const BUILT = join(root, 'dist-host', 'host.js');

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Newest modification time under dir; tests never reach the bundle, so they do not count. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      latest = Math.max(latest, newest(path));
    } else if (!/\.(i?test|spec)\.tsx?$/.test(entry.name)) {
      latest = Math.max(latest, mtime(path) ?? 0);
    }
  }
  return latest;
}

const built = mtime(BUILT);
const sources = Math.max(newest(join(root, 'src')), mtime(join(root, 'package-lock.json')) ?? 0);
if (built !== undefined && built >= sources) {
  process.exit(0);
}
console.log(
  built === undefined
    ? 'netmon: building the UI (dist-host/ is missing)…'
    : 'netmon: rebuilding the UI (sources changed)…'
);
const res = spawnSync('npm', ['run', '--silent', 'build:host'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
if (res.status !== 0) {
  console.error('netmon: `npm run build:host` failed; fix the errors above, or start with --no-ui');
  process.exit(res.status ?? 1);
}
