import { isDeepStrictEqual } from 'node:util';
import { DATABASE, INGEST_TABLES } from '../shared/schema';
import { readCheckSpec, type CheckSpec } from './checkSpec';
import type { SqlColumns } from './sqlColumns';
import { envDefault, outputIds, type Component, type VectorConfig } from './vectorConfig';

/** Both tiers, each merged with its unit-test file as `vector test` merges them. */
export interface Pipeline {
  node: VectorConfig;
  aggregator: VectorConfig;
}

/** Everything the pipeline check finds wrong, one sentence each; empty when all is well. */
export function pipelineProblems(pipeline: Pipeline, expected: CheckSpec, sql: SqlColumns): string[] {
  return [
    ...wiringProblems('node', pipeline.node),
    ...wiringProblems('aggregator', pipeline.aggregator),
    ...nodeProblems(pipeline.node),
    ...checkProblems(pipeline.aggregator, expected, sql),
    ...sinkProblems(pipeline.aggregator, sql),
    ...coverageProblems(pipeline),
  ];
}

function wiringProblems(tier: string, config: VectorConfig): string[] {
  const problems: string[] = [];
  const outputs = outputIds(config);
  const components = { ...config.transforms, ...config.sinks };
  for (const [id, c] of Object.entries(components)) {
    for (const input of c.inputs ?? []) {
      if (!outputs.has(input)) {
        problems.push(`${tier}: ${id} reads "${input}", which no component outputs`);
      }
    }
  }
  for (const test of config.tests) {
    for (const input of test.inputs ?? []) {
      if (!(input.insert_at in config.transforms)) {
        problems.push(`${tier} test "${test.name}" inserts at "${input.insert_at}", which is not a transform`);
      }
    }
    const read = [...(test.outputs ?? []).flatMap((o) => [o.extract_from].flat()), ...(test.no_outputs_from ?? [])];
    for (const id of read.filter((r) => !outputs.has(r) || r in config.sources)) {
      problems.push(`${tier} test "${test.name}" reads "${id}", which is not a transform output`);
    }
  }
  return problems;
}

/** The node tier's side of the agent contract (pipeline/README.md). */
function nodeProblems(node: VectorConfig): string[] {
  const problems: string[] = [];
  const source = Object.values(node.sources).find((s) => s.type === 'http_server');
  if (source === undefined) {
    return ['node: no http_server source for the agent'];
  }
  const want: Record<string, unknown> = { path: '/v1', strict_path: false, method: 'POST' };
  for (const [key, value] of Object.entries(want)) {
    if (source[key] !== value) {
      problems.push(
        `node: the agent source has ${key} ${JSON.stringify(source[key])}; expected ${JSON.stringify(value)}`
      );
    }
  }
  if (envDefault(source.address) !== '127.0.0.1:8687') {
    problems.push(`node: the agent source listens on ${String(source.address)}; expected 127.0.0.1:8687 by default`);
  }
  if (
    !isDeepStrictEqual(source.decoding, { codec: 'json' }) ||
    !isDeepStrictEqual(source.framing, { method: 'newline_delimited' })
  ) {
    problems.push('node: the agent source must decode newline-delimited JSON');
  }
  if (!(source.headers as string[] | undefined)?.includes('X-Netmon-Batch')) {
    problems.push('node: the agent source does not capture the X-Netmon-Batch header');
  }
  const dedupe = Object.values(node.transforms).find((t) => t.type === 'dedupe');
  const match = (dedupe?.fields as { match?: string[] } | undefined)?.match ?? [];
  for (const field of [source.path_key, '_batch', '_seq']) {
    if (!match.includes(field as string)) {
      problems.push(`node: the dedupe transform does not match on ${String(field)}`);
    }
  }
  const forward = Object.values(node.sinks).find((s) => s.type === 'vector');
  if (forward === undefined || !String(forward.address).includes('${NETMON_AGGREGATOR')) {
    problems.push('node: no vector sink to ${NETMON_AGGREGATOR}');
  }
  problems.push(...acknowledgementProblems('node', node.sinks));
  return problems;
}

function acknowledgementProblems(tier: string, sinks: Record<string, Component>): string[] {
  return Object.entries(sinks)
    .filter(([, s]) => s.type !== 'prometheus_exporter')
    .filter(([, s]) => (s.acknowledgements as { enabled?: boolean } | undefined)?.enabled !== true)
    .map(
      ([id]) => `${tier}: sink ${id} does not enable acknowledgements, so the agent would be answered before delivery`
    );
}

/** The check remap: its table spec against the schema and sql/, its drop and dead-letter wiring. */
function checkProblems(aggregator: VectorConfig, expected: CheckSpec, sql: SqlColumns): string[] {
  const check = aggregator.transforms.check;
  if (check?.type !== 'remap') {
    return ['aggregator: no remap transform "check"'];
  }
  const problems: string[] = [];
  for (const flag of ['drop_on_error', 'drop_on_abort', 'reroute_dropped']) {
    if (check[flag] !== true) {
      problems.push(`aggregator: check must set ${flag}: true, or refused rows would reach ClickHouse or vanish`);
    }
  }
  const readers = Object.values({ ...aggregator.transforms, ...aggregator.sinks }).filter((c) =>
    c.inputs?.includes('check.dropped')
  );
  if (!readers.some((c) => c.type === 'file') || !readers.some((c) => c.type === 'log_to_metric')) {
    problems.push('aggregator: check.dropped must feed a file sink and a log_to_metric counter');
  }
  const vrl = String(check.source);
  for (const helper of ['_path', '_batch', '_seq', 'source_type']) {
    if (!vrl.includes(`del(.${helper})`)) {
      problems.push(`aggregator: check does not remove the helper field ${helper}`);
    }
  }
  problems.push(...specProblems(readCheckSpec(vrl), expected, sql));
  return problems;
}

