import { selectionParams } from './selection';

const vars = { nodeVariable: 'group', sourceVariable: 'src_group', targetVariable: 'dst_group' };

describe('selectionParams', () => {
  test('a node sets its variable and clears the edge ones', () => {
    expect(selectionParams({ kind: 'node', id: 'shop/web' }, vars)).toEqual({
      'var-group': 'shop/web',
      'var-src_group': null,
      'var-dst_group': null,
    });
  });

  test('an edge sets both ends and clears the node one; a blank name is left alone', () => {
    expect(
      selectionParams({ kind: 'edge', source: 'shop/web', target: 'shop/db' }, { ...vars, nodeVariable: ' ' })
    ).toEqual({ 'var-src_group': 'shop/web', 'var-dst_group': 'shop/db' });
  });
});
