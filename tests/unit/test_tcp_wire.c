/* test_tcp_wire.c: unit tests of the TCP wire format: byte-exact build, parse round trips, malformed and fuzzed headers, checksum, sequence wrap. */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "tcp/pmt_tcp_wire.h"

/*
 * ck_assert() records a mark point on every call, which dominates loops of
 * hundreds of thousands of checks; this one only costs the comparison.
 */
#define REQUIRE(cond, ...) do {						\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define ALL_OPTS (PMT_TO_MSS | PMT_TO_WSCALE | PMT_TO_TS | \
		  PMT_TO_SACK_PERM | PMT_TO_SACK)

/* splitmix64: tiny, seedable, and the same sequence on every machine. */
struct rng {
	uint64_t s;
};

static uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform enough in [0, n) for test inputs. */
static uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

/*
 * Parse @len bytes from a malloc'd block of exactly @len bytes, so that
 * under ASan a read one byte too far is a heap-buffer-overflow report,
 * not a silent read of the caller's larger array.
 */
static enum pmt_tcp_verdict
parse_exact(const uint8_t *bytes, uint32_t len, struct pmt_tcp_seg *seg)
{
	uint8_t *copy = malloc(len);
	enum pmt_tcp_verdict v;

	ck_assert(copy != NULL || len == 0);
	if (len > 0)
		memcpy(copy, bytes, len);
	v = pmt_tcp_parse(copy, len, seg);
	free(copy);
	return v;
}

/*
 * A header with fixed fields that are easy to spot, followed by @olen
 * bytes of options (a multiple of 4, as the data offset counts words).
 * Returns the header length.
 */
static uint32_t
mk_hdr(uint8_t *b, const uint8_t *opt, uint32_t olen)
{
	static const uint8_t fixed[20] = {
		0x12, 0x34, 0x00, 0x50,		/* ports 0x1234 -> 80 */
		0x01, 0x02, 0x03, 0x04,		/* seq */
		0x05, 0x06, 0x07, 0x08,		/* ack */
		0x50, PMT_TH_ACK, 0x10, 0x00,	/* offset 5, ACK, wnd 4096 */
		0x00, 0x00, 0x00, 0x00,		/* cksum, urp */
	};

	ck_assert_uint_eq(olen % 4, 0);
	ck_assert_uint_le(olen, 40);
	memcpy(b, fixed, sizeof(fixed));
	if (olen > 0)
		memcpy(b + 20, opt, olen);
	b[12] = (uint8_t)(((20 + olen) / 4) << 4);
	return 20 + olen;
}

/* Parse a header made by mk_hdr() from @opt; the verdict is returned. */
static enum pmt_tcp_verdict
parse_opts_only(const uint8_t *opt, uint32_t olen, struct pmt_tcp_seg *seg)
{
	uint8_t b[60];
	uint32_t hlen = mk_hdr(b, opt, olen);

	return parse_exact(b, hlen, seg);
}

static void
expect_bytes(const uint8_t *got, const uint8_t *want, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		ck_assert_msg(got[i] == want[i],
			      "byte %zu: got 0x%02x want 0x%02x",
			      i, got[i], want[i]);
}

/* ---- build: one byte-exact test per layout ---- */

/*
 * Linux's SYN: MSS, SACKOK TS, NOP WS. The same bytes scapy writes for
 * options [MSS, SAckOK, Timestamp, NOP, WScale] (see the cksum tests).
 */
static const uint8_t syn_all[40] = {
	0x9c, 0x40, 0x00, 0x50,			/* 40000 -> 80 */
	0xff, 0xff, 0xff, 0xf0,			/* seq: 16 below the wrap */
	0x00, 0x00, 0x00, 0x00,			/* ack */
	0xa0, 0x02, 0xfa, 0xf0,			/* offset 10, SYN, wnd 64240 */
	0x00, 0x00, 0x00, 0x00,			/* cksum 0, urp 0 */
	0x02, 0x04, 0x05, 0xb4,			/* MSS 1460 */
	0x04, 0x02, 0x08, 0x0a,			/* SACKOK, TS kind+len */
	0x01, 0x02, 0x03, 0x04,			/* TSval */
	0x00, 0x00, 0x00, 0x00,			/* TSecr */
	0x01, 0x03, 0x03, 0x07,			/* NOP, WS 7 */
};

static const struct pmt_tcp_out_opts syn_all_opts = {
	.opts = PMT_TO_MSS | PMT_TO_SACK_PERM | PMT_TO_TS | PMT_TO_WSCALE,
	.mss = 1460,
	.wscale = 7,
	.tsval = 0x01020304,
	.tsecr = 0,
};

START_TEST(build_syn_all_options)
{
	uint8_t b[64];

	memset(b, 0xee, sizeof(b));
	ck_assert_uint_eq(pmt_tcp_opts_len(&syn_all_opts), 20);
	ck_assert_uint_eq(pmt_tcp_build(b, 40000, 80, 0xfffffff0, 0,
					PMT_TH_SYN, 64240, &syn_all_opts), 40);
	expect_bytes(b, syn_all, sizeof(syn_all));
	ck_assert_uint_eq(b[40], 0xee);		/* nothing written past */
}
END_TEST

START_TEST(build_data_with_ts)
{
	static const uint8_t want[32] = {
		0x01, 0xbb, 0xc8, 0x22,		/* 443 -> 51234 */
		0x7f, 0xff, 0xff, 0xfe,		/* seq */
		0xde, 0xad, 0xbe, 0xef,		/* ack */
		0x80, 0x18, 0x01, 0xf5,		/* offset 8, PSH|ACK, wnd 501 */
		0x00, 0x00, 0x00, 0x00,
		0x01, 0x01, 0x08, 0x0a,		/* NOP NOP TS */
		0xca, 0xfe, 0xf0, 0x0d,
		0x12, 0x34, 0x56, 0x78,
	};
	const struct pmt_tcp_out_opts o = {
		.opts = PMT_TO_TS,
		.tsval = 0xcafef00d,
		.tsecr = 0x12345678,
	};
	uint8_t b[64];

	memset(b, 0xee, sizeof(b));
	ck_assert_uint_eq(pmt_tcp_opts_len(&o), 12);
	ck_assert_uint_eq(pmt_tcp_build(b, 443, 51234, 0x7ffffffe, 0xdeadbeef,
					PMT_TH_PSH | PMT_TH_ACK, 501, &o), 32);
	expect_bytes(b, want, sizeof(want));
	ck_assert_uint_eq(b[32], 0xee);
}
END_TEST

