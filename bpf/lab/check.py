"""Compares connections.bt output with the lab's ground truth; exits 1 on any failed check.

    check.py OUT_DIR --netns client=INODE --netns server=INODE --retrans client=N --retrans server=N

OUT_DIR holds bpftrace.jsonl (bpftrace -f json output) and truth.jsonl (traffic.py). Only sockets in
the two lab namespaces are considered: bpftrace sees the whole host.

Output format 3: a TCP close or failed connect is an entry of the @closed0/@closed1 map line that
the next 1 s tick prints, keyed "<sk>,<start>"; a close/fail value line only when that map was full,
after the helper_error (map_update_elem, -7) of the refused insert. Both count as the connection's
one close record.
"""

import argparse
import json
import sys
from collections import Counter, defaultdict

BYTES_TOLERANCE = 0.005
OPEN_FIELDS = ['event', 'ts', 'sk', 'start', 'direction', 'pid', 'comm', 'cgroup', 'netns',
               'laddr', 'lport', 'raddr', 'rport']
CLOSE_FIELDS = OPEN_FIELDS + ['tx_bytes', 'rx_bytes', 'tx_packets', 'rx_packets', 'retransmits',
                              'rtt_us', 'resets', 'errno']
TCP_FLUSH_FIELDS = ['start', 'tx_bytes', 'rx_bytes', 'tx_packets', 'rx_packets', 'retransmits', 'rtt_us']
UDP_ID_FIELDS = ['laddr', 'lport', 'raddr', 'rport', 'cgroup', 'netns', 'comm']
NEW_FIELDS = OPEN_FIELDS[3:]
FORMAT_VERSION = 3
MAP_FULL = -7  # E2BIG: the retcode of a map_update_elem into a full map

failures = []


