import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IntervalReport } from '../agent';
import { LiveStatus } from './liveStatus';
import { statusBlock, statusLine } from './statusText';

const report = (ts: number): IntervalReport => ({
  ts,
  intervalMs: 1000,
  probesAttached: 12,
  probesExpected: 12,
  eventsRead: 10,
  lostEvents: 0,
  malformedLines: 0,
  mapFullErrors: 0,
  rowsWritten: 3,
  rowsPending: 0,
  bpftraceRestarts: 0,
  topTalkers: [{ who: 'curl', peer: '1.2.3.4:80', bytes: 10 }],
});

function stream(isTTY: boolean, columns?: number) {
  const out = { text: '', isTTY, columns, write: (t: string) => (out.text += t) };
  return out;
}

test('a pipe gets one line per interval, log lines in between', () => {
  const out = stream(false);
  const live = new LiveStatus(out);
  live.log('starting');
  live.show(report(0));
  live.show(report(1000));
  assert.equal(out.text, `starting\n${statusLine(report(0))}\n${statusLine(report(1000))}\n`);
});

test('a terminal gets the block redrawn in place, with log lines kept above it', () => {
  const out = stream(true);
  const live = new LiveStatus(out);
  const first = statusBlock(report(0)).join('\n');
  const second = statusBlock(report(1000)).join('\n');
  const n = statusBlock(report(0)).length;
  live.show(report(0));
  assert.equal(out.text, `${first}\n`);
  live.log('bpftrace exited');
  live.show(report(1000));
  assert.equal(out.text, `${first}\n\x1b[${n}F\x1b[Jbpftrace exited\n${first}\n\x1b[${n}F\x1b[J${second}\n`);
});

test('lines wider than the terminal are cut, so the redraw counts rows right', () => {
  const out = stream(true, 20);
  new LiveStatus(out).show(report(0));
  for (const line of out.text.split('\n').filter(Boolean)) {
    assert.ok(line.length < 20, line);
  }
  assert.match(out.text, /…/);
});
