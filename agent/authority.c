/* SPDX-License-Identifier: MIT */
/*
 * Authority mode, the agent's side (docs/OPERATIONS.md "Authority mode"):
 * where the network key, the authorities and our admission come from at
 * start (flags, an invite, the state dir), the first start by invite,
 * the trust objects saved and restored, a key grant turned into the key
 * schedule, and the periodic chores (clock to the engine, the old key
 * retired, the trust file saved, admission expiry warned).
 *
 * Open mode (no authority anywhere) only uses the key part.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "invite.h"
#include "keyfile.h"
#include "trust_files.h"

enum {
	TRUST_SAVE_DEBOUNCE_MS = 1000,
	EXPIRY_WARN_S = 7 * 86400,     /* warn when the admission ends within a week... */
	EXPIRY_WARN_PERCENT = 10,      /* ...or within the last 10 % of its lifetime */
	EXPIRY_LOG_EVERY_MS = 6 * 3600 * 1000,
	REFUSED_LOG_MS = 10000,
};

static int add_authority(struct agent *a, const uint8_t key[static WIRE_ID_LEN])
{
	struct agent_authority *t = &a->auth;

	for (size_t i = 0; i < t->n_auth; i++)
		if (memcmp(t->auth[i], key, WIRE_ID_LEN) == 0)
			return 0;
	if (t->n_auth == GOSSIP_MAX_AUTHORITIES)
		return -ENOSPC;
	memcpy(t->auth[t->n_auth++], key, WIRE_ID_LEN);
	return 0;
}

static int set_cfg(struct meshd_config *cfg, const char *key, const char *value, char *err,
		   size_t errlen)
{
	char why[256];
	int r = config_set(cfg, key, value, false, why, sizeof(why));

	if (r != 0)
		snprintf(err, errlen, "invite: %s", why);
	return r;
}

/*
 * What the invite says about this member wins over the config: the
 * authority may have pinned name, address or tags (constraints), and the
 * mesh's prefix and seeds are the mesh's.
 */
static int apply_token(struct agent *a, const struct token *tok, char *err, size_t errlen)
{
	struct meshd_config *cfg = a->cfg;
	char text[WIRE_ADDR_STRLEN];
	int r;

	if (tok->has_prefix) {
		wire_prefix_format(&tok->prefix, text, sizeof(text));
		if ((r = set_cfg(cfg, "prefix", text, err, errlen)) != 0)
			return r;
	}
	if (tok->name[0] && (r = set_cfg(cfg, "name", tok->name, err, errlen)) != 0)
		return r;
	if (tok->has_address) {
		wire_prefix_format(&tok->address, text, sizeof(text));
		if ((r = set_cfg(cfg, "address", text, err, errlen)) != 0)
			return r;
	}
	if (tok->n_tags || (tok->invite.constrain & TRUST_CONSTRAIN_TAGS)) {
		for (size_t i = 0; i < cfg->n_tags; i++)
			free(cfg->tags[i]);
		cfg->n_tags = 0;
		for (size_t i = 0; i < tok->n_tags; i++) {
			char kv[WIRE_TAG_KEY_MAX + WIRE_TAG_VAL_MAX + 4];

			snprintf(kv, sizeof(kv), "%s=%s", tok->tag[i].key, tok->tag[i].val);
			if ((r = set_cfg(cfg, "tag", kv, err, errlen)) != 0)
				return r;
		}
	}
	for (size_t i = 0; i < tok->n_seeds && cfg->n_join < CONFIG_MAX_JOIN; i++) {
		wire_addr_format(&tok->seed[i], text, sizeof(text));
		if ((r = set_cfg(cfg, "join", text, err, errlen)) != 0)
			return r;
	}
	for (size_t i = 0; i < tok->n_auth; i++)
		add_authority(a, tok->auth[i]);
	return 0;
}

