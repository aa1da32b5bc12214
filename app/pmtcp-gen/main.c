/* main.c: pmtcp-gen's command line: options, the stack, one generator per lcore, the report. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <arpa/inet.h>

#include <rte_malloc.h>

#include "gen.h"
#include "gen_report.h"
#include "pmtcp.h"

#define EXIT_USAGE 2

struct gen_opts {
	struct gen_conf gen;
	const char *config;
	bool ports_given;
	FILE *json;		/* --json, opened before anything runs */
};

static const char usage_text[] =
"usage: pmtcp-gen [EAL options] -- [options]\n"
"\n"
"A stateful TCP load generator on pmtcp: a client that opens, uses and\n"
"closes connections (HTTP/1.1 or raw TCP), or a server that answers them.\n"
"\n"
"EAL options that work without hugepages or a NIC:\n"
"  --no-huge -m 512 --no-pci --file-prefix NAME --vdev=net_tap0,iface=NAME\n"
"  --vdev=net_memif0,role=server|client,socket=NAME,id=0  (stack to stack)\n"
"  none at all with --role both: two ports linked in-process by rings\n"
"\n"
"Traffic (flags override the --config file's [gen] section):\n"
"  --role client|server|both  what this process is (required); both: a\n"
"                         server on port 0 and a client on port 1, e.g.\n"
"                         --addr 198.18.0.1/24 --addr 198.18.0.2/24; the\n"
"                         client targets port 0 unless --server is given\n"
"  --server IP:PORT       client: where to connect (repeatable; round robin)\n"
"  --port P|P1-P2         server: TCP port(s) to listen on (repeatable;\n"
"                         default 80)\n"
"  --proto http|raw       HTTP/1.1 (default) or raw TCP\n"
"  --raw-mode rr|echo|bulk  raw: fixed-size request->response (default),\n"
"                         echo, or the server streaming one way\n"
"  --body-size BYTES      server: response body size (default 64)\n"
"  --req-size BYTES       raw: request size (default 64)\n"
"  --method M --path P --host H   HTTP request line and Host (GET / server)\n"
"  --header 'K: V'        extra request header (repeatable)\n"
"  --cps N                client: new connections per second (0: off)\n"
"  --ramp S               client: reach --cps linearly over S seconds\n"
"  --concurrency N        client: connections held open (default 1 when\n"
"                         neither --cps nor --concurrency is given)\n"
"  --requests-per-conn M  requests on each connection, 0 = unlimited\n"
"                         (default 1: one request, then close)\n"
"  --interval-ms MS       pause between requests on a connection\n"
"  --duration S           run S seconds, then stop (0: until SIGINT/SIGTERM)\n"
"  --max-conns N          stop after N connections in all\n"
"  --backlog N            server: listen backlog per lcore (default 4096)\n"
"  --json FILE            write the summary and per-second samples as JSON\n"
"                         (opened at the start: a bad path fails at once)\n"
"  --fail-on LIST         exit 3 if crossed: error-rate=R (errors/attempts),\n"
"                         p99=MS (request->reply, milliseconds),\n"
"                         rate-shortfall=P% (connections started short of\n"
"                         --cps, or open short of --concurrency)\n"
"  --expect-status S      client: answers must have status S (200) or class\n"
"                         (2xx, the default); any: no check\n"
"  --expect-body BYTES    client: answers must have this many body bytes\n"
"  --expect-body-crc32c X client: and this CRC32C (hex, e.g. 0x1b2c3d4e);\n"
"                         pattern: that of pmtcp-gen's own body of\n"
"                         --expect-body bytes (every byte checked)\n"
"\n"
"Churn (client; each connection draws its fate at open, from --seed):\n"
"  --close KIND|mix|fin=W,rst=W,half=W  how a connection ends after its\n"
"                         last answer: fin (close, the default), rst\n"
"                         (SO_LINGER 0, close: RST), half (shutdown\n"
"                         SHUT_WR after the last request, the answer\n"
"                         read to the server's FIN, then close; needs\n"
"                         --requests-per-conn >= 1); mix: a third each;\n"
"                         or weights. Counted by kind in the summary\n"
"  --blackhole IP:PORT    a target whose SYNs are never answered (e.g. an\n"
"                         address off-link behind a --gateway that drops\n"
"                         it); with --blackhole-share, that share of the\n"
"                         connections goes there and stays in SYN-SENT\n"
"                         until --connect-timeout (or --tcp-syn-retries)\n"
"                         ends it: counted as expected, not as errors; an\n"
"                         answer or any other end is an error\n"
"  --blackhole-share P%   the share of connections aimed at --blackhole\n"
"  --seed N               seed of those draws (default 1): the same seed,\n"
"                         lcores and options give the same draws\n"
"\n"
"Timeouts (milliseconds, 0 = none; each failure is counted by its kind):\n"
"  --connect-timeout MS   client: SYN to established (default 3000)\n"
"  --first-byte-timeout MS  client: request to first answer byte (5000)\n"
"  --response-timeout MS  client: request to whole answer (30000)\n"
"  --idle-timeout MS      client: no byte mid-answer; server: a connection\n"
"                         with no request, closed quietly (30000)\n"
"  --request-timeout MS   server: first request byte to whole request,\n"
"                         else 408 and close (10000)\n"
"  --max-header-bytes N   server: larger request headers get 431 (8192)\n"
"  --drain-ms MS          client: after --duration, how long answers in\n"
"                         flight may still arrive; what is still\n"
"                         unanswered then counts as a timeout (2000)\n"
"  --max-connecting N     client: handshakes in flight per lcore (default\n"
"                         the larger of 1024 and 50 ms of --cps)\n"
"  --close-wait-ms MS     after the closes, wait up to MS for the stack to\n"
"                         end every connection (TIME-WAIT, FINs resent\n"
"                         under loss), so the pools at exit are back to\n"
"                         where they started (0: no wait, the default)\n"
"  --quiet                no per-second progress lines\n"
"\n"
"Stack (also in [stack]; [portN] addr= in files):\n"
"  --config FILE          INI file\n"
"  --addr IP/PREFIX       IPv4 address of the next port, in port order\n"
"                         (repeatable; one per port)\n"
"  --alias IP/PREFIX      one more address on the last --addr's port; a\n"
"                         client spreads connections over port 0's\n"
"                         addresses (each brings its own ephemeral ports)\n"
"  --gateway IP           default gateway (on one port's subnet)\n"
"  --mbufs N              mbufs in each lcore's pool (default 16383 here)\n"
"  --rx-desc N --tx-desc N   descriptors per queue (default 1024)\n"
"  --mtu BYTES            IP MTU (default 1500)\n"
"  --link-wait-ms MS      how long start-up waits for link (default 5000)\n"
"  --tx-drain-us US       longest a packet waits in a TX buffer (default 100)\n"
"  --arp-reachable-ms MS --arp-retry-ms MS --arp-retries N --arp-pending N\n"
"  --arp-entries N        ARP cache tuning\n"
"  --tcp-max-sockets N    sockets per lcore (default 65536 here)\n"
"  --tcp-time-wait-ms MS  TIME-WAIT (2MSL; default 2000 here, 60000 in the\n"
"                         library: a generator recycles its pairs fast)\n"
"  --tcp-idle-ms MS       a quiet connection trades its TCB for a 128-byte\n"
"                         idle form after MS (default 1000 here, 0 = never,\n"
"                         the library's default)\n"
"  --tcp-sndbuf B --tcp-rcvbuf B --tcp-rto-min-ms MS --tcp-rto-init-ms MS\n"
"  --tcp-syn-retries N --tcp-retries N --tcp-delack-ms MS --tcp-flush-us US\n"
"  --tcp-port-min P --tcp-port-max P   ephemeral port range\n"
"  --tcp-syncache-entries N  half-open connections held per lcore (16384);\n"
"                         past it, SYN cookies\n"
"  --tcp-syncache-retries N  SYN-ACK retransmissions (3)\n"
"  --tcp-syncookies 0|1|2  SYN cookies off, when the syncache is full\n"
"                         (default), always\n"
"  --tcp-ooo-max-bytes B --tcp-ooo-max-segs N   out-of-order data held per\n"
"                         connection (receive buffer, 256 segments)\n"
"  --tcp-ooo-engine-mbufs N  out-of-order mbufs per lcore (a quarter of mbufs)\n"
"  --tcp-sack 0|1         offer and use SACK (RFC 2018; default 1); 0:\n"
"                         NewReno recovery only\n"
"  --tcp-congestion cubic|newreno   congestion control of every socket\n"
"                         (default cubic: RFC 9438 with HyStart++)\n"
"  --offloads 0|1 --tso 0|1   the ports' checksum / segmentation offloads\n"
"  --impair rx:SPEC|tx:SPEC  impair what every port receives / sends\n"
"                         (repeatable; rx:1:SPEC for port 1 only), e.g.\n"
"                         rx:loss=1%,burst=0.5%/30%/50%,reorder=5%/16,\n"
"                         (burst=P%/R%: per frame; burst=P%/50us: bursts\n"
"                         of 50 us on average)\n"
"                         dup=2%,corrupt=0.5%,delay=2ms,jitter=1ms,\n"
"                         rate=100mbit,queue=1024,spare=syn/arp (SYNs\n"
"                         and ARP not lost); off (default) for none\n"
"                         (docs/impairment.md)\n"
"  --impair-seed N        seed of the impairments' generators (default 1)\n"
"  --help                 this text\n"
"\n"
"Exit status: 0 after a clean run, 1 on a runtime failure, 2 on bad\n"
"options, 3 when a --fail-on threshold was crossed.\n";

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 0 },
	{ "addr", required_argument, NULL, 0 },
	{ "alias", required_argument, NULL, 0 },
	{ "gateway", required_argument, NULL, 0 },
	{ "mbufs", required_argument, NULL, 0 },
	{ "rx-desc", required_argument, NULL, 0 },
	{ "tx-desc", required_argument, NULL, 0 },
	{ "mtu", required_argument, NULL, 0 },
	{ "link-wait-ms", required_argument, NULL, 0 },
	{ "tx-drain-us", required_argument, NULL, 0 },
	{ "arp-reachable-ms", required_argument, NULL, 0 },
	{ "arp-retry-ms", required_argument, NULL, 0 },
	{ "arp-retries", required_argument, NULL, 0 },
	{ "arp-pending", required_argument, NULL, 0 },
	{ "arp-entries", required_argument, NULL, 0 },
	{ "offloads", required_argument, NULL, 0 },
	{ "tso", required_argument, NULL, 0 },
	{ "tcp-max-sockets", required_argument, NULL, 0 },
	{ "tcp-idle-ms", required_argument, NULL, 0 },
	{ "tcp-sndbuf", required_argument, NULL, 0 },
	{ "tcp-rcvbuf", required_argument, NULL, 0 },
	{ "tcp-rto-min-ms", required_argument, NULL, 0 },
	{ "tcp-rto-max-ms", required_argument, NULL, 0 },
	{ "tcp-rto-init-ms", required_argument, NULL, 0 },
	{ "tcp-syn-retries", required_argument, NULL, 0 },
	{ "tcp-retries", required_argument, NULL, 0 },
	{ "tcp-time-wait-ms", required_argument, NULL, 0 },
	{ "tcp-fin-wait2-ms", required_argument, NULL, 0 },
	{ "tcp-delack-ms", required_argument, NULL, 0 },
	{ "tcp-flush-us", required_argument, NULL, 0 },
	{ "tcp-keep-idle-s", required_argument, NULL, 0 },
	{ "tcp-keep-intvl-s", required_argument, NULL, 0 },
	{ "tcp-keep-probes", required_argument, NULL, 0 },
	{ "tcp-port-min", required_argument, NULL, 0 },
	{ "tcp-port-max", required_argument, NULL, 0 },
	{ "tcp-syncache-entries", required_argument, NULL, 0 },
	{ "tcp-syncache-retries", required_argument, NULL, 0 },
	{ "tcp-syncookies", required_argument, NULL, 0 },
	{ "impair", required_argument, NULL, 0 },
	{ "impair-seed", required_argument, NULL, 0 },
	{ "tcp-ooo-max-bytes", required_argument, NULL, 0 },
	{ "tcp-ooo-max-segs", required_argument, NULL, 0 },
	{ "tcp-ooo-engine-mbufs", required_argument, NULL, 0 },
	{ "tcp-sack", required_argument, NULL, 0 },
	{ "tcp-congestion", required_argument, NULL, 0 },
	/* generator keys */
	{ "role", required_argument, NULL, 0 },
	{ "server", required_argument, NULL, 0 },
	{ "port", required_argument, NULL, 0 },
	{ "proto", required_argument, NULL, 0 },
	{ "raw-mode", required_argument, NULL, 0 },
	{ "body-size", required_argument, NULL, 0 },
	{ "req-size", required_argument, NULL, 0 },
	{ "method", required_argument, NULL, 0 },
	{ "path", required_argument, NULL, 0 },
	{ "host", required_argument, NULL, 0 },
	{ "header", required_argument, NULL, 0 },
	{ "cps", required_argument, NULL, 0 },
	{ "ramp", required_argument, NULL, 0 },
	{ "concurrency", required_argument, NULL, 0 },
	{ "requests-per-conn", required_argument, NULL, 0 },
	{ "interval-ms", required_argument, NULL, 0 },
	{ "duration", required_argument, NULL, 0 },
	{ "max-conns", required_argument, NULL, 0 },
	{ "backlog", required_argument, NULL, 0 },
	{ "json", required_argument, NULL, 0 },
	{ "fail-on", required_argument, NULL, 0 },
	{ "quiet", no_argument, NULL, 0 },
	{ "expect-status", required_argument, NULL, 0 },
	{ "expect-body", required_argument, NULL, 0 },
	{ "expect-body-crc32c", required_argument, NULL, 0 },
	{ "connect-timeout", required_argument, NULL, 0 },
	{ "first-byte-timeout", required_argument, NULL, 0 },
	{ "response-timeout", required_argument, NULL, 0 },
	{ "idle-timeout", required_argument, NULL, 0 },
	{ "request-timeout", required_argument, NULL, 0 },
	{ "max-header-bytes", required_argument, NULL, 0 },
	{ "drain-ms", required_argument, NULL, 0 },
	{ "max-connecting", required_argument, NULL, 0 },
	{ "close-wait-ms", required_argument, NULL, 0 },
	{ "close", required_argument, NULL, 0 },
	{ "blackhole", required_argument, NULL, 0 },
	{ "blackhole-share", required_argument, NULL, 0 },
	{ "seed", required_argument, NULL, 0 },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static volatile bool stop;

