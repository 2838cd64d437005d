/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the relay's parsers and edits (prefix: fz_).
 *
 * What a peer sends the relay reaches these after sip_parse(): the
 * Request-URI and every Route, Record-Route, Path and Contact value
 * (sip_uri), every Via (sip_via, branch_parse), the user parts that may be
 * flow tokens (flow_decode), and the proxy's copy with its edits
 * (sip_edit). Each input is a message, copied into a heap buffer of
 * exactly its size so AddressSanitizer sees any read past it. Beyond
 * memory safety: a copy that builds parses again, with the same body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "branch.h"
#include "flow.h"
#include "sip_edit.h"
#include "sip_msg.h"
#include "sip_uri.h"
#include "sip_via.h"

#define FZ_MAX_MSG 65536
#define FZ_OUT (FZ_MAX_MSG + 4096)

#define FZ_CHECK(cond)                                                        \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

static struct sc_sip_msg fz_msg, fz_copy;
static char fz_out[FZ_OUT];

static void fz_uri_list(struct sc_str v)
{
	struct sc_str item;
	struct sip_uri_addr a;
	struct flow f;
	int n = 0;

	while (n++ < 64 && sip_uri_list_next(&v, &item) == 1) {
		if (sip_uri_addr_parse(item.s, item.len, 0, &a) < 0)
			continue;
		if (a.uri.has_user)
			flow_decode(a.uri.user.s, a.uri.user.len, &f);
	}
}

static void fz_parts(const struct sc_sip_msg *m)
{
	struct sip_via_iter it;
	struct sip_via v;
	struct branch_info bi;
	struct sip_uri u;
	unsigned i;
	int n = 0;

	if (m->is_request)
		sip_uri_parse(m->ruri.s, m->ruri.len, &u);
	for (i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == SIP_H_ROUTE ||
		    m->hdrs[i].id == SIP_H_RECROUTE ||
		    m->hdrs[i].id == SIP_H_CONTACT)
			fz_uri_list(m->hdrs[i].value);
	sip_via_iter_init(&it, m);
	while (n++ < 64 && sip_via_iter_next(&it, &v) == 1)
		if (v.has_branch)
			branch_parse(v.branch.s, v.branch.len, &bi);
	sip_edit_maxfwd(m);
}

/* The relay's edits, chosen by the input's first byte. */
static void fz_edit(const struct sc_sip_msg *m, uint8_t sel)
{
	static const char via[] = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-x";
	static const char rr[] = "<sip:192.0.2.1;lr>";
	struct sip_edit e;
	const char *why;
	char *short_buf;
	int n;

	sip_edit_init(&e);
	e.via = via;
	e.drop_top_via = sel & 1;
	e.maxfwd = sel & 2 ? 69 : SIP_EDIT_KEEP;
	e.drop_first_route = (sel >> 2) & 3;
	e.drop_last_route = (sel >> 4) & 1;
	if (sel & 32)
		e.rr[0] = rr;
	if (sel & 64)
		e.path[0] = rr;
	e.remove[0] = "X-TLS-Peer";
	e.ensure_clen = sel >> 7;
	n = sip_edit_build(m, &e, fz_out, sizeof(fz_out));
	if (n < 0)
		return;
	/* our Via and Path are two lines more: past the parser's header
	 * limit the copy is (rightly) refused by it */
	if (m->nhdrs + 2 <= SIP_MAX_HEADERS) {
		FZ_CHECK(sip_parse(&fz_copy, fz_out, (size_t)n, &why) == 0);
		FZ_CHECK(fz_copy.body.len == m->body.len);
		FZ_CHECK(!m->body.len ||
			 !memcmp(fz_copy.body.s, m->body.s, m->body.len));
	}
	/* the same edits into a buffer one byte short fail, within it */
	short_buf = malloc((size_t)n - 1 ? (size_t)n - 1 : 1);
	if (!short_buf)
		return;
	FZ_CHECK(sip_edit_build(m, &e, short_buf, (size_t)n - 1) == -1);
	free(short_buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int keyed;
	const char *why;
	char *buf;

	if (!keyed++)
		flow_init("fuzz secret, 32 bytes or longer.", 32);
	if (size < 2 || size > FZ_MAX_MSG)
		return 0;
	buf = malloc(size - 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	if (sip_parse(&fz_msg, buf, size - 1, &why) == 0) {
		fz_parts(&fz_msg);
		fz_edit(&fz_msg, data[0]);
	}
	free(buf);
	return 0;
}
