import { SceneFlexItem, SceneFlexLayout, VizPanel, type EmbeddedScene } from '@grafana/scenes';
import { connectionsViewQueries, type ConnectionsPanel } from '../../../shared/views/connectionsView';
import { CaptureHealthNotice } from '../../components/CaptureHealth/CaptureHealthNotice';
import { DataNotice } from '../../components/DataNotice/DataNotice';
import { BuiltQueryRunner, type BuildContext } from '../../queries/BuiltQueryRunner';
import { pageFrame } from '../pageFrame';
import { seriesItem } from '../seriesItem';
import type { PageSettings } from '../pageSettings';
import { connectionsVariables, GRAPH_VARIABLES, readView, VIEW_VARIABLES } from './connectionsVariables';
import { flowsTable } from './flowsTable';

const EMPTY_HINT =
  'Netmon writes a connection when it closes, and every flush interval (10 s by default) while it stays open. ' +
  'Widen the time range, clear the selectors, or check that `netmon up` is running.';

export function connectionsScene(settings: PageSettings): EmbeddedScene {
  const runner = (refIds: ConnectionsPanel[]) =>
    new BuiltQueryRunner({
      datasource: settings.datasource,
      dependsOn: VIEW_VARIABLES,
      build: (ctx: BuildContext) => {
        const queries = connectionsViewQueries(readView(ctx, settings), ctx.range, ctx.stepSeconds);
        return refIds.map((refId) => ({
          refId,
          query: queries[refId],
          format: refId === 'flows' || refId.startsWith('graph') ? 'table' : 'timeseries',
        }));
      },
    });
  const series = (title: string, refId: ConnectionsPanel, unit: string) => seriesItem(title, unit, runner([refId]));
  const graph = new VizPanel({
    pluginId: 'netmon-flowgraph-panel',
    title: 'Flow graph',
    description: 'Click a node or an edge to filter the page; clear the Graph fields above to undo.',
    options: {
      nodeVariable: GRAPH_VARIABLES.node,
      sourceVariable: GRAPH_VARIABLES.source,
      targetVariable: GRAPH_VARIABLES.target,
    },
    $data: runner(['graphNodes', 'graphEdges']),
  });
  return pageFrame(
    connectionsVariables(settings),
    new SceneFlexLayout({
      direction: 'column',
      children: [
        new SceneFlexLayout({
          direction: 'column',
          $data: runner(['flows']),
          children: [
            new SceneFlexItem({
              ySizing: 'content',
              body: new DataNotice({ what: 'connections', emptyHint: EMPTY_HINT }),
            }),
            new SceneFlexItem({ ySizing: 'content', body: CaptureHealthNotice.create(settings) }),
            new SceneFlexItem({ minHeight: 360, body: flowsTable() }),
          ],
        }),
        new SceneFlexLayout({
          direction: 'row',
          children: [
            series('Throughput', 'throughput', 'Bps'),
            series('Retransmits', 'retransmits', 'short'),
            series('Failed connects and resets', 'failures', 'short'),
          ],
        }),
        new SceneFlexItem({ minHeight: 480, body: graph }),
      ],
    })
  );
}
