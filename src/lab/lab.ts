import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { addressPlan, type AddressPlan } from './addressPlan';
import { cgroup2Mount } from '../agent/attribution/cgroup2Mount';
import { hostCommand } from './hostCommand';
import { labNames, type LabNames } from './labNames';
import { spawnPlaced, type LabProcess } from './labProcess';
import { claimSubnet, cleanupStale, teardownRun } from './labResources';
import { checkBlackhole, checkLossPercent, nftLabScript, type Blackhole } from './nftLabTable';
import { Pod } from './pod';
import type { Runner } from './runner';
import {
  runTcpClient,
  runUdpSender,
  startTcpServer,
  startUdpReceiver,
  type Listener,
  type ListenOptions,
  type TcpClientOptions,
  type UdpSenderOptions,
} from './traffic';
import type { TcpTruth, UdpTruth } from './trafficTruth';

/**
 * A throwaway Kubernetes-like node on this host: pods (network namespaces on one bridge, in
 * kubepods-style cgroups), host processes, lossy links and blackholes, with real traffic of known
 * size. Needs root, `ip`, `nft` and a cgroup v2 mount. Everything it makes is removed by close(),
 * at process exit and on SIGINT/SIGTERM/SIGHUP, and by the next lab's cleanupStale() if the
 * process was killed outright.
 */

export interface LabOptions {
  /** SYN retries inside pods; 1 (the default) makes a blackholed connect time out in ~3 s, not 127 s. */
  readonly synRetries?: number;
}

export interface PodOptions {
  /** A DNS label, unique in the lab. */
  readonly name: string;
  readonly namespace?: string;
  readonly deployment?: string;
}

/** What this machine lacks to run a lab, or undefined when it has everything. */
export function labPrerequisitesMissing(): string | undefined {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) {
    missing.push('root (uid 0)');
  }
  for (const tool of ['ip', 'nft']) {
    try {
      hostCommand(tool, ['-V']);
    } catch {
      missing.push(`the \`${tool}\` command`);
    }
  }
  if (cgroup2Mount() === undefined) {
    missing.push('a cgroup v2 mount (none with root "/" in /proc/self/mountinfo)');
  }
  return missing.length === 0 ? undefined : missing.join(', ');
}

export async function createLab(opts: LabOptions = {}): Promise<Lab> {
  const missing = labPrerequisitesMissing();
  if (missing !== undefined) {
    throw new Error(`lab: this machine lacks ${missing}`);
  }
  cleanupStale();
  const runId = randomBytes(3).toString('hex');
  const lab = new Lab(runId, addressPlan(claimSubnet(runId)), cgroup2Mount()!, opts.synRetries ?? 1);
  openLabs.add(lab);
  installExitHandlers();
  try {
    lab.build();
  } catch (e) {
    await lab.close().catch(() => undefined);
    throw e;
  }
  return lab;
}

export class Lab {
  readonly names: LabNames;
  /** Plain host processes: the host network, in a cgroup that is no container's. */
  readonly host: Runner;
  private readonly podsByName = new Map<string, Pod>();
  private readonly lossByInterface = new Map<string, number>();
  private readonly blackholes: Blackhole[] = [];
  private closed = false;

  constructor(
    readonly runId: string,
    /** Bridge (host side) and pod addresses. */
    readonly addresses: AddressPlan,
    readonly cgroupRoot: string,
    private readonly synRetries: number
  ) {
    this.names = labNames(runId);
    this.host = this.hostRunner('host', this.names.hostScope, '');
  }

  get pods(): Pod[] {
    return [...this.podsByName.values()];
  }

  /** @internal Called once by createLab. */
  build(): void {
    mkdirSync(join(this.cgroupRoot, this.names.hostScope), { recursive: true });
    const { bridge } = this.names;
    const a = this.addresses;
    hostCommand(
      'ip',
      ['-batch', '-'],
      [
        `link add name ${bridge} type bridge`,
        `addr add ${a.gateway4}/${a.prefix4} dev ${bridge}`,
        `addr add ${a.gateway6}/${a.prefix6} dev ${bridge} nodad`,
        `link set ${bridge} up`,
      ].join('\n')
    );
    this.applyRules();
  }

