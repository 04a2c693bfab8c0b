import type { IngestTable } from '../schema';
import type { BuiltQuery } from '../sql/query';
import type { SynthPlan } from './synthPlan';

/** Where a run stands after a step. */
export interface SynthProgress {
  readonly table: IngestTable;
  /** Rows of this table written so far, and in all. */
  readonly tableRows: number;
  readonly tableTotal: number;
  /** Rows of every table written so far, and in all. */
  readonly rows: number;
  readonly total: number;
  readonly elapsedMs: number;
}

export interface SynthResult {
  readonly rows: number;
  readonly elapsedMs: number;
  /** Rows and milliseconds per table, for rates. */
  readonly tables: Readonly<Partial<Record<IngestTable, { rows: number; ms: number }>>>;
}

/**
 * Runs a plan's statements in order through `execute` (a store's command), reporting after each.
 * Kept free of any store type so the CLI, the benchmark and the tests share it.
 */
export async function runSynthPlan(
  plan: SynthPlan,
  execute: (query: BuiltQuery) => Promise<void>,
  onProgress: (progress: SynthProgress) => void = () => undefined,
  now: () => number = Date.now
): Promise<SynthResult> {
  const start = now();
  const total = plan.steps.reduce((sum, s) => sum + s.rows, 0);
  const tables: Partial<Record<IngestTable, { rows: number; ms: number }>> = {};
  let rows = 0;
  for (const step of plan.steps) {
    const stepStart = now();
    await execute(step.query);
    const entry = (tables[step.table] ??= { rows: 0, ms: 0 });
    entry.rows += step.rows;
    entry.ms += now() - stepStart;
    rows += step.rows;
    onProgress({
      table: step.table,
      tableRows: entry.rows,
      tableTotal: plan.steps.filter((s) => s.table === step.table).reduce((sum, s) => sum + s.rows, 0),
      rows,
      total,
      elapsedMs: now() - start,
    });
  }
  return { rows, elapsedMs: now() - start, tables };
}
