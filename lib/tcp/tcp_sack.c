/* tcp_sack.c: the sender's SACK scoreboard: bounded ranges, D-SACK, RFC 6675 IsLost, NextSeg and SetPipe. */
#include <string.h>

#include "tcp/pmt_tcp_sack.h"

static inline bool lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline uint32_t smax(uint32_t a, uint32_t b) { return lt(a, b) ? b : a; }
static inline uint32_t smin(uint32_t a, uint32_t b) { return lt(a, b) ? a : b; }

void
pmt_sack_init(struct pmt_sack_sb *sb)
{
	memset(sb, 0, sizeof(*sb));
}

static void
remove_at(struct pmt_sack_sb *sb, unsigned int i, unsigned int count)
{
	memmove(&sb->r[i], &sb->r[i + count],
		(sb->n - i - count) * sizeof(sb->r[0]));
	sb->n = (uint8_t)(sb->n - count);
}

void
pmt_sack_advance(struct pmt_sack_sb *sb, uint32_t una)
{
	unsigned int gone = 0;

	while (gone < sb->n && leq(sb->r[gone].end, una)) {
		sb->sacked -= sb->r[gone].end - sb->r[gone].start;
		gone++;
	}
	if (gone)
		remove_at(sb, 0, gone);
	if (sb->n && lt(sb->r[0].start, una)) {
		sb->sacked -= una - sb->r[0].start;
		sb->r[0].start = una;
	}
}

/* Add [s, e): merge what it overlaps or touches, else find it a slot. */
static void
insert(struct pmt_sack_sb *sb, uint32_t s, uint32_t e,
       struct pmt_sack_update *res)
{
	unsigned int i = 0, j;
	uint32_t old = 0;

	/* First range that ends at or after s: it may touch [s, e). */
	while (i < sb->n && lt(sb->r[i].end, s))
		i++;
	/* Ranges i..j-1 start at or before e: they merge with it. */
	for (j = i; j < sb->n && leq(sb->r[j].start, e); j++)
		old += sb->r[j].end - sb->r[j].start;
	if (j > i) {
		uint32_t ns = smin(s, sb->r[i].start);
		uint32_t ne = smax(e, sb->r[j - 1].end);

		sb->r[i].start = ns;
		sb->r[i].end = ne;
		if (j - i > 1) {
			memmove(&sb->r[i + 1], &sb->r[j],
				(sb->n - j) * sizeof(sb->r[0]));
			sb->n = (uint8_t)(sb->n - (j - i - 1));
		}
		sb->sacked += (ne - ns) - old;
		res->newly += (ne - ns) - old;
		return;
	}
	if (sb->n == PMT_SACK_SB_MAX) {
		/*
		 * No room: keep what is nearest SND.UNA, which decides the
		 * next retransmission; forget the highest range (or the new
		 * one, if it is the highest).
		 */
		res->forgotten++;
		if (i == sb->n)
			return;
		sb->sacked -= sb->r[sb->n - 1].end - sb->r[sb->n - 1].start;
		sb->n--;
	}
	memmove(&sb->r[i + 1], &sb->r[i], (sb->n - i) * sizeof(sb->r[0]));
	sb->r[i].start = s;
	sb->r[i].end = e;
	sb->n++;
	sb->sacked += e - s;
	res->newly += e - s;
}

void
pmt_sack_take(struct pmt_sack_sb *sb, uint32_t una, uint32_t max,
	      const uint32_t (*blk)[2], unsigned int n,
	      struct pmt_sack_update *res)
{
	unsigned int k;

	memset(res, 0, sizeof(*res));
	pmt_sack_advance(sb, una);
	for (k = 0; k < n; k++) {
		uint32_t s = blk[k][0], e = blk[k][1];

		/* RFC 2883 4: a first block below the cumulative ACK, or
		 * within the second block, reports a duplicate. */
		if (k == 0 && lt(s, e) &&
		    (leq(e, una) ||
		     (n > 1 && leq(blk[1][0], s) && leq(e, blk[1][1]) &&
		      lt(blk[1][0], blk[1][1])))) {
			res->dsack = true;
			continue;
		}
		/* Part of it may be acknowledged meanwhile. */
		if (lt(s, una) && lt(una, e))
			s = una;
		if (!lt(s, e) || lt(s, una) || lt(max, e) ||
		    e - una > max - una) {
			res->ignored++;
			continue;
		}
		insert(sb, s, e, res);
	}
}

bool
pmt_sack_has(const struct pmt_sack_sb *sb, uint32_t seq)
{
	unsigned int i;

	for (i = 0; i < sb->n; i++)
		if (leq(sb->r[i].start, seq) && lt(seq, sb->r[i].end))
			return true;
	return false;
}

uint32_t
pmt_sack_high(const struct pmt_sack_sb *sb, uint32_t una)
{
	return sb->n ? sb->r[sb->n - 1].end : una;
}

