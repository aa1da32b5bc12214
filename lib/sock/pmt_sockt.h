/* pmt_sockt.h: one engine's shard of the socket table: 4-tuple -> TCB, lock-free for readers (internal). */
#ifndef PMT_SOCKT_H
#define PMT_SOCKT_H

#include <stdint.h>

/*
 * An rte_hash created with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF: the
 * owning lcore is the only writer and never waits; any other thread may
 * look up or walk without a lock once registered as an RCU reader. A
 * deleted entry's value (the TCB) is handed to free_fn only after every
 * registered reader has passed a quiescent state: an rte_rcu_qsbr defer
 * queue holds the deleted entry's key slot and value until then (see
 * sockt.c for why it is ours and not the one rte_hash_rcu_qsbr_add()
 * attaches in DPDK 22.11).
 */

/* Longest shard name: DPDK names rings after it, "HT_EXT_<name>". */
#define PMT_SOCKT_NAME_MAX 21
/* Keys per pmt_sockt_lookup_bulk() call that cost one rte_hash call. */
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

/* Called (on the owner lcore) when a deleted value may be reused. */
typedef void (*pmt_sockt_free_fn)(void *ctx, void *value);

/*
 * Create a shard for up to @entries sockets on NUMA @socket, with room
 * for @max_readers reader threads; 0: the owner is the only reader, and
 * deleted values go to free_fn at once (from within the delete).
 * @name must be unique in the process and at most PMT_SOCKT_NAME_MAX
 * characters. Needs the EAL.
 * Returns NULL with rte_errno set on failure.
 */
struct pmt_sockt *pmt_sockt_create(const char *name, uint32_t entries,
				   int socket, unsigned int max_readers,
				   pmt_sockt_free_fn free_fn, void *ctx);

/*
 * Free the shard (owner). Values still in it are NOT passed to free_fn;
 * deleted values still in their grace period are, after waiting for it:
 * readers must be offline or unregistered, or keep reporting.
 */
void pmt_sockt_free(struct pmt_sockt *t);

/*
 * Owner only. 0, -EEXIST if the key is present, -ENOSPC when full:
 * @entries live, or live plus deleted-but-not-yet-reclaimed fill the
 * key slots (a reader that does not report quiescent states holds them).
 */
int pmt_sockt_add(struct pmt_sockt *t, const struct pmt_flow_key *k,
		  void *value);

/*
 * Owner only. 0 or -ENOENT. The value goes to free_fn after a grace
 * period, from this or a later pmt_sockt_del/add/reclaim call.
 */
int pmt_sockt_del(struct pmt_sockt *t, const struct pmt_flow_key *k);

/*
 * pmt_sockt_del() for a caller that knows the entry's value (its TCB or
 * idle form): one bucket search instead of a lookup and a delete.
 * @value must be what the entry holds.
 */
int pmt_sockt_del_value(struct pmt_sockt *t, const struct pmt_flow_key *k,
			void *value);

/*
 * Owner only. Give the entry of @k the value @value; the old one goes
 * to free_fn after a grace period, as a deleted one would (readers may
 * still hold it). 0 or -ENOENT.
 */
int pmt_sockt_replace(struct pmt_sockt *t, const struct pmt_flow_key *k,
		      void *value);

/* Any thread (readers registered). NULL if absent. */
void *pmt_sockt_lookup(const struct pmt_sockt *t, const struct pmt_flow_key *k);

/*
 * Look up @n keys at once, as an RX burst needs (up to PMT_SOCKT_BULK_MAX
 * is one rte_hash call; more are cut into such calls). values[i] is
 * NULL for a miss. Returns the number of hits.
 */
unsigned int pmt_sockt_lookup_bulk(const struct pmt_sockt *t,
				   const struct pmt_flow_key **keys,
				   unsigned int n, void **values);

/* Entries in the table now (owner's view). */
uint32_t pmt_sockt_count(const struct pmt_sockt *t);

/* Owner: deleted entries whose value has not yet gone to free_fn. */
uint32_t pmt_sockt_pending(const struct pmt_sockt *t);

/*
 * Visit every entry (the owner, or a reader thread that is online);
 * stops early when @fn returns non-zero and returns that value. While
 * the owner writes, an entry may be missed or visited twice.
 */
int pmt_sockt_walk(const struct pmt_sockt *t,
		   int (*fn)(void *arg, const struct pmt_flow_key *k,
			     void *value),
		   void *arg);

/* The cursor value that pmt_sockt_walk_resume() leaves at the end. */
#define PMT_SOCKT_WALK_DONE UINT32_MAX

/*
 * The same walk in pieces, for a reader of a large table: a reader
 * inside one walk holds back the reuse of every entry deleted meanwhile,
 * so a long walk costs the owner memory (and, once the key slots run
 * out, -ENOSPC). Starts at *@cursor (0 for the beginning), visits at
 * most @max entries and leaves in *@cursor where the next piece starts,
 * PMT_SOCKT_WALK_DONE when there is none. The cursor is a position, not
 * a reference: the reader may report a quiescent state between pieces.
 * Returns @fn's non-zero value if it stopped the walk, else 0.
 */
int pmt_sockt_walk_resume(const struct pmt_sockt *t, uint32_t *cursor,
			  unsigned int max,
			  int (*fn)(void *arg, const struct pmt_flow_key *k,
				    void *value),
			  void *arg);

/* Reader threads: register once, then bracket use with online/offline
 * (or report quiescent states between lookups). @id < max_readers. */
int pmt_sockt_reader_register(struct pmt_sockt *t, unsigned int id);
void pmt_sockt_reader_online(struct pmt_sockt *t, unsigned int id);
void pmt_sockt_reader_quiescent(struct pmt_sockt *t, unsigned int id);
void pmt_sockt_reader_offline(struct pmt_sockt *t, unsigned int id);
int pmt_sockt_reader_unregister(struct pmt_sockt *t, unsigned int id);

/* Most values one pmt_sockt_reclaim() call hands to free_fn. */
#define PMT_SOCKT_RECLAIM_MAX 256

/*
 * Owner: pass deleted values whose grace period ended to free_fn, at
 * most PMT_SOCKT_RECLAIM_MAX of them (call it once per loop turn).
 * Never waits for readers.
 */
void pmt_sockt_reclaim(struct pmt_sockt *t);

#endif /* PMT_SOCKT_H */
