#!/usr/bin/env bash
# Proves bpf/dns.bt against real resolvers: a "pod" namespace on a veth whose host end is a port
# of a bridge in a "host" namespace, as on a Kubernetes node, where server.py answers (NOERROR,
# NXDOMAIN, SERVFAIL, silence, a 1 KB answer) on 10.250.0.1:53, [fd00:250::1]:53, 127.0.0.1:53
# and 10.250.0.1:5300, and behind a DNATed "Service IP" 10.250.9.53. From the pod ask dig (IPv4,
# IPv6, port 5300, the Service IP, a retry), glibc
# (getent, Python getaddrinfo: A and AAAA at once), Node's c-ares and a raw UDP sender; dig asks
# over loopback in the host namespace. check.ts then holds dns.bt's output, parsed by the agent's
# dnsPacketLine, to what server.py received and sent: each packet once, the same bytes, the
# asker's pid and comm on each question, each answer seen in the asker's namespace.
#
#   bpf/dns/run.sh [OUT_DIR]     as root; needs dig (apt-get install dnsutils), python3, node
#
# Everything it creates (namespaces, /etc/netns/nmdns-pod, processes) is removed on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$(mktemp -d /tmp/nmdns.XXXXXX)}
mkdir -p "$out"
POD=nmdns-pod
HOST=nmdns-host

server_pid=
bpftrace_pid=
cleanup() {
	[ -n "$bpftrace_pid" ] && kill -INT "$bpftrace_pid" 2>/dev/null && wait "$bpftrace_pid" || true
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
	ip netns del "$POD" 2>/dev/null || true
	ip netns del "$HOST" 2>/dev/null || true
	rm -rf "/etc/netns/$POD"
}
trap cleanup EXIT

# shellcheck source=../lab/wait_until.sh
source "$here/../lab/wait_until.sh"

# Runs COMMAND in namespace NS as the asker of NAMES (comma-separated), recording its pid: the
# shell records $$ and then becomes the command.
ask() { # NS NAMES COMMAND...
	local ns=$1 names=$2
	shift 2
	ip netns exec "$ns" sh -c 'printf "{\"pid\": %d, \"names\": \"%s\"}\n" $$ "$1" >> "$2"; shift 2; exec "$@"' \
		sh "$names" "$out/askers.jsonl" "$@" >>"$out/clients.log" 2>&1 || true
}

command -v dig >/dev/null || { echo "dns lab: dig is missing (apt-get install dnsutils)" >&2; exit 1; }
[ -e /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing
cleanup
ip netns add "$POD"
ip netns add "$HOST"
ip -n "$HOST" link add br-dns type bridge
ip link add eth0 netns "$POD" type veth peer name vpod0 netns "$HOST"
ip -n "$HOST" link set vpod0 master br-dns
ip -n "$HOST" addr add 10.250.0.1/24 dev br-dns
ip -n "$HOST" addr add fd00:250::1/64 dev br-dns nodad
ip -n "$POD" addr add 10.250.0.2/24 dev eth0
ip -n "$POD" addr add fd00:250::2/64 dev eth0 nodad
for ns in "$POD" "$HOST"; do
	ip -n "$ns" link set lo up
done
ip -n "$HOST" link set br-dns up
ip -n "$HOST" link set vpod0 up
ip -n "$POD" link set eth0 up
# ip netns exec bind-mounts this over /etc/resolv.conf for glibc inside the pod.
ip -n "$POD" route add default via 10.250.0.1
# A Service IP as kube-proxy makes one: DNAT to the server, so only the client's side of the
# path carries 10.250.9.53 and dns.bt must print what the pod itself sees.
ip netns exec "$HOST" nft -f - <<NFT
table ip nmdns {
	chain prerouting {
		type nat hook prerouting priority -100;
		ip daddr 10.250.9.53 udp dport 53 dnat to 10.250.0.1
	}
}
NFT
mkdir -p "/etc/netns/$POD"
printf 'nameserver 10.250.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$POD/resolv.conf"

rm -f "$out"/truth.jsonl "$out"/askers.jsonl "$out"/ready "$out"/clients.log
ip netns exec "$HOST" python3 "$here/server.py" "$out/truth.jsonl" "$out/ready" \
	10.250.0.1:53 '[fd00:250::1]:53' 127.0.0.1:53 10.250.0.1:5300 &
server_pid=$!
BPFTRACE_STRLEN=100 BPFTRACE_MAP_KEYS_MAX=16384 bpftrace -f json "$here/../dns.bt" 1232 5300 \
	>"$out/bpftrace.jsonl" 2>"$out/bpftrace.err" &
bpftrace_pid=$!
wait_until 60 grep -q '"dns_hello"' "$out/bpftrace.jsonl"
wait_until 10 test -e "$out/ready"

dig_at() { # SERVER NAME [DIG OPTIONS...]
	local server=$1 name=$2
	shift 2
	ask "$POD" "$name" dig +tries=1 +time=1 "$@" "@$server" "$name"
}
dig_at 10.250.0.1 ok-dig.lab
dig_at 10.250.0.1 nx-dig.lab
dig_at 10.250.0.1 fail-dig.lab
dig_at 10.250.0.1 silent-dig.lab
dig_at 10.250.0.1 big-dig.lab
dig_at 10.250.0.1 silent-retry.lab +tries=2
dig_at fd00:250::1 ok-dig6.lab AAAA
dig_at 10.250.0.1 ok-port.lab -p 5300
dig_at 10.250.9.53 ok-svc.lab
ask "$HOST" ok-loopback.lab dig +tries=1 +time=1 @127.0.0.1 ok-loopback.lab
ask "$POD" ok-getent.lab getent ahosts ok-getent.lab
ask "$POD" nx-getent.lab getent hosts nx-getent.lab
ask "$POD" ok-python.lab,fail-python.lab,silent-python.lab python3 -c '
import socket, sys
for name in sys.argv[1:]:
    try:
        socket.getaddrinfo(name, None, type=socket.SOCK_DGRAM)
    except socket.gaierror:
        pass' ok-python.lab fail-python.lab silent-python.lab
ask "$POD" ok-node.lab,nx-node.lab,fail-node.lab,silent-node.lab node -e '
const { Resolver } = require("node:dns").promises;
const r = new Resolver({ timeout: 1000, tries: 1 });
r.setServers(["10.250.0.1"]);
(async () => {
  for (const name of process.argv.slice(1)) await r.resolve4(name).catch(() => undefined);
})();' ok-node.lab nx-node.lab fail-node.lab silent-node.lab
# A resolver of its own over an unconnected socket, and a datagram too short to be DNS.
ask "$POD" ok-raw.lab,short-payload python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x06ok-raw\x03lab\x00" + struct.pack("!HH", 1, 1)
s.sendto(q, ("10.250.0.1", 53))
s.recvfrom(512)
s.sendto(b"\x12\x34\x01\x00\x00", ("10.250.0.1", 53))'

sleep 1
kill -INT "$bpftrace_pid"
wait "$bpftrace_pid" || true
bpftrace_pid=
cd "$repo" && node --import tsx "$here/check.ts" "$out" \
	"$(ip netns exec "$POD" stat -L -c %i /proc/self/ns/net)" \
	"$(ip netns exec "$HOST" stat -L -c %i /proc/self/ns/net)"
