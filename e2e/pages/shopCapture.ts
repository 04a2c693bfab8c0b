import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent } from '../../src/agent/agent';
import { until } from '../../src/agent/testing/until';
import { startDnsServer, pointPodResolverAt } from '../../src/lab/dnsServer';
import { createLab } from '../../src/lab/lab';
import type { Pod } from '../../src/lab/pod';
import type { TcpTruth } from '../../src/lab/trafficTruth';
import { DATABASE } from '../../src/shared/schema';
import type { QueryParams } from '../../src/shared/sql/query';
import type { Store } from '../../src/store/store';

/**
 * A small shop captured by the real agent: lab pods in three namespaces, named by an inventory
 * file as Kubernetes would name them, exchange TCP connections of known size (and a few refused
 * connects), and shop/web asks the lab DNS server names it answers NOERROR, NXDOMAIN, SERVFAIL or
 * never. What the pages must show is what the traffic tools and the DNS server say happened.
 */

export const NODE = 'pages-test';

interface Workload {
  readonly namespace: string;
  readonly deployment: string;
  readonly pod: string;
}

/** Pod name in the lab -> what the inventory calls it. */
const WORKLOADS = {
  web: { namespace: 'shop', deployment: 'web', pod: 'web-1' },
  api: { namespace: 'shop', deployment: 'api', pod: 'api-1' },
  postgres: { namespace: 'db', deployment: 'postgres', pod: 'postgres-0' },
  worker: { namespace: 'batch', deployment: 'worker', pod: 'worker-1' },
} satisfies Record<string, Workload>;
type PodName = keyof typeof WORKLOADS;
const SERVERS: readonly PodName[] = ['api', 'postgres'];

/** Sizes stay under 1 kB per flow, so the table's decbytes cells ("348 B") are exact numbers. */
const EXCHANGES: ReadonlyArray<{ from: PodName; to: 'api' | 'postgres'; count: number; up: number; down: number }> = [
  { from: 'web', to: 'api', count: 3, up: 100, down: 200 },
  { from: 'web', to: 'postgres', count: 2, up: 50, down: 300 },
  { from: 'worker', to: 'api', count: 2, up: 30, down: 40 },
  { from: 'worker', to: 'postgres', count: 1, up: 20, down: 20 },
];
const REFUSED_FROM_WEB_TO_API = 2;
/** A port nothing in the api pod listens on: connects to it are refused. */
const CLOSED_PORT = 9;

/** Question names by the answer the lab DNS server gives (see dnsServer.mjs); the domain is the run's. */
const DNS_LABELS = {
  NOERROR: ['ok-catalog', 'ok-cart', 'ok-search', 'ok-images'],
  NXDOMAIN: ['nx-legacy', 'nx-typo', 'nx-old-cdn'],
  SERVFAIL: ['fail-broken'],
  TIMEOUT: ['silent-a', 'silent-b'],
};
export type DnsOutcome = keyof typeof DNS_LABELS;
const DNS_TIMEOUT_SECONDS = 2;

/** Totals of one src -> dst pair of deployments, as the flows table reports them. */
export interface FlowTruth {
  /** 'namespace/deployment' of each side, as the flow graph names them. */
  readonly src: string;
  readonly dst: string;
  readonly srcDeployment: string;
  readonly dstDeployment: string;
  readonly opened: number;
  readonly failed: number;
  readonly bytesSrc: number;
  readonly bytesDst: number;
  /** Every client-side connection of the pair, refused ones included. */
  readonly clients: readonly TcpTruth[];
}

export interface ShopCapture {
  /** A window (epoch ms) that holds the whole capture. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly flows: readonly FlowTruth[];
  /** The run's DNS names by outcome, as stored (lower case, no trailing dot). */
  readonly dns: Readonly<Record<DnsOutcome, readonly string[]>>;
}

/**
 * Each pod by its container id, and the servers' pods by IP too: Kubernetes would tell the agent
 * pod IPs, an inventory only can by an ip entry. Without it a refused connect, which has no
 * server socket to name its peer, would count against an unknown destination.
 */
function inventoryYaml(pods: Record<PodName, Pod>): string {
  const fields = (name: PodName) => {
    const w = WORKLOADS[name];
    return [
      '    cluster: lab',
      `    namespace: ${w.namespace}`,
      `    deployment: ${w.deployment}`,
      `    pod: ${w.pod}`,
      `    node: ${NODE}`,
    ];
  };
  const entries = (Object.keys(WORKLOADS) as PodName[]).flatMap((name) => [
    `  - cgroup_regex: ${pods[name].containerId}`,
    `    container: ${name}`,
    ...fields(name),
    ...(SERVERS.includes(name) ? [`  - ip: ${pods[name].ip}`, ...fields(name)] : []),
  ]);
  return `entries:\n${entries.join('\n')}\n`;
}

const groupOf = (name: PodName) => `${WORKLOADS[name].namespace}/${WORKLOADS[name].deployment}`;

/** Asks one name through glibc in the pod; a failed lookup is an exit code, which is the point. */
async function resolve(pod: Pod, qname: string): Promise<void> {
  const proc = await pod.spawn('getent', ['ahostsv4', qname]);
  const exit = await proc.exited;
  assert.equal(exit.signal, null, `getent ${qname} was killed: ${exit.stderr}`);
}

