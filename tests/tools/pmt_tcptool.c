/* pmt_tcptool.c: a small HTTP server and TCP client on the public pmtcp API, for the integration tests. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <sodium.h>

#include "pmtcp.h"

/*
 * Server: GET /N answers N bytes of the test pattern; POST or PUT with a
 * Content-Length answers the SHA-256 of the body it received. Client
 * modes: read to end of stream, send N pattern bytes, open and close
 * connections in sequence, or one HTTP request to such a server (GET of
 * N pattern bytes, POST of N pattern bytes). Every byte moved is hashed
 * so the test can compare whole transfers.
 *
 * Any stack key can be set with --set KEY=VALUE (or its alias --stack),
 * e.g. --set impair-rx=loss=1% --set impair-seed=7 --set tcp-sack=0.
 * SIGUSR2 prints the counters at once ("tcptool: stats snapshot" ...
 * "tcptool: stats snapshot end"), so a test can read a process's
 * counters before its memif peer exits (DPDK 22.11's memif PMD can crash
 * the process that keeps polling after its peer's exit).
 */

#define MAX_CONN 4096
#define REQ_MAX 4096

/* byte i of the pattern; the tests compute the same in Python */
static inline uint8_t
pattern(uint64_t i)
{
	return (uint8_t)(((uint32_t)i * 2654435761u) >> 24);
}

struct conn {
	int fd;
	bool used;
	char req[REQ_MAX];
	size_t req_len;
	/* response being sent */
	char hdr[256];
	size_t hdr_len, hdr_off;
	uint64_t body_len, body_off;
	/* upload being received */
	uint64_t up_left;
	bool uploading;
	crypto_hash_sha256_state up_sha;
	bool close_after;
};

static volatile bool stop;
/*
 * --send-chunk: bytes per pmt_send() call (at most 65536). Small or odd
 * writes make the segmenter cut segments at odd offsets of the send
 * queue's mbufs, so the chained pieces of a segment have odd lengths.
 */
static uint64_t send_chunk = 65536;
static struct conn conns[MAX_CONN];

static void
on_signal(int s)
{
	(void)s;
	stop = true;
}

/* --wait-start: SIGUSR1 lets the client begin (the test configures the
 * kernel side of the tap first, which it can do only after port start). */
static volatile bool go;

static void
on_go(int s)
{
	(void)s;
	go = true;
}

/* SIGUSR2: print the counters at the next turn of the loop. */
static volatile bool dump;

static void
on_dump(int s)
{
	(void)s;
	dump = true;
}

static void
dump_if_asked(void)
{
	if (!dump)
		return;
	dump = false;
	printf("tcptool: stats snapshot\n");
	pmt_stats_print(stdout);
	printf("tcptool: stats snapshot end\n");
	fflush(stdout);
}

/*
 * Print the "pool ..." lines of pmt_stats_print() prefixed with
 * "baseline ", so that a test can compare the pools at exit with the
 * pools of the idle stack (the RX rings hold mbufs from the start).
 */
static void
print_baseline(void)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return;
	pmt_stats_print(f);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "pool ", 5) == 0)
			printf("baseline %s\n", line);
	free(buf);
	fflush(stdout);
}

static void
fill_pattern(uint8_t *b, uint64_t off, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = pattern(off + i);
}

static void
conn_close(struct pmt_engine *eng, struct conn *c)
{
	pmt_close(eng, c->fd);
	c->used = false;
}

/* Push as much of the response as the send buffer takes. */
static int
conn_write(struct pmt_engine *eng, struct conn *c)
{
	static uint8_t chunk[65536];
	long n;

	while (c->hdr_off < c->hdr_len) {
		n = pmt_send(eng, c->fd, c->hdr + c->hdr_off,
			     c->hdr_len - c->hdr_off,
			     c->body_len ? PMT_MSG_MORE : 0);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		c->hdr_off += (size_t)n;
	}
	while (c->body_off < c->body_len) {
		size_t want = (size_t)RTE_MIN(RTE_MIN((uint64_t)sizeof(chunk), send_chunk),
					      c->body_len - c->body_off);

		fill_pattern(chunk, c->body_off, want);
		n = pmt_send(eng, c->fd, chunk, want, 0);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		c->body_off += (uint64_t)n;
	}
	if (c->hdr_len && c->body_off == c->body_len) {
		c->hdr_len = c->hdr_off = 0;
		c->body_len = c->body_off = 0;
		if (c->close_after)
			return 1;
	}
	return 0;
}

