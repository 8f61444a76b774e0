/* SPDX-License-Identifier: MIT */
/*
 * libnss_meshd against a scripted agent on a socket in a temporary
 * directory: answers, "no such name", no agent, a hung agent (UNAVAIL
 * within the deadline), a refusal, and the hostent/gaih buffers.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "nss/nss_meshd.h"

char nss_meshd_test_dir[64];

enum nss_status _nss_meshd_gethostbyname3_r(const char *name, int af, struct hostent *host,
					    char *buffer, size_t buflen, int *errnop,
					    int *h_errnop, int32_t *ttlp, char **canonp);
enum nss_status _nss_meshd_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
					    char *buffer, size_t buflen, int *errnop,
					    int *h_errnop, int32_t *ttlp);

struct agent_script {
	int lfd;
	const char *reply;      /* NULL: accept, read, never answer */
	char request[256];
};

static void *agent_thread(void *arg)
{
	struct agent_script *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, s->request, sizeof(s->request) - 1);
	s->request[n > 0 ? n : 0] = '\0';
	if (s->reply)
		assert_true(write(fd, s->reply, strlen(s->reply)) == (ssize_t)strlen(s->reply));
	else
		sleep(4);   /* well past the 1 s deadline */
	close(fd);
	return NULL;
}

static void start_agent(struct agent_script *s, pthread_t *t, const char *reply)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(s, 0, sizeof(*s));
	s->reply = reply;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/wg0.names.sock", nss_meshd_test_dir);
	unlink(sun.sun_path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(pthread_create(t, NULL, agent_thread, s), 0);
}

static void stop_agent(struct agent_script *s, pthread_t t)
{
	char path[128];

	pthread_join(t, NULL);
	close(s->lfd);
	snprintf(path, sizeof(path), "%s/wg0.names.sock", nss_meshd_test_dir);
	unlink(path);
}