async function storedCount(store: Store, sql: string, params: QueryParams): Promise<number> {
  const [row] = await store.query<{ n: string }>(sql, params);
  return Number(row.n);
}

/**
 * Runs the scenario under the real agent into `store` and tears the lab down again; `workDir`
 * holds the inventory file. Stops the agent before returning, so every row is written.
 */
export async function captureShop(store: Store, workDir: string): Promise<ShopCapture> {
  const fromMs = Date.now();
  const logs: string[] = [];
  const lab = await createLab();
  let removeResolver: (() => void) | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const pods = {} as Record<PodName, Pod>;
    for (const name of Object.keys(WORKLOADS) as PodName[]) {
      pods[name] = await lab.addPod({ name, namespace: WORKLOADS[name].namespace });
    }
    const inventoryPath = join(workDir, 'inventory.yaml');
    writeFileSync(inventoryPath, inventoryYaml(pods));
    const servers = { api: await lab.startTcpServer(pods.api), postgres: await lab.startTcpServer(pods.postgres) };
    cleanups.push(
      () => servers.api.stop(),
      () => servers.postgres.stop()
    );
    const dnsServer = await startDnsServer(lab.host);
    cleanups.push(() => dnsServer.stop());
    removeResolver = pointPodResolverAt(pods.web, dnsServer, { timeoutSeconds: 1, attempts: 1 });

    const agent = await startAgent({
      store,
      node: NODE,
      intervalSeconds: 1,
      dnsTimeoutSeconds: DNS_TIMEOUT_SECONDS,
      metadata: { inventoryPath },
      log: (line) => logs.push(line),
    });
    cleanups.push(() => agent.stop());

    const flows = await Promise.all(
      EXCHANGES.map(async ({ from, to, count, up, down }): Promise<FlowTruth> => {
        const clients: TcpTruth[] = [];
        for (let i = 0; i < count; i++) {
          const c = await lab.runClient(pods[from], {
            to: { ip: pods[to].ip, port: servers[to].port },
            upload: up,
            download: down,
          });
          assert.equal(c.outcome, 'ok', `${from} -> ${to}: ${c.error}`);
          clients.push(c);
        }
        if (from === 'web' && to === 'api') {
          for (let i = 0; i < REFUSED_FROM_WEB_TO_API; i++) {
            const c = await lab.runClient(pods.web, { to: { ip: pods.api.ip, port: CLOSED_PORT } });
            assert.equal(c.outcome, 'refused', `web -> api:${CLOSED_PORT} should be refused: ${c.error}`);
            clients.push(c);
          }
        }
        const ok = clients.filter((c) => c.outcome === 'ok');
        return {
          src: groupOf(from),
          dst: groupOf(to),
          srcDeployment: WORKLOADS[from].deployment,
          dstDeployment: WORKLOADS[to].deployment,
          opened: ok.length,
          failed: clients.length - ok.length,
          bytesSrc: ok.reduce((n, c) => n + c.bytesSent, 0),
          bytesDst: ok.reduce((n, c) => n + c.bytesReceived, 0),
          clients,
        };
      })
    );

    const domain = `${lab.runId}.lab`;
    const dns = Object.fromEntries(
      Object.entries(DNS_LABELS).map(([outcome, labels]) => [outcome, labels.map((l) => `${l}.${domain}`)])
    ) as Record<DnsOutcome, string[]>;
    await Promise.all(Object.values(dns).flatMap((names) => names.map((qname) => resolve(pods.web, qname))));

    // Unanswered questions are written once the agent's DNS timeout has passed.
    const questions = Object.values(dns).flat().length;
    const clientConnections = flows.reduce((n, f) => n + f.clients.length, 0);
    const counts = { questions: 0, connections: 0 };
    await until(
      () =>
        `every question and client connection stored (so far ${JSON.stringify(counts)}; agent: ${logs.join(' | ')})`,
      async () => {
        counts.questions = await storedCount(
          store,
          `SELECT count() AS n FROM ${DATABASE}.dns_queries WHERE endsWith(qname, {domain:String})`,
          { domain }
        );
        counts.connections = await storedCount(
          store,
          `SELECT uniqExact(connection_id) AS n FROM ${DATABASE}.connections
           WHERE node = {node:String} AND direction = 'outbound' AND state IN ('closed', 'failed')
             AND protocol = 'tcp' AND local_container_id IN {ids:Array(String)}`,
          { node: NODE, ids: [pods.web.containerId, pods.worker.containerId] }
        );
        return counts.questions >= questions && counts.connections >= clientConnections;
      },
      { timeoutMs: 20_000, pollMs: 250 }
    );
    cleanups.pop();
    const summary = await agent.stop();
    assert.equal(summary.rowsDropped, 0, `the agent dropped rows: ${logs.join(' | ')}`);
    // Every row is stamped at or before the agent stopped.
    return { fromMs, toMs: Date.now(), flows, dns };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
    removeResolver?.();
    await lab.close();
  }
}
