/* SPDX-License-Identifier: MIT */
/*
 * meshctl internals: a response is a list of parsed lines; output goes
 * through a small table of functions, text or JSON (as bgpctl does).
 */
#ifndef MESHD_AGENT_MESHCTL_H
#define MESHD_AGENT_MESHCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ctl_proto.h"

struct ctl_reply {
	size_t n;
	char **raw;              /* the line buffers the parsed lines point into */
	struct ctl_line *line;
};

struct meshctl_output {
	void (*members)(FILE *out, const struct ctl_reply *r);
	void (*status)(FILE *out, const struct ctl_reply *r);
	void (*event)(FILE *out, const struct ctl_line *l);
	void (*revocations)(FILE *out, const struct ctl_reply *r);
};

struct meshctl {
	const char *socket;
	const char *ifname;      /* --interface (default wg0) */
	char socket_buf[128];
	const struct meshctl_output *out;
	int fd;
	FILE *in;
};

/* One connection: 0, or -1 with the reason printed. */
int meshctl_connect(struct meshctl *c);
int meshctl_send(struct meshctl *c, const char *request);
void meshctl_close(struct meshctl *c);
/* Connect, send one request, read the whole reply, close: 0 or -1 (printed). */
int meshctl_request(struct meshctl *c, const char *req, struct ctl_reply *r);
void meshctl_reply_free(struct ctl_reply *r);

/* meshctl_trust.c: authority new, invite, revoke, rotate-network-key, join, revocations.
 * argv[0] is the command; returns the exit status. */
int meshctl_trust_main(struct meshctl *c, int argc, char **argv);
bool meshctl_is_trust_command(const char *cmd);
/* meshctl_join.c */
int meshctl_join(struct meshctl *c, int argc, char **argv);

extern const struct meshctl_output meshctl_text;
extern const struct meshctl_output meshctl_json;

#endif
