#!/bin/bash
# ping_kernel.sh PMTCP_GEN SOURCE_DIR
#
# Integration test "ping_kernel": pmtcp-gen on a net_tap port inside a network
# namespace made for the test, the Linux kernel on the other side of the tap.
#   1. the kernel pings pmtcp 100 times: 100 replies;
#   2. the kernel's neighbour table holds pmtcp's MAC for pmtcp's address;
#   3. bad_frames.py sends N frames of each malformed kind (and N valid echo
#      requests with an IP option) from the kernel side of the tap;
#   4. the kernel pings 10 more times: 10 replies (the tap is a FIFO, so once
#      these are answered every frame of step 3 has been handled);
#   5. SIGTERM: pmtcp exits 0; every drop counter is exactly N, echo requests
#      and replies are 110 + N, and pmtcp's ARP cache holds the tap's MAC.
# IPv6 is off in the namespace, so the only frames on the link are ours, the
# kernel's ARP and the kernel's IPv4: the counters are exact.
# Exit 0 pass, 1 fail, 77 skip (not root, no `ip netns`, no scapy).
set -euo pipefail

GEN=${1:?usage: ping_kernel.sh PMTCP_GEN SOURCE_DIR}
SRC=${2:?usage: ping_kernel.sh PMTCP_GEN SOURCE_DIR}
PY=/usr/bin/python3		# Debian's, with python3-scapy (not pyenv's)
BAD_FRAMES=$SRC/tests/integration/bad_frames.py
N=13				# frames of each bad kind
OUR_IP=198.18.0.2		# pmtcp (RFC 2544 benchmarking range only)
PEER_IP=198.18.0.1		# the kernel side of the tap
PREFIX_LEN=24
KERNEL_MAC=02:00:c6:12:00:01	# locally administered; c6:12 = 198.18

NS=pmtping$$			# unique per run
TAP=pmtp$$			# <= 15 characters (pid_max is at most 7 digits)
FILE_PREFIX=pmtcp-ping-kernel-$$
PMT_PID=
PMT_STARTED=
NS_MADE=
TMPD=

# shellcheck source=proc_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/proc_lib.sh"

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	if [ -n "$PMT_PID" ]; then
		if alive "$PMT_PID"; then
			kill -TERM "$PMT_PID" 2>/dev/null
			if ! wait_gone "$PMT_PID" 10; then
				echo "cleanup: pmtcp-gen $PMT_PID ignored SIGTERM; SIGKILL" >&2
				kill -KILL "$PMT_PID" 2>/dev/null
				wait_gone "$PMT_PID" 5
			fi
		else
			wait "$PMT_PID" 2>/dev/null
		fi
	fi
	if [ "$rc" -ne 0 ] && [ -n "$PMT_STARTED" ]; then
		echo "---- pmtcp-gen stdout ----" >&2
		cat "$TMPD/pmtcp.out" >&2
		echo "---- pmtcp-gen stderr ----" >&2
		cat "$TMPD/pmtcp.err" >&2
	fi
	[ -n "$NS_MADE" ] && ip netns del "$NS" 2>/dev/null
	[ -n "$TMPD" ] && rm -rf "$TMPD"
	# EAL's run-time files for our unique prefix (root: /var/run/dpdk).
	[ -n "$PMT_STARTED" ] && rm -rf "/var/run/dpdk/$FILE_PREFIX"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- preconditions ----------------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, tap devices)"
ns_check
[ -x "$GEN" ] || fail "no pmtcp-gen at '$GEN'"
[ -r "$BAD_FRAMES" ] || fail "no $BAD_FRAMES"
command -v ping >/dev/null || skip "no ping (iputils-ping)"
"$PY" -c 'import scapy.all' 2>/dev/null ||
	skip "$PY has no scapy (apt-get install python3-scapy)"

TMPD=$(mktemp -d /tmp/pmtcp-ping-kernel.XXXXXX)
ns_make

# ---- start pmtcp ------------------------------------------------------------
log "starting pmtcp-gen in netns $NS on tap $TAP"
ip netns exec "$NS" "$GEN" --no-huge -m 512 --no-pci \
	--file-prefix "$FILE_PREFIX" -l 0 \
	--vdev="net_tap0,iface=$TAP" --log-level=pmd.net.tap:error \
	-- --addr "$OUR_IP/$PREFIX_LEN" --gateway "$PEER_IP" \
	>"$TMPD/pmtcp.out" 2>"$TMPD/pmtcp.err" &
PMT_PID=$!		# `ip netns exec` execs the program: this is its pid
PMT_STARTED=1

# Every wait below is bounded (start 30 s, pings 20 s each, frames 30 s,
# stop 15 s, clean-up 15 s): well inside meson's 180 s.
# Bounded poll: until "running on" (printed and flushed after the ports are
# up, so the start-up lines before it are in the file too).
deadline=$(( $(date +%s) + 30 ))
until grep -q '^pmtcp: running on' "$TMPD/pmtcp.out"; do
	alive "$PMT_PID" || fail "pmtcp-gen exited during start-up"
	[ "$(date +%s)" -lt "$deadline" ] || fail "pmtcp-gen not running after 30 s"
	sleep 0.05
