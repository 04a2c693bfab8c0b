import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { FlowGraph, FlowStat } from './flowGraphFrames';
import { placeGraph, Severity } from './flowGraphGeometry';
import { forceLayout } from './forceLayout';
import { FlowGraphOptions } from './options';
import { FlowSelection } from './selection';
import { testIds } from './testIds';

/** Pixels of pointer target across an edge, whatever its drawn width. */
const HIT_WIDTH = 10;

const NODE_RADIUS = 8;
const MIN_EDGE_WIDTH = 1;
// Room for the node's circle and two lines of text (title, stat) below it.
const MARGIN = NODE_RADIUS + 32;

interface Props {
  graph: FlowGraph;
  width: number;
  height: number;
  options: FlowGraphOptions;
  /** Undefined: colour edges by nothing. */
  thresholds?: { warn: number; critical: number };
  onSelect: (selection: FlowSelection) => void;
}

interface Hover {
  kind: 'node' | 'edge';
  index: number;
  x: number;
  y: number;
}

/**
 * The graph as one SVG. Layout runs once per graph; pixel geometry once per size or option change;
 * the edge and node layers are memoised elements, so hovering re-renders only the highlight and
 * the tooltip. Hover and click are delegated from the SVG through data-kind / data-index, so the
 * 2,500 shapes of a big graph carry no handlers of their own.
 */
export function FlowGraphView({ graph, width, height, options, thresholds, onSelect }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const [hover, setHover] = useState<Hover | undefined>();

  const layout = useMemo(() => {
    const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
    const edges = graph.edges.map((e) => ({ source: index.get(e.source)!, target: index.get(e.target)! }));
    return forceLayout(graph.nodes.length, edges);
  }, [graph]);

  const { maxEdgeWidth, showNodeTitles } = options;
  const geometry = useMemo(
    () =>
      placeGraph(graph, layout, {
        width,
        height,
        margin: MARGIN,
        nodeRadius: NODE_RADIUS,
        minEdgeWidth: MIN_EDGE_WIDTH,
        maxEdgeWidth,
        thresholds,
      }),
    [graph, layout, width, height, maxEdgeWidth, thresholds]
  );

  const colors: Record<Severity, string> = useMemo(
    () => ({
      ok: theme.colors.success.main,
      warning: theme.colors.warning.main,
      critical: theme.colors.error.main,
      unknown: theme.colors.text.secondary,
    }),
    [theme]
  );

  const edgeLayer = useMemo(
    () => (
      <g strokeLinecap="round">
        {geometry.edges.map((g, i) => (
          <g key={graph.edges[i].id}>
            {/* A thin edge is hard to hit: a transparent band at least HIT_WIDTH wide takes the pointer. */}
            <line
              data-kind="edge"
              data-index={i}
              x1={g.x1}
              y1={g.y1}
              x2={g.x2}
              y2={g.y2}
              stroke="transparent"
              strokeWidth={Math.max(HIT_WIDTH, g.width)}
            />
            <line
              data-testid={testIds.edge}
              data-kind="edge"
              data-index={i}
              x1={g.x1}
              y1={g.y1}
              x2={g.x2}
              y2={g.y2}
              stroke={colors[g.severity]}
              strokeOpacity={0.7}
              strokeWidth={g.width}
            />
          </g>
        ))}
      </g>
    ),
    [geometry, graph, colors]
  );

  const nodeLayer = useMemo(
    () => (
      <g fontSize={11} textAnchor="middle">
        {geometry.nodes.map((g, i) => {
          const node = graph.nodes[i];
          return (
            <g
              key={node.id}
              data-testid={testIds.node}
              data-kind="node"
              data-index={i}
              transform={`translate(${g.x},${g.y})`}
            >
              <circle r={NODE_RADIUS} fill={theme.colors.primary.main} stroke={theme.colors.background.primary} />
              {showNodeTitles && (
                <text y={NODE_RADIUS + 12} fill={theme.colors.text.primary}>
                  {node.title}
                </text>
              )}
              {showNodeTitles && node.mainStatText && (
                <text y={NODE_RADIUS + 25} fill={theme.colors.text.secondary}>
                  {node.mainStatText}
                </text>
              )}
            </g>
          );
        })}
      </g>
    ),
    [geometry, graph, theme, showNodeTitles]
  );

  const target = (event: React.SyntheticEvent) => {
    const el = (event.target as Element).closest('[data-kind]');
    return el
      ? { kind: el.getAttribute('data-kind') as Hover['kind'], index: Number(el.getAttribute('data-index')) }
      : undefined;
  };

  const onMouseMove = (event: React.MouseEvent<SVGSVGElement>) => {
    const hit = target(event);
    if (!hit) {
      setHover(undefined);
      return;
    }
    const box = event.currentTarget.getBoundingClientRect();
    setHover({ ...hit, x: event.clientX - box.left, y: event.clientY - box.top });
  };

  const onClick = (event: React.MouseEvent<SVGSVGElement>) => {
    const hit = target(event);
    if (hit?.kind === 'node') {
      onSelect({ kind: 'node', id: graph.nodes[hit.index].id });
    } else if (hit?.kind === 'edge') {
      const edge = graph.edges[hit.index];
      onSelect({ kind: 'edge', source: edge.source, target: edge.target });
    }
  };

  const hovered = hover && (hover.kind === 'node' ? graph.nodes[hover.index] : graph.edges[hover.index]);
  return (
    <div className={styles.container} style={{ width, height }}>
      <svg
        width={width}
        height={height}
        role="img"
        aria-label="Flow graph"
        className={styles.svg}
        onMouseMove={onMouseMove}
        onMouseOver={onMouseMove}
        onMouseLeave={() => setHover(undefined)}
        onClick={onClick}
      >
        {edgeLayer}
        {hover?.kind === 'edge' && <Highlight edge={geometry.edges[hover.index]} color={theme.colors.primary.text} />}
        {nodeLayer}
        {hover?.kind === 'node' && (
          <circle
            cx={geometry.nodes[hover.index].x}
            cy={geometry.nodes[hover.index].y}
            r={NODE_RADIUS + 3}
            fill="none"
            stroke={theme.colors.primary.text}
            strokeWidth={2}
            pointerEvents="none"
          />
        )}
      </svg>
      {hover && hovered && (
        <div
          className={styles.tooltip}
          data-testid={testIds.tooltip}
          // Flip to the pointer's other side near the right and bottom edges so it stays inside.
          style={{
            left: hover.x > width / 2 ? undefined : hover.x + 12,
            right: hover.x > width / 2 ? width - hover.x + 12 : undefined,
            top: hover.y > height / 2 ? undefined : hover.y + 12,
            bottom: hover.y > height / 2 ? height - hover.y + 12 : undefined,
          }}
        >
          <div className={styles.tooltipTitle}>
            {'title' in hovered ? hovered.title : `${hovered.source} → ${hovered.target}`}
          </div>
          <StatTable stats={hovered.stats} />
        </div>
      )}
    </div>
  );
}

