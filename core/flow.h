/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * RFC 5626 flow tokens (prefix: flow).
 *
 * A flow token names one client connection: its id, the worker that owns
 * it, the peer's address and port and the transport. It travels in the
 * user part of our Path and Record-Route URIs and inside our Via branch,
 * and comes back in Route headers and replies. It is authenticated with an
 * HMAC-SHA256 (truncated to FLOW_MAC_LEN bytes) under a key derived from
 * one secret: random per start (flow_random_secret()), or read from
 * flow_secret_file so that several instances accept each other's tokens.
 *
 * Security trade-off: the token is authenticated, not encrypted. Anyone who
 * sees it learns the client's address and port (which the next hop sees
 * anyway) and our connection id and worker rank. It cannot be made up or
 * altered without the secret (an 80-bit MAC: a forger needs about 2^79
 * tries, each one costing a message that draws a 403). A token stays valid
 * as long as the secret does; it names a connection that may be gone, which
 * the user of the token checks (430 Flow Failed).
 *
 * The key lives in process memory, set by the master before the workers
 * fork; nothing is shared at run time.
 */
#ifndef SC_FLOW_H
#define SC_FLOW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** Bytes of the truncated HMAC in a token. */
#define FLOW_MAC_LEN 10
/** Shortest secret accepted (bytes). */
#define FLOW_SECRET_MIN 32
/** Largest flow_secret_file read (bytes): more is a wrong file. */
#define FLOW_SECRET_FILE_MAX 4096
/** Longest encoded token (IPv6), without the NUL. */
#define FLOW_TOKEN_MAX 63
/** Length of a derived key (flow_derive_key()). */
#define FLOW_KEY_LEN 32

enum flow_ret {
	FLOW_OK = 0,
	FLOW_FORGED = 1,     /**< well-formed, but the MAC does not verify */
	FLOW_MALFORMED = 2,  /**< not a token of ours at all */
};

/** What a token names. */
struct flow {
	uint64_t conn_id;    /**< the core's connection id */
	uint16_t rank;       /**< worker rank that owns the connection */
	uint8_t proto;       /**< enum sc_proto (0-7) */
	uint8_t family;      /**< AF_INET or AF_INET6 */
	uint16_t port;       /**< peer port, host order */
	uint8_t addr[16];    /**< peer address: 4 or 16 bytes used */
};

/**
 * Set the secret (at least FLOW_SECRET_MIN bytes; any bytes). The key is
 * derived from it and the secret itself is not kept. Returns 0 or -1.
 */
int flow_init(const void *secret, size_t len);

/** A fresh random secret from getrandom(). Returns 0 or -1 (logged). */
int flow_random_secret(void);

/**
 * The flow_secret_file parameter: use the whole content of the regular
 * file @path (at least FLOW_SECRET_MIN, at most FLOW_SECRET_FILE_MAX
 * bytes, taken as is, a final newline included) as the secret. Returns 0,
 * or -1 with a message naming @path in @err.
 */
int flow_secret_from_file(const char *path, char *err, size_t errlen);

/** Forget the key (wiped). Encoding fails and decoding says FORGED after. */
void flow_wipe(void);

/**
 * A key for another use (@label names it, e.g. "branch") derived from the
 * same secret: what one instance computes, every instance with the same
 * secret computes. Returns 0, or -1 before flow_init().
 */
int flow_derive_key(const char *label, uint8_t out[FLOW_KEY_LEN]);

/** Fill the peer fields of @f from @sa (IPv4-mapped IPv6 becomes IPv4). */
int flow_set_peer(struct flow *f, const struct sockaddr *sa);

/** Does @sa (after the same unmapping) equal the peer in @f? 1 or 0. */
int flow_peer_eq(const struct flow *f, const struct sockaddr *sa);

/**
 * Encode @f as lowercase base32 (no padding) into @out, NUL-terminated.
 * Returns the length (44 for IPv4, 63 for IPv6), or -1 when @outlen is too
 * small, @f is invalid, or there is no key.
 */
int flow_encode(const struct flow *f, char *out, size_t outlen);

/**
 * Decode and verify @len bytes at @s (either case). FLOW_OK fills *out;
 * FLOW_FORGED when the MAC does not verify (also without a key);
 * FLOW_MALFORMED when it cannot be a token. The MAC is compared in
 * constant time.
 */
enum flow_ret flow_decode(const char *s, size_t len, struct flow *out);

/**
 * Like flow_encode()/flow_decode(), with @ctx (at most 255 bytes) bound
 * into the MAC: a token made for one context (a branch, with its hash)
 * does not verify in another, nor as a plain token.
 */
int flow_encode_ctx(const struct flow *f, const void *ctx, size_t ctxlen,
		    char *out, size_t outlen);
enum flow_ret flow_decode_ctx(const char *s, size_t len, const void *ctx,
			      size_t ctxlen, struct flow *out);

/** Characters needed to base32-encode @n bytes (without padding). */
size_t flow_b32_len(size_t n);

/**
 * Lowercase base32 (RFC 4648 alphabet, no padding) of @n bytes into @out,
 * NUL-terminated. Returns the length, or -1 if @outlen is too small.
 */
int flow_b32_encode(const void *in, size_t n, char *out, size_t outlen);

/**
 * Decode @len base32 characters (either case) into @out. Refuses other
 * characters, impossible lengths and non-zero unused low bits (each byte
 * string has exactly one encoding, up to case). Returns the number of
 * bytes, or -1.
 */
int flow_b32_decode(const char *s, size_t len, void *out, size_t outlen);

#endif