  async addPod(opts: PodOptions): Promise<Pod> {
    this.checkOpen();
    if (this.podsByName.has(opts.name)) {
      throw new Error(`lab: pod name ${JSON.stringify(opts.name)} is already taken in this lab`);
    }
    const index = this.podsByName.size;
    const netns = this.names.netns(opts.name);
    const veth = this.names.hostVeth(index);
    const a = this.addresses;
    const podUid = randomUUID();
    const containerId = randomBytes(32).toString('hex');
    const cgroup = this.names.podCgroup(podUid, containerId);
    const pod = new Pod(
      opts.name,
      opts.namespace ?? 'default',
      opts.deployment ?? '',
      podUid,
      containerId,
      a.pod4(index),
      a.pod6(index),
      netns,
      veth,
      cgroup,
      this.cgroupRoot
    );
    // Registered before the commands so that close() is told about a half-made pod too.
    this.podsByName.set(opts.name, pod);
    mkdirSync(join(this.cgroupRoot, cgroup), { recursive: true });
    hostCommand(
      'ip',
      ['-batch', '-'],
      [
        `netns add ${netns}`,
        `link add ${veth} type veth peer name eth0 netns ${netns}`,
        `link set ${veth} master ${this.names.bridge} up`,
      ].join('\n')
    );
    hostCommand(
      'ip',
      ['-n', netns, '-batch', '-'],
      [
        `addr add ${pod.ip}/${a.prefix4} dev eth0`,
        `addr add ${pod.ip6}/${a.prefix6} dev eth0 nodad`,
        'link set lo up',
        'link set eth0 up',
        `route add default via ${a.gateway4}`,
        `route add default via ${a.gateway6}`,
      ].join('\n')
    );
    hostCommand('ip', [
      'netns',
      'exec',
      netns,
      'sh',
      '-c',
      `echo ${this.synRetries} > /proc/sys/net/ipv4/tcp_syn_retries`,
    ]);
    return pod;
  }

  /** A process on the host network but in the pod's cgroup, as in a hostNetwork pod. */
  hostProcessInPod(pod: Pod, cmd: string, args: readonly string[]): Promise<LabProcess> {
    return this.hostNetwork(pod).spawn(cmd, args);
  }

  /** The pod's cgroup on the host network, as a Runner for the traffic tools. */
  hostNetwork(pod: Pod): Runner {
    return this.hostRunner(`host network of pod ${pod.name}`, pod.cgroup, pod.containerId);
  }

  spawnOnHost(cmd: string, args: readonly string[]): Promise<LabProcess> {
    return this.host.spawn(cmd, args);
  }

  /** Drops percent % of the TCP segments on the pod's link, both ways; 0 removes the loss. */
  setLoss(target: Pod | string, percent: number): void {
    this.checkOpen();
    checkLossPercent(percent);
    const link = typeof target === 'string' ? target : target.hostVeth;
    const links = this.pods.map((p) => p.hostVeth);
    if (!links.includes(link)) {
      throw new Error(
        `lab: link ${JSON.stringify(link)} is not a pod link of this lab; expected one of ${links.join(', ')}`
      );
    }
    this.lossByInterface.set(link, percent);
    this.applyRules();
  }

  /** Drops SYNs to ip:port anywhere on the bridge, so connects to it time out. */
  blackhole(ip: string, port: number): void {
    this.checkOpen();
    checkBlackhole({ ip, port });
    this.blackholes.push({ ip, port });
    this.applyRules();
  }

  runClient(where: Runner, opts: TcpClientOptions): Promise<TcpTruth> {
    return runTcpClient(where, opts);
  }

  startTcpServer(where: Runner, opts?: ListenOptions): Promise<Listener<TcpTruth>> {
    return startTcpServer(where, opts);
  }

  runUdpSender(where: Runner, opts: UdpSenderOptions): Promise<UdpTruth> {
    return runUdpSender(where, opts);
  }

  startUdpReceiver(where: Runner, opts?: ListenOptions & { family?: 4 | 6 }): Promise<Listener<UdpTruth>> {
    return startUdpReceiver(where, opts);
  }

  /** Kills every lab process and removes every namespace, link, nft table, cgroup and claim. Idempotent. */
  async close(): Promise<void> {
    this.closeSync();
  }

  /** @internal For the exit and signal handlers, where nothing asynchronous runs. */
  closeSync(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    openLabs.delete(this);
    const errors = teardownRun(this.runId, this.cgroupRoot);
    if (errors.length > 0) {
      throw new AggregateError(
        errors,
        `lab ${this.runId}: teardown incomplete: ${errors.map((e) => e.message).join('; ')}`
      );
    }
  }

  private hostRunner(description: string, cgroup: string, containerId: string): Runner {
    const { cgroupRoot } = this;
    return {
      description,
      ip: this.addresses.gateway4,
      ip6: this.addresses.gateway6,
      containerId,
      spawn: (cmd, args) => spawnPlaced({ cgroupRoot, cgroup }, cmd, args),
    };
  }

  private applyRules(): void {
    const script = nftLabScript(this.names.nftTable, {
      lossByInterface: this.lossByInterface,
      blackholes: this.blackholes,
    });
    hostCommand('nft', ['-f', '-'], script);
  }

  private checkOpen(): void {
    if (this.closed) {
      throw new Error(`lab ${this.runId} is closed`);
    }
  }
}

const openLabs = new Set<Lab>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let handlersInstalled = false;

function closeAllSync(): void {
  for (const lab of openLabs) {
    try {
      lab.closeSync();
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  closeAllSync();
  // Then die of the signal as if we had never listened, unless someone else handles it.
  process.removeListener(signal, onSignal);
  if (process.listenerCount(signal) === 0) {
    process.kill(process.pid, signal);
  }
}

function installExitHandlers(): void {
  if (handlersInstalled) {
    return;
  }
  handlersInstalled = true;
  process.on('exit', closeAllSync);
  for (const signal of SIGNALS) {
    process.on(signal, onSignal);
  }
}
