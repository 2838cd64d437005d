/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Transport registry (prefix: sc_transport).
 *
 * A module registers the operations of a stream transport under a protocol
 * name ("tls") from its mod_init. The core owns the sockets, the event loop,
 * write queues, SIP framing and timers; the transport owns what goes on the
 * wire. All operations except listener_init run in the worker that owns the
 * connection.
 *
 * Return convention of handshake/read/write/shutdown:
 *   >= 0            progress (bytes for read/write; read 0 = orderly EOF;
 *                   handshake/shutdown 0 = finished)
 *   SC_IO_AGAIN     would block; the core waits for want() on the socket
 *   SC_IO_ERROR     fatal for this connection; the core closes it
 */
#ifndef SIPCORE_TRANSPORT_H
#define SIPCORE_TRANSPORT_H

#include "export.h"

#include <stddef.h>
#include <sys/types.h>

#include "conn.h"

#define SC_IO_AGAIN (-1)
#define SC_IO_ERROR (-2)

#define SC_WANT_READ 1u
#define SC_WANT_WRITE 2u

struct sc_transport_ops {
	const char *name;          /**< "tls" */
	unsigned short default_port; /**< port when listen= gives none */

	/** Master, once per listen= of this protocol, after mod_init.
	 *  Non-zero refuses the listener and stops startup. */
	int (*listener_init)(struct sc_listener *l);

	/** A connection was accepted (c->outgoing == 0) or connected
	 *  (c->outgoing == 1, called once the TCP connect completed).
	 *  Set c->tdata. Non-zero closes the connection. */
	int (*conn_init)(struct sc_conn *c);

	/** Optional: drive the handshake. Called while it returns
	 *  SC_IO_AGAIN; any value >= 0 ends it (the connection opens), a
	 *  negative one closes the connection. The handshake timeout runs
	 *  meanwhile. */
	int (*handshake)(struct sc_conn *c);

	/** Read plaintext: bytes, 0 at orderly end, SC_IO_AGAIN, SC_IO_ERROR. */
	ssize_t (*read)(struct sc_conn *c, void *buf, size_t len);

	/** Write plaintext: bytes written (> 0; a partial write is fine; 0 is
	 *  an error), SC_IO_AGAIN or SC_IO_ERROR. After SC_IO_AGAIN the
	 *  core calls again with a buffer that starts with the same bytes and
	 *  is at least as long (GnuTLS's retry rule holds). */
	ssize_t (*write)(struct sc_conn *c, const void *buf, size_t len);

	/** Optional: plaintext already decrypted and buffered inside the
	 *  transport, which the socket's readiness will not announce. */
	size_t (*pending)(struct sc_conn *c);

	/** Optional: orderly shutdown (close_notify). 0 done, SC_IO_AGAIN. */
	int (*shutdown)(struct sc_conn *c);

	/** Free c->tdata. Called exactly once for every connection whose
	 *  conn_init was called, also when conn_init failed half-way. */
	void (*cleanup)(struct sc_conn *c);

	/** Optional: after SC_IO_AGAIN, which socket event is awaited
	 *  (SC_WANT_READ or SC_WANT_WRITE). Default: the obvious one. */
	unsigned (*want)(struct sc_conn *c);

	/** Optional: what the transport knows of its peer. */
	const struct sc_peer_info *(*peer_info)(struct sc_conn *c);
};

/** Register @ops (module mod_init). The ops must outlive the process. */
SC_PUBLIC
int sc_transport_register(const struct sc_transport_ops *ops);
SC_PUBLIC
const struct sc_transport_ops *sc_transport_find(const char *name);

#endif
