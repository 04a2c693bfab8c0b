-- 0009_chained_connection_rollups: three of the four connection rollups aggregate the minute
-- rollup's rows instead of the raw rows. The minute view reads each insert of `connections` as
-- before; the hour view then reads what it wrote (about half a row per raw row on the synthetic
-- fleet), the workload minute view the same, and the workload hour view the workload minute
-- view's output (a few rows per hundred). The rollups hold the same rows: sums of sums, the max of
-- maxes, and src_node/dst_node blanked for a named deployment as 0004 does on the raw row.
-- Side by side, 9 alternating rounds (bench/insertStages.ts --only views): 7.05 -> 6.30 µs a row
-- (docs/BENCHMARKS.md, change 9). MODIFY QUERY swaps each view's source at once: no insert between
-- the statements loses or doubles a rollup row. The DNS rollups keep reading the raw table.

ALTER TABLE netmon.connections_1h_mv MODIFY QUERY
SELECT
  toStartOfHour(ts) AS ts,
  protocol, direction,
  src_cluster, src_namespace, src_deployment, src_pod, src_node,
  dst_cluster, dst_namespace, dst_deployment, dst_pod, dst_node,
  dst_service, dst_dns_name, dst_port,
  sum(src_bytes) AS src_bytes,
  sum(dst_bytes) AS dst_bytes,
  sum(src_packets) AS src_packets,
  sum(dst_packets) AS dst_packets,
  sum(retransmits) AS retransmits,
  sum(resets) AS resets,
  sum(opened) AS opened,
  sum(failed) AS failed,
  sum(closed) AS closed,
  sum(rtt_sum_us) AS rtt_sum_us,
  sum(rtt_samples) AS rtt_samples,
  max(rtt_max_us) AS rtt_max_us
FROM netmon.connections_1m
GROUP BY
  ts, protocol, direction, src_cluster, src_namespace, src_deployment, src_pod, src_node,
  dst_cluster, dst_namespace, dst_deployment, dst_pod, dst_node, dst_service, dst_dns_name,
  dst_port;

ALTER TABLE netmon.connections_workload_1m_mv MODIFY QUERY
SELECT
  ts,
  protocol, direction,
  src_cluster, src_namespace, src_deployment,
  if(src_deployment = '', src_node, '') AS src_node,
  dst_cluster, dst_namespace, dst_deployment,
  if(dst_deployment = '', dst_node, '') AS dst_node,
  dst_service, dst_dns_name, dst_port,
  sum(src_bytes) AS src_bytes,
  sum(dst_bytes) AS dst_bytes,
  sum(src_packets) AS src_packets,
  sum(dst_packets) AS dst_packets,
  sum(retransmits) AS retransmits,
  sum(resets) AS resets,
  sum(opened) AS opened,
  sum(failed) AS failed,
  sum(closed) AS closed,
  sum(rtt_sum_us) AS rtt_sum_us,
  sum(rtt_samples) AS rtt_samples,
  max(rtt_max_us) AS rtt_max_us
FROM netmon.connections_1m
GROUP BY
  ts, protocol, direction, src_cluster, src_namespace, src_deployment, src_node, dst_cluster,
  dst_namespace, dst_deployment, dst_node, dst_service, dst_dns_name, dst_port;

ALTER TABLE netmon.connections_workload_1h_mv MODIFY QUERY
SELECT
  toStartOfHour(ts) AS ts,
  protocol, direction,
  src_cluster, src_namespace, src_deployment, src_node,
  dst_cluster, dst_namespace, dst_deployment, dst_node,
  dst_service, dst_dns_name, dst_port,
  sum(src_bytes) AS src_bytes,
  sum(dst_bytes) AS dst_bytes,
  sum(src_packets) AS src_packets,
  sum(dst_packets) AS dst_packets,
  sum(retransmits) AS retransmits,
  sum(resets) AS resets,
  sum(opened) AS opened,
  sum(failed) AS failed,
  sum(closed) AS closed,
  sum(rtt_sum_us) AS rtt_sum_us,
  sum(rtt_samples) AS rtt_samples,
  max(rtt_max_us) AS rtt_max_us
FROM netmon.connections_workload_1m
GROUP BY
  ts, protocol, direction, src_cluster, src_namespace, src_deployment, src_node, dst_cluster,
  dst_namespace, dst_deployment, dst_node, dst_service, dst_dns_name, dst_port;
