import { open, readdir, readFile, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestTable } from '../../shared/schema';
import { acquireDataDirLock } from '../../store/dataDirLock';
import type { Batch, BatchSummary, PendingBatches } from './pendingBatches';
import { decodeRecord, decodeRows, encodeRecord, nextRecordCandidate, type RecordHeader } from './spoolRecord';

/**
 * The on-disk spool: batches appended to numbered segment files in one directory, each written and
 * fsynced before it counts as kept, so a batch the agent has handed over survives a crash or a
 * SIGKILL and is replayed after the restart with its original token (the store's dedup token,
 * Vector's dedupe key), which makes the replay of a batch that had landed harmless.
 *
 * Batches leave only from the front, so what has been acknowledged is one number: how many records
 * of the oldest segment are done (`acked.json`; segments before it are gone). That file is replaced
 * without an fsync: losing its last update replays batches already delivered, which their tokens
 * deduplicate. A segment is deleted once all its records are done.
 *
 * Bounded by the bytes of its files: past the bound the oldest batches are given up. Space comes
 * back a segment at a time, so a segment is a sixteenth of the bound (at most 64 MiB). Only the
 * headers are read when the spool opens; rows are read back one batch at a time when sent.
 */
export interface DiskPendingBatchesOptions {
  dir: string;
  maxBytes: number;
  /** Segment files are closed at this size. Default maxBytes / 16, at most 64 MiB. */
  segmentBytes?: number;
  log?: (line: string) => void;
}

const ACKED_FILE = 'acked.json';
const SEGMENT_NAME = /^(\d{12})\.seg$/;
const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;

interface Segment {
  readonly id: number;
  size: number;
  /** Good records in the file, acknowledged ones included. */
  records: number;
  acked: number;
}

interface Entry extends RecordHeader {
  readonly segment: Segment;
  readonly bodyOffset: number;
  readonly bodyLength: number;
  /** Read back (or kept from push) while this is the oldest batch. */
  batch?: Batch;
}

interface Acked {
  segment: number;
  records: number;
}

export class DiskPendingBatches implements PendingBatches {
  private readonly entries: Entry[] = [];
  private tail: { segment: Segment; file: FileHandle } | undefined;
  private rowCount = 0;
  private fileBytes = 0;
  private spooled = 0;

