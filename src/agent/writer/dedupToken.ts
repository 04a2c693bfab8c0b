/**
 * The insert_deduplication_token of one batch: who wrote it (node and the agent run), which table,
 * its place in the run's sequence, and its row count. A retried batch carries the same token (it
 * is fixed when the batch is made and kept with it, in the spool too), so the store keeps it once
 * even when an earlier try landed but its answer was lost; the run id keeps a restarted agent's
 * sequence from colliding with the last one's.
 *
 * No hash of the rows: within one run a sequence number is never reused, so the rows add nothing
 * to the token's uniqueness, and hashing every row's JSON cost ~5 % of the agent's main thread.
 */
export function dedupToken(
  node: string,
  runId: string,
  table: string,
  sequence: number,
  rows: readonly unknown[]
): string {
  return `${node}/${runId}/${table}/${sequence}/${rows.length}`;
}
