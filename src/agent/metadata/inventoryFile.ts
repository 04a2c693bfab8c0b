import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { parseCidr, parseIp } from './ipAddress';
import { TEXT_FIELDS, type InventoryEntry, type InventoryMatch, type PartialMetadata } from './metadataRecords';

/**
 * The static inventory: YAML that describes what Kubernetes does not (hosts, external services,
 * plain containers). Pure: text in, entries or every mistake out, each mistake naming the file,
 * line, column and field and saying what was expected. The schema is in docs/metadata.md:
 *
 *   entries:
 *     - cidr: 10.20.0.0/16          # exactly one of ip, cidr, cgroup, cgroup_regex
 *       network: vpc-main
 *     - ip: 203.0.113.10
 *       name: payments.example.com
 */

/** Identity the agent reads from the kernel or Kubernetes, never from a file. */
const NOT_SETTABLE = new Set(['container_id', 'pod_id', 'ip', 'pod_uid']);
export const INVENTORY_FIELDS = ['name', ...TEXT_FIELDS.filter((f) => !NOT_SETTABLE.has(f))] as const;
const MATCH_KEYS = ['ip', 'cidr', 'cgroup', 'cgroup_regex'] as const;
type MatchKey = (typeof MATCH_KEYS)[number];
const MAX_ERRORS = 20;

export type InventoryParse = { ok: true; entries: InventoryEntry[] } | { ok: false; errors: string[] };

export function parseInventory(text: string, file: string): InventoryParse {
  const shape = shapeProblem(text, file);
  if (shape !== undefined) {
    return { ok: false, errors: [shape] };
  }
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  } catch (err) {
    // The yaml parser recurses per level of nesting; shapeProblem keeps that shallow, this is the backstop.
    return {
      ok: false,
      errors: [`${file}: not valid YAML: ${(err as Error).message}; expected a flat list of entries`],
    };
  }
  const errors: string[] = [];
  const at = (node: Node | null | undefined, offset = node?.range?.[0] ?? 0) => {
    const { line, col } = lines.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  for (const e of doc.errors) {
    errors.push(
      `${file}:${e.linePos?.[0].line ?? 1}:${e.linePos?.[0].col ?? 1}: not valid YAML: ${e.message.split('\n')[0]}`
    );
  }
  if (errors.length > 0) {
    return { ok: false, errors };
  }
  const root = doc.contents;
  const list = isMap(root) ? root.get('entries', true) : undefined;
  if (!isMap(root) || !isSeq(list)) {
    return { ok: false, errors: [`${at(root)}: expected a mapping with an 'entries' list at the top`] };
  }
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'entries' && key !== 'version') {
      errors.push(
        `${at(pair.key as Node)}: unknown top-level key '${key}'; expected 'entries' (and optionally 'version: 1')`
      );
    }
  }
  const entries: InventoryEntry[] = [];
  list.items.forEach((item, i) => {
    const where = `entries[${i}]`;
    if (!isMap(item)) {
      errors.push(`${at(item as Node)}: ${where}: expected a mapping like '- cidr: 10.0.0.0/8' with metadata fields`);
      return;
    }
    const errorsBefore = errors.length;
    const fields: Record<string, string> = {};
    let match: InventoryMatch | undefined;
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const value = pair.value as Node | null;
      const scalar = isScalar(value) && typeof value.value !== 'object' ? String(value.value) : undefined;
      const fail = (message: string) => errors.push(`${at(value ?? (pair.key as Node))}: ${where}.${key}: ${message}`);
      if (scalar === undefined || scalar === '') {
        fail('expected a non-empty text value');
      } else if ((MATCH_KEYS as readonly string[]).includes(key)) {
        if (match !== undefined) {
          fail(`an entry matches on exactly one of ${MATCH_KEYS.join(', ')}; it already has ${match.kind}`);
        }
        const parsed = parseMatch(key as MatchKey, scalar);
        if (typeof parsed === 'string') {
          fail(`${parsed}, got '${scalar}'`);
        } else {
          match ??= parsed;
        }
      } else if ((INVENTORY_FIELDS as readonly string[]).includes(key)) {
        fields[key] = scalar;
      } else {
        fail(`unknown field; expected one of ${[...MATCH_KEYS, ...INVENTORY_FIELDS].join(', ')}`);
      }
    }
    // Not by searching the errors for this entry's name: that is quadratic in a file of broken entries.
    if (match === undefined && errors.length === errorsBefore) {
      errors.push(`${at(item)}: ${where}: expected one of ${MATCH_KEYS.join(', ')} to say what it describes`);
    }
    if (match !== undefined) {
      entries.push({ match, fields: fields as PartialMetadata });
    }
  });
  if (errors.length > 0) {
    const more = errors.length > MAX_ERRORS ? [`... and ${errors.length - MAX_ERRORS} more`] : [];
    return { ok: false, errors: [...errors.slice(0, MAX_ERRORS), ...more] };
  }
  return { ok: true, entries };
}

