# Sourced by the bpf lab scripts: poll a command every 0.1 s until it succeeds or SECONDS pass.
wait_until() { # SECONDS COMMAND...
	local seconds=$1
	shift
	for _ in $(seq $((seconds * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	echo "$(basename "$(dirname "$0")") lab: gave up after ${seconds}s waiting for: $*" >&2
	return 1
}
