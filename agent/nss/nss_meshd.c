/* SPDX-License-Identifier: MIT */
/*
 * libnss_meshd.so.2: `hosts: files meshd dns` resolves NAME.DOMAIN to a
 * member's overlay addresses by asking the local agents (issue 14).
 *
 * Each lookup connects to the names sockets in MESHD_NSS_SOCKET_DIR
 * (/run/meshd/IFACE.names.sock, one per agent: mode 0666, resolve only,
 * so every user's lookups work), sends `resolve NAME`, and reads
 * `addr ... family=inet|inet6 ip=...` lines up to END (ctl_proto.h). The
 * agent decides whether NAME is in its domain, so this module holds no
 * configuration. Blocking, with a short deadline per agent; no state
 * outside the call (thread-safe); no libevent, no allocation.
 *
 * Status: SUCCESS with addresses; NOTFOUND when an agent answered and no
 * agent knows the name (or it has no address of the family asked);
 * UNAVAIL when no agent answered (none running), so the next source
 * (dns) is asked at once.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <nss.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "nss_meshd.h"

#ifdef MESHD_NSS_TEST
extern char nss_meshd_test_dir[];   /* the unit test's socket directory */
#define MESHD_NSS_SOCKET_DIR nss_meshd_test_dir
#endif
#ifndef MESHD_NSS_SOCKET_DIR
#define MESHD_NSS_SOCKET_DIR "/run/meshd"
#endif
#define NAMES_SUFFIX ".names.sock"

enum {
	/*
	 * Per agent. A healthy one answers in well under 1 ms, but its loop
	 * can be busy for a moment: on a loaded host (load 18 on 2 cores) one
	 * lookup in 1,000 in e2e_names6 went past a 250 ms deadline. A
	 * stopped agent costs nothing: connect fails at once.
	 */
	NSS_MESHD_TIMEOUT_MS = 1000,
	NSS_MESHD_AGENTS_MAX = 8,     /* sockets tried per lookup */
	NSS_MESHD_NAME_MAX = 253,
	NAMES_SUFFIX_LEN = sizeof(".names.sock") - 1,
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready for `events` until the deadline. 0 or -ETIMEDOUT/-errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int64_t left = deadline - mono_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/* The value of " key=" in one line (values of IPs need no unescaping), copied to out. */
static bool line_value(const char *line, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);

	for (const char *p = strchr(line, ' '); p; p = strchr(p + 1, ' ')) {
		size_t n;

		if (strncmp(p + 1, key, kl) != 0 || p[1 + kl] != '=')
			continue;
		p += kl + 2;
		n = strcspn(p, " \n");
		if (n >= len)
			return false;
		memcpy(out, p, n);
		out[n] = '\0';
		return true;
	}
	return false;
}

static void parse_addr(const char *line, struct nss_meshd_result *res)
{
	char fam[8], ip[INET6_ADDRSTRLEN];
	struct nss_meshd_addr *a;

	if (res->n >= NSS_MESHD_ADDRS_MAX || !line_value(line, "family", fam, sizeof(fam)) ||
	    !line_value(line, "ip", ip, sizeof(ip)))
		return;
	a = &res->addr[res->n];
	a->family = strcmp(fam, "inet6") == 0 ? AF_INET6 : strcmp(fam, "inet") == 0 ? AF_INET : 0;
	if (a->family && inet_pton(a->family, ip, a->ip) == 1)
		res->n++;
}

int nss_meshd_parse(char *buf, size_t *have, struct nss_meshd_result *res)
{
	char *nl;

	/* Whole lines: addr lines are taken, END finishes, anything else is no answer. */
	while ((nl = memchr(buf, '\n', *have))) {
		*nl = '\0';
		if (strncmp(buf, "END", 3) == 0 && (buf[3] == ' ' || buf[3] == '\0'))
			return 1;
		if (strncmp(buf, "addr ", 5) != 0)
			return -1;
		parse_addr(buf, res);
		*have -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, *have);
	}
	return *have >= NSS_MESHD_REPLY_MAX ? -1 : 0;
}

