// TCP server with exact ground truth. Options (one JSON argument):
//   { addresses: string[], port?: number (0 = pick), comm?: string }
// Per connection: reads a 16-byte header (upload, download), then the upload, writes `download`
// bytes back, and closes after the client does. Prints {"event":"listening","port"} once, then one
// {"event":"connection",...} line per closed connection with what THIS side sent and received.
// Closing stdin stops accepting; connections still open after a grace period are destroyed and
// reported with outcome 'error', so a stop never hangs on a peer that vanished.
import net from 'node:net';
import {
  HEADER_BYTES,
  decodeHeader,
  emit,
  endpoint,
  fail,
  nameProcess,
  readOptions,
  untilStdinEnds,
  writeBytes,
} from './wire.mjs';

const opts = readOptions('tcpServer');
const comm = opts.comm ?? 'nm-tcp-server';
nameProcess(comm);

const STOP_GRACE_MS = 3_000;
const open = new Set();

function serve(socket) {
  open.add(socket);
  const startedAtMs = Date.now();
  const local = endpoint(socket.localAddress, socket.localPort);
  const remote = endpoint(socket.remoteAddress, socket.remotePort);
  let received = 0;
  let sent = 0;
  let header = Buffer.alloc(0);
  let replying = false;
  let outcome = 'ok';
  let error;
  socket.on('data', (chunk) => {
    received += chunk.length;
    if (header.length < HEADER_BYTES) {
      header = Buffer.concat([header, chunk.subarray(0, HEADER_BYTES - header.length)]);
    }
    if (header.length < HEADER_BYTES || replying) {
      return;
    }
    const { upload, download } = decodeHeader(header);
    if (received >= HEADER_BYTES + upload) {
      replying = true;
      // Counted once all of it is with the kernel; only a client that resets mid-reply (none of
      // the lab's do) would make this count short.
      writeBytes(socket, download).then(
        () => (sent = download),
        () => undefined
      );
    }
  });
  socket.on('end', () => socket.end());
  socket.on('error', (err) => {
    outcome = err.code === 'ECONNRESET' ? 'reset' : 'error';
    error = err.message;
  });
  socket.on('close', () => {
    open.delete(socket);
    emit({
      event: 'connection',
      protocol: 'tcp',
      side: 'server',
      comm,
      local,
      remote,
      bytesSent: sent,
      bytesReceived: received,
      outcome,
      error,
      startedAtMs,
      endedAtMs: Date.now(),
    });
  });
}

const servers = [];
let port = opts.port ?? 0;
for (const host of opts.addresses) {
  const server = net.createServer({ allowHalfOpen: true }, serve);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, ipv6Only: net.isIPv6(host) }, resolve);
  }).catch((err) => fail(`tcpServer: cannot listen on [${host}]:${port}: ${err.message}`));
  port = server.address().port;
  servers.push(server);
}
emit({ event: 'listening', protocol: 'tcp', comm, port, addresses: opts.addresses });

await untilStdinEnds();
for (const server of servers) {
  server.close();
}
setTimeout(() => {
  for (const socket of open) {
    socket.destroy(new Error('still open when the server stopped'));
  }
}, STOP_GRACE_MS).unref();
