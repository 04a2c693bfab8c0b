/**
 * What does capture cost? Short loopback TCP connections (connect, 64-byte request, 64-byte
 * reply, close) as fast as this machine makes them, in rounds without and with the agent,
 * interleaved so that drift in the machine's load hits both alike. The agent is the real CLI,
 * `netmon up --no-ui --interval 10`, so its node process costs what it costs in production.
 *
 * Reports the throughput ratio (with ÷ without, medians), the agent's CPU per connection (node +
 * bpftrace, user + system, over the measured windows only; BPF programs run in the load's own
 * context and show up in the ratio instead), lost events from agent_health, the agents' peak RSS
 * (sum of VmHWM), and how many of the connections made both sides of the agent stored.
 * Targets (reported, not asserted): ratio >= 0.95, <= 10 µs CPU per connection, 0 lost events.
 *
 * With --sink vector the agent sends its records to a stand-in for Vector in this process that
 * acknowledges every batch (`netmon up --sink vector`): no store in the agent, so the agent's own
 * share of the cost shows without the embedded store's insert threads.
 *
 *   node --import tsx bench/capture.ts [--rounds N] [--seconds T] [--concurrency C] [--sink clickhouse|vector]
 *     [--quick] [--json]
 *
 * NETMON_AGENT_NODE_ARGS (space-separated) go to the agent's node, e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/prof" for a CPU profile of the agent itself (node refuses --cpu-prof in
 * NODE_OPTIONS).
 *
 * Writes bench/results/capture.json, or with --json prints the JSON on stdout (the table goes to
 * stderr). Needs root and bpftrace, like `netmon up`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bpftraceMissing } from '../src/agent/bpftrace/bpftraceTestEnvironment';
import { startNetmon } from '../e2e/capture/netmonCli';
import { TestVectorEndpoint } from '../src/agent/sink/testVectorEndpoint';
import { captureReport, summarize, type Round } from './captureReport';
import { runLoadClient, startLoadServer, type LoadServer } from './loadProcesses';
import { cpuMs, cpuMsByThread, peakRssBytes, processTree } from './processTree';
import { receivedCounts } from './receivedCounts';
import { storedCounts } from './storedCounts';

const WARMUP_MS = 1_000;
/** NETMON_AGENT_NODE_ARGS, space-separated: flags for the agent's node (see the header). */
const AGENT_NODE_ARGS = process.env.NETMON_AGENT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
/** netmon up prints this once startAgent has resolved: the probes are attached. */
const AGENT_READY = /capturing with /;
const AGENT_START_TIMEOUT_MS = 90_000;
const AGENT_LOG_TAIL_LINES = 8;

interface Options {
  rounds: number;
  seconds: number;
  concurrency: number;
  sink: 'clickhouse' | 'vector';
  json: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      concurrency: { type: 'string', default: '8' },
      sink: { type: 'string', default: 'clickhouse' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const positive = (name: string, text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`--${name} ${JSON.stringify(text)}: expected a whole number >= 1`);
    }
    return n;
  };
  if (values.sink !== 'clickhouse' && values.sink !== 'vector') {
    throw new Error(`--sink ${JSON.stringify(values.sink)}: expected clickhouse or vector`);
  }
  return {
    sink: values.sink,
    rounds: positive('rounds', values.rounds ?? (values.quick ? '2' : '4')),
    seconds: positive('seconds', values.seconds ?? (values.quick ? '4' : '10')),
    concurrency: positive('concurrency', values.concurrency),
    json: values.json,
  };
}

async function round(
  withAgent: boolean,
  server: LoadServer,
  dataDir: string,
  vector: TestVectorEndpoint | undefined,
  opts: Options
): Promise<Round> {
  const sink = vector === undefined ? [] : ['--sink', 'vector', '--vector-url', vector.url];
  const agent = withAgent
    ? await startNetmon(
        ['up', '--no-ui', '--interval', '10', '--data-dir', dataDir, ...sink],
        (line) => AGENT_READY.test(line),
        AGENT_START_TIMEOUT_MS,
        AGENT_NODE_ARGS
      )
    : undefined;
  const fromMs = Date.now();
  let tree: number[] = [];
  let cpuAtOpen = 0;
  let agentCpuMs = 0;
  let threadsAtOpen: Record<string, number> = {};
  let agentCpuMsByThread: Record<string, number> = {};
  let peakRss = 0;
  try {
    const load = await runLoadClient(
      { port: server.port, concurrency: opts.concurrency, warmupMs: WARMUP_MS, seconds: opts.seconds },
      {
        opened: () => {
          tree = agent === undefined ? [] : processTree(agent.pid);
          cpuAtOpen = cpuMs(tree);
          threadsAtOpen = cpuMsByThread(tree);
        },
        closed: () => {
          agentCpuMs = cpuMs(tree) - cpuAtOpen;
          const threads = cpuMsByThread(tree);
          agentCpuMsByThread = Object.fromEntries(
            Object.entries(threads).map(([group, ms]) => [group, ms - (threadsAtOpen[group] ?? 0)])
          );
          peakRss = peakRssBytes(tree);
        },
      }
    );
    if (agent === undefined) {
      return { withAgent, load, agentCpuMs: 0, agentCpuMsByThread: {}, agentProcesses: 0, peakRssBytes: 0 };
    }
    const exit = await agent.stop();
    if (exit.code !== 0) {
      throw new Error(`netmon up exited with code ${exit.code} (signal ${exit.signal}):\n${exit.output}`);
    }
    return {
      withAgent,
      load,
      agentCpuMs,
      agentCpuMsByThread,
      agentProcesses: tree.length,
      peakRssBytes: peakRss,
      stored:
        vector === undefined
          ? storedCounts(dataDir, server.port, fromMs)
          : receivedCounts(vector.requests, server.port, fromMs),
      agentLogTail: exit.output.trimEnd().split('\n').slice(-AGENT_LOG_TAIL_LINES),
    };
  } finally {
    // A no-op after the stop above; after an error, no agent is left running.
    await agent?.stop();
  }
}

async function main(): Promise<void> {
  const opts = options();
  if (bpftraceMissing !== undefined) {
    process.stderr.write(`bench/capture: needs ${bpftraceMissing}\n`);
    process.exit(69);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'netmon-bench-'));
  const server = await startLoadServer();
  const vector = opts.sink === 'vector' ? await TestVectorEndpoint.start() : undefined;
  const rounds: Round[] = [];
  try {
    for (let i = 0; i < opts.rounds; i++) {
      for (const withAgent of [false, true]) {
        const r = await round(withAgent, server, dataDir, vector, opts);
        rounds.push(r);
        process.stderr.write(
          `round ${i + 1}/${opts.rounds} ${withAgent ? 'with' : 'without'}: ${Math.round(r.load.connections / opts.seconds)}/s\n`
        );
      }
    }
  } finally {
    await server.stop();
    await vector?.down();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const result = {
    command: `node --import tsx bench/capture.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { cpus: availableParallelism(), kernel: release() },
    options: opts,
    summary: summarize(rounds, opts.seconds),
    rounds,
  };
  const table = captureReport(result.summary, rounds, opts.seconds);
  if (opts.json) {
    process.stderr.write(table);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(table);
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'capture.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`\nwrote ${join(dir, 'capture.json')}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/capture: ${(err as Error).message}\n`);
  process.exit(1);
});
