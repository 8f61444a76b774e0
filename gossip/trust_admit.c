/* SPDX-License-Identifier: MIT */
/*
 * The admission of a record (T4), with what decides it beyond the record
 * itself: revocations (T7) and spend winners (T6).
 *
 * A network-key holder without an admission may offer any number of
 * records; each must cost at most one signature check. So the checks run
 * cheapest first: no admission, a revoked id or address, an unknown
 * authority, the times and the constraint cost nothing; then the invite
 * certificate is looked up among the verified ones (an invite we hold
 * costs nothing, an unknown one one check); then the spend: a known one
 * (same member, time and bind) costs nothing, one that ranks past the
 * kept spends loses without a check, any other is one bind check. A
 * forged admission therefore fails at its first signature: the cert if
 * it is made up, the bind if the cert was copied from a real member. A
 * record passing all that costs its own signature check (merge.c).
 *
 * Each datagram may spend TRUST_VERIFY_MAX checks here; past that its
 * records are skipped unverified, as merge.c does with new ids.
 */
#include <errno.h>
#include <string.h>

#include "trust_internal.h"

static const char *const refusal_names[GOSSIP_TRUST_REFUSE_MAX] = {
	"no_admission", "unknown_authority", "bad_invite_signature", "invite_expired",
	"admission_expired", "future_dated", "bad_bind", "constraint_mismatch",
	"bad_signature", "revoked_member", "revoked_invite", "revoked_address",
	"invite_overspent", "bad_grant", "invite_conflict", "store_full", "old_epoch",
};

const char *gossip_trust_refusal_name(unsigned reason)
{
	return reason < GOSSIP_TRUST_REFUSE_MAX ? refusal_names[reason] : "other";
}

static int reason_of(int err)
{
	switch (-err) {
	case TRUST_ENOADMISSION: return GOSSIP_TRUST_NO_ADMISSION;
	case TRUST_EUNKNOWN_AUTH: return GOSSIP_TRUST_UNKNOWN_AUTHORITY;
	case TRUST_EINVITE_SIG: return GOSSIP_TRUST_BAD_INVITE_SIGNATURE;
	case TRUST_EINVITE_EXPIRED: return GOSSIP_TRUST_INVITE_EXPIRED;
	case TRUST_EADMISSION_EXPIRED: return GOSSIP_TRUST_ADMISSION_EXPIRED;
	case TRUST_EFUTURE: return GOSSIP_TRUST_FUTURE_DATED;
	case TRUST_EBIND: return GOSSIP_TRUST_BAD_BIND;
	case TRUST_ECONSTRAINT: return GOSSIP_TRUST_CONSTRAINT_MISMATCH;
	case TRUST_ESIG: return GOSSIP_TRUST_BAD_SIGNATURE;
	case TRUST_EREVOKED: return GOSSIP_TRUST_REVOKED_MEMBER;
	case TRUST_EREVOKED_INVITE: return GOSSIP_TRUST_REVOKED_INVITE;
	case TRUST_EREVOKED_ADDRESS: return GOSSIP_TRUST_REVOKED_ADDRESS;
	case TRUST_EOVERSPENT: return GOSSIP_TRUST_OVERSPENT;
	case TRUST_EGRANT: return GOSSIP_TRUST_BAD_GRANT;
	case TRUST_EINVITE_CONFLICT: return GOSSIP_TRUST_INVITE_CONFLICT;
	case ENOSPC: return GOSSIP_TRUST_STORE_FULL;
	case ESTALE: return GOSSIP_TRUST_OLD_EPOCH;
	}
	return -1;
}

void trust_count_refusal(struct gossip *g, int err)
{
	int r = reason_of(err);

	if (r >= 0)
		g->trust->stats.refused[r]++;
}

/* One signature check from this datagram's budget, or -EAGAIN. */
static int spend_check(struct gossip_trust *t)
{
	if (!t->budget)
		return -EAGAIN;
	t->budget--;
	t->stats.checks++;
	return 0;
}

static bool invite_same(const struct trust_invite *a, const struct trust_invite *b)
{
	return !memcmp(a->auth, b->auth, WIRE_AUTH_ID_LEN) &&
	       !memcmp(a->invite_pub, b->invite_pub, WIRE_ID_LEN) && a->not_after == b->not_after &&
	       a->uses == b->uses && a->admit_ttl == b->admit_ttl && a->constrain == b->constrain &&
	       !memcmp(a->constraint, b->constraint, WIRE_CONSTRAINT_LEN) &&
	       !memcmp(a->sig, b->sig, WIRE_SIG_LEN);
}

