/* test_gen.c: unit tests of pmtcp-gen's histogram, HTTP parsers and builders, and rate limiter. */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_hist.h"
#include "gen_http.h"
#include "gen_rate.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NS_PER_S UINT64_C(1000000000)
#define HOUR_NS (UINT64_C(3600) * NS_PER_S)

/* splitmix64: a seeded generator, so every run sees the same numbers. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static uint64_t
rnd_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + rnd(s) % (hi - lo + 1);
}

/* Uniform in (0, 1]. */
static double
rnd_unit(uint64_t *s)
{
	return ((double)(rnd(s) >> 11) + 1.0) / 9007199254740992.0;
}

/* ---- histogram ---- */

static const double pcts[] = { 0, 1, 10, 50, 90, 99, 99.9, 100 };

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Record @v[0..n) and check count, exact min/max/mean and every
 * percentile against the sorted samples (nearest rank, as documented):
 * within 1%, and within the documented 1/256 bound.
 */
static void
check_hist(const uint64_t *v, size_t n)
{
	struct gen_hist *h = malloc(sizeof(*h));
	uint64_t *s = malloc(n * sizeof(*s));
	unsigned __int128 sum = 0;
	size_t i;

	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(s);
	gen_hist_init(h);
	for (i = 0; i < n; i++) {
		gen_hist_record(h, v[i]);
		s[i] = v[i];
		sum += v[i];
	}
	qsort(s, n, sizeof(*s), cmp_u64);
	ck_assert_uint_eq(gen_hist_count(h), n);
	ck_assert_uint_eq(gen_hist_min(h), s[0]);
	ck_assert_uint_eq(gen_hist_max(h), s[n - 1]);
	ck_assert_double_eq_tol(gen_hist_mean(h), (double)sum / (double)n,
				1e-9 * ((double)sum / (double)n) + 1e-9);
	for (i = 0; i < ARRAY_LEN(pcts); i++) {
		double r = ceil(pcts[i] / 100.0 * (double)n);
		size_t rank = r < 1.0 ? 1 : (size_t)r;
		uint64_t want = s[(rank > n ? n : rank) - 1];
		uint64_t got = gen_hist_percentile(h, pcts[i]);
		uint64_t err = got > want ? got - want : want - got;

		ck_assert_msg((double)err <= 0.01 * (double)want,
			      "p%g: got %" PRIu64 " want %" PRIu64, pcts[i],
			      got, want);
		ck_assert_msg(err * 256 <= want,
			      "p%g: got %" PRIu64 " want %" PRIu64
			      " beyond 1/256", pcts[i], got, want);
	}
	free(s);
	free(h);
}

START_TEST(hist_empty)
{
	struct gen_hist h;

	gen_hist_init(&h);
	ck_assert_uint_eq(gen_hist_count(&h), 0);
	ck_assert_uint_eq(gen_hist_min(&h), 0);
	ck_assert_uint_eq(gen_hist_max(&h), 0);
	ck_assert_double_eq(gen_hist_mean(&h), 0.0);
	ck_assert_uint_eq(gen_hist_percentile(&h, 50), 0);
	ck_assert_uint_eq(gen_hist_percentile(&h, 100), 0);
}
END_TEST

START_TEST(hist_zero)
{
	uint64_t v[1000] = { 0 };

	check_hist(v, ARRAY_LEN(v));
}
END_TEST

START_TEST(hist_constant)
{
	static const uint64_t c[] = { 1, 127, 128, 255, 256, 257, 1000003,
				      123456789, HOUR_NS };
	uint64_t v[500];
	size_t i, k;

	for (k = 0; k < ARRAY_LEN(c); k++) {
		for (i = 0; i < ARRAY_LEN(v); i++)
			v[i] = c[k];
		check_hist(v, ARRAY_LEN(v));
	}
}
END_TEST

START_TEST(hist_extremes)
{
	uint64_t v[1001];
	size_t i;

	/* Half at 1 ns, half at 1 hour, one in between. */
	for (i = 0; i < 500; i++) {
		v[2 * i] = 1;
		v[2 * i + 1] = HOUR_NS;
	}
	v[1000] = 5 * NS_PER_S;
	check_hist(v, ARRAY_LEN(v));
	/* And just the two. */
	v[0] = 1;
	v[1] = HOUR_NS;
	check_hist(v, 2);
}
END_TEST

START_TEST(hist_small_exact)
{
	struct gen_hist h;
	uint64_t v;

	/* Values below 256 have buckets of their own. */
	gen_hist_init(&h);
	for (v = 0; v < 256; v++)
		gen_hist_record(&h, v);
	ck_assert_uint_eq(gen_hist_percentile(&h, 50), 127);
	ck_assert_uint_eq(gen_hist_percentile(&h, 25), 63);
	ck_assert_uint_eq(gen_hist_percentile(&h, 1), 2);
	ck_assert_uint_eq(gen_hist_percentile(&h, 0), 0);
	ck_assert_uint_eq(gen_hist_percentile(&h, 100), 255);
}
END_TEST

START_TEST(hist_uniform)
{
	size_t n = 200000, i;
	uint64_t *v = malloc(n * sizeof(*v)), seed = 1;

	ck_assert_ptr_nonnull(v);
	for (i = 0; i < n; i++)
		v[i] = rnd_range(&seed, 1, NS_PER_S);
	check_hist(v, n);
	for (i = 0; i < n; i++)
		v[i] = rnd_range(&seed, 0, 1000);
	check_hist(v, n);
	free(v);
}
END_TEST

START_TEST(hist_exponential)
{
	size_t n = 200000, i;
	uint64_t *v = malloc(n * sizeof(*v)), seed = 2;

	ck_assert_ptr_nonnull(v);
	/* Mean 250 us: the usual shape of a latency tail. */
	for (i = 0; i < n; i++)
		v[i] = (uint64_t)(-log(rnd_unit(&seed)) * 250000.0);
	check_hist(v, n);
	free(v);
}
END_TEST

START_TEST(hist_log_uniform)
{
	size_t n = 100000, i;
	uint64_t *v = malloc(n * sizeof(*v)), seed = 3;

	ck_assert_ptr_nonnull(v);
	/* Every power of two from 1 ns to about an hour. */
	for (i = 0; i < n; i++)
		v[i] = (uint64_t)exp2(rnd_unit(&seed) * 41.7);
	check_hist(v, n);
	free(v);
}
END_TEST