START_TEST(build_pure_ack)
{
	static const uint8_t want[20] = {
		0x00, 0x01, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x03,
		0x00, 0x00, 0x00, 0x04,
		0x50, 0x10, 0x10, 0x00,		/* offset 5, ACK, wnd 4096 */
		0x00, 0x00, 0x00, 0x00,
	};
	const struct pmt_tcp_out_opts none = { .opts = 0 };
	/* SACK asked for with no blocks: nothing to say, so no option. */
	const struct pmt_tcp_out_opts no_blocks = {
		.opts = PMT_TO_SACK, .n_sack = 0,
	};
	uint8_t b[64];

	memset(b, 0xee, sizeof(b));
	ck_assert_uint_eq(pmt_tcp_build(b, 1, 2, 3, 4, PMT_TH_ACK, 4096,
					NULL), 20);
	expect_bytes(b, want, sizeof(want));
	ck_assert_uint_eq(b[20], 0xee);

	memset(b, 0xee, sizeof(b));
	ck_assert_uint_eq(pmt_tcp_opts_len(&none), 0);
	ck_assert_uint_eq(pmt_tcp_build(b, 1, 2, 3, 4, PMT_TH_ACK, 4096,
					&none), 20);
	expect_bytes(b, want, sizeof(want));

	memset(b, 0xee, sizeof(b));
	ck_assert_uint_eq(pmt_tcp_opts_len(&no_blocks), 0);
	ck_assert_uint_eq(pmt_tcp_build(b, 1, 2, 3, 4, PMT_TH_ACK, 4096,
					&no_blocks), 20);
	expect_bytes(b, want, sizeof(want));
	ck_assert_uint_eq(pmt_tcp_opts_len(NULL), 0);
}
END_TEST

START_TEST(build_one_sack_block)
{
	static const uint8_t want[44] = {
		0x00, 0x01, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x03,
		0x00, 0x00, 0x00, 0x04,
		0xb0, 0x10, 0x10, 0x00,		/* offset 11, ACK */
		0x00, 0x00, 0x00, 0x00,
		0x01, 0x01, 0x08, 0x0a,		/* NOP NOP TS */
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x02,
		0x01, 0x01, 0x05, 0x0a,		/* NOP NOP SACK, 1 block */
		0x10, 0x00, 0x00, 0x00,
		0x10, 0x00, 0x01, 0x00,
	};
	const struct pmt_tcp_out_opts o = {
		.opts = PMT_TO_TS | PMT_TO_SACK,
		.tsval = 1,
		.tsecr = 2,
		.n_sack = 1,
		.sack = { { 0x10000000, 0x10000100 } },
	};
	uint8_t b[64];

	memset(b, 0xee, sizeof(b));
	ck_assert_uint_eq(pmt_tcp_opts_len(&o), 24);
	ck_assert_uint_eq(pmt_tcp_build(b, 1, 2, 3, 4, PMT_TH_ACK, 4096, &o),
			  44);
	expect_bytes(b, want, sizeof(want));
	ck_assert_uint_eq(b[44], 0xee);
}
END_TEST

START_TEST(build_four_sack_blocks)
{
	static const uint8_t want[56] = {
		0x00, 0x01, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x03,
		0x00, 0x00, 0x00, 0x04,
		0xe0, 0x10, 0x10, 0x00,		/* offset 14, ACK */
		0x00, 0x00, 0x00, 0x00,
		0x01, 0x01, 0x05, 0x22,		/* NOP NOP SACK, 4 blocks */
		0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x10,
		0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00,
		0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x06, 0x00,
	};
	/* Beside timestamps only 3 fit (RFC 2018 3): the first 3 stay. */
	static const uint8_t want_ts[60] = {
		0x00, 0x01, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x03,
		0x00, 0x00, 0x00, 0x04,
		0xf0, 0x10, 0x10, 0x00,		/* offset 15, ACK */
		0x00, 0x00, 0x00, 0x00,
		0x01, 0x01, 0x08, 0x0a,		/* NOP NOP TS */
		0x00, 0x00, 0x00, 0x07,
		0x00, 0x00, 0x00, 0x08,
		0x01, 0x01, 0x05, 0x1a,		/* NOP NOP SACK, 3 blocks */
		0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x10,
		0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00,
		0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00,
	};
	struct pmt_tcp_out_opts o = {
		.opts = PMT_TO_SACK,
		.n_sack = 4,
		.sack = {
			{ 0xffffff00, 0x00000010 },	/* across the wrap */
			{ 0x00000100, 0x00000200 },
			{ 0x00000300, 0x00000400 },
			{ 0x00000500, 0x00000600 },
		},
	};
	uint8_t b[64];

	memset(b, 0xee, sizeof(b));
	ck_assert_uint_eq(pmt_tcp_opts_len(&o), 36);
	ck_assert_uint_eq(pmt_tcp_build(b, 1, 2, 3, 4, PMT_TH_ACK, 4096, &o),
			  56);
	expect_bytes(b, want, sizeof(want));
	ck_assert_uint_eq(b[56], 0xee);

	o.opts |= PMT_TO_TS;
	o.tsval = 7;
	o.tsecr = 8;
	memset(b, 0xee, sizeof(b));
	ck_assert_uint_eq(pmt_tcp_opts_len(&o), 40);
	ck_assert_uint_eq(pmt_tcp_build(b, 1, 2, 3, 4, PMT_TH_ACK, 4096, &o),
			  60);
	expect_bytes(b, want_ts, sizeof(want_ts));
	ck_assert_uint_eq(b[60], 0xee);
}
END_TEST

START_TEST(build_single_options)
{
	static const struct {
		struct pmt_tcp_out_opts o;
		uint8_t len;
		uint8_t bytes[12];
	} cases[] = {
		{ { .opts = PMT_TO_MSS, .mss = 0x1234 }, 4,
		  { 0x02, 0x04, 0x12, 0x34 } },
		{ { .opts = PMT_TO_SACK_PERM }, 4,
		  { 0x01, 0x01, 0x04, 0x02 } },
		{ { .opts = PMT_TO_WSCALE, .wscale = 14 }, 4,
		  { 0x01, 0x03, 0x03, 0x0e } },
		/* RFC 7323 2.3: never offer more than 14. */
		{ { .opts = PMT_TO_WSCALE, .wscale = 200 }, 4,
		  { 0x01, 0x03, 0x03, 0x0e } },
		{ { .opts = PMT_TO_TS, .tsval = 0xa1b2c3d4,
		    .tsecr = 0x01020304 }, 12,
		  { 0x01, 0x01, 0x08, 0x0a, 0xa1, 0xb2, 0xc3, 0xd4,
		    0x01, 0x02, 0x03, 0x04 } },
		{ { .opts = PMT_TO_TS | PMT_TO_SACK_PERM, .tsval = 5 }, 12,
		  { 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x05,
		    0x00, 0x00, 0x00, 0x00 } },
	};
	uint8_t b[64];
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		memset(b, 0xee, sizeof(b));
		ck_assert_uint_eq(pmt_tcp_opts_len(&cases[i].o), cases[i].len);
		ck_assert_uint_eq(pmt_tcp_build(b, 1, 2, 3, 4, PMT_TH_SYN, 5,
						&cases[i].o),
				  20 + cases[i].len);
		ck_assert_uint_eq(b[12], (20 + cases[i].len) / 4 << 4);
		expect_bytes(b + 20, cases[i].bytes, cases[i].len);
		ck_assert_uint_eq(b[20 + cases[i].len], 0xee);
	}
}
END_TEST

