import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Store } from '../../store/store';
import { openTestStore } from '../../store/testStore';
import { closeHost, createHostServer, listenHost, PortInUse, UI_START_PATH } from './hostServer';
import { MAX_BODY_BYTES } from './dsQueryRoute';

let store: Store;
let server: Server;
let base: string;
let outage: string | undefined;
const dist = mkdtempSync(join(tmpdir(), 'netmon-dist-host-'));
const settings = { datasourceUid: 'netmon-clickhouse', database: 'netmon' };

before(async () => {
  writeFileSync(join(dist, 'index.html'), '<html>host page</html>');
  writeFileSync(join(dist, 'host.js'), 'console.log(1)');
  store = await openTestStore();
  server = createHostServer({ store, settings, distDir: dist, queryOutage: () => outage });
  base = await listenHost(server, 0);
});
after(async () => {
  await closeHost(server);
  await store.close();
  rmSync(dist, { recursive: true, force: true });
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

test('an oversized body gets 413, unknown API paths 404 and other methods 405', async () => {
  assert.equal((await post('x'.repeat(MAX_BODY_BYTES + 1))).status, 413);
  assert.equal((await fetch(`${base}/api/other`)).status, 404);
  assert.equal((await fetch(`${base}/api/ds/query`)).status, 405);
  assert.equal((await fetch(`${base}/a/x`, { method: 'DELETE' })).status, 405);
});

test('during an outage /api/ds/query answers 502 with the reason, and recovers after', async () => {
  outage = 'store unreachable (test)';
  const res = await post(JSON.stringify({ from: '0', to: '1', queries: [{ refId: 'A', rawSql: 'SELECT 1' }] }));
  assert.equal(res.status, 502);
  assert.deepEqual(await res.json(), { message: 'store unreachable (test)' });
  outage = undefined;
  assert.equal(
    (await post(JSON.stringify({ from: '0', to: '1', queries: [{ refId: 'A', rawSql: 'SELECT 1' }] }))).status,
    200
  );
});

test('GET /api/host/settings answers what netmon up passed', async () => {
  assert.deepEqual(await (await fetch(`${base}/api/host/settings`)).json(), settings);
});

test('app paths get index.html, /public/ serves the bundle, and nothing leaves the dist dir', async () => {
  for (const path of ['/', UI_START_PATH, '/a/netmon-network-app/dns?from=now-6h']) {
    const res = await fetch(base + path);
    assert.equal(res.status, 200, path);
    assert.equal(await res.text(), '<html>host page</html>');
  }
  const js = await fetch(`${base}/public/host.js`);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(await js.text(), 'console.log(1)');
  assert.equal((await fetch(`${base}/public/missing.js`)).status, 404);
  assert.equal((await fetch(`${base}/public/..%2F..%2Fetc%2Fpasswd`)).status, 404);
});

test('without a built bundle every page says how to build it', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'netmon-no-dist-'));
  const bare = createHostServer({ store, settings, distDir: empty });
  try {
    const res = await fetch(`${await listenHost(bare, 0)}${UI_START_PATH}`);
    assert.equal(res.status, 503);
    assert.match(await res.text(), /UI not built: run <code>npm run build:host<\/code>/);
  } finally {
    await closeHost(bare);
    rmSync(empty, { recursive: true, force: true });
  }
});

test('a port in use is refused as PortInUse naming the port', async () => {
  const port = Number(new URL(base).port);
  const second = createHostServer({ store, settings, distDir: dist });
  await assert.rejects(listenHost(second, port), (err: unknown) => err instanceof PortInUse && err.port === port);
});