  private constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly segmentBytes: number,
    private readonly segments: Segment[],
    private nextSegmentId: number,
    readonly lostRows: number,
    private readonly releaseLock: () => void
  ) {}

  /** Takes the directory (one agent per spool), and loads the batches an earlier run left, oldest first. */
  static async open(opts: DiskPendingBatchesOptions): Promise<DiskPendingBatches> {
    if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes < 1) {
      throw new RangeError(`spool maxBytes: expected a positive whole number of bytes, got ${opts.maxBytes}`);
    }
    const segmentBytes = opts.segmentBytes ?? Math.max(1, Math.min(MAX_SEGMENT_BYTES, Math.floor(opts.maxBytes / 16)));
    const lock = acquireDataDirLock(opts.dir);
    if (lock.held) {
      throw new Error(
        `spool dir ${opts.dir} is in use by netmon pid ${lock.pid}; expected one agent per spool dir (pass another --spool-dir)`
      );
    }
    try {
      const loaded = await load(opts.dir, opts.log ?? (() => undefined));
      const spool = new DiskPendingBatches(
        opts.dir,
        opts.maxBytes,
        segmentBytes,
        loaded.segments,
        loaded.nextSegmentId,
        loaded.lostRows,
        lock.release
      );
      for (const entry of loaded.entries) {
        spool.entries.push(entry);
        spool.rowCount += entry.rows;
      }
      spool.fileBytes = loaded.segments.reduce((n, s) => n + s.size, 0);
      return spool;
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  async push(batch: Batch): Promise<BatchSummary[]> {
    const { bytes, bodyOffset } = encodeRecord(
      { table: batch.table, token: batch.token, rows: batch.rows.length },
      batch.rows
    );
    const evict = this.entriesToFree(bytes.length);
    const evicted = this.entries
      .slice(0, evict)
      .map((e): BatchSummary => ({ table: e.table, token: e.token, rowCount: e.rows }));
    if (evict > 0) {
      await this.acknowledge(evict);
    }
    const tail = await this.tailFor(bytes.length);
    const start = tail.segment.size;
    try {
      await tail.file.write(bytes, 0, bytes.length, start);
      await tail.file.datasync();
    } catch (err) {
      // A partial record would sit between good ones; cut it off (best effort) and report.
      await tail.file.truncate(start).catch(() => undefined);
      throw err;
    }
    tail.segment.size += bytes.length;
    tail.segment.records++;
    this.fileBytes += bytes.length;
    const entry: Entry = {
      table: batch.table,
      token: batch.token,
      rows: batch.rows.length,
      segment: tail.segment,
      bodyOffset: start + bodyOffset,
      bodyLength: bytes.length - bodyOffset,
    };
    this.entries.push(entry);
    this.rowCount += entry.rows;
    this.spooled += entry.rows;
    if (this.entries.length === 1) {
      // Usually sent right away: no need to read back what is still in hand.
      entry.batch = batch;
    }
    return evicted;
  }

  async peek(): Promise<Batch | undefined> {
    const entry = this.entries[0];
    if (entry === undefined || entry.batch !== undefined) {
      return entry?.batch;
    }
    const file = await open(segmentPath(this.dir, entry.segment.id), 'r');
    try {
      const body = Buffer.alloc(entry.bodyLength);
      await file.read(body, 0, body.length, entry.bodyOffset);
      entry.batch = { table: entry.table, token: entry.token, rows: decodeRows(body), attempts: 0 } as Batch;
    } finally {
      await file.close();
    }
    return entry.batch;
  }

  async shift(): Promise<void> {
    if (this.entries.length > 0) {
      await this.acknowledge(1);
    }
  }

  /** Nothing is lost at exit: the batches wait here for the next start. */
  abandon(): Promise<BatchSummary[]> {
    return Promise.resolve([]);
  }

  /** Closes the open segment and gives the directory up; what is pending stays for the next open. */
  async close(): Promise<void> {
    await this.tail?.file.close();
    this.tail = undefined;
    this.releaseLock();
  }

  get length(): number {
    return this.entries.length;
  }

  get rows(): number {
    return this.rowCount;
  }

  get bytes(): number {
    return this.fileBytes;
  }

  get spooledRows(): number {
    return this.spooled;
  }

  /**
   * How many of the oldest batches must go for `recordBytes` more to fit. Space comes back only
   * with a whole segment; the newest batch always stays, even alone above the bound, as in memory.
   */
  private entriesToFree(recordBytes: number): number {
    let freed = 0;
    let count = 0;
    while (this.fileBytes - freed + recordBytes > this.maxBytes && count < this.entries.length) {
      const segment = this.entries[count++].segment;
      if (count === this.entries.length || this.entries[count].segment !== segment) {
        freed += segment.size;
      }
    }
    return count;
  }

  /** Marks the oldest `count` batches done, records that, then deletes the segments they emptied. */
  private async acknowledge(count: number): Promise<void> {
    const emptied: Segment[] = [];
    for (const entry of this.entries.splice(0, count)) {
      this.rowCount -= entry.rows;
      const segment = entry.segment;
      segment.acked++;
      if (segment.acked === segment.records && segment !== this.tail?.segment) {
        emptied.push(segment);
      }
    }
    // The open segment goes too once everything is done, so an idle spool holds no files.
    if (this.entries.length === 0 && this.tail !== undefined) {
      emptied.push(this.tail.segment);
      await this.tail.file.close();
      this.tail = undefined;
    }
    for (const segment of emptied) {
      this.segments.splice(this.segments.indexOf(segment), 1);
    }
    const head = this.segments[0];
    await writeAcked(
      this.dir,
      head ? { segment: head.id, records: head.acked } : { segment: this.nextSegmentId, records: 0 }
    );
    for (const segment of emptied) {
      this.fileBytes -= segment.size;
      await unlink(segmentPath(this.dir, segment.id));
    }
  }

  /** The open segment, or a new one when it would grow past segmentBytes (a record is never split). */
  private async tailFor(recordBytes: number): Promise<{ segment: Segment; file: FileHandle }> {
    if (
      this.tail !== undefined &&
      (this.tail.segment.size === 0 || this.tail.segment.size + recordBytes <= this.segmentBytes)
    ) {
      return this.tail;
    }
    await this.tail?.file.close();
    const segment: Segment = { id: this.nextSegmentId++, size: 0, records: 0, acked: 0 };
    const file = await open(segmentPath(this.dir, segment.id), 'wx');
    // The new name must survive a crash along with the data written under it.
    await syncDir(this.dir);
    this.segments.push(segment);
    this.tail = { segment, file };
    return this.tail;
  }
}

