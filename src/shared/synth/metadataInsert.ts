import { tables, type containerMetadataColumns } from '../schema';
import { createBinder } from '../sql/params';
import type { BuiltQuery } from '../sql/query';
import type { FleetShape } from './fleetShape';
import { fleetSql, REGIONS } from './fleetSql';
import { insertSelect } from './insertSelect';

/** One container_metadata row per pod, observed at the start of the window. */
export function metadataInsert(shape: FleetShape): BuiltQuery {
  const binder = createBinder();
  const f = fleetSql(shape, binder);
  const from = binder.named('from_ms', 'Int64', shape.fromMs);
  const region = `${REGIONS.map((r) => `'${r}'`).join(', ')}`;
  const uuid = (h: string) =>
    `concat(substring(${h}, 1, 8), '-', substring(${h}, 9, 4), '-', substring(${h}, 13, 4), '-', substring(${h}, 17, 4), '-', substring(${h}, 21, 12))`;
  const columns: Record<keyof typeof containerMetadataColumns, string> = {
    timestamp: `fromUnixTimestamp64Milli(${from}, 'UTC')`,
    network: `concat('vpc-', ${f.cluster('d')})`,
    project: "'netmon-synth'",
    region: `[${region}][1 + ${f.clusterIndex('d')}]`,
    zone: `concat([${region}][1 + ${f.clusterIndex('d')}], '-', ['b', 'c', 'd'][1 + ${f.nodeIndex('p')} % 3])`,
    cluster: f.cluster('d'),
    cluster_role: "'prod'",
    environment: "'production'",
    namespace: f.namespace('d'),
    node: f.node('p'),
    deployment: f.deploymentName('d'),
    pod_id: `lower(hex(sipHash128(${f.hash('sandbox', 'p')})))`,
    pod: f.podName('p'),
    container_id: f.containerId('p'),
    container: f.deploymentName('d'),
    hostname: f.podName('p'),
    ip: f.podIp('p'),
    host_network: 'false',
    pod_uid: uuid(`lower(hex(sipHash128(${f.hash('uid', 'p')})))`),
  };
  const source = `SELECT number AS p, ${f.deploymentOf('p')} AS d FROM numbers(${f.pods})`;
  return { sql: insertSelect(shape, tables.container_metadata.name, f, columns, source), params: binder.params };
}
