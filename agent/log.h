/* SPDX-License-Identifier: MIT */
/*
 * Logging for meshd: levels to stderr, or to syslog with --syslog.
 * Callers never pass secrets here; per-datagram messages go through a
 * log_ratelimit so a flood of hostile packets cannot flood the log.
 */
#ifndef MESHD_AGENT_LOG_H
#define MESHD_AGENT_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *ident, enum log_level level, bool use_syslog);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error", "warning", "info", "debug"; -EINVAL for anything else. */
int log_parse_level(const char *s, enum log_level *out);
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Start-up failure: log and exit(1). Only main.c calls this. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/*
 * At most `burst` messages per `window_ms`; the first message after a
 * window that dropped some reports how many were suppressed.
 */
struct log_ratelimit {
	uint64_t window_start_ms;
	uint32_t window_ms;
	uint32_t burst;
	uint32_t used;
	uint32_t suppressed;
};
#define LOG_RATELIMIT_INIT(ms, n) { 0, (ms), (n), 0, 0 }
/* True when the caller may log now; *suppressed gets the count dropped before. */
bool log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_ms, uint32_t *suppressed);

#endif
