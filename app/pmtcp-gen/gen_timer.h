/* gen_timer.h: pmtcp-gen's per-lcore timeout wheel: one deadline per connection, O(1) arm and cancel. */
#ifndef GEN_TIMER_H
#define GEN_TIMER_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A hashed wheel of n_slots buckets of tick_ns each, one node per
 * connection (its descriptor is its id). A node is in the bucket of its
 * deadline's tick; a deadline further out than one turn of the wheel
 * waits in its bucket for later turns (it is skipped until its turn
 * comes), so nothing cascades and any deadline can be armed.
 *
 * A bucket is visited once its tick has wholly passed, so a deadline
 * fires at most one tick late, never early, and each node is looked at
 * once per turn of the wheel however often the caller polls. The
 * generator re-arms lazily: it arms the earliest deadline a connection
 * may have, and on expiry works out whether a timeout really passed or
 * the connection made progress meanwhile (then it arms again).
 *
 * The clock is the caller's nanoseconds (injected in tests). One wheel
 * per lcore; no locks.
 */

/*
 * 12 bytes a connection: the deadline is kept as its tick, in 32 bits
 * that wrap (read against the wheel's own tick count), not in 64 bits
 * of nanoseconds.
 */
struct gen_tw_node {
	uint32_t next;		/* id + 1 in the bucket's list, 0 = end */
	uint32_t prev;		/* id + 1, 0 = the bucket's head */
	uint32_t tick;		/* the deadline's tick mod 2^32; 0 = not armed */
};

struct gen_tw {
	struct gen_tw_node *node;	/* [n_ids] */
	uint32_t *head;			/* [n_slots]: id + 1, 0 = empty */
	uint32_t n_ids;
	uint32_t mask;			/* n_slots - 1 */
	uint64_t tick_ns;
	uint64_t cur;			/* next tick to visit */
	uint32_t walk;			/* resume point in bucket cur (id + 1) */
	uint64_t armed;			/* nodes in the wheel */
};

/**
 * Set up a wheel for ids 0..@n_ids-1.
 *
 * @param n_slots
 *   A power of two; one turn is n_slots * tick_ns.
 * @return 0, -EINVAL for bad sizes, -ENOMEM.
 */
int gen_tw_init(struct gen_tw *tw, uint32_t n_ids, uint32_t n_slots,
		uint64_t tick_ns, uint64_t now);
void gen_tw_fini(struct gen_tw *tw);

/*
 * Deadlines further than this many ticks out fire at that distance (a
 * caller that re-arms lazily, as the generator does, arms again then):
 * 2^30 ticks of 1 ms are 12 days, above any timeout the generator has.
 */
#define GEN_TW_MAX_TICKS (UINT32_C(1) << 30)

/** Arm (or move) @id's deadline to @when (ns, > 0). */
void gen_tw_arm(struct gen_tw *tw, uint32_t id, uint64_t when);

/** Disarm @id; nothing if it is not armed. */
void gen_tw_cancel(struct gen_tw *tw, uint32_t id);

static inline bool
gen_tw_armed(const struct gen_tw *tw, uint32_t id)
{
	return tw->node[id].tick != 0;
}

/** When @id's deadline is due: the start of its tick, ns (0: not armed). */
static inline uint64_t
gen_tw_when(const struct gen_tw *tw, uint32_t id)
{
	uint32_t t = tw->node[id].tick;

	if (t == 0)
		return 0;
	/* Within 2^31 ticks of cur either way: the wrap is undone. */
	return (tw->cur + (uint64_t)(int64_t)(int32_t)(t - (uint32_t)tw->cur)) *
		tw->tick_ns;
}

/**
 * Collect up to @max ids whose deadline is in a tick that has wholly
 * passed by @now, disarmed, into @out. A call that returns @max may
 * have left more: call again. Bounded work: at most one turn of the
 * wheel is visited per call, however far @now jumped.
 *
 * @return the number of ids written.
 */
unsigned int gen_tw_expire(struct gen_tw *tw, uint64_t now, uint32_t *out,
			   unsigned int max);

#endif /* GEN_TIMER_H */
