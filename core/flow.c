/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 5626 flow tokens (prefix: flow; local helpers: fl_).
 *
 * Token layout (doc/relay-design.md), before encoding:
 *
 *   byte 0       0x10 | (IPv6 ? 0x08 : 0) | proto   (version 1 in the
 *                high nibble, proto = enum sc_proto in the low 3 bits)
 *   bytes 1-8    connection id, big-endian
 *   bytes 9-10   worker rank, big-endian
 *   bytes 11-12  peer port, big-endian
 *   then         peer address, 4 or 16 bytes
 *   last 10      HMAC-SHA256(flow key, ctxlen || ctx || all the above),
 *                truncated
 *
 * 27 bytes for IPv4 (44 characters), 39 for IPv6 (63 characters).
 *
 * Encoding: base32, lowercase, no padding. Its 32 characters are letters
 * and digits, valid in a SIP URI user part, in a token (the Via branch) and
 * even in a host label; and it survives case folding: RFC 3261 7.3.1 makes
 * tokens such as the branch case-insensitive, so an element may change
 * their case, and a case-sensitive encoding (base64url) would then turn a
 * good token into a forged one. The price is 8 characters per 5 bytes.
 *
 * The MAC is checked before any field is read, over the length the token
 * has, so every change to a token is FORGED, never misread. The secret is
 * first compressed into a pseudo-random key (an HKDF-style extract with
 * HMAC-SHA256), from which each use derives its own key by label; the
 * secret itself is wiped once that is done.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/hmac.h>
#include <nettle/memops.h>

#include <sipcore/log.h>

#include "flow.h"

#define FL_VERSION 0x10
#define FL_V6 0x08
#define FL_PROTO_MASK 0x07
#define FL_HDR_LEN 13
#define FL_LEN4 (FL_HDR_LEN + 4 + FLOW_MAC_LEN)
#define FL_LEN6 (FL_HDR_LEN + 16 + FLOW_MAC_LEN)

static const char fl_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* The extracted key every use derives from, and the token key itself. */
static struct {
	int ready;
	uint8_t prk[FLOW_KEY_LEN];
	struct hmac_sha256_ctx token;   /* keyed with the flow key */
} fl_key;

static void fl_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

void flow_wipe(void)
{
	fl_wipe(&fl_key, sizeof(fl_key));
}

static void fl_hmac(const uint8_t *key, size_t keylen, const void *data,
		    size_t len, uint8_t out[SHA256_DIGEST_SIZE])
{
	struct hmac_sha256_ctx c;

	hmac_sha256_set_key(&c, keylen, key);
	hmac_sha256_update(&c, len, data);
	hmac_sha256_digest(&c, SHA256_DIGEST_SIZE, out);
	fl_wipe(&c, sizeof(c));
}

int flow_init(const void *secret, size_t len)
{
	static const char salt[] = "sipcore flow secret v1";
	uint8_t k[FLOW_KEY_LEN];

	flow_wipe();
	if (!secret || len < FLOW_SECRET_MIN)
		return -1;
	fl_hmac((const uint8_t *)salt, sizeof(salt) - 1, secret, len,
		fl_key.prk);
	fl_key.ready = 1;
	if (flow_derive_key("flow token", k) < 0)
		return -1;
	hmac_sha256_set_key(&fl_key.token, sizeof(k), k);
	fl_wipe(k, sizeof(k));
	return 0;
}

int flow_random_secret(void)
{
	uint8_t s[FLOW_SECRET_MIN];
	ssize_t n;
	int rc;

	do {
		n = getrandom(s, sizeof(s), 0);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(s)) {
		SC_ERR("flow: getrandom failed: %m");
		return -1;
	}
	rc = flow_init(s, sizeof(s));
	fl_wipe(s, sizeof(s));
	return rc;
}

