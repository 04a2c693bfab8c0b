import type { BuiltQuery, ParamValue } from './query';

/**
 * The one way a value becomes SQL text. Builders never call it: they bind typed placeholders and
 * let the server parse values. It exists for consumers that cannot bind (the Grafana ClickHouse
 * datasource takes plain SQL), through inlineParams below.
 */
export function quoteLiteral(value: ParamValue): string {
  if (typeof value === 'string') {
    return quoteString(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new Error(`quoteLiteral: expected a finite number, got ${value}`);
    }
    return String(value);
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  return `[${value.map((v: string | number) => quoteLiteral(v)).join(', ')}]`;
}

/**
 * ClickHouse string literal. Backslash and quote are escaped, and every control character becomes
 * \xHH so that NUL, newlines or a terminal escape cannot end a line in a log or confuse a parser.
 * `$` and `[` become \xHH too: Grafana's template service replaces `$var`, `${var}` and `[[var]]`
 * anywhere in a datasource query's text, string literals included, so a value carrying them would
 * otherwise be rewritten after it was quoted.
 */
function quoteString(s: string): string {
  const body = s.replace(/[\\'\u0000-\u001f\u007f$[]/g, (ch) =>
    ch === '\\' || ch === "'" ? `\\${ch}` : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`
  );
  return `'${body}'`;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}/g;

/**
 * Renders a BuiltQuery as plain SQL. Each placeholder becomes CAST(literal AS Type) so the value
 * keeps the type the builder chose (an IPv6 compare, an Int64 timestamp) exactly as when bound.
 * One pass over the builder's text: values are never rescanned, so a value that looks like a
 * placeholder stays a string.
 */
export function inlineParams(query: BuiltQuery): string {
  return query.sql.replace(PLACEHOLDER, (_match, name: string, type: string) => {
    if (!Object.prototype.hasOwnProperty.call(query.params, name)) {
      throw new Error(`inlineParams: placeholder {${name}:${type}} has no value in params`);
    }
    return `CAST(${quoteLiteral(query.params[name])} AS ${type})`;
  });
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * A database name someone configured (the app's config page, a CLI flag). Identifiers cannot be
 * bound as parameters, so instead of quoting arbitrary text this admits only plain names, which
 * need no quoting at all.
 */
export function databaseIdentifier(name: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new Error(
      `database ${JSON.stringify(name)}: expected a plain ClickHouse name (letters, digits, _; not starting with a digit; at most 64)`
    );
  }
  return name;
}
