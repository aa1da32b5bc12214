/* gen_report.c: pmtcp-gen's per-second progress, final summary, JSON output and --fail-on verdict. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "gen_http.h"
#include "gen_report.h"

int
gen_stat_index(const char *name)
{
	unsigned int i, n = pmt_stats_count();

	for (i = 0; i < n; i++) {
		const char *nm;

		if (pmt_stats_get(i, &nm, NULL) == 0 && strcmp(nm, name) == 0)
			return (int)i;
	}
	return -1;
}

static uint64_t
stat_value(int idx)
{
	uint64_t v = 0;

	if (idx >= 0)
		pmt_stats_get((unsigned int)idx, NULL, &v);
	return v;
}

/* Sum of every worker's counters (racy reads of 64-bit words: fine). */
static void
totals(const struct gen_report *r, struct gen_counters *t)
{
	unsigned int w, k;

	memset(t, 0, sizeof(*t));
	for (w = 0; w < r->n_workers; w++) {
		const volatile uint64_t *s =
			(const volatile uint64_t *)&r->workers[w]->c;
		uint64_t *d = (uint64_t *)t;

		for (k = 0; k < sizeof(*t) / sizeof(uint64_t); k++)
			d[k] += s[k];
	}
}

static uint64_t
errors_of(const struct gen_counters *t)
{
	uint64_t n = 0;
	unsigned int k;

	for (k = 0; k < GEN_ERR_N; k++)
		n += t->err[k];
	return n;
}

/* " (kind N kind N)" for the kinds that occurred. */
static void
print_kinds(FILE *f, const struct gen_counters *t)
{
	bool any = false;
	unsigned int k;

	for (k = 0; k < GEN_ERR_N; k++)
		if (t->err[k]) {
			fprintf(f, "%s%s %" PRIu64, any ? " " : " (",
				gen_err_names[k], t->err[k]);
			any = true;
		}
	if (any)
		fprintf(f, ")");
}

/* HTTP failures by the parser's reason ("unsolicited": bytes where no
 * answer was due). */
static const char *
http_reason_key(unsigned int k)
{
	return k == 0 ? "unsolicited" : gen_http_reason_name(k);
}

static void
print_http_reasons(FILE *f, const struct gen_counters *t)
{
	unsigned int k;

	if (t->err[GEN_ERR_HTTP] == 0 && t->rejected == 0)
		return;
	fprintf(f, "    http by reason:");
	for (k = 0; k < GEN_HTTP_N_REASONS; k++)
		if (t->http_reason[k])
			fprintf(f, " %s %" PRIu64, http_reason_key(k),
				t->http_reason[k]);
	fprintf(f, "\n");
}

/* The earliest first failure of kind @k over every lcore, or NULL. */
static const struct gen_err_first *
first_of(const struct gen_report *r, unsigned int k)
{
	const struct gen_err_first *best = NULL;
	unsigned int w;

	for (w = 0; w < r->n_workers; w++) {
		const struct gen_err_first *e = &r->workers[w]->first[k];

		if (e->t_ns && (best == NULL || e->t_ns < best->t_ns))
			best = e;
	}
	return best;
}

/* What the detail of a first failure of kind @k means, in words. */
static void
detail_text(char *buf, size_t len, unsigned int k, int detail)
{
	switch (k) {
	case GEN_ERR_HTTP:
		snprintf(buf, len, "%s", detail == 0 ? "an answer to no request" :
			 gen_http_strerror(detail));
		break;
	case GEN_ERR_STATUS:
		snprintf(buf, len, "status %d", detail);
		break;
	case GEN_ERR_BODY:
		if (detail < 0)
			snprintf(buf, len, "body CRC32C differs");
		else
			snprintf(buf, len, "%d body bytes", detail);
		break;
	case GEN_ERR_CLOSED:
		snprintf(buf, len, "%s", detail ? "mid-answer" : "before any answer");
		break;
	case GEN_ERR_TIMEOUT_REQUEST:
		snprintf(buf, len, "answered %d", detail);
		break;
	default:
		snprintf(buf, len, "%s", detail ? strerror(detail) : "");
		break;
	}
}

