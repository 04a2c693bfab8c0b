import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { DATABASE, tables, type ConnectionRow } from '../../src/shared/schema';
import { flowGraphEdges, flowGraphNodes } from '../../src/shared/sql/flowGraph';
import { expandConditionalAll, expandMacros, type MacroContext } from '../../src/shared/sql/macros';
import { CONNECTIONS, DNS_QUERIES, HOUR, T0 } from '../../src/shared/sql/testFixtures';
import { connectionRow, dnsQueryRow } from '../../src/store/sampleRows';
import type { Store } from '../../src/store/store';
import { openTestStore } from '../../src/store/testStore';
import { DASHBOARD_FLOW, withTimeMacros } from './builderSql';
import { ALERT_QUESTIONS, answerRows, builderAnswer, PANEL_QUESTIONS } from './connectionQuestions';

const ROOT = join(__dirname, '../../provisioning');
const DATASOURCE = { type: 'grafana-clickhouse-datasource', uid: 'netmon-clickhouse' };

interface Target {
  refId: string;
  rawSql: string;
  datasource: typeof DATASOURCE;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource: typeof DATASOURCE;
  targets: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: string; datasource: typeof DATASOURCE }> };
}
interface AlertQuery {
  refId: string;
  datasourceUid: string;
  relativeTimeRange?: { from: number; to: number };
  model: {
    refId: string;
    rawSql?: string;
    format?: number;
    type?: string;
    expression?: string;
    conditions?: Array<{ evaluator: { type: string; params: number[] } }>;
  };
}
interface AlertRule {
  uid: string;
  title: string;
  condition: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  data: AlertQuery[];
}

const dashboardDir = join(ROOT, 'dashboards/netmon');
const dashboards: Dashboard[] = readdirSync(dashboardDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(dashboardDir, f), 'utf8')) as Dashboard);
const rules: AlertRule[] = readdirSync(join(ROOT, 'alerting'))
  .filter((f) => f.endsWith('.yaml'))
  .flatMap(
    (f) => (parse(readFileSync(join(ROOT, 'alerting', f), 'utf8')) as { groups: Array<{ rules: AlertRule[] }> }).groups
  )
  .flatMap((g) => g.rules);

/** Every SQL a dashboard sends: panel targets and template-variable queries. */
function dashboardSql(d: Dashboard): Array<{ where: string; sql: string }> {
  return [
    ...d.templating.list.map((v) => ({ where: `${d.uid} variable ${v.name}`, sql: v.query })),
    ...d.panels.flatMap((p) => p.targets.map((t) => ({ where: `${d.uid} "${p.title}" ${t.refId}`, sql: t.rawSql }))),
  ];
}

/** Grafana's job before the datasource's: $__conditionalAll, then ${namespace:singlequote}. */
function withNamespace(sql: string, namespace: string | 'All'): string {
  const conditional = expandConditionalAll(sql, () => namespace === 'All');
  return conditional.replaceAll('${namespace:singlequote}', `'${namespace}'`);
}

const NOW = Date.now();
const dashboardRange: MacroContext = { from: T0 - HOUR, to: NOW, intervalMs: 60_000 };
const AGO = NOW - 5 * 60_000;

