/* test_sack.c: the SACK scoreboard against a byte-by-byte model (seeded), D-SACK, bounds and crafted blocks. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/pmt_tcp_sack.h"

#define MSS 100u
#define DUPTHRESH 3u

/* Near the wrap, so every comparison crosses 2^32. */
#define UNA0 (UINT32_MAX - 1500u)

static void
take1(struct pmt_sack_sb *sb, uint32_t una, uint32_t max, uint32_t s,
      uint32_t e, struct pmt_sack_update *res)
{
	const uint32_t blk[1][2] = { { s, e } };

	pmt_sack_take(sb, una, max, blk, 1, res);
}

START_TEST(merge_and_advance)
{
	struct pmt_sack_sb sb;
	struct pmt_sack_update res;
	uint32_t una = UNA0, max = UNA0 + 1000;

	pmt_sack_init(&sb);
	take1(&sb, una, max, una + 200, una + 300, &res);
	ck_assert_uint_eq(res.newly, 100);
	take1(&sb, una, max, una + 400, una + 500, &res);
	ck_assert_uint_eq(sb.n, 2);
	/* Touching: one range. */
	take1(&sb, una, max, una + 300, una + 400, &res);
	ck_assert_uint_eq(res.newly, 100);
	ck_assert_uint_eq(sb.n, 1);
	ck_assert_uint_eq(sb.r[0].start, una + 200);
	ck_assert_uint_eq(sb.r[0].end, una + 500);
	ck_assert_uint_eq(sb.sacked, 300);
	/* Repeated: nothing new. */
	take1(&sb, una, max, una + 250, una + 450, &res);
	ck_assert_uint_eq(res.newly, 0);
	ck_assert(!res.dsack);
	/* The cumulative ACK moves into the range: cut, then gone. */
	pmt_sack_advance(&sb, una + 250);
	ck_assert_uint_eq(sb.r[0].start, una + 250);
	ck_assert_uint_eq(sb.sacked, 250);
	pmt_sack_advance(&sb, una + 500);
	ck_assert_uint_eq(sb.n, 0);
	ck_assert_uint_eq(sb.sacked, 0);
}
END_TEST

START_TEST(dsack_and_bad_blocks)
{
	struct pmt_sack_sb sb;
	struct pmt_sack_update res;
	uint32_t una = UNA0, max = UNA0 + 1000;
	const uint32_t below[2][2] = { { una - 100, una }, { una + 300, una + 400 } };
	const uint32_t inside[2][2] = { { una + 320, una + 340 },
					{ una + 300, una + 400 } };
	const uint32_t bad[4][2] = {
		{ una + 500, una + 500 },	/* empty */
		{ una + 600, una + 550 },	/* reversed */
		{ una + 900, una + 1100 },	/* past SND.MAX */
		{ una - 2000, una - 1000 },	/* below SND.UNA, not first */
	};

	pmt_sack_init(&sb);
	pmt_sack_take(&sb, una, max, below, 2, &res);
	ck_assert(res.dsack);
	ck_assert_uint_eq(res.newly, 100);
	ck_assert_uint_eq(sb.n, 1);
	pmt_sack_take(&sb, una, max, inside, 2, &res);
	ck_assert(res.dsack);
	ck_assert_uint_eq(res.newly, 0);
	pmt_sack_take(&sb, una, max, bad, 4, &res);
	ck_assert(!res.dsack);
	ck_assert_uint_eq(res.ignored, 4);
	ck_assert_uint_eq(sb.n, 1);
	ck_assert_uint_eq(sb.sacked, 100);
	/* Straddling SND.UNA: the part above it counts. */
	take1(&sb, una + 50, max, una, una + 150, &res);
	ck_assert_uint_eq(res.newly, 100);
	ck_assert_uint_eq(sb.r[0].start, una + 50);
}
END_TEST