static void
addr_text(char *buf, size_t len, uint32_t a, uint16_t p)
{
	struct in_addr in = { .s_addr = a };

	if (a == 0)
		snprintf(buf, len, "?:%u", p);
	else
		snprintf(buf, len, "%s:%u", inet_ntoa(in), p);
}

/* Seconds the run had traffic: a client's run, a server's first to
 * last exchange (so idle time before and after does not dilute it). */
static double
busy_secs(const struct gen_report *r, uint64_t end_ns)
{
	uint64_t first = 0, last = 0;
	unsigned int w;

	if (r->conf->role == GEN_CLIENT)
		return (double)(end_ns - r->start_ns) / 1e9;
	for (w = 0; w < r->n_workers; w++) {
		const struct gen_worker *x = r->workers[w];

		if (x->first_ns && (first == 0 || x->first_ns < first))
			first = x->first_ns;
		last = RTE_MAX(last, x->last_ns);
	}
	/* One exchange or none: a rate over it means nothing. */
	return last > first ? (double)(last - first) / 1e9 : 0.0;
}

/*
 * Did the client offer the load asked? The expected count allows for
 * the ramp (half its length at full rate). @why gets the causes seen.
 * @return the fraction short (0 when on target or not applicable).
 */
static double
shortfall(const struct gen_report *r, const struct gen_counters *t,
	  char *why, size_t len)
{
	const struct gen_conf *cf = r->conf;
	double expect, got, miss = 0;
	size_t o = 0;

	why[0] = '\0';
	if (cf->role != GEN_CLIENT)
		return 0;
	if (cf->cps) {
		/*
		 * Each lcore owes its share of the rate over the time it
		 * generated, less the time --concurrency or --max-conns held
		 * it back by design (half the ramp counts at full rate).
		 */
		unsigned int w;

		expect = 0;
		for (w = 0; w < r->n_workers; w++) {
			const struct gen_worker *x = r->workers[w];
			double run = (double)(x->c.run_us - x->c.held_us) / 1e6;
			double ramp = cf->ramp_s;

			run = ramp && run < ramp ? run * run / (2 * ramp) :
				run - ramp / 2;
			expect += (double)x->cps_share * RTE_MAX(run, 0.0);
		}
		got = (double)t->conn_attempts;
		miss = expect > 0 && got < expect ? 1 - got / expect : 0;
	} else if (cf->concurrency) {
		/* Held open: each lcore's mean over its run, summed. */
		unsigned int w;

		got = 0;
		for (w = 0; w < r->n_workers; w++) {
			const struct gen_counters *c = &r->workers[w]->c;

			if (c->run_us)
				got += (double)c->active_us / (double)c->run_us;
		}
		expect = (double)cf->concurrency;
		miss = got < expect ? 1 - got / expect : 0;
	}
	if (miss <= 0)
		return 0;
#define WHY(...) do {							\
		if (o < len)						\
			o += (size_t)snprintf(why + o, len - o, __VA_ARGS__); \
	} while (0)
	if (t->turns && t->turns_capped)
		WHY("; handshakes in flight at their cap (%" PRIu64
		    " per lcore, --max-connecting) in %.0f%% of turns",
		    r->workers[0]->max_connecting,
		    100.0 * (double)t->turns_capped / (double)t->turns);
	if (t->turns && t->turns_tx_hold)
		WHY("; TX rings backed up in %.0f%% of turns",
		    100.0 * (double)t->turns_tx_hold / (double)t->turns);
	if (t->err[GEN_ERR_NO_PORT])
		WHY("; source ports exhausted %" PRIu64 " times",
		    t->err[GEN_ERR_NO_PORT]);
	if (t->err[GEN_ERR_TABLE_FULL])
		WHY("; socket table full %" PRIu64 " times",
		    t->err[GEN_ERR_TABLE_FULL]);
	if (t->starts_missed)
		WHY("; %" PRIu64 " starts missed while the loop was busy"
		    " (CPU saturated)", t->starts_missed);
	if (cf->concurrency && !cf->cps && errors_of(t))
		WHY("; %" PRIu64 " connections failed", errors_of(t));
	if (o == 0)
		WHY("; cause not identified");
#undef WHY
	return miss;
}

