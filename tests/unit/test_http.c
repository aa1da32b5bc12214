/* test_http.c: unit tests of pmtcp-gen's HTTP/1.1 parsers (RFC 9112) and builders. */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_http.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* splitmix64: a seeded generator, so every run sees the same cuts. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

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
	bool chunked;
	bool close;
	uint8_t interim;
	uint64_t cl;
	uint64_t body;
	uint32_t hdr;
	uint32_t trailer;
	uint32_t hash;
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
	if (rc < 0 && rc != GEN_HTTP_E_UPGRADE)
		return;		/* where an error is seen depends on the cuts */
	x->used = rc < 0 ? 0 : used;
	x->status = m->status;
	x->minor = m->http_minor;
	x->has_length = m->has_length;
	x->chunked = m->chunked;
	x->close = m->close;
	x->interim = m->interim;
	x->cl = m->content_length;
	x->body = m->body_bytes;
	x->hdr = m->header_bytes;
	x->trailer = m->trailer_bytes;
	x->hash = m->hash;
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
 * Bodies are hashed, so every cut must give the same CRC32C too.
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
		q.msg.hash_body = true;
	} else {
		gen_http_resp_init(&r);
		r.msg.head = head;
		r.msg.hash_body = true;
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
				q.msg.hash_body = true;
			} else {
				gen_http_resp_reset(&r);
				r.msg.head = head;
				r.msg.hash_body = true;
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
 * Parse @buf whole, then split in two at every @stride-th byte, one byte
 * at a time and in random pieces: every way must give the same
 * messages. Returns the whole-buffer run.
 */
static struct run
run_cuts(bool req, const char *buf, size_t len, bool eof, bool head,
	 const char *what, size_t stride)
{
	struct run whole, other;
	struct cutter c = { 0 };
	size_t k;
	uint64_t s;

	run_stream(&whole, req, buf, len, c, eof, head);
	for (k = 1; k < len; k += stride) {
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

/* As run_cuts(), split at every byte. */
static struct run
run_all_cuts(bool req, const char *buf, size_t len, bool eof, bool head,
	     const char *what)
{
	return run_cuts(req, buf, len, eof, head, what, 1);
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
	/* Bodies delimited by the close (RFC 9112 6.3 item 8), also in 1.1. */
	{ "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody",
	  GEN_HTTP_DONE, 200, false, 0, 4, true, true, GEN_HTTP_DONE },
	{ "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nbody",
	  GEN_HTTP_DONE, 200, false, 0, 4, true, true, GEN_HTTP_DONE },
	{ "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n",
	  GEN_HTTP_DONE, 200, false, 0, 0, true, true, GEN_HTTP_DONE },
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
	{ "HTTX/1.1 200 OK\r\n\r\n", GEN_HTTP_E_STATUS_LINE },
	{ "http/1.1 200 OK\r\n\r\n", GEN_HTTP_E_STATUS_LINE },
	{ "HTTP/2 200 OK\r\n\r\n", GEN_HTTP_E_STATUS_LINE },
	{ "HTTP/1.x 200 OK\r\n\r\n", GEN_HTTP_E_STATUS_LINE },
	{ "HTTP/1.1200 OK\r\n\r\n", GEN_HTTP_E_STATUS_LINE },
	{ "HTTP/1.1 20 OK\r\n\r\n", GEN_HTTP_E_STATUS_LINE },
	{ "HTTP/1.1 2000 OK\r\n\r\n", GEN_HTTP_E_STATUS_LINE },
	{ "HTTP/1.1 099 Low\r\n\r\n", GEN_HTTP_E_STATUS_LINE },
	{ "HTTP/1.1 abc OK\r\n\r\n", GEN_HTTP_E_STATUS_LINE },
	{ "HTTP/1.1 200\rX\n\r\n", GEN_HTTP_E_STATUS_LINE },
	{ "\r\nHTTP/1.1 200 OK\r\n\r\n", GEN_HTTP_E_STATUS_LINE },
	{ "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", GEN_HTTP_E_BAD_LENGTH },
	{ "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", GEN_HTTP_E_BAD_LENGTH },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n", GEN_HTTP_E_BAD_LENGTH },
	{ "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", GEN_HTTP_E_BAD_LENGTH },
	{ "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", GEN_HTTP_E_BAD_LENGTH },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", GEN_HTTP_E_BAD_LENGTH },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n", GEN_HTTP_E_BAD_LENGTH },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 5\rX\r\n\r\n", GEN_HTTP_E_HEADER },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
	  GEN_HTTP_E_BAD_LENGTH },
	{ "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n", GEN_HTTP_E_HEADER },
	{ "HTTP/1.1 200 OK\r\n X: folded\r\n\r\n", GEN_HTTP_E_HEADER },
	{ "HTTP/1.1 200 OK\r\nX-A: 1\r\n continued\r\n\r\n", GEN_HTTP_E_HEADER },
	{ "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", GEN_HTTP_E_HEADER },
	{ "HTTP/1.1 200 OK\r\nX(A): 1\r\n\r\n", GEN_HTTP_E_HEADER },
	{ "HTTP/1.1 200 OK\r\n\rX", GEN_HTTP_E_HEADER },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
	  GEN_HTTP_E_BODY_TOO_LONG },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1125899906842625\r\n\r\n",
	  GEN_HTTP_E_BODY_TOO_LONG },
	{ "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
	  GEN_HTTP_E_UPGRADE },
	{ "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching\r\n\r\n",
	  GEN_HTTP_E_UPGRADE },
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
	if (t->rc == GEN_HTTP_E_UPGRADE)
		ck_assert_uint_eq(w.m[0].status, 101);
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
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_LINE_TOO_LONG);
	free(b);
	b = resp_with_line(9 * 1024, &len);
	w = run_all_cuts(false, b, len, false, false, "9 KiB line");
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_LINE_TOO_LONG);
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
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_HEADER_TOO_LONG);
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

/*
 * Known messages: the bytes of one parsed whole, compared next time. A
 * match gives the parser's very result; one byte off, a cut message, or
 * other settings go through the parser, which says what is wrong.
 */
