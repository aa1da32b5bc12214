/* test_config.c: unit tests of the configuration API and of pmtcp-gen's option handling. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "pmtcp.h"

/* DPDK 22.11's RTE_IPV4 shifts a signed int (UB for 128 and up): ours is unsigned. */
#define PMT_T_IPV4(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | \
	 (uint32_t)(d))

/* Network-order address from dotted parts. */
#define IP(a, b, c, d) rte_cpu_to_be_32(PMT_T_IPV4(a, b, c, d))

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Where the files of this run live; made and removed by main(). */
static char tmp_dir[512];
/* The pmtcp-gen binary: argv[1] (meson passes it) or $PMTCP_GEN. */
static const char *gen_path;

/* Write @text to @name in the run's directory; its path goes to @path. */
static void
tmp_write(char *path, size_t len, const char *name, const char *text)
{
	FILE *f;

	snprintf(path, len, "%s/%s", tmp_dir, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static char *
long_string(size_t n, char fill, const char *prefix, const char *suffix)
{
	size_t p = strlen(prefix), s = strlen(suffix);
	char *b = malloc(p + n + s + 1);

	ck_assert_ptr_nonnull(b);
	memcpy(b, prefix, p);
	memset(b + p, fill, n);
	memcpy(b + p + n, suffix, s + 1);
	return b;
}

#define MENTIONS(msg, what) \
	ck_assert_msg(strstr((msg), (what)) != NULL, \
		      "message \"%s\" does not mention \"%s\"", (msg), (what))

static void
set_ok(struct pmt_config *cfg, const char *section, const char *key,
       const char *value)
{
	char err[256] = "";
	int ret;

	ret = pmt_config_set(cfg, section, key, value, err, sizeof(err));
	ck_assert_msg(ret == 0, "[%s] %s = %s: %d (%s)",
		      section ? section : "", key, value ? value : "(null)",
		      ret, err);
}

/*
 * Set a key, expecting @want. A failed set must leave the configuration
 * as it was and say why, naming @mention when it is not NULL.
 */
static void
set_fails(struct pmt_config *cfg, const char *section, const char *key,
	  const char *value, int want, const char *mention)
{
	struct pmt_config before;
	char err[256] = "";
	int ret;

	memcpy(&before, cfg, sizeof(before));
	ret = pmt_config_set(cfg, section, key, value, err, sizeof(err));
	ck_assert_msg(ret == want, "[%s] %s = %.40s: got %d, want %d",
		      section ? section : "", key ? key : "(null)",
		      value ? value : "(null)", ret, want);
	ck_assert_msg(err[0] != '\0', "[%s] %s = %.40s: no message",
		      section ? section : "", key ? key : "(null)",
		      value ? value : "(null)");
	if (mention != NULL)
		MENTIONS(err, mention);
	ck_assert_msg(memcmp(&before, cfg, sizeof(before)) == 0,
		      "[%s] %s = %.40s: a failed set changed the configuration",
		      section ? section : "", key ? key : "(null)",
		      value ? value : "(null)");
}

static void
assert_addr(const struct pmt_config *cfg, unsigned int port, unsigned int i,
	    uint32_t addr, uint8_t len)
{
	ck_assert_uint_lt(port, cfg->n_ports);
	ck_assert_uint_lt(i, cfg->ports[port].n_addrs);
	ck_assert_msg(cfg->ports[port].addrs[i].addr == addr,
		      "port %u address %u: %#010x, want %#010x", port, i,
		      rte_be_to_cpu_32(cfg->ports[port].addrs[i].addr),
		      rte_be_to_cpu_32(addr));
	ck_assert_uint_eq(cfg->ports[port].addrs[i].len, len);
}

/* ---- addresses ---- */

START_TEST(parse_addr_good)
{
	static const struct {
		const char *s;
		uint32_t want;
	} cases[] = {
		{ "198.18.0.2", PMT_T_IPV4(198, 18, 0, 2) },
		{ "198.19.255.255", PMT_T_IPV4(198, 19, 255, 255) },
		{ "198.18.0.0", PMT_T_IPV4(198, 18, 0, 0) },
		{ "0.0.0.0", 0 },
	};
	uint32_t a;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		a = 0xdeadbeef;
		ck_assert_msg(pmt_ipv4_parse_addr(cases[i].s, &a) == 0, "%s",
			      cases[i].s);
		ck_assert_uint_eq(a, rte_cpu_to_be_32(cases[i].want));
	}
}
END_TEST

START_TEST(parse_addr_bad)
{
	static const char *const bad[] = {
		"", "198", "198.18", "198.18.0", "198.18.0.2.", "198.18.0.2.1",
		"198.18.0.256", "198.18.256.2", " 198.18.0.2", "198.18.0.2 ",
		"198.18.0.2/24", "198.18.0.-2", "198.18..2", ".198.18.0.2",
		"0xc6.18.0.2", "198.018.0.2", "198.18.0.2x", "x198.18.0.2",
		"198,18,0,2", "3323068418",
	};
	char *lng = long_string(5000, '1', "198.18.0.", "");
	uint32_t a = 0xdeadbeef;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(bad); i++)
		ck_assert_msg(pmt_ipv4_parse_addr(bad[i], &a) == -EINVAL,
			      "'%s' accepted", bad[i]);
	ck_assert_int_eq(pmt_ipv4_parse_addr(NULL, &a), -EINVAL);
	ck_assert_int_eq(pmt_ipv4_parse_addr(lng, &a), -EINVAL);
	/* A failed parse leaves the output alone. */
	ck_assert_uint_eq(a, 0xdeadbeef);
	free(lng);
}
END_TEST

START_TEST(parse_prefix_good)
{
	static const struct {
		const char *s;
		uint32_t addr;
		uint8_t len;
	} cases[] = {
		{ "198.18.0.2/24", PMT_T_IPV4(198, 18, 0, 2), 24 },
		{ "198.18.0.2/0", PMT_T_IPV4(198, 18, 0, 2), 0 },
		{ "198.18.0.2/8", PMT_T_IPV4(198, 18, 0, 2), 8 },
		{ "198.19.0.1/15", PMT_T_IPV4(198, 19, 0, 1), 15 },
		{ "198.18.0.1/31", PMT_T_IPV4(198, 18, 0, 1), 31 },
		{ "198.18.0.1/32", PMT_T_IPV4(198, 18, 0, 1), 32 },
		{ "255.255.255.255/32", PMT_T_IPV4(255, 255, 255, 255), 32 },
	};
	struct pmt_ipv4_prefix p;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		memset(&p, 0xee, sizeof(p));
		ck_assert_msg(pmt_ipv4_parse_prefix(cases[i].s, &p) == 0, "%s",
			      cases[i].s);
		ck_assert_uint_eq(p.addr, rte_cpu_to_be_32(cases[i].addr));
		ck_assert_uint_eq(p.len, cases[i].len);
	}
}
END_TEST

START_TEST(parse_prefix_bad)
{
	static const char *const bad[] = {
		"", "/", "/24", "198.18.0.2/", "198.18.0.2", "198.18.0.2/33",
		"198.18.0.2/2x", "198.18.0.2/x2", "1.2.3/8", "198.18.0.256/24",
		" 198.18.0.2/24", "198.18.0.2 /24", "198.18.0.2/ 24",
		"198.18.0.2/24 ", "198.18.0.2/-1", "198.18.0.2/+8",
		"198.18.0.2//24", "198.18.0.2/24/24", "198.18.0.2/0x8",
		"198.18.0.2/100", "198.18.0.2/4294967320",
		"198.18.0.2/18446744073709551640", "198.18.0.2\\24",
		"198.18.0.2:24", "198.18.0.2/24\n",
		/* Leading zeros: "010" is 8 to tools that read C octal. */
		"198.18.0.2/024", "198.18.0.2/00", "198.18.0.2/08",
	};
	char *lng[] = {
		long_string(5000, '1', "", "/24"),
		long_string(5000, '9', "198.18.0.2/", ""),
		long_string(5000, '0', "198.18.0.2/", "24"),
		long_string(5000, ' ', "198.18.0.2", "/24"),
		long_string(10, '1', "198.18.0.", "/24"),
		long_string(5000, '/', "198.18.0.2", "24"),
	};
	struct pmt_ipv4_prefix p;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(bad); i++)
		ck_assert_msg(pmt_ipv4_parse_prefix(bad[i], &p) == -EINVAL,
			      "'%s' accepted", bad[i]);
	for (i = 0; i < ARRAY_LEN(lng); i++) {
		ck_assert_msg(pmt_ipv4_parse_prefix(lng[i], &p) == -EINVAL,
			      "long string %u accepted", i);
		free(lng[i]);
	}
	ck_assert_int_eq(pmt_ipv4_parse_prefix(NULL, &p), -EINVAL);
}
END_TEST

