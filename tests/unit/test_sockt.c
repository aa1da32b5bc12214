/* test_sockt.c: the socket-table shard: table semantics, RCU-deferred frees, and a reader racing a writer. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_pause.h>

#include "sock/pmt_sockt.h"
#include "teal.h"

#define MAGIC_LIVE UINT64_C(0x4c4956452d544342)	/* "LIVE-TCB" */
#define MAGIC_DEAD UINT64_C(0xdeaddeaddeaddead)

/* A stand-in for a TCB: the reader checks it was never freed under it. */
struct obj {
	uint64_t magic;
	struct pmt_flow_key key;
	uint32_t id;
	struct obj *next_free;
};

/* What free_fn saw. */
struct fctx {
	unsigned int n_freed;
	unsigned int bad;	/* freed twice, or off the owner thread */
	void *last;
	pthread_t owner;
};

static unsigned int table_seq;
/* The process's CPUs before rte_eal_init() pinned this thread to lcore 0. */
static cpu_set_t start_cpus;

static void
count_free(void *ctx, void *value)
{
	struct fctx *c = ctx;
	struct obj *o = value;

	if (o->magic != MAGIC_LIVE || !pthread_equal(pthread_self(), c->owner))
		c->bad++;
	o->magic = MAGIC_DEAD;
	c->n_freed++;
	c->last = value;
}

static struct pmt_flow_key
key_of(uint32_t id)
{
	/* Distinct for every id; network order like the wire. */
	struct pmt_flow_key k = {
		.laddr = 0x0100000a,
		.raddr = 0x0000000b | (id >> 16) << 8,
		.lport = (uint16_t)id,
		.rport = 0x5000,
	};

	return k;
}

static void
obj_init(struct obj *o, uint32_t id)
{
	o->magic = MAGIC_LIVE;
	o->key = key_of(id);
	o->id = id;
}

static struct pmt_sockt *
new_table(uint32_t entries, unsigned int readers, struct fctx *c)
{
	char name[PMT_SOCKT_NAME_MAX + 1];
	struct pmt_sockt *t;

	memset(c, 0, sizeof(*c));
	c->owner = pthread_self();
	snprintf(name, sizeof(name), "tsk%u", table_seq++);
	t = pmt_sockt_create(name, entries, SOCKET_ID_ANY, readers, count_free,
			     c);
	ck_assert_msg(t != NULL, "create: %s", rte_strerror(rte_errno));
	return t;
}

START_TEST(add_lookup_del)
{
	struct obj o[3];
	struct fctx c;
	struct pmt_sockt *t = new_table(64, 1, &c);
	struct pmt_flow_key miss = key_of(99);
	int i;

	for (i = 0; i < 3; i++) {
		obj_init(&o[i], (uint32_t)i);
		ck_assert_int_eq(pmt_sockt_add(t, &o[i].key, &o[i]), 0);
	}
	ck_assert_uint_eq(pmt_sockt_count(t), 3);
	for (i = 0; i < 3; i++)
		ck_assert_ptr_eq(pmt_sockt_lookup(t, &o[i].key), &o[i]);
	ck_assert_ptr_null(pmt_sockt_lookup(t, &miss));

	ck_assert_int_eq(pmt_sockt_del(t, &o[1].key), 0);
	ck_assert_ptr_null(pmt_sockt_lookup(t, &o[1].key));
	ck_assert_ptr_eq(pmt_sockt_lookup(t, &o[0].key), &o[0]);
	ck_assert_ptr_eq(pmt_sockt_lookup(t, &o[2].key), &o[2]);
	ck_assert_uint_eq(pmt_sockt_count(t), 2);
	/* No reader registered: the grace period is already over. */
	pmt_sockt_reclaim(t);
	ck_assert_uint_eq(c.n_freed, 1);
	ck_assert_ptr_eq(c.last, &o[1]);
	ck_assert_uint_eq(pmt_sockt_pending(t), 0);

	/* The key can come back, with a new value. */
	obj_init(&o[1], 1);
	ck_assert_int_eq(pmt_sockt_add(t, &o[1].key, &o[1]), 0);
	ck_assert_ptr_eq(pmt_sockt_lookup(t, &o[1].key), &o[1]);
	ck_assert_uint_eq(pmt_sockt_count(t), 3);
	pmt_sockt_free(t);
	/* Live entries are not handed to free_fn. */
	ck_assert_uint_eq(c.n_freed, 1);
	ck_assert_uint_eq(c.bad, 0);
}
END_TEST

