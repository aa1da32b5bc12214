/* config.c: the stack's configuration: defaults, keys by name, INI files, validation. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "pmtcp.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int
fail(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return ret;
}

void
pmt_config_defaults(struct pmt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mbufs_per_lcore = 8191;
	cfg->rx_desc = 1024;
	cfg->tx_desc = 1024;
	cfg->mtu = 1500;
	cfg->link_wait_ms = 5000;
	cfg->tx_drain_us = 100;
	/* Linux's defaults: base_reachable_time 30 s, 3 probes 1 s apart. */
	cfg->arp_reachable_ms = 30000;
	cfg->arp_retry_ms = 1000;
	cfg->arp_retries = 3;
	cfg->arp_pending_max = 8;
	cfg->arp_entries = 1024;
	cfg->offloads = 1;
	/* Off by default: net_tap's software GSO (DPDK 22.11) loses
	 * segments of chained frames in our tests. */
	cfg->tso = 0;
	cfg->tcp_max_sockets = 16384;
	cfg->tcp_sndbuf = 256 * 1024;
	cfg->tcp_rcvbuf = 256 * 1024;
	cfg->tcp_rto_min_ms = 200;
	cfg->tcp_rto_max_ms = 60000;
	cfg->tcp_rto_init_ms = 1000;	/* RFC 6298 2.1 */
	cfg->tcp_syn_retries = 6;
	cfg->tcp_retries = 15;
	cfg->tcp_time_wait_ms = 60000;	/* 2MSL as Linux: MSL 30 s */
	cfg->tcp_fin_wait2_ms = 60000;
	cfg->tcp_delack_ms = 40;
	cfg->tcp_flush_us = 200;
	cfg->tcp_keep_idle_s = 7200;	/* RFC 1122 4.2.3.6 */
	cfg->tcp_keep_intvl_s = 75;
	cfg->tcp_keep_probes = 9;
	cfg->tcp_port_min = 32768;
	cfg->tcp_port_max = 60999;
	cfg->tcp_syncache_entries = 16384;
	cfg->tcp_syncache_retries = 3;
	cfg->tcp_syncookies = 1;
	/* Impairments off (all zero); a fixed seed makes runs repeat. */
	cfg->impair_seed = 1;
	cfg->tcp_ooo_max_bytes = 0;	/* the receive buffer */
	cfg->tcp_ooo_max_segs = 256;
	cfg->tcp_ooo_engine_mbufs = 0;	/* a quarter of the pool */
	cfg->tcp_sack = 1;
	cfg->tcp_congestion = PMT_CC_CUBIC;
}

int
pmt_ipv4_parse_addr(const char *s, uint32_t *addr)
{
	struct in_addr a;

	/* inet_pton takes only dotted quads: no "1", no octal, no hex. */
	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr = a.s_addr;
	return 0;
}

int
pmt_ipv4_parse_prefix(const char *s, struct pmt_ipv4_prefix *p)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *slash;
	char *end;
	unsigned long len;
	size_t n;

	if (s == NULL)
		return -EINVAL;
	slash = strchr(s, '/');
	if (slash == NULL || slash[1] == '\0')
		return -EINVAL;
	n = (size_t)(slash - s);
	if (n >= INET_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (pmt_ipv4_parse_addr(buf, &p->addr) != 0)
		return -EINVAL;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	/* Digits only, and as for the octets no leading zero ("010"). */
	if (errno || *end != '\0' || len > 32 || slash[1] < '0' ||
	    slash[1] > '9' || (slash[1] == '0' && slash[2] != '\0'))
		return -EINVAL;
	p->len = (uint8_t)len;
	return 0;
}

static int
parse_uint(const char *v, unsigned long min, unsigned long max,
	   unsigned int *out)
{
	unsigned long x;
	char *end;

	if (v == NULL || *v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || *end != '\0' || x < min || x > max)
		return -EINVAL;
	*out = (unsigned int)x;
	return 0;
}

static int
bad_addr(char *err, size_t errlen, const char *v)
{
	return fail(err, errlen, -EINVAL,
		    "bad address '%s': want IPv4/PREFIX, e.g. 198.18.0.2/24",
		    v ? v : "");
}

