import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuMs, processTree } from '../bench/processTree';
import { netmonSql, startNetmon } from '../e2e/capture/netmonCli';
import { parseVmRssBytes } from '../src/agent/bpftrace/procStat';
import { DATABASE, tables } from '../src/shared/schema';
import { rssGrowth, type RssGrowth } from './rssGrowth';

/**
 * Soak (issue 8, scenario 10): `netmon up` (the real agent: bpftrace, pipeline, embedded store)
 * for N minutes under a paced load of short TCP connections and DNS questions on loopback
 * (scripts/soakLoad.ts). Every 30 s it samples the agent's process tree from /proc: resident
 * memory, CPU, open file descriptors; at the end it reads agent_health for lost events and the
 * store for what was captured. Prints a table and writes JSON.
 *
 *   node --import tsx scripts/soak.ts [--minutes 30] [--rate 1000] [--dns-rate 100] [--out docs/bench/soak.json]
 *
 * Targets: RSS growth < 10 % from the sample at minute 5 (or the middle of a shorter run) to the
 * last; lost events 0. Needs root and bpftrace, like `netmon up`.
 */

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '1000' },
    'dns-rate': { type: 'string', default: '100' },
    'sample-seconds': { type: 'string', default: '30' },
    out: { type: 'string', default: 'docs/bench/soak.json' },
  },
});

function positive(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!(n > 0)) {
    throw new Error(`soak --${name}: expected a positive number, got "${text}"`);
  }
  return n;
}

const MINUTES = positive('minutes', args.minutes);
const RATE = positive('rate', args.rate);
const DNS_RATE = positive('dns-rate', args['dns-rate']);
const SAMPLE_MS = positive('sample-seconds', args['sample-seconds']) * 1000;
const INTERVAL_SECONDS = 10;
/** Memory is compared from here: the first minutes fill caches, JIT and the store's parts. */
const BASELINE_MS = Math.min(5 * 60_000, (MINUTES * 60_000) / 2);
/** Medians of this many seconds at each end of the measured part. */
const RSS_WINDOW_S = 180;

interface Sample {
  atS: number;
  /** The netmon node process: agent and embedded ClickHouse. */
  agentRssMB: number;
  /** Every bpftrace and other child. */
  childrenRssMB: number;
  /** CPU of the whole tree over the last sample period, % of one core. */
  cpuPercent: number;
  fds: number;
  processes: number;
}

function rssBytes(pid: number): number {
  try {
    return parseVmRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8')) ?? 0;
  } catch {
    return 0;
  }
}

function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const MB = 1024 * 1024;

/** A child whose stdout is JSON lines; resolves with the first line passing `ready`. */
function jsonChild(
  args: string[],
  ready: (o: Record<string, unknown>) => boolean
): Promise<{ child: ChildProcess; first: Record<string, unknown>; lines: Array<Record<string, unknown>> }> {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Array<Record<string, unknown>> = [];
  return new Promise((done, fail) => {
    let partial = '';
    let settled = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop()!;
      for (const text of parts) {
        // The DNS server prints a line per datagram: only the ones asked for are kept.
        const o = JSON.parse(text) as Record<string, unknown>;
        if (!settled && ready(o)) {
          settled = true;
          done({ child, first: o, lines });
        } else if (o.event === 'progress' || o.event === 'done') {
          lines.push(o);
        }
      }
    });
    child.on('exit', (code) => {
      if (!settled) {
        fail(new Error(`${args.join(' ')} exited with ${code} before it was ready`));
      }
    });
  });
}