START_TEST(known_resp_compared_not_parsed)
{
	static const char ok[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 204 x"
		"\r\n\r\n";
	static const char bad[] =	/* one byte off: a 500 */
		"HTTP/1.1 500 OK\r\nContent-Length: 2\r\n\r\nok";
	static const char broken[] =	/* one byte off: not a length */
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nok";
	static struct gen_http_known k;
	struct gen_http_resp r, ref;
	size_t used;

	memset(&k, 0, sizeof(k));
	/* A cut one teaches nothing. */
	gen_http_resp_init(&r);
	ck_assert_int_eq(gen_http_resp_feed_known(&r, &k, ok, 20, &used),
			 GEN_HTTP_MORE);
	ck_assert_uint_eq(k.len, 0);
	/* Parsed whole from its first byte: learned, the 204 after it not. */
	gen_http_resp_init(&r);
	ck_assert_int_eq(gen_http_resp_feed_known(&r, &k, ok, sizeof(ok) - 1,
						  &used), GEN_HTTP_DONE);
	ck_assert_uint_eq(used, 40);
	ck_assert_uint_eq(k.len, 40);
	ck_assert_uint_eq(k.hits, 0);
	ref = r;
	/* The same bytes: the same result, no parse, pipelined bytes left. */
	gen_http_resp_reset(&r);
	ck_assert_int_eq(gen_http_resp_feed_known(&r, &k, ok, sizeof(ok) - 1,
						  &used), GEN_HTTP_DONE);
	ck_assert_uint_eq(used, 40);
	ck_assert_uint_eq(k.hits, 1);
	ck_assert_mem_eq(&r, &ref, sizeof(r));
	ck_assert_uint_eq(r.msg.status, 200);
	ck_assert_uint_eq(r.msg.body_bytes, 2);
	/* The 204 after it is parsed (and learned in its place). */
	gen_http_resp_reset(&r);
	ck_assert_int_eq(gen_http_resp_feed_known(&r, &k, ok + 40,
						  sizeof(ok) - 41, &used),
			 GEN_HTTP_DONE);
	ck_assert_uint_eq(r.msg.status, 204);
	ck_assert_uint_eq(k.hits, 1);
	ck_assert_uint_eq(k.len, sizeof(ok) - 41);
	/* Back to the 200; then one byte off is parsed: a 500. */
	gen_http_resp_reset(&r);
	ck_assert_int_eq(gen_http_resp_feed_known(&r, &k, ok, 40, &used),
			 GEN_HTTP_DONE);
	gen_http_resp_reset(&r);
	ck_assert_int_eq(gen_http_resp_feed_known(&r, &k, bad, sizeof(bad) - 1,
						  &used), GEN_HTTP_DONE);
	ck_assert_uint_eq(r.msg.status, 500);
	ck_assert_uint_eq(k.hits, 1);
	/* And a broken one fails as the parser says. */
	gen_http_resp_reset(&r);
	ck_assert_int_lt(gen_http_resp_feed_known(&r, &k, broken,
						  sizeof(broken) - 1, &used),
			 0);
	/* The learned 500 does not answer for a HEAD (no body there). */
	gen_http_resp_reset(&r);
	r.msg.head = true;
	ck_assert_int_eq(gen_http_resp_feed_known(&r, &k, bad, sizeof(bad) - 1,
						  &used), GEN_HTTP_DONE);
	ck_assert_uint_eq(used, sizeof(bad) - 3);	/* "ok" is not its */
	ck_assert_uint_eq(k.hits, 1);
	/* Mid-message (a piece already parsed): never compared. */
	gen_http_resp_reset(&r);
	ck_assert_int_eq(gen_http_resp_feed_known(&r, &k, bad, 5, &used),
			 GEN_HTTP_MORE);
	ck_assert_int_eq(gen_http_resp_feed_known(&r, &k, bad + 5,
						  sizeof(bad) - 6, &used),
			 GEN_HTTP_DONE);
	ck_assert_uint_eq(k.hits, 1);
	/* No table: plain parsing. */
	gen_http_resp_reset(&r);
	ck_assert_int_eq(gen_http_resp_feed_known(&r, NULL, ok, 40, &used),
			 GEN_HTTP_DONE);
}
END_TEST

START_TEST(known_req_compared_not_parsed)
{
	static const char get[] =
		"GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
	static struct gen_http_known k;
	const struct gen_http_req *kq;
	struct gen_http_req q;
	size_t used;

	memset(&k, 0, sizeof(k));
	ck_assert_ptr_null(gen_http_req_known(&k, 0, get, sizeof(get) - 1));
	gen_http_req_init(&q);
	ck_assert_int_eq(gen_http_req_feed_learn(&q, &k, get, sizeof(get) - 1,
						 &used), GEN_HTTP_DONE);
	ck_assert_uint_eq(k.len, sizeof(get) - 1);
	kq = gen_http_req_known(&k, 0, get, sizeof(get) - 1);
	ck_assert_ptr_nonnull(kq);
	ck_assert(kq->msg.close);
	ck_assert_uint_eq(kq->msg.http_minor, 1);
	ck_assert_str_eq(kq->path, "/a");
	ck_assert_uint_eq(k.hits, 1);
	/* Another header limit, a cut copy, one byte off: not it. */
	ck_assert_ptr_null(gen_http_req_known(&k, 100, get, sizeof(get) - 1));
	ck_assert_ptr_null(gen_http_req_known(&k, 0, get, sizeof(get) - 2));
	{
		char other[sizeof(get)];

		memcpy(other, get, sizeof(get));
		other[5] = 'b';
		ck_assert_ptr_null(gen_http_req_known(&k, 0, other,
						      sizeof(get) - 1));
		gen_http_req_reset(&q);
		ck_assert_int_eq(gen_http_req_feed_learn(&q, &k, other,
							 sizeof(get) - 1,
							 &used),
				 GEN_HTTP_DONE);
		ck_assert_str_eq(q.path, "/b");
	}
	ck_assert_uint_eq(k.hits, 1);
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
	{ "GET /\r\n\r\n", GEN_HTTP_E_REQUEST_LINE },			/* HTTP/0.9 */
	{ "GET / HTTP/2.0\r\nHost: h\r\n\r\n", GEN_HTTP_E_REQUEST_LINE },
	{ "GET / HTTP/1.1 x\r\nHost: h\r\n\r\n", GEN_HTTP_E_REQUEST_LINE },
	{ "G@T / HTTP/1.1\r\nHost: h\r\n\r\n", GEN_HTTP_E_REQUEST_LINE },
	{ " GET / HTTP/1.1\r\nHost: h\r\n\r\n", GEN_HTTP_E_REQUEST_LINE },
	{ "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", GEN_HTTP_E_REQUEST_LINE },
	{ "GET\r\n\r\n", GEN_HTTP_E_REQUEST_LINE },
	{ "GET / HTTP/1.1\r\n\r\n", GEN_HTTP_E_HOST },		/* no Host */
	{ "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", GEN_HTTP_E_HOST },
	{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", GEN_HTTP_E_HEADER },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n",
	  GEN_HTTP_E_BAD_LENGTH },
	{ "VERYLONGMETHODXYZ / HTTP/1.1\r\nHost: h\r\n\r\n",
	  GEN_HTTP_E_METHOD_TOO_LONG },
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
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_TARGET_TOO_LONG);
	/* A 9 KiB header line. */
	n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: h\r\nCookie: ");
	memset(buf + n, 'c', 9 * 1024);
	n += 9 * 1024;
	n += (size_t)sprintf(buf + n, "\r\n\r\n");
	w = run_all_cuts(true, buf, n, false, false, "9 KiB header");
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_LINE_TOO_LONG);
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

