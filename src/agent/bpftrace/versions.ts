/** Version numbers as bpftrace and the kernel print them. */
export interface Version {
  major: number;
  minor: number;
  patch: number;
}

/** From `bpftrace --version`: "bpftrace v0.17.0", "bpftrace v0.21.2-1ubuntu1", "bpftrace 0.9.4". */
export function parseBpftraceVersion(output: string): Version | undefined {
  const m = output.match(/bpftrace v?(\d+)\.(\d+)(?:\.(\d+))?/);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) } : undefined;
}

/** From a kernel release ("6.18.44-fc-v657", "5.15.0-91-generic") or a bare "6.3". */
export function parseRelease(release: string): Version | undefined {
  const m = release.match(/^(\d+)\.(\d+)(?:\.(\d+))?/);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) } : undefined;
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}
