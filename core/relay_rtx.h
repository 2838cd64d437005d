/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Retransmissions for the relay (prefix: rtx_).
 *
 * A client on a stream never retransmits; a request of its that leaves on
 * UDP is retransmitted here with the RFC 3261 17.1 timers until a reply
 * comes, and given up with a 408 to the client after Timer B or F. And a
 * request that came over UDP and left on a stream is forwarded once: its
 * retransmissions are absorbed. Both tables are per worker and bounded.
 */
#ifndef SC_RELAY_RTX_H
#define SC_RELAY_RTX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RTX_MAX 4096            /* retransmitted requests per worker */
#define RTX_MAX_BYTES (16u << 20)
#define RTX_ABSORB_SLOTS 8192   /* remembered UDP-in, stream-out requests */

/** @t1, @t2: RFC 3261 T1 and T2 in ms (relay_t1, relay_t2). */
void rtx_setup(unsigned t1, unsigned t2);

/**
 * Retransmit @msg (sent once already) to @dst from @fd until rtx_reply()
 * sees a reply for @branch. @client is the stream connection to send the
 * 408 on, @client_addr its peer. Returns 0, or -1 when the table is full (logged, rate-limited).
 */
int rtx_add(const char *branch, int invite, int fd,
	    const struct sockaddr *dst, socklen_t dstlen, uint64_t client,
	    const struct sockaddr_storage *client_addr, const char *msg,
	    size_t len);

/**
 * A reply with @status for our @branch arrived. Returns 1 when it is a
 * second final reply for a request we retransmitted (the answer to one of
 * the retransmissions): the client already has one, drop it.
 */
int rtx_reply(const char *branch, size_t blen, int status);

/**
 * A request from UDP that goes out on a stream: 1 when the same request
 * (@key: a hash of its identity) was forwarded in the last 64*T1, which
 * makes this one a retransmission to absorb; else 0, and it is noted.
 */
int rtx_absorb(uint64_t key);

/** How many are being retransmitted now (tests, stats). */
unsigned rtx_count(void);

#endif
