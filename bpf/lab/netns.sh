# Two network namespaces joined by a veth pair, for proving connections.bt against known traffic.
# Sourced by run.sh. Addresses live only inside these namespaces:
#   nmlab-cli  veth-cli  10.200.0.1/24  fd00:200::1/64
#   nmlab-srv  veth-srv  10.200.0.2/24  fd00:200::2/64
# nftables in both: SYNs to port 5003 are dropped (a connect that times out) and LOSS_PCT % of
# the TCP packets other than RSTs arriving on each veth are dropped (real retransmits, both ways).

CLI_NS=nmlab-cli
SRV_NS=nmlab-srv
BLACKHOLE_PORT=5003

lab_up() {
	local loss_pct=$1
	ip netns add "$CLI_NS"
	ip netns add "$SRV_NS"
	ip link add veth-cli netns "$CLI_NS" type veth peer name veth-srv netns "$SRV_NS"
	ip -n "$CLI_NS" addr add 10.200.0.1/24 dev veth-cli
	ip -n "$SRV_NS" addr add 10.200.0.2/24 dev veth-srv
	ip -n "$CLI_NS" addr add fd00:200::1/64 dev veth-cli nodad
	ip -n "$SRV_NS" addr add fd00:200::2/64 dev veth-srv nodad
	for ns in "$CLI_NS" "$SRV_NS"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$CLI_NS" link set veth-cli up
	ip -n "$SRV_NS" link set veth-srv up
	# Three SYNs (1 s + 2 s + 4 s) instead of seven, so the timed-out connect fails within ~7 s.
	ip netns exec "$CLI_NS" sysctl -qw net.ipv4.tcp_syn_retries=2
	# Loss is applied where packets arrive, as on a real path: dropping in this host's output
	# hook would make TCP re-send the segment as new data, not retransmit it. RSTs are never
	# dropped: nothing re-sends one, so a lost RST left the reset scenario's server socket open,
	# its truth record unwritten, and that side unchecked.
	local ns veth
	for ns in "$CLI_NS" "$SRV_NS"; do
		veth=veth-${ns#nmlab-}
		ip netns exec "$ns" nft -f - <<NFT
table inet lab {
	chain input {
		type filter hook input priority 0;
		tcp dport $BLACKHOLE_PORT drop
		tcp flags rst accept
		iifname "$veth" meta l4proto tcp numgen random mod 100 < $loss_pct drop
	}
}
NFT
	done
}

lab_down() {
	# Deleting a namespace removes its veth end, nftables and sockets with it.
	ip netns del "$CLI_NS" 2>/dev/null || true
	ip netns del "$SRV_NS" 2>/dev/null || true
}

# The inode that connections.bt reports as netns for sockets in namespace $1.
lab_netns_inode() {
	ip netns exec "$1" stat -L -c %i /proc/self/ns/net
}

lab_retrans_segs() {
	ip netns exec "$1" nstat -asz TcpRetransSegs | awk '$1 == "TcpRetransSegs" { print $2 }'
}