START_TEST(add_present_is_eexist)
{
	struct obj a, b;
	struct fctx c;
	struct pmt_sockt *t = new_table(64, 1, &c);

	obj_init(&a, 7);
	obj_init(&b, 7);
	ck_assert_int_eq(pmt_sockt_add(t, &a.key, &a), 0);
	ck_assert_int_eq(pmt_sockt_add(t, &b.key, &b), -EEXIST);
	/* rte_hash alone would have replaced the value: it must not. */
	ck_assert_ptr_eq(pmt_sockt_lookup(t, &a.key), &a);
	ck_assert_uint_eq(pmt_sockt_count(t), 1);
	pmt_sockt_free(t);
	ck_assert_uint_eq(c.n_freed, 0);
}
END_TEST

START_TEST(del_absent_is_enoent)
{
	struct obj a;
	struct fctx c;
	struct pmt_sockt *t = new_table(64, 1, &c);
	struct pmt_flow_key k = key_of(5);

	ck_assert_int_eq(pmt_sockt_del(t, &k), -ENOENT);
	obj_init(&a, 5);
	ck_assert_int_eq(pmt_sockt_add(t, &a.key, &a), 0);
	ck_assert_int_eq(pmt_sockt_del(t, &k), 0);
	ck_assert_int_eq(pmt_sockt_del(t, &k), -ENOENT);
	ck_assert_uint_eq(pmt_sockt_count(t), 0);
	pmt_sockt_free(t);
	ck_assert_uint_eq(c.n_freed, 1);
	ck_assert_uint_eq(c.bad, 0);
}
END_TEST

/* The caller names the value: the same delete, one search fewer. */
START_TEST(del_value_frees_the_named_value)
{
	struct obj a, b;
	struct fctx c;
	struct pmt_sockt *t = new_table(64, 1, &c);

	obj_init(&a, 5);
	obj_init(&b, 6);
	ck_assert_int_eq(pmt_sockt_del_value(t, &a.key, &a), -ENOENT);
	ck_assert_int_eq(pmt_sockt_add(t, &a.key, &a), 0);
	ck_assert_int_eq(pmt_sockt_add(t, &b.key, &b), 0);
	ck_assert_int_eq(pmt_sockt_del_value(t, &a.key, &a), 0);
	ck_assert_ptr_null(pmt_sockt_lookup(t, &a.key));
	ck_assert_ptr_eq(pmt_sockt_lookup(t, &b.key), &b);
	ck_assert_int_eq(pmt_sockt_del_value(t, &a.key, &a), -ENOENT);
	ck_assert_uint_eq(pmt_sockt_count(t), 1);
	/* No reader is registered: the grace period is over at once. */
	pmt_sockt_reclaim(t);
	ck_assert_uint_eq(c.n_freed, 1);
	ck_assert_ptr_eq(c.last, &a);
	pmt_sockt_free(t);
	ck_assert_uint_eq(c.n_freed, 1);
	ck_assert_uint_eq(c.bad, 0);
}
END_TEST

/*
 * Created for no reader but the owner: no grace period, so a deleted
 * or replaced value goes to free_fn from within the call, and a reader
 * cannot register.
 */
START_TEST(no_readers_free_at_once)
{
	struct obj a, b, a2;
	struct fctx c;
	struct pmt_sockt *t = new_table(64, 0, &c);

	obj_init(&a, 5);
	obj_init(&b, 6);
	obj_init(&a2, 5);
	ck_assert_int_eq(pmt_sockt_reader_register(t, 0), -EINVAL);
	ck_assert_int_eq(pmt_sockt_add(t, &a.key, &a), 0);
	ck_assert_int_eq(pmt_sockt_add(t, &b.key, &b), 0);
	ck_assert_int_eq(pmt_sockt_replace(t, &a.key, &a2), 0);
	ck_assert_uint_eq(c.n_freed, 1);
	ck_assert_ptr_eq(c.last, &a);
	ck_assert_ptr_eq(pmt_sockt_lookup(t, &a.key), &a2);
	ck_assert_int_eq(pmt_sockt_del_value(t, &b.key, &b), 0);
	ck_assert_uint_eq(c.n_freed, 2);
	ck_assert_ptr_eq(c.last, &b);
	ck_assert_int_eq(pmt_sockt_del(t, &a2.key), 0);
	ck_assert_uint_eq(c.n_freed, 3);
	ck_assert_uint_eq(pmt_sockt_pending(t), 0);
	ck_assert_uint_eq(pmt_sockt_count(t), 0);
	/* Every key slot came back: the table fills to its size again. */
	for (unsigned int i = 0; i < 64; i++) {
		static struct obj o[64];

		obj_init(&o[i], 100 + i);
		ck_assert_int_eq(pmt_sockt_add(t, &o[i].key, &o[i]), 0);
	}
	pmt_sockt_free(t);
	ck_assert_uint_eq(c.n_freed, 3);
	ck_assert_uint_eq(c.bad, 0);
}
END_TEST