/* Read all of regular file @fd into @buf (up to @cap bytes); -1 errno. */
static ssize_t fl_read_all(int fd, uint8_t *buf, size_t cap)
{
	size_t len = 0;
	ssize_t r;

	while (len < cap) {
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	return (ssize_t)len;
}

int flow_secret_from_file(const char *path, char *err, size_t errlen)
{
	/* one byte more than allowed, to see a file that is too long */
	uint8_t buf[FLOW_SECRET_FILE_MAX + 1];
	struct stat st;
	ssize_t n = 0;
	int fd, rc = -1;

	if (!path || !*path) {
		snprintf(err, errlen, "flow_secret_file: empty file name");
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "flow_secret_file '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "flow_secret_file '%s': %s", path,
			 strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "flow_secret_file '%s': not a regular "
			 "file", path);
		goto out;
	}
	n = fl_read_all(fd, buf, sizeof(buf));
	if (n < 0) {
		snprintf(err, errlen, "flow_secret_file '%s': %s", path,
			 strerror(errno));
		goto out;
	}
	if (n > FLOW_SECRET_FILE_MAX) {
		snprintf(err, errlen, "flow_secret_file '%s': more than %d "
			 "bytes (wrong file?)", path, FLOW_SECRET_FILE_MAX);
		goto out;
	}
	if (n < FLOW_SECRET_MIN) {
		snprintf(err, errlen, "flow_secret_file '%s': %zd bytes, a "
			 "secret needs at least %d (e.g. head -c 32 "
			 "/dev/urandom)", path, n, FLOW_SECRET_MIN);
		goto out;
	}
	if (flow_init(buf, (size_t)n) < 0) {
		snprintf(err, errlen, "flow_secret_file '%s': cannot derive "
			 "the key", path);
		goto out;
	}
	rc = 0;
out:
	fl_wipe(buf, sizeof(buf));
	close(fd);
	return rc;
}

int flow_derive_key(const char *label, uint8_t out[FLOW_KEY_LEN])
{
	if (!fl_key.ready || !label || !out)
		return -1;
	fl_hmac(fl_key.prk, sizeof(fl_key.prk), label, strlen(label), out);
	return 0;
}

/* ---- peers --------------------------------------------------------------- */

int flow_set_peer(struct flow *f, const struct sockaddr *sa)
{
	static const uint8_t v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (!f || !sa)
		return -1;
	memset(f->addr, 0, sizeof(f->addr));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		f->family = AF_INET;
		memcpy(f->addr, &in->sin_addr, 4);
		f->port = ntohs(in->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)sa;
		const uint8_t *a = in6->sin6_addr.s6_addr;

		f->port = ntohs(in6->sin6_port);
		if (!memcmp(a, v4mapped, sizeof(v4mapped))) {
			f->family = AF_INET;
			memcpy(f->addr, a + 12, 4);
		} else {
			f->family = AF_INET6;
			memcpy(f->addr, a, 16);
		}
		return 0;
	}
	return -1;
}

int flow_peer_eq(const struct flow *f, const struct sockaddr *sa)
{
	struct flow g;

	if (!f || flow_set_peer(&g, sa) < 0)
		return 0;
	return f->family == g.family && f->port == g.port &&
	       !memcmp(f->addr, g.addr, f->family == AF_INET6 ? 16 : 4);
}

/* ---- base32 -------------------------------------------------------------- */

size_t flow_b32_len(size_t n)
{
	return (n * 8 + 4) / 5;
}

int flow_b32_encode(const void *in, size_t n, char *out, size_t outlen)
{
	const uint8_t *p = in;
	size_t need = flow_b32_len(n), i, o = 0;
	unsigned acc = 0, bits = 0;

	if (!out || (n && !in) || outlen <= need)
		return -1;
	for (i = 0; i < n; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = fl_alphabet[(acc >> bits) & 31];
		}
		acc &= (1u << bits) - 1;
	}
	if (bits)
		out[o++] = fl_alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return (int)o;
}

