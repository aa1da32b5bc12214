/* test_sockt.c: the socket-table shard: table semantics, frees, walks, and a seeded model of random churn at high load. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "sock/pmt_sockt.h"
#include "teal.h"

#define MAGIC_LIVE UINT64_C(0x4c4956452d544342)	/* "LIVE-TCB" */
#define MAGIC_DEAD UINT64_C(0xdeaddeaddeaddead)

/* A stand-in for a TCB: its key inside, as the table requires. */
struct obj {
	uint64_t magic;
	struct pmt_flow_key key;
	uint32_t id;
	uint32_t visits;
};

/* What free_fn saw. */
struct fctx {
	unsigned int n_freed;
	unsigned int bad;	/* freed twice, or never live */
	void *last;
};

static void
count_free(void *ctx, void *value)
{
	struct fctx *c = ctx;
	struct obj *o = (struct obj *)((uintptr_t)value & ~(uintptr_t)1);

	if (o->magic != MAGIC_LIVE)
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
	o->visits = 0;
}

static struct pmt_sockt *
new_table(uint32_t entries, struct fctx *c)
{
	struct pmt_sockt *t;

	memset(c, 0, sizeof(*c));
	t = pmt_sockt_create("tsk", entries, SOCKET_ID_ANY,
			     offsetof(struct obj, key), count_free, c);
	ck_assert_msg(t != NULL, "create: %s", rte_strerror(rte_errno));
	return t;
}

START_TEST(add_lookup_del)
{
	struct obj o[3];
	struct fctx c;
	struct pmt_sockt *t = new_table(64, &c);
	struct pmt_flow_key miss = key_of(99);
	int i;

	for (i = 0; i < 3; i++) {
		obj_init(&o[i], (uint32_t)i);
		ck_assert_int_eq(pmt_sockt_add(t, &o[i]), 0);
	}
	ck_assert_uint_eq(pmt_sockt_count(t), 3);
	for (i = 0; i < 3; i++)
		ck_assert_ptr_eq(pmt_sockt_lookup(t, &o[i].key), &o[i]);
	ck_assert_ptr_null(pmt_sockt_lookup(t, &miss));

	ck_assert_int_eq(pmt_sockt_del(t, &o[1].key), 0);
	/* Freed from within the delete: no reader to wait for. */
	ck_assert_uint_eq(c.n_freed, 1);
	ck_assert_ptr_eq(c.last, &o[1]);
	ck_assert_ptr_null(pmt_sockt_lookup(t, &o[1].key));
	ck_assert_ptr_eq(pmt_sockt_lookup(t, &o[0].key), &o[0]);
	ck_assert_ptr_eq(pmt_sockt_lookup(t, &o[2].key), &o[2]);
	ck_assert_uint_eq(pmt_sockt_count(t), 2);

	/* The key can come back, with a new value. */
	obj_init(&o[1], 1);
	ck_assert_int_eq(pmt_sockt_add(t, &o[1]), 0);
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
	struct pmt_sockt *t = new_table(8, &c);

	obj_init(&a, 7);
	obj_init(&b, 7);
	ck_assert_int_eq(pmt_sockt_add(t, &a), 0);
	ck_assert_int_eq(pmt_sockt_add(t, &b), -EEXIST);
	/* The first value stays; nothing was freed. */
	ck_assert_ptr_eq(pmt_sockt_lookup(t, &a.key), &a);
	ck_assert_uint_eq(pmt_sockt_count(t), 1);
	ck_assert_uint_eq(c.n_freed, 0);
	pmt_sockt_free(t);
}
END_TEST

START_TEST(del_absent_is_enoent)
{
	struct obj a;
	struct fctx c;
	struct pmt_sockt *t = new_table(8, &c);
	struct pmt_flow_key k = key_of(5);

	ck_assert_int_eq(pmt_sockt_del(t, &k), -ENOENT);
	obj_init(&a, 4);
	ck_assert_int_eq(pmt_sockt_add(t, &a), 0);
	ck_assert_int_eq(pmt_sockt_del(t, &k), -ENOENT);
	ck_assert_int_eq(pmt_sockt_del(t, &a.key), 0);
	ck_assert_int_eq(pmt_sockt_del(t, &a.key), -ENOENT);
	ck_assert_uint_eq(c.n_freed, 1);
	ck_assert_uint_eq(pmt_sockt_count(t), 0);
	pmt_sockt_free(t);
}
END_TEST

