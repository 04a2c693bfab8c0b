import { readFileSync } from 'node:fs';
import { processTree } from '../../bench/processTree';

/**
 * The pids of this process's bpftrace children running one program file (connections.bt or
 * dns.bt), read from /proc: what a test kills to play a crash. A restart's setpriv wrapper execs
 * bpftrace in place, so its pid is bpftrace's from the start.
 */
export function bpftracePidsRunning(programFile: string, root = process.pid): number[] {
  return processTree(root)
    .slice(1)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          .split('\0')
          .some((arg) => arg.endsWith(programFile));
      } catch {
        return false;
      }
    });
}
