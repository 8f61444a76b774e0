// SPDX-License-Identifier: MIT
/* Peer files and key files for meshwg. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "wgctl/meshwg.h"

int meshwg_key_from_base64(uint8_t key[static WGCTL_KEY_LEN], const char *s)
{
	size_t n = 0;

	if (strlen(s) != 44 ||
	    sodium_base642bin(key, WGCTL_KEY_LEN, s, 44, NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != WGCTL_KEY_LEN)
		return -EINVAL;
	return 0;
}

void meshwg_key_to_base64(char out[static 45], const uint8_t key[static WGCTL_KEY_LEN])
{
	sodium_bin2base64(out, 45, key, WGCTL_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}

int meshwg_read_key_file(const char *path, uint8_t key[static WGCTL_KEY_LEN], char *err,
			 size_t errlen)
{
	char line[128];
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, " \t\r\n")] = '\0';
	if (meshwg_key_from_base64(key, line) < 0) {
		snprintf(err, errlen, "%s: not a base64 WireGuard key (as `wg genkey` writes)", path);
		ret = -EINVAL;
	}
	sodium_memzero(line, sizeof(line));
	return ret;
}

static int parse_allowed_list(char *s, struct wgctl_peer *p, char *err, size_t errlen)
{
	char *save = NULL;

	if (!strcmp(s, "-"))
		return 0;
	for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (p->n_allowed >= WGCTL_MAX_ALLOWED) {
			snprintf(err, errlen, "more than %d allowed IPs", WGCTL_MAX_ALLOWED);
			return -EINVAL;
		}
		if (wgctl_allowed_parse(tok, &p->allowed[p->n_allowed]) < 0) {
			snprintf(err, errlen, "bad allowed IP \"%s\"", tok);
			return -EINVAL;
		}
		p->n_allowed++;
	}
	return 0;
}

static int parse_line(char *line, struct wgctl_peer *p, char *err, size_t errlen)
{
	char *save = NULL, *f[5];
	int nf = 0;
	char *end;
	unsigned long ka;

	for (char *tok = strtok_r(line, " \t\r\n", &save); tok && nf < 5;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		f[nf++] = tok;
	if (nf < 3 || nf > 4) {
		snprintf(err, errlen, "expected PUBKEY ENDPOINT|- ALLOWED[,...] [KEEPALIVE]");
		return -EINVAL;
	}
	memset(p, 0, sizeof(*p));
	if (meshwg_key_from_base64(p->public_key, f[0]) < 0) {
		snprintf(err, errlen, "bad public key \"%s\"", f[0]);
		return -EINVAL;
	}
	if (strcmp(f[1], "-") != 0 && wgctl_endpoint_parse(f[1], &p->endpoint) < 0) {
		snprintf(err, errlen, "bad endpoint \"%s\"", f[1]);
		return -EINVAL;
	}
	if (parse_allowed_list(f[2], p, err, errlen) < 0)
		return -EINVAL;
	if (nf == 4) {
		errno = 0;
		ka = strtoul(f[3], &end, 10);
		if (errno || *end || f[3][0] == '-' || ka > 65535) {
			snprintf(err, errlen, "bad keepalive \"%s\"", f[3]);
			return -EINVAL;
		}
		p->keepalive = (uint16_t)ka;
	}
	return 0;
}

int meshwg_parse_peers(FILE *f, struct wgctl_peer **peers, size_t *n, char *err, size_t errlen)
{
	struct wgctl_peer *v = NULL, *t;
	size_t cap = 0, count = 0, lineno = 0;
	char line[8192], why[128];
	int ret = 0;

	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "line %zu: too long", lineno);
			ret = -EINVAL;
			goto out;
		}
		line[strcspn(line, "#")] = '\0';
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 256;
			t = realloc(v, cap * sizeof(*v));
			if (!t) {
				ret = -ENOMEM;
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			v = t;
		}
		if (parse_line(line, &v[count], why, sizeof(why)) < 0) {
			snprintf(err, errlen, "line %zu: %s", lineno, why);
			ret = -EINVAL;
			goto out;
		}
		count++;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "read error");
		ret = -EIO;
	}
out:
	if (ret < 0) {
		free(v);
		v = NULL;
		count = 0;
	}
	*peers = v;
	*n = count;
	return ret;
}
