/* SPDX-License-Identifier: MIT */
/* The UAPI socket and starting wireguard-go (uapi.c, uapi_spawn.c). */
#ifndef MESHD_WGCTL_UAPI_H
#define MESHD_WGCTL_UAPI_H

#include <stddef.h>

#define WGCTL_UAPI_DIR "/var/run/wireguard"

void wgctl_uapi_path(const char *ifname, char *out, size_t len);
/* A connected socket, or -errno (-ENOENT: no daemon for ifname). */
int wgctl_uapi_connect(const char *ifname);
/*
 * Run `program ifname` (wireguard-go daemonizes itself), then wait until
 * its UAPI socket answers. -EPROTONOSUPPORT if program is not installed.
 */
int wgctl_uapi_spawn(const char *program, const char *ifname, char *err, size_t errlen);

#endif
