/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "wg_desired.h"

int wg_key_cmp(const void *x, const void *y)
{
	return memcmp(x, y, WGCTL_KEY_LEN);
}

static bool keep_failed(const struct gossip_member *m, const struct wg_rules *r,
			int64_t last_handshake)
{
	if (r->now_ms - m->state_since_ms < (uint64_t)r->failed_grace_s * 1000)
		return true;
	return last_handshake > 0 && r->now_wall_s - last_handshake < WG_FRESH_HANDSHAKE_S;
}

bool wg_member_peer(const struct gossip_member *m, const struct wg_rules *r,
		    int64_t last_handshake, struct wgctl_peer *p)
{
	const struct wire_record *rec = m->rec;

	if (m->self || m->conflict || rec->n_overlay == 0 || (rec->flags & WIRE_REC_LEAVING))
		return false;
	if (m->state == GOSSIP_LEFT || (m->state == GOSSIP_FAILED && !keep_failed(m, r, last_handshake)))
		return false;
	memset(p, 0, sizeof(*p));
	memcpy(p->public_key, m->wg_public, WGCTL_KEY_LEN);
	if (rec->n_endpoints)
		addr_to_wg_endpoint(&rec->endpoint[0], &p->endpoint);
	p->keepalive = r->keepalive;
	for (size_t i = 0; i < rec->n_overlay && i < WIRE_MAX_OVERLAY; i++)
		addr_prefix_to_allowed(&rec->overlay[i], &p->allowed[p->n_allowed++]);
	return true;
}

size_t wg_keep_adopted(const struct wgctl_peer *adopted, size_t n,
		       const uint8_t (*known)[WGCTL_KEY_LEN], size_t n_known,
		       struct wgctl_peer *out, size_t room)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < room; i++)
		/* bsearch's base must not be NULL even when n_known is 0 (UB). */
		if (!n_known || !bsearch(adopted[i].public_key, known, n_known, WGCTL_KEY_LEN, wg_key_cmp))
			out[k++] = adopted[i];
	return k;
}
