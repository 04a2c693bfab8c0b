import { columnNames, tables, type IngestRows, type IngestTable } from '../shared/schema';
import { writeIpv6 } from './ipv6Bytes';

/**
 * Rows as a ClickHouse Native block, for the embedded store's insert (clientStore.ts): the column
 * count and row count, then each column in schema.ts order as its name, its type and all its values
 * in the type's binary form. A LowCardinality(String) column travels as one: the batch's own
 * dictionary, then a small index per row, so chDB maps a few hundred keys into the part's
 * dictionary instead of hashing every row's label, and the encoder writes an index where it copied
 * the label's bytes. Into `connections` with its views, per row of chDB's CPU: RowBinary with
 * LowCardinality 7.0 µs (change 4), RowBinary with String 4.0, Native with String 3.7 (change 6),
 * Native with LowCardinality 3.3 (bench/insertStages.ts --only formats; docs/BENCHMARKS.md,
 * change 10). A RowBinary LowCardinality value is added to the dictionary one at a time, which is
 * why change 4's files cost the most. The encoder of a table is compiled once
 * from its column types. It is strict where the JSON text path was lenient:
 * ClickHouse wraps 300 into a UInt8 as 44 and 2^64 into a UInt64 as 0, and stores a number sent
 * for a String as its text; here each of those throws, naming the table, column, row and value, so
 * nothing wrong is stored silently. A missing (undefined or null) value is an error too, except in
 * a column a later migration added (schema.ts `added`), where the JSON path's null stored the
 * type's default, and so does this.
 */

/** One column's growing bytes, kept between encode calls. */
class Output {
  buf: Buffer;
  pos = 0;

  constructor(bytes: number) {
    this.buf = Buffer.allocUnsafe(bytes);
  }

  ensure(bytes: number): void {
    if (this.pos + bytes > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
  }

  /** Empty again, for the next batch. */
  reset(): void {
    this.pos = 0;
  }

  /** The column's data as Native carries it. */
  chunks(): Buffer[] {
    return [this.buf.subarray(0, this.pos)];
  }

  /** Memory kept between calls. */
  retainedBytes(): number {
    return this.buf.length;
  }
}

/** Thrown by a column's writer; the encoder adds the table, column, row and value. */
class BadValue extends Error {}

type WriteValue = (out: Output, value: unknown) => void;

interface ColumnCodec {
  readonly write: WriteValue;
  /** Writes the type's default, as ClickHouse stores it for a null in JSON text. */
  readonly writeDefault: (out: Output) => void;
  /** The output it writes into, when not a plain Output. */
  readonly output?: new (bytes: number) => Output;
}

export interface NativeColumn {
  readonly name: string;
  readonly type: string;
  readonly added?: boolean;
}

const TWO_32 = 2 ** 32;

function writeUInt32At(buf: Buffer, at: number, v: number): void {
  buf[at] = v;
  buf[at + 1] = v >>> 8;
  buf[at + 2] = v >>> 16;
  buf[at + 3] = v >>> 24;
}

/** A safe integer as 8 bytes little-endian; negative ones as two's complement (Int64). */
function writeSafeInt64(out: Output, v: number): void {
  out.ensure(8);
  writeUInt32At(out.buf, out.pos, v >>> 0);
  writeUInt32At(out.buf, out.pos + 4, Math.floor(v / TWO_32) | 0);
  out.pos += 8;
}

function zeros(bytes: number): (out: Output) => void {
  return (out) => {
    out.ensure(bytes);
    // A loop: Buffer.fill over a few bytes costs more in the call than in the filling.
    for (let i = 0; i < bytes; i++) {
      out.buf[out.pos++] = 0;
    }
  };
}

const dateTime64: ColumnCodec = {
  write(out, v) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
      throw new BadValue('expected epoch milliseconds, a whole number');
    }
    writeSafeInt64(out, v);
  },
  writeDefault: zeros(8),
};

/** Decimal text of a UInt64: 1 to 20 digits. Checked only to word an error; the writer validates as it reads. */
const UINT64_TEXT = /^[0-9]{1,20}$/;