static void
respond(struct conn *c, int status, uint64_t body_len, const char *body)
{
	c->hdr_len = (size_t)snprintf(c->hdr, sizeof(c->hdr),
		"HTTP/1.1 %d %s\r\nContent-Length: %llu\r\n%s\r\n%s",
		status, status == 200 ? "OK" : "Bad Request",
		(unsigned long long)(body ? strlen(body) : body_len),
		c->close_after ? "Connection: close\r\n" : "",
		body ? body : "");
	c->hdr_off = 0;
	c->body_len = body ? 0 : body_len;
	c->body_off = 0;
}

/* Parse one complete request head in c->req; returns bytes used or 0. */
static size_t
handle_request(struct conn *c)
{
	char *end = memmem(c->req, c->req_len, "\r\n\r\n", 4);
	char method[8], path[256];
	const char *cl;
	size_t used;

	if (end == NULL)
		return 0;
	used = (size_t)(end - c->req) + 4;
	*end = '\0';
	c->close_after = strcasestr(c->req, "Connection: close") != NULL;
	if (sscanf(c->req, "%7s %255s", method, path) != 2) {
		c->close_after = true;
		respond(c, 400, 0, "bad request\n");
		return used;
	}
	if (strcmp(method, "GET") == 0) {
		respond(c, 200, strtoull(path + 1, NULL, 10), NULL);
		return used;
	}
	cl = strcasestr(c->req, "Content-Length:");
	if ((strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) && cl) {
		c->up_left = strtoull(cl + 15, NULL, 10);
		c->uploading = true;
		crypto_hash_sha256_init(&c->up_sha);
		return used;
	}
	c->close_after = true;
	respond(c, 400, 0, "bad request\n");
	return used;
}

static void
upload_done(struct conn *c)
{
	unsigned char h[32];
	char hex[80];

	crypto_hash_sha256_final(&c->up_sha, h);
	sodium_bin2hex(hex, sizeof(hex) - 1, h, sizeof(h));
	strcat(hex, "\n");
	c->uploading = false;
	respond(c, 200, 0, hex);
}

/*
 * Take one complete request head out of c->req, and with it the body
 * bytes of an upload that came in the same read: one pmt_recv() can
 * return the head and the start of the body together (it copies across
 * segments), and those bytes belong to the upload, not to the next
 * request. Returns the bytes of head used, 0 if no head is complete.
 */
static size_t
take_request(struct conn *c)
{
	size_t used = handle_request(c), body;

	if (used == 0)
		return 0;
	memmove(c->req, c->req + used, c->req_len - used);
	c->req_len -= used;
	if (c->uploading) {
		body = (size_t)RTE_MIN((uint64_t)c->req_len, c->up_left);
		crypto_hash_sha256_update(&c->up_sha, (unsigned char *)c->req,
					  body);
		c->up_left -= body;
		memmove(c->req, c->req + body, c->req_len - body);
		c->req_len -= body;
		if (c->up_left == 0)
			upload_done(c);
	}
	return used;
}

static int
conn_read(struct pmt_engine *eng, struct conn *c)
{
	uint8_t buf[16384];
	long n;

	for (;;) {
		if (c->uploading) {
			n = pmt_recv(eng, c->fd, buf,
				     (size_t)RTE_MIN((uint64_t)sizeof(buf), c->up_left));
			if (n > 0) {
				crypto_hash_sha256_update(&c->up_sha, buf, (size_t)n);
				c->up_left -= (uint64_t)n;
				if (c->up_left == 0)
					upload_done(c);
				continue;
			}
		} else {
			if (c->req_len == sizeof(c->req))
				return -1;
			n = pmt_recv(eng, c->fd, c->req + c->req_len,
				     sizeof(c->req) - c->req_len);
			if (n > 0) {
				c->req_len += (size_t)n;
				/* One request at a time; pipelined ones wait. */
				if (c->hdr_len == 0)
					(void)take_request(c);
				continue;
			}
		}
		if (n == -EAGAIN)
			return 0;
		return n == 0 ? 1 : (int)n;	/* end of stream or error */
	}
}

