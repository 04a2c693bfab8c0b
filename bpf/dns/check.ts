/**
 * Holds dns.bt's output from bpf/dns/run.sh, parsed by the agent's own DnsPacketLines, to what
 * server.py received and sent. Exits non-zero on any mismatch.
 *
 *   node --import tsx bpf/dns/check.ts OUT_DIR POD_NETNS HOST_NETNS
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DnsPacketLines, type DnsPacket } from '../../src/agent/dns/dnsPacketLine';

interface Truth {
  kind: 'query' | 'response';
  bytes: string;
  server: string;
  server_port: number;
  client: string;
  client_port: number;
}

const [out, podNetns, hostNetns] = process.argv.slice(2);
const jsonl = <T>(file: string): T[] =>
  readFileSync(join(out, file), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);

const truth = jsonl<Truth>('truth.jsonl');
const askerOf = new Map<string, number>();
for (const a of jsonl<{ pid: number; names: string }>('askers.jsonl')) {
  a.names.split(',').forEach((name) => askerOf.set(name, a.pid));
}

const lines = new DnsPacketLines();
const packets: DnsPacket[] = [];
const malformed: string[] = [];
for (const line of readFileSync(join(out, 'bpftrace.jsonl'), 'utf8').split('\n')) {
  if (line === '') continue;
  const r = lines.parse(line);
  if (r.kind === 'packet') packets.push(r.packet);
  if (r.kind === 'malformed' || r.kind === 'unknown') malformed.push(r.reason);
  if (r.kind === 'lostEvents') malformed.push(`bpftrace lost ${r.count} events`);
}

const failures: string[] = [...malformed.map((m) => `bad line: ${m}`)];
const fail = (msg: string) => failures.push(msg);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The question name, or a label for a payload too short to hold one. */
function qname(bytes: Buffer): string {
  const labels: string[] = [];
  for (let i = 12; i < bytes.length && bytes[i] !== 0; i += 1 + bytes[i]) {
    labels.push(bytes.subarray(i + 1, i + 1 + bytes[i]).toString('latin1'));
  }
  return bytes.length < 12 ? 'short-payload' : labels.join('.');
}

const lab = packets.filter((p) => String(p.netns) === podNetns || String(p.netns) === hostNetns);
// What the asker addressed: the Service IP for svc-* names, which DNAT turned into the server's.
const SERVICE_IP = '10.250.9.53';
const addressed = (t: Truth) => (qname(Buffer.from(t.bytes, 'hex')).endsWith('-svc.lab') ? SERVICE_IP : t.server);
const keyOfTruth = (t: Truth) =>
  t.kind === 'query'
    ? `query ${t.client}:${t.client_port} > ${addressed(t)}:${t.server_port} ${t.bytes}`
    : `response ${addressed(t)}:${t.server_port} > ${t.client}:${t.client_port} ${t.bytes}`;
// A response has the server's port as source; both ports are never DNS ports here.
const isResponse = (p: DnsPacket) => p.sport === 53 || p.sport === 5300;
const keyOfPacket = (p: DnsPacket) =>
  `${isResponse(p) ? 'response' : 'query'} ${p.saddr}:${p.sport} > ${p.daddr}:${p.dport} ${hex(p.payload)}`;

const want = new Map<string, number>();
truth.forEach((t) => want.set(keyOfTruth(t), (want.get(keyOfTruth(t)) ?? 0) + 1));
const got = new Map<string, DnsPacket[]>();
lab.forEach((p) => got.set(keyOfPacket(p), [...(got.get(keyOfPacket(p)) ?? []), p]));
for (const [key, n] of want) {
  const seen = got.get(key)?.length ?? 0;
  if (seen !== n) fail(`${key.slice(0, 120)}: sent ${n} time(s), dns.bt printed it ${seen} time(s)`);
}
for (const [key, ps] of got) {
  if (!want.has(key)) fail(`${key.slice(0, 120)}: printed ${ps.length} time(s) but never crossed the server's socket`);
}

const clientNetns = (addr: string) => (addr === '127.0.0.1' ? hostNetns : podNetns);
for (const p of lab) {
  const name = qname(Buffer.from(p.payload));
  if (p.truncated) fail(`${name}: truncated (${p.payload.length} bytes)`);
  if (!isResponse(p)) {
    const pid = askerOf.get(name);
    if (p.direction !== 'egress' || p.pid === undefined || p.pid !== pid || !p.comm) {
      fail(`question ${name}: expected egress from pid ${pid}, got ${p.direction} pid ${p.pid} comm ${p.comm}`);
    }
    if (String(p.netns) !== clientNetns(p.saddr)) fail(`question ${name}: seen in netns ${p.netns}, not the asker's`);
  } else if (String(p.netns) !== clientNetns(p.daddr) || p.direction !== 'ingress' || p.pid !== undefined) {
    fail(`answer ${name}: expected on ingress in the asker's netns ${clientNetns(p.daddr)}, got ${p.direction} in ${p.netns}`);
  }
}
// Every asker ran and reached the server, so a silent client cannot pass.
for (const name of askerOf.keys()) {
  if (!truth.some((t) => t.kind === 'query' && qname(Buffer.from(t.bytes, 'hex')) === name)) {
    fail(`${name}: the server never received this question (did the client run? see clients.log)`);
  }
}

console.log('kind      dir      netns       pid     comm            bytes  name');
for (const p of lab) {
  console.log(
    `${(isResponse(p) ? 'answer' : 'question').padEnd(9)} ${p.direction.padEnd(8)} ${String(p.netns).padEnd(11)} ${String(p.pid ?? '-').padEnd(7)} ${(p.comm ?? '-').padEnd(15)} ${String(p.payload.length).padStart(5)}  ${qname(Buffer.from(p.payload))}`
  );
}
console.log(`${truth.length} datagrams crossed the server's sockets; dns.bt printed ${lab.length} lab packets (${packets.length} in all)`);
if (failures.length > 0) {
  console.error(`FAIL:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('OK: each question and answer once, with its exact bytes, the asker on each question, each answer in the asker\'s netns');
