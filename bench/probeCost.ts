/**
 * Which of connections.bt's probes cost the load its throughput? The throughput ratio counts what
 * the probes cost inside the load's own system calls, which no process's CPU time shows. This
 * measures it by removal, with no tool beyond bpftrace (bench/probeRunTime.ts reads the kernel's
 * own per-program run time instead, where bpftool is installed): the short-connection load alone,
 * under the whole program, and under the program without its blocks on the per-syscall
 * tracepoints (sock_send_length and sock_recv_length: the @tcp0/@tcp1 refresh, the owner, UDP),
 * interleaved round by round. Output goes to
 * /dev/null-like files; no agent runs. The variant is a probe of the idea, not a program to ship:
 * without those blocks @tcp0/@tcp1 are never refreshed between a connection's open and its close.
 *
 *   node --import tsx bench/probeCost.ts [--rounds 3] [--seconds 6]
 *
 * Prints a table and one JSON line with the median conn/s of each and their ratios to the load
 * alone. Needs root and bpftrace.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNECTIONS_BT } from '../src/agent/bpftrace/connectionsProgram';
import { parseArgs } from 'node:util';
import { startBpftraceToFile } from './bpftraceToFile';
import { median } from './captureReport';
import { runLoadClient, startLoadServer } from './loadProcesses';

const PROGRAM = CONNECTIONS_BT;
const PER_SYSCALL = /^tracepoint:sock:sock_(send|recv)_length/;

/** The program without every block whose probe list names a per-syscall tracepoint, nor the UDP maps. */
export function withoutPerSyscallBlocks(source: string): string {
  const out: string[] = [];
  let skipping = false;
  let inProbeList = false;
  for (const line of source.split('\n')) {
    if (!skipping && PER_SYSCALL.test(line)) {
      skipping = true;
      inProbeList = true;
      continue;
    }
    if (skipping) {
      if (inProbeList && line.startsWith('{')) {
        inProbeList = false;
      }
      if (!inProbeList && line === '}') {
        skipping = false;
      }
      continue;
    }
    // The UDP maps live only in a removed block; their print and clear lines go with it.
    if (!/@udp/.test(line)) {
      out.push(line);
    }
  }
  return out.join('\n');
}

type Config = 'load alone' | 'whole program' | 'without per-syscall blocks';
const CONFIGS: readonly Config[] = ['load alone', 'whole program', 'without per-syscall blocks'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '6' } },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const work = mkdtempSync(join(tmpdir(), 'netmon-probe-cost-'));
  const variant = join(work, 'without-per-syscall.bt');
  writeFileSync(variant, withoutPerSyscallBlocks(readFileSync(PROGRAM, 'utf8')));
  const rates: Record<Config, number[]> = { 'load alone': [], 'whole program': [], 'without per-syscall blocks': [] };
  const server = await startLoadServer();
  try {
    for (let round = 0; round < rounds; round++) {
      // Rotate the order so no configuration always follows another.
      const order = CONFIGS.map((_, i) => CONFIGS[(i + round) % CONFIGS.length]);
      for (const config of order) {
        const program = config === 'whole program' ? PROGRAM : config === 'load alone' ? undefined : variant;
        const bpftrace =
          program === undefined ? undefined : await startBpftraceToFile(program, join(work, 'out.jsonl'));
        try {
          const load = await runLoadClient(
            { port: server.port, concurrency: 8, warmupMs: 1_000, seconds },
            { opened: () => undefined, closed: () => undefined }
          );
          const rate = Math.round(load.connections / seconds);
          rates[config].push(rate);
          process.stderr.write(`round ${round + 1}/${rounds} ${config}: ${rate} conn/s\n`);
        } finally {
          await bpftrace?.stop();
        }
      }
    }
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const alone = median(rates['load alone']);
  const result = Object.fromEntries(
    CONFIGS.map((c) => [c, { connPerS: median(rates[c]), ratio: +(median(rates[c]) / alone).toFixed(3) }])
  );
  for (const c of CONFIGS) {
    process.stderr.write(
      `${c.padEnd(28)} ${String(result[c].connPerS).padStart(7)} conn/s  ratio ${result[c].ratio}\n`
    );
  }
  process.stdout.write(`${JSON.stringify({ rounds, seconds, result })}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench/probeCost: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
