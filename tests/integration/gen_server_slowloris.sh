#!/bin/bash
# gen_server_slowloris.sh PMTCP_GEN SOURCE_DIR
#
# Integration test "gen_server_slowloris": a pmtcp-gen server with a small
# socket table (--tcp-max-sockets 64) on a net_tap port in a namespace
# made for the test keeps serving ordinary clients while 64 slow-loris
# connections from the kernel side (slow_client.py loris: request heads a
# byte every 0.3 s, never finished, reconnecting when closed) try to hold
# every socket:
#   1. 200 ordinary GETs in a row, each on its own connection with a 2 s
#      timeout, made during the attack: at least 95 % answered 200 (runs
#      here answer 195 to 199: an ordinary client competes with the
#      attackers for the TCBs the server frees, and a few lose twice);
#   2. the slow requests were cut: 408 answers received by the attackers
#      and counted by the server (timeout_request, refused), or the
#      connections evicted to keep the table from filling;
#   3. a keep-alive connection left quiet is closed by the server after
#      --idle-timeout (3 s), within 1 s of it;
#   4. the server exits 0 on SIGTERM and its TCB pool is empty at exit
#      (TIME-WAIT, --tcp-time-wait-ms 1000, over by then).
# 64 attackers is the issue's case: as many as the table has sockets,
# which without a request timeout locked every other client out.
# Exit 0 pass, 1 fail, 77 skip (not root, no `ip netns`).
set -euo pipefail

GEN=${1:?usage: gen_server_slowloris.sh PMTCP_GEN SOURCE_DIR}
SRC=${2:?usage: gen_server_slowloris.sh PMTCP_GEN SOURCE_DIR}
# shellcheck source=gen_lib.sh
. "$SRC/tests/integration/gen_lib.sh"
SLOW=$SRC/tests/integration/slow_client.py

gl_init gs netns
[ -x "$PY" ] || skip "no $PY"

log "step 0: pmtcp-gen server, --tcp-max-sockets 64, --request-timeout 1500, --idle-timeout 3000"
gl_start_tap server --role server --port 80 --body-size 64 \
	--tcp-max-sockets 64 --request-timeout 1500 --idle-timeout 3000 \
	--tcp-time-wait-ms 1000
gl_setup_tap server "step 0"
gl_wait_line server '^pmtcp-gen: server on' 30 "step 0"
nsx "$PY" "$SLOW" legit "$OUR_IP" 80 5 >"$TMPD/warm.out" 2>&1 ||
	fail "step 0: warm-up GETs failed: $(cat "$TMPD/warm.out")"
grep -q '^ok=5 ' "$TMPD/warm.out" || fail "step 0: warm-up: $(cat "$TMPD/warm.out")"

log "step 1: 64 slow-loris connections for 12 s; 200 ordinary GETs meanwhile"
ns_bg "$TMPD/loris.out" "$PY" "$SLOW" loris "$OUR_IP" 80 64 12
LORIS_PID=$BG_PID
sleep 2
nsx "$PY" "$SLOW" legit "$OUR_IP" 80 200 >"$TMPD/legit.out" 2>&1 ||
	fail "step 1: legit client failed: $(cat "$TMPD/legit.out")"
log "  legit: $(cat "$TMPD/legit.out")"
[[ $(cat "$TMPD/legit.out") =~ ok=([0-9]+) ]] || fail "step 1: cannot parse the legit client's output"
expect_ge "step 1" "ordinary GETs answered (of 200)" "${BASH_REMATCH[1]}" 190
wait_gone "$LORIS_PID" 30 || fail "step 1: slow-loris client still running"
log "  loris: $(cat "$TMPD/loris.out")"
[[ $(cat "$TMPD/loris.out") =~ opened=([0-9]+)\ 408=([0-9]+) ]] ||
	fail "step 1: cannot parse the slow-loris output: $(cat "$TMPD/loris.out")"
expect_ge "step 2" "slow-loris connections opened" "${BASH_REMATCH[1]}" 64

log "step 3: a quiet keep-alive connection is closed after --idle-timeout 3000"
nsx "$PY" "$SLOW" idle "$OUR_IP" 80 6 >"$TMPD/idle.out" 2>&1 ||
	fail "step 3: $(cat "$TMPD/idle.out")"
log "  idle: $(cat "$TMPD/idle.out")"
[[ $(cat "$TMPD/idle.out") =~ closed_after=([0-9]+)\.([0-9]+) ]] ||
	fail "step 3: cannot parse: $(cat "$TMPD/idle.out")"
expect_ge "step 3" "seconds before the idle close" "${BASH_REMATCH[1]}" 3
[ "${BASH_REMATCH[1]}" -lt 4 ] ||
	check_fail "step 3: closed after ${BASH_REMATCH[1]}.${BASH_REMATCH[2]} s, want 3 to 4"

log "step 4: SIGTERM (after the idle close's TIME-WAIT, 1 s); the server's summary"
sleep 1.5
gl_stop_gen server "step 4"
gl_summary server
gl_print_summary server
gl_load_stats server
line=$(grep '^  requests ' "$TMPD/server.out")
[[ $line =~ refused\ ([0-9]+).*idle\ closed\ ([0-9]+)\ +evicted\ ([0-9]+) ]] ||
	fail "step 4: cannot parse '$line'"
refused=${BASH_REMATCH[1]} idle=${BASH_REMATCH[2]} evicted=${BASH_REMATCH[3]}
expect_ge "step 2" "slow requests cut (408 sent + evicted)" "$(( refused + evicted ))" 64
expect_ge "step 3" "idle closed" "$idle" 1
[ "${SUM[err_timeout_request]:-0}" -eq 0 ] && [ "$evicted" -eq 0 ] &&
	check_fail "step 2: neither request timeouts nor evictions counted"
expect_eq "step 4" "TCBs in use at exit" "${POOL[tcb]:-0}" 0

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
