import { forceLayout } from './forceLayout';

const dist = (p: Float64Array, a: number, b: number) => Math.hypot(p[2 * a] - p[2 * b], p[2 * a + 1] - p[2 * b + 1]);

describe('forceLayout', () => {
  test('is deterministic and fills the unit square', () => {
    const edges = [
      { source: 0, target: 1 },
      { source: 1, target: 2 },
      { source: 2, target: 3 },
    ];
    const first = forceLayout(6, edges);

    expect(Array.from(forceLayout(6, edges))).toEqual(Array.from(first));
    const xs = Array.from(first).filter((_, i) => i % 2 === 0);
    const ys = Array.from(first).filter((_, i) => i % 2 === 1);
    expect(Math.min(...xs)).toBe(0);
    expect(Math.max(...xs)).toBe(1);
    expect(Math.min(...ys)).toBe(0);
    expect(Math.max(...ys)).toBe(1);
  });

  test('connected nodes end up closer than unconnected ones', () => {
    // Two triangles with no edge between them.
    const edges = [
      [0, 1],
      [1, 2],
      [2, 0],
      [3, 4],
      [4, 5],
      [5, 3],
    ].map(([source, target]) => ({ source, target }));
    const p = forceLayout(6, edges);

    const within = Math.max(dist(p, 0, 1), dist(p, 1, 2), dist(p, 3, 4), dist(p, 4, 5));
    const across = Math.min(dist(p, 0, 3), dist(p, 1, 4), dist(p, 2, 5), dist(p, 0, 5));
    expect(within).toBeLessThan(across);
  });

  test('no two nodes share a spot, self-loops included', () => {
    const p = forceLayout(3, [
      { source: 0, target: 0 },
      { source: 0, target: 1 },
    ]);
    expect(dist(p, 0, 1)).toBeGreaterThan(0.05);
    expect(dist(p, 0, 2)).toBeGreaterThan(0.05);
    expect(dist(p, 1, 2)).toBeGreaterThan(0.05);
  });

  test('one node sits in the middle and none gives nothing', () => {
    expect(Array.from(forceLayout(1, []))).toEqual([0.5, 0.5]);
    expect(forceLayout(0, [])).toHaveLength(0);
  });
});
