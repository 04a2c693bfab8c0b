import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { findExecutable } from './childCommand';

/** An agent killed with SIGKILL must not leave its long-lived children (bpftrace, conntrack) behind. */
test('a child started through diesWithAgent is killed when its parent is SIGKILLed', async () => {
  assert.ok(findExecutable('setpriv'), 'setpriv (util-linux) is needed to tie children to the agent');
  // The parent is a separate node process, so this test can kill it the way the kernel would.
  const parent = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `const { spawn } = require('node:child_process');
       const { diesWithAgent } = require('./src/agent/bpftrace/childCommand');
       const [file, args] = diesWithAgent('sleep', ['60']);
       const child = spawn(file, args, { stdio: 'ignore', detached: true });
       console.log(child.pid);
       setInterval(() => undefined, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  );
  const childPid = await new Promise<number>((resolve, reject) => {
    parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    parent.once('exit', (code) => reject(new Error(`parent exited early (${code})`)));
  });
  assert.ok(existsSync(`/proc/${childPid}`), 'the child runs while its parent does');
  parent.kill('SIGKILL');
  const deadline = Date.now() + 5_000;
  while (isRunning(childPid) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(isRunning(childPid), false, `child ${childPid} outlived its SIGKILLed parent`);
});

/** Running, not a zombie waiting for a reaper that may never come in a container. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
