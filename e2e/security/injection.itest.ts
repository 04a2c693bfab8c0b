import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ConnectionRow, DnsQueryRow } from '../../src/shared/schema';
import {
  connectionsSeries,
  connectionsTop,
  type ConnectionDimension,
  type ConnectionFilter,
} from '../../src/shared/sql/connections';
import { dnsSeries, dnsTop, type DnsDimension, type DnsFilter } from '../../src/shared/sql/dns';
import { inlineParams } from '../../src/shared/sql/escape';
import { flowGraphEdges } from '../../src/shared/sql/flowGraph';
import type { BuiltQuery } from '../../src/shared/sql/query';
import type { Tier } from '../../src/shared/sql/timeRange';
import { connectionsViewQueries, validateGroupBy } from '../../src/shared/views/connectionsView';
import { connectionRow, dnsQueryRow } from '../../src/store/sampleRows';
import type { Store } from '../../src/store/store';
import { openTestStore, queryNumbers } from '../../src/store/testStore';
import { seededRandom as random } from '../../src/shared/seededRandom';
import { adversarialString, mutate } from './adversarial';

/**
 * Issue 8, scenario 6: adversarial filter values through every builder give exactly what a
 * TypeScript evaluation over the same rows gives (so nothing was injected, nothing bypassed), bound
 * as parameters and inlined as the Grafana datasource gets them; adversarial group-by keys and
 * database names are rejected before any SQL exists. NETMON_INJECTION_QUERIES sets the count.
 */
const QUERIES = Number(process.env.NETMON_INJECTION_QUERIES ?? 10_000);
const SEED = Number(process.env.NETMON_INJECTION_SEED ?? 8);
const ROWS = 1500;
const POOL = 400;

const MINUTE = 60_000;
const T0 = Math.floor((Date.now() - 3 * 3600_000) / 3600_000) * 3600_000;
const RANGE = { fromMs: T0, toMs: T0 + 3600_000 };

// Each connection dimension the test filters, and the raw column it is for an outbound row.
const CONNECTION_DIMS: Partial<Record<ConnectionDimension, keyof ConnectionRow>> = {
  src_cluster: 'local_cluster',
  src_namespace: 'local_namespace',
  src_deployment: 'local_deployment',
  src_node: 'node',
  dst_namespace: 'remote_namespace',
  dst_deployment: 'remote_deployment',
  dst_pod: 'remote_pod',
  dst_node: 'remote_node',
  dst_service: 'remote_service',
  dst_dns_name: 'remote_dns_name',
  comm: 'comm',
};
const SELECTOR_DIMS = [
  'src_cluster',
  'src_namespace',
  'src_deployment',
  'src_node',
  'dst_namespace',
  'dst_deployment',
  'dst_pod',
  'dst_node',
] as const;
const DNS_DIMS: DnsDimension[] = [
  'client_cluster',
  'client_namespace',
  'client_deployment',
  'client_pod',
  'node',
  'qname',
  'qtype',
  'comm',
];

const rand = random(SEED);
const pool = Array.from({ length: POOL }, () => adversarialString(rand));
const pick = () => pool[Math.floor(rand() * pool.length)];

// Every row its own pair (distinct src_pod), outbound only, opened = 1: a count of matching rows.
const connections: ConnectionRow[] = Array.from({ length: ROWS }, (_, i) => {
  const row = connectionRow({ ts: T0 + (i % 60) * MINUTE + 1000, opened: 1, bytes_tx: 1, local_pod: `pod-${i}` });
  for (const column of Object.values(CONNECTION_DIMS)) {
    (row as unknown as Record<string, unknown>)[column] = pick();
  }
  return row;
});
const dns: DnsQueryRow[] = Array.from({ length: ROWS }, (_, i) => {
  const row = dnsQueryRow({ ts: T0 + (i % 60) * MINUTE + 1000, query_id: i % 65536 });
  for (const dim of DNS_DIMS) {
    (row as unknown as Record<string, unknown>)[dim] = pick();
  }
  return row;
});

type Op = 'eq' | 'neq' | 'in' | 'notIn';
const OPS: Op[] = ['eq', 'neq', 'in', 'notIn'];

function holds(op: Op, actual: string, values: string[]): boolean {
  switch (op) {
    case 'eq':
      return actual === values[0];
    case 'neq':
      return actual !== values[0];
    case 'in':
      return values.includes(actual);
    case 'notIn':
      return !values.includes(actual);
  }
}

function filterOf<D extends string>(dim: D, op: Op, values: string[]) {
  return op === 'eq' || op === 'neq' ? { dim, op, value: values[0] } : { dim, op, values };
}

