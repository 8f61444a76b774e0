/* SPDX-License-Identifier: MIT */
/*
 * Shared msgpack forms of the small wire structs, used by records and
 * messages alike:
 *   address: [family uint, ip bin(0|4|16), port uint]
 *   prefix:  [family uint, ip bin(0|4|16), len uint]
 * Family 0 (none) carries an empty ip and a zero port/len, so an absent
 * value still has exactly one byte form.
 */
#ifndef MESHD_PROTO_WIRE_CODEC_H
#define MESHD_PROTO_WIRE_CODEC_H

#include "wire.h"

struct mp_reader;
struct mp_writer;

int wire_addr_write(struct mp_writer *w, const struct wire_addr *a);
int wire_addr_read(struct mp_reader *rd, struct wire_addr *a);
int wire_prefix_write(struct mp_writer *w, const struct wire_prefix *p);
int wire_prefix_read(struct mp_reader *rd, struct wire_prefix *p);

#endif
