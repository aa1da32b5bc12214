# gen_lib.sh: shared by the pmtcp-gen integration tests gen_*.sh (source
# it; not a test). Like tcp_lib.sh, but for pmtcp-gen itself:
#  - unique names with the shell's pid; IPv6 off in the namespace; only
#    198.18.0.0/15 addresses;
#  - every wait is bounded; clean-up ends only the processes this test
#    started (by pid), deletes only its own namespace, temp directory and
#    EAL run-time directories (/var/run/dpdk/<prefix>);
#  - exit 0 pass, 1 fail (each message names the step), 77 skip.
#
# Usage from a test script:
#   GEN=$1 SRC=$2; . "$SRC/tests/integration/gen_lib.sh"; gl_init NAME [netns]
#   gl_start_tap LABEL ARGS...		# pmtcp-gen on a tap in the namespace
#   gl_wait_line LABEL REGEX SECONDS STEP
#   gl_setup_tap STEP			# kernel MAC, 198.18.0.1/24, up
#   gl_wait_gen LABEL SECONDS STEP	# a client run ends on its own
#   gl_stop_gen LABEL STEP		# SIGTERM a server, exit 0
#   gl_summary LABEL			# SUM[...] from the summary
#   gl_load_stats LABEL			# STAT[], POOL[] (PMTCP_GEN_STATS=1)
# shellcheck shell=bash

PY=/usr/bin/python3		# Debian's python (python3-jsonschema is Debian's)
OUR_IP=198.18.0.2		# pmtcp (RFC 2544 benchmarking range only)
PEER_IP=198.18.0.1		# the kernel side of the tap
PREFIX_LEN=24
KERNEL_MAC=02:00:c6:12:00:01	# locally administered; c6:12 = 198.18

NS='' TAP='' FILE_PREFIX='' TMPD='' NS_MADE=''
declare -A GEN_PID=()		# label -> pid of a pmtcp-gen we started
declare -a BG_PIDS=()		# kernel-side helpers we started
declare -a GEN_LABELS=()	# every pmtcp-gen run, for the failure dump
declare -a EAL_PREFIXES=()
declare -a CLEANUP_HOOKS=()	# extra commands for clean-up (e.g. nginx)
ERRORS=0
WAIT_RC=0

# shellcheck source=proc_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/proc_lib.sh"

# gl_dump LABEL: a pmtcp-gen run's output, for a failure report.
gl_dump() {
	echo "---- pmtcp-gen $1 stdout ----"
	grep -v '^arp ' "$TMPD/$1.out"
	echo "---- pmtcp-gen $1 stderr ----"
	grep -v -e '^EAL: ' -e 'multiq qdisc' -e 'rte flow support' \
		-e 'qdisc kind is unknown' -e '^TELEMETRY: ' "$TMPD/$1.err"
}

gl_cleanup() {
	local rc=$? label pid hook
	set +e
	trap - EXIT INT TERM
	for hook in "${CLEANUP_HOOKS[@]}"; do
		eval "$hook"
	done
	for label in "${!GEN_PID[@]}"; do
		stop_pid "${GEN_PID[$label]}" "pmtcp-gen $label"
	done
	for pid in "${BG_PIDS[@]}"; do
		stop_pid "$pid" "helper"
	done
	[ "$rc" -eq 0 ] && [ "$ERRORS" -ne 0 ] && rc=1
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$TMPD" ]; then
		for label in "${GEN_LABELS[@]}"; do
			gl_dump "$label" >&2
		done
	fi
	[ -n "$NS_MADE" ] && ip netns del "$NS" 2>/dev/null
	[ -n "$TMPD" ] && rm -rf "$TMPD"
	for label in "${EAL_PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$label"
	done
	exit "$rc"
}

