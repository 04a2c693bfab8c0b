import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { expectedCheckSpec, readCheckSpec } from './checkSpec';
import { pipelineProblems, type Pipeline } from './pipelineProblems';
import { sqlColumns } from './sqlColumns';
import { loadVectorConfig, yamlFiles } from './vectorConfig';

const root = join(__dirname, '..', '..');
const pipelineDir = join(root, 'pipeline');

function loadPipeline(): Pipeline {
  return {
    node: loadVectorConfig([...yamlFiles(join(pipelineDir, 'node')), join(pipelineDir, 'tests', 'node.yaml')]),
    aggregator: loadVectorConfig([
      ...yamlFiles(join(pipelineDir, 'aggregator')),
      join(pipelineDir, 'tests', 'aggregator.yaml'),
    ]),
  };
}

const sql = sqlColumns(join(root, 'sql'));
const problemsOf = (pipeline: Pipeline) => pipelineProblems(pipeline, expectedCheckSpec(), sql);

describe('Vector pipeline configs', () => {
  it('parse, wire up, keep the agent contract and write only what sql/ creates', () => {
    assert.deepEqual(problemsOf(loadPipeline()), []);
  });

  it('check all four raw tables, column by column', () => {
    const spec = readCheckSpec(String(loadPipeline().aggregator.transforms.check.source));
    assert.deepEqual(Object.keys(spec).sort(), ['agent_health', 'connections', 'container_metadata', 'dns_queries']);
    assert.equal(Object.keys(spec.connections.columns).length, sql.connections.length);
    assert.deepEqual(spec.connections.columns.protocol, ['tcp', 'udp']);
  });

  it('fail when the check spec renames a column', () => {
    const pipeline = loadPipeline();
    const check = pipeline.aggregator.transforms.check;
    check.source = String(check.source).replace('"bytes_tx":', '"bytes_sent":');
    const problems = problemsOf(pipeline);
    assert.ok(
      problems.includes('check spec: connections.bytes_sent is not a column of schema.ts'),
      problems.join('\n')
    );
    assert.ok(problems.includes('check spec: connections.bytes_sent is not created by sql/'), problems.join('\n'));
    assert.ok(problems.includes('check spec: connections.bytes_tx of schema.ts is missing'), problems.join('\n'));
  });

  it('fail when the schema renames a column the check still names', () => {
    const expected = expectedCheckSpec();
    const { qname, ...columns } = expected.dns_queries.columns;
    expected.dns_queries.columns = { ...columns, question: qname };
    const problems = pipelineProblems(loadPipeline(), expected, sql);
    assert.ok(problems.includes('check spec: dns_queries.qname is not a column of schema.ts'), problems.join('\n'));
    assert.ok(problems.includes('check spec: dns_queries.question of schema.ts is missing'), problems.join('\n'));
  });

  it('fail when a column changes kind or an Enum8 gains a value', () => {
    const expected = expectedCheckSpec();
    expected.connections.columns.state = ['open', 'active', 'closed', 'failed', 'reset'];
    expected.agent_health.columns.cpu_ms = 'uint64';
    const problems = pipelineProblems(loadPipeline(), expected, sql);
    assert.equal(problems.filter((p) => p.startsWith('check spec: connections.state is ')).length, 1);
    assert.ok(problems.includes('check spec: agent_health.cpu_ms is "uint32"; expected "uint64"'), problems.join('\n'));
  });

  it('fail when a sink writes a table sql/ does not create or skips its route', () => {
    const pipeline = loadPipeline();
    pipeline.aggregator.sinks.clickhouse_dns_queries.table = 'dns_query';
    pipeline.aggregator.sinks.clickhouse_agent_health.inputs = ['check'];
    const problems = problemsOf(pipeline);
    assert.ok(
      problems.includes('aggregator: sink clickhouse_dns_queries writes table dns_query, which sql/ does not create')
    );
    assert.ok(problems.includes('aggregator: no clickhouse sink writes dns_queries'));
    assert.ok(
      problems.some((p) => p.startsWith('aggregator: sink clickhouse_agent_health must read only route.agent_health'))
    );
  });

  it('fail when a sink may drop rows or answer before delivery', () => {
    const pipeline = loadPipeline();
    pipeline.aggregator.sinks.clickhouse_connections.buffer = {
      type: 'disk',
      max_size: 2147483648,
      when_full: 'drop_newest',
    };
    delete pipeline.node.sinks.aggregator.acknowledgements;
    const problems = problemsOf(pipeline);
    assert.ok(
      problems.includes('aggregator: sink clickhouse_connections must buffer on disk and block when full, never drop')
    );
    assert.ok(problems.some((p) => p.startsWith('node: sink aggregator does not enable acknowledgements')));
  });

  it('fail on dangling inputs and unit tests of transforms that do not exist', () => {
    const pipeline = loadPipeline();
    pipeline.node.transforms.dedupe.inputs = ['keys'];
    pipeline.aggregator.tests[0].inputs = [{ insert_at: 'validate' }];
    pipeline.aggregator.tests = pipeline.aggregator.tests.filter(
      (t) => !JSON.stringify(t.outputs).includes('dead_letter_count')
    );
    const problems = problemsOf(pipeline);
    assert.ok(problems.includes('node: dedupe reads "keys", which no component outputs'));
    assert.ok(problems.some((p) => p.endsWith('inserts at "validate", which is not a transform')));
    assert.ok(problems.includes('aggregator: no unit test extracts from dead_letter_count'));
  });
});
