-- 0001_raw_tables: the database and the four tables the agent writes (see src/shared/schema.ts,
-- which the schema test holds these columns to, name by name and codec by codec).
--
-- Partitioning: one partition per day, so retention drops whole parts (ttl_only_drop_parts) instead
-- of rewriting them, and a time-range query opens only the days it covers.
--
-- Sort keys lead with a coarse time bucket rather than ts itself: time-range scans still prune on
-- it, and inside each bucket the rows of one workload, node and connection lie side by side, so the
-- LowCardinality labels, the T64 counters and the Delta timestamps compress to a fraction of what
-- a ts-first order gives. ts closes the key so reads within a bucket stay in time order.
--
-- non_replicated_deduplication_window makes insert_deduplication_token work on a single node: a
-- batch retried with the same token after a lost acknowledgement is written once.
--
-- {{ttl_*_days}} placeholders are filled by migrate() with validated positive integers; later
-- changes to the retention are applied by migrate's TTL reconcile step, not by editing this file.

CREATE DATABASE IF NOT EXISTS netmon;

CREATE TABLE IF NOT EXISTS netmon.connections
(
  ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
  connection_id UInt64 CODEC(ZSTD(1)),
  node LowCardinality(String),
  pid UInt32 CODEC(T64, ZSTD(1)),
  comm LowCardinality(String),
  protocol Enum8('tcp' = 1, 'udp' = 2),
  direction Enum8('outbound' = 1, 'inbound' = 2),
  local_ip IPv6 CODEC(ZSTD(1)),
  local_port UInt16 CODEC(ZSTD(1)),
  local_container_id LowCardinality(String),
  local_cluster LowCardinality(String),
  local_namespace LowCardinality(String),
  local_deployment LowCardinality(String),
  local_pod LowCardinality(String),
  local_container LowCardinality(String),
  remote_ip IPv6 CODEC(ZSTD(1)),
  remote_port UInt16 CODEC(ZSTD(1)),
  remote_container_id LowCardinality(String),
  remote_cluster LowCardinality(String),
  remote_namespace LowCardinality(String),
  remote_deployment LowCardinality(String),
  remote_pod LowCardinality(String),
  remote_container LowCardinality(String),
  remote_node LowCardinality(String),
  remote_service LowCardinality(String),
  remote_dns_name LowCardinality(String),
  bytes_tx UInt64 CODEC(T64, ZSTD(1)),
  bytes_rx UInt64 CODEC(T64, ZSTD(1)),
  packets_tx UInt64 CODEC(T64, ZSTD(1)),
  packets_rx UInt64 CODEC(T64, ZSTD(1)),
  retransmits UInt32 CODEC(T64, ZSTD(1)),
  resets UInt32 CODEC(T64, ZSTD(1)),
  rtt_us UInt32 CODEC(T64, ZSTD(1)),
  state Enum8('open' = 1, 'active' = 2, 'closed' = 3, 'failed' = 4),
  opened UInt8 CODEC(T64, ZSTD(1)),
  duration_ms UInt64 CODEC(T64, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
-- Pages filter and group by the local workload first; a connection's rows (one per flush) then
-- sit together, which is where most of the compression comes from.
ORDER BY (toStartOfFifteenMinutes(ts), local_namespace, local_deployment, node, connection_id, ts)
TTL toDateTime(ts) + INTERVAL {{ttl_raw_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS netmon.dns_queries
(
  ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
  node LowCardinality(String),
  pid UInt32 CODEC(T64, ZSTD(1)),
  comm LowCardinality(String),
  container_id LowCardinality(String),
  client_cluster LowCardinality(String),
  client_namespace LowCardinality(String),
  client_deployment LowCardinality(String),
  client_pod LowCardinality(String),
  client_container LowCardinality(String),
  client_ip IPv6 CODEC(ZSTD(1)),
  client_port UInt16 CODEC(ZSTD(1)),
  server_ip IPv6 CODEC(ZSTD(1)),
  server_port UInt16 CODEC(ZSTD(1)),
  protocol Enum8('udp' = 1, 'tcp' = 2),
  query_id UInt16 CODEC(ZSTD(1)),
  qname LowCardinality(String),
  qtype LowCardinality(String),
  rcode LowCardinality(String),
  latency_us UInt32 CODEC(T64, ZSTD(1)),
  retries UInt16 CODEC(T64, ZSTD(1)),
  answers Array(String) CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
-- The same questions repeat from the same workloads (a pod asks for the same names every few
-- seconds), so grouping by client and name inside the time bucket packs the repeats together.
ORDER BY (toStartOfFifteenMinutes(ts), client_namespace, client_deployment, node, qname, ts)
TTL toDateTime(ts) + INTERVAL {{ttl_raw_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

-- Latest row per container wins at merge time; readers that need it exact use FINAL or argMax.
CREATE TABLE IF NOT EXISTS netmon.container_metadata
(
  timestamp DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
  network LowCardinality(String),
  project LowCardinality(String),
  region LowCardinality(String),
  zone LowCardinality(String),
  cluster LowCardinality(String),
  cluster_role LowCardinality(String),
  environment LowCardinality(String),
  namespace LowCardinality(String),
  node LowCardinality(String),
  deployment LowCardinality(String),
  pod_id String CODEC(ZSTD(1)),
  pod LowCardinality(String),
  container_id String CODEC(ZSTD(1)),
  container LowCardinality(String),
  hostname LowCardinality(String),
  ip IPv6 CODEC(ZSTD(1)),
  host_network Bool,
  pod_uid String CODEC(ZSTD(1))
)
ENGINE = ReplacingMergeTree(timestamp)
ORDER BY container_id
SETTINGS non_replicated_deduplication_window = 1000;

-- One row per agent per interval: small, read per time range across all nodes, kept as long as
-- the minute rollups so a gap in the charts can always be explained.
CREATE TABLE IF NOT EXISTS netmon.agent_health
(
  ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
  node LowCardinality(String),
  agent_version LowCardinality(String),
  interval_ms UInt32 CODEC(T64, ZSTD(1)),
  probes_attached UInt32 CODEC(T64, ZSTD(1)),
  probes_expected UInt32 CODEC(T64, ZSTD(1)),
  events_read UInt64 CODEC(T64, ZSTD(1)),
  lost_events UInt64 CODEC(T64, ZSTD(1)),
  malformed_lines UInt64 CODEC(T64, ZSTD(1)),
  map_full_errors UInt64 CODEC(T64, ZSTD(1)),
  bpftrace_restarts UInt32 CODEC(T64, ZSTD(1)),
  records_spooled UInt64 CODEC(T64, ZSTD(1)),
  records_sent UInt64 CODEC(T64, ZSTD(1)),
  records_dropped UInt64 CODEC(T64, ZSTD(1)),
  spool_bytes UInt64 CODEC(T64, ZSTD(1)),
  cpu_ms UInt32 CODEC(T64, ZSTD(1)),
  rss_bytes UInt64 CODEC(T64, ZSTD(1)),
  gap_start DateTime64(3, 'UTC'),
  gap_end DateTime64(3, 'UTC'),
  gap_reason LowCardinality(String)
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (toStartOfHour(ts), node, ts)
TTL toDateTime(ts) + INTERVAL {{ttl_minute_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;
