import { Buffer } from 'node:buffer';

/**
 * Recognises a second copy of the same datagram. A packet from a pod crosses the pod's eth0 and
 * the host side of its veth (and the node's NIC when it leaves), and the probes see every
 * crossing; NAT on the way rewrites addresses and ports but never the DNS payload, so the key is
 * the payload's bytes alone. A real resend carries the same bytes too, but only after the
 * client's timeout (a second or more), far outside the window of a few milliseconds.
 */
export class DuplicatePackets {
  /** key -> monotonic ns it was first seen; insertion order is time order. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowNs: number,
    private readonly maxEntries: number
  ) {
    if (!(windowNs >= 0)) {
      throw new RangeError(`DuplicatePackets window: expected >= 0 ns, got ${windowNs}`);
    }
  }

  /** Feed packets in time order; true when the same bytes were seen at most the window before. */
  isDuplicate(tsNs: number, payload: Uint8Array): boolean {
    for (const [key, ts] of this.seen) {
      if (tsNs - ts <= this.windowNs && this.seen.size <= this.maxEntries) {
        break;
      }
      this.seen.delete(key);
    }
    // latin1 maps each byte to one char, so equal strings mean equal bytes.
    const key = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('latin1');
    const first = this.seen.get(key);
    if (first !== undefined && tsNs - first <= this.windowNs) {
      return true;
    }
    this.seen.delete(key);
    this.seen.set(key, tsNs);
    return false;
  }
}
