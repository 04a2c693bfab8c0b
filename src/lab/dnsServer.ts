import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabProcess } from './labProcess';
import type { Pod } from './pod';
import type { Runner } from './runner';

/**
 * The lab's DNS server (dnsServer.mjs, plain node for a fast start) and the resolv.conf that
 * points a pod's resolvers at it. The server answers by the first label of the name: ok-* (any
 * other) NOERROR with A/AAAA records, nx-* NXDOMAIN, fail-* SERVFAIL, silent-* never; every
 * datagram it got and every response it sent is its ground truth.
 */

export interface DnsServerQuery {
  readonly event: 'query';
  readonly client: string;
  readonly clientPort: number;
  /** Set for a datagram that was not one DNS question; the fields below are then absent. */
  readonly malformed?: true;
  readonly id: number;
  readonly qname: string;
  /** 'A', 'AAAA', or the number of another type. */
  readonly qtype: string;
}

export interface DnsServerResponse extends Omit<DnsServerQuery, 'event' | 'malformed'> {
  readonly event: 'response';
  readonly rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL';
  readonly answers: readonly string[];
}

export type DnsServerTruth = DnsServerQuery | DnsServerResponse;

export interface LabDnsServer {
  readonly address: string;
  readonly port: number;
  readonly process: LabProcess;
  /** What it received and sent so far, in order. */
  truth(): DnsServerTruth[];
  stop(): Promise<DnsServerTruth[]>;
}

/** Listens on the runner's IPv4 address (the bridge's, for lab.host), port 53 unless told. */
export async function startDnsServer(
  runner: Runner,
  opts: { port?: number; comm?: string } = {}
): Promise<LabDnsServer> {
  const options = { address: runner.ip, port: opts.port ?? 53, comm: opts.comm };
  const proc = await runner.spawn(process.execPath, [join(__dirname, 'dnsServer.mjs'), JSON.stringify(options)]);
  const listening = JSON.parse(await proc.waitForLine((l) => l.includes('"event":"listening"'))) as { port: number };
  const truthIn = (lines: readonly string[]) =>
    lines
      .filter((l) => l.includes('"event":"query"') || l.includes('"event":"response"'))
      // The JSON boundary: dnsServer.mjs's header documents these shapes.
      .map((l) => JSON.parse(l) as DnsServerTruth);
  return {
    address: runner.ip,
    port: listening.port,
    process: proc,
    truth: () => truthIn(proc.lines()),
    stop: async () => {
      proc.endInput();
      return truthIn((await proc.succeeded()).stdout.split('\n'));
    },
  };
}

export interface PodResolverOptions {
  /** Seconds glibc waits for each answer (resolv.conf `timeout:`). Default 1. */
  readonly timeoutSeconds?: number;
  /** Sends per question (resolv.conf `attempts:`). Default 2: a silent server gets one quick retry. */
  readonly attempts?: number;
}

/**
 * Points the pod's glibc resolver at the server: `ip netns exec` bind-mounts
 * /etc/netns/<netns>/resolv.conf over /etc/resolv.conf for every process it starts, which is how
 * the lab spawns pod processes. No search list, so each name is asked once as written. Returns
 * the removal (also done at process exit: lab teardown does not know these files).
 */
export function pointPodResolverAt(pod: Pod, server: LabDnsServer, opts: PodResolverOptions = {}): () => void {
  if (server.port !== 53) {
    throw new Error(
      `pointPodResolverAt: resolv.conf can only name a server on port 53, got ${server.address}:${server.port}`
    );
  }
  const dir = join('/etc/netns', pod.netns);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'resolv.conf'),
    `nameserver ${server.address}\noptions timeout:${opts.timeoutSeconds ?? 1} attempts:${opts.attempts ?? 2}\n`
  );
  process.once('exit', remove);
  return () => {
    process.off('exit', remove);
    remove();
  };
}
