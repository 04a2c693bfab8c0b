/**
 * connection_id: a 64-bit FNV-1a hash of the parts that identify a connection on one node, as a
 * decimal string (the UInt64 spelling that survives JSON). Deterministic on purpose: a batch that
 * is re-sent after a crash produces identical rows, so the store can deduplicate them.
 */
export function connectionId(...parts: ReadonlyArray<string | number>): string {
  // The separator keeps ('ab', 'c') and ('a', 'bc') apart.
  const text = parts.join('\u0000');
  // The 64-bit state as four 16-bit limbs, lowest first, so that every step is small-integer
  // arithmetic: BigInt operations per character made this ~3.5 times as costly, and it runs for
  // every connection. Starts at the offset basis 0xcbf29ce484222325.
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let i = 0; i < text.length; i++) {
    h0 ^= text.charCodeAt(i);
    // Times the prime 2^40 + 0x1b3 mod 2^64: 2^40 is 2^8 two limbs up, so h0 and h1 shift into h2 and h3.
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + h0 * 0x100 + (t1 >>> 16);
    h3 = (h3 * 0x1b3 + h1 * 0x100 + (t2 >>> 16)) & 0xffff;
    h2 = t2 & 0xffff;
    h1 = t1 & 0xffff;
    h0 = t0 & 0xffff;
  }
  return ((BigInt(h3 * 0x10000 + h2) << 32n) | BigInt(h1 * 0x10000 + h0)).toString();
}