/* ---- pmt_config_set ---- */

START_TEST(defaults_match_usage)
{
	struct pmt_config cfg;

	memset(&cfg, 0xee, sizeof(cfg));
	pmt_config_defaults(&cfg);
	ck_assert_uint_eq(cfg.n_ports, 0);
	ck_assert_uint_eq(cfg.n_addr_set, 0);
	ck_assert_uint_eq(cfg.ports[0].n_addrs, 0);
	ck_assert_uint_eq(cfg.gateway, 0);
	ck_assert_uint_eq(cfg.mbufs_per_lcore, 8191);
	ck_assert_uint_eq(cfg.rx_desc, 1024);
	ck_assert_uint_eq(cfg.tx_desc, 1024);
	ck_assert_uint_eq(cfg.mtu, 1500);
	ck_assert_uint_eq(cfg.link_wait_ms, 5000);
	ck_assert_uint_eq(cfg.tx_drain_us, 100);
	ck_assert_uint_eq(cfg.arp_reachable_ms, 30000);
	ck_assert_uint_eq(cfg.arp_retry_ms, 1000);
	ck_assert_uint_eq(cfg.arp_retries, 3);
	ck_assert_uint_eq(cfg.arp_pending_max, 8);
	ck_assert_uint_eq(cfg.arp_entries, 1024);
	ck_assert_uint_eq(cfg.tcp_ooo_max_bytes, 0);
	ck_assert_uint_eq(cfg.tcp_ooo_max_segs, 256);
	ck_assert_uint_eq(cfg.tcp_ooo_engine_mbufs, 0);
	ck_assert_uint_eq(cfg.tcp_congestion, PMT_CC_CUBIC);
}
END_TEST

/* The numeric keys and their bounds, as pmtcp.h and the usage text say. */
static const struct {
	const char *key;
	size_t off;
	unsigned long min, max;
} num_keys[] = {
	{ "mbufs", offsetof(struct pmt_config, mbufs_per_lcore), 1024, 1ul << 24 },
	{ "rx-desc", offsetof(struct pmt_config, rx_desc), 64, 16384 },
	{ "tx-desc", offsetof(struct pmt_config, tx_desc), 64, 16384 },
	{ "mtu", offsetof(struct pmt_config, mtu), 576, 9000 },
	{ "link-wait-ms", offsetof(struct pmt_config, link_wait_ms), 0, 600000 },
	{ "tx-drain-us", offsetof(struct pmt_config, tx_drain_us), 0, 100000 },
	{ "arp-reachable-ms", offsetof(struct pmt_config, arp_reachable_ms), 1000, 86400000 },
	{ "arp-retry-ms", offsetof(struct pmt_config, arp_retry_ms), 10, 60000 },
	{ "arp-retries", offsetof(struct pmt_config, arp_retries), 1, 100 },
	{ "arp-pending", offsetof(struct pmt_config, arp_pending_max), 1, 16 },
	{ "arp-entries", offsetof(struct pmt_config, arp_entries), 16, 1ul << 20 },
	{ "tcp-max-sockets", offsetof(struct pmt_config, tcp_max_sockets), 16, 1ul << 24 },
	{ "tcp-sndbuf", offsetof(struct pmt_config, tcp_sndbuf), 4096, 1ul << 30 },
	{ "tcp-rcvbuf", offsetof(struct pmt_config, tcp_rcvbuf), 4096, 1ul << 30 },
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
	{ "tcp-keep-intvl-s", offsetof(struct pmt_config, tcp_keep_intvl_s), 1, 3600 },
	{ "tcp-keep-probes", offsetof(struct pmt_config, tcp_keep_probes), 1, 127 },
	{ "tcp-port-min", offsetof(struct pmt_config, tcp_port_min), 1024, 65535 },
	{ "tcp-port-max", offsetof(struct pmt_config, tcp_port_max), 1024, 65535 },
	{ "tcp-syncache-entries", offsetof(struct pmt_config, tcp_syncache_entries), 16, 1ul << 24 },
	{ "tcp-syncache-retries", offsetof(struct pmt_config, tcp_syncache_retries), 0, 7 },
	{ "tcp-syncookies", offsetof(struct pmt_config, tcp_syncookies), 0, 2 },
	{ "tcp-ooo-max-bytes", offsetof(struct pmt_config, tcp_ooo_max_bytes), 0, 1ul << 30 },
	{ "tcp-ooo-max-segs", offsetof(struct pmt_config, tcp_ooo_max_segs), 1, 1024 },
	{ "tcp-ooo-engine-mbufs", offsetof(struct pmt_config, tcp_ooo_engine_mbufs), 0, 1ul << 24 },
};

static unsigned int
field(const struct pmt_config *cfg, size_t off)
{
	unsigned int v;

	memcpy(&v, (const char *)cfg + off, sizeof(v));
	return v;
}

START_TEST(numeric_keys_bounds)
{
	static const char *const sections[] = { NULL, "", "stack" };
	struct pmt_config cfg;
	char v[32];
	unsigned int i, s;

	pmt_config_defaults(&cfg);
	for (i = 0; i < ARRAY_LEN(num_keys); i++) {
		for (s = 0; s < ARRAY_LEN(sections); s++) {
			snprintf(v, sizeof(v), "%lu", num_keys[i].min);
			set_ok(&cfg, sections[s], num_keys[i].key, v);
			ck_assert_uint_eq(field(&cfg, num_keys[i].off),
					  num_keys[i].min);
			snprintf(v, sizeof(v), "%lu", num_keys[i].max);
			set_ok(&cfg, sections[s], num_keys[i].key, v);
			ck_assert_uint_eq(field(&cfg, num_keys[i].off),
					  num_keys[i].max);
			snprintf(v, sizeof(v), "%lu", num_keys[i].max + 1);
			set_fails(&cfg, sections[s], num_keys[i].key, v,
				  -EINVAL, v);
			if (num_keys[i].min > 0) {
				snprintf(v, sizeof(v), "%lu",
					 num_keys[i].min - 1);
				set_fails(&cfg, sections[s], num_keys[i].key,
					  v, -EINVAL, v);
			}
		}
		/* A value in the middle, and the message names the key. */
		snprintf(v, sizeof(v), "%lu",
			 (num_keys[i].min + num_keys[i].max) / 2);
		set_ok(&cfg, NULL, num_keys[i].key, v);
		ck_assert_uint_eq(field(&cfg, num_keys[i].off),
				  (num_keys[i].min + num_keys[i].max) / 2);
		set_fails(&cfg, NULL, num_keys[i].key, "4294967295", -EINVAL,
			  num_keys[i].key);
	}
}
END_TEST

START_TEST(numeric_keys_garbage)
{
	static const char *const garbage[] = {
		"abc", "-1", "+5", " 5", "5 ", "0x10", "1e3", "12abc", "1.5",
		"1,000", "99999999999999999999999", "4294967296",
		"4294968320",	/* 2^32 + 1024: in range if truncated */
		"18446744073709551615", "18446744073709551616", "-0",
	};
	struct pmt_config cfg;
	char *lng = long_string(4000, '9', "", "");
	unsigned int i, g;

	pmt_config_defaults(&cfg);
	for (i = 0; i < ARRAY_LEN(num_keys); i++) {
		for (g = 0; g < ARRAY_LEN(garbage); g++)
			set_fails(&cfg, NULL, num_keys[i].key, garbage[g],
				  -EINVAL, garbage[g]);
		set_fails(&cfg, NULL, num_keys[i].key, "", -EINVAL,
			  num_keys[i].key);
		set_fails(&cfg, NULL, num_keys[i].key, NULL, -EINVAL,
			  num_keys[i].key);
		set_fails(&cfg, NULL, num_keys[i].key, lng, -EINVAL, NULL);
		/* Stack keys do not belong to a port. */
		set_fails(&cfg, "port0", num_keys[i].key, "1500", -ENOENT,
			  num_keys[i].key);
	}
	free(lng);
}
END_TEST

