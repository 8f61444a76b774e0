/* SPDX-License-Identifier: MIT */
/* Value rules of the trust objects, and the refusal reasons' text. */
#include <sodium.h>
#include <string.h>

#include "trust.h"

static bool all_zero(const uint8_t *p, size_t n)
{
	return sodium_is_zero(p, n) == 1;
}

int trust_invite_validate(const struct trust_invite *inv)
{
	if (inv->not_after > TRUST_TIME_MAX || inv->admit_ttl > TRUST_TIME_MAX)
		return -WIRE_EVALUE;
	if (inv->uses < 1 || inv->uses > TRUST_MAX_USES)
		return -WIRE_EVALUE;
	if (inv->constrain & ~(unsigned)TRUST_CONSTRAIN_KNOWN)
		return -WIRE_EVALUE;
	/* Nothing constrained: one byte form only, the zero hash. */
	if (inv->constrain == 0 && !all_zero(inv->constraint, WIRE_CONSTRAINT_LEN))
		return -WIRE_EVALUE;
	return 0;
}

int trust_admission_validate(const struct trust_admission *adm)
{
	if (trust_invite_validate(&adm->invite) || adm->admitted_at > TRUST_TIME_MAX)
		return -WIRE_EVALUE;
	return 0;
}

int trust_revocation_validate(const struct trust_revocation *rev)
{
	if (rev->kind != TRUST_REVOKE_MEMBER && rev->kind != TRUST_REVOKE_INVITE)
		return -WIRE_EVALUE;
	if (rev->revoked_at > TRUST_TIME_MAX || rev->n_overlay > WIRE_MAX_OVERLAY)
		return -WIRE_EVALUE;
	/* An invite holds no address. */
	if (rev->kind == TRUST_REVOKE_INVITE && rev->n_overlay)
		return -WIRE_EVALUE;
	for (int i = 0; i < rev->n_overlay; i++) {
		const struct wire_prefix *p = &rev->overlay[i];
		size_t n = wire_family_len(p->family);

		if (!n || p->len > n * 8)
			return -WIRE_EVALUE;
		for (int j = 0; j < i; j++)
			if (rev->overlay[j].family == p->family)
				return -WIRE_EVALUE;
	}
	return 0;
}

int trust_grant_validate(const struct trust_grant *g)
{
	/* Epoch 0 is the key the token (or the operator) gave: never granted. */
	if (g->epoch == 0 || g->activate_at > TRUST_TIME_MAX)
		return -WIRE_EVALUE;
	return 0;
}

static const struct {
	const char *text;
	const char *name;
} reasons[TRUST_REASON_END - TRUST_ENOADMISSION] = {
	[TRUST_ENOADMISSION - TRUST_ENOADMISSION] = { "record carries no admission", "no_admission" },
	[TRUST_EUNKNOWN_AUTH - TRUST_ENOADMISSION] = { "signed by an unknown authority", "unknown_authority" },
	[TRUST_EINVITE_SIG - TRUST_ENOADMISSION] = { "bad invite signature", "bad_invite_signature" },
	[TRUST_EINVITE_EXPIRED - TRUST_ENOADMISSION] = { "invite expired before admission", "invite_expired" },
	[TRUST_EADMISSION_EXPIRED - TRUST_ENOADMISSION] = { "admission expired", "admission_expired" },
	[TRUST_EFUTURE - TRUST_ENOADMISSION] = { "dated in the future", "future_dated" },
	[TRUST_EBIND - TRUST_ENOADMISSION] = { "admission not bound to this member", "bad_bind" },
	[TRUST_ECONSTRAINT - TRUST_ENOADMISSION] = { "record does not match the invite's constraints", "constraint_mismatch" },
	[TRUST_ESIG - TRUST_ENOADMISSION] = { "bad authority signature", "bad_signature" },
	[TRUST_EREVOKED - TRUST_ENOADMISSION] = { "revoked", "revoked" },
	[TRUST_EOVERSPENT - TRUST_ENOADMISSION] = { "invite used more times than allowed", "invite_overspent" },
	[TRUST_EGRANT - TRUST_ENOADMISSION] = { "key grant not for us or does not open", "bad_grant" },
};

static int reason_index(int err)
{
	if (-err < TRUST_ENOADMISSION || -err >= TRUST_REASON_END)
		return -1;
	return -err - TRUST_ENOADMISSION;
}

const char *trust_strerror(int err)
{
	int i = reason_index(err);

	return i < 0 ? wire_strerror(err) : reasons[i].text;
}

const char *trust_reason_name(int err)
{
	int i = reason_index(err);

	return i < 0 ? "other" : reasons[i].name;
}
