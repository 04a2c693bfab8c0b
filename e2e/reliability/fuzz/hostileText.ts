import { seededRandom } from '../../../src/shared/seededRandom';

/**
 * Hostile text from a seeded PRNG, for the parsers that read what bpftrace prints and what a
 * person writes: mutations of real inputs (a value of a JSON array swapped for a wrong type, a
 * huge or negative number, NaN, an odd string; characters flipped, cut, spliced, repeated into
 * very long lines; tokens of the format dropped in) and random bytes. The same seed gives the
 * same inputs, so a failure is reproduced by its seed and index.
 */

export type Rng = () => number;

export { seededRandom };

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];
const between = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));

/** Characters that mean something to JSON or YAML, controls, and unicode that trips string handling. */
const SPECIAL_CHARS = [
  '"',
  '\\',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '-',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u0000',
  '\u0085',
  '\u2028',
  '\ud800',
  '\udfff',
  '\ufeff',
  'é',
  '𝕏',
  '\u202e',
  '#',
  '&',
  '*',
  '!',
  '|',
  '>',
  '%',
  '@',
  '`',
  "'",
  '?',
];

/** JSON values a field should never hold. */
const HOSTILE_VALUES: readonly unknown[] = [
  -1,
  0,
  -0,
  1.5,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 63),
  2 ** 64,
  1e308,
  -1e308,
  Number.MIN_VALUE,
  '',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '0x10',
  '__proto__',
  'constructor',
  '\u0000',
  '\ud800x',
  '::ffff:999.1.1.1',
  '10.0.0.256',
  'fe80::1%eth0',
  '1.2.3',
  'x'.repeat(70),
  'é'.repeat(40),
  null,
  true,
  false,
  [],
  {},
  [1, 2, 3],
  { a: 1 },
  { __proto__: null, toString: 1 },
];

/** Raw text that JSON.parse reads into numbers no field can hold, or cannot read at all. */
const RAW_NUMBERS = [
  '1e309',
  '-1e309',
  '18446744073709551616',
  '123456789012345678901234567890',
  '1e-400',
  '-0',
  '00',
  '+1',
  '.5',
  'NaN',
];

function deepNesting(rng: Rng, open: string, close: string): string {
  const depth = between(rng, 10, rng() < 0.1 ? 100_000 : 2_000);
  return open.repeat(depth) + close.repeat(rng() < 0.5 ? depth : between(rng, 0, depth));
}

/** Swaps one value of a JSON line's data array (or of any array or object in it) for a hostile one. */
function mutateJsonValue(rng: Rng, text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const containers: Array<Record<string, unknown> | unknown[]> = [];
  const walk = (v: unknown, depth: number) => {
    if (v !== null && typeof v === 'object' && depth < 4) {
      containers.push(v as Record<string, unknown>);
      Object.values(v).forEach((c) => walk(c, depth + 1));
    }
  };
  walk(doc, 0);
  if (containers.length === 0) {
    return undefined;
  }
  const target = pick(rng, containers);
  const keys = Object.keys(target);
  const roll = rng();
  if (Array.isArray(target) && roll < 0.15) {
    // Arity: a value more or fewer.
    if (rng() < 0.5) {
      target.splice(between(rng, 0, target.length), 0, pick(rng, HOSTILE_VALUES));
    } else {
      target.splice(between(rng, 0, Math.max(0, target.length - 1)), 1);
    }
  } else if (keys.length > 0) {
    (target as Record<string, unknown>)[pick(rng, keys)] = pick(rng, HOSTILE_VALUES);
  }
  const out = JSON.stringify(doc);
  // JSON.stringify cannot write these numbers: put them in as raw text.
  return rng() < 0.2 ? out.replace(/-?\d+(\.\d+)?/, pick(rng, RAW_NUMBERS)) : out;
}

function mutateText(rng: Rng, text: string, tokens: readonly string[], others: readonly string[]): string {
  const at = between(rng, 0, text.length);
  switch (between(rng, 0, 7)) {
    case 0: {
      const chars = [...text];
      for (let n = between(rng, 1, 4); n > 0 && chars.length > 0; n--) {
        chars[between(rng, 0, chars.length - 1)] = pick(rng, SPECIAL_CHARS);
      }
      return chars.join('');
    }
    case 1:
      return text.slice(0, at);
    case 2:
      return text.slice(0, at) + pick(rng, tokens) + text.slice(at);
    case 3: {
      const other = pick(rng, others);
      return text.slice(0, at) + other.slice(between(rng, 0, other.length));
    }
    case 4: {
      // A long line: a slice repeated to up to 4 kB, often to 64 kB, now and then to 2 MB.
      const slice = text.slice(at, at + between(rng, 1, 64)) || 'x';
      const roll = rng();
      const size = roll < 0.02 ? 2_000_000 : roll < 0.3 ? 64_000 : 4_000;
      return text.slice(0, at) + slice.repeat(between(rng, 2, Math.ceil(size / slice.length))) + text.slice(at);
    }
    case 5:
      return (
        text.slice(0, at) + (rng() < 0.5 ? deepNesting(rng, '[', ']') : deepNesting(rng, '{"a":', '}')) + text.slice(at)
      );
    case 6:
      return text.slice(0, at) + text.slice(at + between(rng, 1, 20));
    default:
      return text.replace(/\d+/, pick(rng, RAW_NUMBERS));
  }
}

function randomBytes(rng: Rng): string {
  const bytes = Buffer.alloc(between(rng, 0, 512));
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = Math.floor(rng() * 256);
  }
  return bytes.toString(rng() < 0.5 ? 'utf8' : 'latin1');
}

export interface HostileTextOptions {
  /** Real inputs to mutate. */
  seeds: readonly string[];
  /** Tokens of the format, dropped into the text. */
  tokens: readonly string[];
  /** Whole inputs made for this format (deep nesting, alias bombs), used as they are now and then. */
  specials?: readonly string[];
}

/** An endless seeded stream of hostile inputs. */
export function hostileTexts(seed: number, opts: HostileTextOptions): () => string {
  const rng = seededRandom(seed);
  const tokens = [...opts.tokens, ...RAW_NUMBERS, ...SPECIAL_CHARS];
  return () => {
    const roll = rng();
    if (roll < 0.05) {
      return randomBytes(rng);
    }
    if (roll < 0.07 && opts.specials && opts.specials.length > 0) {
      return pick(rng, opts.specials);
    }
    let text = pick(rng, opts.seeds);
    for (let n = between(rng, 1, 3); n > 0; n--) {
      text = (rng() < 0.5 ? mutateJsonValue(rng, text) : undefined) ?? mutateText(rng, text, tokens, opts.seeds);
    }
    return text;
  };
}
