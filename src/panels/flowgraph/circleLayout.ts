export interface Point {
  x: number;
  y: number;
}

/**
 * Evenly spaced points on the largest circle that fits the box with `margin` to spare, starting
 * at twelve o'clock. A placeholder layout: it never overlaps nodes and needs no simulation.
 */
export function circleLayout(count: number, width: number, height: number, margin: number): Point[] {
  const cx = width / 2;
  const cy = height / 2;
  const radius = count > 1 ? Math.max(0, Math.min(cx, cy) - margin) : 0;
  return Array.from({ length: count }, (_, i) => {
    const angle = (2 * Math.PI * i) / count - Math.PI / 2;
    return { x: cx + radius * Math.cos(angle), y: cy + radius * Math.sin(angle) };
  });
}

/** Stroke width in [min, max] proportional to value / largest; a graph of zeros draws thin lines. */
export function edgeWidth(value: number, largest: number, min: number, max: number): number {
  if (largest <= 0 || value <= 0) {
    return min;
  }
  return min + ((max - min) * Math.min(value, largest)) / largest;
}
