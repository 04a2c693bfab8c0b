/** Everything needed to run one bpftrace program: the command line, its environment and what kernel it needs. */
export interface BpftraceProgram {
  /** The .bt file. */
  path: string;
  /** bpftrace options before the program file, e.g. ['-k', '-f', 'json']. */
  flags: string[];
  /** Positional parameters, $1 onwards. */
  args: string[];
  /** Added to the agent's environment: bpftrace's BPFTRACE_* knobs. */
  env: Record<string, string>;
  /** Oldest kernel that has everything the program attaches to, and which feature sets it. */
  minKernel: { release: string; why: string };
}
