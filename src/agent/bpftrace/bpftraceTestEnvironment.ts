import assert from 'node:assert/strict';
import { findExecutable } from './childCommand';
import { BPFTRACE_ENV } from './preflight';

/**
 * What the integration tests that run real bpftrace need: root (bpftrace 0.17 refuses anything
 * else) and the binary. Locally a missing piece skips them with the reason; under CI=true it is a
 * failure, so a CI image without bpftrace cannot pass by skipping.
 */
export const bpftraceMissing: string | undefined =
  process.geteuid?.() !== 0
    ? 'root (uid 0): bpftrace 0.17 runs only as root'
    : findExecutable(process.env[BPFTRACE_ENV] ?? 'bpftrace') === undefined
      ? `bpftrace (apt-get install bpftrace, or ${BPFTRACE_ENV}=/path/to/bpftrace)`
      : undefined;

export const skipWithoutBpftrace: string | false =
  bpftraceMissing !== undefined && process.env.CI !== 'true' ? `needs ${bpftraceMissing}` : false;

/** First statement of each such test: fails under CI when a prerequisite is missing. */
export function assertBpftraceAvailable(): void {
  assert.equal(bpftraceMissing, undefined, `CI=true and this machine lacks ${bpftraceMissing}`);
}