/* One agent: 1 answered (res filled, maybe empty), 0 no answer. */
static int ask(const char *path, const char *name, struct nss_meshd_result *res)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char req[NSS_MESHD_NAME_MAX + 16], buf[NSS_MESHD_REPLY_MAX + 1];
	int64_t deadline = mono_ms() + NSS_MESHD_TIMEOUT_MS;
	size_t have = 0, reqlen;
	int fd, ok = 0;

	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	strcpy(sun.sun_path, path);
	reqlen = (size_t)snprintf(req, sizeof(req), "resolve %s\n", name);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 &&
	    (errno != EAGAIN || wait_fd(fd, POLLOUT, deadline) != 0))
		goto out;
	for (size_t sent = 0; sent < reqlen;) {
		ssize_t w = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL);

		if (w > 0)
			sent += (size_t)w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR)
			goto out;
		else if (wait_fd(fd, POLLOUT, deadline) != 0)
			goto out;
	}
	for (;;) {
		int p = nss_meshd_parse(buf, &have, res);
		ssize_t r;

		if (p) {
			ok = p > 0;
			goto out;
		}
		r = recv(fd, buf + have, NSS_MESHD_REPLY_MAX - have, 0);
		if (r > 0)
			have += (size_t)r;
		else if (r == 0 || (errno != EAGAIN && errno != EINTR))
			goto out;
		else if (wait_fd(fd, POLLIN, deadline) != 0)
			goto out;
	}
out:
	close(fd);
	return ok;
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > NSS_MESHD_NAME_MAX || !strchr(name, '.'))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] <= 0x20 || (unsigned char)name[i] >= 0x7f)
			return false;
	return true;
}

enum nss_status nss_meshd_query(const char *dir, const char *name, struct nss_meshd_result *res)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct dirent *e;
	int answered = 0, tried = 0;
	DIR *d;

	memset(res, 0, sizeof(*res));
	if (!name_ok(name))
		return NSS_STATUS_NOTFOUND;
	d = opendir(dir);
	if (!d)
		return NSS_STATUS_UNAVAIL;
	while ((e = readdir(d)) && tried < NSS_MESHD_AGENTS_MAX && !res->n) {
		size_t n = strlen(e->d_name);

		if (n <= NAMES_SUFFIX_LEN || e->d_name[0] == '.' ||
		    strcmp(e->d_name + n - NAMES_SUFFIX_LEN, NAMES_SUFFIX) != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		tried++;
		answered += ask(path, name, res);
	}
	closedir(d);
	if (res->n)
		return NSS_STATUS_SUCCESS;
	return answered ? NSS_STATUS_NOTFOUND : NSS_STATUS_UNAVAIL;
}

static enum nss_status lookup(const char *name, struct nss_meshd_result *res, int *errnop,
			      int *h_errnop)
{
	enum nss_status s = nss_meshd_query(MESHD_NSS_SOCKET_DIR, name, res);

	if (s == NSS_STATUS_NOTFOUND) {
		*errnop = ENOENT;
		*h_errnop = HOST_NOT_FOUND;
	} else if (s == NSS_STATUS_UNAVAIL) {
		*errnop = ENOENT;
		*h_errnop = NO_RECOVERY;
	}
	return s;
}

static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* Take `len` bytes aligned for pointers from the caller's buffer, or NULL. */
static void *take(char **p, size_t *left, size_t len)
{
	size_t pad = (size_t)(-(uintptr_t)*p & (sizeof(void *) - 1));
	void *r;

	if (*left < pad + len)
		return NULL;
	r = *p + pad;
	*p += pad + len;
	*left -= pad + len;
	return r;
}

enum nss_status _nss_meshd_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
					    char *buffer, size_t buflen, int *errnop,
					    int *h_errnop, int32_t *ttlp);
enum nss_status _nss_meshd_gethostbyname3_r(const char *name, int af, struct hostent *host,
					    char *buffer, size_t buflen, int *errnop,
					    int *h_errnop, int32_t *ttlp, char **canonp);
enum nss_status _nss_meshd_gethostbyname2_r(const char *name, int af, struct hostent *host,
					    char *buffer, size_t buflen, int *errnop,
					    int *h_errnop);
enum nss_status _nss_meshd_gethostbyname_r(const char *name, struct hostent *host, char *buffer,
					   size_t buflen, int *errnop, int *h_errnop);