static int
port_add_addr(struct pmt_config *cfg, unsigned int port, const char *v,
	      char *err, size_t errlen)
{
	struct pmt_port_config *pc = &cfg->ports[port];
	struct pmt_ipv4_prefix p;

	if (pmt_ipv4_parse_prefix(v, &p) != 0)
		return bad_addr(err, errlen, v);
	if (pc->n_addrs == PMT_MAX_ADDRS_PER_PORT)
		return fail(err, errlen, -EINVAL,
			    "port %u: more than %u addresses", port,
			    PMT_MAX_ADDRS_PER_PORT);
	pc->addrs[pc->n_addrs++] = p;
	if (port + 1 > cfg->n_ports)
		cfg->n_ports = port + 1;
	return 0;
}

/*
 * impair-rx / impair-tx: "[PORT:]SPEC", for one port or (no prefix) all
 * of them; a later setting replaces an earlier one for the ports it
 * names. @port is the [portN] section's port, or -1.
 */
static int
set_impair(struct pmt_config *cfg, int port, unsigned int dir,
	   const char *key, const char *value, char *err, size_t errlen)
{
	struct pmt_impair_spec sp;
	const char *spec = value, *colon;
	char why[200];
	unsigned int p;

	if (value == NULL)
		return fail(err, errlen, -EINVAL, "%s needs a value", key);
	colon = strchr(value, ':');
	if (port < 0 && colon != NULL && colon > value &&
	    strspn(value, "0123456789") == (size_t)(colon - value)) {
		char num[16];
		size_t n = (size_t)(colon - value);

		if (n >= sizeof(num))
			n = sizeof(num) - 1;
		memcpy(num, value, n);
		num[n] = '\0';
		if (parse_uint(num, 0, PMT_MAX_PORTS - 1, &p) != 0)
			return fail(err, errlen, -EINVAL,
				    "bad %s '%s': port %s is not in 0..%u",
				    key, value, num, PMT_MAX_PORTS - 1);
		port = (int)p;
		spec = colon + 1;
	}
	if (pmt_impair_parse(spec, &sp, why, sizeof(why)) != 0)
		return fail(err, errlen, -EINVAL, "bad %s '%s': %s", key, value,
			    why);
	for (p = 0; p < PMT_MAX_PORTS; p++)
		if (port < 0 || (unsigned int)port == p)
			cfg->impair[p][dir] = sp;
	return 0;
}

/* "impair": "rx:[PORT:]SPEC" or "tx:[PORT:]SPEC", as pmtcp-gen's --impair. */
static int
set_impair_dir(struct pmt_config *cfg, const char *value, char *err,
	       size_t errlen)
{
	if (value != NULL && strncmp(value, "rx:", 3) == 0)
		return set_impair(cfg, -1, PMT_IMPAIR_RX, "impair rx", value + 3,
				  err, errlen);
	if (value != NULL && strncmp(value, "tx:", 3) == 0)
		return set_impair(cfg, -1, PMT_IMPAIR_TX, "impair tx", value + 3,
				  err, errlen);
	return fail(err, errlen, -EINVAL,
		    "bad impair '%s': want rx:SPEC or tx:SPEC, e.g. rx:loss=1%%",
		    value ? value : "");
}

