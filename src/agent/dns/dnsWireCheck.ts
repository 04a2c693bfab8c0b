/**
 * A structural walk of a DNS message before the decoding library sees it, so that hostile bytes
 * cost work linear in their length. dns-packet throws on loops, long labels and overruns, but it
 * follows every compression pointer chain in full for every name: a 16 KB packet of questions that
 * each point at the previous one costs it ~50-90 ms (quadratic), against ~10 µs for a real reply.
 * It also trusts its own idea of where a record ends rather than RDLENGTH, so later records can
 * be read from the wrong offset. This walk bounds the pointer steps of each name and of the whole
 * message, checks every record against RDLENGTH, and returns the offsets of the entries so the
 * library only decodes bytes already proven sound. Pure: no Node APIs.
 */

export const HEADER_BYTES = 12;
/** RFC 1035 2.3.4: a name is at most 255 bytes on the wire, root label included. */
const MAX_NAME_WIRE = 255;
/** A 255-byte name has at most 127 labels; more pointers than that can only be a crafted chain. */
const MAX_POINTERS_PER_NAME = 127;
/** Per payload byte; real replies use well under one step per byte. */
const STEPS_PER_BYTE = 8;
const BASE_STEPS = 1024;

const TYPE_OPT = 41;
/** name + type + class */
const MIN_QUESTION = 1 + 4;
/** name + type + class + ttl + rdlength */
const MIN_RECORD = 1 + 10;

export type SectionName = 'question' | 'answer' | 'authority' | 'additional';
export const SECTIONS: readonly SectionName[] = ['question', 'answer', 'authority', 'additional'];

/** One complete entry of a section. */
export interface WireEntry {
  readonly offset: number;
  readonly type: number;
}

export interface DnsWireShape {
  /** The complete entries of each section, in order. */
  readonly entries: Readonly<Record<SectionName, readonly WireEntry[]>>;
  /** The capture ended before every entry the header announced. */
  readonly cut: boolean;
  /** Upper eight bits of the rcode, from an EDNS OPT record; 0 without one. */
  readonly extendedRcode: number;
}

export type WireCheck = { readonly ok: true; readonly shape: DnsWireShape } | { readonly ok: false; readonly reason: string };

/** Where a field of RDATA holds a domain name the library will decode (RFC 1035, 2782, 3596, 4034, 3403). */
type RdataPart = { readonly skip: number } | 'name' | 'string' | 'rest';
const RDATA_LAYOUTS: ReadonlyMap<number, readonly RdataPart[]> = new Map<number, RdataPart[]>([
  [1, [{ skip: 4 }]], // A
  [28, [{ skip: 16 }]], // AAAA
  [2, ['name']], // NS
  [5, ['name']], // CNAME
  [12, ['name']], // PTR
  [39, ['name']], // DNAME
  [15, [{ skip: 2 }, 'name']], // MX
  [33, [{ skip: 6 }, 'name']], // SRV
  [6, ['name', 'name', { skip: 20 }]], // SOA
  [17, ['name', 'name']], // RP
  [35, [{ skip: 4 }, 'string', 'string', 'string', 'name']], // NAPTR
  [46, [{ skip: 18 }, 'name', 'rest']], // RRSIG
  [47, ['name', 'rest']], // NSEC
]);

class Malformed extends Error {}
/** The payload ends inside an entry: malformed unless the capture was cut. */
class Cut extends Error {}