def check(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


def close_enough(measured, truth):
    return measured == truth or (truth > 0 and abs(measured - truth) / truth <= BYTES_TOLERANCE)


def pairs(values):
    return dict(v.split('=', 1) for v in values)


def parse_output(path):
    """Returns events by kind ("new": @new0/@new1 entries; "close"/"fail" from @closed0/@closed1
    entries and from fallback value lines, told apart by 'via'), TCP flush snapshots per
    (sk, start), UDP totals, line counts and the order of what matters to format 3 (see
    check_format)."""
    events = defaultdict(list)
    tcp_flushes = defaultdict(list)
    udp_ids = {}
    udp = defaultdict(Counter)
    kinds = Counter()
    # In output order: ('closed', [entries]) per @closed map line, ('flush', ts), ('tick', ts),
    # ('error', helper_error message), ('fallback', close/fail event from a value line).
    sequence = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            msg = json.loads(line)  # a line that does not parse is a failure in itself
            kinds[msg['type']] += 1
            data = msg.get('data')
            if msg['type'] == 'helper_error':
                sequence.append(('error', msg))
            elif msg['type'] == 'value':
                fields = CLOSE_FIELDS if data[0] in ('close', 'fail') else OPEN_FIELDS
                if data[0] in ('seen', 'close', 'fail'):
                    assert len(data) == len(fields), f'{data[0]} line has {len(data)} fields: {line}'
                    event = dict(zip(fields, data), via=f'line {n}')
                    events[data[0]].append(event)
                    if data[0] != 'seen':
                        sequence.append(('fallback', event))
                else:
                    events[data[0]].append(data)
                    if data[0] in ('flush', 'tick'):
                        sequence.append((data[0], data[1]))
            elif msg['type'] == 'map' and ('@tcp0' in data or '@tcp1' in data):
                for sk, values in next(iter(data.values())).items():
                    snap = dict(zip(TCP_FLUSH_FIELDS, values))
                    tcp_flushes[(int(sk), snap['start'])].append(snap)
            elif msg['type'] == 'map':
                (name, entries), = data.items()
                if name in ('@closed0', '@closed1'):
                    closed = []
                    for key, values in entries.items():
                        kind = values[0]
                        assert kind in ('close', 'fail'), f'{name} entry {key} is a {kind!r}: {line}'
                        assert len(values) == len(CLOSE_FIELDS), \
                            f'{name} entry {key} has {len(values)} fields: {line}'
                        event = dict(zip(CLOSE_FIELDS, values), via=f'{name} line {n}', key=key)
                        events[kind].append(event)
                        closed.append(event)
                    sequence.append(('closed', closed))
                if name in ('@new0', '@new1'):
                    for sk, values in entries.items():
                        events['new'].append(dict(sk=int(sk), **dict(zip(NEW_FIELDS, values))))
                if name.startswith('@udp_id'):
                    for key, values in entries.items():
                        udp_ids[key] = dict(zip(UDP_ID_FIELDS, values))
            elif msg['type'] == 'stats':
                (name, entries), = data.items()
                for key, st in entries.items():
                    probe, sk, pid = key.rsplit(',', 2)
                    way = 'tx' if probe.endswith('send_length') else 'rx'
                    udp[f'{sk},{pid}'][f'{way}_bytes'] += st['total']
                    udp[f'{sk},{pid}'][f'{way}_datagrams'] += st['count']
    return events, tcp_flushes, udp_ids, udp, kinds, sequence


def check_format(events, sequence, interval_s):
    """What format 3 promises beyond the values: the @closed entries are keyed by their own
    (sk, start) and printed by the first tick after the close (the next flush line follows the
    map line, interval 1) or, when the close raced the tick's switch of generation, the one
    after; a close/fail value line only for an insert a full map refused."""
    print('Format 3 (close records in @closed0/@closed1, value lines only for a full map):')
    hellos = events['hello']
    check(len(hellos) == 1 and hellos[0][1] == FORMAT_VERSION,
          f'one hello line, format version {FORMAT_VERSION}: {hellos}')
    entries = [e for kind, x in sequence if kind == 'closed' for e in x]
    bad_keys = [e['key'] for e in entries if e['key'] != f"{e['sk']},{e['start']}"]
    check(bool(entries) and not bad_keys, f'{len(entries)} @closed entries, each keyed "<sk>,<start>" of its '
          f'own tuple' + (f'; not: {bad_keys}' if bad_keys else ''))
    delays, late = [], []
    for i, (kind, x) in enumerate(sequence):
        if kind != 'closed':
            continue
        next_flush = next((ts for k, ts in sequence[i + 1:] if k == 'flush'), None)
        for e in x:
            delay = None if next_flush is None else next_flush - e['ts']
            delays.append(delay)
            if delay is None or not 0 < delay <= (interval_s + 1) * 1e9 + 2e8:
                late.append((e['sk'], e['start'], delay))
    # A tick line says every close before it is out: the @closed line it follows holds them.
    # The last maps, printed at exit, have no tick after them.
    unticked = []
    for i, (kind, x) in enumerate(sequence):
        if kind != 'closed':
            continue
        tick = next((ts for k, ts in sequence[i + 1:] if k == 'tick'), None)
        unticked += [(e['sk'], e['start']) for e in x if tick is not None and e['ts'] > tick]
    ticks = sum(1 for k, _ in sequence if k == 'tick')
    check(ticks > 0 and not unticked, f'{ticks} tick lines, each after the @closed line of every close before it'
          + (f'; closes after their tick: {unticked}' if unticked else ''))
    check(not late, f'every @closed entry printed within {interval_s + 1} s of its close (by the next '
          f'flush line; longest {max((d for d in delays if d is not None), default=0) / 1e6:.0f} ms)'
          + (f'; not: {late}' if late else ''))
    # Each fallback line follows the helper_error of its own refused insert (same program, same
    # CPU, so in order); every map-full error must be spent on one. Any other helper_error
    # (a -7 left over is a full @conn, @tcp0/@tcp1, @new or UDP map) fails.
    unpaired_errors, orphans, others, fallbacks = [], [], [], 0
    for kind, x in sequence:
        if kind == 'error':
            if x.get('helper') == 'map_update_elem' and x.get('retcode') == MAP_FULL:
                unpaired_errors.append(x)
            else:
                others.append(x)
        elif kind == 'fallback':
            fallbacks += 1
            if unpaired_errors:
                unpaired_errors.pop(0)
            else:
                orphans.append(x['via'])
    check(not orphans, f'{fallbacks} close/fail value line(s), each after a map-full helper_error'
          + (f'; without one (a stored record printed twice?): {orphans}' if orphans else ''))
    check(not unpaired_errors and not others,
          'no helper_error but the map-full errors of those fallback lines'
          + (f'; unmatched map-full: {unpaired_errors}' if unpaired_errors else '')
          + (f'; others: {others}' if others else ''))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--netns', action='append', required=True)
    ap.add_argument('--retrans', action='append', required=True)
    args = ap.parse_args()
    netns = {side: int(inode) for side, inode in pairs(args.netns).items()}
    kernel_retrans = {side: int(n) for side, n in pairs(args.retrans).items()}
    side_of = {inode: side for side, inode in netns.items()}

    events, tcp_flushes, udp_ids, udp, kinds, sequence = parse_output(f'{args.out}/bpftrace.jsonl')
    truth = [json.loads(line) for line in open(f'{args.out}/truth.jsonl')]
    ours = lambda e: e['netns'] in side_of  # noqa: E731
    closes = [e for e in events['close'] + events['fail'] if ours(e)]
    opens = {(e['sk'], e['start']): e for e in events['seen'] if ours(e)}
    announced = Counter((e['sk'], e['start']) for e in events['new'] if ours(e))
    news = {(e['sk'], e['start']): e for e in events['new'] if ours(e)}
    # Opened before bpftrace started: both ends must show as "seen", with their own identity.
    early = {(t['laddr'], t['lport']) for t in truth if t.get('scenario') == 'before-start'}
    owners = {(d[2], d[3]): d for d in events['owner']}
    resets = Counter((d[2], d[3], d[4]) for d in events['reset'])

    print('TCP connections (truth vs connections.bt):')
    # Each established connection has both ends in the truth, or the loop below would check one.
    server_ends = {(t['laddr'], t['lport'], t['raddr'], t['rport'])
                   for t in truth if t['proto'] == 'tcp' and t['side'] == 'server'}
    one_sided = [t['scenario'] for t in truth if t['proto'] == 'tcp' and t['side'] == 'client'
                 and t['outcome'] not in ('refused', 'timeout')
                 and (t['raddr'], t['rport'], t['laddr'], t['lport']) not in server_ends]
    check(not one_sided, 'the server end of every established lab connection is in the truth'
          + (f'; not for: {one_sided}' if one_sided else ''))
    for t in (t for t in truth if t['proto'] == 'tcp'):
        side = t['side']
        want_event = 'fail' if t['outcome'] in ('refused', 'timeout') else 'close'
        match = [c for c in closes if c['netns'] == netns[side] and c['lport'] == t['lport']
                 and c['rport'] == t['rport'] and c['laddr'] == t['laddr'] and c['raddr'] == t['raddr']]
        is_early = (t['laddr'], t['lport']) in early or (t['raddr'], t['rport']) in early
        scenario = 'before-start' if is_early else t.get('scenario', '')
        label = f"{side} {scenario} {t['laddr']}:{t['lport']}->{t['raddr']}:{t['rport']}"
        if len(match) != 1:
            check(False, f'{label}: expected one close/fail record (@closed entry or fallback line), '
                  f"found {len(match)}" + (f" ({', '.join(c['via'] for c in match)})" if match else ''))
            continue
        c = match[0]
        ident = (c['sk'], c['start'])
        check(c['event'] == want_event, f"{label}: event {c['event']!r} (want {want_event!r}), {c['via']}")
        direction = 'unknown' if is_early else 'outbound' if side == 'client' else 'inbound'
        check(c['direction'] == direction, f"{label}: direction {c['direction']}")
        owner = owners.get(ident) or [0] * 5 + ['']
        pid = c['pid'] or owner[4]
        check(pid == t['pid'], f'{label}: pid {pid} (truth {t["pid"]})')
        comm = c['comm'] or owner[5]
        check(comm == t['comm'], f'{label}: comm {comm!r} (truth {t["comm"]!r})')
        if want_event == 'fail':
            errno = {'refused': 111, 'timeout': 110}[t['outcome']]
            check(c['errno'] == errno and c['tx_bytes'] == 0 and c['rx_bytes'] == 0,
                  f"{label}: errno {c['errno']} (want {errno}), bytes {c['tx_bytes']}/{c['rx_bytes']}, "
                  f"SYNs {c['tx_packets']}, retransmits {c['retransmits']}")
            continue
        if is_early:
            seen = opens.get(ident, {})
            want = dict(event='seen', direction='unknown', pid=t['pid'], comm=t['comm'],
                        netns=netns[side], **{k: t[k] for k in ('laddr', 'lport', 'raddr', 'rport')})
            got = {k: seen.get(k) for k in want}
            check(got == want, f'{label}: seen line {got}' + ('' if got == want else f' (want {want})'))
            # Exact, but a "seen" connection cannot tell whether its side sent the SYN (CAVEATS).
            syn = 1 if side == 'client' else 0
            check(c['tx_bytes'] == t['tx_bytes'] + syn and c['rx_bytes'] == t['rx_bytes'],
                  f"{label}: tx_bytes {c['tx_bytes']} (truth {t['tx_bytes']} + SYN {syn}), "
                  f"rx_bytes {c['rx_bytes']} (truth {t['rx_bytes']})")
        else:
            # Announced at a flush only if still open then; else its close record is all there is.
            snaps = tcp_flushes.get(ident, [])
            if snaps:
                new = news.get(ident, {})
                same = all(new.get(k) == c[k] for k in ('direction', 'cgroup', 'netns', 'laddr', 'lport',
                                                         'raddr', 'rport'))
                check(announced[ident] == 1 and same,
                      f'{label}: announced once at a flush ({announced[ident]}), as its close record has it')
            else:
                check(announced[ident] == 0, f'{label}: closed before any flush, no identity printed')
            for key in ('tx_bytes', 'rx_bytes'):
                check(close_enough(c[key], t[key]), f'{label}: {key} {c[key]} (truth {t[key]})')
        if t['outcome'] == 'reset':
            way = 'sent' if side == 'client' else 'received'
            # An abortive close sends its RST after the CLOSE transition: the reset line then
            # follows the close, whose record's resets field only counts the earlier ones.
            check(resets[(c['sk'], c['start'], way)] == 1,
                  f"{label}: one reset {way} line (close record resets={c['resets']})")
        snaps = tcp_flushes.get(ident, [])
        monotonic = all(a[k] <= b[k] for a, b in zip(snaps, snaps[1:]) for k in ('tx_bytes', 'rx_bytes'))
        bounded = all(s['tx_bytes'] <= c['tx_bytes'] and s['rx_bytes'] <= c['rx_bytes'] for s in snaps)
        check(monotonic and bounded, f'{label}: {len(snaps)} flush snapshots, running totals '
              f'rise and stay <= the close record; retransmits {c["retransmits"]}, rtt {c["rtt_us"]} us')
        if t.get('scenario') == 'paced-400KB':
            check(len(snaps) >= 3, f'{label}: a connection spanning several flushes shows in each')

    sane = all(v < 2**48 for snaps in tcp_flushes.values() for s in snaps for k, v in s.items() if k != 'start')
    check(sane, 'no flush counter is out of range (an unsigned underflow would be ~2^64)')

    print('Retransmits (sum of close records vs TcpRetransSegs in the namespace):')
    for side, inode in netns.items():
        ours_sum = sum(c['retransmits'] for c in closes if c['netns'] == inode)
        kernel = kernel_retrans[side]
        near = abs(ours_sum - kernel) <= max(2, 0.02 * kernel)
        check(near, f'{side}: connections.bt {ours_sum}, kernel {kernel}')

    print('UDP (per socket and pid, summed over flushes):')
    by_socket = defaultdict(Counter)
    for t in (t for t in truth if t['proto'] == 'udp'):
        by_socket[(t['side'], t['pid'], t['lport'])].update(
            {k: t[k] for k in ('tx_bytes', 'tx_datagrams', 'rx_bytes', 'rx_datagrams')})
    comms = {(t['side'], t['pid'], t['lport']): t['comm'] for t in truth if t['proto'] == 'udp'}
    for (side, pid, lport), want in by_socket.items():
        keys = [k for k, i in udp_ids.items() if i['netns'] == netns[side] and i['lport'] == lport
                and int(k.split(',')[1]) == pid]
        label = f'{side} pid {pid} port {lport}'
        if len(keys) != 1:
            check(False, f'{label}: expected one UDP socket, found {len(keys)}')
            continue
        got = udp[keys[0]]
        for k in ('tx_bytes', 'tx_datagrams', 'rx_bytes', 'rx_datagrams'):
            check(got[k] == want[k], f'{label}: {k} {got[k]} (truth {want[k]})')
        comm = udp_ids[keys[0]]['comm']
        check(comm == comms[(side, pid, lport)], f'{label}: comm {comm!r} survives JSON')

    print('Output volume:')
    packets = sum(c['tx_packets'] + c['rx_packets'] for c in closes)
    datagrams = sum(v['tx_datagrams'] + v['rx_datagrams'] for v in udp.values())
    lines = sum(kinds.values())
    check(lines * 20 < packets + datagrams,
          f'{lines} lines ({dict(kinds)}) for {packets} TCP segments and {datagrams} UDP datagram events')
    check(kinds['lost_events'] == 0, 'no lost events')
    hello = events['hello'][0] if events['hello'] else [None, None, None, 1]
    check_format(events, sequence, hello[3])

    print(f"\n{'FAILED: ' + str(len(failures)) + ' check(s)' if failures else 'all checks passed'}")
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
