import type { DNS_PROTOCOLS } from '../../shared/schema';
import type { DnsMessage } from './dnsMessage';

export type DnsProtocol = (typeof DNS_PROTOCOLS)[number];

/** The process that sent a question, attributed when its packet arrived (it may exit soon after). */
export interface DnsAsker {
  /** 0 when the packet was sent outside process context. */
  readonly pid: number;
  readonly comm: string;
  /** '' for host processes and unknown senders. */
  readonly containerId: string;
}

/** A decoded DNS message with where it was going, as pairing sees it. */
export interface DnsObservation {
  /** CLOCK_MONOTONIC ns, bpftrace's clock. */
  readonly ts: number;
  readonly protocol: DnsProtocol;
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  readonly message: DnsMessage;
  readonly asker: DnsAsker;
}