/* Numeric stack keys: name, field, bounds. */
static const struct {
	const char *key;
	size_t off;
	unsigned long min, max;
} uint_keys[] = {
	{ "mbufs", offsetof(struct pmt_config, mbufs_per_lcore), 1024, 1u << 24 },
	{ "rx-desc", offsetof(struct pmt_config, rx_desc), 64, 16384 },
	{ "tx-desc", offsetof(struct pmt_config, tx_desc), 64, 16384 },
	{ "mtu", offsetof(struct pmt_config, mtu), 576, 9000 },
	{ "link-wait-ms", offsetof(struct pmt_config, link_wait_ms), 0, 600000 },
	{ "tx-drain-us", offsetof(struct pmt_config, tx_drain_us), 0, 100000 },
	{ "arp-reachable-ms", offsetof(struct pmt_config, arp_reachable_ms), 1000, 86400000 },
	{ "arp-retry-ms", offsetof(struct pmt_config, arp_retry_ms), 10, 60000 },
	{ "arp-retries", offsetof(struct pmt_config, arp_retries), 1, 100 },
	{ "arp-pending", offsetof(struct pmt_config, arp_pending_max), 1, 16 },
	{ "arp-entries", offsetof(struct pmt_config, arp_entries), 16, 1u << 20 },
	{ "offloads", offsetof(struct pmt_config, offloads), 0, 1 },
	{ "tso", offsetof(struct pmt_config, tso), 0, 1 },
	{ "tcp-max-sockets", offsetof(struct pmt_config, tcp_max_sockets), 16, 1u << 24 },
	{ "tcp-sndbuf", offsetof(struct pmt_config, tcp_sndbuf), 4096, 1u << 30 },
	{ "tcp-rcvbuf", offsetof(struct pmt_config, tcp_rcvbuf), 4096, 1u << 30 },
	{ "tcp-rto-min-ms", offsetof(struct pmt_config, tcp_rto_min_ms), 1, 60000 },
	{ "tcp-rto-max-ms", offsetof(struct pmt_config, tcp_rto_max_ms), 100, 600000 },
	{ "tcp-rto-init-ms", offsetof(struct pmt_config, tcp_rto_init_ms), 1, 60000 },
	{ "tcp-syn-retries", offsetof(struct pmt_config, tcp_syn_retries), 1, 127 },
	{ "tcp-retries", offsetof(struct pmt_config, tcp_retries), 1, 127 },
	{ "tcp-time-wait-ms", offsetof(struct pmt_config, tcp_time_wait_ms), 0, 600000 },
	{ "tcp-fin-wait2-ms", offsetof(struct pmt_config, tcp_fin_wait2_ms), 1, 600000 },
	{ "tcp-delack-ms", offsetof(struct pmt_config, tcp_delack_ms), 1, 500 },
	{ "tcp-flush-us", offsetof(struct pmt_config, tcp_flush_us), 1, 1000000 },
	{ "tcp-keep-idle-s", offsetof(struct pmt_config, tcp_keep_idle_s), 1, 86400 },
	{ "tcp-idle-ms", offsetof(struct pmt_config, tcp_idle_ms), 0, 86400000 },
	{ "tcp-keep-intvl-s", offsetof(struct pmt_config, tcp_keep_intvl_s), 1, 3600 },
	{ "tcp-keep-probes", offsetof(struct pmt_config, tcp_keep_probes), 1, 127 },
	{ "tcp-port-min", offsetof(struct pmt_config, tcp_port_min), 1024, 65535 },
	{ "tcp-port-max", offsetof(struct pmt_config, tcp_port_max), 1024, 65535 },
	{ "tcp-syncache-entries", offsetof(struct pmt_config, tcp_syncache_entries), 16, 1u << 24 },
	{ "tcp-syncache-retries", offsetof(struct pmt_config, tcp_syncache_retries), 0, 7 },
	{ "tcp-syncookies", offsetof(struct pmt_config, tcp_syncookies), 0, 2 },
	{ "impair-seed", offsetof(struct pmt_config, impair_seed), 0, UINT_MAX },
	{ "tcp-ooo-max-bytes", offsetof(struct pmt_config, tcp_ooo_max_bytes), 0, 1u << 30 },
	{ "tcp-ooo-max-segs", offsetof(struct pmt_config, tcp_ooo_max_segs), 1, 1024 },
	{ "tcp-ooo-engine-mbufs", offsetof(struct pmt_config, tcp_ooo_engine_mbufs), 0, 1u << 24 },
	{ "tcp-sack", offsetof(struct pmt_config, tcp_sack), 0, 1 },
};

/* Stack keys that name one of a few words: name, field, the words by value. */
static const char *const cc_names[] = {
	[PMT_CC_CUBIC] = "cubic",
	[PMT_CC_NEWRENO] = "newreno",
};

static const struct {
	const char *key;
	size_t off;
	const char *const *words;
	unsigned int n_words;
	const char *want;		/* for the error message */
} word_keys[] = {
	{ "tcp-congestion", offsetof(struct pmt_config, tcp_congestion),
	  cc_names, ARRAY_LEN(cc_names), "cubic or newreno" },
};

static int
set_word(struct pmt_config *cfg, unsigned int i, const char *value,
	 char *err, size_t errlen)
{
	unsigned int w;

	for (w = 0; value != NULL && w < word_keys[i].n_words; w++) {
		if (strcmp(value, word_keys[i].words[w]) == 0) {
			*(unsigned int *)((char *)cfg + word_keys[i].off) = w;
			return 0;
		}
	}
	return fail(err, errlen, -EINVAL, "bad %s '%s': want %s",
		    word_keys[i].key, value ? value : "", word_keys[i].want);
}

