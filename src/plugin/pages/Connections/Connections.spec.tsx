import { screen, waitFor } from '@testing-library/react';
import { fakeGrafana, renderApp, type Answer } from '../../testing/fakeServices';
import { testIds } from '../../components/testIds';

const PAGE = '/connections';

const FLOWS = [
  { src_deployment: 'web', dst_deployment: 'api', bytes_src: 1500, bytes_dst: 7600, retransmits: 3, bytes: 9100 },
  { src_deployment: '', dst_deployment: 'api', bytes_src: 100, bytes_dst: 200, retransmits: 0, bytes: 300 },
];

/** Answers by what the SQL asks, so a test reads as "the page asked X and showed Y". */
const answer: Answer = (q) => {
  if (q.refId === 'flows') {
    return FLOWS;
  }
  if (q.refId === 'values') {
    return q.rawSql.includes('GROUP BY src_namespace') ? [{ src_namespace: 'shop', bytes: 1 }] : [];
  }
  return [];
};

describe('Connections page', () => {
  test('shows the top flows grouped by deployment on both sides, from the minute workload rollup', async () => {
    const grafana = fakeGrafana(answer);
    renderApp(PAGE);
    await waitFor(() => expect(grafana.sent.some((q) => q.rawSql.includes('GROUP BY src_namespace'))).toBe(true));

    const table = await screen.findByTestId('panel Top flows');
    await waitFor(() => expect(table).toHaveTextContent('src_deployment=web dst_deployment=api bytes_src=1500'));
    const sql = grafana.lastSql('flows');
    expect(sql).toContain('FROM netmon.connections_workload_1m AS c');
    expect(sql).toMatch(/GROUP BY src_deployment, dst_deployment\nORDER BY bytes DESC/);
    // All is no filter: listing the options would drop the groups they leave out (like '').
    expect(sql).not.toContain(' IN ');
    expect(screen.getByTestId('panel Flow graph')).toBeInTheDocument();
    expect(screen.getByTestId('panel Throughput')).toBeInTheDocument();
  });

  test('a namespace picked in the URL filters every query, quoted by the one escaping path', async () => {
    const grafana = fakeGrafana(answer);
    renderApp(`${PAGE}?var-src_namespace=shop&var-dst_namespace=${encodeURIComponent("it's")}`);

    await waitFor(() =>
      expect(grafana.lastSql('flows')).toContain("c.src_namespace IN CAST(['shop'] AS Array(String))")
    );
    for (const refId of ['flows', 'throughput', 'retransmits', 'failures', 'graphEdges', 'graphNodes']) {
      expect(grafana.lastSql(refId)).toContain("c.dst_namespace IN CAST(['it\\'s'] AS Array(String))");
    }
  });

  test('the group-by picker drives the columns; remote IP reads the raw table', async () => {
    const grafana = fakeGrafana(answer);
    renderApp(`${PAGE}?var-group_by=remote_ip&var-group_by=remote_port`);

    await waitFor(() => expect(grafana.lastSql('flows')).toContain('GROUP BY remote_ip, remote_port'));
    expect(grafana.lastSql('flows')).toContain('FROM netmon.connections) AS c');
  });

  test('a graph click (var-group) filters the page to that node on either side', async () => {
    const grafana = fakeGrafana(answer);
    renderApp(`${PAGE}?var-group=shop%2Fweb`);

    await waitFor(() =>
      expect(grafana.lastSql('flows')).toContain(
        "((c.src_namespace = CAST('shop' AS String) AND c.src_deployment = CAST('web' AS String))"
      )
    );
  });

  test('the pair drill-down names the pair and lists its single connections from raw', async () => {
    const grafana = fakeGrafana(answer);
    renderApp('/connections/pair?var-pair_src_deployment=web&var-pair_dst_deployment=');

    expect(await screen.findByTestId(testIds.pair.heading)).toHaveTextContent(
      'src deployment = web → dst deployment = (none)'
    );
    await waitFor(() => expect(grafana.lastSql('connections')).toContain('FROM netmon.connections) AS c'));
    const sql = grafana.lastSql('connections');
    expect(sql).toContain("c.src_deployment = CAST('web' AS String) AND c.dst_deployment = CAST('' AS String)");
    expect(sql).toContain('GROUP BY observer, direction, pid, comm, src_ip, src_port, dst_ip, dst_port, protocol');
    expect(grafana.lastSql('rtt')).toContain('rtt_max_us');
  });

  test('an unknown group-by column is named, with the accepted ones, instead of a spinner', async () => {
    fakeGrafana(answer);
    renderApp(`${PAGE}?var-group_by=planet`);

    expect(await screen.findByTestId(testIds.notice.error)).toHaveTextContent(
      'unknown group-by column "planet"; accepted: src_cluster, src_namespace'
    );
  });

  test('an unreachable datasource shows an error state', async () => {
    fakeGrafana((q) => {
      if (q.refId === 'flows') {
        throw new Error('connect ECONNREFUSED 127.0.0.1:8123');
      }
      return [];
    });
    renderApp(PAGE);

    expect(await screen.findByTestId(testIds.notice.error)).toHaveTextContent('ECONNREFUSED');
  });

  test('capture losses in agent_health are said above the data, with the nodes', async () => {
    const grafana = fakeGrafana((q) =>
      q.refId === 'health'
        ? [
            {
              node: 'n2',
              lost_events: 1031,
              map_full_errors: 5,
              malformed_lines: 0,
              records_dropped: 0,
              intervals_short_of_probes: 0,
              gaps: 1,
              gap_ms: 4200,
            },
            {
              node: 'n1',
              lost_events: 0,
              map_full_errors: 0,
              malformed_lines: 0,
              records_dropped: 0,
              intervals_short_of_probes: 0,
              gaps: 0,
              gap_ms: 0,
            },
          ]
        : answer(q)
    );
    renderApp(PAGE);

    const notice = await screen.findByTestId(testIds.notice.captureHealth);
    expect(notice).toHaveTextContent('Capture lost data in this range');
    expect(notice).toHaveTextContent(
      '1,031 events lost by bpftrace, 5 map-full errors, 1 capture gap (4 s in all) on n2.'
    );
    expect(grafana.lastSql('health')).toContain('FROM netmon.agent_health');
  });

  test('a clean capture says nothing', async () => {
    const grafana = fakeGrafana((q) => (q.refId === 'health' ? [{ node: 'n1', lost_events: 0, gaps: 0 }] : answer(q)));
    renderApp(PAGE);

    await screen.findByTestId('panel Top flows');
    await waitFor(() => expect(grafana.lastSql('health')).not.toBe(''));
    expect(screen.queryByTestId(testIds.notice.captureHealth)).not.toBeInTheDocument();
  });

  test('an empty range explains itself', async () => {
    fakeGrafana(() => []);
    renderApp(PAGE);

    const notice = await screen.findByTestId(testIds.notice.empty);
    expect(notice).toHaveTextContent('No connections in this time range');
    expect(notice).toHaveTextContent('netmon up');
  });
});