int
gen_report_init(struct gen_report *r, struct gen_worker **workers,
		unsigned int n, const struct gen_conf *conf, uint64_t start_ns)
{
	memset(r, 0, sizeof(*r));
	r->workers = workers;
	r->n_workers = n;
	r->conf = conf;
	r->start_ns = r->last_ns = start_ns;
	r->cap = (conf->duration_s ? conf->duration_s : 3600) + 16;
	r->samples = calloc(r->cap, sizeof(*r->samples));
	if (r->samples == NULL)
		return -ENOMEM;
	r->st_rxb = gen_stat_index("rx_bytes");
	r->st_txb = gen_stat_index("tx_bytes");
	r->st_retr = gen_stat_index("tcp_tx_rexmit_segs");
	r->st_rsttx = gen_stat_index("tcp_tx_rst");
	r->st_rstrx = gen_stat_index("tcp_rx_rst");
	/* Retransmissions by cause; a counter the stack lacks reads 0. */
	r->st_rto = gen_stat_index("tcp_tx_rexmit_rto");
	r->st_fast = gen_stat_index("tcp_tx_rexmit_fast");
	r->st_tlp = gen_stat_index("tcp_tx_rexmit_tlp");
	r->st_spur = gen_stat_index("tcp_spurious_rto");
	r->st_probes = gen_stat_index("tcp_tlp_probes");
	return 0;
}

void
gen_report_fini(struct gen_report *r)
{
	free(r->samples);
	r->samples = NULL;
}

void
gen_report_tick(void *arg, uint64_t now)
{
	struct gen_report *r = arg;
	struct gen_counters t;
	struct gen_sample s;
	double dt = (double)(now - r->last_ns) / 1e9;
	uint64_t rxb, txb, retr, rsttx, rstrx, err;

	if (dt <= 0)
		return;
	totals(r, &t);
	rxb = stat_value(r->st_rxb);
	txb = stat_value(r->st_txb);
	retr = stat_value(r->st_retr);
	rsttx = stat_value(r->st_rsttx);
	rstrx = stat_value(r->st_rstrx);
	err = errors_of(&t);
	s.t = (double)(now - r->start_ns) / 1e9;
	s.cps = (uint64_t)((double)(t.conn_established - r->p_est) / dt);
	s.active = t.conn_active;
	s.rps = (uint64_t)((double)(t.responses - r->p_resp) / dt);
	/* + 24 bytes a frame of preamble, FCS and gap would be "line
	 * rate"; these are the frames' bytes. */
	s.rx_gbps = (double)(rxb - r->p_rxb) * 8 / dt / 1e9;
	s.tx_gbps = (double)(txb - r->p_txb) * 8 / dt / 1e9;
	s.retrans = retr - r->p_retr;
	s.retrans_rto = stat_value(r->st_rto) - r->p_rto;
	s.retrans_fast = stat_value(r->st_fast) - r->p_fast;
	s.retrans_tlp = stat_value(r->st_tlp) - r->p_tlp;
	s.spurious = stat_value(r->st_spur) - r->p_spur;
	r->p_rto += s.retrans_rto;
	r->p_fast += s.retrans_fast;
	r->p_tlp += s.retrans_tlp;
	r->p_spur += s.spurious;
	s.rst_tx = rsttx - r->p_rsttx;
	s.rst_rx = rstrx - r->p_rstrx;
	s.errors = err - r->p_err;
	r->p_est = t.conn_established;
	r->p_resp = t.responses;
	r->p_rxb = rxb;
	r->p_txb = txb;
	r->p_retr = retr;
	r->p_rsttx = rsttx;
	r->p_rstrx = rstrx;
	r->p_err = err;
	r->last_ns = now;
	if (r->n_samples < r->cap)
		r->samples[r->n_samples++] = s;
	if (r->conf->quiet)
		return;
	printf("%6.1fs  cps %9" PRIu64 "  active %8" PRIu64 "  rps %9" PRIu64
	       "  rx %7.3f Gb/s  tx %7.3f Gb/s  retrans %6" PRIu64
	       "  rst tx/rx %" PRIu64 "/%" PRIu64 "  err %" PRIu64,
	       s.t, s.cps, s.active, s.rps, s.rx_gbps, s.tx_gbps, s.retrans,
	       s.rst_tx, s.rst_rx, s.errors);
	if (s.retrans || s.spurious)
		printf("  (rto %" PRIu64 " fast %" PRIu64 " tlp %" PRIu64
		       " spurious %" PRIu64 ")", s.retrans_rto, s.retrans_fast,
		       s.retrans_tlp, s.spurious);
	if (err)
		print_kinds(stdout, &t);
	printf("\n");
	fflush(stdout);
}

