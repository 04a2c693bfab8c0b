import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DnsNameMap } from './dnsNameMap';

describe('DnsNameMap', () => {
  it('names an address for its TTL plus the grace period, then forgets it', () => {
    let now = 0;
    const names = new DnsNameMap({ graceMs: 2000, now: () => now });
    names.observe('192.0.2.1', 'api.example', 30, 1000);
    now = 1000 + 30_000 + 2000;
    assert.equal(names.lookup('192.0.2.1'), 'api.example', 'at the last moment of the grace');
    now += 1;
    assert.equal(names.lookup('192.0.2.1'), undefined);
    assert.equal(names.stats().size, 0, 'an expired entry goes when it is looked up');
  });

  it('keeps a TTL-0 answer for the grace period, so the connection right after still gets its name', () => {
    const names = new DnsNameMap({ now: () => 0 });
    names.observe('192.0.2.2', 'lb.example', 0, 0);
    assert.equal(names.lookup('192.0.2.2', 29_999), 'lb.example');
    assert.equal(names.lookup('192.0.2.2', 30_001), undefined);
  });

  it('lets the newest answer for an address win, with its own TTL', () => {
    const names = new DnsNameMap({ graceMs: 0, now: () => 0 });
    names.observe('192.0.2.3', 'old.example', 3600, 0);
    names.observe('192.0.2.3', 'new.example', 10, 5000);
    assert.equal(names.lookup('192.0.2.3', 15_000), 'new.example');
    assert.equal(names.lookup('192.0.2.3', 15_001), undefined, 'the newer, shorter TTL rules');
  });

  it('finds an IPv4 answer under the v4-mapped spelling of a dual-stack socket, and IPv6 in any case', () => {
    const names = new DnsNameMap({ now: () => 0 });
    names.observe('192.0.2.4', 'v4.example', 60);
    names.observe('2001:DB8::4', 'v6.example', 60);
    assert.equal(names.lookup('::ffff:192.0.2.4'), 'v4.example');
    assert.equal(names.lookup('::FFFF:192.0.2.4'), 'v4.example');
    assert.equal(names.lookup('2001:db8::4'), 'v6.example');
    assert.equal(names.lookup('192.0.2.5'), undefined);
  });

  it('evicts the least recently used address when full; a lookup counts as use', () => {
    const names = new DnsNameMap({ maxEntries: 2, now: () => 0 });
    names.observe('192.0.2.1', 'one', 60);
    names.observe('192.0.2.2', 'two', 60);
    assert.equal(names.lookup('192.0.2.1'), 'one');
    names.observe('192.0.2.3', 'three', 60);
    assert.equal(names.lookup('192.0.2.2'), undefined);
    assert.equal(names.lookup('192.0.2.1'), 'one');
    assert.equal(names.lookup('192.0.2.3'), 'three');
    assert.deepEqual(names.stats(), { size: 2, evictions: 1 });
  });

  it('rejects a size or grace that cannot work, naming it', () => {
    assert.throws(() => new DnsNameMap({ maxEntries: 0, now: () => 0 }), /maxEntries: expected a positive integer, got 0/);
    assert.throws(() => new DnsNameMap({ graceMs: -1, now: () => 0 }), /graceMs: expected milliseconds >= 0, got -1/);
  });
});
