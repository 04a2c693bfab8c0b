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
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONNECTIONS_BT } from '../src/agent/bpftrace/connectionsProgram';
import { parseArgs } from 'node:util';
import { parseProcStat, USER_HZ } from '../src/agent/bpftrace/procStat';
import { startBpftraceToFile } from './bpftraceToFile';
import { runLoadClient, startLoadServer } from './loadProcesses';

function cpuTicks(pid: number): { user: number; system: number } {
  const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return { user: stat.utimeTicks, system: stat.stimeTicks };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      program: { type: 'string', default: CONNECTIONS_BT },
      seconds: { type: 'string', default: '10' },
      interval: { type: 'string', default: '10' },
      out: { type: 'string', default: '/tmp/netmon-bpftrace-cost.jsonl' },
    },
  });
  const seconds = Number(values.seconds);
  const out = resolve(values.out);
  const server = await startLoadServer();
  const bpftrace = await startBpftraceToFile(resolve(values.program), out, Number(values.interval));
  const child = bpftrace.child;
  try {
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
    await bpftrace.stop();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/bpftraceCost: ${(err as Error).message}\n`);
  process.exit(1);
});
