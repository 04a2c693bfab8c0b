import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { FieldType, toDataFrame } from '@grafana/data';
import { readFlowGraph } from './flowGraphFrames';
import { FlowGraphView } from './FlowGraphView';
import { forceLayout } from './forceLayout';
import { defaultFlowGraphOptions } from './options';
import { testIds } from './testIds';

const NODES = 500;
const EDGES = 2000;

/** A deterministic graph of 500 groups and 2,000 edges: a ring plus pseudo-random chords. */
function bigFrames() {
  const ids = Array.from({ length: NODES }, (_, i) => `ns${i % 20}/deploy-${i}`);
  const edges = Array.from({ length: EDGES }, (_, i) => {
    const s = i % NODES;
    const t = i < NODES ? (s + 1) % NODES : (s * 7919 + i * 104729) % NODES;
    return [ids[s], ids[t === s ? (t + 1) % NODES : t], i] as const;
  });
  return [
    toDataFrame({
      name: 'nodes',
      fields: [
        { name: 'id', type: FieldType.string, values: ids },
        { name: 'mainStat', type: FieldType.number, values: ids.map((_, i) => i * 1000), config: { unit: 'bytes' } },
      ],
    }),
    toDataFrame({
      name: 'edges',
      fields: [
        { name: 'id', type: FieldType.string, values: edges.map(([s, t, i]) => `${s}->${t}#${i}`) },
        { name: 'source', type: FieldType.string, values: edges.map(([s]) => s) },
        { name: 'target', type: FieldType.string, values: edges.map(([, t]) => t) },
        { name: 'mainStat', type: FieldType.number, values: edges.map(([, , i]) => (i * 7777) % 1_000_000) },
        { name: 'detail__retransmit_ratio', type: FieldType.number, values: edges.map(([, , i]) => (i % 100) / 1000) },
      ],
    }),
  ];
}

// Times are printed for docs and the report, not asserted: this machine's load varies too much.
describe('FlowGraphView at 500 nodes and 2,000 edges', () => {
  test('draws every node and edge, and a hover keeps the 2,500 shapes', () => {
    const graph = readFlowGraph(bigFrames(), 'detail__retransmit_ratio')!;
    const indexOf = new Map(graph.nodes.map((n, i) => [n.id, i]));
    const t0 = performance.now();
    forceLayout(
      graph.nodes.length,
      graph.edges.map((e) => ({ source: indexOf.get(e.source)!, target: indexOf.get(e.target)! }))
    );
    const layoutMs = performance.now() - t0;

    const t1 = performance.now();
    render(
      <FlowGraphView
        graph={graph}
        width={1200}
        height={800}
        options={defaultFlowGraphOptions}
        thresholds={{ warn: 0.01, critical: 0.05 }}
        onSelect={() => {}}
      />
    );
    const firstRenderMs = performance.now() - t1;
    expect(screen.getAllByTestId(testIds.node)).toHaveLength(NODES);
    expect(screen.getAllByTestId(testIds.edge)).toHaveLength(EDGES);

    const edgeEls = screen.getAllByTestId(testIds.edge);
    const t2 = performance.now();
    for (let i = 0; i < 50; i++) {
      fireEvent.mouseOver(edgeEls[i * 40]);
    }
    const hoverMs = (performance.now() - t2) / 50;
    expect(screen.getByTestId(testIds.tooltip)).toBeInTheDocument();

    process.stdout.write(
      `flow graph ${NODES} nodes / ${EDGES} edges: layout ${layoutMs.toFixed(0)} ms, ` +
        `first render incl. layout (jsdom) ${firstRenderMs.toFixed(0)} ms, hover re-render ${hoverMs.toFixed(1)} ms\n`
    );
  });
});