/** Rows in the alerts' 10-minute window; each subject's name says whether it should fire. */
function alertRows() {
  const pair = (deployment: string, packets: number, retransmits: number, id: string) =>
    connectionRow({
      ts: AGO,
      connection_id: id,
      local_deployment: deployment,
      local_namespace: 'alerts',
      remote_namespace: 'alerts',
      remote_deployment: 'api',
      packets_tx: packets,
      retransmits,
    });
  /** The same connection as the server's agent reports it: the same packets, open and reset; its own retransmits. */
  const seenByServer = (client: ConnectionRow, retransmits: number, id: string) =>
    connectionRow({
      ts: AGO,
      connection_id: id,
      node: client.remote_node,
      direction: 'inbound',
      local_ip: client.remote_ip,
      local_port: client.remote_port,
      local_cluster: client.remote_cluster,
      local_namespace: client.remote_namespace,
      local_deployment: client.remote_deployment,
      local_pod: client.remote_pod,
      local_container: client.remote_container,
      remote_ip: client.local_ip,
      remote_port: client.local_port,
      remote_cluster: client.local_cluster,
      remote_namespace: client.local_namespace,
      remote_deployment: client.local_deployment,
      remote_pod: client.local_pod,
      remote_container: client.local_container,
      remote_node: client.node,
      remote_service: '',
      remote_service_ip: '::',
      remote_service_port: 0,
      remote_dns_name: '',
      packets_tx: client.packets_rx,
      packets_rx: client.packets_tx,
      opened: client.opened,
      resets: client.resets,
      retransmits,
    });
  const bothSides = (deployment: string, packets: number, retransmitsEach: number, id: string) => {
    const client = { ...pair(deployment, packets, retransmitsEach, id), opened: 1 as const, resets: 1 };
    return [client, seenByServer(client, retransmitsEach, `${id}0`)];
  };
  const dnsOf = (deployment: string, rcode: string, latencyUs: number, n: number) =>
    Array.from({ length: n }, (_, i) =>
      dnsQueryRow({
        ts: AGO,
        client_namespace: 'alerts',
        client_deployment: deployment,
        rcode,
        latency_us: latencyUs,
        query_id: i,
      })
    );
  return {
    connections: [
      pair('lossy', 2000, 100, '11'), // 5 % of 2000 packets: fires
      pair('quiet', 100, 50, '12'), // 50 %, but under the 1000-packet guard
      pair('healthy', 5000, 10, '13'), // 0.2 %
      // Both agents report these pairs: packets, opens and resets count once, retransmits add up.
      ...bothSides('lossy-both-sides', 2000, 30, '14'), // 60 of 2000 packets, 3 %: fires (1.5 % if packets counted twice)
      ...bothSides('quiet-both-sides', 600, 20, '15'), // 6.7 %, but 600 packets are under the guard (1200 if counted twice)
    ],
    dns: [
      ...dnsOf('failing', 'NOERROR', 1000, 40),
      ...dnsOf('failing', 'NXDOMAIN', 500, 10),
      ...dnsOf('failing', 'SERVFAIL', 500, 5),
      ...dnsOf('failing', 'TIMEOUT', 0, 5), // 20 of 60 fail: fires
      ...dnsOf('quiet', 'SERVFAIL', 500, 5), // all fail, but under the 50-question guard
      ...dnsOf('healthy', 'NOERROR', 1000, 100),
      ...dnsOf('slow', 'NOERROR', 250_000, 60), // p95 250 ms: fires
    ],
  };
}

let store: Store;
before(async () => {
  store = await openTestStore();
  const rows = alertRows();
  await store.insert('connections', [...CONNECTIONS, ...rows.connections]);
  await store.insert('dns_queries', [...DNS_QUERIES, ...rows.dns]);
});
after(() => store.close());

