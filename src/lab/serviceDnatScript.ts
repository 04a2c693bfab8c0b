import { isIPv4 } from 'node:net';

/**
 * The lab's "kube-proxy": an `nft -f` script for one ip-family table that DNATs Service IPs to pod
 * backends, rebuilt whole on every change so the kernel swaps it atomically. Pure (the exact text
 * is unit-tested).
 *
 * Two hooks, as kube-proxy uses: prerouting for pods, whose packets enter the host through the lab
 * bridge (br_netfilter runs the ip hooks on them, and un-NATs the backend's replies even though
 * they are bridged straight to the client pod), and output for processes on the host network.
 * IPv4 only, which is what the lab's Services need.
 */

export type ServiceProtocol = 'tcp' | 'udp';

export interface ServiceRule {
  readonly protocol: ServiceProtocol;
  readonly serviceIp: string;
  readonly port: number;
  readonly backendIp: string;
  readonly backendPort: number;
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${what} ${port}: expected an integer in [1, 65535]`);
  }
}

export function checkServiceRule(rule: ServiceRule): void {
  if (rule.protocol !== 'tcp' && rule.protocol !== 'udp') {
    throw new Error(`service protocol ${JSON.stringify(rule.protocol)}: expected 'tcp' or 'udp'`);
  }
  for (const [ip, what] of [
    [rule.serviceIp, 'service ip'],
    [rule.backendIp, 'backend ip'],
  ] as const) {
    if (!isIPv4(ip)) {
      throw new Error(`${what} ${JSON.stringify(ip)}: expected an IPv4 address`);
    }
  }
  checkPort(rule.port, 'service port');
  checkPort(rule.backendPort, 'backend port');
}

export function serviceDnatScript(table: string, rules: readonly ServiceRule[]): string {
  const dnats = rules.map((r) => {
    checkServiceRule(r);
    return `ip daddr ${r.serviceIp} ${r.protocol} dport ${r.port} dnat to ${r.backendIp}:${r.backendPort}`;
  });
  const chain = (name: string, hook: string) => [
    `\tchain ${name} {`,
    `\t\ttype nat hook ${hook} priority -100; policy accept;`,
    ...dnats.map((r) => `\t\t${r}`),
    '\t}',
  ];
  return [
    // Declaring before deleting makes the delete valid whether or not the table exists yet.
    `table ip ${table} {}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    ...chain('pre', 'prerouting'),
    ...chain('out', 'output'),
    '}',
    '',
  ].join('\n');
}
