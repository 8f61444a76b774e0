/* SPDX-License-Identifier: MIT */
/*
 * libmnl's mnl_attr_for_each{,_nested} for const messages: libmnl's own
 * macros compute the bytes left with (char *) casts that drop const
 * (clang -Wcast-qual); these do the same walk through const pointers.
 */
#ifndef MESHD_WGCTL_NLATTR_H
#define MESHD_WGCTL_NLATTR_H

#include <stddef.h>
#include <libmnl/libmnl.h>

/* Bytes from a to end, as mnl_attr_ok takes them. */
static inline int wgctl_attr_left(const struct nlattr *a, const void *end)
{
	return (int)((const char *)end - (const char *)a);
}

/* The end of a nested attribute's payload. */
static inline const void *wgctl_attr_end(const struct nlattr *nest)
{
	return (const char *)mnl_attr_get_payload(nest) + mnl_attr_get_payload_len(nest);
}

#define wgctl_attr_for_each(attr, nlh, offset)                                        \
	for ((attr) = mnl_nlmsg_get_payload_offset((nlh), (offset));                  \
	     mnl_attr_ok((attr), wgctl_attr_left((attr), mnl_nlmsg_get_payload_tail(nlh))); \
	     (attr) = mnl_attr_next(attr))

#define wgctl_attr_for_each_nested(attr, nest)                                        \
	for ((attr) = mnl_attr_get_payload(nest);                                     \
	     mnl_attr_ok((attr), wgctl_attr_left((attr), wgctl_attr_end(nest)));       \
	     (attr) = mnl_attr_next(attr))

#endif
