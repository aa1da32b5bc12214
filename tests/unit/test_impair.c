/* test_impair.c: the impairment stage: spec grammar, seeded decisions, each impairment's effect, and the stack seeing it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_lcore.h>

#include "engine/pmt_impair.h"
#include "tstack.h"

/* Exact counts of the seeded runs below: a change of generator shows. */
#define IMPAIR_LOSS_SEED11 1025
#define IMPAIR_GE_SEED5 3791
#define IMPAIR_DUP_SEED9 1987

/* ---- the spec grammar ---- */

START_TEST(parse_good_specs)
{
	struct pmt_impair_spec sp;
	char err[200] = "";

	ck_assert_int_eq(pmt_impair_parse("loss=1%,burst=0.5%/30%/50%,reorder=5%/16,"
					  "dup=2%,corrupt=0.5%,delay=2ms,jitter=1ms,"
					  "rate=100mbit", &sp, err, sizeof(err)), 0);
	ck_assert_uint_eq(sp.loss_ppm, 10000);
	ck_assert_uint_eq(sp.ge_p_ppm, 5000);
	ck_assert_uint_eq(sp.ge_r_ppm, 300000);
	ck_assert_uint_eq(sp.ge_bad_loss_ppm, 500000);
	ck_assert_uint_eq(sp.ge_good_loss_ppm, 0);
	ck_assert_uint_eq(sp.reorder_ppm, 50000);
	ck_assert_uint_eq(sp.reorder_max, 16);
	ck_assert_uint_eq(sp.reorder_timeout_us, 10000);
	ck_assert_uint_eq(sp.dup_ppm, 20000);
	ck_assert_uint_eq(sp.corrupt_ppm, 5000);
	ck_assert_uint_eq(sp.delay_us, 2000);
	ck_assert_uint_eq(sp.jitter_us, 1000);
	ck_assert_uint_eq(sp.rate_bps, 12500000);
	ck_assert_uint_eq(sp.rate_burst, 62500);	/* 5 ms of it */
	ck_assert_uint_eq(sp.queue, 1024);
	ck_assert(pmt_impair_spec_on(&sp));

	ck_assert_int_eq(pmt_impair_parse("burst=1%/25%/100%/0.1%,reorder=1%/64/500us,"
					  "delay=1.5s,rate=10mbps/2000,queue=7,"
					  "loss=0.0001%", &sp, err, sizeof(err)), 0);
	ck_assert_uint_eq(sp.ge_good_loss_ppm, 1000);
	ck_assert_uint_eq(sp.ge_r_ppm, 250000);
	ck_assert_uint_eq(sp.ge_r_us, 0);
	ck_assert_uint_eq(sp.reorder_max, 64);
	ck_assert_uint_eq(sp.reorder_timeout_us, 500);
	ck_assert_uint_eq(sp.delay_us, 1500000);
	ck_assert_uint_eq(sp.rate_bps, 10000000);
	ck_assert_uint_eq(sp.rate_burst, 2000);
	ck_assert_uint_eq(sp.queue, 7);
	ck_assert_uint_eq(sp.loss_ppm, 1);
	ck_assert_uint_eq(sp.spare, 0);
	ck_assert_int_eq(pmt_impair_parse("loss=5%,spare=syn", &sp, err,
					  sizeof(err)), 0);
	ck_assert_uint_eq(sp.spare, PMT_IMPAIR_SPARE_SYN);
	ck_assert_uint_eq(sp.loss_ppm, 50000);
	ck_assert_int_eq(pmt_impair_parse("spare=arp/syn", &sp, err,
					  sizeof(err)), 0);
	ck_assert_uint_eq(sp.spare, PMT_IMPAIR_SPARE_SYN | PMT_IMPAIR_SPARE_ARP);
	/* Sparing alone impairs nothing. */
	ck_assert_int_eq(pmt_impair_parse("spare=syn", &sp, err, sizeof(err)), 0);
	ck_assert(!pmt_impair_spec_on(&sp));
	/* Small rates keep a bucket that holds a jumbo frame. */
	ck_assert_int_eq(pmt_impair_parse("rate=64kbit", &sp, err, sizeof(err)), 0);
	ck_assert_uint_eq(sp.rate_bps, 8000);
	ck_assert_uint_eq(sp.rate_burst, 16384);
	ck_assert_int_eq(pmt_impair_parse("loss=100%", &sp, err, sizeof(err)), 0);
	ck_assert_uint_eq(sp.loss_ppm, 1000000);
	ck_assert_int_eq(pmt_impair_parse("off", &sp, err, sizeof(err)), 0);
	ck_assert(!pmt_impair_spec_on(&sp));
}
END_TEST