START_TEST(bulk_hits_and_misses)
{
	const struct pmt_flow_key *kp[100];
	struct pmt_flow_key keys[100];
	struct obj o[100];
	void *values[100];
	struct fctx c;
	struct pmt_sockt *t = new_table(256, 1, &c);
	unsigned int i;

	for (i = 0; i < 100; i++) {
		obj_init(&o[i], i);
		keys[i] = o[i].key;
		kp[i] = &keys[i];
		/* Every third key is present. */
		if (i % 3 == 0)
			ck_assert_int_eq(pmt_sockt_add(t, &o[i].key, &o[i]),
					 0);
	}
	/* One RX burst of 32: 11 hits, 21 misses, misses come back NULL. */
	memset(values, 0xa5, sizeof(values));
	ck_assert_uint_eq(pmt_sockt_lookup_bulk(t, kp, PMT_SOCKT_BULK_MAX,
						values), 11);
	for (i = 0; i < PMT_SOCKT_BULK_MAX; i++) {
		if (i % 3 == 0)
			ck_assert_ptr_eq(values[i], &o[i]);
		else
			ck_assert_ptr_null(values[i]);
	}
	/* All misses, all hits. */
	ck_assert_uint_eq(pmt_sockt_lookup_bulk(t, kp + 1, 2, values), 0);
	ck_assert_ptr_null(values[0]);
	ck_assert_ptr_null(values[1]);
	for (i = 0; i < 20; i++)
		kp[i] = &o[3 * i].key;
	ck_assert_uint_eq(pmt_sockt_lookup_bulk(t, kp, 20, values), 20);
	for (i = 0; i < 20; i++)
		ck_assert_ptr_eq(values[i], &o[3 * i]);
	/* More than one rte_hash call's worth. */
	for (i = 0; i < 100; i++)
		kp[i] = &keys[i];
	memset(values, 0xa5, sizeof(values));
	ck_assert_uint_eq(pmt_sockt_lookup_bulk(t, kp, 100, values), 34);
	for (i = 0; i < 100; i++)
		ck_assert_ptr_eq(values[i], i % 3 == 0 ? &o[i] : NULL);
	ck_assert_uint_eq(pmt_sockt_lookup_bulk(t, kp, 0, values), 0);
	pmt_sockt_free(t);
}
END_TEST

struct walk_seen {
	uint8_t seen[2000];
	unsigned int visits;
	unsigned int bad;
	unsigned int stop_after;
};

static int
walk_fn(void *arg, const struct pmt_flow_key *k, void *value)
{
	struct walk_seen *w = arg;
	struct obj *o = value;

	if (o->magic != MAGIC_LIVE || memcmp(k, &o->key, sizeof(*k)) != 0 ||
	    o->id >= RTE_DIM(w->seen))
		w->bad++;
	else
		w->seen[o->id]++;
	w->visits++;
	return w->stop_after && w->visits == w->stop_after ? 7 : 0;
}

START_TEST(walk_visits_exactly_the_entries)
{
	static struct obj o[2000];
	static struct walk_seen w;
	struct fctx c;
	struct pmt_sockt *t = new_table(2000, 1, &c);
	unsigned int i, pieces, before;
	uint32_t cursor;

	for (i = 0; i < 2000; i++) {
		obj_init(&o[i], i);
		ck_assert_int_eq(pmt_sockt_add(t, &o[i].key, &o[i]), 0);
	}
	/* Deleted entries, pending or not, are not visited. */
	for (i = 0; i < 2000; i += 4)
		ck_assert_int_eq(pmt_sockt_del(t, &o[i].key), 0);
	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(pmt_sockt_walk(t, walk_fn, &w), 0);
	ck_assert_uint_eq(w.bad, 0);
	ck_assert_uint_eq(w.visits, 1500);
	for (i = 0; i < 2000; i++)
		ck_assert_uint_eq(w.seen[i], i % 4 == 0 ? 0 : 1);

	/* A non-zero return stops the walk and is passed back. */
	memset(&w, 0, sizeof(w));
	w.stop_after = 10;
	ck_assert_int_eq(pmt_sockt_walk(t, walk_fn, &w), 7);
	ck_assert_uint_eq(w.visits, 10);

	/* In pieces: the same entries, each once. */
	memset(&w, 0, sizeof(w));
	cursor = 0;
	for (pieces = 0; cursor != PMT_SOCKT_WALK_DONE; pieces++) {
		before = w.visits;
		ck_assert_int_eq(pmt_sockt_walk_resume(t, &cursor, 7, walk_fn,
						       &w), 0);
		ck_assert_uint_le(w.visits - before, 7);
	}
	ck_assert_uint_eq(pieces, 1500 / 7 + 1);
	ck_assert_uint_eq(w.visits, 1500);
	for (i = 0; i < 2000; i++)
		ck_assert_uint_eq(w.seen[i], i % 4 == 0 ? 0 : 1);
	/* Finished stays finished. */
	ck_assert_int_eq(pmt_sockt_walk_resume(t, &cursor, 7, walk_fn, &w), 0);
	ck_assert_uint_eq(w.visits, 1500);
	/* A piece stopped by fn resumes after the entry that stopped it. */
	memset(&w, 0, sizeof(w));
	w.stop_after = 5;
	cursor = 0;
	ck_assert_int_eq(pmt_sockt_walk_resume(t, &cursor, 100, walk_fn, &w),
			 7);
	ck_assert_uint_eq(w.visits, 5);
	w.stop_after = 0;
	ck_assert_int_eq(pmt_sockt_walk_resume(t, &cursor, UINT32_MAX,
					       walk_fn, &w), 0);
	ck_assert_uint_eq(cursor, PMT_SOCKT_WALK_DONE);
	ck_assert_uint_eq(w.visits, 1500);
	ck_assert_uint_eq(w.bad, 0);
	pmt_sockt_free(t);
	ck_assert_uint_eq(c.n_freed, 500);
	ck_assert_uint_eq(c.bad, 0);
}
END_TEST