static int
parse_u64(const char *v, uint64_t max, uint64_t *out)
{
	unsigned long long x;
	char *end;

	if (v == NULL || *v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || x > max)
		return -EINVAL;
	*out = x;
	return 0;
}

static int
bad(char *err, size_t errlen, const char *key, const char *value,
    const char *want)
{
	snprintf(err, errlen, "bad %s '%s': want %s", key, value ? value : "",
		 want);
	return -EINVAL;
}

static int
copy_str(char *dst, size_t cap, const char *v)
{
	if (v == NULL || strlen(v) >= cap || strpbrk(v, "\r\n") != NULL)
		return -EINVAL;
	strcpy(dst, v);
	return 0;
}

#define FAIL_ON_WANT "error-rate=R,p99=MS,rate-shortfall=P%"

/* --fail-on error-rate=R,p99=MS,rate-shortfall=P% */
static int
parse_fail_on(struct gen_conf *g, const char *v, char *err, size_t errlen)
{
	char buf[256], *tok, *save = NULL;

	if (v == NULL || strlen(v) >= sizeof(buf))
		return bad(err, errlen, "fail-on", v, FAIL_ON_WANT);
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		double x;

		if (eq == NULL)
			return bad(err, errlen, "fail-on", v, FAIL_ON_WANT);
		*eq = '\0';
		errno = 0;
		x = strtod(eq + 1, &end);
		if (errno || end == eq + 1 || x < 0 || x != x)
			return bad(err, errlen, "fail-on", v, FAIL_ON_WANT);
		if (strcmp(tok, "error-rate") == 0 && !*end)
			g->fail_error_rate = x;
		else if (strcmp(tok, "p99") == 0 && (!*end || !strcmp(end, "ms")))
			g->fail_p99_ms = x;
		else if (strcmp(tok, "rate-shortfall") == 0 &&
			 !strcmp(end, "%") && x <= 100)
			g->fail_shortfall = x / 100;
		else
			return bad(err, errlen, "fail-on", v, FAIL_ON_WANT);
	}
	return 0;
}

