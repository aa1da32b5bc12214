/* gen_http.h: pmtcp-gen's HTTP/1.x wire format: incremental parsers and builders. */
#ifndef GEN_HTTP_H
#define GEN_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Both parsers are byte-driven state machines (RFC 9112): they keep no
 * copy of a header line, only a few bytes of state, so a message may be
 * split at any byte (even between CR and LF) and each connection's
 * parser stays within one cache line (client side) or a few hundred
 * bytes (server side, for the method and target it hands over). Only the
 * framing headers are looked at: Content-Length, Transfer-Encoding,
 * Connection and, in requests, Host. Names and tokens match without
 * regard to case; optional whitespace around values is skipped; a bare
 * LF ends a line as CRLF does (RFC 9112 2.2). Body bytes are counted,
 * never stored; a CRC32C of them is kept on request. Nothing is
 * allocated.
 *
 * Message framing follows RFC 9112 6.3 in its order: responses to HEAD
 * and 1xx, 204 and 304 responses have no body; 1xx interim responses
 * (100 Continue, 103 Early Hints, ...) are parsed and skipped, and the
 * final response follows on (101 Switching Protocols is an error: the
 * generator never asks to switch); Transfer-Encoding with chunked as
 * the final coding is decoded (RFC 9112 7.1: chunk extensions skipped,
 * the trailer section parsed and bounded, its fields ignored) and wins
 * over a Content-Length, in which case the connection closes after the
 * message; a response with another final coding, or with neither
 * length nor chunked, runs to the connection's close, whatever its
 * Connection header says. A request whose Transfer-Encoding does not
 * end in chunked is refused (400: its length cannot be known), one with
 * other codings before chunked too (501: we decode none), one with no
 * length has no body. Transfer-Encoding in an HTTP/1.0 message, "chunked" twice, or
 * differing Content-Length values are faulty framing.
 *
 * Limits, each failing with its own result: a header or trailer field
 * line over GEN_HTTP_MAX_LINE bytes, CRLF included (E_LINE_TOO_LONG; a
 * start line or chunk-size line that long is a bad start line or chunk);
 * a header section over GEN_HTTP_MAX_HEADER bytes, the 1xx responses
 * before the final one counting in, or a trailer section over as much
 * (E_HEADER_TOO_LONG; a request parser's limit can be set with
 * gen_http_req_set_max_header()); a body, by Content-Length, chunks or
 * close, over GEN_HTTP_MAX_BODY (E_BODY_TOO_LONG).
 */

#define GEN_HTTP_MAX_LINE 8192
#define GEN_HTTP_MAX_HEADER 65536
#define GEN_HTTP_MAX_BODY (UINT64_C(1) << 50)
#define GEN_HTTP_METHOD_MAX 15		/* longest method kept */
#define GEN_HTTP_PATH_MAX 255		/* longest request-target kept */

/* Results of the feed and eof calls: >= 0 is progress, < 0 an error. */
#define GEN_HTTP_MORE 0			/* all bytes used, message incomplete */
#define GEN_HTTP_DONE 1			/* one whole message parsed */
#define GEN_HTTP_IDLE 2			/* eof between messages: clean close */

/*
 * Why a message failed: X(name, counter key, text). The key is stable,
 * short and fit for a counter or JSON name; index 0 is "not an error".
 * One X-macro so the enum, the keys and the texts never disagree.
 */
#define GEN_HTTP_REASONS(X) \
	X(NONE, "none", "no error") \
	X(STATUS_LINE, "status_line", "bad status line") \
	X(REQUEST_LINE, "request_line", "bad request line") \
	X(HEADER, "header", "bad header field line") \
	X(HOST, "host", "missing or repeated Host") \
	X(LINE_TOO_LONG, "line_too_long", "header field line too long") \
	X(HEADER_TOO_LONG, "header_too_long", "header section too long") \
	X(BAD_LENGTH, "bad_length", "bad or conflicting message length") \
	X(CHUNK, "chunk", "bad chunk size or chunk framing") \
	X(BODY_TOO_LONG, "body_too_long", "body too long") \
	X(METHOD_TOO_LONG, "method_too_long", "method too long") \
	X(TARGET_TOO_LONG, "target_too_long", "request target too long") \
	X(UPGRADE, "upgrade", "101 switching protocols") \
	X(CODING, "transfer_coding", "unsupported transfer coding") \
	X(EOF, "eof", "closed mid-message")

enum gen_http_reason {
#define GEN_HTTP_REASON_ENUM(name, key, text) GEN_HTTP_R_##name,
	GEN_HTTP_REASONS(GEN_HTTP_REASON_ENUM)
#undef GEN_HTTP_REASON_ENUM
	GEN_HTTP_N_REASONS
};

