/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the core does with a received SIP message (prefix: sip_core_). */
#ifndef SC_SIP_CORE_H
#define SC_SIP_CORE_H

#include <stddef.h>
#include <sipcore/sip.h>

/**
 * Handle one whole message: hooks, then the built-in behaviour (OPTIONS 200,
 * other requests reply_code, ACK and replies dropped). Returns 0, or -1 when
 * the message is unparseable (a stream connection is then closed).
 */
/** Where replies go: a connection or a UDP socket (tests: a capture). */
typedef int (*sip_core_send_f)(const struct sc_rcv_info *ri, const void *buf,
			       size_t len);
/** Replace the sender; NULL puts the real one back. */
void sip_core_set_sender(sip_core_send_f f);

int sip_core_handle(const char *buf, size_t len, const struct sc_rcv_info *ri);
/**
 * A stream message exceeded max_msg_size: answer 513 Message Too Large if
 * its headers (the first @len bytes, which contain the whole header block)
 * are enough to build a reply.
 */
void sip_core_reply_too_big(const char *buf, size_t len,
			    const struct sc_rcv_info *ri);

#endif
