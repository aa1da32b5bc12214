/* pmt_impair.h: the impairment stage of one port direction: loss, bursts, reordering, duplication, corruption, delay, rate (internal). */
#ifndef PMT_IMPAIR_H
#define PMT_IMPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "pmtcp.h"
#include "stats/pmt_stats.h"

/*
 * xoshiro256** (Blackman and Vigna, 2018), seeded through splitmix64:
 * fast, 256 bits of state, and the same numbers on every machine for the
 * same seed, which is what makes an impaired run repeat.
 */
struct pmt_rng {
	uint64_t s[4];
};

static inline uint64_t
pmt_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void
pmt_rng_seed(struct pmt_rng *r, uint64_t seed)
{
	unsigned int i;

	/* splitmix64 never yields four zero words: the state is valid. */
	for (i = 0; i < 4; i++)
		r->s[i] = pmt_splitmix64(&seed);
}

static inline uint64_t
pmt_rng_next(struct pmt_rng *r)
{
	uint64_t *s = r->s;
	uint64_t x = s[1] * 5, res = ((x << 7) | (x >> 57)) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return res;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply; bias below 2^-32). */
static inline uint32_t
pmt_rng_below(struct pmt_rng *r, uint32_t n)
{
	return (uint32_t)(((pmt_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* The seed of one stage: the configured seed, port, direction, lcore. */
uint64_t pmt_impair_seed(uint64_t seed, uint16_t port, unsigned int dir,
			 uint16_t lcore);

struct pmt_impair;

/*
 * A stage for @spec; held copies come from @pool, counters go to the
 * impair_rx_* or impair_tx_* fields of @stats. NULL when out of memory.
 */
struct pmt_impair *pmt_impair_create(const struct pmt_impair_spec *spec,
				     unsigned int dir, uint64_t seed,
				     struct rte_mempool *pool,
				     struct pmt_stats *stats, int socket);

/* Free the stage and every packet it holds. NULL is fine. */
void pmt_impair_free(struct pmt_impair *s);

/* Put @n packets through the stage at time @now (microseconds). */
void pmt_impair_push(struct pmt_impair *s, struct rte_mbuf **pkts,
		     unsigned int n, uint64_t now);

/*
 * Release what is due at @now, then point *@pkts at the oldest run of
 * ready packets and return its length (0: none). The caller takes some
 * with pmt_impair_consume(); the rest stay ready, in order.
 */
unsigned int pmt_impair_ready(struct pmt_impair *s, uint64_t now,
			      struct rte_mbuf ***pkts);
void pmt_impair_consume(struct pmt_impair *s, unsigned int n);

/* Packets held (delayed, reordered or ready), for tests and teardown. */
unsigned int pmt_impair_held(const struct pmt_impair *s);

#endif /* PMT_IMPAIR_H */