/* IP:PORT, the port 1..65535. */
static int
parse_target(const char *value, struct gen_server *s)
{
	const char *colon = value ? strrchr(value, ':') : NULL;
	char host[64];
	uint64_t v;

	if (colon == NULL || (size_t)(colon - value) >= sizeof(host) ||
	    parse_u64(colon + 1, 65535, &v) != 0 || v == 0)
		return -EINVAL;
	memcpy(host, value, (size_t)(colon - value));
	host[colon - value] = '\0';
	if (pmt_ipv4_parse_addr(host, &s->addr) != 0)
		return -EINVAL;
	s->port = (uint16_t)v;
	return 0;
}

#define CLOSE_WANT "fin, rst, half, mix, or weights fin=W,rst=W,half=W"

/* --close fin|rst|half|mix|KIND=W[,KIND=W...] */
static int
parse_close(struct gen_conf *g, const char *v, char *err, size_t errlen)
{
	uint32_t w[GEN_CLOSE_N] = { 0 };
	char buf[128], *tok, *save = NULL;
	uint64_t sum = 0;
	unsigned int k;

	if (v == NULL || strlen(v) >= sizeof(buf))
		return bad(err, errlen, "close", v, CLOSE_WANT);
	if (strcmp(v, "mix") == 0) {
		for (k = 0; k < GEN_CLOSE_N; k++)
			g->close_weight[k] = 1;
		return 0;
	}
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		uint64_t x = 1;

		if (eq != NULL) {
			*eq = '\0';
			if (parse_u64(eq + 1, 1000000, &x) != 0)
				return bad(err, errlen, "close", v, CLOSE_WANT);
		}
		for (k = 0; k < GEN_CLOSE_N; k++)
			if (strcmp(tok, gen_close_names[k]) == 0)
				break;
		if (k == GEN_CLOSE_N || w[k] != 0)
			return bad(err, errlen, "close", v, CLOSE_WANT);
		w[k] = (uint32_t)x;
		sum += x;
	}
	if (sum == 0)
		return bad(err, errlen, "close", v, CLOSE_WANT);
	memcpy(g->close_weight, w, sizeof(w));
	return 0;
}

