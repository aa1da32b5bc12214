/* pmt_stats.h: the per-lcore counters, one per drop reason and event. */
#ifndef PMT_STATS_H
#define PMT_STATS_H

#include <stdint.h>

/*
 * One X-macro list so the struct, the names printed at shutdown and the
 * telemetry keys can never disagree. Every drop has its own reason.
 */
#define PMT_STATS_LIST(X) \
	X(rx_pkts)			\
	X(rx_bytes)			\
	X(tx_pkts)			\
	X(tx_bytes)			\
	X(tx_drop_full)			\
	X(mbuf_alloc_fail)		\
	X(eth_rx_short)			\
	X(eth_rx_not_ours)		\
	X(eth_rx_vlan_unsupported)	\
	X(eth_rx_bad_src)		\
	X(eth_rx_unknown_type)		\
	X(eth_rx_multiseg)		\
	X(eth_rx_linearized)		\
	X(eth_tx_linearized)		\
	X(eth_tx_multiseg_drop)		\
	X(arp_rx_requests)		\
	X(arp_rx_replies)		\
	X(arp_rx_short)			\
	X(arp_rx_bad_format)		\
	X(arp_rx_bad_op)		\
	X(arp_rx_bad_sender)		\
	X(arp_rx_not_for_us)		\
	X(arp_rx_conflict)		\
	X(arp_tx_requests)		\
	X(arp_tx_replies)		\
	X(arp_tx_gratuitous)		\
	X(arp_learned)			\
	X(arp_expired)			\
	X(arp_resolve_fail)		\
	X(arp_pending_drop)		\
	X(arp_table_full)		\
	X(arp_sync_drop)		\
	X(ip_rx_pkts)			\
	X(ip_rx_short)			\
	X(ip_rx_bad_version)		\
	X(ip_rx_bad_ihl)		\
	X(ip_rx_bad_len)		\
	X(ip_rx_bad_cksum)		\
	X(ip_rx_fragment)		\
	X(ip_rx_options)		\
	X(ip_rx_ttl_zero)		\
	X(ip_rx_bad_src)		\
	X(ip_rx_not_ours)		\
	X(ip_rx_broadcast)		\
	X(ip_rx_l2_broadcast)		\
	X(ip_rx_proto_unsupported)	\
	X(ip_tx_no_route)		\
	X(icmp_rx_short)		\
	X(icmp_rx_bad_cksum)		\
	X(icmp_rx_echo_requests)	\
	X(icmp_rx_other)		\
	X(icmp_tx_echo_replies)		\
	X(tcp_handoff_out)		\
	X(tcp_handoff_in)		\
	X(tcp_handoff_drop)		\
	X(tcp_rx_segs)			\
	X(tcp_rx_short)			\
	X(tcp_rx_bad_off)		\
	X(tcp_rx_bad_opt)		\
	X(tcp_rx_bad_cksum)		\
	X(tcp_rx_no_socket)		\
	X(tcp_rx_unacceptable)		\
	X(tcp_rx_paws_drop)		\
	X(tcp_rx_bad_ack)		\
	X(tcp_rx_dupacks)		\
	X(tcp_dupacks_counted)		\
	X(tcp_rx_ooo_segs)		\
	X(tcp_rx_ooo_drop_segs)		\
	X(tcp_rx_ooo_drop_bytes)	\
	X(tcp_rx_ooo_drop_engine)	\
	X(tcp_rx_dup_segs)		\
	X(tcp_rx_dsack_sent)		\
	X(tcp_rx_after_close)		\
	X(tcp_rx_rst)			\
	X(tcp_rx_syn_in_window)		\
	X(tcp_challenge_acks)		\
	X(tcp_tx_segs)			\
	X(tcp_tx_data_segs)		\
	X(tcp_tx_tso_frames)		\
	X(tcp_tx_rst)			\
	X(tcp_tx_rexmit_segs)		\
	X(tcp_tx_rexmit_bytes)		\
	X(tcp_tx_fast_rexmit)		\
	X(tcp_tx_rexmit_fast)		\
	X(tcp_tx_rexmit_rto)		\
	X(tcp_limited_transmit)		\
	X(tcp_tx_window_probes)		\
	X(tcp_tx_keepalives)		\
	X(tcp_tx_no_mbuf)		\
	X(tcp_tx_sack_blocks)		\
	X(tcp_rx_sack_blocks)		\
	X(tcp_rx_sack_ignored)		\
	X(tcp_rx_sack_forgotten)	\
	X(tcp_rx_dsack)			\
	X(tcp_sack_recoveries)		\
	X(tcp_tx_rexmit_sack)		\
	X(tcp_tx_rexmit_skipped)	\
	X(tcp_rexmit_lost_rexmit)	\
	X(tcp_tlp_probes)		\
	X(tcp_tx_rexmit_tlp)		\
	X(tcp_tlp_recovered)		\
	X(tcp_rack_reo_timeouts)	\
	X(tcp_rto_timeouts)		\
	X(tcp_spurious_rto)		\
	X(tcp_conn_attempts)		\
	X(tcp_conn_accepts)		\
	X(tcp_conn_established)		\
	X(tcp_conn_refused)		\
	X(tcp_conn_resets)		\
	X(tcp_idle_compact)		\
	X(tcp_idle_wake)		\
	X(tcp_idle_wake_fail)		\
	X(tcp_idle_no_room)		\
	X(tcp_conn_timeouts)		\
	X(tcp_conn_closed)		\
	X(tcp_listen_overflow)		\
	X(tcp_no_tcb)			\
	X(tcp_ext_allocs)		\
	X(tcp_ext_none)			\
	X(tcp_hystart_css)		\
	X(tcp_hystart_ss_resume)	\
	X(tcp_hystart_ca)		\
	X(tcp_time_wait_reuse)		\
	X(tcp_time_wait_reuse_active)	\
	X(tcp_time_wait_recycled)	\
	X(tcp_rx_syn_fin)		\
	X(tcp_rx_syn_own_src)		\
	X(tcp_rx_syn_not_unicast)	\
	X(tcp_listen_no_tcb)		\
	X(tcp_syncache_added)		\
	X(tcp_syncache_entries)		\
	X(tcp_syncache_peak)		\
	X(tcp_syncache_overflow)	\
	X(tcp_syncache_completed)	\
	X(tcp_syncache_retransmits)	\
	X(tcp_syncache_expired)		\
	X(tcp_syncache_dup_syn)		\
	X(tcp_syncache_reset)		\
	X(tcp_syncache_bad_ack)		\
	X(tcp_syncache_aborted)		\
	X(tcp_syncookies_sent)		\
	X(tcp_syncookies_accepted)	\
	X(tcp_syncookies_rejected)	\
	X(impair_rx_dropped)		\
	X(impair_rx_burst_dropped)	\
	X(impair_rx_reordered)		\
	X(impair_rx_duplicated)	\
	X(impair_rx_corrupted)		\
	X(impair_rx_delayed)		\
	X(impair_rx_rate_dropped)	\
	X(impair_rx_queue_full)	\
	X(impair_rx_spared)		\
	X(impair_tx_dropped)		\
	X(impair_tx_burst_dropped)	\
	X(impair_tx_reordered)		\
	X(impair_tx_duplicated)	\
	X(impair_tx_corrupted)		\
	X(impair_tx_delayed)		\
	X(impair_tx_rate_dropped)	\
	X(impair_tx_queue_full)		\
	X(impair_tx_spared)

struct pmt_stats {
#define PMT_STATS_FIELD(name) uint64_t name;
	PMT_STATS_LIST(PMT_STATS_FIELD)
#undef PMT_STATS_FIELD
};

#define PMT_STATS_N (sizeof(struct pmt_stats) / sizeof(uint64_t))

/* Names in field order; index i names the i-th uint64_t of the struct. */
extern const char *const pmt_stats_names[PMT_STATS_N];

#endif /* PMT_STATS_H */