describe('provisioned dashboards', () => {
  it('are the three dashboards, with unique uids and panel ids', () => {
    assert.deepEqual(dashboards.map((d) => d.uid).sort(), ['netmon-dns', 'netmon-overview', 'netmon-tcp-health']);
    for (const d of dashboards) {
      const ids = d.panels.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, `${d.uid}: panel ids repeat`);
    }
  });

  it('query only the netmon ClickHouse datasource', () => {
    for (const d of dashboards) {
      for (const p of d.panels) {
        assert.deepEqual(p.datasource, DATASOURCE, `${d.uid} "${p.title}"`);
        p.targets.forEach((t) => assert.deepEqual(t.datasource, DATASOURCE, `${d.uid} "${p.title}" ${t.refId}`));
      }
      d.templating.list.forEach((v) => assert.deepEqual(v.datasource, DATASOURCE, `${d.uid} ${v.name}`));
    }
  });

  it('read only tables the schema defines', () => {
    for (const { where, sql } of dashboards.flatMap(dashboardSql)) {
      const read = [...sql.matchAll(/\bFROM\s+(\w+)\.(\w+)/g)];
      assert.ok(read.length > 0, `${where}: names no table`);
      for (const [, db, table] of read) {
        assert.equal(db, DATABASE, where);
        assert.ok(table in tables, `${where}: ${table} is not in schema.ts`);
      }
    }
  });

  it('carry the flow-graph builders SQL on the overview, nodes and edges', () => {
    const overview = dashboards.find((d) => d.uid === 'netmon-overview');
    const flow = overview?.panels.find((p) => p.type === 'netmon-flowgraph-panel');
    assert.ok(flow, 'overview has no netmon-flowgraph-panel');
    assert.deepEqual(
      flow.targets.map((t) => [t.refId, t.rawSql]),
      [
        ['nodes', withTimeMacros(flowGraphNodes(DASHBOARD_FLOW))],
        ['edges', withTimeMacros(flowGraphEdges(DASHBOARD_FLOW))],
      ]
    );
  });

  for (const namespace of ['All', 'alerts']) {
    it(`run on chDB after macro expansion, namespace ${namespace}, and return rows`, async () => {
      for (const { where, sql } of dashboards.flatMap(dashboardSql)) {
        const expanded = expandMacros(withNamespace(sql, namespace), dashboardRange);
        assert.doesNotMatch(expanded, /\$/, `${where}: unexpanded macro or variable`);
        const rows = await store
          .query(expanded)
          .catch((e: Error) => assert.fail(`${where}: ${e.message}\n${expanded}`));
        assert.ok(rows.length > 0, `${where}: no rows over the fixtures\n${expanded}`);
      }
    });
  }

  it('narrow to the chosen namespace', async () => {
    const overview = dashboards.find((d) => d.uid === 'netmon-overview')!;
    const sql = overview.panels.find((p) => p.title === 'Bytes by client namespace')!.targets[0].rawSql;
    const rows = await store.query<{ namespace: string }>(expandMacros(withNamespace(sql, 'alerts'), dashboardRange));
    assert.deepEqual([...new Set(rows.map((r) => r.namespace))], ['alerts']);
  });
});

const rule = (uid: string) => rules.find((r) => r.uid === uid)!;

/** Query A of a rule, and the window Grafana evaluates it over. */
function alertQuery(rule: AlertRule): { sql: string; ctx: MacroContext } {
  const query = rule.data.find((q) => q.datasourceUid === DATASOURCE.uid)!;
  const range = query.relativeTimeRange!;
  return {
    sql: query.model.rawSql!,
    ctx: { from: NOW - range.from * 1000, to: NOW - range.to * 1000, intervalMs: 60_000 },
  };
}

/** What Grafana would do with query A's rows: the threshold on each row's number (reduce=last). */
async function firing(rule: AlertRule): Promise<Array<Record<string, unknown>>> {
  const threshold = rule.data.find((q) => q.refId === rule.condition)!.model.conditions![0].evaluator;
  const { sql, ctx } = alertQuery(rule);
  const rows = await store.query(expandMacros(sql, ctx));
  assert.equal(threshold.type, 'gt', `${rule.uid}: only 'gt' thresholds are modelled here`);
  return rows.map((r) => {
    const numbers = Object.entries(r).filter(([, v]) => typeof v === 'number' || /^[\d.e+-]+$/.test(String(v)));
    assert.equal(numbers.length, 1, `${rule.uid}: expected one numeric column per row, got ${JSON.stringify(r)}`);
    return { ...r, firing: Number(numbers[0][1]) > threshold.params[0] };
  });
}

const subjectsOf = (rows: Array<Record<string, unknown>>, key: string, wanted: boolean) =>
  rows
    .filter((r) => r.firing === wanted && String(r[key]).startsWith('alerts/'))
    .map((r) => String(r[key]))
    .sort();

