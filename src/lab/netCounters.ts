/**
 * Kernel network counters of one namespace, named as nstat names them: `Tcp` + field from
 * /proc/net/snmp (TcpRetransSegs, TcpActiveOpens, TcpPassiveOpens, TcpAttemptFails, TcpOutRsts,
 * UdpInDatagrams, ...), `TcpExt` + field from /proc/net/netstat (TcpExtTCPLostRetransmit, ...)
 * and the already-prefixed names of /proc/net/snmp6 (Udp6InDatagrams, ...). Pure.
 */

export type NetCounters = Readonly<Record<string, number>>;

/**
 * Parses any mix of the two layouts: snmp/netstat pair a header line (`Tcp: RtoAlgorithm ...`)
 * with a value line (`Tcp: 1 200 ...`); snmp6 has one `Name value` per line.
 */
export function parseNetCounters(text: string): NetCounters {
  const counters: Record<string, number> = {};
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i].trim().split(/\s+/);
    if (fields[0].endsWith(':')) {
      const values = lines[i + 1]?.trim().split(/\s+/);
      if (values?.[0] !== fields[0] || values.length !== fields.length) {
        throw new Error(`net counters: header ${JSON.stringify(lines[i])} is not followed by its value line`);
      }
      const group = fields[0].slice(0, -1);
      fields.slice(1).forEach((name, k) => (counters[group + name] = toCount(values[k + 1], name)));
      i++;
    } else if (fields.length === 2) {
      counters[fields[0]] = toCount(fields[1], fields[0]);
    } else {
      throw new Error(`net counters: unexpected line ${JSON.stringify(lines[i])}`);
    }
  }
  return counters;
}

/** After minus before, for every counter in both (for counting what one step of a test caused). */
export function counterDelta(after: NetCounters, before: NetCounters): NetCounters {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? 0)]));
}

function toCount(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new Error(`net counters: ${name} has non-numeric value ${JSON.stringify(text)}`);
  }
  return value;
}
