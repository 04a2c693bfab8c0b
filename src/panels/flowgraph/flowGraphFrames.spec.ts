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
        { id: 'a', title: 'A' },
        { id: 'b', title: 'B' },
      ],
      edges: [{ id: 'a-b', source: 'a', target: 'b', mainStat: 0 }],
    });
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
