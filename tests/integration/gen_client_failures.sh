#!/bin/bash
# gen_client_failures.sh PMTCP_GEN SOURCE_DIR
#
# Integration test "gen_client_failures": pmtcp-gen's verdict is never
# wrong. A pmtcp-gen client on a net_tap port in a namespace made for the
# test runs against http_peer.py (the kernel's TCP, 198.18.0.1), which
# misbehaves one way per port, and against an address nobody answers ARP
# for. For each case:
#   - the run ends on its own within --duration + --drain-ms + the close
#     bound (+ start-up), whatever the peer does;
#   - it exits 3 (--fail-on error-rate=0.001 crossed);
#   - its failures are all of the one kind that names the cause (and the
#     summary shows where that kind first happened);
#   - its --json file agrees.
# Answers whose body is not the one expected (--expect-body,
# --expect-body-crc32c) fail as "body". And valid answers by RFC 9112
# (chunked with a trailer, 1xx before the final answer, a body delimited
# by the close, a plain Content-Length) count as answered, with the
# expected body, zero errors and exit 0.
# Exit 0 pass, 1 fail, 77 skip (not root, no `ip netns`).
set -euo pipefail

GEN=${1:?usage: gen_client_failures.sh PMTCP_GEN SOURCE_DIR}
SRC=${2:?usage: gen_client_failures.sh PMTCP_GEN SOURCE_DIR}
# shellcheck source=gen_lib.sh
. "$SRC/tests/integration/gen_lib.sh"
DURATION=3
DRAIN_MS=1000
# duration + drain + closes (2 s) + EAL start and tap set-up
BOUND=$(( DURATION + DRAIN_MS / 1000 + 2 + 6 ))

gl_init gf netns
[ -x "$PY" ] || skip "no $PY"

nsx sysctl -qw net.ipv4.ip_nonlocal_bind=1
log "starting http_peer.py in netns $NS on $PEER_IP"
ns_bg "$TMPD/peer.out" "$PY" "$SRC/tests/integration/http_peer.py" \
	"$PEER_IP" "$TMPD/peer.ready"
PEER_PID=$BG_PID
deadline=$(( $(date +%s) + 10 ))
until [ -e "$TMPD/peer.ready" ]; do
	alive "$PEER_PID" || fail "http_peer.py exited: $(cat "$TMPD/peer.out")"
	[ "$(date +%s)" -lt "$deadline" ] || fail "http_peer.py not ready after 10 s"
	sleep 0.05
done

# run CASE SERVER WANT_RC KIND [ARGS...]: one client run; KIND is the
# only error kind allowed (and required), "none" for a clean run.
run() {
	local name=$1 server=$2 want_rc=$3 kind=$4 t0 t1 n
	shift 4
	log "case $name: --server $server $*, want exit $want_rc, errors: $kind"
	t0=$(date +%s%N)
	gl_start_tap "$name" --role client --server "$server" \
		--concurrency 2 --duration "$DURATION" --drain-ms "$DRAIN_MS" \
		--connect-timeout 1000 --first-byte-timeout 1000 \
		--response-timeout 2000 --arp-retry-ms 100 --quiet \
		--fail-on error-rate=0.001 --json "$TMPD/$name.json" "$@"
	gl_setup_tap "$name" "$name: tap"
	gl_wait_gen "$name" "$BOUND" "$name: run"
	t1=$(date +%s%N)
	gl_summary "$name"
	gl_print_summary "$name"
	log "  [$name] exit $GEN_RC after $(( (t1 - t0) / 1000000 )) ms"
	expect_eq "$name" "exit status" "$GEN_RC" "$want_rc"
	if [ "$kind" = none ]; then
		expect_eq "$name" "errors" "${SUM[errors]}" 0
		expect_ge "$name" "answered" "${SUM[answered]}" 10
		expect_eq "$name" "answered vs sent" "${SUM[answered]}" "${SUM[sent]}"
	else
		n=${SUM[err_$kind]:-0}
		expect_ge "$name" "errors of kind $kind" "$n" 1
		expect_eq "$name" "errors of other kinds" "$(( SUM[errors] - n ))" 0
		grep -q "^    first $kind " "$TMPD/$name.out" ||
			check_fail "$name: the summary does not say where $kind first happened"
	fi
	gl_json_check "$name: json" "$TMPD/$name.json" client
}

# Failures, each its own kind.
run silent "$PEER_IP:8001" 3 timeout_first_byte
run trickle "$PEER_IP:8002" 3 timeout_response
run reset "$PEER_IP:8003" 3 reset
run close "$PEER_IP:8004" 3 closed
run garbage "$PEER_IP:8005" 3 http
run huge "$PEER_IP:8006" 3 http
run status "$PEER_IP:8007" 3 status
run short "$PEER_IP:8008" 3 closed
run unreach 198.18.0.99:80 3 unreachable
run refused "$PEER_IP:9" 3 refused
run short-body "$PEER_IP:8104" 3 body --expect-body 18
run bad-crc "$PEER_IP:8104" 3 body --expect-body-crc32c 0x12345678
# Valid answers by RFC 9112, each checked for its 17 body bytes and
# their CRC32C ("pmtcp says hello\n": 0xc7a58322).
BODY=(--expect-body 17 --expect-body-crc32c 0xc7a58322)
run plain "$PEER_IP:8104" 0 none "${BODY[@]}"
run chunked "$PEER_IP:8101" 0 none "${BODY[@]}"
run interim "$PEER_IP:8102" 0 none "${BODY[@]}"
run eof "$PEER_IP:8103" 0 none "${BODY[@]}"

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
