"""Traffic with known byte counts for the connections.bt lab, and its ground truth.

    traffic.py server TRUTH_FILE READY_FILE   (in nmlab-srv; runs until killed)
    traffic.py client TRUTH_FILE              (in nmlab-cli; returns when every scenario is done)
    traffic.py early TRUTH_FILE STOP_FILE     (in nmlab-cli; one connection, open before bpftrace
                                              starts and until STOP_FILE exists)

Each side appends one JSON object per socket to TRUTH_FILE with what it itself sent and received,
so the truth depends neither on the other side nor on the network. TCP protocol: the client sends
a 16-byte header (upload size, download size) and the upload; the server answers with the
download and closes once the client has closed.
"""

import json
import os
import socket
import struct
import sys
import threading
import time

TCP_PORT, CLOSED_PORT, BLACKHOLE_PORT, UDP_PORT = 5001, 5002, 5003, 5353
CLI4, SRV4, SRV6 = '10.200.0.1', '10.200.0.2', 'fd00:200::2'
CHUNK = 65536
# Quote, comma and backslash: the output must stay valid JSON whatever a process calls itself.
ODD_COMM = 'udp"x,y\\'
# The full 15 characters a comm can hold.
EARLY_COMM = 'nm-early-client'

truth_lock = threading.Lock()


def set_thread_comm(name):
    with open('/proc/thread-self/comm', 'w') as f:
        f.write(name)


def record(path, **fields):
    with truth_lock, open(path, 'a') as f:
        f.write(json.dumps(fields) + '\n')


def endpoints(sock):
    local, remote = sock.getsockname(), sock.getpeername()
    return dict(laddr=local[0], lport=local[1], raddr=remote[0], rport=remote[1])


def recv_bytes(sock, n):
    parts, got = [], 0
    while got < n:
        data = sock.recv(min(CHUNK, n - got))
        if not data:
            raise EOFError(f'peer closed after {got} of {n} bytes')
        parts.append(data)
        got += len(data)
    return b''.join(parts)


def send_exact(sock, n, pace=None, until=None):
    """Sends n bytes; pace=(chunk, seconds) spreads them over several flush intervals. With
    until, pacing lasts until until() is true and the rest goes at once."""
    chunk, pause = pace or (CHUNK, 0)
    sent = 0
    while sent < n:
        if until and until():
            chunk, pause, until = CHUNK, 0, None
        sent += sock.send(b'x' * min(chunk, n - sent))
        if pause:
            time.sleep(pause)
    return sent


def serve_tcp(conn, truth):
    ends = endpoints(conn)
    upload, download = struct.unpack('!QQ', recv_bytes(conn, 16))
    rx = 16 + len(recv_bytes(conn, upload))
    tx = send_exact(conn, download)
    outcome = 'closed'
    try:
        while conn.recv(CHUNK):
            pass
    except ConnectionResetError:
        outcome = 'reset'
    conn.close()
    record(truth, side='server', proto='tcp', pid=os.getpid(), comm='nm-server', outcome=outcome,
           tx_bytes=tx, rx_bytes=rx, **ends)


def serve_udp(sock, truth):
    counts = {}
    while True:
        data, peer = sock.recvfrom(CHUNK)
        c = counts.setdefault(peer, dict(rx_bytes=0, rx_datagrams=0, tx_bytes=0, tx_datagrams=0))
        c['rx_bytes'] += len(data)
        c['rx_datagrams'] += 1
        if data.startswith(b'echo'):
            c['tx_bytes'] += sock.sendto(data, peer)
            c['tx_datagrams'] += 1
        if data.startswith((b'echo-last', b'last')):
            laddr, lport = sock.getsockname()
            record(truth, side='server', proto='udp', pid=os.getpid(), comm='nm-server', laddr=laddr,
                   lport=lport, raddr=peer[0], rport=peer[1], **counts.pop(peer))


def server(truth, ready):
    set_thread_comm('nm-server')
    listeners = []
    for family, addr in ((socket.AF_INET, '0.0.0.0'), (socket.AF_INET6, '::')):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, TCP_PORT))
        s.listen(64)
        listeners.append(s)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(('0.0.0.0', UDP_PORT))
    threading.Thread(target=serve_udp, args=(udp, truth), daemon=True).start()

    def accept_loop(listener):
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve_tcp, args=(conn, truth), daemon=True).start()

    for listener in listeners:
        threading.Thread(target=accept_loop, args=(listener,), daemon=True).start()
    open(ready, 'w').close()
    threading.Event().wait()