START_TEST(unknown_keys_and_sections)
{
	static const char *const keys[] = {
		"frobnicate", "MTU", "mtu ", "link_wait_ms", "port0", "",
		"duration", "config", "addrs",
	};
	static const char *const sections[] = {
		"gen", "Stack", "stack0", " stack", "STACK",
	};
	struct pmt_config cfg;
	unsigned int i;

	pmt_config_defaults(&cfg);
	for (i = 0; i < ARRAY_LEN(keys); i++) {
		set_fails(&cfg, NULL, keys[i], "1", -ENOENT, keys[i]);
		set_fails(&cfg, "stack", keys[i], "1", -ENOENT, keys[i]);
	}
	for (i = 0; i < ARRAY_LEN(sections); i++) {
		set_fails(&cfg, sections[i], "mtu", "1500", -ENOENT,
			  sections[i]);
		set_fails(&cfg, sections[i], "addr", "198.18.0.2/24",
			  -ENOENT, sections[i]);
	}
	set_fails(&cfg, NULL, NULL, "1", -EINVAL, NULL);
}
END_TEST

/* tcp-congestion: one of two words, exactly; anything else says which. */
START_TEST(tcp_congestion_key)
{
	static const char *const bad[] = {
		"reno", "CUBIC", "NewReno", "cubic ", " cubic", "cubicx",
		"0", "1", "bbr", "new reno",
	};
	static const char *const sections[] = { NULL, "", "stack" };
	struct pmt_config cfg;
	char err[256];
	unsigned int i, s;

	pmt_config_defaults(&cfg);
	for (s = 0; s < ARRAY_LEN(sections); s++) {
		set_ok(&cfg, sections[s], "tcp-congestion", "newreno");
		ck_assert_uint_eq(cfg.tcp_congestion, PMT_CC_NEWRENO);
		set_ok(&cfg, sections[s], "tcp-congestion", "cubic");
		ck_assert_uint_eq(cfg.tcp_congestion, PMT_CC_CUBIC);
	}
	set_ok(&cfg, NULL, "tcp-congestion", "newreno");
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		set_fails(&cfg, NULL, "tcp-congestion", bad[i], -EINVAL, bad[i]);
		/* The message says what would do. */
		pmt_config_set(&cfg, NULL, "tcp-congestion", bad[i], err,
			       sizeof(err));
		MENTIONS(err, "tcp-congestion");
		MENTIONS(err, "cubic or newreno");
	}
	set_fails(&cfg, NULL, "tcp-congestion", "", -EINVAL, "cubic or newreno");
	set_fails(&cfg, NULL, "tcp-congestion", NULL, -EINVAL,
		  "cubic or newreno");
	/* A stack key: not a port's. */
	set_fails(&cfg, "port0", "tcp-congestion", "cubic", -ENOENT,
		  "tcp-congestion");
	ck_assert_uint_eq(cfg.tcp_congestion, PMT_CC_NEWRENO);
}
END_TEST

START_TEST(gateway_key)
{
	static const char *const bad[] = {
		"bogus", "198.18.0", "198.18.0.1/24", "198.18.0.256",
		" 198.18.0.1", "198.18.0.1 ",
	};
	struct pmt_config cfg;
	unsigned int i;

	pmt_config_defaults(&cfg);
	set_ok(&cfg, NULL, "gateway", "198.18.0.1");
	ck_assert_uint_eq(cfg.gateway, IP(198, 18, 0, 1));
	set_ok(&cfg, "stack", "gateway", "198.19.0.1");
	ck_assert_uint_eq(cfg.gateway, IP(198, 19, 0, 1));
	for (i = 0; i < ARRAY_LEN(bad); i++)
		set_fails(&cfg, NULL, "gateway", bad[i], -EINVAL, bad[i]);
	set_fails(&cfg, NULL, "gateway", "", -EINVAL, "gateway");
	set_fails(&cfg, NULL, "gateway", NULL, -EINVAL, "gateway");
	set_fails(&cfg, "port0", "gateway", "198.18.0.1", -ENOENT,
		  "gateway");
	/* 0.0.0.0 is "no gateway". */
	set_ok(&cfg, NULL, "gateway", "0.0.0.0");
	ck_assert_uint_eq(cfg.gateway, 0);
}
END_TEST

START_TEST(addr_one_per_port)
{
	struct pmt_config cfg;
	char v[32];
	unsigned int i;

	pmt_config_defaults(&cfg);
	for (i = 0; i < PMT_MAX_PORTS; i++) {
		snprintf(v, sizeof(v), "198.18.%u.2/24", i);
		set_ok(&cfg, i % 2 ? "stack" : NULL, "addr", v);
		ck_assert_uint_eq(cfg.n_ports, i + 1);
		ck_assert_uint_eq(cfg.ports[i].n_addrs, 1);
		assert_addr(&cfg, i, 0, IP(198, 18, i, 2), 24);
	}
	set_fails(&cfg, NULL, "addr", "198.18.8.2/24", -EINVAL, "8");
	set_fails(&cfg, NULL, "addr", "bogus", -EINVAL, NULL);
}
END_TEST

START_TEST(addr_replaces_port_sections)
{
	struct pmt_config cfg;

	pmt_config_defaults(&cfg);
	/* As a file would: two ports, the first with two addresses. */
	set_ok(&cfg, "port0", "addr", "198.18.0.2/24");
	set_ok(&cfg, "port0", "addr", "198.18.1.2/24");
	set_ok(&cfg, "port3", "addr", "198.18.3.2/24");
	ck_assert_uint_eq(cfg.n_ports, 4);
	/* Then a flag: it replaces all of that. */
	set_ok(&cfg, NULL, "addr", "198.19.0.2/16");
	ck_assert_uint_eq(cfg.n_ports, 1);
	ck_assert_uint_eq(cfg.ports[0].n_addrs, 1);
	assert_addr(&cfg, 0, 0, IP(198, 19, 0, 2), 16);
	ck_assert_uint_eq(cfg.ports[3].n_addrs, 0);
	/* The next flag is the next port, not a replacement. */
	set_ok(&cfg, NULL, "addr", "198.19.1.2/24");
	ck_assert_uint_eq(cfg.n_ports, 2);
	assert_addr(&cfg, 0, 0, IP(198, 19, 0, 2), 16);
	assert_addr(&cfg, 1, 0, IP(198, 19, 1, 2), 24);
	/* A [portN] line after the flags adds to that port. */
	set_ok(&cfg, "port1", "addr", "198.19.2.2/24");
	ck_assert_uint_eq(cfg.ports[1].n_addrs, 2);
}
END_TEST

START_TEST(addr_bad_value_changes_nothing)
{
	static const char *const bad[] = {
		"bogus", "198.18.0.2", "198.18.0.2/33", "/24", "",
	};
	struct pmt_config cfg;
	unsigned int i;

	pmt_config_defaults(&cfg);
	set_ok(&cfg, "port0", "addr", "198.18.0.2/24");
	/* A bad first flag neither wipes the file's ports nor uses a port. */
	for (i = 0; i < ARRAY_LEN(bad); i++)
		set_fails(&cfg, NULL, "addr", bad[i], -EINVAL,
			  bad[i][0] ? bad[i] : "addr");
	set_fails(&cfg, NULL, "addr", NULL, -EINVAL, NULL);
	ck_assert_uint_eq(cfg.n_ports, 1);
	assert_addr(&cfg, 0, 0, IP(198, 18, 0, 2), 24);
	/* So the next good one is still port 0, replacing the file's. */
	set_ok(&cfg, NULL, "addr", "198.18.5.2/24");
	ck_assert_uint_eq(cfg.n_ports, 1);
	ck_assert_uint_eq(cfg.ports[0].n_addrs, 1);
	assert_addr(&cfg, 0, 0, IP(198, 18, 5, 2), 24);
	/* And a bad second flag does not skip port 1. */
	set_fails(&cfg, NULL, "addr", "bogus", -EINVAL, "bogus");
	set_ok(&cfg, NULL, "addr", "198.18.6.2/24");
	ck_assert_uint_eq(cfg.n_ports, 2);
	assert_addr(&cfg, 1, 0, IP(198, 18, 6, 2), 24);
}
END_TEST

