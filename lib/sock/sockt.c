/* sockt.c: one engine's socket-table shard: rte_hash (lock-free readers) + RCU defer queue for TCBs. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "pmt_sockt.h"

/*
 * Why our own defer queue rather than rte_hash_rcu_qsbr_add():
 * DPDK 22.11 can attach a QSBR variable to the hash in DQ mode, but it
 * has no public call that drains that queue (rte_hash_rcu_qsbr_dq_reclaim
 * arrived in a later release). Its queue is drained only as a side effect
 * of a later delete or of an add that finds no free slot, so an idle
 * shard would keep deleted TCBs out of their pool indefinitely and
 * pmt_sockt_reclaim() could not keep its promise. So we do what the
 * hash does internally, on the same kind of queue: in LF mode
 * rte_hash_del_key() leaves the key slot allocated (NO_FREE_ON_DEL is
 * implied), we push {slot, value} onto an rte_rcu_qsbr_dq, and after the
 * grace period its callback returns the slot with
 * rte_hash_free_key_with_position() (which also recycles an emptied
 * extendable bucket) and hands the value to free_fn.
 */

/* rte_hash_create() refuses fewer entries than one bucket holds. */
#define SOCKT_MIN_HASH_ENTRIES 8
/*
 * A delete reclaims (without waiting) up to this many expired entries
 * once this many are pending: amortizes the grace-period check and
 * bounds the work added to any single delete.
 */
#define SOCKT_DQ_TRIGGER 32
#define SOCKT_DQ_RECLAIM_MAX 32
/* The longest prefix DPDK puts on our name: the hash's "HT_EXT_" ring. */
#define SOCKT_NAME_PREFIX_MAX (sizeof("HT_EXT_") - 1)

_Static_assert(PMT_SOCKT_NAME_MAX + SOCKT_NAME_PREFIX_MAX < RTE_RING_NAMESIZE,
	       "every ring named after a shard must fit RTE_RING_NAMESIZE");
_Static_assert(PMT_SOCKT_BULK_MAX <= RTE_HASH_LOOKUP_BULK_MAX,
	       "one RX burst is one rte_hash bulk lookup");

struct pmt_sockt {
	struct rte_hash *h;
	struct rte_rcu_qsbr *v;		/* readers' quiescent states */
	struct rte_rcu_qsbr_dq *dq;	/* deleted, awaiting a grace period */
	pmt_sockt_free_fn free_fn;
	void *ctx;
	uint32_t entries;	/* the caller's limit on live entries */
	uint32_t count;		/* live entries; owner writes */
	uint32_t pending;	/* deleted, not yet freed; owner only */
};

/*
 * The key as the hash stores it: the 4-tuple and four zero bytes.
 * rte_hash compares 16-byte keys with one vector compare and other
 * sizes with memcmp(), which was 6% of a connection-rate client; the
 * key store's entries are 32 bytes either way.
 */
struct sockt_key {
	struct pmt_flow_key k;
	uint32_t zero;
};

_Static_assert(sizeof(struct sockt_key) == 16, "the hash key is 16 bytes");

static inline struct sockt_key
skey(const struct pmt_flow_key *k)
{
	struct sockt_key s = { .k = *k, .zero = 0 };

	return s;
}

/* What the defer queue remembers of a deleted entry. */
struct sockt_dq_elem {
	void *value;
	int32_t pos;			/* rte_hash key position, -1: none
					 * (a replaced value keeps its slot) */
	uint32_t pad;
};

_Static_assert(sizeof(struct sockt_dq_elem) % 4 == 0,
	       "rte_rcu_qsbr_dq element size must be a multiple of 4");

/* Defer-queue callback (owner lcore): the grace period of @e is over. */
static void
sockt_dq_free(void *p, void *e, unsigned int n)
{
	struct pmt_sockt *t = p;
	struct sockt_dq_elem el;

	RTE_SET_USED(n);
	/* The queue hands us bytes from a char buffer: copy, don't cast. */
	memcpy(&el, e, sizeof(el));
	/* No reader can still hold the slot's key or value. */
	if (el.pos >= 0)
		rte_hash_free_key_with_position(t->h, el.pos);
	t->pending--;
	t->free_fn(t->ctx, el.value);
}