/*
 * The errors: minus their reason, so each is distinct and maps to its
 * counter directly. The parser keeps returning its error until reset.
 */
#define GEN_HTTP_E_STATUS_LINE (-GEN_HTTP_R_STATUS_LINE)
#define GEN_HTTP_E_REQUEST_LINE (-GEN_HTTP_R_REQUEST_LINE)
/* A field line that is not name ":" value, obs-fold, CR without LF. */
#define GEN_HTTP_E_HEADER (-GEN_HTTP_R_HEADER)
/* An HTTP/1.1 request without exactly one Host, 1.0 with two or more. */
#define GEN_HTTP_E_HOST (-GEN_HTTP_R_HOST)
#define GEN_HTTP_E_LINE_TOO_LONG (-GEN_HTTP_R_LINE_TOO_LONG)
/* Header section, the 1xx before it, or trailer section over the limit. */
#define GEN_HTTP_E_HEADER_TOO_LONG (-GEN_HTTP_R_HEADER_TOO_LONG)
/*
 * Content-Length not digits, differing values; Transfer-Encoding in
 * HTTP/1.0, empty, with chunked twice, or in a request not ending in
 * chunked (RFC 9112 6.1, 6.3).
 */
#define GEN_HTTP_E_BAD_LENGTH (-GEN_HTTP_R_BAD_LENGTH)
/* chunk-size not hex or over 64 bits, no CRLF after a chunk's data. */
#define GEN_HTTP_E_CHUNK (-GEN_HTTP_R_CHUNK)
/* Content-Length, the chunks' sum or a close-delimited body too long. */
#define GEN_HTTP_E_BODY_TOO_LONG (-GEN_HTTP_R_BODY_TOO_LONG)
#define GEN_HTTP_E_METHOD_TOO_LONG (-GEN_HTTP_R_METHOD_TOO_LONG)
#define GEN_HTTP_E_TARGET_TOO_LONG (-GEN_HTTP_R_TARGET_TOO_LONG)
/* A 101 Switching Protocols response: status is valid. */
#define GEN_HTTP_E_UPGRADE (-GEN_HTTP_R_UPGRADE)
/* A request's Transfer-Encoding has a coding before chunked. */
#define GEN_HTTP_E_CODING (-GEN_HTTP_R_CODING)
/* Closed in the middle of a message. */
#define GEN_HTTP_E_EOF (-GEN_HTTP_R_EOF)

/*
 * What both parsers report, followed by their private state. Fields are
 * valid after GEN_HTTP_DONE, counters also while parsing; status also
 * after GEN_HTTP_E_UPGRADE. head and hash_body are the caller's to set
 * after each init or reset.
 */
struct gen_http_msg {
	uint64_t content_length;	/* 0 unless has_length */
	uint64_t body_bytes;		/* body bytes so far (chunked: decoded) */
	uint64_t body_left;		/* private: of body or chunk; numbers */
	uint32_t header_bytes;		/* start lines and header sections */
	uint32_t trailer_bytes;		/* chunked: the trailer section */
	uint32_t hash;			/* CRC32C of the body, if hash_body */
	uint16_t status;		/* response status code */
	uint8_t http_minor;		/* HTTP/1.x */
	uint8_t interim;		/* 1xx responses skipped (saturates) */
	bool has_length;		/* framed by Content-Length */
	bool chunked;			/* framed by the chunked coding */
	bool close;			/* connection closes after this message */
	bool head;			/* set by the caller: response to HEAD */
	bool hash_body;			/* set by the caller: keep hash */
	/* Private parser state. */
	uint8_t state;
	uint8_t pos;			/* place in a literal, name or token */
	uint8_t cand;			/* names or tokens still matching */
	uint8_t hdr;			/* header whose value is being read */
	uint8_t flags;
	uint8_t line_kind;		/* what ends at the next LF */
	uint8_t hosts;			/* Host fields seen */
	uint16_t line_len;
	int16_t err;
};

/** Client side: one response at a time on a connection. */
struct gen_http_resp {
	struct gen_http_msg msg;
};

_Static_assert(sizeof(struct gen_http_resp) <= 64,
	       "a connection's response parser fits one cache line");

/** Server side: the request's method and target are copied out. */
struct gen_http_req {
	struct gen_http_msg msg;
	uint32_t max_header;		/* header-section limit, bytes */
	uint8_t method_len;
	uint8_t path_len;
	char method[GEN_HTTP_METHOD_MAX + 1];	/* NUL-terminated */
	char path[GEN_HTTP_PATH_MAX + 1];	/* NUL-terminated */
};

