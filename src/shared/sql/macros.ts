/**
 * The backend macros of grafana-clickhouse-datasource (pkg/macros/macros.go, on top of
 * grafana/macropro's engine), reproduced so that the standalone host and the provisioning tests
 * expand dashboard and alert SQL to the very text the plugin sends to ClickHouse. Plus the
 * frontend-only $__conditionalAll (CHDatasource.applyConditionalAll), which runs before them.
 *
 * Deliberately not reproduced: the statement macros ($__columns, $__rateColumns, ...), which
 * rewrite a whole statement; none of our SQL uses them, and an unknown macro stays as written, as
 * in the plugin, so ClickHouse reports it.
 */

export interface MacroContext {
  /** Epoch milliseconds. */
  readonly from: number;
  readonly to: number;
  /** The panel interval, milliseconds. */
  readonly intervalMs: number;
}

type MacroFn = (ctx: MacroContext, args: string[]) => string;

const dateTime = (ms: number) => `toDateTime(${Math.floor(ms / 1000)})`;
const dateTime64 = (ms: number) => `fromUnixTimestamp64Milli(${Math.trunc(ms)})`;
const date = (ms: number) => `toDate('${new Date(ms).toISOString().slice(0, 10)}')`;
const wholeSeconds = (ms: number) => Math.trunc(Math.max(ms / 1000, 1));

function arity(name: string, want: number, args: string[]): void {
  if (args.length !== want) {
    throw new Error(`$__${name} expected ${want} argument(s), received ${args.length}`);
  }
}

function withColumn(name: string, render: (col: string, ctx: MacroContext) => string): MacroFn {
  return (ctx, args) => {
    arity(name, 1, args);
    return render(args[0], ctx);
  };
}

/** Go's time.ParseDuration for the units $__timeGroup periods use; returns seconds. */
function durationSeconds(text: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  const parts = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(text) ? text.match(/\d+(?:\.\d+)?(?:ms|s|m|h)/g) : null;
  if (!parts) {
    throw new Error(`$__timeGroup: invalid interval "${text}", expected a duration such as 5m or 1h`);
  }
  return parts.reduce((sum, p) => {
    const [, n, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(p) as RegExpExecArray;
    return sum + Number(n) * units[unit];
  }, 0);
}

function formatDuration(ms: number): string {
  if (ms === 0) {
    return '0s';
  }
  const abs = Math.abs(ms);
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (abs % size === 0) {
      return `${abs / size}${unit}`;
    }
  }
  return `${abs}ms`;
}

const dateTimeFilter: MacroFn = (ctx, args) => {
  arity('dateTimeFilter', 2, args);
  const [d, t] = args;
  return (
    `(${d} >= ${date(ctx.from)} AND ${d} <= ${date(ctx.to)}) AND ` +
    `(${t} >= ${dateTime(ctx.from)} AND ${t} <= ${dateTime(ctx.to)})`
  );
};

const MACROS: Record<string, MacroFn> = {
  interval: (ctx) => formatDuration(ctx.intervalMs),
  interval_ms: (ctx) => String(Math.trunc(ctx.intervalMs)),
  interval_s: (ctx) => String(wholeSeconds(ctx.intervalMs)),
  fromTime: (ctx) => dateTime(ctx.from),
  toTime: (ctx) => dateTime(ctx.to),
  fromTime_ms: (ctx) => dateTime64(ctx.from),
  toTime_ms: (ctx) => dateTime64(ctx.to),
  timeFilter: withColumn('timeFilter', (c, x) => `${c} >= ${dateTime(x.from)} AND ${c} <= ${dateTime(x.to)}`),
  timeFilter_ms: withColumn('timeFilter_ms', (c, x) => `${c} >= ${dateTime64(x.from)} AND ${c} <= ${dateTime64(x.to)}`),
  dateFilter: withColumn('dateFilter', (c, x) => `${c} >= ${date(x.from)} AND ${c} <= ${date(x.to)}`),
  dateTimeFilter,
  dt: dateTimeFilter,
  timeFrom: withColumn('timeFrom', (c, x) => `${c} >= ${dateTime(x.from)}`),
  timeTo: withColumn('timeTo', (c, x) => `${c} <= ${dateTime(x.to)}`),
  timeInterval: withColumn(
    'timeInterval',
    (c, x) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${wholeSeconds(x.intervalMs)} second)`
  ),
  timeInterval_ms: withColumn(
    'timeInterval_ms',
    (c, x) => `toStartOfInterval(toDateTime64(${c}, 3), INTERVAL ${Math.trunc(Math.max(x.intervalMs, 1))} millisecond)`
  ),
  timeGroup: (_ctx, args) => {
    arity('timeGroup', 2, args);
    const secs = Math.round(durationSeconds(args[1].trim().replace(/^['"]+|['"]+$/g, '')));
    if (secs <= 0) {
      throw new Error(`$__timeGroup: interval must be positive, got "${args[1]}"`);
    }
    return `toStartOfInterval(toDateTime(${args[0].trim()}), INTERVAL ${secs} second)`;
  },
};

/** End (exclusive) of the quoted region opening at i, or -1 when s[i] opens none. */
function quotedEnd(s: string, i: number): number {
  const c = s[i];
  if (c === "'" || c === '"' || c === '`') {
    let j = i + 1;
    while (j < s.length) {
      if (s[j] === '\\') {
        j += 2;
      } else if (s[j] === c) {
        if (s[j + 1] !== c) {
          return j + 1;
        }
        j += 2;
      } else {
        j++;
      }
    }
    return s.length;
  }
  if (c === '$') {
    const tag = /^\$[A-Za-z0-9_]*\$/.exec(s.slice(i));
    const close = tag ? s.indexOf(tag[0], i + tag[0].length) : -1;
    return close < 0 ? -1 : close + tag![0].length;
  }
  return -1;
}

