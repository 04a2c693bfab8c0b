import { tables, type dnsQueriesColumns } from '../schema';
import { createBinder } from '../sql/params';
import type { BuiltQuery } from '../sql/query';
import type { FleetShape } from './fleetShape';
import { EXTERNAL_NAMED, EXTERNAL_PEERS, fleetSql } from './fleetSql';
import { helperSelect, insertSelect } from './insertSelect';

/**
 * DNS rows number `first` to `first + rows - 1`, each a pure function of its number.
 *
 * A pod asks for the Services its deployment depends on (the same Zipf-chosen dependencies its
 * connections go to, so hot services are hot names), for the external names its connections
 * use, and, as ndots:5 search paths make resolvers do, for external names with the cluster suffix
 * appended, which come back NXDOMAIN: about 60 / 22 / 18 %. External names fail more (1 % TIMEOUT,
 * 1.5 % SERVFAIL against 0.3 % and 0.2 %) and take ~10x longer; 1 % of answers are 10x slower.
 */
export function dnsInsert(shape: FleetShape, first: number, rows: number): BuiltQuery {
  const binder = createBinder();
  const f = fleetSql(shape, binder);
  const from = binder.named('from_ms', 'Int64', shape.fromMs);
  const span = binder.named('span_ms', 'Int64', shape.toMs - shape.fromMs);
  const numbers = `numbers_mt(${binder.named('first', 'UInt64', first)}, ${binder.named('rows', 'UInt64', rows)})`;
  const v4Text = (ip: string) => `replaceOne(toString(${ip}), '::ffff:', '')`;
  const helpers: Array<readonly [string, string]> = [
    ['n', 'number'],
    ['dc', `toUInt32(${f.hash('dns-client', 'n')} % ${f.deployments})`],
    ['cp', `toUInt32(${f.podStart('dc')} + ${f.hash('dns-client-pod', 'n')} % ${f.podCount('dc')})`],
    ['u_kind', f.uniform('dns-kind', 'n')],
    ['kind', "multiIf(u_kind < 0.6, 'service', u_kind < 0.82, 'external', 'expansion')"],
    // The same salts as the connections' choices: a deployment resolves what it connects to.
    ['ds', `toUInt32(${f.popularDeployment(f.uniform('dependency', 'dc', `${f.hash('dns-pick', 'n')} % 4`))})`],
    ['ext_peer', `${f.hash('ext-peer', 'dc', `${f.hash('dns-ext-pick', 'n')} % 3`)} % ${EXTERNAL_PEERS}`],
    ['ext_name', f.externalName(`ext_peer % ${EXTERNAL_NAMED}`)],
    ['u_rcode', f.uniform('rcode', 'n')],
    [
      'answer_code',
      `multiIf(kind = 'expansion', 'NXDOMAIN', u_rcode < if(kind = 'external', 0.01, 0.003), 'TIMEOUT', ` +
        `u_rcode < if(kind = 'external', 0.025, 0.005), 'SERVFAIL', 'NOERROR')`,
    ],
    ['question_type', `if(${f.uniform('qtype', 'n')} < 0.3, 'AAAA', 'A')`],
    [
      'base_latency',
      `if(kind = 'external', 2000 * exp(3.2 * ${f.uniform('latency', 'n')}), 150 * exp(2.5 * ${f.uniform('latency', 'n')}))`,
    ],
  ];
  const columns: Record<keyof typeof dnsQueriesColumns, string> = {
    ts: `fromUnixTimestamp64Milli(${from} + toInt64(floor(${f.dayWave(f.uniform('dns-ts', 'n'))} * ${span})), 'UTC')`,
    node: f.node('cp'),
    pid: f.pid('cp'),
    comm: f.comm('dc'),
    container_id: f.containerId('cp'),
    client_cluster: f.cluster('dc'),
    client_namespace: f.namespace('dc'),
    client_deployment: f.deploymentName('dc'),
    client_pod: f.podName('cp'),
    client_container: f.deploymentName('dc'),
    client_ip: f.podIp('cp'),
    client_port: `toUInt16(32768 + ${f.hash('dns-port', 'n')} % 28232)`,
    server_ip: f.resolverIp('dc'),
    server_port: '53',
    protocol: `if(${f.uniform('dns-tcp', 'n')} < 0.01, 'tcp', 'udp')`,
    query_id: `toUInt16(${f.hash('query-id', 'n')} % 65536)`,
    qname: `multiIf(kind = 'service', concat(${f.deploymentName('ds')}, '.', ${f.namespace('ds')}, '.svc.cluster.local'), kind = 'external', ext_name, concat(ext_name, '.', ${f.namespace('dc')}, '.svc.cluster.local'))`,
    qtype: 'question_type',
    rcode: 'answer_code',
    latency_us: `toUInt32(if(answer_code = 'TIMEOUT', 0, base_latency * if(${f.uniform('latency-tail', 'n')} < 0.01, 10, 1)))`,
    retries: `toUInt16(if(answer_code = 'TIMEOUT', 2, ${f.uniform('dns-retry', 'n')} < 0.01))`,
    answers: `if(answer_code = 'NOERROR' AND question_type = 'A', [${v4Text(`if(kind = 'service', ${f.serviceIp('ds')}, ${f.externalIp(`ext_peer % ${EXTERNAL_NAMED}`)})`)}], [])`,
  };
  const sql = insertSelect(shape, tables.dns_queries.name, f, columns, helperSelect(helpers, numbers));
  return { sql, params: binder.params };
}
