-- 0006_dns_client_rollups: DNS rollups keyed by the asking workload and rcode only. The DNS
-- page's totals, rates, error shares, latency quantiles and top clients name no resolver and no
-- question name, yet on 0005's tables they merged one t-digest per (workload, resolver, name,
-- type, rcode) bucket: name cardinality made the 24 h latency and clients queries ~1 s at 100M
-- connection rows (docs/BENCHMARKS.md). These hold a row per workload and rcode per bucket. The
-- builders pick the coarsest rollup that has every dimension a query names.
-- Existing data is copied once from 0005's tables before the views exist (see 0004).

CREATE TABLE IF NOT EXISTS netmon.dns_client_1m
(
  ts DateTime('UTC') CODEC(Delta, ZSTD(1)),
  client_cluster LowCardinality(String),
  client_namespace LowCardinality(String),
  client_deployment LowCardinality(String),
  rcode LowCardinality(String),
  queries SimpleAggregateFunction(sum, UInt64),
  retries SimpleAggregateFunction(sum, UInt64),
  latency_sum_us SimpleAggregateFunction(sum, UInt64),
  latency AggregateFunction(quantileTDigest, UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (ts, client_cluster, client_namespace, client_deployment, rcode)
TTL ts + INTERVAL {{ttl_minute_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

INSERT INTO netmon.dns_client_1m
SELECT
  ts, client_cluster, client_namespace, client_deployment, rcode,
  sum(queries), sum(retries), sum(latency_sum_us), quantileTDigestMergeState(latency)
FROM netmon.dns_workload_1m
WHERE (SELECT count() FROM netmon.dns_client_1m) = 0
GROUP BY
  ts, client_cluster, client_namespace, client_deployment, rcode;

CREATE MATERIALIZED VIEW IF NOT EXISTS netmon.dns_client_1m_mv TO netmon.dns_client_1m AS
SELECT
  toStartOfMinute(ts) AS ts,
  client_cluster,
  client_namespace,
  client_deployment,
  rcode,
  count() AS queries,
  sum(retries) AS retries,
  sumIf(latency_us, rcode != 'TIMEOUT') AS latency_sum_us,
  quantileTDigestStateIf(latency_us, rcode != 'TIMEOUT') AS latency
FROM netmon.dns_queries
GROUP BY
  ts, client_cluster, client_namespace, client_deployment, rcode;

CREATE TABLE IF NOT EXISTS netmon.dns_client_1h
(
  ts DateTime('UTC') CODEC(Delta, ZSTD(1)),
  client_cluster LowCardinality(String),
  client_namespace LowCardinality(String),
  client_deployment LowCardinality(String),
  rcode LowCardinality(String),
  queries SimpleAggregateFunction(sum, UInt64),
  retries SimpleAggregateFunction(sum, UInt64),
  latency_sum_us SimpleAggregateFunction(sum, UInt64),
  latency AggregateFunction(quantileTDigest, UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (ts, client_cluster, client_namespace, client_deployment, rcode)
TTL ts + INTERVAL {{ttl_hour_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

INSERT INTO netmon.dns_client_1h
SELECT
  ts, client_cluster, client_namespace, client_deployment, rcode,
  sum(queries), sum(retries), sum(latency_sum_us), quantileTDigestMergeState(latency)
FROM netmon.dns_workload_1h
WHERE (SELECT count() FROM netmon.dns_client_1h) = 0
GROUP BY
  ts, client_cluster, client_namespace, client_deployment, rcode;

CREATE MATERIALIZED VIEW IF NOT EXISTS netmon.dns_client_1h_mv TO netmon.dns_client_1h AS
SELECT
  toStartOfHour(ts) AS ts,
  client_cluster,
  client_namespace,
  client_deployment,
  rcode,
  count() AS queries,
  sum(retries) AS retries,
  sumIf(latency_us, rcode != 'TIMEOUT') AS latency_sum_us,
  quantileTDigestStateIf(latency_us, rcode != 'TIMEOUT') AS latency
FROM netmon.dns_queries
GROUP BY
  ts, client_cluster, client_namespace, client_deployment, rcode;
