/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "invite.h"
#include "keysched.h"
#include "trust_files.h"

void invite_format_time(char *out, size_t cap, uint64_t unix_s)
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, cap, "%llu", (unsigned long long)unix_s);
}

int invite_read_file(const char *path, char *text, size_t cap, char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "invite file %s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = -EINVAL;
		snprintf(err, errlen, "invite file %s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		r = -EPERM;
		snprintf(err, errlen, "invite file %s: mode %04o is accessible to group or others "
			 "(the token holds the network key); run `chmod 600 %s`", path,
			 (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	while ((n = read(fd, text + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0) {
		r = -errno;
		snprintf(err, errlen, "invite file %s: %s", path, strerror(-r));
		goto out;
	}
	if (len == cap - 1) {
		r = -EINVAL;
		snprintf(err, errlen, "invite file %s: longer than any invite token", path);
		goto out;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	text[len] = '\0';
	if (len == 0) {
		r = -EINVAL;
		snprintf(err, errlen, "invite file %s is empty", path);
	}
out:
	if (r != 0)
		sodium_memzero(text, cap);
	close(fd);
	return r;
}

int invite_decode(struct token *t, const char *text, char *err, size_t errlen)
{
	int r = token_decode(t, text);

	if (r == 0)
		return 0;
	snprintf(err, errlen, "invite token refused: %s%s",
		 r <= -1200 && r > -1300 ? token_strerror(r) : wire_strerror(r),
		 r == -TOKEN_EPREFIX ? " (a token starts with \"meshd1:\"; `meshctl invite` "
		 "prints one)" : r == -TOKEN_EBASE64 || r == -TOKEN_EFORMAT ?
		 " (cut short or altered when copied?)" : "");
	return -EINVAL;
}

int invite_admit(const struct token *t, const struct identity *idn, uint64_t now,
		 struct trust_admission *adm, char *err, size_t errlen)
{
	char when[64], nowtext[64];
	int r;

	if (now > t->invite.not_after) {
		invite_format_time(when, sizeof(when), t->invite.not_after);
		invite_format_time(nowtext, sizeof(nowtext), now);
		snprintf(err, errlen, "the invite expired at %s (it is %s here; clocks may differ "
			 "by %d s at most): ask the authority for a new one", when, nowtext,
			 TRUST_SKEW_S);
		return -ETIME;
	}
	r = trust_admission_make(adm, &t->invite, t->invite_secret, idn->id, now);
	if (r == 0)
		r = trust_bind_verify(adm, idn->id);
	if (r == 0)
		r = trust_admission_check_times(adm, now);
	if (r != 0) {
		snprintf(err, errlen, "cannot sign the admission with the invite: %s",
			 wire_strerror(r));
		return -EINVAL;
	}
	return 0;
}

int invite_save(const char *dir, const struct token *t, const struct trust_admission *adm,
		uint32_t transition_s, char *err, size_t errlen)
{
	static struct keysched ks;   /* large (peer table): not on the stack */
	uint8_t auth[GOSSIP_MAX_AUTHORITIES][WIRE_ID_LEN];
	size_t n = 0;
	bool have_keys;
	int r;

	/* Keys first: an admission without the key to use it would be a dead end. */
	if ((r = tfile_read_netkeys(dir, &ks, transition_s, &have_keys, err, errlen)) != 0)
		goto out;
	if (!have_keys) {
		keysched_init(&ks, t->netkey, 0, transition_s);
		if ((r = tfile_write_netkeys(dir, &ks, err, errlen)) != 0)
			goto out;
	}
	if ((r = tfile_read_authorities(dir, auth, &n, GOSSIP_MAX_AUTHORITIES, err, errlen)) != 0)
		goto out;
	for (size_t i = 0; i < t->n_auth; i++) {
		bool dup = false;

		for (size_t j = 0; j < n; j++)
			dup |= memcmp(auth[j], t->auth[i], WIRE_ID_LEN) == 0;
		if (!dup && n < GOSSIP_MAX_AUTHORITIES)
			memcpy(auth[n++], t->auth[i], WIRE_ID_LEN);
	}
	if ((r = tfile_write_authorities(dir, (const uint8_t (*)[WIRE_ID_LEN])auth, n, err,
					 errlen)) != 0)
		goto out;
	r = tfile_write_admission(dir, adm, err, errlen);
out:
	keysched_wipe(&ks);
	return r;
}
