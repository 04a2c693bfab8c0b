import { DataFrame, Field, NodeGraphDataFrameFieldNames as Names } from '@grafana/data';

export interface FlowNode {
  id: string;
  title: string;
}

export interface FlowEdge {
  id: string;
  source: string;
  target: string;
  /** The edge's headline number (bytes, connections, ...); 0 when the frame has none. */
  mainStat: number;
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
 */
export function readFlowGraph(series: DataFrame[]): FlowGraph | undefined {
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
  const mainStats = findField(edgesFrame, Names.mainStat);

  const nodes = nodeIds.values.map((id, i) => ({ id: String(id), title: String(titles?.values[i] ?? id) }));
  const known = new Set(nodes.map((n) => n.id));
  const edges = edgeIds.values
    .map((id, i) => ({
      id: String(id),
      source: String(sources.values[i]),
      target: String(targets.values[i]),
      mainStat: Number(mainStats?.values[i] ?? 0) || 0,
    }))
    .filter((e) => known.has(e.source) && known.has(e.target));
  return { nodes, edges };
}

// SQL aliases arrive in whatever case the query used; Grafana's node graph ignores case too.
function findField(frame: DataFrame, name: string): Field | undefined {
  return frame.fields.find((f) => f.name.toLowerCase() === name);
}
