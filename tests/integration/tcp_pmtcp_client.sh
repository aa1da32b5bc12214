#!/bin/bash
# tcp_pmtcp_client.sh PMT_TCPTOOL SOURCE_DIR
#
# Integration test "tcp_pmtcp_client": pmtcp is the client, the Linux
# kernel (socat) the server, through a net_tap port in a namespace.
#   1. download: `socat -u FILE:src TCP-LISTEN` sends 100 MiB of random
#      data; pmt-tcptool --connect reads to end of stream; its SHA-256
#      equals sha256sum of the file;
#   2. upload: pmt-tcptool --connect --send 104857600 sends the pattern
#      and shuts down its side; `socat -u TCP-LISTEN CREATE:dst` writes
#      it; dst hashes as the tool said it sent and as the pattern does;
#   3. the same with 10 MiB written 1447 bytes at a time (segments whose
#      mbuf pieces have odd lengths: the checksum must still be right);
#   after each, the tool exits 0 on its own, the kernel holds no
#   connection but TIME-WAIT, nothing ran out, the pools are back at
#   their idle level. Rates are logged (from SIGUSR1 to the tool's exit,
#   so they include the handshakes and the tool's 0.2 s linger).
# Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail

TOOL=${1:?usage: tcp_pmtcp_client.sh PMT_TCPTOOL SOURCE_DIR}
SRC=${2:?usage: tcp_pmtcp_client.sh PMT_TCPTOOL SOURCE_DIR}
# shellcheck source=tcp_lib.sh
. "$SRC/tests/integration/tcp_lib.sh"
BIG=$((100 * 1024 * 1024))

tl_init pc
command -v socat >/dev/null || skip "no socat"

# socat_ready PORT STEP: until the kernel listens on PORT.
socat_ready() {
	local deadline=$(( $(date +%s) + 10 ))
	until nsx ss -Htln "sport = :$1" | grep -q LISTEN; do
		[ "$(date +%s)" -lt "$deadline" ] || fail "$2: socat does not listen on $1"
		sleep 0.02
	done
}

# after_client LABEL STEP CLOSED TIME_WAIT: checks common to both runs.
# CLOSED: tcp_conn_closed at exit; TIME_WAIT: TCBs the tool's connection
# may legitimately still hold at exit (1 when pmtcp closed first: its
# TIME-WAIT, 60 s by default, outlasts the tool's run).
after_client() {
	local label=$1 step=$2 closed=$3 tw=$4 left
	left=$(tl_ss_leftovers)
	[ -z "$left" ] || check_fail "$step: connections not closed: $left"
	tl_load_stats "$label"
	expect "$step" tcp_conn_attempts 1
	expect "$step" tcp_conn_established 1
	expect "$step" tcp_conn_closed "$closed"
	expect "$step" tcp_conn_resets 0
	expect "$step" tcp_rx_bad_cksum 0
	expect_no_resource_trouble "$step"
	[ -z "${BASE[tcb]:-}" ] || BASE[tcb]=$((BASE[tcb] + tw))
	tl_check_pools "$step"
}

# ---- 1. download -------------------------------------------------------------
log "step 1: pmtcp downloads 100 MiB from socat"
head -c "$BIG" /dev/urandom >"$TMPD/src"
want=$(sha256sum "$TMPD/src" | cut -d' ' -f1)
ns_bg "$TMPD/socat1.out" timeout 120 socat -u "FILE:$TMPD/src" TCP-LISTEN:5001,reuseaddr
SOCAT=$BG_PID
socat_ready 5001 "step 1"
tl_start_client down --connect "$PEER_IP:5001"
tl_wait_tool down 60 "step 1"
log "  download: $(rate "$BIG" $((END_US - START_US)))"
[ "$TOOL_RC" -eq 0 ] || check_fail "step 1: pmt-tcptool exited with $TOOL_RC"
line=$(grep '^tcptool: received' "$TMPD/down.out" || true)
[ "$line" = "tcptool: received bytes=$BIG sha256=$want" ] ||
	check_fail "step 1: tool says '${line:-nothing}', want bytes=$BIG sha256=$want"