START_TEST(hist_index_layout)
{
	uint64_t v, seed = 4;
	unsigned int prev = 0, i, b;

	/* Contiguous and monotonic: each step of v moves at most one bucket. */
	for (v = 1; v < (UINT64_C(1) << 20); v++) {
		i = gen_hist_index(v);
		ck_assert_uint_le(i - prev, 1);
		prev = i;
	}
	ck_assert_uint_eq(gen_hist_index(GEN_HIST_MAX_VALUE), GEN_HIST_BUCKETS - 1);
	for (v = 0; v < 256; v++)
		ck_assert_uint_eq(gen_hist_index(v), v);
	/* Every bucket's width is at most 1/128 of its lower bound. */
	for (b = 8; b <= GEN_HIST_MAX_BIT; b++) {
		uint64_t lo = UINT64_C(1) << b;
		uint64_t w = UINT64_C(1) << (b - GEN_HIST_SUB_BITS);

		ck_assert_uint_eq(gen_hist_index(lo - 1) + 1, gen_hist_index(lo));
		ck_assert_uint_eq(gen_hist_index(lo), gen_hist_index(lo + w - 1));
		ck_assert_uint_eq(gen_hist_index(lo) + 1, gen_hist_index(lo + w));
	}
	for (i = 0; i < 100000; i++) {
		v = rnd(&seed) >> (rnd(&seed) % 64);
		if (v <= GEN_HIST_MAX_VALUE)
			ck_assert_uint_lt(gen_hist_index(v), GEN_HIST_BUCKETS);
	}
}
END_TEST

START_TEST(hist_clamped)
{
	struct gen_hist h;
	uint64_t big = UINT64_C(1) << 50;

	gen_hist_init(&h);
	gen_hist_record(&h, 10);
	gen_hist_record(&h, big);
	gen_hist_record(&h, UINT64_MAX);
	ck_assert_uint_eq(h.clamped, 2);
	ck_assert_uint_eq(gen_hist_max(&h), UINT64_MAX);
	ck_assert_uint_eq(gen_hist_min(&h), 10);
	ck_assert_double_eq_tol(gen_hist_mean(&h),
				((double)big + (double)UINT64_MAX + 10) / 3,
				1e6);
	ck_assert_uint_eq(gen_hist_percentile(&h, 100), UINT64_MAX);
	ck_assert_uint_eq(gen_hist_percentile(&h, 0), 10);
}
END_TEST

START_TEST(hist_merge_equals_one)
{
	struct gen_hist *all = malloc(sizeof(*all));
	struct gen_hist *part = malloc(4 * sizeof(*part));
	struct gen_hist *sum = malloc(sizeof(*sum));
	uint64_t seed = 5, v;
	size_t i;

	ck_assert_ptr_nonnull(all);
	ck_assert_ptr_nonnull(part);
	ck_assert_ptr_nonnull(sum);
	gen_hist_init(all);
	gen_hist_init(sum);
	for (i = 0; i < 4; i++)
		gen_hist_init(&part[i]);
	/* Lcore 3 records nothing: an empty histogram merges as nothing. */
	for (i = 0; i < 100000; i++) {
		v = (uint64_t)(-log(rnd_unit(&seed)) * 1e6);
		gen_hist_record(all, v);
		gen_hist_record(&part[rnd(&seed) % 3], v);
	}
	gen_hist_record(all, HOUR_NS);
	gen_hist_record(&part[1], HOUR_NS);
	gen_hist_record(all, 0);
	gen_hist_record(&part[2], 0);
	for (i = 0; i < 4; i++)
		gen_hist_merge(sum, &part[i]);
	ck_assert_mem_eq(sum, all, sizeof(*all));
	ck_assert_uint_eq(gen_hist_min(sum), 0);
	ck_assert_uint_eq(gen_hist_max(sum), HOUR_NS);
	for (i = 0; i < ARRAY_LEN(pcts); i++)
		ck_assert_uint_eq(gen_hist_percentile(sum, pcts[i]),
				  gen_hist_percentile(all, pcts[i]));
	free(sum);
	free(part);
	free(all);
}
END_TEST

START_TEST(hist_reset_and_mean)
{
	struct gen_hist h;

	gen_hist_init(&h);
	gen_hist_record(&h, 5);
	gen_hist_reset(&h);
	ck_assert_uint_eq(gen_hist_count(&h), 0);
	gen_hist_record(&h, 1000);
	gen_hist_record(&h, 2000);
	gen_hist_record(&h, 3001);
	ck_assert_double_eq_tol(gen_hist_mean(&h), 2000.333333333, 1e-6);
	ck_assert_uint_eq(gen_hist_min(&h), 1000);
	ck_assert_uint_eq(gen_hist_max(&h), 3001);
	/* Out-of-range p is clamped. */
	ck_assert_uint_eq(gen_hist_percentile(&h, -5), 1000);
	ck_assert_uint_eq(gen_hist_percentile(&h, 250), 3001);
}
END_TEST

/* ---- HTTP: a driver that feeds a byte stream cut in chosen places ---- */

/* Where a stream is cut into feeds: at @split, every @step, randomly. */
struct cutter {
	size_t split;
	size_t step;
	uint64_t seed;	/* 0: no random cuts */
};

static size_t
cut_next(struct cutter *c, size_t off, size_t len)
{
	size_t n = len - off, r;

	if (c->split > off && c->split < len && c->split - off < n)
		n = c->split - off;
	if (c->step != 0 && c->step < n)
		n = c->step;
	if (c->seed != 0) {
		r = 1 + (size_t)(rnd(&c->seed) % 23);
		if (r < n)
			n = r;
	}
	return n;
}

struct msg_res {
	int rc;
	size_t used;		/* bytes of the stream this message took */
	uint16_t status;
	uint8_t minor;
	bool has_length;
	bool close;
	uint64_t cl;
	uint64_t body;
	uint32_t hdr;
	char method[GEN_HTTP_METHOD_MAX + 1];
	char path[GEN_HTTP_PATH_MAX + 1];
};

#define RUN_MAX 8
struct run {
	int n;
	struct msg_res m[RUN_MAX];
	int eof_rc;		/* 1000 when eof was not signalled */
	size_t used;		/* total bytes consumed */
};

static void
record(struct run *out, const struct gen_http_msg *m,
       const struct gen_http_req *q, int rc, size_t used)
{
	struct msg_res *x;

	ck_assert_int_lt(out->n, RUN_MAX);
	x = &out->m[out->n++];
	memset(x, 0, sizeof(*x));
	x->rc = rc;
	if (rc < 0 && rc != GEN_HTTP_E_1XX)
		return;		/* where an error is seen depends on the cuts */
	x->used = rc < 0 ? 0 : used;
	x->status = m->status;
	x->minor = m->http_minor;
	x->has_length = m->has_length;
	x->close = m->close;
	x->cl = m->content_length;
	x->body = m->body_bytes;
	x->hdr = m->header_bytes;
	if (q != NULL) {
		/* Only up to the NUL: the rest of the buffers is stale. */
		memcpy(x->method, q->method, strlen(q->method));
		memcpy(x->path, q->path, strlen(q->path));
	}
}

/*
 * Parse @buf as a stream of responses (or requests if @req), fed in the
 * pieces @c cuts it into; after each message reset and go on with the
 * bytes left in the same piece (pipelining). Stops at the first error.
 * With @eof, the end of the stream is signalled after the last byte.
 */
static void
run_stream(struct run *out, bool req, const char *buf, size_t len,
	   struct cutter c, bool eof, bool head)
{
	struct gen_http_resp r;
	struct gen_http_req q;
	struct gen_http_msg *m = req ? &q.msg : &r.msg;
	size_t off = 0, msg_used = 0, n, p, used;
	int rc;

