// TCP client with exact ground truth. Options (one JSON argument):
//   { host, port, localAddress, upload: bytes, download: bytes, durationMs?: spread the upload over
//     this long (a paced, long-lived connection), ending?: 'fin' | 'reset', connectTimeoutMs?, comm? }
// Sends the 16-byte header and the upload, reads exactly `download` bytes, then closes with FIN or
// aborts with RST. Prints one {"event":"connection",...} line: endpoints, bytes this side sent and
// received, timing, and the outcome: ok | refused | timeout | reset.
// The local port is chosen here and bound before connecting, so a failed connect still reports it.
import net from 'node:net';
import { HEADER_BYTES, encodeHeader, emit, endpoint, fail, nameProcess, readOptions, writeBytes } from './wire.mjs';
import { setTimeout as sleep } from 'node:timers/promises';

const opts = readOptions('tcpClient');
const comm = opts.comm ?? 'nm-tcp-client';
nameProcess(comm);
const ending = opts.ending ?? 'fin';
const PACE_STEP_MS = 100;
const OUTCOME_BY_CODE = { ECONNREFUSED: 'refused', ETIMEDOUT: 'timeout', ECONNRESET: 'reset', EPIPE: 'reset' };

/** Resolves with the socket once connected, or with the failure's outcome. */
function connect(localPort) {
  return new Promise((resolve) => {
    const socket = net.connect({
      host: opts.host,
      port: opts.port,
      localAddress: opts.localAddress,
      localPort,
      allowHalfOpen: true,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ outcome: 'timeout', error: `no answer within ${opts.connectTimeoutMs} ms` });
    }, opts.connectTimeoutMs ?? 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({ socket });
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: err.code, outcome: OUTCOME_BY_CODE[err.code], error: err.message });
    });
  });
}

async function connectFromFreePort() {
  for (let attempt = 0; attempt < 20; attempt++) {
    const localPort = 20_000 + Math.floor(Math.random() * 40_000);
    const result = await connect(localPort);
    if (result.code !== 'EADDRINUSE' && result.code !== 'EADDRNOTAVAIL') {
      return { ...result, localPort };
    }
  }
  fail('tcpClient: no free local port after 20 attempts');
}

async function upload(socket) {
  const steps = Math.max(1, Math.floor((opts.durationMs ?? 0) / PACE_STEP_MS));
  const perStep = Math.ceil(opts.upload / steps);
  for (let left = opts.upload; left > 0; left -= perStep) {
    await writeBytes(socket, Math.min(perStep, left));
    if (steps > 1) {
      await sleep(PACE_STEP_MS);
    }
  }
}

const startedAtMs = Date.now();
const attempt = await connectFromFreePort();
const truth = {
  event: 'connection',
  protocol: 'tcp',
  side: 'client',
  comm,
  local: endpoint(opts.localAddress, attempt.localPort),
  remote: endpoint(opts.host, opts.port),
  bytesSent: 0,
  bytesReceived: 0,
  startedAtMs,
};
if (!attempt.socket) {
  if (!attempt.outcome) {
    fail(`tcpClient: connect to [${opts.host}]:${opts.port} failed: ${attempt.error}`);
  }
  emit({ ...truth, outcome: attempt.outcome, error: attempt.error, endedAtMs: Date.now() });
  process.exit(0);
}

const socket = attempt.socket;
const connectedAtMs = Date.now();
let outcome = ending === 'reset' ? 'reset' : 'ok';
let error;
const closed = new Promise((resolve) => socket.once('close', resolve));
const downloaded = new Promise((resolve, reject) => {
  if (opts.download === 0) {
    resolve();
  }
  socket.on('data', (chunk) => {
    truth.bytesReceived += chunk.length;
    if (truth.bytesReceived === opts.download) {
      resolve();
    } else if (truth.bytesReceived > opts.download) {
      reject(new Error(`received ${truth.bytesReceived} bytes, expected ${opts.download}`));
    }
  });
  socket.once('end', () => reject(new Error(`server closed after ${truth.bytesReceived} of ${opts.download} bytes`)));
});
socket.on('error', (err) => {
  outcome = OUTCOME_BY_CODE[err.code] ?? 'error';
  error = err.message;
});
try {
  socket.write(encodeHeader(opts.upload, opts.download));
  await upload(socket);
  truth.bytesSent = HEADER_BYTES + opts.upload;
  await downloaded;
} catch (err) {
  fail(`tcpClient: [${opts.host}]:${opts.port}: ${err.message}${error ? ` (${error})` : ''}`);
}
if (ending === 'reset') {
  socket.resetAndDestroy();
} else {
  socket.end();
}
await closed;
emit({ ...truth, outcome, error, connectedAtMs, endedAtMs: Date.now() });
