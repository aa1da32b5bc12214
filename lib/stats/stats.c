/* stats.c: counter names and the cross-lcore sums the API reports. */
#include "pmt_stats.h"

const char *const pmt_stats_names[PMT_STATS_N] = {
#define PMT_STATS_NAME(name) #name,
	PMT_STATS_LIST(PMT_STATS_NAME)
#undef PMT_STATS_NAME
};
