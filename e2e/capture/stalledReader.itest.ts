import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { assertBpftraceAvailable, skipWithoutBpftrace } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { connectionsProgram } from '../../src/agent/bpftrace/connectionsProgram';
import { parseBpftraceLine, type TcpCloseEvent } from '../../src/agent/capture/bpftraceLine';

/**
 * connections.bt's generations are printed and cleared by bpftrace's user space, which runs behind
 * the kernel's 1 s tick when its reader stops reading. Here the reader of its stdout stops for
 * 3 s in the middle of a stream of short loopback connections, as an agent stalled on its store
 * would. Pass: bpftrace lives on (format 2's single @tcp aborted it here: "failed to look up elem"),
 * every connection's close comes out exactly once from each end, and the flushed line counts the
 * seconds that waited (late_ticks). Needs root and bpftrace; skips without them, except under CI=true.
 */

const SECONDS = 8;
const STALL_FROM_MS = 1500;
const STALL_MS = 3000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test(
  'a reader stalled for 3 s: bpftrace survives, every close comes out once, the waits are counted',
  { skip: skipWithoutBpftrace, timeout: 120_000 },
  async () => {
    assertBpftraceAvailable();
    const program = connectionsProgram({ intervalSeconds: 1 });
    const child = spawn('bpftrace', [...program.flags, program.path, ...program.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...program.env },
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    for (let waited = 0; !Buffer.concat(chunks).includes('"hello"'); waited += 100) {
      assert.ok(waited < 90_000, `bpftrace did not start: ${stderr}`);
      await sleep(100);
    }

    const server = createServer((s) => {
      s.once('data', () => s.end(Buffer.alloc(24, 2)));
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    let made = 0;
    const started = Date.now();
    let stalled = false;
    while (Date.now() - started < SECONDS * 1000) {
      const at = Date.now() - started;
      if (!stalled && at >= STALL_FROM_MS && at < STALL_FROM_MS + STALL_MS) {
        stalled = true;
        child.stdout.pause();
      } else if (stalled && at >= STALL_FROM_MS + STALL_MS) {
        stalled = false;
        child.stdout.resume();
      }
      await new Promise<void>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port }, () => s.write(Buffer.alloc(16, 1)));
        s.once('data', () => s.end());
        s.on('close', () => resolve());
        s.on('error', reject);
      });
      made++;
    }
    child.stdout.resume();
    await sleep(2500);
    child.kill('SIGINT');
    const code = await exited;
    server.close();
    assert.equal(
      code,
      0,
      `bpftrace exited with ${code}: ${stderr
        .split('\n')
        .filter((l) => /ERROR/.test(l) && !/MEMLOCK/.test(l))
        .join('; ')}`
    );

    const closes = new Map<string, number>();
    let lateTicks = -1;
    const count = (e: TcpCloseEvent) => {
      if (e.lport === port || e.rport === port) {
        const key = `${e.sk},${e.start}`;
        closes.set(key, (closes.get(key) ?? 0) + 1);
      }
    };
    for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
      if (line.trim() === '') {
        continue;
      }
      const e = parseBpftraceLine(line);
      assert.notEqual(e.kind, 'malformed', line.slice(0, 300));
      if (e.kind === 'tcpCloses') {
        e.entries.forEach(count);
      } else if (e.kind === 'close' || e.kind === 'fail') {
        count(e);
      } else if (e.kind === 'flushed') {
        lateTicks = e.lateTicks;
      }
    }
    const repeated = [...closes.values()].filter((n) => n > 1).length;
    assert.deepEqual([closes.size, repeated], [2 * made, 0], `${made} connections, each closed at both ends once`);
    assert.ok(lateTicks > 0, `late_ticks ${lateTicks}: the stall held no tick back`);
  }
);
