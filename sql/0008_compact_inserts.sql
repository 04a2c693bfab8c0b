-- 0008_compact_inserts: a part of fewer than 150,000 rows in a raw table is Compact (one data file
-- and its marks: 14 files) whatever its bytes, so each insert batch (the agent's are at most
-- 100,000 rows, Vector's 10,000) writes one; parts merged from two batches or more are Wide, as
-- before. A 100k-row batch of connections was a Wide part of 125 files. On this machine's ext4,
-- creating them (inode allocation past recently deleted inodes) took about a tenth of the insert's
-- CPU, and side by side the store took 5.80 -> 4.82 µs a row (docs/BENCHMARKS.md, change 8).
-- min_rows_for_wide_part, not min_level_for_wide_part, so that the servers of docker-compose.yml
-- (ClickHouse 25.8) take the same file.

ALTER TABLE netmon.connections MODIFY SETTING min_rows_for_wide_part = 150000;

ALTER TABLE netmon.dns_queries MODIFY SETTING min_rows_for_wide_part = 150000;