static int read_token(struct agent *a, char *err, size_t errlen)
{
	struct meshd_config *cfg = a->cfg;
	char *text;
	int r;

	if (!cfg->invite && !cfg->invite_file)
		return 0;
	if (!(a->auth.tok = calloc(1, sizeof(*a->auth.tok))) || !(text = malloc(TOKEN_MAX_TEXT)))
		return -ENOMEM;
	if (cfg->invite_file)
		r = invite_read_file(cfg->invite_file, text, TOKEN_MAX_TEXT, err, errlen);
	else
		r = snprintf(text, TOKEN_MAX_TEXT, "%s", cfg->invite) >= TOKEN_MAX_TEXT ? -EINVAL : 0;
	if (r == -EINVAL && !cfg->invite_file)
		snprintf(err, errlen, "--invite: longer than any invite token");
	if (r == 0)
		r = invite_decode(a->auth.tok, text, err, errlen);
	sodium_memzero(text, TOKEN_MAX_TEXT);
	free(text);
	if (r == 0)
		r = apply_token(a, a->auth.tok, err, errlen);
	return r;
}

int authority_prepare(struct agent *a, char *err, size_t errlen)
{
	struct meshd_config *cfg = a->cfg;
	uint8_t key[WIRE_KEY_LEN];
	int r;

	for (size_t i = 0; i < cfg->n_authority; i++) {
		if (key_from_base64(key, cfg->authority[i]) != 0) {
			snprintf(err, errlen, "--authority %s: not a public key", cfg->authority[i]);
			return -EINVAL;
		}
		add_authority(a, key);
	}
	if ((r = read_token(a, err, errlen)) != 0)
		return r;
	/*
	 * The invite's key is the mesh's (and what invite_save writes on a
	 * first start); a --network-key beside it is ignored. Else the key
	 * file is read now, so a bad one stops us before anything is touched.
	 */
	if (a->auth.tok) {
		if (cfg->network_key)
			log_warn("--network-key %s ignored: the invite brings the network key",
				 cfg->network_key);
		keysched_init(&a->ks, a->auth.tok->netkey, 0, cfg->key_transition);
		a->auth.have_key = true;
	} else if (cfg->network_key) {
		if ((r = keyfile_read(cfg->network_key, key, err, errlen)) != 0)
			return r;
		keysched_init(&a->ks, key, 0, cfg->key_transition);
		a->auth.have_key = true;
	}
	sodium_memzero(key, sizeof(key));
	return 0;
}

static void short_id(char out[static 17], const uint8_t key[static WIRE_ID_LEN])
{
	sodium_bin2hex(out, 17, key, WIRE_AUTH_ID_LEN);
}

/* The first start by invite, or the admission a previous start saved. */
static int load_admission(struct agent *a, char *err, size_t errlen)
{
	struct agent_authority *t = &a->auth;
	const char *dir = a->cfg->state_dir;
	int r;

	if ((r = tfile_read_admission(dir, &t->adm, &t->has_adm, err, errlen)) != 0)
		return r;
	if (t->has_adm && t->tok &&
	    sodium_memcmp(t->tok->invite.invite_pub, t->adm.invite.invite_pub, WIRE_ID_LEN) == 0) {
		log_info("admitted before (%s/admission): the invite is not spent again", dir);
		return 0;
	}
	if (!t->tok)
		return 0;
	if (t->has_adm)
		log_info("a new invite: this node is admitted again (re-invited), same identity");
	if ((r = invite_admit(t->tok, &a->idn, (uint64_t)agent_wall_s(), &t->adm, err, errlen)) != 0)
		return r;
	/*
	 * A re-invited member was away past a rotation's window: its saved
	 * key no longer opens anything, the token's is the mesh's now. The
	 * epoch label stays; the next grant's is higher either way.
	 */
	if (t->has_adm && sodium_memcmp(a->ks.cur.key, t->tok->netkey, WIRE_KEY_LEN) != 0) {
		keysched_init(&a->ks, t->tok->netkey, a->ks.cur.epoch, a->cfg->key_transition);
		if ((r = tfile_write_netkeys(dir, &a->ks, err, errlen)) != 0)
			return r;
	}
	if ((r = invite_save(dir, t->tok, &t->adm, a->cfg->key_transition, err, errlen)) != 0)
		return r;
	t->has_adm = true;
	log_info("joined by invite: admission saved in %s/admission", dir);
	return 0;
}

