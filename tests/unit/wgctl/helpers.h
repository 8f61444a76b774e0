/* SPDX-License-Identifier: MIT */
/* Peer builders shared by the wgctl unit tests. */
#ifndef MESHD_TEST_WGCTL_HELPERS_H
#define MESHD_TEST_WGCTL_HELPERS_H

#include "wgctl/wgctl.h"

/* Key whose bytes are all derived from id (distinct ids, distinct keys). */
void th_key(uint8_t key[static WGCTL_KEY_LEN], uint32_t id);
/* Peer with key th_key(id), no endpoint, no allowed IPs. */
void th_peer(struct wgctl_peer *p, uint32_t id);
void th_add_ip(struct wgctl_peer *p, const char *cidr);
void th_endpoint(struct wgctl_peer *p, const char *ep);
/* Peer id with n distinct IPs (v4 and v6 alternating) and an endpoint. */
void th_peer_n(struct wgctl_peer *p, uint32_t id, size_t n);

#endif
