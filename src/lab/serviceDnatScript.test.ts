import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceDnatScript, type ServiceRule } from './serviceDnatScript';

const web: ServiceRule = {
  protocol: 'tcp',
  serviceIp: '10.202.0.250',
  port: 80,
  backendIp: '10.201.0.3',
  backendPort: 8080,
};
const dns: ServiceRule = {
  protocol: 'udp',
  serviceIp: '10.202.0.10',
  port: 53,
  backendIp: '10.201.0.4',
  backendPort: 5353,
};

test("each Service is DNAT'd in prerouting (pods) and output (host network), replacing any previous table", () => {
  assert.equal(
    serviceDnatScript('nmlababc123-svc', [web, dns]),
    [
      'table ip nmlababc123-svc {}',
      'delete table ip nmlababc123-svc',
      'table ip nmlababc123-svc {',
      '\tchain pre {',
      '\t\ttype nat hook prerouting priority -100; policy accept;',
      '\t\tip daddr 10.202.0.250 tcp dport 80 dnat to 10.201.0.3:8080',
      '\t\tip daddr 10.202.0.10 udp dport 53 dnat to 10.201.0.4:5353',
      '\t}',
      '\tchain out {',
      '\t\ttype nat hook output priority -100; policy accept;',
      '\t\tip daddr 10.202.0.250 tcp dport 80 dnat to 10.201.0.3:8080',
      '\t\tip daddr 10.202.0.10 udp dport 53 dnat to 10.201.0.4:5353',
      '\t}',
      '}',
      '',
    ].join('\n')
  );
});

test('rules are checked before any text is made', () => {
  assert.throws(
    () => serviceDnatScript('t', [{ ...web, serviceIp: 'fd00::1' }]),
    /service ip "fd00::1": expected an IPv4 address/
  );
  assert.throws(
    () => serviceDnatScript('t', [{ ...web, backendIp: '10.0.0' }]),
    /backend ip "10.0.0": expected an IPv4 address/
  );
  assert.throws(
    () => serviceDnatScript('t', [{ ...web, port: 0 }]),
    /service port 0: expected an integer in \[1, 65535\]/
  );
  assert.throws(() => serviceDnatScript('t', [{ ...web, backendPort: 65536 }]), /backend port 65536/);
  assert.throws(
    () => serviceDnatScript('t', [{ ...web, protocol: 'sctp' as 'tcp' }]),
    /service protocol "sctp": expected 'tcp' or 'udp'/
  );
});
