import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestStore, queryNumbers, truncateAll } from '../../store/testStore';
import type { Store } from '../../store/store';
import { connectionsSeries, connectionsTop, type ConnectionFilter } from './connections';
import { flowGraphEdges, flowGraphNodes, flowGroupFilter, flowNodeFilter, FLOW_LEVELS } from './flowGraph';
import { FLOWS_METRICS } from '../views/connectionsView';
import { inlineParams } from './escape';
import { expandConditionalAll, expandMacros } from './macros';
import type { BuiltQuery } from './query';
import { CONNECTIONS, HOSTILE_STRINGS, HOUR, hostileConnections, MINUTE, T0, utcText } from './testFixtures';
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

describe('connection builders on the fixture', () => {
  before(async () => {
    await truncateAll(store);
    await store.insert('connections', CONNECTIONS);
  });

  // Per pair, greatest(outbound sum, inbound sum):
  // A: client bytes max(1000+500, 900+500) = 1500, server bytes max(5000+2500, 5000+2600) = 7600;
  //    packets 15 + 30; retransmits 2 + 1 (each side its own); RTT samples 500, 700.
  // B + C (dst_deployment ''): bytes 300 / 700, packets (3+1+1) / 4, retransmits 5+1+1, 2 failed.
  // D (src_deployment ''): server-observed only, client bytes = its bytes_rx 100, server 200.
  // E: UDP 60 / 120, one packet each way, seen from both sides.
  const BY_DEPLOYMENT = [
    {
      src_deployment: 'web',
      dst_deployment: 'api',
      bytes: 9100,
      bytes_src: 1500,
      bytes_dst: 7600,
      packets: 45,
      retransmits: 3,
      retransmit_ratio: 3 / 45,
      failed: 0,
      resets: 0,
      opened: 1,
      closed: 1,
      rtt_avg_us: 600,
      rtt_max_us: 700,
    },
    {
      src_deployment: 'web',
      dst_deployment: '',
      bytes: 1000,
      bytes_src: 300,
      bytes_dst: 700,
      packets: 9,
      retransmits: 7,
      retransmit_ratio: 7 / 9,
      failed: 2,
      resets: 2,
      opened: 3,
      closed: 1,
      rtt_avg_us: 20000,
      rtt_max_us: 20000,
    },
    {
      src_deployment: '',
      dst_deployment: 'api',
      bytes: 300,
      bytes_src: 100,
      bytes_dst: 200,
      packets: 3,
      retransmits: 0,
      retransmit_ratio: 0,
      failed: 0,
      resets: 0,
      opened: 1,
      closed: 1,
      rtt_avg_us: 300,
      rtt_max_us: 300,
    },
    {
      src_deployment: 'web',
      dst_deployment: 'coredns',
      bytes: 180,
      bytes_src: 60,
      bytes_dst: 120,
      packets: 2,
      retransmits: 0,
      retransmit_ratio: 0,
      failed: 0,
      resets: 0,
      opened: 1,
      closed: 0,
      rtt_avg_us: null,
      rtt_max_us: 0,
    },
  ];
  const ALL_METRICS = [
    'bytes',
    'bytes_src',
    'bytes_dst',
    'packets',
    'retransmits',
    'retransmit_ratio',
    'failed',
    'resets',
    'opened',
    'closed',
    'rtt_avg_us',
    'rtt_max_us',
  ] as const;

  it('top by deployment pair counts a pair seen from both sides once, on every tier', async () => {
    for (const tier of TIERS) {
      const rows = await run(
        connectionsTop({
          range: HOUR_RANGE,
          tier,
          groupBy: ['src_deployment', 'dst_deployment'],
          metrics: [...ALL_METRICS],
        })
      );
      assert.deepEqual(rows, BY_DEPLOYMENT, `tier ${tier}`);
    }
  });

  it('chooses the minute rollup for an hour and the hour rollup for a day, same answer', async () => {
    const q = (toMs: number) =>
      connectionsTop({
        range: { fromMs: T0, toMs },
        groupBy: ['src_deployment', 'dst_deployment'],
        metrics: ['bytes'],
      });
    assert.match(q(T0 + HOUR).sql, /FROM netmon\.connections_workload_1m AS c/);
    assert.match(q(T0 + 24 * HOUR).sql, /FROM netmon\.connections_workload_1h AS c/);
    const expected = BY_DEPLOYMENT.map(({ src_deployment, dst_deployment, bytes }) => ({
      src_deployment,
      dst_deployment,
      bytes,
    }));
    assert.deepEqual(await run(q(T0 + HOUR)), expected);
    assert.deepEqual(await run(q(T0 + 24 * HOUR)), expected);
  });

  it('fleet total reconciles per pair, so one-sided flows in both directions both count', async () => {
    // 9100 + 1000 + 300 + 180; per-group greatest would give max(outbound, inbound) = 10280.
    assert.deepEqual(await run(connectionsTop({ range: HOUR_RANGE, metrics: ['bytes', 'failed'] })), [
      { bytes: 10580, failed: 2 },
    ]);
  });

  it('takes dst_service from the client side, so grouping by it does not split a pair', async () => {
    const rows = await run(connectionsTop({ range: HOUR_RANGE, groupBy: ['dst_service'], metrics: ['bytes'] }));
    assert.deepEqual(rows, [
      { dst_service: 'shop/api', bytes: 9100 },
      { dst_service: '', bytes: 1300 },
      { dst_service: 'kube-system/kube-dns', bytes: 180 },
    ]);
  });

  it('applies eq / neq / in / notIn filters on either side', async () => {
    const top = (filters: Parameters<typeof connectionsTop>[0]['filters']) =>
      run(
        connectionsTop({
          range: HOUR_RANGE,
          filters,
          groupBy: ['src_deployment', 'dst_deployment'],
          metrics: ['bytes'],
        })
      );
    const pairs = (rows: Array<Record<string, unknown>>) =>
      rows.map((r) => `${r.src_deployment}>${r.dst_deployment}:${r.bytes}`);
    assert.deepEqual(pairs(await top([{ dim: 'dst_port', op: 'eq', value: 8080 }])), ['web>api:9100', '>api:300']);
    assert.deepEqual(pairs(await top([{ dim: 'protocol', op: 'in', values: ['udp'] }])), ['web>coredns:180']);
    assert.deepEqual(pairs(await top([{ dim: 'src_deployment', op: 'neq', value: 'web' }])), ['>api:300']);
    assert.deepEqual(pairs(await top([{ dim: 'dst_deployment', op: 'notIn', values: ['api', 'coredns'] }])), [
      'web>:1000',
    ]);
    // As the servers saw it: A 1400 + 7600.
    assert.deepEqual(pairs(await top([{ dim: 'direction', op: 'eq', value: 'inbound' }])), [
      'web>api:9000',
      '>api:300',
      'web>coredns:180',
    ]);
    assert.deepEqual(pairs(await top([{ dim: 'dst_namespace', op: 'in', values: [] }])), []);
  });

  it('answers raw-only dimensions from the raw table', async () => {
    const byRemote = connectionsTop({
      range: HOUR_RANGE,
      filters: [{ dim: 'remote_ip', op: 'eq', value: '203.0.113.7' }],
      groupBy: ['dst_deployment'],
      metrics: ['bytes'],
    });
    assert.match(byRemote.sql, /FROM netmon\.connections\) AS c/);
    assert.deepEqual(await run(byRemote), [{ dst_deployment: 'api', bytes: 300 }]);
    // Only the client's process (comm web) sees A, so A counts as the client saw it: 1500 + 7500.
    const byComm = await run(
      connectionsTop({
        range: HOUR_RANGE,
        filters: [{ dim: 'comm', op: 'eq', value: 'web' }],
        groupBy: ['dst_deployment'],
        metrics: ['bytes'],
      })
    );
    assert.deepEqual(byComm, [
      { dst_deployment: 'api', bytes: 9000 },
      { dst_deployment: '', bytes: 1000 },
      { dst_deployment: 'coredns', bytes: 180 },
    ]);
    const byIp = await run(
      connectionsTop({ range: HOUR_RANGE, groupBy: ['dst_ip', 'dst_port'], metrics: ['bytes'], limit: 2 })
    );
    assert.deepEqual(byIp, [
      { dst_ip: '::ffff:10.0.2.1', dst_port: 8080, bytes: 9400 },
      { dst_ip: '::ffff:1.2.3.4', dst_port: 443, bytes: 1000 },
    ]);
  });

  it('series per minute, whole and split by the top 2 dst_deployment', async () => {
    // Minute 0: A 1000 + 5000, B 1000, D 300, E 180; minute 1: A 500 + 2600; minute 2: a failed connect.
    const whole = await run(
      connectionsSeries({ range: { fromMs: T0, toMs: T0 + 5 * MINUTE }, stepSeconds: 60, metrics: ['bytes', 'failed'] })
    );
    assert.deepEqual(whole, [
      { time: utcText(T0), bytes: 7480, failed: 1 },
      { time: utcText(T0 + MINUTE), bytes: 3100, failed: 0 },
      { time: utcText(T0 + 2 * MINUTE), bytes: 0, failed: 1 },
    ]);
    const split = await run(
      connectionsSeries({
        range: { fromMs: T0, toMs: T0 + 5 * MINUTE },
        stepSeconds: 60,
        metrics: ['bytes'],
        splitBy: 'dst_deployment',
        seriesLimit: 2,
      })
    );
    assert.deepEqual(split, [
      { time: utcText(T0), dst_deployment: '', bytes: 1000 },
      { time: utcText(T0), dst_deployment: 'api', bytes: 6300 },
      { time: utcText(T0 + MINUTE), dst_deployment: 'api', bytes: 3100 },
      { time: utcText(T0 + 2 * MINUTE), dst_deployment: '', bytes: 0 },
    ]);
  });

  it('series per hour is the same on raw, minute and hour tables', async () => {
    for (const tier of TIERS) {
      const rows = await run(
        connectionsSeries({
          range: HOUR_RANGE,
          tier,
          stepSeconds: 3600,
          metrics: ['bytes', 'bytes_per_s', 'retransmits'],
        })
      );
      assert.deepEqual(
        rows,
        [{ time: utcText(T0), bytes: 10580, bytes_per_s: 10580 / 3600, retransmits: 10 }],
        `tier ${tier}`
      );
    }
  });

  it('a click filter selects exactly what the graph drew: each edge by its ends, each node by either side', async () => {
    for (const level of FLOW_LEVELS) {
      const edges = await run(flowGraphEdges({ range: HOUR_RANGE, level }));
      assert.ok(edges.length >= 2, `level ${level} has edges to tell apart`);
      for (const edge of edges) {
        const filters = [
          flowGroupFilter(level, 'src', String(edge.source)),
          flowGroupFilter(level, 'dst', String(edge.target)),
        ];
        assert.deepEqual(
          await run(flowGraphEdges({ range: HOUR_RANGE, level, filters })),
          [edge],
          `${level}: ${edge.id}`
        );
      }
      for (const node of await run(flowGraphNodes({ range: HOUR_RANGE, level }))) {
        const touching = edges.filter((e) => e.source === node.id || e.target === node.id);
        const filters = [flowNodeFilter(level, String(node.id))];
        assert.deepEqual(
          await run(flowGraphEdges({ range: HOUR_RANGE, level, filters })),
          touching,
          `${level}: ${node.id}`
        );
      }
    }
  });

  it('the workload rollups answer what the pod rollups answer, whenever no pod or node is named', async () => {
    // A pod filter that excludes nothing sends the same question to the pod-keyed tables.
    const podGrain = { dim: 'src_pod', op: 'neq', value: '\u0000none' } as const;
    const GROUPS = [
      ['src_deployment', 'dst_deployment'],
      ['src_namespace'],
      ['dst_service', 'dst_dns_name', 'dst_port'],
      [],
    ] as const;
    for (const range of [HOUR_RANGE, { fromMs: T0 - 23 * HOUR, toMs: T0 + HOUR }]) {
      for (const groupBy of GROUPS) {
        const top = (filters: ConnectionFilter[]) =>
          connectionsTop({ range, groupBy, metrics: [...FLOWS_METRICS], filters });
        assert.match(top([]).sql, /connections_workload_1[mh] AS c/);
        assert.match(top([podGrain]).sql, /connections_1[mh] AS c/);
        assert.deepEqual(await run(top([])), await run(top([podGrain])), `top by ${groupBy.join(',')}`);
        const series = (filters: ConnectionFilter[]) =>
          connectionsSeries({
            range,
            stepSeconds: 3600,
            metrics: ['bytes_per_s', 'retransmits', 'failed'],
            splitBy: groupBy[0],
            filters,
          });
        assert.deepEqual(await run(series([])), await run(series([podGrain])), `series by ${groupBy[0]}`);
      }
      for (const level of ['namespace', 'deployment'] as const) {
        const edges = (filters: ConnectionFilter[]) => flowGraphEdges({ range, level, filters });
        assert.match(edges([]).sql, /connections_workload_1[mh] AS c/);
        assert.deepEqual(await run(edges([])), await run(edges([podGrain])), `flow graph at ${level}`);
      }
    }
  });

  it('flow graph edges and nodes at deployment level, external peers by DNS name', async () => {
    const opts = { range: HOUR_RANGE, level: 'deployment' } as const;
    const edges = await run(flowGraphEdges(opts));
    assert.deepEqual(edges, [
      {
        source: 'shop/web',
        target: 'shop/api',
        id: 'shop/web -> shop/api',
        mainStat: 1500,
        secondaryStat: 7600,
        detail__retransmit_ratio: 3 / 45,
        detail__retransmits: 3,
        detail__failed: 0,
      },
      {
        source: 'shop/web',
        target: 'api.stripe.com',
        id: 'shop/web -> api.stripe.com',
        mainStat: 300,
        secondaryStat: 700,
        detail__retransmit_ratio: 5 / 7,
        detail__retransmits: 5,
        detail__failed: 0,
      },
      {
        source: 'external',
        target: 'shop/api',
        id: 'external -> shop/api',
        mainStat: 100,
        secondaryStat: 200,
        detail__retransmit_ratio: 0,
        detail__retransmits: 0,
        detail__failed: 0,
      },
      {
        source: 'shop/web',
        target: 'kube-system/coredns',
        id: 'shop/web -> kube-system/coredns',
        mainStat: 60,
        secondaryStat: 120,
        detail__retransmit_ratio: 0,
        detail__retransmits: 0,
        detail__failed: 0,
      },
      {
        source: 'shop/web',
        target: 'db.internal',
        id: 'shop/web -> db.internal',
        mainStat: 0,
        secondaryStat: 0,
        detail__retransmit_ratio: 1,
        detail__retransmits: 2,
        detail__failed: 2,
      },
    ]);
    assert.deepEqual(await run(flowGraphNodes(opts)), [
      { id: 'api.stripe.com', title: 'api.stripe.com', mainStat: 700, secondaryStat: 300 },
      { id: 'db.internal', title: 'db.internal', mainStat: 0, secondaryStat: 0 },
      { id: 'external', title: 'external', mainStat: 100, secondaryStat: 200 },
      { id: 'kube-system/coredns', title: 'kube-system/coredns', mainStat: 120, secondaryStat: 60 },
      { id: 'shop/api', title: 'shop/api', mainStat: 7800, secondaryStat: 1600 },
      { id: 'shop/web', title: 'shop/web', mainStat: 1860, secondaryStat: 8420 },
    ]);
  });

  it('flow graph at node level; nodes follow the edge limit', async () => {
    const edges = await run(flowGraphEdges({ range: HOUR_RANGE, level: 'node' }));
    assert.deepEqual(
      edges.map((e) => [e.id, e.mainStat, e.secondaryStat]),
      [
        ['n1 -> n2', 1560, 7720],
        ['n1 -> api.stripe.com', 300, 700],
        ['external -> n2', 100, 200],
        ['n1 -> db.internal', 0, 0],
      ]
    );
    const nodes = await run(flowGraphNodes({ range: HOUR_RANGE, level: 'namespace', limit: 2 }));
    assert.deepEqual(
      nodes.map((n) => n.id),
      ['api.stripe.com', 'shop']
    );
    for (const tier of TIERS) {
      assert.deepEqual(
        await run(flowGraphEdges({ range: HOUR_RANGE, level: 'pod', tier })),
        await run(flowGraphEdges({ range: HOUR_RANGE, level: 'pod', tier: 'raw' })),
        `tier ${tier}`
      );
    }
  });
});