static void
merged(const struct gen_report *r, struct gen_hist *c, struct gen_hist *f,
       struct gen_hist *q)
{
	unsigned int w;

	gen_hist_init(c);
	gen_hist_init(f);
	gen_hist_init(q);
	for (w = 0; w < r->n_workers; w++) {
		gen_hist_merge(c, &r->workers[w]->h_connect);
		gen_hist_merge(f, &r->workers[w]->h_ttfb);
		gen_hist_merge(q, &r->workers[w]->h_rr);
	}
}

static const double pcts[] = { 50, 90, 99, 99.9 };

static void
print_hist(FILE *f, const char *name, const struct gen_hist *h)
{
	unsigned int i;

	if (gen_hist_count(h) == 0) {
		fprintf(f, "  %-16s (none)\n", name);
		return;
	}
	fprintf(f, "  %-16s", name);
	for (i = 0; i < RTE_DIM(pcts); i++)
		fprintf(f, "  p%-4g %9.1f us", pcts[i],
			(double)gen_hist_percentile(h, pcts[i]) / 1e3);
	fprintf(f, "  max %9.1f us  (n=%" PRIu64 ")\n",
		(double)gen_hist_max(h) / 1e3, gen_hist_count(h));
}

/* The first failure of a kind, in words: when, where, what. */
struct first_txt {
	double t;		/* seconds since the start */
	char local[32];
	char remote[32];
	char detail[96];
};

/* false when kind @k never occurred. */
static bool
first_text(const struct gen_report *r, unsigned int k, struct first_txt *o)
{
	const struct gen_err_first *e = first_of(r, k);

	if (e == NULL)
		return false;
	o->t = e->t_ns > r->start_ns ? (double)(e->t_ns - r->start_ns) / 1e9 : 0.0;
	addr_text(o->local, sizeof(o->local), e->laddr, e->lport);
	addr_text(o->remote, sizeof(o->remote), e->raddr, e->rport);
	detail_text(o->detail, sizeof(o->detail), k, e->detail);
	return true;
}

/* Each kind that occurred: its count, and where and when it first did. */
static void
print_firsts(const struct gen_report *r, FILE *f)
{
	struct first_txt o;
	unsigned int k;

	for (k = 0; k < GEN_ERR_N; k++)
		if (first_text(r, k, &o))
			fprintf(f, "    first %-18s at %8.3f s  %s -> %s%s%s\n",
				gen_err_names[k], o.t, o.local, o.remote,
				o.detail[0] ? "  " : "", o.detail);
}

/* How the run ended: the drain's bound and what it cut, the closes. */
static void
print_end(const struct gen_report *r, FILE *f, const struct gen_counters *t)
{
	uint64_t ended = UINT64_MAX, drained = 0, closed = 0;
	unsigned int w;

	for (w = 0; w < r->n_workers; w++) {
		const struct gen_worker *x = r->workers[w];

		if (x->ended_ns)
			ended = RTE_MIN(ended, x->ended_ns);
		drained = RTE_MAX(drained, x->drained_ns);
		closed = RTE_MAX(closed, x->closed_ns);
	}
	if (ended == UINT64_MAX || drained < ended || closed < drained)
		return;
	if (r->conf->role == GEN_CLIENT)
		fprintf(f, "  end          drain %.3f s (bound %.3f s), %" PRIu64
			" unfinished counted as timeouts; closes %.3f s\n",
			(double)(drained - ended) / 1e9,
			(double)r->conf->drain_ms / 1e3, t->unfinished,
			(double)(closed - drained) / 1e9);
	else
		fprintf(f, "  end          closes %.3f s\n",
			(double)(closed - drained) / 1e9);
}