/* getaddrinfo: every address, IPv4 first. */
enum nss_status _nss_meshd_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
					    char *buffer, size_t buflen, int *errnop,
					    int *h_errnop, int32_t *ttlp)
{
	struct nss_meshd_result res;
	enum nss_status s = lookup(name, &res, errnop, h_errnop);
	struct gaih_addrtuple *prev = NULL;
	char *p = buffer, *nm;
	size_t left = buflen;

	if (s != NSS_STATUS_SUCCESS)
		return s;
	nm = take(&p, &left, strlen(name) + 1);
	if (!nm)
		goto erange;
	strcpy(nm, name);
	for (size_t i = 0; i < res.n; i++) {
		struct gaih_addrtuple *t = take(&p, &left, sizeof(*t));

		if (!t)
			goto erange;
		memset(t, 0, sizeof(*t));
		t->name = i == 0 ? nm : NULL;
		t->family = res.addr[i].family;
		memcpy(t->addr, res.addr[i].ip, addr_len(t->family));
		if (prev)
			prev->next = t;
		else
			*pat = t;
		prev = t;
	}
	if (ttlp)
		*ttlp = 0;
	return NSS_STATUS_SUCCESS;
erange:
	*errnop = ERANGE;
	*h_errnop = NETDB_INTERNAL;
	return NSS_STATUS_TRYAGAIN;
}

enum nss_status _nss_meshd_gethostbyname3_r(const char *name, int af, struct hostent *host,
					    char *buffer, size_t buflen, int *errnop,
					    int *h_errnop, int32_t *ttlp, char **canonp)
{
	struct nss_meshd_result res;
	enum nss_status s;
	char *p = buffer, *nm, **aliases, **list;
	size_t left = buflen, n = 0, k = 0;

	if (af != AF_INET && af != AF_INET6) {
		*errnop = EAFNOSUPPORT;
		*h_errnop = NO_RECOVERY;
		return NSS_STATUS_UNAVAIL;
	}
	s = lookup(name, &res, errnop, h_errnop);
	if (s != NSS_STATUS_SUCCESS)
		return s;
	for (size_t i = 0; i < res.n; i++)
		n += res.addr[i].family == af;
	if (!n) {
		/* The member exists, without an address of this family. */
		*errnop = ENOENT;
		*h_errnop = NO_DATA;
		return NSS_STATUS_NOTFOUND;
	}
	nm = take(&p, &left, strlen(name) + 1);
	aliases = take(&p, &left, sizeof(char *));
	list = take(&p, &left, (n + 1) * sizeof(char *));
	if (!nm || !aliases || !list)
		goto erange;
	strcpy(nm, name);
	aliases[0] = NULL;
	for (size_t i = 0; i < res.n; i++) {
		char *a;

		if (res.addr[i].family != af)
			continue;
		if (!(a = take(&p, &left, addr_len(af))))
			goto erange;
		memcpy(a, res.addr[i].ip, addr_len(af));
		list[k++] = a;
	}
	list[k] = NULL;
	host->h_name = nm;
	host->h_aliases = aliases;
	host->h_addrtype = af;
	host->h_length = (int)addr_len(af);
	host->h_addr_list = list;
	if (ttlp)
		*ttlp = 0;
	if (canonp)
		*canonp = nm;
	return NSS_STATUS_SUCCESS;
erange:
	*errnop = ERANGE;
	*h_errnop = NETDB_INTERNAL;
	return NSS_STATUS_TRYAGAIN;
}

enum nss_status _nss_meshd_gethostbyname2_r(const char *name, int af, struct hostent *host,
					    char *buffer, size_t buflen, int *errnop,
					    int *h_errnop)
{
	return _nss_meshd_gethostbyname3_r(name, af, host, buffer, buflen, errnop, h_errnop, NULL,
					   NULL);
}

enum nss_status _nss_meshd_gethostbyname_r(const char *name, struct hostent *host, char *buffer,
					   size_t buflen, int *errnop, int *h_errnop)
{
	return _nss_meshd_gethostbyname3_r(name, AF_INET, host, buffer, buflen, errnop, h_errnop,
					   NULL, NULL);
}
