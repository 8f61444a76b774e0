/* SPDX-License-Identifier: MIT */
/*
 * meshctl: talks to a running meshd over its control socket, or (for
 * network-key) needs no agent at all. One function per command, found
 * through a table.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "keyfile.h"
#include "meshctl.h"

/*
 * A members reply is one line per member, and meshd holds at most
 * --max-members (CONFIG_MEMBERS_MAX at most): any table meshd can hold
 * fits, with room for status and warning lines. (Was a flat 100,000, so
 * a larger table made `meshctl members` fail.)
 */
enum { REPLY_MAX_LINES = CONFIG_MEMBERS_MAX + 1024, REPLY_TIMEOUT_S = 15 };


static void usage(FILE *f)
{
	fprintf(f,
		"usage: meshctl [--socket PATH | --interface NAME] COMMAND [--json]\n"
		"\n"
		"commands:\n"
		"  members        list members: name, overlay IP, endpoint, status,\n"
		"                 last WireGuard handshake, short public key\n"
		"  status         this node: interface, key, address, backend, counts, uptime\n"
		"  events         stream membership changes as they happen (Ctrl-C to stop)\n"
		"  leave          leave the mesh gracefully; the agent then exits\n"
		"  network-key    print a new random network key (needs no agent)\n"
		"  revocations    list the revocations this agent holds (authority mode)\n"
		"\n"
		"authority mode (see `meshctl COMMAND --help`):\n"
		"  authority new --out FILE      create an authority key, print its public key\n"
		"  invite --authority-key FILE --expires DURATION [...]   print an invite token\n"
		"  revoke --authority-key FILE NAME|ID   revoke a member (then rotate the key)\n"
		"  revoke --authority-key FILE --invite INVITE-ID   revoke an invite\n"
		"  rotate-network-key --authority-key FILE   give every member a new network key\n"
		"  join TOKEN|@FILE [--config FILE] [--state-dir DIR]   set this host up to join\n"
		"\n"
		"options:\n"
		"  --socket PATH     control socket (default /run/meshd/IF.sock)\n"
		"  --interface NAME  interface whose agent to ask (default wg0)\n"
		"  --json            machine-readable output\n"
		"  --help            this text\n");
}

int meshctl_connect(struct meshctl *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };

	if (strlen(c->socket) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "meshctl: socket path too long: %s\n", c->socket);
		return -1;
	}
	strcpy(sun.sun_path, c->socket);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		fprintf(stderr, "meshctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;
		const char *hint = "";

		if (e == ENOENT)
			hint = " (is meshd running for this interface? use --socket or --interface)";
		else if (e == ECONNREFUSED)
			hint = " (no agent is listening: meshd is not running, stale socket)";
		else if (e == EACCES || e == EPERM)
			hint = " (the socket is only for root: run meshctl as root)";
		fprintf(stderr, "meshctl: cannot connect to meshd at %s: %s%s\n", c->socket,
			strerror(e), hint);
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->in = fdopen(c->fd, "r");
	if (!c->in) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

int meshctl_send(struct meshctl *c, const char *request)
{
	size_t n = strlen(request);

	if (write(c->fd, request, n) != (ssize_t)n || write(c->fd, "\n", 1) != 1) {
		fprintf(stderr, "meshctl: sending to %s: %s\n", c->socket, strerror(errno));
		return -1;
	}
	return 0;
}

/* One line into a fresh buffer: 1, 0 at EOF, -1 on error (message printed). */
static int read_line(struct meshctl *c, char **out, size_t *len)
{
	char buf[CTL_LINE_MAX + 2];

	if (!fgets(buf, sizeof(buf), c->in)) {
		if (ferror(c->in)) {
			fprintf(stderr, "meshctl: reading from %s: %s\n", c->socket,
				errno == EAGAIN ? "timed out" : strerror(errno));
			return -1;
		}
		return 0;
	}
	*len = strlen(buf);
	if (*len == 0 || buf[*len - 1] != '\n') {
		fprintf(stderr, "meshctl: malformed reply from %s (line too long or cut)\n", c->socket);
		return -1;
	}
	if (!(*out = malloc(*len + 1)))
		return -1;
	memcpy(*out, buf, *len + 1);
	return 1;
}

void meshctl_reply_free(struct ctl_reply *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->raw[i]);
	free(r->raw);
	free(r->line);
	memset(r, 0, sizeof(*r));
}

