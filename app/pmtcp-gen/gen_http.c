/* gen_http.c: the HTTP/1.x request and response state machines and header builders. */
#include <string.h>
#ifdef __SSE4_2__
#include <nmmintrin.h>
#endif

#include "gen_http.h"

/*
 * Input chain: gen_http_{resp,req}_feed -> parse (bulk body, chunk data
 * and skipped text by memchr) -> step (one byte: step_start,
 * step_field or step_chunk by state) -> line_end -> headers_end
 * (framing, RFC 9112 6.3) / chunk_line_end / message_done.
 */

/* Ordered: the ranges below decide which step function a byte goes to. */
enum parse_state {
	/* The start line: step_start(). */
	S_PROTO = 0,	/* "HTTP/1." (a response's first state) */
	S_MINOR,	/* the version's minor digit */
	S_REQ_START,	/* before the request line: empty lines skipped */
	S_REQ_METHOD,
	S_REQ_SP1,	/* between method and target */
	S_REQ_PATH,
	S_REQ_SP2,	/* between target and version */
	S_REQ_EOL,	/* after the version: whitespace, then CRLF */
	S_RESP_SP,	/* between version and status code */
	S_RESP_CODE,
	S_RESP_CODE_END,
	S_REASON,	/* reason phrase, skipped */
	S_LF,		/* after a CR: the LF must follow */
	/* Header and trailer field lines: step_field(). */
	S_HDR_START,	/* start of a field line, or the empty line */
	S_HDR_NAME,
	S_HDR_OWS,	/* whitespace after the colon */
	S_VAL_SKIP,	/* a value nobody needs */
	S_VAL_CL,	/* Content-Length digits */
	S_VAL_CL_TRAIL,	/* whitespace after them */
	S_VAL_CONN,	/* Connection tokens */
	S_VAL_TE,	/* Transfer-Encoding codings */
	S_VAL_TE_PARAM,	/* a coding's parameters, skipped */
	/* Chunked framing: step_chunk(). */
	S_CHUNK_SIZE,	/* hex digits of a chunk-size */
	S_CHUNK_BWS,	/* whitespace after them */
	S_CHUNK_EXT,	/* chunk extensions, skipped */
	S_CHUNK_END,	/* the CRLF after a chunk's data */
	/* Bulk states, handled in parse(). */
	S_CHUNK_DATA,
	S_BODY,
	S_BODY_EOF,	/* body delimited by the connection's close */
	S_DONE,
	S_ERR,
};

/* What the LF at the end of the current line completes. */
enum line_kind {
	LK_FIRST,	/* status or request line */
	LK_HEADER,	/* a header (or trailer) field line */
	LK_EMPTY,	/* the empty line ending the header (trailer) section */
	LK_LEAD,	/* an empty line before a request line */
	LK_CHUNK_SIZE,	/* chunk-size and extensions */
	LK_CHUNK_END,	/* the CRLF after a chunk's data */
};

struct name {
	const char *s;	/* lower case */
	uint8_t len;
};

/* The framing headers; indexes are bits of gen_http_msg.cand. */
enum { H_CL, H_TE, H_CONN, H_HOST, H_COUNT, H_OTHER = 0xff };
static const struct name hdr_names[H_COUNT] = {
	[H_CL] = { "content-length", 14 },
	[H_TE] = { "transfer-encoding", 17 },
	[H_CONN] = { "connection", 10 },
	[H_HOST] = { "host", 4 },
};

/* Connection tokens (RFC 9112 9.3, 9.6; 1.0 keep-alive: RFC 2068 19.7.1). */
enum { T_CLOSE, T_KEEP, T_COUNT };
static const struct name conn_tokens[T_COUNT] = {
	[T_CLOSE] = { "close", 5 },
	[T_KEEP] = { "keep-alive", 10 },
};

/* The one transfer coding we decode (RFC 9112 7). */
enum { C_CHUNKED, C_COUNT };
static const struct name codings[C_COUNT] = {
	[C_CHUNKED] = { "chunked", 7 },
};

/* gen_http_msg.flags */
#define F_CONN_CLOSE 0x01
#define F_CONN_KEEP 0x02
#define F_TE 0x04		/* a Transfer-Encoding field was seen */
#define F_TE_CHUNKED 0x08	/* chunked is among the codings */
#define F_TE_LAST_CHUNKED 0x10	/* ... and the last one so far */
#define F_TE_OTHER 0x20		/* another coding is among them */
#define F_TE_TWICE 0x40		/* chunked more than once */
#define F_TRAILER 0x80		/* field lines are the trailer section */

static const char proto_prefix[] = "HTTP/1.";

/* RFC 9110 5.6.2: tchar. */
static inline int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '*': case '+': case '-': case '.': case '^': case '_':
	case '`': case '|': case '~':
		return 1;
	default:
		return 0;
	}
}

static inline int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static inline unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static inline int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Narrow the candidate set @cand by character @c at position @pos. */
static uint8_t
match_step(const struct name *tbl, unsigned int n, uint8_t cand,
	   unsigned int pos, unsigned char c)
{
	unsigned int k;

	c = lower(c);
	for (k = 0; k < n; k++)
		if ((cand & (1u << k)) &&
		    (pos >= tbl[k].len || (unsigned char)tbl[k].s[pos] != c))
			cand &= (uint8_t)~(1u << k);
	return cand;
}

