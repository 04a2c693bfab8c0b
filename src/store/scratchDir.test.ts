import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultScratchParent, makeScratchDir } from './scratchDir';

const parent = mkdtempSync(join(tmpdir(), 'netmon-scratch-test-'));
after(() => rmSync(parent, { recursive: true, force: true }));

describe('makeScratchDir', () => {
  it("makes this process's directory and removes those of processes that are gone, and only those", () => {
    // Above any pid_max: no such process.
    const gone = `netmon-insert-99999999-abc`;
    const living = `netmon-insert-${process.ppid}-def`;
    const unrelated = 'something-else';
    for (const name of [gone, living, unrelated]) {
      mkdirSync(join(parent, name));
    }
    const dir = makeScratchDir(parent);
    assert.ok(statSync(dir).isDirectory());
    assert.match(dir, new RegExp(`/netmon-insert-${process.pid}-[^/]+$`));
    const left = readdirSync(parent);
    assert.ok(!left.includes(gone), left.join(' '));
    assert.ok(left.includes(living) && left.includes(unrelated), left.join(' '));
  });

  it('says what is wrong with a parent it cannot use', () => {
    assert.throws(() => makeScratchDir(join(parent, 'missing')), /ENOENT/);
  });

  it('defaults to /dev/shm when it is writable, else the temp dir', () => {
    assert.ok([tmpdir(), '/dev/shm'].includes(defaultScratchParent()));
  });
});
