/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stateless Via branches (prefix: branch; local helpers: br_).
 *
 * Two keyed hashes, each over length-prefixed fields (so that no two
 * different inputs run together) after a domain byte ('T' or 'L').
 *
 * The transaction hash ('T', 10 bytes) covers:
 *   - the top Via as received: transport and sent-by host (both
 *     lowercased: they compare case-insensitively), sent-by port, and the
 *     branch parameter (exact bytes, or a marker when absent). These are
 *     what identifies the client transaction (RFC 3261 17.2.3); a CANCEL or
 *     ACK writing its Via again with other spacing or parameter order still
 *     maps to its INVITE, which hashing the whole value would not;
 *   - Call-ID (exact bytes: it compares case-sensitively);
 *   - the From tag (exact bytes, or a marker when absent);
 *   - the CSeq number, as a number (the method is left out: CANCEL and ACK
 *     carry the INVITE's number with their own method);
 *   - the Request-URI as received (CANCEL and non-2xx ACK repeat it).
 * The To tag is left out: the INVITE has none, while its ACK for a non-2xx
 * reply carries the tag of that reply (RFC 3261 17.1.1.3), and both must
 * get the same branch. Requests inside a dialog still differ from the
 * dialog-creating one by CSeq, and an ACK for a 2xx by its own Via branch.
 *
 * The loop hash ('L', 5 bytes: RFC 3261 16.6 item 8's second part) covers
 * Call-ID, From tag, CSeq number and the routing of the request as it
 * leaves: the Request-URI and every Route value after the edits. A request
 * that comes back to us exactly as we sent it, routing-wise, is a loop; one
 * whose Request-URI or Route set was changed on the way (a registrar
 * retargeting to a contact) is a spiral. No top Via is in it: that changes
 * at every hop. CANCEL and non-2xx ACK repeat the INVITE's Route set (RFC
 * 3261 9.1, 17.1.1.3), so they get the INVITE's loop part too.
 *
 * The key is derived per call from the flow secret (a few SHA-256 blocks),
 * so a new secret needs no second init here.
 */
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "branch.h"
#include "sip_uri.h"
#include "sip_via.h"

#define BR_PREFIX_LEN 8  /* "z9hG4bK-" */
#define BR_ID_LEN (BRANCH_HASH_LEN + BRANCH_LOOP_LEN)
#define BR_ID_CHARS 24   /* base32 of BR_ID_LEN bytes, no unused bits */
#define BR_CTX_LEN (6 + BR_ID_LEN)
#define BR_CSEQ_MAX 2147483647UL

/* One field: 4-byte big-endian length, then the bytes. */
static void br_field(struct hmac_sha256_ctx *c, const void *p, size_t n)
{
	uint8_t l[4] = {
		(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
		(uint8_t)n
	};

	hmac_sha256_update(c, sizeof(l), l);
	if (n)
		hmac_sha256_update(c, n, p);
}

/* A field lowercased; -1 when longer than any valid one. */
static int br_field_lower(struct hmac_sha256_ctx *c, struct sc_str s)
{
	char tmp[256];
	size_t i;

	if (s.len > sizeof(tmp))
		return -1;
	for (i = 0; i < s.len; i++)
		tmp[i] = (s.s[i] >= 'A' && s.s[i] <= 'Z') ?
				 (char)(s.s[i] - 'A' + 'a') : s.s[i];
	br_field(c, tmp, s.len);
	return 0;
}

/* A field that may be absent: a presence byte first. */
static void br_field_opt(struct hmac_sha256_ctx *c, int present,
			 struct sc_str s)
{
	uint8_t flag = present ? 1 : 0;

	hmac_sha256_update(c, 1, &flag);
	if (present)
		br_field(c, s.s, s.len);
}

/* CSeq = 1*DIGIT LWS Method; the number below 2^31 (RFC 3261 8.1.1.5). */
static int br_cseq(struct sc_str v, uint32_t *num)
{
	const char *p = v.s, *e = v.s + v.len, *d;
	unsigned long n = 0;

	while (p < e && sip_uri_is_lws(*p))
		p++;
	d = p;
	while (p < e && *p >= '0' && *p <= '9' && p - d < 11)
		n = n * 10 + (unsigned long)(*p++ - '0');
	if (p == d || p - d > 10 || n > BR_CSEQ_MAX)
		return -1;
	d = p;
	while (p < e && sip_uri_is_lws(*p))
		p++;
	if (p == d || p == e)
		return -1;
	while (p < e && sip_uri_is_token(*p))
		p++;
	while (p < e && sip_uri_is_lws(*p))
		p++;
	if (p != e)
		return -1;
	*num = (uint32_t)n;
	return 0;
}

static int br_hash_via(struct hmac_sha256_ctx *c, const struct sc_sip_msg *m)
{
	struct sip_via v;
	uint8_t port[2];

	if (sip_via_top(m, &v) < 0)
		return -1;
	if (br_field_lower(c, v.transport) < 0 || br_field_lower(c, v.host) < 0)
		return -1;
	port[0] = (uint8_t)(v.port >> 8);
	port[1] = (uint8_t)v.port;
	br_field(c, port, sizeof(port));
	br_field_opt(c, v.has_branch, v.branch);
	return 0;
}

static void br_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The fields both hashes read, found once. */
struct br_req {
	struct sc_str callid;
	struct sc_str tag;
	int has_tag;
	uint32_t cseq;
};

static int br_read(const struct sc_sip_msg *req, struct br_req *r)
{
	int icid, ifrom, icseq;
	const struct sip_hdr *from;
	struct sc_str params;

	if (!req || !req->is_request)
		return -1;
	icid = sip_find_hdr(req, SIP_H_CALLID);
	ifrom = sip_find_hdr(req, SIP_H_FROM);
	icseq = sip_find_hdr(req, SIP_H_CSEQ);
	if (icid < 0 || ifrom < 0 || icseq < 0 ||
	    req->hdrs[icid].value.len == 0 ||
	    br_cseq(req->hdrs[icseq].value, &r->cseq) < 0)
		return -1;
	r->callid = req->hdrs[icid].value;
	from = &req->hdrs[ifrom];
	if (sip_uri_value_params(from->value.s, from->value.len, &params) < 0)
		return -1;
	r->tag.s = "";
	r->tag.len = 0;
	r->has_tag = sip_uri_hparam(params, "tag", &r->tag);
	return 0;
}

/* An HMAC context under the branch key, its input started with @domain. */
static int br_start(struct hmac_sha256_ctx *c, uint8_t domain)
{
	uint8_t key[FLOW_KEY_LEN];

	if (flow_derive_key("branch", key) < 0)
		return -1;
	hmac_sha256_set_key(c, sizeof(key), key);
	explicit_bzero(key, sizeof(key));
	hmac_sha256_update(c, 1, &domain);
	return 0;
}

static void br_common(struct hmac_sha256_ctx *c, const struct br_req *r)
{
	uint8_t cseq[4];

	br_field(c, r->callid.s, r->callid.len);
	br_field_opt(c, r->has_tag, r->tag);
	br_put32(cseq, r->cseq);
	br_field(c, cseq, sizeof(cseq));
}

static void br_finish(struct hmac_sha256_ctx *c, uint8_t *out, size_t n)
{
	hmac_sha256_digest(c, n, out);
	explicit_bzero(c, sizeof(*c));
}

int branch_hash(const struct sc_sip_msg *req, uint8_t out[BRANCH_HASH_LEN])
{
	struct hmac_sha256_ctx c;
	struct br_req r;

	if (!out || br_read(req, &r) < 0 || br_start(&c, 'T') < 0)
		return -1;
	if (br_hash_via(&c, req) < 0) {
		explicit_bzero(&c, sizeof(c));
		return -1;
	}
	br_common(&c, &r);
	br_field(&c, req->ruri.s, req->ruri.len);
	br_finish(&c, out, BRANCH_HASH_LEN);
	return 0;
}

/* Is header @h removed by the edit @fwd? */
static int br_removed(const struct sip_edit *fwd, const struct sip_hdr *h)
{
	unsigned i;

	for (i = 0; fwd && i < SIP_EDIT_MAX_REMOVE && fwd->remove[i]; i++)
		if (sip_caseeq(h->name.s, h->name.len, fwd->remove[i],
			       strlen(fwd->remove[i])))
			return 1;
	return 0;
}

/* One Route value as a field, its folding line ends left out. */
static void br_field_unfolded(struct hmac_sha256_ctx *c, struct sc_str v)
{
	const char *p = v.s, *e = v.s + v.len, *run;
	size_t n = 0;
	uint8_t l[4];

	for (; p < e; p++)
		n += *p != '\r' && *p != '\n';
	br_put32(l, (uint32_t)n);
	hmac_sha256_update(c, sizeof(l), l);
	for (run = p = v.s; p < e; p++) {
		if (*p != '\r' && *p != '\n')
			continue;
		if (p > run)
			hmac_sha256_update(c, (size_t)(p - run),
					   (const uint8_t *)run);
		run = p + 1;
	}
	if (e > run)
		hmac_sha256_update(c, (size_t)(e - run), (const uint8_t *)run);
}

/* Does @fwd drop the @idx-th (from 1) of @total Route values? */
static int br_dropped(const struct sip_edit *fwd, uint32_t idx,
		      uint32_t total)
{
	return fwd && ((fwd->drop_first_route && idx == 1) ||
		       (fwd->drop_last_route && idx == total));
}

/*
 * The Route values as they leave: all of them in order, without those
 * @fwd removes (a header removed by name, the first and/or last value).
 * Two passes: the first counts, so that the last value is known.
 */
static int br_hash_routes(struct hmac_sha256_ctx *c,
			  const struct sc_sip_msg *m,
			  const struct sip_edit *fwd)
{
	struct sc_str rest, item;
	uint32_t total = 0, idx = 0, kept = 0;
	uint8_t cnt[4];
	unsigned i;
	int pass, rc;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < m->nhdrs; i++) {
			if (m->hdrs[i].id != SIP_H_ROUTE ||
			    br_removed(fwd, &m->hdrs[i]))
				continue;
			rest = m->hdrs[i].value;
			if (rest.len == 0)
				return -1; /* "Route:" with no value */
			while ((rc = sip_uri_list_next(&rest, &item)) == 1) {
				if (pass == 0) {
					total++;
				} else if (!br_dropped(fwd, ++idx, total)) {
					br_field_unfolded(c, item);
					kept++;
				}
			}
			if (rc < 0)
				return -1;
		}
	}
	br_put32(cnt, kept);
	hmac_sha256_update(c, sizeof(cnt), cnt);
	return 0;
}

