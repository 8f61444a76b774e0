// SPDX-License-Identifier: MIT
/*
 * meshwg: drive wgctl alone from the command line, for tests and
 * benchmarks. The CLI is a contract (tests/netns, tests/vm); extend it,
 * don't change it. Exit: 0 ok, 1 runtime error (cause on stderr), 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sodium.h>

#include "wgctl/meshwg.h"

struct globals {
	enum wgctl_backend_kind kind;
	bool no_spawn;
};

static int usage(void)
{
	fprintf(stderr,
		"usage: meshwg [--backend auto|kernel|userspace|none] [--no-spawn] COMMAND ...\n"
		"  setup IFNAME --private-key FILE [--listen-port N] [--address CIDR] [--mtu N]\n"
		"  apply IFNAME [--keep-endpoint] PEERFILE [PEERFILE...]\n"
		"        PEERFILE lines: PUBKEY ENDPOINT|- ALLOWED[,ALLOWED...]|- [KEEPALIVE]\n"
		"  dump IFNAME [--time]           (as `wg show IFNAME dump`)\n"
		"  destroy IFNAME\n"
		"  genpeers N [--allowed K] [--seed S] [--keepalive SEC]\n"
		"             [--wg-conf [--private-key FILE] [--listen-port N]]\n");
	return MESHWG_USAGE;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int open_dev(const struct globals *g, const char *ifname, struct wgctl **w)
{
	char err[512];

	if (wgctl_open(w, g->kind, ifname, err, sizeof(err)) < 0) {
		fprintf(stderr, "meshwg: %s\n", err);
		return MESHWG_FAIL;
	}
	/* The tool may start wireguard-go; the library only does when told. */
	if (!g->no_spawn && wgctl_set_spawn(*w, "wireguard-go") < 0) {
		wgctl_close(*w);
		return MESHWG_FAIL;
	}
	return MESHWG_OK;
}

static int fail(struct wgctl *w, const char *err)
{
	fprintf(stderr, "meshwg: %s\n", err);
	wgctl_close(w);
	return MESHWG_FAIL;
}

static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out > max ? -EINVAL : 0;
}

static int parse_address(const char *s, struct wgctl_device_conf *c)
{
	struct wgctl_allowed a;

	if (wgctl_allowed_parse(s, &a) < 0)
		return -EINVAL;
	c->addr_family = a.family;
	c->addr_cidr = a.cidr;
	memcpy(&c->addr, &a.addr, sizeof(c->addr));
	return 0;
}

static int cmd_setup(const struct globals *g, int argc, char **argv)
{
	struct wgctl_device_conf c = { 0 };
	const char *keyfile = NULL;
	struct wgctl *w;
	unsigned long v;
	char err[512];
	int ret;

	if (argc < 1)
		return usage();
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--private-key") && val)
			keyfile = val;
		else if (!strcmp(a, "--listen-port") && parse_num(val, 65535, &v) == 0)
			c.listen_port = (uint16_t)v;
		else if (!strcmp(a, "--mtu") && parse_num(val, 65535, &v) == 0 && v > 0)
			c.mtu = (uint32_t)v;
		else if (!strcmp(a, "--address") && val && parse_address(val, &c) == 0)
			;
		else
			return usage();
	}
	if (!keyfile)
		return usage();
	if (strlen(argv[0]) >= sizeof(c.ifname)) {
		fprintf(stderr, "meshwg: interface name too long: %s\n", argv[0]);
		return MESHWG_FAIL;
	}
	memcpy(c.ifname, argv[0], strlen(argv[0]) + 1);
	if (sodium_init() < 0 || meshwg_read_key_file(keyfile, c.private_key, err, sizeof(err)) < 0) {
		fprintf(stderr, "meshwg: %s\n", err);
		return MESHWG_FAIL;
	}
	if (open_dev(g, argv[0], &w) != MESHWG_OK) {
		sodium_memzero(&c, sizeof(c));
		return MESHWG_FAIL;
	}
	ret = wgctl_setup(w, &c, err, sizeof(err));
	sodium_memzero(&c, sizeof(c));
	if (ret < 0)
		return fail(w, err);
	wgctl_close(w);
	return MESHWG_OK;
}

static int load_peers(const char *path, struct wgctl_peer **peers, size_t *n)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char err[256];
	int ret;

	if (!f) {
		fprintf(stderr, "meshwg: %s: %s\n", path, strerror(errno));
		return MESHWG_FAIL;
	}
	ret = meshwg_parse_peers(f, peers, n, err, sizeof(err));
	if (f != stdin)
		fclose(f);
	if (ret < 0) {
		fprintf(stderr, "meshwg: %s: %s\n", path, err);
		return MESHWG_FAIL;
	}
	return MESHWG_OK;
}

/* Several files apply in turn on one handle: the later ones show the
 * cost of a change against the handle's cached view, as the agent sees. */
static int cmd_apply(const struct globals *g, int argc, char **argv)
{
	struct wgctl_peer *peers;
	struct wgctl *w;
	size_t n, changed;
	char err[512];
	bool keep = false;
	int first = 1, ret;
	double t0;

	if (argc >= 2 && !strcmp(argv[1], "--keep-endpoint")) {
		keep = true;
		first = 2;
	}
	if (argc < first + 1)
		return usage();
	if (open_dev(g, argv[0], &w) != MESHWG_OK)
		return MESHWG_FAIL;
	wgctl_set_keep_endpoint(w, keep);
	for (int i = first; i < argc; i++) {
		if (load_peers(argv[i], &peers, &n) != MESHWG_OK) {
			wgctl_close(w);
			return MESHWG_FAIL;
		}
		t0 = now_ms();
		ret = wgctl_apply(w, peers, n, &changed, err, sizeof(err));
		t0 = now_ms() - t0;
		free(peers);
		if (ret < 0)
			return fail(w, err);
		printf("changed=%zu peers=%zu apply_ms=%.3f\n", changed, n, t0);
		fflush(stdout);
	}
	wgctl_close(w);
	return MESHWG_OK;
}