/* The candidate that matched all @pos characters, or H_OTHER. */
static uint8_t
match_end(const struct name *tbl, unsigned int n, uint8_t cand,
	  unsigned int pos)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		if ((cand & (1u << k)) && tbl[k].len == pos)
			return (uint8_t)k;
	return H_OTHER;
}

static inline int
start_line_error(const struct gen_http_req *q)
{
	return q != NULL ? GEN_HTTP_E_REQUEST_LINE : GEN_HTTP_E_STATUS_LINE;
}

static bool
in_start_line(const struct gen_http_msg *m)
{
	return m->state < S_LF || (m->state == S_LF &&
		(m->line_kind == LK_FIRST || m->line_kind == LK_LEAD));
}

static bool
in_chunk_line(const struct gen_http_msg *m)
{
	return (m->state >= S_CHUNK_SIZE && m->state <= S_CHUNK_END) ||
	       (m->state == S_LF && m->line_kind >= LK_CHUNK_SIZE);
}

/* The error for a bad byte where a LF must follow a CR. */
static int
lf_error(const struct gen_http_msg *m, const struct gen_http_req *q)
{
	if (in_start_line(m))
		return start_line_error(q);
	if (in_chunk_line(m))
		return GEN_HTTP_E_CHUNK;
	return GEN_HTTP_E_HEADER;
}

static void
conn_token_end(struct gen_http_msg *m)
{
	uint8_t t = match_end(conn_tokens, T_COUNT, m->cand, m->pos);

	if (t == T_CLOSE)
		m->flags |= F_CONN_CLOSE;
	else if (t == T_KEEP)
		m->flags |= F_CONN_KEEP;
	m->pos = 0;
	m->cand = (1u << T_COUNT) - 1;
}

/*
 * A transfer coding's name has ended. RFC 9110 5.3: several fields make
 * one list, in order, so the flags carry over from field to field.
 */
static void
coding_end(struct gen_http_msg *m)
{
	if (m->pos == 0)
		return;		/* empty list element: RFC 9110 5.6.1 */
	if (match_end(codings, C_COUNT, m->cand, m->pos) == C_CHUNKED) {
		/* RFC 9112 6.1: "MUST NOT apply chunked more than once". */
		if (m->flags & F_TE_CHUNKED)
			m->flags |= F_TE_TWICE;
		m->flags |= F_TE_CHUNKED | F_TE_LAST_CHUNKED;
	} else {
		m->flags |= F_TE_OTHER;
		m->flags &= (uint8_t)~F_TE_LAST_CHUNKED;
	}
	m->pos = 0;
	m->cand = (1u << C_COUNT) - 1;
}

/* The value of a header we read has ended (at its CR or LF). */
static int
value_end(struct gen_http_msg *m)
{
	switch (m->state) {
	case S_VAL_CL:
	case S_VAL_CL_TRAIL:
		if (m->pos == 0)
			return GEN_HTTP_E_BAD_LENGTH;	/* empty */
		/* RFC 9112 6.3 item 5: differing lengths are unrecoverable. */
		if (m->has_length && m->content_length != m->body_left)
			return GEN_HTTP_E_BAD_LENGTH;
		m->has_length = true;
		m->content_length = m->body_left;
		m->body_left = 0;
		break;
	case S_VAL_CONN:
		conn_token_end(m);
		break;
	case S_VAL_TE:
		coding_end(m);
		break;
	default:
		break;
	}
	return GEN_HTTP_MORE;
}

static int
message_done(struct gen_http_msg *m)
{
	m->state = S_DONE;
	return GEN_HTTP_DONE;
}

/* Expect @len body bytes, framed by length. */
static int
body_start(struct gen_http_msg *m, uint64_t len)
{
	m->body_left = len;
	if (len == 0)
		return message_done(m);
	m->state = S_BODY;
	return GEN_HTTP_MORE;
}

/*
 * A 1xx interim response has ended (RFC 9110 15.2: a client "MUST be
 * able to parse one or more 1xx responses received prior to a final
 * response"). Its fields say nothing of the final response: forget them,
 * but keep counting the bytes against the header limit, so a server
 * that sends 1xx forever is stopped.
 */
static int
interim_end(struct gen_http_msg *m)
{
	if (m->interim < UINT8_MAX)
		m->interim++;
	m->status = 0;
	m->http_minor = 0;
	m->has_length = false;
	m->content_length = 0;
	m->body_left = 0;
	m->flags = 0;
	m->pos = 0;
	m->state = S_PROTO;
	return GEN_HTTP_MORE;
}