/* RFC 6675's pipe and NextSeg on one scripted pattern. */
START_TEST(pipe_and_next_seg_by_hand)
{
	struct pmt_sack_sb sb;
	struct pmt_sack_update res;
	uint32_t una = UNA0, max = UNA0 + 1000, seq = 0, len = 0;

	pmt_sack_init(&sb);
	/* One SACKed segment above a hole: nothing is lost yet. */
	take1(&sb, una, max, una + 200, una + 300, &res);
	ck_assert(!pmt_sack_next_seg(&sb, una, una, MSS, DUPTHRESH, &seq, &len));
	/* 1000 in flight, 100 SACKed, 250 retransmitted of which 50 SACKed. */
	ck_assert_uint_eq(pmt_sack_pipe(&sb, una, max, una + 250, MSS, DUPTHRESH),
			  900 + 200);
	/* Two more above: three ranges, the first hole is lost. */
	take1(&sb, una, max, una + 400, una + 500, &res);
	take1(&sb, una, max, una + 600, una + 700, &res);
	ck_assert(pmt_sack_next_seg(&sb, una, una, MSS, DUPTHRESH, &seq, &len));
	ck_assert_uint_eq(seq, una);
	ck_assert_uint_eq(len, MSS);
	/* Past HighRxt = una + 150: the rest of the first hole. */
	ck_assert(pmt_sack_next_seg(&sb, una, una + 150, MSS, DUPTHRESH, &seq, &len));
	ck_assert_uint_eq(seq, una + 150);
	ck_assert_uint_eq(len, 50);
	/* Second hole [300, 400): 200 bytes above, 2 ranges: not lost. */
	ck_assert(!pmt_sack_next_seg(&sb, una, una + 200, MSS, DUPTHRESH, &seq, &len));
	/* Pipe: 700 unSACKed, the 200-byte first hole lost, 150 resent. */
	ck_assert_uint_eq(pmt_sack_pipe(&sb, una, max, una + 150, MSS, DUPTHRESH),
			  700 - 200 + 150);
}
END_TEST

/* A flood of tiny disjoint blocks: bounded, nearest SND.UNA kept. */
START_TEST(crafted_flood_is_bounded)
{
	struct pmt_sack_sb sb;
	struct pmt_sack_update res;
	uint32_t una = UNA0, max = UNA0 + 1000000, k, forgotten = 0;

	pmt_sack_init(&sb);
	for (k = 0; k < 100000; k++) {
		uint32_t s = una + 1 + 2 * ((k * 7919u) % 400000u);

		take1(&sb, una, max, s, s + 1, &res);
		forgotten += res.forgotten;
		ck_assert_uint_le(sb.n, PMT_SACK_SB_MAX);
	}
	ck_assert_uint_eq(sb.n, PMT_SACK_SB_MAX);
	ck_assert_uint_eq(sb.sacked, PMT_SACK_SB_MAX);
	ck_assert_uint_gt(forgotten, 0);
	/* The lowest ones survived: the 16 smallest offsets sent. */
	{
		static bool sent[400000];
		uint32_t want = 0;

		memset(sent, 0, sizeof(sent));
		for (k = 0; k < 100000; k++)
			sent[(k * 7919u) % 400000u] = true;
		for (k = 0; k < 400000 && want < PMT_SACK_SB_MAX; k++)
			if (sent[k])
				ck_assert_uint_eq(sb.r[want++].start,
						  una + 1 + 2 * k);
		ck_assert_uint_eq(want, PMT_SACK_SB_MAX);
	}
}
END_TEST

/* --- the model: one flag per byte of a 2,000-byte window --- */

#define W 2000u

struct model {
	uint32_t una;
	bool sacked[W];		/* byte una + i */
};

static bool
m_is_lost(const struct model *m, uint32_t off)
{
	uint64_t bytes = 0;
	unsigned int ranges = 0, i;

	for (i = off + 1; i < W; i++)
		bytes += m->sacked[i];
	/* Ranges wholly above: a run that starts above off. */
	for (i = off + 1; i < W; i++)
		if (m->sacked[i] && !m->sacked[i - 1])
			ranges++;
	return ranges >= DUPTHRESH || bytes > (DUPTHRESH - 1) * MSS;
}

static uint32_t
m_high(const struct model *m)
{
	unsigned int i;

	for (i = W; i > 0; i--)
		if (m->sacked[i - 1])
			return i;
	return 0;
}

