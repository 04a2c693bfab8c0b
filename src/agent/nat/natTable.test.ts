import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NatFlow } from './conntrackLine';
import { NatTable } from './natTable';

function flow(clientPort: number, backendIp = '10.201.0.3'): NatFlow {
  return {
    protocol: 'tcp',
    client: { ip: '10.201.0.2', port: clientPort },
    dialed: { ip: '10.202.0.250', port: 80 },
    backend: { ip: backendIp, port: 8080 },
  };
}

const client = (port: number) => ({ ip: '10.201.0.2', port });
const service = { ip: '10.202.0.250', port: 80 };

test('lookup by the socket tuple finds the backend, by protocol and either IPv4 spelling', () => {
  const table = new NatTable();
  table.record(flow(40000));
  assert.deepEqual(table.lookup('tcp', client(40000), service), { ip: '10.201.0.3', port: 8080 });
  assert.deepEqual(
    table.lookup('tcp', { ip: '::ffff:10.201.0.2', port: 40000 }, { ip: '::FFFF:10.202.0.250', port: 80 }),
    {
      ip: '10.201.0.3',
      port: 8080,
    }
  );
  assert.equal(table.lookup('udp', client(40000), service), undefined);
  assert.equal(table.lookup('tcp', client(40001), service), undefined);
  assert.deepEqual(table.stats(), {
    entries: 1,
    translations: 1,
    untranslated: 0,
    evictions: 0,
    expired: 0,
    hits: 2,
    misses: 2,
  });
});

test('a flow whose destination was not translated is not stored', () => {
  const table = new NatTable();
  table.record({ ...flow(40000), backend: service });
  assert.equal(table.lookup('tcp', client(40000), service), undefined);
  assert.equal(table.stats().untranslated, 1);
  assert.equal(table.stats().entries, 0);
});

test('a new flow on the same tuple replaces the old translation', () => {
  const table = new NatTable();
  table.record(flow(40000, '10.201.0.3'));
  table.record(flow(40000, '10.201.0.4'));
  assert.equal(table.lookup('tcp', client(40000), service)?.ip, '10.201.0.4');
  assert.equal(table.stats().entries, 1);
});

test('entries expire ttlMs after their last record or lookup', () => {
  let now = 0;
  const table = new NatTable({ ttlMs: 1000, now: () => now });
  table.record(flow(1));
  table.record(flow(2));
  now = 900;
  assert.ok(table.lookup('tcp', client(2), service), 'a lookup keeps the entry alive');
  now = 1000;
  assert.equal(table.lookup('tcp', client(1), service), undefined, 'untouched for ttlMs: gone');
  now = 1899;
  assert.ok(table.lookup('tcp', client(2), service));
  now = 2899;
  assert.equal(table.lookup('tcp', client(2), service), undefined);
  assert.equal(table.stats().expired, 2);
  assert.equal(table.stats().entries, 0);
});

test('beyond maxEntries the least recently used entry is evicted and counted', () => {
  const table = new NatTable({ maxEntries: 2 });
  table.record(flow(1));
  table.record(flow(2));
  table.lookup('tcp', client(1), service);
  table.record(flow(3));
  assert.equal(table.lookup('tcp', client(2), service), undefined, 'least recently used');
  assert.ok(table.lookup('tcp', client(1), service));
  assert.ok(table.lookup('tcp', client(3), service));
  assert.equal(table.stats().evictions, 1);
  assert.equal(table.stats().entries, 2);
});

test('resolve waits for an event that comes after the question, and gives up after waitMs', async () => {
  const table = new NatTable();
  const pending = table.resolve('tcp', client(5), service, 5000);
  const alsoPending = table.resolve('tcp', client(5), service, 5000);
  setTimeout(() => table.record(flow(5)), 20);
  assert.deepEqual(await pending, { ip: '10.201.0.3', port: 8080 });
  assert.deepEqual(await alsoPending, { ip: '10.201.0.3', port: 8080 });
  assert.deepEqual(
    await table.resolve('tcp', client(5), service, 0),
    { ip: '10.201.0.3', port: 8080 },
    'known: at once'
  );
  const started = Date.now();
  assert.equal(await table.resolve('tcp', client(6), service, 50), undefined);
  assert.ok(Date.now() - started >= 45);
});

test('options are checked', () => {
  assert.throws(() => new NatTable({ maxEntries: 0 }), /maxEntries: expected a positive number, got 0/);
  assert.throws(() => new NatTable({ ttlMs: Number.NaN }), /ttlMs: expected a positive number, got NaN/);
});
