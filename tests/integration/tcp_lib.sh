# tcp_lib.sh: shared by the TCP integration tests (source it; not a test).
#
# The tests run pmt-tcptool (tests/tools/pmt_tcptool.c) on a net_tap port
# inside a network namespace made for the test and the Linux kernel's TCP
# on the other side of the tap, as ping_kernel.sh does:
#  - unique names with the shell's pid; IPv6 off in the namespace; only
#    198.18.0.0/15 addresses;
#  - every wait is bounded; clean-up ends only the processes this test
#    started (by pid) and deletes only its own namespace;
#  - exit 0 pass, 1 fail (each message names the step), 77 skip.
#
# Usage from a test script:
#   TOOL=$1 SRC=$2; . "$SRC/tests/integration/tcp_lib.sh"; tl_init NAME
#   tl_start_tool LABEL --listen 80 ...	# starts the tool in the namespace
#   tl_wait_line LABEL '^tcptool: listening' 30 STEP
#   tl_setup_tap STEP			# kernel MAC, 198.18.0.1/24, up
#   ...
#   tl_stop_tool LABEL STEP		# SIGTERM, exit 0
#   tl_load_stats LABEL			# STAT[], POOL[], BASE[]
# shellcheck shell=bash

PY=/usr/bin/python3		# Debian's python (the standard library suffices)
OUR_IP=198.18.0.2		# pmtcp (RFC 2544 benchmarking range only)
PEER_IP=198.18.0.1		# the kernel side of the tap
PREFIX_LEN=24
KERNEL_MAC=02:00:c6:12:00:01	# locally administered; c6:12 = 198.18

NS='' TAP='' FILE_PREFIX='' TMPD='' NS_MADE=''
# Set here for the test scripts: START_US/END_US (client run), TOOL_RC.
# shellcheck disable=SC2034
START_US=0 END_US=0 TOOL_RC=0
declare -A TOOL_PID=()		# label -> pid of a pmt-tcptool we started
declare -a BG_PIDS=()		# kernel-side helpers we started
declare -a TOOL_LABELS=()	# every tool run, for the failure dump
declare -a EAL_PREFIXES=()
ERRORS=0

STOP_GRACE_S=10			# pmt-tcptool stops at once
# shellcheck source=proc_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/proc_lib.sh"

tl_cleanup() {
	local rc=$? label pid
	set +e
	trap - EXIT INT TERM
	for label in "${!TOOL_PID[@]}"; do
		stop_pid "${TOOL_PID[$label]}" "pmt-tcptool $label"
	done
	for pid in "${BG_PIDS[@]}"; do
		stop_pid "$pid" "helper"
	done
	[ "$rc" -eq 0 ] && [ "$ERRORS" -ne 0 ] && rc=1
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$TMPD" ]; then
		tl_diag >&2
		for label in "${TOOL_LABELS[@]}"; do
			echo "---- pmt-tcptool $label stdout ----" >&2
			cat "$TMPD/$label.out" >&2
			echo "---- pmt-tcptool $label stderr ----" >&2
			grep -v -e '^EAL: ' -e 'multiq qdisc' -e 'rte flow support' \
				-e 'qdisc kind is unknown' -e '^TELEMETRY: ' \
				"$TMPD/$label.err" >&2
		done
	fi
	[ -n "$NS_MADE" ] && ip netns del "$NS" 2>/dev/null
	[ -n "$TMPD" ] && rm -rf "$TMPD"
	# EAL's run-time files for our unique prefixes (root: /var/run/dpdk).
	for label in "${EAL_PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$label"
	done
	exit "$rc"
}