START_TEST(free_waits_for_readers)
{
	struct obj a, b, d;
	struct fctx c;
	struct pmt_sockt *t = new_table(64, 2, &c);

	ck_assert_int_eq(pmt_sockt_reader_register(t, 0), 0);
	ck_assert_int_eq(pmt_sockt_reader_register(t, 2), -EINVAL);
	pmt_sockt_reader_online(t, 0);
	obj_init(&a, 1);
	obj_init(&b, 2);
	ck_assert_int_eq(pmt_sockt_add(t, &a.key, &a), 0);
	ck_assert_int_eq(pmt_sockt_add(t, &b.key, &b), 0);
	/* The reader holds a reference from before the delete. */
	ck_assert_ptr_eq(pmt_sockt_lookup(t, &a.key), &a);
	ck_assert_int_eq(pmt_sockt_del(t, &a.key), 0);
	ck_assert_ptr_null(pmt_sockt_lookup(t, &a.key));
	pmt_sockt_reclaim(t);
	pmt_sockt_reclaim(t);
	ck_assert_uint_eq(c.n_freed, 0);
	ck_assert_uint_eq(pmt_sockt_pending(t), 1);
	ck_assert(a.magic == MAGIC_LIVE);

	pmt_sockt_reader_quiescent(t, 0);
	pmt_sockt_reclaim(t);
	ck_assert_uint_eq(c.n_freed, 1);
	ck_assert_ptr_eq(c.last, &a);
	ck_assert_uint_eq(pmt_sockt_pending(t), 0);
	pmt_sockt_reclaim(t);
	ck_assert_uint_eq(c.n_freed, 1);

	/* A quiescent state from before the delete does not count. */
	ck_assert_int_eq(pmt_sockt_del(t, &b.key), 0);
	pmt_sockt_reclaim(t);
	ck_assert_uint_eq(c.n_freed, 1);
	/* An offline reader holds nothing. */
	pmt_sockt_reader_offline(t, 0);
	pmt_sockt_reclaim(t);
	ck_assert_uint_eq(c.n_freed, 2);
	ck_assert_ptr_eq(c.last, &b);

	/* Nor does one that has gone away. */
	pmt_sockt_reader_online(t, 0);
	obj_init(&d, 3);
	ck_assert_int_eq(pmt_sockt_add(t, &d.key, &d), 0);
	ck_assert_int_eq(pmt_sockt_del(t, &d.key), 0);
	pmt_sockt_reclaim(t);
	ck_assert_uint_eq(c.n_freed, 2);
	pmt_sockt_reader_offline(t, 0);
	ck_assert_int_eq(pmt_sockt_reader_unregister(t, 0), 0);
	pmt_sockt_reclaim(t);
	ck_assert_uint_eq(c.n_freed, 3);
	pmt_sockt_free(t);
	ck_assert_uint_eq(c.n_freed, 3);
	ck_assert_uint_eq(c.bad, 0);
}
END_TEST

START_TEST(table_free_hands_back_pending)
{
	struct obj o[4];
	struct fctx c;
	struct pmt_sockt *t = new_table(64, 1, &c);
	int i;

	ck_assert_int_eq(pmt_sockt_reader_register(t, 0), 0);
	pmt_sockt_reader_online(t, 0);
	for (i = 0; i < 4; i++) {
		obj_init(&o[i], (uint32_t)i);
		ck_assert_int_eq(pmt_sockt_add(t, &o[i].key, &o[i]), 0);
	}
	ck_assert_int_eq(pmt_sockt_del(t, &o[0].key), 0);
	ck_assert_int_eq(pmt_sockt_del(t, &o[1].key), 0);
	pmt_sockt_reclaim(t);
	ck_assert_uint_eq(c.n_freed, 0);
	pmt_sockt_reader_offline(t, 0);
	/* The two deleted come back; the two live ones stay the caller's. */
	pmt_sockt_free(t);
	ck_assert_uint_eq(c.n_freed, 2);
	ck_assert(o[0].magic == MAGIC_DEAD && o[1].magic == MAGIC_DEAD);
	ck_assert(o[2].magic == MAGIC_LIVE && o[3].magic == MAGIC_LIVE);
	ck_assert_uint_eq(c.bad, 0);
}
END_TEST

