/**
 * How long connections.bt's BPF programs run inside the load's own system calls and softirqs:
 * the kernel's own accounting (kernel.bpf_stats_enabled, read with `bpftool prog show`) over the
 * window of the capture benchmark's short-connection load, per connection. This is the in-kernel
 * share of the throughput ratio that no process's CPU time shows; bench/probeCost.ts measures the
 * same thing by removal, with the noise of comparing load rates.
 *
 *   node --import tsx bench/probeRunTime.ts [--program bpf/connections.bt] [--seconds 8]
 *
 * Prints a table (programs in load order; bpftrace names a program after its probe, cut to 15
 * characters, so blocks on the same probe are told apart by #n in the order of the file) and one
 * JSON line. Needs root, bpftrace and bpftool (`apt-get install bpftool`, not part of the agent).
 * Restores kernel.bpf_stats_enabled afterwards: the accounting itself costs two clock reads a run.
 * It counts every BPF program loaded after it started (bpftrace closes its program fds, so bpftool
 * cannot tell whose they are): run it while nothing else loads any.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONNECTIONS_BT } from '../src/agent/bpftrace/connectionsProgram';
import { parseArgs } from 'node:util';
import { startBpftraceToFile } from './bpftraceToFile';
import { runLoadClient, startLoadServer } from './loadProcesses';

const STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

interface ProgInfo {
  readonly id: number;
  readonly name?: string;
  readonly run_time_ns?: number;
  readonly run_cnt?: number;
}

function programs(): Map<number, ProgInfo> {
  let text: string;
  try {
    text = execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(`bpftool prog show: ${(e as Error).message} (install it with apt-get install bpftool)`);
  }
  return new Map((JSON.parse(text) as ProgInfo[]).map((p) => [p.id, p]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      program: { type: 'string', default: CONNECTIONS_BT },
      seconds: { type: 'string', default: '8' },
    },
  });
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`--seconds ${JSON.stringify(values.seconds)}: expected a positive number`);
  }
  const statsBefore = readFileSync(STATS_SYSCTL, 'utf8').trim();
  const existing = programs();
  writeFileSync(STATS_SYSCTL, '1');
  try {
    await measure(resolve(values.program), seconds, existing);
  } finally {
    writeFileSync(STATS_SYSCTL, statsBefore);
  }
}

async function measure(program: string, seconds: number, existing: Map<number, ProgInfo>): Promise<void> {
  const server = await startLoadServer();
  const bpftrace = await startBpftraceToFile(program, '/tmp/netmon-probe-run-time.jsonl');
  try {
    const ours = () => new Map([...programs()].filter(([id]) => !existing.has(id)));
    let atOpen = new Map<number, ProgInfo>();
    let atClose = new Map<number, ProgInfo>();
    const load = await runLoadClient(
      { port: server.port, concurrency: 8, warmupMs: 1_000, seconds },
      { opened: () => (atOpen = ours()), closed: () => (atClose = ours()) }
    );
    const seenNames = new Map<string, number>();
    const rows = [...atClose.values()]
      .sort((a, b) => a.id - b.id)
      .map((p) => {
        const before = atOpen.get(p.id);
        const runs = (p.run_cnt ?? 0) - (before?.run_cnt ?? 0);
        const ns = (p.run_time_ns ?? 0) - (before?.run_time_ns ?? 0);
        const name = p.name ?? `id ${p.id}`;
        const n = (seenNames.get(name) ?? 0) + 1;
        seenNames.set(name, n);
        return {
          program: `${name} #${n}`,
          runsPerConn: runs / load.connections,
          nsPerRun: runs > 0 ? ns / runs : 0,
          usPerConn: ns / 1000 / load.connections,
        };
      })
      .filter((r) => r.runsPerConn > 0);
    const total = rows.reduce((s, r) => s + r.usPerConn, 0);
    for (const r of [...rows].sort((a, b) => b.usPerConn - a.usPerConn)) {
      process.stderr.write(
        `${r.program.padEnd(22)} ${r.runsPerConn.toFixed(2).padStart(6)} runs/conn ${r.nsPerRun.toFixed(0).padStart(6)} ns/run ${r.usPerConn.toFixed(2).padStart(6)} µs/conn\n`
      );
    }
    process.stderr.write(
      `in-kernel BPF run time: ${total.toFixed(2)} µs per connection (${load.connections} connections, ${Math.round(load.connections / seconds)}/s)\n`
    );
    process.stdout.write(
      `${JSON.stringify({
        program,
        connections: load.connections,
        connPerS: Math.round(load.connections / seconds),
        inKernelUsPerConn: +total.toFixed(2),
        programs: rows.map((r) => ({
          ...r,
          runsPerConn: +r.runsPerConn.toFixed(2),
          nsPerRun: Math.round(r.nsPerRun),
          usPerConn: +r.usPerConn.toFixed(2),
        })),
      })}\n`
    );
  } finally {
    await bpftrace.stop();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/probeRunTime: ${(err as Error).message}\n`);
  process.exit(1);
});
