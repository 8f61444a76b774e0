/* SPDX-License-Identifier: MIT */
/*
 * The control-socket protocol between meshd and meshctl (after OpenBSD
 * bgpctl): the client sends one request line; the agent answers with a
 * stream of record lines and a final END line carrying the record count
 * (or an ERR line). Every line is
 *
 *     KIND key=value key=value ...\n
 *
 * with values %XX-escaped so they never contain a space, '=', '%', a
 * control character or a non-ASCII byte. Lines are at most CTL_LINE_MAX
 * bytes and carry at most CTL_MAX_PAIRS pairs; the parser fails closed.
 *
 *   members            -> member ... (one per member, self first), END count=N
 *   resolve NAME.DOMAIN -> addr name= family=inet|inet6 ip= (IPv4 first), END count=N
 *                         (count=0: not a member's name in our domain; libnss_meshd)
 *   status             -> status ..., warn ... lines, END count=N
 *   leave              -> END count=0 once the leave has been spread
 *   events             -> event ... lines as they happen (no END until shutdown)
 *   trust-info         -> trust (mode, key epoch, network key, prefix), authority ...,
 *                         seed ..., member ... (id, name, overlay, invite), END
 *                         (the network key: the socket is root's; meshctl invite,
 *                         revoke and rotate-network-key use it)
 *   trust-submit KIND BASE64 -> END count=0, or ERR with the reason it was refused
 *                         (KIND: spend, revocation or grant; verified by the engine)
 *   revocations        -> revocation ... (one per revocation held), END
 */
#ifndef MESHD_AGENT_CTL_PROTO_H
#define MESHD_AGENT_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	CTL_LINE_MAX = 2048,      /* bytes including the newline */
	CTL_REQUEST_MAX = 1024,   /* a trust-submit carries one object in base64 (< 400 bytes) */
	CTL_KIND_MAX = 15,
	CTL_MAX_PAIRS = 32,
};

/* Builds one line in a fixed buffer; any overflow is remembered and reported by end. */
struct ctl_writer {
	char buf[CTL_LINE_MAX];
	size_t len;
	bool overflow;
};

void ctl_w_begin(struct ctl_writer *w, const char *kind);
void ctl_w_str(struct ctl_writer *w, const char *key, const char *value);
void ctl_w_u64(struct ctl_writer *w, const char *key, uint64_t v);
void ctl_w_i64(struct ctl_writer *w, const char *key, int64_t v);
/* Append the newline; returns the line length or -ENOSPC. */
int ctl_w_end(struct ctl_writer *w);

struct ctl_pair {
	const char *key;
	const char *value;
};

struct ctl_line {
	const char *kind;
	size_t n;
	struct ctl_pair pair[CTL_MAX_PAIRS];
};

/*
 * Parse one line in place (the buffer is modified and needs room for
 * len + 1 bytes; a trailing "\n" is accepted). Values are unescaped. Returns 0 or -EINVAL on anything
 * malformed: bad escapes, empty or over-long kind, too many pairs, keys
 * that are not [a-z0-9_.-]+, control bytes.
 */
int ctl_line_parse(char *line, size_t len, struct ctl_line *out);
/* The value of `key`, or NULL. */
const char *ctl_line_get(const struct ctl_line *l, const char *key);

/* Request lines: "command[ arg]" (buffer of len + 1 bytes). 0 or -EINVAL. */
int ctl_request_parse(char *line, size_t len, const char **cmd, const char **arg);

#endif
