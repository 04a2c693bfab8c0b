/**
 * The probes a bpftrace program attaches, read from its text, so the supervisor can hold
 * bpftrace's "attached N probes" to the program's own count and preflight can check that every
 * tracepoint exists. bpftrace counts one probe per attach point per block: a block on two
 * tracepoints is two, and the same tracepoint in two blocks is two.
 *
 * This reads the top level only: comments, strings and preprocessor lines are skipped, blocks are
 * matched by braces, and the text before each block is its attach-point list (with an optional
 * /predicate/). Wildcards are refused, since only the kernel knows what they match.
 */

export interface Tracepoint {
  category: string;
  name: string;
}

/** Attach points of every block, in program order, one entry per probe bpftrace attaches. */
export function probesOfProgram(text: string): string[] {
  const probes: string[] = [];
  for (const header of blockHeaders(stripCommentsAndStrings(text))) {
    // Top-level struct/union/enum definitions are types, not probes.
    if (/^(struct|union|enum)\b/.test(header)) {
      continue;
    }
    for (const item of withoutPredicate(header).split(',')) {
      const probe = item.trim();
      if (probe === '') {
        throw new Error(`bpftrace program: expected an attach point before "{", got "${header}"`);
      }
      if (probe.includes('*') || probe.includes('?')) {
        throw new Error(
          `bpftrace program: "${probe}" is a wildcard; its probe count is known only to the kernel, so pass the expected count explicitly`
        );
      }
      probes.push(probe);
    }
  }
  return probes;
}

/** Distinct tracepoints the program attaches to (`tracepoint:cat:name` or `t:cat:name`). */
export function tracepointsOfProgram(text: string): Tracepoint[] {
  const seen = new Map<string, Tracepoint>();
  for (const probe of probesOfProgram(text)) {
    const parts = probe.split(':');
    if ((parts[0] === 'tracepoint' || parts[0] === 't') && parts.length === 3) {
      seen.set(`${parts[1]}:${parts[2]}`, { category: parts[1], name: parts[2] });
    }
  }
  return [...seen.values()];
}

/**
 * Blanks comments, string contents and preprocessor lines to spaces, keeping offsets, so a brace
 * or slash inside them cannot be mistaken for structure.
 */
function stripCommentsAndStrings(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|^[ \t]*#[^\n]*/gm, (m) =>
    m.startsWith('"') ? `"${' '.repeat(m.length - 2)}"` : m.replace(/[^\n]/g, ' ')
  );
}

/** The text before each top-level "{", trimmed. */
function blockHeaders(code: string): string[] {
  const headers: string[] = [];
  let depth = 0;
  let headerStart = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === '{') {
      if (depth === 0) {
        // A ';' may end a previous top-level definition (struct foo { ... };).
        headers.push(code.slice(headerStart, i).replace(/^[\s;]+/, '').trim());
      }
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth < 0) {
        throw new Error(`bpftrace program: unbalanced "}" at offset ${i}`);
      }
      if (depth === 0) {
        headerStart = i + 1;
      }
    }
  }
  if (depth !== 0) {
    throw new Error('bpftrace program: a "{" is never closed');
  }
  return headers;
}

/**
 * Attach points hold no spaces but may hold "/" (uprobe:/bin/bash:readline), so a predicate is
 * taken to start at the first "/" after whitespace.
 */
function withoutPredicate(header: string): string {
  const m = header.match(/^([\s\S]*?\S)\s+\/[\s\S]*\/$/);
  return m ? m[1] : header;
}