static void
fill(struct pmt_sockt *t, struct obj *o, uint32_t entries)
{
	struct obj extra;
	uint32_t i;

	for (i = 0; i < entries; i++) {
		obj_init(&o[i], i);
		ck_assert_msg(pmt_sockt_add(t, &o[i].key, &o[i]) == 0,
			      "add %u of %u", i, entries);
	}
	ck_assert_uint_eq(pmt_sockt_count(t), entries);
	obj_init(&extra, entries);
	ck_assert_int_eq(pmt_sockt_add(t, &extra.key, &extra), -ENOSPC);
	for (i = 0; i < entries; i++)
		ck_assert_ptr_eq(pmt_sockt_lookup(t, &o[i].key), &o[i]);
}

START_TEST(fill_to_capacity)
{
	static const uint32_t sizes[] = { 3, 8, 1000, 4096, 5000 };
	static struct obj o[5001];
	struct obj extra;
	struct fctx c;
	struct pmt_sockt *t;
	unsigned int s;

	for (s = 0; s < RTE_DIM(sizes); s++) {
		t = new_table(sizes[s], 1, &c);
		fill(t, o, sizes[s]);
		pmt_sockt_free(t);
	}

	/* A deleted entry's slot is reused as soon as its grace ends... */
	t = new_table(1000, 1, &c);
	fill(t, o, 1000);
	ck_assert_int_eq(pmt_sockt_reader_register(t, 0), 0);
	ck_assert_int_eq(pmt_sockt_del(t, &o[10].key), 0);
	obj_init(&extra, 1000);
	ck_assert_int_eq(pmt_sockt_add(t, &extra.key, &extra), 0);
	ck_assert_uint_eq(c.n_freed, 1);
	ck_assert_uint_eq(pmt_sockt_count(t), 1000);
	/* ...and not before: an online reader keeps it taken. */
	pmt_sockt_reader_online(t, 0);
	ck_assert_int_eq(pmt_sockt_del(t, &o[11].key), 0);
	obj_init(&o[10], 10);
	ck_assert_int_eq(pmt_sockt_add(t, &o[10].key, &o[10]), -ENOSPC);
	ck_assert_uint_eq(pmt_sockt_count(t), 999);
	ck_assert_uint_eq(pmt_sockt_pending(t), 1);
	pmt_sockt_reader_quiescent(t, 0);
	ck_assert_int_eq(pmt_sockt_add(t, &o[10].key, &o[10]), 0);
	ck_assert_uint_eq(c.n_freed, 2);
	pmt_sockt_reader_offline(t, 0);
	pmt_sockt_free(t);
	ck_assert_uint_eq(c.bad, 0);
}
END_TEST

START_TEST(create_rejects_bad_arguments)
{
	struct fctx c = { .owner = pthread_self() };
	char longname[PMT_SOCKT_NAME_MAX + 2];
	struct pmt_sockt *t;

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_ptr_null(pmt_sockt_create(longname, 64, SOCKET_ID_ANY, 1,
					    count_free, &c));
	ck_assert_int_eq(rte_errno, ENAMETOOLONG);
	ck_assert_ptr_null(pmt_sockt_create("tsk_zero", 0, SOCKET_ID_ANY, 1,
					    count_free, &c));
	ck_assert_int_eq(rte_errno, EINVAL);
	ck_assert_ptr_null(pmt_sockt_create("tsk_nofn", 64, SOCKET_ID_ANY, 1,
					    NULL, &c));
	ck_assert_int_eq(rte_errno, EINVAL);
	/* The longest name works, and a second shard may not take it. */
	longname[PMT_SOCKT_NAME_MAX] = '\0';
	t = pmt_sockt_create(longname, 64, SOCKET_ID_ANY, 0, count_free, &c);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(pmt_sockt_create(longname, 64, SOCKET_ID_ANY, 1,
					    count_free, &c));
	pmt_sockt_free(t);
	/* Freed, the name is free again. */
	t = pmt_sockt_create(longname, 64, SOCKET_ID_ANY, 1, count_free, &c);
	ck_assert_ptr_nonnull(t);
	pmt_sockt_free(t);
}
END_TEST

/* --- a reader thread against the owner --- */

/*
 * The owner inserts and deletes CONNS connections, LIVE at a time, while
 * a reader walks and looks up without pause. Under ASan free_fn really
 * frees, so a value read after its free is a use-after-free report;
 * otherwise objects are poisoned and recycled, and the reader sees a
 * dead magic or a key that is not the one it looked up. About a second
 * at -O2 on two cores, a few under ASan: no need to scale down.
 */
