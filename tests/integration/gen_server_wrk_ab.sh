#!/bin/bash
# gen_server_wrk_ab.sh PMTCP_GEN SOURCE_DIR
#
# Integration test "gen_server_wrk_ab": pmtcp-gen --role server on a
# net_tap port in a namespace made for the test; the Linux kernel's HTTP
# clients inside the namespace.
#   1. server with --body-size 64:
#      a. `wrk -t1 -c32 -d3s http://198.18.0.2/` (HTTP/1.1 keep-alive): no
#         "Socket errors" line or all of it 0, no "Non-2xx or 3xx" line,
#         at least 1000 requests;
#      b. `ab -n 2000 -c 20` (HTTP/1.0, a connection per request: the
#         server closes after each answer): "Complete requests: 2000",
#         "Failed requests: 0", no "Non-2xx responses";
#      c. `ab -k -n 2000 -c 20` (HTTP/1.0 keep-alive): the same, and
#         "Keep-Alive requests: 2000" (ab reuses a connection only when
#         the response says "keep-alive"; each ab has -s 10);
#      d. the server stops (SIGTERM) with exit 0; it answered every request
#         the clients made (at least what wrk and ab count); no error but resets
#         of wrk's connections as wrk ends (at most 32); the kernel holds
#         no connection but TIME-WAIT;
#   2. server with --body-size 150000000: curl downloads it twice over one
#      connection: 200, exactly 150000000 bytes each, the bytes of
#      pmtcp-gen's payload pattern (sha256 from tcp_peer.py pattern-sha).
#      The body template is 73,000 mbufs, more than an mbuf chain's
#      16-bit nb_segs counts, and every window of it is found through the
#      template's index (a walk from its head made this 100x slower).
# Exit 0 pass, 1 fail, 77 skip (not root, no `ip netns`, no wrk, ab or curl).
set -euo pipefail

GEN=${1:?usage: gen_server_wrk_ab.sh PMTCP_GEN SOURCE_DIR}
SRC=${2:?usage: gen_server_wrk_ab.sh PMTCP_GEN SOURCE_DIR}
# shellcheck source=gen_lib.sh
. "$SRC/tests/integration/gen_lib.sh"
BIG=150000000
URL=http://$OUR_IP/

gl_init gw netns
for t in wrk ab curl; do
	command -v "$t" >/dev/null || skip "no $t (apt-get install wrk apache2-utils curl)"
done
[ -x "$PY" ] || skip "no $PY"
PEER=$SRC/tests/integration/tcp_peer.py
[ -r "$PEER" ] || fail "no $PEER"

# start_server LABEL ARGS...: the server, then the kernel side of the tap;
# returns once the kernel reaches pmtcp (one ping).
start_server() {
	local label=$1
	shift
	gl_start_tap "$label" --role server --port 80 --tcp-time-wait-ms 100 "$@"
	gl_wait_line "$label" '^pmtcp-gen: server' 30 "$label start"
	gl_setup_tap "$label" "$label start"
	nsx ping -c 1 -W 5 "$OUR_IP" >/dev/null ||
		fail "$label start: the kernel cannot ping pmtcp"
}

# run STEP SECONDS OUTFILE CMD...: a kernel-side client in the namespace,
# bounded; its output is printed and kept in OUTFILE.
run() {
	local step=$1 secs=$2 out=$3 rc=0
	shift 3
	nsx timeout "$secs" "$@" >"$out" 2>&1 || rc=$?
	sed "s/^/  [$step] /" "$out"
	[ "$rc" -eq 0 ] || check_fail "$step: '$*' exited with $rc$([ "$rc" -eq 124 ] && echo " (timed out after $secs s)")"
	return 0
}

# ab_check STEP OUTFILE KEEPALIVE: ab's report says all went well.
ab_check() {
	local step=$1 out=$2 v
	v=$(sed -n 's/^Complete requests: *\([0-9]*\)$/\1/p' "$out")
	expect_eq "$step" "ab Complete requests" "${v:-missing}" 2000
	AB_DONE=$(( AB_DONE + ${v:-0} ))
	v=$(sed -n 's/^Failed requests: *\([0-9]*\)$/\1/p' "$out")
	expect_eq "$step" "ab Failed requests" "${v:-missing}" 0
	! grep -q '^Non-2xx responses' "$out" ||
		check_fail "$step: ab: $(grep '^Non-2xx responses' "$out")"
	if [ "$3" = keepalive ]; then
		v=$(sed -n 's/^Keep-Alive requests: *\([0-9]*\)$/\1/p' "$out")
		expect_eq "$step" "ab Keep-Alive requests" "${v:-missing}" 2000
	fi
	v=$(sed -n 's/^Document Length: *\([0-9]*\) bytes$/\1/p' "$out")
	expect_eq "$step" "ab Document Length" "${v:-missing}" 64
}