/* RFC 9112 6.1, 6.3 items 3 and 4: a Transfer-Encoding frames the body. */
static int
te_framing(struct gen_http_msg *m, const struct gen_http_req *q)
{
	/* 6.1: "MUST treat the message as if the framing is faulty". */
	if (m->http_minor == 0)
		return GEN_HTTP_E_BAD_LENGTH;
	if (!(m->flags & (F_TE_CHUNKED | F_TE_OTHER)) ||
	    (m->flags & F_TE_TWICE))
		return GEN_HTTP_E_BAD_LENGTH;
	if (q != NULL) {
		/*
		 * 6.3 item 4: chunked not final in a request, the server
		 * "MUST respond with the 400"; 6.1: to a coding it does
		 * not understand it "SHOULD respond with 501".
		 */
		if (!(m->flags & F_TE_LAST_CHUNKED))
			return GEN_HTTP_E_BAD_LENGTH;
		if (m->flags & F_TE_OTHER)
			return GEN_HTTP_E_CODING;
	}
	/* Item 3: Transfer-Encoding overrides, and the connection closes. */
	if (m->has_length) {
		m->has_length = false;
		m->content_length = 0;
		m->close = true;
	}
	if (!(m->flags & F_TE_LAST_CHUNKED)) {
		/* Item 4 (responses only: requests were refused above). */
		m->close = true;
		m->state = S_BODY_EOF;
		return GEN_HTTP_MORE;
	}
	m->chunked = true;
	m->body_left = 0;
	m->pos = 0;
	m->state = S_CHUNK_SIZE;
	return GEN_HTTP_MORE;
}

/* The empty line: decide how the body is delimited (RFC 9112 6.3). */
static int
headers_end(struct gen_http_msg *m, struct gen_http_req *q)
{
	m->body_left = 0;
	if (q == NULL && m->status < 200)
		return interim_end(m);
	m->close = (m->flags & F_CONN_CLOSE) ||
		   (m->http_minor == 0 && !(m->flags & F_CONN_KEEP));
	/* RFC 9112 3.2: one Host in 1.1, at most one in 1.0. */
	if (q != NULL &&
	    (m->hosts > 1 || (m->http_minor >= 1 && m->hosts != 1)))
		return GEN_HTTP_E_HOST;
	/* Item 1: HEAD, 204, 304: no body, whatever the headers say. */
	if (q == NULL && (m->head || m->status == 204 || m->status == 304))
		return message_done(m);
	if (m->flags & F_TE)
		return te_framing(m, q);
	/* Items 5 and 6: by length; a request without one has no body. */
	if (m->has_length || q != NULL)
		return body_start(m, m->content_length);
	/* Item 8: a response's body runs to the close. */
	m->close = true;
	m->state = S_BODY_EOF;
	return GEN_HTTP_MORE;
}

/* RFC 9112 7.1: a chunk-size line has ended. */
static int
chunk_line_end(struct gen_http_msg *m)
{
	if (m->body_left == 0) {
		/* last-chunk: the trailer section follows (7.1.2). */
		m->flags |= F_TRAILER;
		m->state = S_HDR_START;
		return GEN_HTTP_MORE;
	}
	if (m->body_left > GEN_HTTP_MAX_BODY - m->body_bytes)
		return GEN_HTTP_E_BODY_TOO_LONG;
	m->state = S_CHUNK_DATA;
	return GEN_HTTP_MORE;
}

static int
line_end(struct gen_http_msg *m, struct gen_http_req *q, unsigned int kind)
{
	m->line_len = 0;
	switch (kind) {
	case LK_LEAD:
		m->state = S_REQ_START;
		return GEN_HTTP_MORE;
	case LK_FIRST:
		/* We never ask to switch: RFC 9110 15.2.2. */
		if (q == NULL && m->status == 101)
			return GEN_HTTP_E_UPGRADE;
		m->state = S_HDR_START;
		return GEN_HTTP_MORE;
	case LK_HEADER:
		m->state = S_HDR_START;
		return GEN_HTTP_MORE;
	case LK_EMPTY:
		/* RFC 9112 7.1.2: the trailer's end is the message's. */
		if (m->flags & F_TRAILER)
			return message_done(m);
		return headers_end(m, q);
	case LK_CHUNK_SIZE:
		return chunk_line_end(m);
	default:	/* LK_CHUNK_END */
		m->body_left = 0;
		m->pos = 0;
		m->state = S_CHUNK_SIZE;
		return GEN_HTTP_MORE;
	}
}

/* A CR or LF that ends a line of kind @kind. */
static int
eol(struct gen_http_msg *m, struct gen_http_req *q, unsigned char c,
    unsigned int kind)
{
	if (c == '\r') {
		m->line_kind = (uint8_t)kind;
		m->state = S_LF;
		return GEN_HTTP_MORE;
	}
	/* RFC 9112 2.2: a bare LF may be taken as the line terminator. */
	return line_end(m, q, kind);
}

