import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { Store } from '../../store/store';
import { openTestStore } from '../../store/testStore';
import { createQueryServer, MAX_BODY_BYTES } from './queryServer';

let store: Store;
let server: Server;
let base: string;

before(async () => {
  store = await openTestStore();
  server = createQueryServer(store);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
});

const post = (body: string) =>
  fetch(`${base}/api/ds/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

test('POST /api/ds/query over 127.0.0.1 answers Grafana frames', async () => {
  const res = await post(
    JSON.stringify({ from: '0', to: '1000', queries: [{ refId: 'A', rawSql: 'SELECT 2 + 2 AS four', format: 1 }] })
  );
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    results: { A: { status: number; frames: Array<{ data: { values: unknown[][] } }> } };
  };
  assert.equal(body.results.A.status, 200);
  assert.deepEqual(body.results.A.frames[0].data.values, [[4]]);
});

test('a body that is not JSON gets 400 and a message saying so', async () => {
  const res = await post('SELECT 1');
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as { message: string }).message, /not JSON.*\/api\/ds\/query/);
});

test('JSON without queries gets 400 naming the expected shape', async () => {
  const res = await post('{"from":"0","to":"1"}');
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as { message: string }).message, /"queries" array/);
});

test('an oversized body gets 413, other paths 404 and other methods 405', async () => {
  assert.equal((await post('x'.repeat(MAX_BODY_BYTES + 1))).status, 413);
  assert.equal((await fetch(`${base}/api/other`)).status, 404);
  assert.equal((await fetch(`${base}/api/ds/query`)).status, 405);
});
