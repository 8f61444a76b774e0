/* SPDX-License-Identifier: MIT */
/*
 * The state file (last known members): state_load reads only a path, so
 * each input is written to a memfd and loaded through /proc/self/fd/N,
 * the same stdio path a real file takes. The file is as hostile as the
 * disk it sits on (a crash mid-write, an old version, an operator's
 * editor), and every record line goes through base64 and record_decode.
 *
 * Invariants: a load that succeeds holds at most STATE_MAX_RECORDS
 * records, no more records plus bad lines than the input has lines
 * (corpus/fuzz_state/hostile-nul-desync), and only from a file that
 * starts with the magic (hostile-no-magic);
 * every record re-encodes to a record that decodes the same; and the
 * loaded state saved with state_save (into a tmpfs directory) loads
 * back identical with no bad lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../proto/record.h"
#include "fuzz_util.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char in_path[64], dir[128], out_path[160];
static int in_fd = -1;

static void cleanup(void)
{
	unlink(out_path);
	rmdir(dir);
}

static void init(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	if (identity_init_crypto() != 0)
		abort();
	in_fd = memfd_create("fuzz-state", MFD_CLOEXEC);
	if (in_fd < 0)
		abort();
	snprintf(in_path, sizeof(in_path), "/proc/self/fd/%d", in_fd);
	/* tmpfs: state_save fsyncs twice per call. */
	snprintf(dir, sizeof(dir), "%s/meshd-fuzz-state.XXXXXX", base);
	if (!mkdtemp(dir))
		abort();
	snprintf(out_path, sizeof(out_path), "%s/members", dir);
	atexit(cleanup);
}

static size_t count_lines(const uint8_t *data, size_t size)
{
	size_t n = size > 0 && data[size - 1] != '\n';

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

static void check_record(const struct wire_record *r)
{
	uint8_t buf[RECORD_MAX_ENCODED];
	struct wire_record again;
	int n = record_encode(r, buf, sizeof(buf));

	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(record_decode(&again, buf, (size_t)n) == 0 && record_same(r, &again));
}

static void check_save_load(const struct state_members *m)
{
	const struct wire_record **recs = malloc((m->n + 1) * sizeof(*recs));
	struct state_members again;
	char err[512];

	if (!recs)
		abort();
	for (size_t i = 0; i < m->n; i++)
		recs[i] = &m->rec[i];
	if (state_save(out_path, m->self_version, recs, m->n, err, sizeof(err)) != 0) {
		fprintf(stderr, "state_save: %s\n", err);
		abort();
	}
	FUZZ_CHECK(state_load(out_path, &again, err, sizeof(err)) == 0);
	FUZZ_CHECK(again.n == m->n && again.n_bad == 0 && again.self_version == m->self_version);
	for (size_t i = 0; i < m->n; i++)
		FUZZ_CHECK(record_same(&m->rec[i], &again.rec[i]));
	state_members_free(&again);
	free(recs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char magic[] = "meshd-state 1\n";
	struct state_members m;
	char err[512];
	int r;

	if (in_fd < 0)
		init();
	if (ftruncate(in_fd, 0) != 0 ||
	    (size > 0 && pwrite(in_fd, data, size, 0) != (ssize_t)size))
		abort();
	err[0] = '\0';
	r = state_load(in_path, &m, err, sizeof(err));
	if (r != 0) {
		FUZZ_CHECK(r < 0 && err[0] != '\0');
		FUZZ_CHECK(m.n == 0 && m.rec == NULL);
		return 0;
	}
	FUZZ_CHECK(m.n <= STATE_MAX_RECORDS);
	/* Each line counts once, however long and whatever it holds. */
	FUZZ_CHECK(m.n + m.n_bad <= count_lines(data, size));
	/* Only a file that starts with the magic line loads. */
	FUZZ_CHECK(size >= sizeof(magic) - 1 && memcmp(data, magic, sizeof(magic) - 1) == 0);
	for (size_t i = 0; i < m.n; i++)
		check_record(&m.rec[i]);
	if (m.n > 0 || m.self_version != 0)
		check_save_load(&m);
	state_members_free(&m);
	return 0;
}
