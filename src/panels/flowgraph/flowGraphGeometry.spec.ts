import { FlowEdge, FlowGraph } from './flowGraphFrames';
import { edgeWidth, placeGraph, severity } from './flowGraphGeometry';

const node = (id: string) => ({ id, title: id, mainStatText: '', stats: [] });
const edge = (source: string, target: string, mainStat: number, colorValue?: number): FlowEdge => ({
  id: `${source}-${target}`,
  source,
  target,
  mainStat,
  colorValue,
  stats: [],
});
const opts = { width: 120, height: 70, margin: 10, nodeRadius: 5, minEdgeWidth: 1, maxEdgeWidth: 9 };

describe('placeGraph', () => {
  test('maps the unit layout into the box inside the margin and trims edges to the node rims', () => {
    const graph: FlowGraph = { nodes: [node('a'), node('b')], edges: [edge('a', 'b', 10)] };
    const { nodes, edges } = placeGraph(graph, Float64Array.from([0, 0.5, 1, 0.5]), opts);

    expect(nodes).toEqual([
      { x: 10, y: 35 },
      { x: 110, y: 35 },
    ]);
    expect(edges[0]).toMatchObject({ x1: 15, y1: 35, x2: 105, y2: 35, width: 9, severity: 'unknown' });
  });

  test('an edge and its reverse are drawn side by side, each by half its width and a pixel', () => {
    const graph: FlowGraph = { nodes: [node('a'), node('b')], edges: [edge('a', 'b', 10), edge('b', 'a', 10)] };
    const { edges } = placeGraph(graph, Float64Array.from([0, 0.5, 1, 0.5]), opts);

    expect(edges[0].y1).toBeCloseTo(35 + 5.5);
    expect(edges[1].y1).toBeCloseTo(35 - 5.5);
  });

  test('colours by the thresholds when given', () => {
    const graph: FlowGraph = {
      nodes: [node('a'), node('b'), node('c')],
      edges: [edge('a', 'b', 1, 0.001), edge('b', 'c', 1, 0.02), edge('c', 'a', 1, 0.5), edge('a', 'c', 1)],
    };
    const { edges } = placeGraph(graph, Float64Array.from([0, 0, 1, 0, 0, 1]), {
      ...opts,
      thresholds: { warn: 0.01, critical: 0.05 },
    });

    expect(edges.map((e) => e.severity)).toEqual(['ok', 'warning', 'critical', 'unknown']);
  });
});

describe('edgeWidth', () => {
  test('is log-scaled between min and max, min for zero or no largest value', () => {
    expect(edgeWidth(1_000_000, 1_000_000, 1, 11)).toBe(11);
    expect(edgeWidth(1000, 1_000_000, 1, 11)).toBeCloseTo(1 + (10 * Math.log1p(1000)) / Math.log1p(1_000_000));
    // A thousandth of the traffic still gets about half the width, not a hairline.
    expect(edgeWidth(1000, 1_000_000, 1, 11)).toBeGreaterThan(5);
    expect(edgeWidth(0, 100, 1, 11)).toBe(1);
    expect(edgeWidth(5, 0, 1, 11)).toBe(1);
  });
});

describe('severity', () => {
  test('counts a value at a threshold as reaching it', () => {
    expect(severity(0.05, 0.01, 0.05)).toBe('critical');
    expect(severity(0.01, 0.01, 0.05)).toBe('warning');
    expect(severity(0, 0.01, 0.05)).toBe('ok');
    expect(severity(undefined, 0.01, 0.05)).toBe('unknown');
  });
});
