#!/bin/bash
# tcp_close_orders.sh PMT_TCPTOOL SOURCE_DIR
#
# Integration test "tcp_close_orders": every way a connection can end,
# between pmtcp and the Linux kernel through a net_tap port in a namespace.
# pmtcp serves HTTP for a-d (TIME-WAIT 1 s), then is the client for e.
#   a. the kernel closes first: two keep-alive GETs, then close(); pmtcp
#      reads EOF and closes; the kernel's socket reaches TIME-WAIT (not
#      stuck in FIN-WAIT-2);
#   b. pmtcp closes first ("Connection: close"): the kernel's recv()
#      returns EOF (b'') and no RST follows; the kernel's socket goes away
#      (not stuck in LAST-ACK);
#   c. the kernel aborts: SO_LINGER {1, 0} and close() in the middle of a
#      100 MB response: pmtcp counts the RST and a reset connection, frees
#      what it had queued, and still serves;
#   d. pmtcp aborts: the client sends 64 KiB without an end of request
#      head; the server gives up with data unread, which must be a RST
#      (RFC 9293 3.10.4); the kernel sees ECONNRESET;
#   then SIGTERM: counters as above, every connection closed, nothing ran
#   out, the pools at their idle level;
#   e. half-close: pmt-tcptool --half-close sends 1 MiB and shuts down its
#      side; a kernel server reads to EOF and only then sends 1 MiB back,
#      which pmtcp must receive whole after its shutdown(SHUT_WR).
# Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail

TOOL=${1:?usage: tcp_close_orders.sh PMT_TCPTOOL SOURCE_DIR}
SRC=${2:?usage: tcp_close_orders.sh PMT_TCPTOOL SOURCE_DIR}
# shellcheck source=tcp_lib.sh
. "$SRC/tests/integration/tcp_lib.sh"
TW_MS=1000
MIB=$((1024 * 1024))

tl_init co

# kernel_state LPORT: the kernel's state of its socket 198.18.0.1:LPORT
# to pmtcp's port 80 ("" when there is none).
kernel_state() {
	nsx ss -Htan "( sport = :$1 and dst $OUR_IP )" | awk '{ print $1 }' | head -1
}
# wait_kernel_state STEP LPORT WANT: WANT is a state or "" (gone); 3 s.
wait_kernel_state() {
	local step=$1 lport=$2 want=$3 st deadline
	deadline=$(( ${EPOCHREALTIME/./} + 3000000 ))
	while :; do
		st=$(kernel_state "$lport")
		[ "$st" != "$want" ] || { log "  kernel socket :$lport: ${st:-gone}"; return 0; }
		[ "${EPOCHREALTIME/./}" -lt "$deadline" ] || break
		sleep 0.02
	done
	check_fail "$step: kernel socket :$lport is ${st:-gone} after 3 s, want ${want:-gone}"
}

log "start: pmt-tcptool --listen 80 in netns $NS on tap $TAP"
tl_start_tool srv --set tcp-time-wait-ms=$TW_MS --listen 80
tl_wait_line srv '^tcptool: listening on' 30 start
tl_setup_tap start

# ---- a. the kernel closes first ---------------------------------------------
log "step a: kernel closes first"
if tl_peer "step a" 15 close-kernel-first "$OUR_IP" 80; then
	lport=$(sed -n 's/^lport=\([0-9]*\) .*/\1/p' <<<"$PEER_OUT")
	wait_kernel_state "step a" "$lport" TIME-WAIT
else
	check_fail "step a: $PEER_OUT"
fi

# ---- b. pmtcp closes first --------------------------------------------------
log "step b: pmtcp closes first"
if tl_peer "step b" 15 close-pmtcp-first "$OUR_IP" 80; then
	lport=$(sed -n 's/^lport=\([0-9]*\) .*/\1/p' <<<"$PEER_OUT")
	wait_kernel_state "step b" "$lport" ""
else
	check_fail "step b: $PEER_OUT"
fi

