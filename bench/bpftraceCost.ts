/**
 * What does bpftrace itself cost per connection? Runs a connections program alone (no agent) under
 * the capture benchmark's short-connection load, its output into a file, and reads the bpftrace
 * process's CPU over the load's measured window. Separates bpftrace's user-space formatting from
 * the node agent, and records a high-rate output file for bench/pipelineCost.ts.
 *
 *   node --import tsx bench/bpftraceCost.ts [--program bpf/connections.bt] [--seconds T] [--out FILE]
 *
 * Prints one JSON line: connections, bpftrace CPU µs per connection (user and system), output
 * lines and bytes per connection. Needs root and bpftrace.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { connectionsProgram } from '../src/agent/bpftrace/connectionsProgram';
import { parseProcStat, USER_HZ } from '../src/agent/bpftrace/procStat';
import { runLoadClient, startLoadServer } from './loadProcesses';

const READY_TIMEOUT_MS = 90_000;

function cpuTicks(pid: number): { user: number; system: number } {
  const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return { user: stat.utimeTicks, system: stat.stimeTicks };
}

async function waitFor(test: () => boolean, what: string, failed: () => string | undefined): Promise<void> {
  const until = Date.now() + READY_TIMEOUT_MS;
  while (!test()) {
    const failure = failed() ?? (Date.now() > until ? 'timed out' : undefined);
    if (failure !== undefined) {
      throw new Error(`gave up waiting for ${what}: ${failure}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      program: { type: 'string', default: join(__dirname, '..', 'bpf', 'connections.bt') },
      seconds: { type: 'string', default: '10' },
      interval: { type: 'string', default: '10' },
      out: { type: 'string', default: '/tmp/netmon-bpftrace-cost.jsonl' },
    },
  });
  const seconds = Number(values.seconds);
  const template = connectionsProgram({ intervalSeconds: Number(values.interval) });
  const out = resolve(values.out);
  const fd = openSync(out, 'w');
  const child = spawn('bpftrace', [...template.flags, resolve(values.program), ...template.args], {
    stdio: ['ignore', fd, 'inherit'],
    env: { ...process.env, ...template.env },
  });
  closeSync(fd);
  let exited: string | undefined;
  const closed = new Promise<void>((r) =>
    child.on('close', (code, signal) => {
      exited = `bpftrace exited (code ${code}, signal ${signal})`;
      r();
    })
  );
  const server = await startLoadServer();
  try {
    await waitFor(
      () => readFileSync(out, 'utf8').includes('"hello"'),
      'the hello line',
      () => exited
    );
    let atOpen = { user: 0, system: 0 };
    let atClose = { user: 0, system: 0 };
    let sizeAtOpen = 0;
    let sizeAtClose = 0;
    const load = await runLoadClient(
      { port: server.port, concurrency: 8, warmupMs: 1_000, seconds },
      {
        opened: () => {
          atOpen = cpuTicks(child.pid!);
          sizeAtOpen = statSync(out).size;
        },
        closed: () => {
          atClose = cpuTicks(child.pid!);
          sizeAtClose = statSync(out).size;
        },
      }
    );
    const us = (ticks: number) => (ticks * 1e6) / USER_HZ / load.connections;
    const text = readFileSync(out, 'utf8');
    const lines = text.split('\n').length - 1;
    process.stdout.write(
      `${JSON.stringify({
        program: values.program,
        connections: load.connections,
        attempted: load.attempted,
        bpftraceUserUsPerConn: +us(atClose.user - atOpen.user).toFixed(1),
        bpftraceSystemUsPerConn: +us(atClose.system - atOpen.system).toFixed(1),
        bytesPerConn: +((sizeAtClose - sizeAtOpen) / load.connections).toFixed(1),
        linesPerAttempted: +(lines / load.attempted).toFixed(2),
        out,
      })}\n`
    );
  } finally {
    child.kill('SIGINT');
    await closed;
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/bpftraceCost: ${(err as Error).message}\n`);
  process.exit(1);
});