#define CONNS 1000000u
#define LIVE 10000u
#define TABLE_ENTRIES (2 * LIVE)

struct race {
	struct pmt_sockt *t;
	uint32_t cur;		/* ids below this have been added */
	int stop;
	/* Reader's results, on their own cache line. */
	uint64_t walks __rte_cache_aligned;
	uint64_t walked, lookups, hits, bulks, bulk_hits;
	uint64_t errors;
	uint64_t max_section, max_walk;	/* TSC cycles */
	/* Owner's. */
	struct obj *free_list __rte_cache_aligned;
	uint8_t *freed;		/* per id: times free_fn saw it */
	uint64_t n_freed, bad_free;
	pthread_t owner;
};

static void
race_free(void *ctx, void *value)
{
	struct race *r = ctx;
	struct obj *o = value;

	if (o->magic != MAGIC_LIVE || o->id >= CONNS ||
	    !pthread_equal(pthread_self(), r->owner)) {
		r->bad_free++;
		return;
	}
	r->freed[o->id]++;
	r->n_freed++;
	o->magic = MAGIC_DEAD;
#ifdef __SANITIZE_ADDRESS__
	free(o);
#else
	o->next_free = r->free_list;
	r->free_list = o;
#endif
}

static struct obj *
race_obj(struct race *r, uint32_t id)
{
	struct obj *o = r->free_list;

	if (o != NULL)
		r->free_list = o->next_free;
	else
		o = malloc(sizeof(*o));
	if (o == NULL)
		abort();
	obj_init(o, id);
	return o;
}

/*
 * The reader's test of a value it got for @k: alive, and really @k's.
 * With @hold it keeps the value a moment, as a real reader would, and
 * looks again (walks don't: a slow walk only holds the grace period).
 */
static int
value_ok(const struct pmt_flow_key *k, const struct obj *o, bool hold)
{
	unsigned int i;

	if (o->magic != MAGIC_LIVE || memcmp(k, &o->key, sizeof(*k)) != 0)
		return 0;
	if (!hold)
		return 1;
	for (i = 0; i < 8; i++)
		rte_pause();
	return o->magic == MAGIC_LIVE && memcmp(k, &o->key, sizeof(*k)) == 0;
}

static int
race_walk_fn(void *arg, const struct pmt_flow_key *k, void *value)
{
	struct race *r = arg;

	if (!value_ok(k, value, false))
		r->errors++;
	r->walked++;
	return 0;
}

static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* An id near the owner's window: live, just deleted, or not yet added. */
static uint32_t
near_id(struct race *r, uint32_t *seed)
{
	uint32_t cur = __atomic_load_n(&r->cur, __ATOMIC_ACQUIRE);
	uint32_t span = LIVE + 2000;
	uint32_t back = xorshift(seed) % span;

	return cur + 500 > back ? cur + 500 - back : 0;
}

static void *
race_reader(void *arg)
{
	const struct pmt_flow_key *kp[PMT_SOCKT_BULK_MAX];
	struct pmt_flow_key keys[PMT_SOCKT_BULK_MAX];
	void *values[PMT_SOCKT_BULK_MAX];
	struct race *r = arg;
	uint32_t seed = 2463534242u;
	struct pmt_flow_key k;
	unsigned int i, round;
	uint64_t t0, t1;
	uint32_t cursor;
	void *v;

	if (pmt_sockt_reader_register(r->t, 0) != 0) {
		r->errors++;
		return NULL;
	}
	pmt_sockt_reader_online(r->t, 0);
	t0 = rte_rdtsc();
	for (round = 0; !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE);
	     round++) {
		if (round % 128 == 0) {
			/* netstat's way: the whole table in one section. */
			pmt_sockt_walk(r->t, race_walk_fn, r);
			r->walks++;
			r->max_walk = RTE_MAX(r->max_walk, rte_rdtsc() - t0);
		} else if (round % 128 == 64) {
			/* In pieces, holding nothing between them. */
			cursor = 0;
			do {
				pmt_sockt_walk_resume(r->t, &cursor, 128,
						      race_walk_fn, r);
				t1 = rte_rdtsc();
				r->max_section = RTE_MAX(r->max_section,
							 t1 - t0);
				t0 = t1;
				pmt_sockt_reader_quiescent(r->t, 0);
			} while (cursor != PMT_SOCKT_WALK_DONE);
			r->walks++;
		} else if (round % 2 == 0) {
			for (i = 0; i < 16; i++) {
				k = key_of(near_id(r, &seed));
				v = pmt_sockt_lookup(r->t, &k);
				r->lookups++;
				if (v == NULL)
					continue;
				r->hits++;
				if (!value_ok(&k, v, true))
					r->errors++;
			}
		} else {
			for (i = 0; i < PMT_SOCKT_BULK_MAX; i++) {
				keys[i] = key_of(near_id(r, &seed));
				kp[i] = &keys[i];
			}
			r->bulk_hits += pmt_sockt_lookup_bulk(r->t, kp,
					PMT_SOCKT_BULK_MAX, values);
			r->bulks++;
			for (i = 0; i < PMT_SOCKT_BULK_MAX; i++)
				if (values[i] != NULL &&
				    !value_ok(&keys[i], values[i], true))
					r->errors++;
		}
		/* Between operations: nothing read so far is held. */
		t1 = rte_rdtsc();
		r->max_section = RTE_MAX(r->max_section, t1 - t0);
		t0 = t1;
		pmt_sockt_reader_quiescent(r->t, 0);
	}
	pmt_sockt_reader_offline(r->t, 0);
	pmt_sockt_reader_unregister(r->t, 0);
	return NULL;
}