START_TEST(port_sections)
{
	static const char *const bad[] = {
		"port8", "portx", "port-1", "port1x", "port 1", "port9",
		"port4294967296", "port+1",
	};
	struct pmt_config cfg;
	char sec[16], v[32];
	unsigned int i;

	pmt_config_defaults(&cfg);
	for (i = 0; i < PMT_MAX_PORTS; i++) {
		snprintf(sec, sizeof(sec), "port%u", i);
		snprintf(v, sizeof(v), "198.18.%u.2/24", i);
		set_ok(&cfg, sec, "addr", v);
		assert_addr(&cfg, i, 0, IP(198, 18, i, 2), 24);
		ck_assert_uint_eq(cfg.n_ports, i + 1);
	}
	/* An earlier port does not shrink the count. */
	set_ok(&cfg, "port2", "addr", "198.18.2.3/24");
	ck_assert_uint_eq(cfg.n_ports, PMT_MAX_PORTS);
	assert_addr(&cfg, 2, 1, IP(198, 18, 2, 3), 24);
	for (i = 0; i < ARRAY_LEN(bad); i++)
		set_fails(&cfg, bad[i], "addr", "198.18.0.9/24", -EINVAL,
			  bad[i]);
	set_fails(&cfg, "port0", "addr", "198.18.0.300/24", -EINVAL,
		  "198.18.0.300/24");
	set_fails(&cfg, "port0", "frobnicate", "1", -ENOENT, "frobnicate");
	set_fails(&cfg, "port0", "addr", NULL, -EINVAL, NULL);
}
END_TEST

START_TEST(port_addrs_append_to_limit)
{
	struct pmt_config cfg;
	char v[32];
	unsigned int i;

	pmt_config_defaults(&cfg);
	for (i = 0; i < PMT_MAX_ADDRS_PER_PORT; i++) {
		snprintf(v, sizeof(v), "198.18.%u.2/24", i);
		set_ok(&cfg, "port5", "addr", v);
		ck_assert_uint_eq(cfg.ports[5].n_addrs, i + 1);
		assert_addr(&cfg, 5, i, IP(198, 18, i, 2), 24);
	}
	ck_assert_uint_eq(cfg.n_ports, 6);
	set_fails(&cfg, "port5", "addr", "198.18.99.2/24", -EINVAL, "16");
	/* Other ports are not affected by one port's limit. */
	set_ok(&cfg, "port4", "addr", "198.18.99.2/24");
}
END_TEST

/* ---- pmt_config_load ---- */

/* What the "other" callback saw. */
struct other_log {
	unsigned int calls;
	char seen[8][64];
	unsigned int duration;
};

static int
other_keys(void *arg, const char *section, const char *key,
	   const char *value, char *err, size_t errlen)
{
	struct other_log *log = arg;

	if (log->calls < ARRAY_LEN(log->seen))
		snprintf(log->seen[log->calls], sizeof(log->seen[0]),
			 "[%s] %s=%s", section, key, value);
	log->calls++;
	if (strcmp(section, "gen") != 0)
		return -ENOENT;
	if (strcmp(key, "duration") != 0)
		return -ENOENT;
	if (value[0] < '0' || value[0] > '9') {
		snprintf(err, errlen, "bad duration '%s'", value);
		return -EINVAL;
	}
	log->duration = (unsigned int)atoi(value);
	return 0;
}

/* Load @text as file @name; the message goes to @err. */
static int
load_text(struct pmt_config *cfg, const char *name, const char *text,
	  pmt_config_other_fn other, void *arg, char *err, size_t errlen,
	  char *path, size_t pathlen)
{
	tmp_write(path, pathlen, name, text);
	err[0] = '\0';
	return pmt_config_load(cfg, path, other, arg, err, errlen);
}

/* The message must start with "path:line:". */
static void
assert_at_line(const char *err, const char *path, unsigned int line)
{
	char want[PATH_MAX + 32];

	snprintf(want, sizeof(want), "%s:%u:", path, line);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
		      "message \"%s\" does not start with \"%s\"", err, want);
	ck_assert_msg(strlen(err) > strlen(want) + 1,
		      "message \"%s\" gives no reason", err);
}

START_TEST(load_valid_file)
{
	static const char text[] =
		"; pmtcp test configuration\n"
		"# both comment styles\n"
		"mtu = 9000\n"
		"\n"
		"[stack]\n"
		"gateway = 198.18.0.1\n"
		"mbufs = 65536 ; inline comment\n"
		"rx-desc = 512\n"
		"tx-desc=256\n"
		"link-wait-ms = 0\n"
		"tx-drain-us = 50\n"
		"arp-reachable-ms = 60000\n"
		"arp-retry-ms = 500\n"
		"arp-retries = 5\n"
		"arp-pending = 16\n"
		"arp-entries = 4096\n"
		"tcp-congestion = newreno\n"
		"\n"
		"[port0]\n"
		"addr = 198.18.0.2/24\n"
		"addr = 198.18.1.2/24\n"
		"[port1]\n"
		"  addr   =   198.19.0.2/16  \n";
	struct pmt_config cfg;
	char err[512], path[PATH_MAX];

	pmt_config_defaults(&cfg);
	ck_assert_int_eq(load_text(&cfg, "valid.ini", text, NULL, NULL, err,
				   sizeof(err), path, sizeof(path)), 0);
	ck_assert_uint_eq(cfg.mtu, 9000);
	ck_assert_uint_eq(cfg.gateway, IP(198, 18, 0, 1));
	ck_assert_uint_eq(cfg.mbufs_per_lcore, 65536);
	ck_assert_uint_eq(cfg.rx_desc, 512);
	ck_assert_uint_eq(cfg.tx_desc, 256);
	ck_assert_uint_eq(cfg.link_wait_ms, 0);
	ck_assert_uint_eq(cfg.tx_drain_us, 50);
	ck_assert_uint_eq(cfg.arp_reachable_ms, 60000);
	ck_assert_uint_eq(cfg.arp_retry_ms, 500);
	ck_assert_uint_eq(cfg.arp_retries, 5);
	ck_assert_uint_eq(cfg.arp_pending_max, 16);
	ck_assert_uint_eq(cfg.arp_entries, 4096);
	ck_assert_uint_eq(cfg.tcp_congestion, PMT_CC_NEWRENO);
	ck_assert_uint_eq(cfg.n_ports, 2);
	ck_assert_uint_eq(cfg.ports[0].n_addrs, 2);
	assert_addr(&cfg, 0, 0, IP(198, 18, 0, 2), 24);
	assert_addr(&cfg, 0, 1, IP(198, 18, 1, 2), 24);
	ck_assert_uint_eq(cfg.ports[1].n_addrs, 1);
	assert_addr(&cfg, 1, 0, IP(198, 19, 0, 2), 16);
	ck_assert_int_eq(pmt_config_validate(&cfg, err, sizeof(err)), 0);
	/* An empty file is a valid one. */
	pmt_config_defaults(&cfg);
	ck_assert_int_eq(load_text(&cfg, "empty.ini", "", NULL, NULL, err,
				   sizeof(err), path, sizeof(path)), 0);
	ck_assert_uint_eq(cfg.n_ports, 0);
}
END_TEST

START_TEST(load_unknown_key)
{
	static const char text[] =
		"[stack]\n"
		"mtu = 1500\n"
		"frobnicate = 1\n"
		"mbufs = 65536\n";
	struct pmt_config cfg;
	char err[512], path[PATH_MAX];

	pmt_config_defaults(&cfg);
	ck_assert_int_eq(load_text(&cfg, "unknown.ini", text, NULL, NULL, err,
				   sizeof(err), path, sizeof(path)), -EINVAL);
	assert_at_line(err, path, 3);
	MENTIONS(err, "frobnicate");
	/* Nothing after the bad line was applied. */
	ck_assert_uint_eq(cfg.mbufs_per_lcore, 8191);
}
END_TEST

START_TEST(load_bad_values)
{
	static const struct {
		const char *text;
		unsigned int line;
		const char *mention;
	} cases[] = {
		{ "mtu = 100000\n", 1, "100000" },
		{ "[stack]\n\n; c\nmbufs = lots\n", 4, "lots" },
		{ "[port0]\naddr = 198.18.0.2/24\naddr = bogus\n", 3, "bogus" },
		{ "[port8]\naddr = 198.18.0.2/24\n", 2, "port8" },
		{ "[stack]\ngateway = 198.18.0.999\n", 2, "198.18.0.999" },
		{ "[sideways]\nkey = 1\n", 2, "sideways" },
		{ "mtu =\n", 1, "mtu" },
		{ "[stack]\ntcp-congestion = vegas\n", 2, "vegas" },
		/* The first bad line is the one reported. */
		{ "mtu = 1\nmbufs = x\n", 1, "mtu" },
		{ "mtu = 1500\nmbufs = x\nmtu = y\n", 2, "mbufs" },
	};
	struct pmt_config cfg;
	char err[512], path[PATH_MAX], name[32];
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		pmt_config_defaults(&cfg);
		snprintf(name, sizeof(name), "bad%u.ini", i);
		ck_assert_msg(load_text(&cfg, name, cases[i].text, NULL, NULL,
					err, sizeof(err), path,
					sizeof(path)) == -EINVAL,
			      "case %u loaded", i);
		assert_at_line(err, path, cases[i].line);
		MENTIONS(err, cases[i].mention);
	}
}
END_TEST

