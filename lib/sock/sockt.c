/* sockt.c: one engine's socket-table shard: linear probing over values that carry their own 4-tuple. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "pmt_sockt.h"

/*
 * A slot: the value's 48 bits of pointer, then 8 bits of the key's hash
 * (its top byte) and 8 of displacement, how far the slot is from the
 * key's home slot (SOCKT_DISP_MAX: that far or further). A probe at
 * distance d reads an object only for a slot of displacement d and the
 * same hash byte; a delete moves entries back by their displacement
 * alone, reading no object unless it is saturated.
 */
#define SOCKT_PTR_BITS 48
#define SOCKT_PTR_MASK ((UINT64_C(1) << SOCKT_PTR_BITS) - 1)
#define SOCKT_SIG_SHIFT 48
#define SOCKT_DISP_SHIFT 56
#define SOCKT_DISP_MAX 255u
#define SOCKT_DISP_MASK ((uint64_t)SOCKT_DISP_MAX << SOCKT_DISP_SHIFT)
#define SOCKT_MIN_SLOTS 16
/* 2^30 entries take 1.25 x 2^30 slots: indexes, cursors and counts stay 32-bit. */
#define SOCKT_MAX_ENTRIES (UINT32_C(1) << 30)
#define SOCKT_NONE UINT32_MAX

struct pmt_sockt {
	uint64_t *slot;		/* 0: empty */
	uint32_t n_slots;	/* 1.25 x entries, not rounded up */
	uint32_t count;
	uint32_t entries;	/* the caller's limit on live entries */
	uint32_t key_off;	/* where a value's struct pmt_flow_key is */
	uint32_t nh[4];		/* the hash's secret key */
	pmt_sockt_free_fn free_fn;
	void *ctx;
};

/* The home slot of hash @h: its low 32 bits scaled to the slot count
 * (Lemire's multiply-shift), so the table need not be a power of two. */
static inline uint32_t
home_of(const struct pmt_sockt *t, uint64_t h)
{
	return (uint32_t)(((uint64_t)(uint32_t)h * t->n_slots) >> 32);
}

static inline uint32_t
next_slot(const struct pmt_sockt *t, uint32_t i)
{
	return i + 1 == t->n_slots ? 0 : i + 1;
}

/* How far slot @to is past slot @from, going round. */
static inline uint32_t
slot_dist(const struct pmt_sockt *t, uint32_t from, uint32_t to)
{
	return to >= from ? to - from : to + t->n_slots - from;
}

/*
 * The 4-tuple comes from the peer, and linear probing degrades with
 * long runs, so the index must not be something a peer can aim: NH
 * (UMAC's inner hash, RFC 4418 section 5) under a secret key is almost
 * universal, two keys colliding with probability about 2^-32 whatever
 * they are, for two multiplications, less than jhash. A product's low
 * bits depend only on its operands' low bits, so a 64-bit finalizer
 * (a bijection: collisions stay NH's) spreads the high ones over the
 * index, which is taken from the low bits; the signature from the top.
 */
static inline uint64_t
sockt_hash(const struct pmt_sockt *t, const struct pmt_flow_key *k)
{
	uint32_t ports = (uint32_t)k->lport | (uint32_t)k->rport << 16;
	uint64_t h;

	h = (uint64_t)(uint32_t)(k->laddr + t->nh[0]) *
		(uint32_t)(k->raddr + t->nh[1]) +
	    (uint64_t)(uint32_t)(ports + t->nh[2]) * t->nh[3];
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return h;
}

static inline void *
slot_value(uint64_t s)
{
	return (void *)(uintptr_t)(s & SOCKT_PTR_MASK);
}

/* The key of a value (or slot): bit 0 is the caller's tag. */
static inline const struct pmt_flow_key *
value_key(const struct pmt_sockt *t, uintptr_t v)
{
	return (const struct pmt_flow_key *)((v & ~(uintptr_t)1) + t->key_off);
}

static inline const struct pmt_flow_key *
slot_key(const struct pmt_sockt *t, uint64_t s)
{
	return value_key(t, (uintptr_t)(s & SOCKT_PTR_MASK));
}

static inline bool
key_eq(const struct pmt_flow_key *a, const struct pmt_flow_key *b)
{
	return a->laddr == b->laddr && a->raddr == b->raddr &&
	       a->lport == b->lport && a->rport == b->rport;
}

/* Can the table hold @v? Its tag aside, a pointer in 48 bits. */
static inline bool
value_ok(uintptr_t v)
{
	return (v & ~(uintptr_t)1) != 0 && ((uint64_t)v & ~SOCKT_PTR_MASK) == 0;
}

/* What a slot at displacement @d holds for hash @h besides the pointer. */
static inline uint64_t
slot_tag(uint64_t h, uint32_t d)
{
	return (h >> SOCKT_DISP_SHIFT) << SOCKT_SIG_SHIFT |
	       (uint64_t)RTE_MIN(d, SOCKT_DISP_MAX) << SOCKT_DISP_SHIFT;
}

