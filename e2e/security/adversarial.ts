/**
 * Adversarial strings for the injection test: quotes, backslashes, comment markers, NUL and other
 * control characters, newlines, Grafana variables and macros, placeholder look-alikes, unicode
 * (multi-byte, RTL, combining, emoji) and long runs, combined at random from a seed so a failure
 * can be replayed. No lone surrogates: they do not survive UTF-8, in ClickHouse or anywhere.
 */
const PIECES = [
  "'",
  "''",
  '"',
  '`',
  '\\',
  "\\'",
  '--',
  '-- ',
  '/*',
  '*/',
  '#',
  ';',
  '\u0000',
  '\n',
  '\r\n',
  '\t',
  '\u001b[31m',
  '\u007f',
  '$__timeFilter(ts)',
  '${src_namespace}',
  '[[dst_pod]]',
  '$__all',
  '{f0:String}',
  '{limit:UInt32}',
  "') OR 1=1 --",
  "'; DROP TABLE netmon.connections; --",
  ' UNION ALL SELECT ',
  '%27',
  '\\x27',
  'ü',
  '日本',
  '🙂',
  '\u202e',
  'e\u0301',
  'a',
  'web',
  ' ',
  '',
];

export function adversarialString(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 6);
  let s = '';
  for (let i = 0; i < n; i++) {
    s += PIECES[Math.floor(rand() * PIECES.length)];
  }
  // Now and then a long one: 1-3 KB.
  return rand() < 0.02 ? s.repeat(Math.ceil((1000 + rand() * 2000) / Math.max(1, s.length))) : s;
}

/** A near miss of a stored value: it must match nothing unless it happens to equal another. */
export function mutate(value: string, rand: () => number): string {
  const at = Math.floor(rand() * (value.length + 1));
  return value.slice(0, at) + PIECES[Math.floor(rand() * PIECES.length)] + value.slice(at);
}
