// SPDX-License-Identifier: MIT
/*
 * Error sentences. An operator reading one should know what to do next,
 * so the four causes that have a remedy are named rather than left as a
 * bare strerror.
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
	bool has_why = why && why[0];

	switch (ret) {
	case -ENODEV:
		return wgctl_fail(err, errlen, ret, "no such interface %s (%s)", ifname, what);
	case -EOPNOTSUPP:
		return wgctl_fail(err, errlen, ret, "%s is not a WireGuard interface (%s)", ifname,
				  what);
	case -EPERM:
	case -EACCES:
		return wgctl_fail(err, errlen, ret,
				  "%s: permission denied (%s needs root or CAP_NET_ADMIN)", ifname,
				  what);
	case -EPROTONOSUPPORT:
		return wgctl_fail(err, errlen, ret,
				  "no WireGuard support: install wireguard-go, or load the "
				  "wireguard kernel module");
	}
	return wgctl_fail(err, errlen, ret, "%s: %s failed: %s%s%s", ifname, what,
			  strerror(-ret), has_why ? ": " : "", has_why ? why : "");
}
