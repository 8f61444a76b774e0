/* SPDX-License-Identifier: MIT */
/*
 * Members by name (issue 14): how a member is shown, and the `resolve`
 * request libnss_meshd.so.2 sends for `getent hosts NAME.DOMAIN`.
 *
 * A name's holder (gossip/names.c) is shown and resolved as NAME; a
 * member whose name another holds is shown as NAME~XXXXXXXX (the first
 * four bytes of its id in hex) and resolves only under that form, so an
 * impostor never answers for the holder's name. Resolved: members that
 * still hold their address (not contested) and have not left; a failed
 * holder keeps its name and address like it keeps its claim.
 */
#include <event2/buffer.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "agent.h"
#include "ctl_proto.h"

enum { ID_TAG_BYTES = 4 };

void ctl_name_shown(const struct gossip_member *m, char *out, size_t len)
{
	const struct wire_record *r = m->rec;
	size_t n;

	if (!m->name_conflict || !r->name[0]) {
		snprintf(out, len, "%s", r->name);
		return;
	}
	n = (size_t)snprintf(out, len, "%s~", r->name);
	for (int i = 0; i < ID_TAG_BYTES && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%02x", r->id[i]);
}

/* The member part of "NAME.DOMAIN" (or "NAME.DOMAIN."), or -1 if not in our domain. */
static int split_query(const char *q, const char *domain, char *name, size_t len)
{
	size_t ql = strlen(q), dl = strlen(domain);

	if (ql && q[ql - 1] == '.')
		ql--;
	if (ql < dl + 2 || q[ql - dl - 1] != '.' || strncasecmp(q + ql - dl, domain, dl) != 0)
		return -1;
	ql -= dl + 1;
	if (ql >= len)
		return -1;
	memcpy(name, q, ql);
	name[ql] = '\0';
	return 0;
}

struct resolve_ctx {
	const char *name;
	const struct gossip_member *hit;
};

static void find_name(void *arg, const struct gossip_member *m)
{
	struct resolve_ctx *c = arg;
	char shown[WIRE_NAME_MAX + 2 + 2 * ID_TAG_BYTES];

	if (c->hit || m->state == GOSSIP_LEFT || m->conflict || !m->rec->n_overlay)
		return;
	ctl_name_shown(m, shown, sizeof(shown));
	if (shown[0] && strcmp(shown, c->name) == 0)
		c->hit = m;
}

size_t ctl_names_resolve(struct agent *a, const char *query, struct evbuffer *out)
{
	const char *domain = a->cfg->domain ? a->cfg->domain : CONFIG_DOMAIN_DEFAULT;
	char name[WIRE_NAME_MAX + 2 + 2 * ID_TAG_BYTES + 1];
	struct resolve_ctx c = { name, NULL };
	struct ctl_writer w;
	size_t n = 0;

	if (!query || split_query(query, domain, name, sizeof(name)) != 0)
		return 0;
	gossip_foreach(a->g, find_name, &c);
	if (!c.hit)
		return 0;
	/* IPv4 first: resolvers that take one address take the one every member has. */
	for (int fam = WIRE_AF_INET; fam; fam = fam == WIRE_AF_INET ? WIRE_AF_INET6 : 0) {
		for (int i = 0; i < c.hit->rec->n_overlay; i++) {
			const struct wire_prefix *p = &c.hit->rec->overlay[i];
			char text[WIRE_ADDR_STRLEN];
			int len;

			if (p->family != fam)
				continue;
			wire_prefix_format(p, text, sizeof(text));
			text[strcspn(text, "/")] = '\0';
			ctl_w_begin(&w, "addr");
			ctl_w_str(&w, "name", c.name);
			ctl_w_str(&w, "family", fam == WIRE_AF_INET ? "inet" : "inet6");
			ctl_w_str(&w, "ip", text);
			len = ctl_w_end(&w);
			if (len > 0) {
				evbuffer_add(out, w.buf, (size_t)len);
				n++;
			}
		}
	}
	return n;
}