struct pmt_sockt *
pmt_sockt_create(const char *name, uint32_t entries, int socket,
		 unsigned int max_readers, pmt_sockt_free_fn free_fn,
		 void *ctx)
{
	struct rte_rcu_qsbr_dq_parameters dqp = { 0 };
	struct rte_hash_parameters hp = { 0 };
	char dq_name[RTE_RING_NAMESIZE];
	struct pmt_sockt *t;
	uint32_t seed;
	size_t sz;
	int err;

	if (name == NULL || free_fn == NULL || entries == 0 ||
	    entries > RTE_HASH_ENTRIES_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* DPDK truncates ring names silently; two long names could clash. */
	if (strlen(name) > PMT_SOCKT_NAME_MAX) {
		rte_errno = ENAMETOOLONG;
		return NULL;
	}
	if (sodium_init() < 0) {
		rte_errno = EIO;
		return NULL;
	}
	/* Some DPDK failures leave rte_errno as it was. */
	rte_errno = 0;
	t = rte_zmalloc_socket("pmt_sockt", sizeof(*t), RTE_CACHE_LINE_SIZE,
			       socket);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->free_fn = free_fn;
	t->ctx = ctx;
	t->entries = entries;

	/*
	 * No reader but the owner (max_readers 0): no grace period, no
	 * QSBR variable and no defer queue; a deleted value goes to
	 * free_fn at once. The queue would otherwise be written and read
	 * back, cold, by every delete, and grow resident to the table's
	 * size (16 bytes an entry).
	 */
	if (max_readers > 0) {
		sz = rte_rcu_qsbr_get_memsize(max_readers);
		t->v = rte_zmalloc_socket("pmt_sockt_qsbr", sz,
					  RTE_CACHE_LINE_SIZE, socket);
		if (t->v == NULL) {
			rte_errno = ENOMEM;
			goto fail;
		}
		if (rte_rcu_qsbr_init(t->v, max_readers) != 0)
			goto fail;
	}

	/*
	 * The 4-tuple comes from the peer. CRC's seed does not change which
	 * keys collide (CRC is affine), so a peer choosing ports could aim
	 * them all at one bucket chain; jhash under a secret seed gives no
	 * such handle. It is not a keyed PRF (SipHash would be, at ~4x the
	 * cost per packet); the extendable table keeps inserts correct even
	 * under collisions, only slower.
	 */
	randombytes_buf(&seed, sizeof(seed));
	hp.name = name;
	hp.entries = RTE_MAX(entries, (uint32_t)SOCKT_MIN_HASH_ENTRIES);
	hp.key_len = sizeof(struct sockt_key);
	hp.hash_func = rte_jhash;
	hp.hash_func_init_val = seed;
	hp.socket_id = socket;
	/*
	 * LF: readers never take a lock and the single writer never waits.
	 * EXT_TABLE: cuckoo displacement can fail below capacity; chained
	 * extendable buckets make "full" mean all @entries key slots used.
	 */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->h = rte_hash_create(&hp);
	if (t->h == NULL)
		goto fail;

	/*
	 * Every pending delete holds one of the hash's key slots until it is
	 * freed, so at most hp.entries deletes are ever queued; replaced
	 * values hold no slot and can outnumber them, and a full queue then
	 * costs a reclaim or, at worst, a wait for the readers.
	 */
	if (t->v == NULL)
		return t;
	snprintf(dq_name, sizeof(dq_name), "SKT_DQ_%s", name);
	dqp.name = dq_name;
	/* The owner alone enqueues. */
	dqp.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE;
	dqp.size = hp.entries;
	dqp.esize = sizeof(struct sockt_dq_elem);
	dqp.trigger_reclaim_limit = SOCKT_DQ_TRIGGER;
	dqp.max_reclaim_size = SOCKT_DQ_RECLAIM_MAX;
	dqp.free_fn = sockt_dq_free;
	dqp.p = t;
	dqp.v = t->v;
	t->dq = rte_rcu_qsbr_dq_create(&dqp);
	if (t->dq == NULL)
		goto fail;
	return t;

fail:
	err = rte_errno != 0 ? rte_errno : ENOMEM;
	rte_hash_free(t->h);
	rte_free(t->v);
	rte_free(t);
	rte_errno = err;
	return NULL;
}

void
pmt_sockt_free(struct pmt_sockt *t)
{
	if (t == NULL)
		return;
	/*
	 * Hand back the values still waiting: one grace period covers every
	 * token issued so far, after which the queue drains completely.
	 */
	if (t->dq != NULL) {
		rte_rcu_qsbr_synchronize(t->v, RTE_QSBR_THRID_INVALID);
		rte_rcu_qsbr_dq_delete(t->dq);
	}
	rte_hash_free(t->h);
	rte_free(t->v);
	rte_free(t);
}

/* Queue @el for its grace period; a full queue costs a wait, never safety. */
static void
sockt_defer(struct pmt_sockt *t, struct sockt_dq_elem *el)
{
	unsigned int freed = 0;

	t->pending++;
	if (t->dq == NULL) {
		sockt_dq_free(t, el, 1);	/* no reader to wait for */
		return;
	}
	if (rte_rcu_qsbr_dq_enqueue(t->dq, el) == 0)
		return;
	rte_rcu_qsbr_dq_reclaim(t->dq, SOCKT_DQ_RECLAIM_MAX, &freed, NULL,
				NULL);
	if (freed > 0 && rte_rcu_qsbr_dq_enqueue(t->dq, el) == 0)
		return;
	rte_rcu_qsbr_synchronize(t->v, RTE_QSBR_THRID_INVALID);
	sockt_dq_free(t, el, 1);
}

int
pmt_sockt_add(struct pmt_sockt *t, const struct pmt_flow_key *k, void *value)
{
	struct sockt_key sk = skey(k);
	hash_sig_t sig = rte_hash_hash(t->h, &sk);
	unsigned int freed = 0;
	int ret;

	/* rte_hash_add_key_data() would silently replace the value. */
	if (rte_hash_lookup_with_hash(t->h, &sk, sig) >= 0)
		return -EEXIST;
	if (t->count >= t->entries)
		return -ENOSPC;
	ret = rte_hash_add_key_with_hash_data(t->h, &sk, sig, value);
	if (ret == -ENOSPC && t->dq != NULL) {
		/* Slots of deleted entries come back only through the queue. */
		rte_rcu_qsbr_dq_reclaim(t->dq, SOCKT_DQ_RECLAIM_MAX, &freed,
					NULL, NULL);
		if (freed > 0)
			ret = rte_hash_add_key_with_hash_data(t->h, &sk, sig,
							      value);
	}
	if (ret < 0)
		return ret;
	__atomic_store_n(&t->count, t->count + 1, __ATOMIC_RELAXED);
	return 0;
}

/* Delete @sk, whose value is @value, and defer both for a grace period. */
static int
del_hashed(struct pmt_sockt *t, const struct sockt_key *sk, hash_sig_t sig,
	   void *value)
{
	struct sockt_dq_elem el = { .value = value };

	el.pos = rte_hash_del_key_with_hash(t->h, sk, sig);
	if (el.pos < 0)
		return -ENOENT;
	__atomic_store_n(&t->count, t->count - 1, __ATOMIC_RELAXED);
	sockt_defer(t, &el);
	return 0;
}

int
pmt_sockt_del(struct pmt_sockt *t, const struct pmt_flow_key *k)
{
	struct sockt_key sk = skey(k);
	hash_sig_t sig = rte_hash_hash(t->h, &sk);
	void *value;

	/* The delete returns only the slot; the value must be read first. */
	if (rte_hash_lookup_with_hash_data(t->h, &sk, sig, &value) < 0)
		return -ENOENT;
	return del_hashed(t, &sk, sig, value);
}

int
pmt_sockt_del_value(struct pmt_sockt *t, const struct pmt_flow_key *k,
		    void *value)
{
	struct sockt_key sk = skey(k);
	hash_sig_t sig = rte_hash_hash(t->h, &sk);

#ifdef RTE_ENABLE_ASSERT
	{
		void *held;

		RTE_ASSERT(rte_hash_lookup_with_hash_data(t->h, &sk, sig, &held) < 0 ||
			   held == value);
	}
#endif
	return del_hashed(t, &sk, sig, value);
}

int
pmt_sockt_replace(struct pmt_sockt *t, const struct pmt_flow_key *k,
		  void *value)
{
	struct sockt_key sk = skey(k);
	hash_sig_t sig = rte_hash_hash(t->h, &sk);
	struct sockt_dq_elem el = { .pos = -1 };
	int ret;

	if (rte_hash_lookup_with_hash_data(t->h, &sk, sig, &el.value) < 0)
		return -ENOENT;
	/* On a present key, LF mode swaps the value with one atomic store. */
	ret = rte_hash_add_key_with_hash_data(t->h, &sk, sig, value);
	if (ret < 0)
		return ret;
	sockt_defer(t, &el);
	return 0;
}

void *
pmt_sockt_lookup(const struct pmt_sockt *t, const struct pmt_flow_key *k)
{
	struct sockt_key sk = skey(k);
	void *value;

	if (rte_hash_lookup_data(t->h, &sk, &value) < 0)
		return NULL;
	return value;
}

unsigned int
pmt_sockt_lookup_bulk(const struct pmt_sockt *t,
		      const struct pmt_flow_key **keys, unsigned int n,
		      void **values)
{
	struct sockt_key sk[RTE_HASH_LOOKUP_BULK_MAX];
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	unsigned int done, i, m, hits = 0;
	uint64_t mask;
	int ret;

	/* An RX burst is one call; larger sets are cut to the API's limit. */
	for (done = 0; done < n; done += m) {
		m = RTE_MIN(n - done, (unsigned int)RTE_HASH_LOOKUP_BULK_MAX);
		for (i = 0; i < m; i++) {
			sk[i] = skey(keys[done + i]);
			kp[i] = &sk[i];
		}
		mask = 0;
		ret = rte_hash_lookup_bulk_data(t->h, kp, m, &mask,
						values + done);
		if (ret < 0)
			mask = 0;
		/* A miss leaves its data[] slot untouched: clear it. */
		for (i = 0; i < m; i++)
			if (!(mask & (UINT64_C(1) << i)))
				values[done + i] = NULL;
		hits += (unsigned int)__builtin_popcountll(mask);
	}
	return hits;
}

uint32_t
pmt_sockt_count(const struct pmt_sockt *t)
{
	/* Not rte_hash_count(): it also counts slots still on the queue. */
	return __atomic_load_n(&t->count, __ATOMIC_RELAXED);
}

uint32_t
pmt_sockt_pending(const struct pmt_sockt *t)
{
	return t->pending;
}

int
pmt_sockt_walk_resume(const struct pmt_sockt *t, uint32_t *cursor,
		      unsigned int max,
		      int (*fn)(void *arg, const struct pmt_flow_key *k,
				void *value),
		      void *arg)
{
	const void *key;
	uint32_t next = *cursor;
	unsigned int n;
	void *value;
	int ret = 0;

	if (next == PMT_SOCKT_WALK_DONE)
		return 0;
	/*
	 * rte_hash_iterate()'s cursor is a bucket-slot index, never a
	 * pointer into an entry, so it stays valid across the caller's
	 * quiescent states. Concurrent with the owner, cuckoo moves and
	 * chain compaction may make the walk skip or repeat an entry; RCU
	 * guarantees only that what it returns is not freed before the
	 * caller's next quiescent state.
	 */
	for (n = 0; n < max; n++) {
		if (rte_hash_iterate(t->h, &key, &value, &next) < 0) {
			next = PMT_SOCKT_WALK_DONE;
			break;
		}
		ret = fn(arg, key, value);
		if (ret != 0)
			break;
	}
	*cursor = next;
	return ret;
}

int
pmt_sockt_walk(const struct pmt_sockt *t,
	       int (*fn)(void *arg, const struct pmt_flow_key *k, void *value),
	       void *arg)
{
	uint32_t cursor = 0;

	/* No table has UINT_MAX entries: one piece is the whole walk. */
	return pmt_sockt_walk_resume(t, &cursor, UINT_MAX, fn, arg);
}

int
pmt_sockt_reader_register(struct pmt_sockt *t, unsigned int id)
{
	if (t->v == NULL)
		return -EINVAL;		/* created for no reader */
	if (rte_rcu_qsbr_thread_register(t->v, id) != 0)
		return -rte_errno;
	return 0;
}

void
pmt_sockt_reader_online(struct pmt_sockt *t, unsigned int id)
{
	if (t->v != NULL)
		rte_rcu_qsbr_thread_online(t->v, id);
}

void
pmt_sockt_reader_quiescent(struct pmt_sockt *t, unsigned int id)
{
	if (t->v != NULL)
		rte_rcu_qsbr_quiescent(t->v, id);
}

void
pmt_sockt_reader_offline(struct pmt_sockt *t, unsigned int id)
{
	if (t->v != NULL)
		rte_rcu_qsbr_thread_offline(t->v, id);
}

int
pmt_sockt_reader_unregister(struct pmt_sockt *t, unsigned int id)
{
	if (t->v == NULL)
		return -EINVAL;
	if (rte_rcu_qsbr_thread_unregister(t->v, id) != 0)
		return -rte_errno;
	return 0;
}

void
pmt_sockt_reclaim(struct pmt_sockt *t)
{
	/*
	 * Never waits: stops at the first entry still in its grace period.
	 * Bounded, because after a long read-side section the backlog can
	 * be thousands of entries, and freeing them in one go would stall
	 * the owner's RX loop for hundreds of microseconds.
	 */
	if (t->dq != NULL)
		rte_rcu_qsbr_dq_reclaim(t->dq, PMT_SOCKT_RECLAIM_MAX, NULL,
					NULL, NULL);
}