/*
 * Every combination of options and block counts, against lengths worked
 * out by hand from the layout: MSS 4, TS 12 (SACKOK rides along), SACKOK
 * alone 4, WS 4, SACK 4 + 8n with n cut to what the 40 bytes hold.
 */
START_TEST(opts_len_every_combination)
{
	/* Indexed by MSS | WS << 1 | TS << 2 | SACK_PERM << 3. */
	static const uint8_t base[16] = {
		0, 4, 4, 8,		/* -, M, W, MW */
		12, 16, 16, 20,		/* T, MT, WT, MWT */
		4, 8, 8, 12,		/* P, MP, WP, MWP */
		12, 16, 16, 20,		/* TP, MTP, WTP, MWTP */
	};
	/* Blocks that fit after @base bytes: (40 - base - 4) / 8. */
	static const uint8_t fit[21] = {
		[0] = 4, [4] = 4, [8] = 3, [12] = 3, [16] = 2, [20] = 2,
	};
	struct pmt_tcp_out_opts o;
	uint8_t b[64];
	unsigned int m, n, idx, want;

	for (m = 0; m <= ALL_OPTS; m++) {
		for (n = 0; n <= PMT_TCP_MAX_SACK; n++) {
			memset(&o, 0, sizeof(o));
			o.opts = (uint8_t)m;
			o.n_sack = (uint8_t)n;
			idx = (m & PMT_TO_MSS ? 1 : 0) +
				(m & PMT_TO_WSCALE ? 2 : 0) +
				(m & PMT_TO_TS ? 4 : 0) +
				(m & PMT_TO_SACK_PERM ? 8 : 0);
			want = base[idx];
			if ((m & PMT_TO_SACK) && n > 0)
				want += 4 + 8 * (n < fit[base[idx]] ?
						 n : fit[base[idx]]);
			ck_assert_msg(pmt_tcp_opts_len(&o) == want,
				      "opts 0x%x n %u: %u, want %u", m, n,
				      pmt_tcp_opts_len(&o), want);
			ck_assert_uint_le(want, 40);
			ck_assert_uint_eq(pmt_tcp_build(b, 1, 2, 3, 4,
							PMT_TH_SYN, 5, &o),
					  20 + want);
		}
	}
}
END_TEST

/* ---- parse ---- */

START_TEST(parse_syn_all_options)
{
	struct pmt_tcp_seg s;

	ck_assert_int_eq(parse_exact(syn_all, sizeof(syn_all), &s),
			 PMT_TCP_OK);
	ck_assert_uint_eq(s.sport, 40000);
	ck_assert_uint_eq(s.dport, 80);
	ck_assert_uint_eq(s.seq, 0xfffffff0);
	ck_assert_uint_eq(s.ack, 0);
	ck_assert_uint_eq(s.flags, PMT_TH_SYN);
	ck_assert_uint_eq(s.wnd, 64240);
	ck_assert_uint_eq(s.payload_off, 40);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_uint_eq(s.opts, PMT_TO_MSS | PMT_TO_SACK_PERM | PMT_TO_TS |
			  PMT_TO_WSCALE);
	ck_assert_uint_eq(s.mss, 1460);
	ck_assert_uint_eq(s.wscale, 7);
	ck_assert_uint_eq(s.tsval, 0x01020304);
	ck_assert_uint_eq(s.tsecr, 0);
	ck_assert_uint_eq(s.n_sack, 0);
}
END_TEST

/* Byte 12's low nibble (reserved bits) is not part of the offset. */
START_TEST(parse_flags_and_reserved_bits)
{
	uint8_t b[24];
	struct pmt_tcp_seg s;

	mk_hdr(b, NULL, 0);
	b[12] = 0x5f;
	b[13] = 0xff;
	memcpy(b + 20, "data", 4);
	ck_assert_int_eq(parse_exact(b, 24, &s), PMT_TCP_OK);
	ck_assert_uint_eq(s.flags, 0xff);
	ck_assert_uint_eq(s.payload_off, 20);
	ck_assert_uint_eq(s.len, 4);
	ck_assert_uint_eq(s.opts, 0);
}
END_TEST

/* Expected result of parse(build(x)), worked out from the request. */
static void
round_trip_one(struct rng *r)
{
	uint8_t b[60 + 64];
	struct pmt_tcp_out_opts o;
	struct pmt_tcp_seg s;
	uint16_t sport = (uint16_t)rng_next(r), dport = (uint16_t)rng_next(r);
	uint32_t seq = (uint32_t)rng_next(r), ack = (uint32_t)rng_next(r);
	uint8_t flags = (uint8_t)rng_next(r);
	uint16_t wnd = (uint16_t)rng_next(r);
	uint32_t plen = rng_below(r, 65), hlen, base, fit, n, i;
	uint8_t want_opts;

	memset(&o, 0, sizeof(o));
	o.opts = (uint8_t)rng_below(r, ALL_OPTS + 1);
	o.mss = (uint16_t)rng_next(r);
	o.wscale = (uint8_t)(rng_below(r, 2) ? rng_below(r, 15) :
			     rng_next(r));
	o.tsval = (uint32_t)rng_next(r);
	o.tsecr = (uint32_t)rng_next(r);
	o.n_sack = (uint8_t)rng_below(r, PMT_TCP_MAX_SACK + 1);
	for (i = 0; i < PMT_TCP_MAX_SACK; i++) {
		o.sack[i].left = (uint32_t)rng_next(r);
		o.sack[i].right = (uint32_t)rng_next(r);
	}

	hlen = pmt_tcp_build(b, sport, dport, seq, ack, flags, wnd, &o);
	for (i = 0; i < plen; i++)
		b[hlen + i] = (uint8_t)rng_next(r);
	REQUIRE(hlen == 20u + pmt_tcp_opts_len(&o), "hlen %u", hlen);
	REQUIRE(pmt_tcp_parse(b, hlen + plen, &s) == PMT_TCP_OK,
		"opts 0x%x n %u: not OK", o.opts, o.n_sack);

	base = (o.opts & PMT_TO_MSS ? 4 : 0) +
		(o.opts & (PMT_TO_TS | PMT_TO_SACK_PERM) ? 4 : 0) +
		(o.opts & PMT_TO_TS ? 8 : 0) +
		(o.opts & PMT_TO_WSCALE ? 4 : 0);
	fit = (40 - base - 4) / 8;
	n = (o.opts & PMT_TO_SACK) ? (o.n_sack < fit ? o.n_sack : fit) : 0;
	want_opts = (uint8_t)(o.opts & ~(n == 0 ? PMT_TO_SACK : 0));

	REQUIRE(s.sport == sport && s.dport == dport, "ports");
	REQUIRE(s.seq == seq && s.ack == ack, "seq/ack");
	REQUIRE(s.flags == flags && s.wnd == wnd, "flags/wnd");
	REQUIRE(s.payload_off == hlen && s.len == plen, "off %u len %u",
		s.payload_off, s.len);
	REQUIRE(s.opts == want_opts, "opts 0x%x want 0x%x", s.opts,
		want_opts);
	if (o.opts & PMT_TO_MSS)
		REQUIRE(s.mss == o.mss, "mss");
	if (o.opts & PMT_TO_WSCALE)
		REQUIRE(s.wscale == (o.wscale > 14 ? 14 : o.wscale),
			"wscale %u from %u", s.wscale, o.wscale);
	if (o.opts & PMT_TO_TS)
		REQUIRE(s.tsval == o.tsval && s.tsecr == o.tsecr, "ts");
	REQUIRE(s.n_sack == n, "n_sack %u want %u", s.n_sack, n);
	for (i = 0; i < n; i++)
		REQUIRE(s.sack[i].left == o.sack[i].left &&
			s.sack[i].right == o.sack[i].right, "sack %u", i);
}

