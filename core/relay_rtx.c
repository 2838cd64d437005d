/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Retransmissions for the relay (prefix: rtx_).
 *
 * An entry holds the forwarded request as it went out, so a retransmission
 * is one sendto() and the 408 is built from it (our Via taken off). It
 * lives until a reply for its branch arrives or Timer B/F (64*T1) ends it.
 * For an INVITE any reply ends it (RFC 3261 17.1.1.2: a provisional one
 * stops retransmissions, and a stateless relay has no Timer C to run); for
 * other requests a provisional reply stretches the interval to T2
 * (17.1.2.2) and a final one ends it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sipcore/conn.h>
#include <sipcore/log.h>
#include <sipcore/timer.h>

#include "core.h"
#include "relay_rtx.h"
#include "sip_msg.h"

#define RTX_BUCKETS 1024u
#define RTX_BRANCH_MAX 127

struct rtx {
	struct rtx *hnext;
	struct sc_timer t;
	uint64_t deadline;        /* Timer B or F */
	unsigned interval;
	int invite;
	int fd;
	struct sockaddr_storage dst;
	socklen_t dstlen;
	uint64_t client;
	struct sockaddr_storage client_addr;
	char branch[RTX_BRANCH_MAX + 1];
	size_t blen;
	size_t len;
	char msg[];
};

static struct rtx *rtx_hash[RTX_BUCKETS];
static unsigned rtx_n;
static size_t rtx_bytes;
static unsigned rtx_t1 = 500, rtx_t2 = 4000;
static struct {
	uint64_t key;
	uint64_t expires;
} rtx_seen[RTX_ABSORB_SLOTS], rtx_done[RTX_ABSORB_SLOTS];

void rtx_setup(unsigned t1, unsigned t2)
{
	rtx_t1 = t1;
	rtx_t2 = t2;
}

unsigned rtx_count(void)
{
	return rtx_n;
}

static unsigned rtx_bucket(const char *b, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = b[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		h = (h ^ (unsigned char)c) * 16777619u;
	}
	return h & (RTX_BUCKETS - 1);
}

static void rtx_unlink_free(struct rtx *r)
{
	struct rtx **pp = &rtx_hash[rtx_bucket(r->branch, r->blen)];

	while (*pp && *pp != r)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = r->hnext;
	sc_timer_del(&r->t);
	rtx_n--;
	rtx_bytes -= r->len;
	free(r);
}

/* The request timed out: tell the client, whose stream never retransmits. */
static void rtx_408(struct rtx *r)
{
	char out[16384], tag[32];
	struct sc_sip_msg m;
	const char *why;
	int i, n;

	if (sip_parse(&m, r->msg, r->len, &why) < 0 || !m.is_request)
		return;
	if (m.method.len == 3 && !memcmp(m.method.s, "ACK", 3))
		return;
	/* our Via is the topmost line: take it off the reply's list */
	i = sip_find_hdr(&m, SIP_H_VIA);
	if (i < 0)
		return;
	memmove(&m.hdrs[i], &m.hdrs[i + 1],
		(m.nhdrs - (unsigned)i - 1) * sizeof(m.hdrs[0]));
	m.nhdrs--;
	snprintf(tag, sizeof(tag), "sc-rtx-%08x",
		 rtx_bucket(r->branch, r->blen));
	n = sip_reply_build(&m, (struct sockaddr *)&r->client_addr, 408, "Request Timeout", tag,
			    core_cfg.server_header, NULL, out, sizeof(out));
	if (n > 0 && sc_conn_send_id(r->client, out, (size_t)n) < 0)
		SC_DBG("relay: 408 for %s: client connection gone", r->branch);
}