	memset(out, 0, sizeof(*out));
	out->eof_rc = 1000;
	if (req) {
		gen_http_req_init(&q);
	} else {
		gen_http_resp_init(&r);
		r.msg.head = head;
	}
	while (off < len) {
		n = cut_next(&c, off, len);
		for (p = 0; p < n; ) {
			rc = req ? gen_http_req_feed(&q, buf + off + p, n - p, &used) :
				   gen_http_resp_feed(&r, buf + off + p, n - p, &used);
			ck_assert_uint_le(used, n - p);
			p += used;
			msg_used += used;
			out->used += used;
			if (rc == GEN_HTTP_MORE) {
				ck_assert_uint_eq(p, n);
				continue;
			}
			record(out, m, req ? &q : NULL, rc, msg_used);
			if (rc < 0)
				return;
			ck_assert_int_eq(rc, GEN_HTTP_DONE);
			ck_assert_uint_gt(used, 0);
			msg_used = 0;
			if (req) {
				gen_http_req_reset(&q);
			} else {
				gen_http_resp_reset(&r);
				r.msg.head = head;
			}
		}
		off += n;
	}
	if (eof) {
		rc = req ? gen_http_req_eof(&q) : gen_http_resp_eof(&r);
		out->eof_rc = rc;
		if (rc == GEN_HTTP_DONE)
			record(out, m, req ? &q : NULL, rc, msg_used);
	}
}

static void
assert_same_run(const struct run *a, const struct run *b, const char *what,
		size_t at)
{
	int i;

	ck_assert_msg(a->n == b->n, "%s cut %zu: %d messages, want %d", what,
		      at, b->n, a->n);
	ck_assert_msg(a->eof_rc == b->eof_rc, "%s cut %zu: eof %d, want %d",
		      what, at, b->eof_rc, a->eof_rc);
	for (i = 0; i < a->n; i++) {
		ck_assert_msg(a->m[i].rc == b->m[i].rc,
			      "%s cut %zu msg %d: rc %d, want %d", what, at, i,
			      b->m[i].rc, a->m[i].rc);
		ck_assert_msg(memcmp(&a->m[i], &b->m[i], sizeof(a->m[i])) == 0,
			      "%s cut %zu msg %d differs", what, at, i);
	}
	if (a->n == 0 || a->m[a->n - 1].rc >= 0)
		ck_assert_uint_eq(a->used, b->used);
}

/*
 * Parse @buf whole, then split at every byte, one byte at a time and in
 * random pieces: every way must give the same messages. Returns the
 * whole-buffer run.
 */
static struct run
run_all_cuts(bool req, const char *buf, size_t len, bool eof, bool head,
	     const char *what)
{
	struct run whole, other;
	struct cutter c = { 0 };
	size_t k;
	uint64_t s;

	run_stream(&whole, req, buf, len, c, eof, head);
	for (k = 1; k < len; k++) {
		c = (struct cutter){ .split = k };
		run_stream(&other, req, buf, len, c, eof, head);
		assert_same_run(&whole, &other, what, k);
	}
	c = (struct cutter){ .step = 1 };
	run_stream(&other, req, buf, len, c, eof, head);
	assert_same_run(&whole, &other, what, 1);
	for (s = 1; s <= 8; s++) {
		c = (struct cutter){ .seed = s };
		run_stream(&other, req, buf, len, c, eof, head);
		assert_same_run(&whole, &other, what, (size_t)s);
	}
	return whole;
}

/* ---- HTTP responses ---- */

struct resp_case {
	const char *text;
	int rc;			/* of the first message */
	uint16_t status;
	bool has_length;
	uint64_t cl;
	uint64_t body;
	bool close;
	bool eof;		/* signal eof after the text */
	int eof_rc;
};

static const struct resp_case good_resps[] = {
	{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
	  GEN_HTTP_DONE, 200, true, 5, 5, false, false, 0 },
	{ "HTTP/1.1 404 Not Found\r\ncontent-length:0\r\n"
	  "Connection: close\r\n\r\n",
	  GEN_HTTP_DONE, 404, true, 0, 0, true, false, 0 },
	{ "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc",
	  GEN_HTTP_DONE, 200, true, 3, 3, true, false, 0 },
	{ "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 3"
	  "\r\n\r\nabc",
	  GEN_HTTP_DONE, 200, true, 3, 3, false, false, 0 },
	/* Odd case, extra spaces, a token list, a header we skip. */
	{ "HTTP/1.1   200 OK then some\r\nCONTENT-LENGTH: \t  12  \r\n"
	  "X-Foo:  bar: baz\r\nHost: not-ours\r\n"
	  "CoNNection:  Upgrade,  CLOSE \r\nServer:\r\n\r\nhello world!",
	  GEN_HTTP_DONE, 200, true, 12, 12, true, false, 0 },
	/* Tokens that only look like ours. */
	{ "HTTP/1.1 200 OK\r\nConnection: closed, keep-alive-x, clos\r\n"
	  "Content-Length: 1\r\n\r\nx",
	  GEN_HTTP_DONE, 200, true, 1, 1, false, false, 0 },
	{ "HTTP/1.1 200 OK\r\nContent-Lengths: 7\r\nContent-Length: 1\r\n"
	  "X-Content-Length: 9\r\n\r\nx",
	  GEN_HTTP_DONE, 200, true, 1, 1, false, false, 0 },
	/* Bare LF line ends (RFC 9112 2.2). */
	{ "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi",
	  GEN_HTTP_DONE, 200, true, 2, 2, false, false, 0 },
	{ "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n",
	  GEN_HTTP_DONE, 204, false, 0, 0, false, false, 0 },
	{ "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n",
	  GEN_HTTP_DONE, 304, true, 100, 0, false, false, 0 },
	{ "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx",
	  GEN_HTTP_DONE, 200, true, 1, 1, false, false, 0 },
	{ "HTTP/1.1 503 \r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
	  GEN_HTTP_DONE, 503, true, 1, 1, false, false, 0 },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 007\r\n\r\n1234567",
	  GEN_HTTP_DONE, 200, true, 7, 7, false, false, 0 },
	/* A bare CR in a skipped value is taken as a space. */
	{ "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 1\r\n\r\nx",
	  GEN_HTTP_DONE, 200, true, 1, 1, false, false, 0 },
	/* Bodies delimited by the close (RFC 9112 6.3 item 8). */
	{ "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbody to the end",
	  GEN_HTTP_DONE, 200, false, 0, 15, true, true, GEN_HTTP_DONE },
	{ "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n12345",
	  GEN_HTTP_DONE, 200, false, 0, 5, true, true, GEN_HTTP_DONE },
	{ "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
	  GEN_HTTP_DONE, 200, false, 0, 0, true, true, GEN_HTTP_DONE },
};