START_TEST(round_trip_random)
{
	struct rng r = { .s = 0x7c9a11 };
	int i;

	for (i = 0; i < 200000; i++)
		round_trip_one(&r);
}
END_TEST

/* ---- malformed ---- */

/* SYN with all options and a 5-byte payload, cut at every length. */
START_TEST(every_truncation)
{
	uint8_t b[45];
	struct pmt_tcp_seg s;
	uint32_t len;
	enum pmt_tcp_verdict v;

	memcpy(b, syn_all, 40);
	memcpy(b + 40, "abcde", 5);
	for (len = 0; len <= sizeof(b); len++) {
		v = parse_exact(b, len, &s);
		if (len < 20) {
			ck_assert_int_eq(v, PMT_TCP_SHORT);
		} else if (len < 40) {
			ck_assert_int_eq(v, PMT_TCP_BAD_OFF);
			/* Fixed fields are there for the drop counter's log. */
			ck_assert_uint_eq(s.sport, 40000);
			ck_assert_uint_eq(s.opts, 0);
		} else {
			ck_assert_int_eq(v, PMT_TCP_OK);
			ck_assert_uint_eq(s.payload_off, 40);
			ck_assert_uint_eq(s.len, len - 40);
			ck_assert_uint_eq(s.opts, PMT_TO_MSS | PMT_TO_TS |
					  PMT_TO_SACK_PERM | PMT_TO_WSCALE);
		}
	}
}
END_TEST

/*
 * The same options cut short by the data offset instead: whatever lies
 * wholly inside the header is kept; an option cut in two is BAD_OPT.
 */
START_TEST(every_option_truncation)
{
	static const struct {
		uint8_t off;
		enum pmt_tcp_verdict v;
		uint8_t opts;
	} cases[] = {
		{ 5, PMT_TCP_OK, 0 },
		{ 6, PMT_TCP_OK, PMT_TO_MSS },
		/* SACKOK whole, TS kind+len with 2 of its 10 bytes. */
		{ 7, PMT_TCP_BAD_OPT, PMT_TO_MSS | PMT_TO_SACK_PERM },
		{ 8, PMT_TCP_BAD_OPT, PMT_TO_MSS | PMT_TO_SACK_PERM },
		{ 9, PMT_TCP_OK, PMT_TO_MSS | PMT_TO_SACK_PERM | PMT_TO_TS },
		{ 10, PMT_TCP_OK, PMT_TO_MSS | PMT_TO_SACK_PERM | PMT_TO_TS |
		  PMT_TO_WSCALE },
	};
	uint8_t b[40];
	struct pmt_tcp_seg s;
	uint32_t lens[2], len;
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		memcpy(b, syn_all, sizeof(b));
		b[12] = (uint8_t)(cases[i].off << 4);
		/* Exactly the header; then with the rest as payload. */
		lens[0] = cases[i].off * 4u;
		lens[1] = sizeof(b);
		for (j = 0; j < ARRAY_LEN(lens); j++) {
			len = lens[j];
			ck_assert_int_eq(parse_exact(b, len, &s), cases[i].v);
			ck_assert_uint_eq(s.opts, cases[i].opts);
			ck_assert_uint_eq(s.payload_off, lens[0]);
			ck_assert_uint_eq(s.len, len - lens[0]);
		}
	}
}
END_TEST

START_TEST(offset_below_five)
{
	uint8_t b[60];
	struct pmt_tcp_seg s;
	uint8_t off;

	memset(b, 0, sizeof(b));
	mk_hdr(b, NULL, 0);
	for (off = 0; off < 5; off++) {
		b[12] = (uint8_t)(off << 4);
		ck_assert_int_eq(parse_exact(b, sizeof(b), &s),
				 PMT_TCP_BAD_OFF);
		ck_assert_uint_eq(s.payload_off, 0);
		ck_assert_uint_eq(s.len, 0);
	}
}
END_TEST

START_TEST(offset_beyond_len)
{
	uint8_t b[60];
	struct pmt_tcp_seg s;
	uint8_t off;

	/* All NOPs: any offset that fits is a valid header. */
	memset(b, 0x01, sizeof(b));
	mk_hdr(b, NULL, 0);
	for (off = 5; off <= 15; off++) {
		b[12] = (uint8_t)(off << 4);
		/* One byte short; at offset 5 that is below 20: SHORT. */
		ck_assert_int_eq(parse_exact(b, off * 4u - 1, &s),
				 off == 5 ? PMT_TCP_SHORT : PMT_TCP_BAD_OFF);
		ck_assert_int_eq(parse_exact(b, off * 4u, &s), PMT_TCP_OK);
		ck_assert_uint_eq(s.len, 0);
		ck_assert_uint_eq(s.opts, 0);
	}
}
END_TEST

/*
 * RFC 9293 3.1 (MUST-7): illegal lengths. An option that claims 0 or 1
 * bytes, or more than the header has left, ends parsing; options before
 * it are kept, options after it are not seen.
 */
START_TEST(option_length_zero_and_one)
{
	static const uint8_t kinds[] = { 0x08, 0x02, 0x05, 0xfe };
	uint8_t opt[20] = {
		0x02, 0x04, 0x05, 0xb4,		/* MSS 1460 */
		0xfe, 0x00, 0x00, 0x00,		/* kind, bad length, filler */
		0x01, 0x01, 0x08, 0x0a,		/* a valid TS: never reached */
		0, 0, 0, 1, 0, 0, 0, 2,
	};
	struct pmt_tcp_seg s;
	size_t k;
	uint8_t l;

	for (k = 0; k < ARRAY_LEN(kinds); k++) {
		for (l = 0; l < 2; l++) {
			opt[4] = kinds[k];
			opt[5] = l;
			ck_assert_int_eq(parse_opts_only(opt, sizeof(opt), &s),
					 PMT_TCP_BAD_OPT);
			ck_assert_uint_eq(s.opts, PMT_TO_MSS);
			ck_assert_uint_eq(s.mss, 1460);
			ck_assert_uint_eq(s.payload_off, 40);
		}
	}
}
END_TEST

