#!/usr/bin/env python3
"""A tiny DNS server for the dns.bt lab. The first label of the name picks the answer:
nx-* NXDOMAIN, fail-* SERVFAIL, silent-* no answer at all, big-* 60 A records (a response over
512 bytes, sent only when the query allows it by EDNS), anything else NOERROR with one A record
(or one AAAA for AAAA questions). Anything that is not a DNS question is read and ignored.

    server.py TRUTH_FILE READY_FILE ADDR:PORT...

Every datagram received and every response sent is appended to TRUTH_FILE as a JSON line with
its exact bytes, so the check can compare what dns.bt printed with what crossed the socket."""
import json
import select
import socket
import struct
import sys

truth_path, ready_path, *binds = sys.argv[1:]


def question(msg):
    """(qname, qtype, end of question, edns udp size or 512) or None."""
    if len(msg) < 12:
        return None
    qdcount, arcount = struct.unpack('!H', msg[4:6])[0], struct.unpack('!H', msg[10:12])[0]
    if qdcount != 1:
        return None
    labels, i = [], 12
    while i < len(msg) and msg[i] != 0:
        n = msg[i]
        if n > 63 or i + 1 + n > len(msg):
            return None
        labels.append(msg[i + 1:i + 1 + n].decode('ascii', 'replace').lower())
        i += 1 + n
    if i + 5 > len(msg):
        return None
    qtype = struct.unpack('!H', msg[i + 1:i + 3])[0]
    end = i + 5
    edns = 512
    # An OPT record right after the question: root name, type 41, class = UDP size.
    if arcount >= 1 and msg[end:end + 3] == b'\x00\x00\x29':
        edns = max(512, struct.unpack('!H', msg[end + 3:end + 5])[0])
    return '.'.join(labels), qtype, end, edns


def answer(msg):
    q = question(msg)
    if q is None:
        return None
    name, qtype, end, edns = q
    first = name.split('.')[0]
    if first.startswith('silent-'):
        return None
    rcode, records = 0, []
    if first.startswith('nx-'):
        rcode = 3
    elif first.startswith('fail-'):
        rcode = 2
    elif first.startswith('big-') and edns > 512:
        records = [(1, bytes([192, 0, 2, n])) for n in range(1, 61)]
    elif qtype == 28:
        records = [(28, socket.inet_pton(socket.AF_INET6, '2001:db8::7'))]
    elif qtype == 1:
        records = [(1, bytes([192, 0, 2, len(name) % 250 + 1]))]
    flags = 0x8000 | (msg[2] & 0x01) << 8 | 0x0080 | rcode  # QR, RD copied, RA, rcode
    out = msg[:2] + struct.pack('!HHHHH', flags, 1, len(records), 0, 0) + msg[12:end]
    for rtype, rdata in records:
        out += b'\xc0\x0c' + struct.pack('!HHIH', rtype, 1, 60, len(rdata)) + rdata
    return out


socks = []
for bind in binds:
    host, port = bind.rsplit(':', 1)
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((host.strip('[]'), int(port)))
    socks.append((s, host.strip('[]'), int(port)))

with open(truth_path, 'a', buffering=1) as truth:
    open(ready_path, 'w').close()
    while True:
        ready, _, _ = select.select([s for s, _, _ in socks], [], [])
        for s, host, port in socks:
            if s not in ready:
                continue
            msg, peer = s.recvfrom(65535)
            base = {'server': host, 'server_port': port, 'client': peer[0], 'client_port': peer[1]}
            truth.write(json.dumps({'kind': 'query', 'bytes': msg.hex(), **base}) + '\n')
            out = answer(msg)
            if out is not None:
                s.sendto(out, peer)
                truth.write(json.dumps({'kind': 'response', 'bytes': out.hex(), **base}) + '\n')
