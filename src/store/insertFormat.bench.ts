/**
 * Which insert format is cheapest into the embedded engine, with types intact? Inserts the same
 * 200k connections rows in each candidate format into a fresh store, rounds alternating the order,
 * and checks that every format stored the same data (a hash over all columns). CPU is the whole
 * process's (process.cpuUsage: node, V8's helpers and chDB's threads) from the call until it
 * returned; the merges it starts run after and are the same for every format. The choice and the
 * numbers are in clientStore.ts.
 * Run: `node --import tsx src/store/insertFormat.bench.ts [rows] [rounds]`
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from './chdbConnection';
import { median } from '../../bench/captureReport';
import { columnNames, type ConnectionRow } from '../shared/schema';
import { migrate } from './migrate';
import { storeFromClient } from './clientStore';

const ROWS = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const COLUMNS = columnNames('connections');
// Recent, so the raw table's TTL does not drop the rows on insert.
const START_MS = Date.now() - 3_600_000;

function sampleRow(i: number): ConnectionRow {
  const ns = `ns-${i % 20}`;
  return {
    ts: START_MS + i * 7,
    // Spread over 64 bits like connectionId's hashes, so the encoder takes the 20-digit path real rows do.
    connection_id: String((BigInt(i + 1) * 11_400_714_819_323_198_485n) % 2n ** 64n),
    node: `node-${i % 8}`,
    pid: 1000 + (i % 500),
    comm: i % 3 === 0 ? 'curl' : 'envoy',
    protocol: i % 10 === 0 ? 'udp' : 'tcp',
    direction: i % 2 === 0 ? 'outbound' : 'inbound',
    local_ip: `10.0.${i % 256}.${(i >> 8) % 256}`,
    local_port: 30000 + (i % 20000),
    local_container_id: (i % 64).toString(16).padStart(64, 'a'),
    local_cluster: 'prod',
    local_namespace: ns,
    local_deployment: `${ns}-api`,
    local_pod: `${ns}-api-${i % 50}`,
    local_container: 'app',
    remote_ip: i % 5 === 0 ? '2001:db8::1' : `10.1.${i % 256}.7`,
    remote_port: 443,
    remote_container_id: '',
    remote_cluster: 'prod',
    remote_namespace: 'db',
    remote_deployment: 'postgres',
    remote_pod: `postgres-${i % 3}`,
    remote_container: 'postgres',
    remote_node: `node-${(i + 1) % 8}`,
    remote_service: 'db/postgres',
    remote_dns_name: 'postgres.db.svc.cluster.local',
    bytes_tx: i * 13,
    bytes_rx: i * 17,
    packets_tx: i % 100,
    packets_rx: i % 90,
    retransmits: i % 7,
    resets: i % 11 === 0 ? 1 : 0,
    rtt_us: i % 4 === 0 ? 0 : 250 + (i % 1000),
    state: (['open', 'active', 'closed', 'failed'] as const)[i % 4],
    opened: i % 4 === 0 ? 1 : 0,
    duration_ms: i % 4 === 2 ? i : 0,
  };
}

/** CSV needs its own quoting; DateTime64 takes a decimal-seconds string, not epoch ms. */
function csvLine(row: ConnectionRow): string {
  return COLUMNS.map((name) => {
    const value = row[name as keyof ConnectionRow];
    if (name === 'ts') {
      return (Number(value) / 1000).toFixed(3);
    }
    if (value === undefined) {
      return ''; // an added column the rows leave out: empty is the default
    }
    return typeof value === 'string' ? `"${value.replace(/"/g, '""')}"` : String(value);
  }).join(',');
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'netmon-bench-'));
  const client = createClient({ connection: createChdbConnection({ path: dir }) as never });
  // JSONCompactEachRow, storeFromClient's default.
  const store = storeFromClient(client, dir);
  // The scratch file on tmpfs and on the temp dir's disk, to see whether the file's place matters.
  const shm = existsSync('/dev/shm')
    ? storeFromClient(client, dir, { insertFormat: 'Native', scratchParent: '/dev/shm' })
    : undefined;
  const disk = storeFromClient(client, dir, { insertFormat: 'Native', scratchParent: tmpdir() });
  await migrate(store);
  const rows = Array.from({ length: ROWS }, (_, i) => sampleRow(i));
  const table = 'netmon.connections';
  const candidates: Record<string, () => Promise<unknown>> = {
    JSONEachRow: () => client.insert({ table, values: rows, format: 'JSONEachRow' }),
    CSV: () =>
      client.insert({
        table,
        columns: COLUMNS as [string, ...string[]],
        values: Readable.from([rows.map(csvLine).join('\n') + '\n'], { objectMode: false }),
        format: 'CSV',
      }),
    // The store's own paths, dedup settings included.
    'JSONCompactEachRow (store)': () => store.insert('connections', rows),
    ...(shm === undefined ? {} : { 'Native file, /dev/shm (store)': () => shm.insert('connections', rows) }),
    [`Native file, ${tmpdir()} (store)`]: () => disk.insert('connections', rows),
  };
  const fingerprint = `SELECT count() AS n, sum(cityHash64(${COLUMNS.join(', ')})) AS h FROM ${table}`;
  const results = new Map<string, { cpu: number[]; wall: number[]; hashes: Set<string> }>();
  const names = Object.keys(candidates);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternating the order, so no format always runs first (the engine's warm-up) or last.
    for (const format of round % 2 === 0 ? names : [...names].reverse()) {
      await store.command(`TRUNCATE TABLE ${table}`);
      const cpu0 = cpuMs();
      const started = performance.now();
      await candidates[format]();
      const wall = performance.now() - started;
      const cpu = cpuMs() - cpu0;
      const [stored] = await store.query<{ n: string; h: string }>(fingerprint);
      const r = results.get(format) ?? { cpu: [], wall: [], hashes: new Set<string>() };
      r.cpu.push(cpu);
      r.wall.push(wall);
      r.hashes.add(`${stored.n}/${stored.h}`);
      results.set(format, r);
      console.log(
        `round ${round + 1} ${format.padEnd(34)} cpu ${cpu.toFixed(0).padStart(6)} ms  wall ${wall.toFixed(0).padStart(6)} ms  rows=${stored.n} hash=${stored.h}`
      );
    }
  }
  console.log(`\nmedians of ${ROUNDS} rounds, ${ROWS.toLocaleString('en-US')} rows:`);
  const allHashes = new Set([...results.values()].flatMap((r) => [...r.hashes]));
  for (const [format, r] of results) {
    const cpu = median(r.cpu);
    console.log(
      `${format.padEnd(34)} cpu ${cpu.toFixed(0).padStart(6)} ms (${((cpu * 1000) / ROWS).toFixed(2)} µs/row, ` +
        `${Math.round(ROWS / (cpu / 1000)).toLocaleString('en-US')} rows/s per core)  wall ${median(r.wall).toFixed(0).padStart(6)} ms`
    );
  }
  console.log(
    allHashes.size === 1 ? 'every format stored the same data' : `DIFFERENT DATA: ${[...allHashes].join(' ')}`
  );
  await disk.close();
  await shm?.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

void main();
