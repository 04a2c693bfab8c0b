import { FieldType, toDataFrame } from '@grafana/data';
import { readFlowGraph } from './flowGraphFrames';

describe('readFlowGraph', () => {
  test('drops edges that point at unknown nodes and matches field names in any case', () => {
    const nodes = toDataFrame({
      fields: [
        { name: 'ID', type: FieldType.string, values: ['a', 'b'] },
        { name: 'Title', type: FieldType.string, values: ['A', 'B'] },
      ],
    });
    const edges = toDataFrame({
      fields: [
        { name: 'id', type: FieldType.string, values: ['a-b', 'a-x'] },
        { name: 'Source', type: FieldType.string, values: ['a', 'a'] },
        { name: 'Target', type: FieldType.string, values: ['b', 'x'] },
      ],
    });

    expect(readFlowGraph([nodes, edges])).toEqual({
      nodes: [
        { id: 'a', title: 'A', mainStatText: '', stats: [] },
        { id: 'b', title: 'B', mainStatText: '', stats: [] },
      ],
      edges: [{ id: 'a-b', source: 'a', target: 'b', mainStat: 0, colorValue: undefined, stats: [] }],
    });
  });

  test('reads stats and detail__ fields with their units, and the colour field (null is no value)', () => {
    const nodes = toDataFrame({
      fields: [
        { name: 'id', type: FieldType.string, values: ['a', 'b'] },
        { name: 'mainStat', type: FieldType.number, values: [2048, 0], config: { unit: 'bytes' } },
      ],
    });
    const edges = toDataFrame({
      fields: [
        { name: 'id', type: FieldType.string, values: ['a-b', 'b-a'] },
        { name: 'source', type: FieldType.string, values: ['a', 'b'] },
        { name: 'target', type: FieldType.string, values: ['b', 'a'] },
        { name: 'mainStat', type: FieldType.number, values: [1024, 5], config: { displayName: 'Bytes sent' } },
        { name: 'detail__retransmit_ratio', type: FieldType.number, values: [0.25, null] },
        { name: 'detail__failed', type: FieldType.number, values: [3, 0] },
      ],
    });

    const graph = readFlowGraph([nodes, edges], 'DETAIL__RETRANSMIT_RATIO')!;

    expect(graph.nodes[0].mainStatText).toBe('2 KiB');
    expect(graph.nodes[0].stats).toEqual([{ label: 'Main stat', text: '2 KiB' }]);
    expect(graph.edges.map((e) => e.colorValue)).toEqual([0.25, undefined]);
    expect(graph.edges[0].stats).toEqual([
      { label: 'Bytes sent', text: '1024' },
      { label: 'Retransmit ratio', text: '0.250' },
      { label: 'Failed', text: '3' },
    ]);
    expect(graph.edges[1].stats[1]).toEqual({ label: 'Retransmit ratio', text: '—' });
  });

  test('is undefined when the edges frame lacks a target field', () => {
    const nodes = toDataFrame({ fields: [{ name: 'id', type: FieldType.string, values: ['a'] }] });
    const edges = toDataFrame({
      name: 'edges',
      fields: [
        { name: 'id', type: FieldType.string, values: ['a-a'] },
        { name: 'source', type: FieldType.string, values: ['a'] },
      ],
    });

    expect(readFlowGraph([nodes, edges])).toBeUndefined();
  });
});