START_TEST(del_value_frees_the_named_value)
{
	struct obj a, b, other;
	struct fctx c;
	struct pmt_sockt *t = new_table(64, &c);

	obj_init(&a, 1);
	obj_init(&b, 2);
	obj_init(&other, 1);	/* a's key, another object */
	ck_assert_int_eq(pmt_sockt_add(t, &a), 0);
	ck_assert_int_eq(pmt_sockt_add(t, &b), 0);
	/* The pointer names the entry: a twin with the same key does not. */
	ck_assert_int_eq(pmt_sockt_del_value(t, &other), -ENOENT);
	ck_assert_int_eq(pmt_sockt_del_value(t, &a), 0);
	ck_assert_ptr_eq(c.last, &a);
	ck_assert_ptr_null(pmt_sockt_lookup(t, &a.key));
	ck_assert_ptr_eq(pmt_sockt_lookup(t, &b.key), &b);
	ck_assert_int_eq(pmt_sockt_del_value(t, &a), -ENOENT);
	ck_assert_uint_eq(c.n_freed, 1);
	ck_assert_uint_eq(pmt_sockt_count(t), 1);
	ck_assert_uint_eq(c.bad, 0);
	pmt_sockt_free(t);
}
END_TEST

START_TEST(replace_keeps_the_tag_and_frees_the_old)
{
	struct obj a, idle, stranger;
	struct fctx c;
	struct pmt_sockt *t = new_table(8, &c);
	void *tagged = (void *)((uintptr_t)&idle | 1);

	obj_init(&a, 3);
	obj_init(&idle, 3);
	obj_init(&stranger, 4);
	ck_assert_int_eq(pmt_sockt_add(t, &a), 0);
	/* The key is read through the tag, and the tag is kept. */
	ck_assert_int_eq(pmt_sockt_replace(t, tagged), 0);
	ck_assert_ptr_eq(c.last, &a);
	ck_assert_ptr_eq(pmt_sockt_lookup(t, &a.key), tagged);
	ck_assert_int_eq(pmt_sockt_replace(t, &stranger), -ENOENT);
	obj_init(&a, 3);
	ck_assert_int_eq(pmt_sockt_replace(t, &a), 0);
	ck_assert_ptr_eq(c.last, tagged);
	ck_assert_ptr_eq(pmt_sockt_lookup(t, &a.key), &a);
	/* The same value again is no change and frees nothing. */
	ck_assert_int_eq(pmt_sockt_replace(t, &a), 0);
	ck_assert_uint_eq(c.n_freed, 2);
	ck_assert_uint_eq(pmt_sockt_count(t), 1);
	ck_assert_uint_eq(c.bad, 0);
	pmt_sockt_free(t);
}
END_TEST

START_TEST(bulk_hits_and_misses)
{
	enum { N = 3 * PMT_SOCKT_BULK_MAX + 5 };
	static struct obj o[N];
	const struct pmt_flow_key *kp[N];
	struct pmt_flow_key keys[N];
	void *vals[N];
	struct fctx c;
	struct pmt_sockt *t = new_table(N, &c);
	unsigned int i, want = 0;

	for (i = 0; i < N; i++) {
		obj_init(&o[i], i);
		keys[i] = key_of(i);
		kp[i] = &keys[i];
		vals[i] = (void *)(uintptr_t)0x5a5a;	/* must be overwritten */
		if (i % 3 != 0) {
			ck_assert_int_eq(pmt_sockt_add(t, &o[i]), 0);
			want++;
		}
	}
	ck_assert_uint_eq(pmt_sockt_lookup_bulk(t, kp, N, vals), want);
	for (i = 0; i < N; i++) {
		if (i % 3 != 0)
			ck_assert_ptr_eq(vals[i], &o[i]);
		else
			ck_assert_ptr_null(vals[i]);
	}
	ck_assert_uint_eq(pmt_sockt_lookup_bulk(t, kp, 0, vals), 0);
	pmt_sockt_free(t);
}
END_TEST

static int
visit(void *arg, const struct pmt_flow_key *k, void *value)
{
	struct obj *o = value;
	unsigned int *n = arg;

	ck_assert_mem_eq(k, &o->key, sizeof(*k));
	o->visits++;
	(*n)++;
	return 0;
}

