/* pmt_slab.h: a single-owner slab of fixed-size objects that become resident only when first used (internal). */
#ifndef PMT_SLAB_H
#define PMT_SLAB_H

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_malloc.h>

/*
 * Why not an rte_mempool: a mempool writes a header into every object
 * when it is populated, so all its memory is resident from the start
 * and each object carries a cache line of header. Control blocks are
 * per engine (one owner, no cache needed) and there may be millions of
 * them reserved for a peak that never comes: this slab hands objects
 * out in address order, so pages are touched only as the high-water
 * mark rises, and recycles them LIFO (still warm) through a free list
 * linked inside the free objects themselves, at @link_off.
 */
struct pmt_slab {
	char *base;
	size_t size;		/* object size, a multiple of the alignment */
	size_t link_off;	/* where a free object keeps its next pointer */
	uint32_t cap;
	uint32_t fresh;		/* objects ever handed out */
	uint32_t free_n;	/* on the free list */
	void *free;
};

/*
 * Reserve @cap objects of @size bytes, each aligned to @align (a power
 * of two up to a cache line: objects laid out by cache line ask for
 * one, small ones need not round up to it), on NUMA @socket.
 * 0 or -ENOMEM.
 */
static inline int
pmt_slab_init(struct pmt_slab *s, const char *name, size_t size,
	      size_t align, size_t link_off, uint32_t cap, int socket)
{
	RTE_VERIFY(rte_is_power_of_2((uint32_t)align) &&
		   align <= RTE_CACHE_LINE_SIZE);
	s->size = RTE_ALIGN_CEIL(size, align);
	s->link_off = link_off;
	s->cap = cap;
	s->fresh = s->free_n = 0;
	s->free = NULL;
	/* Not zeroed: zeroing would make every page resident now. */
	s->base = rte_malloc_socket(name, (size_t)cap * s->size,
				    RTE_CACHE_LINE_SIZE, socket);
	return s->base == NULL ? -ENOMEM : 0;
}

static inline void
pmt_slab_fini(struct pmt_slab *s)
{
	rte_free(s->base);
	s->base = NULL;
	s->cap = 0;
}

/* An object (contents undefined), or NULL when all @cap are out. */
static inline void *
pmt_slab_get(struct pmt_slab *s)
{
	void *o = s->free;

	if (o != NULL) {
		s->free = *(void **)((char *)o + s->link_off);
		s->free_n--;
		return o;
	}
	if (s->fresh < s->cap)
		return s->base + (size_t)s->fresh++ * s->size;
	return NULL;
}

static inline void
pmt_slab_put(struct pmt_slab *s, void *o)
{
	*(void **)((char *)o + s->link_off) = s->free;
	s->free = o;
	s->free_n++;
}

/* Objects out now: the slab's own count, good for leak checks. */
static inline uint32_t
pmt_slab_in_use(const struct pmt_slab *s)
{
	return s->fresh - s->free_n;
}

#endif /* PMT_SLAB_H */