START_TEST(option_runs_past_header)
{
	/* TS needs 10, 8 are left. */
	static const uint8_t ts_long[12] = {
		0x01, 0x03, 0x03, 0x05,		/* NOP WS 5 */
		0x08, 0x0a, 0, 0, 0, 1, 0, 2,
	};
	/* An unknown option claiming one byte more than there is. */
	static const uint8_t unk_long[8] = {
		0x01, 0x01, 0xfd, 0x07, 0, 0, 0, 0,
	};
	/* The last byte is a kind with no room for its length byte. */
	static const uint8_t no_len[4] = { 0x01, 0x01, 0x01, 0x02 };
	/* Payload bytes right after are no excuse to run on. */
	uint8_t b[60];
	struct pmt_tcp_seg s;
	uint32_t hlen;

	ck_assert_int_eq(parse_opts_only(ts_long, sizeof(ts_long), &s),
			 PMT_TCP_BAD_OPT);
	ck_assert_uint_eq(s.opts, PMT_TO_WSCALE);
	ck_assert_uint_eq(s.wscale, 5);
	ck_assert_int_eq(parse_opts_only(unk_long, sizeof(unk_long), &s),
			 PMT_TCP_BAD_OPT);
	ck_assert_uint_eq(s.opts, 0);
	ck_assert_int_eq(parse_opts_only(no_len, sizeof(no_len), &s),
			 PMT_TCP_BAD_OPT);
	ck_assert_uint_eq(s.opts, 0);

	hlen = mk_hdr(b, ts_long, sizeof(ts_long));
	memset(b + hlen, 0, sizeof(b) - hlen);
	ck_assert_int_eq(parse_exact(b, sizeof(b), &s), PMT_TCP_BAD_OPT);
	ck_assert_uint_eq(s.opts, PMT_TO_WSCALE);
	ck_assert_uint_eq(s.len, sizeof(b) - hlen);
}
END_TEST

/*
 * A known kind with the wrong length is skipped by its length, not
 * fatal: the options after it still count.
 */
START_TEST(known_kind_wrong_length)
{
	static const uint8_t mss3[16] = {
		0x02, 0x03, 0x05,		/* MSS, length 3 */
		0x01,
		0x08, 0x0a, 0, 0, 0, 9, 0, 0, 0, 8,	/* TS 9, 8 */
		0x01, 0x01,
	};
	static const uint8_t ws4[8] = {
		0x03, 0x04, 0x07, 0x00,		/* WS, length 4 */
		0x02, 0x04, 0x02, 0x18,		/* MSS 536 */
	};
	static const uint8_t ts9[12] = {
		0x08, 0x09, 1, 2, 3, 4, 5, 6, 7,	/* TS, length 9 */
		0x03, 0x03, 0x02,		/* WS 2 */
	};
	static const uint8_t sack11[12] = {
		0x05, 0x0b, 1, 2, 3, 4, 5, 6, 7, 8, 9,	/* SACK, length 11 */
		0x01,
	};
	static const uint8_t sack2[8] = {
		0x05, 0x02,			/* SACK with no block */
		0x04, 0x02,			/* SACKOK */
		0x01, 0x01, 0x01, 0x00,
	};
	static const uint8_t sackok3[4] = {
		0x04, 0x03, 0x00, 0x00,		/* SACKOK, length 3 */
	};
	struct pmt_tcp_seg s;

	ck_assert_int_eq(parse_opts_only(mss3, sizeof(mss3), &s), PMT_TCP_OK);
	ck_assert_uint_eq(s.opts, PMT_TO_TS);
	ck_assert_uint_eq(s.mss, 0);
	ck_assert_uint_eq(s.tsval, 9);
	ck_assert_uint_eq(s.tsecr, 8);

	ck_assert_int_eq(parse_opts_only(ws4, sizeof(ws4), &s), PMT_TCP_OK);
	ck_assert_uint_eq(s.opts, PMT_TO_MSS);
	ck_assert_uint_eq(s.mss, 536);
	ck_assert_uint_eq(s.wscale, 0);

	ck_assert_int_eq(parse_opts_only(ts9, sizeof(ts9), &s), PMT_TCP_OK);
	ck_assert_uint_eq(s.opts, PMT_TO_WSCALE);
	ck_assert_uint_eq(s.wscale, 2);
	ck_assert_uint_eq(s.tsval, 0);

	ck_assert_int_eq(parse_opts_only(sack11, sizeof(sack11), &s),
			 PMT_TCP_OK);
	ck_assert_uint_eq(s.opts, 0);
	ck_assert_uint_eq(s.n_sack, 0);

	ck_assert_int_eq(parse_opts_only(sack2, sizeof(sack2), &s),
			 PMT_TCP_OK);
	ck_assert_uint_eq(s.opts, PMT_TO_SACK_PERM);
	ck_assert_uint_eq(s.n_sack, 0);

	ck_assert_int_eq(parse_opts_only(sackok3, sizeof(sackok3), &s),
			 PMT_TCP_OK);
	ck_assert_uint_eq(s.opts, 0);
}
END_TEST

/*
 * RFC 2018 3: 40 bytes of option space hold at most 4 blocks (34
 * bytes). A SACK option of 2 + 8 * 5 = 42 bytes cannot fit in any
 * header, so it always runs past the header: BAD_OPT, nothing kept.
 */
START_TEST(sack_block_counts)
{
	uint8_t opt[40];
	struct pmt_tcp_seg s;
	uint32_t n, i;

	for (n = 1; n <= 4; n++) {
		memset(opt, 0x01, sizeof(opt));
		opt[2] = 0x05;
		opt[3] = (uint8_t)(2 + 8 * n);
		for (i = 0; i < 2 * n; i++) {
			opt[4 + 4 * i] = 0xa0;
			opt[5 + 4 * i] = 0;
			opt[6 + 4 * i] = 0;
			opt[7 + 4 * i] = (uint8_t)i;
		}
		ck_assert_int_eq(parse_opts_only(opt, sizeof(opt), &s),
				 PMT_TCP_OK);
		ck_assert_uint_eq(s.opts, PMT_TO_SACK);
		ck_assert_uint_eq(s.n_sack, n);
		for (i = 0; i < n; i++) {
			ck_assert_uint_eq(s.sack[i].left, 0xa0000000 + 2 * i);
			ck_assert_uint_eq(s.sack[i].right,
					  0xa0000000 + 2 * i + 1);
		}
	}

	/* Five blocks, with the whole 40 bytes and the payload after. */
	{
		uint8_t b[60 + 8];

		mk_hdr(b, NULL, 0);
		b[12] = 0xf0;
		b[20] = 0x05;
		b[21] = 2 + 8 * 5;
		memset(b + 22, 0x33, sizeof(b) - 22);
		ck_assert_int_eq(parse_exact(b, sizeof(b), &s),
				 PMT_TCP_BAD_OPT);
		ck_assert_uint_eq(s.opts, 0);
		ck_assert_uint_eq(s.n_sack, 0);
		ck_assert_uint_eq(s.len, 8);
	}
}
END_TEST

