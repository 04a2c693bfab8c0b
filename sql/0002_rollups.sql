-- 0002_rollups: minute and hour rollups of connections and DNS questions, each filled by its own
-- materialized view straight from the raw table (not hour-from-minute), so each tier is exact
-- and can be rebuilt from raw data alone.
--
-- Connection rows are re-oriented from "this side / the peer" to client (src) and server (dst):
-- the outbound side is the client. Both ends of an in-fleet connection report it, so a rollup row
-- keeps `direction` as a key; readers pick one side (or both, for one-sided views) and the SQL
-- builders rely on exactly these expressions:
--   src_X = if(outbound, local_X, remote_X), dst_X the other way round, for cluster, namespace,
--   deployment, pod; src_node/dst_node from node and remote_node; dst_service, dst_dns_name only
--   when outbound; dst_port = if(outbound, remote_port, local_port); bytes and packets sent by the
--   client/server; failed/closed count rows in that state; RTT as sum, samples (rows with an RTT)
--   and max.
-- DNS: answered latency (rcode != 'TIMEOUT') feeds the sum and the t-digest.
--
-- AggregatingMergeTree keyed by every group-by column, ts first, so a time range prunes and a
-- merge collapses the rows of one bucket. Minute partitions are daily, hour partitions monthly,
-- so retention drops whole parts. The deduplication window lets a retried raw insert (same token)
-- skip the rollups too (deduplicate_blocks_in_dependent_materialized_views on the insert).