/* P% (or P): a share, 0 < P <= 100, in parts per million. */
static int
parse_share(const char *v, uint32_t *ppm)
{
	char *end;
	double x;

	if (v == NULL || *v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	x = strtod(v, &end);
	if (errno || (*end && strcmp(end, "%") != 0) || !(x > 0) || x > 100)
		return -EINVAL;
	*ppm = (uint32_t)(x * 10000 + 0.5);
	return *ppm > 0 ? 0 : -EINVAL;
}

/* The timeout a key sets, or NULL. */
static unsigned int *
timeout_field(struct gen_conf *g, const char *key)
{
	const struct {
		const char *key;
		unsigned int *ms;
	} t[] = {
		{ "connect-timeout", &g->connect_timeout_ms },
		{ "first-byte-timeout", &g->first_byte_timeout_ms },
		{ "response-timeout", &g->response_timeout_ms },
		{ "idle-timeout", &g->idle_timeout_ms },
		{ "request-timeout", &g->request_timeout_ms },
		{ "drain-ms", &g->drain_ms },
		{ "close-wait-ms", &g->close_wait_ms },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(t); i++)
		if (strcmp(key, t[i].key) == 0)
			return t[i].ms;
	return NULL;
}

/* Keys of pmtcp-gen itself, from flags or the [gen] section of a file. */
static int
gen_key(void *arg, const char *section, const char *key, const char *value,
	char *err, size_t errlen)
{
	struct gen_opts *o = arg;
	struct gen_conf *g = &o->gen;
	uint64_t v;

	if (section != NULL && section[0] && strcmp(section, "gen") != 0)
		return -ENOENT;
	if (strcmp(key, "duration") == 0) {
		if (parse_u64(value, 31536000, &v) != 0)
			return bad(err, errlen, key, value, "seconds, 0..31536000");
		g->duration_s = (unsigned int)v;
	} else if (strcmp(key, "role") == 0) {
		if (value && strcmp(value, "client") == 0)
			g->role = GEN_CLIENT;
		else if (value && strcmp(value, "server") == 0)
			g->role = GEN_SERVER;
		else if (value && strcmp(value, "both") == 0)
			g->role = GEN_BOTH;
		else
			return bad(err, errlen, key, value,
				   "client, server or both");
	} else if (strcmp(key, "server") == 0) {
		struct gen_server *s;

		if (g->n_servers == GEN_MAX_SERVERS) {
			snprintf(err, errlen, "more than %u --server", GEN_MAX_SERVERS);
			return -EINVAL;
		}
		s = &g->servers[g->n_servers];
		if (parse_target(value, s) != 0)
			return bad(err, errlen, key, value, "IP:PORT");
		g->n_servers++;
	} else if (strcmp(key, "port") == 0) {
		/* P or P1-P2; repeatable: the server listens on each. */
		const char *dash = value ? strchr(value, '-') : NULL;
		char lo[8];
		uint64_t a, b;

		if (dash != NULL && (size_t)(dash - value) < sizeof(lo)) {
			memcpy(lo, value, (size_t)(dash - value));
			lo[dash - value] = '\0';
			if (parse_u64(lo, 65535, &a) != 0 ||
			    parse_u64(dash + 1, 65535, &b) != 0)
				a = 0, b = 0;
		} else if (parse_u64(value, 65535, &a) == 0) {
			b = a;
		} else {
			a = b = 0;
		}
		if (a == 0 || b < a)
			return bad(err, errlen, key, value,
				   "a TCP port or range, 1..65535");
		if (!o->ports_given) {
			g->n_ports = 0;	/* the first --port replaces the default */
			o->ports_given = true;
		}
		for (; a <= b; a++) {
			if (g->n_ports == RTE_DIM(g->ports)) {
				snprintf(err, errlen, "more than %zu listen ports",
					 RTE_DIM(g->ports));
				return -EINVAL;
			}
			g->ports[g->n_ports++] = (uint16_t)a;
		}
	} else if (strcmp(key, "proto") == 0) {
		if (value && strcmp(value, "http") == 0)
			g->proto = GEN_HTTP;
		else if (value && strcmp(value, "raw") == 0)
			g->proto = GEN_RAW;
		else
			return bad(err, errlen, key, value, "http or raw");
	} else if (strcmp(key, "raw-mode") == 0) {
		if (value && strcmp(value, "rr") == 0)
			g->raw_mode = GEN_RAW_RR;
		else if (value && strcmp(value, "echo") == 0)
			g->raw_mode = GEN_RAW_ECHO;
		else if (value && strcmp(value, "bulk") == 0)
			g->raw_mode = GEN_RAW_BULK;
		else
			return bad(err, errlen, key, value, "rr, echo or bulk");
	} else if (strcmp(key, "body-size") == 0) {
		if (parse_u64(value, UINT64_C(1) << 32, &v) != 0)
			return bad(err, errlen, key, value, "bytes, up to 4 GiB");
		g->body_size = v;
	} else if (strcmp(key, "req-size") == 0) {
		if (parse_u64(value, 1u << 24, &v) != 0 || v == 0)
			return bad(err, errlen, key, value, "bytes, 1..16 MiB");
		g->req_size = v;
	} else if (strcmp(key, "method") == 0) {
		if (copy_str(g->method, sizeof(g->method), value) != 0 ||
		    !value[0] || strchr(value, ' '))
			return bad(err, errlen, key, value, "a method such as GET");
	} else if (strcmp(key, "path") == 0) {
		if (copy_str(g->path, sizeof(g->path), value) != 0 ||
		    value[0] != '/' || strchr(value, ' '))
			return bad(err, errlen, key, value, "a path starting with /");
	} else if (strcmp(key, "host") == 0) {
		if (copy_str(g->host, sizeof(g->host), value) != 0 || !value[0])
			return bad(err, errlen, key, value, "a host name");
	} else if (strcmp(key, "header") == 0) {
		size_t l = strlen(g->headers);

		if (value == NULL || !strchr(value, ':') ||
		    strpbrk(value, "\r\n") != NULL ||
		    l + strlen(value) + 3 > sizeof(g->headers))
			return bad(err, errlen, key, value, "'Name: value'");
		snprintf(g->headers + l, sizeof(g->headers) - l, "%s\r\n", value);
	} else if (strcmp(key, "cps") == 0) {
		if (parse_u64(value, 100000000, &v) != 0)
			return bad(err, errlen, key, value, "connections/s, 0..1e8");
		g->cps = v;
	} else if (strcmp(key, "ramp") == 0) {
		if (parse_u64(value, 3600, &v) != 0)
			return bad(err, errlen, key, value, "seconds, 0..3600");
		g->ramp_s = (unsigned int)v;
	} else if (strcmp(key, "concurrency") == 0) {
		if (parse_u64(value, 100000000, &v) != 0)
			return bad(err, errlen, key, value, "connections, 0..1e8");
		g->concurrency = v;
	} else if (strcmp(key, "requests-per-conn") == 0) {
		/* A connection counts its requests in 32 bits (gen.c). */
		if (parse_u64(value, UINT32_MAX, &v) != 0)
			return bad(err, errlen, key, value,
				   "a count, 0..4294967295, 0 = unlimited");
		g->requests_per_conn = v;
	} else if (strcmp(key, "interval-ms") == 0) {
		if (parse_u64(value, 3600000, &v) != 0)
			return bad(err, errlen, key, value, "milliseconds");
		g->interval_ms = (unsigned int)v;
	} else if (strcmp(key, "max-conns") == 0) {
		if (parse_u64(value, UINT64_MAX, &v) != 0)
			return bad(err, errlen, key, value, "a count, 0 = none");
		g->max_conns = v;
	} else if (strcmp(key, "backlog") == 0) {
		if (parse_u64(value, 65535, &v) != 0 || v == 0)
			return bad(err, errlen, key, value, "1..65535");
		g->backlog = (unsigned int)v;
	} else if (strcmp(key, "json") == 0) {
		if (value == NULL || !value[0])
			return bad(err, errlen, key, value, "a file name");
		g->json_path = strdup(value);
	} else if (strcmp(key, "fail-on") == 0) {
		return parse_fail_on(g, value, err, errlen);
	} else if (timeout_field(g, key) != NULL) {
		if (parse_u64(value, 86400000, &v) != 0)
			return bad(err, errlen, key, value,
				   "milliseconds, 0..86400000 (0 = none)");
		*timeout_field(g, key) = (unsigned int)v;
	} else if (strcmp(key, "max-header-bytes") == 0) {
		if (parse_u64(value, 65536, &v) != 0 || v < 64)
			return bad(err, errlen, key, value, "bytes, 64..65536");
		g->max_header_bytes = (uint32_t)v;
	} else if (strcmp(key, "max-connecting") == 0) {
		if (parse_u64(value, 10000000, &v) != 0 || v == 0)
			return bad(err, errlen, key, value, "1..10000000");
		g->max_connecting = v;
	} else if (strcmp(key, "expect-status") == 0) {
		if (value != NULL && strcmp(value, "any") == 0)
			g->expect_status = 0;
		else if (value != NULL && strlen(value) == 3 &&
			 value[0] >= '1' && value[0] <= '5' &&
			 strcmp(value + 1, "xx") == 0)
			g->expect_status = (unsigned int)(value[0] - '0');
		else if (parse_u64(value, 599, &v) == 0 && v >= 100)
			g->expect_status = (unsigned int)v;
		else
			return bad(err, errlen, key, value,
				   "a status (200), a class (2xx) or any");
	} else if (strcmp(key, "expect-body") == 0) {
		if (parse_u64(value, INT64_MAX, &v) != 0)
			return bad(err, errlen, key, value, "bytes");
		g->expect_body = (int64_t)v;
	} else if (strcmp(key, "expect-body-crc32c") == 0) {
		char *end;
		unsigned long long x;

		if (value != NULL && strcmp(value, "pattern") == 0) {
			g->expect_crc_pattern = true;	/* check_gen computes it */
			return 0;
		}
		errno = 0;
		x = value != NULL ? strtoull(value, &end, 16) : 0;
		if (value == NULL || !value[0] || errno || *end || x > UINT32_MAX)
			return bad(err, errlen, key, value,
				   "a 32-bit hex value or \"pattern\"");
		g->expect_crc = (int64_t)x;
		g->expect_crc_pattern = false;
	} else if (strcmp(key, "close") == 0) {
		return parse_close(g, value, err, errlen);
	} else if (strcmp(key, "blackhole") == 0) {
		if (parse_target(value, &g->blackhole) != 0)
			return bad(err, errlen, key, value, "IP:PORT");
		g->has_blackhole = true;
	} else if (strcmp(key, "blackhole-share") == 0) {
		if (parse_share(value, &g->blackhole_ppm) != 0)
			return bad(err, errlen, key, value,
				   "a share, 0.0001%..100%");
	} else if (strcmp(key, "seed") == 0) {
		if (parse_u64(value, UINT64_MAX, &v) != 0)
			return bad(err, errlen, key, value, "an unsigned integer");
		g->seed = v;
	} else if (strcmp(key, "quiet") == 0) {
		g->quiet = value == NULL || strcmp(value, "0") != 0;
	} else {
		snprintf(err, errlen, "unknown key '%s' in [%s]", key,
			 section ? section : "");
		return -ENOENT;
	}
	return 0;
}

static int
usage_error(const char *msg)
{
	fprintf(stderr, "pmtcp-gen: %s\n(see pmtcp-gen -- --help)\n", msg);
	return EXIT_USAGE;
}

/* Parse our options (after "--"); returns -1 to go on, else an exit code. */
static int
parse_options(int argc, char **argv, struct pmt_config *cfg,
	      struct gen_opts *o)
{
	char err[256];
	int c, idx, i, ret;

	/* The file first, wherever --config stands, so flags override it. */
	for (i = 1; i < argc; i++) {
		const char *path = NULL;

		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			path = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
		if (path == NULL)
			continue;
		ret = pmt_config_load(cfg, path, gen_key, o, err, sizeof(err));
		if (ret != 0)
			return usage_error(err);
		o->config = path;
	}

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_opts, &idx)) != -1) {
		const char *name;

		switch (c) {
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_SUCCESS;
		case ':':
			snprintf(err, sizeof(err), "%s needs a value",
				 argv[optind - 1]);
			return usage_error(err);
		case '?':
			/*
			 * optopt is an unknown short option, which may stand
			 * inside "-xq" with optind still on that word; it is
			 * 0 for an unknown long option, 'h' for "--help=x".
			 */
			if (optopt != 0 && optopt != 'h')
				snprintf(err, sizeof(err),
					 "unknown option '-%c'", optopt);
			else
				snprintf(err, sizeof(err),
					 "unknown option '%s'",
					 argv[optind - 1]);
			return usage_error(err);
		default:
			break;
		}
		name = long_opts[idx].name;
		if (strcmp(name, "config") == 0)
			continue;
		ret = pmt_config_set(cfg, NULL, name, optarg, err, sizeof(err));
		if (ret == -ENOENT)
			ret = gen_key(o, NULL, name, optarg, err, sizeof(err));
		if (ret != 0)
			return usage_error(err);
	}
	if (optind < argc) {
		snprintf(err, sizeof(err), "unexpected argument '%s'",
			 argv[optind]);
		return usage_error(err);
	}
	if (pmt_config_validate(cfg, err, sizeof(err)) != 0)
		return usage_error(err);
	return -1;
}