/*
 * How connections ended, apart from failures. Client: by --close kind
 * after the last answer, closed by the server, cut by the run's end,
 * and the --blackhole's expected SYN-SENT timeouts, so attempted =
 * these + errors. Server: the client's resets and half-closes.
 */
static void
print_closes(const struct gen_report *r, FILE *f, const struct gen_counters *t)
{
	const struct gen_conf *cf = r->conf;

	if (cf->role != GEN_CLIENT) {
		fprintf(f, "  closes       peer reset %" PRIu64
			"  peer half-closed %" PRIu64 "\n", t->peer_resets,
			t->peer_half_closed);
		return;
	}
	fprintf(f, "  closes       fin %" PRIu64 "  rst %" PRIu64 "  half %"
		PRIu64 "  by server %" PRIu64 "  at run end %" PRIu64 "\n",
		t->closes[GEN_CLOSE_FIN], t->closes[GEN_CLOSE_RST],
		t->closes[GEN_CLOSE_HALF], t->closed_by_peer, t->closed_at_end);
	if (cf->has_blackhole) {
		char a[32];

		addr_text(a, sizeof(a), cf->blackhole.addr, cf->blackhole.port);
		fprintf(f, "  blackhole    %s attempted %" PRIu64
			"  unanswered %" PRIu64 " (expected, not errors)\n", a,
			t->bh_attempts, t->bh_timeouts);
	}
}

void
gen_report_summary(struct gen_report *r, FILE *f, uint64_t end_ns)
{
	static struct gen_hist hc, hf, hq;	/* 40 KiB each: not on the stack */
	const bool client = r->conf->role == GEN_CLIENT;
	struct gen_counters t;
	double secs = (double)(end_ns - r->start_ns) / 1e9;
	double busy = busy_secs(r, end_ns), miss;
	char why[512];

	totals(r, &t);
	merged(r, &hc, &hf, &hq);
	fprintf(f, "--- pmtcp-gen summary: %.2f s, %u lcore(s), role %s\n", secs,
		r->n_workers, client ? "client" : "server");
	if (!client)
		fprintf(f, "  traffic      %.2f s from the first connection to the last answer"
			" (the rates below are over it)\n", busy);
	fprintf(f, "  connections  attempted %" PRIu64 "  established %" PRIu64
		"  closed %" PRIu64 "  (%.0f/s)\n",
		t.conn_attempts, t.conn_established, t.conn_closed,
		busy > 0 ? (double)t.conn_established / busy : 0.0);
	if (client)
		fprintf(f, "  requests     sent %" PRIu64 "  answered %" PRIu64
			"  (%.0f/s)  2xx %" PRIu64 "  other status %" PRIu64 "\n",
			t.requests, t.responses,
			busy > 0 ? (double)t.responses / busy : 0.0,
			t.status_2xx, t.status_other);
	else
		fprintf(f, "  requests     received %" PRIu64 "  answered %" PRIu64
			"  (%.0f/s)  refused %" PRIu64 " (400/408/431/501)"
			"  idle closed %" PRIu64 "  evicted %" PRIu64 "\n",
			t.requests, t.responses,
			busy > 0 ? (double)t.responses / busy : 0.0,
			t.rejected, t.idle_closed, t.evicted);
	print_closes(r, f, &t);
	fprintf(f, "  payload      rx %" PRIu64 " B (%.3f Gb/s)  tx %" PRIu64
		" B (%.3f Gb/s)\n", t.rx_bytes,
		busy > 0 ? (double)t.rx_bytes * 8 / busy / 1e9 : 0.0,
		t.tx_bytes, busy > 0 ? (double)t.tx_bytes * 8 / busy / 1e9 : 0.0);
	fprintf(f, "  errors       %" PRIu64, errors_of(&t));
	print_kinds(f, &t);
	fprintf(f, "\n");
	print_http_reasons(f, &t);
	print_firsts(r, f);
	fprintf(f, "  tcp          retransmitted %" PRIu64 "  rst sent %" PRIu64
		"  rst received %" PRIu64 "\n", stat_value(r->st_retr),
		stat_value(r->st_rsttx), stat_value(r->st_rstrx));
	if (stat_value(r->st_retr))
		fprintf(f, "    retransmitted by cause: timeout %" PRIu64
			"  fast recovery %" PRIu64 "  tail-loss probe %" PRIu64
			" (of %" PRIu64 " probes)  (spurious timeouts undone %"
			PRIu64 ")\n",
			stat_value(r->st_rto), stat_value(r->st_fast),
			stat_value(r->st_tlp), stat_value(r->st_probes),
			stat_value(r->st_spur));
	miss = shortfall(r, &t, why, sizeof(why));
	if (miss > 0.05) {
		if (r->conf->cps)
			fprintf(f, "  RATE SHORT   %.1f%%: %" PRIu64 " connections started,"
				" %.0f/s against --cps %" PRIu64 "%s\n", miss * 100,
				t.conn_attempts, secs > 0 ?
				(double)t.conn_attempts / secs : 0.0,
				r->conf->cps, why);
		else
			fprintf(f, "  CONCURRENCY SHORT  %.1f%% below --concurrency %"
				PRIu64 " on average%s\n", miss * 100,
				r->conf->concurrency, why);
	}
	print_end(r, f, &t);
	/* Latencies are the client's view; a server has none to give. */
	if (client) {
		fprintf(f, "  latency (log-linear histogram, < 1%% error):\n");
		print_hist(f, "connect", &hc);
		print_hist(f, "first byte", &hf);
		print_hist(f, "request->reply", &hq);
	}
	fflush(f);
}