static void drop_token(struct agent *a)
{
	if (a->auth.tok) {
		token_wipe(a->auth.tok);
		free(a->auth.tok);
		a->auth.tok = NULL;
	}
	if (a->cfg && a->cfg->invite)
		sodium_memzero(a->cfg->invite, strlen(a->cfg->invite));
}

int authority_start(struct agent *a, char *err, size_t errlen)
{
	struct agent_authority *t = &a->auth;
	const char *dir = a->cfg->state_dir;
	uint8_t saved[GOSSIP_MAX_AUTHORITIES][WIRE_ID_LEN];
	size_t n_saved = 0;
	bool found;
	int r;

	if ((r = tfile_read_authorities(dir, saved, &n_saved, GOSSIP_MAX_AUTHORITIES, err,
					errlen)) != 0)
		return r;
	for (size_t i = 0; i < n_saved; i++)
		add_authority(a, saved[i]);
	t->on = t->n_auth > 0;
	/*
	 * In authority mode the saved schedule is newer than any --network-key
	 * (rotations rewrite it); in open mode there are no rotations and the
	 * flag is the operator's word.
	 */
	if (t->on || !t->have_key) {
		static struct keysched file;

		r = tfile_read_netkeys(dir, &file, a->cfg->key_transition, &found, err, errlen);
		if (r == 0 && found) {
			a->ks = file;
			t->have_key = true;
		}
		keysched_wipe(&file);
		if (r != 0)
			return r;
	}
	if (!t->have_key) {
		snprintf(err, errlen, "no network key: give --network-key FILE or an invite "
			 "(--invite-file FILE)");
		return -EINVAL;
	}
	if (!t->on)
		return 0;
	r = load_admission(a, err, errlen);
	/* The invite secret and the key it carries are needed no longer. */
	drop_token(a);
	if (r != 0)
		return r;
	if (!t->has_adm) {
		snprintf(err, errlen, "authority mode (%zu authority key(s)) but this node has no "
			 "admission (%s/admission): start it once with --invite-file FILE "
			 "(`meshctl invite` on the authority's machine prints a token)", t->n_auth, dir);
		return -EINVAL;
	}
	a->gcfg.n_authorities = (uint8_t)t->n_auth;
	memcpy(a->gcfg.authority, t->auth, t->n_auth * WIRE_ID_LEN);
	a->gcfg.unix_now = (uint64_t)agent_wall_s();
	return 0;
}

int authority_check_self(struct agent *a, char *err, size_t errlen)
{
	struct agent_authority *t = &a->auth;
	char why[64], when[64];
	int r;

	if (!t->on)
		return 0;
	a->self_tmpl.has_admission = true;
	a->self_tmpl.adm = t->adm;
	r = trust_admission_check(&a->self_tmpl, (const uint8_t (*)[WIRE_ID_LEN])t->auth, t->n_auth,
				  (uint64_t)agent_wall_s());
	if (r == 0)
		return 0;
	snprintf(why, sizeof(why), "%s", trust_strerror(r));
	if (r == -TRUST_EADMISSION_EXPIRED) {
		invite_format_time(when, sizeof(when), trust_admission_expiry(&t->adm));
		snprintf(err, errlen, "our admission (%s/admission) expired at %s: this node must "
			 "be invited again (remove that file, start with a new --invite-file)",
			 a->cfg->state_dir, when);
	} else if (r == -TRUST_ECONSTRAINT) {
		snprintf(err, errlen, "our admission pins this member's name, address or tags, and "
			 "the configuration differs (%s): use the invite's values", why);
	} else if (r == -TRUST_EUNKNOWN_AUTH) {
		snprintf(err, errlen, "our admission is signed by an authority this node does not "
			 "trust: add its key with --authority, or join again with a new invite");
	} else {
		snprintf(err, errlen, "our admission (%s/admission) is not valid: %s", a->cfg->state_dir,
			 why);
	}
	return -EINVAL;
}