static void
check_against(const struct pmt_sack_sb *sb, const struct model *m,
	      uint32_t high_rxt_off)
{
	uint32_t i, count = 0, high = m_high(m), seq, len, pipe = 0;
	bool found = false;

	for (i = 0; i < W; i++) {
		count += m->sacked[i];
		ck_assert_int_eq(pmt_sack_has(sb, m->una + i), m->sacked[i]);
	}
	ck_assert_uint_eq(sb->sacked, count);
	ck_assert_uint_eq(pmt_sack_high(sb, m->una), m->una + high);
	for (i = 0; i < W; i += 7)
		ck_assert_int_eq(pmt_sack_is_lost(sb, m->una + i, MSS, DUPTHRESH),
				 m_is_lost(m, i));
	/* NextSeg rule 1: the first unSACKed lost byte at or past HighRxt. */
	for (i = high_rxt_off; i < high; i++)
		if (!m->sacked[i] && m_is_lost(m, i)) {
			found = true;
			break;
		}
	ck_assert_int_eq(pmt_sack_next_seg(sb, m->una, m->una + high_rxt_off,
					   MSS, DUPTHRESH, &seq, &len), found);
	if (found) {
		uint32_t n = 0;

		ck_assert_uint_eq(seq, m->una + i);
		while (n < MSS && i + n < W && !m->sacked[i + n])
			n++;
		ck_assert_uint_eq(len, n);
	}
	/* SetPipe over the whole window as SND.MAX. */
	for (i = 0; i < W; i++) {
		if (m->sacked[i])
			continue;
		if (!m_is_lost(m, i) || i >= high)
			pipe++;
		if (i < high_rxt_off)
			pipe++;
	}
	ck_assert_uint_eq(pmt_sack_pipe(sb, m->una, m->una + W,
					m->una + high_rxt_off, MSS, DUPTHRESH),
			  pipe);
}

START_TEST(matches_model)
{
	struct pmt_sack_sb sb;
	struct pmt_sack_update res;
	struct model m;
	unsigned int step;

	srand(1212);
	memset(&m, 0, sizeof(m));
	m.una = UNA0;
	pmt_sack_init(&sb);
	for (step = 0; step < 3000; step++) {
		uint32_t c, s, e, i;
		uint32_t nblk, k, blk[3][2];
		uint32_t before = sb.sacked;

		if (rand() % 10 == 0) {
			/* The cumulative ACK moves: the model slides. */
			/* Whole cells, so the grid (and its 10 ranges) holds. */
			uint32_t d = 200 * ((uint32_t)rand() % 2);

			pmt_sack_advance(&sb, m.una + d);
			memmove(m.sacked, m.sacked + d, W - d);
			memset(m.sacked + W - d, 0, d);
			m.una += d;
			check_against(&sb, &m, (uint32_t)rand() % W);
			continue;
		}
		nblk = 1 + (uint32_t)rand() % 3;
		for (k = 0; k < nblk; k++) {
			/* One range per 200-byte cell at most: each starts
			 * at its cell's start. */
			c = (uint32_t)rand() % 10;
			s = c * 200;
			e = s + 1 + (uint32_t)rand() % 150;
			blk[k][0] = m.una + s;
			blk[k][1] = m.una + e;
		}
		pmt_sack_take(&sb, m.una, m.una + W,
			      (const uint32_t (*)[2])blk, nblk, &res);
		for (k = 0; k < nblk; k++) {
			if (k == 0 && res.dsack)
				continue;
			for (i = blk[k][0] - m.una; i < blk[k][1] - m.una; i++)
				m.sacked[i] = true;
		}
		ck_assert_uint_eq(res.forgotten, 0);
		ck_assert_uint_eq(res.newly, sb.sacked - before);
		check_against(&sb, &m, (uint32_t)rand() % W);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sack");
	TCase *tc = tcase_create("scoreboard");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, merge_and_advance);
	tcase_add_test(tc, dsack_and_bad_blocks);
	tcase_add_test(tc, crafted_flood_is_bounded);
	tcase_add_test(tc, pipe_and_next_seg_by_hand);
	tcase_add_test(tc, matches_model);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
