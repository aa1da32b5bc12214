#!/bin/bash
# gen_both.sh PMTCP_GEN SOURCE_DIR
#
# Integration test "gen_both": one pmtcp-gen process with --role both, a
# server on port 0 (198.18.0.1) and a client on port 1 (198.18.0.2), the
# two ports linked in-process by rings (no --vdev, no NIC, no namespace),
# two lcores.
#
#   1. HTTP, one request per connection, 128 concurrent, 3 s: the client
#      summary has attempted = established = closed, sent = answered =
#      2xx > 10000, zero errors and zero RSTs either way (the run drains:
#      answers in flight arrive before the closes); the server summary
#      has the client's established count and received = answered = the
#      client's sent; the client learned the server's MAC on port 1
#      (source-based routing: port 0 owns 198.18.0.1 but the client's
#      bound 198.18.0.2 leaves through port 1); the short requests and
#      answers crossed as one mbuf each, copied behind their headers
#      (eth_rx_linearized = 0); no route or mbuf failures; mbuf and clone
#      pools empty at exit; the two summaries' connections/s agree
#      within 5 % (the server's rate is over the time it had traffic);
#   2. raw request/response, 64-byte requests, 100,000-byte responses
#      (70 segments each), 8 concurrent, 3 s: the client received exactly
#      answered x 100000 bytes, the server sent the same; zero errors;
#      its full-sized segments crossed as zero-copy chains and were
#      linearized (eth_rx_linearized > 0, eth_rx_multiseg = 0);
#   2b. HTTP keep-alive, 300,000-byte bodies, 8 concurrent, 2 s, the
#      client checking each body's length and CRC32C against its own
#      pattern (--expect-body-crc32c pattern): at least 100 answers, zero
#      errors (gen_client_failures shows a wrong CRC is an error);
#   3. 50,000 connections opened at 50,000/s (ports from 1024: one
#      address pair), one request each, then 4 s in all,
#      idle (pmtcp-gen's tcp-idle-ms 1000): every one compacted to its
#      idle form at both ends and woken again by the end-of-run close,
#      which closes all 50,000 at once, paced: zero frames dropped for
#      full rings, zero retransmissions, zero RSTs, every connection
#      closed on both sides, TCB, idle-form and mbuf pools empty at exit
#      (TIME-WAIT 0 here);
#   4. a rate that cannot be reached is never silent: --cps 2,000,000
#      with --max-connecting 4 falls short; the summary says RATE SHORT
#      and names the cap as the cause, and --fail-on rate-shortfall=5%
#      exits 3; the same run at --cps 2000 meets its rate and exits 0.
# Exit 0 pass, 1 fail, 77 skip (not root).
set -euo pipefail

GEN=${1:?usage: gen_both.sh PMTCP_GEN SOURCE_DIR}
SRC=${2:?usage: gen_both.sh PMTCP_GEN SOURCE_DIR}
# shellcheck source=gen_lib.sh
. "$SRC/tests/integration/gen_lib.sh"
gl_init both

SERVER_IP=198.18.0.1
CLIENT_IP=198.18.0.2

# run_both LABEL ARGS...: the pair for 3 s; it must exit 0 within 60 s.
run_both() {
	local label=$1
	shift
	gl_start "$label" --no-huge -m 1024 -l 0,1 -- \
		--addr "$SERVER_IP/24" --addr "$CLIENT_IP/24" --role both \
		--tcp-time-wait-ms 100 --duration 3 --quiet "$@"
	gl_wait_gen "$label" 60 "$label"
	[ "$GEN_RC" -eq 0 ] || fail "$label: pmtcp-gen exited with $GEN_RC"
	grep -q '^pmtcp-gen: no ports given: ports 0 and 1 linked in-process' \
		"$TMPD/$label.out" || fail "$label: the in-process link was not made"
	gl_print_summary "$label"
	gl_load_stats "$label"
}

