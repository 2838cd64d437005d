/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Stateless Via branches (prefix: branch).
 *
 * RFC 3261 16.11: a stateless proxy must give a retransmitted request the
 * same branch as the original, and a CANCEL or an ACK for a non-2xx reply
 * the branch of the INVITE they belong to, without remembering anything.
 * So the branch is computed from the request itself:
 *
 *   z9hG4bK-<id>[-<flow>]
 *
 * <id> is 24 base32 characters of 15 bytes: a 10-byte transaction hash
 * and a 5-byte loop hash, both HMAC-SHA256 under a key derived from the
 * flow secret (doc/relay-design.md says exactly over what, and why). The
 * loop part lets a request that comes back with our Via be told a loop
 * (482) from a spiral (RFC 3261 16.3 item 4, 16.6 item 8). <flow> is
 * present when the request came in on a stream connection: the flow token
 * of that connection (flow.h) with the id bound into its MAC, so that a
 * reply, whichever worker receives it, finds the connection to go back on,
 * and a branch cannot be altered or assembled from parts of others without
 * the secret. The id alone is not verifiable from a reply (the reply lacks
 * the Request-URI); it routes nothing.
 *
 * Every character is a letter, a digit or '-' (valid token characters),
 * at most BRANCH_MAX of them, and case-insensitive like the token it is.
 */
#ifndef SC_BRANCH_H
#define SC_BRANCH_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "sip_edit.h"
#include "sip_msg.h"

#define BRANCH_COOKIE "z9hG4bK"
/** Bytes of the transaction hash. */
#define BRANCH_HASH_LEN 10
/** Bytes of the loop hash. */
#define BRANCH_LOOP_LEN 5
/** Longest branch made (an IPv6 flow), without the NUL. */
#define BRANCH_MAX (8 + 24 + 1 + FLOW_TOKEN_MAX)

/**
 * The transaction hash of request @req. Returns 0, or -1 when @req is no
 * request, lacks a readable top Via, Call-ID, CSeq (number below 2^31 and
 * a method) or From with well-formed parameters, or there is no key.
 */
int branch_hash(const struct sc_sip_msg *req, uint8_t out[BRANCH_HASH_LEN]);

/**
 * The loop hash of @req as it leaves with the edits @fwd (its new
 * Request-URI, Route headers removed by name, first/last Route value
 * dropped; NULL: routed on unchanged). -1 as for branch_hash(), and for a
 * malformed Route list.
 */
int branch_loop_hash(const struct sc_sip_msg *req, const struct sip_edit *fwd,
		     uint8_t out[BRANCH_LOOP_LEN]);

/**
 * Our branch for @req, forwarded with the edits @fwd (may be NULL; the
 * same edits that build the copy), received on the stream connection @in
 * (NULL when it came over UDP), into @out, NUL-terminated. Returns the
 * length, or -1 (see the hashes; also when @outlen is too small).
 */
int branch_make(const struct sc_sip_msg *req, const struct sip_edit *fwd,
		const struct flow *in, char *out, size_t outlen);

enum branch_ret {
	BRANCH_OK = 0,         /**< our layout; flow verified if present */
	BRANCH_FORGED = 1,     /**< our layout, but the flow does not verify */
	BRANCH_MALFORMED = 2,  /**< not a branch we make */
};

struct branch_info {
	uint8_t hash[BRANCH_HASH_LEN];
	uint8_t loop[BRANCH_LOOP_LEN];
	int has_flow;
	struct flow flow;      /**< when has_flow */
};

/** Read a branch of ours (from the top Via of a reply, or a loop check). */
enum branch_ret branch_parse(const char *s, size_t len,
			     struct branch_info *bi);

/**
 * Loop check (RFC 3261 16.3 item 4): @bi is read from a Via of ours found
 * in @req as it arrives. 1 when @req comes back routed as we sent it (a
 * loop: answer 482), 0 when its routing changed on the way (a spiral), -1
 * when @req cannot be hashed.
 */
int branch_is_loop(const struct sc_sip_msg *req, const struct branch_info *bi);

#endif