static double
tsc_us(uint64_t cycles)
{
	return (double)cycles * 1e6 / (double)rte_get_tsc_hz();
}

/*
 * Owner operation times. Reported, never asserted: on a shared 2-core
 * machine the tail is the scheduler taking the CPU mid-call, which the
 * percentiles make visible next to the maximum.
 */
struct op_times {
	uint32_t *c;		/* TSC cycles, saturated */
	size_t n, cap;
	uint64_t max;
};

static void
ot_init(struct op_times *t, size_t cap)
{
	t->c = malloc(cap * sizeof(*t->c));
	ck_assert_ptr_nonnull(t->c);
	t->n = 0;
	t->cap = cap;
	t->max = 0;
}

static void
ot_add(struct op_times *t, uint64_t dt)
{
	t->max = RTE_MAX(t->max, dt);
	if (t->n < t->cap)
		t->c[t->n++] = (uint32_t)RTE_MIN(dt, (uint64_t)UINT32_MAX);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
ot_report(const char *what, struct op_times *t)
{
	static const double q[] = { 0.5, 0.99, 0.999, 0.9999 };
	uint64_t sum = 0, slow = 0, limit = rte_get_tsc_hz() / 100000;
	size_t i;

	if (t->n == 0)
		return;
	qsort(t->c, t->n, sizeof(*t->c), cmp_u32);
	for (i = 0; i < t->n; i++) {
		sum += t->c[i];
		slow += t->c[i] > limit;
	}
	printf("  %-8s n=%zu mean %.3f us", what, t->n,
	       tsc_us(sum) / (double)t->n);
	for (i = 0; i < RTE_DIM(q); i++)
		printf(", p%g %.3f", q[i] * 100,
		       tsc_us(t->c[(size_t)(q[i] * (double)(t->n - 1))]));
	printf(", max %.1f us; %" PRIu64 " over 10 us\n", tsc_us(t->max),
	       slow);
	free(t->c);
}

START_TEST(reader_races_owner)
{
	struct op_times t_add, t_del, t_rcl;
	uint64_t enospc = 0, bad_ops = 0, start, t0, dt;
	struct pmt_flow_key k;
	/* calloc() would not honour the cache-line alignment. */
	struct race *r = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*r));
	cpu_set_t reader_cpus;
	pthread_attr_t attr;
	struct obj *o;
	pthread_t th;
	uint32_t id, i;
	int ret;

	ck_assert_ptr_nonnull(r);
	memset(r, 0, sizeof(*r));
	r->freed = calloc(CONNS, 1);
	ck_assert_ptr_nonnull(r->freed);
	r->owner = pthread_self();
	r->t = pmt_sockt_create("tsk_race", TABLE_ENTRIES, SOCKET_ID_ANY, 1,
				race_free, r);
	ck_assert_ptr_nonnull(r->t);
	ot_init(&t_add, 2 * CONNS);
	ot_init(&t_del, CONNS);
	ot_init(&t_rcl, CONNS / 256 + 1);
	/*
	 * A thread inherits its creator's affinity, and the EAL pinned this
	 * one to lcore 0's CPU: unless told otherwise the reader would share
	 * it and only run when the owner is preempted. Give it the others.
	 */
	reader_cpus = start_cpus;
	CPU_CLR(rte_lcore_to_cpu_id((int)rte_lcore_id()), &reader_cpus);
	if (CPU_COUNT(&reader_cpus) == 0)
		reader_cpus = start_cpus;
	ck_assert_int_eq(pthread_attr_init(&attr), 0);
	ck_assert_int_eq(pthread_attr_setaffinity_np(&attr, sizeof(reader_cpus),
						     &reader_cpus), 0);
	ck_assert_int_eq(pthread_create(&th, &attr, race_reader, r), 0);
	pthread_attr_destroy(&attr);

	start = rte_rdtsc();
	for (id = 0; id < CONNS; id++) {
		o = race_obj(r, id);
		for (;;) {
			t0 = rte_rdtsc();
			ret = pmt_sockt_add(r->t, &o->key, o);
			ot_add(&t_add, rte_rdtsc() - t0);
			if (ret != -ENOSPC)
				break;
			/*
			 * The reader is holding slots (descheduled in an
			 * operation). The table never waits; the test does.
			 */
			enospc++;
			pmt_sockt_reclaim(r->t);
			sched_yield();
		}
		/* A Check assertion costs a syscall: count, assert later. */
		if (ret != 0) {
			bad_ops++;
			continue;
		}
		__atomic_store_n(&r->cur, id + 1, __ATOMIC_RELEASE);
		if (id >= LIVE) {
			k = key_of(id - LIVE);
			t0 = rte_rdtsc();
			ret = pmt_sockt_del(r->t, &k);
			ot_add(&t_del, rte_rdtsc() - t0);
			bad_ops += ret != 0;
		}
		if (id % 256 == 0) {
			t0 = rte_rdtsc();
			pmt_sockt_reclaim(r->t);
			ot_add(&t_rcl, rte_rdtsc() - t0);
		}
	}
	for (id = CONNS - LIVE; id < CONNS; id++) {
		k = key_of(id);
		bad_ops += pmt_sockt_del(r->t, &k) != 0;
	}
	dt = rte_rdtsc() - start;
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_join(th, NULL), 0);

	printf("reader_races_owner: %u connections, %u live, table %u, "
	       "%.2f s, reader on %d CPU(s) apart from the owner's; adds "
	       "refused -ENOSPC while the reader held slots: %" PRIu64 "\n",
	       CONNS, LIVE, TABLE_ENTRIES, tsc_us(dt) / 1e6,
	       CPU_COUNT(&reader_cpus), enospc);
	ot_report("add", &t_add);
	ot_report("del", &t_del);
	ot_report("reclaim", &t_rcl);
	printf("reader_races_owner: reader %" PRIu64 " walks (%" PRIu64
	       " entries), %" PRIu64 " lookups (%" PRIu64 " hits), %" PRIu64
	       " bursts (%" PRIu64 " hits), %" PRIu64 " errors; longest "
	       "read-side section %.1f us (whole walks: %.1f us)\n",
	       r->walks, r->walked, r->lookups, r->hits, r->bulks,
	       r->bulk_hits, r->errors, tsc_us(r->max_section),
	       tsc_us(r->max_walk));

	ck_assert_uint_eq(bad_ops, 0);
	ck_assert_uint_eq(r->errors, 0);
	/* The reader really raced: it saw values while the owner worked. */
	ck_assert_uint_gt(r->walks, 0);
	ck_assert_uint_gt(r->hits + r->bulk_hits, 0);
	/* Reader gone: every deleted value comes back, once. */
	for (i = 0; i < TABLE_ENTRIES / PMT_SOCKT_RECLAIM_MAX + 1; i++)
		pmt_sockt_reclaim(r->t);
	ck_assert_uint_eq(pmt_sockt_pending(r->t), 0);
	ck_assert_uint_eq(pmt_sockt_count(r->t), 0);
	ck_assert_uint_eq(r->bad_free, 0);
	ck_assert_uint_eq(r->n_freed, CONNS);
	for (i = 0; i < CONNS; i++)
		if (r->freed[i] != 1)
			ck_abort_msg("id %u freed %u times", i,
				     (unsigned int)r->freed[i]);
	pmt_sockt_free(r->t);
	while ((o = r->free_list) != NULL) {
		r->free_list = o->next_free;
		free(o);
	}
	free(r->freed);
	free(r);
}
END_TEST

