import { tables, type connectionsColumns } from '../schema';
import { createBinder } from '../sql/params';
import type { BuiltQuery } from '../sql/query';
import type { FleetShape } from './fleetShape';
import { EXTERNAL_PEERS, fleetSql, UDP_PORT } from './fleetSql';
import { helperSelect, insertSelect } from './insertSelect';

/** Share of connections to peers outside the fleet (outbound rows only). */
const EXTERNAL_SHARE = 0.1;
/** Distinct in-fleet dependencies, and external peers, per client deployment. */
const DEPENDENCIES = 4;
const EXTERNAL_DEPENDENCIES = 3;
const FLUSH_MS = 10_000;

/**
 * Connection rows number `first` to `first + rows - 1` of the run, each a pure function of its
 * number, so the rows of a run can be written in any number of chunks.
 *
 * Rows come in pairs (n = 2k, 2k + 1) describing observation k of a connection. Observations come
 * in blocks of 8: four connections of one row (opened and closed within a flush) and one of four
 * rows (one per 10 s flush), so sum(opened) and the closed rows stay honest. An in-fleet connection
 * is seen from both ends: row 2k is the client's outbound row on its node, row 2k + 1 the server's
 * inbound row on its node, with the same bytes the other way round. A connection only one side
 * sees (an external peer, a connect that failed) makes both rows outbound, the second one another
 * connection of the same pair (a retry, the next request).
 *
 * Skew: clients are uniform over deployments, but each depends on at most 4 servers chosen by
 * Zipf-like popularity, so a few hot services take most connections. One pair in 20 (one external
 * peer in 8) is lossy: 3x the RTT, ~3 % retransmits, a fifth of its short connections failing.
 */
