/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * sipcore logging (prefix: sc_log).
 *
 * One line per event. A line about a connection names the connection id and
 * the peer address (use SC_CLOG), so a busy log can be grepped per peer.
 */
#ifndef SIPCORE_LOG_H
#define SIPCORE_LOG_H

#include "export.h"

#include <stdarg.h>
#include <stdint.h>

enum sc_log_level {
	SC_L_CRIT = -2,
	SC_L_ERR = -1,
	SC_L_WARN = 0,
	SC_L_NOTICE = 1,
	SC_L_INFO = 2,
	SC_L_DBG = 3,
};

/** Current level: messages above it are dropped. Set by config (log_level). */
SC_PUBLIC
extern int sc_log_level;

/** Write one log line at @level (printf format). */
SC_PUBLIC
void sc_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
SC_PUBLIC
void sc_vlog(int level, const char *fmt, va_list ap);

#define SC_LOG(lev, ...)                                                      \
	do {                                                                   \
		if ((lev) <= sc_log_level)                                     \
			sc_log((lev), __VA_ARGS__);                            \
	} while (0)

#define SC_CRIT(...) SC_LOG(SC_L_CRIT, __VA_ARGS__)
#define SC_ERR(...) SC_LOG(SC_L_ERR, __VA_ARGS__)
#define SC_WARN(...) SC_LOG(SC_L_WARN, __VA_ARGS__)
#define SC_NOTICE(...) SC_LOG(SC_L_NOTICE, __VA_ARGS__)
#define SC_INFO(...) SC_LOG(SC_L_INFO, __VA_ARGS__)
#define SC_DBG(...) SC_LOG(SC_L_DBG, __VA_ARGS__)

struct sc_conn;
/** Log about a connection: the line is prefixed "conn ID PROTO:PEER: ". */
SC_PUBLIC
void sc_conn_log(int level, const struct sc_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define SC_CLOG(lev, c, ...)                                                  \
	do {                                                                   \
		if ((lev) <= sc_log_level)                                     \
			sc_conn_log((lev), (c), __VA_ARGS__);                  \
	} while (0)

/*
 * Rate-limited logging, for lines a remote peer can cause at will (a
 * handshake timeout, a refused connection): each call site logs at most
 * SC_LOG_RL_BURST lines a second (a worker process each); what it drops is
 * counted and said once, with the line's format, when the site next logs
 * (that line counts in the burst).
 */
#define SC_LOG_RL_BURST 5

struct sc_log_rl {
	uint64_t window;   /**< the second (monotonic) being counted */
	unsigned n;        /**< lines logged in it */
	unsigned dropped;  /**< lines dropped since the last one logged */
};

/** May this site log now? Says first what it dropped before. */
SC_PUBLIC
int sc_log_rl_allow(struct sc_log_rl *rl, int level, const char *fmt);

#define SC_LOG_RL(lev, ...)                                                   \
	do {                                                                   \
		static struct sc_log_rl rl_;                                   \
		if ((lev) <= sc_log_level &&                                   \
		    sc_log_rl_allow(&rl_, (lev), SC_LOG_RL_FMT(__VA_ARGS__, )))\
			sc_log((lev), __VA_ARGS__);                            \
	} while (0)

#define SC_CLOG_RL(lev, c, ...)                                               \
	do {                                                                   \
		static struct sc_log_rl rl_;                                   \
		if ((lev) <= sc_log_level &&                                   \
		    sc_log_rl_allow(&rl_, (lev), SC_LOG_RL_FMT(__VA_ARGS__, )))\
			sc_conn_log((lev), (c), __VA_ARGS__);                  \
	} while (0)

/* the format: the first of the arguments */
#define SC_LOG_RL_FMT(fmt, ...) (fmt)

#endif
