import type { Direction } from '../../shared/schema';

/**
 * Which side opened a flow when the kernel did not say: TCP connections that predate bpftrace
 * ("seen") and UDP, which has no handshake. Clients bind ephemeral ports and servers listen on
 * fixed ones, so the ports decide when exactly one side is ephemeral. When both or neither are,
 * the lower port is taken as the server's (services sit on low ports far more often than
 * clients do). UDP first uses what the socket did in its first interval: a socket that only
 * sent is a client, one that only received a server.
 */

export interface PortRange {
  readonly low: number;
  readonly high: number;
}

/** Linux's default net.ipv4.ip_local_port_range. */
export const LINUX_EPHEMERAL_PORTS: PortRange = { low: 32768, high: 60999 };

const isEphemeral = (port: number, range: PortRange) => port >= range.low && port <= range.high;

export function guessDirection(localPort: number, remotePort: number, range: PortRange): Direction {
  const local = isEphemeral(localPort, range);
  const remote = isEphemeral(remotePort, range);
  if (local !== remote) {
    return local ? 'outbound' : 'inbound';
  }
  return localPort < remotePort ? 'inbound' : 'outbound';
}

/**
 * remotePort 0 is an unconnected socket: its peers vary per datagram, and a socket that
 * receives from anyone on a fixed port is a server.
 */
export function guessUdpDirection(
  localPort: number,
  remotePort: number,
  firstInterval: { readonly sent: boolean; readonly received: boolean },
  range: PortRange
): Direction {
  if (remotePort === 0) {
    return isEphemeral(localPort, range) || (firstInterval.sent && !firstInterval.received) ? 'outbound' : 'inbound';
  }
  if (isEphemeral(localPort, range) !== isEphemeral(remotePort, range)) {
    return guessDirection(localPort, remotePort, range);
  }
  if (firstInterval.sent !== firstInterval.received) {
    return firstInterval.sent ? 'outbound' : 'inbound';
  }
  return guessDirection(localPort, remotePort, range);
}
