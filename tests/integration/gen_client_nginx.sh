#!/bin/bash
# gen_client_nginx.sh PMTCP_GEN SOURCE_DIR
#
# Integration test "gen_client_nginx": pmtcp-gen --role client on a net_tap
# port in a namespace made for the test, against nginx (the Linux kernel's
# TCP) listening on 198.18.0.1:80 inside that namespace, with a private
# configuration in a temporary directory (one worker, `return 200`, the
# access log in the temporary directory).
#   1. pmtcp-gen --cps 500 --duration 5 --requests-per-conn 1 --json FILE;
#      it exits 0 on its own;
#   2. its summary: zero errors, every attempt established and closed,
#      every request answered with a 2xx, and at least 1500 of them;
#   3. nginx, stopped gracefully (SIGQUIT), logged one line per request:
#      lines == answered (a request cut off by the end of the run may be
#      logged too: then answered <= lines <= sent), every one "GET /" 200
#      from 198.18.0.2;
#   4. the kernel holds no connection to pmtcp but TIME-WAIT; pmtcp's TCB
#      pool is empty at exit, nothing ran out;
#   5. the --json file is valid against docs/pmtcp-gen-json.schema.json
#      and its totals equal the summary's.
# nginx binds 198.18.0.1 before the tap exists (net.ipv4.ip_nonlocal_bind
# in the namespace), so it listens before pmtcp-gen's first SYN; pmtcp-gen
# resolves the server's MAC before it connects (--arp-retry-ms 100).
# Exit 0 pass, 1 fail, 77 skip (not root, no `ip netns`, no nginx).
set -euo pipefail

GEN=${1:?usage: gen_client_nginx.sh PMTCP_GEN SOURCE_DIR}
SRC=${2:?usage: gen_client_nginx.sh PMTCP_GEN SOURCE_DIR}
# shellcheck source=gen_lib.sh
. "$SRC/tests/integration/gen_lib.sh"
CPS=500
DURATION=5
MIN_ANSWERED=1500	# 500/s for 3 of the 5 s: a loaded machine still does it

gl_init gn netns
NGINX=/usr/sbin/nginx
[ -x "$NGINX" ] || skip "no nginx (apt-get install nginx-light)"
[ -x "$PY" ] || skip "no $PY"

# ---- nginx ------------------------------------------------------------------
NG=$TMPD/nginx
mkdir -p "$NG"
cat >"$NG/nginx.conf" <<EOF
# private to this test: nothing outside $NG
daemon off;
master_process on;
worker_processes 1;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 4096; }
http {
	access_log $NG/access.log;
	client_body_temp_path $NG/body;
	proxy_temp_path $NG/proxy;
	fastcgi_temp_path $NG/fastcgi;
	uwsgi_temp_path $NG/uwsgi;
	scgi_temp_path $NG/scgi;
	server {
		listen $PEER_IP:80 backlog=4096;
		location / { return 200 "pmtcp\n"; }
	}
}
EOF
nsx sysctl -qw net.ipv4.ip_nonlocal_bind=1
log "starting nginx (1 worker) in netns $NS on $PEER_IP:80"
ns_bg "$NG/nginx.out" "$NGINX" -c "$NG/nginx.conf" -p "$NG"
NGINX_PID=$BG_PID
# graceful stop first, should the test end early
# shellcheck disable=SC2016	# expanded at clean-up
CLEANUP_HOOKS+=('our_child "$NGINX_PID" && alive "$NGINX_PID" && kill -QUIT "$NGINX_PID" && wait_gone "$NGINX_PID" 10')
deadline=$(( $(date +%s) + 10 ))
until nsx ss -Htln "sport = :80" | grep -q LISTEN; do
	alive "$NGINX_PID" || fail "nginx exited: $(cat "$NG/nginx.out" "$NG/error.log" 2>/dev/null)"
	[ "$(date +%s)" -lt "$deadline" ] || fail "nginx does not listen on :80 after 10 s"
	sleep 0.05
done

# ---- 1. the client run ------------------------------------------------------------
log "step 1: pmtcp-gen client --cps $CPS --duration $DURATION --requests-per-conn 1"
gl_start_tap client --role client --server "$PEER_IP:80" --cps "$CPS" \
	--duration "$DURATION" --requests-per-conn 1 --json "$TMPD/client.json" \
	--arp-retry-ms 100 --tcp-time-wait-ms 100
