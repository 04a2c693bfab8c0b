-- 0005_dns_workload_rollups: DNS rollups keyed by the asking workload rather than its pod and
-- node, for the same reason as 0004: the DNS page's default views group and filter by workload,
-- and its latency quantiles merge one t-digest per rollup row, so fewer rows is faster. The
-- builders read these unless a view names a node or a pod (the name drill-down's "who asks it").
-- Existing data is copied once from the pod-keyed rollups before the views exist (see 0004).

CREATE TABLE IF NOT EXISTS netmon.dns_workload_1m
(
  ts DateTime('UTC') CODEC(Delta, ZSTD(1)),
  client_cluster LowCardinality(String),
  client_namespace LowCardinality(String),
  client_deployment LowCardinality(String),
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
ORDER BY (ts, client_cluster, client_namespace, client_deployment, server_ip, qname, qtype, rcode)
TTL ts + INTERVAL {{ttl_minute_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

INSERT INTO netmon.dns_workload_1m
SELECT
  ts, client_cluster, client_namespace, client_deployment, server_ip, qname, qtype, rcode,
  sum(queries), sum(retries), sum(latency_sum_us), quantileTDigestMergeState(latency)
FROM netmon.dns_1m
WHERE (SELECT count() FROM netmon.dns_workload_1m) = 0
GROUP BY
  ts, client_cluster, client_namespace, client_deployment, server_ip, qname, qtype, rcode;

CREATE MATERIALIZED VIEW IF NOT EXISTS netmon.dns_workload_1m_mv TO netmon.dns_workload_1m AS
SELECT
  toStartOfMinute(ts) AS ts,
  client_cluster,
  client_namespace,
  client_deployment,
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
  ts, client_cluster, client_namespace, client_deployment, server_ip, qname, qtype, rcode;

CREATE TABLE IF NOT EXISTS netmon.dns_workload_1h
(
  ts DateTime('UTC') CODEC(Delta, ZSTD(1)),
  client_cluster LowCardinality(String),
  client_namespace LowCardinality(String),
  client_deployment LowCardinality(String),
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
ORDER BY (ts, client_cluster, client_namespace, client_deployment, server_ip, qname, qtype, rcode)
TTL ts + INTERVAL {{ttl_hour_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

INSERT INTO netmon.dns_workload_1h
SELECT
  ts, client_cluster, client_namespace, client_deployment, server_ip, qname, qtype, rcode,
  sum(queries), sum(retries), sum(latency_sum_us), quantileTDigestMergeState(latency)
FROM netmon.dns_1h
WHERE (SELECT count() FROM netmon.dns_workload_1h) = 0
GROUP BY
  ts, client_cluster, client_namespace, client_deployment, server_ip, qname, qtype, rcode;

CREATE MATERIALIZED VIEW IF NOT EXISTS netmon.dns_workload_1h_mv TO netmon.dns_workload_1h AS
SELECT
  toStartOfHour(ts) AS ts,
  client_cluster,
  client_namespace,
  client_deployment,
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
  ts, client_cluster, client_namespace, client_deployment, server_ip, qname, qtype, rcode;