/**
 * 1 to 20 decimal digits as 8 bytes little-endian, in one pass that also validates, without
 * BigInt (which allocated per row and cost the encoder its GC pauses). The digits before the last
 * nine and the last nine are each exact doubles (hi < 10^11), and hi * 10^9 + lo is put together
 * from pieces that stay exact. False when the text is not 1 to 20 digits or passes 2^64-1. Every
 * connections row has a 16 to 20 digit connection_id, ~0.33 µs a row of the encoder's ~1.3 through
 * the regex test and four-limb loop this replaced; the encoder now takes ~1.15 (docs/BENCHMARKS.md,
 * change 13).
 */
function writeDecimalUInt64(out: Output, text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 20) {
    return false;
  }
  const split = n > 9 ? n - 9 : 0;
  let hi = 0;
  for (let i = 0; i < split; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) {
      return false;
    }
    hi = hi * 10 + d;
  }
  let lo = 0;
  for (let i = split; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) {
      return false;
    }
    lo = lo * 10 + d;
  }
  // hi = hiHigh * 2^16 + the rest, so hi * 10^9 + lo = a * 2^16 + b; then a = aHigh * 2^16 + the
  // rest, so the value is aHigh * 2^32 + c. Every product and sum stays below 2^53.
  const hiHigh = Math.floor(hi / 0x10000);
  const a = hiHigh * 1e9;
  const b = (hi - hiHigh * 0x10000) * 1e9 + lo;
  const aHigh = Math.floor(a / 0x10000);
  const c = (a - aHigh * 0x10000) * 0x10000 + b;
  const cHigh = Math.floor(c / TWO_32);
  const high = aHigh + cHigh;
  if (high >= TWO_32) {
    return false;
  }
  out.ensure(8);
  writeUInt32At(out.buf, out.pos, c - cHigh * TWO_32);
  writeUInt32At(out.buf, out.pos + 4, high);
  out.pos += 8;
  return true;
}

const uint64: ColumnCodec = {
  write(out, v) {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) {
        throw new BadValue('expected a whole number from 0 to 2^53-1, or a decimal string up to 2^64-1');
      }
      writeSafeInt64(out, v);
      return;
    }
    if (typeof v !== 'string' || !writeDecimalUInt64(out, v)) {
      throw new BadValue(
        typeof v === 'string' && UINT64_TEXT.test(v)
          ? 'expected at most 2^64-1 (18446744073709551615)'
          : 'expected a whole number, or a decimal string up to 2^64-1'
      );
    }
  },
  writeDefault: zeros(8),
};

function unsigned(bytes: 1 | 2 | 4): ColumnCodec {
  const max = 2 ** (bytes * 8) - 1;
  const expected = `expected a whole number from 0 to ${max}`;
  return {
    write(out, v) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
        throw new BadValue(expected);
      }
      out.ensure(bytes);
      const { buf, pos } = out;
      buf[pos] = v;
      if (bytes > 1) {
        buf[pos + 1] = v >>> 8;
      }
      if (bytes > 2) {
        buf[pos + 2] = v >>> 16;
        buf[pos + 3] = v >>> 24;
      }
      out.pos += bytes;
    },
    writeDefault: zeros(bytes),
  };
}

const bool: ColumnCodec = {
  write(out, v) {
    if (v !== true && v !== false && v !== 0 && v !== 1) {
      throw new BadValue('expected true, false, 0 or 1');
    }
    out.ensure(1);
    out.buf[out.pos++] = v === true || v === 1 ? 1 : 0;
  },
  writeDefault: zeros(1),
};

const ENUM_MEMBER = /'((?:[^'\\]|\\.)*)'\s*=\s*(-?\d+)\s*(?:,\s*|$)/y;

/** `'a' = 1, 'b' = 2`: the members as written in schema.ts; anything else is refused at compile time. */
function parseEnumMembers(body: string, type: string): Map<string, number> {
  const members = new Map<string, number>();
  ENUM_MEMBER.lastIndex = 0;
  while (ENUM_MEMBER.lastIndex < body.length) {
    const at = ENUM_MEMBER.lastIndex;
    const m = ENUM_MEMBER.exec(body);
    if (m === null || m.index !== at) {
      throw new Error(`nativeFormat: cannot read the members of ${type} at "${body.slice(at)}"`);
    }
    const value = Number(m[2]);
    if (value < -128 || value > 127) {
      throw new Error(`nativeFormat: ${type} member '${m[1]}' = ${value} is outside Int8`);
    }
    members.set(m[1].replace(/\\(.)/g, '$1'), value);
  }
  if (members.size === 0) {
    throw new Error(`nativeFormat: ${type} has no members`);
  }
  return members;
}

