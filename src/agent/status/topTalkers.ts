import type { ConnectionRow } from '../../shared/schema';

export interface TopTalker {
  /** This side: the pod, else the process name. */
  who: string;
  /** The other side: its pod when known, else ip:port. */
  peer: string;
  /** Both directions. */
  bytes: number;
}

/** "1.2.3.4:80" for IPv4 (also when v4-mapped), "[fd00::1]:80" for IPv6. */
export function formatEndpoint(ip: string, port: number): string {
  const v4 = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  return v4.includes(':') ? `[${v4}]:${port}` : `${v4}:${port}`;
}

/** The pairs that moved the most bytes in `rows`, largest first. */
export function topTalkers(rows: readonly ConnectionRow[], limit = 5): TopTalker[] {
  const byPair = new Map<string, TopTalker>();
  for (const r of rows) {
    const bytes = r.bytes_tx + r.bytes_rx;
    if (bytes === 0) {
      continue;
    }
    const who = r.local_pod || r.comm || `pid ${r.pid}`;
    const peer = r.remote_pod || formatEndpoint(r.remote_ip, r.remote_port);
    const key = `${who}\0${peer}`;
    const talker = byPair.get(key);
    if (talker === undefined) {
      byPair.set(key, { who, peer, bytes });
    } else {
      talker.bytes += bytes;
    }
  }
  return [...byPair.values()]
    .sort((a, b) => b.bytes - a.bytes || a.who.localeCompare(b.who) || a.peer.localeCompare(b.peer))
    .slice(0, limit);
}
