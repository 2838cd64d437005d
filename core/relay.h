/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The edge relay (prefix: relay_): with forward_to, requests from the
 * outside go to the server behind, requests from the inside go where their
 * Route or Request-URI says, replies follow the Via, and flows bring the
 * server's requests back to each client's own connection.
 */
#ifndef SC_RELAY_H
#define SC_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include <sipcore/sip.h>

#include "cfg.h"

/** Master, before fork: forward_to, forward_from, the flow secret. */
int relay_init(const struct cfg_core *cc, char *err, size_t errlen);
/** forward_to is set. */
int relay_enabled(void);
/** Worker, after fork. */
int relay_worker_init(void);
/**
 * Relay @m. Returns 1 when it was handled (forwarded, answered or
 * dropped), 0 when the core should answer it itself (OPTIONS to us).
 */
int relay_handle(struct sc_sip_msg *m, const struct sc_rcv_info *ri);
/** An outgoing connection ends (conn.c): the senders of what it never
 *  carried get a 503. */
void relay_outgoing_gone(struct sc_conn *c, int opened);
/** IPC: a relayed message for connection @id of this worker. */
void relay_ipc_deliver(uint64_t id, const void *buf, size_t len);

#endif
