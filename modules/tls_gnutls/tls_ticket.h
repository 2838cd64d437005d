/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Session ticket master keys (prefix: tls_tkt).
 *
 * One current and one previous master key, shared by every process in a
 * page of their own (MAP_SHARED, mapped by the master before fork,
 * excluded from core dumps). Each domain's ticket key is derived from a
 * master key (tls_tkt_dom_derive), so every worker derives the same keys
 * and a ticket resumes on any worker; no IPC.
 *
 * The current key encrypts new tickets. It is replaced by a fresh random
 * one on every reload and when tls_ticket_key_lifetime has passed (by the
 * first process that notices, under the page's lock); the key it replaces
 * becomes the previous one, good for decrypting tickets only, until the
 * next rotation drops it. So a ticket outlives one rotation, never two.
 *
 * GnuTLS 3.7 takes one key per session and encrypts tickets with
 * SHA3-512(T || key), T a time window of its own (3 x the session cache
 * expiration, 18 h by default); the first 16 bytes of that are the key
 * name a ticket starts with. tls_tkt_name() computes it, so a server can
 * tell from a ClientHello which master key made the ticket offered.
 */
#ifndef TLS_GNUTLS_TLS_TICKET_H
#define TLS_GNUTLS_TLS_TICKET_H

#include <stdint.h>
#include <time.h>

#include <gnutls/gnutls.h>

#define TLS_TKT_KEY_SIZE 64
#define TLS_TKT_NAME_SIZE 16

/** Default tls_ticket_key_lifetime, seconds. */
#define TLS_TKT_LIFETIME_DEFAULT 43200

/** A copy of the master keys, for deriving the domains' keys. */
struct tls_tkt_keys {
	uint64_t serial;        /**< bumped at every rotation */
	unsigned char cur[TLS_TKT_KEY_SIZE];
	unsigned char prev[TLS_TKT_KEY_SIZE];
	int has_prev;
};

/** Digest size of a domain's id, and of a domain's ticket key. */
#define TLS_TKT_ID_SIZE 64

/** One domain's ticket keys, in a worker's credential set. */
struct tls_tkt_dom {
	/** digest of what decides who gets in (tls_tkt_dom_id) */
	unsigned char id[TLS_TKT_ID_SIZE];
	unsigned char cur[TLS_TKT_KEY_SIZE];  /**< of the current master */
	unsigned char prev[TLS_TKT_KEY_SIZE]; /**< of the previous master */
	int n;                  /**< 0 none, 1 current, 2 also previous */
};

struct tls_dom;

/**
 * Map the shared page and make the first key (master, mod_init, before
 * fork). 0 or -1 (logged).
 */
int tls_tkt_init(void);

/** Wipe and unmap (master, mod_destroy; workers just exit). */
void tls_tkt_destroy(void);

/**
 * Replace the current key by a fresh one, keeping it as the previous.
 * 0 or -1 (logged; the keys are then unchanged).
 */
int tls_tkt_rotate(const char *why);

/**
 * tls_ticket_key_file: the master key is derived from the file's content
 * (HMAC-SHA512), so that instances sharing the file make and accept the
 * same tickets. On @initial it becomes the key; later, a content that
 * changed becomes the current key and the old one the previous (an
 * unchanged file changes nothing: instances stay in step). 0 or -1 with
 * @err (the keys are then unchanged).
 */
int tls_tkt_load_file(const char *path, int initial, char *err,
		      size_t errlen);

/** Parameter check of tls_ticket_key_file: readable, 32..4096 bytes. */
int tls_tkt_file_check(const char *path, char *err, size_t errlen);

/**
 * The keys, rotating first when @lifetime seconds (> 0) have passed since
 * the current key was made (@now: tls_tkt_now()). When the rotation
 * serial is still @have and no rotation was due, nothing is copied.
 * \return 1 with @out filled (the caller wipes it), 0 unchanged, -1
 * before tls_tkt_init.
 */
int tls_tkt_get(struct tls_tkt_keys *out, int64_t now, int64_t lifetime,
		uint64_t have);

/** The rotation serial, read without the lock. */
uint64_t tls_tkt_serial(void);

/** CLOCK_MONOTONIC in seconds: shared by every process of the machine. */
int64_t tls_tkt_now(void);

/**
 * The key name GnuTLS 3.7 puts in front of a ticket it encrypts with
 * session key @key at wall-clock time @when (default session cache
 * expiration). 0 or -1.
 */
int tls_tkt_name(const unsigned char key[TLS_TKT_KEY_SIZE], time_t when,
		 unsigned char name[TLS_TKT_NAME_SIZE]);

/**
 * The key name of the ticket a ClientHello (@msg, as a GNUTLS_HOOK_PRE
 * hook gets it) offers: in session_ticket (RFC 5077, TLS 1.2: the ticket
 * itself) or as the first identity of pre_shared_key (RFC 8446 4.2.11:
 * identities<7..2^16-1>, each identity<1..2^16-1> and a 4-byte age).
 * \return 1 with @name set, 0 when no ticket is offered.
 */
int tls_tkt_hello_name(const gnutls_datum_t *msg,
		       unsigned char name[TLS_TKT_NAME_SIZE]);

/**
 * The id a domain's ticket keys are derived over: a digest of the domain's
 * whole key and of its verification settings, CA list and CRL.
 * \return 0, or a GnuTLS error code.
 */
int tls_tkt_dom_id(const struct tls_dom *d, unsigned char id[TLS_TKT_ID_SIZE]);

/** @k's keys from the master keys @m (a key that fails is left out). */
void tls_tkt_dom_derive(struct tls_tkt_dom *k, const struct tls_tkt_keys *m);

/**
 * Enable session tickets on server session @s with @k's keys: the previous
 * key when @name (tls_tkt_hello_name, or NULL) is the name of a ticket made
 * with it (*@prev set to 1), else the current key.
 * \return 1 on, 0 when @k has no keys, or a GnuTLS error code.
 */
int tls_tkt_enable(gnutls_session_t s, const struct tls_tkt_dom *k,
		   const unsigned char *name, int *prev);

#endif
