import type { ParamBinder } from '../sql/params';
import type { FleetShape } from './fleetShape';

/**
 * The synthetic fleet as SQL over a deployment number d and a pod number p, so that every
 * statement (metadata, connections, DNS) derives the same pod from the same numbers inside
 * ClickHouse, with no table of pods to join. The names and addresses of every deployment and pod
 * are built once per statement into constant arrays (the WITH clause); rows only index them, which
 * is what lets 100M rows be written in minutes rather than hours.
 *
 * Pods of deployment d are the contiguous numbers [podStart(d), podStart(d + 1)), so picking a pod
 * of a deployment is arithmetic, and deployment sizes run from 1 to about twice the mean.
 *
 * Randomness: hash(salt, a, b) = intHash64(intHash64(sipHash64(seed, salt) ^ a) ^ b). The sipHash
 * of constants is folded once per statement, and intHash64 is a cheap bijective mixer: sipHash64
 * per row made generation ~15x slower. The salt keeps independent choices independent.
 */

const WORDS = [
  'checkout', 'cart', 'payments', 'frontend', 'catalog', 'search', 'auth', 'users', 'orders', 'inventory',
  'shipping', 'pricing', 'recommend', 'reviews', 'email', 'notify', 'gateway', 'billing', 'ledger', 'fraud',
  'session', 'profile', 'media', 'thumbnail', 'export', 'import', 'report', 'metrics', 'audit', 'config',
  'postgres', 'redis', 'kafka', 'mysql', 'mongo', 'elastic', 'rabbitmq', 'memcached', 'etcd', 'minio',
]; // prettier-ignore
const NAMESPACES = [
  'shop', 'payments', 'identity', 'platform', 'data', 'search', 'media', 'logistics', 'growth', 'finance',
  'support', 'ml', 'ingest', 'reporting', 'infra', 'observability', 'security', 'partners', 'mobile', 'web',
  'catalog', 'messaging', 'storage', 'edge', 'batch', 'risk', 'pricing', 'content', 'ads', 'internal',
]; // prettier-ignore
const CLUSTERS = ['prod-eu-west', 'prod-us-east', 'prod-ap-south'];
export const REGIONS = ['europe-west1', 'us-east1', 'asia-south1'];
const COMMS = ['java', 'node', 'python3', 'envoy', 'nginx', 'server', 'gunicorn', 'ruby', 'dotnet', 'php-fpm'];
/** Server ports by popularity; 8125 (statsd) is the UDP one. */
const PORTS = [8080, 8080, 8080, 80, 443, 9090, 5432, 6379, 9092, 3306, 8443, 27017, 8125];
export const UDP_PORT = 8125;

/** Names peers outside the fleet are known by; the first EXTERNAL_NAMED have one. */
const EXTERNAL_NAMES = [
  'api.stripe.com', 's3.amazonaws.com', 'sqs.us-east-1.amazonaws.com', 'api.github.com', 'oauth2.googleapis.com',
  'storage.googleapis.com', 'api.twilio.com', 'hooks.slack.com', 'api.sendgrid.com', 'registry-1.docker.io',
  'pypi.org', 'api.datadoghq.com', 'sentry.io', 'api.segment.io', 'login.microsoftonline.com',
  'graph.facebook.com', 'api.mailgun.net', 'cdn.jsdelivr.net', 'dynamodb.eu-west-1.amazonaws.com', 'api.openai.com',
]; // prettier-ignore
export const EXTERNAL_NAMED = EXTERNAL_NAMES.length;
/** External peers in all: the named ones, then a few reached by address only. */
export const EXTERNAL_PEERS = EXTERNAL_NAMED + 6;

const list = (values: ReadonlyArray<string | number>) =>
  `[${values.map((v) => (typeof v === 'number' ? String(v) : `'${v}'`)).join(', ')}]`;
/** Element `index` (0-based, taken modulo the length) of a literal list. */
const pick = (values: ReadonlyArray<string | number>, index: string) =>
  `${list(values)}[1 + (${index}) % ${values.length}]`;
