/* SPDX-License-Identifier: MIT */
/*
 * A crash in the field leaves one thing behind: the log. Frames are
 * printed as object(+offset); for a PIE `addr2line -f -e meshd OFFSET`
 * turns an offset into a function and line. Only async-signal-safe calls
 * run in the handler: backtrace() is warmed up once at install (its first
 * call may load libgcc), the text is built by hand and written with write().
 */
#include <execinfo.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "crash_trace.h"

#if !defined(__SANITIZE_ADDRESS__)
enum { TRACE_DEPTH = 48, ALT_STACK = 64 * 1024 };

static void put(const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(STDERR_FILENO, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void put_hex(uintptr_t v)
{
	char buf[2 + 2 * sizeof(v) + 1], *p = buf + sizeof(buf) - 1;

	*p = '\0';
	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	put(p);
}

static void put_dec(int v)
{
	char buf[16], *p = buf + sizeof(buf) - 1;
	unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;

	*p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	put(p);
}

static void on_fatal(int sig, siginfo_t *si, void *uctx)
{
	void *frames[TRACE_DEPTH];
	int n;

	(void)uctx;
	put("meshd: fatal signal ");
	put_dec(sig);
	put(" (");
	put(sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	put(") at address ");
	put_hex((uintptr_t)si->si_addr);
	put("; backtrace (addr2line -f -e meshd +OFFSET):\n");
	n = backtrace(frames, TRACE_DEPTH);
	backtrace_symbols_fd(frames, n, STDERR_FILENO);
	/* SA_RESETHAND put the default action back: die of it, core and all. */
	raise(sig);
}
#endif

void crash_trace_install(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return;
#else
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	static uint8_t alt[ALT_STACK];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };
	struct sigaction sa;
	void *warm[1];

	backtrace(warm, 1);
	/* A stack overflow must still be reported: the handler gets its own stack. */
	(void)sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, NULL);
#endif
}