/* Every result: distinct, with its own reason, key and text. */
static const int all_errors[] = {
	GEN_HTTP_E_STATUS_LINE, GEN_HTTP_E_REQUEST_LINE, GEN_HTTP_E_HEADER,
	GEN_HTTP_E_HOST, GEN_HTTP_E_LINE_TOO_LONG, GEN_HTTP_E_HEADER_TOO_LONG,
	GEN_HTTP_E_BAD_LENGTH, GEN_HTTP_E_CHUNK, GEN_HTTP_E_BODY_TOO_LONG,
	GEN_HTTP_E_METHOD_TOO_LONG, GEN_HTTP_E_TARGET_TOO_LONG,
	GEN_HTTP_E_UPGRADE, GEN_HTTP_E_CODING, GEN_HTTP_E_EOF,
};

START_TEST(http_reasons_distinct)
{
	static const int ok[] = { GEN_HTTP_MORE, GEN_HTTP_DONE, GEN_HTTP_IDLE };
	const char *name, *text;
	unsigned int r;
	size_t i, j;

	ck_assert_uint_eq(ARRAY_LEN(all_errors) + 1, GEN_HTTP_N_REASONS);
	ck_assert_str_eq(gen_http_reason_names[GEN_HTTP_R_NONE], "none");
	for (i = 0; i < ARRAY_LEN(ok); i++) {
		ck_assert_uint_eq(gen_http_reason(ok[i]), GEN_HTTP_R_NONE);
		ck_assert_str_ne(gen_http_strerror(ok[i]), "unknown");
	}
	for (i = 0; i < ARRAY_LEN(all_errors); i++) {
		ck_assert_int_lt(all_errors[i], 0);
		r = gen_http_reason(all_errors[i]);
		ck_assert_uint_gt(r, GEN_HTTP_R_NONE);
		ck_assert_uint_lt(r, GEN_HTTP_N_REASONS);
		name = gen_http_reason_name(r);
		text = gen_http_strerror(all_errors[i]);
		ck_assert_ptr_eq(name, gen_http_reason_names[r]);
		/* Keys are counter names: short, lower case, no spaces. */
		ck_assert_uint_gt(strlen(name), 2);
		ck_assert_uint_le(strlen(name), 16);
		ck_assert_uint_eq(strspn(name, "abcdefghijklmnopqrstuvwxyz_"),
				  strlen(name));
		ck_assert_str_ne(text, "unknown");
		for (j = 0; j < i; j++) {
			ck_assert_int_ne(all_errors[i], all_errors[j]);
			ck_assert_uint_ne(r, gen_http_reason(all_errors[j]));
			ck_assert_str_ne(name, gen_http_reason_name(
					 gen_http_reason(all_errors[j])));
			ck_assert_str_ne(text, gen_http_strerror(all_errors[j]));
		}
	}
	ck_assert_str_eq(gen_http_reason_name(gen_http_reason(GEN_HTTP_E_EOF)),
			 "eof");
	ck_assert_str_eq(gen_http_reason_name(gen_http_reason(GEN_HTTP_E_CHUNK)),
			 "chunk");
	ck_assert_uint_eq(gen_http_reason(-1000), GEN_HTTP_R_NONE);
	ck_assert_uint_eq(gen_http_reason(-GEN_HTTP_N_REASONS), GEN_HTTP_R_NONE);
	ck_assert_str_eq(gen_http_reason_name(GEN_HTTP_N_REASONS), "unknown");
	ck_assert_str_eq(gen_http_strerror(-1000), "unknown");
}
END_TEST

/* ---- RFC 9112 framing: chunked, 1xx, close-delimited ---- */

/*
 * One final response (after any 1xx), fed whole and cut everywhere.
 * head + rest is the stream; head ends where the body's framing starts,
 * so header_bytes must be strlen(head); trailer is the stream's tail
 * that must be counted as the trailer section; body is the content.
 */
struct framing_case {
	const char *head;
	const char *rest;
	const char *body;
	const char *trailer;
	uint16_t status;
	uint8_t interim;
	bool chunked;
	bool has_length;
	bool close;
	bool eof;		/* close-delimited: DONE only at eof */
};

#define TE_CHUNKED "Transfer-Encoding: chunked\r\n"

static const struct framing_case framing_resps[] = {
	{ .head = "HTTP/1.1 200 OK\r\n" TE_CHUNKED "\r\n",
	  .rest = "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n",
	  .body = "hello, world", .trailer = "\r\n",
	  .status = 200, .chunked = true },
	/* Extensions (quoted, with ';'), BWS, upper case, leading zeros. */
	{ .head = "HTTP/1.1 200 OK\r\nTransfer-Encoding:  Chunked \r\n\r\n",
	  .rest = "00A;name=val;x=\"q;d\"\r\n0123456789\r\n1 ; ext \r\nZ\r\n"
		  "0000000000000000000000000000003\r\nabc\r\n"
		  "0;last\r\nX-Trailer: t\r\nChecksum:abc\r\n\r\n",
	  .body = "0123456789Zabc",
	  .trailer = "X-Trailer: t\r\nChecksum:abc\r\n\r\n",
	  .status = 200, .chunked = true },
	/* Trailer fields never frame: this Content-Length is not read. */
	{ .head = "HTTP/1.1 200 OK\r\n" TE_CHUNKED "\r\n",
	  .rest = "2\r\nok\r\n0\r\nContent-Length: 99\r\n"
		  "Transfer-Encoding: gzip\r\n\r\n",
	  .body = "ok",
	  .trailer = "Content-Length: 99\r\nTransfer-Encoding: gzip\r\n\r\n",
	  .status = 200, .chunked = true },
	/* Bare LF everywhere (RFC 9112 2.2). */
	{ .head = "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n",
	  .rest = "3\nabc\n0\n\n", .body = "abc", .trailer = "\n",
	  .status = 200, .chunked = true },
	/* chunked final after another coding, in one field or two. */
	{ .head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip;level=1 ,"
		  "CHUNKED\r\n\r\n",
	  .rest = "4\r\n\x1f\x8b\x08\x01\r\n0\r\n\r\n",
	  .body = "\x1f\x8b\x08\x01",
	  .trailer = "\r\n", .status = 200, .chunked = true },
	{ .head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nX: y\r\n"
		  "Transfer-Encoding: , chunked\r\n\r\n",
	  .rest = "1\r\nq\r\n0\r\n\r\n", .body = "q", .trailer = "\r\n",
	  .status = 200, .chunked = true },
	/* RFC 9112 6.3 item 3: TE wins over CL, and the connection closes. */
	{ .head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n" TE_CHUNKED
		  "\r\n",
	  .rest = "2\r\nok\r\n0\r\n\r\n", .body = "ok", .trailer = "\r\n",
	  .status = 200, .chunked = true, .close = true },
	/* Item 4: chunked not final, or absent: the body runs to the close. */
	{ .head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n"
		  "Content-Length: 3\r\n\r\n",
	  .rest = "5\r\nhello\r\n0\r\n\r\n", .body = "5\r\nhello\r\n0\r\n\r\n",
	  .status = 200, .close = true, .eof = true },
	{ .head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
	  .rest = "zzz", .body = "zzz", .status = 200, .close = true,
	  .eof = true },
	/* Item 8: neither, in HTTP/1.1 without Connection: close. */
	{ .head = "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n",
	  .rest = "to the end", .body = "to the end", .status = 200,
	  .close = true, .eof = true },
	/* 1xx interim responses are skipped (RFC 9110 15.2). */
	{ .head = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
		  "Content-Length: 4\r\n\r\n",
	  .rest = "abcd", .body = "abcd", .status = 200, .interim = 1,
	  .has_length = true },
	{ .head = "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n"
		  "Link: </a.js>; rel=preload\r\n\r\n"
		  "HTTP/1.1 100\r\n\r\n"
		  "HTTP/1.1 102 Processing\nContent-Length: 7\n"
		  "Connection: close\n" TE_CHUNKED "\n"
		  "HTTP/1.1 201 Created\r\n" TE_CHUNKED "\r\n",
	  .rest = "3\r\nnew\r\n0\r\n\r\n", .body = "new", .trailer = "\r\n",
	  .status = 201, .interim = 3, .chunked = true },
	{ .head = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
	  .rest = "rest", .body = "rest", .status = 200, .interim = 1,
	  .close = true, .eof = true },
	/* Item 1: no body for 204 and 304, whatever the framing says. */
	{ .head = "HTTP/1.1 204 No Content\r\n" TE_CHUNKED "\r\n",
	  .rest = "", .body = "", .status = 204 },
	{ .head = "HTTP/1.1 304 Not Modified\r\n" TE_CHUNKED
		  "Content-Length: 10\r\n\r\n",
	  .rest = "", .body = "", .status = 304, .has_length = true },
	{ .head = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
	  .rest = "", .body = "", .status = 204, .interim = 1 },
};