static void
json_hist(FILE *f, const char *name, const struct gen_hist *h, bool last)
{
	fprintf(f, "    \"%s\": {\"count\": %" PRIu64, name, gen_hist_count(h));
	if (gen_hist_count(h)) {
		fprintf(f, ", \"min_us\": %.3f, \"mean_us\": %.3f, \"p50_us\": %.3f,"
			" \"p90_us\": %.3f, \"p99_us\": %.3f, \"p999_us\": %.3f,"
			" \"max_us\": %.3f",
			(double)gen_hist_min(h) / 1e3, gen_hist_mean(h) / 1e3,
			(double)gen_hist_percentile(h, 50) / 1e3,
			(double)gen_hist_percentile(h, 90) / 1e3,
			(double)gen_hist_percentile(h, 99) / 1e3,
			(double)gen_hist_percentile(h, 99.9) / 1e3,
			(double)gen_hist_max(h) / 1e3);
	}
	fprintf(f, "}%s\n", last ? "" : ",");
}

/* A string for JSON: the few characters that need it escaped. */
static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
json_errors(const struct gen_report *r, FILE *f, const struct gen_counters *t)
{
	const char *sep = "\n";
	struct first_txt o;
	unsigned int k;

	fprintf(f, "  \"errors\": {\"total\": %" PRIu64, errors_of(t));
	for (k = 0; k < GEN_ERR_N; k++)
		fprintf(f, ", \"%s\": %" PRIu64, gen_err_names[k], t->err[k]);
	fprintf(f, ",\n    \"http_reasons\": {");
	for (k = 0; k < GEN_HTTP_N_REASONS; k++)
		fprintf(f, "%s\"%s\": %" PRIu64, k ? ", " : "",
			http_reason_key(k), t->http_reason[k]);
	fprintf(f, "}");
	fprintf(f, ",\n    \"first\": [");
	for (k = 0; k < GEN_ERR_N; k++) {
		if (!first_text(r, k, &o))
			continue;
		fprintf(f, "%s      {\"kind\": \"%s\", \"t\": %.6f, \"local\": \"%s\","
			" \"remote\": \"%s\", \"detail\": ", sep, gen_err_names[k],
			o.t, o.local, o.remote);
		json_str(f, o.detail);
		fprintf(f, "}");
		sep = ",\n";
	}
	fprintf(f, "%s]},\n", sep[0] == ',' ? "\n    " : "");
}