START_TEST(resp_good_any_cut)
{
	const struct resp_case *t = &good_resps[_i];
	size_t len = strlen(t->text);
	struct run w = run_all_cuts(false, t->text, len, t->eof, false,
				    t->text);

	ck_assert_int_eq(w.n, 1);
	ck_assert_int_eq(w.m[0].rc, t->rc);
	ck_assert_uint_eq(w.m[0].status, t->status);
	ck_assert_int_eq(w.m[0].has_length, t->has_length);
	ck_assert_uint_eq(w.m[0].cl, t->cl);
	ck_assert_uint_eq(w.m[0].body, t->body);
	ck_assert_int_eq(w.m[0].close, t->close);
	ck_assert_uint_eq(w.m[0].used, len);
	ck_assert_uint_eq(w.m[0].hdr + w.m[0].body, len);
	if (t->eof)
		ck_assert_int_eq(w.eof_rc, t->eof_rc);
}
END_TEST

struct bad_case {
	const char *text;
	int rc;
};

static const struct bad_case bad_resps[] = {
	{ "HTTX/1.1 200 OK\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "http/1.1 200 OK\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/2 200 OK\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.x 200 OK\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1200 OK\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 20 OK\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 2000 OK\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 099 Low\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 abc OK\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200\rX\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "\r\nHTTP/1.1 200 OK\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 5\rX\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
	  GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\n X: folded\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\nX-A: 1\r\n continued\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\nX(A): 1\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\n\rX", GEN_HTTP_E_SYNTAX },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
	  GEN_HTTP_E_TOO_BIG },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1125899906842625\r\n\r\n",
	  GEN_HTTP_E_TOO_BIG },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello"
	  "\r\n0\r\n\r\n", GEN_HTTP_E_CHUNKED },
	{ "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, CHUNKED\r\n"
	  "Content-Length: 5\r\n\r\n", GEN_HTTP_E_CHUNKED },
	{ "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
	  "Content-Length: 0\r\n\r\n", GEN_HTTP_E_1XX },
	{ "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
	  GEN_HTTP_E_1XX },
	{ "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody", GEN_HTTP_E_NO_LENGTH },
	{ "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nbody",
	  GEN_HTTP_E_NO_LENGTH },
};

START_TEST(resp_bad_any_cut)
{
	const struct bad_case *t = &bad_resps[_i];
	struct run w = run_all_cuts(false, t->text, strlen(t->text), false,
				    false, t->text);

	ck_assert_int_eq(w.n, 1);
	ck_assert_msg(w.m[0].rc == t->rc, "%s: rc %d (%s), want %d (%s)",
		      t->text, w.m[0].rc, gen_http_strerror(w.m[0].rc), t->rc,
		      gen_http_strerror(t->rc));
	if (t->rc == GEN_HTTP_E_1XX)
		ck_assert_uint_eq(w.m[0].status, t->text[11] == '0' ? 100 : 101);
}
END_TEST

/* A response with a header line of @line bytes (CRLF included). */
static char *
resp_with_line(size_t line, size_t *len)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nX-Big: ";
	static const char tail[] = "\r\nContent-Length: 1\r\n\r\nx";
	size_t v = line - strlen("X-Big: ") - 2;	/* value bytes */
	char *b = malloc(sizeof(head) + v + sizeof(tail));

	ck_assert_ptr_nonnull(b);
	memcpy(b, head, sizeof(head) - 1);
	memset(b + sizeof(head) - 1, 'a', v);
	memcpy(b + sizeof(head) - 1 + v, tail, sizeof(tail));
	*len = sizeof(head) - 1 + v + sizeof(tail) - 1;
	return b;
}

START_TEST(resp_line_limits)
{
	struct run w;
	size_t len;
	char *b;

	/* Exactly GEN_HTTP_MAX_LINE is fine, one more is not. */
	b = resp_with_line(GEN_HTTP_MAX_LINE, &len);
	w = run_all_cuts(false, b, len, false, false, "8 KiB line");
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_DONE);
	free(b);
	b = resp_with_line(GEN_HTTP_MAX_LINE + 1, &len);
	w = run_all_cuts(false, b, len, false, false, "8 KiB + 1 line");
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_SYNTAX);
	free(b);
	b = resp_with_line(9 * 1024, &len);
	w = run_all_cuts(false, b, len, false, false, "9 KiB line");
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_SYNTAX);
	free(b);
}
END_TEST

START_TEST(resp_header_section_too_big)
{
	size_t cap = 80 * 1024, len = 0, i;
	char *b = malloc(cap);
	struct run w;

	ck_assert_ptr_nonnull(b);
	len += (size_t)sprintf(b, "HTTP/1.1 200 OK\r\n");
	/* 70 lines of 1000 bytes: each fine, together over 64 KiB. */
	for (i = 0; i < 70; i++) {
		len += (size_t)sprintf(b + len, "X-%02zu: ", i);
		memset(b + len, 'v', 1000 - 7 - 2);
		len += 1000 - 7 - 2;
		len += (size_t)sprintf(b + len, "\r\n");
	}
	len += (size_t)sprintf(b + len, "Content-Length: 0\r\n\r\n");
	w = run_all_cuts(false, b, len, false, false, "64 KiB headers");
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_TOO_BIG);
	free(b);
}
END_TEST

START_TEST(resp_pipelined_three)
{
	static const char three[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close"
		"\r\n\r\nabc";
	struct run w = run_all_cuts(false, three, sizeof(three) - 1, true,
				    false, "three");

	ck_assert_int_eq(w.n, 3);
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_DONE);
	ck_assert_uint_eq(w.m[0].status, 200);
	ck_assert_uint_eq(w.m[0].body, 5);
	ck_assert_uint_eq(w.m[0].used, 43);
	ck_assert_uint_eq(w.m[1].status, 404);
	ck_assert_uint_eq(w.m[1].body, 0);
	ck_assert_int_eq(w.m[1].close, false);
	ck_assert_uint_eq(w.m[2].status, 200);
	ck_assert_uint_eq(w.m[2].body, 3);
	ck_assert_int_eq(w.m[2].close, true);
	ck_assert_uint_eq(w.m[0].used + w.m[1].used + w.m[2].used,
			  sizeof(three) - 1);
	/* The connection closes right after the third: a clean close. */
	ck_assert_int_eq(w.eof_rc, GEN_HTTP_IDLE);
}
END_TEST