/* One byte of the request or status line. */
static int
step_start(struct gen_http_msg *m, struct gen_http_req *q, unsigned char c)
{
again:
	switch (m->state) {
	case S_PROTO:
		if (c != (unsigned char)proto_prefix[m->pos])
			return start_line_error(q);
		if (++m->pos == sizeof(proto_prefix) - 1)
			m->state = S_MINOR;
		return GEN_HTTP_MORE;
	case S_MINOR:
		if (c < '0' || c > '9')
			return start_line_error(q);
		m->http_minor = (uint8_t)(c - '0');
		m->pos = 0;
		m->state = q != NULL ? S_REQ_EOL : S_RESP_SP;
		return GEN_HTTP_MORE;

	case S_REQ_START:
		if (c == '\r' || c == '\n')
			return eol(m, q, c, LK_LEAD);
		m->state = S_REQ_METHOD;
		goto again;
	case S_REQ_METHOD:
		if (c == ' ' && q->method_len > 0) {
			q->method[q->method_len] = '\0';
			m->state = S_REQ_SP1;
			return GEN_HTTP_MORE;
		}
		if (!is_tchar(c))
			return GEN_HTTP_E_REQUEST_LINE;
		if (q->method_len == GEN_HTTP_METHOD_MAX)
			return GEN_HTTP_E_METHOD_TOO_LONG;
		q->method[q->method_len++] = (char)c;
		return GEN_HTTP_MORE;
	case S_REQ_SP1:
		if (c == ' ')
			return GEN_HTTP_MORE;
		m->state = S_REQ_PATH;
		goto again;
	case S_REQ_PATH:
		if (c == ' ' && q->path_len > 0) {
			q->path[q->path_len] = '\0';
			m->state = S_REQ_SP2;
			return GEN_HTTP_MORE;
		}
		/* RFC 3986 characters are all visible ASCII. */
		if (c <= ' ' || c >= 0x7f)
			return GEN_HTTP_E_REQUEST_LINE;
		if (q->path_len == GEN_HTTP_PATH_MAX)
			return GEN_HTTP_E_TARGET_TOO_LONG;
		q->path[q->path_len++] = (char)c;
		return GEN_HTTP_MORE;
	case S_REQ_SP2:
		if (c == ' ')
			return GEN_HTTP_MORE;
		m->pos = 0;
		m->state = S_PROTO;
		goto again;
	case S_REQ_EOL:
		if (is_ws(c))
			return GEN_HTTP_MORE;
		if (c == '\r' || c == '\n')
			return eol(m, q, c, LK_FIRST);
		return GEN_HTTP_E_REQUEST_LINE;

	case S_RESP_SP:
		/* At least one SP; more are tolerated. */
		if (c == ' ') {
			m->pos = 1;
			return GEN_HTTP_MORE;
		}
		if (m->pos == 0 || c < '1' || c > '9')
			return GEN_HTTP_E_STATUS_LINE;
		m->pos = 0;
		m->state = S_RESP_CODE;
		goto again;
	case S_RESP_CODE:
		if (c < '0' || c > '9')
			return GEN_HTTP_E_STATUS_LINE;
		m->status = (uint16_t)(m->status * 10 + (c - '0'));
		if (++m->pos == 3)
			m->state = S_RESP_CODE_END;
		return GEN_HTTP_MORE;
	case S_RESP_CODE_END:
		if (c == ' ') {
			m->state = S_REASON;
			return GEN_HTTP_MORE;
		}
		if (c == '\r' || c == '\n')	/* no reason phrase */
			return eol(m, q, c, LK_FIRST);
		return GEN_HTTP_E_STATUS_LINE;
	default:	/* S_REASON */
		/* A bare CR in skipped text counts as a SP (RFC 9112 2.2). */
		return c == '\n' ? line_end(m, q, LK_FIRST) : GEN_HTTP_MORE;
	}
}

/* A field name has ended at its colon. */
static void
name_end(struct gen_http_msg *m)
{
	/* RFC 9110 6.5.1: trailer fields never frame the message. */
	m->hdr = m->flags & F_TRAILER ? H_OTHER :
		 match_end(hdr_names, H_COUNT, m->cand, m->pos);
	m->pos = 0;
	switch (m->hdr) {
	case H_TE:
		m->flags |= F_TE;
		m->cand = (1u << C_COUNT) - 1;
		break;
	case H_HOST:
		if (m->hosts < UINT8_MAX)
			m->hosts++;
		break;
	case H_CL:
		m->body_left = 0;	/* the accumulator */
		break;
	case H_CONN:
		m->cand = (1u << T_COUNT) - 1;
		break;
	default:
		break;
	}
	m->state = S_HDR_OWS;
}

