/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TLS 1.2 session-ID resumption cache shared by all workers (prefix:
 * tls_scache).
 */
#ifndef TLS_GNUTLS_TLS_SCACHE_H
#define TLS_GNUTLS_TLS_SCACHE_H

#include <gnutls/gnutls.h>

struct tls_cred_dom;

#define TLS_SCACHE_DEFAULT 4096
#define TLS_SCACHE_MAX 1000000

/** Master, before fork: a table of @entries (0: no cache). 0 or -1. */
int tls_scache_init(unsigned entries);
void tls_scache_destroy(void);
/** Let server session @s store and resume sessions of domain @d. */
void tls_scache_attach(gnutls_session_t s, const struct tls_cred_dom *d);

#endif
