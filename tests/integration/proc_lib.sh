# proc_lib.sh: what every integration test needs of its own processes and namespace: a log clock, verdicts, bounded waits, stops by PID (sourced).
# shellcheck shell=bash

T0=${EPOCHREALTIME/./}		# microseconds (bash 5)
log() {
	local us=$(( ${EPOCHREALTIME/./} - T0 ))
	printf '[%3d.%02ds] %s\n' $((us / 1000000)) $((us % 1000000 / 10000)) "$*"
}
now_us() { echo "${EPOCHREALTIME/./}"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# A failed check that lets the test go on to the next one.
check_fail() { echo "FAIL: $*" >&2; ERRORS=$((ERRORS + 1)); }
skip() { echo "SKIP: $*"; exit 77; }

# Is $1 still running (a zombie counts as gone; see DESIGN.md pitfalls)?
alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# wait_gone PID SECONDS: bounded wait for our child to exit, then reap it.
# Sets WAIT_RC to its exit status; returns 1 if it is still running.
wait_gone() {
	local pid=$1 deadline=$(( $(date +%s) + $2 ))
	while alive "$pid"; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.02
	done
	# shellcheck disable=SC2034
	WAIT_RC=0
	# shellcheck disable=SC2034  # read by the callers
	wait "$pid" || WAIT_RC=$?
	return 0
}

# our_child PID: PID is a background job of this shell not yet reaped (a
# reaped pid may belong to someone else by now: never signal it).
our_child() { jobs -p | grep -qx "$1"; }

# stop_pid PID NAME [SIGNAL]: SIGNAL (TERM), then SIGKILL after
# STOP_GRACE_S seconds (15 unless the caller set it); reap.
stop_pid() {
	our_child "$1" || return 0
	if alive "$1"; then
		kill "-${3:-TERM}" "$1" 2>/dev/null
		if ! wait_gone "$1" "${STOP_GRACE_S:-15}"; then
			echo "cleanup: $2 ($1) still running after SIG${3:-TERM}; SIGKILL" >&2
			kill -KILL "$1" 2>/dev/null
			wait_gone "$1" 5
		fi
	else
		wait "$1" 2>/dev/null
	fi
}

# The test's own network namespace $NS (the caller deletes it when
# NS_MADE is set). ns_make: create it in $TMPD's care, IPv6 off, lo up;
# a machine without `ip netns` is a skip, not a failure.
nsx() { ip netns exec "$NS" "$@"; }
ns_check() {
	if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
		skip "'ip netns' is not available"
	fi
}
ns_make() {
	ns_check
	ip netns add "$NS" 2>"$TMPD/netns.err" ||
		skip "'ip netns add' failed: $(cat "$TMPD/netns.err")"
	# shellcheck disable=SC2034  # read by the callers' clean-up
	NS_MADE=1
	nsx sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1
	nsx ip link set lo up
}

# ns_bg OUTFILE CMD...: a kernel-side helper in the namespace, in the
# background; its pid is in BG_PID and on BG_PIDS for the clean-up.
ns_bg() {
	local out=$1
	shift
	ip netns exec "$NS" "$@" >"$out" 2>&1 &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}
