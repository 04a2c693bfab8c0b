// UDP receiver with exact ground truth. Options (one JSON argument):
//   { address, port?: number (0 = pick), comm? }
// Counts datagrams and bytes per peer and echoes every datagram whose first byte is 'e'. Prints
// {"event":"listening","port"}; when stdin closes, one {"event":"flow",...} line per peer, then exits.
import dgram from 'node:dgram';
import net from 'node:net';
import { emit, endpoint, fail, nameProcess, readOptions, untilStdinEnds } from './wire.mjs';

const opts = readOptions('udpReceiver');
const comm = opts.comm ?? 'nm-udp-recv';
nameProcess(comm);
const ECHO = 'e'.charCodeAt(0);

const socket = dgram.createSocket(net.isIPv6(opts.address) ? { type: 'udp6', ipv6Only: true } : { type: 'udp4' });
const peers = new Map();
socket.on('message', (msg, rinfo) => {
  const key = `${rinfo.address} ${rinfo.port}`;
  const peer = peers.get(key) ?? {
    remote: endpoint(rinfo.address, rinfo.port),
    datagramsReceived: 0,
    bytesReceived: 0,
    datagramsSent: 0,
    bytesSent: 0,
  };
  peers.set(key, peer);
  peer.datagramsReceived++;
  peer.bytesReceived += msg.length;
  if (msg[0] === ECHO) {
    peer.datagramsSent++;
    peer.bytesSent += msg.length;
    socket.send(msg, rinfo.port, rinfo.address);
  }
});
await new Promise((resolve, reject) => {
  socket.once('error', reject);
  socket.bind(opts.port ?? 0, opts.address, resolve);
}).catch((err) => fail(`udpReceiver: cannot bind [${opts.address}]:${opts.port}: ${err.message}`));
const local = endpoint(opts.address, socket.address().port);
emit({ event: 'listening', protocol: 'udp', comm, port: local.port, addresses: [opts.address] });

await untilStdinEnds();
for (const peer of peers.values()) {
  emit({ event: 'flow', protocol: 'udp', side: 'receiver', comm, local, ...peer });
}
socket.close();
