import { FlowGraph } from './flowGraphFrames';
import { UnitLayout } from './forceLayout';

export type Severity = 'ok' | 'warning' | 'critical' | 'unknown';

export interface NodeGeometry {
  x: number;
  y: number;
}

export interface EdgeGeometry {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  width: number;
  severity: Severity;
}

export interface GeometryOptions {
  width: number;
  height: number;
  /** Room kept free at the sides for the node circle and its label. */
  margin: number;
  nodeRadius: number;
  minEdgeWidth: number;
  maxEdgeWidth: number;
  /** Undefined: edges are not coloured by a value. */
  thresholds?: { warn: number; critical: number };
}

/**
 * Pixel geometry of the whole graph from a unit-square layout: cheap (linear), so it is redone on
 * resize or option changes while the layout itself is kept. Edges run between the node circles'
 * rims; an edge whose reverse is also drawn is moved aside so both stay visible.
 */
export function placeGraph(
  graph: FlowGraph,
  layout: UnitLayout,
  opts: GeometryOptions
): { nodes: NodeGeometry[]; edges: EdgeGeometry[] } {
  const spanX = Math.max(0, opts.width - 2 * opts.margin);
  const spanY = Math.max(0, opts.height - 2 * opts.margin);
  const nodes = graph.nodes.map((_, i) => ({
    x: opts.margin + layout[2 * i] * spanX,
    y: opts.margin + layout[2 * i + 1] * spanY,
  }));
  const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const pairKey = (s: string, t: string) => `${s}\u0000${t}`;
  const pairs = new Set(graph.edges.map((e) => pairKey(e.source, e.target)));
  const largest = graph.edges.reduce((m, e) => Math.max(m, e.mainStat), 0);

  const edges = graph.edges.map((e) => {
    const from = nodes[index.get(e.source)!];
    const to = nodes[index.get(e.target)!];
    const width = edgeWidth(e.mainStat, largest, opts.minEdgeWidth, opts.maxEdgeWidth);
    const dx = to.x - from.x;
    const dy = to.y - from.y;
    const length = Math.hypot(dx, dy);
    const ux = length > 0 ? dx / length : 0;
    const uy = length > 0 ? dy / length : 0;
    const aside = e.source !== e.target && pairs.has(pairKey(e.target, e.source)) ? width / 2 + 1 : 0;
    const trim = Math.min(opts.nodeRadius, length / 2);
    return {
      x1: from.x + ux * trim - uy * aside,
      y1: from.y + uy * trim + ux * aside,
      x2: to.x - ux * trim - uy * aside,
      y2: to.y - uy * trim + ux * aside,
      width,
      severity: opts.thresholds ? severity(e.colorValue, opts.thresholds.warn, opts.thresholds.critical) : 'unknown',
    };
  });
  return { nodes, edges };
}

/**
 * Stroke width in [min, max] on a log scale of value / largest: bytes between groups span many
 * orders of magnitude, and a linear scale leaves all but the busiest edges hairlines.
 */
export function edgeWidth(value: number, largest: number, min: number, max: number): number {
  if (largest <= 0 || value <= 0) {
    return min;
  }
  return min + ((max - min) * Math.log1p(Math.min(value, largest))) / Math.log1p(largest);
}

export function severity(value: number | undefined, warn: number, critical: number): Severity {
  if (value === undefined) {
    return 'unknown';
  }
  if (value >= critical) {
    return 'critical';
  }
  return value >= warn ? 'warning' : 'ok';
}
