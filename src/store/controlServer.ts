/**
 * The control socket of the process that owns an embedded data dir: other netmon processes send
 * it Store calls, because chDB allows only one process per data dir (see dataDirLock.ts).
 *
 * Protocol: newline-delimited JSON over a Unix socket in the data dir. Each request carries an id
 * chosen by the client; responses come back in completion order with the same id, so one
 * connection can have many requests in flight.
 *   → {"id":1,"op":"query","sql":"SELECT 1","params":{}}
 *   ← {"id":1,"ok":true,"result":[{"1":1}]}   or   {"id":1,"ok":false,"error":"Code: 62. ..."}
 * A line longer than the bound, or one that is not a valid request, gets an error response with
 * the request's id when it can be read (null otherwise); an over-long line also ends the connection,
 * since the rest of it cannot be told apart from the next request.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { INGEST_TABLES, type IngestTable } from '../shared/schema';
import type { QueryParams } from '../shared/sql/query';
import type { ResultFormat, Store } from './store';

export const SOCKET_FILE = 'netmon.sock';
/** Insert batches travel as one line; this bounds the memory one client can make the owner hold. */
export const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

const RESULT_FORMATS: readonly ResultFormat[] = [
  'JSONEachRow',
  'TabSeparatedWithNames',
  'PrettyCompactMonoBlock',
  'JSON',
];

export type ControlOp =
  | { op: 'query'; sql: string; params?: QueryParams }
  | { op: 'queryText'; sql: string; format: ResultFormat; params?: QueryParams }
  | { op: 'command'; sql: string; params?: QueryParams }
  | { op: 'insert'; table: IngestTable; rows: unknown[]; dedupToken?: string };
export type ControlRequest = ControlOp & { id: number };
export type ControlResponse =
  { id: number; ok: true; result?: unknown } | { id: number | null; ok: false; error: string };

/**
 * Unix socket paths are limited to 107 bytes; a deep data dir is reached by a path relative to
 * the working directory when that one fits.
 */
export function controlSocketAddress(dataDir: string, cwd = process.cwd()): string {
  const absolute = join(dataDir, SOCKET_FILE);
  if (Buffer.byteLength(absolute) <= 107) {
    return absolute;
  }
  const rel = relative(cwd, absolute);
  if (Buffer.byteLength(rel) <= 107) {
    return rel;
  }
  throw new Error(
    `the control socket path ${absolute} is longer than the 107 bytes Unix sockets allow; use a shorter --data-dir`
  );
}

/** Splits a byte stream into lines, refusing to buffer more than `maxBytes` for one line. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  /** The complete lines in `chunk` (plus what came before it); throws once a line is too long. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      this.append(chunk.subarray(start, nl));
      lines.push(Buffer.concat(this.parts).toString('utf8'));
      this.parts = [];
      this.size = 0;
      start = nl + 1;
    }
    this.append(chunk.subarray(start));
    return lines;
  }

  private append(bytes: Buffer): void {
    this.size += bytes.length;
    if (this.size > this.maxBytes) {
      throw new Error(`line exceeds ${this.maxBytes} bytes`);
    }
    if (bytes.length > 0) {
      this.parts.push(bytes);
    }
  }
}

/** Checks one request line; the error names what is wrong so a client author can fix it. */
export function parseRequest(line: string): ControlRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error('request is not JSON');
  }
  if (typeof value !== 'object' || value === null) {
    throw new Error('request must be a JSON object');
  }
  const r = value as Record<string, unknown>;
  if (typeof r.id !== 'number' || !Number.isInteger(r.id)) {
    throw new Error('request needs an integer "id"');
  }
  const params =
    r.params === undefined || isPlainObject(r.params)
      ? (r.params as QueryParams | undefined)
      : bad('"params" must be an object');
  switch (r.op) {
    case 'query':
    case 'command':
      return { id: r.id, op: r.op, sql: sqlOf(r), params };
    case 'queryText':
      if (!RESULT_FORMATS.includes(r.format as ResultFormat)) {
        bad(`"format" must be one of ${RESULT_FORMATS.join(', ')}`);
      }
      return { id: r.id, op: 'queryText', sql: sqlOf(r), format: r.format as ResultFormat, params };
    case 'insert':
      if (!INGEST_TABLES.includes(r.table as IngestTable)) {
        bad(`"table" must be one of ${INGEST_TABLES.join(', ')}`);
      }
      if (!Array.isArray(r.rows)) {
        bad('"rows" must be an array');
      }
      if (r.dedupToken !== undefined && typeof r.dedupToken !== 'string') {
        bad('"dedupToken" must be a string');
      }
      return {
        id: r.id,
        op: 'insert',
        table: r.table as IngestTable,
        rows: r.rows as unknown[],
        dedupToken: r.dedupToken as string | undefined,
      };
    default:
      return bad('"op" must be one of query, queryText, command, insert');
  }
}

function sqlOf(r: Record<string, unknown>): string {
  return typeof r.sql === 'string' ? r.sql : bad('"sql" must be a string');
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string): never {
  throw new Error(`bad request: ${message}`);
}

/** The id of a request that failed to parse, so its error can still be matched by the client. */
function idOf(line: string): number | null {
  try {
    const id = (JSON.parse(line) as { id?: unknown }).id;
    return typeof id === 'number' ? id : null;
  } catch {
    return null;
  }
}

async function dispatch(store: Store, req: ControlRequest): Promise<unknown> {
  switch (req.op) {
    case 'query':
      return store.query(req.sql, req.params);
    case 'queryText':
      return store.queryText(req.sql, req.format, req.params);
    case 'command':
      return store.command(req.sql, req.params);
    case 'insert':
      return store.insert(req.table, req.rows as never[], req.dedupToken);
  }
}

export interface ControlServer {
  /** Stops accepting, lets requests in flight finish, then drops the connections. */
  close(): Promise<void>;
}

/** Serves `store` on `address`. The caller owns the data dir lock, so a leftover socket file is ours to replace. */
export async function serveControlSocket(
  store: Store,
  address: string,
  maxRequestBytes = MAX_REQUEST_BYTES
): Promise<ControlServer> {
  const sockets = new Set<Socket>();
  const inFlight = new Set<Promise<void>>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A client that vanishes mid-request must not take the owner down.
    socket.on('error', () => socket.destroy());
    const splitter = new LineSplitter(maxRequestBytes);
    const reply = (res: ControlResponse) => {
      if (!socket.destroyed && socket.writable) {
        socket.write(`${JSON.stringify(res)}\n`);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      let lines: string[];
      try {
        lines = splitter.push(chunk);
      } catch (err) {
        reply({ id: null, ok: false, error: `request ${(err as Error).message}` });
        socket.end();
        return;
      }
      for (const line of lines) {
        const work = answer(store, line).then(reply);
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      }
    });
  });
  removeLeftover(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...inFlight]);
      for (const socket of sockets) {
        socket.destroy();
      }
      await closed;
    },
  };
}

async function answer(store: Store, line: string): Promise<ControlResponse> {
  let req: ControlRequest;
  try {
    req = parseRequest(line);
  } catch (err) {
    return { id: idOf(line), ok: false, error: (err as Error).message };
  }
  try {
    return { id: req.id, ok: true, result: await dispatch(store, req) };
  } catch (err) {
    return { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

function removeLeftover(address: string): void {
  try {
    unlinkSync(address);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw err;
    }
  }
}
