/* SPDX-License-Identifier: MIT */
#ifndef MESHD_CRASH_TRACE_H
#define MESHD_CRASH_TRACE_H

/*
 * On a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) write the
 * signal, the faulting address and a backtrace to standard error (the
 * journal under systemd), then die of the same signal as before. Off in
 * AddressSanitizer builds, which print their own report.
 */
void crash_trace_install(void);

#endif
