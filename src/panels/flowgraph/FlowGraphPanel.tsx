import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { circleLayout, edgeWidth } from './circleLayout';
import { readFlowGraph } from './flowGraphFrames';
import { FlowGraphOptions } from './options';
import { testIds } from './testIds';

const NODE_RADIUS = 8;
const MIN_EDGE_WIDTH = 1;
// Room for the node's circle and a line of title text outside the ring.
const LAYOUT_MARGIN = NODE_RADIUS + 24;

/**
 * Placeholder rendering of the flow graph: nodes on a circle, edges as straight lines whose width
 * follows their mainstat. The real graph (layout, arrows, hover, links) arrives with issue 5.
 */
export function FlowGraphPanel({ data, width, height, options }: PanelProps<FlowGraphOptions>) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const graph = readFlowGraph(data.series);

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

  const points = circleLayout(graph.nodes.length, width, height, LAYOUT_MARGIN);
  const at = new Map(graph.nodes.map((n, i) => [n.id, points[i]]));
  const largest = Math.max(0, ...graph.edges.map((e) => e.mainStat));

  return (
    <svg width={width} height={height} role="img" aria-label="Flow graph">
      {graph.edges.map((e) => {
        const from = at.get(e.source)!;
        const to = at.get(e.target)!;
        return (
          <line
            key={e.id}
            data-testid={testIds.edge}
            x1={from.x}
            y1={from.y}
            x2={to.x}
            y2={to.y}
            stroke={theme.colors.text.secondary}
            strokeOpacity={0.6}
            strokeWidth={edgeWidth(e.mainStat, largest, MIN_EDGE_WIDTH, options.maxEdgeWidth)}
          >
            <title>{`${e.source} → ${e.target}: ${e.mainStat}`}</title>
          </line>
        );
      })}
      {graph.nodes.map((n, i) => (
        <g key={n.id} data-testid={testIds.node} transform={`translate(${points[i].x},${points[i].y})`}>
          <circle r={NODE_RADIUS} fill={theme.colors.primary.main} />
          {options.showNodeTitles && (
            <text y={NODE_RADIUS + 14} textAnchor="middle" fill={theme.colors.text.primary} fontSize={12}>
              {n.title}
            </text>
          )}
        </g>
      ))}
    </svg>
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
