/* stack.c: the stack's life: bring engines and ports up, run them, report, tear down. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include <rte_mempool.h>

#include "engine/pmt_engine.h"
#include "net/pmt_net.h"
#include "sock/pmt_sockt.h"
#include "tcp/pmt_tcp_syncache.h"

struct pmt_stack *pmt_the_stack;

static int
engine_loop(void *arg)
{
	struct pmt_engine *eng = pmt_the_stack->by_lcore[rte_lcore_id()];

	RTE_SET_USED(arg);
	if (eng == NULL)
		return 0;
	/* The loop reads only its engine; the stop flag is one shared load. */
	while (!eng->stack->stop)
		pmt_engine_poll(eng);
	pmt_engine_tx_flush(eng);
	return 0;
}

int
pmt_stack_init(const struct pmt_config *cfg)
{
	char err[256];
	struct pmt_stack *st;
	unsigned int lcore, i;
	uint64_t now;
	int ret;

	if (pmt_the_stack != NULL)
		return -EALREADY;
	ret = pmt_config_validate(cfg, err, sizeof(err));
	if (ret != 0) {
		RTE_LOG(ERR, USER1, "pmtcp: %s\n", err);
		return ret;
	}
	st = rte_zmalloc("pmt_stack", sizeof(*st), RTE_CACHE_LINE_SIZE);
	if (st == NULL)
		return -ENOMEM;
	st->cfg = *cfg;
	pmt_the_stack = st;

	RTE_LCORE_FOREACH(lcore) {
		struct pmt_engine *eng;

		/* The engines start on one clock so timers agree. */
		eng = pmt_engine_create(st, (uint16_t)st->n_engines, lcore, 0);
		if (eng == NULL) {
			ret = -ENOMEM;
			goto fail;
		}
		now = pmt_engine_clock(eng);
		eng->now = now;
		pmt_wheel_init(&eng->wheel, now, eng->wheel.fn);
		st->engines[st->n_engines++] = eng;
		st->by_lcore[lcore] = eng;
	}
	ret = pmt_port_setup(st);
	if (ret != 0)
		goto fail;

	/* Announce our addresses and learn the gateway before traffic. */
	for (i = 0; i < st->n_ifaces; i++)
		pmt_arp_announce(st->engines[0], (uint16_t)i);
	if (st->cfg.gateway != 0)
		pmt_neighbor_resolve(st->engines[0], st->cfg.gateway, 0);
	pmt_engine_tx_flush(st->engines[0]);
	return 0;
fail:
	pmt_stack_close();
	return ret;
}

