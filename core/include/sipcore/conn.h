/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Listeners and connections (prefix: sc_conn, sc_listener).
 *
 * A stream connection belongs to the worker that accepted or opened it, for
 * its whole life: only that process reads it, writes it, runs its timers and
 * touches its transport state (tdata). Another worker that has something to
 * send on it calls sc_conn_send_id(), which hands the bytes to the owner over
 * the owner's IPC channel.
 */
#ifndef SIPCORE_CONN_H
#define SIPCORE_CONN_H

#include "export.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "addr.h"
#include "timer.h"

enum sc_proto {
	SC_PROTO_NONE = 0,
	SC_PROTO_UDP,
	SC_PROTO_TCP,
	SC_PROTO_TLS,
	SC_PROTO_OTHER, /**< a module transport with another name */
};

/** One listen= line. Created by the master, inherited by workers. */
struct sc_listener {
	enum sc_proto proto;
	const char *proto_name;   /**< "udp", "tcp", "tls", or a module's name */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char host[48];            /**< address text, no brackets */
	unsigned short port;
	char name[SC_ADDR_STRLEN + 8]; /**< "tls:127.0.0.1:5061" */
	const struct sc_transport_ops *ops; /**< NULL for udp */
	void *tdata;              /**< the transport's, set by listener_init */
	struct sc_listener *next;
};

/** Connection states, as the core drives them. */
enum sc_conn_state {
	SC_CONN_CONNECTING = 0, /**< outgoing: TCP connect in progress */
	SC_CONN_HANDSHAKE,      /**< transport handshake in progress */
	SC_CONN_OPEN,           /**< carrying messages */
	SC_CONN_CLOSING,        /**< orderly shutdown in progress */
	SC_CONN_DEAD,
};

/** What a TLS (or other secure) transport learnt about its peer. */
struct sc_peer_info {
	const char *version;     /**< "TLS1.3" */
	const char *cipher;      /**< suite name */
	/** 1 verified, 0 not checked or no certificate, -1 failed */
	int verified;
	const char *verify_msg;  /**< why it failed, or "ok", or "no certificate" */
	const char *subject;     /**< peer certificate subject DN, or NULL */
	const char *issuer;
	/** subjectAltNames as "DNS:x", "IP:1.2.3.4", "URI:sip:a@b", "EMAIL:x" */
	const char *const *san;
	unsigned nsan;
	int resumed;             /**< session was resumed */
};

/**
 * A stream connection. Fields are read-only for modules except tdata and the
 * two timeout fields, which a transport may set in conn_init.
 */
struct sc_conn {
	uint64_t id;              /**< unique across all workers and restarts */
	int fd;
	enum sc_conn_state state;
	int outgoing;             /**< 1 if we opened it */
	const struct sc_listener *lst; /**< accepting listener, or the one whose
					    address an outgoing connection uses */
	const struct sc_transport_ops *ops;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct sockaddr_storage local;
	socklen_t locallen;
	char peer_str[SC_ADDR_STRLEN];  /**< "1.2.3.4:5060", "[::1]:5061" */
	/** outgoing: the destination host name as the caller gave it (for
	 *  SNI and certificate name checks), else the bare address text
	 *  ("192.0.2.1", "::1": no port, no brackets) */
	char *dst_name;
	unsigned dst_flags;       /**< outgoing: SC_CONN_* of sc_conn_connect */
	void *tdata;              /**< transport state, owned by the transport */
	unsigned handshake_timeout_ms; /**< 0: the core default */
	unsigned send_timeout_ms;      /**< 0: the core default */
	/* core private below */
	struct sc_conn_priv *priv;
};

/** The listeners from the config, in order. */
SC_PUBLIC
struct sc_listener *sc_listeners(void);

/**
 * Queue @len bytes on @c (owning worker only). Nothing is lost on a partial
 * write; returns 0, or -1 when a write-queue limit is hit (the connection is
 * then closed).
 */
SC_PUBLIC
int sc_conn_send(struct sc_conn *c, const void *buf, size_t len);

/**
 * Send on the connection with @id from any worker: direct when the caller
 * owns it, else through the owner's IPC channel. Returns 0 when sent or
 * handed over, -1 when the connection is unknown or the channel is full.
 */
SC_PUBLIC
int sc_conn_send_id(uint64_t id, const void *buf, size_t len);

/** Find a live connection of this worker by id. */
SC_PUBLIC
struct sc_conn *sc_conn_find(uint64_t id);

/**
 * @host of sc_conn_connect() is a SIP domain (RFC 5922): a secure transport
 * checks the server's certificate against it as a SIP domain identity (a
 * sip: URI subjectAltName first, else DNS names, no wildcards), not as a
 * web host name.
 */
#define SC_CONN_SIP_DOMAIN 1u

/**
 * Open an outgoing connection (worker only) of transport @proto ("tcp",
 * "tls", ...) to @dst. @host, if not NULL, is the name the destination is
 * known by (checked against its certificate by secure transports, as
 * @flags say: 0 or SC_CONN_SIP_DOMAIN). Bytes sent before the connection is
 * open are queued. NULL on failure.
 */
SC_PUBLIC
struct sc_conn *sc_conn_connect(const char *proto, const struct sockaddr *dst,
				socklen_t dstlen, const char *host,
				unsigned flags);

/** Orderly close: flush, transport shutdown, then free. */
SC_PUBLIC
void sc_conn_close(struct sc_conn *c);

/** The transport's view of the peer (TLS version, cipher, certificate). */
SC_PUBLIC
const struct sc_peer_info *sc_conn_peer_info(struct sc_conn *c);

#endif