# ---- 1. wrk and ab against a 64-byte body ----------------------------------------
log "step 1: pmtcp-gen server --body-size 64 in netns $NS"
start_server srv64 --body-size 64

log "step 1a: wrk -t1 -c32 -d3s $URL"
run "step 1a" 20 "$TMPD/wrk.out" wrk -t1 -c32 -d3s "$URL"
if grep -q 'Socket errors' "$TMPD/wrk.out"; then
	grep -Eq 'Socket errors: connect 0, read 0, write 0, timeout 0$' "$TMPD/wrk.out" ||
		check_fail "step 1a: wrk: $(grep 'Socket errors' "$TMPD/wrk.out")"
fi
! grep -q 'Non-2xx' "$TMPD/wrk.out" ||
	check_fail "step 1a: wrk: $(grep 'Non-2xx' "$TMPD/wrk.out")"
WRK_REQS=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$TMPD/wrk.out")
expect_ge "step 1a" "wrk requests" "${WRK_REQS:-0}" 1000

AB_DONE=0	# requests ab says were answered
log "step 1b: ab -n 2000 -c 20 $URL (a connection per request)"
run "step 1b" 60 "$TMPD/ab.out" ab -q -s 10 -n 2000 -c 20 "$URL"
ab_check "step 1b" "$TMPD/ab.out" close

log "step 1c: ab -k -n 2000 -c 20 $URL (keep-alive)"
run "step 1c" 60 "$TMPD/abk.out" ab -q -s 10 -k -n 2000 -c 20 "$URL"
ab_check "step 1c" "$TMPD/abk.out" keepalive

log "step 1d: stop the server; its summary"
gl_wait_no_leftovers "step 1d" 5
gl_stop_gen srv64 "step 1d"
gl_print_summary srv64
gl_summary srv64
expect_ge "step 1d" "server answered (wrk's and ab's)" "${SUM[answered]}" $(( ${WRK_REQS:-0} + AB_DONE ))
# wrk ends by closing its 32 connections, some with a response on its
# way: the kernel resets those (unread data, or data after close).
[ "${SUM[reset]}" -le 32 ] ||
	check_fail "step 1d: server: ${SUM[reset]} connections reset, more than wrk's 32"
# shellcheck disable=SC2004	# keys of an associative array, not variables
others=$(( ${SUM[errors]} - ${SUM[reset]} ))
expect_eq "step 1d" "server errors but wrk's resets" "$others" 0
gl_load_stats srv64
for c in mbuf_alloc_fail tcp_tx_no_mbuf tcp_no_tcb tcp_listen_overflow \
	tcp_rx_bad_cksum; do
	expect_eq "step 1d" "$c" "$(statv "$c")" 0
done

# ---- 2. curl and a 150000000-byte body --------------------------------------------
log "step 2: pmtcp-gen server --body-size $BIG; curl downloads it twice"
start_server srvbig --body-size "$BIG"
want=$("$PY" "$PEER" pattern-sha "$BIG")
# Two URLs: curl reuses the connection (HTTP/1.1 keep-alive).
run "step 2" 30 "$TMPD/curl.out" curl -sS --max-time 20 \
	-w '%{http_code} %{size_download} %{num_connects}\n' \
	-o "$TMPD/body1" "$URL" -o "$TMPD/body2" "$URL"
n=1
while read -r code size conns; do
	expect_eq "step 2" "download $n: HTTP status" "$code" 200
	expect_eq "step 2" "download $n: bytes" "$size" "$BIG"
	expect_eq "step 2" "download $n: new connections" "$conns" $((n == 1 ? 1 : 0))
	n=$((n + 1))
done < <(grep -E '^[0-9]{3} ' "$TMPD/curl.out")
expect_eq "step 2" "downloads" $((n - 1)) 2
for b in body1 body2; do
	[ -f "$TMPD/$b" ] || { check_fail "step 2: no $b"; continue; }
	expect_eq "step 2" "$b length" "$(stat -c %s "$TMPD/$b")" "$BIG"
	expect_eq "step 2" "$b sha256" "$(sha256sum <"$TMPD/$b" | cut -d' ' -f1)" "$want"
done
gl_wait_no_leftovers "step 2" 5
gl_stop_gen srvbig "step 2"
gl_print_summary srvbig
gl_summary srvbig
expect_eq "step 2" "server answered" "${SUM[answered]}" 2
expect_eq "step 2" "server errors" "${SUM[errors]}" 0

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