/* One byte of a header or trailer field line, or of the empty line. */
static int
step_field(struct gen_http_msg *m, struct gen_http_req *q, unsigned char c)
{
	int rc;

again:
	switch (m->state) {
	case S_HDR_START:
		if (c == '\r' || c == '\n')
			return eol(m, q, c, LK_EMPTY);
		/* Leading whitespace is obs-fold or worse: RFC 9112 5.2. */
		if (!is_tchar(c))
			return GEN_HTTP_E_HEADER;
		m->pos = 0;
		m->cand = m->flags & F_TRAILER ? 0 : (1u << H_COUNT) - 1;
		m->state = S_HDR_NAME;
		goto again;
	case S_HDR_NAME:
		if (is_tchar(c)) {
			if (m->cand != 0)
				m->cand = match_step(hdr_names, H_COUNT,
						     m->cand, m->pos, c);
			if (m->pos < UINT8_MAX)
				m->pos++;
			return GEN_HTTP_MORE;
		}
		/* RFC 9112 5.1: no whitespace before the colon. */
		if (c != ':')
			return GEN_HTTP_E_HEADER;
		name_end(m);
		return GEN_HTTP_MORE;
	case S_HDR_OWS:
		if (is_ws(c))
			return GEN_HTTP_MORE;
		m->state = m->hdr == H_CL ? S_VAL_CL :
			   m->hdr == H_CONN ? S_VAL_CONN :
			   m->hdr == H_TE ? S_VAL_TE : S_VAL_SKIP;
		goto again;
	case S_VAL_SKIP:
		return c == '\n' ? line_end(m, q, LK_HEADER) : GEN_HTTP_MORE;
	case S_VAL_CL:
		if (c >= '0' && c <= '9') {
			m->body_left = m->body_left * 10 + (c - '0');
			if (m->body_left > GEN_HTTP_MAX_BODY)
				return GEN_HTTP_E_BODY_TOO_LONG;
			m->pos = 1;
			return GEN_HTTP_MORE;
		}
		if (is_ws(c) && m->pos != 0) {
			m->state = S_VAL_CL_TRAIL;
			return GEN_HTTP_MORE;
		}
		/* Signs, lists, garbage: RFC 9112 6.3 item 5. */
		if (c != '\r' && c != '\n')
			return GEN_HTTP_E_BAD_LENGTH;
		rc = value_end(m);
		return rc < 0 ? rc : eol(m, q, c, LK_HEADER);
	case S_VAL_CL_TRAIL:
		if (is_ws(c))
			return GEN_HTTP_MORE;
		if (c != '\r' && c != '\n')
			return GEN_HTTP_E_BAD_LENGTH;
		rc = value_end(m);
		return rc < 0 ? rc : eol(m, q, c, LK_HEADER);
	case S_VAL_CONN:
		if (c == '\r' || c == '\n') {
			value_end(m);
			return eol(m, q, c, LK_HEADER);
		}
		if (c == ',' || is_ws(c)) {
			if (m->pos != 0)
				conn_token_end(m);
			return GEN_HTTP_MORE;
		}
		if (m->cand != 0)
			m->cand = match_step(conn_tokens, T_COUNT, m->cand,
					     m->pos, c);
		if (m->pos < UINT8_MAX)
			m->pos++;
		return GEN_HTTP_MORE;
	case S_VAL_TE:
		/* RFC 9112 6.1: #transfer-coding; 7: token *(";" param). */
		if (c == '\r' || c == '\n') {
			value_end(m);
			return eol(m, q, c, LK_HEADER);
		}
		if (c == ',' || c == ';' || is_ws(c)) {
			coding_end(m);
			if (c == ';')
				m->state = S_VAL_TE_PARAM;
			return GEN_HTTP_MORE;
		}
		if (m->cand != 0)
			m->cand = match_step(codings, C_COUNT, m->cand, m->pos,
					     c);
		if (m->pos < UINT8_MAX)
			m->pos++;
		return GEN_HTTP_MORE;
	default:	/* S_VAL_TE_PARAM */
		if (c == '\r' || c == '\n')
			return eol(m, q, c, LK_HEADER);
		if (c == ',')
			m->state = S_VAL_TE;
		return GEN_HTTP_MORE;
	}
}

/* One byte of a chunk-size line or of the CRLF after chunk data. */
static int
step_chunk(struct gen_http_msg *m, struct gen_http_req *q, unsigned char c)
{
	int d;

	switch (m->state) {
	case S_CHUNK_SIZE:
		/* RFC 9112 7.1: chunk-size = 1*HEXDIG. */
		d = hex_value(c);
		if (d >= 0) {
			if (m->body_left > (UINT64_MAX >> 4))
				return GEN_HTTP_E_CHUNK;	/* overflow */
			m->body_left = (m->body_left << 4) | (uint64_t)d;
			m->pos = 1;
			return GEN_HTTP_MORE;
		}
		if (m->pos == 0)
			return GEN_HTTP_E_CHUNK;
		m->state = S_CHUNK_BWS;
		/* fall through */
	case S_CHUNK_BWS:
		/* 7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name ...). */
		if (is_ws(c))
			return GEN_HTTP_MORE;
		if (c == ';') {
			m->state = S_CHUNK_EXT;
			return GEN_HTTP_MORE;
		}
		if (c == '\r' || c == '\n')
			return eol(m, q, c, LK_CHUNK_SIZE);
		return GEN_HTTP_E_CHUNK;
	case S_CHUNK_EXT:
		return c == '\n' ? line_end(m, q, LK_CHUNK_SIZE) : GEN_HTTP_MORE;
	default:	/* S_CHUNK_END: chunk-data CRLF */
		if (c == '\r' || c == '\n')
			return eol(m, q, c, LK_CHUNK_END);
		return GEN_HTTP_E_CHUNK;
	}
}

/* One byte of anything but a body. */
static int
step(struct gen_http_msg *m, struct gen_http_req *q, unsigned char c)
{
	if (m->state < S_LF)
		return step_start(m, q, c);
	if (m->state == S_LF)
		return c == '\n' ? line_end(m, q, m->line_kind) :
				   lf_error(m, q);
	if (m->state < S_CHUNK_SIZE)
		return step_field(m, q, c);
	return step_chunk(m, q, c);
}

/*
 * Count @n more bytes of the current line, and of the header or trailer
 * section, against the limits. Checked before adding, so the counters
 * cannot overflow.
 */