function Highlight({
  edge,
  color,
}: {
  edge: { x1: number; y1: number; x2: number; y2: number; width: number };
  color: string;
}) {
  return (
    <line
      x1={edge.x1}
      y1={edge.y1}
      x2={edge.x2}
      y2={edge.y2}
      stroke={color}
      strokeWidth={edge.width + 2}
      strokeOpacity={0.5}
      strokeLinecap="round"
      pointerEvents="none"
    />
  );
}

function StatTable({ stats }: { stats: FlowStat[] }) {
  return (
    <table>
      <tbody>
        {stats.map((s) => (
          <tr key={s.label}>
            <th scope="row">{s.label}</th>
            <td>{s.text}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  container: css({ position: 'relative', overflow: 'hidden' }),
  svg: css({ display: 'block', cursor: 'pointer' }),
  tooltip: css({
    position: 'absolute',
    pointerEvents: 'none',
    zIndex: theme.zIndex.tooltip,
    padding: theme.spacing(1),
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    boxShadow: theme.shadows.z2,
    fontSize: theme.typography.bodySmall.fontSize,
    maxWidth: 360,
    th: { fontWeight: theme.typography.fontWeightMedium, paddingRight: theme.spacing(2), textAlign: 'left' },
    td: { textAlign: 'right' },
  }),
  tooltipTitle: css({ fontWeight: theme.typography.fontWeightBold, marginBottom: theme.spacing(0.5) }),
});
