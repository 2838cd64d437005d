/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * A worker's GnuTLS credentials (prefix: tls_cred).
 *
 * GnuTLS objects live in the owning worker's heap (GnuTLS >= 3.3 ignores
 * custom allocators). A credential set is built from one generation of the
 * shared domain table: per domain a certificate credentials object (chain,
 * key, CAs, CRLs, verify limits) and a priority cache. Connections hold a
 * reference; a newer generation replaces the current set for new
 * connections while old connections keep theirs until they close.
 */
#ifndef TLS_GNUTLS_TLS_CRED_H
#define TLS_GNUTLS_TLS_CRED_H

#include <gnutls/gnutls.h>

#include "tls_domain.h"
#include "tls_ticket.h"

struct tls_cred_dom {
	struct tls_dom_id id;     /**< first: searched by tls_lookup */
	gnutls_certificate_credentials_t x509;
	gnutls_priority_t prio;
	int verify;
	int require_certificate;
	int verify_depth;
	unsigned prio_flags;
	int has_cert;             /**< a certificate/key was loaded */
	/** this domain's ticket keys (tls_ticket.c; tls_cred_tickets
	 *  keeps them up to date) */
	struct tls_tkt_dom tkt;
};

struct tls_cred {
	unsigned refs;
	uint64_t generation;
	unsigned n;
	struct tls_cred_dom *doms;
	int sni_domains;          /**< some server domain has a name */
	uint64_t tkt_serial;      /**< master keys the ticket keys are of */
};

/**
 * Build a credential set from @t (worker; also usable in the master to
 * validate a table before it is installed). 0 with *out, or -1 (logged).
 */
int tls_cred_build(const struct tls_dom_table *t, struct tls_cred **out);

/**
 * The current set, with a reference taken: rebuilt first when the shared
 * generation moved (a failed rebuild keeps the previous set and logs).
 * NULL only if no set could ever be built.
 */
struct tls_cred *tls_cred_get(void);
void tls_cred_put(struct tls_cred *c);
/** Drop this worker's current set (module destroy). */
void tls_cred_release_current(void);

/**
 * Bring @c's ticket keys up to the current master keys (tls_ticket.c),
 * rotating them first when tls_ticket_key_lifetime is over. Cheap when
 * nothing changed. 0, or -1 when there are no master keys.
 */
int tls_cred_tickets(struct tls_cred *c);

/** Domain for an accepted connection on local address @local. */
struct tls_cred_dom *tls_cred_server(struct tls_cred *c,
				     const struct sockaddr *local,
				     const char *sni);
/** Domain for an outgoing connection to @dst known as @host. */
struct tls_cred_dom *tls_cred_client(struct tls_cred *c,
				     const struct sockaddr *dst,
				     const char *host);

#endif
