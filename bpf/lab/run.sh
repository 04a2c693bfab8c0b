#!/usr/bin/env bash
# Proves bpf/connections.bt against real traffic with known byte counts: two namespaces on a veth
# pair, TCP over IPv4 and IPv6 with LOSS_PCT % random drops, a refused and a timed-out connect, a
# reset, connected and unconnected UDP, and a connection opened before bpftrace starts (its "seen"
# line). bpftrace runs on the host with a 1 s flush; check.py then
# compares its output with what the programs themselves sent and with the kernel's retransmit
# counters, and exits non-zero on any mismatch.
#
#   bpf/lab/run.sh [LOSS_PCT] [OUT_DIR]     as root; LOSS_PCT defaults to 5
#
# Everything it creates (namespaces, veth, nftables, processes) is removed on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
loss_pct=${1:-5}
out=${2:-$(mktemp -d /tmp/nmlab.XXXXXX)}
mkdir -p "$out"
# shellcheck source=netns.sh
source "$here/netns.sh"

server_pid=
early_pid=
bpftrace_pid=
cleanup() {
	[ -n "$bpftrace_pid" ] && kill -INT "$bpftrace_pid" 2>/dev/null && wait "$bpftrace_pid" || true
	[ -n "$early_pid" ] && kill "$early_pid" 2>/dev/null && wait "$early_pid" 2>/dev/null || true
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
	lab_down
}
trap cleanup EXIT

# shellcheck source=wait_until.sh
source "$here/wait_until.sh"

[ -e /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing
lab_down
lab_up "$loss_pct"
rm -f "$out"/truth.jsonl "$out"/ready "$out"/stop

early_established() {
	ip netns exec "$CLI_NS" ss -Htn state established '( dport = :5001 )' | grep -q .
}

ip netns exec "$SRV_NS" python3 "$here/traffic.py" server "$out/truth.jsonl" "$out/ready" &
server_pid=$!
wait_until 10 test -e "$out/ready"
# Before the early connection: the kernel's count must cover its whole life, as its close record does.
cli_retrans_before=$(lab_retrans_segs "$CLI_NS")
srv_retrans_before=$(lab_retrans_segs "$SRV_NS")
ip netns exec "$CLI_NS" python3 "$here/traffic.py" early "$out/truth.jsonl" "$out/stop" &
early_pid=$!
wait_until 10 early_established
BPFTRACE_MAP_KEYS_MAX=16384 bpftrace -k -f json "$here/../connections.bt" 1 \
	>"$out/bpftrace.jsonl" 2>"$out/bpftrace.err" &
bpftrace_pid=$!
wait_until 60 grep -q '"hello"' "$out/bpftrace.jsonl"

ip netns exec "$CLI_NS" python3 "$here/traffic.py" client "$out/truth.jsonl"
touch "$out/stop"
wait "$early_pid"
early_pid=
sleep 2 # the server records its side after the client's close; let one more flush pass
cli_retrans=$(($(lab_retrans_segs "$CLI_NS") - cli_retrans_before))
srv_retrans=$(($(lab_retrans_segs "$SRV_NS") - srv_retrans_before))

kill -INT "$bpftrace_pid"
wait "$bpftrace_pid" || true
bpftrace_pid=

python3 "$here/check.py" "$out" \
	--netns "client=$(lab_netns_inode "$CLI_NS")" --netns "server=$(lab_netns_inode "$SRV_NS")" \
	--retrans "client=$cli_retrans" --retrans "server=$srv_retrans"
