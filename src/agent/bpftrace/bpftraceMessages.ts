import { DEPTH_SCAN_MIN_CHARS, tooDeepAt } from '../capture/bpftraceLine';

/**
 * What bpftrace itself says, as opposed to what the program prints. bpftrace 0.17 announces the
 * attach count on stdout: {"type": "attached_probes", "data": {"probes": N}} in JSON mode,
 * "Attaching N probes..." in text mode; later versions print "Attached N probes" to stderr, so
 * both streams are read for it. Errors go to stderr as "ERROR: ..." or "<file>:<line>:<col>: ERROR: ...",
 * often followed by the offending source line and a ~~~ underline.
 */

/** The probe count if this line is bpftrace's attach announcement. */
export function attachedProbeCount(line: string): number | undefined {
  const text = line.match(/^Attach(?:ing|ed) (\d+) probes?\b/);
  if (text) {
    return Number(text[1]);
  }
  // The cheap test first: this runs on every line of output until the announcement is seen.
  if (!line.includes('"attached_probes"') || (line.length > DEPTH_SCAN_MIN_CHARS && tooDeepAt(line) >= 0)) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(line) as { type?: unknown; data?: { probes?: unknown } };
    return parsed.type === 'attached_probes' && typeof parsed.data?.probes === 'number'
      ? parsed.data.probes
      : undefined;
  } catch {
    return undefined;
  }
}

/** The line that best explains a failure: the last ERROR line, else the last non-empty one. */
export function errorSummary(stderrLines: readonly string[]): string | undefined {
  const lines = stderrLines.map((l) => l.trim()).filter((l) => l !== '');
  return lines.findLast((l) => l.includes('ERROR:')) ?? lines.at(-1);
}

/** "exit code 1" or "killed by SIGKILL", as Node reports a child's end. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `killed by ${signal}` : `exit code ${code}`;
}