START_TEST(walk_visits_exactly_the_entries)
{
	enum { N = 1000 };
	static struct obj o[N];
	struct fctx c;
	struct pmt_sockt *t = new_table(N, &c);
	unsigned int i, n = 0, pieces = 0;
	uint32_t cursor = 0;

	for (i = 0; i < N; i++) {
		obj_init(&o[i], i * 7919);
		if (i % 4 != 0)
			ck_assert_int_eq(pmt_sockt_add(t, &o[i]), 0);
	}
	ck_assert_int_eq(pmt_sockt_walk(t, visit, &n), 0);
	ck_assert_uint_eq(n, pmt_sockt_count(t));
	for (i = 0; i < N; i++)
		ck_assert_uint_eq(o[i].visits, i % 4 != 0 ? 1 : 0);

	/* In pieces of 7: the same set, each once. */
	n = 0;
	while (cursor != PMT_SOCKT_WALK_DONE) {
		ck_assert_int_eq(pmt_sockt_walk_resume(t, &cursor, 7, visit,
						       &n), 0);
		pieces++;
		ck_assert_uint_le(pieces, N);
	}
	ck_assert_uint_eq(n, pmt_sockt_count(t));
	for (i = 0; i < N; i++)
		ck_assert_uint_eq(o[i].visits, i % 4 != 0 ? 2 : 0);
	ck_assert_uint_ge(pieces, (unsigned int)(3 * N / 4 + 6) / 7);
	/* A finished cursor stays finished. */
	ck_assert_int_eq(pmt_sockt_walk_resume(t, &cursor, 7, visit, &n), 0);
	ck_assert_uint_eq(cursor, PMT_SOCKT_WALK_DONE);
	pmt_sockt_free(t);
}
END_TEST

struct cull {
	struct pmt_sockt *t;
	unsigned int seen;
};

/* Delete every entry with an odd id, from inside the walk. */
static int
cull_odd(void *arg, const struct pmt_flow_key *k, void *value)
{
	struct cull *cu = arg;
	struct obj *o = value;

	RTE_SET_USED(k);
	o->visits++;
	cu->seen++;
	if (o->id % 2 == 1)
		ck_assert_int_eq(pmt_sockt_del_value(cu->t, o), 0);
	return 0;
}

START_TEST(walk_callback_may_delete_what_it_is_given)
{
	/* 200 entries in 251 slots: long runs, so deletes move entries. */
	enum { N = 200 };
	static struct obj o[N];
	struct fctx c;
	struct pmt_sockt *t = new_table(N, &c);
	struct cull cu = { .t = t };
	unsigned int i, n = 0;

	ck_assert_uint_eq(pmt_sockt_capacity(t), 251);
	for (i = 0; i < N; i++) {
		obj_init(&o[i], i);
		ck_assert_int_eq(pmt_sockt_add(t, &o[i]), 0);
	}
	ck_assert_int_eq(pmt_sockt_walk(t, cull_odd, &cu), 0);
	/* Each entry seen at least once (an even one moved back across
	 * the array's end by a delete may be seen twice). */
	ck_assert_uint_ge(cu.seen, N);
	ck_assert_uint_le(cu.seen, N + N / 2);
	/* Every odd one was seen (and so deleted); none was missed. */
	for (i = 0; i < N; i++)
		if (i % 2 == 1)
			ck_assert_uint_ge(o[i].visits, 1);
	ck_assert_uint_eq(pmt_sockt_count(t), N / 2);
	ck_assert_uint_eq(c.n_freed, N / 2);
	for (i = 0; i < N; i += 2)
		ck_assert_ptr_eq(pmt_sockt_lookup(t, &o[i].key), &o[i]);
	/* A second walk sees the even ones only, once each. */
	for (i = 0; i < N; i++)
		o[i].visits = 0;
	ck_assert_int_eq(pmt_sockt_walk(t, visit, &n), 0);
	ck_assert_uint_eq(n, N / 2);
	for (i = 0; i < N; i += 2)
		ck_assert_uint_eq(o[i].visits, 1);
	ck_assert_uint_eq(c.bad, 0);
	pmt_sockt_free(t);
}
END_TEST