bool
pmt_sack_is_lost(const struct pmt_sack_sb *sb, uint32_t seq, uint32_t mss,
		 unsigned int dupthresh)
{
	uint64_t bytes = 0;
	unsigned int i, ranges = 0;

	for (i = 0; i < sb->n; i++) {
		const struct pmt_sack_range *r = &sb->r[i];

		if (lt(seq, r->start)) {
			bytes += r->end - r->start;
			ranges++;
		} else if (lt(seq, r->end)) {
			bytes += r->end - seq - 1;	/* greater than seq */
		}
	}
	return ranges >= dupthresh ||
		bytes > (uint64_t)(dupthresh - 1) * mss;
}

bool
pmt_sack_next_seg(const struct pmt_sack_sb *sb, uint32_t una,
		  uint32_t high_rxt, uint32_t mss, unsigned int dupthresh,
		  uint32_t *seq, uint32_t *len)
{
	uint32_t prev = una, from = smax(una, high_rxt);
	unsigned int i;

	/* Holes lie below the highest SACKed byte; above it nothing is
	 * lost (no SACKed bytes lie above). */
	for (i = 0; i < sb->n; prev = sb->r[i].end, i++) {
		uint32_t s = smax(prev, from);

		if (!lt(s, sb->r[i].start))
			continue;
		/* SACKed bytes above are the same for every byte of a
		 * hole: IsLost of its first byte is that of all. */
		if (!pmt_sack_is_lost(sb, s, mss, dupthresh))
			return false;	/* and so for every later hole */
		*seq = s;
		*len = smin(s + mss, sb->r[i].start) - s;
		return true;
	}
	return false;
}

/* SACKed bytes below @x. */
uint32_t
pmt_sack_below(const struct pmt_sack_sb *sb, uint32_t x)
{
	uint32_t n = 0;
	unsigned int i;

	for (i = 0; i < sb->n && lt(sb->r[i].start, x); i++)
		n += smin(sb->r[i].end, x) - sb->r[i].start;
	return n;
}

uint32_t
pmt_sack_pipe(const struct pmt_sack_sb *sb, uint32_t una, uint32_t max,
	      uint32_t high_rxt, uint32_t mss, unsigned int dupthresh)
{
	uint32_t prev = una, lost = 0, unsacked, retx = 0;
	unsigned int i;

	unsacked = (max - una) - sb->sacked;
	/* Lost: whole holes whose first byte IsLost (see next_seg). */
	for (i = 0; i < sb->n; prev = sb->r[i].end, i++) {
		if (!lt(prev, sb->r[i].start))
			continue;
		if (!pmt_sack_is_lost(sb, prev, mss, dupthresh))
			break;
		lost += sb->r[i].start - prev;
	}
	/* Retransmitted and not SACKed: counted again. */
	if (lt(una, high_rxt)) {
		uint32_t h = smin(high_rxt, max);

		retx = (h - una) - pmt_sack_below(sb, h);
	}
	return unsacked - lost + retx;
}

bool
pmt_sack_next_unsacked(const struct pmt_sack_sb *sb, uint32_t una,
		       uint32_t from, uint32_t mss, uint32_t *seq,
		       uint32_t *len)
{
	uint32_t prev = una;
	unsigned int i;

	from = smax(una, from);
	for (i = 0; i < sb->n; prev = sb->r[i].end, i++) {
		uint32_t s = smax(prev, from);

		if (!lt(s, sb->r[i].start))
			continue;
		*seq = s;
		*len = smin(s + mss, sb->r[i].start) - s;
		return true;
	}
	return false;
}

uint32_t
pmt_sack_skip(const struct pmt_sack_sb *sb, uint32_t seq, uint32_t *limit)
{
	unsigned int i;

	for (i = 0; i < sb->n; i++) {
		if (lt(seq, sb->r[i].start)) {
			*limit = sb->r[i].start;
			return seq;
		}
		if (lt(seq, sb->r[i].end))
			seq = sb->r[i].end;
	}
	*limit = seq;		/* nothing SACKed above */
	return seq;
}

uint32_t
pmt_sack_rxt_unlost(const struct pmt_sack_sb *sb, uint32_t una,
		    uint32_t high_rxt, uint32_t mss, unsigned int dupthresh)
{
	uint32_t prev = una, n = 0, e;
	unsigned int i;

	if (!lt(una, high_rxt))
		return 0;
	for (i = 0; i <= sb->n && lt(prev, high_rxt); i++) {
		e = i < sb->n ? smin(sb->r[i].start, high_rxt) : high_rxt;
		if (lt(prev, e) && !pmt_sack_is_lost(sb, prev, mss, dupthresh))
			n += e - prev;
		if (i < sb->n)
			prev = sb->r[i].end;
	}
	return n;
}
