/* pmt_tcp_wire.h: the TCP header and options on the wire, parsed into a plain segment (internal). */
#ifndef PMT_TCP_WIRE_H
#define PMT_TCP_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

/* Flags as in the header's 13th byte. */
#define PMT_TH_FIN 0x01
#define PMT_TH_SYN 0x02
#define PMT_TH_RST 0x04
#define PMT_TH_PSH 0x08
#define PMT_TH_ACK 0x10
#define PMT_TH_URG 0x20
#define PMT_TH_ECE 0x40
#define PMT_TH_CWR 0x80

/* Which options a segment carried (pmt_tcp_seg.opts). */
#define PMT_TO_MSS 0x01
#define PMT_TO_WSCALE 0x02
#define PMT_TO_TS 0x04
#define PMT_TO_SACK_PERM 0x08
#define PMT_TO_SACK 0x10

#define PMT_TCP_MAX_SACK 4
/* RFC 7323 2.3: a shift above 14 is used as 14. */
#define PMT_TCP_MAX_WSCALE 14

/*
 * A segment as TCP input sees it: header fields in host order, options
 * decoded, payload located. Built by pmt_tcp_parse(); nothing in TCP
 * input reads the wire header again.
 */
struct pmt_tcp_seg {
	uint32_t seq;
	uint32_t ack;
	uint32_t len;		/* payload bytes; SYN and FIN not counted */
	uint16_t sport;
	uint16_t dport;
	uint16_t wnd;		/* raw window field, unscaled */
	uint16_t payload_off;	/* from the start of the TCP header */
	uint8_t flags;
	uint8_t opts;		/* PMT_TO_* present */
	uint8_t wscale;		/* clamped to PMT_TCP_MAX_WSCALE */
	uint8_t n_sack;
	uint16_t mss;
	uint32_t tsval;
	uint32_t tsecr;
	struct {
		uint32_t left;
		uint32_t right;
	} sack[PMT_TCP_MAX_SACK];
};

enum pmt_tcp_verdict {
	PMT_TCP_OK = 0,
	PMT_TCP_SHORT,		/* fewer than 20 bytes */
	PMT_TCP_BAD_OFF,	/* data offset < 5 or past the segment */
	PMT_TCP_BAD_OPT,	/* an option with a bad length: parsing stopped,
				 * options before it kept (segment usable) */
};

/*
 * Parse a TCP header of @len bytes (header + payload, as bounded by the
 * IP total length). Returns PMT_TCP_OK, or PMT_TCP_BAD_OPT with @seg
 * filled and usable, or SHORT/BAD_OFF (drop). Reads no byte at or past
 * @hdr + @len, nor any option byte past the data offset. @seg is zeroed
 * first; on BAD_OFF only the fixed fields (ports, seq, ack, flags, wnd)
 * are filled, for logging. Options are decoded on any segment; which
 * ones count (MSS, WS, SACK-permitted only on a SYN) is the caller's call.
 */
enum pmt_tcp_verdict pmt_tcp_parse(const void *hdr, uint32_t len,
				   struct pmt_tcp_seg *seg);

/* Options to put on an outgoing segment. */
struct pmt_tcp_out_opts {
	uint8_t opts;		/* PMT_TO_* to emit */
	uint8_t wscale;
	uint16_t mss;
	uint32_t tsval;
	uint32_t tsecr;
	uint8_t n_sack;
	struct {
		uint32_t left;
		uint32_t right;
	} sack[PMT_TCP_MAX_SACK];
};

/*
 * Bytes the options in @o take on the wire, padded to 4. The layout is
 * Linux's (see tcp_wire.c), so every option sits 4-aligned and the sum
 * is always a multiple of 4 (0 for a NULL @o). PMT_TO_SACK with n_sack
 * 0 emits nothing; SACK blocks beyond what fits in the 40-byte option
 * space (or beyond PMT_TCP_MAX_SACK) are left out from the end of
 * @o->sack: put the newest block first (RFC 2018 4) and it survives.
 */
uint16_t pmt_tcp_opts_len(const struct pmt_tcp_out_opts *o);

/*
 * Write a TCP header with options at @hdr (room for 20 + opts_len
 * bytes); checksum left 0, urgent pointer 0. A window shift above
 * PMT_TCP_MAX_WSCALE is written as PMT_TCP_MAX_WSCALE. @o may be NULL
 * (no options). Returns the header length.
 */
uint16_t pmt_tcp_build(void *hdr, uint16_t sport, uint16_t dport,
		       uint32_t seq, uint32_t ack, uint8_t flags,
		       uint16_t wnd, const struct pmt_tcp_out_opts *o);

/*
 * TCP checksum over the pseudo-header (RFC 9293 3.1: source and
 * destination address, zero, protocol, TCP length) and @tcp_len bytes of
 * header and payload at @tcp (@tcp_len <= 65535). Only the addresses are
 * taken from @ip; the length is @tcp_len, not @ip's total length. The
 * checksum field at @tcp must be 0 while this runs. Returns the value to
 * store in rte_tcp_hdr.cksum as is (already in network order).
 */
uint16_t pmt_tcp_cksum(const struct rte_ipv4_hdr *ip, const void *tcp,
		       uint32_t tcp_len);

/*
 * The same over an mbuf chain whose TCP header starts @l4_off bytes in;
 * pieces of any length and alignment. The checksum field must be 0.
 */
uint16_t pmt_tcp_cksum_mbuf(const struct rte_ipv4_hdr *ip,
			    const struct rte_mbuf *m, uint32_t l4_off);

/* True if the checksum stored in the segment at @tcp verifies. */
bool pmt_tcp_cksum_ok(const struct rte_ipv4_hdr *ip, const void *tcp,
		      uint32_t tcp_len);

/* Wrap-safe sequence comparisons (RFC 9293 3.4). */
static inline bool pmt_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool pmt_seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool pmt_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool pmt_seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

#endif /* PMT_TCP_WIRE_H */
