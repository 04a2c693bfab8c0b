import type { DataLink } from '@grafana/data';
import { PanelBuilders, sceneGraph, type SceneObject, type VizPanel } from '@grafana/scenes';
import { GROUP_BY_CHOICES } from '../../../shared/views/connectionsView';
import { pairUrl } from './pairUrl';
import { GROUP_BY } from './connectionsVariables';

const UNITS: Record<string, string> = {
  bytes: 'decbytes',
  bytes_src: 'decbytes',
  bytes_dst: 'decbytes',
  retransmit_ratio: 'percentunit',
  rtt_avg_us: 'µs',
  rtt_max_us: 'µs',
};

const TITLES: Record<string, string> = {
  bytes_src: 'Bytes sent by source',
  bytes_dst: 'Bytes sent by destination',
  bytes: 'Bytes both ways',
  packets: 'Packets',
  retransmits: 'Retransmits',
  retransmit_ratio: 'Retransmit ratio',
  rtt_avg_us: 'RTT (mean)',
  failed: 'Failed connects',
  resets: 'Resets',
  opened: 'Connections opened',
  ...GROUP_BY_CHOICES,
};

/** The busiest flows; each group cell links to the drill-down of its row's pair of groups. */
export function flowsTable(): VizPanel {
  const builder = PanelBuilders.table().setTitle('Top flows');
  builder.setOption('cellHeight', 'sm' as never);
  for (const [field, unit] of Object.entries(UNITS)) {
    builder.setOverrides((o) => o.matchFieldsWithName(field).overrideUnit(unit));
  }
  for (const [field, title] of Object.entries(TITLES)) {
    builder.setOverrides((o) => o.matchFieldsWithName(field).overrideDisplayName(title));
  }
  const panel = builder.build();
  panel.setState({ $behaviors: [linkGroupCells] });
  return panel;
}

/** The link lists the current group-by columns, so it follows the group-by picker. */
function linkGroupCells(panel: SceneObject) {
  const viz = panel as VizPanel;
  const update = () => {
    const variable = sceneGraph.lookupVariable(GROUP_BY, viz);
    const value = variable?.getValue();
    const groupBy = (Array.isArray(value) ? value : [value]).map(String).filter((g) => g in GROUP_BY_CHOICES);
    const links: DataLink[] = [{ title: 'Drill into this pair', url: pairUrl(groupBy) }];
    const overrides = (viz.state.fieldConfig.overrides ?? []).filter((o) => o.matcher.id !== 'byNames');
    viz.onFieldConfigChange({
      ...viz.state.fieldConfig,
      overrides: [
        ...overrides,
        {
          matcher: { id: 'byNames', options: { mode: 'include', names: groupBy } },
          properties: [{ id: 'links', value: links }],
        },
      ],
    });
  };
  update();
  const variable = sceneGraph.lookupVariable(GROUP_BY, viz);
  const sub = variable?.subscribeToState(update);
  return () => sub?.unsubscribe();
}
