#!/bin/bash
# tcp_refused.sh PMT_TCPTOOL SOURCE_DIR
#
# Integration test "tcp_refused": a SYN to a port nobody listens on is
# answered with RST, both ways, through a net_tap port in a namespace.
#   1. pmtcp listens on 80; the kernel connects to 81: ECONNREFUSED,
#      three times;
#   2. the server on 80 still answers (GET /100), and at SIGTERM the
#      counters show the three SYNs without a socket and three RSTs sent;
#   3. pmt-tcptool --connect to a closed kernel port: "error=ECONNREFUSED",
#      exit 3, within a second (a RST ends the attempt: no SYN retries);
#      the counters show one refused attempt and no TCB left behind.
# Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail

TOOL=${1:?usage: tcp_refused.sh PMT_TCPTOOL SOURCE_DIR}
SRC=${2:?usage: tcp_refused.sh PMT_TCPTOOL SOURCE_DIR}
# shellcheck source=tcp_lib.sh
. "$SRC/tests/integration/tcp_lib.sh"
CLOSED_PORT=5999

tl_init rf

log "start: pmt-tcptool --listen 80 in netns $NS on tap $TAP"
tl_start_tool srv --listen 80
tl_wait_line srv '^tcptool: listening on' 30 start
tl_setup_tap start

# ---- 1. the kernel is refused ----------------------------------------------
log "step 1: kernel connects to $OUR_IP:81 (closed) 3 times"
for i in 1 2 3; do
	tl_peer "step 1" 15 connect-refused "$OUR_IP" 81 ||
		check_fail "step 1 (try $i): $PEER_OUT"
done

# ---- 2. the server still serves; counters ------------------------------------
log "step 2: GET /100 on port 80, then SIGTERM"
tl_peer "step 2" 15 get "$OUR_IP" 80 100 || check_fail "step 2: GET /100: $PEER_OUT"
tl_stop_tool srv "step 2"
tl_load_stats srv
expect "step 2" tcp_rx_no_socket 3
expect "step 2" tcp_tx_rst 3
expect "step 2" tcp_conn_accepts 1
expect "step 2" tcp_conn_resets 0
expect_no_resource_trouble "step 2"
# pmtcp closed that GET first (Connection: close): its TIME-WAIT (60 s)
# holds one TCB at exit, besides the listener.
[ -z "${BASE[tcb]:-}" ] || BASE[tcb]=$((BASE[tcb] + 1))
tl_check_pools "step 2"

# ---- 3. pmtcp is refused -------------------------------------------------------
log "step 3: pmt-tcptool connects to $PEER_IP:$CLOSED_PORT (closed)"
tl_start_client cli --connect "$PEER_IP:$CLOSED_PORT"
tl_wait_tool cli 30 "step 3"
us=$((END_US - START_US))
log "  exit $TOOL_RC after $((us / 1000)) ms"
[ "$TOOL_RC" -eq 3 ] || check_fail "step 3: pmt-tcptool exited with $TOOL_RC, want 3"
grep -qx 'tcptool: error=ECONNREFUSED' "$TMPD/cli.out" ||
	check_fail "step 3: no 'tcptool: error=ECONNREFUSED' line: $(grep '^tcptool: ' "$TMPD/cli.out" | tr '\n' ' ')"
# SIGUSR1 to exit includes the tool's EAL clean-up; a retried SYN would
# take the 1 s initial RTO.
[ "$us" -lt 1000000 ] || check_fail "step 3: refusal took $((us / 1000)) ms"
tl_load_stats cli
expect "step 3" tcp_conn_attempts 1
expect "step 3" tcp_conn_refused 1
# A RST in SYN-SENT counts as tcp_conn_refused (tcp_rx_rst counts those
# in synchronized states).
expect "step 3" tcp_conn_established 0
expect "step 3" tcp_rto_timeouts 0
expect_no_resource_trouble "step 3"
tl_check_pools "step 3"

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
