/* SPDX-License-Identifier: MIT */
/*
 * Invite token text (issue 10, T5), as `meshd --invite` and `meshctl
 * join` read it. A token that decodes must encode back to exactly the
 * input: one text form per token (canonical base64url, msgpack and
 * address text), so nothing can be smuggled in a second spelling.
 */
#include "fuzz_util.h"
#include "proto/identity.h"
#include "proto/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char again[TOKEN_MAX_TEXT];
	struct token t;
	char *text;
	int ret, n;

	if (identity_init_crypto() != 0)
		abort();
	text = fuzz_strndup(data, size);
	ret = token_decode(&t, text);
	FUZZ_CHECK(token_strerror(ret) != NULL);
	if (ret == 0) {
		n = token_encode(&t, again, sizeof(again));
		FUZZ_CHECK(n >= 0 && (size_t)n == strlen(text) && strcmp(again, text) == 0);
		token_wipe(&t);
	}
	free(text);
	return 0;
}