START_TEST(load_syntax_errors)
{
	static const struct {
		const char *text;
		unsigned int line;
		const char *not_mention;
	} cases[] = {
		{ "mtu = 1500\nthis line has no equals sign\n", 2, NULL },
		{ "[stack\nmtu = 1500\n", 1, NULL },
		/* A syntax error first: its line, not the later bad value's. */
		{ "garbage\nmtu = 1\n", 1, "mtu" },
		/* A bad value first: its line and its reason. */
		{ "mtu = 1\ngarbage\n", 1, "syntax error" },
	};
	struct pmt_config cfg;
	char err[512], path[PATH_MAX], name[32];
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		pmt_config_defaults(&cfg);
		snprintf(name, sizeof(name), "syntax%u.ini", i);
		ck_assert_msg(load_text(&cfg, name, cases[i].text, NULL, NULL,
					err, sizeof(err), path,
					sizeof(path)) == -EINVAL,
			      "case %u loaded", i);
		assert_at_line(err, path, cases[i].line);
		if (cases[i].not_mention != NULL)
			ck_assert_msg(strstr(err, cases[i].not_mention) == NULL,
				      "case %u: \"%s\" mentions \"%s\"", i,
				      err, cases[i].not_mention);
	}
}
END_TEST

START_TEST(load_long_lines)
{
	struct pmt_config cfg;
	char err[512], path[PATH_MAX];
	char *comment = long_string(300, 'x', "# see a=b ", "=c\n");
	char *text = malloc(strlen(comment) + 64);
	/* Cut at inih's 200 bytes, this would read "mtu = 9000". */
	char *value = long_string(250, ' ', "mtu = 9000", "0\n");

	/* A long comment is still all comment, "=" and all. */
	ck_assert_ptr_nonnull(text);
	snprintf(text, strlen(comment) + 64, "mtu = 9000\n%smbufs = 65536\n",
		 comment);
	pmt_config_defaults(&cfg);
	ck_assert_msg(load_text(&cfg, "longcomment.ini", text, NULL, NULL, err,
				sizeof(err), path, sizeof(path)) == 0,
		      "long comment: %s", err);
	ck_assert_uint_eq(cfg.mtu, 9000);
	ck_assert_uint_eq(cfg.mbufs_per_lcore, 65536);
	/* A long value is not cut short into a different one. */
	pmt_config_defaults(&cfg);
	ck_assert_int_eq(load_text(&cfg, "longvalue.ini", value, NULL, NULL,
				   err, sizeof(err), path, sizeof(path)),
			 -EINVAL);
	assert_at_line(err, path, 1);
	ck_assert_uint_eq(cfg.mtu, 1500);
	/* After a long comment, lines are still counted right. */
	snprintf(text, strlen(comment) + 64, "mtu = 9000\n%smtu = 1\n",
		 comment);
	ck_assert_int_eq(load_text(&cfg, "longcount.ini", text, NULL, NULL,
				   err, sizeof(err), path, sizeof(path)),
			 -EINVAL);
	assert_at_line(err, path, 3);
	MENTIONS(err, "'1'");
	free(comment);
	free(text);
	free(value);
}
END_TEST

START_TEST(load_line_limit)
{
	struct pmt_config cfg;
	char err[512], path[PATH_MAX];
	char *fits = long_string(199 - 10, ' ', "mtu = 9000", "\n");
	char *last = long_string(199 - 10, ' ', "mtu = 9000", "");
	char *over = long_string(200 - 10, ' ', "mtu = 9000", "\n");

	/* inih's buffer holds 199 characters and the terminator. */
	pmt_config_defaults(&cfg);
	ck_assert_msg(load_text(&cfg, "fits.ini", fits, NULL, NULL, err,
				sizeof(err), path, sizeof(path)) == 0, "%s",
		      err);
	ck_assert_uint_eq(cfg.mtu, 9000);
	pmt_config_defaults(&cfg);
	ck_assert_msg(load_text(&cfg, "last.ini", last, NULL, NULL, err,
				sizeof(err), path, sizeof(path)) == 0, "%s",
		      err);
	ck_assert_uint_eq(cfg.mtu, 9000);
	pmt_config_defaults(&cfg);
	ck_assert_int_eq(load_text(&cfg, "over.ini", over, NULL, NULL, err,
				   sizeof(err), path, sizeof(path)), -EINVAL);
	assert_at_line(err, path, 1);
	MENTIONS(err, "199");
	ck_assert_uint_eq(cfg.mtu, 1500);
	free(fits);
	free(last);
	free(over);
}
END_TEST

START_TEST(load_missing_file)
{
	struct pmt_config cfg, before;
	char err[512] = "";
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/no-such-file.ini", tmp_dir);
	pmt_config_defaults(&cfg);
	memcpy(&before, &cfg, sizeof(cfg));
	ck_assert_int_eq(pmt_config_load(&cfg, path, NULL, NULL, err,
					 sizeof(err)), -ENOENT);
	MENTIONS(err, path);
	ck_assert_mem_eq(&cfg, &before, sizeof(cfg));
	/* A directory opens but does not read: not an empty file. */
	err[0] = '\0';
	ck_assert_int_lt(pmt_config_load(&cfg, tmp_dir, NULL, NULL, err,
					 sizeof(err)), 0);
	MENTIONS(err, tmp_dir);
}
END_TEST

