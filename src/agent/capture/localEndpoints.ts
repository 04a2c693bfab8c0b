import type { Protocol } from '../../shared/schema';

/**
 * The (ip, port) endpoints of sockets on this node and whose they are, so that a connection whose
 * peer is another local socket (pod to pod on one node, a sidecar, loopback) can name the peer's
 * container. Loopback addresses repeat in every network namespace, so for them the namespace is
 * part of the key; other addresses are unique on a node. Many accepted sockets share a server's
 * endpoint, hence the reference count. A socket bound to a wildcard address (0.0.0.0, ::) is not
 * indexed: its address in another socket's raddr is specific, and which namespace it lives in is
 * not known here.
 */

export interface LocalEndpoint {
  readonly protocol: Protocol;
  readonly ip: string;
  readonly port: number;
  readonly netns: number;
}

interface Entry {
  containerId: string;
  refs: number;
}

/** An endpoint as the index keys it, worked out once per socket; undefined when it is not indexed. */
export type EndpointKey = string | undefined;

const V4_MAPPED_PREFIX = '::ffff:';
const DOTTED_QUAD = /^\d+\.\d+\.\d+\.\d+$/;

function canonicalIp(ip: string): string {
  if (!ip.includes(':')) {
    return ip; // IPv4 as bpftrace prints it: the common case needs no pattern
  }
  const lower = ip.toLowerCase();
  const v4 = lower.startsWith(V4_MAPPED_PREFIX) ? lower.slice(V4_MAPPED_PREFIX.length) : '';
  return DOTTED_QUAD.test(v4) ? v4 : lower;
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

function isWildcard(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}

export function endpointKey({ protocol, ip, port, netns }: LocalEndpoint): EndpointKey {
  const canonical = canonicalIp(ip);
  if (isWildcard(canonical) || port === 0) {
    return undefined;
  }
  return isLoopback(canonical) ? `${protocol} ${canonical} ${port} ${netns}` : `${protocol} ${canonical} ${port}`;
}

/**
 * Sockets come and go by key (endpointKey, kept with the socket: every connection adds, may
 * update and removes its endpoint); peers are looked up by endpoint.
 */
export class LocalEndpoints {
  private readonly entries = new Map<string, Entry>();

  /** Takes a reference; the latest non-empty container id wins for a shared endpoint. */
  add(key: EndpointKey, containerId: string): void {
    if (key === undefined) {
      return;
    }
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.entries.set(key, { containerId, refs: 1 });
      return;
    }
    entry.refs++;
    if (containerId !== '') {
      entry.containerId = containerId;
    }
  }

  /** Learns a container id later (an inbound socket's owner) without taking a reference. */
  update(key: EndpointKey, containerId: string): void {
    const entry = key === undefined ? undefined : this.entries.get(key);
    if (entry !== undefined && containerId !== '') {
      entry.containerId = containerId;
    }
  }

  remove(key: EndpointKey): void {
    const entry = key === undefined ? undefined : this.entries.get(key);
    if (entry !== undefined && --entry.refs <= 0) {
      this.entries.delete(key!);
    }
  }

  /** The container of a local socket at this endpoint ('' for a host process), or undefined. */
  lookup(endpoint: LocalEndpoint): string | undefined {
    const key = endpointKey(endpoint);
    return key === undefined ? undefined : this.entries.get(key)?.containerId;
  }

  get size(): number {
    return this.entries.size;
  }
}