static void import_one(void *arg, const struct gossip_trust_obj *o)
{
	struct agent *a = arg;
	int r = gossip_trust_import(a->g, o, agent_now_ms());

	if (r == 0)
		a->auth.restored++;
	else if (r != -EALREADY)
		a->auth.restore_refused++;
}

void authority_restore(struct agent *a)
{
	char err[256];
	size_t bad = 0;

	if (!a->auth.on)
		return;
	if (tfile_read_trust(a->cfg->state_dir, import_one, a, &bad, err, sizeof(err)) != 0) {
		log_warn("%s: starting without the saved trust objects (the mesh sends them again)",
			 err);
		return;
	}
	if (a->auth.restored || a->auth.restore_refused || bad)
		log_info("trust objects restored from %s/trust: %zu (%zu refused, %zu malformed)",
			 a->cfg->state_dir, a->auth.restored, a->auth.restore_refused, bad);
}

void authority_save(struct agent *a)
{
	char err[256];

	if (!a->auth.on || !a->g)
		return;
	if (tfile_write_trust(a->cfg->state_dir, a->g, err, sizeof(err)) != 0)
		log_warn("%s", err);
	else
		a->auth.trust_dirty = false;
}

void authority_trust_stored(struct agent *a)
{
	if (!a->auth.trust_dirty)
		a->auth.trust_dirty_ms = agent_now_ms();
	a->auth.trust_dirty = true;
}

void authority_grant(struct agent *a, const struct trust_grant *g, const uint8_t key[WIRE_KEY_LEN])
{
	char err[256], when[64], auth[17];
	int r = keysched_install(&a->ks, key, g->epoch, (int64_t)g->activate_at, agent_wall_s());

	if (r != 0)
		return;   /* this epoch or a newer one is held already */
	a->auth.grants_installed++;
	if (tfile_write_netkeys(a->cfg->state_dir, &a->ks, err, sizeof(err)) != 0)
		log_warn("%s (the new key is used, but a restart before the next save loses it)",
			 err);
	invite_format_time(when, sizeof(when), g->activate_at);
	sodium_bin2hex(auth, sizeof(auth), g->auth, WIRE_AUTH_ID_LEN);
	log_info("network key of epoch %" PRIu32 " granted by authority %s: sealing with it from "
		 "%s", g->epoch, auth, when);
}

bool authority_admission_end(const struct agent *a, int64_t *end)
{
	uint64_t e;

	if (!a->auth.on || !a->auth.has_adm || !(e = trust_admission_expiry(&a->auth.adm)))
		return false;
	*end = (int64_t)e;
	return true;
}

/* Within a week of the end, or in the last 10 % of the admission's life (or past it). */
bool authority_expiry_warning(const struct agent *a, int64_t now)
{
	uint64_t ttl = a->auth.adm.invite.admit_ttl;
	int64_t end, left;

	if (!authority_admission_end(a, &end))
		return false;
	left = end - now;
	return left < EXPIRY_WARN_S || (uint64_t)left * 100 < ttl * EXPIRY_WARN_PERCENT;
}

/*
 * What the engine refused since the last line, by reason, at most one
 * line per REFUSED_LOG_MS: outsiders set these counters off, so a flood
 * costs one log line per interval, and an operator still sees why a
 * node is not let in.
 */
