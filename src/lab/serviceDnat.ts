import { writeFileSync } from 'node:fs';
import { hostCommand, tryHostCommand } from './hostCommand';
import type { Lab } from './lab';
import { runIdOfName } from './labNames';
import type { Pod } from './pod';
import { serviceDnatScript, type ServiceProtocol, type ServiceRule } from './serviceDnatScript';

/**
 * Kubernetes Services in the lab: a "cluster IP" that the host's netfilter DNATs to a pod, as
 * kube-proxy does, so the agent can be tested on connections whose socket names one address and
 * whose packets reach another.
 *
 * Service IPs of lab subnet k are 10.202.k.1-254: outside the pods' /24, so pods send them to
 * their gateway (the host side of the bridge) where the prerouting DNAT sees them, and routed onto
 * the lab bridge on the host, so host-network processes pick the bridge address as their source.
 * A pod's packet DNAT'd to another pod is routed back out of the bridge it came in on, which needs
 * forwarding on that bridge: br_netfilter's exception for bridged DNAT without forwarding does not
 * apply on kernel 6.18 (the SYN is dropped). Forwarding is enabled on the lab bridge only, never
 * host-wide; it and the route go away with the bridge.
 *
 * The rules live in an ip-family table `nmlab<run>-svc`, which the lab's own teardown (bridge
 * tables only) does not know: this module removes it with removeServiceIps, at process exit, and
 * as a leftover (its lab's bridge gone) whenever a service is added.
 */

export interface ServiceIpOptions {
  /** From serviceIpOf(lab, n). */
  readonly serviceIp: string;
  readonly port: number;
  readonly backend: Pod;
  readonly backendPort: number;
  readonly protocol?: ServiceProtocol;
}

const SERVICE_TABLE = /^nmlab[0-9a-f]{6}-svc$/;
const rulesByLab = new Map<Lab, ServiceRule[]>();
let exitHandlerInstalled = false;

/** The n-th Service IP of the lab (n in [1, 254]). */
export function serviceIpOf(lab: Lab, n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 254) {
    throw new Error(`service ip number ${n}: expected an integer in [1, 254]`);
  }
  return `10.202.${lab.addresses.subnet}.${n}`;
}

function serviceRange(lab: Lab): string {
  return `10.202.${lab.addresses.subnet}.0/24`;
}

function serviceTable(lab: Lab): string {
  return `${lab.names.nftTable}-svc`;
}

export function addServiceIp(lab: Lab, opts: ServiceIpOptions): ServiceRule {
  const prefix = `10.202.${lab.addresses.subnet}.`;
  if (!opts.serviceIp.startsWith(prefix)) {
    throw new Error(
      `service ip ${JSON.stringify(opts.serviceIp)}: expected one of this lab's, ${serviceRange(lab)} (serviceIpOf)`
    );
  }
  if (!lab.pods.includes(opts.backend)) {
    throw new Error(`service backend ${opts.backend.description}: expected a pod of lab ${lab.runId}`);
  }
  removeLeftoverTables();
  const rule: ServiceRule = {
    protocol: opts.protocol ?? 'tcp',
    serviceIp: opts.serviceIp,
    port: opts.port,
    backendIp: opts.backend.ip,
    backendPort: opts.backendPort,
  };
  const rules = [...(rulesByLab.get(lab) ?? []), rule];
  // Builds (and so checks) the script before touching the host.
  const script = serviceDnatScript(serviceTable(lab), rules);
  if (!rulesByLab.has(lab)) {
    hostCommand('ip', ['route', 'replace', serviceRange(lab), 'dev', lab.names.bridge]);
    writeFileSync(`/proc/sys/net/ipv4/conf/${lab.names.bridge}/forwarding`, '1');
  }
  rulesByLab.set(lab, rules);
  installExitHandler();
  hostCommand('nft', ['-f', '-'], script);
  return rule;
}

/** Removes the lab's Service rules; idempotent. */
export function removeServiceIps(lab: Lab): void {
  rulesByLab.delete(lab);
  deleteTable(serviceTable(lab));
}

function deleteTable(table: string): void {
  const err = tryHostCommand('nft', ['delete', 'table', 'ip', table]);
  if (err !== undefined && !/No such file or directory/.test(err.message)) {
    throw err;
  }
}

/** Service tables of labs whose bridge is gone: closed, or killed before anyone could clean up. */
function removeLeftoverTables(): void {
  const listing = JSON.parse(hostCommand('nft', ['-j', 'list', 'tables', 'ip'])) as {
    nftables: Array<{ table?: { name: string } }>;
  };
  const bridges = new Set(
    (JSON.parse(hostCommand('ip', ['-j', 'link', 'show', 'type', 'bridge']) || '[]') as Array<{ ifname: string }>).map(
      (l) => l.ifname
    )
  );
  for (const name of listing.nftables.flatMap((e) => (e.table ? [e.table.name] : []))) {
    if (SERVICE_TABLE.test(name) && !bridges.has(`nmlab${runIdOfName(name)}`)) {
      deleteTable(name);
    }
  }
}

function installExitHandler(): void {
  if (exitHandlerInstalled) {
    return;
  }
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const lab of [...rulesByLab.keys()]) {
      try {
        removeServiceIps(lab);
      } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
      }
    }
  });
}
