import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalEndpoints } from './localEndpoints';

test('LocalEndpoints: loopback is per network namespace, other addresses per node; v4-mapped is IPv4', () => {
  const e = new LocalEndpoints();
  e.add({ protocol: 'tcp', ip: '127.0.0.1', port: 80, netns: 1 }, 'ct-a');
  e.add({ protocol: 'tcp', ip: '10.0.0.5', port: 80, netns: 2 }, 'ct-b');
  assert.equal(e.lookup({ protocol: 'tcp', ip: '127.0.0.1', port: 80, netns: 1 }), 'ct-a');
  assert.equal(e.lookup({ protocol: 'tcp', ip: '127.0.0.1', port: 80, netns: 3 }), undefined);
  assert.equal(e.lookup({ protocol: 'tcp', ip: '::ffff:10.0.0.5', port: 80, netns: 9 }), 'ct-b');
  assert.equal(e.lookup({ protocol: 'udp', ip: '10.0.0.5', port: 80, netns: 2 }), undefined, 'protocols apart');
});

test('LocalEndpoints: shared endpoints are reference counted; wildcards are not indexed', () => {
  const e = new LocalEndpoints();
  const server = { protocol: 'tcp' as const, ip: '10.0.0.5', port: 80, netns: 2 };
  e.add(server, '');
  e.add(server, '');
  e.update(server, 'ct-b');
  e.remove(server);
  assert.equal(e.lookup(server), 'ct-b');
  e.remove(server);
  assert.equal(e.lookup(server), undefined);
  e.add({ protocol: 'udp', ip: '0.0.0.0', port: 53, netns: 2 }, 'ct-c');
  assert.equal(e.size, 0);
});
