import { isIP } from 'node:net';

/**
 * The lab's nftables table as one `nft -f` script, rebuilt whole on every change so the kernel
 * swaps it atomically and no stale rule survives. Pure (the exact text is unit-tested).
 *
 * The table is in the bridge family of the host namespace: prerouting sees every frame a pod
 * sends into the bridge, postrouting every frame the bridge hands to a pod (forwarded or from the
 * host). Dropping there is loss on the wire: the sender's stack already counted the segment as
 * sent, so TCP really retransmits it (a drop in the sender's own output hook would not be).
 * Loss applies to TCP only, and spares RSTs: UDP ground truth must stay exact on both sides, and a
 * lost RST is never sent again, which would leave the peer's side open for good.
 */

export interface Blackhole {
  readonly ip: string;
  readonly port: number;
}

export interface LabRules {
  /** Drop percentage by host-side interface name; absent or 0 means no loss. */
  readonly lossByInterface: ReadonlyMap<string, number>;
  /** Destinations whose SYNs vanish, so connects to them time out. */
  readonly blackholes: readonly Blackhole[];
}

export function checkLossPercent(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    throw new Error(`loss percent ${percent}: expected an integer in [0, 100]`);
  }
}

export function checkBlackhole({ ip, port }: Blackhole): void {
  if (isIP(ip) === 0) {
    throw new Error(`blackhole ip ${JSON.stringify(ip)}: expected an IPv4 or IPv6 address`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`blackhole port ${port}: expected an integer in [1, 65535]`);
  }
}

/** The kernel's own limits (IFNAMSIZ), and nothing that could end the quoted string in the rule. */
function checkInterfaceName(ifname: string): void {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(ifname)) {
    throw new Error(`interface ${JSON.stringify(ifname)}: expected 1-15 of A-Z a-z 0-9 _ . -`);
  }
}

export function nftLabScript(table: string, rules: LabRules): string {
  const synDrops = rules.blackholes.map((b) => {
    checkBlackhole(b);
    return `${isIP(b.ip) === 4 ? 'ip' : 'ip6'} daddr ${b.ip} tcp dport ${b.port} tcp flags & (syn | ack) == syn drop`;
  });
  const lossy = [...rules.lossByInterface].filter(([ifname, percent]) => {
    checkInterfaceName(ifname);
    checkLossPercent(percent);
    return percent > 0;
  });
  const loss = (dir: 'iifname' | 'oifname') =>
    lossy.map(([ifname, percent]) => `${dir} "${ifname}" tcp flags & rst == 0 numgen random mod 100 < ${percent} drop`);
  const chain = (name: string, hook: string, body: string[]) => [
    `\tchain ${name} {`,
    `\t\ttype filter hook ${hook} priority 0; policy accept;`,
    ...body.map((r) => `\t\t${r}`),
    '\t}',
  ];
  return [
    // Declaring before deleting makes the delete valid whether or not the table exists yet.
    `table bridge ${table} {}`,
    `delete table bridge ${table}`,
    `table bridge ${table} {`,
    ...chain('pre', 'prerouting', [...synDrops, ...loss('iifname')]),
    ...chain('post', 'postrouting', [...synDrops, ...loss('oifname')]),
    '}',
    '',
  ].join('\n');
}
