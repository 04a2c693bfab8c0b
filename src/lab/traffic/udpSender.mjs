// UDP sender with exact ground truth. Options (one JSON argument):
//   { host, port, localAddress, count, size: bytes per datagram, connected?: connect() first
//     instead of sendto, echo?: ask for and wait for each echo, replyTimeoutMs?, comm? }
// Prints one {"event":"flow",...} line with the datagrams and bytes this side sent and received.
// With echo the exchange is lock-step, so neither side's receive buffer can overflow.
import dgram from 'node:dgram';
import net from 'node:net';
import { emit, endpoint, fail, nameProcess, readOptions } from './wire.mjs';

const opts = readOptions('udpSender');
const comm = opts.comm ?? 'nm-udp-sender';
nameProcess(comm);
if (!Number.isInteger(opts.size) || opts.size < 1 || opts.size > 65_000) {
  fail(`udpSender: size ${opts.size}: expected an integer number of bytes in [1, 65000]`);
}

const socket = dgram.createSocket(net.isIPv6(opts.host) ? 'udp6' : 'udp4');
await new Promise((resolve) => socket.bind(0, opts.localAddress, resolve));
if (opts.connected) {
  await new Promise((resolve) => socket.connect(opts.port, opts.host, resolve));
}
const payload = Buffer.alloc(opts.size, '.');
payload[0] = (opts.echo ? 'e' : 'd').charCodeAt(0);
const truth = { datagramsSent: 0, bytesSent: 0, datagramsReceived: 0, bytesReceived: 0 };
let replied = () => undefined;
socket.on('message', (msg) => {
  truth.datagramsReceived++;
  truth.bytesReceived += msg.length;
  replied();
});

const startedAtMs = Date.now();
for (let i = 0; i < opts.count; i++) {
  const reply = opts.echo ? new Promise((resolve) => (replied = resolve)) : undefined;
  await new Promise((resolve, reject) => {
    const done = (err) => (err ? reject(err) : resolve());
    opts.connected ? socket.send(payload, done) : socket.send(payload, opts.port, opts.host, done);
  }).catch((err) => fail(`udpSender: send to [${opts.host}]:${opts.port}: ${err.message}`));
  truth.datagramsSent++;
  truth.bytesSent += payload.length;
  if (reply) {
    const timeoutMs = opts.replyTimeoutMs ?? 2_000;
    const timer = setTimeout(
      () => fail(`udpSender: no echo of datagram ${i + 1} from [${opts.host}]:${opts.port} within ${timeoutMs} ms`),
      timeoutMs
    );
    await reply;
    clearTimeout(timer);
  }
}
const local = endpoint(opts.localAddress, socket.address().port);
emit({
  event: 'flow',
  protocol: 'udp',
  side: 'sender',
  comm,
  connected: Boolean(opts.connected),
  local,
  remote: endpoint(opts.host, opts.port),
  ...truth,
  startedAtMs,
  endedAtMs: Date.now(),
});
socket.close();
