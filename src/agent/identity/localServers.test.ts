import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalServers } from './localServers';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

test('an endpoint is its container for ttlMs after it was last learned, by protocol, in either IPv4 spelling', () => {
  let now = 0;
  const servers = new LocalServers({ now: () => now, ttlMs: 1000 });
  servers.learn('tcp', '::ffff:10.1.0.3', 8080, A);
  assert.equal(servers.containerOf('tcp', '10.1.0.3', 8080), A);
  assert.equal(servers.containerOf('udp', '10.1.0.3', 8080), undefined);
  assert.equal(servers.containerOf('tcp', '10.1.0.3', 8081), undefined);
  now = 900;
  servers.learn('tcp', '10.1.0.3', 8080, A);
  now = 1800;
  assert.equal(servers.containerOf('tcp', '10.1.0.3', 8080), A, 'learning again renews it');
  now = 1901;
  assert.equal(servers.containerOf('tcp', '10.1.0.3', 8080), undefined);
  assert.equal(servers.size, 0, 'an expired entry found is dropped');
});

test('loopback, wildcard, port 0 and unknown containers are not learned: they name no one node-wide', () => {
  const servers = new LocalServers({ now: () => 0 });
  servers.learn('tcp', '127.0.0.1', 80, A);
  servers.learn('tcp', '::1', 80, A);
  servers.learn('tcp', '0.0.0.0', 80, A);
  servers.learn('tcp', '::', 80, A);
  servers.learn('tcp', '10.1.0.3', 0, A);
  servers.learn('tcp', '10.1.0.3', 80, '');
  assert.equal(servers.size, 0);
  assert.equal(servers.containerOf('tcp', '127.0.0.1', 80), undefined);
});

test('bounded: the least recently learned endpoint goes first; the latest container wins', () => {
  const servers = new LocalServers({ now: () => 0, maxEntries: 2 });
  servers.learn('tcp', '10.1.0.1', 80, A);
  servers.learn('tcp', '10.1.0.2', 80, A);
  servers.learn('tcp', '10.1.0.1', 80, B);
  servers.learn('tcp', '10.1.0.3', 80, A);
  assert.equal(servers.size, 2);
  assert.equal(servers.containerOf('tcp', '10.1.0.2', 80), undefined);
  assert.equal(servers.containerOf('tcp', '10.1.0.1', 80), B);
  assert.throws(
    () => new LocalServers({ now: () => 0, maxEntries: 0 }),
    /maxEntries: expected a positive integer, got 0/
  );
});
