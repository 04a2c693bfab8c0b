import { PanelBuilders, SceneFlexItem, SceneFlexLayout, TextBoxVariable, type EmbeddedScene } from '@grafana/scenes';
import { VariableHide } from '@grafana/schema';
import { GROUP_BY_CHOICES, pairDrilldownQueries, type PairPanel } from '../../../shared/views/connectionsView';
import { DataNotice } from '../../components/DataNotice/DataNotice';
import { BuiltQueryRunner } from '../../queries/BuiltQueryRunner';
import { pageFrame } from '../pageFrame';
import { seriesItem } from '../seriesItem';
import type { PageSettings } from '../pageSettings';
import { connectionsVariables, GROUP_BY, readView, VIEW_VARIABLES } from './connectionsVariables';
import { PairHeading } from './PairHeading';
import { pairVariable } from './pairUrl';

const PAIR_VARIABLES = Object.keys(GROUP_BY_CHOICES).map(pairVariable);

/**
 * One pair of groups, reached from a row of the flows table: the page's view (same variables,
 * same URL names) narrowed by the row's group values, with its series and single connections.
 */
export function pairScene(settings: PageSettings): EmbeddedScene {
  const runner = (refIds: PairPanel[]) =>
    new BuiltQueryRunner({
      datasource: settings.datasource,
      dependsOn: [...VIEW_VARIABLES, ...PAIR_VARIABLES],
      build: (ctx) => {
        const view = readView(ctx, settings);
        // '' is a real group value (a host process, an external peer), so read the text, not the picks.
        const pair = Object.fromEntries(view.groupBy.map((dim) => [dim, ctx.text(pairVariable(dim))]));
        const queries = pairDrilldownQueries(view, pair, ctx.range, ctx.stepSeconds);
        return refIds.map((refId) => ({
          refId,
          query: queries[refId],
          format: refId === 'connections' ? 'table' : 'timeseries',
        }));
      },
    });
  const series = (title: string, refId: PairPanel, unit: string) => seriesItem(title, unit, runner([refId]));
  const connections = PanelBuilders.table()
    .setTitle('Connections (one row per observed connection)')
    .setOverrides((o) => o.matchFieldsWithNameByRegex('^bytes').overrideUnit('decbytes'))
    .setOverrides((o) => o.matchFieldsWithName('rtt_avg_us').overrideUnit('µs'))
    .build();
  return pageFrame(
    [
      ...connectionsVariables(settings),
      ...PAIR_VARIABLES.map((name) => new TextBoxVariable({ name, value: '', hide: VariableHide.hideVariable })),
    ],
    new SceneFlexLayout({
      direction: 'column',
      children: [
        new SceneFlexItem({ ySizing: 'content', body: new PairHeading({}) }),
        new SceneFlexLayout({
          direction: 'row',
          children: [
            series('Throughput', 'throughput', 'Bps'),
            series('Retransmits, failed connects, resets', 'health', 'short'),
            series('RTT', 'rtt', 'µs'),
          ],
        }),
        new SceneFlexLayout({
          direction: 'column',
          $data: runner(['connections']),
          children: [
            new SceneFlexItem({
              ySizing: 'content',
              body: new DataNotice({
                what: 'connections for this pair',
                emptyHint: `Widen the time range, or go back and pick another row (grouped by ${GROUP_BY}).`,
              }),
            }),
            new SceneFlexItem({ minHeight: 400, body: connections }),
          ],
        }),
      ],
    })
  );
}
