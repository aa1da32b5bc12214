#!/bin/bash
# tcp_many_connections.sh PMT_TCPTOOL SOURCE_DIR [COUNT]
#
# Integration test "tcp_many_connections": COUNT (10000) short connections
# one after another, each way, through a net_tap port in a namespace.
#   1. the kernel (tcp_peer.py many-client) opens COUNT connections to
#      pmtcp's HTTP server; each sends "GET /100 ... Connection: close",
#      reads to EOF, checks the 100 body bytes and closes;
#   2. the kernel holds nothing but TIME-WAIT; pmtcp's TIME-WAIT (1 s
#      here) is waited out; SIGTERM: every connection was accepted,
#      established and closed, none reset, nothing ran out, and the pools
#      are back at their idle level;
#   3. pmt-tcptool --repeat COUNT connects to a kernel server
#      (tcp_peer.py repeat-server) that sends 100 bytes and closes, COUNT
#      times; the tool reads COUNT x 100 bytes; same counter and pool checks.
# Connection rates are logged. Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail

TOOL=${1:?usage: tcp_many_connections.sh PMT_TCPTOOL SOURCE_DIR [COUNT]}
SRC=${2:?usage: tcp_many_connections.sh PMT_TCPTOOL SOURCE_DIR [COUNT]}
N=${3:-10000}
# shellcheck source=tcp_lib.sh
. "$SRC/tests/integration/tcp_lib.sh"
TW_MS=1000	# pmtcp's TIME-WAIT: the server closes first, COUNT times

tl_init mc

log "start: pmt-tcptool --listen 80 in netns $NS on tap $TAP"
tl_start_tool srv --set tcp-time-wait-ms=$TW_MS --listen 80
tl_wait_line srv '^tcptool: listening on' 30 start
tl_setup_tap start

# ---- 1. COUNT connections from the kernel -------------------------------------
log "step 1: $N sequential connections kernel -> pmtcp (GET /100)"
tl_peer "step 1" 120 many-client "$OUR_IP" 80 "$N" ||
	check_fail "step 1: $PEER_OUT"

# ---- 2. all closed ------------------------------------------------------------------
log "step 2: kernel sockets, then pmtcp's counters"
left=$(tl_ss_leftovers)
[ -z "$left" ] || check_fail "step 2: kernel connections not closed: $(echo "$left" | head -5)"
# Let the last TIME-WAIT expire (and the wheel's granularity pass).
sleep $(( TW_MS / 1000 + 1 ))
tl_stop_tool srv "step 2"
tl_load_stats srv
expect "step 2" tcp_conn_accepts "$N"
expect "step 2" tcp_conn_established "$N"
expect "step 2" tcp_conn_closed "$N"
expect "step 2" tcp_conn_resets 0
expect "step 2" tcp_tx_rst 0
expect "step 2" tcp_rx_rst 0
expect "step 2" tcp_rx_bad_cksum 0
expect_no_resource_trouble "step 2"
tl_check_pools "step 2"

# ---- 3. COUNT connections from pmtcp --------------------------------------------------
log "step 3: $N sequential connections pmtcp -> kernel (100 bytes each)"
rm -f "$TMPD/ready"
tl_peer_bg "$TMPD/repeat.out" repeat-server 5003 "$N" 100 "$TMPD/ready"
SRV=$BG_PID
tl_wait_file "$TMPD/ready" 10 "step 3"
tl_start_client cli --repeat "$N" --connect "$PEER_IP:5003"
tl_wait_tool cli 120 "step 3"
us=$((END_US - START_US))
log "  $N connections in $(awk -v us="$us" 'BEGIN { printf "%.2f s", us / 1e6 }'), $(awk -v n="$N" -v us="$us" 'BEGIN { printf "%.0f", n * 1e6 / us }') per second (including the tool's exit)"
[ "$TOOL_RC" -eq 0 ] || check_fail "step 3: pmt-tcptool exited with $TOOL_RC"
line=$(grep '^tcptool: connection' "$TMPD/cli.out" || true)
[ "$line" = "tcptool: connections=$N bytes=$((N * 100))" ] ||
	check_fail "step 3: tool says '${line:-nothing}', want connections=$N bytes=$((N * 100))"
if wait_gone "$SRV" 10; then
	sed 's/^/  [step 3] peer: /' "$TMPD/repeat.out"
	[ "$WAIT_RC" -eq 0 ] || check_fail "step 3: repeat-server exited with $WAIT_RC: $(cat "$TMPD/repeat.out")"
else
	check_fail "step 3: repeat-server still running"
fi
left=$(tl_ss_leftovers)
[ -z "$left" ] || check_fail "step 3: kernel connections not closed: $(echo "$left" | head -5)"
tl_load_stats cli
expect "step 3" tcp_conn_attempts "$N"
expect "step 3" tcp_conn_established "$N"
expect "step 3" tcp_conn_closed "$N"
expect "step 3" tcp_conn_resets 0
expect "step 3" tcp_conn_refused 0
expect "step 3" tcp_tx_rst 0
expect "step 3" tcp_rx_bad_cksum 0
expect_no_resource_trouble "step 3"
tl_check_pools "step 3"

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
