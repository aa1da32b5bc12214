/* config.c: the stack's configuration: defaults, keys by name, INI files, validation. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "pmtcp.h"

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
	if (errno || *end != '\0' || len > 32 || slash[1] < '0' ||
	    slash[1] > '9')
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
port_add_addr(struct pmt_config *cfg, unsigned int port, const char *v,
	      char *err, size_t errlen)
{
	struct pmt_port_config *pc = &cfg->ports[port];
	struct pmt_ipv4_prefix p;

	if (pmt_ipv4_parse_prefix(v, &p) != 0)
		return fail(err, errlen, -EINVAL,
			    "bad address '%s': want IPv4/PREFIX, e.g. 198.18.0.2/24",
			    v ? v : "");
	if (pc->n_addrs == PMT_MAX_ADDRS_PER_PORT)
		return fail(err, errlen, -EINVAL,
			    "port %u: more than %u addresses", port,
			    PMT_MAX_ADDRS_PER_PORT);
	pc->addrs[pc->n_addrs++] = p;
	if (port + 1 > cfg->n_ports)
		cfg->n_ports = port + 1;
	return 0;
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
};

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
		return fail(err, errlen, -ENOENT, "unknown key '%s' in [%s]",
			    key, section);
	}
	if (section != NULL && section[0] != '\0' && strcmp(section, "stack") != 0)
		return fail(err, errlen, -ENOENT, "unknown section [%s]",
			    section);

	if (strcmp(key, "addr") == 0) {
		/* The first "addr" replaces what a file said: flags win. */
		if (cfg->n_addr_set == 0) {
			memset(cfg->ports, 0, sizeof(cfg->ports));
			cfg->n_ports = 0;
		}
		if (cfg->n_addr_set >= PMT_MAX_PORTS)
			return fail(err, errlen, -EINVAL,
				    "more than %u --addr: one per port",
				    PMT_MAX_PORTS);
		return port_add_addr(cfg, cfg->n_addr_set++, value, err,
				     errlen);
	}
	if (strcmp(key, "gateway") == 0) {
		if (pmt_ipv4_parse_addr(value, &cfg->gateway) != 0)
			return fail(err, errlen, -EINVAL,
				    "bad gateway '%s': want an IPv4 address",
				    value ? value : "");
		return 0;
	}
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
};

static int
load_line(void *user, const char *section, const char *key, const char *value)
{
	struct load_ctx *c = user;
	int ret;

	ret = pmt_config_set(c->cfg, section, key, value, c->err, c->errlen);
	if (ret == -ENOENT && c->other != NULL)
		ret = c->other(c->arg, section, key, value, c->err, c->errlen);
	if (ret != 0) {
		c->ret = ret == -ENOENT ? -EINVAL : ret;
		return 0;	/* inih: stop here, report the line */
	}
	return 1;
}

int
pmt_config_load(struct pmt_config *cfg, const char *path,
		pmt_config_other_fn other, void *arg, char *err, size_t errlen)
{
	struct load_ctx c = { cfg, other, arg, err, errlen, 0 };
	char why[200] = "";
	FILE *f;
	int line;

	f = fopen(path, "r");
	if (f == NULL)
		return fail(err, errlen, -ENOENT, "%s: %s", path,
			    strerror(errno));
	c.err = why;
	c.errlen = sizeof(why);
	line = ini_parse_file(f, load_line, &c);
	fclose(f);
	if (line != 0)
		return fail(err, errlen, -EINVAL, "%s:%d: %s", path, line,
			    why[0] ? why : "syntax error");
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