START_TEST(resp_framing_any_cut)
{
	const struct framing_case *t = &framing_resps[_i];
	size_t hlen = strlen(t->head), len = hlen + strlen(t->rest);
	size_t blen = strlen(t->body);
	char *text = malloc(len + 1);
	struct run w;

	ck_assert_ptr_nonnull(text);
	memcpy(text, t->head, hlen);
	memcpy(text + hlen, t->rest, len - hlen + 1);
	w = run_all_cuts(false, text, len, t->eof, false, t->head);
	ck_assert_int_eq(w.n, 1);
	ck_assert_msg(w.m[0].rc == GEN_HTTP_DONE, "%s: %s", t->head,
		      gen_http_strerror(w.m[0].rc));
	ck_assert_int_eq(w.eof_rc, t->eof ? GEN_HTTP_DONE : 1000);
	ck_assert_uint_eq(w.m[0].status, t->status);
	ck_assert_uint_eq(w.m[0].interim, t->interim);
	ck_assert_int_eq(w.m[0].chunked, t->chunked);
	ck_assert_int_eq(w.m[0].has_length, t->has_length);
	ck_assert_int_eq(w.m[0].close, t->close);
	ck_assert_uint_eq(w.m[0].used, len);
	ck_assert_uint_eq(w.m[0].hdr, hlen);
	ck_assert_uint_eq(w.m[0].body, blen);
	ck_assert_uint_eq(w.m[0].hash, gen_http_crc32c(0, t->body, blen));
	if (t->trailer != NULL) {
		ck_assert_uint_eq(w.m[0].trailer, strlen(t->trailer));
		ck_assert_str_eq(text + len - strlen(t->trailer), t->trailer);
	} else {
		ck_assert_uint_eq(w.m[0].trailer, 0);
	}
	free(text);
}
END_TEST

#define OK_HEAD "HTTP/1.1 200 OK\r\n" TE_CHUNKED "\r\n"

static const struct bad_case bad_framing[] = {
	/* chunk-size: 2^64 and more do not fit (RFC 9112 7.1). */
	{ OK_HEAD "10000000000000000\r\n", GEN_HTTP_E_CHUNK },
	{ OK_HEAD "FFFFFFFFFFFFFFFF0\r\n", GEN_HTTP_E_CHUNK },
	{ OK_HEAD "0000ffffffffffffffff1;x\r\n", GEN_HTTP_E_CHUNK },
	/* Fits, but over GEN_HTTP_MAX_BODY, alone or summed. */
	{ OK_HEAD "4000000000001\r\n", GEN_HTTP_E_BODY_TOO_LONG },
	{ OK_HEAD "FFFFFFFFFFFFFFFF\r\n", GEN_HTTP_E_BODY_TOO_LONG },
	{ OK_HEAD "1\r\nx\r\n4000000000000\r\n", GEN_HTTP_E_BODY_TOO_LONG },
	/* No digits, signs, junk, missing or wrong CRLFs. */
	{ OK_HEAD "\r\n", GEN_HTTP_E_CHUNK },
	{ OK_HEAD ";ext\r\n", GEN_HTTP_E_CHUNK },
	{ OK_HEAD " 5\r\nhello\r\n", GEN_HTTP_E_CHUNK },
	{ OK_HEAD "-5\r\n", GEN_HTTP_E_CHUNK },
	{ OK_HEAD "0x5\r\n", GEN_HTTP_E_CHUNK },
	{ OK_HEAD "5 x\r\nhello\r\n", GEN_HTTP_E_CHUNK },
	{ OK_HEAD "5\rx\nhello\r\n", GEN_HTTP_E_CHUNK },
	{ OK_HEAD "5\r\nhelloX\r\n0\r\n\r\n", GEN_HTTP_E_CHUNK },
	{ OK_HEAD "5\r\nhello\rX\n0\r\n\r\n", GEN_HTTP_E_CHUNK },
	{ OK_HEAD "5\r\nhello world\r\n", GEN_HTTP_E_CHUNK },
	/* A bad trailer line is a bad field line. */
	{ OK_HEAD "0\r\n folded: x\r\n\r\n", GEN_HTTP_E_HEADER },
	{ OK_HEAD "0\r\nBad Name: x\r\n\r\n", GEN_HTTP_E_HEADER },
	{ OK_HEAD "0\r\nX: y\r\n\rZ", GEN_HTTP_E_HEADER },
	/* Faulty Transfer-Encoding framing (RFC 9112 6.1). */
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
	  GEN_HTTP_E_BAD_LENGTH },
	{ "HTTP/1.1 200 OK\r\n" TE_CHUNKED "Transfer-Encoding: gzip, "
	  "chunked\r\n\r\n", GEN_HTTP_E_BAD_LENGTH },
	{ "HTTP/1.0 200 OK\r\n" TE_CHUNKED "\r\n0\r\n\r\n",
	  GEN_HTTP_E_BAD_LENGTH },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n", GEN_HTTP_E_BAD_LENGTH },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: , ,\r\n\r\n",
	  GEN_HTTP_E_BAD_LENGTH },
	/* An interim response is parsed as strictly as a final one. */
	{ "HTTP/1.1 100 Continue\r\nBad Name: x\r\n\r\n", GEN_HTTP_E_HEADER },
	{ "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2x0 OK\r\n\r\n",
	  GEN_HTTP_E_STATUS_LINE },
	{ "HTTP/1.1 103 Early Hints\r\nContent-Length: x\r\n\r\n",
	  GEN_HTTP_E_BAD_LENGTH },
};

