/* cpu_probe.c: how fast this machine's core and caches are right now, for scripts/bench to print beside its figures. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/*
 * pmtcp's rates move by 2x between runs on machines of one kind while
 * the code and the segments per connection stay the same (issue 10):
 * the cost is spread over every function, so it is the machine that
 * moved. A dependent multiply chain gives the core's speed (its clock),
 * and a random pointer chase over 256 KiB, 4 MiB and 128 MiB the
 * latency of L2, of the last-level cache a VM shares with its
 * neighbours, and of memory. scripts/bench prints these before and
 * after its runs, so a figure can be read against the machine's state.
 */

#define ALU_ITERS 200000000L
#define CHASE_STEPS 10000000L

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ns per step of a dependent chase through @bytes in random order. */
static double
chase_ns(size_t bytes)
{
	size_t n = bytes / 64, i, p = 0, *perm;
	uint64_t *a, s = UINT64_C(88172645463325252);
	double t0, t1;
	long k;

	a = aligned_alloc(64, n * 64);
	perm = malloc(n * sizeof(*perm));
	if (a == NULL || perm == NULL) {
		free(a);
		free(perm);
		return 0;
	}
	for (i = 0; i < n; i++)
		perm[i] = i;
	for (i = n - 1; i > 0; i--) {	/* Fisher-Yates, xorshift64, fixed seed */
		size_t j, t;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		j = (size_t)(s % (i + 1));
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	/* One cycle through every line: each holds the next line's index. */
	for (i = 0; i < n; i++)
		a[perm[i] * 8] = perm[(i + 1) % n] * 8;
	t0 = now_s();
	for (k = 0; k < CHASE_STEPS; k++)
		p = (size_t)a[p];
	t1 = now_s();
	free(a);
	free(perm);
	/* p keeps the chase from being optimised away. */
	return (t1 - t0) / CHASE_STEPS * 1e9 + (p == SIZE_MAX ? 1 : 0);
}

int
main(void)
{
	uint64_t y = 1;
	double t0, t1;
	long i;

	t0 = now_s();
	for (i = 0; i < ALU_ITERS; i++)
		y = y * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	t1 = now_s();
	printf("cpu probe: mul-add chain %.2f ns, chase 256K %.1f ns, 4M %.1f ns, 128M %.1f ns%s\n",
	       (t1 - t0) / ALU_ITERS * 1e9, chase_ns(256u << 10),
	       chase_ns(4u << 20), chase_ns(128u << 20), y == 0 ? " " : "");
	return 0;
}
