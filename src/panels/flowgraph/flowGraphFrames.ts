import {
  DataFrame,
  Field,
  formattedValueToString,
  getValueFormat,
  NodeGraphDataFrameFieldNames as Names,
} from '@grafana/data';

/** One labelled, formatted number shown on hover. */
export interface FlowStat {
  label: string;
  text: string;
}

export interface FlowNode {
  id: string;
  title: string;
  /** The node's headline number, formatted, drawn under its title; '' when the frame has none. */
  mainStatText: string;
  /** mainStat, secondaryStat and every detail__ field, in frame order, for the tooltip. */
  stats: FlowStat[];
}

export interface FlowEdge {
  id: string;
  source: string;
  target: string;
  /** The edge's headline number (bytes, connections, ...); 0 when the frame has none. */
  mainStat: number;
  /** The value the edge is coloured by; undefined when the field is absent or null on this row. */
  colorValue: number | undefined;
  stats: FlowStat[];
}

export interface FlowGraph {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

/**
 * Reads Grafana's node-graph frame convention: an edges frame (named "edges", or carrying a
 * "source" field, as Grafana's own node graph tells them apart) and a nodes frame. Returns
 * undefined when either frame or a required field is missing, so the panel can say which.
 * Edges whose ends are not among the nodes are dropped: there is nowhere to draw them.
 * `colorField` names the edges' field to colour by (any case).
 */
export function readFlowGraph(series: DataFrame[], colorField?: string): FlowGraph | undefined {
  const edgesFrame = series.find((f) => f.name === 'edges' || findField(f, Names.source));
  const nodesFrame = series.find((f) => f !== edgesFrame && findField(f, Names.id));
  if (!edgesFrame || !nodesFrame) {
    return undefined;
  }
  const nodeIds = findField(nodesFrame, Names.id);
  const edgeIds = findField(edgesFrame, Names.id);
  const sources = findField(edgesFrame, Names.source);
  const targets = findField(edgesFrame, Names.target);
  if (!nodeIds || !edgeIds || !sources || !targets) {
    return undefined;
  }
  const titles = findField(nodesFrame, Names.title);
  const nodeMainStats = findField(nodesFrame, Names.mainStat);
  const nodeStats = statFields(nodesFrame);
  const mainStats = findField(edgesFrame, Names.mainStat);
  const colors = colorField ? findField(edgesFrame, colorField.toLowerCase()) : undefined;
  const edgeStats = statFields(edgesFrame);

  const nodes = nodeIds.values.map((id, i) => ({
    id: String(id),
    title: String(titles?.values[i] ?? id),
    mainStatText: nodeMainStats ? formatValue(nodeMainStats, i) : '',
    stats: statsAt(nodeStats, i),
  }));
  const known = new Set(nodes.map((n) => n.id));
  const edges: FlowEdge[] = [];
  edgeIds.values.forEach((id, i) => {
    const source = String(sources.values[i]);
    const target = String(targets.values[i]);
    if (!known.has(source) || !known.has(target)) {
      return;
    }
    const color = colors?.values[i];
    edges.push({
      id: String(id),
      source,
      target,
      mainStat: Number(mainStats?.values[i] ?? 0) || 0,
      colorValue: color === null || color === undefined || Number.isNaN(Number(color)) ? undefined : Number(color),
      stats: statsAt(edgeStats, i),
    });
  });
  return { nodes, edges };
}

// SQL aliases arrive in whatever case the query used; Grafana's node graph ignores case too.
function findField(frame: DataFrame, name: string): Field | undefined {
  return frame.fields.find((f) => f.name.toLowerCase() === name);
}

const STAT_NAMES: string[] = [Names.mainStat, Names.secondaryStat];

function statFields(frame: DataFrame): Field[] {
  return frame.fields.filter((f) => {
    const name = f.name.toLowerCase();
    return STAT_NAMES.includes(name) || name.startsWith(Names.detail.toLowerCase());
  });
}

function statsAt(fields: Field[], row: number): FlowStat[] {
  return fields.map((f) => ({ label: statLabel(f), text: formatValue(f, row) }));
}

/** The field's display name when set, else its name without the detail__ prefix, in words. */
function statLabel(field: Field): string {
  if (field.config.displayName) {
    return field.config.displayName;
  }
  const name = field.name.replace(new RegExp(`^${Names.detail}`, 'i'), '');
  const words = name
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function formatValue(field: Field, row: number): string {
  const value = field.values[row];
  if (value === null || value === undefined) {
    return '—';
  }
  if (typeof value !== 'number') {
    return String(value);
  }
  return formattedValueToString(getValueFormat(field.config.unit ?? 'none')(value, field.config.decimals));
}
