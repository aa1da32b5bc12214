#!/bin/bash
# tcp_syn_flood.sh PMT_TCPTOOL SOURCE_DIR PMT_SYNFLOOD [CONNECTIONS] [SECONDS]
#
# Integration test "tcp_syn_flood": pmt-tcptool serves HTTP on a net_tap
# port in a namespace (pmtsc<pid>) while pmt-synflood, on the kernel side
# of the tap, sends spoofed SYNs from random sources in 198.18.0.0/15 as
# fast as the tap takes them for SECONDS (10), and a legitimate kernel
# client makes CONNECTIONS (1000) HTTP requests (GET /100) meanwhile.
#   - at least 99 % of the legitimate connections succeed;
#   - the flood was absorbed by the syncache and SYN cookies: the
#     counters show it, and the syncache never held more entries than
#     its configured size (tcp_syncache_peak);
#   - no TCB went to a half-open connection (tcp_no_tcb 0).
# Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail

TOOL=${1:?usage: tcp_syn_flood.sh PMT_TCPTOOL SOURCE_DIR PMT_SYNFLOOD [CONNECTIONS] [SECONDS]}
SRC=${2:?usage: tcp_syn_flood.sh PMT_TCPTOOL SOURCE_DIR PMT_SYNFLOOD [CONNECTIONS] [SECONDS]}
FLOOD=${3:?usage: tcp_syn_flood.sh PMT_TCPTOOL SOURCE_DIR PMT_SYNFLOOD [CONNECTIONS] [SECONDS]}
N=${4:-1000}
FLOOD_S=${5:-10}
SC_ENTRIES=4096		# small, so the flood overflows into cookies
# shellcheck source=tcp_lib.sh
. "$SRC/tests/integration/tcp_lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, tap devices, AF_PACKET)"
[ -x "$FLOOD" ] || fail "no pmt-synflood at '$FLOOD'"
FLOOD=$(readlink -f "$FLOOD")
tl_init sc			# namespace pmtsc<pid>
# This test's prefix for the tap and EAL too (tl_init's are per name).
TAP=pmtsc$$t
FILE_PREFIX=pmtsc-$$

log "start: pmt-tcptool --listen 80 in netns $NS on tap $TAP"
tl_start_tool srv --set tcp-syncache-entries=$SC_ENTRIES \
	--set tcp-time-wait-ms=1000 --gateway "$PEER_IP" --listen 80
tl_wait_line srv '^tcptool: listening on' 30 start
tl_setup_tap start
OUR_MAC=$(sed -n 's/^pmtcp: port 0 mac \([0-9a-fA-F:]\{17\}\).*/\1/p' "$TMPD/srv.out" | head -1)
[ -n "$OUR_MAC" ] || fail "start: no MAC in: $(grep '^pmtcp: port 0' "$TMPD/srv.out")"

# The legitimate client: N connections, 16 at a time, each bounded.
cat >"$TMPD/legit.py" <<'PY'
import socket, sys, threading
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ok = 0
fails = {}
lock = threading.Lock()
todo = list(range(n))
def one():
    s = socket.create_connection((host, port), timeout=20)
    try:
        s.sendall(b"GET /100 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            data += b
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200") or len(body) != 100:
        raise ValueError("bad answer: %r" % data[:60])
def worker():
    global ok
    while True:
        with lock:
            if not todo:
                return
            todo.pop()
        try:
            one()
            with lock:
                ok += 1
        except Exception as e:
            with lock:
                k = type(e).__name__
                fails[k] = fails.get(k, 0) + 1
ts = [threading.Thread(target=worker) for _ in range(16)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("legit: ok=%d failed=%d %s" % (ok, n - ok, fails))
PY

log "flood: pmt-synflood $TAP -> $OUR_MAC $OUR_IP:80 for $FLOOD_S s; $N legitimate connections meanwhile"
ns_bg "$TMPD/flood.out" "$FLOOD" "$TAP" "$OUR_MAC" "$OUR_IP" 80 "$FLOOD_S" 12345
FLOOD_PID=$BG_PID
sleep 1				# the flood is on before the first legitimate SYN
LEGIT_START=$(now_us)
LEGIT=$(nsx timeout 150 "$PY" "$TMPD/legit.py" "$OUR_IP" 80 "$N" 2>&1) ||
	check_fail "legit client: exited $?: $LEGIT"
LEGIT_US=$(( $(now_us) - LEGIT_START ))
log "  $LEGIT (in $(awk -v us="$LEGIT_US" 'BEGIN { printf "%.1f s", us / 1e6 }'))"
if wait_gone "$FLOOD_PID" $((FLOOD_S + 20)); then
	log "  $(cat "$TMPD/flood.out")"
	[ "$WAIT_RC" -eq 0 ] || check_fail "pmt-synflood exited with $WAIT_RC"
else
	check_fail "pmt-synflood still running"
fi
SENT=$(sed -n 's/^synflood: sent=\([0-9]*\) .*/\1/p' "$TMPD/flood.out")
ok=$(sed -n 's/^legit: ok=\([0-9]*\) .*/\1/p' <<<"$LEGIT")
[ -n "$ok" ] || ok=0
[ $((ok * 100)) -ge $((N * 99)) ] ||
	check_fail "only $ok of $N legitimate connections succeeded (want >= 99 %)"

tl_stop_tool srv stop
tl_load_stats srv
log "syncache and cookie counters:"
grep -E '^stat (tcp_syncache_|tcp_syncookies_|tcp_listen_|tcp_no_tcb|tcp_conn_established)' \
	"$TMPD/srv.out" | sed 's/^/  /' || true
peak=$(statv tcp_syncache_peak)
[ "$peak" -le "$SC_ENTRIES" ] ||
	check_fail "syncache peak $peak over its size $SC_ENTRIES"
absorbed=$(( $(statv tcp_syncache_added) + $(statv tcp_syncookies_sent) ))
log "  flood sent ${SENT:-?} SYNs; $absorbed answered from the syncache or with cookies"
[ "${SENT:-0}" -ge 10000 ] || check_fail "the flood sent only ${SENT:-0} SYNs"
[ "$absorbed" -ge 10000 ] || check_fail "only $absorbed SYNs were answered"
# The flood is far larger than the syncache: it overflowed into cookies.
expect_ge flood tcp_syncache_overflow 1
expect_ge flood tcp_syncookies_sent 1
expect_ge flood tcp_syncache_peak 1
expect_ge flood tcp_conn_established "$ok"
expect flood tcp_no_tcb 0
expect flood tcp_listen_no_tcb 0

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