START_TEST(eol_in_the_middle)
{
	static const uint8_t opt[20] = {
		0x02, 0x04, 0x05, 0xb4,		/* MSS */
		0x00,				/* EOL: the rest is padding */
		0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2,	/* a TS to ignore */
		0xfe, 0x00,			/* and a bad length to ignore */
		0x03, 0x03, 0x09,
	};
	struct pmt_tcp_seg s;

	ck_assert_int_eq(parse_opts_only(opt, sizeof(opt), &s), PMT_TCP_OK);
	ck_assert_uint_eq(s.opts, PMT_TO_MSS);
	ck_assert_uint_eq(s.tsval, 0);
	ck_assert_uint_eq(s.wscale, 0);
	ck_assert_uint_eq(s.payload_off, 40);
}
END_TEST

/* RFC 9293 3.1 (MUST-6): unknown kinds are stepped over by length. */
START_TEST(unknown_kinds_skipped)
{
	static const uint8_t opt[36] = {
		0x1e, 0x04, 0x10, 0x81,			/* MPTCP */
		0x22, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8,	/* TFO cookie */
		0xfd, 0x02,				/* experimental */
		0x07, 0x03, 0x00,			/* kind 7, 3 bytes */
		0x02, 0x04, 0x23, 0x28,			/* MSS 9000 */
		0x08, 0x0a, 0x11, 0x22, 0x33, 0x44,	/* TS */
		0x55, 0x66, 0x77, 0x88,
		0x00, 0x00, 0x00,			/* EOL, padding */
	};
	struct pmt_tcp_seg s;

	ck_assert_int_eq(parse_opts_only(opt, sizeof(opt), &s), PMT_TCP_OK);
	ck_assert_uint_eq(s.opts, PMT_TO_MSS | PMT_TO_TS);
	ck_assert_uint_eq(s.mss, 9000);
	ck_assert_uint_eq(s.tsval, 0x11223344);
	ck_assert_uint_eq(s.tsecr, 0x55667788);
}
END_TEST

/* RFC 7323 2.3: a shift above 14 is used as 14. */
START_TEST(wscale_clamped)
{
	static const struct {
		uint8_t in;
		uint8_t out;
	} cases[] = { { 0, 0 }, { 7, 7 }, { 14, 14 }, { 15, 14 },
		      { 255, 14 } };
	uint8_t opt[4] = { 0x01, 0x03, 0x03, 0 };
	struct pmt_tcp_seg s;
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		opt[3] = cases[i].in;
		ck_assert_int_eq(parse_opts_only(opt, sizeof(opt), &s),
				 PMT_TCP_OK);
		ck_assert_uint_eq(s.opts, PMT_TO_WSCALE);
		ck_assert_uint_eq(s.wscale, cases[i].out);
	}
}
END_TEST

/* A kind seen twice: the later one wins. */
START_TEST(repeated_option_last_wins)
{
	static const uint8_t opt[8] = {
		0x02, 0x04, 0x05, 0xb4,
		0x02, 0x04, 0x02, 0x18,
	};
	struct pmt_tcp_seg s;

	ck_assert_int_eq(parse_opts_only(opt, sizeof(opt), &s), PMT_TCP_OK);
	ck_assert_uint_eq(s.mss, 536);
}
END_TEST

/* ---- fuzz ---- */

/*
 * An independent reading of the rules, written as a walk with an end
 * pointer, for the fuzz test to hold pmt_tcp_parse() to.
 */
static enum pmt_tcp_verdict
ref_parse(const uint8_t *b, uint32_t len, struct pmt_tcp_seg *s)
{
	const uint8_t *p, *end;
	uint32_t hlen, n, i;

	memset(s, 0, sizeof(*s));
	if (len < 20)
		return PMT_TCP_SHORT;
	s->sport = (uint16_t)(b[0] << 8 | b[1]);
	s->dport = (uint16_t)(b[2] << 8 | b[3]);
	s->seq = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 |
		(uint32_t)b[6] << 8 | b[7];
	s->ack = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 |
		(uint32_t)b[10] << 8 | b[11];
	s->flags = b[13];
	s->wnd = (uint16_t)(b[14] << 8 | b[15]);
	hlen = (b[12] >> 4) * 4u;
	if (hlen < 20 || hlen > len)
		return PMT_TCP_BAD_OFF;
	s->payload_off = (uint16_t)hlen;
	s->len = len - hlen;
	end = b + hlen;
	for (p = b + 20; p < end && *p != 0; ) {
		if (*p == 1) {
			p++;
			continue;
		}
		if (end - p < 2 || p[1] < 2 || p[1] > end - p)
			return PMT_TCP_BAD_OPT;
		if (p[0] == 2 && p[1] == 4) {
			s->opts |= PMT_TO_MSS;
			s->mss = (uint16_t)(p[2] << 8 | p[3]);
		} else if (p[0] == 3 && p[1] == 3) {
			s->opts |= PMT_TO_WSCALE;
			s->wscale = p[2] > 14 ? 14 : p[2];
		} else if (p[0] == 4 && p[1] == 2) {
			s->opts |= PMT_TO_SACK_PERM;
		} else if (p[0] == 8 && p[1] == 10) {
			s->opts |= PMT_TO_TS;
			s->tsval = (uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 |
				(uint32_t)p[4] << 8 | p[5];
			s->tsecr = (uint32_t)p[6] << 24 | (uint32_t)p[7] << 16 |
				(uint32_t)p[8] << 8 | p[9];
		} else if (p[0] == 5 && p[1] % 8 == 2 && p[1] >= 10) {
			n = (p[1] - 2u) / 8;
			s->opts |= PMT_TO_SACK;
			s->n_sack = (uint8_t)(n > 4 ? 4 : n);
			for (i = 0; i < s->n_sack; i++) {
				const uint8_t *q = p + 2 + 8 * i;

				s->sack[i].left = (uint32_t)q[0] << 24 |
					(uint32_t)q[1] << 16 |
					(uint32_t)q[2] << 8 | q[3];
				s->sack[i].right = (uint32_t)q[4] << 24 |
					(uint32_t)q[5] << 16 |
					(uint32_t)q[6] << 8 | q[7];
			}
		}
		p += p[1];
	}
	return PMT_TCP_OK;
}

static void
fuzz_fill(struct rng *r, uint8_t *b, uint32_t len)
{
	/* Kinds and lengths near the edges the parser has to get right. */
	static const uint8_t kinds[] = { 0, 1, 1, 2, 3, 4, 5, 5, 8, 8, 30, 254 };
	static const uint8_t lens[] = { 0, 1, 2, 3, 4, 9, 10, 11, 18, 26, 34,
					42, 255 };
	uint32_t i, mode = rng_below(r, 3), off;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)rng_next(r);
	if (mode == 0 || len < 20)
		return;			/* pure noise */
	/* A data offset that fits, so the options get walked. */
	off = 5 + rng_below(r, (len < 60 ? len : 60) / 4 - 4);
	b[12] = (uint8_t)(off << 4 | (b[12] & 0x0f));
	if (mode == 1)
		return;
	/* A soup of plausible options. */
	for (i = 20; i < len; ) {
		b[i++] = kinds[rng_below(r, ARRAY_LEN(kinds))];
		if (i < len && rng_below(r, 4) != 0)
			b[i++] = lens[rng_below(r, ARRAY_LEN(lens))];
		i += rng_below(r, 9);
	}
}

