/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging (prefix: sc_log, log_).
 *
 * Lines go to stderr or syslog. A line is formatted into one buffer and
 * written with a single write(2), so lines of several workers sharing stderr
 * do not interleave.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sipcore/log.h>
#include <sipcore/transport.h>
#include <sipcore/module.h>
#include <sipcore/timer.h>

#include "log_int.h"

int sc_log_level = SC_L_NOTICE;
static int log_to_stderr = 1;
static int log_facility = LOG_DAEMON;
static const char *log_ident = "sipcore";

static const char *level_name(int level)
{
	switch (level) {
	case SC_L_CRIT: return "CRITICAL";
	case SC_L_ERR: return "ERROR";
	case SC_L_WARN: return "WARNING";
	case SC_L_NOTICE: return "NOTICE";
	case SC_L_INFO: return "INFO";
	default: return "DEBUG";
	}
}

static int syslog_prio(int level)
{
	switch (level) {
	case SC_L_CRIT: return LOG_CRIT;
	case SC_L_ERR: return LOG_ERR;
	case SC_L_WARN: return LOG_WARNING;
	case SC_L_NOTICE: return LOG_NOTICE;
	case SC_L_INFO: return LOG_INFO;
	default: return LOG_DEBUG;
	}
}

static void log_emit(int level, const char *prefix, const char *fmt,
		     va_list ap)
{
	char buf[2048];
	int n = 0, m;
	int saved = errno;

	if (log_to_stderr) {
		n = snprintf(buf, sizeof(buf), "%s[%d] %s: ", log_ident,
			     (int)getpid(), level_name(level));
	} else {
		n = snprintf(buf, sizeof(buf), "%s: ", level_name(level));
	}
	if (n < 0)
		n = 0;
	if (prefix && (size_t)n < sizeof(buf)) {
		m = snprintf(buf + n, sizeof(buf) - n, "%s", prefix);
		if (m > 0)
			n += m;
	}
	if ((size_t)n < sizeof(buf)) {
		m = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
		if (m > 0)
			n += m;
	}
	if ((size_t)n >= sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	/* one line per event: strip a trailing newline the caller added */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (log_to_stderr) {
		ssize_t w;

		buf[n++] = '\n';
		w = write(STDERR_FILENO, buf, n);
		(void)w;
	} else {
		buf[n] = '\0';
		syslog(log_facility | syslog_prio(level), "%s", buf);
	}
	errno = saved;
}

void sc_vlog(int level, const char *fmt, va_list ap)
{
	if (level > sc_log_level)
		return;
	log_emit(level, NULL, fmt, ap);
}

void sc_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > sc_log_level)
		return;
	va_start(ap, fmt);
	log_emit(level, NULL, fmt, ap);
	va_end(ap);
}

void sc_conn_log(int level, const struct sc_conn *c, const char *fmt, ...)
{
	char prefix[160];
	va_list ap;

	if (level > sc_log_level)
		return;
	snprintf(prefix, sizeof(prefix), "conn %llu %s:%s: ",
		 (unsigned long long)c->id,
		 c->ops && c->ops->name ? c->ops->name : "?", c->peer_str);
	va_start(ap, fmt);
	log_emit(level, prefix, fmt, ap);
	va_end(ap);
}

int sc_log_rl_allow(struct sc_log_rl *rl, int level, const char *fmt)
{
	uint64_t sec = sc_now_ms() / 1000u;

	if (sec != rl->window) {
		rl->window = sec;
		rl->n = 0;
	}
	if (rl->n >= SC_LOG_RL_BURST) {
		rl->dropped++;
		return 0;
	}
	rl->n++;
	if (rl->dropped) {
		sc_log(level, "%u more lines like \"%.80s\" were not logged "
		       "(at most %d a second)", rl->dropped, fmt,
		       SC_LOG_RL_BURST);
		rl->dropped = 0;
		if (rl->n++ >= SC_LOG_RL_BURST) {
			/* the summary took the last place of this second */
			rl->dropped = 1;
			return 0;
		}
	}
	return 1;
}

static const struct {
	const char *name;
	int fac;
} facilities[] = {
	{ "LOG_DAEMON", LOG_DAEMON }, { "LOG_USER", LOG_USER },
	{ "LOG_LOCAL0", LOG_LOCAL0 }, { "LOG_LOCAL1", LOG_LOCAL1 },
	{ "LOG_LOCAL2", LOG_LOCAL2 }, { "LOG_LOCAL3", LOG_LOCAL3 },
	{ "LOG_LOCAL4", LOG_LOCAL4 }, { "LOG_LOCAL5", LOG_LOCAL5 },
	{ "LOG_LOCAL6", LOG_LOCAL6 }, { "LOG_LOCAL7", LOG_LOCAL7 },
};

int log_facility_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(name, facilities[i].name) == 0)
			return facilities[i].fac;
	return -1;
}

void log_setup(int to_stderr, int facility)
{
	log_to_stderr = to_stderr;
	if (facility >= 0)
		log_facility = facility;
	if (!to_stderr)
		openlog(log_ident, LOG_PID | LOG_NDELAY, log_facility);
}
