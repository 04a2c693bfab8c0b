import React from 'react';
import { render, screen } from '@testing-library/react';
import {
  DataFrame,
  FieldConfigSource,
  FieldType,
  getDefaultTimeRange,
  LoadingState,
  PanelData,
  PanelProps,
  toDataFrame,
} from '@grafana/data';
import { FlowGraphPanel } from './FlowGraphPanel';
import { defaultFlowGraphOptions, FlowGraphOptions } from './options';
import { testIds } from './testIds';

function renderPanel(series: DataFrame[], options: Partial<FlowGraphOptions> = {}) {
  const timeRange = getDefaultTimeRange();
  const data: PanelData = { state: LoadingState.Done, series, timeRange };
  const props = {
    id: 1,
    data,
    timeRange,
    timeZone: 'utc',
    options: { ...defaultFlowGraphOptions, ...options },
    fieldConfig: { defaults: {}, overrides: [] } as FieldConfigSource,
    width: 400,
    height: 300,
    transparent: false,
    title: 'Flows',
    renderCounter: 0,
    eventBus: undefined,
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    onChangeTimeRange: jest.fn(),
    replaceVariables: (s: string) => s,
  } as unknown as PanelProps<FlowGraphOptions>;
  return render(<FlowGraphPanel {...props} />);
}

const nodes = toDataFrame({
  name: 'nodes',
  fields: [
    { name: 'id', type: FieldType.string, values: ['web', 'api', 'db'] },
    { name: 'title', type: FieldType.string, values: ['web-7f9c', 'api-55d2', 'postgres-0'] },
  ],
});

const edges = toDataFrame({
  name: 'edges',
  fields: [
    { name: 'id', type: FieldType.string, values: ['web-api', 'api-db'] },
    { name: 'source', type: FieldType.string, values: ['web', 'api'] },
    { name: 'target', type: FieldType.string, values: ['api', 'db'] },
    { name: 'mainstat', type: FieldType.number, values: [1000, 250] },
  ],
});

describe('FlowGraphPanel', () => {
  test('draws one node per row of the nodes frame and one line per edge', () => {
    renderPanel([nodes, edges]);

    expect(screen.getAllByTestId(testIds.node)).toHaveLength(3);
    expect(screen.getAllByTestId(testIds.edge)).toHaveLength(2);
    expect(screen.getByText('postgres-0')).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.empty)).not.toBeInTheDocument();
  });

  test('finds the frames by their fields whatever their order and name', () => {
    const unnamedEdges = { ...edges, name: undefined };
    renderPanel([unnamedEdges, { ...nodes, name: undefined }]);

    expect(screen.getAllByTestId(testIds.node)).toHaveLength(3);
    expect(screen.getAllByTestId(testIds.edge)).toHaveLength(2);
  });

  test('the busiest edge gets the widest stroke', () => {
    renderPanel([nodes, edges], { maxEdgeWidth: 20 });

    const [busy, quiet] = screen.getAllByTestId(testIds.edge).map((e) => Number(e.getAttribute('stroke-width')));
    expect(busy).toBe(20);
    expect(quiet).toBeGreaterThan(1);
    expect(quiet).toBeLessThan(busy);
  });

  test('hides node titles when the option is off', () => {
    renderPanel([nodes, edges], { showNodeTitles: false });

    expect(screen.getAllByTestId(testIds.node)).toHaveLength(3);
    expect(screen.queryByText('postgres-0')).not.toBeInTheDocument();
  });

  test('says which frames it needs when there are none', () => {
    renderPanel([]);

    expect(screen.getByTestId(testIds.empty)).toHaveTextContent(/nodes .* and edges/);
    expect(screen.queryAllByTestId(testIds.node)).toHaveLength(0);
  });

  test('says which frames it needs when the edges frame is missing', () => {
    renderPanel([nodes]);

    expect(screen.getByTestId(testIds.empty)).toBeInTheDocument();
  });
});