static int
run_server(struct pmt_engine *eng, uint16_t port)
{
	struct pmt_event ev[64];
	int lfd = pmt_socket(eng), i, n;

	if (lfd < 0 || pmt_bind(eng, lfd, 0, port) != 0 ||
	    pmt_listen(eng, lfd, 1024) != 0) {
		fprintf(stderr, "tcptool: cannot listen on %u\n", port);
		return 1;
	}
	printf("tcptool: listening on %u\n", port);
	fflush(stdout);
	print_baseline();
	while (!stop) {
		dump_if_asked();
		pmt_engine_poll(eng);
		n = pmt_events(eng, ev, 64);
		for (i = 0; i < n; i++) {
			struct conn *c;
			int r = 0;

			if (ev[i].fd == lfd) {
				int cfd;

				while ((cfd = pmt_accept(eng, lfd, NULL, NULL)) >= 0) {
					if (cfd >= MAX_CONN) {
						pmt_close(eng, cfd);
						continue;
					}
					c = &conns[cfd];
					memset(c, 0, sizeof(*c));
					c->fd = cfd;
					c->used = true;
					pmt_set_udata(eng, cfd, c);
				}
				continue;
			}
			c = ev[i].udata;
			if (c == NULL || !c->used)
				continue;
			if (ev[i].events & PMT_EV_IN)
				r = conn_read(eng, c);
			if (r == 0 && c->hdr_len)
				r = conn_write(eng, c);
			if (r == 0 && c->hdr_len == 0 && c->req_len &&
			    take_request(c) > 0) {
				/* A pipelined upload's body may be queued already. */
				if (c->uploading)
					r = conn_read(eng, c);
				if (r == 0)
					r = conn_write(eng, c);
			}
			if (r != 0 || (ev[i].events & PMT_EV_ERR))
				conn_close(eng, c);
		}
	}
	return 0;
}

enum client_mode { CM_RECV_ALL, CM_SEND, CM_REPEAT, CM_HALF_CLOSE, CM_GET,
		   CM_POST };

/*
 * Let the close handshakes run before the port goes, and collect the
 * events of closed sockets: a closed TCB with an event still queued goes
 * back to its pool only when pmt_events() pops that event.
 */
static void
settle(struct pmt_engine *eng)
{
	struct pmt_event ev[64];
	uint64_t i;

	for (i = 0; i < 200000 && !stop; i++) {
		pmt_engine_poll(eng);
		(void)pmt_events(eng, ev, 64);
	}
}

static int
wait_connected(struct pmt_engine *eng, int fd)
{
	struct pmt_event ev[16];
	int err = 0, state = 0, i, n;

	while (!stop) {
		pmt_engine_poll(eng);
		n = pmt_events(eng, ev, 16);
		for (i = 0; i < n; i++)
			if (ev[i].fd == fd && (ev[i].events & (PMT_EV_OUT | PMT_EV_ERR))) {
				pmt_getsockopt(eng, fd, PMT_SO_ERROR, &err);
				pmt_getsockopt(eng, fd, PMT_TCP_STATE, &state);
				if (err)
					return -err;
				if (state >= 4)
					return 0;
			}
	}
	return -EINTR;
}

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const char *
err_name(int e)
{
	switch (e) {
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case ETIMEDOUT: return "ETIMEDOUT";
	default: return strerror(e);
	}
}

/* Send all of buf (an HTTP request head), polling while the buffer is full. */
static int
send_all(struct pmt_engine *eng, int fd, const char *buf, size_t len,
	 unsigned int flags)
{
	size_t off = 0;
	long n;

	while (off < len && !stop) {
		n = pmt_send(eng, fd, buf + off, len - off, flags);
		if (n == -EAGAIN) {
			pmt_engine_poll(eng);
			continue;
		}
		if (n < 0)
			return (int)n;
		off += (size_t)n;
	}
	return off == len ? 0 : -EINTR;
}

/*
 * Read an HTTP/1.1 reply to the end of stream (the request asked for
 * Connection: close): the head, then the body, hashed. Prints the status,
 * the body's length and SHA-256 and, when short, the body itself (the
 * server's SHA-256 of an upload). Returns 0 when the status is 200 and
 * the body is exactly Content-Length long, 4 when not, 3 on a socket
 * error.
 */