wait_gone "$SOCAT" 10 || check_fail "step 1: socat still running"
[ "${WAIT_RC:-1}" -eq 0 ] || check_fail "step 1: socat exited with ${WAIT_RC:-?}: $(cat "$TMPD/socat1.out")"
rm -f "$TMPD/src"
# socat closed first: pmtcp went CLOSE-WAIT, LAST-ACK, CLOSED.
after_client down "step 1" 1 0

# ---- 2. upload -------------------------------------------------------------------
log "step 2: pmtcp uploads 100 MiB to socat"
pattern=$("$PY" "$PEER" pattern-sha "$BIG")
ns_bg "$TMPD/socat2.out" timeout 120 socat -u TCP-LISTEN:5002,reuseaddr "CREATE:$TMPD/dst"
SOCAT=$BG_PID
socat_ready 5002 "step 2"
tl_start_client up --connect "$PEER_IP:5002" --send "$BIG"
tl_wait_tool up 60 "step 2"
log "  upload: $(rate "$BIG" $((END_US - START_US)))"
[ "$TOOL_RC" -eq 0 ] || check_fail "step 2: pmt-tcptool exited with $TOOL_RC"
wait_gone "$SOCAT" 10 || check_fail "step 2: socat still running"
[ "${WAIT_RC:-1}" -eq 0 ] || check_fail "step 2: socat exited with ${WAIT_RC:-?}: $(cat "$TMPD/socat2.out")"
got=$(sha256sum "$TMPD/dst" | cut -d' ' -f1)
size=$(stat -c %s "$TMPD/dst")
sent=$(grep '^tcptool: sent' "$TMPD/up.out" || true)
[ "$sent" = "tcptool: sent bytes=$BIG sha256=$pattern" ] ||
	check_fail "step 2: tool says '${sent:-nothing}', want bytes=$BIG sha256=$pattern (the pattern)"
if [ "$size" != "$BIG" ] || [ "$got" != "$pattern" ]; then
	check_fail "step 2: socat wrote $size bytes with sha256 $got, want $BIG bytes of the pattern ($pattern)"
fi
# socat sends nothing back: the tool reads the end of stream at once.
line=$(grep '^tcptool: received' "$TMPD/up.out" || true)
[ "$line" = "tcptool: received bytes=0 sha256=$(sha256sum </dev/null | cut -d' ' -f1)" ] ||
	check_fail "step 2: after its upload the tool says '${line:-nothing}', want bytes=0"
rm -f "$TMPD/dst"
# pmtcp closed first (shutdown after its upload): it is in TIME-WAIT.
after_client up "step 2" 0 1

# ---- 3. upload in small odd writes -------------------------------------------------
# 1447-byte writes: Nagle sends the first alone, so later segments start at
# odd offsets of the send queue and span its mbufs in pieces of odd length
# (DPDK 22.11 checksums those wrongly; see 16122ef). Deterministic.
SMALL=$((10 * 1024 * 1024))
log "step 3: pmtcp uploads 10 MiB in 1447-byte writes to socat"
pattern=$("$PY" "$PEER" pattern-sha "$SMALL")
ns_bg "$TMPD/socat3.out" timeout 120 socat -u TCP-LISTEN:5003,reuseaddr "CREATE:$TMPD/dst"
SOCAT=$BG_PID
socat_ready 5003 "step 3"
tl_start_client odd --connect "$PEER_IP:5003" --send "$SMALL" --send-chunk 1447
tl_wait_tool odd 30 "step 3"
log "  upload: $(rate "$SMALL" $((END_US - START_US)))"
[ "$TOOL_RC" -eq 0 ] || check_fail "step 3: pmt-tcptool exited with $TOOL_RC"
wait_gone "$SOCAT" 10 || check_fail "step 3: socat still running"
got=$(sha256sum "$TMPD/dst" | cut -d' ' -f1)
size=$(stat -c %s "$TMPD/dst")
if [ "$size" != "$SMALL" ] || [ "$got" != "$pattern" ]; then
	check_fail "step 3: socat wrote $size bytes with sha256 $got, want $SMALL bytes of the pattern ($pattern)"
fi
rm -f "$TMPD/dst"
after_client odd "step 3" 0 1
expect "step 3" tcp_tx_rexmit_segs 0
tl_kernel_csum "step 3"

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
