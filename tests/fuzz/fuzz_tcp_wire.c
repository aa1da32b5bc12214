/* fuzz_tcp_wire.c: libFuzzer harness for the TCP header and options parser, its builder and checksums (lib/tcp/tcp_wire.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "tcp/pmt_tcp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...) do {							\
	fprintf(stderr, "fuzz_tcp_wire: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

/*
 * The parsed segment's promises (pmt_tcp_wire.h): the payload lies
 * inside the bytes given, options are within their limits.
 */
static void
check_parsed(const struct pmt_tcp_seg *seg, uint32_t len,
	     enum pmt_tcp_verdict v)
{
	if (v == PMT_TCP_SHORT) {
		if (len >= 20)
			FAIL("SHORT for %u bytes", len);
		return;
	}
	if (v == PMT_TCP_BAD_OFF)
		return;
	if (v != PMT_TCP_OK && v != PMT_TCP_BAD_OPT)
		FAIL("verdict %d out of range", (int)v);
	if (seg->payload_off < 20 || seg->payload_off > 60 ||
	    seg->payload_off % 4 != 0)
		FAIL("payload_off %u", seg->payload_off);
	if ((uint32_t)seg->payload_off + seg->len != len)
		FAIL("payload_off %u + len %u != %u", seg->payload_off,
		     seg->len, len);
	if (seg->n_sack > PMT_TCP_MAX_SACK)
		FAIL("%u SACK blocks", seg->n_sack);
	if ((seg->n_sack > 0) != ((seg->opts & PMT_TO_SACK) != 0))
		FAIL("n_sack %u with opts %#x", seg->n_sack, seg->opts);
	if (seg->wscale > PMT_TCP_MAX_WSCALE)
		FAIL("wscale %u", seg->wscale);
}

/*
 * Build what was parsed and parse it again: the builder and the parser
 * must agree on every field they share.
 */
static void
check_roundtrip(const struct pmt_tcp_seg *seg)
{
	struct pmt_tcp_out_opts o = { 0 };
	uint8_t buf[60 + 8];
	struct pmt_tcp_seg back;
	uint16_t hlen, olen;
	unsigned int i;

	o.opts = seg->opts;
	o.mss = seg->mss;
	o.wscale = seg->wscale;
	o.tsval = seg->tsval;
	o.tsecr = seg->tsecr;
	o.n_sack = seg->n_sack;
	for (i = 0; i < seg->n_sack; i++) {
		o.sack[i].left = seg->sack[i].left;
		o.sack[i].right = seg->sack[i].right;
	}
	olen = pmt_tcp_opts_len(&o);
	if (olen > 40 || olen % 4 != 0)
		FAIL("opts_len %u", olen);
	memset(buf, 0xa5, sizeof(buf));
	hlen = pmt_tcp_build(buf, seg->sport, seg->dport, seg->seq, seg->ack,
			     seg->flags, seg->wnd, &o);
	if (hlen != 20 + olen)
		FAIL("built %u bytes, opts_len said %u", hlen, olen);
	if (pmt_tcp_parse(buf, hlen, &back) != PMT_TCP_OK)
		FAIL("our own header does not parse");
	if (back.sport != seg->sport || back.dport != seg->dport ||
	    back.seq != seg->seq || back.ack != seg->ack ||
	    back.flags != seg->flags || back.wnd != seg->wnd || back.len != 0)
		FAIL("fixed fields changed in a round trip");
	/* SACK blocks past the option space are left out, from the end. */
	if ((back.opts & ~PMT_TO_SACK) != (seg->opts & ~PMT_TO_SACK))
		FAIL("options %#x came back as %#x", seg->opts, back.opts);
	if ((seg->opts & PMT_TO_MSS) && back.mss != seg->mss)
		FAIL("MSS %u came back as %u", seg->mss, back.mss);
	if ((seg->opts & PMT_TO_WSCALE) && back.wscale != seg->wscale)
		FAIL("wscale %u came back as %u", seg->wscale, back.wscale);
	if ((seg->opts & PMT_TO_TS) &&
	    (back.tsval != seg->tsval || back.tsecr != seg->tsecr))
		FAIL("timestamps changed in a round trip");
	if (back.n_sack > seg->n_sack)
		FAIL("%u SACK blocks came back as %u", seg->n_sack,
		     back.n_sack);
	for (i = 0; i < back.n_sack; i++)
		if (back.sack[i].left != seg->sack[i].left ||
		    back.sack[i].right != seg->sack[i].right)
			FAIL("SACK block %u changed in a round trip", i);
}

/*
 * The checksum over a flat buffer and over the same bytes cut into
 * three mbuf pieces (odd lengths and offsets included) must agree, and
 * a segment carrying its checksum must verify.
 */
static void
check_cksum(const uint8_t *data, size_t size)
{
	struct rte_ipv4_hdr ip = { 0 };
	struct rte_mbuf seg[3];
	uint8_t *flat;
	uint32_t len, cut1, cut2, i;
	uint16_t a, b;

	if (size < 28)
		return;
	/* Addresses from the first 8 bytes, the segment from the rest. */
	memcpy(&ip.src_addr, data, 4);
	memcpy(&ip.dst_addr, data + 4, 4);
	cut1 = data[0] % 7;
	cut2 = data[1] % 13;
	data += 8;
	size -= 8;
	len = (uint32_t)RTE_MIN(size, (size_t)65535);
	flat = malloc(len);
	if (flat == NULL)
		FAIL("out of memory");
	memcpy(flat, data, len);
	flat[16] = flat[17] = 0;	/* the checksum field must be 0 */
	cut1 = RTE_MIN(cut1, len);
	cut2 = RTE_MIN(cut1 + cut2, len);
	memset(seg, 0, sizeof(seg));
	for (i = 0; i < 3; i++) {
		uint32_t from = i == 0 ? 0 : i == 1 ? cut1 : cut2;
		uint32_t to = i == 0 ? cut1 : i == 1 ? cut2 : len;

		seg[i].buf_addr = flat + from;
		seg[i].data_off = 0;
		seg[i].data_len = (uint16_t)(to - from);
		seg[i].next = i < 2 ? &seg[i + 1] : NULL;
	}
	seg[0].pkt_len = len;
	seg[0].nb_segs = 3;
	a = pmt_tcp_cksum(&ip, flat, len);
	b = pmt_tcp_cksum_mbuf(&ip, &seg[0], 0);
	if (a != b)
		FAIL("checksum %#x flat, %#x over pieces %u/%u/%u", a, b,
		     cut1, cut2 - cut1, len - cut2);
	memcpy(flat + 16, &a, 2);
	if (!pmt_tcp_cksum_ok(&ip, flat, len))
		FAIL("a segment with its own checksum does not verify");
	free(flat);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pmt_tcp_seg seg;
	enum pmt_tcp_verdict v;
	uint8_t *copy;
	uint32_t len = (uint32_t)RTE_MIN(size, (size_t)65535);

	/* An exact-size copy, so ASan sees any read past the segment. */
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		FAIL("out of memory");
	memcpy(copy, data, len);
	v = pmt_tcp_parse(copy, len, &seg);
	check_parsed(&seg, len, v);
	if (v == PMT_TCP_OK || v == PMT_TCP_BAD_OPT)
		check_roundtrip(&seg);
	free(copy);
	check_cksum(data, size);
	return 0;
}
