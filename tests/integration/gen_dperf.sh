#!/bin/bash
# gen_dperf.sh PMTCP_GEN SOURCE_DIR
#
# Integration test "gen_dperf": pmtcp-gen against dperf (github
# baidu/dperf, a DPDK load generator nobody here wrote), one lcore each,
# joined by net_memif, HTTP:
#   a1. pmtcp-gen client -> dperf server, short connections (one request
#       each, --cps 50000); dperf's server closes first (its default);
#   a2. pmtcp-gen client -> dperf server, keep-alive (--concurrency 64,
#       --requests-per-conn 0); the client closes at the end;
#   b1. dperf client (cps 50k) -> pmtcp-gen server, short connections;
#   b2. dperf client (cc 64, keepalive) -> pmtcp-gen server.
# Each run asserts: no error of any kind and no retransmission on either
# side (pmtcp-gen's summary and counters; dperf's skErr, tcpDrop, synRt,
# finRt, ackRt, pushRt, httpErr, rstRx/rstTx, dropTx), and that both
# sides' connection and request counts agree within what was in flight
# at the end (the concurrency, or one second of --cps).
# Runs only with DPERF=/path/to/dperf (built as docs/interop-dperf.md
# says, with its DPERF_EAL_ARGS patch); exit 77 otherwise.
# dperf is given pmtcp-gen's MAC (its port line takes the gateway's MAC):
# dperf learns its gateway only from answers to its own ARP requests, one
# a second, and drops every TCP segment until then; pmtcp-gen's client
# would lose its first SYNs to that (docs/interop-dperf.md).
# Environment: GEN_DPERF_SECS (4: pmtcp-gen client seconds; dperf runs
# its minimum slow start of 10 s plus 3).
# Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail

GEN=${1:?usage: gen_dperf.sh PMTCP_GEN SOURCE_DIR}
SRC=${2:?usage: gen_dperf.sh PMTCP_GEN SOURCE_DIR}
# shellcheck source=gen_lib.sh
. "$SRC/tests/integration/gen_lib.sh"

[ -n "${DPERF:-}" ] || { echo "SKIP: set DPERF=/path/to/dperf to run pmtcp-gen against dperf"; exit 77; }
gl_init dp
FILE_PREFIX=pmtdp-$$		# this test's EAL prefixes (pmtcp-gen and dperf)
[ -x "$DPERF" ] || fail "DPERF=$DPERF is not an executable"
DPERF=$(readlink -f "$DPERF")
SECS=${GEN_DPERF_SECS:-4}
CPS=50000
CC=64
SOCK=/pmtdp-$$			# abstract memif socket
GEN_MAC=02:c6:12:00:00:02	# pmtcp-gen's memif port, known to dperf
declare -A DP_PID=()
DP_LABELS=()

dperf_cleanup() {
	local l
	for l in "${!DP_PID[@]}"; do
		stop_pid "${DP_PID[$l]}" "dperf $l"
	done
	# dperf names its EAL run-time directory after --file-prefix too
	for l in "${DP_LABELS[@]}"; do
		rm -rf "/var/run/dpdk/$FILE_PREFIX-$l"
	done
}
CLEANUP_HOOKS+=(dperf_cleanup)

# dp_start LABEL ROLE(memif) CONF_TEXT: dperf on lcore 0 with -m 1536
# (five pools of 65536 mbufs), its output in $TMPD/LABEL.out.
dp_start() {
	local label=$1 role=$2
	printf '%s\n' "$3" >"$TMPD/$label.conf"
	: >"$TMPD/$label.out"
	DPERF_EAL_ARGS="--no-huge -m 1536 --no-pci --file-prefix $FILE_PREFIX-$label --log-level=pmd.net.memif:error --vdev=net_memif0,role=$role,socket=$SOCK-$label,socket-abstract=yes,id=0,rsize=14" \
		stdbuf -oL "$DPERF" -c "$TMPD/$label.conf" \
		>"$TMPD/$label.out" 2>"$TMPD/$label.err" &
	DP_PID[$label]=$!
	DP_LABELS+=("$label")
}

# dp_wait_line LABEL REGEX SECONDS STEP: dperf printed a line (it answers
# ARP and TCP only from then on).
dp_wait_line() {
	local deadline=$(( $(date +%s) + $3 ))
	until grep -q -- "$2" "$TMPD/$1.out"; do
		alive "${DP_PID[$1]}" || fail "$4: dperf $1 exited before printing '$2': $(tail -3 "$TMPD/$1.out")"
		[ "$(date +%s)" -lt "$deadline" ] || fail "$4: dperf $1 did not print '$2' within $3 s"
		sleep 0.05
	done
}

