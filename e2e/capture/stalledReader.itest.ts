import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertBpftraceAvailable, skipWithoutBpftrace } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { diesWithAgent } from '../../src/agent/bpftrace/childCommand';
import { connectionsProgram } from '../../src/agent/bpftrace/connectionsProgram';
import { BPFTRACE_ENV } from '../../src/agent/bpftrace/preflight';
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

let child: ChildProcess | undefined;
let server: Server | undefined;
// A failure part way must not leave bpftrace running with its probes attached.
after(() => {
  child?.kill('SIGKILL');
  server?.close();
});

test(
  'a reader stalled for 3 s: bpftrace survives, every close comes out once, the waits are counted',
  { skip: skipWithoutBpftrace, timeout: 120_000 },
  async () => {
    assertBpftraceAvailable();
    const program = connectionsProgram({ intervalSeconds: 1 });
    const [file, args] = diesWithAgent(process.env[BPFTRACE_ENV] ?? 'bpftrace', [
      ...program.flags,
      program.path,
      ...program.args,
    ]);
    const bpftrace = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...program.env } });
    child = bpftrace;
    const chunks: Buffer[] = [];
    let stderr = '';
    let exitCode: number | null | undefined;
    bpftrace.stdout.on('data', (b: Buffer) => chunks.push(b));
    bpftrace.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    bpftrace.on('error', (err) => (stderr += err.message));
    const exited = new Promise<number | null>((resolve) => bpftrace.on('close', (code) => resolve((exitCode = code))));
    for (let waited = 0; !Buffer.concat(chunks).includes('"hello"'); waited += 100) {
      assert.ok(waited < 90_000 && exitCode === undefined, `bpftrace did not start (exit ${exitCode}): ${stderr}`);
      await sleep(100);
    }

    server = createServer((s) => {
      s.once('data', () => s.end(Buffer.alloc(24, 2)));
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    let made = 0;
    const started = Date.now();
    let stalled = false;
    while (Date.now() - started < SECONDS * 1000) {
      const at = Date.now() - started;
      if (!stalled && at >= STALL_FROM_MS && at < STALL_FROM_MS + STALL_MS) {
        stalled = true;
        bpftrace.stdout.pause();
      } else if (stalled && at >= STALL_FROM_MS + STALL_MS) {
        stalled = false;
        bpftrace.stdout.resume();
      }
      await new Promise<void>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port }, () => s.write(Buffer.alloc(16, 1)));
        s.once('data', () => s.end());
        s.on('close', () => resolve());
        s.on('error', reject);
      });
      made++;
    }
    bpftrace.stdout.resume();
    await sleep(2500);
    bpftrace.kill('SIGINT');
    const code = await exited;
    child = undefined;
    server.close();
    server = undefined;
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
