import { PanelBuilders, SceneFlexItem, SceneFlexLayout, TextBoxVariable, type EmbeddedScene } from '@grafana/scenes';
import { DNS_SELECTORS, dnsNameQueries, type DnsNamePanel } from '../../../shared/views/dnsView';
import { DataNotice } from '../../components/DataNotice/DataNotice';
import { BuiltQueryRunner } from '../../queries/BuiltQueryRunner';
import { pageFrame } from '../pageFrame';
import type { PageSettings } from '../pageSettings';
import { QNAME_VARIABLE } from './dnsUrl';
import { dnsVariables, readDnsView } from './dnsVariables';

/** One name: its answers over time by rcode, who asks it, which resolvers answer, and what they answer. */
export function dnsNameScene(settings: PageSettings): EmbeddedScene {
  const runner = (refIds: DnsNamePanel[]) =>
    new BuiltQueryRunner({
      datasource: settings.datasource,
      dependsOn: [...DNS_SELECTORS, QNAME_VARIABLE],
      build: (ctx) => {
        const queries = dnsNameQueries(
          readDnsView(ctx, settings),
          ctx.text(QNAME_VARIABLE),
          ctx.range,
          ctx.stepSeconds
        );
        return refIds.map((refId) => ({
          refId,
          query: queries[refId],
          format: refId === 'series' ? 'timeseries' : 'table',
        }));
      },
    });
  const table = (title: string, refId: DnsNamePanel) =>
    new SceneFlexItem({
      minHeight: 300,
      body: PanelBuilders.table()
        .setTitle(title)
        .setData(runner([refId]))
        .setOverrides((o) => o.matchFieldsWithNameByRegex('^latency_').overrideUnit('µs'))
        .setOverrides((o) => o.matchFieldsWithName('error_ratio').overrideUnit('percentunit'))
        .build(),
    });
  return pageFrame(
    [...dnsVariables(settings), new TextBoxVariable({ name: QNAME_VARIABLE, label: 'Name', value: '' })],
    new SceneFlexLayout({
      direction: 'column',
      children: [
        new SceneFlexLayout({
          direction: 'column',
          $data: runner(['series']),
          children: [
            new SceneFlexItem({
              ySizing: 'content',
              body: new DataNotice({
                what: 'questions for this name',
                emptyHint: 'Check the name (lower case, no trailing dot) or widen the time range.',
              }),
            }),
            new SceneFlexItem({
              minHeight: 240,
              body: PanelBuilders.timeseries().setTitle('Questions by rcode').setUnit('short').build(),
            }),
          ],
        }),
        new SceneFlexLayout({
          direction: 'row',
          children: [table('Who asks it', 'clients'), table('Which resolvers answer', 'servers')],
        }),
        table('What they answer', 'answers'),
      ],
    })
  );
}