/* Read record lines up to END; ERR is printed. 0 or -1. */
static int read_reply(struct meshctl *c, struct ctl_reply *r)
{
	size_t cap = 0;

	memset(r, 0, sizeof(*r));
	for (;;) {
		struct ctl_line l;
		const char *count;
		bool ok;
		char *raw;
		size_t len;
		int k = read_line(c, &raw, &len);

		if (k <= 0) {
			if (k == 0)
				fprintf(stderr, "meshctl: meshd closed the connection before the end "
					"of its reply\n");
			goto fail;
		}
		if (ctl_line_parse(raw, len, &l) != 0) {
			fprintf(stderr, "meshctl: malformed reply line from %s\n", c->socket);
			free(raw);
			goto fail;
		}
		if (strcmp(l.kind, "ERR") == 0) {
			const char *msg = ctl_line_get(&l, "msg");

			fprintf(stderr, "meshctl: meshd: %s\n", msg ? msg : "error");
			free(raw);
			goto fail;
		}
		if (strcmp(l.kind, "END") == 0) {
			count = ctl_line_get(&l, "count");
			ok = count && strtoull(count, NULL, 10) == r->n;
			free(raw);
			if (!ok) {
				fprintf(stderr, "meshctl: reply from %s is incomplete\n", c->socket);
				goto fail;
			}
			return 0;
		}
		if (r->n == REPLY_MAX_LINES) {
			free(raw);
			fprintf(stderr, "meshctl: reply too long\n");
			goto fail;
		}
		if (r->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nraw = realloc(r->raw, ncap * sizeof(*nraw));
			struct ctl_line *nline;

			if (nraw)
				r->raw = nraw;
			nline = nraw ? realloc(r->line, ncap * sizeof(*nline)) : NULL;
			if (!nline) {
				free(raw);
				goto fail;
			}
			r->line = nline;
			cap = ncap;
		}
		r->raw[r->n] = raw;
		r->line[r->n] = l;
		r->n++;
	}
fail:
	meshctl_reply_free(r);
	return -1;
}

int meshctl_request(struct meshctl *c, const char *req, struct ctl_reply *r)
{
	int rc;

	if (meshctl_connect(c) || meshctl_send(c, req)) {
		meshctl_close(c);
		return -1;
	}
	rc = read_reply(c, r);
	meshctl_close(c);
	return rc;
}

void meshctl_close(struct meshctl *c)
{
	if (c->in)
		fclose(c->in);
	else if (c->fd >= 0)
		close(c->fd);
	c->in = NULL;
	c->fd = -1;
}

static int simple_request(struct meshctl *c, const char *req,
			  void (*show)(FILE *, const struct ctl_reply *))
{
	struct ctl_reply r;

	if (meshctl_connect(c) || meshctl_send(c, req) || read_reply(c, &r))
		return 1;
	show(stdout, &r);
	meshctl_reply_free(&r);
	return 0;
}

static int cmd_members(struct meshctl *c)
{
	return simple_request(c, "members", c->out->members);
}

static int cmd_status(struct meshctl *c)
{
	return simple_request(c, "status", c->out->status);
}

static int cmd_leave(struct meshctl *c)
{
	struct ctl_reply r;

	if (meshctl_connect(c) || meshctl_send(c, "leave") || read_reply(c, &r))
		return 1;
	meshctl_reply_free(&r);
	fprintf(stdout, "left the mesh; meshd is shutting down\n");
	return 0;
}

