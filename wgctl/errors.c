// SPDX-License-Identifier: MIT
/*
 * Error sentences. An operator reading one should know what to do next,
 * so the four causes that have a remedy are named rather than left as a
 * bare strerror; the kernel's own reason (extended ACK) is appended when
 * it gave one, since it can be more precise than the errno.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wgctl/internal.h"

int wgctl_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

int wgctl_fail_dev(char *err, size_t errlen, int ret, const char *ifname, const char *what,
		   const char *why)
{
	const char *k1 = why && why[0] ? " (kernel: " : "", *k2 = why && why[0] ? ")" : "";

	if (!why)
		why = "";
	switch (ret) {
	case -ENODEV:
		return wgctl_fail(err, errlen, ret, "no such interface %s (%s)%s%s%s", ifname, what,
				  k1, why, k2);
	case -EOPNOTSUPP:
		return wgctl_fail(err, errlen, ret, "%s is not a WireGuard interface (%s)%s%s%s",
				  ifname, what, k1, why, k2);
	case -EPERM:
		/* Netlink's capability checks say EPERM; EACCES means other things
		 * (IPv6 disabled on the device), so it keeps its own words. */
		if (why[0])
			break;
		return wgctl_fail(err, errlen, ret,
				  "%s: permission denied (%s needs root or CAP_NET_ADMIN)", ifname,
				  what);
	case -EPROTONOSUPPORT:
		return wgctl_fail(err, errlen, ret,
				  "no WireGuard support: install wireguard-go, or load the "
				  "wireguard kernel module");
	}
	return wgctl_fail(err, errlen, ret, "%s: %s failed: %s%s%s%s", ifname, what,
			  strerror(-ret), k1, why, k2);
}
