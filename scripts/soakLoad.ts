import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
import { REPLY_BYTES, REQUEST_BYTES } from '../bench/shortConnectionLoad';

/**
 * The soak's paced load: short TCP connections to bench/shortConnectionLoad.ts's server at a fixed
 * rate, and DNS A questions to the lab's DNS server (src/lab/dnsServer.mjs) beside them. Paced, not
 * flat out like the capture benchmark: a soak measures growth at a steady rate, and a rate the
 * machine cannot hold would measure the machine instead.
 *
 *   node --import tsx scripts/soakLoad.ts '{"port":N,"rate":1000,"dnsPort":M,"dnsRate":100,"seconds":S}'
 *
 * Prints {"event":"started"}, then {"event":"progress",...} every 10 s and {"event":"done",...} at
 * the end, with connections completed, failed and skipped (the in-flight cap was reached: the machine fell behind), and DNS
 * questions sent and answered.
 */

interface LoadOptions {
  port: number;
  rate: number;
  dnsPort: number;
  dnsRate: number;
  seconds: number;
}

const HOST = '127.0.0.1';
const TICK_MS = 20;
/** Connections open at once before the pacer skips instead: a bound on the load's own memory. */
const MAX_IN_FLIGHT = 500;

function options(text: string | undefined): LoadOptions {
  const o = JSON.parse(text ?? '{}') as Partial<LoadOptions>;
  for (const key of ['port', 'rate', 'dnsPort', 'dnsRate', 'seconds'] as const) {
    if (typeof o[key] !== 'number' || !(o[key] >= 0)) {
      throw new Error(`soakLoad: option ${key} must be a number >= 0, got ${JSON.stringify(o[key])}`);
    }
  }
  return o as LoadOptions;
}

const counts = { event: 'progress', connections: 0, errors: 0, skipped: 0, dnsSent: 0, dnsAnswered: 0 };
let inFlight = 0;
const request = Buffer.alloc(REQUEST_BYTES, 0x71);

function oneConnection(port: number): void {
  inFlight++;
  let received = 0;
  const socket = connect({ host: HOST, port }, () => socket.write(request));
  socket.on('data', (chunk) => (received += chunk.length));
  socket.on('error', () => undefined);
  socket.on('close', (hadError) => {
    inFlight--;
    if (!hadError && received === REPLY_BYTES) {
      counts.connections++;
    } else {
      counts.errors++;
    }
  });
}

function main(): void {
  const opts = options(process.argv[2]);
  const dns = createSocket('udp4');
  dns.on('message', () => counts.dnsAnswered++);
  const startedAt = Date.now();
  process.stdout.write(`${JSON.stringify({ event: 'started' })}\n`);
  let tcpStarted = 0;
  let dnsStarted = 0;
  const tick = setInterval(() => {
    const elapsed = Date.now() - startedAt;
    for (const due = Math.floor((elapsed * opts.rate) / 1000); tcpStarted < due; tcpStarted++) {
      if (inFlight >= MAX_IN_FLIGHT) {
        counts.skipped++;
      } else {
        oneConnection(opts.port);
      }
    }
    for (const due = Math.floor((elapsed * opts.dnsRate) / 1000); dnsStarted < due; dnsStarted++) {
      const question = dnsPacket.encode({
        type: 'query',
        id: dnsStarted % 65536,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type: 'A', name: `ok-${dnsStarted % 5000}.soak.test` }],
      });
      dns.send(question, opts.dnsPort, HOST);
      counts.dnsSent++;
    }
  }, TICK_MS);
  const progress = setInterval(() => process.stdout.write(`${JSON.stringify(counts)}\n`), 10_000);
  setTimeout(() => {
    clearInterval(tick);
    clearInterval(progress);
    // The last connections and answers come in within a second on loopback.
    setTimeout(() => {
      process.stdout.write(`${JSON.stringify({ ...counts, event: 'done' })}\n`);
      dns.close();
    }, 1000);
  }, opts.seconds * 1000);
}

main();