START_TEST(fuzz_random_buffers)
{
	struct rng r = { .s = 0xf022 };
	uint8_t b[80];
	struct pmt_tcp_seg got, want;
	uint32_t counts[4] = { 0 };
	enum pmt_tcp_verdict v, rv;
	uint32_t len, i;
	int iter;

	for (iter = 0; iter < 200000; iter++) {
		len = rng_below(&r, 81);
		fuzz_fill(&r, b, len);
		/* Poison the struct: parse must set every field. */
		memset(&got, 0xa5, sizeof(got));
		v = parse_exact(b, len, &got);
		rv = ref_parse(b, len, &want);
		REQUIRE(v == rv, "iter %d len %u: verdict %d, ref %d",
			iter, len, v, rv);
		REQUIRE(memcmp(&got, &want, sizeof(got)) == 0,
			"iter %d len %u: seg differs from ref", iter, len);
		REQUIRE(got.n_sack <= PMT_TCP_MAX_SACK, "n_sack");
		REQUIRE(got.wscale <= PMT_TCP_MAX_WSCALE, "wscale");
		REQUIRE((got.opts & ~ALL_OPTS) == 0, "opts");
		if (v == PMT_TCP_OK || v == PMT_TCP_BAD_OPT)
			REQUIRE(got.payload_off + got.len == len &&
				got.payload_off >= 20 && got.payload_off <= 60,
				"off %u len %u of %u", got.payload_off,
				got.len, len);
		counts[v]++;
	}
	/* Each verdict seen often enough to mean something. */
	for (i = 0; i < ARRAY_LEN(counts); i++)
		ck_assert_msg(counts[i] > 10000, "verdict %u seen %u times",
			      i, counts[i]);
}
END_TEST

/* ---- checksum ---- */

/*
 * Reference packets written by scapy 2.5.0 (/usr/bin/python3):
 *   IP(src="192.0.2.1", dst="198.51.100.7")/TCP(sport=40000, dport=80,
 *     seq=0xfffffff0, flags="S", window=64240, options=[("MSS",1460),
 *     ("SAckOK",b""), ("Timestamp",(0x01020304,0)), ("NOP",None),
 *     ("WScale",7)])
 * and an odd-length data segment:
 *   IP(src="10.1.2.3", dst="10.9.8.7")/TCP(sport=443, dport=51234,
 *     seq=0x7ffffffe, ack=0xdeadbeef, flags="PA", window=501,
 *     options=[("NOP",None), ("NOP",None),
 *     ("Timestamp",(0xcafef00d,0x12345678))])/Raw(b"hello, world!")
 */
static const uint8_t ref_syn_ip[20] = {
	0x45, 0x00, 0x00, 0x3c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06,
	0x8e, 0x7f, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
};

