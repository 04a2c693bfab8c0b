import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import {
  createTheme,
  DataFrame,
  FieldConfigSource,
  FieldType,
  getDefaultTimeRange,
  LoadingState,
  PanelData,
  PanelProps,
  toDataFrame,
} from '@grafana/data';
import { locationService } from '@grafana/runtime';
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
    { name: 'mainStat', type: FieldType.number, values: [1_000_000, 2048, 0], config: { unit: 'bytes' } },
  ],
});

const edges = toDataFrame({
  name: 'edges',
  fields: [
    { name: 'id', type: FieldType.string, values: ['web-api', 'api-db', 'web-db'] },
    { name: 'source', type: FieldType.string, values: ['web', 'api', 'web'] },
    { name: 'target', type: FieldType.string, values: ['api', 'db', 'db'] },
    { name: 'mainstat', type: FieldType.number, values: [1_000_000, 1000, 0] },
    { name: 'detail__retransmit_ratio', type: FieldType.number, values: [0.001, 0.02, 0.2] },
    { name: 'detail__failed', type: FieldType.number, values: [0, 12, 3] },
  ],
});

const theme = createTheme();
const strokes = () => screen.getAllByTestId(testIds.edge).map((e) => e.getAttribute('stroke'));

describe('FlowGraphPanel', () => {
  afterEach(() => jest.restoreAllMocks());

  test('draws one node per row of the nodes frame and one line per edge, labelled with title and stat', () => {
    renderPanel([nodes, edges]);

    expect(screen.getAllByTestId(testIds.node)).toHaveLength(3);
    expect(screen.getAllByTestId(testIds.edge)).toHaveLength(3);
    expect(screen.getByText('postgres-0')).toBeInTheDocument();
    expect(screen.getByText('977 KiB')).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.empty)).not.toBeInTheDocument();
  });

  test('finds the frames by their fields whatever their order and name', () => {
    renderPanel([
      { ...edges, name: undefined },
      { ...nodes, name: undefined },
    ]);

    expect(screen.getAllByTestId(testIds.node)).toHaveLength(3);
    expect(screen.getAllByTestId(testIds.edge)).toHaveLength(3);
  });

  test('edge width follows mainstat on a log scale', () => {
    renderPanel([nodes, edges], { maxEdgeWidth: 20 });

    const [busy, quiet, idle] = screen.getAllByTestId(testIds.edge).map((e) => Number(e.getAttribute('stroke-width')));
    expect(busy).toBe(20);
    // A thousandth of the bytes: half the width on a log scale (a linear one would give ~1).
    expect(quiet).toBeCloseTo(1 + (19 * Math.log1p(1000)) / Math.log1p(1_000_000));
    expect(idle).toBe(1);
  });

  test('edge colour follows the retransmit ratio thresholds, or failures, or nothing', () => {
    const { ok, warn, error, grey } = {
      ok: theme.colors.success.main,
      warn: theme.colors.warning.main,
      error: theme.colors.error.main,
      grey: theme.colors.text.secondary,
    };
    const { unmount } = renderPanel([nodes, edges]);
    expect(strokes()).toEqual([ok, warn, error]);
    unmount();

    const second = renderPanel([nodes, edges], { colorBy: 'failures', failuresWarn: 1, failuresCritical: 10 });
    expect(strokes()).toEqual([ok, error, warn]);
    second.unmount();

    renderPanel([nodes, edges], { colorBy: 'none' });
    expect(strokes()).toEqual([grey, grey, grey]);
  });

  test('hovering an edge shows its stats and details; hovering a node shows the node', () => {
    renderPanel([nodes, edges]);

    fireEvent.mouseOver(screen.getAllByTestId(testIds.edge)[1]);
    const tooltip = screen.getByTestId(testIds.tooltip);
    expect(tooltip).toHaveTextContent('api → db');
    expect(tooltip).toHaveTextContent('Retransmit ratio0.0200');
    expect(tooltip).toHaveTextContent('Failed12');

    fireEvent.mouseOver(screen.getAllByTestId(testIds.node)[0]);
    expect(screen.getByTestId(testIds.tooltip)).toHaveTextContent('web-7f9cMain stat977 KiB');

    fireEvent.mouseLeave(screen.getByRole('img'));
    expect(screen.queryByTestId(testIds.tooltip)).not.toBeInTheDocument();
  });

  test('clicking a node or an edge writes the filter variables into the URL', () => {
    const partial = jest.spyOn(locationService, 'partial').mockImplementation(() => {});
    renderPanel([nodes, edges], { sourceVariable: 'src_deployment', targetVariable: 'dst_deployment' });

    fireEvent.click(screen.getByText('postgres-0'));
    expect(partial).toHaveBeenLastCalledWith(
      { 'var-group': 'db', 'var-src_deployment': null, 'var-dst_deployment': null },
      true
    );

    fireEvent.click(screen.getAllByTestId(testIds.edge)[0]);
    expect(partial).toHaveBeenLastCalledWith(
      { 'var-group': null, 'var-src_deployment': 'web', 'var-dst_deployment': 'api' },
      true
    );

    // The thinnest edge is still a 10 px target: its transparent band takes the click.
    fireEvent.click(screen.getByText('postgres-0'));
    const thin = screen.getAllByTestId(testIds.edge)[2];
    const band = thin.previousElementSibling as Element;
    expect(band.getAttribute('stroke')).toBe('transparent');
    expect(Number(band.getAttribute('stroke-width'))).toBeGreaterThanOrEqual(10);
    expect(Number(thin.getAttribute('stroke-width'))).toBeLessThan(10);
    fireEvent.click(band);
    expect(partial.mock.lastCall?.[0]['var-group']).toBeNull();
  });

  test('hides node labels when the option is off', () => {
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

    expect(screen.getByTestId(testIds.empty)).toHaveTextContent(/needs two frames/);
  });

  test('says the time range has no flows when the frames are empty', () => {
    const noRows = (frame: DataFrame) => ({
      ...frame,
      length: 0,
      fields: frame.fields.map((f) => ({ ...f, values: [] })),
    });
    renderPanel([noRows(nodes), noRows(edges)]);

    expect(screen.getByTestId(testIds.empty)).toHaveTextContent('No flows in this time range.');
  });
});
