/* gen_http.c: the HTTP/1.x request and response state machines and header builders. */
#include <string.h>

#include "gen_http.h"

/*
 * Input chain: gen_http_{resp,req}_feed -> parse (bulk body and skipped
 * text by memchr) -> step (one header byte) -> line_end -> headers_end.
 */

enum parse_state {
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
	S_HDR_START,	/* start of a header line, or the empty line */
	S_HDR_NAME,
	S_HDR_OWS,	/* whitespace after the colon */
	S_VAL_SKIP,	/* a value nobody needs */
	S_VAL_CL,	/* Content-Length digits */
	S_VAL_CL_TRAIL,	/* whitespace after them */
	S_VAL_CONN,	/* Connection tokens */
	S_BODY,
	S_BODY_EOF,	/* body delimited by the connection's close */
	S_DONE,
	S_ERR,
};

/* What the LF at the end of the current line completes. */
enum line_kind {
	LK_FIRST,	/* status or request line */
	LK_HEADER,	/* a header field line */
	LK_EMPTY,	/* the empty line ending the header section */
	LK_LEAD,	/* an empty line before a request line */
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

/* gen_http_msg.flags */
#define F_CONN_CLOSE 0x01
#define F_CONN_KEEP 0x02

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

/* The value of a header we read has ended (at its CR or LF). */
static int
value_end(struct gen_http_msg *m)
{
	switch (m->state) {
	case S_VAL_CL:
	case S_VAL_CL_TRAIL:
		if (m->pos == 0)
			return GEN_HTTP_E_SYNTAX;	/* empty */
		/* RFC 9112 6.3: differing lengths are unrecoverable. */
		if (m->has_length && m->content_length != m->body_left)
			return GEN_HTTP_E_SYNTAX;
		m->has_length = true;
		m->content_length = m->body_left;
		m->body_left = 0;
		break;
	case S_VAL_CONN:
		conn_token_end(m);
		break;
	default:
		break;
	}
	return GEN_HTTP_MORE;
}

/* The empty line: decide how the body is delimited (RFC 9112 6.3). */
static int
headers_end(struct gen_http_msg *m, struct gen_http_req *q)
{
	m->close = (m->flags & F_CONN_CLOSE) ||
		   (m->http_minor == 0 && !(m->flags & F_CONN_KEEP));
	m->body_left = 0;
	if (q != NULL) {
		/* RFC 9112 3.2: one Host in 1.1, at most one in 1.0. */
		if (m->hosts > 1 || (m->http_minor >= 1 && m->hosts != 1))
			return GEN_HTTP_E_SYNTAX;
		/* 6.3 item 6: no length, no body. */
		if (m->has_length)
			m->body_left = m->content_length;
	} else if (m->head || m->status == 204 || m->status == 304) {
		/* 6.3 item 1: never a body, whatever the headers say. */
	} else if (m->has_length) {
		m->body_left = m->content_length;
	} else if (m->close) {
		/* 6.3 item 8: the body runs to the close. */
		m->state = S_BODY_EOF;
		return GEN_HTTP_MORE;
	} else {
		return GEN_HTTP_E_NO_LENGTH;
	}
	if (m->body_left == 0) {
		m->state = S_DONE;
		return GEN_HTTP_DONE;
	}
	m->state = S_BODY;
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
		if (q == NULL && m->status < 200)
			return GEN_HTTP_E_1XX;
		m->state = S_HDR_START;
		return GEN_HTTP_MORE;
	case LK_HEADER:
		m->state = S_HDR_START;
		return GEN_HTTP_MORE;
	default:
		return headers_end(m, q);
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

/* One byte of the start line or header section. */
static int
step(struct gen_http_msg *m, struct gen_http_req *q, unsigned char c)
{
	int rc;

again:
	switch (m->state) {
	case S_PROTO:
		if (c != (unsigned char)proto_prefix[m->pos])
			return GEN_HTTP_E_SYNTAX;
		if (++m->pos == sizeof(proto_prefix) - 1)
			m->state = S_MINOR;
		return GEN_HTTP_MORE;
	case S_MINOR:
		if (c < '0' || c > '9')
			return GEN_HTTP_E_SYNTAX;
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
			return GEN_HTTP_E_SYNTAX;
		if (q->method_len == GEN_HTTP_METHOD_MAX)
			return GEN_HTTP_E_TOO_BIG;
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
			return GEN_HTTP_E_SYNTAX;
		if (q->path_len == GEN_HTTP_PATH_MAX)
			return GEN_HTTP_E_TOO_BIG;
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
		return GEN_HTTP_E_SYNTAX;

	case S_RESP_SP:
		/* At least one SP; more are tolerated. */
		if (c == ' ') {
			m->pos = 1;
			return GEN_HTTP_MORE;
		}
		if (m->pos == 0 || c < '1' || c > '9')
			return GEN_HTTP_E_SYNTAX;
		m->pos = 0;
		m->state = S_RESP_CODE;
		goto again;
	case S_RESP_CODE:
		if (c < '0' || c > '9')
			return GEN_HTTP_E_SYNTAX;
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
		return GEN_HTTP_E_SYNTAX;
	case S_REASON:
		/* A bare CR in skipped text counts as a SP (RFC 9112 2.2). */
		return c == '\n' ? line_end(m, q, LK_FIRST) : GEN_HTTP_MORE;

	case S_LF:
		if (c != '\n')
			return GEN_HTTP_E_SYNTAX;
		return line_end(m, q, m->line_kind);

	case S_HDR_START:
		if (c == '\r' || c == '\n')
			return eol(m, q, c, LK_EMPTY);
		/* Leading whitespace is obs-fold or worse: RFC 9112 5.2. */
		if (!is_tchar(c))
			return GEN_HTTP_E_SYNTAX;
		m->pos = 0;
		m->cand = (1u << H_COUNT) - 1;
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
			return GEN_HTTP_E_SYNTAX;
		m->hdr = match_end(hdr_names, H_COUNT, m->cand, m->pos);
		m->pos = 0;
		switch (m->hdr) {
		case H_TE:
			return GEN_HTTP_E_CHUNKED;
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
		return GEN_HTTP_MORE;
	case S_HDR_OWS:
		if (is_ws(c))
			return GEN_HTTP_MORE;
		m->state = m->hdr == H_CL ? S_VAL_CL :
			   m->hdr == H_CONN ? S_VAL_CONN : S_VAL_SKIP;
		goto again;
	case S_VAL_SKIP:
		return c == '\n' ? line_end(m, q, LK_HEADER) : GEN_HTTP_MORE;
	case S_VAL_CL:
		if (c >= '0' && c <= '9') {
			m->body_left = m->body_left * 10 + (c - '0');
			if (m->body_left > GEN_HTTP_MAX_BODY)
				return GEN_HTTP_E_TOO_BIG;
			m->pos = 1;
			return GEN_HTTP_MORE;
		}
		if (is_ws(c) && m->pos != 0) {
			m->state = S_VAL_CL_TRAIL;
			return GEN_HTTP_MORE;
		}
		/* Signs, lists, garbage: RFC 9112 6.3 item 5. */
		if (c != '\r' && c != '\n')
			return GEN_HTTP_E_SYNTAX;
		rc = value_end(m);
		return rc < 0 ? rc : eol(m, q, c, LK_HEADER);
	case S_VAL_CL_TRAIL:
		if (is_ws(c))
			return GEN_HTTP_MORE;
		if (c != '\r' && c != '\n')
			return GEN_HTTP_E_SYNTAX;
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
	default:
		return GEN_HTTP_E_SYNTAX;	/* not reached */
	}
}

/*
 * Count @n more bytes of the current line and header section against
 * the limits. Checked before adding, so the counters cannot overflow.
 */
static int
account(struct gen_http_msg *m, size_t n)
{
	if (n > (size_t)(GEN_HTTP_MAX_LINE - m->line_len))
		return GEN_HTTP_E_SYNTAX;
	if (n > (size_t)(GEN_HTTP_MAX_HEADER - m->header_bytes))
		return GEN_HTTP_E_TOO_BIG;
	m->line_len = (uint16_t)(m->line_len + n);
	m->header_bytes += (uint32_t)n;
	return GEN_HTTP_MORE;
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
			n = len - i;
			if (n > m->body_left)
				n = (size_t)m->body_left;
			i += n;
			m->body_left -= n;
			m->body_bytes += n;
			if (m->body_left == 0) {
				m->state = S_DONE;
				rc = GEN_HTTP_DONE;
				goto out;
			}
			continue;
		case S_BODY_EOF:
			m->body_bytes += len - i;
			i = len;
			continue;
		case S_REASON:
		case S_VAL_SKIP:
			/* Text nobody reads: jump to its LF. */
			lf = memchr(data + i, '\n', len - i);
			n = lf != NULL ? (size_t)(lf - (data + i)) + 1 : len - i;
			rc = account(m, n);
			if (rc < 0)
				goto out;
			i += n;
			if (lf == NULL)
				continue;
			rc = line_end(m, q, m->state == S_REASON ? LK_FIRST :
						LK_HEADER);
			break;
		default:
			rc = account(m, 1);
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
		m->state = S_DONE;
		return GEN_HTTP_DONE;
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
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
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

const char *
gen_http_strerror(int rc)
{
	switch (rc) {
	case GEN_HTTP_MORE: return "incomplete";
	case GEN_HTTP_DONE: return "done";
	case GEN_HTTP_IDLE: return "closed between messages";
	case GEN_HTTP_E_SYNTAX: return "syntax error";
	case GEN_HTTP_E_CHUNKED: return "transfer-encoding unsupported";
	case GEN_HTTP_E_1XX: return "1xx response unsupported";
	case GEN_HTTP_E_NO_LENGTH: return "no content-length on kept connection";
	case GEN_HTTP_E_TOO_BIG: return "message too big";
	case GEN_HTTP_E_EOF: return "closed mid-message";
	default: return "unknown";
	}
}
