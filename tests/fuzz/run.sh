#!/bin/bash
# run.sh: run one libFuzzer harness for $PMT_FUZZ_SECONDS (default 60) on a temporary copy of its seed corpus; say how many inputs ran; non-zero, with the crash file's path, on a finding.
set -uo pipefail
bin=$1
seeds=$2
secs=${PMT_FUZZ_SECONDS:-60}
name=$(basename "$bin")
# Findings outlive the run: next to the build, or where the caller says.
art=${PMT_FUZZ_ARTIFACTS:-$(dirname "$(realpath "$bin")")/artifacts}/$name
mkdir -p "$art"
work=$(mktemp -d "${TMPDIR:-/tmp}/pmtfz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
# A copy: what the fuzzer adds to its corpus stays out of the repository.
if [ -d "$seeds" ]; then
	cp "$seeds"/* "$work/corpus/" 2>/dev/null || true
fi
# abort_on_error: a finding is a crash libFuzzer sees and keeps.
export ASAN_OPTIONS=${PMT_FUZZ_ASAN_OPTIONS:-abort_on_error=1:detect_leaks=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${PMT_FUZZ_UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
log=$work/log
"$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 \
	-print_final_stats=1 -artifact_prefix="$art/" "$work/corpus" \
	>"$log" 2>&1 &
pid=$!
wait $pid
rc=$?
# A harness that aborted had no exit handler to remove its EAL run-time
# directory (the stack-based ones name it pmt-<suite>-<pid>).
rm -rf /var/run/dpdk/pmt-fz*-"$pid"
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
corpus=$(ls "$work/corpus" | wc -l)
if [ "$rc" -eq 0 ]; then
	echo "fuzz $name: ok: ${execs:-?} inputs in ${secs} s, corpus $corpus files"
	exit 0
fi
tail -n 80 "$log"
crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
echo "fuzz $name: FAILED (exit $rc) after ${execs:-?} inputs; input: ${crash:-none written}"
echo "fuzz $name: replay with: $bin ${crash:-CRASH_FILE}"
exit 1
