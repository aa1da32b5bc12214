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

# after_client LABEL STEP: checks common to both runs.
after_client() {
	local label=$1 step=$2 left
	left=$(tl_ss_leftovers)
	[ -z "$left" ] || check_fail "$step: connections not closed: $left"
	tl_load_stats "$label"
	expect "$step" tcp_conn_attempts 1
	expect "$step" tcp_conn_established 1
	expect "$step" tcp_conn_closed 1
	expect "$step" tcp_conn_resets 0
	expect "$step" tcp_rx_bad_cksum 0
	expect_no_resource_trouble "$step"
	tl_check_pools "$step"
}

# ---- 1. download -------------------------------------------------------------
log "step 1: pmtcp downloads 100 MiB from socat"
head -c "$BIG" /dev/urandom >"$TMPD/src"
want=$(sha256sum "$TMPD/src" | cut -d' ' -f1)
tl_bg "$TMPD/socat1.out" timeout 120 socat -u "FILE:$TMPD/src" TCP-LISTEN:5001,reuseaddr
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
after_client down "step 1"

# ---- 2. upload -------------------------------------------------------------------
log "step 2: pmtcp uploads 100 MiB to socat"
pattern=$("$PY" "$PEER" pattern-sha "$BIG")
tl_bg "$TMPD/socat2.out" timeout 120 socat -u TCP-LISTEN:5002,reuseaddr "CREATE:$TMPD/dst"
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
[ "$size" = "$BIG" ] && [ "$got" = "$pattern" ] ||
	check_fail "step 2: socat wrote $size bytes with sha256 $got, want $BIG bytes of the pattern ($pattern)"
# socat sends nothing back: the tool reads the end of stream at once.
line=$(grep '^tcptool: received' "$TMPD/up.out" || true)
[ "$line" = "tcptool: received bytes=0 sha256=$(sha256sum </dev/null | cut -d' ' -f1)" ] ||
	check_fail "step 2: after its upload the tool says '${line:-nothing}', want bytes=0"
rm -f "$TMPD/dst"
after_client up "step 2"

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