function specProblems(actual: CheckSpec, expected: CheckSpec, sql: SqlColumns): string[] {
  const problems: string[] = [];
  for (const table of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
    const have = actual[table];
    const want = expected[table];
    if (have === undefined || want === undefined) {
      problems.push(`check spec: table ${table} is ${have ? 'not an ingest table of schema.ts' : 'missing'}`);
      continue;
    }
    for (const column of new Set([...Object.keys(have.columns), ...Object.keys(want.columns)])) {
      if (!(column in want.columns)) {
        problems.push(`check spec: ${table}.${column} is not a column of schema.ts`);
      } else if (!(column in have.columns)) {
        problems.push(`check spec: ${table}.${column} of schema.ts is missing`);
      } else if (!isDeepStrictEqual(have.columns[column], want.columns[column])) {
        const got = JSON.stringify(have.columns[column]);
        problems.push(`check spec: ${table}.${column} is ${got}; expected ${JSON.stringify(want.columns[column])}`);
      }
      if (column in have.columns && !(sql[table] ?? []).includes(column)) {
        problems.push(`check spec: ${table}.${column} is not created by sql/`);
      }
    }
    if (!isDeepStrictEqual([...have.optional].sort(), [...want.optional].sort())) {
      problems.push(
        `check spec: ${table} optional columns are ${have.optional.join(', ') || 'none'}; expected ${want.optional.join(', ') || 'none'}`
      );
    }
  }
  return problems;
}

/** One clickhouse sink per ingest table, fed by its route, all alike but for input, table and size. */
function sinkProblems(aggregator: VectorConfig, sql: SqlColumns): string[] {
  const problems: string[] = [];
  const sinks = Object.entries(aggregator.sinks).filter(([, s]) => s.type === 'clickhouse');
  const route = Object.values(aggregator.transforms).find((t) => t.type === 'route');
  const conditions = (route?.route ?? {}) as Record<string, string>;
  const routeId = Object.keys(aggregator.transforms).find((id) => aggregator.transforms[id] === route);
  for (const table of INGEST_TABLES) {
    if (!sinks.some(([, s]) => s.table === table)) {
      problems.push(`aggregator: no clickhouse sink writes ${table}`);
    }
  }
  for (const [id, sink] of sinks) {
    const table = String(sink.table);
    if (!(table in sql)) {
      problems.push(`aggregator: sink ${id} writes table ${table}, which sql/ does not create`);
    }
    if (!(INGEST_TABLES as readonly string[]).includes(table)) {
      problems.push(`aggregator: sink ${id} writes ${table}, which is not a raw table the agent sends`);
    }
    if (
      !isDeepStrictEqual(sink.inputs, [`${routeId}.${table}`]) ||
      conditions[table] !== `%netmon_table == "${table}"`
    ) {
      problems.push(
        `aggregator: sink ${id} must read only ${routeId}.${table}, the route of rows check passed for ${table}`
      );
    }
    if (envDefault(sink.database) !== DATABASE) {
      problems.push(`aggregator: sink ${id} writes database ${String(sink.database)}; expected ${DATABASE} by default`);
    }
    const buffer = sink.buffer as { type?: string; when_full?: string } | undefined;
    if (buffer?.type !== 'disk' || buffer.when_full !== 'block') {
      problems.push(`aggregator: sink ${id} must buffer on disk and block when full, never drop`);
    }
  }
  const shared = (s: Component) => ({
    ...s,
    inputs: undefined,
    table: undefined,
    buffer: { ...(s.buffer as object), max_size: undefined },
  });
  const [first, ...rest] = sinks;
  for (const [id, sink] of rest) {
    if (!isDeepStrictEqual(shared(sink), shared(first[1]))) {
      problems.push(`aggregator: sink ${id} differs from ${first[0]} in more than input, table and buffer size`);
    }
  }
  problems.push(...acknowledgementProblems('aggregator', aggregator.sinks));
  return problems;
}

/** Every route the rows can take has a `vector test` that follows it. */
function coverageProblems(pipeline: Pipeline): string[] {
  const problems: string[] = [];
  const tiers: Array<[string, VectorConfig]> = [
    ['node', pipeline.node],
    ['aggregator', pipeline.aggregator],
  ];
  for (const [tier, config] of tiers) {
    const tested = new Set(config.tests.flatMap((t) => (t.outputs ?? []).flatMap((o) => [o.extract_from].flat())));
    const routes = [...outputIds(config)].filter((id) => !(id in config.sources) && !id.endsWith('._unmatched'));
    const ends = routes.filter(
      (id) => !Object.values(config.transforms).some((t) => t.inputs?.includes(id)) || id.includes('.')
    );
    for (const id of ends.filter((e) => !tested.has(e))) {
      problems.push(`${tier}: no unit test extracts from ${id}`);
    }
  }
  return problems;
}