/* Write @len bytes of @data to @name in the run's directory. */
static void
tmp_write_bytes(char *path, size_t pathlen, const char *name,
		const void *data, size_t len)
{
	FILE *f;

	snprintf(path, pathlen, "%s/%s", tmp_dir, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * What is not a configuration file ends the load with a clear error
 * after a bounded read: /dev/zero (an endless stream of NUL bytes, on
 * which the loader used to hang), a NUL byte in a text file, a file
 * past 1 MiB.
 */
START_TEST(load_not_text)
{
	static const char nul[] = "mtu = 9000\nmbufs = 65536\nrx-\0desc = 512\n";
	const size_t mib = 1024 * 1024;
	struct pmt_config cfg;
	char err[512], path[PATH_MAX];
	char *big = malloc(mib + 1);
	size_t i;

	ck_assert_ptr_nonnull(big);
	pmt_config_defaults(&cfg);
	err[0] = '\0';
	ck_assert_int_eq(pmt_config_load(&cfg, "/dev/zero", NULL, NULL, err,
					 sizeof(err)), -EINVAL);
	assert_at_line(err, "/dev/zero", 1);
	MENTIONS(err, "NUL");

	tmp_write_bytes(path, sizeof(path), "nul.ini", nul, sizeof(nul) - 1);
	pmt_config_defaults(&cfg);
	err[0] = '\0';
	ck_assert_int_eq(pmt_config_load(&cfg, path, NULL, NULL, err,
					 sizeof(err)), -EINVAL);
	assert_at_line(err, path, 3);
	MENTIONS(err, "NUL");
	/* The file is refused, but its good lines were read before. */
	ck_assert_uint_eq(cfg.mtu, 9000);
	ck_assert_uint_eq(cfg.rx_desc, 1024);

	/* Exactly 1 MiB of comments loads; one byte more does not. */
	for (i = 0; i < mib; i++)
		big[i] = i % 64 == 63 ? '\n' : i % 64 == 0 ? '#' : 'x';
	tmp_write_bytes(path, sizeof(path), "mib.ini", big, mib);
	pmt_config_defaults(&cfg);
	err[0] = '\0';
	ck_assert_msg(pmt_config_load(&cfg, path, NULL, NULL, err,
				      sizeof(err)) == 0, "%s", err);
	big[mib] = '\n';
	tmp_write_bytes(path, sizeof(path), "big.ini", big, mib + 1);
	err[0] = '\0';
	ck_assert_int_eq(pmt_config_load(&cfg, path, NULL, NULL, err,
					 sizeof(err)), -EINVAL);
	MENTIONS(err, path);
	MENTIONS(err, "larger than 1048576 bytes");
	/* A bad line before the limit is the error to report. */
	memcpy(big, "mtu = x\n", 8);
	tmp_write_bytes(path, sizeof(path), "big-bad.ini", big, mib + 1);
	err[0] = '\0';
	ck_assert_int_eq(pmt_config_load(&cfg, path, NULL, NULL, err,
					 sizeof(err)), -EINVAL);
	assert_at_line(err, path, 1);
	MENTIONS(err, "'x'");
	free(big);
}
END_TEST

START_TEST(load_other_sections)
{
	static const char text[] =
		"[stack]\n"
		"mtu = 9000\n"
		"[gen]\n"
		"duration = 30\n"
		"[port0]\n"
		"addr = 198.18.0.2/24\n";
	struct other_log log = { 0 };
	struct pmt_config cfg;
	char err[512], path[PATH_MAX];

	pmt_config_defaults(&cfg);
	ck_assert_int_eq(load_text(&cfg, "other.ini", text, other_keys, &log,
				   err, sizeof(err), path, sizeof(path)), 0);
	/* Only what pmt_config_set() does not know reaches the callback. */
	ck_assert_uint_eq(log.calls, 1);
	ck_assert_str_eq(log.seen[0], "[gen] duration=30");
	ck_assert_uint_eq(log.duration, 30);
	ck_assert_uint_eq(cfg.mtu, 9000);
	assert_addr(&cfg, 0, 0, IP(198, 18, 0, 2), 24);
}
END_TEST

START_TEST(load_other_errors)
{
	static const struct {
		const char *text;
		unsigned int line, calls;
		const char *mention;
	} cases[] = {
		/* The callback's own message. */
		{ "[gen]\nduration = soon\n", 2, 1, "soon" },
		/* Neither knows the key. */
		{ "[gen]\nduration = 1\nspeed = fast\n", 3, 2, "speed" },
		{ "[elsewhere]\nx = 1\n", 2, 1, "elsewhere" },
		/* Unknown stack keys are offered to the callback too. */
		{ "[stack]\nfrobnicate = 1\n", 2, 1, "frobnicate" },
		/* A bad value for a known key is not offered. */
		{ "[stack]\nmtu = 1\n", 2, 0, "mtu" },
	};
	struct pmt_config cfg;
	char err[512], path[PATH_MAX], name[32];
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		struct other_log log = { 0 };

		pmt_config_defaults(&cfg);
		snprintf(name, sizeof(name), "other%u.ini", i);
		ck_assert_msg(load_text(&cfg, name, cases[i].text, other_keys,
					&log, err, sizeof(err), path,
					sizeof(path)) == -EINVAL,
			      "case %u loaded", i);
		assert_at_line(err, path, cases[i].line);
		MENTIONS(err, cases[i].mention);
		ck_assert_msg(log.calls == cases[i].calls,
			      "case %u: %u calls", i, log.calls);
	}
}
END_TEST

START_TEST(load_then_flags_replace_addrs)
{
	static const char text[] =
		"[stack]\n"
		"addr = 198.18.0.2/24\n"
		"addr = 198.18.1.2/24\n"
		"[port2]\n"
		"addr = 198.18.2.2/24\n";
	struct pmt_config cfg;
	char err[512], path[PATH_MAX];

	pmt_config_defaults(&cfg);
	ck_assert_int_eq(load_text(&cfg, "addrs.ini", text, NULL, NULL, err,
				   sizeof(err), path, sizeof(path)), 0);
	/* In a file, successive stack addrs are successive ports. */
	ck_assert_uint_eq(cfg.n_ports, 3);
	assert_addr(&cfg, 0, 0, IP(198, 18, 0, 2), 24);
	assert_addr(&cfg, 1, 0, IP(198, 18, 1, 2), 24);
	assert_addr(&cfg, 2, 0, IP(198, 18, 2, 2), 24);
	/* Flags override the file: the first --addr replaces its ports. */
	set_ok(&cfg, NULL, "addr", "198.19.0.2/24");
	ck_assert_uint_eq(cfg.n_ports, 1);
	ck_assert_uint_eq(cfg.ports[0].n_addrs, 1);
	assert_addr(&cfg, 0, 0, IP(198, 19, 0, 2), 24);
	ck_assert_uint_eq(cfg.ports[1].n_addrs, 0);
	set_ok(&cfg, NULL, "addr", "198.19.1.2/24");
	ck_assert_uint_eq(cfg.n_ports, 2);
	assert_addr(&cfg, 1, 0, IP(198, 19, 1, 2), 24);
}
END_TEST

/* ---- pmt_config_validate ---- */

/* A configuration from "key=value" strings; section [portN] as "N:addr". */
static void
cfg_of(struct pmt_config *cfg, ...)
{
	va_list ap;
	const char *kv;

	pmt_config_defaults(cfg);
	va_start(ap, cfg);
	while ((kv = va_arg(ap, const char *)) != NULL) {
		char key[32], sec[16];
		const char *eq = strchr(kv, '=');
		size_t n;

		ck_assert_ptr_nonnull(eq);
		n = (size_t)(eq - kv);
		ck_assert_uint_lt(n, sizeof(key));
		memcpy(key, kv, n);
		key[n] = '\0';
		if (key[0] >= '0' && key[0] <= '9' && key[1] == ':') {
			snprintf(sec, sizeof(sec), "port%c", key[0]);
			set_ok(cfg, sec, key + 2, eq + 1);
		} else {
			set_ok(cfg, NULL, key, eq + 1);
		}
	}
	va_end(ap);
}

static void
validate_ok(const struct pmt_config *cfg)
{
	char err[256] = "";

	ck_assert_msg(pmt_config_validate(cfg, err, sizeof(err)) == 0, "%s",
		      err);
}

static void
validate_fails(const struct pmt_config *cfg, const char *mention)
{
	char err[256] = "";

	ck_assert_int_eq(pmt_config_validate(cfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(err[0] != '\0', "no message");
	if (mention != NULL)
		MENTIONS(err, mention);
}

START_TEST(validate_addresses)
{
	struct pmt_config cfg;

	cfg_of(&cfg, "addr=198.18.0.2/24", NULL);
	validate_ok(&cfg);
	pmt_config_defaults(&cfg);
	validate_fails(&cfg, "addr");
	/* Port 1 configured, port 0 not. */
	cfg_of(&cfg, "1:addr=198.18.1.2/24", NULL);
	validate_fails(&cfg, "port 0");
	/* Duplicates, on one port, across ports, under another prefix. */
	cfg_of(&cfg, "0:addr=198.18.0.2/24", "0:addr=198.18.0.2/24", NULL);
	validate_fails(&cfg, "198.18.0.2");
	cfg_of(&cfg, "addr=198.18.0.2/24", "addr=198.18.0.2/24", NULL);
	validate_fails(&cfg, "198.18.0.2");
	cfg_of(&cfg, "0:addr=198.18.0.3/24", "1:addr=198.19.0.2/24",
	       "1:addr=198.18.0.3/16", NULL);
	validate_fails(&cfg, "198.18.0.3");
	/* Two ports on one subnet with different addresses are fine. */
	cfg_of(&cfg, "addr=198.18.0.2/24", "addr=198.18.0.3/24", NULL);
	validate_ok(&cfg);
}
END_TEST

START_TEST(validate_network_and_broadcast)
{
	struct pmt_config cfg;

	cfg_of(&cfg, "addr=198.18.0.0/24", NULL);
	validate_fails(&cfg, "198.18.0.0");
	cfg_of(&cfg, "addr=198.18.0.255/24", NULL);
	validate_fails(&cfg, "198.18.0.255");
	cfg_of(&cfg, "addr=198.18.0.0/15", NULL);
	validate_fails(&cfg, "198.18.0.0");
	cfg_of(&cfg, "addr=198.19.255.255/15", NULL);
	validate_fails(&cfg, "198.19.255.255");
	cfg_of(&cfg, "addr=198.18.0.4/30", NULL);
	validate_fails(&cfg, "198.18.0.4");
	cfg_of(&cfg, "addr=198.18.0.7/30", NULL);
	validate_fails(&cfg, "198.18.0.7");
	/* On a second address of a later port too. */
	cfg_of(&cfg, "addr=198.18.0.2/24", "1:addr=198.19.0.2/24",
	       "1:addr=198.19.1.255/24", NULL);
	validate_fails(&cfg, "198.19.1.255");
	/* The same numbers under a longer prefix are hosts. */
	cfg_of(&cfg, "addr=198.18.0.255/16", NULL);
	validate_ok(&cfg);
	cfg_of(&cfg, "addr=198.18.1.0/16", NULL);
	validate_ok(&cfg);
	cfg_of(&cfg, "addr=198.18.0.5/30", NULL);
	validate_ok(&cfg);
	/* RFC 3021: both ends of a /31 are hosts; a /32 is one host. */
	cfg_of(&cfg, "addr=198.18.0.0/31", "addr=198.18.0.1/31", NULL);
	validate_ok(&cfg);
	cfg_of(&cfg, "addr=198.18.0.0/32", "addr=198.18.0.255/32", NULL);
	validate_ok(&cfg);
}
END_TEST

START_TEST(validate_non_unicast)
{
	static const char *const bad[] = {
		"0.0.0.1/8", "127.0.0.1/8", "224.0.0.1/24", "239.1.2.3/24",
		"240.0.0.1/24", "255.255.255.255/32", "0.0.0.0/32",
	};
	struct pmt_config cfg;
	char kv[64], ip[32];
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		snprintf(kv, sizeof(kv), "addr=%s", bad[i]);
		cfg_of(&cfg, "addr=198.18.0.2/24", kv, NULL);
		snprintf(ip, sizeof(ip), "%s", bad[i]);
		*strchr(ip, '/') = '\0';
		validate_fails(&cfg, ip);
	}
}
END_TEST

START_TEST(validate_gateway)
{
	struct pmt_config cfg;

	cfg_of(&cfg, "addr=198.18.0.2/24", "gateway=198.18.0.1", NULL);
	validate_ok(&cfg);
	cfg_of(&cfg, "addr=198.18.0.2/24", "gateway=198.19.0.1", NULL);
	validate_fails(&cfg, "198.19.0.1");
	cfg_of(&cfg, "addr=198.18.0.2/24", "gateway=198.18.1.1", NULL);
	validate_fails(&cfg, "198.18.1.1");
	/* On the second port's subnet, or a second address's. */
	cfg_of(&cfg, "addr=198.18.0.2/24", "addr=198.19.0.2/24",
	       "gateway=198.19.0.1", NULL);
	validate_ok(&cfg);
	cfg_of(&cfg, "0:addr=198.18.0.2/24", "0:addr=198.19.0.2/24",
	       "gateway=198.19.0.1", NULL);
	validate_ok(&cfg);
	/* A /31 peer is a fine gateway. */
	cfg_of(&cfg, "addr=198.18.0.0/31", "gateway=198.18.0.1", NULL);
	validate_ok(&cfg);
}
END_TEST

START_TEST(validate_resources)
{
	struct pmt_config cfg;

	/* One port: 1024 RX + 1024 TX + 1024 to spare. */
	cfg_of(&cfg, "addr=198.18.0.2/24", "mbufs=3071", NULL);
	validate_fails(&cfg, "3071");
	cfg_of(&cfg, "addr=198.18.0.2/24", "mbufs=3072", NULL);
	validate_ok(&cfg);
	cfg_of(&cfg, "addr=198.18.0.2/24", "addr=198.18.1.2/24",
	       "mbufs=5119", NULL);
	validate_fails(&cfg, "5119");
	cfg_of(&cfg, "addr=198.18.0.2/24", "mbufs=1024", "rx-desc=64",
	       "tx-desc=64", NULL);
	validate_fails(&cfg, "1024");
	cfg_of(&cfg, "addr=198.18.0.2/24", "rx-desc=16384", "tx-desc=16384",
	       NULL);
	validate_fails(&cfg, "8191");
	/* Set directly, the pending limit is still checked. */
	cfg_of(&cfg, "addr=198.18.0.2/24", NULL);
	cfg.arp_pending_max = 17;
	validate_fails(&cfg, "16");
}
END_TEST

START_TEST(validate_tcp_ranges)
{
	struct pmt_config cfg;

	cfg_of(&cfg, "addr=198.18.0.2/24", "tcp-port-min=40000",
	       "tcp-port-max=40000", "tcp-rto-min-ms=500",
	       "tcp-rto-max-ms=500", NULL);
	validate_ok(&cfg);
	cfg_of(&cfg, "addr=198.18.0.2/24", "tcp-port-min=40001",
	       "tcp-port-max=40000", NULL);
	validate_fails(&cfg, "40001");
	cfg_of(&cfg, "addr=198.18.0.2/24", "tcp-rto-min-ms=501",
	       "tcp-rto-max-ms=500", NULL);
	validate_fails(&cfg, "tcp-rto-min-ms");
	/* Out-of-order queues may take at most half of an engine's pool. */
	cfg_of(&cfg, "addr=198.18.0.2/24", "mbufs=8192",
	       "tcp-ooo-engine-mbufs=4096", NULL);
	validate_ok(&cfg);
	cfg_of(&cfg, "addr=198.18.0.2/24", "mbufs=8192",
	       "tcp-ooo-engine-mbufs=4097", NULL);
	validate_fails(&cfg, "tcp-ooo-engine-mbufs");
}
END_TEST

/* ---- pmtcp-gen's options, end to end ---- */

struct run {
	int status;		/* exit code, or -signal */
	char out[8192];
	char err[8192];
};

static void
slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
}

/* Run pmtcp-gen with the NULL-terminated @args (argv[0] added). */
static void
run_gen(struct run *r, ...)
{
	extern char **environ;
	posix_spawn_file_actions_t fa;
	char out_path[PATH_MAX], err_path[PATH_MAX];
	char *argv[32];
	unsigned int argc = 0, waited;
	va_list ap;
	pid_t pid;
	int st, ret;

	ck_assert_msg(gen_path != NULL,
		      "give the pmtcp-gen binary as argv[1] or $PMTCP_GEN");
	argv[argc++] = (char *)(uintptr_t)gen_path;
	va_start(ap, r);
	while ((argv[argc] = va_arg(ap, char *)) != NULL) {
		argc++;
		ck_assert_uint_lt(argc, ARRAY_LEN(argv));
	}
	va_end(ap);

	snprintf(out_path, sizeof(out_path), "%s/gen-%d.out", tmp_dir,
		 (int)getpid());
	snprintf(err_path, sizeof(err_path), "%s/gen-%d.err", tmp_dir,
		 (int)getpid());
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out_path,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, err_path,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ret = posix_spawn(&pid, gen_path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	ck_assert_msg(ret == 0, "%s: %s", gen_path, strerror(ret));

	/* Every case ends before EAL init; a hang means it went further. */
	for (waited = 0;; waited++) {
		const struct timespec tick = { 0, 10 * 1000 * 1000 };

		ret = waitpid(pid, &st, WNOHANG);
		if (ret == pid)
			break;
		ck_assert_int_eq(ret, 0);
		if (waited == 3000) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			ck_abort_msg("pmtcp-gen did not exit within 30 s");
		}
		nanosleep(&tick, NULL);
	}
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
	slurp(out_path, r->out, sizeof(r->out));
	slurp(err_path, r->err, sizeof(r->err));
}

/* Expect exit status 2 and a message on stderr naming @mention. */
static void
assert_usage_error(const struct run *r, const char *mention)
{
	ck_assert_msg(r->status == 2, "exit %d, stderr: %s", r->status,
		      r->err);
	ck_assert_msg(strstr(r->err, "pmtcp-gen: ") == r->err,
		      "stderr: %s", r->err);
	if (mention != NULL)
		MENTIONS(r->err, mention);
	ck_assert_msg(strstr(r->err, "EAL") == NULL ||
		      strstr(r->err, "'--' are missing") != NULL,
		      "reached EAL: %s", r->err);
	ck_assert_str_eq(r->out, "");
}

START_TEST(cli_help)
{
	struct run r;

	run_gen(&r, "--", "--help", NULL);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	MENTIONS(r.out, "usage");
	MENTIONS(r.out, "--addr");
	MENTIONS(r.out, "--tcp-congestion cubic|newreno");
	ck_assert_str_eq(r.err, "");
	/* Without EAL options too. */
	run_gen(&r, "--help", NULL);
	ck_assert_int_eq(r.status, 0);
	MENTIONS(r.out, "usage");
	run_gen(&r, "--", "-h", NULL);
	ck_assert_int_eq(r.status, 0);
	MENTIONS(r.out, "usage");
}
END_TEST

START_TEST(cli_nothing)
{
	struct run r;

	run_gen(&r, NULL);
	assert_usage_error(&r, NULL);
	ck_assert_uint_gt(strlen(r.err), strlen("pmtcp-gen: \n"));
	run_gen(&r, "--", NULL);
	assert_usage_error(&r, "addr");
	/* Good options but no "--" for EAL. */
	run_gen(&r, "--addr", "198.18.0.2/24", NULL);
	assert_usage_error(&r, "'--'");
}
END_TEST

START_TEST(cli_bad_values)
{
	struct run r;

	run_gen(&r, "--", "--addr", "bogus", NULL);
	assert_usage_error(&r, "'bogus'");
	run_gen(&r, "--", "--addr=198.18.0.2/33", NULL);
	assert_usage_error(&r, "198.18.0.2/33");
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--gateway",
		"198.19.0.1", NULL);
	assert_usage_error(&r, "198.19.0.1");
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--mtu", "9001", NULL);
	assert_usage_error(&r, "9001");
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--duration", "soon",
		NULL);
	assert_usage_error(&r, "soon");
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--mbufs", "1024",
		NULL);
	assert_usage_error(&r, "1024");
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--tcp-congestion",
		"bbr", NULL);
	assert_usage_error(&r, "cubic or newreno");
	run_gen(&r, "--", "--addr", "198.18.0.255/24", NULL);
	assert_usage_error(&r, "198.18.0.255");
	/* The generator's verdict options. */
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--fail-on",
		"rate-shortfall=5", NULL);
	assert_usage_error(&r, "rate-shortfall=5");
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--expect-status", "2yy",
		NULL);
	assert_usage_error(&r, "2yy");
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--connect-timeout",
		"-1", NULL);
	assert_usage_error(&r, "connect-timeout");
	/* A connection counts its requests in 32 bits. */
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--requests-per-conn",
		"4294967296", NULL);
	assert_usage_error(&r, "4294967296");
	/* Impairments: the bad part of a spec is named. */
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--impair",
		"rx:loss=1%,reorder=5%/99", NULL);
	assert_usage_error(&r, "'reorder=5%/99'");
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--impair", "sideways",
		NULL);
	assert_usage_error(&r, "rx:SPEC");
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--impair-seed", "-3",
		NULL);
	assert_usage_error(&r, "impair-seed");
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--expect-body-crc32c",
		"0x1ffffffff", NULL);
	assert_usage_error(&r, "0x1ffffffff");
	/* A --json path that cannot be written fails before the run. */
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--role", "client",
		"--server", "198.18.0.1:80", "--json",
		"/nonexistent-pmtcp-dir/out.json", NULL);
	assert_usage_error(&r, "/nonexistent-pmtcp-dir/out.json");
}
END_TEST