static int
account(struct gen_http_msg *m, const struct gen_http_req *q, size_t n)
{
	uint32_t limit = q != NULL && q->max_header != 0 ? q->max_header :
							    GEN_HTTP_MAX_HEADER;
	uint32_t *count;

	if (n > (size_t)(GEN_HTTP_MAX_LINE - m->line_len)) {
		if (in_start_line(m))
			return start_line_error(q);
		if (in_chunk_line(m))
			return GEN_HTTP_E_CHUNK;
		return GEN_HTTP_E_LINE_TOO_LONG;
	}
	if (!in_chunk_line(m)) {
		count = m->flags & F_TRAILER ? &m->trailer_bytes :
					       &m->header_bytes;
		if (*count > limit || n > (size_t)(limit - *count))
			return GEN_HTTP_E_HEADER_TOO_LONG;
		*count += (uint32_t)n;
	}
	m->line_len = (uint16_t)(m->line_len + n);
	return GEN_HTTP_MORE;
}

/* @n bytes of body content: counted, and hashed if asked. */
static inline void
body_take(struct gen_http_msg *m, const char *p, size_t n)
{
	if (m->hash_body)
		m->hash = gen_http_crc32c(m->hash, p, n);
	m->body_bytes += n;
}

/* Skipped text ends at its LF: the line kind for each skipping state. */
static unsigned int
skip_kind(const struct gen_http_msg *m)
{
	switch (m->state) {
	case S_REASON:
		return LK_FIRST;
	case S_CHUNK_EXT:
		return LK_CHUNK_SIZE;
	default:
		return LK_HEADER;
	}
}

static int
parse(struct gen_http_msg *m, struct gen_http_req *q, const char *data,
      size_t len, size_t *consumed)
{
	const char *lf;
	size_t i = 0, n;
	int rc;

	if (m->state == S_DONE) {
		*consumed = 0;
		return GEN_HTTP_DONE;
	}
	if (m->state == S_ERR) {
		*consumed = 0;
		return m->err;
	}
	while (i < len) {
		switch (m->state) {
		case S_BODY:
		case S_CHUNK_DATA:
			n = len - i;
			if (n > m->body_left)
				n = (size_t)m->body_left;
			body_take(m, data + i, n);
			i += n;
			m->body_left -= n;
			if (m->body_left != 0)
				continue;
			if (m->state == S_BODY) {
				rc = message_done(m);
				goto out;
			}
			m->state = S_CHUNK_END;
			continue;
		case S_BODY_EOF:
			n = len - i;
			if (n > GEN_HTTP_MAX_BODY - m->body_bytes) {
				rc = GEN_HTTP_E_BODY_TOO_LONG;
				goto out;
			}
			body_take(m, data + i, n);
			i = len;
			continue;
		case S_REASON:
		case S_VAL_SKIP:
		case S_CHUNK_EXT:
			/* Text nobody reads: jump to its LF. */
			lf = memchr(data + i, '\n', len - i);
			n = lf != NULL ? (size_t)(lf - (data + i)) + 1 : len - i;
			rc = account(m, q, n);
			if (rc < 0)
				goto out;
			i += n;
			if (lf == NULL)
				continue;
			rc = line_end(m, q, skip_kind(m));
			break;
		default:
			rc = account(m, q, 1);
			if (rc < 0)
				goto out;
			rc = step(m, q, (unsigned char)data[i++]);
			break;
		}
		if (rc != GEN_HTTP_MORE)
			goto out;
	}
	*consumed = len;
	return GEN_HTTP_MORE;
out:
	*consumed = i;
	if (rc < 0) {
		m->err = (int16_t)rc;
		m->state = S_ERR;
	}
	return rc;
}

static int
parse_eof(struct gen_http_msg *m, bool idle)
{
	switch (m->state) {
	case S_BODY_EOF:
		return message_done(m);
	case S_DONE:
		return GEN_HTTP_DONE;
	case S_ERR:
		return m->err;
	default:
		if (idle)
			return GEN_HTTP_IDLE;
		m->err = GEN_HTTP_E_EOF;
		m->state = S_ERR;
		return GEN_HTTP_E_EOF;
	}
}

void
gen_http_resp_reset(struct gen_http_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->msg.state = S_PROTO;
}

void
gen_http_resp_init(struct gen_http_resp *r)
{
	gen_http_resp_reset(r);
}

int
gen_http_resp_feed(struct gen_http_resp *r, const char *data, size_t len,
		   size_t *consumed)
{
	return parse(&r->msg, NULL, data, len, consumed);
}

int
gen_http_resp_eof(struct gen_http_resp *r)
{
	return parse_eof(&r->msg, r->msg.state == S_PROTO &&
				  r->msg.header_bytes == 0);
}

void
gen_http_req_reset(struct gen_http_req *q)
{
	/* The path buffer is overwritten, not cleared: it is not small. */
	memset(&q->msg, 0, sizeof(q->msg));
	q->msg.state = S_REQ_START;
	q->method_len = 0;
	q->path_len = 0;
	q->method[0] = '\0';
	q->path[0] = '\0';
}

void
gen_http_req_init(struct gen_http_req *q)
{
	gen_http_req_reset(q);
	q->max_header = GEN_HTTP_MAX_HEADER;
}

void
gen_http_req_set_max_header(struct gen_http_req *q, uint32_t max)
{
	q->max_header = max != 0 ? max : GEN_HTTP_MAX_HEADER;
}

int
gen_http_req_feed(struct gen_http_req *q, const char *data, size_t len,
		  size_t *consumed)
{
	return parse(&q->msg, q, data, len, consumed);
}

