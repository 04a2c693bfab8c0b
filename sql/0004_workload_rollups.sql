-- 0004_workload_rollups: connection rollups keyed by workload (deployment) rather than pod.
-- The pod-keyed rollups of 0002 hold a row per pod pair per bucket: a 5,000-pod fleet makes
-- ~730k pod pairs an hour, so a day of connections_1h is ~17.5M rows and the Connections page's
-- 24 h queries took seconds (docs/BENCHMARKS.md). Most views group and filter by workload,
-- namespace or cluster; these tables answer them from ~100x fewer rows, and the builders fall back
-- to the pod-keyed tables only when a view asks for a pod or a node.
--
-- Same columns as 0002's rollups minus the pods. src_node/dst_node stay, but only for a side with
-- no workload (a host process, a bare pod, a peer outside the fleet): the flow graph names those
-- "host:<node>", and keeping the node of every workload's pod would bring the pod pairs back.
--
-- A connection seen from both ends is counted once per pair by the builders (greatest of the two
-- sides' sums). Here a "pair" is a workload pair, which is exact when each workload pair is seen
-- from the same side(s) for all its pods; in a partial rollout where some of a pair's pods are seen
-- only by the client's agent and others only by the server's, the larger side wins and the pod
-- tables give the exact figure.
--
-- Filled by their own views straight from the raw table, like 0002's. Existing data is copied
-- once from the pod-keyed rollups (which hold more history than raw) before the views exist; rows
-- written between that copy and the views' creation would be missed, so migrate before agents
-- start writing, as `netmon up` does.

CREATE TABLE IF NOT EXISTS netmon.connections_workload_1m
(
  ts DateTime('UTC') CODEC(Delta, ZSTD(1)),
  protocol Enum8('tcp' = 1, 'udp' = 2),
  direction Enum8('outbound' = 1, 'inbound' = 2),
  src_cluster LowCardinality(String),
  src_namespace LowCardinality(String),
  src_deployment LowCardinality(String),
  src_node LowCardinality(String),
  dst_cluster LowCardinality(String),
  dst_namespace LowCardinality(String),
  dst_deployment LowCardinality(String),
  dst_node LowCardinality(String),
  dst_service LowCardinality(String),
  dst_dns_name LowCardinality(String),
  dst_port UInt16 CODEC(ZSTD(1)),
  src_bytes SimpleAggregateFunction(sum, UInt64),
  dst_bytes SimpleAggregateFunction(sum, UInt64),
  src_packets SimpleAggregateFunction(sum, UInt64),
  dst_packets SimpleAggregateFunction(sum, UInt64),
  retransmits SimpleAggregateFunction(sum, UInt64),
  resets SimpleAggregateFunction(sum, UInt64),
  opened SimpleAggregateFunction(sum, UInt64),
  failed SimpleAggregateFunction(sum, UInt64),
  closed SimpleAggregateFunction(sum, UInt64),
  rtt_sum_us SimpleAggregateFunction(sum, UInt64),
  rtt_samples SimpleAggregateFunction(sum, UInt64),
  rtt_max_us SimpleAggregateFunction(max, UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (
  ts, protocol, direction, src_cluster, src_namespace, src_deployment, src_node, dst_cluster,
  dst_namespace, dst_deployment, dst_node, dst_service, dst_dns_name, dst_port
)
TTL ts + INTERVAL {{ttl_minute_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

INSERT INTO netmon.connections_workload_1m
SELECT
  ts, protocol, direction, src_cluster, src_namespace, src_deployment,
  if(src_deployment = '', src_node, '') AS src_node,
  dst_cluster, dst_namespace, dst_deployment,
  if(dst_deployment = '', dst_node, '') AS dst_node,
  dst_service, dst_dns_name, dst_port,
  sum(src_bytes), sum(dst_bytes), sum(src_packets), sum(dst_packets), sum(retransmits),
  sum(resets), sum(opened), sum(failed), sum(closed), sum(rtt_sum_us), sum(rtt_samples),
  max(rtt_max_us)
FROM netmon.connections_1m
WHERE (SELECT count() FROM netmon.connections_workload_1m) = 0
GROUP BY
  ts, protocol, direction, src_cluster, src_namespace, src_deployment, src_node, dst_cluster,
  dst_namespace, dst_deployment, dst_node, dst_service, dst_dns_name, dst_port;

CREATE MATERIALIZED VIEW IF NOT EXISTS netmon.connections_workload_1m_mv TO netmon.connections_workload_1m AS
WITH direction = 'outbound' AS outbound
SELECT
  toStartOfMinute(ts) AS ts,
  protocol,
  direction,
  if(outbound, local_cluster, remote_cluster) AS src_cluster,
  if(outbound, local_namespace, remote_namespace) AS src_namespace,
  if(outbound, local_deployment, remote_deployment) AS src_deployment,
  if(src_deployment = '', if(outbound, node, remote_node), '') AS src_node,
  if(outbound, remote_cluster, local_cluster) AS dst_cluster,
  if(outbound, remote_namespace, local_namespace) AS dst_namespace,
  if(outbound, remote_deployment, local_deployment) AS dst_deployment,
  if(dst_deployment = '', if(outbound, remote_node, node), '') AS dst_node,
  if(outbound, remote_service, '') AS dst_service,
  if(outbound, remote_dns_name, '') AS dst_dns_name,
  if(outbound, remote_port, local_port) AS dst_port,
  sum(if(outbound, bytes_tx, bytes_rx)) AS src_bytes,
  sum(if(outbound, bytes_rx, bytes_tx)) AS dst_bytes,
  sum(if(outbound, packets_tx, packets_rx)) AS src_packets,
  sum(if(outbound, packets_rx, packets_tx)) AS dst_packets,
  sum(retransmits) AS retransmits,
  sum(resets) AS resets,
  sum(opened) AS opened,
  countIf(state = 'failed') AS failed,
  countIf(state = 'closed') AS closed,
  sumIf(rtt_us, rtt_us > 0) AS rtt_sum_us,
  countIf(rtt_us > 0) AS rtt_samples,
  max(rtt_us) AS rtt_max_us
FROM netmon.connections
GROUP BY
  ts, protocol, direction, src_cluster, src_namespace, src_deployment, src_node, dst_cluster,
  dst_namespace, dst_deployment, dst_node, dst_service, dst_dns_name, dst_port;

CREATE TABLE IF NOT EXISTS netmon.connections_workload_1h
(
  ts DateTime('UTC') CODEC(Delta, ZSTD(1)),
  protocol Enum8('tcp' = 1, 'udp' = 2),
  direction Enum8('outbound' = 1, 'inbound' = 2),
  src_cluster LowCardinality(String),
  src_namespace LowCardinality(String),
  src_deployment LowCardinality(String),
  src_node LowCardinality(String),
  dst_cluster LowCardinality(String),
  dst_namespace LowCardinality(String),
  dst_deployment LowCardinality(String),
  dst_node LowCardinality(String),
  dst_service LowCardinality(String),
  dst_dns_name LowCardinality(String),
  dst_port UInt16 CODEC(ZSTD(1)),
  src_bytes SimpleAggregateFunction(sum, UInt64),
  dst_bytes SimpleAggregateFunction(sum, UInt64),
  src_packets SimpleAggregateFunction(sum, UInt64),
  dst_packets SimpleAggregateFunction(sum, UInt64),
  retransmits SimpleAggregateFunction(sum, UInt64),
  resets SimpleAggregateFunction(sum, UInt64),
  opened SimpleAggregateFunction(sum, UInt64),
  failed SimpleAggregateFunction(sum, UInt64),
  closed SimpleAggregateFunction(sum, UInt64),
  rtt_sum_us SimpleAggregateFunction(sum, UInt64),
  rtt_samples SimpleAggregateFunction(sum, UInt64),
  rtt_max_us SimpleAggregateFunction(max, UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (
  ts, protocol, direction, src_cluster, src_namespace, src_deployment, src_node, dst_cluster,
  dst_namespace, dst_deployment, dst_node, dst_service, dst_dns_name, dst_port
)
TTL ts + INTERVAL {{ttl_hour_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

INSERT INTO netmon.connections_workload_1h
SELECT
  ts, protocol, direction, src_cluster, src_namespace, src_deployment,
  if(src_deployment = '', src_node, '') AS src_node,
  dst_cluster, dst_namespace, dst_deployment,
  if(dst_deployment = '', dst_node, '') AS dst_node,
  dst_service, dst_dns_name, dst_port,
  sum(src_bytes), sum(dst_bytes), sum(src_packets), sum(dst_packets), sum(retransmits),
  sum(resets), sum(opened), sum(failed), sum(closed), sum(rtt_sum_us), sum(rtt_samples),
  max(rtt_max_us)
FROM netmon.connections_1h
WHERE (SELECT count() FROM netmon.connections_workload_1h) = 0
GROUP BY
  ts, protocol, direction, src_cluster, src_namespace, src_deployment, src_node, dst_cluster,
  dst_namespace, dst_deployment, dst_node, dst_service, dst_dns_name, dst_port;

CREATE MATERIALIZED VIEW IF NOT EXISTS netmon.connections_workload_1h_mv TO netmon.connections_workload_1h AS
WITH direction = 'outbound' AS outbound
SELECT
  toStartOfHour(ts) AS ts,
  protocol,
  direction,
  if(outbound, local_cluster, remote_cluster) AS src_cluster,
  if(outbound, local_namespace, remote_namespace) AS src_namespace,
  if(outbound, local_deployment, remote_deployment) AS src_deployment,
  if(src_deployment = '', if(outbound, node, remote_node), '') AS src_node,
  if(outbound, remote_cluster, local_cluster) AS dst_cluster,
  if(outbound, remote_namespace, local_namespace) AS dst_namespace,
  if(outbound, remote_deployment, local_deployment) AS dst_deployment,
  if(dst_deployment = '', if(outbound, remote_node, node), '') AS dst_node,
  if(outbound, remote_service, '') AS dst_service,
  if(outbound, remote_dns_name, '') AS dst_dns_name,
  if(outbound, remote_port, local_port) AS dst_port,
  sum(if(outbound, bytes_tx, bytes_rx)) AS src_bytes,
  sum(if(outbound, bytes_rx, bytes_tx)) AS dst_bytes,
  sum(if(outbound, packets_tx, packets_rx)) AS src_packets,
  sum(if(outbound, packets_rx, packets_tx)) AS dst_packets,
  sum(retransmits) AS retransmits,
  sum(resets) AS resets,
  sum(opened) AS opened,
  countIf(state = 'failed') AS failed,
  countIf(state = 'closed') AS closed,
  sumIf(rtt_us, rtt_us > 0) AS rtt_sum_us,
  countIf(rtt_us > 0) AS rtt_samples,
  max(rtt_us) AS rtt_max_us
FROM netmon.connections
GROUP BY
  ts, protocol, direction, src_cluster, src_namespace, src_deployment, src_node, dst_cluster,
  dst_namespace, dst_deployment, dst_node, dst_service, dst_dns_name, dst_port;