START_TEST(resp_feed_leaves_pipelined_bytes)
{
	static const char two[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 204 x"
		"\r\n\r\n";
	struct gen_http_resp r;
	size_t used;

	gen_http_resp_init(&r);
	ck_assert_int_eq(gen_http_resp_feed(&r, two, sizeof(two) - 1, &used),
			 GEN_HTTP_DONE);
	ck_assert_uint_eq(used, 40);
	ck_assert_uint_eq(r.msg.header_bytes, 38);
	/* Done is sticky until reset. */
	ck_assert_int_eq(gen_http_resp_feed(&r, two + used, 5, &used),
			 GEN_HTTP_DONE);
	ck_assert_uint_eq(used, 0);
	gen_http_resp_reset(&r);
	ck_assert_int_eq(gen_http_resp_feed(&r, two + 40, sizeof(two) - 41,
					    &used), GEN_HTTP_DONE);
	ck_assert_uint_eq(used, sizeof(two) - 41);
	ck_assert_uint_eq(r.msg.status, 204);
}
END_TEST

START_TEST(resp_head_has_no_body)
{
	static const char two[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
		"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
	struct run w = run_all_cuts(false, two, sizeof(two) - 1, false, true,
				    "head");

	ck_assert_int_eq(w.n, 2);
	ck_assert_uint_eq(w.m[0].cl, 1000);
	ck_assert_uint_eq(w.m[0].body, 0);
	ck_assert_uint_eq(w.m[1].body, 0);
}
END_TEST

START_TEST(resp_eof_cases)
{
	static const char part[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
				   "\r\nabc";
	struct run w;

	/* Nothing arrived: a clean close. */
	run_stream(&w, false, "", 0, (struct cutter){ 0 }, true, false);
	ck_assert_int_eq(w.eof_rc, GEN_HTTP_IDLE);
	/* Cut short in the body, in the headers, in the status line. */
	w = run_all_cuts(false, part, sizeof(part) - 1, true, false, "short");
	ck_assert_int_eq(w.n, 0);
	ck_assert_int_eq(w.eof_rc, GEN_HTTP_E_EOF);
	w = run_all_cuts(false, part, 20, true, false, "short head");
	ck_assert_int_eq(w.eof_rc, GEN_HTTP_E_EOF);
	w = run_all_cuts(false, part, 1, true, false, "one byte");
	ck_assert_int_eq(w.eof_rc, GEN_HTTP_E_EOF);
}
END_TEST

START_TEST(resp_big_body_counted)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: "
				   "1099511627776\r\n\r\n";
	static char chunk[65536];
	struct gen_http_resp r;
	uint64_t left = UINT64_C(1) << 40, calls = 0;
	size_t used;
	int rc;

	/* A 1 TiB body in 64 KiB feeds: counted, never stored. */
	gen_http_resp_init(&r);
	ck_assert_int_eq(gen_http_resp_feed(&r, head, sizeof(head) - 1, &used),
			 GEN_HTTP_MORE);
	for (; calls < 1000; calls++) {
		rc = gen_http_resp_feed(&r, chunk, sizeof(chunk), &used);
		ck_assert_int_eq(rc, GEN_HTTP_MORE);
		left -= used;
	}
	ck_assert_uint_eq(r.msg.body_bytes, 1000 * sizeof(chunk));
	ck_assert_uint_eq(r.msg.body_left, left);
}
END_TEST

/* ---- HTTP requests ---- */

START_TEST(req_build_parse_back)
{
	static const struct {
		const char *method, *path, *host, *extra;
		bool keepalive;
		size_t body;
	} c[] = {
		{ "GET", "/", "10.0.0.2", NULL, true, 0 },
		{ "GET", "/index.html?a=1&b=%20", "example.com:8080", NULL,
		  false, 0 },
		{ "POST", "/upload", "h", "Content-Type: text/plain\r\n"
		  "X-Run: 7\r\n", true, 100 },
		{ "POST", "/empty", "h", NULL, false, 0 },
		{ "PUT", "/x", "h", "", true, 3 },
		{ "DELETE", "/x", "", NULL, true, 0 },
	};
	char buf[1024];
	size_t i, n, k;
	struct run w;

	for (i = 0; i < ARRAY_LEN(c); i++) {
		n = gen_http_req_build(buf, sizeof(buf) - c[i].body, c[i].method,
				       c[i].path, c[i].host, c[i].extra,
				       c[i].keepalive, c[i].body);
		ck_assert_uint_gt(n, 0);
		ck_assert_mem_eq(buf + n - 4, "\r\n\r\n", 4);
		memset(buf + n, 'b', c[i].body);
		w = run_all_cuts(true, buf, n + c[i].body, false, false,
				 c[i].path);
		ck_assert_int_eq(w.n, 1);
		ck_assert_int_eq(w.m[0].rc, GEN_HTTP_DONE);
		ck_assert_str_eq(w.m[0].method, c[i].method);
		ck_assert_str_eq(w.m[0].path, c[i].path);
		ck_assert_uint_eq(w.m[0].minor, 1);
		ck_assert_int_eq(w.m[0].close, !c[i].keepalive);
		ck_assert_uint_eq(w.m[0].body, c[i].body);
		ck_assert_uint_eq(w.m[0].hdr, n);
		ck_assert_int_eq(w.m[0].has_length,
				 c[i].body > 0 || c[i].method[0] == 'P');
		/* Every smaller buffer is refused whole. */
		for (k = 0; k < n; k++)
			ck_assert_uint_eq(gen_http_req_build(buf, k, c[i].method,
					  c[i].path, c[i].host, c[i].extra,
					  c[i].keepalive, c[i].body), 0);
	}
}
END_TEST

START_TEST(req_build_exact_bytes)
{
	static const char want[] = "GET /a HTTP/1.1\r\nHost: h:80\r\n"
				   "Connection: close\r\nX: y\r\n\r\n";
	char buf[256];
	size_t n = gen_http_req_build(buf, sizeof(buf), "GET", "/a", "h:80",
				      "X: y\r\n", false, 0);

	ck_assert_uint_eq(n, sizeof(want) - 1);
	ck_assert_mem_eq(buf, want, n);
	n = gen_http_req_build(buf, sizeof(buf), "POST", "/p", "h", NULL,
			       true, 12345);
	ck_assert_uint_eq(n, strlen("POST /p HTTP/1.1\r\nHost: h\r\n"
				    "Content-Length: 12345\r\n\r\n"));
	ck_assert_mem_eq(buf, "POST /p HTTP/1.1\r\nHost: h\r\n"
			 "Content-Length: 12345\r\n\r\n", n);
}
END_TEST

START_TEST(req_build_rejects)
{
	char buf[256];

	ck_assert_uint_eq(gen_http_req_build(buf, sizeof(buf), "G T", "/", "h",
					     NULL, true, 0), 0);
	ck_assert_uint_eq(gen_http_req_build(buf, sizeof(buf), "", "/", "h",
					     NULL, true, 0), 0);
	ck_assert_uint_eq(gen_http_req_build(buf, sizeof(buf), "GET", "/a b",
					     "h", NULL, true, 0), 0);
	ck_assert_uint_eq(gen_http_req_build(buf, sizeof(buf), "GET", "",
					     "h", NULL, true, 0), 0);
	ck_assert_uint_eq(gen_http_req_build(buf, sizeof(buf), "GET", "/",
					     "h\r\nX: y", NULL, true, 0), 0);
	ck_assert_uint_eq(gen_http_req_build(buf, sizeof(buf), "GET", "/",
					     NULL, NULL, true, 0), 0);
	ck_assert_uint_eq(gen_http_req_build(buf, sizeof(buf), "GET", "/", "h",
					     "X: y", true, 0), 0);
	ck_assert_uint_eq(gen_http_req_build(buf, sizeof(buf), "GET", "/", "h",
					     "X: y\r\n\r\nGET", true, 0), 0);
	ck_assert_uint_eq(gen_http_req_build(buf, sizeof(buf), "GET", "/", "h",
					     "\r\n", true, 0), 0);
}
END_TEST

static const struct bad_case bad_reqs[] = {
	{ "GET /\r\n\r\n", GEN_HTTP_E_SYNTAX },			/* HTTP/0.9 */
	{ "GET / HTTP/2.0\r\nHost: h\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "GET / HTTP/1.1 x\r\nHost: h\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "G@T / HTTP/1.1\r\nHost: h\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ " GET / HTTP/1.1\r\nHost: h\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "GET\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "GET / HTTP/1.1\r\n\r\n", GEN_HTTP_E_SYNTAX },		/* no Host */
	{ "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", GEN_HTTP_E_SYNTAX },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n",
	  GEN_HTTP_E_SYNTAX },
	{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "0\r\n\r\n", GEN_HTTP_E_CHUNKED },
	{ "VERYLONGMETHODXYZ / HTTP/1.1\r\nHost: h\r\n\r\n", GEN_HTTP_E_TOO_BIG },
};

START_TEST(req_bad_any_cut)
{
	const struct bad_case *t = &bad_reqs[_i];
	struct run w = run_all_cuts(true, t->text, strlen(t->text), false,
				    false, t->text);

	ck_assert_int_eq(w.n, 1);
	ck_assert_msg(w.m[0].rc == t->rc, "%s: rc %d (%s), want %d (%s)",
		      t->text, w.m[0].rc, gen_http_strerror(w.m[0].rc), t->rc,
		      gen_http_strerror(t->rc));
}
END_TEST

START_TEST(req_keepalive_rules)
{
	static const struct {
		const char *text;
		bool close;
	} c[] = {
		{ "GET / HTTP/1.1\r\nHost: h\r\n\r\n", false },
		{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", true },
		{ "GET / HTTP/1.1\r\nHost: h\r\nconnection: Keep-Alive, "
		  "CLOSE\r\n\r\n", true },
		{ "GET / HTTP/1.0\r\n\r\n", true },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false },
		{ "GET / HTTP/1.0\r\nConnection:keep-alive , TE\r\n\r\n", false },
	};
	size_t i;
	struct run w;

	for (i = 0; i < ARRAY_LEN(c); i++) {
		w = run_all_cuts(true, c[i].text, strlen(c[i].text), false,
				 false, c[i].text);
		ck_assert_int_eq(w.m[0].rc, GEN_HTTP_DONE);
		ck_assert_msg(w.m[0].close == c[i].close, "%s", c[i].text);
	}
}
END_TEST

START_TEST(req_pipelined_and_lenient)
{
	static const char reqs[] =
		"\r\n\r\nGET   /one   HTTP/1.1  \r\nHost: h\r\n\r\n"
		"POST /two HTTP/1.1\nHost: h\nContent-Length: 4\n\nbody"
		"\r\nHEAD /three HTTP/1.0\r\nConnection: close\r\n\r\n";
	struct run w = run_all_cuts(true, reqs, sizeof(reqs) - 1, true, false,
				    "reqs");

	ck_assert_int_eq(w.n, 3);
	ck_assert_str_eq(w.m[0].method, "GET");
	ck_assert_str_eq(w.m[0].path, "/one");
	ck_assert_int_eq(w.m[0].close, false);
	ck_assert_str_eq(w.m[1].method, "POST");
	ck_assert_str_eq(w.m[1].path, "/two");
	ck_assert_uint_eq(w.m[1].body, 4);
	/* The stray CRLF after a body is skipped (RFC 9112 2.2). */
	ck_assert_str_eq(w.m[2].method, "HEAD");
	ck_assert_str_eq(w.m[2].path, "/three");
	ck_assert_uint_eq(w.m[2].minor, 0);
	ck_assert_int_eq(w.m[2].close, true);
	ck_assert_int_eq(w.eof_rc, GEN_HTTP_IDLE);
	ck_assert_uint_eq(w.used, sizeof(reqs) - 1);
}
END_TEST

START_TEST(req_path_limit_and_long_headers)
{
	char buf[12 * 1024];
	size_t n;
	struct run w;

	/* A 255-byte target is kept, a 256-byte one is too big. */
	n = (size_t)sprintf(buf, "GET /");
	memset(buf + n, 'p', 254);
	n += 254;
	n += (size_t)sprintf(buf + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
	w = run_all_cuts(true, buf, n, false, false, "255 path");
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_DONE);
	ck_assert_uint_eq(strlen(w.m[0].path), 255);
	n = (size_t)sprintf(buf, "GET /");
	memset(buf + n, 'p', 255);
	n += 255;
	n += (size_t)sprintf(buf + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
	w = run_all_cuts(true, buf, n, false, false, "256 path");
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_TOO_BIG);
	/* A 9 KiB header line. */
	n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: h\r\nCookie: ");
	memset(buf + n, 'c', 9 * 1024);
	n += 9 * 1024;
	n += (size_t)sprintf(buf + n, "\r\n\r\n");
	w = run_all_cuts(true, buf, n, false, false, "9 KiB header");
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_SYNTAX);
}
END_TEST

START_TEST(req_eof_cases)
{
	static const char short_body[] = "POST / HTTP/1.1\r\nHost: h\r\n"
					 "Content-Length: 9\r\n\r\nabc";
	struct run w;

	run_stream(&w, true, "", 0, (struct cutter){ 0 }, true, false);
	ck_assert_int_eq(w.eof_rc, GEN_HTTP_IDLE);
	w = run_all_cuts(true, "\r\n\r", 3, true, false, "crlf");
	ck_assert_int_eq(w.eof_rc, GEN_HTTP_IDLE);
	w = run_all_cuts(true, "GET / HT", 8, true, false, "short");
	ck_assert_int_eq(w.eof_rc, GEN_HTTP_E_EOF);
	w = run_all_cuts(true, short_body, strlen(short_body), true, false,
			 "short body");
	ck_assert_int_eq(w.eof_rc, GEN_HTTP_E_EOF);
}
END_TEST

/* ---- HTTP response builder ---- */

START_TEST(resp_build_parse_back)
{
	static const struct {
		unsigned int status;
		uint64_t cl;
		bool close;
		const char *extra;
	} c[] = {
		{ 200, 0, false, NULL },
		{ 200, 1234567, true, NULL },
		{ 404, 9, false, "Content-Type: text/plain\r\n" },
		{ 400, 0, true, NULL },
		{ 204, 0, false, NULL },
		{ 304, 0, true, NULL },
		{ 299, 2, false, NULL },
	};
	char buf[256];
	size_t i, n, k;
	struct run w;

	for (i = 0; i < ARRAY_LEN(c); i++) {
		n = gen_http_resp_build(buf, sizeof(buf), c[i].status, c[i].cl,
					c[i].close, c[i].extra);
		ck_assert_uint_gt(n, 0);
		/* Headers only: parse them; the body is counted as MORE. */
		run_stream(&w, false, buf, n, (struct cutter){ 0 }, false,
			   false);
		if (c[i].cl == 0) {
			ck_assert_int_eq(w.n, 1);
			ck_assert_int_eq(w.m[0].rc, GEN_HTTP_DONE);
			ck_assert_uint_eq(w.m[0].status, c[i].status);
			ck_assert_int_eq(w.m[0].close, c[i].close);
			ck_assert_uint_eq(w.m[0].used, n);
			ck_assert_int_eq(w.m[0].has_length,
					 c[i].status != 204 &&
					 c[i].status != 304);
		} else {
			ck_assert_int_eq(w.n, 0);
			ck_assert_uint_eq(w.used, n);
		}
		for (k = 0; k < n; k++)
			ck_assert_uint_eq(gen_http_resp_build(buf, k,
					  c[i].status, c[i].cl, c[i].close,
					  c[i].extra), 0);
	}
	n = gen_http_resp_build(buf, sizeof(buf), 404, 9, true, NULL);
	ck_assert_uint_eq(n, strlen("HTTP/1.1 404 Not Found\r\n"
				    "Content-Length: 9\r\n"
				    "Connection: close\r\n\r\n"));
	ck_assert_mem_eq(buf, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n"
			 "Connection: close\r\n\r\n", n);
	ck_assert_uint_eq(gen_http_resp_build(buf, sizeof(buf), 204, 1, false,
					      NULL), 0);
	ck_assert_uint_eq(gen_http_resp_build(buf, sizeof(buf), 99, 0, false,
					      NULL), 0);
	ck_assert_uint_eq(gen_http_resp_build(buf, sizeof(buf), 1000, 0, false,
					      NULL), 0);
	ck_assert_uint_eq(gen_http_resp_build(buf, sizeof(buf), 200, 0, false,
					      "X: y"), 0);
}
END_TEST

START_TEST(http_strerror_distinct)
{
	static const int codes[] = {
		GEN_HTTP_MORE, GEN_HTTP_DONE, GEN_HTTP_IDLE, GEN_HTTP_E_SYNTAX,
		GEN_HTTP_E_CHUNKED, GEN_HTTP_E_1XX, GEN_HTTP_E_NO_LENGTH,
		GEN_HTTP_E_TOO_BIG, GEN_HTTP_E_EOF,
	};
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(codes); i++) {
		ck_assert_str_ne(gen_http_strerror(codes[i]), "unknown");
		if (i >= 3)
			ck_assert_int_lt(codes[i], 0);
		for (j = 0; j < i; j++)
			ck_assert_int_ne(codes[i], codes[j]);
	}
}
END_TEST

