// A DNS server for the lab with exact ground truth. Options (one JSON argument):
//   { address, port?: number (default 53), comm? }
// The first label of the question's name picks the answer: nx-* NXDOMAIN, fail-* SERVFAIL,
// silent-* no answer at all, anything else NOERROR with two A records (for A) or one AAAA (for
// AAAA), derived from the name so every asker of a name gets the same ones. Written by hand
// rather than with the agent's DNS library, so that the truth does not share its mistakes.
// Prints {"event":"listening","port"}, then one line per datagram as it happens:
//   {"event":"query","client","clientPort","id","qname","qtype"}        (every datagram received)
//   {"event":"response","client","clientPort","id","qname","qtype","rcode","answers"}   (each sent)
// and exits when stdin closes. Datagrams that are not a single DNS question are reported as
// {"event":"query","malformed":true,...} and not answered.
import dgram from 'node:dgram';
import net from 'node:net';
import { emit, fail, nameProcess, readOptions, untilStdinEnds } from './traffic/wire.mjs';

const opts = readOptions('dnsServer');
const comm = opts.comm ?? 'nm-dns-server';
nameProcess(comm);

const TYPE_A = 1;
const TYPE_AAAA = 28;
const TYPE_NAMES = { [TYPE_A]: 'A', [TYPE_AAAA]: 'AAAA' };
const RCODES = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 };
const TTL_SECONDS = 60;

/** { id, qname, qtype, questionEnd } of a query with one question, or undefined. */
function parseQuery(msg) {
  if (msg.length < 12 || (msg[2] & 0x80) !== 0 || msg.readUInt16BE(4) !== 1) {
    return undefined;
  }
  const labels = [];
  let i = 12;
  while (i < msg.length && msg[i] !== 0) {
    const n = msg[i];
    if (n > 63 || i + 1 + n > msg.length) {
      return undefined;
    }
    labels.push(msg.toString('latin1', i + 1, i + 1 + n).toLowerCase());
    i += 1 + n;
  }
  if (i + 5 > msg.length) {
    return undefined;
  }
  const qtype = msg.readUInt16BE(i + 1);
  return { id: msg.readUInt16BE(0), qname: labels.join('.'), qtype, questionEnd: i + 5 };
}

/** A small stable number from the name, so answers differ between names but not between askers. */
function nameHash(name) {
  let h = 0;
  for (const ch of name) {
    h = (h * 31 + ch.charCodeAt(0)) % 250;
  }
  return h + 1;
}

/** The rcode and answer addresses for a name, or undefined for a name that is never answered. */
function decide(qname, qtype) {
  const first = qname.split('.')[0];
  if (first.startsWith('silent-')) {
    return undefined;
  }
  if (first.startsWith('nx-')) {
    return { rcode: 'NXDOMAIN', answers: [] };
  }
  if (first.startsWith('fail-')) {
    return { rcode: 'SERVFAIL', answers: [] };
  }
  const h = nameHash(qname);
  if (qtype === TYPE_A) {
    return { rcode: 'NOERROR', answers: [`192.0.2.${h}`, `198.51.100.${h}`] };
  }
  if (qtype === TYPE_AAAA) {
    return { rcode: 'NOERROR', answers: [`2001:db8::${h.toString(16)}`] };
  }
  return { rcode: 'NOERROR', answers: [] };
}

/** The response: the query's id and question, QR and RA set, RD copied, answers by pointer to the question's name. */
function encodeResponse(msg, q, rcode, answers) {
  const header = Buffer.alloc(12);
  msg.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8000 | ((msg[2] & 0x01) << 8) | 0x0080 | RCODES[rcode], 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const records = answers.map((ip) => {
    const rdata = Buffer.from(net.isIPv4(ip) ? ip.split('.').map(Number) : ipv6Bytes(ip));
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(net.isIPv4(ip) ? TYPE_A : TYPE_AAAA, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(TTL_SECONDS, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, msg.subarray(12, q.questionEnd), ...records]);
}

/** 16 bytes of an IPv6 address written with at most one "::". */
function ipv6Bytes(ip) {
  const [head, tail = ''] = ip.split('::');
  const groups = (s) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = groups(tail);
  const all = [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

const socket = dgram.createSocket(net.isIPv6(opts.address) ? { type: 'udp6', ipv6Only: true } : { type: 'udp4' });
socket.on('message', (msg, rinfo) => {
  const peer = { client: rinfo.address, clientPort: rinfo.port };
  const q = parseQuery(msg);
  if (q === undefined) {
    emit({ event: 'query', ...peer, malformed: true, bytes: msg.length });
    return;
  }
  const question = { id: q.id, qname: q.qname, qtype: TYPE_NAMES[q.qtype] ?? String(q.qtype) };
  emit({ event: 'query', ...peer, ...question });
  const outcome = decide(q.qname, q.qtype);
  if (outcome !== undefined) {
    socket.send(encodeResponse(msg, q, outcome.rcode, outcome.answers), rinfo.port, rinfo.address);
    emit({ event: 'response', ...peer, ...question, ...outcome });
  }
});
await new Promise((resolve, reject) => {
  socket.once('error', reject);
  socket.bind(opts.port ?? 53, opts.address, resolve);
}).catch((err) => fail(`dnsServer: cannot bind [${opts.address}]:${opts.port ?? 53}: ${err.message}`));
emit({ event: 'listening', protocol: 'udp', comm, port: socket.address().port, address: opts.address });

await untilStdinEnds();
socket.close();