log "step 1: HTTP, 128 concurrent one-request connections, 3 s"
run_both http --concurrency 128
gl_summary http client
declare -A C=()
for k in "${!SUM[@]}"; do C[$k]=${SUM[$k]}; done
expect_eq http client.established "${C[established]}" "${C[attempted]}"
expect_eq http client.closed "${C[closed]}" "${C[attempted]}"
expect_ge http client.sent "${C[sent]}" 10000
expect_eq http client.answered "${C[answered]}" "${C[sent]}"
expect_eq http client.2xx "${C[2xx]}" "${C[sent]}"
expect_eq http client.errors "${C[errors]}" 0
expect_eq http client.rst_sent "${C[rst_sent]}" 0
expect_eq http client.rst_received "${C[rst_received]}" 0
gl_summary http server
expect_eq http server.established "${SUM[established]}" "${C[established]}"
expect_eq http server.closed "${SUM[closed]}" "${C[established]}"
expect_eq http server.received "${SUM[sent]}" "${C[sent]}"
expect_eq http server.answered "${SUM[answered]}" "${C[sent]}"
expect_eq http server.errors "${SUM[errors]}" 0
# Both summaries give one rate: the server's is over the time it had
# traffic, not its lifetime (which includes the start and the drain).
rates=$(awk '/^--- pmtcp-gen summary/ { role = $NF }
	/^  connections / { gsub(/[(\/s)]/, "", $NF); r[role] = $NF }
	END { print r["client"], r["server"] }' "$TMPD/http.out")
read -r crate srate <<<"$rates"
log "  connections/s: client $crate, server $srate"
[ -n "$crate" ] && [ -n "$srate" ] && [ "$crate" -gt 0 ] &&
	[ $(( srate * 100 / crate )) -ge 95 ] && [ $(( srate * 100 / crate )) -le 105 ] ||
	check_fail "http: the server's rate $srate/s is not within 5 % of the client's $crate/s"
grep -Eq "^arp lcore=[0-9]+ iface=1 ip=$SERVER_IP mac=02:70:6D:74:00:00 state=reachable" \
	"$TMPD/http.out" ||
	check_fail "http: the client did not resolve $SERVER_IP on port 1"
if grep -Eq "^arp lcore=[0-9]+ iface=0 ip=$SERVER_IP " "$TMPD/http.out"; then
	check_fail "http: port 0 asked for its own address"
fi
# Short payloads are copied behind the headers: no chain crossed.
for c in eth_rx_linearized eth_rx_multiseg ip_tx_no_route mbuf_alloc_fail \
	tcp_tx_no_mbuf tcp_rx_bad_cksum; do
	expect_eq http "$c" "$(statv "$c")" 0
done
expect_eq http pool.mbuf "${POOL[mbuf]:-0}" 0
expect_eq http pool.clone "${POOL[clone]:-0}" 0

log "step 2: raw request/response, 100000-byte answers, 8 concurrent, 3 s"
BODY=100000
run_both raw --proto raw --req-size 64 --body-size "$BODY" \
	--concurrency 8 --requests-per-conn 0
gl_summary raw client
for k in "${!SUM[@]}"; do C[$k]=${SUM[$k]}; done
expect_ge raw client.answered "${C[answered]}" 100
expect_eq raw client.errors "${C[errors]}" 0
rx=$(sed -n "/role client\$/,/role server\$/s/^  payload  *rx \([0-9]*\) B.*/\1/p" \
	"$TMPD/raw.out")
expect_eq raw client.rx_bytes "$rx" $(( C[answered] * BODY ))
gl_summary raw server
expect_eq raw server.answered "${SUM[answered]}" "${C[answered]}"
expect_eq raw server.errors "${SUM[errors]}" 0
expect_eq raw pool.mbuf "${POOL[mbuf]:-0}" 0
# Full-sized segments are zero-copy chains; the ring link hands them
# over as they are and the receiver linearizes them.
[ "$(statv eth_rx_linearized)" -gt 0 ] ||
	check_fail "raw: no chained frame crossed the link (eth_rx_linearized=0)"
expect_eq raw eth_rx_multiseg "$(statv eth_rx_multiseg)" 0

log "step 2b: HTTP keep-alive, 300000-byte bodies, every byte checked (CRC32C of the pattern)"
BODY=300000
run_both crc --body-size "$BODY" --concurrency 8 --requests-per-conn 0 \
	--duration 2 --expect-body "$BODY" --expect-body-crc32c pattern
gl_summary crc client
expect_ge crc client.answered "${SUM[answered]}" 100
expect_eq crc client.errors "${SUM[errors]}" 0

log "step 3: 50000 idle connections, then the end-of-run close of all at once"
N=50000
run_both idle --concurrency "$N" --cps 50000 --requests-per-conn 0 \
	--interval-ms 60000 --tcp-max-sockets 120000 --tcp-time-wait-ms 0 \
	--tcp-port-min 1024 --duration 4
gl_summary idle client
for k in "${!SUM[@]}"; do C[$k]=${SUM[$k]}; done
expect_eq idle client.established "${C[established]}" "$N"
expect_eq idle client.closed "${C[closed]}" "$N"
expect_eq idle client.answered "${C[answered]}" "$N"
expect_eq idle client.errors "${C[errors]}" 0
gl_summary idle server
expect_eq idle server.closed "${SUM[closed]}" "$N"
# Asleep in their idle form (both ends) before the close woke them.
[ "$(statv tcp_idle_compact)" -ge $((2 * N)) ] ||
	check_fail "idle: tcp_idle_compact=$(statv tcp_idle_compact), want >= $((2 * N))"
expect_eq idle tcp_idle_wake "$(statv tcp_idle_wake)" "$(statv tcp_idle_compact)"
# The close is paced: nothing lost to full rings, nothing resent.
for c in tx_drop_full tcp_tx_rexmit_segs tcp_idle_wake_fail tcp_tx_rst; do
	expect_eq idle "$c" "$(statv "$c")" 0
done
expect_eq idle pool.tcb "${POOL[tcb]:-0}" 0
expect_eq idle pool.tcb_idle "${POOL[tcb_idle]:-0}" 0
expect_eq idle pool.mbuf "${POOL[mbuf]:-0}" 0

log "step 4: --cps 2000000 --max-connecting 4: a shortfall, said and failed on"
gl_start short --no-huge -m 1024 -l 0,1 -- \
	--addr "$SERVER_IP/24" --addr "$CLIENT_IP/24" --role both \
	--tcp-time-wait-ms 100 --duration 2 --quiet --cps 2000000 \
	--max-connecting 4 --fail-on rate-shortfall=5%
gl_wait_gen short 60 short
gl_print_summary short
expect_eq short "exit status" "$GEN_RC" 3
grep -q '^  RATE SHORT .*handshakes in flight at their cap (4 per lcore' \
	"$TMPD/short.out" || check_fail "short: no RATE SHORT line naming the cap"
grep -q '^pmtcp-gen: FAIL: rate .* short of the target' "$TMPD/short.out" ||
	check_fail "short: no FAIL line for the shortfall"
gl_start met --no-huge -m 1024 -l 0,1 -- \
	--addr "$SERVER_IP/24" --addr "$CLIENT_IP/24" --role both \
	--tcp-time-wait-ms 100 --duration 2 --quiet --cps 2000 \
	--fail-on rate-shortfall=5%
gl_wait_gen met 60 met
gl_print_summary met
expect_eq met "exit status" "$GEN_RC" 0
grep -q 'RATE SHORT' "$TMPD/met.out" && check_fail "met: RATE SHORT at a rate it met"

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
