/* SPDX-License-Identifier: MIT */
/*
 * Prometheus text exposition on --metrics (off by default; a bare port
 * binds loopback only). Built on each scrape from the agent's counters
 * and the engine's statistics; nothing is kept just for metrics. Only the
 * text is made here: metrics_http.c serves it.
 */
#include <event2/buffer.h>
#include <inttypes.h>
#include <stdio.h>

#include "agent.h"
#include "relay_agent.h"
#include "conn_cap.h"
#include "metrics.h"
#include "ingress.h"

static const char *const type_names[GOSSIP_NTYPES] = {
	"unknown", "join", "join_ack", "ping", "ping_req", "ack", "nack", "sync_digest",
	"sync_entries", "records", "leave", "trust", "relay", "punch",
};

/* Index = enum gossip_refusal. */
static const char *const engine_reasons[] = {
	"other", "decode", "auth", "stale", "unexpected", "self", "unknown_sender", "nomem",
	"outside_prefix", "members_full", "revoked_sender", "no_admission",
};

static void family(struct evbuffer *b, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One counter family with a sample per label value. */
struct labelled {
	const char *value;
	uint64_t n;
};

static void counters(struct evbuffer *b, const char *name, const char *help, const char *label,
		     const struct labelled *v, size_t n)
{
	family(b, name, "counter", help);
	for (size_t i = 0; i < n; i++)
		evbuffer_add_printf(b, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, v[i].value, v[i].n);
}
#define COUNTERS(b, name, help, label, ...)                                              \
	do {                                                                             \
		const struct labelled v_[] = { __VA_ARGS__ };                            \
		counters(b, name, help, label, v_, sizeof(v_) / sizeof(v_[0]));          \
	} while (0)

static void by_type(struct evbuffer *b, const char *name, const char *dir,
		    const uint64_t v[GOSSIP_NTYPES])
{
	for (int t = 1; t < GOSSIP_NTYPES; t++)
		evbuffer_add_printf(b, "%s{direction=\"%s\",type=\"%s\"} %" PRIu64 "\n", name, dir,
				    type_names[t], v[t]);
}

/* Both listening sockets: abuse shows here, not as one log line per connection. */
static void listeners(struct agent *a, struct evbuffer *b)
{
	const struct { const char *name; const struct conn_cap *cap; } l[] = {
		{ "control", ctl_server_cap(a) },
		{ "metrics", metrics_http_cap(a) },
	};
	const size_t n = sizeof(l) / sizeof(l[0]);

	family(b, "meshd_listener_connections", "gauge", "Open connections, by listening socket.");
	for (size_t i = 0; i < n; i++)
		if (l[i].cap)
			evbuffer_add_printf(b, "meshd_listener_connections{listener=\"%s\"} %" PRIu32
					    "\n", l[i].name, l[i].cap->open);
	family(b, "meshd_listener_limited_total", "counter",
	       "Times the connection cap was reached (cap), connections closed over the cap "
	       "(refused), accept() failures that paused the socket (accept_error).");
	for (size_t i = 0; i < n; i++) {
		const struct conn_cap *c = l[i].cap;
		const char *fmt = "meshd_listener_limited_total{listener=\"%s\",reason=\"%s\"} %"
				  PRIu64 "\n";

		if (!c)
			continue;
		evbuffer_add_printf(b, fmt, l[i].name, "cap", c->full);
		evbuffer_add_printf(b, fmt, l[i].name, "refused", c->refused);
		evbuffer_add_printf(b, fmt, l[i].name, "accept_error", c->accept_errors);
	}
}

/* Authority mode (plan T10); the key epoch in both modes. */
static void trust_metrics(struct agent *a, struct evbuffer *b)
{
	const struct gossip_trust_stats *ts;
	int64_t end;

	family(b, "meshd_key_epoch", "gauge", "Epoch of the network key that seals our datagrams.");
	evbuffer_add_printf(b, "meshd_key_epoch %" PRIu64 "\n",
			    keysched_epoch(&a->ks, agent_wall_s()));
	family(b, "meshd_network_key_previous_opened_total", "counter",
	       "Datagrams in the previous network key after the new one became active (a rotation's window).");
	evbuffer_add_printf(b, "meshd_network_key_previous_opened_total %" PRIu64 "\n",
			    a->c.opened_prev_key);
	if (!a->auth.on)
		return;
	ts = gossip_trust_stats(a->g);
	if (authority_admission_end(a, &end)) {
		family(b, "meshd_admission_expiry_seconds", "gauge",
		       "Seconds until our admission expires (negative: expired).");
		evbuffer_add_printf(b, "meshd_admission_expiry_seconds %" PRId64 "\n",
				    end - agent_wall_s());
	}
	family(b, "meshd_trust_refused_total", "counter",
	       "Records and trust objects refused by authority-mode rules, by reason.");
	for (unsigned r = 0; r < GOSSIP_TRUST_REFUSE_MAX; r++)
		evbuffer_add_printf(b, "meshd_trust_refused_total{reason=\"%s\"} %" PRIu64 "\n",
				    gossip_trust_refusal_name(r), ts->refused[r]);
	family(b, "meshd_revocations", "gauge", "Revocations held (kept for good).");
	evbuffer_add_printf(b, "meshd_revocations %" PRIu64 "\n", ts->revocations);
	family(b, "meshd_trust_objects", "gauge", "Trust objects held, by kind.");
	evbuffer_add_printf(b, "meshd_trust_objects{kind=\"spend\"} %" PRIu64 "\n"
			    "meshd_trust_objects{kind=\"grant\"} %" PRIu64 "\n"
			    "meshd_trust_objects{kind=\"invite\"} %" PRIu64 "\n",
			    ts->spends, ts->grants, ts->invites);
	family(b, "meshd_trust_signature_checks_total", "counter",
	       "Signature checks spent on admissions and trust objects.");
	evbuffer_add_printf(b, "meshd_trust_signature_checks_total %" PRIu64 "\n", ts->checks);
	family(b, "meshd_trust_spend_losers_total", "counter",
	       "Spends of an invite beyond its uses that lost (T6), each counted once.");
	evbuffer_add_printf(b, "meshd_trust_spend_losers_total %" PRIu64 "\n", ts->losers);
	family(b, "meshd_trust_members_removed_total", "counter",
	       "Members removed by authority-mode rules: revoked, spend lost, admission expired.");
	evbuffer_add_printf(b, "meshd_trust_members_removed_total %" PRIu64 "\n", ts->removed);
	family(b, "meshd_key_grants_total", "counter", "Network keys granted to this node.");
	evbuffer_add_printf(b, "meshd_key_grants_total %" PRIu64 "\n", a->auth.grants_installed);
}

void metrics_render(struct agent *a, struct evbuffer *b)
{
	const struct gossip_stats *st = gossip_stats(a->g);
	static const enum gossip_state states[] = { GOSSIP_ALIVE, GOSSIP_SUSPECT, GOSSIP_FAILED,
						    GOSSIP_LEFT };
	uint64_t now = agent_now_ms();

	family(b, "meshd_members", "gauge", "Members known, by status (including this node).");
	for (size_t i = 0; i < 4; i++)
		evbuffer_add_printf(b, "meshd_members{status=\"%s\"} %zu\n",
				    agent_state_name(states[i]), gossip_count(a->g, states[i]));

	if (a->wg) {
		size_t paths[3];

		wg_paths_count(a, paths);
		family(b, "meshd_paths", "gauge", "WireGuard peers by path (issue 11).");
		evbuffer_add_printf(b, "meshd_paths{path=\"direct\"} %zu\n"
				    "meshd_paths{path=\"relay\"} %zu\n"
				    "meshd_paths{path=\"none\"} %zu\n", paths[1], paths[2], paths[0]);
		family(b, "meshd_unreachable_members", "gauge",
		       "Members alive in gossip with no WireGuard handshake for 20 s or more.");
		evbuffer_add_printf(b, "meshd_unreachable_members %zu\n", a->unreachable);
	}
	if (a->wg) {
		uint64_t att, ok;

		punch_counters(a, &att, &ok);
		family(b, "meshd_punch_attempts_total", "counter",
		       "Hole-punching datagrams sent (one per attempt, either side).");
		evbuffer_add_printf(b, "meshd_punch_attempts_total %" PRIu64 "\n", att);
		family(b, "meshd_punch_successes_total", "counter",
		       "Punch attempts that ended in a direct handshake.");
		evbuffer_add_printf(b, "meshd_punch_successes_total %" PRIu64 "\n", ok);
	}
	family(b, "meshd_endpoint_observations_total", "counter",
	       "Members' reports of our endpoint (ACK seen) taken.");
	evbuffer_add_printf(b, "meshd_endpoint_observations_total %" PRIu64 "\n", st->observations);

	family(b, "meshd_datagrams_total", "counter", "Gossip messages by direction and type.");
	by_type(b, "meshd_datagrams_total", "in", st->recv_msgs);
	by_type(b, "meshd_datagrams_total", "out", st->sent_msgs);
	family(b, "meshd_bytes_total", "counter", "Gossip plaintext bytes by direction and type.");
	by_type(b, "meshd_bytes_total", "in", st->recv_bytes);
	by_type(b, "meshd_bytes_total", "out", st->sent_bytes);

	family(b, "meshd_udp_datagrams_total", "counter", "UDP datagrams on the gossip sockets.");
	evbuffer_add_printf(b, "meshd_udp_datagrams_total{direction=\"in\"} %" PRIu64 "\n"
			    "meshd_udp_datagrams_total{direction=\"out\"} %" PRIu64 "\n",
			    a->c.rx_datagrams, a->c.tx_datagrams);
	family(b, "meshd_udp_send_errors_total", "counter", "Datagrams the kernel refused to send.");
	evbuffer_add_printf(b, "meshd_udp_send_errors_total %" PRIu64 "\n", a->c.tx_errors);

	family(b, "meshd_refused_datagrams_total", "counter",
	       "Datagrams dropped unprocessed, by reason.");
	/* Ours (before the engine saw it), then the engine's own reasons. */
	for (int r = 0; r < REFUSE_MESSAGE; r++)
		evbuffer_add_printf(b, "meshd_refused_datagrams_total{reason=\"%s\"} %" PRIu64 "\n",
				    refuse_reason_names[r], a->c.refused[r]);
	for (size_t r = 0; r < sizeof(engine_reasons) / sizeof(engine_reasons[0]); r++)
		evbuffer_add_printf(b, "meshd_refused_datagrams_total{reason=\"%s\"} %" PRIu64 "\n",
				    engine_reasons[r], st->refused_by_reason[r]);

	if (a->ingress) {
		const struct ingress_stats *is = ingress_stats(a->ingress);

		family(b, "meshd_ingress_sources", "gauge",
		       "Source addresses with a datagram budget now (bounded table).");
		evbuffer_add_printf(b, "meshd_ingress_sources %" PRIu32 "\n", is->sources);
		family(b, "meshd_ingress_sources_evicted_total", "counter",
		       "Sources forgotten to make room for a new one (table full).");
		evbuffer_add_printf(b, "meshd_ingress_sources_evicted_total %" PRIu64 "\n",
				    is->sources_evicted);
	}

	family(b, "meshd_members_max", "gauge", "The member table cap (--max-members).");
	evbuffer_add_printf(b, "meshd_members_max %u\n", a->cfg->max_members);
	COUNTERS(b, "meshd_new_member_records_dropped_total",
		 "Records of new member ids dropped unverified, by reason.", "reason",
		 { "table_full", st->new_refused_full }, { "admit_rate", st->new_refused_rate },
		 { "verify_cap", st->new_skipped_verify });
	family(b, "meshd_members_evicted_total", "counter",
	       "Members dropped from a full table to make room: they never answered us.");
	evbuffer_add_printf(b, "meshd_members_evicted_total %" PRIu64 "\n", st->evicted_unproven);
	family(b, "meshd_member_records_held_total", "counter",
	       "Times a member record was not passed on (gossip, anti-entropy): the table overflowed "
	       "--max-members in the last 60 s and the member never answered us (relayed once it "
	       "does).");
	evbuffer_add_printf(b, "meshd_member_records_held_total %" PRIu64 "\n", st->relays_held);
	family(b, "meshd_probe_rtt_seconds", "summary", "Round trip of direct probes (ping to ack).");
	evbuffer_add_printf(b, "meshd_probe_rtt_seconds_sum %.6f\nmeshd_probe_rtt_seconds_count %"
			    PRIu64 "\n", a->c.rtt_sum_s, a->c.rtt_count);
	COUNTERS(b, "meshd_probes_total", "Probes sent and probes that failed.", "result",
		 { "sent", st->probes }, { "failed", st->probe_failures });
	COUNTERS(b, "meshd_suspicions_total",
		 "Suspicions: started here, refuted by us, dropped because the suspect answered us.",
		 "event", { "started", st->suspicions }, { "refuted_by_us", st->refutations },
		 { "cleared_by_answer", st->susp_cleared });
	COUNTERS(b, "meshd_address_proof_total",
		 "Address proofs (a member's gossip address answered our PING) and the PINGs sent for them.",
		 "event", { "proven", st->proofs }, { "hello_ping", st->hello_probes },
		 { "sweep_ping", st->proof_sweeps });
	COUNTERS(b, "meshd_replies_withheld_total",
		 "Messages not sent: over their request's size, or to an unproven address unasked; "
		 "PINGs from unknown senders and PING_REQs for unknown targets left unanswered.",
		 "reason", { "over_budget", st->replies_capped }, { "unproven", st->unproven_held },
		 { "ping_unknown_sender", st->pings_unknown },
		 { "relay_unknown_target", st->relays_refused });
	family(b, "meshd_local_health_score", "gauge",
	       "Lifeguard local health: 0 is healthy; probe intervals and timeouts scale by 1 + this.");
	evbuffer_add_printf(b, "meshd_local_health_score %" PRIu32 "\n", st->awareness);
	family(b, "meshd_record_version_saturated_total", "counter",
	       "Re-signs of our record refused: its version is at the cap (2^62).");
	evbuffer_add_printf(b, "meshd_record_version_saturated_total %" PRIu64 "\n",
			    st->sign_saturated);

	family(b, "meshd_netlink_operations_total", "counter",
	       "WireGuard programming operations, by operation.");
	for (int o = 0; o < WG_NOPS; o++)
		evbuffer_add_printf(b, "meshd_netlink_operations_total{op=\"%s\"} %" PRIu64 "\n",
				    wg_op_names[o], a->c.wg_ops[o]);
	family(b, "meshd_netlink_errors_total", "counter",
	       "Failed WireGuard programming operations, by operation.");
	for (int o = 0; o < WG_NOPS; o++)
		evbuffer_add_printf(b, "meshd_netlink_errors_total{op=\"%s\"} %" PRIu64 "\n",
				    wg_op_names[o], a->c.wg_errors[o]);

	listeners(a, b);
	family(b, "meshd_seconds_since_convergence", "gauge",
	       "Seconds since every member was last alive and programmed (0 = converged now).");
	evbuffer_add_printf(b, "meshd_seconds_since_convergence %.3f\n",
			    a->converged_ms ? (double)(now - a->converged_ms) / 1000.0
					    : (double)(now - a->start_ms) / 1000.0);

	COUNTERS(b, "meshd_hooks_total", "Event hook runs by result.", "result",
		 { "started", a->c.hooks_run }, { "failed", a->c.hooks_failed },
		 { "dropped", a->c.hooks_dropped }, { "coalesced", a->c.hooks_coalesced });
	family(b, "meshd_events_dropped_total", "counter",
	       "Event lines not delivered to `meshctl events` subscribers too slow to read them "
	       "(each is told how many).");
	evbuffer_add_printf(b, "meshd_events_dropped_total %" PRIu64 "\n", a->c.events_dropped);
	family(b, "meshd_state_write_errors_total", "counter",
	       "Failed writes of the members state file (the previous file is kept; retried).");
	evbuffer_add_printf(b, "meshd_state_write_errors_total %" PRIu64 "\n", a->saver.errors);
	family(b, "meshd_rejoin_attempts_total", "counter",
	       "Rejoin rounds sent to candidates (seeds, remembered members, WireGuard peers).");
	evbuffer_add_printf(b, "meshd_rejoin_attempts_total %" PRIu64 "\n", a->c.rejoin_attempts);
	trust_metrics(a, b);
	relay_agent_metrics(a, b);
	family(b, "meshd_uptime_seconds", "gauge", "Seconds since meshd started.");
	evbuffer_add_printf(b, "meshd_uptime_seconds %" PRIu64 "\n", (now - a->start_ms) / 1000);
}