export function connectionsInsert(shape: FleetShape, first: number, rows: number): BuiltQuery {
  const binder = createBinder();
  const f = fleetSql(shape, binder);
  const from = binder.named('from_ms', 'Int64', shape.fromMs);
  const span = binder.named('span_ms', 'Int64', shape.toMs - shape.fromMs);
  const numbers = `numbers_mt(${binder.named('first', 'UInt64', first)}, ${binder.named('rows', 'UInt64', rows)})`;
  const helpers: Array<readonly [string, string]> = [
    ['n', 'number'],
    ['k', 'intDiv(n, 2)'],
    ['side', 'n % 2'],
    ['c', 'intDiv(k, 8) * 5 + least(k % 8, 4)'],
    ['j', 'if(k % 8 < 4, 0, k % 8 - 4)'],
    ['conn_rows', 'if(k % 8 < 4, 1, 4)'],
    ['dc', `toUInt32(${f.hash('client', 'c')} % ${f.deployments})`],
    ['cp', `toUInt32(${f.podStart('dc')} + ${f.hash('client-pod', 'c')} % ${f.podCount('dc')})`],
    ['is_ext', `${f.uniform('external', 'c')} < ${EXTERNAL_SHARE}`],
    [
      'ext_peer',
      `${f.hash('ext-peer', 'dc', `${f.hash('ext-pick', 'c')} % ${EXTERNAL_DEPENDENCIES}`)} % ${EXTERNAL_PEERS}`,
    ],
    [
      'ds',
      `toUInt32(${f.popularDeployment(f.uniform('dependency', 'dc', `${f.hash('dep-pick', 'c')} % ${DEPENDENCIES}`))})`,
    ],
    ['sp', `toUInt32(${f.podStart('ds')} + ${f.hash('server-pod', 'c')} % ${f.podCount('ds')})`],
    ['lossy', `if(is_ext, ${f.hash('lossy-ext', 'ext_peer')} % 8 = 0, ${f.hash('lossy', 'dc', 'ds')} % 20 = 0)`],
    ['is_failed', `conn_rows = 1 AND ${f.uniform('fail', 'c')} < if(lossy, 0.2, 0.01)`],
    ['single', 'is_ext OR is_failed'],
    ['outbound', 'single OR side = 0'],
    ['conn', 'if(single, c * 2 + side, c * 2)'],
    ['server_port', `toUInt16(if(is_ext, 443, ${f.serverPort('ds')}))`],
    ['is_udp', `server_port = ${UDP_PORT}`],
    ['ephemeral', `toUInt16(32768 + ${f.hash('ephemeral', 'conn')} % 28232)`],
    ['ld', 'if(outbound, dc, ds)'],
    ['lp', 'if(outbound, cp, sp)'],
    ['rd', 'if(outbound, ds, dc)'],
    ['rp', 'if(outbound, sp, cp)'],
    ['warped', f.dayWave(f.uniform('start', 'conn'))],
    ['start_ms', `${from} + toInt64(floor(warped * (${span} - conn_rows * ${FLUSH_MS})))`],
    ['is_last', 'j + 1 = conn_rows'],
    [
      'offset_ms',
      `toInt64(if(is_last, j * ${FLUSH_MS} + 1 + floor(${f.uniform('life', 'conn')} * if(is_failed, 3000, ${FLUSH_MS - 1})), (j + 1) * ${FLUSH_MS}))`,
    ],
    ['client_bytes', `toUInt64(if(is_failed, 0, floor(150 * exp(5 * ${f.uniform('request', 'conn', 'j')}))))`],
    [
      'server_bytes',
      `toUInt64(if(is_failed, 0, floor(client_bytes * (1 + 30 * pow(${f.uniform('response', 'conn', 'j')}, 2)))))`,
    ],
    [
      'client_packets',
      `toUInt64(if(is_failed, 1 + ${f.hash('syn', 'conn')} % 3, intDiv(client_bytes, 1400) + 1 + intDiv(server_bytes, 2800)))`,
    ],
    ['server_packets', 'toUInt64(if(is_failed, 0, intDiv(server_bytes, 1400) + 1 + intDiv(client_bytes, 2800)))'],
    ['sent_packets', 'if(outbound, client_packets, server_packets)'],
    [
      'base_rtt',
      `if(is_ext, 5000 + 75000 * ${f.uniform('rtt-ext', 'ext_peer')}, 120 * exp(3.2 * ${f.uniform('rtt', 'dc', 'ds')})) * if(lossy, 3, 1)`,
    ],
  ];
  const ext = (fleetValue: string, outside: string) => `if(is_ext, ${outside}, ${fleetValue})`;
  const dialed = (value: string, none: string) => `if(outbound AND NOT is_ext, ${value}, ${none})`;
  const columns: Record<keyof typeof connectionsColumns, string> = {
    ts: `fromUnixTimestamp64Milli(start_ms + offset_ms, 'UTC')`,
    connection_id: f.hash('connection-id', 'conn', 'side'),
    node: f.node('lp'),
    pid: f.pid('lp'),
    comm: f.comm('ld'),
    protocol: "if(is_udp, 'udp', 'tcp')",
    direction: "if(outbound, 'outbound', 'inbound')",
    local_ip: f.podIp('lp'),
    local_port: 'if(outbound, ephemeral, server_port)',
    local_container_id: f.containerId('lp'),
    local_cluster: f.cluster('ld'),
    local_namespace: f.namespace('ld'),
    local_deployment: f.deploymentName('ld'),
    local_pod: f.podName('lp'),
    local_container: f.deploymentName('ld'),
    remote_ip: ext(f.podIp('rp'), f.externalIp('ext_peer')),
    remote_port: 'if(outbound, server_port, ephemeral)',
    remote_container_id: ext(f.containerId('rp'), "''"),
    remote_cluster: ext(f.cluster('rd'), "''"),
    remote_namespace: ext(f.namespace('rd'), "''"),
    remote_deployment: ext(f.deploymentName('rd'), "''"),
    remote_pod: ext(f.podName('rp'), "''"),
    remote_container: ext(f.deploymentName('rd'), "''"),
    remote_node: ext(f.node('rp'), "''"),
    remote_service: dialed(f.service('ds'), "''"),
    remote_service_ip: dialed(f.serviceIp('ds'), "toIPv6('::')"),
    remote_service_port: dialed('server_port', '0'),
    remote_dns_name: ext("''", f.externalName('ext_peer')),
    bytes_tx: 'if(outbound, client_bytes, server_bytes)',
    bytes_rx: 'if(outbound, server_bytes, client_bytes)',
    packets_tx: 'sent_packets',
    packets_rx: 'if(outbound, server_packets, client_packets)',
    retransmits: `toUInt32(if(is_udp, 0, if(is_failed, sent_packets - 1, floor(sent_packets * if(lossy, 0.06, 0.002) * ${f.uniform('retransmit', 'conn', 'j', 'side')}))))`,
    resets: `toUInt32(if(is_failed, ${f.hash('refused', 'conn')} % 2, is_last AND NOT is_udp AND ${f.uniform('reset', 'conn')} < 0.005))`,
    rtt_us: `toUInt32(if(is_udp OR is_failed, 0, base_rtt * (0.8 + 0.4 * ${f.uniform('jitter', 'conn', 'j', 'side')})))`,
    state: "if(is_failed, 'failed', if(is_last, 'closed', if(j = 0, 'open', 'active')))",
    opened: 'toUInt8(j = 0)',
    duration_ms: 'toUInt64(if(is_last, offset_ms, 0))',
  };
  const sql = insertSelect(shape, tables.connections.name, f, columns, helperSelect(helpers, numbers));
  return { sql, params: binder.params };
}