int
pmt_config_set(struct pmt_config *cfg, const char *section, const char *key,
	       const char *value, char *err, size_t errlen)
{
	unsigned int i, port;

	if (key == NULL)
		return fail(err, errlen, -EINVAL, "missing key");
	if (section != NULL && strncmp(section, "port", 4) == 0 &&
	    section[4] != '\0') {
		if (parse_uint(section + 4, 0, PMT_MAX_PORTS - 1, &port) != 0)
			return fail(err, errlen, -EINVAL,
				    "bad section [%s]: ports are port0..port%u",
				    section, PMT_MAX_PORTS - 1);
		if (strcmp(key, "addr") == 0)
			return port_add_addr(cfg, port, value, err, errlen);
		if (strcmp(key, "impair-rx") == 0 || strcmp(key, "impair-tx") == 0)
			return set_impair(cfg, (int)port, key[7] == 'r' ?
					  PMT_IMPAIR_RX : PMT_IMPAIR_TX, key,
					  value, err, errlen);
		return fail(err, errlen, -ENOENT, "unknown key '%s' in [%s]",
			    key, section);
	}
	if (section != NULL && section[0] != '\0' && strcmp(section, "stack") != 0)
		return fail(err, errlen, -ENOENT, "unknown section [%s]",
			    section);

	if (strcmp(key, "alias") == 0) {
		/* Another address on the port the last "addr" named. */
		if (cfg->n_addr_set == 0)
			return fail(err, errlen, -EINVAL,
				    "alias '%s' before any --addr: it joins the last --addr's port",
				    value ? value : "");
		return port_add_addr(cfg, cfg->n_addr_set - 1, value, err,
				     errlen);
	}
	if (strcmp(key, "addr") == 0) {
		struct pmt_ipv4_prefix p;
		int ret;

		if (cfg->n_addr_set >= PMT_MAX_PORTS)
			return fail(err, errlen, -EINVAL,
				    "more than %u --addr: one per port",
				    PMT_MAX_PORTS);
		/* A bad value neither wipes the file's ports nor uses a port. */
		if (pmt_ipv4_parse_prefix(value, &p) != 0)
			return bad_addr(err, errlen, value);
		/* The first "addr" replaces what a file said: flags win. */
		if (cfg->n_addr_set == 0) {
			memset(cfg->ports, 0, sizeof(cfg->ports));
			cfg->n_ports = 0;
		}
		ret = port_add_addr(cfg, cfg->n_addr_set, value, err, errlen);
		if (ret == 0)
			cfg->n_addr_set++;
		return ret;
	}
	if (strcmp(key, "impair-rx") == 0)
		return set_impair(cfg, -1, PMT_IMPAIR_RX, key, value, err, errlen);
	if (strcmp(key, "impair-tx") == 0)
		return set_impair(cfg, -1, PMT_IMPAIR_TX, key, value, err, errlen);
	if (strcmp(key, "impair") == 0)
		return set_impair_dir(cfg, value, err, errlen);
	if (strcmp(key, "gateway") == 0) {
		if (pmt_ipv4_parse_addr(value, &cfg->gateway) != 0)
			return fail(err, errlen, -EINVAL,
				    "bad gateway '%s': want an IPv4 address",
				    value ? value : "");
		return 0;
	}
	for (i = 0; i < ARRAY_LEN(word_keys); i++)
		if (strcmp(key, word_keys[i].key) == 0)
			return set_word(cfg, i, value, err, errlen);
	for (i = 0; i < sizeof(uint_keys) / sizeof(uint_keys[0]); i++) {
		if (strcmp(key, uint_keys[i].key) != 0)
			continue;
		if (parse_uint(value, uint_keys[i].min, uint_keys[i].max,
			       (unsigned int *)((char *)cfg + uint_keys[i].off)) != 0)
			return fail(err, errlen, -EINVAL,
				    "bad %s '%s': want an integer in %lu..%lu",
				    key, value ? value : "", uint_keys[i].min,
				    uint_keys[i].max);
		return 0;
	}
	return fail(err, errlen, -ENOENT, "unknown option '%s'", key);
}

struct load_ctx {
	struct pmt_config *cfg;
	pmt_config_other_fn other;
	void *arg;
	char *err;
	size_t errlen;
	int ret;
	FILE *f;
	int line;		/* lines read so far */
	int bad_line;		/* the line whose key or value failed */
	int long_line;		/* a line too long for inih, or 0 */
	int line_max;		/* the longest inih takes */
	int read_errno;		/* the file could not be read */
	size_t bytes;		/* bytes read so far */
	int nul_line;		/* the line with a NUL byte, or 0 */
	bool too_big;		/* more than PMT_CONFIG_MAX_BYTES */
};