/** Prepare @r for the first response on a connection. */
void gen_http_resp_init(struct gen_http_resp *r);

/**
 * Prepare @r for the next response on a keep-alive connection. Then, for
 * a response to HEAD, set r->msg.head = true (it has no body whatever
 * its headers say); to have the body's CRC32C in r->msg.hash, set
 * r->msg.hash_body = true (compare it with gen_http_crc32c(0, expected
 * body, length)).
 */
void gen_http_resp_reset(struct gen_http_resp *r);

/**
 * Parse the next @len bytes of a response.
 *
 * @param consumed
 *   Set to the bytes used. On GEN_HTTP_DONE the bytes after the response
 *   (the next pipelined response) are left: *consumed may be < @len. On
 *   GEN_HTTP_MORE it is @len. On an error it counts up to and including
 *   the offending byte. Once DONE or an error, further calls return the
 *   same result and consume nothing until the next reset.
 * @return
 *   GEN_HTTP_MORE, GEN_HTTP_DONE, or a GEN_HTTP_E_* error. 1xx interim
 *   responses are not results: they are skipped, counted in msg.interim
 *   and their bytes in msg.header_bytes. A close-delimited response
 *   (msg.close is set; neither has_length nor chunked) makes every
 *   further byte body: the answer is GEN_HTTP_MORE until
 *   gen_http_resp_eof() says GEN_HTTP_DONE.
 */
int gen_http_resp_feed(struct gen_http_resp *r, const char *data, size_t len,
		       size_t *consumed);

/**
 * The server closed the connection.
 *
 * @return
 *   GEN_HTTP_DONE if that ends a response whose body ran to the end of
 *   the stream (or one already done); GEN_HTTP_IDLE if no byte of a
 *   response had arrived; GEN_HTTP_E_EOF if it cut a response short
 *   (also after a 1xx), or the parser's earlier error.
 */
int gen_http_resp_eof(struct gen_http_resp *r);

/** Longest message gen_http_known keeps: a small response or request. */
#define GEN_HTTP_KNOWN_MAX 1024

/**
 * A message learned whole: its bytes and what parsing them gave. A load
 * generator sees the same response (or request) again and again; one
 * that begins with the same bytes parses to the same result, so those
 * bytes are compared (memcmp) instead of parsed one by one. A message
 * that differs in any byte, or arrives cut, goes through the parser.
 * One per worker and direction; zero it to start empty.
 */
struct gen_http_known {
	uint32_t len;			/* 0: nothing learned */
	uint64_t hits;			/* messages taken by comparison */
	struct gen_http_req q;		/* the result (responses: q.msg) */
	char bytes[GEN_HTTP_KNOWN_MAX];
};

/**
 * gen_http_resp_feed() with @k: a response that starts in @data (the
 * parser has seen none of it) and begins with @k's bytes is @k's result
 * at once; otherwise it is parsed, and one that was whole in @data (at
 * most GEN_HTTP_KNOWN_MAX bytes, no 1xx before it) becomes @k's. Same
 * results and errors as gen_http_resp_feed().
 */
int gen_http_resp_feed_known(struct gen_http_resp *r, struct gen_http_known *k,
			     const char *data, size_t len, size_t *consumed);

/**
 * The request @k learned, if @data begins with it and @max_header (as
 * gen_http_req_set_max_header() takes it) is the one it was parsed
 * with: a server takes it without a parser of its own. NULL otherwise.
 */
const struct gen_http_req *gen_http_req_known(struct gen_http_known *k,
					      uint32_t max_header,
					      const char *data, size_t len);

/**
 * gen_http_req_feed(), and a request parsed whole from the start of
 * @data (at most GEN_HTTP_KNOWN_MAX bytes) becomes @k's (NULL: none).
 * The comparison is gen_http_req_known()'s, made before a parser is
 * set up for the request.
 */
int gen_http_req_feed_learn(struct gen_http_req *q, struct gen_http_known *k,
			    const char *data, size_t len, size_t *consumed);

/**
 * Prepare @q for the first request on a connection; its header-section
 * limit is GEN_HTTP_MAX_HEADER.
 */
void gen_http_req_init(struct gen_http_req *q);

/**
 * Prepare @q for the next request on a keep-alive connection; the
 * header-section limit is kept.
 */
void gen_http_req_reset(struct gen_http_req *q);

/**
 * Set the most header-section bytes (request line and CRLFs included;
 * the trailer section has the same limit) @q accepts before it answers
 * GEN_HTTP_E_HEADER_TOO_LONG, which the server turns into 431. 0 means
 * GEN_HTTP_MAX_HEADER. Call it after init, before the first byte.
 */