/* ---- rate limiter ---- */

static const uint64_t rates[] = { 1, 10, 1000, 100000, 10000000 };

/*
 * Run @r from @t0 for @dur ns in random steps of 1 us .. 10 ms, taking
 * up to @max (or everything when @max is 0) each step. Returns events.
 */
static uint64_t
drive(struct gen_rate *r, uint64_t *seed, uint64_t t0, uint64_t dur,
      uint64_t max)
{
	uint64_t t = t0, total = 0, m;

	while (t < t0 + dur) {
		t += rnd_range(seed, 1000, 10000000);
		if (t > t0 + dur)
			t = t0 + dur;
		m = max == 0 ? UINT64_MAX : rnd_range(seed, 0, max);
		total += gen_rate_take(r, t, m);
	}
	return total;
}

static void
assert_near(uint64_t got, uint64_t want)
{
	uint64_t err = got > want ? got - want : want - got;

	ck_assert_msg(err <= 1, "got %" PRIu64 ", want %" PRIu64 " +- 1", got,
		      want);
	ck_assert_msg((double)err <= 0.02 * (double)want, "beyond 2%%");
}

START_TEST(rate_random_steps_exact)
{
	struct gen_rate r;
	uint64_t seed = 11 + (uint64_t)_i, t0 = 123456789, got;
	uint64_t rate = rates[_i];

	/* Burst of one second: steps never overflow it. */
	gen_rate_init(&r, rate, rate + 1, t0);
	got = drive(&r, &seed, t0, 5 * NS_PER_S, 0);
	assert_near(got, rate * 5);
	ck_assert_uint_eq(r.missed, 0);
}
END_TEST

