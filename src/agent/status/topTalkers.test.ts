import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionRow } from '../../store/sampleRows';
import { formatEndpoint, topTalkers } from './topTalkers';

const host = { local_pod: '', remote_pod: '' };

test('pairs are summed over rows, both directions, largest first, pods before process names and addresses', () => {
  const rows = [
    connectionRow({
      ...host,
      comm: 'curl',
      remote_ip: '::ffff:93.184.216.34',
      remote_port: 443,
      bytes_tx: 100,
      bytes_rx: 900,
    }),
    connectionRow({
      ...host,
      comm: 'curl',
      remote_ip: '::ffff:93.184.216.34',
      remote_port: 443,
      bytes_tx: 50,
      bytes_rx: 0,
    }),
    connectionRow({ local_pod: 'web-1', remote_pod: 'pg-0', bytes_tx: 5000, bytes_rx: 5000 }),
    connectionRow({ ...host, comm: '', pid: 42, remote_ip: 'fd00::1', remote_port: 53, bytes_tx: 70, bytes_rx: 0 }),
    connectionRow({ ...host, comm: 'idle', bytes_tx: 0, bytes_rx: 0 }),
  ];
  assert.deepEqual(topTalkers(rows), [
    { who: 'web-1', peer: 'pg-0', bytes: 10_000 },
    { who: 'curl', peer: '93.184.216.34:443', bytes: 1050 },
    { who: 'pid 42', peer: '[fd00::1]:53', bytes: 70 },
  ]);
  assert.equal(topTalkers(rows, 1).length, 1);
});

test('endpoints: v4-mapped shown as IPv4, IPv6 in brackets', () => {
  assert.equal(formatEndpoint('::ffff:10.0.0.1', 80), '10.0.0.1:80');
  assert.equal(formatEndpoint('10.0.0.1', 80), '10.0.0.1:80');
  assert.equal(formatEndpoint('::1', 8080), '[::1]:8080');
});