# tl_diag: the kernel's view, for a failure report: its TCP sockets to
# pmtcp, the tap's counters (tx_dropped: frames the kernel could not queue
# to pmtcp) and its TCP counters that tell loss, timeouts and window
# trouble apart.
tl_diag() {
	[ -n "$NS_MADE" ] || return 0
	echo "---- kernel side (netns $NS) ----"
	nsx ss -tanoi "( dst $OUR_IP or src $OUR_IP )" 2>/dev/null | sed 's/^/  ss: /'
	nsx ip -s link show "$TAP" 2>/dev/null | sed 's/^/  link: /'
	# shellcheck disable=SC2016	# awk's $1, not the shell's
	nsx awk '$1 == "Tcp:" || $1 == "TcpExt:" {
		if (!(($1) in hdr)) { hdr[$1] = 1; for (i = 2; i <= NF; i++) name[$1, i] = $i; next }
		for (i = 2; i <= NF; i++) if ($i != 0) printf "  %s %s=%s\n", $1, name[$1, i], $i }' \
		/proc/net/snmp /proc/net/netstat 2>/dev/null
}

# tl_init NAME: preconditions, namespace, traps. NAME: a few letters.
tl_init() {
	local name=$1
	NS=pmt$name$$
	TAP=pt$name$$
	[ ${#TAP} -le 15 ] || fail "tap name $TAP is too long"
	FILE_PREFIX=pmtcp-$name-$$
	trap tl_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, tap devices)"
	ns_check
	[ -x "$TOOL" ] || fail "no pmt-tcptool at '$TOOL'"
	TOOL=$(readlink -f "$TOOL")	# meson passes it relative to build/
	[ -x "$PY" ] || skip "no $PY"
	PEER=$SRC/tests/integration/tcp_peer.py
	[ -r "$PEER" ] || fail "no $PEER"

	TMPD=$(mktemp -d "/tmp/pmtcp-$name.XXXXXX")
	ns_make
}

# tl_peer_bg OUTFILE CMD ARGS...: tcp_peer.py in the background.
tl_peer_bg() { local out=$1; shift; ns_bg "$out" "$PY" "$PEER" "$@"; }

# tl_peer STEP SECONDS CMD ARGS...: tcp_peer.py in the namespace, waited
# for; its output is in PEER_OUT; returns its status.
tl_peer() {
	local step=$1 secs=$2 rc=0
	shift 2
	PEER_OUT=$(nsx timeout "$secs" "$PY" "$PEER" "$@" 2>&1) || rc=$?
	printf '%s\n' "$PEER_OUT" | sed "s/^/  [$step] peer: /"
	[ "$rc" -ne 124 ] || PEER_OUT="$PEER_OUT (timed out after $secs s)"
	return "$rc"
}

# tl_wait_file PATH SECONDS STEP: a helper's READY file.
tl_wait_file() {
	local deadline=$(( $(date +%s) + $2 ))
	until [ -e "$1" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || fail "$3: no $1 after $2 s"
		sleep 0.02
	done
}

# tl_start_tool LABEL ARGS...: pmt-tcptool in the namespace on our tap.
# The first --set options keep pools and buffers inside -m 512.
tl_start_tool() {
	local label=$1
	shift
	ip netns exec "$NS" "$TOOL" --no-huge -m 512 --no-pci \
		--file-prefix "$FILE_PREFIX-$label" -l 0 \
		--vdev="net_tap0,iface=$TAP" --log-level=pmd.net.tap:error \
		-- --addr "$OUR_IP/$PREFIX_LEN" "$@" \
		>"$TMPD/$label.out" 2>"$TMPD/$label.err" &
	TOOL_PID[$label]=$!	# `ip netns exec` execs the program
	TOOL_LABELS+=("$label")
	EAL_PREFIXES+=("$FILE_PREFIX-$label")
}

# tl_wait_line LABEL REGEX SECONDS STEP: until the tool printed a line.
tl_wait_line() {
	local label=$1 re=$2 secs=$3 step=$4
	local deadline=$(( $(date +%s) + secs ))
	until grep -q -- "$re" "$TMPD/$label.out"; do
		if ! alive "${TOOL_PID[$label]}"; then
			wait "${TOOL_PID[$label]}"; local rc=$?
			unset "TOOL_PID[$label]"
			fail "$step: pmt-tcptool $label exited ($rc) before printing '$re'"
		fi
		[ "$(date +%s)" -lt "$deadline" ] ||
			fail "$step: pmt-tcptool $label did not print '$re' within $secs s"
		sleep 0.02
	done
}

# tl_setup_tap STEP: once the port has started (net_tap sets the kernel
# interface's MAC to the PMD's at start), give the kernel side its own MAC
# and address. Call after the tool printed "Link up".
tl_setup_tap() {
	local step=$1
	grep -q '^pmtcp: port 0 mac .*Link up' "$TMPD/${TOOL_LABELS[-1]}.out" ||
		fail "$step: port 0 link is not up"
	nsx ip link show "$TAP" >/dev/null 2>&1 || fail "$step: tap $TAP is not in netns $NS"
	# A second tool run finds the tap configured by the first only if
	# the PMD kept it; it makes a new one, so configure every time.
	nsx ip link set dev "$TAP" address "$KERNEL_MAC"
	nsx ip addr replace "$PEER_IP/$PREFIX_LEN" dev "$TAP"
	nsx ip link set "$TAP" up
}

# tl_start_client LABEL ARGS...: a client-mode tool run. It starts with
# --wait-start: the test configures the tap once the port is up, then
# SIGUSR1 lets the client connect (no race with the first SYN).
tl_start_client() {
	local label=$1
	shift
	tl_start_tool "$label" --wait-start "$@"
	tl_wait_line "$label" '^tcptool: waiting for SIGUSR1' 30 "$label start"
	tl_setup_tap "$label start"
	# shellcheck disable=SC2034
	START_US=$(now_us)
	kill -USR1 "${TOOL_PID[$label]}"
}

# tl_wait_tool LABEL SECONDS STEP: a client run ends on its own; sets
# TOOL_RC. Fails the step if it is still running after SECONDS.
tl_wait_tool() {
	local label=$1 secs=$2 step=$3
	if ! wait_gone "${TOOL_PID[$label]}" "$secs"; then
		fail "$step: pmt-tcptool $label still running after $secs s"
	fi
	# shellcheck disable=SC2034
	TOOL_RC=$WAIT_RC
	# shellcheck disable=SC2034
	END_US=$(now_us)
	unset "TOOL_PID[$label]"
}

# tl_stop_tool LABEL STEP: SIGTERM a server run; it must exit 0 in 15 s.
tl_stop_tool() {
	local label=$1 step=$2
	kill -TERM "${TOOL_PID[$label]}"
	wait_gone "${TOOL_PID[$label]}" 15 ||
		fail "$step: pmt-tcptool $label still running 15 s after SIGTERM"
	unset "TOOL_PID[$label]"
	[ "$WAIT_RC" -eq 0 ] || check_fail "$step: pmt-tcptool $label exited with $WAIT_RC"
}

# tl_load_stats LABEL: STAT[name] (counters), POOL[name] (at exit) and
# BASE[name] (idle, after start) from the tool's output; prints them.
declare -A STAT=() POOL=() BASE=()
TW_AT_EXIT=0	# TCBs in TIME-WAIT at exit ("tcb_state ... TIME-WAIT=N")
tl_load_stats() {
	local f=$TMPD/$1.out name value line
	STAT=() POOL=() BASE=()
	TW_AT_EXIT=$(sed -n 's/^tcb_state lcore=[0-9]* TIME-WAIT=\([0-9]*\)$/\1/p' "$f" |
		awk '{ n += $1 } END { print n + 0 }')
	while IFS='=' read -r name value; do
		STAT[${name#stat }]=$value
	done < <(grep '^stat [a-z0-9_]*=[0-9]*$' "$f")
	# "pool NAME lcore=N in_use=N" (one line per engine; we run one), or
	# "pool NAME in_use=N".
	while read -r line; do
		[[ $line =~ ^(baseline\ )?pool\ ([a-z_0-9]+)\ (lcore=[0-9]+\ )?in_use=([0-9]+)$ ]] ||
			continue
		if [ -n "${BASH_REMATCH[1]}" ]; then
			BASE[${BASH_REMATCH[2]}]=${BASH_REMATCH[4]}
		else
			POOL[${BASH_REMATCH[2]}]=${BASH_REMATCH[4]}
		fi
	done < <(grep -E '^(baseline )?pool ' "$f")
	echo "pmt-tcptool $1 counters:"
	grep -E '^(stat|pool|baseline|arp) ' "$f" | sed 's/^/  /'
}
statv() { echo "${STAT[$1]:-0}"; }	# only non-zero counters are printed

# expect STEP COUNTER VALUE / expect_ge STEP COUNTER MIN
expect() {
	local v
	v=$(statv "$2")
	[ "$v" = "$3" ] || check_fail "$1: $2=$v, want $3"
}
expect_ge() {
	local v
	v=$(statv "$2")
	[ "$v" -ge "$3" ] || check_fail "$1: $2=$v, want at least $3"
}

# expect_no_resource_trouble STEP: nothing ran out.
expect_no_resource_trouble() {
	local c
	for c in mbuf_alloc_fail tcp_tx_no_mbuf tcp_no_tcb tx_drop_full \
		tcp_listen_overflow arp_pending_drop ip_tx_no_route; do
		expect "$1" "$c" 0
	done
}

# tl_check_pools STEP: every pool at exit holds what it held when the
# stack was idle after start (the listener's TCB is in both for a server).
tl_check_pools() {
	local step=$1 p
	if [ "${#POOL[@]}" -eq 0 ]; then
		echo "SKIP-CHECK: $step: pmt_stats_print prints no 'pool NAME in_use=N' lines; pool usage not checked"
		return 0
	fi
	if [ "${#BASE[@]}" -eq 0 ]; then
		echo "SKIP-CHECK: $step: no 'baseline pool' lines from pmt-tcptool; pool usage not checked"
		return 0
	fi
	for p in "${!POOL[@]}"; do
		# A TCB in TIME-WAIT at exit holds its 2MSL timer (and is
		# counted among the TCBs, which the listener's close at exit
		# offsets): those timers are not leaks.
		if [ "$p" = timer ] && [ -n "${BASE[$p]:-}" ] &&
		   [ "${POOL[$p]}" -gt "${BASE[$p]}" ] &&
		   [ "${POOL[$p]}" -le $((BASE[$p] + TW_AT_EXIT)) ]; then
			continue
		fi
		[ "${POOL[$p]}" = "${BASE[$p]:-missing}" ] ||
			check_fail "$step: pool $p in_use=${POOL[$p]} at exit, ${BASE[$p]:-missing} when idle after start"
	done
}

# tl_ss_leftovers STEP: TCP sockets in the namespace that talk to pmtcp
# and are in a state other than TIME-WAIT (a stuck connection on either
# side leaves one on the kernel side: ESTAB, FIN-WAIT-*, CLOSE-WAIT, ...).
tl_ss_leftovers() {
	nsx ss -Htan "( dst $OUR_IP or src $OUR_IP )" | awk '$1 != "TIME-WAIT"'
}

# tl_kernel_csum STEP: the kernel (this namespace) dropped no TCP segment
# for a bad checksum (Tcp InCsumErrors in /proc/net/snmp).
tl_kernel_csum() {
	local n
	# shellcheck disable=SC2016	# awk's $1, not the shell's
	n=$(nsx awk '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 }
		else print $(c["InCsumErrors"]) }' /proc/net/snmp)
	log "  kernel: Tcp InCsumErrors=$n"
	[ "$n" = 0 ] ||
		check_fail "$1: the kernel dropped $n TCP segments from pmtcp with a bad checksum"
}

# rate BYTES MICROSECONDS -> "X.X MB/s (Y Mbit/s)"
rate() {
	awk -v b="$1" -v us="$2" 'BEGIN {
		if (us <= 0) us = 1
		printf "%.1f MB/s (%.0f Mbit/s) in %.2f s", b / us, b * 8 / us, us / 1e6 }'
}