function enum8(type: string, body: string): ColumnCodec {
  const members = parseEnumMembers(body, type);
  const expected = `expected one of ${[...members.keys()].map((k) => `'${k}'`).join(', ')}`;
  // ClickHouse's default of an Enum is its smallest value.
  const smallest = Math.min(...members.values());
  return {
    write(out, v) {
      const value = typeof v === 'string' ? members.get(v) : undefined;
      if (value === undefined) {
        throw new BadValue(expected);
      }
      out.ensure(1);
      out.buf[out.pos++] = value & 0xff;
    },
    writeDefault(out) {
      out.ensure(1);
      out.buf[out.pos++] = smallest & 0xff;
    },
  };
}

const ipv6: ColumnCodec = {
  write(out, v) {
    out.ensure(16);
    if (typeof v !== 'string' || !writeIpv6(v, out.buf, out.pos)) {
      throw new BadValue("expected an IPv4 or IPv6 address as text (e.g. '10.0.0.1', '2001:db8::1')");
    }
    out.pos += 16;
  },
  writeDefault: zeros(16),
};

function writeVarUInt(out: Output, n: number): void {
  const { buf } = out;
  while (n >= 0x80) {
    buf[out.pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[out.pos++] = n;
}

/**
 * A String value's bytes, copied every time: no cache of encoded strings. The values that repeat,
 * the labels, are LowCardinality dictionaries since change 10 (DictionaryOutput below); plain
 * String columns (metadata ids, DNS answers) seldom repeat within a batch. When the labels were
 * String too, a bounded Map cache measured slower than this loop: 3.8 µs a row (5.4 by
 * Buffer.copy) against 3.4, on 200k connections rows fresh from JSON.parse, medians of three runs.
 */
const writeString: WriteValue = (out, v) => {
  if (typeof v !== 'string') {
    throw new BadValue('expected a string');
  }
  const n = v.length;
  if (n < 128) {
    out.ensure(1 + 3 * n);
    const buf = out.buf;
    let p = out.pos + 1;
    let i = 0;
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80) {
        break;
      }
      buf[p++] = c;
    }
    if (i === n) {
      buf[out.pos] = n;
      out.pos = p;
      return;
    }
  }
  const bytes = Buffer.byteLength(v, 'utf8');
  out.ensure(5 + bytes);
  writeVarUInt(out, bytes);
  out.pos += out.buf.write(v, out.pos, bytes, 'utf8');
};

const stringCodec: ColumnCodec = { write: writeString, writeDefault: zeros(1) };

/**
 * A LowCardinality(String) column as Native carries it: the batch's own dictionary ('' first, as
 * ClickHouse writes it, so a missing value is index 0), then each row's index into it.
 */
class DictionaryOutput extends Output {
  readonly index = new Map<string, number>();
  indexes = new Uint32Array(4096);
  rows = 0;
  /** The prefix and the index bytes of chunks(), kept like the dictionary's own bytes between batches. */
  private readonly head = new Output(32);
  private readonly tail = new Output(4096);

  override reset(): void {
    super.reset();
    this.rows = 0;
    this.index.clear();
    this.index.set('', 0);
    writeString(this, '');
  }

  /** The serialization prefix, index type and sizes, the dictionary, then the indexes. */
  override chunks(): Buffer[] {
    const keys = this.index.size;
    const indexType = keys <= 0x100 ? 0 : keys <= 0x10000 ? 1 : 2; // UInt8, UInt16, UInt32
    const width = 1 << indexType;
    const { head, tail } = this;
    head.reset();
    writeSafeInt64(head, 1); // SharedDictionariesWithAdditionalKeys
    writeSafeInt64(head, 0x600 | indexType); // HasAdditionalKeysBit | NeedUpdateDictionary
    writeSafeInt64(head, keys);
    tail.reset();
    tail.ensure(8 + this.rows * width);
    writeSafeInt64(tail, this.rows);
    const { buf, pos } = tail;
    const ix = this.indexes;
    if (width === 1) {
      // Every index is below 256 here, so the typed copy's truncation to a byte keeps it whole.
      buf.set(ix.subarray(0, this.rows), pos);
    } else if (width === 2) {
      for (let i = 0; i < this.rows; i++) {
        buf[pos + 2 * i] = ix[i];
        buf[pos + 2 * i + 1] = ix[i] >>> 8;
      }
    } else {
      for (let i = 0; i < this.rows; i++) {
        writeUInt32At(buf, pos + 4 * i, ix[i]);
      }
    }
    tail.pos += this.rows * width;
    return [head.buf.subarray(0, head.pos), ...super.chunks(), tail.buf.subarray(0, tail.pos)];
  }