int branch_loop_hash(const struct sc_sip_msg *req, const struct sip_edit *fwd,
		     uint8_t out[BRANCH_LOOP_LEN])
{
	struct hmac_sha256_ctx c;
	struct br_req r;
	struct sc_str ruri;

	if (!out || br_read(req, &r) < 0 || br_start(&c, 'L') < 0)
		return -1;
	ruri = fwd && fwd->ruri.s ? fwd->ruri : req->ruri;
	br_common(&c, &r);
	br_field(&c, ruri.s, ruri.len);
	if (br_hash_routes(&c, req, fwd) < 0) {
		explicit_bzero(&c, sizeof(c));
		return -1;
	}
	br_finish(&c, out, BRANCH_LOOP_LEN);
	return 0;
}

/* The context bound into a branch's flow MAC: a label, hash and loop. */
static size_t br_ctx(const struct branch_info *bi, uint8_t *ctx)
{
	memcpy(ctx, "branch", 6);
	memcpy(ctx + 6, bi->hash, BRANCH_HASH_LEN);
	memcpy(ctx + 6 + BRANCH_HASH_LEN, bi->loop, BRANCH_LOOP_LEN);
	return BR_CTX_LEN;
}

int branch_make(const struct sc_sip_msg *req, const struct sip_edit *fwd,
		const struct flow *in, char *out, size_t outlen)
{
	uint8_t id[BR_ID_LEN], ctx[BR_CTX_LEN];
	struct branch_info bi;
	char tmp[BRANCH_MAX + 1];
	size_t n, cl;
	int r;

	if (!out || branch_hash(req, bi.hash) < 0 ||
	    branch_loop_hash(req, fwd, bi.loop) < 0)
		return -1;
	memcpy(id, bi.hash, BRANCH_HASH_LEN);
	memcpy(id + BRANCH_HASH_LEN, bi.loop, BRANCH_LOOP_LEN);
	memcpy(tmp, BRANCH_COOKIE "-", BR_PREFIX_LEN);
	r = flow_b32_encode(id, sizeof(id), tmp + BR_PREFIX_LEN,
			    sizeof(tmp) - BR_PREFIX_LEN);
	if (r != BR_ID_CHARS)
		return -1;
	n = BR_PREFIX_LEN + BR_ID_CHARS;
	if (in) {
		tmp[n++] = '-';
		cl = br_ctx(&bi, ctx);
		r = flow_encode_ctx(in, ctx, cl, tmp + n, sizeof(tmp) - n);
		if (r < 0)
			return -1;
		n += (size_t)r;
	}
	if (n >= outlen)
		return -1;
	memcpy(out, tmp, n);
	out[n] = '\0';
	return (int)n;
}

