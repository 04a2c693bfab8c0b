import { checkPodIndex } from './labNames';

/**
 * Addresses of one lab run: subnet k is 10.201.k.0/24 and fd00:201:k::/64 (hex k), the bridge
 * (the host side) holds .1 / ::1 and pod n holds .(n+2) / ::(n+2). Each live run claims its own
 * k, so the host's routes to two labs never overlap. Pure.
 */

export const SUBNET_COUNT = 256;

export interface AddressPlan {
  readonly subnet: number;
  readonly gateway4: string;
  readonly gateway6: string;
  readonly prefix4: 24;
  readonly prefix6: 64;
  pod4(podIndex: number): string;
  pod6(podIndex: number): string;
}

export function addressPlan(subnet: number): AddressPlan {
  if (!Number.isInteger(subnet) || subnet < 0 || subnet >= SUBNET_COUNT) {
    throw new Error(`lab subnet ${subnet}: expected an integer in [0, ${SUBNET_COUNT})`);
  }
  const host4 = (n: number) => `10.201.${subnet}.${n}`;
  // Canonical (RFC 5952) text, as the kernel and Node print it, so truths compare as strings.
  const net6 = subnet === 0 ? 'fd00:201:' : `fd00:201:${subnet.toString(16)}:`;
  const host6 = (n: number) => `${net6}:${n.toString(16)}`;
  return {
    subnet,
    gateway4: host4(1),
    gateway6: host6(1),
    prefix4: 24,
    prefix6: 64,
    pod4: (podIndex) => {
      checkPodIndex(podIndex);
      return host4(podIndex + 2);
    },
    pod6: (podIndex) => {
      checkPodIndex(podIndex);
      return host6(podIndex + 2);
    },
  };
}