START_TEST(resp_bad_framing_any_cut)
{
	const struct bad_case *t = &bad_framing[_i];
	struct run w = run_all_cuts(false, t->text, strlen(t->text), false,
				    false, t->text);

	ck_assert_int_eq(w.n, 1);
	ck_assert_msg(w.m[0].rc == t->rc, "%s: rc %d (%s), want %d (%s)",
		      t->text, w.m[0].rc, gen_http_strerror(w.m[0].rc), t->rc,
		      gen_http_strerror(t->rc));
}
END_TEST

/* @n bytes of @c at @p. */
static size_t
fill(char *p, char c, size_t n)
{
	memset(p, c, n);
	return n;
}

START_TEST(resp_chunk_and_trailer_limits)
{
	size_t cap = 140 * 1024, len, i;
	char *b = malloc(cap);
	struct run w;

	ck_assert_ptr_nonnull(b);
	/* A chunk-size line of exactly GEN_HTTP_MAX_LINE, then one more. */
	len = (size_t)sprintf(b, OK_HEAD "1;");
	len += fill(b + len, 'e', GEN_HTTP_MAX_LINE - 4);
	len += (size_t)sprintf(b + len, "\r\nx\r\n0\r\n\r\n");
	w = run_all_cuts(false, b, len, false, false, "8 KiB chunk line");
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_DONE);
	ck_assert_uint_eq(w.m[0].body, 1);
	len = (size_t)sprintf(b, OK_HEAD "1;");
	len += fill(b + len, 'e', GEN_HTTP_MAX_LINE - 3);
	len += (size_t)sprintf(b + len, "\r\nx\r\n0\r\n\r\n");
	w = run_all_cuts(false, b, len, false, false, "8 KiB + 1 chunk line");
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_CHUNK);

	/* A trailer field line over GEN_HTTP_MAX_LINE. */
	len = (size_t)sprintf(b, OK_HEAD "0\r\nX-T: ");
	len += fill(b + len, 't', GEN_HTTP_MAX_LINE);
	len += (size_t)sprintf(b + len, "\r\n\r\n");
	w = run_all_cuts(false, b, len, false, false, "long trailer line");
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_LINE_TOO_LONG);

	/*
	 * The trailer section has the header section's limit, on its own
	 * (lines of 1000 bytes):
	 * 60 KiB of headers and 60 KiB of trailers pass, 70 KiB do not.
	 */
	len = (size_t)sprintf(b, "HTTP/1.1 200 OK\r\n" TE_CHUNKED);
	for (i = 0; i < 60; i++) {
		len += (size_t)sprintf(b + len, "X-%02zu: ", i);
		len += fill(b + len, 'h', 1000 - 8);
		len += (size_t)sprintf(b + len, "\r\n");
	}
	len += (size_t)sprintf(b + len, "\r\n2\r\nok\r\n0\r\n");
	for (i = 0; i < 60; i++) {
		len += (size_t)sprintf(b + len, "T-%02zu: ", i);
		len += fill(b + len, 't', 1000 - 8);
		len += (size_t)sprintf(b + len, "\r\n");
	}
	len += (size_t)sprintf(b + len, "\r\n");
	w = run_cuts(false, b, len, false, false, "60 KiB trailers",
		     61);
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_DONE);
	ck_assert_uint_eq(w.m[0].trailer, 60 * 1000 + 2);
	len -= 2;
	for (i = 60; i < 70; i++) {
		len += (size_t)sprintf(b + len, "T-%02zu: ", i);
		len += fill(b + len, 't', 1000 - 8);
		len += (size_t)sprintf(b + len, "\r\n");
	}
	len += (size_t)sprintf(b + len, "\r\n");
	w = run_cuts(false, b, len, false, false, "70 KiB trailers",
		     61);
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_HEADER_TOO_LONG);

	/* 1xx responses count toward the header limit: no endless 103s. */
	for (len = 0; len < 70 * 1024; )
		len += (size_t)sprintf(b + len, "HTTP/1.1 103 Early Hints\r\n"
				       "Link: </style.css>; rel=preload\r\n\r\n");
	w = run_cuts(false, b, len, false, false, "endless 103",
		     61);
	ck_assert_int_eq(w.m[0].rc, GEN_HTTP_E_HEADER_TOO_LONG);
	free(b);
}
END_TEST

/*
 * Keep-alive: one connection carries responses of every framing in turn,
 * and ends with a close-delimited one.
 */
START_TEST(resp_keepalive_mixed_framings)
{
	static const char stream[] =
		/* 0: by length */
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
		/* 1: chunked with extensions and a trailer */
		"HTTP/1.1 200 OK\r\n" TE_CHUNKED "\r\n"
		"3;a=b\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 1\r\n\r\n"
		/* 2: 100 Continue, then 204 */
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
		/* 3: 304 with framing headers: no body */
		"HTTP/1.1 304 Not Modified\r\n" TE_CHUNKED "\r\n"
		/* 4: 103, then chunked with bare LFs */
		"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
		"HTTP/1.1 404 Not Found\n" TE_CHUNKED "\nA\n0123456789\n0\n\n"
		/* 5: empty chunked body */
		"HTTP/1.1 200 OK\r\n" TE_CHUNKED "\r\n0\r\n\r\n"
		/* 6: by length, zero */
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
		/* 7: to the close */
		"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nthe end";
	static const struct {
		uint16_t status;
		uint8_t interim;
		bool chunked, has_length, close;
		const char *body;
	} want[] = {
		{ 200, 0, false, true, false, "hello" },
		{ 200, 0, true, false, false, "abcde" },
		{ 204, 1, false, false, false, "" },
		{ 304, 0, false, false, false, "" },
		{ 404, 1, true, false, false, "0123456789" },
		{ 200, 0, true, false, false, "" },
		{ 200, 0, false, true, false, "" },
		{ 200, 0, false, false, true, "the end" },
	};
	struct run w = run_all_cuts(false, stream, sizeof(stream) - 1, true,
				    false, "mixed");
	size_t i, used = 0;

	ck_assert_int_eq(w.n, (int)ARRAY_LEN(want));
	ck_assert_int_eq(w.eof_rc, GEN_HTTP_DONE);
	for (i = 0; i < ARRAY_LEN(want); i++) {
		ck_assert_int_eq(w.m[i].rc, GEN_HTTP_DONE);
		ck_assert_uint_eq(w.m[i].status, want[i].status);
		ck_assert_uint_eq(w.m[i].interim, want[i].interim);
		ck_assert_int_eq(w.m[i].chunked, want[i].chunked);
		ck_assert_int_eq(w.m[i].has_length, want[i].has_length);
		ck_assert_int_eq(w.m[i].close, want[i].close);
		ck_assert_uint_eq(w.m[i].body, strlen(want[i].body));
		ck_assert_uint_eq(w.m[i].hash, gen_http_crc32c(0, want[i].body,
					strlen(want[i].body)));
		used += w.m[i].used;
	}
	ck_assert_uint_eq(w.m[1].trailer, strlen("X-Sum: 1\r\n\r\n"));
	ck_assert_uint_eq(used, sizeof(stream) - 1);
}
END_TEST

