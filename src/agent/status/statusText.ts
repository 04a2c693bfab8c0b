import type { IntervalReport } from '../agent';

/** What `netmon up` shows about each interval: a block redrawn on a terminal, a line otherwise. */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Decimal units, three significant digits: "950 B", "12.3 kB", "1.20 GB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 999.5 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  // Whole numbers past three digits: only the largest unit gets there, and 5.00e+3 reads badly.
  const digits = unit === 0 || value >= 999.5 ? String(Math.round(value)) : value.toPrecision(3);
  return `${digits} ${UNITS[unit]}`;
}

/** Events per second over the interval, whole above 10. */
export function formatRate(count: number, intervalMs: number): string {
  const perSecond = intervalMs > 0 ? (count * 1000) / intervalMs : 0;
  return perSecond >= 10 || perSecond === 0 ? Math.round(perSecond).toLocaleString('en-US') : perSecond.toFixed(1);
}

function formatTime(ts: number): string {
  return new Date(ts).toISOString().replace(/\.\d+Z$/, 'Z');
}

function health(r: IntervalReport): string {
  return [
    `probes ${r.probesAttached}/${r.probesExpected}`,
    `events ${formatRate(r.eventsRead, r.intervalMs)}/s`,
    `lost ${r.lostEvents}`,
    `malformed ${r.malformedLines}`,
    `map full ${r.mapFullErrors}`,
    `restarts ${r.bpftraceRestarts}`,
  ].join('  ');
}

function rows(r: IntervalReport): string {
  return `rows written ${r.rowsWritten.toLocaleString('en-US')}  pending ${r.rowsPending.toLocaleString('en-US')}`;
}

export function statusBlock(r: IntervalReport): string[] {
  const seconds = Math.round(r.intervalMs / 100) / 10;
  const lines = [`netmon up  ${formatTime(r.ts)}  (last ${seconds} s)`, health(r), rows(r), 'top talkers:'];
  if (r.topTalkers.length === 0) {
    return [...lines, '  (no traffic)'];
  }
  const whoWidth = Math.max(...r.topTalkers.map((t) => t.who.length));
  const peerWidth = Math.max(...r.topTalkers.map((t) => t.peer.length));
  return [
    ...lines,
    ...r.topTalkers.map(
      (t) => `  ${t.who.padEnd(whoWidth)} -> ${t.peer.padEnd(peerWidth)}  ${formatBytes(t.bytes).padStart(8)}`
    ),
  ];
}

/** One line per interval for logs and pipes: the block's content, with the top three talkers. */
export function statusLine(r: IntervalReport): string {
  const talkers = r.topTalkers
    .slice(0, 3)
    .map((t) => `${t.who} -> ${t.peer} ${formatBytes(t.bytes)}`)
    .join(', ');
  return `${formatTime(r.ts)}  ${health(r)}  ${rows(r)}${talkers === '' ? '' : `  top: ${talkers}`}`;
}
