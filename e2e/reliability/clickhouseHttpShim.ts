import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { ChdbConnection } from 'chdb/connection';

/**
 * A ClickHouse server for the reliability tests, where no server binary exists: the HTTP interface
 * as @clickhouse/client speaks it (GET /ping; POST / with the SQL in the body, or, for an INSERT,
 * in the `query` URL parameter with the data as the body; settings and `param_*` as URL
 * parameters), answered by a chDB engine with the same settings. So `insert_deduplication_token`
 * is applied by ClickHouse itself, and a replayed batch really is deduplicated or really is not.
 *
 * The faults are the network's, driven by the test: `refuse()` closes the listener (connections
 * are refused, as from a server that is down), `accept()` listens again on the same port, and
 * `answersToLose` runs requests and then cuts the connection before the answer, as when a server
 * took an insert and the network lost the reply.
 */

type EngineSettings = NonNullable<Parameters<ChdbConnection['exec']>[0]['clickhouse_settings']>;

/** URL parameters the client sends that are not settings of the query. */
const NOT_SETTINGS = new Set([
  'query',
  'query_id',
  'database',
  'session_id',
  'session_timeout',
  'session_check',
  'role',
]);

export interface ShimCounts {
  /** INSERT requests run on the engine (answered or not). */
  inserts: number;
  /** Requests whose answer was cut off by answersToLose. */
  answersLost: number;
}

export class ClickHouseHttpShim {
  /** While above 0, each request runs on the engine and its connection is then destroyed unanswered (and this counts down). */
  answersToLose = 0;
  readonly counts: ShimCounts = { inserts: 0, answersLost: 0 };
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  private constructor(
    private readonly engine: ChdbConnection,
    readonly port: number
  ) {}

  /** Listens on 127.0.0.1 (`port` 0: any free port). */
  static async start(engine: ChdbConnection, port = 0): Promise<ClickHouseHttpShim> {
    const shim = new ClickHouseHttpShim(engine, port);
    await shim.accept();
    return shim;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get accepting(): boolean {
    return this.server !== undefined;
  }

  /** Listens (again) on the shim's port. */
  async accept(): Promise<void> {
    if (this.server) {
      return;
    }
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    (this as { port: number }).port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops open connections: from now on, connecting is refused. */
  async refuse(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) {
      return;
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://shim');
    if (req.method === 'GET' && url.pathname === '/ping') {
      res.end('Ok.\n');
      return;
    }
    let output: string;
    try {
      const body = await readBody(req);
      output = await this.run(url.searchParams, body);
    } catch (err) {
      this.answer(res, 500, errorText(err), { 'X-ClickHouse-Exception-Code': String(errorCode(err)) });
      return;
    }
    this.answer(res, 200, output, {});
  }

  private answer(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
    if (this.answersToLose > 0) {
      this.answersToLose--;
      this.counts.answersLost++;
      res.socket?.destroy();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Summary': '{}', ...headers });
    res.end(text);
  }

  private async run(params: URLSearchParams, body: string): Promise<string> {
    const settings: Record<string, string> = {};
    for (const [key, value] of params) {
      if (key.startsWith('param_')) {
        // A SET literal unescapes backslashes once; the HTTP parameter is already in the escaped text form.
        settings[key] = value.replace(/\\/g, '\\\\');
      } else if (!NOT_SETTINGS.has(key)) {
        settings[key] = value;
      }
    }
    // chDB's own copy of the client's settings type; every value here is text, as over HTTP.
    const clickhouse_settings = settings as EngineSettings;
    const inUrl = params.get('query');
    if (inUrl !== null && /^\s*INSERT\b/i.test(inUrl)) {
      this.counts.inserts++;
      await this.engine.insert({ query: inUrl, values: body, clickhouse_settings });
      return '';
    }
    const sql = inUrl === null ? body : `${inUrl}\n${body}`;
    const result = await this.engine.exec({ query: sql, clickhouse_settings });
    const chunks: Buffer[] = [];
    for await (const chunk of result.stream) {
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  return (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
}

function errorCode(err: unknown): number {
  const code = Number((err as { code?: unknown }).code);
  return Number.isSafeInteger(code) && code > 0 ? code : 1001;
}

/** The server's error text, which the client parses into a ClickHouseError with the same code and type. */
function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const type = (err as { type?: unknown }).type;
  return `Code: ${errorCode(err)}. DB::Exception: ${message}${typeof type === 'string' ? ` (${type})` : ''}. (version 26.7)\n`;
}
