#!/bin/bash
# tcp_kernel_client.sh PMT_TCPTOOL SOURCE_DIR
#
# Integration test "tcp_kernel_client": pmtcp serves HTTP, the Linux
# kernel (curl) is the client, through a net_tap port in a namespace.
#   1. GET 1 MiB, 100 MiB and 1 KiB: status 200, length, and the SHA-256
#      of each body equals that of the test pattern (tcp_peer.py);
#   2. POST 100 MiB of random data: pmtcp answers the SHA-256 of what it
#      received, which must equal sha256sum of the file; then POSTs of
#      1000 and 0 bytes with head and body in one segment;
#   3. no connection is left on the kernel side but TIME-WAIT;
#   4. SIGTERM: exit 0; every connection established was closed, nothing
#      ran out, the pools are back at their idle level.
# Transfer rates (curl's speed_download / speed_upload) are logged.
# Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail

TOOL=${1:?usage: tcp_kernel_client.sh PMT_TCPTOOL SOURCE_DIR}
SRC=${2:?usage: tcp_kernel_client.sh PMT_TCPTOOL SOURCE_DIR}
# shellcheck source=tcp_lib.sh
. "$SRC/tests/integration/tcp_lib.sh"
PORT=80
BIG=$((100 * 1024 * 1024))

tl_init kc
command -v curl >/dev/null || skip "no curl"

log "start: pmt-tcptool --listen $PORT in netns $NS on tap $TAP"
tl_start_tool srv --set tcp-time-wait-ms=1000 --listen "$PORT"
tl_wait_line srv '^tcptool: listening on' 30 start
tl_setup_tap start

# curl_get STEP N: GET /N; check status, length and hash.
curl_get() {
	local step=$1 n=$2 out want got w
	out=$TMPD/body
	want=$("$PY" "$PEER" pattern-sha "$n")
	# A stalled transfer (under 100 kB/s for 5 s) fails at once rather
	# than at --max-time.
	if ! w=$(nsx curl -sS -o "$out" --max-time 60 \
		--speed-limit 100000 --speed-time 5 \
		-w '%{http_code} %{size_download} %{speed_download}' \
		"http://$OUR_IP:$PORT/$n" 2>&1); then
		check_fail "$step: curl GET /$n: $w (got $(stat -c %s "$out" 2>/dev/null || echo 0) bytes)"
		return
	fi
	read -r code size speed <<<"$w"
	got=$(sha256sum "$out" | cut -d' ' -f1)
	log "  GET /$n: status $code, $size bytes, $(awk -v s="$speed" 'BEGIN { printf "%.1f MB/s (%.0f Mbit/s)", s / 1e6, s * 8 / 1e6 }')"
	[ "$code" = 200 ] || check_fail "$step: GET /$n: status $code"
	[ "$size" = "$n" ] || check_fail "$step: GET /$n: $size bytes, want $n"
	[ "$got" = "$want" ] ||
		check_fail "$step: GET /$n: body sha256 $got, want $want (the pattern)"
	rm -f "$out"
}

# ---- 1. downloads ----------------------------------------------------------
# The big bodies first, on a fresh stack: that is where DPDK 22.11's
# checksum of chains with odd pieces (fixed in 16122ef) showed.
log "step 1: GET 1 MiB, 100 MiB, 1 KiB"
curl_get "step 1 (1 MiB)" $((1024 * 1024))
curl_get "step 1 (100 MiB)" "$BIG"
curl_get "step 1 (1 KiB)" 1024

# ---- 2. upload ---------------------------------------------------------------
log "step 2: POST 100 MiB of random data"
head -c "$BIG" /dev/urandom >"$TMPD/upload"
want=$(sha256sum "$TMPD/upload" | cut -d' ' -f1)
if w=$(nsx curl -sS --max-time 60 --speed-limit 100000 --speed-time 5 \
	-H 'Content-Type: application/octet-stream' -H 'Expect:' \
	--data-binary @"$TMPD/upload" -o "$TMPD/reply" \
	-w '%{http_code} %{size_upload} %{speed_upload}' \
	"http://$OUR_IP:$PORT/upload" 2>&1); then
	read -r code size speed <<<"$w"
	got=$(tr -d '\n' <"$TMPD/reply")
	log "  POST: status $code, $size bytes, $(awk -v s="$speed" 'BEGIN { printf "%.1f MB/s (%.0f Mbit/s)", s / 1e6, s * 8 / 1e6 }')"
	[ "$code" = 200 ] || check_fail "step 2: POST: status $code"
	[ "$size" = "$BIG" ] || check_fail "step 2: POST: sent $size bytes, want $BIG"
	[ "$got" = "$want" ] ||
		check_fail "step 2: pmtcp hashed the upload as '$got', sha256sum says $want"
else
	check_fail "step 2: curl POST: $w"
fi
rm -f "$TMPD/upload"
# The head and the body in one segment (pmt-tcptool must count body bytes
# that arrive with the head), and an empty body.
for n in 1000 0; do
	tl_peer "step 2" 15 post "$OUR_IP" "$PORT" "$n" ||
		check_fail "step 2: POST of $n bytes in one segment: $PEER_OUT"
done

# ---- 3. nothing stuck ------------------------------------------------------------
log "step 3: kernel-side sockets"
# curl closes first (keep-alive), so the kernel holds TIME-WAIT and pmtcp
# goes through LAST-ACK; give the last FIN/ACK a moment.
sleep 0.5
left=$(tl_ss_leftovers)
nsx ss -tan | sed 's/^/  ss: /'
[ -z "$left" ] || check_fail "step 3: connections not closed: $left"

# ---- 4. counters ---------------------------------------------------------------
# pmtcp's TIME-WAIT is 1 s here; wait it out so every TCB is back.
sleep 1.5
log "step 4: SIGTERM"
tl_stop_tool srv "step 4"
tl_load_stats srv
# 3 GETs, 1 curl POST, 2 tcp_peer.py POSTs
expect "step 4" tcp_conn_accepts 6
expect "step 4" tcp_conn_established 6
expect "step 4" tcp_conn_closed 6
expect "step 4" tcp_conn_resets 0
expect "step 4" tcp_rx_bad_cksum 0
expect_no_resource_trouble "step 4"
tl_check_pools "step 4"
# Retransmissions on a loss-free tap point at segments the kernel threw
# away (a bad checksum, for one): report them, fail on many.
rx=$(statv tcp_tx_rexmit_segs)
[ "$rx" -le 100 ] ||
	check_fail "step 4: $rx segments retransmitted on a loss-free link (tcp_rto_timeouts=$(statv tcp_rto_timeouts))"
tl_kernel_csum "step 4"

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