function segmentPath(dir: string, id: number): string {
  return join(dir, `${String(id).padStart(12, '0')}.seg`);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAcked(dir: string, acked: Acked): Promise<void> {
  const tmp = join(dir, `${ACKED_FILE}.tmp`);
  await writeFile(tmp, JSON.stringify(acked));
  await rename(tmp, join(dir, ACKED_FILE));
}

/** What was acknowledged; nothing when the file is missing or unreadable (a replay is deduplicated downstream). */
async function readAcked(dir: string): Promise<Acked> {
  try {
    const value = JSON.parse(await readFile(join(dir, ACKED_FILE), 'utf8')) as Partial<Acked>;
    if (Number.isSafeInteger(value.segment) && Number.isSafeInteger(value.records)) {
      return value as Acked;
    }
  } catch {
    // Missing or torn: start from the oldest segment.
  }
  return { segment: 0, records: 0 };
}

interface Loaded {
  segments: Segment[];
  entries: Entry[];
  nextSegmentId: number;
  lostRows: number;
}

async function load(dir: string, log: (line: string) => void): Promise<Loaded> {
  const acked = await readAcked(dir);
  const ids = (await readdir(dir))
    .map((name) => SEGMENT_NAME.exec(name)?.[1])
    .filter((id): id is string => id !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const loaded: Loaded = {
    segments: [],
    entries: [],
    nextSegmentId: Math.max(acked.segment, ...ids, 0) + 1,
    lostRows: 0,
  };
  for (const id of ids) {
    const path = segmentPath(dir, id);
    if (id < acked.segment) {
      await unlink(path);
      continue;
    }
    const scan = scanSegment(await readFile(path));
    if (scan.damaged > 0) {
      loaded.lostRows += scan.damagedRows;
      log(
        `spool: skipped ${scan.damaged} damaged record(s) (${scan.damagedRows} rows) in ${path}: ` +
          'a write cut short by a crash, or a damaged disk'
      );
      // Rewritten with its good records only, so the loss is counted once.
      await writeFile(`${path}.tmp`, scan.good);
      await rename(`${path}.tmp`, path);
    }
    const segment: Segment = {
      id,
      size: scan.good.length,
      records: scan.records.length,
      acked: id === acked.segment ? Math.min(acked.records, scan.records.length) : 0,
    };
    if (segment.acked === segment.records) {
      await unlink(path);
      continue;
    }
    loaded.segments.push(segment);
    for (const record of scan.records.slice(segment.acked)) {
      loaded.entries.push({ ...record, segment });
    }
  }
  if (loaded.entries.length > 0) {
    const rows = loaded.entries.reduce((n, e) => n + e.rows, 0);
    log(
      `spool: ${loaded.entries.length} batches (${rows} rows) left by an earlier run are sent first, with their original tokens`
    );
  }
  return loaded;
}

interface Scan {
  /** The file's good records back to back, offsets as in `records`. */
  good: Buffer;
  records: Array<RecordHeader & { bodyOffset: number; bodyLength: number }>;
  damaged: number;
  damagedRows: number;
}

function scanSegment(bytes: Buffer): Scan {
  const scan: Scan = { good: bytes, records: [], damaged: 0, damagedRows: 0 };
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let inDamage = false;
  for (let offset = 0; offset < bytes.length;) {
    const record = decodeRecord(bytes, offset);
    if (record.kind === 'ok') {
      const { table, token, rows } = record.header;
      scan.records.push({
        table: table as IngestTable,
        token,
        rows,
        bodyOffset: keptBytes + (record.bodyOffset - offset),
        bodyLength: record.bodyLength,
      });
      kept.push(bytes.subarray(offset, record.end));
      inDamage = false;
      keptBytes += record.end - offset;
      offset = record.end;
      continue;
    }
    // One damaged stretch is one lost record, however many false starts the search finds in it.
    if (!inDamage) {
      scan.damaged++;
      scan.damagedRows += record.header?.rows ?? 0;
    }
    inDamage = true;
    const next = nextRecordCandidate(bytes, offset);
    offset = next < 0 ? bytes.length : next;
  }
  if (scan.damaged > 0) {
    scan.good = Buffer.concat(kept);
  }
  return scan;
}
