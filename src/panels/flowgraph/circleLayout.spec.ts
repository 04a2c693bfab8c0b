import { circleLayout, edgeWidth } from './circleLayout';

describe('circleLayout', () => {
  test('puts the first node at twelve o’clock and keeps every node inside the margin', () => {
    const points = circleLayout(4, 200, 100, 10);

    expect(points[0].x).toBeCloseTo(100);
    expect(points[0].y).toBeCloseTo(10);
    for (const p of points) {
      expect(Math.hypot(p.x - 100, p.y - 50)).toBeCloseTo(40);
    }
  });

  test('a single node sits in the middle', () => {
    expect(circleLayout(1, 200, 100, 10)).toEqual([{ x: 100, y: 50 }]);
  });
});

describe('edgeWidth', () => {
  test('scales linearly between min and max and falls back to min without a largest value', () => {
    expect(edgeWidth(50, 100, 1, 11)).toBe(6);
    expect(edgeWidth(100, 100, 1, 11)).toBe(11);
    expect(edgeWidth(0, 100, 1, 11)).toBe(1);
    expect(edgeWidth(5, 0, 1, 11)).toBe(1);
  });
});
