import { crc32 } from 'node:zlib';
import { INGEST_TABLES, type IngestTable } from '../../shared/schema';

/**
 * One batch as the disk spool stores it: a fixed 16-byte frame (magic, header length, body
 * length, CRC-32 of header and body), a small JSON header (table, token, row count) and the rows
 * as one JSON array. The frame says how long the record must be and the CRC says whether every
 * byte of it arrived, so a record cut short by a crash mid-write, or garbled on disk, is told
 * apart from a good one without trusting any of its content. The header is read on its own when
 * the spool opens, so loading a full spool does not parse its rows.
 */

const MAGIC = 0x3153_4d4e; // "NMS1" little-endian
const MAGIC_BYTES = Buffer.from('NMS1', 'latin1');
export const FRAME_BYTES = 16;

export interface RecordHeader {
  readonly table: IngestTable;
  readonly token: string;
  readonly rows: number;
}

/** The record's bytes, and where its body (the rows) starts within them. */
export function encodeRecord(header: RecordHeader, rows: readonly unknown[]): { bytes: Buffer; bodyOffset: number } {
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const body = Buffer.from(JSON.stringify(rows), 'utf8');
  const frame = Buffer.alloc(FRAME_BYTES);
  frame.writeUInt32LE(MAGIC, 0);
  frame.writeUInt32LE(head.length, 4);
  frame.writeUInt32LE(body.length, 8);
  frame.writeUInt32LE(crc32(body, crc32(head)), 12);
  return { bytes: Buffer.concat([frame, head, body]), bodyOffset: FRAME_BYTES + head.length };
}

export type DecodedRecord =
  | { kind: 'ok'; header: RecordHeader; bodyOffset: number; bodyLength: number; end: number }
  /** The bytes end before the record does: the last write was cut short. */
  | { kind: 'torn'; header: RecordHeader | undefined }
  /** Not a record, or its bytes do not match their checksum. */
  | { kind: 'corrupt'; header: RecordHeader | undefined };

/** Reads the record that starts at `offset` of `bytes` (a whole segment file). */
export function decodeRecord(bytes: Buffer, offset: number): DecodedRecord {
  if (bytes.length - offset < FRAME_BYTES) {
    return { kind: 'torn', header: undefined };
  }
  if (bytes.readUInt32LE(offset) !== MAGIC) {
    return { kind: 'corrupt', header: undefined };
  }
  const headLength = bytes.readUInt32LE(offset + 4);
  const bodyLength = bytes.readUInt32LE(offset + 8);
  const headStart = offset + FRAME_BYTES;
  const bodyOffset = headStart + headLength;
  const end = bodyOffset + bodyLength;
  const header = bodyOffset <= bytes.length ? parseHeader(bytes, headStart, bodyOffset) : undefined;
  if (end > bytes.length) {
    return { kind: 'torn', header };
  }
  const crc = crc32(bytes.subarray(bodyOffset, end), crc32(bytes.subarray(headStart, bodyOffset)));
  if (crc !== bytes.readUInt32LE(offset + 12) || header === undefined) {
    return { kind: 'corrupt', header };
  }
  return { kind: 'ok', header, bodyOffset, bodyLength, end };
}

/**
 * Where the next record may start after a damaged one at `offset`, or -1. Appends only ever tear
 * the end of a file, but a garbled record elsewhere should not cost the good ones behind it.
 */
export function nextRecordCandidate(bytes: Buffer, offset: number): number {
  return bytes.indexOf(MAGIC_BYTES, offset + 1);
}

/** The rows of a record whose body was read back from its offset. */
export function decodeRows(body: Buffer): unknown[] {
  return JSON.parse(body.toString('utf8')) as unknown[];
}

/** Undefined unless the header is whole and well-formed: a damaged record still says how many rows it lost when it can. */
function parseHeader(bytes: Buffer, start: number, end: number): RecordHeader | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8', start, end));
  } catch {
    return undefined;
  }
  const h = value as Partial<RecordHeader> | null;
  const valid =
    h !== null &&
    typeof h === 'object' &&
    (INGEST_TABLES as readonly unknown[]).includes(h.table) &&
    typeof h.token === 'string' &&
    Number.isSafeInteger(h.rows) &&
    (h.rows as number) >= 0;
  return valid ? (h as RecordHeader) : undefined;
}