done
nsx ip link show "$TAP" >/dev/null 2>&1 || fail "tap $TAP is not in netns $NS"

PMAC=$(sed -n 's/^pmtcp: port 0 mac \([0-9A-Fa-f:]\{17\}\): .*/\1/p' \
	"$TMPD/pmtcp.out" | tr 'A-F' 'a-f')
[ -n "$PMAC" ] || fail "no 'pmtcp: port 0 mac ...' line"
grep -q "^pmtcp: port 0 mac .*Link up" "$TMPD/pmtcp.out" ||
	fail "port 0 link is not up: $(grep '^pmtcp: port 0' "$TMPD/pmtcp.out")"

# net_tap gives the kernel's tap interface the same MAC as the DPDK port
# (rte_eth_tap.c sets it with SIOCSIFHWADDR). Give the kernel side a MAC of
# its own, so that the MAC checks below can tell the two ends apart.
nsx ip link set dev "$TAP" address "$KERNEL_MAC"
nsx ip addr add "$PEER_IP/$PREFIX_LEN" dev "$TAP"
nsx ip link set "$TAP" up
TMAC=$(nsx ip -o link show "$TAP" |
	sed -n 's/.* link\/ether \([0-9a-f:]\{17\}\) .*/\1/p')
[ -n "$TMAC" ] || fail "cannot read the MAC of $TAP"
[ "$TMAC" != "$PMAC" ] || fail "kernel and pmtcp share MAC $PMAC"
log "pmtcp $OUR_IP mac $PMAC; kernel $PEER_IP mac $TMAC"

# ping_pmtcp COUNT: the kernel pings pmtcp; echo how many replies came.
ping_pmtcp() {
	local out
	out=$(nsx timeout 20 ping -n -q -c "$1" -i 0.01 -W 2 "$OUR_IP" 2>&1) || true
	printf '%s\n' "$out" | sed 's/^/  ping: /' >&2
	echo "$out" | sed -n 's/.* \([0-9]\+\) \(packets \)\?received.*/\1/p'
}

tx_dropped() { nsx cat "/sys/class/net/$TAP/statistics/tx_dropped"; }

# ---- 1. 100 pings -------------------------------------------------------------
log "step 1: 100 pings"
got=$(ping_pmtcp 100)
[ "$got" = 100 ] || fail "step 1: ${got:-no} replies to 100 pings"

# ---- 2. the kernel learned pmtcp's MAC ----------------------------------------
log "step 2: kernel neighbour entry"
neigh=$(nsx ip neigh show "$OUR_IP" dev "$TAP")
echo "  neigh: $neigh"
echo "$neigh" | grep -qi "lladdr $PMAC" ||
	fail "step 2: kernel has '$neigh' for $OUR_IP, want lladdr $PMAC"

# ---- 3. malformed frames --------------------------------------------------------
log "step 3: $N malformed frames of each kind"
drops_before=$(tx_dropped)
nsx timeout 30 "$PY" "$BAD_FRAMES" "$TAP" "$PMAC" "$OUR_IP" "$PEER_IP" "$N" \
	>"$TMPD/bad.out" 2>&1 || {
	sed 's/^/  /' "$TMPD/bad.out"
	fail "step 3: bad_frames.py failed"
}
sed 's/^/  /' "$TMPD/bad.out"
# Bytes of one frame of each kind, for the rx_bytes check below.
BAD_BYTES=$(( $(sed -n 's/^sent .* (\([0-9]*\) bytes)$/\1/p' "$TMPD/bad.out" |
	paste -sd+) ))
KINDS=$(grep -c '^sent ' "$TMPD/bad.out")
[ "$KINDS" -eq 18 ] || fail "bad_frames.py sent $KINDS kinds, want 18"

# ---- 4. still answering -------------------------------------------------------
log "step 4: 10 pings"
got=$(ping_pmtcp 10)
[ "$got" = 10 ] || fail "step 4: ${got:-no} replies to 10 pings"
drops_after=$(tx_dropped)
# A full tap queue would drop frames before pmtcp sees them; then no count
# below could be exact, so say so plainly.
[ "$drops_after" = "$drops_before" ] ||
	fail "the kernel dropped $((drops_after - drops_before)) frames on $TAP (tx_dropped)"

# The kernel's own view (per namespace): every echo reply pmtcp sent, to
# the 110 pings and to the N unsolicited requests with options, arrived
# and was well formed.
snmp() {	# snmp Icmp InEchoReps
	# shellcheck disable=SC2016	# awk's $1, not the shell's
	nsx awk -v k="$1:" -v f="$2" '$1 == k {
		if (!h) { for (i = 2; i <= NF; i++) col[$i] = i; h = 1 }
		else { print $(col[f]); exit } }' /proc/net/snmp
}
k_echo_reps=$(snmp Icmp InEchoReps)
k_icmp_csum=$(snmp Icmp InCsumErrors)
k_ip_hdr=$(snmp Ip InHdrErrors)
echo "  kernel: Icmp InEchoReps=$k_echo_reps InCsumErrors=$k_icmp_csum; Ip InHdrErrors=$k_ip_hdr"

