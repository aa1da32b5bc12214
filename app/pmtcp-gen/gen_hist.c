/* gen_hist.c: the latency histogram's merge, summary statistics and percentiles. */
#include <math.h>
#include <string.h>

#include "gen_hist.h"

void
gen_hist_reset(struct gen_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void
gen_hist_init(struct gen_hist *h)
{
	gen_hist_reset(h);
}

void
gen_hist_merge(struct gen_hist *dst, const struct gen_hist *src)
{
	unsigned int i;

	for (i = 0; i < GEN_HIST_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
	dst->total += src->total;
	dst->clamped += src->clamped;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
gen_hist_count(const struct gen_hist *h)
{
	return h->total;
}

uint64_t
gen_hist_min(const struct gen_hist *h)
{
	return h->total == 0 ? 0 : h->min;
}

uint64_t
gen_hist_max(const struct gen_hist *h)
{
	return h->max;
}

double
gen_hist_mean(const struct gen_hist *h)
{
	if (h->total == 0)
		return 0.0;
	return (double)h->sum / (double)h->total;
}

/* The midpoint of bucket @idx: the inverse of gen_hist_index(). */
static uint64_t
bucket_mid(unsigned int idx)
{
	unsigned int shift;
	uint64_t lo;

	if (idx < 2 * GEN_HIST_SUB_COUNT)
		return idx;	/* one value per bucket */
	shift = (idx >> GEN_HIST_SUB_BITS) - 1;
	lo = (uint64_t)(idx - (shift << GEN_HIST_SUB_BITS)) << shift;
	return lo + (UINT64_C(1) << (shift - 1));
}

uint64_t
gen_hist_percentile(const struct gen_hist *h, double p)
{
	uint64_t rank, seen = 0, v;
	double r;
	unsigned int i;

	if (h->total == 0)
		return 0;
	if (!(p > 0.0))		/* also catches NaN */
		return h->min;
	if (p >= 100.0)
		return h->max;
	/* Nearest rank; a double holds any realistic count exactly. */
	r = ceil(p / 100.0 * (double)h->total);
	rank = r < 1.0 ? 1 : (uint64_t)r;
	if (rank > h->total)
		rank = h->total;
	for (i = 0; i < GEN_HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank)
			break;
	}
	v = bucket_mid(i);
	/* The true value lies in [min, max]: clamping only brings v closer. */
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}
