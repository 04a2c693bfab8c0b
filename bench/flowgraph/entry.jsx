// Browser side of bench/flowGraphRender.ts: renders the real FlowGraphView with a synthetic graph
// and times it. Plain JSX because tsconfig.node.json (which covers bench/) has no DOM or JSX; the
// component itself is type-checked where it lives.
import React from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { FieldType, toDataFrame } from '@grafana/data';
import { readFlowGraph } from '../../src/panels/flowgraph/flowGraphFrames';
import { FlowGraphView } from '../../src/panels/flowgraph/FlowGraphView';
import { forceLayout } from '../../src/panels/flowgraph/forceLayout';
import { defaultFlowGraphOptions } from '../../src/panels/flowgraph/options';

const WIDTH = 1200;
const HEIGHT = 800;

/** Deterministic frames: edges from a few hubs out (services most clients call) plus a random rest. */
function frames(nodeCount, edgeCount) {
  let state = 12345;
  const next = (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
  const ids = Array.from({ length: nodeCount }, (_, i) => `ns${i % 30}/deployment-${i}`);
  const edges = new Map();
  while (edges.size < edgeCount) {
    const source = next(nodeCount);
    // Half the edges go to the first 5 % of nodes, the hot services.
    const target = next(2) === 0 ? next(Math.max(1, Math.floor(nodeCount / 20))) : next(nodeCount);
    if (source !== target) {
      edges.set(`${ids[source]} -> ${ids[target]}`, [ids[source], ids[target]]);
    }
  }
  const list = [...edges.entries()];
  const number = (name, values, unit) => ({ name, type: FieldType.number, values, config: unit ? { unit } : {} });
  return [
    toDataFrame({
      name: 'nodes',
      fields: [
        { name: 'id', type: FieldType.string, values: ids },
        { name: 'title', type: FieldType.string, values: ids },
        number(
          'mainStat',
          ids.map(() => next(1e9)),
          'bytes'
        ),
      ],
    }),
    toDataFrame({
      name: 'edges',
      fields: [
        { name: 'id', type: FieldType.string, values: list.map(([id]) => id) },
        { name: 'source', type: FieldType.string, values: list.map(([, [s]]) => s) },
        { name: 'target', type: FieldType.string, values: list.map(([, [, t]]) => t) },
        number(
          'mainStat',
          list.map(() => next(1e9)),
          'bytes'
        ),
        number(
          'detail__retransmit_ratio',
          list.map(() => next(1000) / 10000)
        ),
      ],
    }),
  ];
}

/** Resolves after the browser painted the frame that follows now. */
const painted = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));

/** Resolves when `container` changes (React committed), with the time of that commit. */
function committed(container) {
  return new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      observer.disconnect();
      resolve(performance.now());
    });
    observer.observe(container, { childList: true, subtree: true, attributes: true, characterData: true });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function run(nodeCount, edgeCount, runs, hovers) {
  const container = document.getElementById('root');
  const layoutMs = [];
  const commitMs = [];
  const paintMs = [];
  const hoverCommitMs = [];
  const hoverPaintMs = [];
  let shapes = 0;
  for (let r = 0; r < runs; r++) {
    // A fresh graph object each run, so the view's memoised layout is computed again, as on new data.
    const graph = readFlowGraph(frames(nodeCount, edgeCount), 'detail__retransmit_ratio');
    const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
    const start = performance.now();
    forceLayout(
      graph.nodes.length,
      graph.edges.map((e) => ({ source: index.get(e.source), target: index.get(e.target) }))
    );
    layoutMs.push(performance.now() - start);

    const root = createRoot(container);
    await painted();
    const mount = performance.now();
    flushSync(() =>
      root.render(
        <FlowGraphView
          graph={graph}
          width={WIDTH}
          height={HEIGHT}
          options={defaultFlowGraphOptions}
          thresholds={{ warn: 0.01, critical: 0.05 }}
          onSelect={() => {}}
        />
      )
    );
    commitMs.push(performance.now() - mount);
    await painted();
    paintMs.push(performance.now() - mount);
    shapes = container.querySelectorAll('line, circle').length;

    const lines = container.querySelectorAll('line[data-kind="edge"]');
    for (let h = 0; h < hovers; h++) {
      const target = lines[(h * 37) % lines.length];
      const box = target.getBoundingClientRect();
      const change = committed(container);
      const at = performance.now();
      target.dispatchEvent(
        new MouseEvent('mouseover', { bubbles: true, clientX: box.x + box.width / 2, clientY: box.y + box.height / 2 })
      );
      hoverCommitMs.push((await change) - at);
      await painted();
      hoverPaintMs.push(performance.now() - at);
    }
    root.unmount();
  }
  return {
    nodes: nodeCount,
    edges: edgeCount,
    shapes,
    runs,
    hovers: runs * hovers,
    layoutMs: median(layoutMs),
    firstRenderCommitMs: median(commitMs),
    firstRenderPaintedMs: median(paintMs),
    hoverCommitMs: median(hoverCommitMs),
    hoverPaintedMs: median(hoverPaintMs),
  };
}

window.netmonFlowGraphBench = { run };
