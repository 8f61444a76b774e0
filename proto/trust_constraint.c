/* SPDX-License-Identifier: MIT */
/*
 * Invite constraints (T3): the invite carries a hash of the fields it
 * pins, not the fields, so a record with an admission stays small.
 */
#include <sodium.h>
#include <string.h>

#include "mp_writer.h"
#include "trust.h"
#include "wire_codec.h"

/* [constrain, name, overlay, tags] with unconstrained fields empty: 4 + 64 + 32 + 4 * 50 */
enum { CONSTRAINT_INPUT_MAX = 512 };

int trust_constraint_hash_fields(uint8_t out[static WIRE_CONSTRAINT_LEN], uint8_t constrain,
				 const char *name, const struct wire_prefix *overlay,
				 uint8_t n_overlay, const struct wire_tag *tags, uint8_t n_tags)
{
	uint8_t buf[CONSTRAINT_INPUT_MAX];
	struct mp_writer w;
	bool by_name = constrain & TRUST_CONSTRAIN_NAME;
	bool by_addr = constrain & TRUST_CONSTRAIN_ADDRESS;
	bool by_tags = constrain & TRUST_CONSTRAIN_TAGS;
	int n;

	memset(out, 0, WIRE_CONSTRAINT_LEN);
	if (constrain & ~(unsigned)TRUST_CONSTRAIN_KNOWN || n_overlay > WIRE_MAX_OVERLAY ||
	    n_tags > WIRE_MAX_TAGS)
		return -WIRE_EVALUE;
	if (!constrain)
		return 0;
	mp_writer_init(&w, buf, sizeof(buf));
	mp_write_array(&w, 4);
	mp_write_uint(&w, constrain);
	mp_write_str(&w, by_name ? name : "", by_name ? strnlen(name, WIRE_NAME_MAX + 1) : 0);
	mp_write_array(&w, by_addr ? n_overlay : 0);
	for (int i = 0; by_addr && i < n_overlay; i++)
		wire_prefix_write(&w, &overlay[i]);
	mp_write_array(&w, by_tags ? n_tags : 0);
	for (int i = 0; by_tags && i < n_tags; i++) {
		mp_write_array(&w, 2);
		mp_write_str(&w, tags[i].key, strnlen(tags[i].key, WIRE_TAG_KEY_MAX + 1));
		mp_write_str(&w, tags[i].val, strnlen(tags[i].val, WIRE_TAG_VAL_MAX + 1));
	}
	n = mp_writer_result(&w);
	if (n < 0)
		return n;
	crypto_generichash(out, WIRE_CONSTRAINT_LEN, buf, (size_t)n, NULL, 0);
	return 0;
}

int trust_constraint_hash(uint8_t out[static WIRE_CONSTRAINT_LEN], const struct wire_record *r,
			  uint8_t constrain)
{
	return trust_constraint_hash_fields(out, constrain, r->name, r->overlay, r->n_overlay,
					    r->tag, r->n_tags);
}

int trust_constraint_check(const struct trust_invite *inv, const struct wire_record *r)
{
	uint8_t h[WIRE_CONSTRAINT_LEN];

	if (!inv->constrain)
		return 0;
	if (trust_constraint_hash(h, r, inv->constrain))
		return -TRUST_ECONSTRAINT;
	return sodium_memcmp(h, inv->constraint, sizeof(h)) == 0 ? 0 : -TRUST_ECONSTRAINT;
}