const hex = (hash: string, chars: number) => `substring(lower(hex(${hash})), 1, ${chars})`;
const ipv4 = (base: number, offset: string) => `toIPv6(toIPv4(${base} + ${offset}))`;

export interface FleetSql {
  /** WITH clause building the fleet's arrays; a statement using the accessors below starts with it. */
  readonly with: string;
  /** A UInt64 hash of (seed, salt, args): the one source of randomness. */
  hash(salt: string, ...args: string[]): string;
  /** A uniform Float64 in [0, 1). */
  uniform(salt: string, ...args: string[]): string;
  readonly pods: string;
  readonly deployments: string;
  podStart(d: string): string;
  podCount(d: string): string;
  /** A deployment by Zipf-like popularity (P(rank r) ~ 1/(r + 1)), ranks scattered over the numbers. */
  popularDeployment(u: string): string;
  /** Deployment of pod p. */
  deploymentOf(p: string): string;
  deploymentName(d: string): string;
  namespace(d: string): string;
  clusterIndex(d: string): string;
  cluster(d: string): string;
  /** Service `namespace/name`, and its cluster IP (IPv6, v4-mapped). */
  service(d: string): string;
  serviceIp(d: string): string;
  serverPort(d: string): string;
  comm(d: string): string;
  podName(p: string): string;
  nodeIndex(p: string): string;
  node(p: string): string;
  podIp(p: string): string;
  containerId(p: string): string;
  pid(p: string): string;
  /** The cluster's DNS service, 10.(96 + cluster).0.10. */
  resolverIp(d: string): string;
  externalName(i: string): string;
  externalIp(i: string): string;
  /** Uniform u in [0, 1) warped to a gentle day-like wave: monotone, 0 and 1 stay put. */
  dayWave(u: string): string;
}

