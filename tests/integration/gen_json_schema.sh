#!/bin/bash
# gen_json_schema.sh PMTCP_GEN SOURCE_DIR
#
# Integration test "gen_json_schema": pmtcp-gen's --json output against
# docs/pmtcp-gen-json.schema.json (JSON Schema draft 2020-12), checked by
# gen_json_check.py with python3-jsonschema when Debian's is installed and
# always with its own validator for the subset the schema uses.
#   1. a pmtcp-gen server and client joined by net_memif (lcores 0 and 1,
#      as scripts/demo), HTTP, 2 s, both with --json: both files valid,
#      their totals equal the text summaries';
#   2. the same with --proto raw --raw-mode rr (keep-alive, 4 requests a
#      connection);
#   3. the schema rejects the client's and the server's HTTP documents
#      with any one member removed, mistyped (a string, or an integer
#      with a fraction) or an unknown member added, at every level.
# A field gen_report_json() stops writing, renames, retypes or adds
# without the schema following fails this test. A pair whose server dies
# of DPDK 22.11's memif crash when the client exits (see gen_lib.sh) runs
# once more.
# Exit 0 pass, 1 fail, 77 skip (not root).
set -euo pipefail

GEN=${1:?usage: gen_json_schema.sh PMTCP_GEN SOURCE_DIR}
SRC=${2:?usage: gen_json_schema.sh PMTCP_GEN SOURCE_DIR}
# shellcheck source=gen_lib.sh
. "$SRC/tests/integration/gen_lib.sh"
SCHEMA=$SRC/docs/pmtcp-gen-json.schema.json

gl_init js
[ -x "$PY" ] || skip "no $PY"
[ -r "$SCHEMA" ] || fail "no $SCHEMA"
SOCK=/pmtcp-js-$$		# memif sockets are abstract in DPDK 22.11

# memif_eal ROLE LCORE: EAL options of one end of the link.
memif_eal() {
	echo --no-huge -m 512 -l "$2" --log-level=pmd.net.memif:error \
		"--vdev=net_memif0,role=$1,socket=$SOCK,socket-abstract=yes,id=0"
}

# pair STEP NAME ARGS...: a server and a 2-second client with ARGS, both
# with --json; the summaries and JSON files are checked. When the server
# dies of DPDK 22.11's memif crash as the client exits (gen_lib.sh:
# gl_memif_crashed), the pair runs once more, as NAME-again; PAIR is the
# name of the run that counts.
pair() {
	local step=$1 name=$2
	shift 2
	log "$step: server and client over net_memif, $*"
	PAIR=$name
	pair_run "$step" retry "$@"
	if [ "$GL_MEMIF_CRASH" = 1 ]; then
		PAIR=$name-again
		pair_run "$step" once "$@"
	fi
	pair_check "$step"
}
# pair_run STEP retry|once ARGS...
pair_run() {
	local step=$1 retry=$2
	shift 2
	# shellcheck disable=SC2046
	gl_start "$PAIR-srv" $(memif_eal server 0) -- --addr 198.18.0.1/24 \
		--role server --port 80 --quiet --json "$TMPD/$PAIR-srv.json" \
		--link-wait-ms 100 --tcp-time-wait-ms 100 "$@"
	gl_wait_line "$PAIR-srv" '^pmtcp-gen: server' 30 "$step"
	# shellcheck disable=SC2046
	gl_start "$PAIR-cli" $(memif_eal client 1) -- --addr 198.18.0.2/24 \
		--role client --server 198.18.0.1:80 --concurrency 8 --duration 2 \
		--json "$TMPD/$PAIR-cli.json" --tcp-time-wait-ms 100 "$@"
	gl_wait_gen "$PAIR-cli" 30 "$step"
	[ "$GEN_RC" -eq 0 ] || check_fail "$step: client exited with $GEN_RC"
	gl_stop_gen "$PAIR-srv" "$step" "$retry"
}
pair_check() {
	local step=$1 side
	for side in cli srv; do
		gl_print_summary "$PAIR-$side"
		[ -s "$TMPD/$PAIR-$side.json" ] ||
			{ check_fail "$step: no $PAIR-$side.json"; continue; }
		gl_summary "$PAIR-$side"
		gl_json_check "$step" "$TMPD/$PAIR-$side.json" \
			"$([ "$side" = cli ] && echo client || echo server)"
	done
	gl_summary "$PAIR-cli"
	expect_ge "$step" "client answered" "${SUM[answered]}" 1
	expect_eq "$step" "client errors" "${SUM[errors]}" 0
}

pair "step 1" http --requests-per-conn 1
HTTP=$PAIR
pair "step 2" raw --proto raw --raw-mode rr --requests-per-conn 4

log "step 3: the schema rejects every one-member change"
for side in cli srv; do
	out=$("$PY" "$SRC/tests/integration/gen_json_check.py" "$SCHEMA" \
		"$TMPD/$HTTP-$side.json" --mutations 2>&1) ||
		check_fail "step 3: $HTTP-$side.json: a changed document passes the schema"
	printf '%s\n' "$out" | sed "s/^/  [$HTTP-$side] /"
done

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
