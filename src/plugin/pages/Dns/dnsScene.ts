import { PanelBuilders, SceneFlexItem, SceneFlexLayout, type EmbeddedScene, type VizPanel } from '@grafana/scenes';
import { DNS_SELECTORS, dnsViewQueries, type DnsPanel } from '../../../shared/views/dnsView';
import { CaptureHealthNotice } from '../../components/CaptureHealth/CaptureHealthNotice';
import { DataNotice } from '../../components/DataNotice/DataNotice';
import { BuiltQueryRunner } from '../../queries/BuiltQueryRunner';
import { pageFrame } from '../pageFrame';
import type { PageSettings } from '../pageSettings';
import { nameUrl } from './dnsUrl';
import { dnsVariables, readDnsView } from './dnsVariables';

const EMPTY_HINT =
  'Netmon records every DNS question it sees on the wire (UDP and TCP port 53 by default, see --dns-ports) ' +
  'with its answer, or TIMEOUT. Widen the time range, clear the selectors, or check that `netmon up` is running.';

const TABLE_UNITS: Record<string, string> = { error_ratio: 'percentunit', latency_p95_us: 'µs' };

export function dnsScene(settings: PageSettings): EmbeddedScene {
  const runner = (refIds: DnsPanel[]) =>
    new BuiltQueryRunner({
      datasource: settings.datasource,
      dependsOn: DNS_SELECTORS,
      build: (ctx) => {
        const queries = dnsViewQueries(readDnsView(ctx, settings), ctx.range, ctx.stepSeconds);
        const table = ['totals', 'failingNames', 'clients'];
        return refIds.map((refId) => ({
          refId,
          query: queries[refId],
          format: table.includes(refId) ? 'table' : 'timeseries',
        }));
      },
    });
  const stat = (title: string, field: string, unit = 'short'): SceneFlexItem =>
    new SceneFlexItem({
      height: 110,
      body: PanelBuilders.stat()
        .setTitle(title)
        .setUnit(unit)
        .setOption('reduceOptions', { values: false, calcs: ['lastNotNull'], fields: `/^${field}$/` })
        .build(),
    });
  const series = (title: string, refId: DnsPanel, unit: string, stacked = false): SceneFlexItem => {
    const builder = PanelBuilders.timeseries()
      .setTitle(title)
      .setUnit(unit)
      .setData(runner([refId]));
    if (stacked) {
      builder.setCustomFieldConfig('stacking', { mode: 'normal' as never, group: 'A' });
    }
    return new SceneFlexItem({ minHeight: 240, body: builder.build() });
  };
  const table = (title: string, refId: DnsPanel, linkNames: boolean): VizPanel => {
    const builder = PanelBuilders.table()
      .setTitle(title)
      .setData(runner([refId]));
    for (const [field, unit] of Object.entries(TABLE_UNITS)) {
      builder.setOverrides((o) => o.matchFieldsWithName(field).overrideUnit(unit));
    }
    if (linkNames) {
      builder.setOverrides((o) =>
        o.matchFieldsWithName('qname').overrideLinks([{ title: 'Drill into this name', url: nameUrl }])
      );
    }
    return builder.build();
  };
  return pageFrame(
    dnsVariables(settings),
    new SceneFlexLayout({
      direction: 'column',
      children: [
        new SceneFlexLayout({
          direction: 'column',
          $data: runner(['totals']),
          children: [
            new SceneFlexItem({
              ySizing: 'content',
              body: new DataNotice({ what: 'DNS questions', emptyHint: EMPTY_HINT }),
            }),
            new SceneFlexItem({ ySizing: 'content', body: CaptureHealthNotice.create(settings) }),
            new SceneFlexLayout({
              direction: 'row',
              children: [
                stat('Questions', 'queries'),
                stat('Error ratio', 'error_ratio', 'percentunit'),
                stat('NXDOMAIN', 'nxdomain'),
                stat('SERVFAIL', 'servfail'),
                stat('TIMEOUT', 'timeouts'),
              ],
            }),
          ],
        }),
        new SceneFlexLayout({
          direction: 'row',
          children: [
            series('Queries per second', 'qps', 'reqps'),
            series('Error ratio by rcode', 'errorShare', 'percentunit', true),
            series('Latency p50 / p95 / p99', 'latency', 'µs'),
          ],
        }),
        new SceneFlexLayout({
          direction: 'row',
          children: [
            new SceneFlexItem({ minHeight: 360, body: table('Top failing names', 'failingNames', true) }),
            new SceneFlexItem({ minHeight: 360, body: table('Top clients by workload', 'clients', false) }),
          ],
        }),
      ],
    }),
    'now-1h'
  );
}