describe('provisioned alert rules', () => {
  it('are the three rules, with unique uids, guarded SQL and a condition that exists', () => {
    assert.deepEqual(rules.map((r) => r.uid).sort(), [
      'netmon-dns-error-ratio',
      'netmon-dns-latency-p95',
      'netmon-tcp-retransmit-ratio',
    ]);
    for (const r of rules) {
      const refIds = r.data.map((q) => q.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${r.uid}: refIds repeat`);
      assert.ok(refIds.includes(r.condition), `${r.uid}: condition ${r.condition} is not a query`);
      for (const q of r.data) {
        assert.ok(
          ['__expr__', DATASOURCE.uid].includes(q.datasourceUid),
          `${r.uid} ${q.refId}: datasource ${q.datasourceUid}`
        );
        assert.equal(q.model.refId, q.refId, `${r.uid} ${q.refId}: model.refId differs`);
        if (q.datasourceUid === DATASOURCE.uid) {
          assert.match(q.model.rawSql!, /\$__timeFilter\(ts\)/, `${r.uid}: no time macro`);
          assert.match(q.model.rawSql!, /HAVING .*>= \d+/, `${r.uid}: no minimum-volume guard`);
          assert.equal(q.model.format, 1, `${r.uid}: expected table format`);
        }
      }
    }
  });

  it('retransmit ratio fires for the lossy pairs only; the quiet ones stay under the guard', async () => {
    const rows = await firing(rule('netmon-tcp-retransmit-ratio'));
    assert.deepEqual(subjectsOf(rows, 'src', true), ['alerts/lossy', 'alerts/lossy-both-sides']);
    assert.deepEqual(subjectsOf(rows, 'src', false), ['alerts/healthy']);
  });

  it('DNS error ratio counts NXDOMAIN, SERVFAIL and TIMEOUT and fires for the failing workload only', async () => {
    const rows = await firing(rule('netmon-dns-error-ratio'));
    assert.deepEqual(subjectsOf(rows, 'workload', true), ['alerts/failing']);
    assert.deepEqual(subjectsOf(rows, 'workload', false), ['alerts/healthy', 'alerts/slow']);
    const failing = rows.find((r) => r.workload === 'alerts/failing')!;
    assert.equal(Number(failing.error_ratio), 20 / 60);
  });

  it('DNS latency p95 fires for the slow workload only', async () => {
    const rows = await firing(rule('netmon-dns-latency-p95'));
    assert.deepEqual(subjectsOf(rows, 'workload', true), ['alerts/slow']);
    assert.deepEqual(subjectsOf(rows, 'workload', false), ['alerts/failing', 'alerts/healthy']);
  });
});

describe('provisioned connection queries count a pair seen from both sides once, as the builders do', () => {
  const reads = (sql: string) => sql.includes(`${DATABASE}.${tables.connections_1m.name}`);

  it('every panel and alert rule over the connection rollup has its builder question', () => {
    const panels = dashboards.flatMap((d) =>
      d.panels
        .filter((p) => p.type !== 'netmon-flowgraph-panel' && p.targets.some((t) => reads(t.rawSql)))
        .map((p) => `${d.uid}/${p.title}`)
    );
    assert.deepEqual(panels.sort(), Object.keys(PANEL_QUESTIONS).sort());
    const alerts = rules.filter((r) => reads(alertQuery(r).sql)).map((r) => r.uid);
    assert.deepEqual(alerts.sort(), Object.keys(ALERT_QUESTIONS).sort());
  });

  for (const namespace of ['All', 'shop', 'alerts']) {
    it(`dashboard panels equal the builders, namespace ${namespace}`, async () => {
      const window = { fromMs: dashboardRange.from, toMs: dashboardRange.to };
      for (const d of dashboards) {
        for (const p of d.panels) {
          const question = PANEL_QUESTIONS[`${d.uid}/${p.title}`];
          if (question === undefined) {
            continue;
          }
          const sql = expandMacros(withNamespace(p.targets[0].rawSql, namespace), dashboardRange);
          const got = answerRows(question, await store.query(sql));
          const want = await builderAnswer(store, question, window, namespace);
          assert.deepEqual(got, want, `${d.uid} "${p.title}"`);
        }
      }
    });
  }

  it('the retransmit alert equals the builders, guard included', async () => {
    for (const [uid, question] of Object.entries(ALERT_QUESTIONS)) {
      const { sql, ctx } = alertQuery(rule(uid));
      const got = answerRows(question, await store.query(expandMacros(sql, ctx)));
      const want = await builderAnswer(store, question, { fromMs: ctx.from, toMs: ctx.to }, 'All');
      assert.ok(want.length > 0, `${uid}: no pair passes the guard, so the comparison proves nothing`);
      assert.deepEqual(got, want, uid);
    }
  });
});