static const uint8_t ref_syn_tcp[40] = {
	0x9c, 0x40, 0x00, 0x50, 0xff, 0xff, 0xff, 0xf0, 0x00, 0x00,
	0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xc0, 0x4b, 0x00, 0x00,
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x01, 0x02,
	0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

static const uint8_t ref_data_ip[20] = {
	0x45, 0x00, 0x00, 0x41, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06,
	0x5c, 0xa3, 0x0a, 0x01, 0x02, 0x03, 0x0a, 0x09, 0x08, 0x07,
};

static const uint8_t ref_data_tcp[45] = {
	0x01, 0xbb, 0xc8, 0x22, 0x7f, 0xff, 0xff, 0xfe, 0xde, 0xad,
	0xbe, 0xef, 0x80, 0x18, 0x01, 0xf5, 0xea, 0x20, 0x00, 0x00,
	0x01, 0x01, 0x08, 0x0a, 0xca, 0xfe, 0xf0, 0x0d, 0x12, 0x34,
	0x56, 0x78, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x77,
	0x6f, 0x72, 0x6c, 0x64, 0x21,
};

static void
cksum_matches_reference(const uint8_t *ip_bytes, const uint8_t *tcp_ref,
			uint32_t tcp_len)
{
	struct rte_ipv4_hdr ip;
	uint8_t t[64];
	uint16_t c;
	uint32_t bit;

	memcpy(&ip, ip_bytes, sizeof(ip));
	ck_assert(pmt_tcp_cksum_ok(&ip, tcp_ref, tcp_len));

	memcpy(t, tcp_ref, tcp_len);
	t[16] = t[17] = 0;
	c = pmt_tcp_cksum(&ip, t, tcp_len);
	memcpy(t + 16, &c, sizeof(c));
	expect_bytes(t, tcp_ref, tcp_len);

	/* Every single-bit error in the segment is caught... */
	for (bit = 0; bit < tcp_len * 8; bit++) {
		t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ck_assert_msg(!pmt_tcp_cksum_ok(&ip, t, tcp_len), "bit %u",
			      bit);
		t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* ...and in the pseudo-header's addresses and length... */
	for (bit = 0; bit < 64; bit++) {
		uint8_t *a = (uint8_t *)&ip.src_addr;

		a[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ck_assert_msg(!pmt_tcp_cksum_ok(&ip, t, tcp_len),
			      "addr bit %u", bit);
		a[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	ck_assert(!pmt_tcp_cksum_ok(&ip, t, tcp_len - 1));
	/* ...but the IP header's other fields are not covered. */
	ip.total_length ^= 0x0100;
	ip.time_to_live = 1;
	ip.hdr_checksum = 0;
	ck_assert(pmt_tcp_cksum_ok(&ip, t, tcp_len));
}

START_TEST(cksum_syn_reference)
{
	uint8_t b[40];
	uint16_t c;
	struct rte_ipv4_hdr ip;

	cksum_matches_reference(ref_syn_ip, ref_syn_tcp, sizeof(ref_syn_tcp));

	/* scapy lays the options out as we do: build, sum, same bytes. */
	memcpy(&ip, ref_syn_ip, sizeof(ip));
	pmt_tcp_build(b, 40000, 80, 0xfffffff0, 0, PMT_TH_SYN, 64240,
		      &syn_all_opts);
	c = pmt_tcp_cksum(&ip, b, sizeof(b));
	memcpy(b + 16, &c, sizeof(c));
	expect_bytes(b, ref_syn_tcp, sizeof(ref_syn_tcp));
}
END_TEST

START_TEST(cksum_odd_length_reference)
{
	cksum_matches_reference(ref_data_ip, ref_data_tcp,
				sizeof(ref_data_tcp));
}
END_TEST

/* RFC 1071 4.1, byte by byte and big-endian: no shortcuts shared. */
static uint16_t
rfc1071_cksum(const uint8_t *ip_addrs, const uint8_t *t, uint32_t len)
{
	uint32_t sum = 0, i;

	for (i = 0; i < 8; i += 2)
		sum += (uint32_t)ip_addrs[i] << 8 | ip_addrs[i + 1];
	sum += 6 + len;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)t[i] << 8 | t[i + 1];
	if (len & 1)
		sum += (uint32_t)t[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * A segment cut into pieces of odd lengths at odd offsets (what the
 * segmenter makes of a send queue) sums like the same bytes in one
 * piece. DPDK 22.11's own chain checksum fails this; ours must not.
 */
START_TEST(cksum_mbuf_odd_pieces)
{
	static uint8_t lin[1600], bufs[8][2048];
	struct rte_mbuf segs[8];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)lin;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int trial;

	for (trial = 0; trial < 2000; trial++) {
		uint32_t total = 20 + 32 + (uint32_t)(trial % 1449), cut, o = 0;
		unsigned int n = 0, i;

		for (i = 0; i < total; i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			lin[i] = (uint8_t)x;
		}
		ip->src_addr = 0x0112c6c6;
		ip->dst_addr = 0x0212c6c6;
		memset(lin + 20 + 16, 0, 2);	/* the checksum field */
		memset(segs, 0, sizeof(segs));
		/* First piece: the headers; then random odd and even cuts. */
		cut = 52;
		while (o < total) {
			struct rte_mbuf *s = &segs[n];
			uint32_t len = RTE_MIN(cut, total - o);
			uint16_t shift = (uint16_t)(x & 7);

			s->buf_addr = bufs[n];
			s->data_off = shift;
			s->data_len = (uint16_t)len;
			memcpy(bufs[n] + shift, lin + o, len);
			if (n > 0)
				segs[n - 1].next = s;
			o += len;
			n++;
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			/* The eighth piece takes the rest. */
			cut = n == 7 ? total : 1 + (uint32_t)(x % 700);
		}
		segs[0].pkt_len = total;
		segs[0].nb_segs = (uint16_t)n;
		ck_assert_uint_eq(pmt_tcp_cksum_mbuf(ip, &segs[0], 20),
				  pmt_tcp_cksum(ip, lin + 20, total - 20));
	}
}
END_TEST

START_TEST(cksum_random_vs_rfc1071)
{
	struct rng r = { .s = 0xc5c5 };
	struct rte_ipv4_hdr ip;
	uint8_t t[1500];
	uint32_t len, i;
	uint16_t c, want;
	int iter;

	memset(&ip, 0, sizeof(ip));
	for (iter = 0; iter < 2000; iter++) {
		uint8_t *a = (uint8_t *)&ip.src_addr;

		for (i = 0; i < 8; i++)
			a[i] = (uint8_t)rng_next(&r);
		len = 20 + rng_below(&r, sizeof(t) - 19);
		for (i = 0; i < len; i++)
			t[i] = (uint8_t)rng_next(&r);
		t[16] = t[17] = 0;
		c = pmt_tcp_cksum(&ip, t, len);
		want = rfc1071_cksum(a, t, len);
		memcpy(t + 16, &c, sizeof(c));
		REQUIRE(t[16] == want >> 8 && t[17] == (want & 0xff),
			"len %u: %02x%02x want %04x", len, t[16], t[17], want);
		REQUIRE(pmt_tcp_cksum_ok(&ip, t, len), "len %u not ok", len);
	}
}
END_TEST

/* ---- sequence numbers (RFC 9293 3.4) ---- */

START_TEST(seq_across_wrap)
{
	struct rng r = { .s = 0x5e9 };
	uint32_t a, d;
	int i;

	ck_assert(pmt_seq_lt(0xfffffff0, 0x10));
	ck_assert(pmt_seq_gt(0x10, 0xfffffff0));
	ck_assert(!pmt_seq_lt(0x10, 0xfffffff0));
	ck_assert(pmt_seq_lt(0xffffffff, 0));
	ck_assert(pmt_seq_gt(0, 0xffffffff));
	ck_assert(pmt_seq_leq(0xffffffff, 0xffffffff));
	ck_assert(pmt_seq_geq(0, 0));
	ck_assert(!pmt_seq_lt(7, 7) && !pmt_seq_gt(7, 7));
	ck_assert(pmt_seq_leq(0xfffffffe, 1) && !pmt_seq_geq(0xfffffffe, 1));
	/* Up to 2^31 - 1 ahead is "later", wherever the pair sits. */
	ck_assert(pmt_seq_lt(0x80000000, 0xffffffff));
	ck_assert(pmt_seq_lt(0xc0000000, 0x3fffffff));
	ck_assert(pmt_seq_gt(0x3fffffff, 0xc0000000));

	for (i = 0; i < 100000; i++) {
		a = (uint32_t)rng_next(&r);
		/* Ahead by 1 .. 2^31 - 1, half the time a short step. */
		d = 1 + (i & 1 ? rng_below(&r, 1000) :
			 rng_below(&r, 0x7fffffff));
		REQUIRE(pmt_seq_lt(a, a + d) && pmt_seq_leq(a, a + d),
			"%08x < %08x", a, a + d);
		REQUIRE(pmt_seq_gt(a + d, a) && pmt_seq_geq(a + d, a),
			"%08x > %08x", a + d, a);
		REQUIRE(!pmt_seq_lt(a + d, a) && !pmt_seq_geq(a, a + d),
			"not %08x < %08x", a + d, a);
		REQUIRE(pmt_seq_leq(a, a) && pmt_seq_geq(a, a), "eq");
	}
}
END_TEST

static Suite *
tcp_wire_suite(void)
{
	Suite *s = suite_create("tcp_wire");
	TCase *tc;

	tc = tcase_create("build");
	tcase_add_test(tc, build_syn_all_options);
	tcase_add_test(tc, build_data_with_ts);
	tcase_add_test(tc, build_pure_ack);
	tcase_add_test(tc, build_one_sack_block);
	tcase_add_test(tc, build_four_sack_blocks);
	tcase_add_test(tc, build_single_options);
	tcase_add_test(tc, opts_len_every_combination);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, parse_syn_all_options);
	tcase_add_test(tc, parse_flags_and_reserved_bits);
	tcase_add_test(tc, round_trip_random);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_test(tc, every_truncation);
	tcase_add_test(tc, every_option_truncation);
	tcase_add_test(tc, offset_below_five);
	tcase_add_test(tc, offset_beyond_len);
	tcase_add_test(tc, option_length_zero_and_one);
	tcase_add_test(tc, option_runs_past_header);
	tcase_add_test(tc, known_kind_wrong_length);
	tcase_add_test(tc, sack_block_counts);
	tcase_add_test(tc, eol_in_the_middle);
	tcase_add_test(tc, unknown_kinds_skipped);
	tcase_add_test(tc, wscale_clamped);
	tcase_add_test(tc, repeated_option_last_wins);
	suite_add_tcase(s, tc);

	tc = tcase_create("fuzz");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fuzz_random_buffers);
	suite_add_tcase(s, tc);

	tc = tcase_create("cksum");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, cksum_syn_reference);
	tcase_add_test(tc, cksum_odd_length_reference);
	tcase_add_test(tc, cksum_random_vs_rfc1071);
	tcase_add_test(tc, cksum_mbuf_odd_pieces);
	suite_add_tcase(s, tc);

	tc = tcase_create("seq");
	tcase_add_test(tc, seq_across_wrap);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tcp_wire_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
