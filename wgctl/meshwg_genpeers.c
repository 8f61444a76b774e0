// SPDX-License-Identifier: MIT
/*
 * `meshwg genpeers N`: a deterministic peer set for tests and benchmarks.
 * Peer i depends only on (seed, i, K), so the first 100 peers of a
 * 1,000-peer file equal a 100-peer file. Keys are real X25519 keys;
 * allowed IPs are distinct host routes (v4 from 100.64.0.0/10, v6 from
 * fd6d:6573:6877::/48, alternating); endpoints lie in 127.0.0.0/8.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sodium.h>

#include "wgctl/meshwg.h"

enum { MAX_PEERS = 1000000 };

struct gen_opts {
	unsigned long n, allowed, keepalive, listen_port;
	uint64_t seed;
	bool wg_conf;
	const char *private_key;
};

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void gen_peer(const struct gen_opts *o, uint64_t i, struct wgctl_peer *p)
{
	uint64_t st = o->seed * 0x100000001b3ULL ^ (i + 1) * 0xd6e8feb86659fd93ULL;
	uint8_t priv[WGCTL_KEY_LEN];
	uint64_t r;

	memset(p, 0, sizeof(*p));
	for (size_t k = 0; k < sizeof(priv); k += 8) {
		r = splitmix64(&st);
		memcpy(priv + k, &r, 8);
	}
	crypto_scalarmult_base(p->public_key, priv);
	r = splitmix64(&st);
	p->endpoint.in.sin_family = AF_INET;
	p->endpoint.in.sin_addr.s_addr = htonl(0x7f000000U | ((uint32_t)r & 0xffffffU) | 1U);
	p->endpoint.in.sin_port = htons((uint16_t)(1024 + (r >> 32) % 64512));
	p->keepalive = (uint16_t)o->keepalive;
	p->n_allowed = o->allowed;
	for (size_t j = 0; j < o->allowed; j++) {
		uint64_t idx = i * o->allowed + j;
		struct wgctl_allowed *a = &p->allowed[j];

		if (j % 2 == 0) {
			a->family = AF_INET;
			a->cidr = 32;
			a->addr.ip4.s_addr = htonl(0x64400000U + 1U + (uint32_t)idx);
		} else {
			static const uint8_t prefix[6] = { 0xfd, 0x6d, 0x65, 0x73, 0x68, 0x77 };

			a->family = AF_INET6;
			a->cidr = 128;
			memcpy(a->addr.ip6.s6_addr, prefix, sizeof(prefix));
			for (int b = 0; b < 8; b++)
				a->addr.ip6.s6_addr[15 - b] = (uint8_t)(idx >> (8 * b));
		}
	}
	sodium_memzero(priv, sizeof(priv));
}

static void print_line(const struct wgctl_peer *p)
{
	char key[45], buf[WGCTL_ADDRSTRLEN];

	meshwg_key_to_base64(key, p->public_key);
	wgctl_endpoint_format(&p->endpoint, buf, sizeof(buf));
	printf("%s %s ", key, buf);
	for (size_t j = 0; j < p->n_allowed; j++) {
		wgctl_allowed_format(&p->allowed[j], buf, sizeof(buf));
		printf("%s%s", j ? "," : "", buf);
	}
	if (p->n_allowed == 0)
		printf("-");
	if (p->keepalive)
		printf(" %u", p->keepalive);
	printf("\n");
}

static void print_conf(const struct wgctl_peer *p)
{
	char key[45], buf[WGCTL_ADDRSTRLEN];

	meshwg_key_to_base64(key, p->public_key);
	wgctl_endpoint_format(&p->endpoint, buf, sizeof(buf));
	printf("[Peer]\nPublicKey = %s\nEndpoint = %s\n", key, buf);
	if (p->n_allowed)
		printf("AllowedIPs = ");
	for (size_t j = 0; j < p->n_allowed; j++) {
		wgctl_allowed_format(&p->allowed[j], buf, sizeof(buf));
		printf("%s%s", j ? ", " : "", buf);
	}
	if (p->n_allowed)
		printf("\n");
	if (p->keepalive)
		printf("PersistentKeepalive = %u\n", p->keepalive);
	printf("\n");
}

static int print_interface(const struct gen_opts *o)
{
	uint8_t key[WGCTL_KEY_LEN];
	char b64[45], err[256];

	if (meshwg_read_key_file(o->private_key, key, err, sizeof(err)) < 0) {
		fprintf(stderr, "meshwg genpeers: %s\n", err);
		return MESHWG_FAIL;
	}
	meshwg_key_to_base64(b64, key);
	printf("[Interface]\nPrivateKey = %s\n", b64);
	if (o->listen_port)
		printf("ListenPort = %lu\n", o->listen_port);
	printf("\n");
	sodium_memzero(key, sizeof(key));
	sodium_memzero(b64, sizeof(b64));
	return MESHWG_OK;
}

static int parse_ul(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return errno || *end || *out > max ? -EINVAL : 0;
}

static int gen_usage(void)
{
	fprintf(stderr, "usage: meshwg genpeers N [--allowed K] [--seed S] [--keepalive SEC]\n"
			"                       [--wg-conf [--private-key FILE] [--listen-port N]]\n");
	return MESHWG_USAGE;
}

int meshwg_genpeers(int argc, char **argv)
{
	struct gen_opts o = { .allowed = 1, .seed = 1 };
	struct wgctl_peer *p;
	unsigned long v;
	int ret = MESHWG_OK;

	if (argc < 1 || parse_ul(argv[0], MAX_PEERS, &o.n) < 0)
		return gen_usage();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--wg-conf")) {
			o.wg_conf = true;
			continue;
		}
		if (!strcmp(a, "--allowed") && parse_ul(val, WGCTL_MAX_ALLOWED, &o.allowed) == 0)
			;
		else if (!strcmp(a, "--seed") && parse_ul(val, ~0UL, &v) == 0)
			o.seed = v;
		else if (!strcmp(a, "--keepalive") && parse_ul(val, 65535, &o.keepalive) == 0)
			;
		else if (!strcmp(a, "--listen-port") && parse_ul(val, 65535, &o.listen_port) == 0)
			;
		else if (!strcmp(a, "--private-key") && val)
			o.private_key = val;
		else
			return gen_usage();
		i++;
	}
	if ((o.private_key || o.listen_port) && !o.wg_conf)
		return gen_usage();
	if (sodium_init() < 0)
		return MESHWG_FAIL;
	if (o.private_key && print_interface(&o) != MESHWG_OK)
		return MESHWG_FAIL;
	p = malloc(sizeof(*p));
	if (!p)
		return MESHWG_FAIL;
	for (unsigned long i = 0; i < o.n; i++) {
		gen_peer(&o, i, p);
		if (o.wg_conf)
			print_conf(p);
		else
			print_line(p);
	}
	free(p);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("meshwg genpeers: stdout");
		ret = MESHWG_FAIL;
	}
	return ret;
}
