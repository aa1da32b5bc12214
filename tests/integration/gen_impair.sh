#!/bin/bash
# gen_impair.sh PMTCP_GEN SOURCE_DIR
#
# Integration test "gen_impair": pmtcp-gen --role both (two ports linked
# in-process by rings, two lcores) with --impair rx:loss=1%,dup=0.5% on
# every port: a raw request/response run, 100,000-byte answers, 8
# concurrent, 3 s. The impairment was applied (impair_rx_dropped and
# impair_rx_duplicated > 0), TCP recovered (retransmissions > 0) and
# the run is clean: answers arrived whole (client rx bytes = answered x
# 100000), zero errors, mbuf pools empty at exit. Under 60 s.
# Exit 0 pass, 1 fail.
set -euo pipefail

GEN=${1:?usage: gen_impair.sh PMTCP_GEN SOURCE_DIR}
SRC=${2:?usage: gen_impair.sh PMTCP_GEN SOURCE_DIR}
# shellcheck source=gen_lib.sh
. "$SRC/tests/integration/gen_lib.sh"
gl_init impair
FILE_PREFIX=pmtim-$$	# this test's unique prefix

BODY=100000
log "raw request/response over a link losing 1% (and duplicating 0.5%) of frames"
gl_start lossy --no-huge -m 1024 -l 0,1 -- \
	--addr 198.18.0.1/24 --addr 198.18.0.2/24 --role both \
	--tcp-time-wait-ms 100 --duration 3 --quiet \
	--proto raw --req-size 64 --body-size "$BODY" --concurrency 8 \
	--requests-per-conn 0 --impair rx:loss=1%,dup=0.5% --impair-seed 7
gl_wait_gen lossy 60 lossy
[ "$GEN_RC" -eq 0 ] || fail "lossy: pmtcp-gen exited with $GEN_RC"
gl_print_summary lossy
gl_load_stats lossy
gl_summary lossy client
declare -A C=()
for k in "${!SUM[@]}"; do C[$k]=${SUM[$k]}; done
expect_ge lossy client.answered "${C[answered]}" 20
expect_eq lossy client.errors "${C[errors]}" 0
rx=$(sed -n "/role client\$/,/role server\$/s/^  payload  *rx \([0-9]*\) B.*/\1/p" \
	"$TMPD/lossy.out")
expect_eq lossy client.rx_bytes "$rx" $(( C[answered] * BODY ))
gl_summary lossy server
expect_eq lossy server.errors "${SUM[errors]}" 0
for c in impair_rx_dropped impair_rx_duplicated tcp_tx_rexmit_segs; do
	[ "$(statv "$c")" -gt 0 ] || check_fail "lossy: $c is 0"
	log "  $c=$(statv "$c")"
done
expect_eq lossy impair_tx_dropped "$(statv impair_tx_dropped)" 0
# At exit, every mbuf is back, unless a connection was still closing:
# the run ends 200 ms after its last close, and under 1 % loss a lost FIN
# can wait for its retransmission timer past that. Such a connection
# holds its FIN's segment and little else; the stack frees it at close.
if [ "${POOL[tcb]:-0}" -eq 0 ]; then
	expect_eq lossy pool.mbuf "${POOL[mbuf]:-0}" 0
else
	log "  [lossy] ${POOL[tcb]} TCB(s) still closing at exit, holding ${POOL[mbuf]:-0} mbuf(s)"
	[ "${POOL[mbuf]:-0}" -le $(( 4 * POOL[tcb] )) ] ||
		check_fail "lossy: ${POOL[mbuf]} mbufs held by ${POOL[tcb]} closing TCBs"
fi
[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