/*
 * No configuration comes near a mebibyte; /dev/zero, a binary or an
 * endless pipe would, and a loader that reads until the end of such a
 * stream never returns. Pipes stay allowed (--config <(...)), so the
 * bound is on bytes read, not on the file's type or stat() size.
 */
#define PMT_CONFIG_MAX_BYTES (1024 * 1024)

/*
 * getc() for the loader: EOF at the end, on a read error, past
 * PMT_CONFIG_MAX_BYTES, and at a NUL byte (text has none; fgets() would
 * hand inih an empty line for each, forever on /dev/zero).
 */
static int
load_getc(struct load_ctx *c, int line)
{
	int ch;

	if (c->too_big || c->nul_line != 0)
		return EOF;
	ch = getc(c->f);
	if (ch == EOF) {
		if (ferror(c->f))
			c->read_errno = errno;
		return EOF;
	}
	if (++c->bytes > PMT_CONFIG_MAX_BYTES) {
		c->too_big = true;
		return EOF;
	}
	if (ch == '\0') {
		c->nul_line = line;
		return EOF;
	}
	return ch;
}

/*
 * inih's reader. It counts lines, so that a reason is reported with its
 * own line, and ends the file after the first bad line: inih itself goes
 * on, applying later lines and keeping the first line number but not
 * its reason. inih also cuts a line longer than its buffer in two and
 * parses the tail as a line of its own: a long comment is only cut
 * short, any other long line is an error.
 */
