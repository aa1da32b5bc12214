/* pmt_synflood.c: spoofed TCP SYNs from random 198.18.0.0/15 sources through an AF_PACKET socket, for the SYN flood integration test. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: pmt-synflood IFACE DST_MAC DST_IP DST_PORT SECONDS [SEED]
 *
 * Sends, for SECONDS, as fast as the interface takes them, Ethernet
 * frames to DST_MAC carrying TCP SYNs (MSS option) to DST_IP:DST_PORT
 * from random sources in 198.18.0.0/15 outside 198.18.0.0/24 (the test's
 * own subnet: the target answers those through its gateway, and never
 * has to resolve them), random ports and ISNs. The generator is seeded
 * (SEED, 1 by default): a run is reproducible. Only the RFC 2544 range
 * is ever a source; the destination must be in it too.
 * Prints "synflood: sent=N seconds=S rate=R" at the end.
 */

#define BATCH 64
#define FRAME_LEN (14 + 20 + 24)

static volatile sig_atomic_t stop;

static void
on_signal(int s)
{
	(void)s;
	stop = 1;
}

static uint64_t rng_state;

/* xorshift64*: fast, seeded, good enough for addresses and ports. */
static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t
csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int v[6], i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

/* A SYN from a fresh random source into @f. */
static void
build(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], uint32_t dst,
      uint16_t dport)
{
	struct iphdr *ip = (struct iphdr *)(f + 14);
	struct tcphdr *th = (struct tcphdr *)(f + 34);
	uint8_t *opt = f + 54;
	uint32_t src, sum;
	uint64_t r = rnd();

	/* 198.18.0.0/15 less 198.18.0.0/24. */
	do {
		src = 0xc6120000u | (uint32_t)(r & 0x1ffff);
		r >>= 17;
	} while ((src & 0xffffff00u) == 0xc6120000u || (src & 0xff) == 0 ||
		 (src & 0xff) == 0xff);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, 20);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(44);
	ip->id = htons((uint16_t)r);
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->saddr = htonl(src);
	ip->daddr = dst;
	ip->check = htons(csum_fold(csum_add(0, ip, 20)));
	memset(th, 0, 20);
	th->source = htons((uint16_t)(1024 + (rnd() % 64000)));
	th->dest = htons(dport);
	th->seq = htonl((uint32_t)rnd());
	th->doff = 6;
	th->syn = 1;
	th->window = htons(64240);
	opt[0] = 2;		/* MSS 1460 */
	opt[1] = 4;
	opt[2] = 0x05;
	opt[3] = 0xb4;
	/* Pseudo-header (RFC 9293 3.1), then header and option. */
	sum = csum_add(0, &ip->saddr, 8);
	sum += IPPROTO_TCP + 24;
	sum = csum_add(sum, th, 24);
	th->check = htons(csum_fold(sum));
}

int
main(int argc, char **argv)
{
	static uint8_t frames[BATCH][FRAME_LEN];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll sll;
	struct ifreq ifr;
	uint8_t dmac[6], smac[6];
	uint64_t sent = 0, full = 0;
	double t0, dur, secs;
	struct in_addr dst;
	unsigned int i, port;
	int fd, n;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: %s IFACE DST_MAC DST_IP DST_PORT SECONDS [SEED]\n",
			argv[0]);
		return 2;
	}
	if (parse_mac(argv[2], dmac) != 0 || inet_pton(AF_INET, argv[3], &dst) != 1 ||
	    (ntohl(dst.s_addr) & 0xfffe0000u) != 0xc6120000u ||
	    sscanf(argv[4], "%u", &port) != 1 || port == 0 || port > 65535 ||
	    sscanf(argv[5], "%lf", &secs) != 1 || secs <= 0 || secs > 600) {
		fprintf(stderr, "%s: bad arguments (the destination must be in 198.18.0.0/15)\n",
			argv[0]);
		return 2;
	}
	rng_state = argc == 7 ? strtoull(argv[6], NULL, 0) : 1;
	if (rng_state == 0)
		rng_state = 1;
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("socket(AF_PACKET)");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) != 0) {
		perror("SIOCGIFINDEX");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
		perror("SIOCGIFHWADDR");
		return 1;
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	/* Sending only: take no copy of what the interface receives. */
	sll.sll_protocol = 0;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		perror("bind");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = frames[i];
		iov[i].iov_len = FRAME_LEN;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now_s();
	while (!stop && now_s() - t0 < secs) {
		for (i = 0; i < BATCH; i++)
			build(frames[i], dmac, smac, dst.s_addr, (uint16_t)port);
		/* Never block: a full queue must not hold us past SECONDS. */
		n = sendmmsg(fd, msgs, BATCH, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
				full++;	/* the queue is full: that is the tap's rate */
				usleep(50);
				continue;
			}
			perror("sendmmsg");
			return 1;
		}
		sent += (uint64_t)n;
	}
	dur = now_s() - t0;
	printf("synflood: sent=%llu seconds=%.2f rate=%.0f full=%llu\n",
	       (unsigned long long)sent, dur, (double)sent / dur,
	       (unsigned long long)full);
	close(fd);
	return 0;
}