static void rtx_fire(struct sc_timer *t, void *arg)
{
	struct rtx *r = arg;
	uint64_t now = sc_now_ms();

	(void)t;
	if (now >= r->deadline) {
		SC_LOG_RL(SC_L_NOTICE, "relay: no reply to %.*s after %u ms, "
			  "408 to the client", (int)r->blen, r->branch,
			  64 * rtx_t1);
		rtx_408(r);
		rtx_unlink_free(r);
		return;
	}
	if (sendto(r->fd, r->msg, r->len, MSG_DONTWAIT,
		   (struct sockaddr *)&r->dst, r->dstlen) < 0)
		SC_LOG_RL(SC_L_INFO, "relay: retransmission failed: %m");
	r->interval = r->invite ? r->interval * 2
				: (r->interval * 2 < rtx_t2 ? r->interval * 2
							    : rtx_t2);
	sc_timer_add(&r->t, r->deadline - now < r->interval
			    ? r->deadline - now : r->interval);
}

int rtx_add(const char *branch, int invite, int fd,
	    const struct sockaddr *dst, socklen_t dstlen, uint64_t client,
	    const struct sockaddr_storage *client_addr, const char *msg,
	    size_t len)
{
	size_t blen = strlen(branch);
	struct rtx *r;
	unsigned b;

	if (blen > RTX_BRANCH_MAX || dstlen > sizeof(r->dst))
		return -1;
	if (rtx_n >= RTX_MAX || rtx_bytes + len > RTX_MAX_BYTES) {
		SC_LOG_RL(SC_L_WARN, "relay: retransmission table full (%u "
			  "requests, %zu bytes): %s goes out once", rtx_n,
			  rtx_bytes, branch);
		return -1;
	}
	r = calloc(1, sizeof(*r) + len);
	if (!r) {
		SC_LOG_RL(SC_L_ERR, "relay: no memory to retransmit %s",
			  branch);
		return -1;
	}
	memcpy(r->branch, branch, blen + 1);
	r->blen = blen;
	r->invite = invite;
	r->fd = fd;
	memcpy(&r->dst, dst, dstlen);
	r->dstlen = dstlen;
	r->client = client;
	memcpy(&r->client_addr, client_addr, sizeof(r->client_addr));
	r->len = len;
	memcpy(r->msg, msg, len);
	r->interval = rtx_t1;
	r->deadline = sc_now_ms() + 64u * rtx_t1;
	sc_timer_init(&r->t, rtx_fire, r);
	sc_timer_add(&r->t, rtx_t1);
	b = rtx_bucket(branch, blen);
	r->hnext = rtx_hash[b];
	rtx_hash[b] = r;
	rtx_n++;
	rtx_bytes += len;
	return 0;
}

/* A 64-bit FNV-1a of the branch, case folded, for the done table. */
static uint64_t rtx_key(const char *b, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = b[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		h = (h ^ (unsigned char)c) * 1099511628211ULL;
	}
	return h | 1;
}

int rtx_reply(const char *branch, size_t blen, int status)
{
	uint64_t key = rtx_key(branch, blen), now = sc_now_ms();
	unsigned slot = (unsigned)(key % RTX_ABSORB_SLOTS);
	struct rtx *r;

	for (r = rtx_hash[rtx_bucket(branch, blen)]; r; r = r->hnext)
		if (r->blen == blen && sip_caseeq(r->branch, blen, branch, blen))
			break;
	if (!r) {
		/* the final reply came already: this one answers a copy */
		return status >= 200 && rtx_done[slot].key == key &&
		       rtx_done[slot].expires > now;
	}
	if (status >= 200 || r->invite) {
		if (status >= 200 && r->interval > rtx_t1) {
			/* it was sent more than once: expect more answers */
			rtx_done[slot].key = key;
			rtx_done[slot].expires = now + 64u * rtx_t1;
		}
		rtx_unlink_free(r);
		return 0;
	}
	/* non-INVITE, provisional: keep trying, at T2 */
	r->interval = rtx_t2;
	sc_timer_add(&r->t, rtx_t2);
	return 0;
}

int rtx_absorb(uint64_t key)
{
	unsigned slot = (unsigned)(key % RTX_ABSORB_SLOTS);
	uint64_t now = sc_now_ms();

	if (rtx_seen[slot].key == key && rtx_seen[slot].expires > now)
		return 1;
	rtx_seen[slot].key = key;
	rtx_seen[slot].expires = now + 64u * rtx_t1;
	return 0;
}
