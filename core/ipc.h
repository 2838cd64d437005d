/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-worker IPC channels (prefix: ipc_).
 *
 * Each worker has a datagram socketpair created by the master before fork.
 * Any process writes to a worker's send end; only that worker reads the
 * receive end. A datagram carries bytes for one connection the worker owns,
 * so a connection's state never leaves its owner. A replaced worker inherits
 * the same channel.
 */
#ifndef SC_IPC_H
#define SC_IPC_H

#include <stddef.h>
#include <stdint.h>

/** What a hand-over carries. */
enum ipc_type {
	IPC_RAW = 0,      /**< bytes to write on connection @id */
	IPC_RELAY = 1,    /**< a relayed message for connection @id (relay.c) */
};

/** A hand-over for connection @id of this worker. */
typedef void (*ipc_deliver_f)(unsigned type, uint64_t id, const void *buf,
			      size_t len);

int ipc_init(int children);
/** Installed by the startup code: where received hand-overs go. */
void ipc_set_handler(ipc_deliver_f f);
/** In worker @rank: watch our receive end, close what we do not need. */
int ipc_worker_start(int rank);
/** Hand @len bytes of @type for connection @id to worker @rank. 0 or -1. */
int ipc_send(int rank, uint64_t id, unsigned type, const void *buf,
	     size_t len);
/** Owner rank encoded in a connection id. */
static inline int ipc_owner(uint64_t id)
{
	return (int)(id & 0xffff);
}
void ipc_close_all(void);

#endif