static Suite *
sockt_suite(void)
{
	Suite *s = suite_create("sockt");
	TCase *tc;

	tc = tcase_create("table");
	tcase_add_test(tc, add_lookup_del);
	tcase_add_test(tc, add_present_is_eexist);
	tcase_add_test(tc, del_absent_is_enoent);
	tcase_add_test(tc, del_value_frees_the_named_value);
	tcase_add_test(tc, no_readers_free_at_once);
	tcase_add_test(tc, bulk_hits_and_misses);
	tcase_add_test(tc, walk_visits_exactly_the_entries);
	tcase_add_test(tc, fill_to_capacity);
	tcase_add_test(tc, create_rejects_bad_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("rcu");
	tcase_add_test(tc, free_waits_for_readers);
	tcase_add_test(tc, table_free_hands_back_pending);
	suite_add_tcase(s, tc);

	tc = tcase_create("race");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, reader_races_owner);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (sched_getaffinity(0, sizeof(start_cpus), &start_cpus) != 0) {
		perror("sched_getaffinity");
		return EXIT_FAILURE;
	}
	teal_init("sockt");
	sr = srunner_create(sockt_suite());
	/*
	 * EAL memory (--no-huge) is a shared mapping: forked test children
	 * would corrupt the parent's heap view. Run in-process.
	 */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
