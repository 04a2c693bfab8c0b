import { createHash } from 'node:crypto';

/**
 * The insert_deduplication_token of one batch: who wrote it (node and the agent run), which table,
 * its place in the run's sequence, and a hash of its rows. A retried batch carries the same token,
 * so the store keeps it once even when an earlier try landed but its answer was lost; the run id
 * keeps a restarted agent's sequence from colliding with the last one's, and the hash keeps two
 * different batches from ever sharing a token should a sequence repeat.
 */
export function dedupToken(
  node: string,
  runId: string,
  table: string,
  sequence: number,
  rows: readonly unknown[]
): string {
  const hash = createHash('sha256');
  // Row by row: one JSON string of a large batch would be tens of MB at once.
  for (const row of rows) {
    hash.update(JSON.stringify(row));
    hash.update('\n');
  }
  return `${node}/${runId}/${table}/${sequence}/${hash.digest('hex').slice(0, 32)}`;
}