class Walker {
  private steps: number;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly end: number
  ) {
    this.steps = BASE_STEPS + STEPS_PER_BYTE * bytes.length;
  }

  need(offset: number, n: number): void {
    if (offset + n > this.end) {
      throw new Cut();
    }
  }

  u16(offset: number): number {
    this.need(offset, 2);
    return (this.bytes[offset] << 8) | this.bytes[offset + 1];
  }

  /** Returns the offset just past the name where it is written (a pointer ends it in place). */
  name(start: number): number {
    let offset = start;
    let segmentStart = start;
    let after = -1;
    let wire = 1;
    let pointers = 0;
    for (;;) {
      if (--this.steps < 0) {
        throw new Malformed('names take more pointer and label steps than the message size allows');
      }
      this.need(offset, 1);
      const len = this.bytes[offset];
      if (len === 0) {
        return after === -1 ? offset + 1 : after;
      }
      const kind = len & 0xc0;
      if (kind === 0xc0) {
        const target = this.u16(offset) & 0x3fff;
        // The library's rule (RFC 1035 4.1.4): only pointers to earlier data, which rules out loops.
        if (target >= segmentStart || target < HEADER_BYTES) {
          throw new Malformed(`compression pointer at byte ${offset} to byte ${target} is not to an earlier name`);
        }
        if (++pointers > MAX_POINTERS_PER_NAME) {
          throw new Malformed(`name at byte ${start} follows more than ${MAX_POINTERS_PER_NAME} compression pointers`);
        }
        if (after === -1) {
          after = offset + 2;
        }
        offset = segmentStart = target;
      } else if (kind !== 0) {
        throw new Malformed(`label at byte ${offset} has length byte 0x${len.toString(16)} (over 63, or a reserved label type)`);
      } else {
        wire += len + 1;
        if (wire > MAX_NAME_WIRE) {
          throw new Malformed(`name at byte ${start} is over ${MAX_NAME_WIRE} bytes`);
        }
        this.need(offset, len + 1);
        offset += len + 1;
      }
    }
  }

  /** Checks the parts of RDATA that the library parses, and that they fill RDLENGTH exactly. */
  rdata(type: number, start: number, length: number): void {
    const layout = RDATA_LAYOUTS.get(type);
    if (layout === undefined) {
      return;
    }
    const rdEnd = start + length;
    // Names inside RDATA must end inside it: reading on into the next record would desync.
    const inner = new Walker(this.bytes, rdEnd);
    inner.steps = this.steps;
    let offset = start;
    try {
      for (const part of layout) {
        if (part === 'rest') {
          offset = rdEnd;
        } else if (part === 'name') {
          offset = inner.name(offset);
        } else if (part === 'string') {
          inner.need(offset, 1);
          offset += 1 + this.bytes[offset];
        } else {
          offset += part.skip;
        }
      }
      inner.need(offset, 0);
    } catch (e) {
      throw e instanceof Cut ? new Malformed(`RDATA of a type ${type} record at byte ${start} overruns its RDLENGTH ${length}`) : e;
    } finally {
      this.steps = inner.steps;
    }
    if (offset !== rdEnd) {
      throw new Malformed(`RDATA of a type ${type} record at byte ${start} is ${offset - start} bytes, RDLENGTH says ${length}`);
    }
  }
}

/**
 * @param captureCut the capture kept only the first bytes of a longer datagram: entries past
 *   the end are expected, not a fault. The complete ones are still returned.
 */
export function checkDnsWire(bytes: Uint8Array, captureCut: boolean): WireCheck {
  if (bytes.length < HEADER_BYTES) {
    return { ok: false, reason: `${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header` };
  }
  const w = new Walker(bytes, bytes.length);
  const counts = SECTIONS.map((_, i) => w.u16(4 + 2 * i));
  const entries: Record<SectionName, WireEntry[]> = { question: [], answer: [], authority: [], additional: [] };
  let offset = HEADER_BYTES;
  let extendedRcode = 0;
  // Rejected before any walking, so a header claiming 65535 entries costs nothing.
  const minBytes = counts[0] * MIN_QUESTION + (counts[1] + counts[2] + counts[3]) * MIN_RECORD;
  if (!captureCut && HEADER_BYTES + minBytes > bytes.length) {
    return {
      ok: false,
      reason: `header announces ${counts.join('/')} entries, which need at least ${HEADER_BYTES + minBytes} bytes; the payload has ${bytes.length}`,
    };
  }
  try {
    SECTIONS.forEach((section, i) => {
      for (let k = 0; k < counts[i]; k++) {
        const start = offset;
        offset = w.name(offset);
        const type = w.u16(offset);
        if (section === 'question') {
          w.need(offset, 4);
          offset += 4;
        } else {
          w.need(offset, 10);
          const rdLength = w.u16(offset + 8);
          w.need(offset + 10, rdLength);
          if (type === TYPE_OPT) {
            extendedRcode = bytes[offset + 4];
          }
          w.rdata(type, offset + 10, rdLength);
          offset += 10 + rdLength;
        }
        entries[section].push({ offset: start, type });
      }
    });
  } catch (e) {
    if (e instanceof Cut) {
      return captureCut
        ? { ok: true, shape: { entries, cut: true, extendedRcode } }
        : { ok: false, reason: `payload of ${bytes.length} bytes ends inside an entry the header announced` };
    }
    if (e instanceof Malformed) {
      return { ok: false, reason: e.message };
    }
    throw e;
  }
  return { ok: true, shape: { entries, cut: false, extendedRcode } };
}