static char *
load_read(char *str, int num, void *stream)
{
	struct load_ctx *c = stream;
	int line = c->line + 1;
	int n = 0, ch = EOF;
	size_t lead;

	if (c->ret != 0 || c->long_line != 0 || num < 2)
		return NULL;
	/* fgets(), one byte at a time through the bounds of load_getc(). */
	while (n < num - 1 && (ch = load_getc(c, line)) != EOF) {
		str[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	if (c->too_big || c->nul_line != 0 || c->read_errno != 0 || n == 0)
		return NULL;
	str[n] = '\0';
	c->line = line;
	if (ch == '\n' || ch == EOF)
		return str;
	ch = load_getc(c, line);
	if (ch == '\n' || ch == EOF)
		return c->too_big || c->nul_line != 0 || c->read_errno != 0 ?
			NULL : str;
	while (ch != '\n' && ch != EOF)
		ch = load_getc(c, line);
	if (c->too_big || c->nul_line != 0 || c->read_errno != 0)
		return NULL;
	lead = strspn(str, " \t");
	if (str[lead] == ';' || str[lead] == '#')
		return str;
	c->long_line = c->line;
	c->line_max = num - 1;
	return NULL;
}

static int
load_line(void *user, const char *section, const char *key, const char *value)
{
	struct load_ctx *c = user;
	int ret;

	ret = pmt_config_set(c->cfg, section, key, value, c->err, c->errlen);
	if (ret == -ENOENT && c->other != NULL)
		ret = c->other(c->arg, section, key, value, c->err, c->errlen);
	if (ret == -ENOENT) {
		/* Whoever knows the section, name the key. */
		if (section[0] != '\0')
			fail(c->err, c->errlen, 0, "unknown key '%s' in [%s]",
			     key, section);
		else
			fail(c->err, c->errlen, 0, "unknown key '%s'", key);
	}
	if (ret != 0) {
		c->ret = ret == -ENOENT ? -EINVAL : ret;
		c->bad_line = c->line;
		return 0;	/* inih: stop here, report the line */
	}
	return 1;
}

int
pmt_config_load(struct pmt_config *cfg, const char *path,
		pmt_config_other_fn other, void *arg, char *err, size_t errlen)
{
	struct load_ctx c = { .cfg = cfg, .other = other, .arg = arg };
	char why[200] = "";
	int line;

	c.f = fopen(path, "r");
	if (c.f == NULL)
		return fail(err, errlen, -ENOENT, "%s: %s", path,
			    strerror(errno));
	c.err = why;
	c.errlen = sizeof(why);
	line = ini_parse_stream(load_read, &c, load_line, &c);
	fclose(c.f);
	/* The file's addresses were "set earlier": an "addr" flag replaces them. */
	cfg->n_addr_set = 0;
	if (c.read_errno != 0)
		return fail(err, errlen, -ENOENT, "%s: %s", path,
			    strerror(c.read_errno));
	/* Reading stopped there: a bad line before it was the first error. */
	if (c.too_big && (line == 0 || line > c.line))
		return fail(err, errlen, -EINVAL,
			    "%s: larger than %d bytes: not a configuration file",
			    path, PMT_CONFIG_MAX_BYTES);
	if (c.nul_line != 0 && (line == 0 || line >= c.nul_line))
		return fail(err, errlen, -EINVAL,
			    "%s:%d: NUL byte: not a text file", path,
			    c.nul_line);
	/* The first bad line: a syntax error, a bad key, or a long line. */
	if (line != 0 && (c.long_line == 0 || line < c.long_line))
		return fail(err, errlen, -EINVAL, "%s:%d: %s", path, line,
			    line == c.bad_line ? why : "syntax error");
	if (c.long_line != 0)
		return fail(err, errlen, -EINVAL,
			    "%s:%d: line longer than %d characters", path,
			    c.long_line, c.line_max);
	return 0;
}

static uint32_t
mask_of(uint8_t len)
{
	return len == 0 ? 0 : htonl(~0u << (32 - len));
}

int
pmt_config_validate(const struct pmt_config *cfg, char *err, size_t errlen)
{
	unsigned int i, j, k, l;
	bool gw_ok = false;

	if (cfg->n_ports == 0)
		return fail(err, errlen, -EINVAL,
			    "no address: give --addr IP/PREFIX for each port");
	for (i = 0; i < cfg->n_ports; i++) {
		const struct pmt_port_config *pc = &cfg->ports[i];

		if (pc->n_addrs == 0)
			return fail(err, errlen, -EINVAL,
				    "port %u has no address", i);
		for (j = 0; j < pc->n_addrs; j++) {
			uint32_t a = pc->addrs[j].addr;
			uint32_t h = ntohl(a), m = mask_of(pc->addrs[j].len);

			if ((h >> 24) == 0 || (h >> 24) == 127 || h >= 0xe0000000u)
				return fail(err, errlen, -EINVAL,
					    "port %u: %s is not a unicast address",
					    i, inet_ntoa((struct in_addr){ a }));
			if (pc->addrs[j].len < 31 &&
			    ((a & ~m) == 0 || (a | m) == UINT32_MAX))
				return fail(err, errlen, -EINVAL,
					    "port %u: %s/%u is a network or broadcast address",
					    i, inet_ntoa((struct in_addr){ a }),
					    pc->addrs[j].len);
			for (k = 0; k <= i; k++)
				for (l = 0; l < (k == i ? j : cfg->ports[k].n_addrs); l++)
					if (cfg->ports[k].addrs[l].addr == a)
						return fail(err, errlen, -EINVAL,
							    "address %s given twice",
							    inet_ntoa((struct in_addr){ a }));
			if (cfg->gateway != 0 &&
			    (cfg->gateway & m) == (a & m))
				gw_ok = true;
		}
	}
	if (cfg->gateway != 0 && !gw_ok)
		return fail(err, errlen, -EINVAL,
			    "gateway %s is on none of the ports' subnets",
			    inet_ntoa((struct in_addr){ cfg->gateway }));
	if (cfg->tcp_port_min > cfg->tcp_port_max)
		return fail(err, errlen, -EINVAL,
			    "tcp-port-min (%u) above tcp-port-max (%u)",
			    cfg->tcp_port_min, cfg->tcp_port_max);
	if (cfg->tcp_rto_min_ms > cfg->tcp_rto_max_ms)
		return fail(err, errlen, -EINVAL,
			    "tcp-rto-min-ms above tcp-rto-max-ms");
	if (cfg->tcp_ooo_engine_mbufs > cfg->mbufs_per_lcore / 2)
		return fail(err, errlen, -EINVAL,
			    "tcp-ooo-engine-mbufs (%u) above half of mbufs (%u)",
			    cfg->tcp_ooo_engine_mbufs, cfg->mbufs_per_lcore);
	if (cfg->arp_pending_max > 16)
		return fail(err, errlen, -EINVAL, "arp-pending above 16");
	/* Every port's RX ring is filled from the pool at start. */
	if (cfg->mbufs_per_lcore <
	    cfg->n_ports * (cfg->rx_desc + cfg->tx_desc) + 1024)
		return fail(err, errlen, -EINVAL,
			    "mbufs (%u) must exceed ports x (rx-desc + tx-desc) + 1024",
			    cfg->mbufs_per_lcore);
	return 0;
}