/*
 * Look for @k (hash @h) from slot *@i, *@d slots past its home slot.
 * true: *@i is its slot. false: *@i is the empty slot that ends the run
 * and *@d how far that is from the home slot (where an add puts it).
 */
static inline bool
probe(const struct pmt_sockt *t, const struct pmt_flow_key *k, uint64_t h,
      uint32_t *i, uint32_t *d)
{
	uint64_t s;

	/* Never full (count <= entries < slots): an empty slot ends it. */
	while ((s = t->slot[*i]) != 0) {
		if ((s & ~SOCKT_PTR_MASK) == slot_tag(h, *d) &&
		    key_eq(slot_key(t, s), k))
			return true;
		*i = next_slot(t, *i);
		(*d)++;
	}
	return false;
}

/* The slot of @k (hash @h), probing from slot @i at distance @d from its
 * home slot; SOCKT_NONE if absent. */
static inline uint32_t
find_from(const struct pmt_sockt *t, const struct pmt_flow_key *k,
	  uint64_t h, uint32_t i, uint32_t d)
{
	return probe(t, k, h, &i, &d) ? i : SOCKT_NONE;
}

static inline uint32_t
find(const struct pmt_sockt *t, const struct pmt_flow_key *k, uint64_t h)
{
	return find_from(t, k, h, home_of(t, h), 0);
}

