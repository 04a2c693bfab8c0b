import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestStore, queryNumbers, truncateAll } from '../../store/testStore';
import type { Store } from '../../store/store';
import { dnsErrorShareSeries, dnsNameDrilldown, dnsSeries, dnsTop, type DnsFilter } from './dns';
import { inlineParams } from './escape';
import type { BuiltQuery } from './query';
import { DNS_QUERIES, HOSTILE_STRINGS, HOUR, hostileDnsQueries, MINUTE, T0, utcText } from './testFixtures';
import type { Tier } from './timeRange';

let store: Store;
const HOUR_RANGE = { fromMs: T0, toMs: T0 + HOUR };
const TIERS: Tier[] = ['raw', 'minute', 'hour'];

const run = (q: BuiltQuery) => queryNumbers(store, q);

before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.close();
});

describe('DNS builders on the fixture', () => {
  before(async () => {
    await truncateAll(store);
    await store.insert('dns_queries', DNS_QUERIES);
  });

  const METRICS = [
    'queries',
    'errors',
    'error_ratio',
    'nxdomain',
    'servfail',
    'timeouts',
    'retries',
    'latency_avg_us',
  ] as const;

  it('top by qname, the same on raw, minute and hour tables', async () => {
    // api.stripe.com: 4 answered (1000, 3000, 2000, 5000 us), 1 retry; db.internal: SERVFAIL at
    // 4000 us and a TIMEOUT (not in latency) after 2 retries; nope.example: NXDOMAIN at 500 us.
    const expected = [
      {
        qname: 'api.stripe.com',
        queries: 4,
        errors: 0,
        error_ratio: 0,
        nxdomain: 0,
        servfail: 0,
        timeouts: 0,
        retries: 1,
        latency_avg_us: 2750,
      },
      {
        qname: 'db.internal',
        queries: 2,
        errors: 2,
        error_ratio: 1,
        nxdomain: 0,
        servfail: 1,
        timeouts: 1,
        retries: 2,
        latency_avg_us: 4000,
      },
      {
        qname: 'nope.example',
        queries: 1,
        errors: 1,
        error_ratio: 1,
        nxdomain: 1,
        servfail: 0,
        timeouts: 0,
        retries: 0,
        latency_avg_us: 500,
      },
    ];
    for (const tier of TIERS) {
      assert.deepEqual(
        await run(dnsTop({ range: HOUR_RANGE, tier, groupBy: ['qname'], metrics: [...METRICS] })),
        expected,
        `tier ${tier}`
      );
    }
    assert.match(
      dnsTop({ range: { fromMs: T0, toMs: T0 + 24 * HOUR }, groupBy: ['qname'], metrics: ['queries'] }).sql,
      /FROM netmon\.dns_workload_1h AS c/
    );
  });

  it('latency quantiles cover answered questions only and agree across tiers', async () => {
    const q = (tier: Tier) =>
      dnsTop({
        range: HOUR_RANGE,
        tier,
        groupBy: ['qname'],
        metrics: ['latency_p50_us', 'latency_p95_us', 'latency_p99_us'],
        orderBy: 'latency_p50_us',
      });
    const raw = await run(q('raw'));
    // One answered question each: every quantile is that latency (the TIMEOUT's 0 is left out).
    assert.deepEqual(raw.slice(0, 2), [
      { qname: 'db.internal', latency_p50_us: 4000, latency_p95_us: 4000, latency_p99_us: 4000 },
      {
        qname: 'api.stripe.com',
        latency_p50_us: raw[1].latency_p50_us,
        latency_p95_us: raw[1].latency_p95_us,
        latency_p99_us: raw[1].latency_p99_us,
      },
    ]);
    const stripe = raw[1] as Record<string, number>;
    assert.ok(stripe.latency_p50_us >= 2000 && stripe.latency_p50_us <= 3000, `p50 ${stripe.latency_p50_us}`);
    assert.ok(stripe.latency_p99_us >= 3000 && stripe.latency_p99_us <= 5000, `p99 ${stripe.latency_p99_us}`);
    assert.deepEqual(raw[2], { qname: 'nope.example', latency_p50_us: 500, latency_p95_us: 500, latency_p99_us: 500 });
    assert.deepEqual(await run(q('minute')), raw);
    assert.deepEqual(await run(q('hour')), raw);
  });

  it('the workload and client rollups answer what the pod rollups answer, whenever no node or pod is named', async () => {
    // A pod filter that excludes nothing sends the same question to the pod-keyed tables.
    const podGrain = { dim: 'client_pod', op: 'neq', value: '\u0000none' } as const;
    const all = [...METRICS, 'latency_p50_us', 'latency_p95_us', 'latency_p99_us'] as const;
    for (const range of [HOUR_RANGE, { fromMs: T0 - 23 * HOUR, toMs: T0 + HOUR }]) {
      for (const groupBy of [
        ['qname'],
        ['client_namespace', 'client_deployment'],
        ['server_ip', 'rcode'],
        [],
      ] as const) {
        const top = (filters: DnsFilter[]) => dnsTop({ range, groupBy, metrics: [...all], filters });
        // Names and resolvers need the workload rollup; the rest the client rollup.
        const grain = groupBy.some((d) => d === 'qname' || d === 'server_ip') ? 'workload' : 'client';
        assert.match(top([]).sql, new RegExp(`dns_${grain}_1[mh] AS c`));
        assert.match(top([podGrain]).sql, /dns_1[mh] AS c/);
        assert.deepEqual(await run(top([])), await run(top([podGrain])), `top by ${groupBy.join(',')}`);
      }
      const share = (filters: DnsFilter[]) => dnsErrorShareSeries({ range, stepSeconds: 3600, filters });
      assert.deepEqual(await run(share([])), await run(share([podGrain])), 'error share');
      const latency = (filters: DnsFilter[]) =>
        dnsSeries({
          range,
          stepSeconds: 3600,
          metrics: ['latency_p50_us', 'latency_p95_us', 'latency_p99_us'],
          filters,
        });
      assert.match(latency([]).sql, /dns_client_1[mh] AS c/);
      assert.deepEqual(await run(latency([])), await run(latency([podGrain])), 'latency series');
    }
  });

  it('qps series per minute', async () => {
    const rows = await run(
      dnsSeries({ range: { fromMs: T0, toMs: T0 + 5 * MINUTE }, stepSeconds: 60, metrics: ['qps', 'error_ratio'] })
    );
    assert.deepEqual(rows, [
      { time: utcText(T0), qps: 3 / 60, error_ratio: 0 },
      { time: utcText(T0 + MINUTE), qps: 3 / 60, error_ratio: 1 },
      { time: utcText(T0 + 2 * MINUTE), qps: 1 / 60, error_ratio: 0 },
    ]);
  });

  it('error share by rcode is each failing rcode over all questions of the step', async () => {
    for (const tier of ['raw', 'minute'] as const) {
      const rows = await run(
        dnsErrorShareSeries({ range: { fromMs: T0, toMs: T0 + 5 * MINUTE }, stepSeconds: 60, tier })
      );
      const t1 = utcText(T0 + MINUTE);
      assert.deepEqual(
        rows,
        [
          { time: t1, rcode: 'NXDOMAIN', error_ratio: 1 / 3 },
          { time: t1, rcode: 'SERVFAIL', error_ratio: 1 / 3 },
          { time: t1, rcode: 'TIMEOUT', error_ratio: 1 / 3 },
        ],
        tier
      );
    }
  });

  it('latency series split by server, and rcode split with a series limit', async () => {
    const rows = await run(
      dnsSeries({
        range: { fromMs: T0, toMs: T0 + 5 * MINUTE },
        stepSeconds: 120,
        metrics: ['queries', 'latency_p50_us'],
        splitBy: 'server_ip',
        seriesLimit: 1,
      })
    );
    // 10.0.0.53 asked 6 times, 10.0.0.54 once: only .53 is kept. Steps of two minutes.
    assert.deepEqual(
      rows.map((r) => [r.time, r.server_ip, r.queries]),
      [[utcText(T0), '::ffff:10.0.0.53', 6]]
    );
    assert.ok(Number(rows[0].latency_p50_us) >= 500 && Number(rows[0].latency_p50_us) <= 4000);
  });

  it('drill-down of one name: clients, servers and answers', async () => {
    const d = dnsNameDrilldown({ range: HOUR_RANGE, qname: 'api.stripe.com' });
    assert.deepEqual(
      (await run(d.clients)).map((r) => [
        r.client_namespace,
        r.client_deployment,
        r.client_pod,
        r.node,
        r.queries,
        r.errors,
      ]),
      [
        ['shop', 'web', 'web-1', 'n1', 3, 0],
        ['shop', 'api', 'api-1', 'n2', 1, 0],
      ]
    );
    assert.deepEqual(
      (await run(d.servers)).map((r) => [r.server_ip, r.queries, r.timeouts]),
      [
        ['::ffff:10.0.0.53', 3, 0],
        ['::ffff:10.0.0.54', 1, 0],
      ]
    );
    assert.match(d.answers.sql, /arrayJoin\(c\.answers\) AS answer/);
    assert.deepEqual(await run(d.answers), [
      { qtype: 'A', answer: '1.2.3.4', queries: 3 },
      { qtype: 'A', answer: '1.2.3.5', queries: 1 },
    ]);
  });

  it('filters on IPs and raw-only dimensions', async () => {
    const byServer = await run(
      dnsTop({
        range: HOUR_RANGE,
        filters: [{ dim: 'server_ip', op: 'eq', value: '10.0.0.54' }],
        groupBy: ['client_pod'],
        metrics: ['queries'],
      })
    );
    assert.deepEqual(byServer, [{ client_pod: 'api-1', queries: 1 }]);
    const byPid = await run(
      dnsTop({
        range: HOUR_RANGE,
        filters: [{ dim: 'pid', op: 'in', values: ['200', 999] }],
        groupBy: ['client_ip'],
        metrics: ['queries'],
      })
    );
    assert.deepEqual(byPid, [{ client_ip: '::ffff:10.0.2.1', queries: 1 }]);
  });
});

describe('DNS builders with hostile values', () => {
  before(async () => {
    await truncateAll(store);
    await store.insert('dns_queries', hostileDnsQueries());
  });

  it('each hostile qname is found exactly, bound and inlined, on raw and rollup', async () => {
    for (const value of HOSTILE_STRINGS) {
      for (const tier of ['raw', 'minute'] as const) {
        const q = dnsTop({
          range: HOUR_RANGE,
          tier,
          filters: [{ dim: 'qname', op: 'eq', value }],
          groupBy: ['qname'],
          metrics: ['queries'],
        });
        assert.deepEqual(await run(q), [{ qname: value, queries: 1 }], `${tier} ${JSON.stringify(value)}`);
        assert.deepEqual(
          await run({ sql: inlineParams(q), params: {} }),
          [{ qname: value, queries: 1 }],
          `inlined ${tier} ${JSON.stringify(value)}`
        );
      }
    }
    const none = dnsTop({
      range: HOUR_RANGE,
      filters: [{ dim: 'qname', op: 'notIn', values: HOSTILE_STRINGS }],
      metrics: ['queries'],
    });
    assert.deepEqual(await run({ sql: inlineParams(none), params: {} }), [{ queries: 0 }]);
  });
});
