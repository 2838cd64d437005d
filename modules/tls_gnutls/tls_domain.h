/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * The TLS domain table in shared memory (prefix: tls_dom).
 *
 * The master reads every domain's files once (certificate chain, key, CA
 * list, CRL), checks them, builds its priority string, and stores it all in
 * one table in the core's shared memory, tagged with a generation number.
 * Workers never open a file: they build their GnuTLS credentials from this
 * table (tls_cred.c). A reload (SIGHUP) builds a complete new table and
 * swaps it in under the lock; a failed reload leaves the old one in place.
 *
 * Lookup (tls_lookup.c) is plain data matching and is shared with the
 * workers' credential sets, which embed the same struct tls_dom_id.
 */
#ifndef TLS_GNUTLS_TLS_DOMAIN_H
#define TLS_GNUTLS_TLS_DOMAIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>

#include <sipcore/shm.h>

#include "tls_cfg.h"

/** What a domain is matched by. Plain data, copied freely. */
struct tls_dom_id {
	enum tls_dom_kind kind;
	int is_default;
	struct sockaddr_storage addr; /**< AF_UNSPEC for the defaults */
	socklen_t addrlen;
	char server_name[256];        /**< "" when not set */
	char name[96];                /**< for logs: "server:127.0.0.1:5061" */
};

/** A byte string in shared memory. */
struct tls_blob {
	unsigned char *data;
	size_t len;
};

/** @b as GnuTLS takes it (no copy). */
static inline gnutls_datum_t tls_blob_datum(const struct tls_blob *b)
{
	gnutls_datum_t dt = { b->data, (unsigned)b->len };

	return dt;
}

/** Whether @b holds PEM armour anywhere (else it is taken as DER). */
static inline int tls_blob_is_pem(const struct tls_blob *b)
{
	return memmem(b->data, b->len, "-----BEGIN", 10) != NULL;
}

static inline gnutls_x509_crt_fmt_t tls_blob_fmt(const struct tls_blob *b)
{
	return tls_blob_is_pem(b) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER;
}

/** One domain, resolved and loaded (all pointers into shared memory). */
struct tls_dom {
	struct tls_dom_id id;
	struct tls_blob cert;     /**< certificate chain (PEM or DER) */
	struct tls_blob key;      /**< private key (PEM or DER) */
	char *key_url;            /**< "pkcs11:..." key, instead of key blob */
	char *key_password;       /**< NULL when the key is not encrypted */
	struct tls_blob ca;       /**< trusted CAs, len 0 when none */
	struct tls_blob crl;      /**< CRLs, len 0 when none */
	char *priority;           /**< final GnuTLS priority string */
	unsigned prio_flags;      /**< enum tls_prio_flags */
	int verify;
	int require_certificate;
	int verify_depth;
	char *cert_file, *key_file, *ca_file, *crl_file; /**< for messages */
};

struct tls_dom_table {
	uint64_t generation;
	unsigned n;
	struct tls_dom *doms;     /**< n entries */
};

/** The module's root object in shared memory. */
struct tls_shared {
	shm_lock_t lock;
	struct tls_dom_table *table;  /**< current generation; under lock */
	uint64_t generation;          /**< == table->generation; atomic read */
	/* counters, atomic */
	uint64_t handshakes, handshake_failures, resumed, verify_failures;
};

extern struct tls_shared *tls_shared;

/** Create tls_shared (master, mod_init). 0 or -1. */
int tls_shared_init(void);

/**
 * Build a complete table from @c (master): for each domain resolve the
 * effective settings, read and check the files, build and check the
 * priority string. There is always a server:default and a client:default
 * entry. Errors name the domain and the file. Logs each domain's priority
 * string once (notice), coarse cipher mappings, NULL-cipher consequences
 * and expiry warnings.
 * \return 0 with *out set, or -1 with @err set (nothing allocated stays).
 */
int tls_dom_build(const struct tls_cfg *c, struct tls_dom_table **out,
		  char *err, size_t errlen);

/**
 * Keep @d's private key, password and key URL out of this process's core
 * dumps: MADV_DONTDUMP on the arena pages that hold them (rounded out to
 * whole pages, so their neighbours are left out too). A mark of the
 * process's mapping: the master sets it when it reads a key, each worker
 * when it builds its credentials from a table.
 */
void tls_dom_dontdump(const struct tls_dom *d);

/** Free a table and everything in it (shared memory). */
void tls_dom_table_free(struct tls_dom_table *t);

/**
 * Install @t as the current table with the next generation number; the
 * previous one is freed. Master only.
 */
void tls_dom_install(struct tls_dom_table *t);

#endif
