/**
 * ClickHouse's JSON output writes DateTime values as wall-clock text in the column's time zone
 * (the type's own, else the server's), while Grafana frames carry epoch milliseconds; this turns
 * the one into the other without asking the server to change its output settings, which chDB
 * would apply to the whole session.
 */

const TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?)?$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** How far the zone's wall clock is ahead of UTC at the instant utcMs. */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(utcMs)
      .map((p) => [p.type, Number(p.value)])
  );
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** The time zone named in a DateTime/DateTime64 type, e.g. DateTime64(3, 'Asia/Tokyo'). */
export function typeTimeZone(chType: string): string | undefined {
  return /'([^']+)'\)\s*$/.exec(chType)?.[1];
}

/** Epoch ms of a Date/DateTime text as wall-clock time in timeZone; Dates are UTC midnights. */
export function clickhouseTimeToMs(text: string, timeZone: string): number {
  const m = TEXT.exec(text);
  if (!m) {
    throw new Error(`time value "${text}" is not ClickHouse's YYYY-MM-DD[ hh:mm:ss[.fff]] text`);
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const fracMs = frac ? Math.floor(Number(frac) * 1000) : 0;
  if (m[4] === undefined || /^(Etc\/)?UTC$/.test(timeZone)) {
    return wall + fracMs;
  }
  // Two passes so a wall time just after a DST change takes that side's offset.
  const first = wall - zoneOffsetMs(wall, timeZone);
  return wall - zoneOffsetMs(first, timeZone) + fracMs;
}