void gen_http_req_set_max_header(struct gen_http_req *q, uint32_t max);

/**
 * Parse the next @len bytes of a request; as gen_http_resp_feed(). Empty
 * lines before the request line are skipped (RFC 9112 2.2). The body,
 * by Content-Length or chunked, is consumed and counted (msg.body_bytes,
 * msg.chunked). msg.close tells the keep-alive decision: HTTP/1.1 keeps
 * the connection unless "Connection: close"; HTTP/1.0 closes it unless
 * "Connection: keep-alive"; a request with both Transfer-Encoding and
 * Content-Length closes it (RFC 9112 6.3 item 3). On an error,
 * gen_http_req_error_status() gives the status to answer with, and
 * msg.header_bytes the header bytes taken so far.
 */
int gen_http_req_feed(struct gen_http_req *q, const char *data, size_t len,
		      size_t *consumed);

/** The client closed the connection; as gen_http_resp_eof(). */
int gen_http_req_eof(struct gen_http_req *q);

/**
 * The status a server answers a request that failed with @rc, before it
 * closes the connection: 400 for syntax, Host and framing errors, 413
 * body too long, 414 target too long, 431 a header line or section too
 * long (RFC 6585 5), 501 a method too long or a transfer coding other
 * than chunked (RFC 9112 3, 6.1; one not ending in chunked is 400). 0 when there is nobody to answer (the
 * client closed: GEN_HTTP_E_EOF) or @rc is not an error.
 */
unsigned int gen_http_req_error_status(int rc);

/** The reason of result @rc: GEN_HTTP_R_NONE unless it is an error. */
unsigned int gen_http_reason(int rc);

/** Stable short key of a reason ("chunk", "eof", ...), for counters. */
const char *gen_http_reason_name(unsigned int reason);

/** The keys, indexed by enum gen_http_reason. */
extern const char *const gen_http_reason_names[GEN_HTTP_N_REASONS];

/**
 * CRC32C (Castagnoli, as iSCSI) of @len bytes at @data, continuing @crc,
 * the CRC32C of the bytes before them (0 for none):
 * gen_http_crc32c(gen_http_crc32c(0, a, n), b, m) is the CRC32C of a
 * then b. Uses the SSE4.2 instruction when built for it.
 */
uint32_t gen_http_crc32c(uint32_t crc, const void *data, size_t len);

/**
 * Build an HTTP/1.1 request's header section into @buf: the request
 * line, Host, "Connection: close" unless @keepalive, Content-Length when
 * @body_len > 0 or the method is POST, PUT or PATCH, @extra_headers
 * verbatim, and the empty line. The @body_len body bytes are the
 * caller's to send after it. Built once per run, not per request.
 *
 * @param extra_headers
 *   NULL, or whole header lines, each ending in CRLF.
 * @return
 *   Bytes written (no NUL is added), or 0 if they do not fit in @cap or
 *   an argument is not valid on the wire (a method that is not a token,
 *   a target with spaces or controls, a host with controls, extra
 *   headers not ending in CRLF).
 */
size_t gen_http_req_build(char *buf, size_t cap, const char *method,
			  const char *path, const char *host,
			  const char *extra_headers, bool keepalive,
			  size_t body_len);

/**
 * Build a response's header section into @buf: "HTTP/1.1 <status>
 * <reason>", Content-Length (omitted for 1xx, 204 and 304, which never
 * have a body: RFC 9110 8.6, RFC 9112 6.3), "Connection: close" if
 * @close, @extra_headers verbatim (NULL, or lines ending in CRLF) and
 * the empty line. The body is the caller's to send after it.
 *
 * @return
 *   Bytes written (no NUL), or 0 if they do not fit, @status is not
 *   within 100..999, a 1xx/204/304 response is given a body, or the
 *   extra headers are not whole lines.
 */
size_t gen_http_resp_build(char *buf, size_t cap, unsigned int status,
			   uint64_t content_length, bool close,
			   const char *extra_headers);

/**
 * Build a whole error response for a request that cannot be served:
 * "HTTP/1.1 <status> <reason>", "Connection: close", a Content-Length
 * and, as the body, the reason phrase and a LF (400 "Bad Request\n").
 * For 408, 431, 501 and the other statuses gen_http_req_error_status()
 * gives. Returns bytes written, or 0 if they do not fit or @status is
 * not within 400..599.
 */
size_t gen_http_resp_build_error(char *buf, size_t cap, unsigned int status);

/** Short text for a GEN_HTTP_* result, for reports. */
const char *gen_http_strerror(int rc);

#endif /* GEN_HTTP_H */
