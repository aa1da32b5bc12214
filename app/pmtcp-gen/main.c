/* main.c: pmtcp-gen, the load generator; for now it brings the stack up and serves ARP and ping. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "pmtcp.h"

#define EXIT_USAGE 2

struct gen_opts {
	unsigned int duration;		/* seconds, 0 = until a signal */
	const char *config;
};

static const char usage_text[] =
"usage: pmtcp-gen [EAL options] -- [options]\n"
"\n"
"EAL options that work without hugepages or a NIC:\n"
"  --no-huge -m 512 --no-pci --file-prefix NAME --vdev=net_tap0,iface=NAME\n"
"\n"
"Options (flags override the --config file):\n"
"  --config FILE          INI file: [stack] keys as below, [portN] addr=\n"
"  --addr IP/PREFIX       IPv4 address of the next port, in port order\n"
"                         (repeatable; one per port)\n"
"  --gateway IP           default gateway (on one port's subnet)\n"
"  --duration S           run S seconds, then stop (0: until SIGINT/SIGTERM)\n"
"  --mbufs N              mbufs in each lcore's pool (default 8191)\n"
"  --rx-desc N            RX descriptors per queue (default 1024)\n"
"  --tx-desc N            TX descriptors per queue (default 1024)\n"
"  --mtu BYTES            IP MTU (default 1500)\n"
"  --link-wait-ms MS      how long start-up waits for link (default 5000)\n"
"  --tx-drain-us US       longest a packet waits in a TX buffer (default 100)\n"
"  --arp-reachable-ms MS  how long a confirmed ARP entry is trusted (default 30000)\n"
"  --arp-retry-ms MS      interval between ARP requests (default 1000)\n"
"  --arp-retries N        requests before a next hop is unreachable (default 3)\n"
"  --arp-pending N        packets held per unresolved next hop, <= 16 (default 8)\n"
"  --arp-entries N        ARP cache entries per lcore (default 1024)\n"
"  --help                 this text\n"
"\n"
"Exit status: 0 after a clean stop, 1 on a runtime failure, 2 on bad options.\n";

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 0 },
	{ "addr", required_argument, NULL, 0 },
	{ "gateway", required_argument, NULL, 0 },
	{ "duration", required_argument, NULL, 0 },
	{ "mbufs", required_argument, NULL, 0 },
	{ "rx-desc", required_argument, NULL, 0 },
	{ "tx-desc", required_argument, NULL, 0 },
	{ "mtu", required_argument, NULL, 0 },
	{ "link-wait-ms", required_argument, NULL, 0 },
	{ "tx-drain-us", required_argument, NULL, 0 },
	{ "arp-reachable-ms", required_argument, NULL, 0 },
	{ "arp-retry-ms", required_argument, NULL, 0 },
	{ "arp-retries", required_argument, NULL, 0 },
	{ "arp-pending", required_argument, NULL, 0 },
	{ "arp-entries", required_argument, NULL, 0 },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
on_signal(int sig)
{
	(void)sig;
	pmt_stack_stop();
}

/* Keys of pmtcp-gen itself, from flags or the [gen] section of a file. */
static int
gen_key(void *arg, const char *section, const char *key, const char *value,
	char *err, size_t errlen)
{
	struct gen_opts *o = arg;
	char *end;
	unsigned long v;

	if (section != NULL && section[0] && strcmp(section, "gen") != 0)
		return -ENOENT;
	if (strcmp(key, "duration") == 0) {
		errno = 0;
		v = strtoul(value, &end, 10);
		if (errno || *end || value[0] < '0' || value[0] > '9' ||
		    v > 31536000) {
			snprintf(err, errlen,
				 "bad duration '%s': want seconds, 0..31536000",
				 value);
			return -EINVAL;
		}
		o->duration = (unsigned int)v;
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s' in [%s]", key,
		 section ? section : "");
	return -ENOENT;
}

