export const testIds = {
  empty: 'data-testid flowgraph-empty',
  node: 'data-testid flowgraph-node',
  edge: 'data-testid flowgraph-edge',
  tooltip: 'data-testid flowgraph-tooltip',
};
