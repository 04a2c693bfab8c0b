import { encode, type Answer, type Packet, type Question } from 'dns-packet';

/**
 * DNS payloads for the tests and the fuzzer: well-formed ones from dns-packet's encoder, and a
 * byte builder for what the encoder will not write (compression pointers, hostile layouts).
 */

export const RD = 0x0100;
export const RA = 0x0080;
export const TC = 0x0200;

export function query(id: number, name: string, type: Question['type'] = 'A'): Uint8Array {
  return encode({ type: 'query', id, flags: RD, questions: [{ type, name }] });
}

export interface ResponseSpec {
  readonly rcode?: number;
  readonly flags?: number;
  readonly qtype?: Question['type'];
  readonly answers?: Answer[];
  readonly authorities?: Answer[];
  readonly additionals?: Answer[];
}

export function response(id: number, name: string, spec: ResponseSpec = {}): Uint8Array {
  const packet: Packet = {
    type: 'response',
    id,
    flags: RD | RA | (spec.flags ?? 0) | (spec.rcode ?? 0),
    questions: [{ type: spec.qtype ?? 'A', name }],
    answers: spec.answers ?? [],
    authorities: spec.authorities ?? [],
    additionals: spec.additionals ?? [],
  };
  return encode(packet);
}

export const a = (name: string, ip: string, ttl = 60): Answer => ({ type: 'A', name, ttl, data: ip });
export const aaaa = (name: string, ip: string, ttl = 60): Answer => ({ type: 'AAAA', name, ttl, data: ip });
export const cname = (name: string, target: string, ttl = 60): Answer => ({ type: 'CNAME', name, ttl, data: target });
export const soaData = (zone: string) => ({
  mname: `ns.${zone}`,
  rname: `hostmaster.${zone}`,
  serial: 1,
  refresh: 3600,
  retry: 600,
  expire: 86400,
  minimum: 60,
});
export const soa = (zone: string): Answer => ({ type: 'SOA', name: zone, ttl: 300, data: soaData(zone) });

/** Bytes written in order: numbers are single bytes; see the helpers below for wider fields. */
export function bytes(...parts: Array<number | readonly number[]>): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...p])));
}

export const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
export const u32 = (v: number): number[] => [...u16(Math.floor(v / 0x10000)), ...u16(v & 0xffff)];
export const pointer = (offset: number): number[] => u16(0xc000 | offset);

/** Uncompressed labels, root included. */
export function labels(name: string): number[] {
  return [...name.split('.').flatMap((l) => [l.length, ...[...l].map((ch) => ch.charCodeAt(0))]), 0];
}

export function header(id: number, flags: number, qd: number, an: number, ns = 0, ar = 0): number[] {
  return [...u16(id), ...u16(flags), ...u16(qd), ...u16(an), ...u16(ns), ...u16(ar)];
}

/** type, class IN, ttl, rdlength. */
export function recordFields(type: number, ttl: number, rdLength: number): number[] {
  return [...u16(type), ...u16(1), ...u32(ttl), ...u16(rdLength)];
}
