/**
 * connection_id: a 64-bit FNV-1a hash of the parts that identify a connection on one node, as a
 * decimal string (the UInt64 spelling that survives JSON). Deterministic on purpose: a batch that
 * is re-sent after a crash produces identical rows, so the store can deduplicate them.
 */

const OFFSET_BASIS = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

export function connectionId(...parts: ReadonlyArray<string | number>): string {
  let hash = OFFSET_BASIS;
  // The separator keeps ('ab', 'c') and ('a', 'bc') apart.
  const text = parts.join('\u0000');
  for (let i = 0; i < text.length; i++) {
    hash = ((hash ^ BigInt(text.charCodeAt(i))) * PRIME) & MASK;
  }
  return hash.toString();
}
