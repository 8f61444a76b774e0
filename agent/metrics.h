/* SPDX-License-Identifier: MIT */
/*
 * Metrics, split in two: metrics.c renders the Prometheus text from the
 * agent's counters; metrics_http.c serves it (metrics_start/metrics_stop
 * in agent.h) and owns every connection to the port.
 */
#ifndef MESHD_AGENT_METRICS_H
#define MESHD_AGENT_METRICS_H

struct agent;
struct evbuffer;
struct conn_cap;

/* The whole exposition, appended to b. */
void metrics_render(struct agent *a, struct evbuffer *b);
/* The metrics server's connection accounting, NULL when it is off. */
const struct conn_cap *metrics_http_cap(const struct agent *a);

#endif
