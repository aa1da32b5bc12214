/* pmt_sockt.h: one engine's shard of the socket table: 4-tuple -> TCB, owned by its lcore (internal). */
#ifndef PMT_SOCKT_H
#define PMT_SOCKT_H

#include <stddef.h>
#include <stdint.h>

/*
 * An open-addressing table of 8-byte slots that holds no key of its
 * own: each value points to an object (a TCB, an idle form) that
 * carries its 4-tuple at a fixed offset, and a slot is the value's
 * pointer with a byte of the key's hash and the slot's distance from
 * the key's home above it, so a probe reads an object only when both
 * match. That is 8 bytes a slot and
 * 10 bytes a socket the shard is sized for (1.25 slots each, not
 * rounded to a power of two), where rte_hash kept a 32-byte key entry
 * and 8 to 16 bytes of bucket (docs/architecture.md, "Socket table"). Linear probing under a keyed hash; a delete shifts the
 * rest of its run back, so there are no tombstones and a lookup never
 * slows with churn.
 *
 * Only the owning lcore touches a shard: segments that reach another
 * lcore are handed to the owner over a ring, and whoever wants to see
 * the sockets asks the owner. So a deleted value goes to free_fn at
 * once, from within the delete.
 */

/* Keys per pmt_sockt_lookup_bulk() call that are looked up together. */
#define PMT_SOCKT_BULK_MAX 32

/* The key: addresses and ports as on the wire (network order). */
struct pmt_flow_key {
	uint32_t laddr;
	uint32_t raddr;
	uint16_t lport;
	uint16_t rport;
};

_Static_assert(sizeof(struct pmt_flow_key) == 12, "4-tuple key is 12 bytes");

struct pmt_sockt;

/* Called (on the owner lcore) when a deleted or replaced value leaves. */
typedef void (*pmt_sockt_free_fn)(void *ctx, void *value);

/*
 * Create a shard for up to @entries sockets on NUMA @socket. Every value
 * put in it is a pointer, 8-byte aligned and below 2^48 except for its
 * bit 0 (the caller's tag, which the table keeps and ignores), to an
 * object whose struct pmt_flow_key is at byte @key_off; the object's key
 * must not change while it is in the table. @name names the memory
 * (rte_malloc type). Needs the EAL.
 * Returns NULL with rte_errno set on failure.
 */
struct pmt_sockt *pmt_sockt_create(const char *name, uint32_t entries,
				   int socket, size_t key_off,
				   pmt_sockt_free_fn free_fn, void *ctx);

/* Free the shard. Values still in it are NOT passed to free_fn. */
void pmt_sockt_free(struct pmt_sockt *t);

/*
 * 0, -EEXIST if the key (read from @value) is present, -ENOSPC when
 * @entries are in it, -EINVAL for a value the table cannot hold.
 */
int pmt_sockt_add(struct pmt_sockt *t, void *value);

/* Delete @k's entry; its value goes to free_fn. 0 or -ENOENT. */
int pmt_sockt_del(struct pmt_sockt *t, const struct pmt_flow_key *k);

/*
 * pmt_sockt_del() for a caller that knows the entry's value (its TCB or
 * idle form): the probe compares pointers, not keys. 0 or -ENOENT.
 */
int pmt_sockt_del_value(struct pmt_sockt *t, void *value);

/*
 * Give the entry of @value's key the value @value (the same key, another
 * object: a TCB for its idle form and back); the old value goes to
 * free_fn. 0, -ENOENT or -EINVAL.
 */
int pmt_sockt_replace(struct pmt_sockt *t, void *value);

/* NULL if absent. */
void *pmt_sockt_lookup(const struct pmt_sockt *t, const struct pmt_flow_key *k);

/*
 * Look up @n keys at once, as an RX burst needs: hashes first, then the
 * slots, then the objects, each step prefetched for the next (sets of
 * more than PMT_SOCKT_BULK_MAX are cut into such sets). values[i] is
 * NULL for a miss. Returns the number of hits.
 */
unsigned int pmt_sockt_lookup_bulk(const struct pmt_sockt *t,
				   const struct pmt_flow_key **keys,
				   unsigned int n, void **values);

/* Entries in the table now. */
uint32_t pmt_sockt_count(const struct pmt_sockt *t);

/* Slots in the table: what a walk's cursor runs over. */
uint32_t pmt_sockt_capacity(const struct pmt_sockt *t);

/*
 * Visit every entry; stops early when @fn returns non-zero and returns
 * that value. @fn may delete the entry it is given (the walk then looks
 * at that slot again, where the delete may have moved another entry);
 * an entry moved back across the end of the slot array by such a delete
 * may be visited twice. Other changes during a walk may make it miss
 * entries.
 */
int pmt_sockt_walk(const struct pmt_sockt *t,
		   int (*fn)(void *arg, const struct pmt_flow_key *k,
			     void *value),
		   void *arg);

/* The cursor value that pmt_sockt_walk_resume() leaves at the end. */
#define PMT_SOCKT_WALK_DONE UINT32_MAX

/*
 * The same walk in pieces, so that a walk of a large table need not
 * hold up its owner: starts at slot *@cursor (0 for the beginning),
 * visits at most @max entries and leaves in *@cursor where the next
 * piece starts, PMT_SOCKT_WALK_DONE when there is none. Between pieces
 * the owner may add and delete: an entry present from the first piece
 * to the last and never deleted meanwhile is visited at least once
 * unless a delete moved it back past the cursor.
 * Returns @fn's non-zero value if it stopped the walk, else 0.
 */
int pmt_sockt_walk_resume(const struct pmt_sockt *t, uint32_t *cursor,
			  unsigned int max,
			  int (*fn)(void *arg, const struct pmt_flow_key *k,
				    void *value),
			  void *arg);

/*
 * Tests only: give an empty shard the hash key @nh instead of its secret
 * one (all zeros: every key with the same addresses goes to one slot,
 * the longest runs a table can have). 0, or -EBUSY if not empty.
 */
int pmt_sockt_test_set_key(struct pmt_sockt *t, const uint32_t nh[4]);

#endif /* PMT_SOCKT_H */