static int fl_b32_value(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int flow_b32_decode(const char *s, size_t len, void *out, size_t outlen)
{
	uint8_t *p = out;
	unsigned acc = 0, bits = 0;
	size_t i, o = 0;
	int v;

	if (!s || !out || len > (size_t)INT32_MAX)
		return -1;
	/* 1, 3 or 6 characters past a multiple of 8 encode no whole byte */
	if ((len * 5) % 8 >= 5)
		return -1;
	for (i = 0; i < len; i++) {
		v = fl_b32_value(s[i]);
		if (v < 0)
			return -1;
		acc = (acc << 5) | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outlen)
				return -1;
			p[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc)
		return -1; /* unused low bits must be zero */
	return (int)o;
}

/* ---- tokens -------------------------------------------------------------- */

static void fl_mac(const void *ctx, size_t ctxlen, const uint8_t *data,
		   size_t len, uint8_t mac[FLOW_MAC_LEN])
{
	struct hmac_sha256_ctx c = fl_key.token;
	uint8_t cl = (uint8_t)ctxlen;

	hmac_sha256_update(&c, 1, &cl);
	if (ctxlen)
		hmac_sha256_update(&c, ctxlen, ctx);
	hmac_sha256_update(&c, len, data);
	hmac_sha256_digest(&c, FLOW_MAC_LEN, mac);
	fl_wipe(&c, sizeof(c));
}

static void fl_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t fl_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

int flow_encode_ctx(const struct flow *f, const void *ctx, size_t ctxlen,
		    char *out, size_t outlen)
{
	uint8_t b[FL_LEN6];
	size_t alen, n;
	int i;

	if (!f || !fl_key.ready || ctxlen > 255 || (ctxlen && !ctx) ||
	    f->proto > FL_PROTO_MASK ||
	    (f->family != AF_INET && f->family != AF_INET6))
		return -1;
	alen = f->family == AF_INET6 ? 16 : 4;
	b[0] = (uint8_t)(FL_VERSION | (alen == 16 ? FL_V6 : 0) | f->proto);
	for (i = 0; i < 8; i++)
		b[1 + i] = (uint8_t)(f->conn_id >> (56 - 8 * i));
	fl_put16(b + 9, f->rank);
	fl_put16(b + 11, f->port);
	memcpy(b + FL_HDR_LEN, f->addr, alen);
	n = FL_HDR_LEN + alen;
	fl_mac(ctx, ctxlen, b, n, b + n);
	return flow_b32_encode(b, n + FLOW_MAC_LEN, out, outlen);
}

enum flow_ret flow_decode_ctx(const char *s, size_t len, const void *ctx,
			      size_t ctxlen, struct flow *out)
{
	uint8_t b[FL_LEN6], mac[FLOW_MAC_LEN];
	size_t n, alen;
	int i, r;

	if (!s || !out || ctxlen > 255 || (ctxlen && !ctx))
		return FLOW_MALFORMED;
	if (len != flow_b32_len(FL_LEN4) && len != flow_b32_len(FL_LEN6))
		return FLOW_MALFORMED;
	r = flow_b32_decode(s, len, b, sizeof(b));
	if (r != FL_LEN4 && r != FL_LEN6)
		return FLOW_MALFORMED;
	if (!fl_key.ready)
		return FLOW_FORGED;
	n = (size_t)r - FLOW_MAC_LEN;
	fl_mac(ctx, ctxlen, b, n, mac);
	if (!memeql_sec(mac, b + n, FLOW_MAC_LEN))
		return FLOW_FORGED;
	/* authentic from here on: only our own encoder made these bytes */
	alen = (b[0] & FL_V6) ? 16 : 4;
	if ((b[0] & 0xf0) != FL_VERSION || FL_HDR_LEN + alen != n)
		return FLOW_MALFORMED;
	memset(out, 0, sizeof(*out));
	out->proto = b[0] & FL_PROTO_MASK;
	out->family = alen == 16 ? AF_INET6 : AF_INET;
	for (i = 0; i < 8; i++)
		out->conn_id = (out->conn_id << 8) | b[1 + i];
	out->rank = fl_get16(b + 9);
	out->port = fl_get16(b + 11);
	memcpy(out->addr, b + FL_HDR_LEN, alen);
	return FLOW_OK;
}

int flow_encode(const struct flow *f, char *out, size_t outlen)
{
	return flow_encode_ctx(f, NULL, 0, out, outlen);
}

enum flow_ret flow_decode(const char *s, size_t len, struct flow *out)
{
	return flow_decode_ctx(s, len, NULL, 0, out);
}
