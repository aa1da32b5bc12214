/* pmt_tcp_sack.h: the sender's SACK scoreboard (RFC 2018, RFC 2883, RFC 6675): bounded ranges, loss and pipe (internal). */
#ifndef PMT_TCP_SACK_H
#define PMT_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * What the peer said it holds above SND.UNA, as at most PMT_SACK_SB_MAX
 * disjoint, non-adjacent ranges sorted by sequence number. The send
 * queue itself is never split by SACK (the segmenter windows into it),
 * so a crafted stream of tiny SACK blocks costs at most this array:
 * every update is O(blocks x PMT_SACK_SB_MAX), no allocation, and what
 * does not fit is forgotten from the top (forgetting SACK information
 * only makes the sender retransmit more, never send wrong data; cf.
 * CVE-2019-11477/11478, where per-SACK splitting of queued buffers was
 * the attack).
 *
 * Sequence numbers are compared modulo 2^32 (RFC 9293 3.4); every range
 * lies within [SND.UNA, SND.MAX), a window far below 2^31.
 */
#define PMT_SACK_SB_MAX 16

struct pmt_sack_range {
	uint32_t start;		/* first SACKed byte */
	uint32_t end;		/* one past the last */
};

struct pmt_sack_sb {
	uint8_t n;		/* ranges in use */
	uint8_t reserved[3];
	uint32_t sacked;	/* bytes in the ranges */
	struct pmt_sack_range r[PMT_SACK_SB_MAX];
};

_Static_assert(sizeof(struct pmt_sack_sb) == 136,
	       "the scoreboard is 8 bytes and 16 ranges");

/* What one ACK's SACK option did to the scoreboard. */
struct pmt_sack_update {
	uint32_t newly;		/* bytes SACKed for the first time */
	uint16_t ignored;	/* blocks outside [SND.UNA, SND.MAX) or empty */
	uint16_t forgotten;	/* ranges dropped for want of room */
	bool dsack;		/* the first block was a D-SACK (RFC 2883) */
};

void pmt_sack_init(struct pmt_sack_sb *sb);

/* Forget what SND.UNA @una now covers. */
void pmt_sack_advance(struct pmt_sack_sb *sb, uint32_t una);

/**
 * Take an ACK's SACK blocks (@blk[i][0] left, @blk[i][1] right edge, in
 * the order sent). @una is the ACK's cumulative acknowledgment once it
 * has been applied, @max our SND.MAX. A first block at or below @una,
 * or inside the second block, is a D-SACK (RFC 2883 4) and reports a
 * duplicate rather than new data. Blocks that are empty, reversed or
 * outside [@una, @max) are ignored and counted (RFC 2018 is silent; a
 * peer that sends them is broken or hostile).
 */
void pmt_sack_take(struct pmt_sack_sb *sb, uint32_t una, uint32_t max,
		   const uint32_t (*blk)[2], unsigned int n,
		   struct pmt_sack_update *res);

/* Is byte @seq SACKed? */
bool pmt_sack_has(const struct pmt_sack_sb *sb, uint32_t seq);

/* The highest SACKed byte + 1, or @una when nothing is SACKed. */
uint32_t pmt_sack_high(const struct pmt_sack_sb *sb, uint32_t una);

/**
 * RFC 6675 IsLost(@seq): DupThresh (@dupthresh) discontiguous SACKed
 * ranges lie above it, or more than (DupThresh - 1) * SMSS (@mss)
 * SACKed bytes do.
 */
bool pmt_sack_is_lost(const struct pmt_sack_sb *sb, uint32_t seq,
		      uint32_t mss, unsigned int dupthresh);

/**
 * RFC 6675 NextSeg() rule 1: the first byte at or above @high_rxt (and
 * @una) that is neither SACKed nor beyond the highest SACKed byte, and
 * IsLost: set *@seq and *@len (at most @mss, not into the next SACKed
 * range). @return false when no hole is lost (the caller then sends new
 * data, rule 2, or a rescue per rule 3/4).
 */
bool pmt_sack_next_seg(const struct pmt_sack_sb *sb, uint32_t una,
		       uint32_t high_rxt, uint32_t mss,
		       unsigned int dupthresh, uint32_t *seq, uint32_t *len);

/* SACKed bytes below @x. */
uint32_t pmt_sack_below(const struct pmt_sack_sb *sb, uint32_t x);

/**
 * RFC 6675 SetPipe(): bytes in flight between @una and @max. A byte
 * neither SACKed nor lost counts once; one retransmitted (below
 * @high_rxt) and not SACKed counts once more.
 */
uint32_t pmt_sack_pipe(const struct pmt_sack_sb *sb, uint32_t una,
		       uint32_t max, uint32_t high_rxt, uint32_t mss,
		       unsigned int dupthresh);

/**
 * Bytes below @high_rxt (retransmitted), not SACKed and not IsLost():
 * what SetPipe() counts twice, once as the original still in flight,
 * once as the retransmission. A sender that retransmitted them holds
 * the original lost (as Linux marks the head it fast-retransmits):
 * SetPipe() less this counts each once.
 */
uint32_t pmt_sack_rxt_unlost(const struct pmt_sack_sb *sb, uint32_t una,
			     uint32_t high_rxt, uint32_t mss,
			     unsigned int dupthresh);

/**
 * RFC 6675 NextSeg() rule 3: the first byte at or above @from (and
 * @una) that is not SACKed and lies below a SACKed range, lost or not:
 * set *@seq and *@len (at most @mss). @return false when there is none.
 */
bool pmt_sack_next_unsacked(const struct pmt_sack_sb *sb, uint32_t una,
			    uint32_t from, uint32_t mss, uint32_t *seq,
			    uint32_t *len);

/**
 * The first byte at or above @seq that is not SACKed. *@limit is where
 * the SACKed range above it starts, or that byte itself when nothing
 * above is SACKed (the caller then has no limit). For a go-back-N that
 * must not resend what the peer holds.
 */
uint32_t pmt_sack_skip(const struct pmt_sack_sb *sb, uint32_t seq,
		       uint32_t *limit);

#endif /* PMT_TCP_SACK_H */