static int setup(void **state)
{
	(void)state;
	strcpy(nss_meshd_test_dir, "/tmp/meshd-nss-test.XXXXXX");
	return mkdtemp(nss_meshd_test_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(nss_meshd_test_dir);
}

static const char two[] = "addr name=db1 family=inet ip=10.42.0.7\n"
			  "addr name=db1 family=inet6 ip=fd00:42::7\nEND count=2\n";

static void answers_both_families(void **state)
{
	struct agent_script s;
	struct nss_meshd_result r;
	pthread_t t;
	uint8_t v6[16];

	(void)state;
	start_agent(&s, &t, two);
	assert_int_equal(nss_meshd_query(nss_meshd_test_dir, "db1.mesh", &r), NSS_STATUS_SUCCESS);
	stop_agent(&s, t);
	assert_string_equal(s.request, "resolve db1.mesh\n");
	assert_int_equal(r.n, 2);
	assert_int_equal(r.addr[0].family, AF_INET);
	assert_memory_equal(r.addr[0].ip, "\x0a\x2a\x00\x07", 4);
	assert_int_equal(r.addr[1].family, AF_INET6);
	inet_pton(AF_INET6, "fd00:42::7", v6);
	assert_memory_equal(r.addr[1].ip, v6, 16);
}

static void unknown_name_is_notfound(void **state)
{
	struct agent_script s;
	struct nss_meshd_result r;
	pthread_t t;

	(void)state;
	start_agent(&s, &t, "END count=0\n");
	assert_int_equal(nss_meshd_query(nss_meshd_test_dir, "nobody.mesh", &r),
			 NSS_STATUS_NOTFOUND);
	stop_agent(&s, t);
	assert_int_equal(r.n, 0);
	/* Not a name an agent could hold: no question asked. */
	assert_int_equal(nss_meshd_query(nss_meshd_test_dir, "localhost", &r), NSS_STATUS_NOTFOUND);
	assert_int_equal(nss_meshd_query(nss_meshd_test_dir, "a b.mesh", &r), NSS_STATUS_NOTFOUND);
}

static void no_agent_is_unavail(void **state)
{
	struct nss_meshd_result r;
	struct agent_script s;
	char path[128], ctl[128];
	pthread_t t;

	(void)state;
	assert_int_equal(nss_meshd_query(nss_meshd_test_dir, "db1.mesh", &r), NSS_STATUS_UNAVAIL);
	/* A control socket (IFACE.sock) is not asked: it is root's, and not for lookups. */
	start_agent(&s, &t, two);
	snprintf(path, sizeof(path), "%s/wg0.names.sock", nss_meshd_test_dir);
	snprintf(ctl, sizeof(ctl), "%s/wg0.sock", nss_meshd_test_dir);
	assert_int_equal(rename(path, ctl), 0);
	assert_int_equal(nss_meshd_query(nss_meshd_test_dir, "db1.mesh", &r), NSS_STATUS_UNAVAIL);
	assert_int_equal(rename(ctl, path), 0);
	assert_int_equal(nss_meshd_query(nss_meshd_test_dir, "db1.mesh", &r), NSS_STATUS_SUCCESS);
	stop_agent(&s, t);
	assert_int_equal(nss_meshd_query("/nonexistent/meshd", "db1.mesh", &r), NSS_STATUS_UNAVAIL);
}

static void hung_or_refusing_agent_is_unavail(void **state)
{
	struct agent_script s;
	struct nss_meshd_result r;
	struct timespec a, b;
	pthread_t t;
	long ms;

	(void)state;
	start_agent(&s, &t, NULL);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(nss_meshd_query(nss_meshd_test_dir, "db1.mesh", &r), NSS_STATUS_UNAVAIL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	stop_agent(&s, t);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 900 && ms < 3000);
	start_agent(&s, &t, "ERR msg=unknown%20command\n");
	assert_int_equal(nss_meshd_query(nss_meshd_test_dir, "db1.mesh", &r), NSS_STATUS_UNAVAIL);
	stop_agent(&s, t);
}

static void hostent_and_gaih(void **state)
{
	struct agent_script s;
	struct hostent h;
	struct gaih_addrtuple *at = NULL;
	char buf[512], tiny[8];
	int e, he;
	pthread_t t;

	(void)state;
	start_agent(&s, &t, two);
	assert_int_equal(_nss_meshd_gethostbyname3_r("db1.mesh", AF_INET6, &h, buf, sizeof(buf), &e,
						     &he, NULL, NULL), NSS_STATUS_SUCCESS);
	stop_agent(&s, t);
	assert_string_equal(h.h_name, "db1.mesh");
	assert_int_equal(h.h_addrtype, AF_INET6);
	assert_int_equal(h.h_length, 16);
	assert_non_null(h.h_addr_list[0]);
	assert_null(h.h_addr_list[1]);
	assert_null(h.h_aliases[0]);

	start_agent(&s, &t, two);
	assert_int_equal(_nss_meshd_gethostbyname4_r("db1.mesh", &at, buf, sizeof(buf), &e, &he,
						     NULL), NSS_STATUS_SUCCESS);
	stop_agent(&s, t);
	assert_int_equal(at->family, AF_INET);
	assert_non_null(at->next);
	assert_int_equal(at->next->family, AF_INET6);
	assert_null(at->next->next);

	/* A buffer too small: TRYAGAIN/ERANGE so glibc retries with a larger one. */
	start_agent(&s, &t, two);
	assert_int_equal(_nss_meshd_gethostbyname3_r("db1.mesh", AF_INET, &h, tiny, sizeof(tiny),
						     &e, &he, NULL, NULL), NSS_STATUS_TRYAGAIN);
	stop_agent(&s, t);
	assert_int_equal(e, ERANGE);

	/* A member without an IPv6 address: no data for AF_INET6. */
	start_agent(&s, &t, "addr name=db2 family=inet ip=10.42.0.8\nEND count=1\n");
	assert_int_equal(_nss_meshd_gethostbyname3_r("db2.mesh", AF_INET6, &h, buf, sizeof(buf),
						     &e, &he, NULL, NULL), NSS_STATUS_NOTFOUND);
	stop_agent(&s, t);
	assert_int_equal(he, NO_DATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(answers_both_families),
		cmocka_unit_test(unknown_name_is_notfound),
		cmocka_unit_test(no_agent_is_unavail),
		cmocka_unit_test(hung_or_refusing_agent_is_unavail),
		cmocka_unit_test(hostent_and_gaih),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
