/* SPDX-License-Identifier: MIT */
/*
 * libnss_meshd's reply parser (issue 14): the agent's answer to
 * `resolve NAME`, fed as the socket would, in pieces (the first byte
 * picks the piece size). Invariants: never more than NSS_MESHD_ADDRS_MAX
 * addresses, each AF_INET or AF_INET6; a finished parse stays finished.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nss/nss_meshd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(NSS_MESHD_REPLY_MAX + 1);
	struct nss_meshd_result res;
	size_t have = 0, step, at = 1;
	int p = 0;

	if (!buf || size < 1) {
		free(buf);
		return 0;
	}
	memset(&res, 0, sizeof(res));
	step = (size_t)data[0] % 64 + 1;
	while (at < size && p == 0) {
		size_t n = size - at < step ? size - at : step;

		if (n > NSS_MESHD_REPLY_MAX - have)
			n = NSS_MESHD_REPLY_MAX - have;
		memcpy(buf + have, data + at, n);
		have += n;
		at += n;
		p = nss_meshd_parse(buf, &have, &res);
		if (have > NSS_MESHD_REPLY_MAX)
			abort();
	}
	if (res.n > NSS_MESHD_ADDRS_MAX)
		abort();
	for (size_t i = 0; i < res.n; i++)
		if (res.addr[i].family != AF_INET && res.addr[i].family != AF_INET6)
			abort();
	free(buf);
	return 0;
}
