import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireDataDirLock, LOCK_FILE } from './dataDirLock';

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'netmon-lock-')), 'data');

/** A pid that surely belongs to no process: one that just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('a free dir is created and locked with our pid, and release removes the lock', () => {
  const dir = freshDir();
  const lock = acquireDataDirLock(dir);
  assert.equal(lock.held, false);
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8').trim(), String(process.pid));
  if (!lock.held) {
    lock.release();
  }
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
});

test('a lock of a live process is reported with its pid and left alone', async () => {
  const dir = freshDir();
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
  try {
    await new Promise((r) => child.once('spawn', r));
    acquireDataDirLock(dir); // creates the dir
    writeFileSync(join(dir, LOCK_FILE), `${child.pid}\n`);
    assert.deepEqual(acquireDataDirLock(dir), { held: true, pid: child.pid });
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8').trim(), String(child.pid));
  } finally {
    child.kill();
  }
});

test('a lock of a dead process, or one without a pid, is taken over', () => {
  for (const content of [`${deadPid()}\n`, '', 'garbage']) {
    const dir = freshDir();
    acquireDataDirLock(dir);
    writeFileSync(join(dir, LOCK_FILE), content);
    const lock = acquireDataDirLock(dir);
    assert.equal(lock.held, false, `content ${JSON.stringify(content)}`);
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8').trim(), String(process.pid));
  }
});

test('release leaves a lock that is no longer ours', () => {
  const dir = freshDir();
  const lock = acquireDataDirLock(dir);
  const other = `${deadPid()}\n`;
  writeFileSync(join(dir, LOCK_FILE), other);
  if (!lock.held) {
    lock.release();
  }
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), other);
});

test('a data dir that cannot be created fails with the path in the error', () => {
  const parent = mkdtempSync(join(tmpdir(), 'netmon-lock-'));
  writeFileSync(join(parent, 'file'), '');
  assert.throws(() => acquireDataDirLock(join(parent, 'file', 'data')), /ENOTDIR.*file\/data/);
});