static int
read_http_reply(struct pmt_engine *eng, int fd)
{
	static uint8_t buf[65536];
	char head[REQ_MAX + 1], small[129], hex[65];
	crypto_hash_sha256_state sha;
	unsigned char h[32];
	size_t head_len = 0, small_len = 0;
	uint64_t body = 0, clen = UINT64_MAX;
	int status = 0;
	bool in_body = false;
	const char *cl;
	char *end;
	long n;

	crypto_hash_sha256_init(&sha);
	for (;;) {
		if (stop) {
			/* how far it got, for a test that gave up waiting */
			printf("tcptool: stopped: reply body bytes=%llu\n",
			       (unsigned long long)body);
			return 1;
		}
		pmt_engine_poll(eng);
		if (!in_body) {
			n = pmt_recv(eng, fd, head + head_len, REQ_MAX - head_len);
		} else {
			n = pmt_recv(eng, fd, buf, sizeof(buf));
		}
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			printf("tcptool: error=%s\n", err_name((int)-n));
			return 3;
		}
		if (n == 0)
			break;
		if (in_body) {
			crypto_hash_sha256_update(&sha, buf, (size_t)n);
			if (small_len + (size_t)n < sizeof(small))
				memcpy(small + small_len, buf, (size_t)n);
			small_len += (size_t)n;
			body += (uint64_t)n;
			continue;
		}
		head_len += (size_t)n;
		head[head_len] = '\0';
		end = memmem(head, head_len, "\r\n\r\n", 4);
		if (end == NULL) {
			if (head_len == REQ_MAX) {
				printf("tcptool: reply head longer than %d bytes\n", REQ_MAX);
				return 4;
			}
			continue;
		}
		*end = '\0';
		if (sscanf(head, "HTTP/1.%*c %d", &status) != 1)
			status = 0;
		cl = strcasestr(head, "Content-Length:");
		if (cl != NULL)
			clen = strtoull(cl + 15, NULL, 10);
		in_body = true;
		/* What came with the head is the start of the body. */
		n = (long)(head_len - (size_t)(end + 4 - head));
		crypto_hash_sha256_update(&sha, (unsigned char *)end + 4, (size_t)n);
		if ((size_t)n < sizeof(small)) {
			memcpy(small, end + 4, (size_t)n);
			small_len = (size_t)n;
		} else {
			small_len = sizeof(small);
		}
		body = (uint64_t)n;
	}
	crypto_hash_sha256_final(&sha, h);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	printf("tcptool: http status=%d content-length=%lld\n", status,
	       clen == UINT64_MAX ? -1LL : (long long)clen);
	printf("tcptool: received bytes=%llu sha256=%s\n",
	       (unsigned long long)body, hex);
	if (in_body && small_len < sizeof(small)) {
		small[small_len] = '\0';
		small[strcspn(small, "\r\n")] = '\0';
		printf("tcptool: body=%s\n", small);
	}
	fflush(stdout);
	if (!in_body)
		printf("tcptool: no reply head before the end of stream\n");
	return status == 200 && body == clen ? 0 : 4;
}

static int
run_client(struct pmt_engine *eng, uint32_t addr, uint16_t port,
	   enum client_mode mode, uint64_t count)
{
	static uint8_t buf[65536];
	crypto_hash_sha256_state sha;
	unsigned char h[32];
	char hex[65];
	uint64_t total = 0, i, t0;
	int fd, ret;
	long n;

	if (mode == CM_REPEAT) {
		for (i = 0; i < count && !stop; i++) {
			fd = pmt_socket(eng);
			if (fd < 0)
				return fprintf(stderr, "tcptool: socket: %s\n", strerror(-fd)), 1;
			ret = pmt_connect(eng, fd, addr, port);
			if (ret == -EINPROGRESS)
				ret = wait_connected(eng, fd);
			if (ret != 0) {
				printf("tcptool: connection %llu: error=%s\n",
				       (unsigned long long)i, err_name(-ret));
				/* Give the descriptor back: no TCB left at exit. */
				pmt_close(eng, fd);
				settle(eng);
				return 3;
			}
			/* Read what the server sends, to its FIN. */
			for (;;) {
				pmt_engine_poll(eng);
				n = pmt_recv(eng, fd, buf, sizeof(buf));
				if (n == -EAGAIN)
					continue;
				if (n <= 0)
					break;
				total += (uint64_t)n;
			}
			pmt_close(eng, fd);
		}
		printf("tcptool: connections=%llu bytes=%llu\n",
		       (unsigned long long)i, (unsigned long long)total);
		fflush(stdout);
		settle(eng);
		return i == count ? 0 : 1;
	}