enum branch_ret branch_parse(const char *s, size_t len,
			     struct branch_info *bi)
{
	uint8_t id[BR_ID_LEN], ctx[BR_CTX_LEN];
	size_t cl;

	if (!s || !bi)
		return BRANCH_MALFORMED;
	memset(bi, 0, sizeof(*bi));
	if (len < BR_PREFIX_LEN + BR_ID_CHARS ||
	    !sip_caseeq(s, BR_PREFIX_LEN, BRANCH_COOKIE "-", BR_PREFIX_LEN))
		return BRANCH_MALFORMED;
	if (flow_b32_decode(s + BR_PREFIX_LEN, BR_ID_CHARS, id, sizeof(id)) !=
	    BR_ID_LEN)
		return BRANCH_MALFORMED;
	memcpy(bi->hash, id, BRANCH_HASH_LEN);
	memcpy(bi->loop, id + BRANCH_HASH_LEN, BRANCH_LOOP_LEN);
	s += BR_PREFIX_LEN + BR_ID_CHARS;
	len -= BR_PREFIX_LEN + BR_ID_CHARS;
	if (len == 0)
		return BRANCH_OK;
	if (*s != '-')
		return BRANCH_MALFORMED;
	cl = br_ctx(bi, ctx);
	switch (flow_decode_ctx(s + 1, len - 1, ctx, cl, &bi->flow)) {
	case FLOW_OK:
		bi->has_flow = 1;
		return BRANCH_OK;
	case FLOW_FORGED:
		return BRANCH_FORGED;
	default:
		return BRANCH_MALFORMED;
	}
}

int branch_is_loop(const struct sc_sip_msg *req, const struct branch_info *bi)
{
	uint8_t loop[BRANCH_LOOP_LEN];

	if (!bi || branch_loop_hash(req, NULL, loop) < 0)
		return -1;
	return memeql_sec(loop, bi->loop, sizeof(loop)) ? 1 : 0;
}