  override retainedBytes(): number {
    return super.retainedBytes() + this.indexes.byteLength + this.tail.retainedBytes();
  }

  push(key: number): void {
    if (this.rows === this.indexes.length) {
      const next = new Uint32Array(this.indexes.length * 2);
      next.set(this.indexes);
      this.indexes = next;
    }
    this.indexes[this.rows++] = key;
  }
}

const lowCardinalityString: ColumnCodec = {
  write(out, v) {
    const d = out as DictionaryOutput;
    let key = d.index.get(v as string);
    if (key === undefined) {
      if (typeof v !== 'string') {
        throw new BadValue('expected a string');
      }
      key = d.index.size;
      d.index.set(v, key);
      writeString(d, v);
    }
    d.push(key);
  },
  writeDefault(out) {
    (out as DictionaryOutput).push(0);
  },
  output: DictionaryOutput,
};

/** An Array column's two parts in Native: each row's end offset (UInt64), then all the elements. */
class ArrayOutput extends Output {
  readonly offsets = new Output(64);
  total = 0;

  override reset(): void {
    super.reset();
    this.offsets.reset();
    this.total = 0;
  }

  override chunks(): Buffer[] {
    return [...this.offsets.chunks(), ...super.chunks()];
  }

  override retainedBytes(): number {
    return super.retainedBytes() + this.offsets.retainedBytes();
  }
}

const arrayOfStrings: ColumnCodec = {
  write(out, v) {
    if (!Array.isArray(v)) {
      throw new BadValue('expected an array of strings');
    }
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] !== 'string') {
        throw new BadValue(`expected an array of strings; element ${i} is not one`);
      }
      writeString(out, v[i]);
    }
    const array = out as ArrayOutput;
    array.total += v.length;
    writeSafeInt64(array.offsets, array.total);
  },
  writeDefault(out) {
    const array = out as ArrayOutput;
    writeSafeInt64(array.offsets, array.total);
  },
  output: ArrayOutput,
};

/** The codec of one column type; a type the ingest tables do not use is refused here, at compile time. */
function codecFor(type: string): ColumnCodec {
  switch (type) {
    case "DateTime64(3, 'UTC')":
      return dateTime64;
    case 'UInt64':
      return uint64;
    case 'UInt32':
      return unsigned(4);
    case 'UInt16':
      return unsigned(2);
    case 'UInt8':
      return unsigned(1);
    case 'Bool':
      return bool;
    case 'IPv6':
      return ipv6;
    case 'String':
      return stringCodec;
    case 'LowCardinality(String)':
      return lowCardinalityString;
    case 'Array(String)':
      return arrayOfStrings;
  }
  const enumBody = /^Enum8\((.*)\)$/.exec(type);
  if (enumBody !== null) {
    return enum8(type, enumBody[1]);
  }
  throw new Error(`nativeFormat: no encoder for type ${type}; expected one of the ingest tables' types`);
}

