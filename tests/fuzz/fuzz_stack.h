/* fuzz_stack.h: the test stack (tests/unit/tstack) as libFuzzer harnesses use it: set up once, reset and leak-checked after every input. */
#ifndef PMT_FUZZ_STACK_H
#define PMT_FUZZ_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tstack.h"
#include "tcp/pmt_tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A violated invariant: say which, and abort so libFuzzer keeps the input. */
#define FZ_FAIL(...) do {						\
	fprintf(stderr, "fuzz: " __VA_ARGS__);				\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

/*
 * EAL (--no-huge --no-pci -m 256, file prefix pmt-@suite-<pid>, gone at
 * exit) and one test stack on a net_ring port, configured by @cfg_fn
 * after the unit tests' defaults. Call from LLVMFuzzerInitialize().
 */
struct tstack *fz_stack(const char *suite,
			void (*cfg_fn)(struct pmt_config *cfg));

/*
 * Put a frame of @len bytes on the wire, in one mbuf or cut in two at
 * @cut (0: one piece), with RX offload flags @ol_flags, and run one
 * turn. False when the pool had no mbuf (nothing was injected).
 */
bool fz_inject(struct tstack *t, const void *frame, size_t len, size_t cut,
	       uint64_t ol_flags);

/* Hand the TX buffer to the port and free everything it sent; returns how many. */
unsigned int fz_drain(struct tstack *t);

/* Read and drop every pending event. */
void fz_events(struct tstack *t);

/*
 * Abort every connection without a word (RST-less, as a test teardown
 * does): every descriptor but @keep_fd (-1: none) closes with SO_LINGER
 * 0, every TCB left in the socket table closes; then turns run until
 * the grace period has returned them. TX is drained.
 */
void fz_abort_all(struct tstack *t, int keep_fd);

/*
 * The leak check: no mbuf or clone mbuf out of the pools except what
 * the ARP cache holds for unresolved neighbours, no TCB but @tcbs, no
 * idle form.
 * Aborts naming @when otherwise.
 */
void fz_check_pools(struct tstack *t, unsigned int tcbs, const char *when);

/* Forget every ARP entry (and free what waited on one). */
void fz_arp_reset(struct tstack *t);

/* The peer (TS_PEER_IP, ts_peer_mac) asks for us by ARP: we learn it. */
void fz_learn_peer(struct tstack *t);

#endif /* PMT_FUZZ_STACK_H */