CREATE TABLE IF NOT EXISTS netmon.connections_1m
(
  ts DateTime('UTC') CODEC(Delta, ZSTD(1)),
  protocol Enum8('tcp' = 1, 'udp' = 2),
  direction Enum8('outbound' = 1, 'inbound' = 2),
  src_cluster LowCardinality(String),
  src_namespace LowCardinality(String),
  src_deployment LowCardinality(String),
  src_pod LowCardinality(String),
  src_node LowCardinality(String),
  dst_cluster LowCardinality(String),
  dst_namespace LowCardinality(String),
  dst_deployment LowCardinality(String),
  dst_pod LowCardinality(String),
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
  ts, protocol, direction, src_cluster, src_namespace, src_deployment, src_pod, src_node,
  dst_cluster, dst_namespace, dst_deployment, dst_pod, dst_node, dst_service, dst_dns_name,
  dst_port
)
TTL ts + INTERVAL {{ttl_minute_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS netmon.connections_1m_mv TO netmon.connections_1m AS
WITH direction = 'outbound' AS outbound
SELECT
  toStartOfMinute(ts) AS ts,
  protocol,
  direction,
  if(outbound, local_cluster, remote_cluster) AS src_cluster,
  if(outbound, local_namespace, remote_namespace) AS src_namespace,
  if(outbound, local_deployment, remote_deployment) AS src_deployment,
  if(outbound, local_pod, remote_pod) AS src_pod,
  if(outbound, node, remote_node) AS src_node,
  if(outbound, remote_cluster, local_cluster) AS dst_cluster,
  if(outbound, remote_namespace, local_namespace) AS dst_namespace,
  if(outbound, remote_deployment, local_deployment) AS dst_deployment,
  if(outbound, remote_pod, local_pod) AS dst_pod,
  if(outbound, remote_node, node) AS dst_node,
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
  ts, protocol, direction, src_cluster, src_namespace, src_deployment, src_pod, src_node,
  dst_cluster, dst_namespace, dst_deployment, dst_pod, dst_node, dst_service, dst_dns_name,
  dst_port;

CREATE TABLE IF NOT EXISTS netmon.connections_1h
(
  ts DateTime('UTC') CODEC(Delta, ZSTD(1)),
  protocol Enum8('tcp' = 1, 'udp' = 2),
  direction Enum8('outbound' = 1, 'inbound' = 2),
  src_cluster LowCardinality(String),
  src_namespace LowCardinality(String),
  src_deployment LowCardinality(String),
  src_pod LowCardinality(String),
  src_node LowCardinality(String),
  dst_cluster LowCardinality(String),
  dst_namespace LowCardinality(String),
  dst_deployment LowCardinality(String),
  dst_pod LowCardinality(String),
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
  ts, protocol, direction, src_cluster, src_namespace, src_deployment, src_pod, src_node,
  dst_cluster, dst_namespace, dst_deployment, dst_pod, dst_node, dst_service, dst_dns_name,
  dst_port
)
TTL ts + INTERVAL {{ttl_hour_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS netmon.connections_1h_mv TO netmon.connections_1h AS
WITH direction = 'outbound' AS outbound
SELECT
  toStartOfHour(ts) AS ts,
  protocol,
  direction,
  if(outbound, local_cluster, remote_cluster) AS src_cluster,
  if(outbound, local_namespace, remote_namespace) AS src_namespace,
  if(outbound, local_deployment, remote_deployment) AS src_deployment,
  if(outbound, local_pod, remote_pod) AS src_pod,
  if(outbound, node, remote_node) AS src_node,
  if(outbound, remote_cluster, local_cluster) AS dst_cluster,
  if(outbound, remote_namespace, local_namespace) AS dst_namespace,
  if(outbound, remote_deployment, local_deployment) AS dst_deployment,
  if(outbound, remote_pod, local_pod) AS dst_pod,
  if(outbound, remote_node, node) AS dst_node,
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
  ts, protocol, direction, src_cluster, src_namespace, src_deployment, src_pod, src_node,
  dst_cluster, dst_namespace, dst_deployment, dst_pod, dst_node, dst_service, dst_dns_name,
  dst_port;

CREATE TABLE IF NOT EXISTS netmon.dns_1m
(
  ts DateTime('UTC') CODEC(Delta, ZSTD(1)),
  node LowCardinality(String),
  client_cluster LowCardinality(String),
  client_namespace LowCardinality(String),
  client_deployment LowCardinality(String),
  client_pod LowCardinality(String),
  server_ip IPv6 CODEC(ZSTD(1)),
  qname LowCardinality(String),
  qtype LowCardinality(String),
  rcode LowCardinality(String),
  queries SimpleAggregateFunction(sum, UInt64),
  retries SimpleAggregateFunction(sum, UInt64),
  latency_sum_us SimpleAggregateFunction(sum, UInt64),
  latency AggregateFunction(quantileTDigest, UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (
  ts, node, client_cluster, client_namespace, client_deployment, client_pod, server_ip, qname,
  qtype, rcode
)
TTL ts + INTERVAL {{ttl_minute_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS netmon.dns_1m_mv TO netmon.dns_1m AS
SELECT
  toStartOfMinute(ts) AS ts,
  node,
  client_cluster,
  client_namespace,
  client_deployment,
  client_pod,
  server_ip,
  qname,
  qtype,
  rcode,
  count() AS queries,
  sum(retries) AS retries,
  sumIf(latency_us, rcode != 'TIMEOUT') AS latency_sum_us,
  quantileTDigestStateIf(latency_us, rcode != 'TIMEOUT') AS latency
FROM netmon.dns_queries
GROUP BY
  ts, node, client_cluster, client_namespace, client_deployment, client_pod, server_ip, qname,
  qtype, rcode;

CREATE TABLE IF NOT EXISTS netmon.dns_1h
(
  ts DateTime('UTC') CODEC(Delta, ZSTD(1)),
  node LowCardinality(String),
  client_cluster LowCardinality(String),
  client_namespace LowCardinality(String),
  client_deployment LowCardinality(String),
  client_pod LowCardinality(String),
  server_ip IPv6 CODEC(ZSTD(1)),
  qname LowCardinality(String),
  qtype LowCardinality(String),
  rcode LowCardinality(String),
  queries SimpleAggregateFunction(sum, UInt64),
  retries SimpleAggregateFunction(sum, UInt64),
  latency_sum_us SimpleAggregateFunction(sum, UInt64),
  latency AggregateFunction(quantileTDigest, UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (
  ts, node, client_cluster, client_namespace, client_deployment, client_pod, server_ip, qname,
  qtype, rcode
)
TTL ts + INTERVAL {{ttl_hour_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS netmon.dns_1h_mv TO netmon.dns_1h AS
SELECT
  toStartOfHour(ts) AS ts,
  node,
  client_cluster,
  client_namespace,
  client_deployment,
  client_pod,
  server_ip,
  qname,
  qtype,
  rcode,
  count() AS queries,
  sum(retries) AS retries,
  sumIf(latency_us, rcode != 'TIMEOUT') AS latency_sum_us,
  quantileTDigestStateIf(latency_us, rcode != 'TIMEOUT') AS latency
FROM netmon.dns_queries
GROUP BY
  ts, node, client_cluster, client_namespace, client_deployment, client_pod, server_ip, qname,
  qtype, rcode;