# ---- 5. stop and check the counters ---------------------------------------------
log "step 5: SIGTERM"
kill -TERM "$PMT_PID"
wait_gone "$PMT_PID" 15 || fail "pmtcp-gen still running 15 s after SIGTERM"
PMT_PID=
[ "$WAIT_RC" -eq 0 ] || fail "pmtcp-gen exited with $WAIT_RC"

echo "pmtcp-gen counters:"
grep -E '^(stat|arp) ' "$TMPD/pmtcp.out" | sed 's/^/  /'

declare -A STAT=()
while IFS='=' read -r name value; do
	STAT[${name#stat }]=$value
done < <(grep '^stat [a-z0-9_]*=[0-9]*$' "$TMPD/pmtcp.out")
statv() { echo "${STAT[$1]:-0}"; }	# only non-zero counters are printed

errors=0
expect() {	# expect COUNTER VALUE
	local v
	v=$(statv "$1")
	if [ "$v" != "$2" ]; then
		echo "FAIL: $1=$v, want $2" >&2
		errors=$((errors + 1))
	fi
}
for c in eth_rx_not_ours eth_rx_vlan_unsupported eth_rx_unknown_type \
	arp_rx_bad_format arp_rx_bad_op arp_rx_short \
	ip_rx_short ip_rx_bad_version ip_rx_bad_ihl ip_rx_bad_len \
	ip_rx_bad_cksum ip_rx_fragment icmp_rx_bad_cksum icmp_rx_short \
	ip_rx_not_ours ip_rx_bad_src ip_rx_proto_unsupported ip_rx_options; do
	expect "$c" "$N"
done
expect icmp_rx_echo_requests $((110 + N))
expect icmp_tx_echo_replies $((110 + N))
# Nothing else may have been dropped for a reason we did not provoke.
for c in eth_rx_short eth_rx_bad_src eth_rx_multiseg arp_rx_bad_sender \
	arp_rx_conflict ip_rx_broadcast ip_rx_ttl_zero icmp_rx_other \
	tx_drop_full mbuf_alloc_fail arp_pending_drop ip_tx_no_route; do
	expect "$c" 0
done

# Every frame received ends in exactly one place: a drop reason, an ARP
# request or reply, or an echo request; every IPv4 packet likewise.
sum() { local t=0 c; for c; do t=$((t + $(statv "$c"))); done; echo "$t"; }
IP_ENDS="ip_rx_short ip_rx_bad_version ip_rx_bad_ihl ip_rx_bad_len
	ip_rx_bad_cksum ip_rx_fragment ip_rx_bad_src ip_rx_not_ours
	ip_rx_broadcast ip_rx_proto_unsupported icmp_rx_short icmp_rx_bad_cksum
	icmp_rx_echo_requests icmp_rx_other"
# shellcheck disable=SC2086
expect ip_rx_pkts "$(sum $IP_ENDS)"
# shellcheck disable=SC2086
expect rx_pkts "$(sum eth_rx_short eth_rx_not_ours eth_rx_vlan_unsupported \
	eth_rx_bad_src eth_rx_unknown_type eth_rx_multiseg arp_rx_short \
	arp_rx_bad_format arp_rx_bad_op arp_rx_bad_sender arp_rx_requests \
	arp_rx_replies $IP_ENDS)"
expect tx_pkts "$(sum icmp_tx_echo_replies arp_tx_requests arp_tx_replies \
	arp_tx_gratuitous)"
# Byte-exact: a tap delivers frames as the kernel wrote them, unpadded (the
# 24-byte truncated ARP and IPv4 frames stay 24 bytes). A ping is 98 bytes
# on the wire, a kernel ARP frame 42.
expect rx_bytes $((N * BAD_BYTES + 110 * 98 +
	42 * ($(statv arp_rx_requests) + $(statv arp_rx_replies))))
# The kernel's side.
[ "$k_echo_reps" = $((110 + N)) ] || {
	echo "FAIL: kernel Icmp InEchoReps=$k_echo_reps, want $((110 + N))" >&2
	errors=$((errors + 1))
}
if [ "$k_icmp_csum" != 0 ] || [ "$k_ip_hdr" != 0 ]; then
	echo "FAIL: kernel saw bad replies: Icmp InCsumErrors=$k_icmp_csum Ip InHdrErrors=$k_ip_hdr" >&2
	errors=$((errors + 1))
fi

arp_line="arp lcore=0 iface=0 ip=$PEER_IP mac=$TMAC state=reachable"
grep -qixF "$arp_line" "$TMPD/pmtcp.out" || {
	echo "FAIL: no line '$arp_line'" >&2
	errors=$((errors + 1))
}

[ "$errors" -eq 0 ] || fail "$errors check(s) failed"
log "PASS"
