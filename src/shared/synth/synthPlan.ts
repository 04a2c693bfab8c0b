import type { IngestTable } from '../schema';
import type { BuiltQuery } from '../sql/query';
import { connectionsInsert } from './connectionsInsert';
import { dnsInsert } from './dnsInsert';
import { fleetShape, type FleetShape, type SynthOptions } from './fleetShape';
import { metadataInsert } from './metadataInsert';

/** One INSERT ... SELECT of a run, and how many rows it writes. */
export interface SynthStep {
  readonly table: IngestTable;
  readonly rows: number;
  readonly query: BuiltQuery;
}

export interface SynthPlan {
  readonly shape: FleetShape;
  readonly steps: readonly SynthStep[];
}

/**
 * Rows per statement: small enough that a long run reports progress every few seconds and a
 * statement's memory stays bounded, large enough that per-statement overhead does not show.
 */
export const DEFAULT_CHUNK_ROWS = 2_000_000;

/**
 * The statements that write one synthetic fleet: metadata first (it is small and names every pod
 * the rows use), then connections and DNS in chunks. Run them in order; each is independent of
 * the others' results, so a run split over several processes writes the same rows.
 */
export function synthPlan(opts: SynthOptions, chunkRows = DEFAULT_CHUNK_ROWS): SynthPlan {
  const shape = fleetShape(opts);
  if (!Number.isSafeInteger(chunkRows) || chunkRows < 1) {
    throw new Error(`synth chunk rows: expected a positive integer, got ${chunkRows}`);
  }
  const chunks = (table: IngestTable, total: number, build: typeof connectionsInsert): SynthStep[] =>
    Array.from({ length: Math.ceil(total / chunkRows) }, (_, i) => {
      const first = i * chunkRows;
      const rows = Math.min(chunkRows, total - first);
      return { table, rows, query: build(shape, first, rows) };
    });
  return {
    shape,
    steps: [
      { table: 'container_metadata', rows: shape.pods, query: metadataInsert(shape) },
      ...chunks('connections', shape.connectionRows, connectionsInsert),
      ...chunks('dns_queries', shape.dnsRows, dnsInsert),
    ],
  };
}
