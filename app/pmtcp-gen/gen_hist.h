/* gen_hist.h: pmtcp-gen's per-lcore log-linear latency histogram (nanoseconds). */
#ifndef GEN_HIST_H
#define GEN_HIST_H

#include <stdint.h>

/*
 * An HdrHistogram-like layout with 2^7 = 128 linear sub-buckets per power
 * of two. Values 0..255 have a bucket each (exact); a value v >= 256 with
 * its top bit at position e falls in a bucket 2^(e-7) wide whose lower
 * bound is at least 128 times that width. So every bucket is at most
 * 1/128 of its lower bound wide, and its midpoint is within 1/256
 * (< 0.4%) of any value in it.
 *
 * Values up to GEN_HIST_MAX_VALUE (2^42 - 1 ns, about 73 minutes) are
 * bucketed; larger ones are counted in the top bucket (and in
 * gen_hist.clamped) but still enter min, max and mean exactly.
 *
 * The histogram is a fixed array: 4608 buckets of 8 bytes, 36 KiB plus a
 * 48-byte header (asserted below). No allocation, no locks: each lcore
 * records into its own histogram and the reporter merges them.
 */

#define GEN_HIST_SUB_BITS 7
#define GEN_HIST_SUB_COUNT (1u << GEN_HIST_SUB_BITS)
/* Highest bit position of a bucketed value: 2^42 ns > 1 hour. */
#define GEN_HIST_MAX_BIT 41
#define GEN_HIST_MAX_VALUE ((UINT64_C(1) << (GEN_HIST_MAX_BIT + 1)) - 1)
/* Buckets: 0..255 exact, then 128 per power of two from 2^8 to 2^41. */
#define GEN_HIST_BUCKETS \
	((GEN_HIST_MAX_BIT - GEN_HIST_SUB_BITS + 2) * GEN_HIST_SUB_COUNT)

struct gen_hist {
	uint64_t total;			/* values recorded */
	uint64_t min;			/* UINT64_MAX while empty */
	uint64_t max;			/* exact, 0 while empty */
	uint64_t clamped;		/* values above GEN_HIST_MAX_VALUE */
	__extension__ unsigned __int128 sum;	/* exact sum, for the mean */
	uint64_t counts[GEN_HIST_BUCKETS];
};

_Static_assert(GEN_HIST_BUCKETS == 4608, "bucket count documented above");
_Static_assert(sizeof(struct gen_hist) == 48 + 8 * GEN_HIST_BUCKETS,
	       "gen_hist is 36 KiB of counts plus a 48-byte header");

/**
 * Bucket index of @v (which must be <= GEN_HIST_MAX_VALUE). OR-ing in
 * 2^7 makes values below 256 land on their own index without a branch:
 * their shift is 0, and above that each power of two adds 128 indexes.
 */
static inline unsigned int
gen_hist_index(uint64_t v)
{
	unsigned int msb = 63 - (unsigned int)__builtin_clzll(v | GEN_HIST_SUB_COUNT);
	unsigned int shift = msb - GEN_HIST_SUB_BITS;

	return (shift << GEN_HIST_SUB_BITS) + (unsigned int)(v >> shift);
}

/** Empty @h. Same as gen_hist_reset(). */
void gen_hist_init(struct gen_hist *h);

/** Empty @h for a new measurement interval. */
void gen_hist_reset(struct gen_hist *h);

/**
 * Record one value @v (nanoseconds). O(1): a clz, a shift, an increment
 * and the min/max/sum updates. Inline because it runs once per response.
 */
static inline void
gen_hist_record(struct gen_hist *h, uint64_t v)
{
	uint64_t b = v;

	if (__builtin_expect(v > GEN_HIST_MAX_VALUE, 0)) {
		b = GEN_HIST_MAX_VALUE;
		h->clamped++;
	}
	h->counts[gen_hist_index(b)]++;
	h->total++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/** Add every value recorded in @src to @dst (@src is unchanged). */
void gen_hist_merge(struct gen_hist *dst, const struct gen_hist *src);

/** Number of values recorded. */
uint64_t gen_hist_count(const struct gen_hist *h);

/** Smallest value recorded (exact); 0 if empty. */
uint64_t gen_hist_min(const struct gen_hist *h);

/** Largest value recorded (exact); 0 if empty. */
uint64_t gen_hist_max(const struct gen_hist *h);

/** Mean of the values recorded (exact sum / count); 0 if empty. */
double gen_hist_mean(const struct gen_hist *h);

/**
 * The @p-th percentile, @p in [0, 100] (clamped), by nearest rank: the
 * value of rank ceil(p / 100 * count) (at least 1) in sorted order, so
 * p = 0 is the minimum and p = 100 the maximum. The bucket holding that
 * rank is found and its midpoint returned, clamped to [min, max]; the
 * result is within 1/256 (< 0.4%) of the exact value for any value up to
 * GEN_HIST_MAX_VALUE. Returns 0 if empty.
 */
uint64_t gen_hist_percentile(const struct gen_hist *h, double p);

#endif /* GEN_HIST_H */
