-- 0007_raw_dictionary_codecs: the labels and enums of the raw tables compress with ZSTD(1) instead of
-- the default LZ4. Codec trials at 10M synthetic rows (npm run bench:storage, docs/BENCHMARKS.md)
-- measured 33.1 -> 29.5 bytes per connections row. A codec-only MODIFY COLUMN changes metadata:
-- new parts are written with ZSTD and merges carry older parts over, nothing is rewritten now.

ALTER TABLE netmon.connections
  MODIFY COLUMN node LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN comm LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN protocol Enum8('tcp' = 1, 'udp' = 2) CODEC(ZSTD(1)),
  MODIFY COLUMN direction Enum8('outbound' = 1, 'inbound' = 2) CODEC(ZSTD(1)),
  MODIFY COLUMN local_container_id LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN local_cluster LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN local_namespace LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN local_deployment LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN local_pod LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN local_container LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN remote_container_id LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN remote_cluster LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN remote_namespace LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN remote_deployment LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN remote_pod LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN remote_container LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN remote_node LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN remote_service LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN remote_dns_name LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN state Enum8('open' = 1, 'active' = 2, 'closed' = 3, 'failed' = 4) CODEC(ZSTD(1));

ALTER TABLE netmon.dns_queries
  MODIFY COLUMN node LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN comm LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN container_id LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN client_cluster LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN client_namespace LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN client_deployment LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN client_pod LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN client_container LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN protocol Enum8('udp' = 1, 'tcp' = 2) CODEC(ZSTD(1)),
  MODIFY COLUMN qname LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN qtype LowCardinality(String) CODEC(ZSTD(1)),
  MODIFY COLUMN rcode LowCardinality(String) CODEC(ZSTD(1));