static const char *maybe_key(const uint8_t *key, bool has, char buf[static 45])
{
	if (!has)
		return "(none)";
	meshwg_key_to_base64(buf, key);
	return buf;
}

/* Append s to a line buffer of WGCTL_MAX_ALLOWED prefixes' worth. */
struct line {
	char b[96 + WGCTL_MAX_ALLOWED * WGCTL_ADDRSTRLEN + 128];
	size_t n;
};

static void put(struct line *l, const char *s, char sep)
{
	size_t len = strlen(s);

	if (l->n + len + 2 > sizeof(l->b))
		return;
	memcpy(l->b + l->n, s, len);
	l->n += len;
	if (sep)
		l->b[l->n++] = sep;
}

/* The format of `wg show IFNAME dump`, so the two can be diffed. A line
 * is built by hand: a thousand peers through printf cost more than the
 * netlink dump itself under emulation. */
static void print_peer(const struct wgctl_peer *p)
{
	static struct line l;
	char buf[WGCTL_ADDRSTRLEN], num[3][24];

	l.n = 0;
	meshwg_key_to_base64(buf, p->public_key);
	put(&l, buf, '\t');
	put(&l, "(none)", '\t');
	wgctl_endpoint_format(&p->endpoint, buf, sizeof(buf));
	put(&l, buf, '\t');
	for (size_t j = 0; j < p->n_allowed; j++) {
		wgctl_allowed_format(&p->allowed[j], buf, sizeof(buf));
		put(&l, buf, j + 1 < p->n_allowed ? ',' : '\t');
	}
	if (p->n_allowed == 0)
		put(&l, "(none)", '\t');
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)p->last_handshake);
	snprintf(num[1], sizeof(num[1]), "%llu", (unsigned long long)p->rx_bytes);
	snprintf(num[2], sizeof(num[2]), "%llu", (unsigned long long)p->tx_bytes);
	for (int i = 0; i < 3; i++)
		put(&l, num[i], '\t');
	if (p->keepalive)
		snprintf(buf, sizeof(buf), "%u", p->keepalive);
	put(&l, p->keepalive ? buf : "off", '\n');
	fwrite(l.b, 1, l.n, stdout);
}

static void print_dump(const struct wgctl_device *d)
{
	char k1[45], k2[45];

	printf("%s\t", maybe_key(d->private_key, d->has_private_key, k1));
	printf("%s\t", maybe_key(d->public_key, d->has_private_key, k2));
	printf("%u\t", d->listen_port);
	if (d->fwmark)
		printf("0x%x\n", d->fwmark);
	else
		printf("off\n");
	sodium_memzero(k1, sizeof(k1));
	for (size_t i = 0; i < d->n_peers; i++)
		print_peer(&d->peers[i]);
}

static int cmd_dump(const struct globals *g, int argc, char **argv)
{
	struct wgctl_device d;
	const char *ifname = NULL;
	bool timed = false;
	struct wgctl *w;
	char err[512];
	double t0;
	int ret;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--time"))
			timed = true;
		else if (!ifname)
			ifname = argv[i];
		else
			return usage();
	}
	if (!ifname)
		return usage();
	if (open_dev(g, ifname, &w) != MESHWG_OK)
		return MESHWG_FAIL;
	t0 = now_ms();
	ret = wgctl_get(w, &d, err, sizeof(err));
	t0 = now_ms() - t0;
	if (ret < 0)
		return fail(w, err);
	print_dump(&d);
	wgctl_device_free(&d);
	wgctl_close(w);
	if (timed)
		fprintf(stderr, "dump_ms=%.3f\n", t0);
	if (fflush(stdout) != 0) {
		perror("meshwg: stdout");
		return MESHWG_FAIL;
	}
	return MESHWG_OK;
}

static int cmd_destroy(const struct globals *g, int argc, char **argv)
{
	struct wgctl *w;
	char err[512];

	if (argc != 1)
		return usage();
	if (open_dev(g, argv[0], &w) != MESHWG_OK)
		return MESHWG_FAIL;
	if (wgctl_destroy(w, err, sizeof(err)) < 0)
		return fail(w, err);
	wgctl_close(w);
	return MESHWG_OK;
}

int main(int argc, char **argv)
{
	struct globals g = { WGCTL_AUTO, false };
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
			if (wgctl_parse_kind(argv[++i], &g.kind) < 0)
				return usage();
		} else if (!strcmp(argv[i], "--no-spawn")) {
			g.no_spawn = true;
		} else {
			return usage();
		}
	}
	if (i >= argc)
		return usage();
	if (!strcmp(argv[i], "setup"))
		return cmd_setup(&g, argc - i - 1, argv + i + 1);
	if (!strcmp(argv[i], "apply"))
		return cmd_apply(&g, argc - i - 1, argv + i + 1);
	if (!strcmp(argv[i], "dump"))
		return cmd_dump(&g, argc - i - 1, argv + i + 1);
	if (!strcmp(argv[i], "destroy"))
		return cmd_destroy(&g, argc - i - 1, argv + i + 1);
	if (!strcmp(argv[i], "genpeers"))
		return meshwg_genpeers(argc - i - 1, argv + i + 1);
	return usage();
}
