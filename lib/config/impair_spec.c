/* impair_spec.c: the impairment spec grammar ("loss=1%,delay=2ms,...") into struct pmt_impair_spec. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmtcp.h"

#define PPM_ONE 1000000u
/* Bounds: a holding queue is memory; a delay beyond 10 s tests nothing. */
#define IMPAIR_QUEUE_DEFAULT 1024
#define IMPAIR_QUEUE_MAX 65536
#define IMPAIR_TIME_MAX_US 10000000u
#define IMPAIR_REORDER_MAX 64
#define IMPAIR_REORDER_TIMEOUT_US 10000u

static int
bad(char *err, size_t errlen, const char *item, size_t len,
    const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "'%.*s': %s", (int)len, item, why);
	return -EINVAL;
}

/*
 * A decimal number with at most @frac_max fraction digits, as an integer
 * scaled by 10^@frac_max; *@end is the first byte after it. No sign, no
 * exponent, at least one digit before any point.
 */
static int
parse_fixed(const char *s, const char *lim, unsigned int frac_max,
	    uint64_t *out, const char **end)
{
	uint64_t v = 0;
	unsigned int f = 0;

	if (s >= lim || *s < '0' || *s > '9')
		return -EINVAL;
	for (; s < lim && *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT64_MAX / 1000000000000ull)
			return -ERANGE;
	}
	if (s < lim && *s == '.') {
		s++;
		if (s >= lim || *s < '0' || *s > '9')
			return -EINVAL;
		for (; s < lim && *s >= '0' && *s <= '9'; s++) {
			if (++f > frac_max)
				return -EINVAL;
			v = v * 10 + (uint64_t)(*s - '0');
		}
	}
	for (; f < frac_max; f++)
		v *= 10;
	*out = v;
	*end = s;
	return 0;
}

/* "1%", "0.0001%", "100%": parts per million. */
static int
parse_pct(const char *s, const char *lim, uint32_t *ppm)
{
	const char *e;
	uint64_t v;

	/* Four fraction digits of a percent are one part per million. */
	if (parse_fixed(s, lim, 4, &v, &e) != 0 || e + 1 != lim || *e != '%' ||
	    v > PPM_ONE)
		return -EINVAL;
	*ppm = (uint32_t)v;
	return 0;
}

/* "500us", "2ms", "1.5s": microseconds, at most 10 s. */
static int
parse_time(const char *s, const char *lim, uint32_t *us)
{
	const char *e;
	uint64_t v;

	/* Three fraction digits: a thousandth of a unit. */
	if (parse_fixed(s, lim, 3, &v, &e) != 0)
		return -EINVAL;
	if (lim - e == 2 && memcmp(e, "us", 2) == 0)
		v /= 1000;
	else if (lim - e == 1 && *e == 's')
		v *= 1000;
	else if (lim - e != 2 || memcmp(e, "ms", 2) != 0)
		return -EINVAL;
	if (v > IMPAIR_TIME_MAX_US)
		return -ERANGE;
	*us = (uint32_t)v;
	return 0;
}

/* "100mbit" (bits/s) or "12mbps" (bytes/s, as tc): bytes per second. */
static int
parse_rate(const char *s, const char *lim, uint64_t *bps)
{
	static const struct {
		const char *unit;
		uint64_t mult;		/* thousandths of a bit per second */
	} units[] = {
		{ "bit", 1000ull }, { "kbit", 1000000ull },
		{ "mbit", 1000000000ull }, { "gbit", 1000000000000ull },
		{ "bps", 8000ull }, { "kbps", 8000000ull },
		{ "mbps", 8000000000ull }, { "gbps", 8000000000000ull },
	};
	const char *e;
	uint64_t v;
	unsigned int i;

	if (parse_fixed(s, lim, 3, &v, &e) != 0)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].unit);
		unsigned __int128 b;

		if ((size_t)(lim - e) != n || strncasecmp(e, units[i].unit, n) != 0)
			continue;
		/* v thousandths of a unit, mult thousandths of a bit. */
		b = (unsigned __int128)v * units[i].mult / 1000 / 1000 / 8;
		if (b == 0 || b > 1000000000000ull)
			return -ERANGE;
		*bps = (uint64_t)b;
		return 0;
	}
	return -EINVAL;
}

