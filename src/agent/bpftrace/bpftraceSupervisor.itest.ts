import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBpftraceAvailable, skipWithoutBpftrace } from './bpftraceTestEnvironment';
import type { BpftraceProgram } from './bpftraceProgram';
import { BpftraceSupervisor, type SupervisorEvent } from './bpftraceSupervisor';
import { connectionsProgram } from './connectionsProgram';

/**
 * Real bpftrace running bpf/connections.bt (and tiny programs for the failures), supervised for
 * real: the child is killed with SIGKILL from outside, as a crash would end it.
 */

const dir = mkdtempSync(join(tmpdir(), 'netmon-supervisor-itest-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function tinyProgram(name: string, text: string, flags = ['-f', 'json']): BpftraceProgram {
  const path = join(dir, name);
  writeFileSync(path, text);
  return { path, flags, args: [], env: {}, minKernel: { release: '5.8', why: 'test' } };
}

/** Resolves when `predicate` holds for a line or an event, failing after `ms`. */
class Recorder {
  readonly lines: string[] = [];
  readonly events: Array<SupervisorEvent & { at: number }> = [];
  private waiters: Array<() => void> = [];

  onLine = (line: string) => {
    this.lines.push(line);
    this.waiters.forEach((w) => w());
  };
  onEvent = (event: SupervisorEvent) => {
    this.events.push({ ...event, at: Date.now() });
    this.waiters.forEach((w) => w());
  };

  until(what: string, predicate: () => boolean, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      const check = () => {
        if (predicate()) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve();
        }
      };
      this.waiters.push(check);
      check();
    });
  }

  values(from = 0): unknown[][] {
    return this.lines
      .slice(from)
      .map((l) => JSON.parse(l) as { type: string; data: unknown })
      .filter((l) => l.type === 'value' && Array.isArray(l.data))
      .map((l) => l.data as unknown[]);
  }
}

test(
  'connections.bt: attaches all 15 probes, flushes, is restarted within 5 s of a SIGKILL with the gap recorded, and stop() delivers the END flush',
  { skip: skipWithoutBpftrace, timeout: 90_000 },
  async () => {
    assertBpftraceAvailable();
    const rec = new Recorder();
    const supervisor = new BpftraceSupervisor({ program: connectionsProgram({ intervalSeconds: 1 }), onLine: rec.onLine, onEvent: rec.onEvent });
    try {
      await supervisor.start();
      const first = supervisor.status();
      assert.equal(first.probesAttached, 15);
      assert.equal(first.expectedProbes, 15);
      assert.ok(first.running && first.pid !== undefined);

      await rec.until('hello, flush and flushed', () => ['hello', 'flush', 'flushed'].every((k) => rec.values().some((v) => v[0] === k)), 15_000);
      const usage = supervisor.status().usage;
      assert.ok(usage !== undefined && usage.userMs + usage.systemMs > 0 && usage.rssBytes > 0, JSON.stringify(usage));

      const killedAt = Date.now();
      process.kill(first.pid!, 'SIGKILL');
      await rec.until('a new bpftrace', () => rec.events.some((e) => e.type === 'spawned' && e.at >= killedAt), 5000);
      const respawn = rec.events.find((e) => e.type === 'spawned' && e.at >= killedAt)!;
      assert.ok(respawn.at - killedAt < 5000, `restarted ${respawn.at - killedAt} ms after the kill`);

      const linesBeforeRestart = rec.lines.length;
      await rec.until('the restarted bpftrace to say hello', () => rec.values(linesBeforeRestart).some((v) => v[0] === 'hello'), 60_000);
      const restarted = supervisor.status();
      assert.equal(restarted.restarts, 1);
      assert.notEqual(restarted.pid, first.pid);
      assert.equal(restarted.probesAttached, 15);
      assert.equal(restarted.gaps.length, 1);
      const gap = restarted.gaps[0];
      assert.equal(gap.reason, 'killed by SIGKILL');
      assert.ok(gap.start >= killedAt && gap.end !== undefined && gap.end > gap.start, JSON.stringify(gap));

      // Stopping right after a periodic flush: the next tick is a second away, so the flush that
      // follows SIGINT is END's (or, on a slow machine, a tick and then END's).
      const flushedSoFar = rec.values().filter((v) => v[0] === 'flushed').length;
      await rec.until('a periodic flushed line', () => rec.values().filter((v) => v[0] === 'flushed').length > flushedSoFar, 10_000);
      const linesAtStop = rec.lines.length;
      const exit = await supervisor.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, 'bpftrace ended by itself after SIGINT, so END ran');
      const afterStop = rec.values(linesAtStop);
      assert.ok(afterStop.some((v) => v[0] === 'flush'), `no flush after stop: ${JSON.stringify(afterStop)}`);
      assert.equal(afterStop.at(-1)?.[0], 'flushed', 'the END flush is complete and last');
      const stopped = supervisor.status();
      assert.equal(stopped.running, false);
      assert.equal(stopped.restarts, 1, 'stop is not a crash');
      assert.equal(stopped.linesRead, rec.lines.length);
      assert.ok(stopped.bytesRead > stopped.linesRead);
    } finally {
      await supervisor.stop();
    }
  }
);

test('a program whose tracepoint does not exist: start() fails with bpftrace\'s error and nothing restarts', { skip: skipWithoutBpftrace, timeout: 60_000 }, async () => {
  assertBpftraceAvailable();
  const rec = new Recorder();
  const supervisor = new BpftraceSupervisor({
    program: tinyProgram('missing.bt', 'tracepoint:sock:netmon_no_such_tracepoint { @n = count(); }\n'),
    onLine: rec.onLine,
    onEvent: rec.onEvent,
  });
  await assert.rejects(
    supervisor.start(),
    /^Error: bpftrace exited before attaching its probes \(exit code 1: .*ERROR: tracepoint not found: sock:netmon_no_such_tracepoint\)$/
  );
  await new Promise((r) => setTimeout(r, 500));
  const status = supervisor.status();
  assert.equal(status.running, false);
  assert.equal(status.restarts, 0);
  assert.deepEqual(
    rec.events.map((e) => e.type),
    ['spawned', 'exited', 'fatal']
  );
  assert.match(status.lastError ?? '', /tracepoint not found/);
});

test('an attach count other than the expected one is an error, never a silent partial capture (text mode)', { skip: skipWithoutBpftrace, timeout: 60_000 }, async () => {
  assertBpftraceAvailable();
  const supervisor = new BpftraceSupervisor({
    program: tinyProgram('one.bt', 'interval:s:1 { printf("tick\\n"); }\n', []),
    expectedProbes: 3,
    onLine: () => undefined,
  });
  await assert.rejects(supervisor.start(), /^Error: bpftrace attached 1 probes, but .*one\.bt has 3$/);
  const status = supervisor.status();
  assert.equal(status.running, false, 'start() rejects only once the wrong bpftrace is gone');
  assert.equal(status.restarts, 0);
  assert.equal(await supervisor.stop(), undefined);
});