START_TEST(rate_limited_takes_catch_up)
{
	struct gen_rate r;
	uint64_t seed = 21 + (uint64_t)_i, t0 = 0, got;
	uint64_t rate = rates[_i];

	/* The caller takes fewer than offered; the rest waits in the bucket. */
	gen_rate_init(&r, rate, UINT64_MAX, t0);
	got = drive(&r, &seed, t0, 5 * NS_PER_S, rate / 1000 + 1);
	got += gen_rate_take(&r, t0 + 5 * NS_PER_S, UINT64_MAX);
	assert_near(got, rate * 5);
}
END_TEST

START_TEST(rate_set_changes_slope)
{
	struct gen_rate r;
	uint64_t seed = 31, a, b;

	gen_rate_init(&r, 1000, 1000000, 0);
	a = drive(&r, &seed, 0, 2 * NS_PER_S, 0);
	assert_near(a, 2000);
	gen_rate_set(&r, 5000, 2 * NS_PER_S);
	b = drive(&r, &seed, 2 * NS_PER_S, 3 * NS_PER_S, 0);
	assert_near(b, 15000);
	assert_near(a + b, 17000);
	/* Down to 1/s: one event in the next second, none before. */
	gen_rate_set(&r, 1, 5 * NS_PER_S);
	ck_assert_uint_eq(gen_rate_take(&r, 5 * NS_PER_S + NS_PER_S - 1,
					UINT64_MAX), 0);
	ck_assert_uint_eq(gen_rate_take(&r, 6 * NS_PER_S, UINT64_MAX), 1);
}
END_TEST

START_TEST(rate_set_keeps_earned_tokens)
{
	struct gen_rate r;

	/* 1.5 tokens at 1/s; then at 1000/s the half token counts. */
	gen_rate_init(&r, 1, 100, 0);
	gen_rate_set(&r, 1000, 1500000000);
	ck_assert_uint_eq(gen_rate_take(&r, 1500000000, UINT64_MAX), 1);
	ck_assert_uint_eq(gen_rate_take(&r, 1500500000, UINT64_MAX), 1);
	ck_assert_uint_eq(gen_rate_take(&r, 1501000000, UINT64_MAX), 0);
	ck_assert_uint_eq(gen_rate_take(&r, 1501500000, UINT64_MAX), 1);
}
END_TEST

START_TEST(rate_burst_cap)
{
	struct gen_rate r;

	gen_rate_init(&r, 1000, 50, 0);
	/* Idle 10 s: only the burst is granted; the rest is counted. */
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S, UINT64_MAX), 50);
	ck_assert_uint_eq(r.missed, 10000 - 50);
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S, UINT64_MAX), 0);
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S + 999999, 10), 0);
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S + 1000000, 10), 1);
	/* max limits a grant without losing the rest. */
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S + 11000000, 4), 4);
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S + 11000000, 100), 6);
	/* A burst of 0 means 1. */
	gen_rate_init(&r, 1000, 0, 0);
	ck_assert_uint_eq(gen_rate_take(&r, NS_PER_S, UINT64_MAX), 1);
}
END_TEST