/* The verified invite of this certificate: held, or checked now (one signature). */
static int invite_of(struct gossip *g, const struct trust_invite *cert, struct tinv **out)
{
	struct gossip_trust *t = g->trust;
	uint8_t digest[16];
	int ai, ret;

	ai = trust_find_authority(cert->auth, (const uint8_t(*)[WIRE_ID_LEN])g->cfg.authority,
				  g->cfg.n_authorities);
	if (ai < 0)
		return ai;
	if (tstore_revoked(t, TRUST_REVOKE_INVITE, cert->invite_pub))
		return -TRUST_EREVOKED_INVITE;
	*out = tstore_invite(t, cert->invite_pub);
	if (*out && invite_same(&(*out)->cert, cert))
		return 0;
	if ((ret = spend_check(t)) != 0)
		return ret;
	ret = trust_invite_verify(cert, g->cfg.authority[ai]);
	if (ret)
		return ret;
	/* Two valid certificates for one invite key: the authority's mistake; the first holds. */
	if (*out)
		return -TRUST_EINVITE_CONFLICT;
	if (trust_invite_digest(digest, cert))
		return -TRUST_EINVITE_SIG;
	*out = tstore_add_invite(t, cert, digest);
	return *out ? 0 : -ENOSPC;
}

/*
 * Take a spend into the store (verifying its bind unless held) and say
 * whether it is a winner: 0, -TRUST_EOVERSPENT, or why it was refused.
 * Losers ranked within uses + 8 are kept too, so that every node keeps
 * the same lowest spends of what it has seen and digests agree.
 */
int trust_spend_take(struct gossip *g, const struct trust_spend *sp, bool *added)
{
	struct gossip_trust *t = g->trust;
	uint32_t rank, keep;
	struct tinv *inv;
	bool found;
	int ret;

	*added = false;
	/* As trust_spend_check: no constraint (no record), an expired admission still counts. */
	if (sp->adm.admitted_at > sp->adm.invite.not_after)
		return -TRUST_EINVITE_EXPIRED;
	if (sp->adm.admitted_at > trust_unix(g) + TRUST_SKEW_S)
		return -TRUST_EFUTURE;
	/* Pruned (trust_sweep) or about to be: it counts for nobody now. */
	if (invite_dead(&sp->adm.invite, trust_unix(g)))
		return -TRUST_EADMISSION_EXPIRED;
	ret = invite_of(g, &sp->adm.invite, &inv);
	if (ret)
		return ret;
	keep = (uint32_t)inv->cert.uses + TRUST_SPENDS_OVER;
	rank = tstore_spend_rank(t, inv, sp->member, sp->adm.admitted_at, &found);
	if (found) {
		/* Same member and time: a different bind is one more signature for it. */
		if (memcmp(tstore_spend(t, inv, rank)->adm.bind, sp->adm.bind, WIRE_SIG_LEN) != 0) {
			if ((ret = spend_check(t)) != 0 || (ret = trust_bind_verify(&sp->adm, sp->member)))
				return ret;
		}
		return rank < inv->cert.uses ? 0 : -TRUST_EOVERSPENT;
	}
	if (rank >= keep)
		return -TRUST_EOVERSPENT;   /* loses to every kept spend: no check needed */
	if ((ret = spend_check(t)) != 0 || (ret = trust_bind_verify(&sp->adm, sp->member)))
		return ret;
	ret = tstore_add_spend(t, inv, sp, rank);
	if (ret)
		return ret;   /* -ENOSPC: every spend together is at TRUST_MAX_SPENDS */
	*added = true;
	tspread_queue(g, inv->spend[rank]);
	if (rank >= inv->cert.uses) {
		t->stats.losers++;
		return -TRUST_EOVERSPENT;
	}
	/* It pushed the last winner out: that member is refused from now on. */
	if (inv->n_spend > inv->cert.uses) {
		t->stats.losers++;
		t->rescan = true;
	}
	return 0;
}

int trust_admit(struct gossip *g, const struct wire_record *r)
{
	struct gossip_trust *t = g->trust;
	const struct trust_admission *a = &r->adm;
	struct trust_spend sp;
	bool added;
	int ret;

	if (!r->has_admission)
		return -TRUST_ENOADMISSION;
	if (tstore_revoked(t, TRUST_REVOKE_MEMBER, r->id))
		return -TRUST_EREVOKED;
	for (int i = 0; i < r->n_overlay; i++)
		if (tstore_addr_held(t, &r->overlay[i]))
			return -TRUST_EREVOKED_ADDRESS;
	ret = trust_find_authority(a->invite.auth, (const uint8_t(*)[WIRE_ID_LEN])g->cfg.authority,
				   g->cfg.n_authorities);
	if (ret < 0)
		return ret;
	ret = trust_admission_check_times(a, trust_unix(g));
	if (!ret)
		ret = trust_constraint_check(&a->invite, r);
	if (ret)
		return ret;
	memcpy(sp.member, r->id, WIRE_ID_LEN);
	sp.adm = *a;
	return trust_spend_take(g, &sp, &added);
}
