/* SPDX-License-Identifier: MIT */
/*
 * The trust object decoders (issue 10): the first input byte picks the
 * kind (invite, admission, spend, revocation, grant), the rest is
 * decoded. What decodes must re-encode to the same bytes (one byte form
 * per object), cost what it encodes to, and go through the verifiers and
 * the admission rules (against a fixed authority) without harm.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "proto/identity.h"
#include "proto/msg.h"
#include "proto/record.h"
#include "proto/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Public key of the seed 0x40..0x5f (gen_corpus signs the seeds with it). */
static uint8_t authority[1][WIRE_ID_LEN];
static const uint64_t now = UINT64_C(1764400000);

static void setup(void)
{
	uint8_t seed[TRUST_SEED_LEN], sk[TRUST_SECRET_KEY_LEN];

	if (identity_init_crypto() != 0)
		abort();
	for (int i = 0; i < TRUST_SEED_LEN; i++)
		seed[i] = (uint8_t)(0x40 + i);
	if (trust_key_from_seed(sk, authority[0], seed) != 0)
		abort();
}

static void check_admission(const struct trust_admission *adm, const uint8_t member[static 32])
{
	struct wire_record r;

	(void)trust_admission_check_times(adm, now);
	(void)trust_invite_verify(&adm->invite, authority[0]);
	(void)trust_bind_verify(adm, member);
	memset(&r, 0, sizeof(r));
	memcpy(r.id, member, WIRE_ID_LEN);
	r.gossip_port = 1;
	r.has_admission = true;
	r.adm = *adm;
	(void)trust_admission_check(&r, (const uint8_t (*)[WIRE_ID_LEN])authority, 1, now);
	FUZZ_CHECK(trust_admission_expiry(adm) == 0 ||
		   trust_admission_expiry(adm) == adm->admitted_at + adm->invite.admit_ttl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	uint8_t again[TRUST_OBJECT_MAX_ENCODED];
	const uint8_t zero_member[WIRE_ID_LEN] = { 0 };
	union {
		struct trust_invite inv;
		struct trust_admission adm;
		struct trust_spend sp;
		struct trust_revocation rev;
		struct trust_grant g;
	} o;
	int n = -1;

	if (!ready)
		setup(), ready = 1;
	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0:
		if (trust_invite_decode(&o.inv, data + 1, size - 1) != 0)
			return 0;
		(void)trust_invite_verify(&o.inv, authority[0]);
		n = trust_invite_encode(&o.inv, again, sizeof(again));
		break;
	case 1:
		if (trust_admission_decode(&o.adm, data + 1, size - 1) != 0)
			return 0;
		check_admission(&o.adm, zero_member);
		FUZZ_CHECK(trust_admission_same(&o.adm, &o.adm));
		n = trust_admission_encode(&o.adm, again, sizeof(again));
		break;
	case 2:
		if (trust_spend_decode(&o.sp, data + 1, size - 1) != 0)
			return 0;
		check_admission(&o.sp.adm, o.sp.member);
		(void)trust_spend_check(&o.sp, (const uint8_t (*)[WIRE_ID_LEN])authority, 1, now);
		FUZZ_CHECK(msg_spend_cost(&o.sp) == (int)size - 1);
		FUZZ_CHECK(trust_spend_hash(&o.sp) == trust_spend_hash(&o.sp));
		n = trust_spend_encode(&o.sp, again, sizeof(again));
		break;
	case 3:
		if (trust_revocation_decode(&o.rev, data + 1, size - 1) != 0)
			return 0;
		(void)trust_revocation_verify(&o.rev, (const uint8_t (*)[WIRE_ID_LEN])authority, 1);
		FUZZ_CHECK(msg_revocation_cost(&o.rev) == (int)size - 1);
		n = trust_revocation_encode(&o.rev, again, sizeof(again));
		break;
	case 4:
		if (trust_grant_decode(&o.g, data + 1, size - 1) != 0)
			return 0;
		(void)trust_grant_verify(&o.g, (const uint8_t (*)[WIRE_ID_LEN])authority, 1);
		FUZZ_CHECK(msg_grant_cost(&o.g) == (int)size - 1);
		n = trust_grant_encode(&o.g, again, sizeof(again));
		break;
	}
	FUZZ_CHECK(n == (int)size - 1 && memcmp(again, data + 1, size - 1) == 0);
	return 0;
}