function describe(value: unknown): string {
  if (value === undefined) {
    return 'undefined';
  }
  const text = typeof value === 'bigint' ? `${value}n` : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

type EncodeRows = (
  rows: ReadonlyArray<Record<string, unknown>>,
  outs: readonly Output[],
  write: readonly WriteValue[],
  missing: ReadonlyArray<(out: Output) => void>,
  at: { row: number; column: number }
) => void;

/**
 * The row loop, generated once per column list so that each value is a named property read
 * (`row["ts"]`): the same read with a computed key costs ~1 µs a row of 39 columns, as much as the
 * encoding itself. Rows are read once, in order, each value going to its column's own output.
 * Only column names from schema.ts (JSON-quoted) and indexes go into the code.
 */
function compileRowLoop(names: readonly string[]): EncodeRows {
  const perColumn = names
    .map(
      (name, k) =>
        `at.column = ${k}; v = row[${JSON.stringify(name)}]; ` +
        `if (v === undefined || v === null) missing[${k}](outs[${k}]); else write[${k}](outs[${k}], v);`
    )
    .join('\n');
  return new Function(
    'rows',
    'outs',
    'write',
    'missing',
    'at',
    `let v;\nfor (let r = 0; r < rows.length; r++) {\nconst row = rows[r];\nat.row = r;\n${perColumn}\n}`
  ) as EncodeRows;
}

/** A string as Native writes it: LEB128 length, then UTF-8. */
function stringBytes(text: string): Buffer {
  const out = new Output(5 + Buffer.byteLength(text));
  writeString(out, text);
  return out.buf.subarray(0, out.pos);
}

/**
 * Encodes rows as one Native block and hands its bytes to `consume`, whose result it returns, as
 * chunks to write one after another (fs.writevSync). The chunks are the encoder's own buffers,
 * reused by its next call, so they are valid only inside `consume`: copy them to keep them. Fresh
 * buffers per 50k-row batch were ~20 MB of V8 external memory that set off a full GC of the agent's
 * heap every other batch: 200k synthetic rows took ~3.5 µs a row that way, ~1.9 reused.
 */
export type NativeEncode<Row> = <R>(rows: readonly Row[], consume: (chunks: readonly Buffer[]) => R) => R;

/** Buffers larger than this are not kept between calls (an odd huge batch would pin its memory). */
const KEEP_BUFFER_MAX_BYTES = 64 * 1024 * 1024;

/** The encoder of any column list: nativeEncoder's, and the unit tests' own columns. */
export function encoderForColumns(
  label: string,
  columns: readonly NativeColumn[]
): NativeEncode<Record<string, unknown>> {
  const codecs = columns.map((c) => codecFor(c.type));
  const write = codecs.map((c) => c.write);
  const missing = columns.map((c, k) =>
    c.added === true
      ? codecs[k].writeDefault
      : () => {
          throw new BadValue(`missing; expected a value`);
        }
  );
  const headers = columns.map((c) => Buffer.concat([stringBytes(c.name), stringBytes(c.type)]));
  const loop = compileRowLoop(columns.map((c) => c.name));
  const fresh = () => codecs.map((c) => new (c.output ?? Output)(4096));
  let kept: Output[] | undefined;
  return (rows, consume) => {
    // Taken, not shared: a `consume` that encodes again (re-entrant) gets outputs of its own.
    const outs = kept ?? fresh();
    kept = undefined;
    for (const out of outs) {
      out.reset();
    }
    const at = { row: 0, column: 0 };
    try {
      try {
        loop(rows, outs, write, missing, at);
      } catch (e) {
        if (!(e instanceof BadValue)) {
          throw e;
        }
        const c = columns[at.column];
        const value = rows[at.row][c.name];
        throw new Error(`${label}.${c.name}, row ${at.row}: ${describe(value)}; ${e.message} (${c.type})`);
      }
      const block = new Output(20);
      writeVarUInt(block, columns.length);
      writeVarUInt(block, rows.length);
      const chunks: Buffer[] = [block.buf.subarray(0, block.pos)];
      outs.forEach((out, k) => {
        chunks.push(headers[k], ...out.chunks());
      });
      return consume(chunks);
    } finally {
      // Back for the next call, a refused batch's included.
      if (outs.every((out) => out.retainedBytes() <= KEEP_BUFFER_MAX_BYTES)) {
        kept = outs;
      }
    }
  };
}

function columnsOf(table: IngestTable): NativeColumn[] {
  const defs = tables[table].columns as Record<string, { type: string; added?: boolean }>;
  return columnNames(table).map((name) => ({ name, type: defs[name].type, added: defs[name].added }));
}

const encoders = new Map<IngestTable, NativeEncode<Record<string, unknown>>>();

/** The Native encoder of an ingest table, columns in columnNames(table) order; compiled once. */
export function nativeEncoder<T extends IngestTable>(table: T): NativeEncode<IngestRows[T]> {
  let encoder = encoders.get(table);
  if (encoder === undefined) {
    encoder = encoderForColumns(table, columnsOf(table));
    encoders.set(table, encoder);
  }
  return encoder as unknown as NativeEncode<IngestRows[T]>;
}

/**
 * The structure argument of file(..., 'Native', structure) that reads what the encoder wrote:
 * `name Type, ...` in the same order, with the types the block carries (the table's own).
 * Raw SQL text: quote it as a string literal before use.
 */
export function nativeStructure(table: IngestTable): string {
  return columnsOf(table)
    .map((c) => `${c.name} ${c.type}`)
    .join(', ');
}
