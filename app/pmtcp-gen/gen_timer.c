/* gen_timer.c: pmtcp-gen's per-lcore timeout wheel (see gen_timer.h). */
#include <errno.h>
#include <stdlib.h>

#include "gen_timer.h"

int
gen_tw_init(struct gen_tw *tw, uint32_t n_ids, uint32_t n_slots,
	    uint64_t tick_ns, uint64_t now)
{
	if (n_ids == 0 || n_ids == UINT32_MAX || n_slots == 0 ||
	    (n_slots & (n_slots - 1)) != 0 || tick_ns == 0)
		return -EINVAL;
	tw->node = calloc(n_ids, sizeof(*tw->node));
	tw->head = calloc(n_slots, sizeof(*tw->head));
	if (tw->node == NULL || tw->head == NULL) {
		gen_tw_fini(tw);
		return -ENOMEM;
	}
	tw->n_ids = n_ids;
	tw->mask = n_slots - 1;
	tw->tick_ns = tick_ns;
	tw->cur = now / tick_ns;
	tw->walk = 0;
	tw->armed = 0;
	return 0;
}

void
gen_tw_fini(struct gen_tw *tw)
{
	free(tw->node);
	free(tw->head);
	tw->node = NULL;
	tw->head = NULL;
}

static void
unlink_node(struct gen_tw *tw, uint32_t id)
{
	struct gen_tw_node *n = &tw->node[id];
	uint32_t *head = &tw->head[n->tick & tw->mask];

	/* A walk paused on this node resumes at its successor. */
	if (tw->walk == id + 1)
		tw->walk = n->next;
	if (n->prev)
		tw->node[n->prev - 1].next = n->next;
	else
		*head = n->next;
	if (n->next)
		tw->node[n->next - 1].prev = n->prev;
	n->tick = 0;
	tw->armed--;
}

void
gen_tw_arm(struct gen_tw *tw, uint32_t id, uint64_t when)
{
	struct gen_tw_node *n = &tw->node[id];
	uint64_t t = when / tw->tick_ns;
	uint32_t *head;

	if (n->tick != 0)
		unlink_node(tw, id);
	/* A deadline in a tick already visited goes in the next one. */
	if (t < tw->cur)
		t = tw->cur;
	if (t - tw->cur > GEN_TW_MAX_TICKS)
		t = tw->cur + GEN_TW_MAX_TICKS;
	/* Tick 0 mod 2^32 means "not armed": one tick later, never early. */
	if ((uint32_t)t == 0)
		t++;
	n->tick = (uint32_t)t;
	tw->armed++;
	if (tw->walk != 0 && t == tw->cur) {
		/* The bucket's walk is paused: go where it resumes. */
		struct gen_tw_node *w = &tw->node[tw->walk - 1];

		n->next = tw->walk;
		n->prev = w->prev;
		if (w->prev)
			tw->node[w->prev - 1].next = id + 1;
		else
			tw->head[tw->cur & tw->mask] = id + 1;
		w->prev = id + 1;
		tw->walk = id + 1;
		return;
	}
	head = &tw->head[t & tw->mask];
	n->prev = 0;
	n->next = *head;
	if (*head)
		tw->node[*head - 1].prev = id + 1;
	*head = id + 1;
}

void
gen_tw_cancel(struct gen_tw *tw, uint32_t id)
{
	if (tw->node[id].tick != 0)
		unlink_node(tw, id);
}

unsigned int
gen_tw_expire(struct gen_tw *tw, uint64_t now, uint32_t *out, unsigned int max)
{
	uint64_t last = now / tw->tick_ns;	/* this tick has not passed */
	uint64_t slots = (uint64_t)tw->mask + 1;
	unsigned int n = 0;

	/* Past one whole turn, every bucket is due once: visit each once. */
	if (last > tw->cur + slots) {
		tw->cur = last - slots;
		tw->walk = 0;
	}
	while (tw->cur < last && n < max) {
		uint32_t i = tw->walk ? tw->walk : tw->head[tw->cur & tw->mask];

		while (i != 0 && n < max) {
			uint32_t id = i - 1;

			i = tw->node[id].next;
			/* Later turns of the wheel share this bucket. */
			if ((int32_t)(tw->node[id].tick - (uint32_t)tw->cur) <= 0) {
				unlink_node(tw, id);
				out[n++] = id;
			}
		}
		if (i != 0) {
			tw->walk = i;	/* out of room: resume here */
			break;
		}
		tw->walk = 0;
		tw->cur++;
	}
	return n;
}
