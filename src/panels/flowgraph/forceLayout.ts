/** Node positions in the unit square, x then y per node: positions[2 * i], positions[2 * i + 1]. */
export type UnitLayout = Float64Array;

/** Ends of one edge as indexes into the node list. */
export interface IndexEdge {
  source: number;
  target: number;
}

// Fewer rounds for big graphs: a round costs n² / 2 pair forces, and 100 rounds already settle
// 500 nodes while staying well under a frame budget of layout work per data change.
const SMALL_GRAPH_ROUNDS = 300;
const LARGE_GRAPH_ROUNDS = 100;
const LARGE_GRAPH = 150;
// Pulls every node gently to the middle, so components without edges between them stay together.
const GRAVITY = 0.05;

/**
 * Fruchterman–Reingold force-directed layout, deterministic: nodes start on a sunflower spiral in
 * input order and no randomness is used, so the same data always gives the same picture (a panel
 * that reshuffles on every refresh cannot be read). Returns positions scaled to fill [0, 1]².
 * Self-loops and parallel edges add no force of their own beyond one pull per edge.
 */
export function forceLayout(nodeCount: number, edges: readonly IndexEdge[]): UnitLayout {
  const pos = new Float64Array(2 * nodeCount);
  if (nodeCount === 1) {
    pos[0] = pos[1] = 0.5;
  }
  if (nodeCount <= 1) {
    return pos;
  }
  // Natural spacing 1: the spiral puts node i at radius √i, so neighbours start about 1 apart.
  const golden = Math.PI * (3 - Math.sqrt(5));
  for (let i = 0; i < nodeCount; i++) {
    const r = Math.sqrt(i + 0.5);
    pos[2 * i] = r * Math.cos(i * golden);
    pos[2 * i + 1] = r * Math.sin(i * golden);
  }

  const rounds = nodeCount > LARGE_GRAPH ? LARGE_GRAPH_ROUNDS : SMALL_GRAPH_ROUNDS;
  const disp = new Float64Array(2 * nodeCount);
  const startTemperature = Math.sqrt(nodeCount) / 2;
  for (let round = 0; round < rounds; round++) {
    disp.fill(0);
    for (let i = 0; i < nodeCount; i++) {
      for (let j = i + 1; j < nodeCount; j++) {
        let dx = pos[2 * i] - pos[2 * j];
        let dy = pos[2 * i + 1] - pos[2 * j + 1];
        let d2 = dx * dx + dy * dy;
        if (d2 < 1e-9) {
          // Two nodes on one spot: push them apart along a direction fixed by their indexes.
          dx = Math.cos(i + j);
          dy = Math.sin(i + j);
          d2 = 1e-4;
        }
        // Repulsion k²/d along the unit vector (dx, dy)/d is (dx, dy)/d² with k = 1.
        const fx = dx / d2;
        const fy = dy / d2;
        disp[2 * i] += fx;
        disp[2 * i + 1] += fy;
        disp[2 * j] -= fx;
        disp[2 * j + 1] -= fy;
      }
    }
    for (const { source: s, target: t } of edges) {
      if (s === t) {
        continue;
      }
      const dx = pos[2 * s] - pos[2 * t];
      const dy = pos[2 * s + 1] - pos[2 * t + 1];
      // Attraction d²/k along the unit vector is (dx, dy)·d.
      const d = Math.sqrt(dx * dx + dy * dy);
      disp[2 * s] -= dx * d;
      disp[2 * s + 1] -= dy * d;
      disp[2 * t] += dx * d;
      disp[2 * t + 1] += dy * d;
    }
    const temperature = startTemperature * (1 - round / rounds);
    for (let i = 0; i < nodeCount; i++) {
      const dx = disp[2 * i] - GRAVITY * pos[2 * i];
      const dy = disp[2 * i + 1] - GRAVITY * pos[2 * i + 1];
      const d = Math.sqrt(dx * dx + dy * dy);
      if (d > 0) {
        const step = Math.min(d, temperature) / d;
        pos[2 * i] += dx * step;
        pos[2 * i + 1] += dy * step;
      }
    }
  }
  return fitUnitSquare(pos);
}

/** Scales and shifts positions so they span [0, 1] on each axis (the middle when an axis is flat). */
function fitUnitSquare(pos: Float64Array): Float64Array {
  for (const axis of [0, 1]) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = axis; i < pos.length; i += 2) {
      min = Math.min(min, pos[i]);
      max = Math.max(max, pos[i]);
    }
    const span = max - min;
    for (let i = axis; i < pos.length; i += 2) {
      pos[i] = span > 1e-9 ? (pos[i] - min) / span : 0.5;
    }
  }
  return pos;
}
