import React, { useCallback, useMemo } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, PanelProps } from '@grafana/data';
import { locationService } from '@grafana/runtime';
import { useStyles2 } from '@grafana/ui';
import { readFlowGraph } from './flowGraphFrames';
import { FlowGraphView } from './FlowGraphView';
import { COLOR_FIELDS, FlowGraphOptions } from './options';
import { FlowSelection, selectionParams } from './selection';
import { testIds } from './testIds';

/**
 * Netmon's flow graph: reads the nodes and edges frames (Grafana's node-graph field names, so SQL
 * from the ClickHouse datasource works in any dashboard) and draws them. A click writes the picked
 * ids into dashboard variables in the URL (see selectionParams), which pages and dashboards react to.
 */
export function FlowGraphPanel({ data, width, height, options }: PanelProps<FlowGraphOptions>) {
  const styles = useStyles2(getStyles);
  const { colorBy } = options;
  const graph = useMemo(
    () => readFlowGraph(data.series, colorBy === 'none' ? undefined : COLOR_FIELDS[colorBy]),
    [data.series, colorBy]
  );
  const warn = colorBy === 'failures' ? options.failuresWarn : options.retransmitRatioWarn;
  const critical = colorBy === 'failures' ? options.failuresCritical : options.retransmitRatioCritical;
  const thresholds = useMemo(() => (colorBy === 'none' ? undefined : { warn, critical }), [colorBy, warn, critical]);
  const { nodeVariable, sourceVariable, targetVariable } = options;
  const onSelect = useCallback(
    (selection: FlowSelection) =>
      locationService.partial(selectionParams(selection, { nodeVariable, sourceVariable, targetVariable }), true),
    [nodeVariable, sourceVariable, targetVariable]
  );

  if (!graph) {
    return (
      <div className={styles.empty} data-testid={testIds.empty}>
        This panel needs two frames: nodes (id, title) and edges (id, source, target, mainstat).
      </div>
    );
  }
  if (graph.nodes.length === 0) {
    return (
      <div className={styles.empty} data-testid={testIds.empty}>
        No flows in this time range.
      </div>
    );
  }
  return (
    <FlowGraphView
      graph={graph}
      width={width}
      height={height}
      options={options}
      thresholds={thresholds}
      onSelect={onSelect}
    />
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  empty: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    height: '100%',
    padding: theme.spacing(2),
    color: theme.colors.text.secondary,
    textAlign: 'center',
  }),
});
