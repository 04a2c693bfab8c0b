import { screen, waitFor } from '@testing-library/react';
import { fakeGrafana, renderApp, type Answer } from '../../testing/fakeServices';
import { testIds } from '../../components/testIds';

const answer: Answer = (q) => {
  switch (q.refId) {
    case 'totals':
      return [{ queries: 7, errors: 3, error_ratio: 3 / 7, nxdomain: 1, servfail: 1, timeouts: 1 }];
    case 'failingNames':
      return [
        { qname: 'db.internal', errors: 2, nxdomain: 0, servfail: 1, timeouts: 1 },
        { qname: 'nope.example', errors: 1, nxdomain: 1, servfail: 0, timeouts: 0 },
      ];
    case 'clients':
      return [{ client_namespace: 'shop', client_deployment: 'web', queries: 7, errors: 3 }];
    default:
      return [];
  }
};

describe('DNS page', () => {
  test('shows totals by rcode, failing names and clients by workload, from the minute workload rollup', async () => {
    const grafana = fakeGrafana(answer);
    renderApp('/dns');

    await waitFor(() => expect(screen.getByTestId('panel NXDOMAIN')).toHaveTextContent('nxdomain=1'));
    expect(screen.getByTestId('panel TIMEOUT')).toHaveTextContent('timeouts=1');
    expect(await screen.findByTestId('panel Top failing names')).toHaveTextContent('qname=db.internal errors=2');
    expect(screen.getByTestId('panel Top clients by workload')).toHaveTextContent('client_deployment=web');
    expect(grafana.lastSql('totals')).toContain('FROM netmon.dns_client_1m AS c');
    expect(grafana.lastSql('failingNames')).toContain("c.rcode != CAST('NOERROR' AS String)");
    for (const refId of ['qps', 'errorShare', 'latency']) {
      expect(grafana.lastSql(refId)).not.toBe('');
    }
  });

  test('a client namespace picked in the URL filters every query', async () => {
    const grafana = fakeGrafana(answer);
    renderApp('/dns?var-client_namespace=shop');

    await waitFor(() =>
      expect(grafana.lastSql('totals')).toContain("c.client_namespace IN CAST(['shop'] AS Array(String))")
    );
    expect(grafana.lastSql('latency')).toContain("c.client_namespace IN CAST(['shop'] AS Array(String))");
  });

  test('the name drill-down asks who asks the name, which resolvers answer and what, on raw', async () => {
    const grafana = fakeGrafana(answer);
    renderApp('/dns/name?var-qname=db.internal');

    await waitFor(() => expect(grafana.lastSql('answers')).toContain('arrayJoin(c.answers)'));
    expect(grafana.lastSql('servers')).toContain("c.qname = CAST('db.internal' AS String)");
    expect(grafana.lastSql('clients')).toContain('GROUP BY client_namespace, client_deployment, client_pod, node');
  });

  test('an empty range explains itself', async () => {
    fakeGrafana(() => []);
    renderApp('/dns');

    expect(await screen.findByTestId(testIds.notice.empty)).toHaveTextContent('No DNS questions in this time range');
  });
});