/** Binds the shape's sizes once and returns the expressions over those placeholders. */
export function fleetSql(shape: FleetShape, binder: ParamBinder): FleetSql {
  const seed = binder.named('seed', 'UInt64', shape.seed);
  const pods = binder.named('pods', 'UInt32', shape.pods);
  const deployments = binder.named('deployments', 'UInt32', shape.deployments);
  const namespaces = binder.named('namespaces', 'UInt32', shape.namespaces);
  const clusters = binder.named('clusters', 'UInt32', shape.clusters);
  const nodesPerCluster = binder.named('nodes_per_cluster', 'UInt32', shape.nodesPerCluster);
  const hash = (salt: string, ...args: string[]) =>
    args.reduce((acc, arg) => `intHash64(bitXor(${acc}, ${arg}))`, `sipHash64(${seed}, '${salt}')`);
  const podStart = (d: string) =>
    `toUInt32((${d}) + floor((${pods} - ${deployments}) * pow((${d}) / ${deployments}, 2)))`;
  const podCount = (d: string) => `(${podStart(`(${d}) + 1`)} - ${podStart(d)})`;

  // Built per deployment (lambda variable d) and per pod (p, with its deployment pd).
  const clusterOf = (d: string) => `(${hash('cluster', d)} % ${clusters})`;
  const nameOf = (d: string) =>
    `concat(${pick(WORDS, d)}, if((${d}) >= ${WORDS.length}, concat('-', toString(intDiv(${d}, ${WORDS.length}))), ''))`;
  const namespaceOf = (d: string) => `${list(NAMESPACES)}[1 + (${d}) % ${namespaces}]`;
  const nodeIndexOf = (p: string) => `(${hash('node', p)} % ${nodesPerCluster})`;
  const perDeployment = {
    name: nameOf('d'),
    namespace: namespaceOf('d'),
    cluster_index: clusterOf('d'),
    cluster: pick(CLUSTERS, clusterOf('d')),
    service: `concat(${namespaceOf('d')}, '/', ${nameOf('d')})`,
    // 10.96.0.0/12, one address per deployment (an odd multiplier is a bijection modulo 2^20).
    service_ip: ipv4(0x0a600000, '(d * 40503 + 11) % 1048576'),
    port: `toUInt16(${pick(PORTS, hash('port', 'd'))})`,
    comm: pick(COMMS, hash('comm', 'd')),
  };
  const perPod = {
    name: `concat(${nameOf('pd')}, '-', ${hex(hash('rs', 'pd'), 10)}, '-', ${hex(hash('pod', 'p'), 5)})`,
    node_index: nodeIndexOf('p'),
    node: `concat(${pick(CLUSTERS, clusterOf('pd'))}, '-node-', leftPad(toString(${nodeIndexOf('p')}), 3, '0'))`,
    // 10.0.0.0/12 per cluster, scattered by an odd multiplier so neighbours differ.
    ip: ipv4(0x0a000000, `${clusterOf('pd')} * 1048576 + (p * 40503 + 7) % 1048576`),
    container_id: `concat(${hex(hash('cid', 'p'), 16)}, ${hex(hash('cid2', 'p'), 16)}, ${hex(hash('cid3', 'p'), 16)}, ${hex(hash('cid4', 'p'), 16)})`,
    pid: `toUInt32(1000 + ${hash('pid', 'p')} % 60000)`,
  };
  const withClause = [
    `(SELECT arrayFlatten(arrayMap(d -> arrayWithConstant(${podCount('d')}, toUInt32(d)), range(${deployments})))) AS fleet_pod_deployment`,
    ...Object.entries(perDeployment).map(
      ([name, expr]) => `(SELECT arrayMap(d -> ${expr}, range(${deployments}))) AS fleet_deployment_${name}`
    ),
    ...Object.entries(perPod).map(
      ([name, expr]) =>
        `(SELECT arrayMap((p, pd) -> ${expr}, range(${pods}), fleet_pod_deployment)) AS fleet_pod_${name}`
    ),
  ];
  const at = (array: string, index: string) => `${array}[1 + (${index})]`;
  const ofDeployment = (name: keyof typeof perDeployment) => (d: string) => at(`fleet_deployment_${name}`, d);
  const ofPod = (name: keyof typeof perPod) => (p: string) => at(`fleet_pod_${name}`, p);
  return {
    with: `WITH\n  ${withClause.join(',\n  ')}`,
    hash,
    uniform: (salt, ...args) => `(${hash(salt, ...args)} / 18446744073709551616.)`,
    pods,
    deployments,
    podStart,
    podCount,
    popularDeployment: (u) => `((toUInt64(floor(pow(${deployments} + 1, ${u}))) - 1) * 1000003 + 13) % ${deployments}`,
    deploymentOf: (p) => at('fleet_pod_deployment', p),
    deploymentName: ofDeployment('name'),
    namespace: ofDeployment('namespace'),
    clusterIndex: ofDeployment('cluster_index'),
    cluster: ofDeployment('cluster'),
    service: ofDeployment('service'),
    serviceIp: ofDeployment('service_ip'),
    serverPort: ofDeployment('port'),
    comm: ofDeployment('comm'),
    podName: ofPod('name'),
    nodeIndex: ofPod('node_index'),
    node: ofPod('node'),
    podIp: ofPod('ip'),
    containerId: ofPod('container_id'),
    pid: ofPod('pid'),
    resolverIp: (d) => ipv4(0x0a60000a, `${ofDeployment('cluster_index')(d)} * 65536`),
    externalName: (i) => `if((${i}) < ${EXTERNAL_NAMES.length}, ${list(EXTERNAL_NAMES)}[1 + (${i})], '')`,
    // Public-looking addresses in 52.0.0.0/8.
    externalIp: (i) => ipv4(0x34000000, `${hash('ext-ip', i)} % 16777216`),
    dayWave: (u) => `((${u}) - 0.15 * sin(2 * pi() * (${u})) / (2 * pi()))`,
  };
}
