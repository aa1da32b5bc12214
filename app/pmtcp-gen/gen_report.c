/* gen_report.c: pmtcp-gen's per-second progress, final summary, JSON output and --fail-on verdict. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gen_report.h"

static int
stat_index(const char *name)
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
	return t->err_refused + t->err_reset + t->err_timeout + t->err_http +
		t->err_closed + t->err_socket + t->err_other;
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
	r->st_rxb = stat_index("rx_bytes");
	r->st_txb = stat_index("tx_bytes");
	r->st_retr = stat_index("tcp_tx_rexmit_segs");
	r->st_rsttx = stat_index("tcp_tx_rst");
	r->st_rstrx = stat_index("tcp_rx_rst");
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
	if (err) {
		printf(" (refused %" PRIu64 " reset %" PRIu64 " timeout %" PRIu64
		       " http %" PRIu64 " closed %" PRIu64 " socket %" PRIu64
		       " other %" PRIu64 ")",
		       t.err_refused, t.err_reset, t.err_timeout, t.err_http,
		       t.err_closed, t.err_socket, t.err_other);
	}
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

void
gen_report_summary(struct gen_report *r, FILE *f, uint64_t end_ns)
{
	static struct gen_hist hc, hf, hq;	/* 40 KiB each: not on the stack */
	struct gen_counters t;
	double secs = (double)(end_ns - r->start_ns) / 1e9;

	totals(r, &t);
	merged(r, &hc, &hf, &hq);
	fprintf(f, "--- pmtcp-gen summary: %.2f s, %u lcore(s), role %s\n", secs,
		r->n_workers, r->conf->role == GEN_CLIENT ? "client" : "server");
	fprintf(f, "  connections  attempted %" PRIu64 "  established %" PRIu64
		"  closed %" PRIu64 "  (%.0f/s)\n",
		t.conn_attempts, t.conn_established, t.conn_closed,
		secs > 0 ? (double)t.conn_established / secs : 0.0);
	if (r->conf->role == GEN_CLIENT)
		fprintf(f, "  requests     sent %" PRIu64 "  answered %" PRIu64
			"  (%.0f/s)  2xx %" PRIu64 "  other status %" PRIu64 "\n",
			t.requests, t.responses,
			secs > 0 ? (double)t.responses / secs : 0.0,
			t.status_2xx, t.status_other);
	else
		fprintf(f, "  requests     received %" PRIu64 "  answered %" PRIu64
			"  (%.0f/s)\n", t.requests, t.responses,
			secs > 0 ? (double)t.responses / secs : 0.0);
	fprintf(f, "  payload      rx %" PRIu64 " B (%.3f Gb/s)  tx %" PRIu64
		" B (%.3f Gb/s)\n", t.rx_bytes,
		secs > 0 ? (double)t.rx_bytes * 8 / secs / 1e9 : 0.0,
		t.tx_bytes, secs > 0 ? (double)t.tx_bytes * 8 / secs / 1e9 : 0.0);
	fprintf(f, "  errors       %" PRIu64 "  refused %" PRIu64 "  reset %"
		PRIu64 "  timeout %" PRIu64 "  http %" PRIu64 "  closed %"
		PRIu64 "  socket %" PRIu64 "  other %" PRIu64 "\n",
		errors_of(&t), t.err_refused, t.err_reset, t.err_timeout,
		t.err_http, t.err_closed, t.err_socket, t.err_other);
	fprintf(f, "  tcp          retransmitted %" PRIu64 "  rst sent %" PRIu64
		"  rst received %" PRIu64 "\n", stat_value(r->st_retr),
		stat_value(r->st_rsttx), stat_value(r->st_rstrx));
	/* Latencies are the client's view; a server has none to give. */
	if (r->conf->role == GEN_CLIENT) {
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

int
gen_report_json(struct gen_report *r, const char *path, uint64_t end_ns)
{
	static struct gen_hist hc, hf, hq;
	struct gen_counters t;
	double secs = (double)(end_ns - r->start_ns) / 1e9;
	unsigned int i;
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -errno;
	totals(r, &t);
	merged(r, &hc, &hf, &hq);
	fprintf(f, "{\n  \"schema\": \"pmtcp-gen/1\",\n");
	fprintf(f, "  \"role\": \"%s\",\n  \"proto\": \"%s\",\n",
		r->conf->role == GEN_CLIENT ? "client" : "server",
		r->conf->proto == GEN_HTTP ? "http" : "raw");
	fprintf(f, "  \"lcores\": %u,\n  \"duration_s\": %.3f,\n",
		r->n_workers, secs);
	fprintf(f, "  \"totals\": {\n");
	fprintf(f, "    \"conn_attempts\": %" PRIu64 ", \"conn_established\": %"
		PRIu64 ", \"conn_closed\": %" PRIu64 ",\n", t.conn_attempts,
		t.conn_established, t.conn_closed);
	fprintf(f, "    \"requests\": %" PRIu64 ", \"responses\": %" PRIu64
		", \"status_2xx\": %" PRIu64 ", \"status_other\": %" PRIu64 ",\n",
		t.requests, t.responses, t.status_2xx, t.status_other);
	fprintf(f, "    \"rx_bytes\": %" PRIu64 ", \"tx_bytes\": %" PRIu64 ",\n",
		t.rx_bytes, t.tx_bytes);
	fprintf(f, "    \"cps\": %.1f, \"rps\": %.1f,\n",
		secs > 0 ? (double)t.conn_established / secs : 0.0,
		secs > 0 ? (double)t.responses / secs : 0.0);
	fprintf(f, "    \"tcp_retransmits\": %" PRIu64 ", \"rst_sent\": %" PRIu64
		", \"rst_received\": %" PRIu64 "\n  },\n",
		stat_value(r->st_retr), stat_value(r->st_rsttx),
		stat_value(r->st_rstrx));
	fprintf(f, "  \"errors\": {\"total\": %" PRIu64 ", \"refused\": %" PRIu64
		", \"reset\": %" PRIu64 ", \"timeout\": %" PRIu64 ", \"http\": %"
		PRIu64 ", \"closed\": %" PRIu64 ", \"socket\": %" PRIu64
		", \"other\": %" PRIu64 "},\n", errors_of(&t), t.err_refused,
		t.err_reset, t.err_timeout, t.err_http, t.err_closed,
		t.err_socket, t.err_other);
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
			", \"rst_tx\": %" PRIu64 ", \"rst_rx\": %" PRIu64
			", \"errors\": %" PRIu64 "}%s\n", s->t, s->cps, s->active,
			s->rps, s->rx_gbps, s->tx_gbps, s->retrans, s->rst_tx,
			s->rst_rx, s->errors, i + 1 < r->n_samples ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

int
gen_report_verdict(struct gen_report *r, FILE *f)
{
	static struct gen_hist hc, hf, hq;
	const struct gen_conf *cf = r->conf;
	struct gen_counters t;
	int ret = 0;

	totals(r, &t);
	merged(r, &hc, &hf, &hq);
	if (cf->fail_error_rate >= 0) {
		uint64_t base = cf->role == GEN_CLIENT ? t.conn_attempts :
			t.conn_established;
		double rate = base ? (double)errors_of(&t) / (double)base : 0;

		if (rate > cf->fail_error_rate) {
			fprintf(f, "pmtcp-gen: FAIL: error rate %.6f above %.6f\n",
				rate, cf->fail_error_rate);
			ret = GEN_EXIT_THRESHOLD;
		}
	}
	if (cf->fail_p99_ms >= 0 && gen_hist_count(&hq)) {
		double p99 = (double)gen_hist_percentile(&hq, 99) / 1e6;

		if (p99 > cf->fail_p99_ms) {
			fprintf(f, "pmtcp-gen: FAIL: p99 %.3f ms above %.3f ms\n",
				p99, cf->fail_p99_ms);
			ret = GEN_EXIT_THRESHOLD;
		}
	}
	return ret;
}
