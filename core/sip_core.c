/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the core does with a SIP message (prefix: sip_core_, sc_sip_).
 *
 * sipcore has no relay yet: it is a stateless responder. OPTIONS
 * (keepalive and monitoring probes) gets 200 OK, ACK is absorbed, every other
 * request gets reply_code, replies are dropped. Module hooks run first.
 *
 * Everything it sends goes through one sender, which a unit test replaces.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <sipcore/conn.h>
#include <sipcore/log.h>

#include "core.h"
#include "relay.h"
#include "sip_core.h"
#include "sip_msg.h"

#define SIP_CORE_MAX_HOOKS 16
#define SIP_REPLY_MAX 16384

static sc_sip_hook_f hooks[SIP_CORE_MAX_HOOKS];
static unsigned nhooks;

int sc_sip_add_hook(sc_sip_hook_f f)
{
	if (nhooks == SIP_CORE_MAX_HOOKS) {
		SC_ERR("sip: too many hooks (max %d)", SIP_CORE_MAX_HOOKS);
		return -1;
	}
	hooks[nhooks++] = f;
	return 0;
}

static int sip_core_send_real(const struct sc_rcv_info *ri, const void *buf,
			      size_t len)
{
	ssize_t n;

	if (ri->conn)
		return sc_conn_send(ri->conn, buf, len);
	if (ri->udp_fd < 0)
		return -1;
	/*
	 * UDP replies go to the request's source address and port, not to
	 * the Via's sent-by (RFC 3261 18.2.2) even without rport: an edge
	 * mostly faces clients behind NAT, where only the source works
	 * (what Kamailio's force_rport does).
	 */
	n = sendto(ri->udp_fd, buf, len, MSG_DONTWAIT,
		   (const struct sockaddr *)&ri->src, ri->srclen);
	if (n < 0) {
		char a[SC_ADDR_STRLEN];

		SC_INFO("udp: sendto %s failed: %m",
			sc_addr_str((const struct sockaddr *)&ri->src, a,
				    sizeof(a)));
		return -1;
	}
	return 0;
}

static sip_core_send_f sip_core_send = sip_core_send_real;

void sip_core_set_sender(sip_core_send_f f)
{
	sip_core_send = f ? f : sip_core_send_real;
}

int sc_sip_send_raw(const struct sc_rcv_info *ri, const void *buf, size_t len)
{
	return sip_core_send(ri, buf, len);
}

/* FNV-1a over @s, continuing from @h. */
static uint64_t fnv1a(uint64_t h, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * The To-tag of a stateless reply must be the same for a retransmission of
 * the same request, whichever worker answers: hash the request's identity
 * with a secret every worker shares.
 */
static void sip_core_totag(const struct sc_sip_msg *m, char *tag, size_t len)
{
	static const enum sip_hdr_id ids[] = { SIP_H_CALLID, SIP_H_FROM,
					       SIP_H_CSEQ };
	uint64_t h = 0xcbf29ce484222325ULL ^ core_shared->tag_secret;
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int k = sip_find_hdr(m, ids[i]);

		if (k >= 0)
			h = fnv1a(h, m->hdrs[k].value.s, m->hdrs[k].value.len);
	}
	snprintf(tag, len, "sc-%016llx", (unsigned long long)h);
}

int sc_sip_reply(const struct sc_sip_msg *m, const struct sc_rcv_info *ri,
		 int code, const char *reason, const char *extra)
{
	char buf[SIP_REPLY_MAX], tag[32];
	int n;

	sip_core_totag(m, tag, sizeof(tag));
	n = sip_reply_build(m, (const struct sockaddr *)&ri->src, code, reason,
			    tag, core_cfg.server_header, extra, buf,
			    sizeof(buf));
	if (n < 0) {
		SC_INFO("sip: cannot build a %d reply (headers missing or too "
			"large)", code);
		return -1;
	}
	return sc_sip_send_raw(ri, buf, (size_t)n);
}

static int method_is(const struct sc_sip_msg *m, const char *name)
{
	size_t l = strlen(name);

	return m->method.len == l && memcmp(m->method.s, name, l) == 0;
}

int sip_core_handle(const char *buf, size_t len, const struct sc_rcv_info *ri)
{
	struct sc_sip_msg m;
	const char *why = NULL;
	unsigned i;

	if (sip_parse(&m, buf, len, &why) < 0) {
		char a[SC_ADDR_STRLEN];

		SC_INFO("sip: bad message from %s (%s)",
			sc_addr_str((const struct sockaddr *)&ri->src, a,
				    sizeof(a)), why ? why : "parse error");
		return -1;
	}
	for (i = 0; i < nhooks; i++)
		if (hooks[i](&m, ri) == SC_SIP_DONE)
			return 0;
	if (relay_handle(&m, ri))
		return 0;
	if (!m.is_request) {
		SC_DBG("sip: reply %d dropped (no transaction)", m.status);
		return 0;
	}
	if (method_is(&m, "ACK"))
		return 0;
	if (method_is(&m, "OPTIONS"))
		sc_sip_reply(&m, ri, 200, "OK", NULL);
	else
		sc_sip_reply(&m, ri, core_cfg.reply_code, core_cfg.reply_reason,
			     NULL);
	return 0;
}

/* Blank out the Content-Length values of a header block (in place). */
static void sip_core_zero_clen(char *hdrs, size_t hlen)
{
	char *zero = NULL, *first = memchr(hdrs, '\n', hlen);
	size_t pos = first ? (size_t)(first - hdrs) + 1 : hlen;
	int in_clen = 0;

	while (pos < hlen) {
		char *l = hdrs + pos, *eol = memchr(l, '\n', hlen - pos);
		size_t ll = eol ? (size_t)(eol - l) : hlen - pos;
		const char *v;

		if (ll && l[ll - 1] == '\r')
			ll--;
		if (in_clen && ll && sip_is_ws(l[0])) {
			/* a folded continuation of the value: it stays one */
			if (ll > 1) {
				if (zero)
					*zero = ' ';
				memset(l + 1, ' ', ll - 1);
				zero = l + ll - 1;
				*zero = '0';
			}
		} else if ((v = sip_clen_header(l, l + ll))) {
			in_clen = 1;
			zero = NULL;
			if (v < l + ll) {
				memset((char *)v, ' ', (size_t)(l + ll - v));
				zero = l + ll - 1;
				*zero = '0';
			}
		} else {
			in_clen = 0;
		}
		pos = eol ? (size_t)(eol - hdrs) + 1 : hlen;
	}
}

void sip_core_reply_too_big(const char *buf, size_t len,
			    const struct sc_rcv_info *ri)
{
	static char hdrs[SIP_REPLY_MAX * 4];
	struct sc_sip_msg m;
	size_t hlen = sip_frame_header_end(buf, len);
	const char *why;

	if (!hlen || hlen > sizeof(hdrs))
		return;
	/*
	 * Parse the header block alone: blank out the Content-Length value
	 * of the copy so the parser does not look for the body we refuse.
	 */
	memcpy(hdrs, buf, hlen);
	sip_core_zero_clen(hdrs, hlen);
	if (sip_parse(&m, hdrs, hlen, &why) < 0 || !m.is_request)
		return;
	sc_sip_reply(&m, ri, 513, "Message Too Large", NULL);
}