	t0 = mono_us();
	fd = pmt_socket(eng);
	ret = pmt_connect(eng, fd, addr, port);
	if (ret == -EINPROGRESS)
		ret = wait_connected(eng, fd);
	if (ret != 0) {
		printf("tcptool: error=%s\n", err_name(-ret));
		/* Give the descriptor back: no TCB left at exit. */
		pmt_close(eng, fd);
		settle(eng);
		return 3;
	}
	if (mode == CM_GET || mode == CM_POST) {
		char req[256];

		if (mode == CM_GET)
			snprintf(req, sizeof(req),
				 "GET /%llu HTTP/1.1\r\nHost: pmtcp\r\n"
				 "Connection: close\r\n\r\n",
				 (unsigned long long)count);
		else
			snprintf(req, sizeof(req),
				 "POST /upload HTTP/1.1\r\nHost: pmtcp\r\n"
				 "Content-Length: %llu\r\nConnection: close\r\n\r\n",
				 (unsigned long long)count);
		ret = send_all(eng, fd, req, strlen(req),
			       mode == CM_POST && count ? PMT_MSG_MORE : 0);
		if (ret != 0) {
			printf("tcptool: error=%s\n", err_name(-ret));
			pmt_close(eng, fd);
			settle(eng);
			return 3;
		}
	}
	crypto_hash_sha256_init(&sha);
	if (mode == CM_SEND || mode == CM_HALF_CLOSE || mode == CM_POST) {
		while (total < count && !stop) {
			size_t want = (size_t)RTE_MIN(RTE_MIN((uint64_t)sizeof(buf), send_chunk),
						      count - total);

			fill_pattern(buf, total, want);
			n = pmt_send(eng, fd, buf, want, 0);
			if (n == -EAGAIN) {
				pmt_engine_poll(eng);
				continue;
			}
			if (n < 0) {
				printf("tcptool: error=%s\n", err_name((int)-n));
				pmt_close(eng, fd);
				settle(eng);
				return 3;
			}
			crypto_hash_sha256_update(&sha, buf, (size_t)n);
			total += (uint64_t)n;
		}
		if (stop)
			printf("tcptool: stopped: queued bytes=%llu of %llu\n",
			       (unsigned long long)total, (unsigned long long)count);
		/* A POST's server answers, then closes (Connection: close):
		 * a FIN of ours could end the connection before its answer. */
		if (mode != CM_POST)
			pmt_shutdown(eng, fd, SHUT_WR);
		crypto_hash_sha256_final(&sha, h);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		printf("tcptool: sent bytes=%llu sha256=%s\n",
		       (unsigned long long)total, hex);
		fflush(stdout);
		crypto_hash_sha256_init(&sha);
		total = 0;
	}
	if (mode == CM_GET || mode == CM_POST) {
		ret = read_http_reply(eng, fd);
		/* connect to the reply's end of stream: what a test bounds */
		printf("tcptool: transfer us=%llu\n",
		       (unsigned long long)(mono_us() - t0));
		fflush(stdout);
		pmt_close(eng, fd);
		for (i = 0; i < 200000 && !stop; i++)
			pmt_engine_poll(eng);
		settle(eng);
		return ret;
	}
	/* Read to the end of stream (the peer's reply to a half-close too). */
	for (;;) {
		if (stop)
			return 1;
		pmt_engine_poll(eng);
		n = pmt_recv(eng, fd, buf, sizeof(buf));
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			printf("tcptool: error=%s\n", err_name((int)-n));
			pmt_close(eng, fd);
			settle(eng);
			return 3;
		}
		if (n == 0)
			break;
		crypto_hash_sha256_update(&sha, buf, (size_t)n);
		total += (uint64_t)n;
	}
	crypto_hash_sha256_final(&sha, h);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	printf("tcptool: received bytes=%llu sha256=%s\n",
	       (unsigned long long)total, hex);
	fflush(stdout);
	pmt_close(eng, fd);
	/* Let the close handshake run before the port goes. */
	for (i = 0; i < 200000 && !stop; i++)
		pmt_engine_poll(eng);
	settle(eng);
	return 0;
}