async function main(): Promise<void> {
  const root = resolve(__dirname, '..');
  const dataDir = mkdtempSync(join(tmpdir(), 'netmon-soak-'));
  const children: ChildProcess[] = [];
  try {
    const server = await jsonChild(
      ['--import', 'tsx', join(root, 'bench/shortConnectionLoad.ts'), 'server'],
      (o) => o.event === 'listening'
    );
    children.push(server.child);
    const dns = await jsonChild(
      [join(root, 'src/lab/dnsServer.mjs'), JSON.stringify({ address: '127.0.0.1', port: 0, comm: 'soak-dns' })],
      (o) => o.event === 'listening'
    );
    children.push(dns.child);
    const up = await startNetmon(
      [
        'up',
        '--no-ui',
        '--interval',
        String(INTERVAL_SECONDS),
        '--data-dir',
        dataDir,
        '--dns-ports',
        String(dns.first.port),
      ],
      (line) => /capturing with /.test(line),
      120_000
    );
    const seconds = MINUTES * 60;
    const load = await jsonChild(
      [
        '--import',
        'tsx',
        join(root, 'scripts/soakLoad.ts'),
        JSON.stringify({ port: server.first.port, rate: RATE, dnsPort: dns.first.port, dnsRate: DNS_RATE, seconds }),
      ],
      (o) => o.event === 'started'
    );
    children.push(load.child);
    console.log(
      `soak: ${MINUTES} min at ${RATE} connections/s and ${DNS_RATE} DNS questions/s; netmon up pid ${up.pid}, data in ${dataDir}`
    );

    const samples: Sample[] = [];
    const startedAt = Date.now();
    let lastCpu = cpuMs(processTree(up.pid));
    let lastAt = startedAt;
    const sample = () => {
      const tree = processTree(up.pid);
      const cpu = cpuMs(tree);
      const now = Date.now();
      const s: Sample = {
        atS: Math.round((now - startedAt) / 1000),
        agentRssMB: round(rssBytes(up.pid) / MB),
        childrenRssMB: round(tree.slice(1).reduce((sum, pid) => sum + rssBytes(pid), 0) / MB),
        cpuPercent: round(((cpu - lastCpu) / (now - lastAt)) * 100),
        fds: tree.reduce((sum, pid) => sum + openFds(pid), 0),
        processes: tree.length,
      };
      [lastCpu, lastAt] = [cpu, now];
      samples.push(s);
      console.log(`  ${JSON.stringify(s)}`);
    };
    const timer = setInterval(sample, SAMPLE_MS);
    await new Promise<void>((done) => load.child.on('exit', () => done()));
    clearInterval(timer);
    sample();
    const exit = await up.stop();
    if (exit.code !== 0) {
      throw new Error(`netmon up exited with ${exit.code}:\n${exit.output.slice(-4000)}`);
    }

    const sumOf = (table: string, expr: string, where = '1') =>
      Number(netmonSql<{ n: string }>(dataDir, `SELECT ${expr} AS n FROM ${DATABASE}.${table} WHERE ${where}`)[0].n);
    const health = tables.agent_health.name;
    const loadDone = load.lines.find((o) => o.event === 'done') ?? {};
    const base = samples.find((s) => s.atS * 1000 >= BASELINE_MS) ?? samples[0];
    const last = samples.at(-1)!;
    const measured = samples.filter((s) => s.atS * 1000 > BASELINE_MS);
    const total = rssGrowth(
      samples.map((s) => ({ atS: s.atS, rssMB: s.agentRssMB + s.childrenRssMB })),
      BASELINE_MS / 1000,
      RSS_WINDOW_S
    );
    const result = {
      when: new Date().toISOString(),
      machine: `${cpus().length} cores, shared with other engineers' benchmarks`,
      minutes: MINUTES,
      targetConnectionsPerSecond: RATE,
      targetDnsPerSecond: DNS_RATE,
      load: loadDone,
      rss: {
        baselineAtS: base.atS,
        agentMB: [base.agentRssMB, last.agentRssMB],
        childrenMB: [base.childrenRssMB, last.childrenRssMB],
        // From the baseline sample to the last: where chDB's and V8's swings fell. total reads the trend too.
        growthPercent: total.endpointsPercent,
        targetPercent: 10,
        total,
      },
      cpuPercentOfOneCore: {
        mean: round(measured.reduce((s, x) => s + x.cpuPercent, 0) / Math.max(1, measured.length)),
        max: Math.max(...samples.map((s) => s.cpuPercent)),
      },
      fds: { min: Math.min(...samples.map((s) => s.fds)), max: Math.max(...samples.map((s) => s.fds)), last: last.fds },
      agentHealth: {
        lostEvents: sumOf(health, 'sum(lost_events)'),
        mapFullErrors: sumOf(health, 'sum(map_full_errors)'),
        malformedLines: sumOf(health, 'sum(malformed_lines)'),
        bpftraceRestarts: sumOf(health, 'sum(bpftrace_restarts)'),
        recordsDropped: sumOf(health, 'sum(records_dropped)'),
        eventsRead: sumOf(health, 'sum(events_read)'),
      },
      stored: {
        connectionsToLoadServer: sumOf(
          tables.connections.name,
          'uniqExact(connection_id)',
          `local_port = ${Number(server.first.port)} AND protocol = 'tcp'`
        ),
        dnsQuestions: sumOf(tables.dns_queries.name, 'count()', `server_port = ${Number(dns.first.port)}`),
      },
      samples,
    };
    const out = resolve(args.out!);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    printTable(result);
    console.log(`written: ${out}`);
  } finally {
    for (const child of children) {
      child.stdin?.end();
      child.kill('SIGTERM');
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function printTable(r: {
  rss: { agentMB: number[]; childrenMB: number[]; growthPercent: number; baselineAtS: number; total: RssGrowth };
  cpuPercentOfOneCore: { mean: number; max: number };
  fds: { min: number; max: number; last: number };
  agentHealth: Record<string, number>;
  stored: Record<string, number>;
  load: Record<string, unknown>;
}): void {
  const rows: Array<[string, string]> = [
    ['RSS agent (node + chDB), MB', `${r.rss.agentMB[0]} at ${r.rss.baselineAtS} s -> ${r.rss.agentMB[1]}`],
    ['RSS bpftrace and other children, MB', `${r.rss.childrenMB[0]} -> ${r.rss.childrenMB[1]}`],
    ['RSS growth (target < 10 %), first to last sample', `${r.rss.growthPercent} %`],
    [
      `RSS growth, medians of ${RSS_WINDOW_S} s at each end / trend`,
      `${r.rss.total.mediansPercent} % / ${r.rss.total.trendPercent} % (range ${r.rss.total.minMB} to ${r.rss.total.maxMB} MB)`,
    ],
    ['CPU, % of one core (mean after baseline / max)', `${r.cpuPercentOfOneCore.mean} / ${r.cpuPercentOfOneCore.max}`],
    ['open fds (min / max / last)', `${r.fds.min} / ${r.fds.max} / ${r.fds.last}`],
    ['lost events (target 0)', String(r.agentHealth.lostEvents)],
    ['map-full errors', String(r.agentHealth.mapFullErrors)],
    ['bpftrace restarts', String(r.agentHealth.bpftraceRestarts)],
    ['records dropped', String(r.agentHealth.recordsDropped)],
    ['connections completed / skipped by the load', `${String(r.load.connections)} / ${String(r.load.skipped)}`],
    ['connections stored (server side)', String(r.stored.connectionsToLoadServer)],
    ['DNS questions sent / stored', `${String(r.load.dnsSent)} / ${r.stored.dnsQuestions}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
}

main().catch((err: unknown) => {
  console.error(`soak: ${(err as Error).message}`);
  process.exitCode = 1;
});