static int
parse_count(const char *s, const char *lim, uint64_t min, uint64_t max,
	    uint32_t *out)
{
	const char *e;
	uint64_t v;

	if (parse_fixed(s, lim, 0, &v, &e) != 0 || e != lim || v < min ||
	    v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* Split [s, lim) at '/' into at most @max fields; returns how many. */
static unsigned int
split(const char *s, const char *lim, const char **f, const char **fe,
      unsigned int max)
{
	unsigned int n = 0;

	for (;;) {
		const char *slash = memchr(s, '/', (size_t)(lim - s));

		if (n == max)
			return max + 1;
		f[n] = s;
		fe[n++] = slash != NULL ? slash : lim;
		if (slash == NULL)
			return n;
		s = slash + 1;
	}
}

int
pmt_impair_parse(const char *spec, struct pmt_impair_spec *out, char *err,
		 size_t errlen)
{
	struct pmt_impair_spec sp;
	const char *s = spec, *f[5], *fe[5];
	unsigned int seen = 0;

	memset(&sp, 0, sizeof(sp));
	sp.queue = IMPAIR_QUEUE_DEFAULT;
	sp.ge_bad_loss_ppm = PPM_ONE;
	sp.reorder_timeout_us = IMPAIR_REORDER_TIMEOUT_US;
	if (spec == NULL || *spec == '\0')
		return bad(err, errlen, "", 0,
			   "empty impairment: give items such as loss=1%%, or off");
	if (strcmp(spec, "off") == 0 || strcmp(spec, "none") == 0) {
		*out = sp;
		return 0;
	}
	while (*s != '\0') {
		const char *comma = strchr(s, ',');
		const char *lim = comma != NULL ? comma : s + strlen(s);
		const char *eq = memchr(s, '=', (size_t)(lim - s));
		const char *v;
		size_t klen, len = (size_t)(lim - s);
		unsigned int n, bit, j;
		static const char *const keys[] = {
			"loss", "burst", "reorder", "dup", "corrupt", "delay",
			"jitter", "rate", "queue", "spare",
		};

		if (eq == NULL)
			return bad(err, errlen, s, len,
				   "want KEY=VALUE (keys: loss burst reorder dup corrupt delay jitter rate queue spare)");
		klen = (size_t)(eq - s);
		v = eq + 1;
		for (bit = 0; bit < sizeof(keys) / sizeof(keys[0]); bit++)
			if (strlen(keys[bit]) == klen &&
			    memcmp(keys[bit], s, klen) == 0)
				break;
		if (bit == sizeof(keys) / sizeof(keys[0]))
			return bad(err, errlen, s, len,
				   "unknown impairment (keys: loss burst reorder dup corrupt delay jitter rate queue spare)");
		if (seen & (1u << bit))
			return bad(err, errlen, s, len, "given twice");
		seen |= 1u << bit;
		switch (bit) {
		case 0:
			if (parse_pct(v, lim, &sp.loss_ppm) != 0)
				return bad(err, errlen, s, len,
					   "want a percentage such as 1%% or 0.25%%");
			break;
		case 1:
			n = split(v, lim, f, fe, 4);
			if (n < 2 || n > 4 ||
			    parse_pct(f[0], fe[0], &sp.ge_p_ppm) != 0 ||
			    (parse_pct(f[1], fe[1], &sp.ge_r_ppm) != 0 &&
			     parse_time(f[1], fe[1], &sp.ge_r_us) != 0) ||
			    (n > 2 && parse_pct(f[2], fe[2], &sp.ge_bad_loss_ppm) != 0) ||
			    (n > 3 && parse_pct(f[3], fe[3], &sp.ge_good_loss_ppm) != 0))
				return bad(err, errlen, s, len,
					   "want P%%/R[/BADLOSS%%[/GOODLOSS%%]] (Gilbert-Elliott: good->bad per frame; bad->good R%% per frame, or R a mean time in the bad state such as 50us; loss in each state)");
			if (sp.ge_p_ppm == 0 ||
			    (sp.ge_r_ppm == 0 && sp.ge_r_us == 0))
				return bad(err, errlen, s, len,
					   "P and R must be above 0 (else the chain never moves)");
			break;
		case 2:
			n = split(v, lim, f, fe, 3);
			if (n < 2 || n > 3 ||
			    parse_pct(f[0], fe[0], &sp.reorder_ppm) != 0 ||
			    parse_count(f[1], fe[1], 1, IMPAIR_REORDER_MAX,
					&sp.reorder_max) != 0 ||
			    (n > 2 && (parse_time(f[2], fe[2],
						  &sp.reorder_timeout_us) != 0 ||
				       sp.reorder_timeout_us == 0)))
				return bad(err, errlen, s, len,
					   "want P%%/N[/TIMEOUT]: N later packets (1..%u) may pass a held one, TIMEOUT (e.g. 10ms, the default) bounds its wait",
					   IMPAIR_REORDER_MAX);
			break;
		case 3:
			if (parse_pct(v, lim, &sp.dup_ppm) != 0)
				return bad(err, errlen, s, len,
					   "want a percentage such as 1%%");
			break;
		case 4:
			if (parse_pct(v, lim, &sp.corrupt_ppm) != 0)
				return bad(err, errlen, s, len,
					   "want a percentage such as 0.5%%");
			break;
		case 5:
		case 6:
			if (parse_time(v, lim, bit == 5 ? &sp.delay_us :
				       &sp.jitter_us) != 0)
				return bad(err, errlen, s, len,
					   "want a time such as 500us, 2ms or 1s (at most 10s)");
			break;
		case 7:
			n = split(v, lim, f, fe, 2);
			if (n < 1 || n > 2 || parse_rate(f[0], fe[0], &sp.rate_bps) != 0 ||
			    (n > 1 && parse_count(f[1], fe[1], 64, 1u << 30,
						  &sp.rate_burst) != 0))
				return bad(err, errlen, s, len,
					   "want RATE[/BURSTBYTES]: e.g. 100mbit, 1gbit (bits/s) or 10mbps (bytes/s); burst 64..2^30 bytes");
			break;
		case 8:
			if (parse_count(v, lim, 1, IMPAIR_QUEUE_MAX, &sp.queue) != 0)
				return bad(err, errlen, s, len,
					   "want a packet count in 1..%u",
					   IMPAIR_QUEUE_MAX);
			break;
		case 9:
			n = split(v, lim, f, fe, 2);
			if (n > 2)
				n = 0;
			for (j = 0; j < n; j++) {
				size_t fl = (size_t)(fe[j] - f[j]);

				if (fl == 3 && memcmp(f[j], "syn", 3) == 0)
					sp.spare |= PMT_IMPAIR_SPARE_SYN;
				else if (fl == 3 && memcmp(f[j], "arp", 3) == 0)
					sp.spare |= PMT_IMPAIR_SPARE_ARP;
				else
					n = 0;
			}
			if (n == 0)
				return bad(err, errlen, s, len,
					   "want syn, arp or syn/arp (TCP SYN and SYN-ACK frames, ARP frames: not lost, duplicated or corrupted)");
			break;
		}
		if (comma == NULL)
			break;
		s = comma + 1;
		if (*s == '\0')
			return bad(err, errlen, spec, strlen(spec),
				   "ends with a comma");
	}
	if (sp.rate_bps != 0 && sp.rate_burst == 0) {
		/* 5 ms of traffic, and never less than one jumbo frame. */
		uint64_t b = sp.rate_bps / 200;

		sp.rate_burst = (uint32_t)(b < 16384 ? 16384 :
					   b > (1u << 30) ? (1u << 30) : b);
	}
	*out = sp;
	return 0;
}
