import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * For tests: a stand-in for Vector's node-tier http_server source on 127.0.0.1, told how to answer
 * each request. It keeps what a deduplicating receiver would keep — rows by (X-Netmon-Batch, _seq),
 * counted once however often they arrive — and every request it saw, with its time.
 */

/**
 * 'ok' 200; 'fail' 500; 'busy' 429; 'reject' 400; 'stall' never answers; 'lose-answer' takes the
 * rows and then cuts the connection, as when an acknowledgement is lost on the way back.
 */
export type Answer = 'ok' | 'fail' | 'busy' | 'reject' | 'stall' | 'lose-answer';

export interface ReceivedRequest {
  at: number;
  path: string;
  token: string | undefined;
  node: string | undefined;
  contentType: string | undefined;
  rows: Array<Record<string, unknown>>;
  answer: Answer;
}

export class TestVectorEndpoint {
  /** Decides each answer; change it between phases of a test. */
  answer: (req: ReceivedRequest) => Answer = () => 'ok';
  readonly requests: ReceivedRequest[] = [];
  /** Rows delivered, by `${token}/${_seq}`: the receiving end after dedupe. */
  readonly delivered = new Map<string, Record<string, unknown>>();
  /** Rows that arrived again after they had been delivered (dropped by the dedupe). */
  replayedRows = 0;
  maxInFlight = 0;
  private inFlight = 0;
  private server: Server | undefined;
  private port = 0;

  static async start(): Promise<TestVectorEndpoint> {
    const endpoint = new TestVectorEndpoint();
    await endpoint.up();
    return endpoint;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens (again, on the same port after down()). */
  async up(): Promise<void> {
    const server = createServer((req, res) => {
      // A client that gives up mid-body makes reading the body throw ('aborted'): that request
      // never arrived. Unhandled, the rejection would fail whichever test runs at the moment.
      this.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts every connection: connects are refused until up(). */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.on('close', () => this.inFlight--);
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const request: ReceivedRequest = {
      at: Date.now(),
      path: req.url ?? '',
      token: header(req, 'x-netmon-batch'),
      node: header(req, 'x-netmon-node'),
      contentType: header(req, 'content-type'),
      rows: body
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
      answer: 'ok',
    };
    request.answer = this.answer(request);
    this.requests.push(request);
    switch (request.answer) {
      case 'ok':
        this.deliver(request);
        res.end();
        return;
      case 'lose-answer':
        this.deliver(request);
        res.destroy();
        return;
      case 'fail':
        res.writeHead(500).end('sink clickhouse_connections: connection refused\n');
        return;
      case 'busy':
        res.writeHead(429).end('too many requests\n');
        return;
      case 'reject':
        res.writeHead(400).end('Failed decoding body: expected value at line 1 column 1\n');
        return;
      case 'stall':
        return;
    }
  }

  private deliver(request: ReceivedRequest): void {
    for (const row of request.rows) {
      const key = `${request.token}/${String(row._seq)}`;
      if (this.delivered.has(key)) {
        this.replayedRows++;
      } else {
        this.delivered.set(key, row);
      }
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