# ---- c. the kernel aborts (RST) -------------------------------------------------
log "step c: kernel aborts a 100 MB response with RST"
tl_peer "step c" 15 rst-client "$OUR_IP" 80 || check_fail "step c: $PEER_OUT"
tl_peer "step c" 15 get "$OUR_IP" 80 100 ||
	check_fail "step c: the server does not answer after the RST: $PEER_OUT"

# ---- d. pmtcp aborts (RST) --------------------------------------------------------
log "step d: pmtcp aborts a connection with unread data"
tl_peer "step d" 15 garbage-client "$OUR_IP" 80 || check_fail "step d: $PEER_OUT"
tl_peer "step d" 15 get "$OUR_IP" 80 100 ||
	check_fail "step d: the server does not answer after its abort: $PEER_OUT"

# ---- counters of a-d ------------------------------------------------------------------
log "step a-d: kernel sockets, then pmtcp's counters"
left=$(tl_ss_leftovers)
[ -z "$left" ] || check_fail "step a-d: kernel connections not closed: $left"
sleep $(( TW_MS / 1000 + 1 ))	# pmtcp's TIME-WAITs of b, c and d end
tl_stop_tool srv "step a-d"
tl_load_stats srv
# a, b, c and its GET, d and its GET
expect "step a-d" tcp_conn_accepts 6
expect "step a-d" tcp_conn_established 6
expect "step a-d" tcp_conn_closed 6
# every RST counts, also those for connections already gone
expect_ge "step c" tcp_rx_rst 1
expect "step c" tcp_conn_resets 1
expect_ge "step d" tcp_tx_rst 1
expect "step a-d" tcp_rx_bad_cksum 0
expect_no_resource_trouble "step a-d"
tl_check_pools "step a-d"

# ---- e. half-close ------------------------------------------------------------------
log "step e: pmtcp sends 1 MiB, shuts down, then receives 1 MiB"
pattern=$("$PY" "$PEER" pattern-sha "$MIB")
rm -f "$TMPD/ready"
tl_peer_bg "$TMPD/half-peer.out" half-close-server 5004 "$MIB" "$TMPD/ready"
SRV=$BG_PID
tl_wait_file "$TMPD/ready" 10 "step e"
tl_start_client half --set tcp-time-wait-ms=$TW_MS --half-close "$MIB" \
	--connect "$PEER_IP:5004"
tl_wait_tool half 30 "step e"
[ "$TOOL_RC" -eq 0 ] || check_fail "step e: pmt-tcptool exited with $TOOL_RC"
if wait_gone "$SRV" 10; then
	sed 's/^/  [step e] peer: /' "$TMPD/half-peer.out"
	[ "$WAIT_RC" -eq 0 ] || check_fail "step e: half-close-server exited with $WAIT_RC"
else
	check_fail "step e: half-close-server still running"
fi
grep -qx "got bytes=$MIB sha256=$pattern" "$TMPD/half-peer.out" ||
	check_fail "step e: the kernel did not get the pattern's $MIB bytes before pmtcp's FIN"
sent=$(sed -n 's/^sent //p' "$TMPD/half-peer.out")
line=$(sed -n 's/^tcptool: received //p' "$TMPD/half.out")
if [ -z "$sent" ] || [ "$line" != "$sent" ]; then
	check_fail "step e: after shutdown(SHUT_WR) pmtcp received '${line:-nothing}', the kernel sent '${sent:-nothing}'"
fi
left=$(tl_ss_leftovers)
[ -z "$left" ] || check_fail "step e: kernel connections not closed: $left"
tl_load_stats half
expect "step e" tcp_conn_established 1
expect "step e" tcp_conn_resets 0
expect_no_resource_trouble "step e"
# pmtcp sent its FIN first: its TIME-WAIT (1 s) may outlast the tool.
if [ -n "${BASE[tcb]:-}" ] && [ "${POOL[tcb]:-}" = $((BASE[tcb] + 1)) ]; then
	BASE[tcb]=$((BASE[tcb] + 1))
	expect "step e" tcp_conn_closed 0
else
	expect "step e" tcp_conn_closed 1
fi
tl_check_pools "step e"

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
