import { connect, createServer, type Socket } from 'node:net';

/**
 * The capture benchmark's load: short TCP connections on loopback, each one connect, a small
 * request, a small reply, close. The server closes first, so TIME_WAIT lands on its side and the
 * client's ephemeral ports are free again at once; otherwise 28k ports would cap the rate at a few
 * hundred connections a second.
 *
 *   node --import tsx bench/shortConnectionLoad.ts server
 *     prints {"event":"listening","port":N}, serves until stdin closes.
 *   node --import tsx bench/shortConnectionLoad.ts client '{"port":N,"concurrency":C,"warmupMs":W,"seconds":S}'
 *     runs C connect loops; prints {"event":"measuring"} after W ms, then
 *     {"event":"done","connections":n,"errors":e,"elapsedMs":t,"attempted":a}: n and e counted over
 *     the next S seconds, a over the whole run.
 *
 * Measured on the 2-core benchmark machine (one server, one client process, 4 s): concurrency 1:
 * 4,700/s, 4: 5,400/s, 8: 6,500/s, 16: 5,700-6,300/s, 32: 4,500/s, 64: 4,000/s; two clients of 8:
 * 5,800/s together. One client of 8 is the default: beyond that the two processes already hold
 * both cores and more loops only add scheduling.
 */

export const REQUEST_BYTES = 64;
export const REPLY_BYTES = 64;
const HOST = '127.0.0.1';

export interface ClientOptions {
  port: number;
  concurrency: number;
  warmupMs: number;
  seconds: number;
}

export interface LoadResult {
  event: 'done';
  /** Completed within the measured window. */
  connections: number;
  errors: number;
  elapsedMs: number;
  /** Every connection attempted, warm-up and tail included: what a capture should have seen. */
  attempted: number;
}

function serve(): void {
  const reply = Buffer.alloc(REPLY_BYTES, 0x72);
  const server = createServer((socket) => {
    let seen = 0;
    socket.on('data', (chunk) => {
      seen += chunk.length;
      if (seen >= REQUEST_BYTES) {
        socket.end(reply);
      }
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen({ host: HOST, port: 0, backlog: 4096 }, () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    process.stdout.write(`${JSON.stringify({ event: 'listening', port })}\n`);
  });
  process.stdin.resume();
  process.stdin.on('end', () => server.close(() => process.exit(0)));
}

function oneConnection(port: number, request: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    let received = 0;
    const socket: Socket = connect({ host: HOST, port }, () => socket.write(request));
    socket.on('data', (chunk) => (received += chunk.length));
    socket.on('error', () => resolve(false));
    socket.on('close', (hadError) => resolve(!hadError && received === REPLY_BYTES));
  });
}

async function drive(opts: ClientOptions): Promise<void> {
  const request = Buffer.alloc(REQUEST_BYTES, 0x71);
  const measureFrom = Date.now() + opts.warmupMs;
  let measureUntil = Number.POSITIVE_INFINITY;
  let connections = 0;
  let errors = 0;
  let attempted = 0;
  let startedAt = 0;
  let measuring = false;
  const startTimer = setTimeout(
    () => {
      measuring = true;
      startedAt = Date.now();
      measureUntil = startedAt + opts.seconds * 1000;
      process.stdout.write(`${JSON.stringify({ event: 'measuring' })}\n`);
    },
    Math.max(0, measureFrom - Date.now())
  );

  const loop = async (): Promise<void> => {
    while (Date.now() < measureUntil) {
      attempted++;
      const ok = await oneConnection(opts.port, request);
      if (measuring && Date.now() < measureUntil) {
        if (ok) {
          connections++;
        } else {
          errors++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  clearTimeout(startTimer);
  const result: LoadResult = { event: 'done', connections, errors, elapsedMs: opts.seconds * 1000, attempted };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function clientOptions(text: string | undefined): ClientOptions {
  const o = JSON.parse(text ?? '{}') as Partial<ClientOptions>;
  for (const key of ['port', 'concurrency', 'warmupMs', 'seconds'] as const) {
    if (typeof o[key] !== 'number' || !(o[key] >= 0)) {
      throw new Error(`shortConnectionLoad client: option ${key} must be a number >= 0, got ${JSON.stringify(o[key])}`);
    }
  }
  return o as ClientOptions;
}

if (require.main === module) {
  const [mode, options] = process.argv.slice(2);
  if (mode === 'server') {
    serve();
  } else if (mode === 'client') {
    void drive(clientOptions(options));
  } else {
    process.stderr.write(
      'usage: shortConnectionLoad.ts server | client \'{"port":N,"concurrency":C,"warmupMs":W,"seconds":S}\'\n'
    );
    process.exit(64);
  }
}
