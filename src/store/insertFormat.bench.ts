/**
 * Which insert format is fastest into the embedded engine, with types intact? Inserts the same
 * 200k connections rows in each candidate format into a fresh store, times it, and checks that
 * every format stored the same data (a hash over all columns). The choice and the numbers are in
 * clientStore.ts. Run: `node --import tsx src/store/insertFormat.bench.ts [rows]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { columnNames, type ConnectionRow } from '../shared/schema';
import { migrate } from './migrate';
import { storeFromClient } from './clientStore';

const ROWS = Number(process.argv[2] ?? 200_000);
const COLUMNS = columnNames('connections');
// Recent, so the raw table's TTL does not drop the rows on insert.
const START_MS = Date.now() - 3_600_000;

function sampleRow(i: number): ConnectionRow {
  const ns = `ns-${i % 20}`;
  return {
    ts: START_MS + i * 7,
    connection_id: String(BigInt(i) * 2_654_435_761n),
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
    return typeof value === 'string' ? `"${value.replace(/"/g, '""')}"` : String(value);
  }).join(',');
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'netmon-bench-'));
  const client = createClient({ connection: createChdbConnection({ path: dir }) as never });
  const store = storeFromClient(client, dir);
  await migrate(store);
  const rows = Array.from({ length: ROWS }, (_, i) => sampleRow(i));
  const table = 'netmon.connections';
  const candidates: Record<string, () => Promise<unknown>> = {
    JSONEachRow: () => client.insert({ table, values: rows, format: 'JSONEachRow' }),
    JSONCompactEachRow: () =>
      client.insert({
        table,
        columns: COLUMNS as [string, ...string[]],
        values: rows.map((row) => COLUMNS.map((name) => row[name as keyof ConnectionRow])),
        format: 'JSONCompactEachRow',
      }),
    CSV: () =>
      client.insert({
        table,
        columns: COLUMNS as [string, ...string[]],
        values: Readable.from([rows.map(csvLine).join('\n') + '\n'], { objectMode: false }),
        format: 'CSV',
      }),
  };
  const fingerprint = `SELECT count() AS n, sum(cityHash64(${COLUMNS.join(', ')})) AS h FROM ${table}`;
  // Twice round, so the first format does not carry the engine's warm-up alone.
  for (const [format, insert] of [...Object.entries(candidates), ...Object.entries(candidates)]) {
    await store.command(`TRUNCATE TABLE ${table}`);
    const started = performance.now();
    await insert();
    const ms = performance.now() - started;
    const [stored] = await store.query<{ n: string; h: string }>(fingerprint);
    console.log(`${format.padEnd(20)} ${ms.toFixed(0).padStart(6)} ms  rows=${stored.n} hash=${stored.h}`);
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

void main();