struct pmt_sockt *
pmt_sockt_create(const char *name, uint32_t entries, int socket,
		 size_t key_off, pmt_sockt_free_fn free_fn, void *ctx)
{
	struct pmt_sockt *t;
	uint64_t slots;

	if (name == NULL || free_fn == NULL || entries == 0 ||
	    entries > SOCKT_MAX_ENTRIES || key_off > UINT16_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (sodium_init() < 0) {
		rte_errno = EIO;
		return NULL;
	}
	/*
	 * At most 80 % full: a linear probe's expected length grows as
	 * 1 / (1 - load)^2 for a miss, 13 slots at 0.8, 2.5 at 0.5.
	 */
	slots = (uint64_t)entries + entries / 4 + 1;	/* one always empty */
	slots = RTE_MAX(slots, (uint64_t)SOCKT_MIN_SLOTS);
	t = rte_zmalloc_socket(name, sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	/* Zeroed by the allocator from fresh pages: resident as used. */
	t->slot = rte_zmalloc_socket(name, slots * sizeof(*t->slot),
				     RTE_CACHE_LINE_SIZE, socket);
	if (t->slot == NULL) {
		rte_free(t);
		rte_errno = ENOMEM;
		return NULL;
	}
	t->n_slots = (uint32_t)slots;
	t->entries = entries;
	t->key_off = (uint32_t)key_off;
	t->free_fn = free_fn;
	t->ctx = ctx;
	randombytes_buf(t->nh, sizeof(t->nh));
	return t;
}

void
pmt_sockt_free(struct pmt_sockt *t)
{
	if (t == NULL)
		return;
	rte_free(t->slot);
	rte_free(t);
}

int
pmt_sockt_add(struct pmt_sockt *t, void *value)
{
	uintptr_t v = (uintptr_t)value;
	const struct pmt_flow_key *k;
	uint32_t i, d = 0;
	uint64_t h;

	if (!value_ok(v))
		return -EINVAL;
	k = value_key(t, v);
	h = sockt_hash(t, k);
	/* One probe both checks for the key and finds the free slot. */
	i = home_of(t, h);
	if (probe(t, k, h, &i, &d))
		return -EEXIST;
	if (t->count >= t->entries)
		return -ENOSPC;
	t->slot[i] = (uint64_t)v | slot_tag(h, d);
	t->count++;
	return 0;
}

/*
 * Empty slot @i and close the hole (Knuth's Algorithm R, TAOCP 6.4):
 * each later entry of the run moves back into the hole when the hole
 * lies on its probe path, from its home slot to where it is.
 */
static void
remove_at(struct pmt_sockt *t, uint32_t i)
{
	void *gone = slot_value(t->slot[i]);
	uint32_t j = i, d, back;
	uint64_t s;

	for (;;) {
		j = next_slot(t, j);
		s = t->slot[j];
		if (s == 0)
			break;
		d = (uint32_t)(s >> SOCKT_DISP_SHIFT);
		if (d == SOCKT_DISP_MAX)	/* saturated: ask the key */
			d = slot_dist(t, home_of(t, sockt_hash(t,
							       slot_key(t, s))),
				      j);
		back = slot_dist(t, i, j);
		if (d >= back) {
			t->slot[i] = (s & ~SOCKT_DISP_MASK) |
				(uint64_t)RTE_MIN(d - back, SOCKT_DISP_MAX) <<
				SOCKT_DISP_SHIFT;
			i = j;
		}
	}
	t->slot[i] = 0;
	t->count--;
	t->free_fn(t->ctx, gone);
}

int
pmt_sockt_del(struct pmt_sockt *t, const struct pmt_flow_key *k)
{
	uint32_t i = find(t, k, sockt_hash(t, k));

	if (i == SOCKT_NONE)
		return -ENOENT;
	remove_at(t, i);
	return 0;
}

int
pmt_sockt_del_value(struct pmt_sockt *t, void *value)
{
	uintptr_t v = (uintptr_t)value;
	uint64_t h, s;
	uint32_t i;

	if (!value_ok(v))
		return -ENOENT;
	h = sockt_hash(t, value_key(t, v));
	/* The value names its slot: no key compare, no object read. */
	for (i = home_of(t, h); (s = t->slot[i]) != 0; i = next_slot(t, i)) {
		if ((s & SOCKT_PTR_MASK) == (uint64_t)v) {
			remove_at(t, i);
			return 0;
		}
	}
	return -ENOENT;
}

int
pmt_sockt_replace(struct pmt_sockt *t, void *value)
{
	uintptr_t v = (uintptr_t)value;
	const struct pmt_flow_key *k;
	uint32_t i;
	void *old;

	if (!value_ok(v))
		return -EINVAL;
	k = value_key(t, v);
	i = find(t, k, sockt_hash(t, k));
	if (i == SOCKT_NONE)
		return -ENOENT;
	old = slot_value(t->slot[i]);
	t->slot[i] = (uint64_t)v | (t->slot[i] & ~SOCKT_PTR_MASK);
	if (old != value)
		t->free_fn(t->ctx, old);
	return 0;
}

void *
pmt_sockt_lookup(const struct pmt_sockt *t, const struct pmt_flow_key *k)
{
	uint32_t i = find(t, k, sockt_hash(t, k));

	return i == SOCKT_NONE ? NULL : slot_value(t->slot[i]);
}

unsigned int
pmt_sockt_lookup_bulk(const struct pmt_sockt *t,
		      const struct pmt_flow_key **keys, unsigned int n,
		      void **values)
{
	uint64_t h[PMT_SOCKT_BULK_MAX];
	uint32_t at[PMT_SOCKT_BULK_MAX], at_d[PMT_SOCKT_BULK_MAX];
	unsigned int done, i, m, hits = 0;

	for (done = 0; done < n; done += m) {
		m = RTE_MIN(n - done, (unsigned int)PMT_SOCKT_BULK_MAX);
		/* The home slots of the whole burst are fetched together... */
		for (i = 0; i < m; i++) {
			h[i] = sockt_hash(t, keys[done + i]);
			rte_prefetch0(&t->slot[home_of(t, h[i])]);
		}
		/* ...then the first object whose tag matches... */
		for (i = 0; i < m; i++) {
			uint32_t j = home_of(t, h[i]), d = 0;
			uint64_t s;

			while ((s = t->slot[j]) != 0 &&
			       (s & ~SOCKT_PTR_MASK) != slot_tag(h[i], d)) {
				j = next_slot(t, j);
				d++;
			}
			at[i] = j;
			at_d[i] = d;
			if (s != 0)
				rte_prefetch0(slot_key(t, s));
		}
		/* ...and the keys are compared when they have arrived. */
		for (i = 0; i < m; i++) {
			uint32_t j = find_from(t, keys[done + i], h[i], at[i],
					       at_d[i]);

			if (j == SOCKT_NONE) {
				values[done + i] = NULL;
			} else {
				values[done + i] = slot_value(t->slot[j]);
				hits++;
			}
		}
	}
	return hits;
}

uint32_t
pmt_sockt_count(const struct pmt_sockt *t)
{
	return t->count;
}

uint32_t
pmt_sockt_capacity(const struct pmt_sockt *t)
{
	return t->n_slots;
}

int
pmt_sockt_walk_resume(const struct pmt_sockt *t, uint32_t *cursor,
		      unsigned int max,
		      int (*fn)(void *arg, const struct pmt_flow_key *k,
				void *value),
		      void *arg)
{
	uint32_t i = *cursor;
	unsigned int n = 0;
	int ret = 0;

	if (i == PMT_SOCKT_WALK_DONE)
		return 0;
	while (i < t->n_slots && n < max && ret == 0) {
		uint64_t s = t->slot[i], now;
		struct pmt_flow_key k;

		if (s == 0) {
			i++;
			continue;
		}
		n++;
		/* A copy: @fn may free the object with its entry. */
		k = *slot_key(t, s);
		ret = fn(arg, slot_key(t, s), slot_value(s));
		/*
		 * If @fn deleted the entry, the delete may have moved the
		 * next one of its run here: look at this slot again. The
		 * same key means the entry stayed (perhaps replaced).
		 */
		now = t->slot[i];
		if (now == s || (now != 0 && key_eq(slot_key(t, now), &k)))
			i++;
	}
	*cursor = i >= t->n_slots ? PMT_SOCKT_WALK_DONE : i;
	return ret;
}

int
pmt_sockt_walk(const struct pmt_sockt *t,
	       int (*fn)(void *arg, const struct pmt_flow_key *k, void *value),
	       void *arg)
{
	uint32_t cursor = 0;

	return pmt_sockt_walk_resume(t, &cursor, UINT_MAX, fn, arg);
}

int
pmt_sockt_test_set_key(struct pmt_sockt *t, const uint32_t nh[4])
{
	if (t->count != 0)
		return -EBUSY;
	memcpy(t->nh, nh, sizeof(t->nh));
	return 0;
}