gl_setup_tap client "step 1"
gl_wait_gen client $((DURATION + 25)) "step 1"
[ "$GEN_RC" -eq 0 ] || check_fail "step 1: pmtcp-gen exited with $GEN_RC"
grep -E '^ +[0-9.]+s +cps' "$TMPD/client.out" | sed 's/^/  [client] /'
gl_print_summary client

# ---- 2. the summary -----------------------------------------------------------
gl_summary client
log "step 2: attempted ${SUM[attempted]} established ${SUM[established]} sent ${SUM[sent]} answered ${SUM[answered]} errors ${SUM[errors]}"
expect_eq "step 2" errors "${SUM[errors]}" 0
expect_eq "step 2" established "${SUM[established]}" "${SUM[attempted]}"
expect_eq "step 2" closed "${SUM[closed]}" "${SUM[attempted]}"
expect_eq "step 2" "2xx" "${SUM[2xx]}" "${SUM[answered]}"
expect_eq "step 2" "other status" "${SUM[other]}" 0
expect_ge "step 2" answered "${SUM[answered]}" "$MIN_ANSWERED"
# one request per connection: at most one per established connection
[ "${SUM[sent]}" -le "${SUM[established]}" ] ||
	check_fail "step 2: sent ${SUM[sent]} requests on ${SUM[established]} connections"

# ---- 3. nginx's access log ---------------------------------------------------------
log "step 3: stop nginx gracefully (SIGQUIT) and count its access log"
kill -QUIT "$NGINX_PID"
wait_gone "$NGINX_PID" 15 || fail "step 3: nginx still running 15 s after SIGQUIT"
[ "$WAIT_RC" -eq 0 ] || check_fail "step 3: nginx exited with $WAIT_RC"
lines=$(wc -l <"$NG/access.log")
ok=$(grep -c "^$OUR_IP - - \[.*\] \"GET / HTTP/1.1\" 200 6 " "$NG/access.log" || true)
log "  nginx logged $lines requests ($ok of them 'GET / HTTP/1.1' 200 from $OUR_IP); pmtcp-gen: sent ${SUM[sent]}, answered ${SUM[answered]}"
if [ "${SUM[sent]}" -eq "${SUM[answered]}" ]; then
	expect_eq "step 3" "nginx log lines" "$lines" "${SUM[answered]}"
else
	# requests in flight when the run ended: nginx may have logged them
	if [ "$lines" -lt "${SUM[answered]}" ] || [ "$lines" -gt "${SUM[sent]}" ]; then
		check_fail "step 3: nginx logged $lines requests; pmtcp-gen answered ${SUM[answered]} of ${SUM[sent]}"
	fi
fi
expect_eq "step 3" "nginx lines 'GET / 200' from $OUR_IP" "$ok" "$lines"
if [ -s "$NG/error.log" ]; then
	echo "  nginx error.log:"; sed 's/^/    /' "$NG/error.log"
fi

# ---- 4. closed on both sides, nothing ran out -----------------------------------
log "step 4: connections closed, pmtcp's pools"
gl_wait_no_leftovers "step 4" 5
gl_load_stats client
# nginx closes first (Connection: close): pmtcp's TCBs go CLOSE-WAIT,
# LAST-ACK, CLOSED; one cut off by the end of the run goes TIME-WAIT for
# 100 ms, inside pmtcp-gen's 200 ms linger. None is left at exit.
expect_eq "step 4" "pool tcb in_use" "${POOL[tcb]:-missing}" 0
expect_eq "step 4" "pool clone in_use" "${POOL[clone]:-missing}" 0
for c in mbuf_alloc_fail tcp_tx_no_mbuf tcp_no_tcb tx_drop_full \
	arp_pending_drop ip_tx_no_route tcp_rx_bad_cksum tcp_conn_resets; do
	expect_eq "step 4" "$c" "$(statv "$c")" 0
done
expect_eq "step 4" tcp_conn_established "$(statv tcp_conn_established)" "${SUM[established]}"

# ---- 5. the JSON -------------------------------------------------------------
log "step 5: --json output against docs/pmtcp-gen-json.schema.json"
gl_json_check "step 5" "$TMPD/client.json" client

[ "$ERRORS" -eq 0 ] || fail "$ERRORS check(s) failed"
log "PASS"