/* Check what the stack cannot: the generator's own options together. */
static int
check_gen(struct gen_conf *g, const struct pmt_config *cfg)
{
	unsigned int i, sport = cfg->n_ports > 1 ? 1 : 0;

	if (g->role == GEN_BOTH) {
		if (cfg->n_ports < 2 || cfg->ports[0].n_addrs == 0 ||
		    cfg->ports[1].n_addrs == 0)
			return usage_error("--role both needs an address on each of two ports "
					   "(--addr A/N --addr B/N: server, then client)");
		if (g->n_servers == 0) {
			g->servers[0].addr = cfg->ports[0].addrs[0].addr;
			g->servers[0].port = g->ports[0];
			g->n_servers = 1;
		}
		g->bind_src = true;
	} else {
		sport = 0;
	}
	/* A client spreads its connections over its port's addresses. */
	for (i = 0; i < cfg->ports[sport].n_addrs; i++)
		g->src[g->n_src++] = cfg->ports[sport].addrs[i].addr;
	if (g->role == GEN_CLIENT && g->n_servers == 0)
		return usage_error("a client needs --server IP:PORT");
	if (g->role == GEN_SERVER && g->n_servers > 0)
		return usage_error("--server is for clients; a server takes --port");
	if (g->role == GEN_SERVER && (g->has_blackhole || g->blackhole_ppm))
		return usage_error("--blackhole is for clients");
	if (g->has_blackhole != (g->blackhole_ppm != 0))
		return usage_error("--blackhole and --blackhole-share go together");
	if (g->close_weight[GEN_CLOSE_HALF] && g->requests_per_conn == 0 &&
	    g->role != GEN_SERVER)
		return usage_error("--close half needs --requests-per-conn >= 1 "
				   "(the half close follows the last request)");
	if (g->role != GEN_SERVER && g->cps == 0 && g->concurrency == 0)
		g->concurrency = 1;
	if (g->proto == GEN_RAW && g->raw_mode == GEN_RAW_BULK &&
	    g->body_size == 0)
		return usage_error("raw bulk needs --body-size > 0");
	if (g->expect_crc_pattern) {
		if (g->expect_body < 0)
			return usage_error("--expect-body-crc32c pattern needs --expect-body BYTES");
		g->expect_crc = gen_pattern_crc32c((uint64_t)g->expect_body);
	}
	if (g->host[0] == '\0' && g->n_servers > 0) {
		struct in_addr a = { .s_addr = g->servers[0].addr };

		snprintf(g->host, sizeof(g->host), "%s", inet_ntoa(a));
	}
	return -1;
}