int
gen_report_json(struct gen_report *r, FILE *f, uint64_t end_ns)
{
	static struct gen_hist hc, hf, hq;
	struct gen_counters t;
	double secs = (double)(end_ns - r->start_ns) / 1e9;
	double busy = busy_secs(r, end_ns), miss;
	char why[512];
	unsigned int i;

	totals(r, &t);
	merged(r, &hc, &hf, &hq);
	miss = shortfall(r, &t, why, sizeof(why));
	fprintf(f, "{\n  \"schema\": \"pmtcp-gen/2\",\n");
	fprintf(f, "  \"role\": \"%s\",\n  \"proto\": \"%s\",\n",
		r->conf->role == GEN_CLIENT ? "client" : "server",
		r->conf->proto == GEN_HTTP ? "http" : "raw");
	fprintf(f, "  \"lcores\": %u,\n  \"duration_s\": %.3f,\n"
		"  \"busy_s\": %.3f,\n", r->n_workers, secs, busy);
	fprintf(f, "  \"totals\": {\n");
	fprintf(f, "    \"conn_attempts\": %" PRIu64 ", \"conn_established\": %"
		PRIu64 ", \"conn_closed\": %" PRIu64 ",\n", t.conn_attempts,
		t.conn_established, t.conn_closed);
	fprintf(f, "    \"requests\": %" PRIu64 ", \"responses\": %" PRIu64
		", \"status_2xx\": %" PRIu64 ", \"status_other\": %" PRIu64 ",\n",
		t.requests, t.responses, t.status_2xx, t.status_other);
	fprintf(f, "    \"rejected\": %" PRIu64 ", \"idle_closed\": %" PRIu64
		", \"evicted\": %" PRIu64 ", \"unfinished\": %" PRIu64 ",\n",
		t.rejected, t.idle_closed, t.evicted, t.unfinished);
	fprintf(f, "    \"rx_bytes\": %" PRIu64 ", \"tx_bytes\": %" PRIu64 ",\n",
		t.rx_bytes, t.tx_bytes);
	fprintf(f, "    \"cps\": %.1f, \"rps\": %.1f,\n",
		busy > 0 ? (double)t.conn_established / busy : 0.0,
		busy > 0 ? (double)t.responses / busy : 0.0);
	fprintf(f, "    \"tcp_retransmits\": %" PRIu64 ", \"rst_sent\": %" PRIu64
		", \"rst_received\": %" PRIu64 ",\n",
		stat_value(r->st_retr), stat_value(r->st_rsttx),
		stat_value(r->st_rstrx));
	fprintf(f, "    \"tcp_retransmits_rto\": %" PRIu64
		", \"tcp_retransmits_fast\": %" PRIu64
		", \"tcp_retransmits_tlp\": %" PRIu64
		", \"tcp_spurious_rto\": %" PRIu64
		", \"tcp_tlp_probes\": %" PRIu64 ",\n",
		stat_value(r->st_rto), stat_value(r->st_fast),
		stat_value(r->st_tlp), stat_value(r->st_spur),
		stat_value(r->st_probes));
	fprintf(f, "    \"closes_fin\": %" PRIu64 ", \"closes_rst\": %" PRIu64
		", \"closes_half\": %" PRIu64 ", \"closed_by_peer\": %" PRIu64
		", \"closed_at_end\": %" PRIu64 ",\n",
		t.closes[GEN_CLOSE_FIN], t.closes[GEN_CLOSE_RST],
		t.closes[GEN_CLOSE_HALF], t.closed_by_peer, t.closed_at_end);
	fprintf(f, "    \"blackhole_attempts\": %" PRIu64
		", \"blackhole_timeouts\": %" PRIu64 ", \"peer_resets\": %"
		PRIu64 ", \"peer_half_closed\": %" PRIu64 "\n  },\n",
		t.bh_attempts, t.bh_timeouts, t.peer_resets, t.peer_half_closed);
	fprintf(f, "  \"shortfall\": {\"fraction\": %.6f, \"why\": ", miss);
	json_str(f, miss > 0 ? why + 2 : "");
	fprintf(f, "},\n");
	json_errors(r, f, &t);
	fprintf(f, "  \"latency\": {\n");
	json_hist(f, "connect", &hc, false);
	json_hist(f, "first_byte", &hf, false);
	json_hist(f, "request_reply", &hq, true);
	fprintf(f, "  },\n  \"samples\": [\n");
	for (i = 0; i < r->n_samples; i++) {
		const struct gen_sample *s = &r->samples[i];

		fprintf(f, "    {\"t\": %.3f, \"cps\": %" PRIu64 ", \"active\": %"
			PRIu64 ", \"rps\": %" PRIu64 ", \"rx_gbps\": %.6f,"
			" \"tx_gbps\": %.6f, \"retrans\": %" PRIu64
			", \"retrans_rto\": %" PRIu64
			", \"retrans_fast\": %" PRIu64
			", \"retrans_tlp\": %" PRIu64
			", \"spurious_rto\": %" PRIu64
			", \"rst_tx\": %" PRIu64 ", \"rst_rx\": %" PRIu64
			", \"errors\": %" PRIu64 "}%s\n", s->t, s->cps, s->active,
			s->rps, s->rx_gbps, s->tx_gbps, s->retrans,
			s->retrans_rto, s->retrans_fast, s->retrans_tlp,
			s->spurious, s->rst_tx,
			s->rst_rx, s->errors, i + 1 < r->n_samples ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	if (fflush(f) != 0 || ferror(f))
		return -EIO;
	return 0;
}

int
gen_report_verdict(struct gen_report *r, FILE *f)
{
	static struct gen_hist hc, hf, hq;
	const struct gen_conf *cf = r->conf;
	struct gen_counters t;
	double miss;
	char why[512];
	int ret = 0;

	totals(r, &t);
	merged(r, &hc, &hf, &hq);
	/*
	 * Whatever the thresholds, a client that made no connection or got
	 * no answer at all did not measure the server: never a pass.
	 */
	if (cf->role == GEN_CLIENT && t.conn_attempts > 0 &&
	    t.conn_established == 0) {
		fprintf(f, "pmtcp-gen: FAIL: no connection was established (%"
			PRIu64 " attempted)\n", t.conn_attempts);
		ret = GEN_EXIT_THRESHOLD;
	} else if (cf->role == GEN_CLIENT && t.requests > 0 &&
		   t.responses == 0) {
		fprintf(f, "pmtcp-gen: FAIL: no request was answered (%" PRIu64
			" sent)\n", t.requests);
		ret = GEN_EXIT_THRESHOLD;
	} else if (cf->role == GEN_CLIENT && t.conn_attempts == 0) {
		fprintf(f, "pmtcp-gen: FAIL: no connection was attempted\n");
		ret = GEN_EXIT_THRESHOLD;
	}
	if (cf->fail_error_rate >= 0) {
		/* The --blackhole's expected timeouts are no attempts at
		 * the service: out of the base, as out of the errors. */
		uint64_t base = cf->role == GEN_CLIENT ?
			t.conn_attempts - t.bh_timeouts : t.conn_established;
		double rate = base ? (double)errors_of(&t) / (double)base :
			(errors_of(&t) ? 1.0 : 0.0);

		if (rate > cf->fail_error_rate) {
			fprintf(f, "pmtcp-gen: FAIL: error rate %.6f above %.6f\n",
				rate, cf->fail_error_rate);
			ret = GEN_EXIT_THRESHOLD;
		}
	}
	if (cf->fail_p99_ms >= 0) {
		double p99 = gen_hist_count(&hq) ?
			(double)gen_hist_percentile(&hq, 99) / 1e6 : 0;

		/* No answer at all has no p99 to pass with. */
		if (cf->role == GEN_CLIENT && gen_hist_count(&hq) == 0) {
			fprintf(f, "pmtcp-gen: FAIL: p99 has no answers to measure\n");
			ret = GEN_EXIT_THRESHOLD;
		} else if (p99 > cf->fail_p99_ms) {
			fprintf(f, "pmtcp-gen: FAIL: p99 %.3f ms above %.3f ms\n",
				p99, cf->fail_p99_ms);
			ret = GEN_EXIT_THRESHOLD;
		}
	}
	miss = shortfall(r, &t, why, sizeof(why));
	if (cf->fail_shortfall >= 0 && miss > cf->fail_shortfall) {
		fprintf(f, "pmtcp-gen: FAIL: rate %.1f%% short of the target, above %.1f%%%s\n",
			miss * 100, cf->fail_shortfall * 100, why);
		ret = GEN_EXIT_THRESHOLD;
	}
	return ret;
}
