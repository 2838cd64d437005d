/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Core side of stream connections (prefix: conn_). */
#ifndef SC_CONN_INT_H
#define SC_CONN_INT_H

#include <sipcore/conn.h>

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

#endif