START_TEST(resp_head_ignores_chunked)
{
	static const char two[] =
		"HTTP/1.1 200 OK\r\n" TE_CHUNKED "\r\n"
		"HTTP/1.1 100 Continue\r\n\r\n"
		"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n";
	struct run w = run_all_cuts(false, two, sizeof(two) - 1, true, true,
				    "head chunked");

	ck_assert_int_eq(w.n, 2);
	ck_assert_int_eq(w.m[0].chunked, false);
	ck_assert_uint_eq(w.m[0].body, 0);
	ck_assert_uint_eq(w.m[1].interim, 1);
	ck_assert_uint_eq(w.m[1].body, 0);
	ck_assert_int_eq(w.eof_rc, GEN_HTTP_IDLE);
}
END_TEST

START_TEST(resp_framing_eof_cases)
{
	static const struct {
		const char *text;
		int eof_rc;
	} c[] = {
		{ OK_HEAD "5\r\nhel", GEN_HTTP_E_EOF },
		{ OK_HEAD "5\r\nhello\r\n", GEN_HTTP_E_EOF },
		{ OK_HEAD "0\r\nX-T: 1\r\n", GEN_HTTP_E_EOF },
		{ OK_HEAD, GEN_HTTP_E_EOF },
		/* After a 1xx a final response is owed. */
		{ "HTTP/1.1 100 Continue\r\n\r\n", GEN_HTTP_E_EOF },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: x\r\n\r\n",
		  GEN_HTTP_DONE },
	};
	size_t i;
	struct run w;

	for (i = 0; i < ARRAY_LEN(c); i++) {
		w = run_all_cuts(false, c[i].text, strlen(c[i].text), true,
				 false, c[i].text);
		ck_assert_int_eq(w.n, c[i].eof_rc == GEN_HTTP_DONE);
		ck_assert_msg(w.eof_rc == c[i].eof_rc, "%s: %s", c[i].text,
			      gen_http_strerror(w.eof_rc));
	}
}
END_TEST

START_TEST(crc32c_known_values)
{
	static const char digits[] = "123456789";
	unsigned char buf[300];
	uint32_t whole, h;
	size_t i, k, off;

	/* RFC 3720 B.4 check value and test vectors. */
	ck_assert_uint_eq(gen_http_crc32c(0, digits, 9), 0xe3069283);
	ck_assert_uint_eq(gen_http_crc32c(0, "", 0), 0);
	memset(buf, 0, 32);
	ck_assert_uint_eq(gen_http_crc32c(0, buf, 32), 0x8a9136aa);
	memset(buf, 0xff, 32);
	ck_assert_uint_eq(gen_http_crc32c(0, buf, 32), 0x62a8ab43);
	for (i = 0; i < 32; i++)
		buf[i] = (unsigned char)i;
	ck_assert_uint_eq(gen_http_crc32c(0, buf, 32), 0x46dd794e);
	/* Any split, any alignment: the same CRC. */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	for (off = 0; off < 9; off++) {
		whole = gen_http_crc32c(0, buf + off, sizeof(buf) - 9);
		for (k = 0; k <= sizeof(buf) - 9; k++) {
			h = gen_http_crc32c(0, buf + off, k);
			h = gen_http_crc32c(h, buf + off + k,
					    sizeof(buf) - 9 - k);
			ck_assert_uint_eq(h, whole);
		}
	}
}
END_TEST

START_TEST(resp_body_hash)
{
	static const char by_length[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello world!";
	static const char by_chunks[] =
		"HTTP/1.1 200 OK\r\n" TE_CHUNKED "\r\n5\r\nhello\r\n"
		"1;x=y\r\n \r\n6\r\nworld!\r\n0\r\n\r\n";
	struct gen_http_resp r;
	struct run w;
	size_t used;

	/* CRC32C("hello world!"), worked out independently. */
	w = run_all_cuts(false, by_length, sizeof(by_length) - 1, false, false,
			 "hash length");
	ck_assert_uint_eq(w.m[0].hash, 0x49cb5777);
	w = run_all_cuts(false, by_chunks, sizeof(by_chunks) - 1, false, false,
			 "hash chunks");
	ck_assert_uint_eq(w.m[0].body, 12);
	ck_assert_uint_eq(w.m[0].hash, 0x49cb5777);
	/* Not asked: not computed. */
	gen_http_resp_init(&r);
	ck_assert_int_eq(gen_http_resp_feed(&r, by_chunks, sizeof(by_chunks) - 1,
					    &used), GEN_HTTP_DONE);
	ck_assert_uint_eq(r.msg.body_bytes, 12);
	ck_assert_uint_eq(r.msg.hash, 0);
	/* A reset clears it, and the flag. */
	gen_http_resp_reset(&r);
	ck_assert_int_eq(r.msg.hash_body, false);
	r.msg.hash_body = true;
	ck_assert_int_eq(gen_http_resp_feed(&r, by_length, sizeof(by_length) - 1,
					    &used), GEN_HTTP_DONE);
	ck_assert_uint_eq(r.msg.hash, 0x49cb5777);
	ck_assert_uint_le(sizeof(r), 64);
}
END_TEST

START_TEST(resp_big_chunked_body)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n" TE_CHUNKED "\r\n";
	static char data[65536 + 64];
	struct gen_http_resp r;
	size_t used, n, k;
	int rc = GEN_HTTP_MORE;

	/* 8 GiB in 64 KiB chunks, each fed with its framing. */
	gen_http_resp_init(&r);
	ck_assert_int_eq(gen_http_resp_feed(&r, head, sizeof(head) - 1, &used),
			 GEN_HTTP_MORE);
	n = (size_t)sprintf(data, "10000;i=0\r\n");
	memset(data + n, 'd', 65536);
	memcpy(data + n + 65536, "\r\n", 2);
	for (k = 0; k < 128 * 1024; k++) {
		rc = gen_http_resp_feed(&r, data, n + 65536 + 2, &used);
		ck_assert_int_eq(rc, GEN_HTTP_MORE);
	}
	ck_assert_int_eq(gen_http_resp_feed(&r, "0\r\n\r\n", 5, &used),
			 GEN_HTTP_DONE);
	ck_assert_uint_eq(r.msg.body_bytes, UINT64_C(1) << 33);
	ck_assert_uint_eq(r.msg.trailer_bytes, 2);
}
END_TEST

