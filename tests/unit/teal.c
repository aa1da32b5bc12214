/* teal.c: EAL for a unit-test process: once, without hugepages or PCI, and gone without a trace at exit. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "teal.h"

static char teal_dir[PATH_MAX];

static int
remove_entry(const char *path, const struct stat *sb, int flag,
	     struct FTW *ftw)
{
	RTE_SET_USED(sb);
	RTE_SET_USED(flag);
	RTE_SET_USED(ftw);
	remove(path);
	return 0;
}

static void
teal_fini(void)
{
	rte_eal_cleanup();
	/* Depth first, links not followed: only what the EAL put there. */
	if (teal_dir[0] != '\0')
		nftw(teal_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

void
teal_init(const char *suite)
{
	char prefix[64];
	char *argv[] = { "test", "--no-huge", "--no-pci", "-m", "256",
			 "--file-prefix", prefix, "-l", "0",
			 "--log-level=*:error", NULL };

	snprintf(prefix, sizeof(prefix), "pmt-%s-%d", suite, (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		exit(1);
	}
	snprintf(teal_dir, sizeof(teal_dir), "%s", rte_eal_get_runtime_dir());
	atexit(teal_fini);
}
