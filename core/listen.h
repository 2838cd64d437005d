/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Listening sockets (prefix: listen_). */
#ifndef SC_LISTEN_H
#define SC_LISTEN_H

#include <stddef.h>
#include <sipcore/conn.h>
#include <sipcore/sip.h>

#include "cfg.h"

/**
 * Turn the config's listen lines into listeners (no sockets yet). A
 * protocol without a registered transport is an error naming FILE:LINE and
 * the module to load; tls with disable_tls=1 is skipped with a log line.
 */
/*
 * What to do with a new connection and with a datagram: installed by the
 * startup code, so that listeners do not call up into connections or SIP.
 */
struct listen_handler {
	void (*accepted)(const struct sc_listener *l, int fd,
			 const struct sockaddr_storage *peer,
			 socklen_t peerlen);
	/** A datagram; < 0 when it is not a SIP message. */
	int (*datagram)(const char *buf, size_t len,
			const struct sc_rcv_info *ri);
};
void listen_set_handler(const struct listen_handler *h);

int listen_setup(const struct cfg_listen *cl, char *err, size_t errlen);
/** The first listener of @proto and address @family (0: any family). */
const struct sc_listener *listen_find(enum sc_proto proto, int family);
/** This worker's socket of the UDP listener @l, or -1. */
int listen_udp_fd(const struct sc_listener *l);
/** Is @sa the address and port of one of our listeners (any proto)? */
int listen_is_ours(const struct sockaddr *sa);

/** Run each transport's listener_init (master). */
int listen_transport_init(char *err, size_t errlen);
/**
 * Open the sockets: one per listener and worker, bound with SO_REUSEPORT so
 * the kernel spreads connections and datagrams over workers without a
 * thundering herd, and a replaced worker takes over its predecessor's socket.
 */
int listen_open(int children, char *err, size_t errlen);
/** In worker @rank: close the other workers' sockets, watch our own. */
int listen_worker_start(int rank);
/** Stop accepting (worker stop). */
void listen_worker_stop(void);
/** Master at exit. */
void listen_close_all(void);

#endif