static const struct {
	const char *spec;
	const char *mention;
} bad_specs[] = {
	{ "", "empty" },
	{ "loss", "'loss'" },
	{ "loss=abc", "'loss=abc'" },
	{ "loss=1", "'loss=1'" },
	{ "loss=101%", "'loss=101%'" },
	{ "loss=-1%", "'loss=-1%'" },
	{ "loss=1.00001%", "'loss=1.00001%'" },
	{ "loss=.5%", "'loss=.5%'" },
	{ "bogus=1%", "unknown impairment" },
	{ "loss=1%,loss=2%", "given twice" },
	{ "loss=1%,", "ends with a comma" },
	{ "loss=1%,,dup=1%", "KEY=VALUE" },
	{ "burst=1%", "'burst=1%'" },
	{ "burst=0%/10%", "above 0" },
	{ "burst=1%/0us", "above 0" },
	{ "burst=1%/10", "'burst=1%/10'" },
	{ "burst=1%/11s", "'burst=1%/11s'" },
	{ "burst=1%/2%/3%/4%/5%", "'burst=1%/2%/3%/4%/5%'" },
	{ "reorder=5%", "'reorder=5%'" },
	{ "reorder=5%/0", "'reorder=5%/0'" },
	{ "reorder=5%/65", "1..64" },
	{ "reorder=5%/4/0ms", "'reorder=5%/4/0ms'" },
	{ "dup=x", "'dup=x'" },
	{ "corrupt=2", "'corrupt=2'" },
	{ "delay=2", "'delay=2'" },
	{ "delay=2h", "'delay=2h'" },
	{ "delay=11s", "at most 10s" },
	{ "jitter=1msx", "'jitter=1msx'" },
	{ "rate=100", "'rate=100'" },
	{ "rate=0bit", "'rate=0bit'" },
	{ "rate=1mbit/10", "'rate=1mbit/10'" },
	{ "queue=0", "'queue=0'" },
	{ "queue=70000", "'queue=70000'" },
	{ "delay=2ms,loss=1%,dup=3", "'dup=3'" },
	{ "spare=ack", "'spare=ack'" },
	{ "spare=syn/arp/syn", "'spare=syn/arp/syn'" },
	{ "spare=", "'spare='" },
	{ "spare=syn,spare=syn", "given twice" },
};

START_TEST(parse_bad_specs)
{
	struct pmt_impair_spec sp;
	char err[200] = "";
	int i = _i;

	ck_assert_msg(pmt_impair_parse(bad_specs[i].spec, &sp, err, sizeof(err)) ==
		      -EINVAL, "'%s' accepted", bad_specs[i].spec);
	ck_assert_msg(strstr(err, bad_specs[i].mention) != NULL,
		      "'%s': error '%s' does not mention '%s'",
		      bad_specs[i].spec, err, bad_specs[i].mention);
}
END_TEST

