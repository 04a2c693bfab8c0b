import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DnsCapture } from './dnsCapture';

test('DNS that cannot run is one log line and unattached probes; start, takeRows and stop still work', async () => {
  const logs: string[] = [];
  const dns = new DnsCapture({
    node: 'n',
    bpftracePath: '/nonexistent/bpftrace',
    attribute: () => ({ comm: '', containerId: '' }),
    attributeCgroup: () => undefined,
    log: (line) => logs.push(line),
  });
  await dns.start();
  assert.equal(logs.length, 1, logs.join('\n'));
  assert.match(logs[0], /^DNS capture is off: .+; connections are still captured$/);
  const h = dns.health();
  assert.deepEqual([h.probesAttached, h.probesExpected, h.pid, h.restarts], [0, 5, undefined, 0]);
  assert.deepEqual(dns.takeRows(), []);
  await dns.stop();
  assert.equal(dns.names.lookup('192.0.2.1'), undefined);
});

test('a bad timeout or port list is an error naming it', () => {
  const base = {
    node: 'n',
    bpftracePath: 'bpftrace',
    attribute: () => ({ comm: '', containerId: '' }),
    attributeCgroup: () => undefined,
    log: () => undefined,
  };
  assert.throws(
    () => new DnsCapture({ ...base, timeoutSeconds: 0 }),
    /timeoutSeconds: expected a number of seconds > 0, got 0/
  );
  assert.throws(() => new DnsCapture({ ...base, extraPorts: [1, 2, 3, 4, 5] }), /at most 4 ports besides 53/);
});
