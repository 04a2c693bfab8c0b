import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { columnNames } from '../../shared/schema';
import { connectionRow } from '../../store/sampleRows';
import { SinkError } from '../writer/rowSink';
import { TestVectorEndpoint, type Answer } from './testVectorEndpoint';
import { VectorSink } from './vectorSink';

let endpoint: TestVectorEndpoint;
before(async () => {
  endpoint = await TestVectorEndpoint.start();
});
after(() => endpoint.down());
beforeEach(() => {
  endpoint.requests.length = 0;
  endpoint.answer = () => 'ok';
});

const sink = (timeoutMs = 1000) => new VectorSink({ url: `${endpoint.url}/`, node: 'node-7', timeoutMs });

test('a batch is one POST to /v1/<table>: NDJSON rows with exactly the columns and _seq, the token and node in headers', async () => {
  const rows = [connectionRow({ connection_id: '11' }), connectionRow({ connection_id: '12' })];
  delete rows[1].remote_service_ip;
  await sink().insert('connections', rows, 'node-7/run/connections/0/abc');
  assert.equal(endpoint.requests.length, 1);
  const [req] = endpoint.requests;
  assert.deepEqual(
    [req.path, req.token, req.node, req.contentType],
    ['/v1/connections', 'node-7/run/connections/0/abc', 'node-7', 'application/x-ndjson']
  );
  assert.deepEqual(
    req.rows.map((r) => Object.keys(r)),
    [0, 1].map(() => [...columnNames('connections'), '_seq'])
  );
  assert.deepEqual(
    req.rows.map((r) => [r.connection_id, r._seq]),
    [
      ['11', 0],
      ['12', 1],
    ]
  );
  assert.equal(req.rows[0].remote_service_ip, rows[0].remote_service_ip);
  assert.equal(req.rows[1].remote_service_ip, null, 'a column the row leaves out goes as null (the default)');
  assert.equal(req.rows[0].ts, rows[0].ts, 'DateTime64 as epoch ms');
});

async function failure(answer: Answer, timeoutMs?: number): Promise<SinkError> {
  endpoint.answer = () => answer;
  const err = await sink(timeoutMs)
    .insert('agent_health', [{} as never], 'tok')
    .then(
      () => assert.fail(`an answer of ${answer} resolved`),
      (e: unknown) => e
    );
  assert.ok(err instanceof SinkError, String(err));
  return err;
}

test('5xx, 429 and a lost answer are unavailable (retry later); 400 is rejected with the reason', async () => {
  const fail = await failure('fail');
  assert.equal(fail.kind, 'unavailable');
  assert.equal(
    fail.message,
    `POST ${endpoint.url}/v1/agent_health answered 500: sink clickhouse_connections: connection refused`
  );
  assert.equal((await failure('busy')).kind, 'unavailable');
  assert.equal((await failure('lose-answer')).kind, 'unavailable');
  const reject = await failure('reject');
  assert.equal(reject.kind, 'rejected');
  assert.match(reject.message, /answered 400: Failed decoding body/);
  assert.equal(endpoint.requests.length, 4);
});

test('an empty batch sends nothing', async () => {
  await sink().insert('dns_queries', [], 'tok');
  assert.equal(endpoint.requests.length, 0);
});

test('no answer within the timeout is unavailable, given up after the timeout', async () => {
  const started = Date.now();
  const err = await failure('stall', 150);
  const took = Date.now() - started;
  assert.equal(err.kind, 'unavailable');
  assert.match(err.message, /: no answer within 150 ms$/);
  assert.ok(took >= 140 && took < 2000, `took ${took} ms`);
});

test('a refused connection is unavailable and says so', async () => {
  const closed = await TestVectorEndpoint.start();
  const url = closed.url;
  await closed.down();
  const err = await new VectorSink({ url, node: 'n', timeoutMs: 1000 })
    .insert('agent_health', [{} as never], 'tok')
    .catch((e: unknown) => e);
  assert.ok(err instanceof SinkError);
  assert.equal(err.kind, 'unavailable');
  assert.equal(err.message, `POST ${url}/v1/agent_health: ECONNREFUSED`);
});