/**
 * Limits checked in one pass before the YAML parser runs: its time grows faster than the input
 * with deep nesting (55,000 '[' took 9 s) and with the number of errors (its composer: 20,000 bad
 * lines 1.2 s, 40,000 4 s), and it recurses per level (a line of 5,000 nested 'a: b: ...'
 * overflowed the stack). An inventory is a list of short entries, far inside them.
 */
const MAX_INVENTORY_CHARS = 4 * 1024 * 1024;
const MAX_LINES = 20_000;
const MAX_LINE_CHARS = 4096;
const MAX_FLOW_DEPTH = 32;

function shapeProblem(text: string, file: string): string | undefined {
  if (text.length > MAX_INVENTORY_CHARS) {
    return `${file}: ${text.length} characters; expected an inventory of at most ${MAX_INVENTORY_CHARS} (split it, or use CIDR entries)`;
  }
  let line = 1;
  let lineStart = 0;
  let depth = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || i === text.length) {
      if (i - lineStart > MAX_LINE_CHARS) {
        return `${file}:${line}: line of ${i - lineStart} characters; expected at most ${MAX_LINE_CHARS}`;
      }
      if (++line > MAX_LINES && i < text.length) {
        return `${file}: more than ${MAX_LINES} lines; expected a shorter inventory (describe networks by CIDR rather than every host)`;
      }
      lineStart = i + 1;
    } else if (c === 91 || c === 123) {
      // [ and {, quoted ones included: a value with 32 unclosed brackets is no inventory either.
      if (++depth > MAX_FLOW_DEPTH) {
        return `${file}:${line}: brackets nested deeper than ${MAX_FLOW_DEPTH}; expected a flat list of entries`;
      }
    } else if ((c === 93 || c === 125) && depth > 0) {
      depth--;
    }
  }
  return undefined;
}

/** The match, or what was expected. */
function parseMatch(key: MatchKey, text: string): InventoryMatch | string {
  switch (key) {
    case 'ip':
      return parseIp(text) === undefined ? 'expected an IPv4 or IPv6 address such as 192.0.2.10' : { kind: 'ip', text };
    case 'cidr':
      return parseCidr(text) === undefined || !text.includes('/')
        ? 'expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32'
        : { kind: 'cidr', text };
    case 'cgroup':
      return { kind: 'cgroup', text, pattern: globPattern(text) };
    case 'cgroup_regex':
      try {
        return { kind: 'cgroup', text, pattern: new RegExp(text) };
      } catch (err) {
        return `expected a JavaScript regular expression (${(err as Error).message})`;
      }
  }
}

/** `*` and `?` stay within one path segment, `**` crosses them; the whole path or id must match. */
function globPattern(glob: string): RegExp {
  const body = glob
    .split('**')
    .map((part) =>
      part
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
    )
    .join('.*');
  return new RegExp(`^${body}$`);
}
