/* fuzz_http.c: libFuzzer harness for pmtcp-gen's incremental HTTP/1.x parsers (app/pmtcp-gen/gen_http.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...) do {							\
	fprintf(stderr, "fuzz_http: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

static bool
rc_valid(int rc)
{
	/* Success, or an error that names a reason (gen_http.h). */
	return rc == GEN_HTTP_MORE || rc == GEN_HTTP_DONE ||
		rc == GEN_HTTP_IDLE ||
		(rc < 0 && -rc > GEN_HTTP_R_NONE && -rc < GEN_HTTP_N_REASONS &&
		 gen_http_reason(rc) == (unsigned int)-rc);
}

/* One parser kind seen through the same few calls. */
struct kind {
	const char *name;
	void *p;
	void (*init)(void *p);
	void (*reset)(void *p);
	int (*feed)(void *p, const char *d, size_t n, size_t *used);
	int (*eof)(void *p);
	const struct gen_http_msg *(*msg)(void *p);
};

static void r_init(void *p) { gen_http_resp_init(p); }
static void r_reset(void *p) { gen_http_resp_reset(p); }
static int r_feed(void *p, const char *d, size_t n, size_t *u)
{ return gen_http_resp_feed(p, d, n, u); }
static int r_eof(void *p) { return gen_http_resp_eof(p); }
static const struct gen_http_msg *r_msg(void *p)
{ return &((struct gen_http_resp *)p)->msg; }

static void q_init(void *p) { gen_http_req_init(p); }
static void q_reset(void *p) { gen_http_req_reset(p); }
static int q_feed(void *p, const char *d, size_t n, size_t *u)
{ return gen_http_req_feed(p, d, n, u); }
static int q_eof(void *p) { return gen_http_req_eof(p); }
static const struct gen_http_msg *q_msg(void *p)
{ return &((struct gen_http_req *)p)->msg; }

/*
 * Feed @len bytes at @d as the parser's contract says a connection
 * would: after DONE the rest goes to the next message (reset), after
 * an error the parser must keep its error and consume nothing.
 * Returns the last result.
 */
static int
feed_all(const struct kind *k, const char *d, size_t len, unsigned int *msgs)
{
	int rc = GEN_HTTP_MORE;

	while (len > 0) {
		size_t used = (size_t)-1;

		rc = k->feed(k->p, d, len, &used);
		if (!rc_valid(rc) || rc == GEN_HTTP_IDLE)
			FAIL("%s: feed returned %d", k->name, rc);
		if (used > len)
			FAIL("%s: consumed %zu of %zu bytes", k->name, used,
			     len);
		if (rc == GEN_HTTP_MORE && used != len)
			FAIL("%s: MORE after %zu of %zu bytes", k->name, used,
			     len);
		if (rc < 0) {
			const struct gen_http_msg before = *k->msg(k->p);
			size_t again = (size_t)-1;

			/* Stable after an error: same answer, nothing used. */
			if (k->feed(k->p, d + used, len - used, &again) != rc ||
			    again != 0)
				FAIL("%s: error %d not stable (consumed %zu)",
				     k->name, rc, again);
			if (k->eof(k->p) != rc)
				FAIL("%s: eof after error %d differs", k->name,
				     rc);
			if (memcmp(&before, k->msg(k->p), sizeof(before)) != 0)
				FAIL("%s: state moved after error %d", k->name,
				     rc);
			return rc;
		}
		if (rc == GEN_HTTP_DONE) {
			const struct gen_http_msg *m = k->msg(k->p);
			size_t again = (size_t)-1;

			/* HEAD, 1xx, 204 and 304 have no body, whatever the
			 * length says (RFC 9112 6.3). */
			bool bodyless = m->head || m->status / 100 == 1 ||
				m->status == 204 || m->status == 304;

			if (m->has_length && !bodyless &&
			    m->body_bytes != m->content_length)
				FAIL("%s: DONE with %llu of %llu body bytes",
				     k->name,
				     (unsigned long long)m->body_bytes,
				     (unsigned long long)m->content_length);
			if (k->feed(k->p, d + used, len - used, &again) !=
			    GEN_HTTP_DONE || again != 0)
				FAIL("%s: DONE not stable", k->name);
			(*msgs)++;
			k->reset(k->p);
			/* Zero bytes of progress would loop forever. */
			if (used == 0)
				FAIL("%s: DONE without consuming a byte",
				     k->name);
		}
		d += used;
		len -= used;
	}
	return rc;
}

static void
run(const struct kind *k, const char *d, size_t len, size_t cut)
{
	unsigned int msgs = 0;
	int rc;

	k->init(k->p);
	rc = feed_all(k, d, cut, &msgs);
	if (rc >= 0)
		rc = feed_all(k, d + cut, len - cut, &msgs);
	if (rc >= 0) {
		rc = k->eof(k->p);
		if (!rc_valid(rc) || rc == GEN_HTTP_MORE)
			FAIL("%s: eof returned %d", k->name, rc);
		if (k->eof(k->p) != rc)
			FAIL("%s: eof not stable", k->name);
	}
	if (gen_http_strerror(rc) == NULL)
		FAIL("%s: no text for %d", k->name, rc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gen_http_resp resp;
	struct gen_http_req req;
	const struct kind kinds[] = {
		{ "response", &resp, r_init, r_reset, r_feed, r_eof, r_msg },
		{ "request", &req, q_init, q_reset, q_feed, q_eof, q_msg },
	};
	char *copy;
	size_t cut, i;

	if (size < 1)
		return 0;
	/* The first byte says where the stream is cut in two. */
	cut = (size_t)data[0] * (size - 1) / 255;
	data++;
	size--;
	/* An exact-size copy, so ASan sees any read past the bytes given. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		FAIL("out of memory");
	memcpy(copy, data, size);
	for (i = 0; i < 2; i++)
		run(&kinds[i], copy, size, cut);
	free(copy);
	return 0;
}