# dp_wait LABEL SECONDS STEP: dperf ends on its own with exit 0.
dp_wait() {
	wait_gone "${DP_PID[$1]}" "$2" || fail "$3: dperf $1 still running after $2 s"
	unset "DP_PID[$1]"
	if [ "$WAIT_RC" -ne 0 ]; then
		echo "---- dperf $1 ----" >&2
		tail -40 "$TMPD/$1.out" "$TMPD/$1.err" >&2
		fail "$3: dperf $1 exited with $WAIT_RC"
	fi
}

# dp_total LABEL: DP[name] from dperf's "Total Numbers" block.
declare -A DP=()
dp_total() {
	local f=$TMPD/$1.out
	DP=()
	grep -q '^Total Numbers' "$f" || fail "dperf $1 printed no totals"
	while read -r name value; do
		DP[$name]=${value//,/}
	done < <(sed -n '/^Total Numbers/,$p' "$f" | sed 's/\x1b\[[0-9;]*m//g' |
		awk '{ for (i = 1; i + 1 <= NF; i += 2) print $i, $(i + 1) }')
	echo "  [$1] dperf totals: $(for k in skOpen skClose skCon skErr httpGet http2XX httpErr synRt finRt ackRt pushRt tcpDrop rstRx rstTx dropTx; do printf '%s=%s ' "$k" "${DP[$k]:-?}"; done)"
}

# dp_clean STEP LABEL: dperf saw no error, loss or retransmission.
dp_clean() {
	local k
	for k in skErr httpErr synRt finRt ackRt pushRt tcpDrop rstRx rstTx dropTx ierrors oerrors imissed badRx; do
		expect_eq "$1" "dperf $k" "${DP[$k]:-missing}" 0
	done
}

# gen_clean STEP LABEL: pmtcp-gen saw no error and sent no retransmission.
gen_clean() {
	gl_summary "$2"
	gl_print_summary "$2"
	expect_eq "$1" "pmtcp-gen errors" "${SUM[errors]}" 0
	expect_eq "$1" "pmtcp-gen retransmitted" "${SUM[retransmitted]}" 0
	expect_eq "$1" "pmtcp-gen rst sent" "${SUM[rst_sent]}" 0
	expect_eq "$1" "pmtcp-gen rst received" "${SUM[rst_received]}" 0
	gl_load_stats "$2"
	for c in tcp_rx_unacceptable tcp_rx_no_socket arp_pending_drop tx_drop_full tcp_rto_timeouts; do
		expect_eq "$1" "pmtcp-gen $c" "$(statv "$c")" 0
	done
}

# near STEP WHAT A B SLACK: |A - B| <= SLACK.
near() {
	local d=$(( $3 > $4 ? $3 - $4 : $4 - $3 ))
	[ "$d" -le "$5" ] || check_fail "$1: $2: $3 against $4, more apart than $5"
}

eal_gen() {	# ROLE LCORE
	echo --no-huge -m 512 -l "$2" --log-level=pmd.net.memif:error \
		"--vdev=net_memif0,role=$1,socket=$SOCK-$3,socket-abstract=yes,id=0,rsize=14,mac=$GEN_MAC"
}
STACK=(--tcp-port-min 1024 --tcp-port-max 65535 --tcp-time-wait-ms 500)

dperf_server_conf() {	# [keepalive]
	cat <<-EOF
	mode        server
	cpu         0
	duration    $(( SECS + 8 ))s
	port        net_memif0   198.18.0.1   198.18.0.2   $GEN_MAC
	client      198.18.0.2   1
	server      198.18.0.1   1
	listen      80           1
	EOF
	[ "${1:-}" = keepalive ] && echo "keepalive   1s"
	return 0
}

# ---- a. pmtcp-gen client -> dperf server ------------------------------------------
# run_a STEP LABEL DPERF_EXTRA GEN_ARGS...
run_a() {
	local step=$1 label=$2 extra=$3
	shift 3
	log "$step: pmtcp-gen client $* -> dperf server"
	dp_start "dp-$label" server "$(dperf_server_conf "$extra")"
	dp_wait_line "dp-$label" '^seconds 0 ' 60 "$step"
	# shellcheck disable=SC2046
	gl_start "gen-$label" $(eal_gen client 1 "dp-$label") -- \
		--addr 198.18.0.2/24 --role client --server 198.18.0.1:80 \
		--duration "$SECS" "${STACK[@]}" "$@"
	gl_wait_gen "gen-$label" $(( SECS + 30 )) "$step"
	[ "$GEN_RC" -eq 0 ] || check_fail "$step: pmtcp-gen exited with $GEN_RC"
	gen_clean "$step" "gen-$label"
	G_EST=${SUM[established]} G_ANS=${SUM[answered]}
	dp_wait "dp-$label" $(( SECS + 30 )) "$step"
	dp_total "dp-$label"
	dp_clean "$step"
}

run_a a1 short "" --requests-per-conn 1 --cps "$CPS"
expect_ge a1 "pmtcp-gen established" "$G_EST" $(( CPS * SECS / 4 ))
expect_eq a1 "dperf connections opened (skOpen)" "${DP[skOpen]}" "$G_EST"
expect_eq a1 "dperf connections closed (skClose)" "${DP[skClose]}" "$G_EST"
expect_eq a1 "dperf answers (http2XX)" "${DP[http2XX]}" "$G_ANS"

run_a a2 keepalive keepalive --requests-per-conn 0 --concurrency "$CC"
expect_eq a2 "pmtcp-gen established" "$G_EST" "$CC"
expect_ge a2 "pmtcp-gen answered" "$G_ANS" $(( CC * SECS ))
expect_eq a2 "dperf connections opened" "${DP[skOpen]}" "$CC"
expect_eq a2 "dperf connections closed" "${DP[skClose]}" "$CC"
# the client stops sending at the end; what was in flight then is at
# most one request per connection
near a2 "dperf answers against pmtcp-gen's" "${DP[http2XX]}" "$G_ANS" "$CC"

# ---- b. dperf client -> pmtcp-gen server -----------------------------------------
dperf_client_conf() {	# short|keepalive
	cat <<-EOF
	mode        client
	cpu         0
	duration    $(( 10 + 3 ))s
	slow_start  10
	port        net_memif0   198.18.0.2   198.18.0.1
	client      198.18.0.2   2
	server      198.18.0.1   1
	listen      80           1
	EOF
	# dperf keeps cps x its retransmission timeout (2 s at least)
	# sockets: two client addresses hold 50k/s.
	if [ "$1" = keepalive ]; then
		echo "cc          $CC"
		echo "keepalive   1ms"
	else
		echo "cps         $CPS"
	fi
}

# run_b STEP LABEL short|keepalive
run_b() {
	local step=$1 label=$2
	log "$step: dperf client ($3) -> pmtcp-gen server"
	# pmtcp-gen first: dperf resolves its gateway (pmtcp-gen) by ARP
	# shellcheck disable=SC2046
	gl_start "gen-$label" $(eal_gen server 1 "dp-$label") -- \
		--addr 198.18.0.1/24 --role server --port 80 \
		--link-wait-ms 100 "${STACK[@]}"
	gl_wait_line "gen-$label" '^pmtcp-gen: server' 30 "$step"
	dp_start "dp-$label" client "$(dperf_client_conf "$3")"
	dp_wait "dp-$label" 60 "$step"
	dp_total "dp-$label"
	dp_clean "$step"
	sleep 1		# the last closes
	gl_stop_gen "gen-$label" "$step"
	gen_clean "$step" "gen-$label"
}

run_b b1 dshort short
expect_ge b1 "dperf connections opened" "${DP[skOpen]}" $(( CPS * 3 ))
expect_eq b1 "pmtcp-gen established" "${SUM[established]}" "${DP[skOpen]}"
near b1 "pmtcp-gen answered against dperf's 2xx" "${SUM[answered]}" "${DP[http2XX]}" $(( CPS / 10 ))
expect_eq b1 "dperf requests answered" "${DP[http2XX]}" "${DP[httpGet]}"

run_b b2 dkeepalive keepalive
# dperf's client may close and reopen some of its cc connections
expect_ge b2 "dperf connections opened" "${DP[skOpen]}" "$CC"
expect_eq b2 "pmtcp-gen established" "${SUM[established]}" "${DP[skOpen]}"
expect_ge b2 "dperf answers" "${DP[http2XX]}" $(( CC * 10 ))
near b2 "pmtcp-gen answered against dperf's 2xx" "${SUM[answered]}" "${DP[http2XX]}" "$CC"

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