static void log_refusals(struct agent *a, uint64_t now_ms)
{
	struct agent_authority *t = &a->auth;
	const struct gossip_trust_stats *ts = gossip_trust_stats(a->g);
	char text[512];
	size_t len = 0;

	if (t->refused_log_ms && now_ms - t->refused_log_ms < REFUSED_LOG_MS)
		return;
	for (unsigned r = 0; r < GOSSIP_TRUST_REFUSE_MAX; r++) {
		uint64_t n = ts->refused[r] - t->refused_logged[r];

		if (!n)
			continue;
		t->refused_logged[r] = ts->refused[r];
		if (len < sizeof(text))
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%" PRIu64 " %s",
						len ? ", " : "", n, gossip_trust_refusal_name(r));
	}
	if (len) {
		t->refused_log_ms = now_ms;
		log_info("authority mode refused records or trust objects: %s "
			 "(meshd_trust_refused_total)", text);
	}
	if (ts->losers != t->losers_logged) {
		log_warn("%" PRIu64 " admission(s) lost to earlier spends of the same invite (used "
			 "more often than it allows, maybe in two partitions): refused on every node",
			 ts->losers - t->losers_logged);
		t->losers_logged = ts->losers;
		t->refused_log_ms = now_ms;
	}
}

void authority_house(struct agent *a, uint64_t now_ms)
{
	struct agent_authority *t = &a->auth;
	int64_t wall = agent_wall_s();
	char err[256];

	if (keysched_expire(&a->ks, wall)) {
		log_info("the previous network key is retired: only epoch %" PRIu64 " opens now",
			 a->ks.cur.epoch);
		if (tfile_write_netkeys(a->cfg->state_dir, &a->ks, err, sizeof(err)) != 0)
			log_warn("%s", err);
	}
	if (!t->on || !a->g)
		return;
	gossip_set_unix_time(a->g, (uint64_t)wall, now_ms);
	if (t->trust_dirty && now_ms - t->trust_dirty_ms >= TRUST_SAVE_DEBOUNCE_MS)
		authority_save(a);
	log_refusals(a, now_ms);
	if (authority_expiry_warning(a, wall) &&
	    (!t->expiry_logged_ms || now_ms - t->expiry_logged_ms >= EXPIRY_LOG_EVERY_MS)) {
		char when[64];

		t->expiry_logged_ms = now_ms;
		invite_format_time(when, sizeof(when), trust_admission_expiry(&t->adm));
		if (trust_admission_expiry(&t->adm) <= (uint64_t)wall)
			log_err("our admission expired at %s: every member refuses this node; it "
				"needs a new invite (docs/OPERATIONS.md)", when);
		else
			log_warn("our admission expires at %s: ask the authority for a new invite "
				 "before then (after it, every member refuses this node)", when);
	}
}

/* A device peer kept from before this start must not outlive its revocation. */
void authority_forget_peer(struct agent *a, const uint8_t wg_public[static WIRE_KEY_LEN])
{
	for (size_t i = 0; i < a->n_adopted; i++) {
		if (memcmp(a->adopted[i].public_key, wg_public, WIRE_KEY_LEN) != 0)
			continue;
		a->adopted[i] = a->adopted[--a->n_adopted];
		wg_mark_dirty(a);
		return;
	}
}

static void forget_revoked(void *arg, const struct gossip_trust_obj *o)
{
	uint8_t wg[WIRE_KEY_LEN];

	if (o->kind == GOSSIP_TRUST_REVOCATION && o->u.rev.kind == TRUST_REVOKE_MEMBER &&
	    identity_wg_public(wg, o->u.rev.target) == 0)
		authority_forget_peer(arg, wg);
}

void authority_forget_revoked(struct agent *a)
{
	if (a->auth.on && a->g && a->n_adopted)
		gossip_trust_foreach(a->g, forget_revoked, a);
}

void authority_stop(struct agent *a)
{
	drop_token(a);
	sodium_memzero(&a->auth, sizeof(a->auth));
	keysched_wipe(&a->ks);
}

const char *authority_short(char out[static 17], const uint8_t key[static WIRE_ID_LEN])
{
	short_id(out, key);
	return out;
}
