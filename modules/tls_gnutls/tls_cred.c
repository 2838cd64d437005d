/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A worker's GnuTLS credentials (prefix: tls_cred).
 *
 * Built from one generation of the shared domain table while holding its
 * lock: GnuTLS copies what it parses, so nothing here points into shared
 * memory once the lock is released. The table may then be replaced by a
 * reload at any time without affecting a set that is in use.
 */
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <sipcore/log.h>

#include "tls_cfg.h"
#include "tls_cred.h"
#include "tls_lookup.h"
#include "tls_ticket.h"
#include "tls_util.h"

/* GnuTLS's own default limit for the size of keys it verifies */
#define TLS_CRED_MAX_VERIFY_BITS 16384

static struct tls_cred *tls_cred_cur;
static uint64_t tls_cred_failed_gen;

/* A key that lives in a token (PKCS#11 URL): certificate from memory. */
static int cred_set_key_url(struct tls_cred_dom *cd, const struct tls_dom *d)
{
	gnutls_datum_t cert = tls_blob_datum(&d->cert);
	gnutls_pcert_st *pcerts = NULL;
	gnutls_privkey_t key = NULL;
	unsigned n = 16;
	int ret;

	pcerts = calloc(n, sizeof(*pcerts));
	if (!pcerts)
		return GNUTLS_E_MEMORY_ERROR;
	ret = gnutls_pcert_list_import_x509_raw(pcerts, &n, &cert,
						tls_blob_fmt(&d->cert), 0);
	if (ret < 0)
		goto fail;
	ret = gnutls_privkey_init(&key);
	if (ret < 0)
		goto fail_pcerts;
	ret = gnutls_privkey_import_url(key, d->key_url, 0);
	if (ret < 0)
		goto fail_key;
	/* on success the credentials own the certificates and the key */
	ret = gnutls_certificate_set_key(cd->x509, NULL, 0, pcerts, (int)n,
					 key);
	if (ret < 0)
		goto fail_key;
	free(pcerts);
	return 0;
fail_key:
	gnutls_privkey_deinit(key);
fail_pcerts:
	while (n)
		gnutls_pcert_deinit(&pcerts[--n]);
fail:
	free(pcerts);
	return ret;
}

int tls_cred_tickets(struct tls_cred *c)
{
	struct tls_tkt_keys k;
	unsigned i;
	int rc;

	/* a shared key file is rotated by whoever writes it, not by time */
	rc = tls_tkt_get(&k, tls_tkt_now(), tls_cfg.ticket_key_file ? 0
			 : tls_cfg.ticket_key_lifetime, c->tkt_serial);
	if (rc <= 0)
		return rc;
	for (i = 0; i < c->n; i++)
		tls_tkt_dom_derive(&c->doms[i].tkt, &k);
	c->tkt_serial = k.serial;
	gnutls_memset(&k, 0, sizeof(k));
	return 0;
}

static int cred_dom_build(struct tls_cred_dom *cd, const struct tls_dom *d)
{
	gnutls_datum_t cert, key, ca, crl;
	const char *errpos = NULL;
	int ret;

	memset(cd, 0, sizeof(*cd));
	tls_dom_dontdump(d);
	cd->id = d->id;
	cd->verify = d->verify;
	cd->require_certificate = d->require_certificate;
	cd->verify_depth = d->verify_depth;
	cd->prio_flags = d->prio_flags;

	ret = gnutls_certificate_allocate_credentials(&cd->x509);
	if (ret < 0) {
		TLS_LOG_GNUTLS(SC_L_ERR, ret, "domain %s: "
			       "gnutls_certificate_allocate_credentials()",
			       d->id.name);
		return -1;
	}
	if (d->cert.len && d->key_url) {
		ret = cred_set_key_url(cd, d);
		if (ret < 0) {
			/* key_file, not key_url: a URL may carry a PIN */
			TLS_LOG_GNUTLS(SC_L_ERR, ret, "domain %s: key %s",
				       d->id.name, d->key_file ? d->key_file
							       : "pkcs11:");
			return -1;
		}
		cd->has_cert = 1;
	} else if (d->cert.len && d->key.len) {
		cert = tls_blob_datum(&d->cert);
		key = tls_blob_datum(&d->key);
		ret = gnutls_certificate_set_x509_key_mem2(
			cd->x509, &cert, &key, tls_blob_fmt(&d->key),
			d->key_password, 0);
		if (ret < 0) {
			TLS_LOG_GNUTLS(SC_L_ERR, ret, "domain %s: certificate "
				       "%s with key %s", d->id.name,
				       d->cert_file ? d->cert_file : "?",
				       d->key_file ? d->key_file : "?");
			return -1;
		}
		cd->has_cert = 1;
	}
	if (d->ca.len) {
		ca = tls_blob_datum(&d->ca);
		ret = gnutls_certificate_set_x509_trust_mem(
			cd->x509, &ca, tls_blob_fmt(&d->ca));
		if (ret < 0) {
			TLS_LOG_GNUTLS(SC_L_ERR, ret, "domain %s: CA list %s",
				       d->id.name, d->ca_file ? d->ca_file : "?");
			return -1;
		}
	}
	if (d->crl.len) {
		crl = tls_blob_datum(&d->crl);
		ret = gnutls_certificate_set_x509_crl_mem(
			cd->x509, &crl, tls_blob_fmt(&d->crl));
		if (ret < 0) {
			TLS_LOG_GNUTLS(SC_L_ERR, ret, "domain %s: CRL %s",
				       d->id.name,
				       d->crl_file ? d->crl_file : "?");
			return -1;
		}
	}
	/*
	 * tls_verify_depth counts CA certificates between the peer's and a
	 * trusted one, as in OpenSSL (tls_verify.c checks it exactly).
	 * GnuTLS's max_depth counts every certificate the peer sends, its
	 * own and a root included, and takes 0 as "no limit": here it is
	 * only an outer bound.
	 */
	gnutls_certificate_set_verify_limits(cd->x509, TLS_CRED_MAX_VERIFY_BITS,
					     (unsigned)d->verify_depth + 2);
	/* RFC 7919 groups for DHE suites, no parameter file to manage */
	gnutls_certificate_set_known_dh_params(cd->x509,
					       GNUTLS_SEC_PARAM_MEDIUM);
	ret = tls_tkt_dom_id(d, cd->tkt.id);
	if (ret < 0) {
		TLS_LOG_GNUTLS(SC_L_ERR, ret, "domain %s: session ticket key",
			       d->id.name);
		return -1;
	}
	ret = gnutls_priority_init2(&cd->prio, d->priority, &errpos, 0);
	if (ret < 0) {
		TLS_LOG_GNUTLS(SC_L_ERR, ret, "domain %s: priority \"%s\" at "
			       "\"%s\"", d->id.name, d->priority,
			       errpos ? errpos : "");
		cd->prio = NULL;
		return -1;
	}
	return 0;
}

