/**
 * chDB's allocator (its own jemalloc inside libchdb.so) reads JE_MALLOC_CONF once, when the library
 * loads. Unless the user has set that variable, this module asks it for transparent huge pages
 * (`thp:always`: jemalloc madvises its memory MADV_HUGEPAGE), so it must be imported before
 * 'chdb' is: chdbConnection.ts, through which the code loads chDB, imports it first. Into
 * `connections` with its rollup views, 16 alternating pairs of `bench/ingest.ts --measure batched`
 * gave 177,018 -> 198,808 and 170,233 -> 195,387 rows/s per core (medians; higher in 13 of 16),
 * with ~6x fewer page faults per row, for ~35 MiB more RSS (docs/BENCHMARKS.md, change 14). The
 * kernel decides: with THP "never" the advice does nothing, and with "always" chDB already had huge
 * pages. JE_MALLOC_CONF=thp:default turns the advice off (any value set by the user is left as it is).
 */

const CHDB_MALLOC_CONF_ENV = 'JE_MALLOC_CONF';
export const CHDB_MALLOC_CONF = 'thp:always';

/** The variable's value for chDB: the user's when set (even empty), else ours. */
export function chdbMallocConf(current: string | undefined): string {
  return current ?? CHDB_MALLOC_CONF;
}

process.env[CHDB_MALLOC_CONF_ENV] = chdbMallocConf(process.env[CHDB_MALLOC_CONF_ENV]);
