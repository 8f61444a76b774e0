/* SPDX-License-Identifier: MIT */
/*
 * The rules that turn the member table into WireGuard peers, kept apart
 * from the event loop and the device so they can be tested with members
 * built by hand:
 *  - self, conflicted members (address held by another), members without
 *    an overlay address, left or leaving members: never programmed;
 *  - failed members: programmed for failed_grace_s after they failed, and
 *    for as long as their last handshake is fresh (the agent died, the
 *    tunnel did not);
 *  - everyone else: programmed with its record's first endpoint, the
 *    configured keepalive and its overlay address(es) as host routes.
 */
#ifndef MESHD_AGENT_WG_DESIRED_H
#define MESHD_AGENT_WG_DESIRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../gossip/gossip.h"
#include "../wgctl/wgctl.h"

enum { WG_FRESH_HANDSHAKE_S = 180 };   /* WireGuard rekeys every 120 s while traffic flows */

struct wg_rules {
	uint64_t now_ms;              /* the engine's clock (state_since_ms) */
	int64_t now_wall_s;           /* for handshake times */
	uint32_t failed_grace_s;
	uint16_t keepalive;
};

/*
 * True when m is to be programmed; *p is then filled. last_handshake is
 * the device's last handshake with m in Unix seconds (0 = never/unknown).
 */
bool wg_member_peer(const struct gossip_member *m, const struct wg_rules *r,
		    int64_t last_handshake, struct wgctl_peer *p);

/*
 * Device peers found at start-up that gossip has not heard of (yet) are
 * kept: copies to out (room entries) those of `adopted` whose key is not
 * in `known` (n_known keys, sorted with memcmp). Returns how many.
 */
size_t wg_keep_adopted(const struct wgctl_peer *adopted, size_t n,
		       const uint8_t (*known)[WGCTL_KEY_LEN], size_t n_known,
		       struct wgctl_peer *out, size_t room);

int wg_key_cmp(const void *x, const void *y);

#endif