int
pmt_stack_run(void)
{
	struct pmt_stack *st = pmt_the_stack;
	int ret;

	if (st == NULL)
		return -EINVAL;
	ret = rte_eal_mp_remote_launch(engine_loop, NULL, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	return ret;
}

void
pmt_stack_stop(void)
{
	if (pmt_the_stack != NULL)
		pmt_the_stack->stop = true;
}

bool
pmt_stack_stopping(void)
{
	return pmt_the_stack == NULL || pmt_the_stack->stop;
}

void
pmt_stack_close(void)
{
	struct pmt_stack *st = pmt_the_stack;
	unsigned int i;

	if (st == NULL)
		return;
	/* Ports first: they hold mbufs of the engines' pools. */
	pmt_port_close(st);
	for (i = 0; i < st->n_engines; i++)
		pmt_engine_free(st->engines[i]);
	pmt_the_stack = NULL;
	rte_free(st);
}

struct pmt_engine *
pmt_engine_get(unsigned int lcore_id)
{
	if (pmt_the_stack == NULL || lcore_id >= RTE_MAX_LCORE)
		return NULL;
	return pmt_the_stack->by_lcore[lcore_id];
}

unsigned int
pmt_stats_count(void)
{
	return PMT_STATS_N;
}

int
pmt_stats_get(unsigned int i, const char **name, uint64_t *value)
{
	struct pmt_stack *st = pmt_the_stack;
	uint64_t sum = 0;
	unsigned int e;

	if (i >= PMT_STATS_N)
		return -ERANGE;
	if (st != NULL)
		for (e = 0; e < st->n_engines; e++) {
			const volatile uint64_t *c =
				(const volatile uint64_t *)&st->engines[e]->stats;

			sum += c[i];
		}
	if (name != NULL)
		*name = pmt_stats_names[i];
	if (value != NULL)
		*value = sum;
	return 0;
}

void
pmt_engine_usage(const struct pmt_engine *eng, struct pmt_engine_usage *u)
{
	memset(u, 0, sizeof(*u));
	if (eng == NULL)
		return;
	u->mbufs = rte_mempool_in_use_count(eng->pool);
	u->clones = rte_mempool_in_use_count(eng->tcp.clone_pool);
	u->tcbs = pmt_tcb_in_use(eng);
	u->tcb_idle = pmt_tcb_idle_in_use(eng);
	u->syncache = pmt_syncache_in_use(eng);
	u->ooo_mbufs = eng->tcp.ooo_mbufs;
	/* The ARP cache's timers are its entries' life, not connections'. */
	u->timers = (uint32_t)eng->wheel.n_armed - pmt_arp_timers_armed(eng);
	u->fds = eng->tcp.fds_in_use;
	u->tcp_exts = pmt_tcp_ext_in_use(eng);
}

/* pmt_pools_print()'s names, in struct pmt_engine_usage's order. */
static const char *const usage_names[] = {
	"mbuf", "clone", "tcb", "tcb_idle", "syncache", "ooo_mbuf", "timer",
	"fd", "tcp_ext",
};
_Static_assert(RTE_DIM(usage_names) * sizeof(uint32_t) ==
	       sizeof(struct pmt_engine_usage),
	       "a name for every figure of struct pmt_engine_usage");

void
pmt_pools_print(FILE *f, const char *tag)
{
	struct pmt_stack *st = pmt_the_stack;
	unsigned int i, k;

	for (i = 0; st != NULL && i < st->n_engines; i++) {
		struct pmt_engine_usage u;
		uint32_t v[RTE_DIM(usage_names)];

		/* What is out of each pool: a leak shows here at shutdown. */
		pmt_engine_usage(st->engines[i], &u);
		memcpy(v, &u, sizeof(v));
		for (k = 0; k < RTE_DIM(usage_names); k++)
			fprintf(f, "%s %s lcore=%u in_use=%" PRIu32 "\n", tag,
				usage_names[k], st->engines[i]->lcore_id, v[k]);
	}
}

/* TCBs in the socket table by state (idle forms aside). */
static int
count_state(void *arg, const struct pmt_flow_key *k, void *value)
{
	uint32_t *by_state = arg;
	const struct pmt_tcb *tcb = value;

	RTE_SET_USED(k);
	if (!pmt_tcb_is_idle(value) && tcb->state < PMT_TCPS_N)
		by_state[tcb->state]++;
	return 0;
}

/*
 * The TCBs still in each engine's table, by state: what a leak check
 * that finds TCBs at exit wants to know first.
 */
static void
print_tcb_states(FILE *f, const struct pmt_stack *st)
{
	unsigned int i, s;

	for (i = 0; i < st->n_engines; i++) {
		struct pmt_engine *eng = st->engines[i];
		uint32_t by_state[PMT_TCPS_N] = { 0 };

		if (pmt_tcb_in_use(eng) == 0)
			continue;
		pmt_sockt_walk(eng->tcp.table, count_state, by_state);
		for (s = 0; s < PMT_TCPS_N; s++)
			if (by_state[s])
				fprintf(f, "tcb_state lcore=%u %s=%" PRIu32 "\n",
					eng->lcore_id, pmt_tcp_state_names[s],
					by_state[s]);
	}
}

void
pmt_stats_print(FILE *f)
{
	struct pmt_stack *st = pmt_the_stack;
	unsigned int i;

	for (i = 0; i < PMT_STATS_N; i++) {
		const char *name;
		uint64_t v;

		pmt_stats_get(i, &name, &v);
		if (v != 0)
			fprintf(f, "stat %s=%" PRIu64 "\n", name, v);
	}
	if (st == NULL)
		return;
	pmt_pools_print(f, "pool");
	print_tcb_states(f, st);
	for (i = 0; i < st->n_engines; i++)
		pmt_arp_print(st->engines[i], f);
}
