-- 0003_service_ip: where a DNAT'd connection was dialed. A connection to a Service's cluster IP
-- stores the backend netfilter chose in remote_ip/remote_port (the pod that really answered) and
-- the address the client's socket named here, so both the Service and its backend stay visible.
-- '::' and 0 when the destination was not translated, which is also what older rows read as.

ALTER TABLE netmon.connections
  ADD COLUMN IF NOT EXISTS remote_service_ip IPv6 CODEC(ZSTD(1)) AFTER remote_service;

ALTER TABLE netmon.connections
  ADD COLUMN IF NOT EXISTS remote_service_port UInt16 CODEC(ZSTD(1)) AFTER remote_service_ip;
