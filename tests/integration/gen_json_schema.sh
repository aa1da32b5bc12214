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
# without the schema following fails this test.
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
# with --json; the summaries and JSON files are checked.
pair() {
	local step=$1 name=$2
	shift 2
	log "$step: server and client over net_memif, $*"
	# shellcheck disable=SC2046
	gl_start "$name-srv" $(memif_eal server 0) -- --addr 198.18.0.1/24 \
		--role server --port 80 --quiet --json "$TMPD/$name-srv.json" \
		--tcp-time-wait-ms 100 "$@"
	gl_wait_line "$name-srv" '^pmtcp-gen: server' 30 "$step"
	# shellcheck disable=SC2046
	gl_start "$name-cli" $(memif_eal client 1) -- --addr 198.18.0.2/24 \
		--role client --server 198.18.0.1:80 --concurrency 8 --duration 2 \
		--json "$TMPD/$name-cli.json" --tcp-time-wait-ms 100 "$@"
	gl_wait_gen "$name-cli" 30 "$step"
	[ "$GEN_RC" -eq 0 ] || check_fail "$step: client exited with $GEN_RC"
	gl_stop_gen "$name-srv" "$step"
	for side in cli srv; do
		gl_print_summary "$name-$side"
		[ -s "$TMPD/$name-$side.json" ] ||
			{ check_fail "$step: no $name-$side.json"; continue; }
		gl_summary "$name-$side"
		gl_json_check "$step" "$TMPD/$name-$side.json" \
			"$([ $side = cli ] && echo client || echo server)"
	done
	gl_summary "$name-cli"
	expect_ge "$step" "client answered" "${SUM[answered]}" 1
	expect_eq "$step" "client errors" "${SUM[errors]}" 0
}

pair "step 1" http --requests-per-conn 1
pair "step 2" raw --proto raw --raw-mode rr --requests-per-conn 4

log "step 3: the schema rejects every one-member change"
for side in cli srv; do
	out=$("$PY" "$SRC/tests/integration/gen_json_check.py" "$SCHEMA" \
		"$TMPD/http-$side.json" --mutations 2>&1) ||
		check_fail "step 3: http-$side.json: a changed document passes the schema"
	printf '%s\n' "$out" | sed "s/^/  [http-$side] /"
done

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
