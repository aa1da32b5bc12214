/* gen_report.h: pmtcp-gen's per-second progress, final summary, JSON and --fail-on verdict. */
#ifndef GEN_REPORT_H
#define GEN_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "gen.h"

/* One line of progress; also one element of the JSON "samples". */
struct gen_sample {
	double t;			/* seconds since the start */
	uint64_t cps;			/* connections established in the second */
	uint64_t active;
	uint64_t rps;			/* responses in the second */
	double rx_gbps;			/* wire bits, all frames */
	double tx_gbps;
	uint64_t retrans;		/* TCP segments retransmitted */
	uint64_t retrans_rto;		/* ... by cause: the RTO's go-back-N */
	uint64_t retrans_fast;		/* ... fast / SACK recovery */
	uint64_t retrans_tlp;		/* ... tail-loss probes */
	uint64_t spurious;		/* spurious timeouts undone */
	uint64_t rst_tx;
	uint64_t rst_rx;
	uint64_t errors;
};

struct gen_report {
	struct gen_worker **workers;
	unsigned int n_workers;
	const struct gen_conf *conf;
	uint64_t start_ns;
	uint64_t last_ns;
	struct gen_sample *samples;
	unsigned int n_samples;
	unsigned int cap;
	/* previous totals, for the per-second deltas */
	uint64_t p_est, p_resp, p_rxb, p_txb, p_retr, p_rsttx, p_rstrx, p_err;
	uint64_t p_rto, p_fast, p_tlp, p_spur;
	int st_rxb, st_txb, st_retr, st_rsttx, st_rstrx;	/* stack counters */
	int st_rto, st_fast, st_tlp, st_spur;	/* retransmissions by cause */
	int st_probes;				/* tail-loss probes, new data or not */
};

int gen_report_init(struct gen_report *r, struct gen_worker **workers,
		    unsigned int n, const struct gen_conf *conf,
		    uint64_t start_ns);
void gen_report_fini(struct gen_report *r);
/* The once-a-second tick: a progress line and a sample. */
void gen_report_tick(void *arg, uint64_t now);
/* Totals, errors by kind, latency percentiles. */
void gen_report_summary(struct gen_report *r, FILE *f, uint64_t end_ns);
/* The summary and samples as JSON (docs/pmtcp-gen-json.schema.json) on
 * @f, opened by the caller before the run so a bad path fails at once. */
int gen_report_json(struct gen_report *r, FILE *f, uint64_t end_ns);
/* 0, or GEN_EXIT_THRESHOLD with a line on @f for each failed check. */
int gen_report_verdict(struct gen_report *r, FILE *f);

#endif /* GEN_REPORT_H */