# gl_init NAME [netns]: preconditions, temp directory, traps and, with
# "netns", a namespace with IPv6 off. NAME: a few letters.
gl_init() {
	local name=$1
	NS=pmt$name$$
	TAP=pt$name$$
	[ ${#TAP} -le 15 ] || fail "tap name $TAP is too long"
	FILE_PREFIX=pmtcp-$name-$$
	trap gl_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	[ "$(id -u)" -eq 0 ] || skip "needs root (DPDK, network namespaces, tap devices)"
	[ -x "$GEN" ] || fail "no pmtcp-gen at '$GEN'"
	GEN=$(readlink -f "$GEN")	# meson passes it relative to build/
	TMPD=$(mktemp -d "/tmp/pmtcp-$name.XXXXXX")
	[ "${2:-}" = netns ] || return 0
	ns_make
}

# gl_start LABEL EAL_ARGS... -- ARGS...: pmtcp-gen with its output in
# $TMPD/LABEL.out and .err, PMTCP_GEN_STATS=1 (counters and pools at exit).
# The EAL file prefix is $FILE_PREFIX-LABEL. GL_NETNS=1: in the namespace.
gl_start() {
	local label=$1
	shift
	local -a pre=()
	[ "${GL_NETNS:-}" = 1 ] && pre=(ip netns exec "$NS")
	: >"$TMPD/$label.out"	# before the background job opens it: no race
	: >"$TMPD/$label.err"
	PMTCP_GEN_STATS=1 "${pre[@]}" "$GEN" --no-pci \
		--file-prefix "$FILE_PREFIX-$label" "$@" \
		>"$TMPD/$label.out" 2>"$TMPD/$label.err" &
	GEN_PID[$label]=$!	# `ip netns exec` execs the program
	GEN_LABELS+=("$label")
	EAL_PREFIXES+=("$FILE_PREFIX-$label")
}

# gl_start_tap LABEL ARGS...: pmtcp-gen on lcore 0, a net_tap port in the
# namespace, 198.18.0.2/24, -m 512.
gl_start_tap() {
	local label=$1
	shift
	GL_NETNS=1 gl_start "$label" --no-huge -m 512 -l 0 \
		--vdev="net_tap0,iface=$TAP" --log-level=pmd.net.tap:error \
		-- --addr "$OUR_IP/$PREFIX_LEN" "$@"
}

# gl_wait_line LABEL REGEX SECONDS STEP: until the run printed a line.
gl_wait_line() {
	local label=$1 re=$2 secs=$3 step=$4
	local deadline=$(( $(date +%s) + secs ))
	until grep -q -- "$re" "$TMPD/$label.out"; do
		if ! alive "${GEN_PID[$label]}"; then
			wait "${GEN_PID[$label]}"; local rc=$?
			unset "GEN_PID[$label]"
			fail "$step: pmtcp-gen $label exited ($rc) before printing '$re'"
		fi
		[ "$(date +%s)" -lt "$deadline" ] ||
			fail "$step: pmtcp-gen $label did not print '$re' within $secs s"
		sleep 0.02
	done
}

# gl_setup_tap LABEL STEP: once the port has started (net_tap gives the
# kernel interface the PMD's MAC at start), give the kernel side its own
# MAC and address.
gl_setup_tap() {
	local label=$1 step=$2
	gl_wait_line "$label" '^pmtcp: port 0 mac .*Link up' 30 "$step"
	nsx ip link show "$TAP" >/dev/null 2>&1 || fail "$step: tap $TAP is not in netns $NS"
	nsx ip link set dev "$TAP" address "$KERNEL_MAC"
	nsx ip addr replace "$PEER_IP/$PREFIX_LEN" dev "$TAP"
	nsx ip link set "$TAP" up
}

# gl_wait_gen LABEL SECONDS STEP: a client run ends on its own; sets
# GEN_RC. Fails the step if it is still running after SECONDS.
gl_wait_gen() {
	local label=$1 secs=$2 step=$3
	wait_gone "${GEN_PID[$label]}" "$secs" ||
		fail "$step: pmtcp-gen $label still running after $secs s"
	GEN_RC=$WAIT_RC
	unset "GEN_PID[$label]"
}

# gl_memif_crashed PID: the kernel logged a SIGSEGV of PID inside DPDK's
# memif PMD. DPDK 22.11's net_memif checks "connected" once per burst,
# then reads the shared rings, which its interrupt thread unmaps when the
# peer process goes away (memif_disconnect): the process that keeps
# polling after its peer's exit can fault in eth_memif_rx/tx. Seen in
# about one memif peer exit in ten here.
gl_memif_crashed() {
	dmesg 2>/dev/null | grep -q "pmtcp-gen\[$1\]: segfault at .* in librte_net_memif"
}

# gl_stop_gen LABEL STEP [RETRY]: SIGTERM a server run; it must exit 0 in
# 15 s. A run already gone is reaped and its status judged the same way.
# When it died of the memif crash above, GL_MEMIF_CRASH=1; with RETRY
# ("retry": the caller runs the step again) that is logged, not failed.
GL_MEMIF_CRASH=0
gl_stop_gen() {
	local label=$1 step=$2 pid=${GEN_PID[$1]} what
	GL_MEMIF_CRASH=0
	if alive "$pid"; then
		kill -TERM "$pid"
	fi
	wait_gone "$pid" 15 ||
		fail "$step: pmtcp-gen $label still running 15 s after SIGTERM"
	unset "GEN_PID[$label]"
	if [ "$WAIT_RC" -eq 139 ] && gl_memif_crashed "$pid"; then
		GL_MEMIF_CRASH=1
		what="pmtcp-gen $label (pid $pid) died of SIGSEGV in librte_net_memif after its peer's exit (DPDK 22.11 memif): $(dmesg | grep "pmtcp-gen\[$pid\]: segfault" | tail -1 || true)"
		if [ "${3:-}" = retry ]; then
			log "  $what; running the step again"
		else
			check_fail "$step: $what"
		fi
		return 0
	fi
	[ "$WAIT_RC" -eq 0 ] || check_fail "$step: pmtcp-gen $label exited with $WAIT_RC"
}

# gl_summary LABEL: the figures of pmtcp-gen's summary in SUM[]:
# attempted established closed sent answered 2xx other errors refused
# reset http closed_err err_KIND (every kind that occurred) retransmitted
# rst_sent rst_received. Fails if there is no summary. ROLE (client or server):
# that role's summary of a --role both run.
declare -A SUM=()
gl_summary() {
	local f=$TMPD/$1.out line
	SUM=()
	grep -q '^--- pmtcp-gen summary' "$f" || fail "pmtcp-gen $1 printed no summary"
	if [ -n "${2:-}" ]; then
		sed -n "/^--- pmtcp-gen summary.* role $2\$/,/^--- pmtcp-gen summary.* role [a-z]*\$/p" \
			"$f" >"$TMPD/$1.$2.sum"
		f=$TMPD/$1.$2.sum
		grep -q '^  connections ' "$f" || fail "pmtcp-gen $1 printed no $2 summary"
	fi
	line=$(grep '^  connections ' "$f")
	[[ $line =~ attempted\ ([0-9]+)\ +established\ ([0-9]+)\ +closed\ ([0-9]+) ]] ||
		fail "pmtcp-gen $1: cannot parse '$line'"
	SUM[attempted]=${BASH_REMATCH[1]} SUM[established]=${BASH_REMATCH[2]}
	SUM[closed]=${BASH_REMATCH[3]}
	line=$(grep '^  requests ' "$f")
	# A client says "sent N answered N ... 2xx N other status N"; a
	# server "received N answered N" (it has no statuses to count).
	if [[ $line =~ sent\ ([0-9]+)\ +answered\ ([0-9]+).*2xx\ ([0-9]+)\ +other\ status\ ([0-9]+) ]]; then
		SUM[sent]=${BASH_REMATCH[1]} SUM[answered]=${BASH_REMATCH[2]}
		SUM[2xx]=${BASH_REMATCH[3]} SUM[other]=${BASH_REMATCH[4]}
	elif [[ $line =~ received\ ([0-9]+)\ +answered\ ([0-9]+) ]]; then
		SUM[sent]=${BASH_REMATCH[1]} SUM[answered]=${BASH_REMATCH[2]}
		SUM[2xx]=0 SUM[other]=0
	else
		fail "pmtcp-gen $1: cannot parse '$line'"
	fi
	# "errors N (kind N kind N ...)": the kinds that occurred, in
	# SUM[err_KIND]; SUM[reset] and friends for the common ones.
	line=$(grep '^  errors ' "$f")
	[[ $line =~ errors\ +([0-9]+) ]] ||
		fail "pmtcp-gen $1: cannot parse '$line'"
	SUM[errors]=${BASH_REMATCH[1]}
	local kind n rest=${line#*(}
	[ "$rest" = "$line" ] && rest=''
	rest=${rest%)}
	while read -r kind n; do
		[ -n "$kind" ] && SUM[err_$kind]=$n
	done < <(printf '%s\n' "$rest" | xargs -n 2 2>/dev/null || true)
	SUM[refused]=${SUM[err_refused]:-0} SUM[reset]=${SUM[err_reset]:-0}
	SUM[http]=${SUM[err_http]:-0} SUM[closed_err]=${SUM[err_closed]:-0}
	line=$(grep '^  tcp ' "$f")
	[[ $line =~ retransmitted\ ([0-9]+)\ +rst\ sent\ ([0-9]+)\ +rst\ received\ ([0-9]+) ]] ||
		fail "pmtcp-gen $1: cannot parse '$line'"
	SUM[retransmitted]=${BASH_REMATCH[1]} SUM[rst_sent]=${BASH_REMATCH[2]}
	SUM[rst_received]=${BASH_REMATCH[3]}
}

# gl_print_summary LABEL: the summary block, indented, for the log.
gl_print_summary() {
	awk '/^--- pmtcp-gen summary/ { p = 1 } p && !/^(---|  )/ { p = 0 } p' \
		"$TMPD/$1.out" | sed "s/^/  [$1] /"
}

# gl_load_stats LABEL: STAT[name] (counters) and POOL[name] (summed over
# lcores) from a run with PMTCP_GEN_STATS=1; prints them.
declare -A STAT=() POOL=()
gl_load_stats() {
	local f=$TMPD/$1.out name value line
	STAT=() POOL=()
	while IFS='=' read -r name value; do
		STAT[${name#stat }]=$value
	done < <(grep '^stat [a-z0-9_]*=[0-9]*$' "$f")
	while read -r line; do
		[[ $line =~ ^pool\ ([a-z_0-9]+)\ (lcore=[0-9]+\ )?in_use=([0-9]+)$ ]] ||
			continue
		POOL[${BASH_REMATCH[1]}]=$(( ${POOL[${BASH_REMATCH[1]}]:-0} + BASH_REMATCH[3] ))
	done < <(grep '^pool ' "$f")
	echo "  [$1] counters: $(grep '^stat ' "$f" | sed 's/^stat //' | tr '\n' ' ')"
	echo "  [$1] pools at exit: $(grep '^pool ' "$f" | sed 's/^pool //' | tr '\n' ' ')"
}
statv() { echo "${STAT[$1]:-0}"; }	# only non-zero counters are printed

# expect_eq STEP WHAT VALUE WANT / expect_ge STEP WHAT VALUE MIN
expect_eq() { [ "$3" = "$4" ] || check_fail "$1: $2=$3, want $4"; }
expect_ge() { [ "$3" -ge "$4" ] || check_fail "$1: $2=$3, want at least $4"; }

# gl_ss_leftovers: TCP sockets in the namespace that talk to pmtcp and
# are in a state other than TIME-WAIT.
gl_ss_leftovers() {
	nsx ss -Htan "( dst $OUR_IP or src $OUR_IP )" | awk '$1 != "TIME-WAIT"'
}

# gl_wait_no_leftovers STEP SECONDS: the kernel's connections to pmtcp
# are all closed (TIME-WAIT aside) within SECONDS.
gl_wait_no_leftovers() {
	local deadline=$(( $(date +%s) + $2 )) left
	while :; do
		left=$(gl_ss_leftovers)
		[ -z "$left" ] && return 0
		[ "$(date +%s)" -lt "$deadline" ] || break
		sleep 0.1
	done
	check_fail "$1: kernel connections to pmtcp not closed after $2 s: $(echo "$left" | head -5)"
}

# gl_json_check STEP FILE ROLE: FILE is valid against
# docs/pmtcp-gen-json.schema.json and agrees with the summary in SUM[].
gl_json_check() {
	local step=$1 file=$2 role=$3 out rc=0
	out=$("$PY" "$SRC/tests/integration/gen_json_check.py" \
		"$SRC/docs/pmtcp-gen-json.schema.json" "$file" \
		--role "$role" \
		--expect "totals.conn_attempts=${SUM[attempted]}" \
		--expect "totals.conn_established=${SUM[established]}" \
		--expect "totals.conn_closed=${SUM[closed]}" \
		--expect "totals.requests=${SUM[sent]}" \
		--expect "totals.responses=${SUM[answered]}" \
		--expect "totals.status_2xx=${SUM[2xx]}" \
		--expect "errors.total=${SUM[errors]}" 2>&1) || rc=$?
	printf '%s\n' "$out" | sed "s/^/  [$step] /"
	[ "$rc" -eq 0 ] || check_fail "$step: $file does not match the schema or the summary"
}
