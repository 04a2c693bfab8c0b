import type { Lab } from './lab';
import { counterDelta } from './netCounters';
import type { Pod } from './pod';
import type { Runner } from './runner';
import type { TcpClientOptions } from './traffic';
import type { Truth } from './trafficTruth';

/**
 * Traffic mixes with known ground truth, for the accuracy tests: run one while the agent
 * captures, then compare what it stored with what every process says it did.
 */

/** A truth with the scenario it belongs to; the server or receiver side carries its client's label. */
export type ScenarioTruth = Truth & { readonly scenario: string };

export interface MixOptions {
  /** How long the paced connection lasts; make it span several of the agent's flush intervals. */
  readonly pacedMs?: number;
  /** Drop percentage on the lossy pod's link. */
  readonly lossPercent?: number;
}

export interface MixResult {
  /** frontend: most clients; backend: the servers; flaky: behind a lossy link. */
  readonly pods: { readonly frontend: Pod; readonly backend: Pod; readonly flaky: Pod };
  /** Both sides of every flow (failed connects have only the client side). */
  readonly truths: ScenarioTruth[];
  /** TcpRetransSegs each pod's namespace counted during the mix, by pod name. */
  readonly retransmits: Readonly<Record<string, number>>;
}

export const BLACKHOLE_PORT = 5003;
/** Nothing listens there in the backend pod. */
export const CLOSED_PORT = 5002;

/**
 * Pod-to-pod TCP of several sizes over IPv4 and IPv6 (both sides local), a refused and a timed-out
 * connect, a connection over a lossy link with real retransmits, a long-lived paced one, a reset,
 * a host-network process in a pod's cgroup, and UDP (connected from a pod, unconnected from the
 * host). Adds three pods (frontend, backend, flaky) to the lab; takes about max(pacedMs, 3 s).
 */
export async function basicMix(lab: Lab, opts: MixOptions = {}): Promise<MixResult> {
  const frontend = await lab.addPod({ name: 'frontend', namespace: 'shop', deployment: 'frontend' });
  const backend = await lab.addPod({ name: 'backend', namespace: 'shop', deployment: 'backend' });
  const flaky = await lab.addPod({ name: 'flaky', namespace: 'batch', deployment: 'flaky' });
  const pods = [frontend, backend, flaky];
  const tcp = await lab.startTcpServer(backend);
  const udp = await lab.startUdpReceiver(backend);
  lab.blackhole(backend.ip, BLACKHOLE_PORT);
  lab.setLoss(flaky, opts.lossPercent ?? 5);

  const at = (ip: string, port = tcp.port) => ({ ip, port });
  const tcpRuns: Array<[string, Runner, TcpClientOptions]> = [
    ['upload-1MB', frontend, { to: at(backend.ip), upload: 1_000_000 }],
    ['download-2MB', frontend, { to: at(backend.ip), download: 2_000_000 }],
    ['ipv6-300KB-100KB', frontend, { to: at(backend.ip6), upload: 300_000, download: 100_000 }],
    ['refused', frontend, { to: at(backend.ip, CLOSED_PORT) }],
    ['timeout', frontend, { to: at(backend.ip, BLACKHOLE_PORT) }],
    ['lossy-2MB-500KB', flaky, { to: at(backend.ip), upload: 2_000_000, download: 500_000 }],
    ['paced-200KB', frontend, { to: at(backend.ip), upload: 200_000, durationMs: opts.pacedMs ?? 3_000 }],
    ['reset', frontend, { to: at(backend.ip), upload: 10_000, download: 10, ending: 'reset' }],
    ['host-network-50KB', lab.hostNetwork(frontend), { to: at(backend.ip), upload: 50_000, download: 50_000 }],
  ];
  const before = pods.map((p) => p.netstat());
  const [tcpClients, udpSenders] = await Promise.all([
    Promise.all(tcpRuns.map(([, where, o]) => lab.runClient(where, o))),
    Promise.all([
      lab.runUdpSender(frontend, { to: at(backend.ip, udp.port), count: 100, size: 512, connected: true }),
      lab.runUdpSender(lab.host, { to: at(backend.ip, udp.port), count: 20, size: 100 }),
    ]),
  ]);
  const retransmits = Object.fromEntries(
    pods.map((p, i) => [p.name, counterDelta(p.netstat(), before[i]).TcpRetransSegs])
  );
  const clients: ScenarioTruth[] = [
    ...tcpClients.map((t, i) => ({ ...t, scenario: tcpRuns[i][0] })),
    ...udpSenders.map((t, i) => ({ ...t, scenario: i === 0 ? 'udp-connected' : 'udp-from-host' })),
  ];
  const servers = [...(await tcp.stop()), ...(await udp.stop())].map((t) => ({
    ...t,
    scenario:
      clients.find((c) => c.protocol === t.protocol && sameEndpoint(c.local, t.remote))?.scenario ?? 'unexpected',
  }));
  return { pods: { frontend, backend, flaky }, truths: [...clients, ...servers], retransmits };
}

function sameEndpoint(x: { ip: string; port: number }, y: { ip: string; port: number }): boolean {
  return x.ip === y.ip && x.port === y.port;
}