int
main(int argc, char **argv)
{
	struct pmt_config cfg;
	struct pmt_engine *eng;
	enum client_mode mode = CM_RECV_ALL;
	const char *server = NULL;
	uint64_t count = 0;
	uint16_t listen_port = 0;
	bool wait_start = false, wait_exit = false;
	char err[256];
	int ret, c, idx;
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "gateway", required_argument, NULL, 'g' },
		{ "listen", required_argument, NULL, 'l' },
		{ "connect", required_argument, NULL, 'c' },
		{ "send", required_argument, NULL, 's' },
		{ "half-close", required_argument, NULL, 'h' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 'o' },
		{ "stack", required_argument, NULL, 'o' },
		{ "get", required_argument, NULL, 'G' },
		{ "post", required_argument, NULL, 'P' },
		{ "wait-start", no_argument, NULL, 'w' },
		{ "wait-exit", no_argument, NULL, 'x' },
		{ "send-chunk", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		return 2;
	argc -= ret;
	argv += ret;
	if (sodium_init() < 0)
		return 1;
	pmt_config_defaults(&cfg);
	cfg.link_wait_ms = 2000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		switch (c) {
		case 'a':
		case 'g':
			if (pmt_config_set(&cfg, NULL, c == 'a' ? "addr" : "gateway",
					   optarg, err, sizeof(err)) != 0)
				return fprintf(stderr, "tcptool: %s\n", err), 2;
			break;
		case 'o': {
			/* --set (--stack) key=value for any stack key */
			char *eq = strchr(optarg, '=');

			if (eq == NULL)
				return fprintf(stderr, "tcptool: --set KEY=VALUE, not '%s'\n",
					       optarg), 2;
			*eq = '\0';
			if (pmt_config_set(&cfg, NULL, optarg, eq + 1, err, sizeof(err)) != 0)
				return fprintf(stderr, "tcptool: %s\n", err), 2;
			break;
		}
		case 'l':
			listen_port = (uint16_t)atoi(optarg);
			break;
		case 'c':
			server = optarg;
			break;
		case 's':
			mode = CM_SEND;
			count = strtoull(optarg, NULL, 10);
			break;
		case 'h':
			mode = CM_HALF_CLOSE;
			count = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			mode = CM_REPEAT;
			count = strtoull(optarg, NULL, 10);
			break;
		case 'G':
		case 'P':
			mode = c == 'G' ? CM_GET : CM_POST;
			count = strtoull(optarg, NULL, 10);
			break;
		case 'w':
			wait_start = true;
			break;
		case 'x':
			wait_exit = true;
			break;
		case 'k':
			send_chunk = strtoull(optarg, NULL, 10);
			if (send_chunk == 0 || send_chunk > 65536)
				return fprintf(stderr, "tcptool: --send-chunk 1..65536\n"), 2;
			break;
		default:
			return 2;
		}
	}
	if (pmt_stack_init(&cfg) != 0)
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR2, on_dump);
	if (wait_start || wait_exit)
		signal(SIGUSR1, on_go);
	eng = pmt_engine_get(rte_lcore_id());
	/* The start-up lines ("pmtcp: port 0 mac ... Link up") reach the
	 * test now, not at exit. */
	fflush(stdout);
	if (wait_start && !listen_port) {
		/* Keep the engine running (ARP answered) until SIGUSR1. */
		print_baseline();
		printf("tcptool: waiting for SIGUSR1\n");
		fflush(stdout);
		while (!go && !stop)
			pmt_engine_poll(eng);
		if (stop) {
			fflush(stdout);
			pmt_stats_print(stdout);
			pmt_stack_close();
			rte_eal_cleanup();
			return 1;
		}
	} else if (!listen_port) {
		print_baseline();
	}
	if (listen_port) {
		ret = run_server(eng, listen_port);
	} else if (server) {
		char host[64];
		char *colon;
		uint32_t a;

		snprintf(host, sizeof(host), "%s", server);
		colon = strchr(host, ':');
		if (colon == NULL)
			return 2;
		*colon = '\0';
		if (pmt_ipv4_parse_addr(host, &a) != 0)
			return 2;
		ret = run_client(eng, a, (uint16_t)atoi(colon + 1), mode, count);
		if (wait_exit) {
			/* --wait-exit: stay (polling, SIGUSR2 answered) until
			 * SIGUSR1, so a test can read its memif peer's counters
			 * while this end is still there. */
			go = false;
			printf("tcptool: done, waiting for SIGUSR1 to exit\n");
			fflush(stdout);
			while (!go && !stop) {
				dump_if_asked();
				pmt_engine_poll(eng);
			}
		}
	} else {
		fprintf(stderr, "tcptool: --listen PORT or --connect IP:PORT\n");
		ret = 2;
	}
	fflush(stdout);
	pmt_stats_print(stdout);
	pmt_stack_close();
	rte_eal_cleanup();
	return ret;
}