/* ---- Requests: chunked bodies, codings, header limits ---- */

START_TEST(req_chunked_any_cut)
{
	static const char reqs[] =
		"POST /up HTTP/1.1\r\nHost: h\r\n" TE_CHUNKED "\r\n"
		"4;n=1\r\nabcd\r\n0\r\nX-T: 1\r\n\r\n"
		"PUT /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nxy"
		"POST /c HTTP/1.1\nHost: h\ntransfer-encoding: CHUNKED\n\n"
		"1\nz\n0\n\n"
		"GET /d HTTP/1.1\r\nHost: h\r\n\r\n"
		"POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
		TE_CHUNKED "\r\n3\r\nabc\r\n0\r\n\r\n";
	struct run w = run_all_cuts(true, reqs, sizeof(reqs) - 1, true, false,
				    "chunked reqs");

	ck_assert_int_eq(w.n, 5);
	ck_assert_str_eq(w.m[0].path, "/up");
	ck_assert_int_eq(w.m[0].chunked, true);
	ck_assert_uint_eq(w.m[0].body, 4);
	ck_assert_uint_eq(w.m[0].hash, gen_http_crc32c(0, "abcd", 4));
	ck_assert_uint_eq(w.m[0].trailer, strlen("X-T: 1\r\n\r\n"));
	ck_assert_int_eq(w.m[0].close, false);
	ck_assert_int_eq(w.m[1].chunked, false);
	ck_assert_uint_eq(w.m[1].body, 2);
	ck_assert_int_eq(w.m[2].chunked, true);
	ck_assert_uint_eq(w.m[2].body, 1);
	ck_assert_str_eq(w.m[3].method, "GET");
	ck_assert_uint_eq(w.m[3].body, 0);
	/* Both framings: chunked wins and the connection closes (6.3). */
	ck_assert_int_eq(w.m[4].chunked, true);
	ck_assert_int_eq(w.m[4].has_length, false);
	ck_assert_uint_eq(w.m[4].body, 3);
	ck_assert_int_eq(w.m[4].close, true);
	ck_assert_int_eq(w.eof_rc, GEN_HTTP_IDLE);
}
END_TEST

#define REQ_HEAD "POST / HTTP/1.1\r\nHost: h\r\n"