START_TEST(fill_to_capacity)
{
	enum { N = 1000 };
	static struct obj o[N + 1];
	struct fctx c;
	struct pmt_sockt *t = new_table(N, &c);
	unsigned int i;

	for (i = 0; i <= N; i++)
		obj_init(&o[i], i);
	for (i = 0; i < N; i++)
		ck_assert_int_eq(pmt_sockt_add(t, &o[i]), 0);
	ck_assert_int_eq(pmt_sockt_add(t, &o[N]), -ENOSPC);
	/* A present key is still EEXIST when full. */
	ck_assert_int_eq(pmt_sockt_add(t, &o[0]), -EEXIST);
	ck_assert_int_eq(pmt_sockt_del(t, &o[10].key), 0);
	ck_assert_int_eq(pmt_sockt_add(t, &o[N]), 0);
	for (i = 0; i <= N; i++)
		ck_assert_ptr_eq(pmt_sockt_lookup(t, &o[i].key),
				 i == 10 ? NULL : &o[i]);
	ck_assert_uint_eq(pmt_sockt_count(t), N);
	pmt_sockt_free(t);
}
END_TEST

START_TEST(create_rejects_bad_arguments)
{
	struct fctx c = { 0 };
	struct pmt_sockt *t;
	struct obj a;
	uint32_t i;

	ck_assert_ptr_null(pmt_sockt_create("x", 0, SOCKET_ID_ANY, 0,
					    count_free, &c));
	ck_assert_int_eq(rte_errno, EINVAL);
	ck_assert_ptr_null(pmt_sockt_create("x", (UINT32_C(1) << 30) + 1,
					    SOCKET_ID_ANY, 0, count_free, &c));
	ck_assert_ptr_null(pmt_sockt_create(NULL, 8, SOCKET_ID_ANY, 0,
					    count_free, &c));
	ck_assert_ptr_null(pmt_sockt_create("x", 8, SOCKET_ID_ANY, 0, NULL,
					    &c));
	ck_assert_ptr_null(pmt_sockt_create("x", 8, SOCKET_ID_ANY, 1 << 20,
					    count_free, &c));
	/* Tiny tables still have room to probe. */
	for (i = 1; i <= 20; i++) {
		t = new_table(i, &c);
		ck_assert_uint_ge(pmt_sockt_capacity(t), i + i / 4);
		pmt_sockt_free(t);
	}
	/* Values the table cannot hold: NULL, a bare tag, high bits. */
	t = new_table(8, &c);
	obj_init(&a, 1);
	ck_assert_int_eq(pmt_sockt_add(t, NULL), -EINVAL);
	ck_assert_int_eq(pmt_sockt_add(t, (void *)(uintptr_t)1), -EINVAL);
	ck_assert_int_eq(pmt_sockt_add(t, (void *)((uintptr_t)&a |
						   (UINT64_C(1) << 60))),
			 -EINVAL);
	ck_assert_int_eq(pmt_sockt_del_value(t, NULL), -ENOENT);
	ck_assert_uint_eq(pmt_sockt_count(t), 0);
	pmt_sockt_free(t);
	pmt_sockt_free(NULL);
}
END_TEST

/* xorshift64*: the model's operations, from a fixed seed. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static int
count_walk(void *arg, const struct pmt_flow_key *k, void *value)
{
	RTE_SET_USED(k);
	RTE_SET_USED(value);
	(*(unsigned int *)arg)++;
	return 0;
}

/*
 * Random adds, deletes (by key and by value), replaces and lookups over
 * 300 keys in a table for 240 (301 slots, up to 80 % full), checked
 * against a plain array after every step: deletes that shift runs back,
 * across the array's end too, must never lose or duplicate an entry.
 */