def tcp_exchange(truth, name, host, upload, download, pace=None, reset=False, until=None):
    s = socket.create_connection((host, TCP_PORT))
    ends = endpoints(s)
    s.sendall(struct.pack('!QQ', upload, download))
    tx = 16 + send_exact(s, upload, pace, until)
    rx = len(recv_bytes(s, download))
    if reset:
        # Linger 0: close() sends RST instead of FIN.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    else:
        s.shutdown(socket.SHUT_WR)
        while s.recv(CHUNK):
            pass
    s.close()
    with open('/proc/thread-self/comm') as f:
        comm = f.read().rstrip('\n')
    record(truth, side='client', proto='tcp', scenario=name, pid=os.getpid(), comm=comm,
           outcome='reset' if reset else 'closed', tx_bytes=tx, rx_bytes=rx, **ends)


def failing_connect(truth, name, port, expected):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((CLI4, 0))
    lport = s.getsockname()[1]
    try:
        s.connect((SRV4, port))
        outcome = 'connected'
    except OSError as e:
        outcome = {111: 'refused', 110: 'timeout'}.get(e.errno, f'errno {e.errno}')
    s.close()
    if outcome != expected:
        print(f'lab: {name}: expected {expected}, got {outcome}', file=sys.stderr)
    record(truth, side='client', proto='tcp', scenario=name, pid=os.getpid(), comm='nm-client',
           outcome=outcome, tx_bytes=0, rx_bytes=0, laddr=CLI4, lport=lport, raddr=SRV4, rport=port)


def udp_exchange(truth, name, count, size, connected):
    set_thread_comm(ODD_COMM)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((CLI4, 0))
    if connected:
        s.connect((SRV4, UDP_PORT))
    s.settimeout(5)
    c = dict(tx_bytes=0, tx_datagrams=0, rx_bytes=0, rx_datagrams=0)
    prefix = b'echo' if connected else b''
    for i in range(count):
        tag = b'last' if i == count - 1 else b'data'
        payload = (prefix + (b'-' if prefix else b'') + tag).ljust(size, b'.')
        c['tx_bytes'] += s.send(payload) if connected else s.sendto(payload, (SRV4, UDP_PORT))
        c['tx_datagrams'] += 1
        if connected:
            c['rx_bytes'] += len(s.recv(CHUNK))
            c['rx_datagrams'] += 1
    laddr, lport = s.getsockname()
    record(truth, side='client', proto='udp', scenario=name, pid=os.getpid(), comm=ODD_COMM,
           connected=connected, laddr=laddr, lport=lport, raddr=SRV4 if connected else '0.0.0.0',
           rport=UDP_PORT if connected else 0, **c)
    s.close()


def client(truth):
    set_thread_comm('nm-client')
    scenarios = [
        (tcp_exchange, ('upload-1MB', SRV4, 1_000_000, 0)),
        (tcp_exchange, ('download-2MB', SRV4, 0, 2_000_000)),
        (tcp_exchange, ('both-20MB-5MB', SRV4, 20_000_000, 5_000_000)),
        (tcp_exchange, ('ipv6-3MB-1MB', SRV6, 3_000_000, 1_000_000)),
        (tcp_exchange, ('paced-400KB', SRV4, 400_000, 0, (20_000, 0.25))),
        (tcp_exchange, ('reset', SRV4, 100_000, 1, None, True)),
        (failing_connect, ('refused', CLOSED_PORT, 'refused')),
        (failing_connect, ('timeout', BLACKHOLE_PORT, 'timeout')),
        (udp_exchange, ('udp-connected', 1000, 512, True)),
        (udp_exchange, ('udp-unconnected', 200, 100, False)),
    ]
    threads = [threading.Thread(target=fn, args=(truth, *args)) for fn, args in scenarios]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def early(truth, stop):
    """A connection that predates bpftrace, so it must show as "seen": 100 bytes every 0.1 s
    until STOP_FILE exists, then the rest of the upload at once."""
    set_thread_comm(EARLY_COMM)
    tcp_exchange(truth, 'before-start', SRV4, 1_000_000, 0, (100, 0.1), until=lambda: os.path.exists(stop))


if __name__ == '__main__':
    if sys.argv[1:2] == ['server'] and len(sys.argv) == 4:
        server(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ['client'] and len(sys.argv) == 3:
        client(sys.argv[2])
    elif sys.argv[1:2] == ['early'] and len(sys.argv) == 4:
        early(sys.argv[2], sys.argv[3])
    else:
        sys.exit('usage: traffic.py server TRUTH_FILE READY_FILE | client TRUTH_FILE | '
                 'early TRUTH_FILE STOP_FILE')