static int
usage_error(const char *msg)
{
	fprintf(stderr, "pmtcp-gen: %s\n(see pmtcp-gen -- --help)\n", msg);
	return EXIT_USAGE;
}

/* Parse our options (after "--"); returns -1 to go on, else an exit code. */
static int
parse_options(int argc, char **argv, struct pmt_config *cfg,
	      struct gen_opts *o)
{
	char err[256];
	int c, idx, i, ret;

	/* The file first, wherever --config stands, so flags override it. */
	for (i = 1; i < argc; i++) {
		const char *path = NULL;

		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			path = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
		if (path == NULL)
			continue;
		ret = pmt_config_load(cfg, path, gen_key, o, err, sizeof(err));
		if (ret != 0)
			return usage_error(err);
		o->config = path;
	}

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_opts, &idx)) != -1) {
		const char *name;

		switch (c) {
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_SUCCESS;
		case ':':
			snprintf(err, sizeof(err), "%s needs a value",
				 argv[optind - 1]);
			return usage_error(err);
		case '?':
			/*
			 * optopt is an unknown short option, which may stand
			 * inside "-xq" with optind still on that word; it is
			 * 0 for an unknown long option, 'h' for "--help=x".
			 */
			if (optopt != 0 && optopt != 'h')
				snprintf(err, sizeof(err),
					 "unknown option '-%c'", optopt);
			else
				snprintf(err, sizeof(err),
					 "unknown option '%s'",
					 argv[optind - 1]);
			return usage_error(err);
		default:
			break;
		}
		name = long_opts[idx].name;
		if (strcmp(name, "config") == 0)
			continue;
		ret = pmt_config_set(cfg, NULL, name, optarg, err, sizeof(err));
		if (ret == -ENOENT)
			ret = gen_key(o, NULL, name, optarg, err, sizeof(err));
		if (ret != 0)
			return usage_error(err);
	}
	if (optind < argc) {
		snprintf(err, sizeof(err), "unexpected argument '%s'",
			 argv[optind]);
		return usage_error(err);
	}
	if (pmt_config_validate(cfg, err, sizeof(err)) != 0)
		return usage_error(err);
	return -1;
}

int
main(int argc, char **argv)
{
	struct gen_opts opts = { 0 };
	struct pmt_config cfg;
	int sep, ret;

	/* EAL arguments come before "--", ours after. */
	for (sep = 1; sep < argc; sep++)
		if (strcmp(argv[sep], "--") == 0)
			break;
	pmt_config_defaults(&cfg);
	if (sep == argc) {
		/* No "--": only our own options (e.g. --help) may stand. */
		ret = parse_options(argc, argv, &cfg, &opts);
		if (ret == EXIT_SUCCESS)
			return ret;
		return ret >= 0 ? ret :
			usage_error("EAL options and '--' are missing");
	}
	argv[sep] = argv[0];
	ret = parse_options(argc - sep, argv + sep, &cfg, &opts);
	if (ret >= 0)
		return ret;

	ret = rte_eal_init(sep, argv);
	if (ret < 0) {
		fprintf(stderr, "pmtcp-gen: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return rte_errno == EINVAL ? EXIT_USAGE : EXIT_FAILURE;
	}
	ret = pmt_stack_init(&cfg);
	if (ret != 0) {
		fprintf(stderr, "pmtcp-gen: stack start failed: %s\n",
			strerror(-ret));
		rte_eal_cleanup();
		return ret == -EINVAL ? EXIT_USAGE : EXIT_FAILURE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGALRM, on_signal);
	if (opts.duration)
		alarm(opts.duration);
	printf("pmtcp: running on %u lcore(s); stop with SIGINT or SIGTERM\n",
	       rte_lcore_count());
	fflush(stdout);

	ret = pmt_stack_run();
	printf("pmtcp: stopped; counters:\n");
	pmt_stats_print(stdout);
	fflush(stdout);
	pmt_stack_close();
	rte_eal_cleanup();
	return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
