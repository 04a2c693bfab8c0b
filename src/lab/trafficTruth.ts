/**
 * Ground truth the traffic tools report: what each process itself sent and received, so it
 * depends neither on the peer nor on the network. Shapes match the JSON lines of traffic/*.mjs,
 * plus the container id of the place the process ran.
 */

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

/** 'error' only for the unexpected (the message says what); lab scenarios never produce it. */
export type TcpOutcome = 'ok' | 'refused' | 'timeout' | 'reset' | 'error';

interface TruthBase {
  readonly pid: number;
  readonly comm: string;
  /** Of the process's cgroup: the pod's container id, or '' for host processes. */
  readonly containerId: string;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

export interface TcpTruth extends TruthBase {
  readonly protocol: 'tcp';
  /** 'client' connected (an outbound row for the agent), 'server' accepted (inbound). */
  readonly side: 'client' | 'server';
  readonly outcome: TcpOutcome;
  readonly error?: string;
  /** Epoch ms. A failed connect has no connectedAtMs. */
  readonly startedAtMs: number;
  readonly connectedAtMs?: number;
  readonly endedAtMs: number;
}

export interface UdpTruth extends TruthBase {
  readonly protocol: 'udp';
  readonly side: 'sender' | 'receiver';
  /** Sender only: connect() then send, rather than sendto. */
  readonly connected?: boolean;
  readonly datagramsSent: number;
  readonly datagramsReceived: number;
}

export type Truth = TcpTruth | UdpTruth;