static void cred_free(struct tls_cred *c)
{
	unsigned i;

	for (i = 0; i < c->n; i++) {
		gnutls_memset(&c->doms[i].tkt, 0, sizeof(c->doms[i].tkt));
		if (c->doms[i].x509)
			gnutls_certificate_free_credentials(c->doms[i].x509);
		if (c->doms[i].prio)
			gnutls_priority_deinit(c->doms[i].prio);
	}
	free(c->doms);
	free(c);
}

int tls_cred_build(const struct tls_dom_table *t, struct tls_cred **out)
{
	struct tls_cred *c;
	unsigned i;

	c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	c->doms = calloc(t->n ? t->n : 1, sizeof(*c->doms));
	if (!c->doms)
		goto nomem;
	c->refs = 1;
	c->generation = t->generation;
	for (i = 0; i < t->n; i++) {
		c->n = i + 1;
		if (cred_dom_build(&c->doms[i], &t->doms[i]) < 0) {
			cred_free(c);
			return -1;
		}
		if (c->doms[i].id.kind == TLS_DOM_SERVER &&
		    c->doms[i].id.server_name[0])
			c->sni_domains = 1;
	}
	c->n = t->n;
	*out = c;
	return 0;
nomem:
	SC_ERR("tls_gnutls: out of memory building credentials");
	if (c)
		free(c->doms);
	free(c);
	return -1;
}

void tls_cred_put(struct tls_cred *c)
{
	if (c && --c->refs == 0)
		cred_free(c);
}

/* Rebuild from the shared table; the previous set stays on failure. */
static void cred_refresh(uint64_t gen)
{
	struct tls_cred *n = NULL;
	int ret = -1;

	shm_lock(&tls_shared->lock);
	if (tls_shared->table)
		ret = tls_cred_build(tls_shared->table, &n);
	gen = tls_shared->table ? tls_shared->table->generation : gen;
	shm_unlock(&tls_shared->lock);
	if (ret < 0) {
		tls_cred_failed_gen = gen;
		SC_ERR("tls_gnutls: cannot build credentials for generation %llu, "
		       "%s", (unsigned long long)gen, tls_cred_cur ?
		       "new connections keep the previous one" :
		       "TLS connections are refused");
		return;
	}
	SC_INFO("tls_gnutls: credentials of generation %llu in use",
		(unsigned long long)gen);
	tls_cred_put(tls_cred_cur);
	tls_cred_cur = n;
}

struct tls_cred *tls_cred_get(void)
{
	uint64_t gen = __atomic_load_n(&tls_shared->generation,
				       __ATOMIC_ACQUIRE);

	if ((!tls_cred_cur || tls_cred_cur->generation != gen) &&
	    gen != tls_cred_failed_gen)
		cred_refresh(gen);
	if (!tls_cred_cur)
		return NULL;
	tls_cred_cur->refs++;
	return tls_cred_cur;
}

void tls_cred_release_current(void)
{
	tls_cred_put(tls_cred_cur);
	tls_cred_cur = NULL;
}

struct tls_cred_dom *tls_cred_server(struct tls_cred *c,
				     const struct sockaddr *local,
				     const char *sni)
{
	int i = tls_lookup(c->doms, c->n, sizeof(*c->doms), TLS_DOM_SERVER,
			   local, sni);

	return i < 0 ? NULL : &c->doms[i];
}

struct tls_cred_dom *tls_cred_client(struct tls_cred *c,
				     const struct sockaddr *dst,
				     const char *host)
{
	int i = tls_lookup(c->doms, c->n, sizeof(*c->doms), TLS_DOM_CLIENT,
			   dst, host);

	return i < 0 ? NULL : &c->doms[i];
}
