/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stateless Via branches (prefix: branch; local helpers: br_).
 *
 * The identity hash covers, each as a length-prefixed field so that no two
 * different inputs run together:
 *   - the top Via as received: transport and sent-by host (both
 *     lowercased: they compare case-insensitively), sent-by port, and the
 *     branch parameter (exact bytes, or a marker when absent). These are
 *     what identifies the client transaction (RFC 3261 17.2.3); a CANCEL or
 *     ACK re-serialising its Via with other spacing or parameter order still
 *     maps to its INVITE, which hashing the whole value would not;
 *   - Call-ID (exact bytes: it compares case-sensitively);
 *   - the From tag (exact bytes, or a marker when absent);
 *   - the CSeq number, as a number (the method is left out: CANCEL and ACK
 *     carry the INVITE's number with their own method);
 *   - the Request-URI (exact bytes: CANCEL and non-2xx ACK repeat it).
 * The To tag is left out: the INVITE has none, while its ACK for a non-2xx
 * reply carries the tag of that reply (RFC 3261 17.1.1.3), and both must
 * get the same branch. Requests inside a dialog still differ from the
 * dialog-creating one by CSeq, and an ACK for a 2xx by its own Via branch.
 *
 * The key is derived per call from the flow secret (a few SHA-256 blocks),
 * so a new secret needs no second init here.
 */
#include <string.h>

#include <nettle/hmac.h>

#include "branch.h"
#include "sip_uri.h"
#include "sip_via.h"

#define BR_PREFIX_LEN 8  /* "z9hG4bK-" */
#define BR_HASH_CHARS 16 /* base32 of BRANCH_HASH_LEN bytes */
#define BR_CSEQ_MAX 2147483647UL

static int br_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int br_is_token(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-.!%*_+`'~", c) != NULL;
}

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

	while (p < e && br_is_ws(*p))
		p++;
	d = p;
	while (p < e && *p >= '0' && *p <= '9' && p - d < 11)
		n = n * 10 + (unsigned long)(*p++ - '0');
	if (p == d || p - d > 10 || n > BR_CSEQ_MAX)
		return -1;
	d = p;
	while (p < e && br_is_ws(*p))
		p++;
	if (p == d || p == e)
		return -1;
	while (p < e && br_is_token(*p))
		p++;
	while (p < e && br_is_ws(*p))
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

int branch_hash(const struct sc_sip_msg *req, uint8_t out[BRANCH_HASH_LEN])
{
	uint8_t key[FLOW_KEY_LEN], cseq[4];
	struct hmac_sha256_ctx c;
	struct sc_str params, tag = { "", 0 };
	int icid, ifrom, icseq, has_tag, rc = -1;
	const struct sip_hdr *from;
	uint32_t num;

	if (!req || !req->is_request || !out)
		return -1;
	icid = sip_find_hdr(req, SIP_H_CALLID);
	ifrom = sip_find_hdr(req, SIP_H_FROM);
	icseq = sip_find_hdr(req, SIP_H_CSEQ);
	if (icid < 0 || ifrom < 0 || icseq < 0 ||
	    req->hdrs[icid].value.len == 0 ||
	    br_cseq(req->hdrs[icseq].value, &num) < 0)
		return -1;
	from = &req->hdrs[ifrom];
	if (sip_uri_value_params(from->value.s, from->value.len, &params) < 0)
		return -1;
	has_tag = sip_uri_hparam(params, "tag", &tag);
	if (flow_derive_key("branch", key) < 0)
		return -1;
	hmac_sha256_set_key(&c, sizeof(key), key);
	if (br_hash_via(&c, req) < 0)
		goto out;
	br_field(&c, req->hdrs[icid].value.s, req->hdrs[icid].value.len);
	br_field_opt(&c, has_tag, tag);
	cseq[0] = (uint8_t)(num >> 24);
	cseq[1] = (uint8_t)(num >> 16);
	cseq[2] = (uint8_t)(num >> 8);
	cseq[3] = (uint8_t)num;
	br_field(&c, cseq, sizeof(cseq));
	br_field(&c, req->ruri.s, req->ruri.len);
	hmac_sha256_digest(&c, BRANCH_HASH_LEN, out);
	rc = 0;
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(&c, sizeof(c));
	return rc;
}

/* The context bound into a branch's flow MAC: a label and the hash. */
static size_t br_ctx(const uint8_t hash[BRANCH_HASH_LEN], uint8_t *ctx)
{
	memcpy(ctx, "branch", 6);
	memcpy(ctx + 6, hash, BRANCH_HASH_LEN);
	return 6 + BRANCH_HASH_LEN;
}

int branch_make(const struct sc_sip_msg *req, const struct flow *in,
		char *out, size_t outlen)
{
	uint8_t hash[BRANCH_HASH_LEN], ctx[6 + BRANCH_HASH_LEN];
	char tmp[BRANCH_MAX + 1];
	size_t n, cl;
	int r;

	if (!out || branch_hash(req, hash) < 0)
		return -1;
	memcpy(tmp, BRANCH_COOKIE "-", BR_PREFIX_LEN);
	r = flow_b32_encode(hash, sizeof(hash), tmp + BR_PREFIX_LEN,
			    sizeof(tmp) - BR_PREFIX_LEN);
	if (r != BR_HASH_CHARS)
		return -1;
	n = BR_PREFIX_LEN + BR_HASH_CHARS;
	if (in) {
		tmp[n++] = '-';
		cl = br_ctx(hash, ctx);
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
	uint8_t ctx[6 + BRANCH_HASH_LEN];
	size_t cl;

	if (!s || !bi)
		return BRANCH_MALFORMED;
	memset(bi, 0, sizeof(*bi));
	if (len < BR_PREFIX_LEN + BR_HASH_CHARS ||
	    !sip_caseeq(s, BR_PREFIX_LEN, BRANCH_COOKIE "-", BR_PREFIX_LEN))
		return BRANCH_MALFORMED;
	if (flow_b32_decode(s + BR_PREFIX_LEN, BR_HASH_CHARS, bi->hash,
			    sizeof(bi->hash)) != BRANCH_HASH_LEN)
		return BRANCH_MALFORMED;
	s += BR_PREFIX_LEN + BR_HASH_CHARS;
	len -= BR_PREFIX_LEN + BR_HASH_CHARS;
	if (len == 0)
		return BRANCH_OK;
	if (*s != '-')
		return BRANCH_MALFORMED;
	cl = br_ctx(bi->hash, ctx);
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
