-- 0008_compact_inserts: a part an insert writes to a raw table is Compact (one data file and its
-- marks, 14 files) whatever its size; merged parts (level 1 and up) are Wide, as before. A 100k-row
-- batch of connections was a Wide part of 125 files. On this machine's ext4, creating those files
-- (inode allocation past recently deleted inodes) took about a tenth of the insert's CPU, and the
-- side-by-side run measured 7.50 -> 6.20 µs a row (docs/BENCHMARKS.md, change 8). Queries see no
-- difference in what they read: only the freshest parts are Compact, and merges rewrite them soon.

ALTER TABLE netmon.connections MODIFY SETTING min_level_for_wide_part = 1;

ALTER TABLE netmon.dns_queries MODIFY SETTING min_level_for_wide_part = 1;