/** Comments become spaces of the same length, so a macro in a comment never runs (as macropro). */
function stripComments(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const q = quotedEnd(s, i);
    if (q > 0) {
      out += s.slice(i, q);
      i = q;
      continue;
    }
    let end = -1;
    if (s.startsWith('--', i)) {
      const nl = s.slice(i).search(/[\r\n]/);
      end = nl < 0 ? s.length : i + nl;
    } else if (s.startsWith('/*', i)) {
      const close = s.indexOf('*/', i + 2);
      end = close < 0 ? s.length : close + 2;
    }
    if (end >= 0) {
      out += ' '.repeat(end - i);
      i = end;
    } else {
      out += s[i++];
    }
  }
  return out;
}

/** Index of the ')' closing the '(' at open, skipping quoted regions; -1 when unbalanced. */
function closingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const q = quotedEnd(s, i);
    if (q > 0) {
      i = q - 1;
    } else if (s[i] === '(') {
      depth++;
    } else if (s[i] === ')' && --depth === 0) {
      return i;
    }
  }
  return -1;
}

function splitArgs(raw: string): string[] {
  if (raw.trim() === '') {
    return [];
  }
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const q = quotedEnd(raw, i);
    if (q > 0) {
      i = q - 1;
    } else if (raw[i] === '(') {
      depth++;
    } else if (raw[i] === ')') {
      depth--;
    } else if (raw[i] === ',' && depth === 0) {
      args.push(raw.slice(start, i).trim());
      start = i + 1;
    }
  }
  args.push(raw.slice(start).trim());
  return args;
}

const MACRO_TOKEN = /\$__([A-Za-z0-9_]+)/y;

/** Expands macros left to right; arguments first, so a macro inside another's arguments works. */
function expand(s: string, ctx: MacroContext): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const q = quotedEnd(s, i);
    if (q > 0) {
      out += s.slice(i, q);
      i = q;
      continue;
    }
    MACRO_TOKEN.lastIndex = i;
    const m = MACRO_TOKEN.exec(s);
    const fn = m ? MACROS[m[1]] : undefined;
    if (!m || !fn) {
      out += m ? m[0] : s[i];
      i += m ? m[0].length : 1;
      continue;
    }
    let after = i + m[0].length;
    let args: string[] = [];
    if (s[after] === '(') {
      const close = closingParen(s, after);
      if (close > 0) {
        args = splitArgs(expand(s.slice(after + 1, close), ctx));
        after = close + 1;
      }
    }
    out += fn(ctx, args);
    i = after;
  }
  return out;
}

/**
 * The SQL the ClickHouse datasource sends for rawSql over ctx. Throws, naming the macro, when a
 * macro gets the wrong number of arguments.
 */
export function expandMacros(rawSql: string, ctx: MacroContext): string {
  return expand(stripComments(rawSql), ctx);
}

/**
 * $__conditionalAll(condition, $var): '1=1' when the variable selects all values (or nothing),
 * the condition otherwise. Runs before template variables are replaced, as in the plugin's
 * frontend; selectsAll answers for a variable name.
 */
export function expandConditionalAll(rawSql: string, selectsAll: (variable: string) => boolean): string {
  const token = '$__conditionalAll(';
  let sql = rawSql;
  for (let at = sql.lastIndexOf(token); at >= 0; at = sql.lastIndexOf(token, at - 1)) {
    const open = at + token.length - 1;
    const close = closingParen(sql, open);
    const args = close > 0 ? splitArgs(sql.slice(open + 1, close)) : [];
    if (args.length !== 2) {
      throw new Error(`$__conditionalAll expects (condition, $variable), got "${sql.slice(at, close + 1)}"`);
    }
    const variable = /\$\{(\w+)[}:]|\$(\w+)/.exec(args[1]);
    const phrase = variable && selectsAll(variable[1] ?? variable[2]) ? '1=1' : args[0];
    sql = sql.slice(0, at) + phrase + sql.slice(close + 1);
    if (at === 0) {
      break;
    }
  }
  return sql;
}
