/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Core side of stream connections (prefix: conn_). */
#ifndef SC_CONN_INT_H
#define SC_CONN_INT_H

#include <sipcore/conn.h>
#include <sipcore/sip.h>

/*
 * What to do with a framed message: installed by the startup code, so that
 * connections do not call up into the SIP layer.
 */
struct conn_msg_handler {
	/** A whole message; < 0 when unparseable (the connection closes). */
	int (*msg)(const char *buf, size_t len, const struct sc_rcv_info *ri);
	/** A message over max_msg_size whose headers are in @buf. */
	void (*too_big)(const char *buf, size_t len,
			const struct sc_rcv_info *ri);
	/** Optional: an outgoing connection ends; @opened: it got open. */
	void (*outgoing_gone)(struct sc_conn *c, int opened);
};
void conn_set_handler(const struct conn_msg_handler *h);

/** Set up this worker's connection table (after fork). */
int conn_worker_init(int rank);
/** Take a new accepted socket of listener @l (worker). */
void conn_accepted(const struct sc_listener *l, int fd,
		   const struct sockaddr_storage *peer, socklen_t peerlen);
/** Loop hook: run transport-buffered reads, free dead connections. */
int conn_busy(void);
/** Begin an orderly close of every connection (worker stop). */
void conn_close_all(void);
/** Open connections of this worker. */
unsigned conn_count(void);
/** IPC delivery: bytes another worker handed over for connection @id. */
void conn_ipc_deliver(uint64_t id, const void *buf, size_t len);

#endif
