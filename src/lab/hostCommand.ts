import { spawnSync } from 'node:child_process';

/**
 * Runs `ip`, `nft` and friends. Synchronous on purpose: setup is a handful of short commands, and
 * teardown must also work from an `exit` handler, where nothing asynchronous runs.
 */
export function hostCommand(cmd: string, args: readonly string[], input?: string): string {
  const res = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: 10_000 });
  if (res.error !== undefined || res.status !== 0) {
    const why = res.error?.message ?? (res.stderr.trim() || `exit status ${res.status ?? res.signal}`);
    throw new Error(`lab: \`${[cmd, ...args].join(' ')}\` failed: ${why}`);
  }
  return res.stdout;
}

/** For teardown, where a missing resource is success and one failure must not stop the rest. */
export function tryHostCommand(cmd: string, args: readonly string[], input?: string): Error | undefined {
  try {
    hostCommand(cmd, args, input);
    return undefined;
  } catch (e) {
    return e as Error;
  }
}
