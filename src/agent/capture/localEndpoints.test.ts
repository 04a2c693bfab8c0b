import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointKey, LocalEndpoints } from './localEndpoints';

test('LocalEndpoints: loopback is per network namespace, other addresses per node; v4-mapped is IPv4', () => {
  const e = new LocalEndpoints();
  e.add(endpointKey({ protocol: 'tcp', ip: '127.0.0.1', port: 80, netns: 1 }), 'ct-a');
  e.add(endpointKey({ protocol: 'tcp', ip: '10.0.0.5', port: 80, netns: 2 }), 'ct-b');
  e.add(endpointKey({ protocol: 'tcp', ip: '::FFFF:10.0.0.6', port: 80, netns: 2 }), 'ct-c');
  e.add(endpointKey({ protocol: 'tcp', ip: '2001:DB8::1', port: 80, netns: 2 }), 'ct-d');
  assert.equal(e.lookup({ protocol: 'tcp', ip: '127.0.0.1', port: 80, netns: 1 }), 'ct-a');
  assert.equal(e.lookup({ protocol: 'tcp', ip: '127.0.0.1', port: 80, netns: 3 }), undefined);
  assert.equal(e.lookup({ protocol: 'tcp', ip: '::ffff:10.0.0.5', port: 80, netns: 9 }), 'ct-b');
  assert.equal(e.lookup({ protocol: 'udp', ip: '10.0.0.5', port: 80, netns: 2 }), undefined, 'protocols apart');
  assert.equal(e.lookup({ protocol: 'tcp', ip: '10.0.0.6', port: 80, netns: 9 }), 'ct-c');
  assert.equal(e.lookup({ protocol: 'tcp', ip: '2001:db8::1', port: 80, netns: 9 }), 'ct-d', 'IPv6 in any case');
  assert.equal(e.lookup({ protocol: 'tcp', ip: '::ffff:127.0.0.1', port: 80, netns: 1 }), 'ct-a');
});

test('LocalEndpoints: shared endpoints are reference counted; wildcards are not indexed', () => {
  const e = new LocalEndpoints();
  const server = { protocol: 'tcp' as const, ip: '10.0.0.5', port: 80, netns: 2 };
  const key = endpointKey(server);
  e.add(key, '');
  e.add(key, '');
  e.update(key, 'ct-b');
  e.remove(key);
  assert.equal(e.lookup(server), 'ct-b');
  e.remove(key);
  assert.equal(e.lookup(server), undefined);
  e.add(endpointKey({ protocol: 'udp', ip: '0.0.0.0', port: 53, netns: 2 }), 'ct-c');
  e.add(endpointKey({ protocol: 'udp', ip: '::ffff:0.0.0.0', port: 53, netns: 2 }), 'ct-c');
  assert.equal(e.size, 0);
});
