import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createClient } from '@clickhouse/client';
import { storeFromClient } from '../../store/clientStore';
import { connectionRow } from '../../store/sampleRows';
import { failureKind, SinkError } from './rowSink';

/** A port that nothing listens on: bound, noted and released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a ClickHouse server that refuses or never answers is unavailable, so the batch waits in the spool', async () => {
  const refused = storeFromClient(createClient({ url: `http://127.0.0.1:${await closedPort()}` }), 'refused');
  const refusal = await refused.insert('connections', [connectionRow({})], 'token-1').catch((e: unknown) => e);
  assert.equal(failureKind(refusal), 'unavailable', String(refusal));
  await refused.close();

  // Accepts the connection and never answers: the client's request timeout.
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as AddressInfo).port;
  const slow = storeFromClient(createClient({ url: `http://127.0.0.1:${port}`, request_timeout: 300 }), 'silent');
  const timeout = await slow.insert('connections', [connectionRow({})], 'token-2').catch((e: unknown) => e);
  assert.equal(failureKind(timeout), 'unavailable', String(timeout));
  await slow.close();
  silent.close();
});

test('sink errors say their kind, through causes too; other errors are left to the attempt limit', () => {
  assert.equal(failureKind(new SinkError('bad batch', 'rejected')), 'rejected');
  assert.equal(failureKind(new Error('wrapped', { cause: new SinkError('down', 'unavailable') })), 'unavailable');
  assert.equal(failureKind(Object.assign(new Error('connect'), { code: 'ECONNRESET' })), 'unavailable');
  assert.equal(failureKind(new Error('Code: 27. DB::Exception: Cannot parse input')), undefined);
  // A ClickHouseError as chDB throws it on a full disk: the store cannot write anything, the batch is fine.
  assert.equal(
    failureKind(Object.assign(new Error('Cannot reserve 1.00 MiB, not enough space.'), { code: '243' })),
    'unavailable'
  );
  assert.equal(failureKind(Object.assign(new Error('Cannot parse input'), { code: '27' })), undefined);
  // The embedded store's scratch file on a full disk, as clientStore wraps it.
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  assert.equal(
    failureKind(new Error("cannot write the insert's scratch file: ENOSPC", { cause: enospc })),
    'unavailable'
  );
  assert.equal(failureKind('not an error'), undefined);
});