static int cmd_events(struct meshctl *c)
{
	struct timeval none = { 0 };

	if (meshctl_connect(c) || meshctl_send(c, "events"))
		return 1;
	/* A quiet mesh sends nothing for hours: no read timeout here. */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	for (;;) {
		struct ctl_line l;
		char *raw;
		size_t len;
		int k = read_line(c, &raw, &len);

		if (k <= 0)
			return k == 0 ? (fprintf(stderr, "meshctl: meshd closed the stream\n"), 1) : 1;
		if (ctl_line_parse(raw, len, &l) != 0) {
			fprintf(stderr, "meshctl: malformed event line\n");
			free(raw);
			return 1;
		}
		if (strcmp(l.kind, "END") == 0) {
			free(raw);
			fprintf(stderr, "meshctl: meshd is shutting down\n");
			return 0;
		}
		if (strcmp(l.kind, "event") == 0) {
			c->out->event(stdout, &l);
		} else if (strcmp(l.kind, "dropped") == 0) {
			const char *n = ctl_line_get(&l, "count");

			/* Not silent: the reader fell behind and lost this many events. */
			fprintf(stderr, "meshctl: %s event(s) dropped: this reader was too slow\n",
				n ? n : "some");
			fflush(stdout);
		}
		free(raw);
	}
}

static int cmd_network_key(struct meshctl *c)
{
	uint8_t key[KEYFILE_KEY_LEN];
	char text[45];

	(void)c;
	if (sodium_init() < 0) {
		fprintf(stderr, "meshctl: libsodium failed to initialise\n");
		return 1;
	}
	randombytes_buf(key, sizeof(key));
	keyfile_encode(text, key);
	sodium_memzero(key, sizeof(key));
	printf("%s\n", text);
	sodium_memzero(text, sizeof(text));
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct meshctl *c);
} commands[] = {
	{ "members", cmd_members },
	{ "status", cmd_status },
	{ "events", cmd_events },
	{ "monitor", cmd_events },
	{ "leave", cmd_leave },
	{ "network-key", cmd_network_key },
};

/* The first word that is not an option or an option's value; -1 if none. */
static int command_index(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "-i") == 0 ||
		    strcmp(argv[i], "--socket") == 0 || strcmp(argv[i], "--interface") == 0) {
			i++;
			continue;
		}
		if (argv[i][0] != '-')
			return i;
	}
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "interface", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct meshctl c = { .socket = NULL, .out = &meshctl_text, .fd = -1 };
	const char *ifname = "wg0";
	int opt;

	int cmd_at, nglobal = argc;

	signal(SIGPIPE, SIG_IGN);
	/*
	 * The authority commands have options of their own: the global ones
	 * are those before the command word, the rest is the command's.
	 */
	cmd_at = command_index(argc, argv);
	if (cmd_at > 0 && meshctl_is_trust_command(argv[cmd_at]))
		nglobal = cmd_at;
	/* Permute (GNU default) so `members --json` and `--json members` both work. */
	while ((opt = getopt_long(nglobal, argv, "s:i:jh", lo, NULL)) != -1) {
		switch (opt) {
		case 's': c.socket = optarg; break;
		case 'i': ifname = optarg; break;
		case 'j': c.out = &meshctl_json; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (nglobal == argc && optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	c.ifname = ifname;
	if (!c.socket) {
		if (strlen(ifname) > 15 || strchr(ifname, '/')) {
			fprintf(stderr, "meshctl: bad interface name '%s'\n", ifname);
			return 2;
		}
		snprintf(c.socket_buf, sizeof(c.socket_buf), "/run/meshd/%s.sock", ifname);
		c.socket = c.socket_buf;
	}
	if (nglobal != argc) {
		int rc = meshctl_trust_main(&c, argc - cmd_at, argv + cmd_at);

		meshctl_close(&c);
		return rc;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			int rc = commands[i].fn(&c);

			if (c.in)
				fclose(c.in);
			return rc;
		}
	}
	fprintf(stderr, "meshctl: unknown command '%s' (see --help)\n", argv[optind]);
	return 2;
}