describe('connection builders with hostile values', () => {
  before(async () => {
    await truncateAll(store);
    await store.insert('connections', hostileConnections());
  });

  it('an eq filter on each hostile string matches exactly its own row, bound or inlined', async () => {
    for (const [i, value] of HOSTILE_STRINGS.entries()) {
      const q = connectionsTop({
        range: HOUR_RANGE,
        filters: [{ dim: 'dst_namespace', op: 'eq', value }],
        groupBy: ['dst_pod'],
        metrics: ['bytes'],
      });
      const expected = [{ dst_pod: `pod-${i}`, bytes: i + 1 }];
      assert.deepEqual(await run(q), expected, JSON.stringify(value));
      assert.deepEqual(await run({ sql: inlineParams(q), params: {} }), expected, `inlined ${JSON.stringify(value)}`);
      // What a datasource does to the text next: the backend's macros and $__conditionalAll.
      const expanded = expandMacros(
        expandConditionalAll(inlineParams(q), () => true),
        { from: HOUR_RANGE.fromMs, to: HOUR_RANGE.toMs, intervalMs: 60_000 }
      );
      assert.deepEqual(await run({ sql: expanded, params: {} }), expected, `expanded ${JSON.stringify(value)}`);
    }
  });

  it('hostile values that match nothing return nothing, in lists too', async () => {
    const values = HOSTILE_STRINGS.map((s) => `${s}?`);
    const q = connectionsTop({
      range: HOUR_RANGE,
      filters: [
        { dim: 'dst_namespace', op: 'in', values },
        { dim: 'src_pod', op: 'neq', value: "'" },
      ],
      metrics: ['bytes'],
    });
    assert.deepEqual(await run(q), [{ bytes: 0 }]);
    assert.deepEqual(await run({ sql: inlineParams(q), params: {} }), [{ bytes: 0 }]);
    const all = connectionsTop({
      range: HOUR_RANGE,
      filters: [{ dim: 'dst_namespace', op: 'in', values: HOSTILE_STRINGS }],
      metrics: ['opened'],
    });
    assert.deepEqual(await run({ sql: inlineParams(all), params: {} }), [{ opened: HOSTILE_STRINGS.length }]);
    const count = await store.query<{ n: number | string }>('SELECT count() AS n FROM netmon.connections');
    assert.equal(Number(count[0].n), HOSTILE_STRINGS.length);
  });
});