int
gen_http_req_eof(struct gen_http_req *q)
{
	const struct gen_http_msg *m = &q->msg;

	/* Empty lines between requests do not start one. */
	return parse_eof(&q->msg, m->state == S_REQ_START ||
				  (m->state == S_LF && m->line_kind == LK_LEAD));
}

unsigned int
gen_http_req_error_status(int rc)
{
	switch (rc) {
	case GEN_HTTP_E_LINE_TOO_LONG:
	case GEN_HTTP_E_HEADER_TOO_LONG:
		return 431;	/* RFC 6585 5 */
	case GEN_HTTP_E_BODY_TOO_LONG:
		return 413;	/* RFC 9110 15.5.14 */
	case GEN_HTTP_E_TARGET_TOO_LONG:
		return 414;	/* RFC 9112 3 */
	case GEN_HTTP_E_METHOD_TOO_LONG:	/* RFC 9112 3 */
	case GEN_HTTP_E_CODING:			/* RFC 9112 6.1 */
		return 501;
	case GEN_HTTP_E_EOF:
		return 0;
	default:
		return rc < 0 ? 400 : 0;
	}
}

const char *const gen_http_reason_names[GEN_HTTP_N_REASONS] = {
#define REASON_KEY(name, key, text) [GEN_HTTP_R_##name] = key,
	GEN_HTTP_REASONS(REASON_KEY)
#undef REASON_KEY
};

static const char *const reason_texts[GEN_HTTP_N_REASONS] = {
#define REASON_TEXT(name, key, text) [GEN_HTTP_R_##name] = text,
	GEN_HTTP_REASONS(REASON_TEXT)
#undef REASON_TEXT
};

unsigned int
gen_http_reason(int rc)
{
	if (rc < 0 && rc > -GEN_HTTP_N_REASONS)
		return (unsigned int)-rc;
	return GEN_HTTP_R_NONE;
}

const char *
gen_http_reason_name(unsigned int reason)
{
	return reason < GEN_HTTP_N_REASONS ? gen_http_reason_names[reason] :
					     "unknown";
}

#ifndef __SSE4_2__
/* CRC32C (reflected 0x82F63B78) of each 4-bit value. */
static const uint32_t crc32c_nibble[16] = {
	0x00000000, 0x105ec76f, 0x20bd8ede, 0x30e349b1,
	0x417b1dbc, 0x5125dad3, 0x61c69362, 0x7198540d,
	0x82f63b78, 0x92a8fc17, 0xa24bb5a6, 0xb21572c9,
	0xc38d26c4, 0xd3d3e1ab, 0xe330a81a, 0xf36e6f75,
};
#endif

uint32_t
gen_http_crc32c(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t c = ~crc;

#ifdef __SSE4_2__
	uint64_t c64, v;

	for (; len > 0 && ((uintptr_t)p & 7) != 0; len--)
		c = _mm_crc32_u8(c, *p++);
	c64 = c;
	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&v, p, 8);
		c64 = _mm_crc32_u64(c64, v);
	}
	c = (uint32_t)c64;
	for (; len > 0; len--)
		c = _mm_crc32_u8(c, *p++);
#else
	for (; len > 0; len--) {
		c ^= *p++;
		c = (c >> 4) ^ crc32c_nibble[c & 15];
		c = (c >> 4) ^ crc32c_nibble[c & 15];
	}
#endif
	return ~c;
}

/* An output buffer that remembers running out of room. */
struct out {
	char *p;
	size_t left;
	size_t len;
	bool full;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->full || n > o->left) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->left -= n;
}

static void
put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void
put_u64(struct out *o, uint64_t v)
{
	char d[20];
	size_t n = sizeof(d);

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	put(o, d + n, sizeof(d) - n);
}

static size_t
out_len(const struct out *o)
{
	return o->full ? 0 : o->len;
}

/* NULL or empty, or whole CRLF-terminated lines with no empty line. */
static bool
extra_ok(const char *x)
{
	size_t n;

	if (x == NULL || x[0] == '\0')
		return true;
	n = strlen(x);
	return n >= 2 && x[n - 2] == '\r' && x[n - 1] == '\n' &&
	       x[0] != '\r' && x[0] != '\n' && strstr(x, "\r\n\r\n") == NULL &&
	       strstr(x, "\n\n") == NULL;
}

size_t
gen_http_req_build(char *buf, size_t cap, const char *method,
		   const char *path, const char *host,
		   const char *extra_headers, bool keepalive, size_t body_len)
{
	struct out o = { .p = buf, .left = cap };
	const unsigned char *s;

	if (method == NULL || path == NULL || host == NULL ||
	    method[0] == '\0' || path[0] == '\0' || !extra_ok(extra_headers))
		return 0;
	for (s = (const unsigned char *)method; *s != '\0'; s++)
		if (!is_tchar(*s))
			return 0;
	for (s = (const unsigned char *)path; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 0x7f)
			return 0;
	for (s = (const unsigned char *)host; *s != '\0'; s++)
		if (*s <= ' ' || *s == 0x7f)
			return 0;

	put_str(&o, method);
	put(&o, " ", 1);
	put_str(&o, path);
	put_str(&o, " HTTP/1.1\r\nHost: ");
	put_str(&o, host);
	put(&o, "\r\n", 2);
	if (!keepalive)
		put_str(&o, "Connection: close\r\n");
	/* RFC 9110 8.6: a POST or PUT without content says so with 0. */
	if (body_len > 0 || strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0) {
		put_str(&o, "Content-Length: ");
		put_u64(&o, body_len);
		put(&o, "\r\n", 2);
	}
	if (extra_headers != NULL)
		put_str(&o, extra_headers);
	put(&o, "\r\n", 2);
	return out_len(&o);
}