/** The query's total, whatever shape the builder returns (top rows, series buckets, graph edges). */
async function total(store: Store, q: BuiltQuery, column: string, inline: boolean): Promise<number> {
  const rows = inline ? await queryNumbers(store, { sql: inlineParams(q), params: {} }) : await queryNumbers(store, q);
  return rows.reduce((sum, r) => sum + Number(r[column] ?? 0), 0);
}

let store: Store;
before(async () => {
  store = await openTestStore();
  await store.insert('connections', connections);
  await store.insert('dns_queries', dns);
});
after(async () => {
  await store.close();
});

test(`${QUERIES} adversarial filter values through every builder match a TypeScript evaluation`, async () => {
  const connDims = Object.keys(CONNECTION_DIMS) as ConnectionDimension[];
  const tiers: Tier[] = ['raw', 'minute', 'hour'];
  let checked = 0;
  let nonEmpty = 0;
  for (let i = 0; i < QUERIES; i++) {
    const op = OPS[i % OPS.length];
    const values = Array.from({ length: op === 'in' || op === 'notIn' ? 1 + Math.floor(rand() * 3) : 1 }, () =>
      rand() < 0.7 ? pick() : mutate(pick(), rand)
    );
    const inline = i % 2 === 1;
    const tier = tiers[i % 3];
    const kind = i % 5;
    let q: BuiltQuery;
    let column: string;
    let expected: number;
    if (kind < 4) {
      const dim = connDims[Math.floor(rand() * connDims.length)];
      // comm is raw only; the rollups cannot answer it, so it pins raw.
      const useTier = dim === 'comm' ? 'raw' : tier;
      const filters = [filterOf(dim, op, values) as ConnectionFilter];
      expected = connections.filter((r) => holds(op, String(r[CONNECTION_DIMS[dim]!]), values)).length;
      if (kind === 0) {
        q = connectionsTop({ range: RANGE, filters, metrics: ['opened'], tier: useTier });
        column = 'opened';
      } else if (kind === 1) {
        q = connectionsSeries({ range: RANGE, filters, metrics: ['opened'], stepSeconds: 600, tier: useTier });
        column = 'opened';
      } else if (kind === 2) {
        q = flowGraphEdges({ range: RANGE, level: 'namespace', filters, tier: useTier, limit: 10_000 });
        column = 'mainStat';
      } else {
        // The view's selectors are `in` filters on the side levels.
        const selector = SELECTOR_DIMS[Math.floor(rand() * SELECTOR_DIMS.length)];
        const view = { selectors: { [selector]: values }, groupBy: ['src_namespace' as const], database: 'netmon' };
        q = connectionsViewQueries(view, RANGE, 600).flows;
        column = 'opened';
        // The flows list stops at 100 rows, each a source namespace: fewer distinct values than that here.
        expected = connections.filter((r) => values.includes(String(r[CONNECTION_DIMS[selector]!]))).length;
      }
    } else {
      const dim = DNS_DIMS[Math.floor(rand() * DNS_DIMS.length)];
      const useTier = dim === 'comm' ? 'raw' : tier;
      const filters = [filterOf(dim, op, values) as DnsFilter];
      expected = dns.filter((r) => holds(op, String(r[dim as keyof DnsQueryRow]), values)).length;
      q =
        i % 2 === 0
          ? dnsTop({ range: RANGE, filters, metrics: ['queries'], tier: useTier })
          : dnsSeries({ range: RANGE, filters, metrics: ['queries'], stepSeconds: 600, tier: useTier });
      column = 'queries';
    }
    const got = await total(store, q, column, inline);
    assert.equal(got, expected, `query ${i} (${inline ? 'inlined' : 'bound'}): ${JSON.stringify({ op, values })}`);
    checked++;
    nonEmpty += expected > 0 && expected < ROWS ? 1 : 0;
  }
  assert.equal(checked, QUERIES);
  // Both outcomes were exercised, so a bypass (everything matches) or a broken filter (nothing does) shows.
  assert.ok(nonEmpty > QUERIES / 10, `only ${nonEmpty} queries selected a proper subset`);
});

test('adversarial group-by keys and database names are rejected before any SQL exists', () => {
  const r = random(SEED + 1);
  for (let i = 0; i < QUERIES; i++) {
    const key = adversarialString(r);
    assert.throws(
      () => connectionsTop({ range: RANGE, groupBy: [key as ConnectionDimension], metrics: ['bytes'] }),
      /unknown connection dimension/
    );
    assert.throws(
      () => dnsTop({ range: RANGE, groupBy: [key as DnsDimension], metrics: ['queries'] }),
      /unknown DNS dimension/
    );
    assert.throws(() => validateGroupBy([key]), /unknown group-by column|pick at least one/);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key)) {
      assert.throws(
        () => connectionsTop({ range: RANGE, metrics: ['bytes'], database: key }),
        /expected a plain ClickHouse name/
      );
    }
  }
});