START_TEST(rate_zero_and_backwards)
{
	struct gen_rate r;

	gen_rate_init(&r, 0, 10, 1000);
	ck_assert_uint_eq(gen_rate_take(&r, 100 * NS_PER_S, UINT64_MAX), 0);
	gen_rate_set(&r, 1000, 100 * NS_PER_S);
	/* A clock that steps back adds nothing and loses nothing. */
	ck_assert_uint_eq(gen_rate_take(&r, 50 * NS_PER_S, UINT64_MAX), 0);
	ck_assert_uint_eq(gen_rate_take(&r, 100 * NS_PER_S + 3000000,
					UINT64_MAX), 3);
}
END_TEST

START_TEST(rate_huge_and_long)
{
	struct gen_rate r;
	uint64_t seed = 41, got, t;

	/* 100M/s over 5 s in random steps. */
	gen_rate_init(&r, 100000000, 100000000, 0);
	got = drive(&r, &seed, 0, 5 * NS_PER_S, 0);
	assert_near(got, 500000000);
	/* 10^12/s after a 10 s idle: 10^22 overflows 64 bits; exact anyway. */
	gen_rate_init(&r, 1000000000000, UINT64_MAX, 0);
	ck_assert_uint_eq(gen_rate_take(&r, 10 * NS_PER_S, UINT64_MAX),
			  UINT64_C(10000000000000));
	/* 1/s for a simulated day in 7 ms steps: exact. */
	gen_rate_init(&r, 1, 10, 0);
	got = 0;
	for (t = 7000000; t <= 86400 * NS_PER_S; t += 7000000)
		got += gen_rate_take(&r, t, UINT64_MAX);
	ck_assert_uint_eq(got, 86399);	/* the last step ends at 86399.999 s */
}
END_TEST

START_TEST(rate_ramp_values)
{
	uint64_t t, prev = 0, v;

	ck_assert_uint_eq(gen_rate_ramp(0, 1000, 10 * NS_PER_S, 0), 0);
	ck_assert_uint_eq(gen_rate_ramp(0, 1000, 10 * NS_PER_S, 5 * NS_PER_S),
			  500);
	ck_assert_uint_eq(gen_rate_ramp(0, 1000, 10 * NS_PER_S, 2500000000),
			  250);
	ck_assert_uint_eq(gen_rate_ramp(0, 1000, 10 * NS_PER_S,
					10 * NS_PER_S - 1), 999);
	ck_assert_uint_eq(gen_rate_ramp(0, 1000, 10 * NS_PER_S,
					10 * NS_PER_S), 1000);
	ck_assert_uint_eq(gen_rate_ramp(0, 1000, 10 * NS_PER_S,
					99 * NS_PER_S), 1000);
	ck_assert_uint_eq(gen_rate_ramp(100, 1100, 4 * NS_PER_S,
					2 * NS_PER_S), 600);
	ck_assert_uint_eq(gen_rate_ramp(1000, 0, 10 * NS_PER_S, 5 * NS_PER_S),
			  500);
	ck_assert_uint_eq(gen_rate_ramp(1000, 0, 10 * NS_PER_S, 1), 999);
	ck_assert_uint_eq(gen_rate_ramp(7, 42, 0, 0), 42);
	/* 100M/s over an hour: no overflow, monotonic. */
	for (t = 0; t <= HOUR_NS; t += HOUR_NS / 1000) {
		v = gen_rate_ramp(0, 100000000, HOUR_NS, t);
		ck_assert_uint_ge(v, prev);
		prev = v;
	}
	ck_assert_uint_eq(prev, 100000000);
}
END_TEST

START_TEST(rate_ramp_driven)
{
	struct gen_rate r;
	uint64_t t, got = 0;

	/* 0 -> 10000/s over 10 s, re-set every ms: about the area, 50000. */
	gen_rate_init(&r, 0, 1000000, 0);
	for (t = 1000000; t <= 10 * NS_PER_S; t += 1000000) {
		got += gen_rate_take(&r, t, UINT64_MAX);
		gen_rate_set(&r, gen_rate_ramp(0, 10000, 10 * NS_PER_S, t), t);
	}
	ck_assert_msg(got >= 49000 && got <= 50000, "got %" PRIu64, got);
}
END_TEST

static Suite *
gen_suite(void)
{
	Suite *s = suite_create("gen");
	TCase *tc;

	tc = tcase_create("hist");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hist_empty);
	tcase_add_test(tc, hist_zero);
	tcase_add_test(tc, hist_constant);
	tcase_add_test(tc, hist_extremes);
	tcase_add_test(tc, hist_small_exact);
	tcase_add_test(tc, hist_uniform);
	tcase_add_test(tc, hist_exponential);
	tcase_add_test(tc, hist_log_uniform);
	tcase_add_test(tc, hist_index_layout);
	tcase_add_test(tc, hist_clamped);
	tcase_add_test(tc, hist_merge_equals_one);
	tcase_add_test(tc, hist_reset_and_mean);
	suite_add_tcase(s, tc);

	tc = tcase_create("http_resp");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, resp_good_any_cut, 0, ARRAY_LEN(good_resps));
	tcase_add_loop_test(tc, resp_bad_any_cut, 0, ARRAY_LEN(bad_resps));
	tcase_add_test(tc, resp_line_limits);
	tcase_add_test(tc, resp_header_section_too_big);
	tcase_add_test(tc, resp_pipelined_three);
	tcase_add_test(tc, resp_feed_leaves_pipelined_bytes);
	tcase_add_test(tc, resp_head_has_no_body);
	tcase_add_test(tc, resp_eof_cases);
	tcase_add_test(tc, resp_big_body_counted);
	suite_add_tcase(s, tc);

	tc = tcase_create("http_req");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, req_build_parse_back);
	tcase_add_test(tc, req_build_exact_bytes);
	tcase_add_test(tc, req_build_rejects);
	tcase_add_loop_test(tc, req_bad_any_cut, 0, ARRAY_LEN(bad_reqs));
	tcase_add_test(tc, req_keepalive_rules);
	tcase_add_test(tc, req_pipelined_and_lenient);
	tcase_add_test(tc, req_path_limit_and_long_headers);
	tcase_add_test(tc, req_eof_cases);
	tcase_add_test(tc, resp_build_parse_back);
	tcase_add_test(tc, http_strerror_distinct);
	suite_add_tcase(s, tc);

	tc = tcase_create("rate");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, rate_random_steps_exact, 0, ARRAY_LEN(rates));
	tcase_add_loop_test(tc, rate_limited_takes_catch_up, 0,
			    ARRAY_LEN(rates));
	tcase_add_test(tc, rate_set_changes_slope);
	tcase_add_test(tc, rate_set_keeps_earned_tokens);
	tcase_add_test(tc, rate_burst_cap);
	tcase_add_test(tc, rate_zero_and_backwards);
	tcase_add_test(tc, rate_huge_and_long);
	tcase_add_test(tc, rate_ramp_values);
	tcase_add_test(tc, rate_ramp_driven);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(gen_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