struct launch {
	struct gen_worker **workers;
	uint64_t end_ns;
};

static int
worker_main(void *arg)
{
	struct launch *l = arg;
	unsigned int lc = rte_lcore_id(), i;

	for (i = 0; l->workers[i] != NULL; i++)
		if (l->workers[i]->lcore == lc)
			gen_worker_run(l->workers[i], &stop, l->end_ns, NULL, NULL);
	return 0;
}

/*
 * --role both without a device: ports 0 and 1 joined back to back by a
 * ring pair per queue (net_ring's own vdev loops a port onto itself).
 * Each queue has one engine on each end, so the rings are SP/SC.
 */
#define RING_LINK_SIZE 4096
static struct rte_ring *link_rings[2][RTE_MAX_LCORE];
static unsigned int link_nq;

static void
ring_link_free(void)
{
	unsigned int q, d;

	for (d = 0; d < 2; d++)
		for (q = 0; q < link_nq; q++) {
			rte_ring_free(link_rings[d][q]);
			link_rings[d][q] = NULL;
		}
	link_nq = 0;
}

static int
ring_link(unsigned int nq)
{
	char name[RTE_RING_NAMESIZE];
	unsigned int q, d;
	int a, b;

	for (q = 0; q < nq; q++)
		for (d = 0; d < 2; d++) {
			snprintf(name, sizeof(name), "gen_link%u_%u", d, q);
			link_rings[d][q] = rte_ring_create(name, RING_LINK_SIZE,
							   (int)rte_socket_id(),
							   RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (link_rings[d][q] == NULL) {
				link_nq = q + 1;
				ring_link_free();
				return -rte_errno;
			}
		}
	link_nq = nq;
	/* 0 -> 1 on link_rings[0], 1 -> 0 on link_rings[1]. */
	a = rte_eth_from_rings("gen_link0", link_rings[1], nq, link_rings[0],
			       nq, rte_socket_id());
	b = a < 0 ? a : rte_eth_from_rings("gen_link1", link_rings[0], nq,
					   link_rings[1], nq, rte_socket_id());
	if (a < 0 || b < 0) {
		ring_link_free();
		return -rte_errno;
	}
	printf("pmtcp-gen: no ports given: ports %d and %d linked in-process\n",
	       a, b);
	return 0;
}

/* No --role: bring the stack up and answer ARP and ping (the demo's first step). */
static int
run_stack_only(unsigned int duration)
{
	int ret;

	if (duration)
		alarm(duration);
	printf("pmtcp: running on %u lcore(s); stop with SIGINT or SIGTERM\n",
	       rte_lcore_count());
	fflush(stdout);
	ret = pmt_stack_run();
	printf("pmtcp: stopped; counters:\n");
	pmt_stats_print(stdout);
	fflush(stdout);
	return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static void
on_alarm(int sig)
{
	(void)sig;
	stop = true;
	pmt_stack_stop();
}

/* --role both: each progress tick samples the server's side too. */
struct both_tick {
	struct gen_report *client, *server;
};

static void
both_tick(void *arg, uint64_t now)
{
	struct both_tick *b = arg;

	gen_report_tick(b->client, now);
	gen_report_tick(b->server, now);
}

static void
print_start(const struct gen_conf *g, unsigned int n)
{
	const char *proto = g->proto == GEN_HTTP ? "http" : "raw";

	if (g->role == GEN_SERVER)
		printf("pmtcp-gen: server on %u lcore(s), %u port(s) from %u, %s\n",
		       n, g->n_ports, g->ports[0], proto);
	else
		printf("pmtcp-gen: client on %u lcore(s), %u server(s), %s\n", n,
		       g->n_servers, proto);
}

#define SETTLE_NS 50000000ull

/* One engine polled on its own lcore for SETTLE_NS. */
static int
settle_lcore(void *arg)
{
	struct pmt_engine *eng = pmt_engine_get(rte_lcore_id());
	uint64_t until = gen_now() + SETTLE_NS;

	RTE_SET_USED(arg);
	while (eng != NULL && gen_now() < until)
		pmt_engine_poll(eng);
	return 0;
}

/*
 * Poll every engine, each on its lcore, for a moment: the frames of
 * start-up (ARP announcements) are delivered and freed, so the
 * baseline is an idle stack's.
 */
static void
settle_engines(void)
{
	rte_eal_mp_remote_launch(settle_lcore, NULL, CALL_MAIN);
	rte_eal_mp_wait_lcore();
}

static int
run_generator(struct gen_opts *o, unsigned int max_sockets)
{
	const bool both = o->gen.role == GEN_BOTH;
	struct gen_conf cconf = o->gen, sconf = o->gen;
	unsigned int n = rte_lcore_count(), i = 0, lc;
	struct gen_worker **workers, **servers = NULL;
	struct gen_report rep, srep;
	struct both_tick bt = { &rep, &srep };
	struct launch l;
	uint64_t start, end;
	int ret = EXIT_SUCCESS, rc;
	FILE *json = o->json;

	o->json = NULL;

	/*
	 * Each worker has its conf, a copy of the user's (cconf, with
	 * the role given); both runs a client and a server per lcore.
	 */
	if (both) {
		cconf.role = GEN_CLIENT;
		sconf.role = GEN_SERVER;
		sconf.quiet = true;	/* one progress line: the client's */
		sconf.json_path = NULL;
	}
	workers = calloc(n + 1, sizeof(*workers));
	if (both)
		servers = calloc(n + 1, sizeof(*servers));
	if (workers == NULL || (both && servers == NULL)) {
		free(workers);
		return EXIT_FAILURE;
	}
	gen_clock_init();
	/* Before the first socket: what the exit report compares with. */
	if (getenv("PMTCP_GEN_STATS") != NULL) {
		settle_engines();
		pmt_pools_print(stdout, "baseline");
	}
	RTE_LCORE_FOREACH(lc) {
		struct pmt_engine *eng = pmt_engine_get(lc);
		unsigned int k;

		for (k = 0; k < (both ? 2u : 1u); k++) {
			struct gen_worker *w = rte_zmalloc("gen_worker", sizeof(*w),
							   RTE_CACHE_LINE_SIZE);

			if (w == NULL) {
				ret = EXIT_FAILURE;
				goto out;
			}
			(k == 0 ? workers : servers)[i] = w;
			w->lcore = lc;
			rc = gen_worker_init(w, k == 0 ? &cconf : &sconf, eng,
					     i, n, max_sockets);
			if (rc != 0) {
				fprintf(stderr, "pmtcp-gen: lcore %u: %s\n", lc,
					rc == -EADDRINUSE ? "cannot listen on the port" :
					strerror(-rc));
				ret = EXIT_FAILURE;
				goto out;
			}
		}
		if (both)
			workers[i]->peer = servers[i];
		i++;
	}
	start = gen_now();
	end = o->gen.duration_s ? start + (uint64_t)o->gen.duration_s * 1000000000 : 0;
	if (gen_report_init(&rep, workers, n, workers[0]->conf, start) != 0) {
		ret = EXIT_FAILURE;
		goto out;
	}
	if (both && gen_report_init(&srep, servers, n, &sconf, start) != 0) {
		gen_report_fini(&rep);
		ret = EXIT_FAILURE;
		goto out;
	}
	if (both)
		print_start(&sconf, n);
	print_start(workers[0]->conf, n);
	fflush(stdout);
	l.workers = workers;
	l.end_ns = end;
	rte_eal_mp_remote_launch(worker_main, &l, SKIP_MAIN);
	/* The main lcore generates too, and reports once a second. */
	gen_worker_run(workers[0], &stop, end, both ? both_tick : gen_report_tick,
		       both ? (void *)&bt : (void *)&rep);
	stop = true;
	rte_eal_mp_wait_lcore();
	/* Rates are over the run, not the drain and closes after it. */
	end = workers[0]->ended_ns ? workers[0]->ended_ns : gen_now();
	gen_report_summary(&rep, stdout, end);
	if (both)
		gen_report_summary(&srep, stdout, end);
	if (json != NULL) {
		rc = gen_report_json(&rep, json, end);
		if (fclose(json) != 0 && rc == 0)
			rc = -errno;
		json = NULL;
		if (rc != 0) {
			fprintf(stderr, "pmtcp-gen: cannot write %s: %s\n",
				o->gen.json_path, strerror(-rc));
			ret = EXIT_FAILURE;
		}
	}
	rc = gen_report_verdict(&rep, stdout);
	if (rc != 0 && ret == EXIT_SUCCESS)
		ret = rc;
	gen_report_fini(&rep);
	if (both)
		gen_report_fini(&srep);
out:
	/* The clients first: their closes reach servers still listening. */
	for (i = 0; i < n; i++)
		if (workers[i] != NULL) {
			gen_worker_fini(workers[i]);
			rte_free(workers[i]);
		}
	for (i = 0; servers != NULL && i < n; i++)
		if (servers[i] != NULL) {
			gen_worker_fini(servers[i]);
			rte_free(servers[i]);
		}
	free(workers);
	free(servers);
	if (json != NULL)
		fclose(json);
	return ret;
}

/*
 * The generator's own pools at exit (PMTCP_GEN_STATS): payload windows
 * the stack held until ACKed, and the templates they window; all back.
 */
static void
print_gen_pools(unsigned int n)
{
	static const char *const kinds[] = { "gen_clone_c", "gen_clone_s",
					     "gen_tpl_c", "gen_tpl_s" };
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int i, k;

	for (k = 0; k < RTE_DIM(kinds); k++)
		for (i = 0; i < n; i++) {
			struct rte_mempool *mp;

			snprintf(name, sizeof(name), "%s%u", kinds[k], i);
			mp = rte_mempool_lookup(name);
			if (mp != NULL)
				printf("pool %s in_use=%u\n", name,
				       rte_mempool_in_use_count(mp));
		}
}

/* The whole run; main() frees what the options allocated, on every path. */
static int
gen_main(int argc, char **argv, struct gen_opts *o)
{
	struct pmt_config cfg;
	int sep, ret;

	memset(o, 0, sizeof(*o));
	o->gen.ports[0] = 80;
	o->gen.n_ports = 1;
	o->gen.body_size = 64;
	o->gen.req_size = 64;
	o->gen.requests_per_conn = 1;
	o->gen.backlog = 4096;
	o->gen.fail_error_rate = -1;
	o->gen.fail_p99_ms = -1;
	o->gen.fail_shortfall = -1;
	o->gen.connect_timeout_ms = 3000;
	o->gen.first_byte_timeout_ms = 5000;
	o->gen.response_timeout_ms = 30000;
	o->gen.idle_timeout_ms = 30000;
	o->gen.request_timeout_ms = 10000;
	o->gen.drain_ms = 2000;
	o->gen.max_header_bytes = 8192;
	o->gen.expect_status = 2;
	o->gen.expect_body = -1;
	o->gen.expect_crc = -1;
	o->gen.close_weight[GEN_CLOSE_FIN] = 1;
	o->gen.seed = 1;
	strcpy(o->gen.method, "GET");
	strcpy(o->gen.path, "/");

	/* EAL arguments come before "--", ours after. */
	for (sep = 1; sep < argc; sep++)
		if (strcmp(argv[sep], "--") == 0)
			break;
	pmt_config_defaults(&cfg);
	/*
	 * A generator's defaults: many sockets, short TIME-WAIT, more mbufs,
	 * idle connections compacted.
	 */
	cfg.mbufs_per_lcore = 16383;
	cfg.tcp_max_sockets = 65536;
	cfg.tcp_time_wait_ms = 2000;
	cfg.tcp_idle_ms = 1000;
	if (sep == argc) {
		/* No "--": only our own options (e.g. --help) may stand. */
		ret = parse_options(argc, argv, &cfg, o);
		if (ret == EXIT_SUCCESS)
			return ret;
		return ret >= 0 ? ret :
			usage_error("EAL options and '--' are missing");
	}
	argv[sep] = argv[0];
	ret = parse_options(argc - sep, argv + sep, &cfg, o);
	if (ret >= 0)
		return ret;
	ret = check_gen(&o->gen, &cfg);
	if (ret >= 0)
		return ret;
	/* A path we cannot write is found now, not after the whole run. */
	if (o->gen.json_path != NULL && o->gen.role != GEN_ROLE_NONE) {
		o->json = fopen(o->gen.json_path, "w");
		if (o->json == NULL) {
			fprintf(stderr, "pmtcp-gen: cannot write %s: %s\n",
				o->gen.json_path, strerror(errno));
			return EXIT_USAGE;
		}
	}

	ret = rte_eal_init(sep, argv);
	if (ret < 0) {
		fprintf(stderr, "pmtcp-gen: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return rte_errno == EINVAL ? EXIT_USAGE : EXIT_FAILURE;
	}
	if (o->gen.role == GEN_BOTH && rte_eth_dev_count_avail() == 0) {
		ret = ring_link(rte_lcore_count());
		if (ret != 0) {
			fprintf(stderr, "pmtcp-gen: in-process link: %s\n",
				strerror(-ret));
			rte_eal_cleanup();
			return EXIT_FAILURE;
		}
	}
	ret = pmt_stack_init(&cfg);
	if (ret != 0) {
		fprintf(stderr, "pmtcp-gen: stack start failed: %s\n",
			strerror(-ret));
		rte_eal_cleanup();
		return ret == -EINVAL ? EXIT_USAGE : EXIT_FAILURE;
	}
	signal(SIGINT, on_alarm);
	signal(SIGTERM, on_alarm);
	signal(SIGALRM, on_alarm);
	if (o->gen.role == GEN_ROLE_NONE)
		ret = run_stack_only(o->gen.duration_s);
	else
		ret = run_generator(o, cfg.tcp_max_sockets);
	if (o->gen.role != GEN_ROLE_NONE && getenv("PMTCP_GEN_STATS") != NULL) {
		pmt_stats_print(stdout);
		print_gen_pools(rte_lcore_count());
	}
	pmt_stack_close();
	ring_link_free();
	rte_eal_cleanup();
	return ret;
}

int
main(int argc, char **argv)
{
	struct gen_opts opts;
	int ret = gen_main(argc, argv, &opts);

	free((char *)opts.gen.json_path);	/* strdup()ed */
	return ret;
}