START_TEST(config_keys_by_port)
{
	struct pmt_config cfg;
	char err[256] = "";
	unsigned int p;

	pmt_config_defaults(&cfg);
	ck_assert_uint_eq(cfg.impair_seed, 1);
	for (p = 0; p < PMT_MAX_PORTS; p++)
		ck_assert(!pmt_impair_spec_on(&cfg.impair[p][PMT_IMPAIR_RX]) &&
			  !pmt_impair_spec_on(&cfg.impair[p][PMT_IMPAIR_TX]));
	ck_assert_int_eq(pmt_config_set(&cfg, NULL, "impair-rx", "loss=1%",
					err, sizeof(err)), 0);
	for (p = 0; p < PMT_MAX_PORTS; p++)
		ck_assert_uint_eq(cfg.impair[p][PMT_IMPAIR_RX].loss_ppm, 10000);
	/* A port prefix, a [portN] key and the generator's form. */
	ck_assert_int_eq(pmt_config_set(&cfg, NULL, "impair-rx", "1:dup=1%",
					err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.impair[1][PMT_IMPAIR_RX].loss_ppm, 0);
	ck_assert_uint_eq(cfg.impair[1][PMT_IMPAIR_RX].dup_ppm, 10000);
	ck_assert_uint_eq(cfg.impair[0][PMT_IMPAIR_RX].loss_ppm, 10000);
	ck_assert_int_eq(pmt_config_set(&cfg, "port2", "impair-tx", "delay=1ms",
					err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.impair[2][PMT_IMPAIR_TX].delay_us, 1000);
	ck_assert(!pmt_impair_spec_on(&cfg.impair[3][PMT_IMPAIR_TX]));
	ck_assert_int_eq(pmt_config_set(&cfg, NULL, "impair", "tx:3:corrupt=1%",
					err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.impair[3][PMT_IMPAIR_TX].corrupt_ppm, 10000);
	ck_assert_int_eq(pmt_config_set(&cfg, NULL, "impair", "rx:off",
					err, sizeof(err)), 0);
	ck_assert(!pmt_impair_spec_on(&cfg.impair[1][PMT_IMPAIR_RX]));
	ck_assert_int_eq(pmt_config_set(&cfg, NULL, "impair-seed", "42",
					err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.impair_seed, 42);

	ck_assert_int_eq(pmt_config_set(&cfg, NULL, "impair-rx", "9:loss=1%",
					err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "port 9"));
	ck_assert_int_eq(pmt_config_set(&cfg, NULL, "impair", "up:loss=1%",
					err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "rx:SPEC"));
	ck_assert_int_eq(pmt_config_set(&cfg, NULL, "impair", "rx:loss=2",
					err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "'loss=2'"));
	ck_assert_int_eq(pmt_config_set(&cfg, NULL, "impair-seed", "x",
					err, sizeof(err)), -EINVAL);
}
END_TEST

/* ---- the stage alone, on a pool of its own ---- */

static struct rte_mempool *pool;
static struct pmt_stats stats;

static void
stage_setup(void)
{
	if (pool == NULL)
		pool = rte_pktmbuf_pool_create("imp_pool", 8191, 0, 0,
					       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	ck_assert_ptr_nonnull(pool);
	memset(&stats, 0, sizeof(stats));
}

static void
stage_teardown(void)
{
	/* Every mbuf back: what the stage held it freed at its end. */
	ck_assert_uint_eq(rte_mempool_in_use_count(pool), 0);
}

static struct pmt_impair *
stage(const char *spec, unsigned int dir, uint64_t seed)
{
	struct pmt_impair_spec sp;
	struct pmt_impair *s;
	char err[200];

	ck_assert_msg(pmt_impair_parse(spec, &sp, err, sizeof(err)) == 0,
		      "%s", err);
	s = pmt_impair_create(&sp, dir, seed, pool, &stats, 0);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* A non-IP frame of @len bytes numbered @seq. */
static struct rte_mbuf *
pkt(uint32_t seq, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(rte_pktmbuf_append(m, len));
	memset(rte_pktmbuf_mtod(m, void *), 0, len);
	memcpy(rte_pktmbuf_mtod(m, uint8_t *) + 16, &seq, sizeof(seq));
	return m;
}

static uint32_t
seq_of(struct rte_mbuf *m)
{
	uint32_t seq;

	memcpy(&seq, rte_pktmbuf_mtod(m, uint8_t *) + 16, sizeof(seq));
	return seq;
}

/* Take everything ready at @now: their numbers into @out (may be NULL). */
static unsigned int
drain(struct pmt_impair *s, uint64_t now, uint32_t *out, unsigned int cap)
{
	struct rte_mbuf **p;
	unsigned int k, i, n = 0;

	while ((k = pmt_impair_ready(s, now, &p)) > 0) {
		for (i = 0; i < k; i++) {
			if (out != NULL) {
				ck_assert_uint_lt(n, cap);
				out[n] = seq_of(p[i]);
			}
			n++;
			rte_pktmbuf_free(p[i]);
		}
		pmt_impair_consume(s, k);
	}
	return n;
}

/* Push @n numbered packets in bursts of 32 at @now; returns what came out. */
static unsigned int
run(struct pmt_impair *s, uint32_t first, unsigned int n, uint64_t now,
    uint32_t *out, unsigned int cap)
{
	struct rte_mbuf *b[32];
	unsigned int i, k, got = 0;

	for (i = 0; i < n; i += k) {
		k = RTE_MIN(32u, n - i);
		for (unsigned int j = 0; j < k; j++)
			b[j] = pkt(first + i + j, 64);
		pmt_impair_push(s, b, k, now);
		got += drain(s, now, out ? out + got : NULL, cap - got);
	}
	return got;
}

/* An Ethernet/IPv4/TCP frame with @flags, numbered as pkt() does. */
static struct rte_mbuf *
tcp_pkt(uint32_t seq, uint8_t flags)
{
	struct rte_mbuf *m = pkt(seq, 64);
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);

	/* The number sits in the IP header's id/fragment bytes (16..19). */
	f[12] = 0x08;			/* ethertype IPv4 */
	f[13] = 0x00;
	f[14] = 0x45;			/* version 4, 20-byte header */
	f[23] = 6;			/* TCP */
	f[14 + 20 + 13] = flags;
	return m;
}

/* An ARP frame numbered as pkt() does. */
static struct rte_mbuf *
arp_pkt(uint32_t seq)
{
	struct rte_mbuf *m = pkt(seq, 64);
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);

	f[12] = 0x08;
	f[13] = 0x06;
	return m;
}

/* What of SYN, SYN-ACK, ACK, FIN-ACK, non-IP, ARP passes loss=100%. */
static void
spare_case(const char *spec, uint32_t want_mask, uint64_t want_spared)
{
	struct pmt_impair *s = stage(spec, PMT_IMPAIR_RX, 3);
	struct rte_mbuf *b[6];
	uint32_t out[6];
	unsigned int n, i, k = 0;

	b[0] = tcp_pkt(0, RTE_TCP_SYN_FLAG);
	b[1] = tcp_pkt(1, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	b[2] = tcp_pkt(2, RTE_TCP_ACK_FLAG);
	b[3] = tcp_pkt(3, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG);
	b[4] = pkt(4, 64);		/* not IP, not ARP */
	b[5] = arp_pkt(5);
	pmt_impair_push(s, b, 6, 1000);
	n = drain(s, 1000, out, 6);
	for (i = 0; i < 6; i++)
		if (want_mask & (1u << i)) {
			ck_assert_uint_lt(k, n);
			ck_assert_uint_eq(out[k++], i);
		}
	ck_assert_uint_eq(n, k);
	ck_assert_uint_eq(stats.impair_rx_spared, want_spared);
	ck_assert_uint_eq(stats.impair_rx_dropped, 6 - want_spared);
	pmt_impair_free(s);
}

START_TEST(spare_keeps_handshakes_and_arp_whole)
{
	spare_case("loss=100%,spare=syn", 0x03, 2);
	memset(&stats, 0, sizeof(stats));
	spare_case("loss=100%,spare=arp", 0x20, 1);
	memset(&stats, 0, sizeof(stats));
	spare_case("loss=100%,spare=syn/arp", 0x23, 3);
}
END_TEST

START_TEST(rng_is_deterministic)
{
	struct pmt_rng a, b, c;
	unsigned int i, same = 0;

	pmt_rng_seed(&a, 7);
	pmt_rng_seed(&b, 7);
	pmt_rng_seed(&c, 8);
	for (i = 0; i < 10000; i++) {
		uint64_t x = pmt_rng_next(&a);

		ck_assert_uint_eq(x, pmt_rng_next(&b));
		same += x == pmt_rng_next(&c);
	}
	ck_assert_uint_eq(same, 0);
	/* Each input of the seed counts. */
	ck_assert_uint_ne(pmt_impair_seed(1, 0, 0, 0), pmt_impair_seed(2, 0, 0, 0));
	ck_assert_uint_ne(pmt_impair_seed(1, 0, 0, 0), pmt_impair_seed(1, 1, 0, 0));
	ck_assert_uint_ne(pmt_impair_seed(1, 0, 0, 0), pmt_impair_seed(1, 0, 1, 0));
	ck_assert_uint_ne(pmt_impair_seed(1, 0, 0, 0), pmt_impair_seed(1, 0, 0, 1));
	ck_assert_uint_eq(pmt_impair_seed(1, 2, 1, 3), pmt_impair_seed(1, 2, 1, 3));
	/* Uniform draws stay in range. */
	for (i = 0; i < 10000; i++)
		ck_assert_uint_lt(pmt_rng_below(&a, 17), 17);
}
END_TEST

#define N_LOSS 100000

START_TEST(loss_rate_is_seeded_and_in_bounds)
{
	static uint32_t out1[N_LOSS], out2[N_LOSS];
	struct pmt_impair *s;
	unsigned int n1, n2;

	s = stage("loss=1%", PMT_IMPAIR_RX, 11);
	n1 = run(s, 0, N_LOSS, 1000, out1, N_LOSS);
	pmt_impair_free(s);
	ck_assert_uint_eq(stats.impair_rx_dropped, N_LOSS - n1);
	/* Mean 1000, sigma 31.5: well inside four sigmas. */
	ck_assert_uint_ge(stats.impair_rx_dropped, 870);
	ck_assert_uint_le(stats.impair_rx_dropped, 1130);
	/* The same seed loses the same packets. */
	s = stage("loss=1%", PMT_IMPAIR_RX, 11);
	n2 = run(s, 0, N_LOSS, 1000, out2, N_LOSS);
	pmt_impair_free(s);
	ck_assert_uint_eq(n1, n2);
	ck_assert_mem_eq(out1, out2, n1 * sizeof(out1[0]));
	/* Another seed, other packets. */
	s = stage("loss=1%", PMT_IMPAIR_RX, 12);
	n2 = run(s, 0, N_LOSS, 1000, out2, N_LOSS);
	pmt_impair_free(s);
	ck_assert(n1 != n2 || memcmp(out1, out2, n1 * sizeof(out1[0])) != 0);
	/* The exact count of seed 11: a change of generator shows here. */
	ck_assert_uint_eq(N_LOSS - n1, IMPAIR_LOSS_SEED11);
	ck_assert_uint_eq(stats.impair_tx_dropped, 0);
}
END_TEST

START_TEST(gilbert_elliott_bursts)
{
	static uint32_t out[N_LOSS];
	struct pmt_impair *s = stage("burst=1%/25%", PMT_IMPAIR_TX, 5);
	unsigned int n, i, runs = 0, lost;
	uint32_t prev = UINT32_MAX;
	double mean;

	n = run(s, 0, N_LOSS, 1000, out, N_LOSS);
	pmt_impair_free(s);
	lost = N_LOSS - n;
	ck_assert_uint_eq(stats.impair_tx_burst_dropped, lost);
	ck_assert_uint_eq(stats.impair_tx_dropped, 0);
	/* Loss runs: gaps in the numbers that came out. */
	for (i = 0; i < n; i++) {
		if (out[i] != prev + 1 && !(prev == UINT32_MAX && out[i] == 0))
			runs++;
		prev = out[i];
	}
	if (prev != N_LOSS - 1)
		runs++;
	/* Stationary loss p/(p+r) = 3.85%; mean burst 1/r = 4 packets. */
	ck_assert_uint_ge(lost, 3300);
	ck_assert_uint_le(lost, 4400);
	mean = (double)lost / runs;
	ck_assert_msg(mean > 3.5 && mean < 4.5, "mean burst %.2f", mean);
	ck_assert_uint_eq(lost, IMPAIR_GE_SEED5);
}
END_TEST

/* One frame at a time, @gap_us apart: how many were lost. */
static unsigned int
lost_spaced(struct pmt_impair *s, unsigned int n, uint64_t gap_us)
{
	unsigned int i, got = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkt(i, 64);

		pmt_impair_push(s, &m, 1, 1000 + i * gap_us);
		got += drain(s, 1000 + i * gap_us, NULL, 1);
	}
	return n - got;
}

START_TEST(gilbert_elliott_bursts_in_time)
{
	struct pmt_impair_spec sp;
	struct pmt_impair *s;
	char err[200];
	unsigned int lost;

	ck_assert_int_eq(pmt_impair_parse("burst=1%/50us/90%", &sp, err,
					  sizeof(err)), 0);
	ck_assert_uint_eq(sp.ge_r_us, 50);
	ck_assert_uint_eq(sp.ge_r_ppm, 0);
	ck_assert_uint_eq(sp.ge_bad_loss_ppm, 900000);
	/*
	 * Every frame that passes starts a burst (P = 100 %), of 10 us on
	 * average and never 37 times that (the draw's 53 bits): frames
	 * 1 ms apart all pass, where a per-frame chain would keep its bad
	 * state between them and lose 99 % (the quiet link that made
	 * backed-off retransmissions meet one burst again and again).
	 */
	s = stage("burst=100%/10us", PMT_IMPAIR_RX, 5);
	ck_assert_uint_eq(lost_spaced(s, 2000, 1000), 0);
	pmt_impair_free(s);
	s = stage("burst=100%/1%", PMT_IMPAIR_RX, 5);
	lost = lost_spaced(s, 2000, 1000);
	pmt_impair_free(s);
	ck_assert_uint_ge(lost, 1900);
	/* Frames in the same microsecond: the burst never ends. */
	s = stage("burst=100%/10us", PMT_IMPAIR_RX, 5);
	ck_assert_uint_eq(lost_spaced(s, 2000, 0), 1999);
	pmt_impair_free(s);
	ck_assert_uint_eq(stats.impair_rx_burst_dropped, lost + 1999);
	/*
	 * 10 us apart, bursts of 50 us on average: a burst takes
	 * floor(D / 10) frames, sum over k >= 1 of e^(-k/5) = 4.52 on
	 * average, after one frame in 100 starts one: 4.3 % long-run loss.
	 */
	memset(&stats, 0, sizeof(stats));
	s = stage("burst=1%/50us", PMT_IMPAIR_RX, 5);
	lost = lost_spaced(s, 100000, 10);
	pmt_impair_free(s);
	ck_assert_uint_eq(stats.impair_rx_burst_dropped, lost);
	ck_assert_msg(lost > 3700 && lost < 4900, "lost %u", lost);
}
END_TEST

#define N_REORDER 20000

START_TEST(reorder_is_bounded_and_lossless)
{
	static uint32_t out[N_REORDER];
	static unsigned int pos[N_REORDER];
	struct pmt_impair *s = stage("reorder=10%/8", PMT_IMPAIR_RX, 3);
	unsigned int n, i, late = 0;

	n = run(s, 0, N_REORDER, 1000, out, N_REORDER);
	/* The few still held go on their deadline. */
	ck_assert_uint_le(pmt_impair_held(s), 8);
	ck_assert_uint_eq(drain(s, 1000 + 9999, out + n, N_REORDER - n), 0);
	n += drain(s, 1000 + 10000, out + n, N_REORDER - n);
	ck_assert_uint_eq(pmt_impair_held(s), 0);
	pmt_impair_free(s);
	ck_assert_uint_eq(n, N_REORDER);
	for (i = 0; i < N_REORDER; i++)
		pos[i] = UINT32_MAX;
	for (i = 0; i < n; i++) {
		ck_assert_uint_lt(out[i], N_REORDER);
		ck_assert_msg(pos[out[i]] == UINT32_MAX, "%u twice", out[i]);
		pos[out[i]] = i;
	}
	for (i = 0; i < N_REORDER; i++) {
		/* Never more than 8 places late. */
		ck_assert_msg(pos[i] <= i + 8, "packet %u came out at %u", i,
			      pos[i]);
		late += pos[i] > i;
	}
	ck_assert_uint_gt(stats.impair_rx_reordered, 1800);
	ck_assert_uint_lt(stats.impair_rx_reordered, 2200);
	ck_assert_uint_gt(late, 1000);
}
END_TEST

START_TEST(reorder_timeout_releases_a_lone_packet)
{
	struct pmt_impair *s = stage("reorder=100%/16/5ms", PMT_IMPAIR_RX, 3);
	struct rte_mbuf *m = pkt(1, 64);
	uint64_t t0 = UINT64_MAX - 1000;	/* across the clock's wrap */

	pmt_impair_push(s, &m, 1, t0);
	ck_assert_uint_eq(drain(s, t0, NULL, 0), 0);
	ck_assert_uint_eq(drain(s, t0 + 4999, NULL, 0), 0);
	ck_assert_uint_eq(drain(s, t0 + 5000, NULL, 0), 1);
	ck_assert_uint_eq(stats.impair_rx_reordered, 1);
	pmt_impair_free(s);
}
END_TEST

START_TEST(duplication_count)
{
	static uint32_t out[N_LOSS + 4000];
	struct pmt_impair *s = stage("dup=2%", PMT_IMPAIR_TX, 9);
	unsigned int n, i;

	n = run(s, 0, N_LOSS, 1000, out, RTE_DIM(out));
	pmt_impair_free(s);
	ck_assert_uint_eq(n, N_LOSS + stats.impair_tx_duplicated);
	ck_assert_uint_ge(stats.impair_tx_duplicated, 1800);
	ck_assert_uint_le(stats.impair_tx_duplicated, 2200);
	ck_assert_uint_eq(stats.impair_tx_duplicated, IMPAIR_DUP_SEED9);
	/* A copy follows its original, in order. */
	for (i = 1; i < n; i++)
		ck_assert_uint_le(out[i - 1], out[i]);
}
END_TEST

START_TEST(delay_and_jitter_release_on_time)
{
	struct pmt_impair *s = stage("delay=2ms", PMT_IMPAIR_RX, 1);
	uint64_t t0 = UINT64_MAX - 1500;	/* across the clock's wrap */
	unsigned int got = 0, early = 0;
	struct rte_mbuf *m = pkt(1, 64);
	uint64_t t;

	pmt_impair_push(s, &m, 1, t0);
	ck_assert_uint_eq(drain(s, t0 + 1999, NULL, 0), 0);
	ck_assert_uint_eq(drain(s, t0 + 2000, NULL, 0), 1);
	ck_assert_uint_eq(stats.impair_rx_delayed, 1);
	pmt_impair_free(s);

	/* 2 ms +- 1 ms: nothing before 1 ms, all by 3 ms, spread between. */
	s = stage("delay=2ms,jitter=1ms", PMT_IMPAIR_RX, 1);
	ck_assert_uint_eq(run(s, 0, 1000, t0, NULL, 0), 0);
	ck_assert_uint_eq(stats.impair_rx_delayed, 1001);
	ck_assert_uint_eq(drain(s, t0 + 999, NULL, 0), 0);
	for (t = 1000; t <= 3000; t += 100) {
		unsigned int k = drain(s, t0 + t, NULL, 0);

		got += k;
		if (t < 2000)
			early += k;
	}
	ck_assert_uint_eq(got, 1000);
	ck_assert_uint_gt(early, 350);
	ck_assert_uint_lt(early, 650);
	pmt_impair_free(s);
}
END_TEST

START_TEST(queue_full_drops_and_teardown_frees_held)
{
	struct pmt_impair *s = stage("delay=1s,queue=10", PMT_IMPAIR_TX, 1);

	ck_assert_uint_eq(run(s, 0, 25, 1000, NULL, 0), 0);
	ck_assert_uint_eq(stats.impair_tx_queue_full, 15);
	ck_assert_uint_eq(stats.impair_tx_delayed, 10);
	ck_assert_uint_eq(pmt_impair_held(s), 10);
	ck_assert_uint_eq(rte_mempool_in_use_count(pool), 10);
	pmt_impair_free(s);	/* the teardown checks they are back */
}
END_TEST

START_TEST(rate_limit_polices_to_the_rate)
{
	/* 8 Mbit/s = 10^6 bytes/s; a bucket of 16384 bytes. */
	struct pmt_impair *s = stage("rate=8mbit", PMT_IMPAIR_RX, 1);
	struct rte_mbuf *m;
	unsigned int got = 0, i;
	uint64_t t = 1000;

	/* A full bucket lets 16 frames of 1000 bytes through at once. */
	for (i = 0; i < 100; i++) {
		m = pkt(i, 1000);
		pmt_impair_push(s, &m, 1, t);
	}
	got = drain(s, t, NULL, 0);
	ck_assert_uint_eq(got, 16);
	ck_assert_uint_eq(stats.impair_rx_rate_dropped, 84);
	/* Offered at twice the rate for a second: half goes through. */
	got = 0;
	for (i = 0; i < 2000; i++) {
		t += 500;
		m = pkt(i, 1000);
		pmt_impair_push(s, &m, 1, t);
		got += drain(s, t, NULL, 0);
	}
	/* 10^6 bytes refilled, plus the 384 left in the bucket. */
	ck_assert_uint_eq(got, 1000);
	ck_assert_uint_eq(stats.impair_rx_rate_dropped, 84 + 1000);
	pmt_impair_free(s);
}
END_TEST

/* ---- through the stack ---- */

static const struct rte_ether_addr bcast = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct rte_ether_addr zero_mac;

static const char *cfg_spec;

static void
cfg_impair(struct pmt_config *cfg)
{
	char err[256];

	ck_assert_msg(pmt_config_set(cfg, NULL, "impair", cfg_spec, err,
				     sizeof(err)) == 0, "%s", err);
}

static struct tstack *
tstack_impaired(const char *spec)
{
	cfg_spec = spec;
	return tstack_new(cfg_impair);
}

static size_t
arp_request(uint8_t *f)
{
	return ts_arp(f, &bcast, &ts_peer_mac, RTE_ARP_OP_REQUEST,
		      &ts_peer_mac, ts_ip(TS_PEER_IP), &zero_mac,
		      ts_ip(TS_OUR_IP));
}

/* A SYN from the peer to a port nobody listens on. */
static size_t
syn_to_closed(uint8_t *f, uint16_t sport)
{
	struct ts_tcp s = {
		.src = ts_ip(TS_PEER_IP), .dst = ts_ip(TS_OUR_IP),
		.sport = sport, .dport = 9, .seq = 1000, .flags = PMT_TH_SYN,
		.wnd = 65535,
	};

	return ts_tcp(f, &ts_our_mac, &ts_peer_mac, &s);
}

START_TEST(rx_delay_through_the_engine)
{
	struct tstack *t = tstack_impaired("rx:delay=2ms");
	uint8_t f[64];
	struct rte_mbuf *m;

	tstack_inject(t, f, arp_request(f));
	tstack_expect_nothing(t);
	tstack_advance(t, 1999);
	tstack_expect_nothing(t);
	tstack_advance(t, 1);
	m = tstack_tx(t);
	ck_assert_ptr_nonnull(m);
	rte_pktmbuf_free(m);
	ck_assert_uint_eq(tstack_stat(t, "impair_rx_delayed"), 1);
	ck_assert_uint_eq(tstack_stat(t, "arp_tx_replies"), 1);
	/* Held frames are freed at teardown, not leaked. */
	tstack_inject(t, f, arp_request(f));
	tstack_inject(t, f, arp_request(f));
	tstack_free(t);
}
END_TEST

#define N_CORRUPT 300

/* Every corrupted frame is dropped by the stack's checks, counted. */
START_TEST(rx_corruption_is_caught_by_the_checks)
{
	static const char *const drops[] = {
		"ip_rx_bad_cksum", "tcp_rx_bad_cksum", "ip_rx_bad_version",
		"ip_rx_bad_ihl", "ip_rx_bad_len", "ip_rx_short",
		"ip_rx_fragment", "ip_rx_options", "tcp_rx_short",
		"tcp_rx_bad_off",
	};
	struct tstack *t = tstack_impaired("rx:corrupt=100%");
	uint64_t sum = 0;
	unsigned int i;
	uint8_t f[128];

	for (i = 0; i < N_CORRUPT; i++)
		/* The port says the sums are good: the stage must undo it. */
		tstack_inject_flags(t, f, syn_to_closed(f, (uint16_t)(1000 + i)),
				    RTE_MBUF_F_RX_IP_CKSUM_GOOD |
				    RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	tstack_expect_nothing(t);
	ck_assert_uint_eq(tstack_stat(t, "impair_rx_corrupted"), N_CORRUPT);
	ck_assert_uint_eq(tstack_stat(t, "tcp_rx_no_socket"), 0);
	ck_assert_uint_eq(tstack_stat(t, "tcp_tx_rst"), 0);
	for (i = 0; i < RTE_DIM(drops); i++)
		sum += tstack_stat(t, drops[i]);
	ck_assert_uint_eq(sum, N_CORRUPT);
	/* Most flipped bits land where only a checksum can see them. */
	ck_assert_uint_gt(tstack_stat(t, "ip_rx_bad_cksum"), 40);
	ck_assert_uint_gt(tstack_stat(t, "tcp_rx_bad_cksum"), 100);
	/* Seeded: the same bits every run. */
	ck_assert_uint_eq(tstack_stat(t, "ip_rx_bad_cksum"), 126);
	ck_assert_uint_eq(tstack_stat(t, "tcp_rx_bad_cksum"), 154);
	tstack_free(t);
}
END_TEST

/* A frame that leaves corrupt fails a check its receiver makes. */
static bool
frame_is_bad(struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, 14);
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);

	if (ip->version_ihl != 0x45 || tot + 14 != rte_pktmbuf_pkt_len(m) ||
	    pmt_inet_cksum(ip, 20) != 0)
		return true;
	if (ip->next_proto_id == IPPROTO_TCP)
		return !pmt_tcp_cksum_ok(ip, ip + 1, tot - 20);
	if (ip->next_proto_id == IPPROTO_ICMP)
		return pmt_inet_cksum(ip + 1, tot - 20) != 0;
	return true;
}

START_TEST(tx_corruption_leaves_corrupt_despite_offloads)
{
	struct tstack *t = tstack_impaired("tx:corrupt=100%");
	unsigned int i, bad = 0;
	struct rte_mbuf *m;
	uint8_t f[128];

	/* The port would sum IP and TCP: the stage must do it before it
	 * flips, and take the request back. */
	t->st->ifaces[0].tx_ip_cksum = true;
	t->st->ifaces[0].tx_tcp_cksum = true;
	tstack_inject(t, f, arp_request(f));
	m = tstack_tx(t);
	ck_assert_ptr_nonnull(m);
	/* ARP has no checksum to catch a flip: it goes out intact. */
	ck_assert_uint_eq(rte_be_to_cpu_16(rte_pktmbuf_mtod(m,
		struct rte_ether_hdr *)->ether_type), RTE_ETHER_TYPE_ARP);
	rte_pktmbuf_free(m);
	ck_assert_uint_eq(tstack_stat(t, "impair_tx_corrupted"), 0);
	for (i = 0; i < 100; i++) {
		tstack_inject(t, f, syn_to_closed(f, (uint16_t)(2000 + i)));
		m = tstack_tx(t);
		ck_assert_ptr_nonnull(m);
		ck_assert_uint_eq(m->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM |
						 RTE_MBUF_F_TX_L4_MASK), 0);
		bad += frame_is_bad(m);
		rte_pktmbuf_free(m);
	}
	ck_assert_uint_eq(bad, 100);
	ck_assert_uint_eq(tstack_stat(t, "impair_tx_corrupted"), 100);
	ck_assert_uint_eq(tstack_stat(t, "tcp_tx_rst"), 100);
	tstack_free(t);
}
END_TEST

static Suite *
impair_suite(void)
{
	Suite *s = suite_create("impair");
	TCase *tc;

	tc = tcase_create("spec");
	tcase_add_test(tc, parse_good_specs);
	tcase_add_loop_test(tc, parse_bad_specs, 0, (int)RTE_DIM(bad_specs));
	tcase_add_test(tc, config_keys_by_port);
	suite_add_tcase(s, tc);

	tc = tcase_create("stage");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, stage_setup, stage_teardown);
	tcase_add_test(tc, rng_is_deterministic);
	tcase_add_test(tc, loss_rate_is_seeded_and_in_bounds);
	tcase_add_test(tc, gilbert_elliott_bursts);
	tcase_add_test(tc, gilbert_elliott_bursts_in_time);
	tcase_add_test(tc, reorder_is_bounded_and_lossless);
	tcase_add_test(tc, reorder_timeout_releases_a_lone_packet);
	tcase_add_test(tc, duplication_count);
	tcase_add_test(tc, spare_keeps_handshakes_and_arp_whole);
	tcase_add_test(tc, delay_and_jitter_release_on_time);
	tcase_add_test(tc, queue_full_drops_and_teardown_frees_held);
	tcase_add_test(tc, rate_limit_polices_to_the_rate);
	suite_add_tcase(s, tc);

	tc = tcase_create("stack");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, NULL, tstack_reap);
	tcase_add_test(tc, rx_delay_through_the_engine);
	tcase_add_test(tc, rx_corruption_is_caught_by_the_checks);
	tcase_add_test(tc, tx_corruption_leaves_corrupt_despite_offloads);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	tstack_eal_init("impair");
	sr = srunner_create(impair_suite());
	/* In-process, as the other EAL suites (see test_engine.c). */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