START_TEST(model_of_random_churn_at_high_load)
{
	enum { KEYS = 300, ENTRIES = 240, STEPS = 200000 };
	static struct obj pool[2][KEYS];
	struct obj *in[KEYS] = { NULL };	/* the model */
	const struct pmt_flow_key *kp[KEYS];
	static void *vals[KEYS];
	struct pmt_flow_key keys[KEYS];
	uint64_t seed = UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(_i + 1);
	unsigned int n_in = 0, step, i, n;
	struct fctx c;
	struct pmt_sockt *t = new_table(ENTRIES, &c);

	for (i = 0; i < KEYS; i++) {
		keys[i] = key_of(i * 40503u);
		kp[i] = &keys[i];
	}
	for (step = 0; step < STEPS; step++) {
		uint64_t r = rnd(&seed);
		unsigned int k = (unsigned int)(r % KEYS);
		unsigned int op = (unsigned int)(r >> 32) % 8;
		struct obj *fresh = &pool[in[k] == &pool[0][k]][k];
		int ret;

		switch (op) {
		case 0: case 1: case 2:		/* add */
			obj_init(fresh, k * 40503u);
			ret = pmt_sockt_add(t, fresh);
			if (in[k] != NULL)
				ck_assert_int_eq(ret, -EEXIST);
			else if (n_in == ENTRIES)
				ck_assert_int_eq(ret, -ENOSPC);
			else {
				ck_assert_int_eq(ret, 0);
				in[k] = fresh;
				n_in++;
			}
			break;
		case 3:				/* delete by key */
			ret = pmt_sockt_del(t, &keys[k]);
			ck_assert_int_eq(ret, in[k] != NULL ? 0 : -ENOENT);
			if (in[k] != NULL) {
				ck_assert_ptr_eq(c.last, in[k]);
				in[k] = NULL;
				n_in--;
			}
			break;
		case 4:				/* delete by value */
			if (in[k] == NULL)
				break;
			ck_assert_int_eq(pmt_sockt_del_value(t, in[k]), 0);
			in[k] = NULL;
			n_in--;
			break;
		case 5:				/* the other form */
			obj_init(fresh, k * 40503u);
			ret = pmt_sockt_replace(t, fresh);
			ck_assert_int_eq(ret, in[k] != NULL ? 0 : -ENOENT);
			if (in[k] != NULL)
				in[k] = fresh;
			break;
		default:			/* look up */
			ck_assert_ptr_eq(pmt_sockt_lookup(t, &keys[k]), in[k]);
			break;
		}
		ck_assert_uint_eq(pmt_sockt_count(t), n_in);
		if (step % 4096 == 0) {
			ck_assert_uint_eq(pmt_sockt_lookup_bulk(t, kp, KEYS,
								vals), n_in);
			for (i = 0; i < KEYS; i++)
				ck_assert_ptr_eq(vals[i], in[i]);
			n = 0;
			pmt_sockt_walk(t, count_walk, &n);
			ck_assert_uint_eq(n, n_in);
		}
	}
	ck_assert_uint_eq(c.bad, 0);
	pmt_sockt_free(t);
}
END_TEST

/*
 * Every key in one run (the hash key all zeros): displacements pass what
 * a slot can say (255), so deletes must ask the keys how far back an
 * entry may move. Deletes in a seeded order, each checked whole.
 */
START_TEST(one_run_past_the_displacement_a_slot_holds)
{
	enum { N = 400 };
	static struct obj o[N];
	static const uint32_t zero[4] = { 0 };
	uint32_t order[N], i, j, tmp;
	uint64_t seed = UINT64_C(0x2545f4914f6cdd1d);
	unsigned int n;
	struct fctx c;
	struct pmt_sockt *t = new_table(N, &c);

	ck_assert_int_eq(pmt_sockt_test_set_key(t, zero), 0);
	for (i = 0; i < N; i++) {
		obj_init(&o[i], i);	/* one address pair: one home slot */
		ck_assert_int_eq(pmt_sockt_add(t, &o[i]), 0);
		order[i] = i;
	}
	ck_assert_int_eq(pmt_sockt_test_set_key(t, zero), -EBUSY);
	for (i = N - 1; i > 0; i--) {
		j = (uint32_t)(rnd(&seed) % (i + 1));
		tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	for (i = 0; i < N; i++) {
		if (i % 2 == 0)
			ck_assert_int_eq(pmt_sockt_del(t, &o[order[i]].key), 0);
		else
			ck_assert_int_eq(pmt_sockt_del_value(t, &o[order[i]]), 0);
		if (i % 16 == 0 || i > N - 8)
			for (j = 0; j < N; j++) {
				struct pmt_flow_key k = key_of(j);

				ck_assert_ptr_eq(pmt_sockt_lookup(t, &k),
						 o[j].magic == MAGIC_LIVE ?
						 &o[j] : NULL);
			}
		n = 0;
		pmt_sockt_walk(t, count_walk, &n);
		ck_assert_uint_eq(n, N - 1 - i);
	}
	ck_assert_uint_eq(c.n_freed, N);
	ck_assert_uint_eq(c.bad, 0);
	pmt_sockt_free(t);
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
	tcase_add_test(tc, replace_keeps_the_tag_and_frees_the_old);
	tcase_add_test(tc, bulk_hits_and_misses);
	tcase_add_test(tc, walk_visits_exactly_the_entries);
	tcase_add_test(tc, walk_callback_may_delete_what_it_is_given);
	tcase_add_test(tc, fill_to_capacity);
	tcase_add_test(tc, create_rejects_bad_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("model");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, model_of_random_churn_at_high_load, 0, 3);
	tcase_add_test(tc, one_run_past_the_displacement_a_slot_holds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

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