static const struct bad_case bad_framing_reqs[] = {
	/* RFC 9112 6.1: codings we do not decode: 501. */
	{ REQ_HEAD "Transfer-Encoding: gzip, chunked\r\n\r\n",
	  GEN_HTTP_E_CODING },
	{ REQ_HEAD "Transfer-Encoding: br\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "0\r\n\r\n", GEN_HTTP_E_CODING },
	/* 6.3 item 4: chunked not final, the length is unknown: 400. */
	{ REQ_HEAD "Transfer-Encoding: gzip\r\n\r\n", GEN_HTTP_E_BAD_LENGTH },
	{ REQ_HEAD "Transfer-Encoding: chunked\r\nTransfer-Encoding: br\r\n\r\n",
	  GEN_HTTP_E_BAD_LENGTH },
	{ REQ_HEAD "Transfer-Encoding: chunked, identity\r\n\r\n",
	  GEN_HTTP_E_BAD_LENGTH },
	{ REQ_HEAD "Transfer-Encoding: chunked, chunked\r\n\r\n",
	  GEN_HTTP_E_BAD_LENGTH },
	{ REQ_HEAD "Transfer-Encoding:\r\n\r\n", GEN_HTTP_E_BAD_LENGTH },
	{ "POST / HTTP/1.0\r\n" TE_CHUNKED "\r\n0\r\n\r\n",
	  GEN_HTTP_E_BAD_LENGTH },
	{ REQ_HEAD TE_CHUNKED "\r\nz\r\n", GEN_HTTP_E_CHUNK },
	{ REQ_HEAD TE_CHUNKED "\r\n2\r\nabc\r\n", GEN_HTTP_E_CHUNK },
	{ REQ_HEAD TE_CHUNKED "\r\n10000000000000000\r\n", GEN_HTTP_E_CHUNK },
	{ REQ_HEAD TE_CHUNKED "\r\n0\r\nX : y\r\n\r\n", GEN_HTTP_E_HEADER },
	{ REQ_HEAD "Content-Length: 1125899906842625\r\n\r\n",
	  GEN_HTTP_E_BODY_TOO_LONG },
};

START_TEST(req_bad_framing_any_cut)
{
	const struct bad_case *t = &bad_framing_reqs[_i];
	struct run w = run_all_cuts(true, t->text, strlen(t->text), false,
				    false, t->text);

	ck_assert_int_eq(w.n, 1);
	ck_assert_msg(w.m[0].rc == t->rc, "%s: rc %d (%s), want %d (%s)",
		      t->text, w.m[0].rc, gen_http_strerror(w.m[0].rc), t->rc,
		      gen_http_strerror(t->rc));
}
END_TEST

/* A GET whose header section is exactly @n bytes (n >= 40). */
static size_t
req_of_size(char *b, size_t n)
{
	size_t len = (size_t)sprintf(b, "GET / HTTP/1.1\r\nHost: h\r\nX: ");

	len += fill(b + len, 'v', n - len - 4);
	memcpy(b + len, "\r\n\r\n", 4);
	return len + 4;
}

/* Feed @len bytes of @b whole and byte by byte to a fresh parser. */
static int
req_feed_limited(const char *b, size_t len, uint32_t max, bool bytewise,
		 uint32_t *hdr)
{
	struct gen_http_req *q = malloc(sizeof(*q));
	size_t i, used;
	int rc = GEN_HTTP_MORE;

	ck_assert_ptr_nonnull(q);
	gen_http_req_init(q);
	gen_http_req_set_max_header(q, max);
	/* A reset keeps the limit. */
	gen_http_req_reset(q);
	if (bytewise) {
		for (i = 0; i < len && rc == GEN_HTTP_MORE; i++)
			rc = gen_http_req_feed(q, b + i, 1, &used);
	} else {
		rc = gen_http_req_feed(q, b, len, &used);
	}
	*hdr = q->msg.header_bytes;
	free(q);
	return rc;
}

START_TEST(req_max_header)
{
	char *b = malloc(200 * 1024);
	uint32_t hdr;
	size_t len;
	int bw;

	ck_assert_ptr_nonnull(b);
	for (bw = 0; bw < 2; bw++) {
		/* A limit of 100: 100 bytes pass, 101 do not. */
		len = req_of_size(b, 100);
		ck_assert_int_eq(req_feed_limited(b, len, 100, bw, &hdr),
				 GEN_HTTP_DONE);
		ck_assert_uint_eq(hdr, 100);
		len = req_of_size(b, 101);
		ck_assert_int_eq(req_feed_limited(b, len, 100, bw, &hdr),
				 GEN_HTTP_E_HEADER_TOO_LONG);
		ck_assert_uint_le(hdr, 100);
		/* 0 is the default, GEN_HTTP_MAX_HEADER. */
		len = req_of_size(b, 5000);
		ck_assert_int_eq(req_feed_limited(b, len, 0, bw, &hdr),
				 GEN_HTTP_DONE);
		/* Above the default: allowed when asked for. */
		len = (size_t)sprintf(b, "GET / HTTP/1.1\r\nHost: h\r\n");
		while (len < 100 * 1024) {
			len += (size_t)sprintf(b + len, "X-A: ");
			len += fill(b + len, 'a', 4000);
			len += (size_t)sprintf(b + len, "\r\n");
		}
		len += (size_t)sprintf(b + len, "\r\n");
		ck_assert_int_eq(req_feed_limited(b, len, 0, bw, &hdr),
				 GEN_HTTP_E_HEADER_TOO_LONG);
		ck_assert_int_eq(req_feed_limited(b, len, 128 * 1024, bw, &hdr),
				 GEN_HTTP_DONE);
		ck_assert_uint_eq(hdr, len);
	}
	free(b);
}
END_TEST

START_TEST(req_error_status_and_answers)
{
	static const struct {
		int rc;
		unsigned int status;
	} map[] = {
		{ GEN_HTTP_E_REQUEST_LINE, 400 }, { GEN_HTTP_E_HEADER, 400 },
		{ GEN_HTTP_E_HOST, 400 }, { GEN_HTTP_E_BAD_LENGTH, 400 },
		{ GEN_HTTP_E_CHUNK, 400 }, { GEN_HTTP_E_LINE_TOO_LONG, 431 },
		{ GEN_HTTP_E_HEADER_TOO_LONG, 431 },
		{ GEN_HTTP_E_BODY_TOO_LONG, 413 },
		{ GEN_HTTP_E_TARGET_TOO_LONG, 414 },
		{ GEN_HTTP_E_METHOD_TOO_LONG, 501 }, { GEN_HTTP_E_CODING, 501 },
		{ GEN_HTTP_E_EOF, 0 }, { GEN_HTTP_DONE, 0 }, { GEN_HTTP_MORE, 0 },
	};
	static const unsigned int answers[] = { 400, 408, 413, 414, 431, 501 };
	static const char want[] = "HTTP/1.1 431 Request Header Fields Too Large"
		"\r\nContent-Length: 32\r\nConnection: close\r\n\r\n"
		"Request Header Fields Too Large\n";
	char buf[256];
	size_t i, n, k;
	struct run w;

	for (i = 0; i < ARRAY_LEN(map); i++)
		ck_assert_uint_eq(gen_http_req_error_status(map[i].rc),
				  map[i].status);
	n = gen_http_resp_build_error(buf, sizeof(buf), 431);
	ck_assert_uint_eq(n, sizeof(want) - 1);
	ck_assert_mem_eq(buf, want, n);
	for (i = 0; i < ARRAY_LEN(answers); i++) {
		n = gen_http_resp_build_error(buf, sizeof(buf), answers[i]);
		ck_assert_uint_gt(n, 0);
		w = run_all_cuts(false, buf, n, false, false, "error answer");
		ck_assert_int_eq(w.n, 1);
		ck_assert_int_eq(w.m[0].rc, GEN_HTTP_DONE);
		ck_assert_uint_eq(w.m[0].status, answers[i]);
		ck_assert_int_eq(w.m[0].close, true);
		ck_assert_uint_gt(w.m[0].body, 1);
		ck_assert_uint_eq(w.m[0].used, n);
		ck_assert_int_eq(buf[n - 1], '\n');
		for (k = 0; k < n; k++)
			ck_assert_uint_eq(gen_http_resp_build_error(buf, k,
					  answers[i]), 0);
	}
	ck_assert_uint_eq(gen_http_resp_build_error(buf, sizeof(buf), 200), 0);
	ck_assert_uint_eq(gen_http_resp_build_error(buf, sizeof(buf), 600), 0);
	/* The plain builder does the same statuses with no body. */
	n = gen_http_resp_build(buf, sizeof(buf), 501, 0, true, NULL);
	ck_assert_uint_eq(n, strlen("HTTP/1.1 501 Not Implemented\r\n"
				    "Content-Length: 0\r\nConnection: close"
				    "\r\n\r\n"));
	ck_assert_mem_eq(buf, "HTTP/1.1 501 Not Implemented\r\n", 30);
	n = gen_http_resp_build(buf, sizeof(buf), 408, 0, true, NULL);
	ck_assert_mem_eq(buf, "HTTP/1.1 408 Request Timeout\r\n", 30);
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc;

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

	tc = tcase_create("http_resp_rfc9112");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, resp_framing_any_cut, 0,
			    ARRAY_LEN(framing_resps));
	tcase_add_loop_test(tc, resp_bad_framing_any_cut, 0,
			    ARRAY_LEN(bad_framing));
	tcase_add_test(tc, resp_chunk_and_trailer_limits);
	tcase_add_test(tc, resp_keepalive_mixed_framings);
	tcase_add_test(tc, resp_head_ignores_chunked);
	tcase_add_test(tc, resp_framing_eof_cases);
	tcase_add_test(tc, crc32c_known_values);
	tcase_add_test(tc, resp_body_hash);
	tcase_add_test(tc, resp_big_chunked_body);
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
	tcase_add_test(tc, req_chunked_any_cut);
	tcase_add_loop_test(tc, req_bad_framing_any_cut, 0,
			    ARRAY_LEN(bad_framing_reqs));
	tcase_add_test(tc, req_max_header);
	tcase_add_test(tc, req_error_status_and_answers);
	tcase_add_test(tc, resp_build_parse_back);
	tcase_add_test(tc, http_reasons_distinct);
	tcase_add_test(tc, known_resp_compared_not_parsed);
	tcase_add_test(tc, known_req_compared_not_parsed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