static const char *
reason(unsigned int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 103: return "Early Hints";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "";	/* the reason phrase is optional */
	}
}

size_t
gen_http_resp_build(char *buf, size_t cap, unsigned int status,
		    uint64_t content_length, bool close,
		    const char *extra_headers)
{
	struct out o = { .p = buf, .left = cap };
	bool no_body = status < 200 || status == 204 || status == 304;

	if (status < 100 || status > 999 || (no_body && content_length > 0) ||
	    !extra_ok(extra_headers))
		return 0;
	put_str(&o, "HTTP/1.1 ");
	put_u64(&o, status);
	put(&o, " ", 1);
	put_str(&o, reason(status));
	put(&o, "\r\n", 2);
	if (!no_body) {
		put_str(&o, "Content-Length: ");
		put_u64(&o, content_length);
		put(&o, "\r\n", 2);
	}
	if (close)
		put_str(&o, "Connection: close\r\n");
	if (extra_headers != NULL)
		put_str(&o, extra_headers);
	put(&o, "\r\n", 2);
	return out_len(&o);
}

size_t
gen_http_resp_build_error(char *buf, size_t cap, unsigned int status)
{
	struct out o = { .p = buf, .left = cap };
	const char *text = reason(status);
	size_t tlen = strlen(text);

	if (status < 400 || status > 599)
		return 0;
	/* RFC 9110 15.5: the body "SHOULD" explain; a line is enough. */
	put_str(&o, "HTTP/1.1 ");
	put_u64(&o, status);
	put(&o, " ", 1);
	put(&o, text, tlen);
	put_str(&o, "\r\nContent-Length: ");
	put_u64(&o, tlen + 1);
	put_str(&o, "\r\nConnection: close\r\n\r\n");
	put(&o, text, tlen);
	put(&o, "\n", 1);
	return out_len(&o);
}

const char *
gen_http_strerror(int rc)
{
	switch (rc) {
	case GEN_HTTP_MORE: return "incomplete";
	case GEN_HTTP_DONE: return "done";
	case GEN_HTTP_IDLE: return "closed between messages";
	default:
		if (rc < 0 && gen_http_reason(rc) != GEN_HTTP_R_NONE)
			return reason_texts[gen_http_reason(rc)];
		return "unknown";
	}
}

/* --- known messages: compared, not parsed --- */

/* A message just parsed whole from the start of @data: learn it. */
static void
known_learn(struct gen_http_known *k, const struct gen_http_req *q,
	    const char *data, size_t used)
{
	/* DONE from a feed: framed by length or chunks, or bodiless. */
	if (used == 0 || used > sizeof(k->bytes) || q->msg.interim != 0)
		return;
	memcpy(k->bytes, data, used);
	k->q = *q;
	k->len = (uint32_t)used;
}

int
gen_http_resp_feed_known(struct gen_http_resp *r, struct gen_http_known *k,
			 const char *data, size_t len, size_t *consumed)
{
	bool fresh = r->msg.state == S_PROTO && r->msg.header_bytes == 0 &&
		     r->msg.interim == 0;
	int rc;

	if (k == NULL)
		return gen_http_resp_feed(r, data, len, consumed);
	/* Nothing of it seen yet, the settings (HEAD, body hash) those of
	 * the learned one: then the same bytes give the same result. */
	if (fresh && k->len != 0 && r->msg.head == k->q.msg.head &&
	    r->msg.hash_body == k->q.msg.hash_body && len >= k->len &&
	    memcmp(data, k->bytes, k->len) == 0) {
		r->msg = k->q.msg;
		k->hits++;
		*consumed = k->len;
		return GEN_HTTP_DONE;
	}
	rc = gen_http_resp_feed(r, data, len, consumed);
	if (rc == GEN_HTTP_DONE && fresh) {
		struct gen_http_req q = { .msg = r->msg };

		known_learn(k, &q, data, *consumed);
	}
	return rc;
}

int
gen_http_req_feed_learn(struct gen_http_req *q, struct gen_http_known *k,
			const char *data, size_t len, size_t *consumed)
{
	bool fresh = q->msg.state == S_REQ_START && q->msg.header_bytes == 0;
	int rc = gen_http_req_feed(q, data, len, consumed);

	if (k != NULL && rc == GEN_HTTP_DONE && fresh)
		known_learn(k, q, data, *consumed);
	return rc;
}

const struct gen_http_req *
gen_http_req_known(struct gen_http_known *k, uint32_t max_header,
		   const char *data, size_t len)
{
	if (k == NULL || k->len == 0 || len < k->len ||
	    k->q.max_header != (max_header != 0 ? max_header :
				GEN_HTTP_MAX_HEADER) ||
	    memcmp(data, k->bytes, k->len) != 0)
		return NULL;
	k->hits++;
	return &k->q;
}