START_TEST(cli_bad_options)
{
	struct run r;

	run_gen(&r, "--", "--frobnicate", NULL);
	assert_usage_error(&r, "unknown option '--frobnicate'");
	run_gen(&r, "--", "--addr", NULL);
	assert_usage_error(&r, "--addr");
	MENTIONS(r.err, "value");
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--gateway", NULL);
	assert_usage_error(&r, "--gateway");
	run_gen(&r, "--", "--config", NULL);
	assert_usage_error(&r, "--config");
	run_gen(&r, "--", "-x", NULL);
	assert_usage_error(&r, "unknown option '-x'");
	/* An unknown short option inside a cluster is still named. */
	run_gen(&r, "--", "-xq", NULL);
	assert_usage_error(&r, "unknown option '-x");
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "-xq", NULL);
	assert_usage_error(&r, "unknown option '-x");
	run_gen(&r, "--", "--help=yes", NULL);
	assert_usage_error(&r, "--help");
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "stray", NULL);
	assert_usage_error(&r, "'stray'");
}
END_TEST

START_TEST(cli_config_file)
{
	char bad[PATH_MAX], gen[PATH_MAX], dup[PATH_MAX], want[PATH_MAX + 8];
	struct run r;

	run_gen(&r, "--", "--config", "/nonexistent.ini", NULL);
	assert_usage_error(&r, "/nonexistent.ini");
	run_gen(&r, "--", "--config=/nonexistent.ini", NULL);
	assert_usage_error(&r, "/nonexistent.ini");
	/* It used to read /dev/zero for ever. */
	run_gen(&r, "--", "--config", "/dev/zero", NULL);
	assert_usage_error(&r, "/dev/zero:1: NUL byte");

	tmp_write(bad, sizeof(bad), "cli-bad.ini",
		  "[stack]\nmtu = 1500\nmtu = huge\n");
	snprintf(want, sizeof(want), "%s:3:", bad);
	run_gen(&r, "--", "--config", bad, NULL);
	assert_usage_error(&r, want);
	MENTIONS(r.err, "huge");
	/* The file is read first wherever --config stands. */
	run_gen(&r, "--", "--addr", "198.18.0.2/24", "--config", bad, NULL);
	assert_usage_error(&r, want);

	tmp_write(gen, sizeof(gen), "cli-gen.ini",
		  "[port0]\naddr = 198.18.0.2/24\n[gen]\nduration = later\n");
	snprintf(want, sizeof(want), "%s:4:", gen);
	run_gen(&r, "--", "--config", gen, NULL);
	assert_usage_error(&r, want);
	MENTIONS(r.err, "later");

	/*
	 * Flags override the file: its two ports hold one address twice,
	 * but --addr replaces them, so what fails is the --mbufs flag.
	 */
	tmp_write(dup, sizeof(dup), "cli-dup.ini",
		  "[stack]\naddr = 198.18.0.2/24\n"
		  "[port1]\naddr = 198.18.0.2/24\n");
	run_gen(&r, "--", "--config", dup, NULL);
	assert_usage_error(&r, "twice");
	run_gen(&r, "--", "--config", dup, "--addr", "198.18.1.2/24",
		"--mbufs", "1024", NULL);
	assert_usage_error(&r, "mbufs (1024)");
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_addr_good);
	tcase_add_test(tc, parse_addr_bad);
	tcase_add_test(tc, parse_prefix_good);
	tcase_add_test(tc, parse_prefix_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("set");
	tcase_add_test(tc, defaults_match_usage);
	tcase_add_test(tc, numeric_keys_bounds);
	tcase_add_test(tc, numeric_keys_garbage);
	tcase_add_test(tc, unknown_keys_and_sections);
	tcase_add_test(tc, tcp_congestion_key);
	tcase_add_test(tc, gateway_key);
	tcase_add_test(tc, addr_one_per_port);
	tcase_add_test(tc, addr_replaces_port_sections);
	tcase_add_test(tc, addr_bad_value_changes_nothing);
	tcase_add_test(tc, port_sections);
	tcase_add_test(tc, port_addrs_append_to_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, load_valid_file);
	tcase_add_test(tc, load_unknown_key);
	tcase_add_test(tc, load_bad_values);
	tcase_add_test(tc, load_syntax_errors);
	tcase_add_test(tc, load_long_lines);
	tcase_add_test(tc, load_line_limit);
	tcase_add_test(tc, load_missing_file);
	tcase_add_test(tc, load_not_text);
	tcase_add_test(tc, load_other_sections);
	tcase_add_test(tc, load_other_errors);
	tcase_add_test(tc, load_then_flags_replace_addrs);
	suite_add_tcase(s, tc);

	tc = tcase_create("validate");
	tcase_add_test(tc, validate_addresses);
	tcase_add_test(tc, validate_network_and_broadcast);
	tcase_add_test(tc, validate_non_unicast);
	tcase_add_test(tc, validate_gateway);
	tcase_add_test(tc, validate_resources);
	tcase_add_test(tc, validate_tcp_ranges);
	suite_add_tcase(s, tc);

	tc = tcase_create("cli");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, cli_help);
	tcase_add_test(tc, cli_nothing);
	tcase_add_test(tc, cli_bad_values);
	tcase_add_test(tc, cli_bad_options);
	tcase_add_test(tc, cli_config_file);
	suite_add_tcase(s, tc);
	return s;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	gen_path = argc > 1 ? argv[1] : getenv("PMTCP_GEN");
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/pmtcp-test-config.XXXXXX",
		 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(tmp_dir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(tmp_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
