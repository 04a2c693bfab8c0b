import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openRunMarker, RUN_MARKER_FILE } from './runMarker';

const work = mkdtempSync(join(tmpdir(), 'netmon-run-marker-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('a clean stop leaves no marker and the next start records no gap', () => {
  const dir = mkdtempSync(join(work, 'clean-'));
  const first = openRunMarker(dir, 1000, 11);
  assert.equal(first.uncleanStop, undefined, 'first use');
  first.interval(2000);
  first.clear();
  assert.equal(existsSync(join(dir, RUN_MARKER_FILE)), false);
  assert.equal(openRunMarker(dir, 5000, 12).uncleanStop, undefined);
});

test('a marker left behind is a gap from the last recorded interval (or the start) to this start', () => {
  const dir = mkdtempSync(join(work, 'killed-'));
  const killed = openRunMarker(dir, 1000, 21);
  killed.interval(2000);
  killed.interval(3000);
  const next = openRunMarker(dir, 9000, 22);
  assert.deepEqual(next.uncleanStop, {
    start: 3000,
    end: 9000,
    reason: 'agent restarted after an unclean stop (pid 21)',
  });
  // Killed before its first interval: the gap runs from its start.
  assert.deepEqual(openRunMarker(dir, 9500, 23).uncleanStop?.start, 9000);
});

test('a damaged marker still counts as an unclean stop, from the time the file was written', () => {
  const dir = mkdtempSync(join(work, 'damaged-'));
  writeFileSync(join(dir, RUN_MARKER_FILE), '{"pid": "x"');
  const now = Date.now() + 60_000;
  const gap = openRunMarker(dir, now, 31).uncleanStop;
  assert.ok(gap !== undefined && gap.start <= now && gap.start > now - 120_000, JSON.stringify(gap));
  assert.equal(gap.reason, 'agent restarted after an unclean stop (its run marker was damaged)');
});

test('a marker that cannot be written (a full or read-only disk) costs nothing but its update', () => {
  const dir = mkdtempSync(join(work, 'unwritable-'));
  const marker = openRunMarker(dir, 1000, 41);
  marker.interval(2000);
  // A directory where the temporary file goes: every later write fails, as on a full disk.
  mkdirSync(join(dir, `${RUN_MARKER_FILE}.tmp`));
  assert.doesNotThrow(() => marker.interval(3000));
  assert.equal(openRunMarker(dir, 9000, 42).uncleanStop?.start, 2000, 'the last update that was written');
});
