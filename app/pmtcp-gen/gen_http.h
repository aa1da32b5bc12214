/* gen_http.h: pmtcp-gen's HTTP/1.x wire format: incremental parsers and builders. */
#ifndef GEN_HTTP_H
#define GEN_HTTP_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Both parsers are byte-driven state machines: they keep no copy of a
 * header line, only a few bytes of state, so a message may be split at
 * any byte (even between CR and LF) and each connection's parser stays
 * within one cache line (client side) or a few hundred bytes (server
 * side, for the method and path it hands over). Only the framing
 * headers are looked at: Content-Length, Transfer-Encoding, Connection
 * and, in requests, Host. Names and the Connection tokens match without
 * regard to case; optional whitespace around values is skipped. Body
 * bytes are counted, never stored. Nothing is allocated.
 *
 * Limits: a line, CRLF included, of more than GEN_HTTP_MAX_LINE bytes is
 * a syntax error; a header section of more than GEN_HTTP_MAX_HEADER
 * bytes, or a Content-Length above GEN_HTTP_MAX_BODY, is "too big".
 *
 * Deliberately unsupported, each reported by its own error so the
 * generator can count it: any Transfer-Encoding (chunked), 1xx
 * responses, and responses framed neither by length nor by close.
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
/* Errors are negative errno values; the parser keeps returning its error. */
#define GEN_HTTP_E_SYNTAX (-EBADMSG)	/* bad start line, header or length */
#define GEN_HTTP_E_CHUNKED (-ENOTSUP)	/* Transfer-Encoding present */
#define GEN_HTTP_E_1XX (-EPROTO)	/* informational response */
#define GEN_HTTP_E_NO_LENGTH (-ENODATA)	/* no length, connection kept */
#define GEN_HTTP_E_TOO_BIG (-EMSGSIZE)	/* header section, body or path */
#define GEN_HTTP_E_EOF (-ECONNRESET)	/* closed in the middle of a message */

/*
 * What both parsers report, followed by their private state. Fields are
 * valid after GEN_HTTP_DONE; status also after GEN_HTTP_E_1XX.
 */
struct gen_http_msg {
	uint64_t content_length;	/* 0 unless has_length */
	uint64_t body_bytes;		/* body bytes consumed so far */
	uint32_t header_bytes;		/* start line, headers, empty line */
	uint16_t status;		/* response status code */
	uint8_t http_minor;		/* HTTP/1.x */
	bool has_length;		/* a Content-Length was given */
	bool close;			/* connection closes after this message */
	bool head;			/* set by the caller: response to HEAD */
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
	uint64_t body_left;		/* also the Content-Length accumulator */
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
	uint8_t method_len;
	uint8_t path_len;
	char method[GEN_HTTP_METHOD_MAX + 1];	/* NUL-terminated */
	char path[GEN_HTTP_PATH_MAX + 1];	/* NUL-terminated */
};

/** Prepare @r for the first response on a connection. */
void gen_http_resp_init(struct gen_http_resp *r);

/**
 * Prepare @r for the next response on a keep-alive connection. For a
 * response to HEAD, set r->msg.head = true afterwards (it has no body
 * whatever its headers say).
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
 *   GEN_HTTP_MORE, GEN_HTTP_DONE, or a GEN_HTTP_E_* error. A response
 *   without length on a closing connection (HTTP/1.0, or Connection:
 *   close) runs to the end of the stream: every byte is body and the
 *   answer is GEN_HTTP_MORE until gen_http_resp_eof().
 */
int gen_http_resp_feed(struct gen_http_resp *r, const char *data, size_t len,
		       size_t *consumed);

/**
 * The server closed the connection.
 *
 * @return
 *   GEN_HTTP_DONE if that ends a response whose body ran to the end of
 *   the stream (or one already done); GEN_HTTP_IDLE if no byte of a
 *   response had arrived; GEN_HTTP_E_EOF if it cut a response short (or
 *   the parser's earlier error).
 */
int gen_http_resp_eof(struct gen_http_resp *r);

/** Prepare @q for the first request on a connection. */
void gen_http_req_init(struct gen_http_req *q);

/** Prepare @q for the next request on a keep-alive connection. */
void gen_http_req_reset(struct gen_http_req *q);

/**
 * Parse the next @len bytes of a request; as gen_http_resp_feed(). Empty
 * lines before the request line are skipped (RFC 9112 2.2). The body, if
 * Content-Length gives one, is consumed and counted. msg.close tells the
 * keep-alive decision: HTTP/1.1 keeps the connection unless "Connection:
 * close"; HTTP/1.0 closes it unless "Connection: keep-alive". Errors:
 * E_SYNTAX for a bad request line, header or Content-Length, a line over
 * GEN_HTTP_MAX_LINE, or an HTTP/1.1 request without exactly one Host;
 * E_CHUNKED for any Transfer-Encoding; E_TOO_BIG for a method or target
 * too long to keep, or the header section or body limits.
 */
int gen_http_req_feed(struct gen_http_req *q, const char *data, size_t len,
		      size_t *consumed);

/** The client closed the connection; as gen_http_resp_eof(). */
int gen_http_req_eof(struct gen_http_req *q);

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

/** Short text for a GEN_HTTP_* result, for reports. */
const char *gen_http_strerror(int rc);

#endif /* GEN_HTTP_H */
