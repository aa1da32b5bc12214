/* fuzz_ini.c: libFuzzer harness for the INI configuration loader (lib/config/config.c over libinih). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pmtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FAIL(...) do {							\
	fprintf(stderr, "fuzz_ini: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

static int memfd = -1;
static char memfd_path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* A file in memory: the loader opens it by name like any other. */
	memfd = memfd_create("pmtfz_ini", 0);
	if (memfd < 0)
		FAIL("memfd_create: %s", strerror(errno));
	snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	return 0;
}

/* A program's own keys, as pmtcp-gen has: [gen] rate, anything else unknown. */
static int
other(void *arg, const char *section, const char *key, const char *value,
      char *err, size_t errlen)
{
	unsigned int *n = arg;

	if (section == NULL || key == NULL || value == NULL)
		FAIL("callback given a NULL string");
	if (strcmp(section, "gen") != 0)
		return -ENOENT;
	if (strcmp(key, "rate") != 0)
		return -ENOENT;
	if (value[0] == '\0' || strspn(value, "0123456789") != strlen(value)) {
		snprintf(err, errlen, "rate: not a number");
		return -EINVAL;
	}
	(*n)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pmt_config cfg;
	char err[96], vbuf[256];
	unsigned int n = 0;
	int ret;

	if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data, size, 0) !=
	    (ssize_t)size)
		FAIL("cannot write the memfd: %s", strerror(errno));
	pmt_config_defaults(&cfg);
	memset(err, 'X', sizeof(err));
	ret = pmt_config_load(&cfg, memfd_path, other, &n, err, sizeof(err));
	if (ret != 0 && ret != -EINVAL && ret != -ENOENT)
		FAIL("pmt_config_load returned %d", ret);
	if (ret != 0) {
		/* A clean error: one terminated, non-empty line. */
		if (memchr(err, '\0', sizeof(err)) == NULL)
			FAIL("error message not terminated");
		if (err[0] == '\0')
			FAIL("error %d without a message", ret);
		if (strchr(err, '\n') != NULL)
			FAIL("error message of more than one line: %s", err);
	}
	/* Whatever was loaded must validate cleanly, or say why not. */
	if (cfg.n_ports > PMT_MAX_PORTS)
		FAIL("%u ports", cfg.n_ports);
	for (unsigned int i = 0; i < cfg.n_ports; i++)
		if (cfg.ports[i].n_addrs > PMT_MAX_ADDRS_PER_PORT)
			FAIL("port %u: %u addresses", i, cfg.ports[i].n_addrs);
	vbuf[0] = '\0';
	ret = pmt_config_validate(&cfg, vbuf, sizeof(vbuf));
	if (ret != 0 && (ret != -EINVAL || vbuf[0] == '\0'))
		FAIL("validate returned %d (%s)", ret, vbuf);
	return 0;
}
