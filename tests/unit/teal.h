/* teal.h: EAL for a unit-test process: once, without hugepages or PCI, and gone without a trace at exit. */
#ifndef TEAL_H
#define TEAL_H

/*
 * rte_eal_init() with --no-huge --no-pci -m 256 -l 0 and the file prefix
 * pmt-@suite-<pid>; exits the process on failure. At exit the EAL is
 * cleaned up and its run-time directory (/var/run/dpdk/<prefix>) removed:
 * a test deletes what it creates.
 */
void teal_init(const char *suite);

#endif /* TEAL_H */
