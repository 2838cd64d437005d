/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The TLS domain table in shared memory (prefix: tls_dom, dom_).
 *
 * The master turns the configured domains into one table: every file is
 * read here, once, and checked with GnuTLS (chain order, key/certificate
 * match, password, CA and CRL syntax) so that a mistake stops the start or
 * the reload with a message naming the domain and the file, instead of
 * surfacing later as a handshake failure in some worker. Workers only copy
 * bytes out of the table (tls_cred.c); they never open a file.
 *
 * Everything a table points to is in shared memory and belongs to the table:
 * tls_dom_table_free() releases it all, wiping key material first.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <sipcore/addr.h>
#include <sipcore/log.h>
#include <sipcore/module.h>
#include <sipcore/shm.h>

#include "tls_domain.h"
#include "tls_lookup.h"
#include "tls_priority.h"
#include "tls_util.h"

/* Certificates, keys, CA bundles and CRLs are small; a bigger file is
 * almost surely the wrong file, and it would be copied into every worker. */
#define DOM_FILE_MAX ((size_t)1 << 20)

#define DOM_PKCS11 "pkcs11:"

struct tls_shared *tls_shared;

/* What one domain's build needs besides the entry itself. */
struct dom_ctx {
	const struct tls_cfg *c;
	const struct tls_dom_cfg *src;	/* as configured */
	struct tls_dom_cfg eff;		/* effective settings */
	struct tls_dom *d;
	time_t now;
	char *err;
	size_t errlen;
	/* the setting being applied: errors name where it was written */
	size_t off;
};

#define DOM_OFF(f) offsetof(struct tls_dom_cfg, f)
#define DOM_NO_OFF ((size_t)-1)

/* ---- errors and small helpers -------------------------------------------- */

/* "tls domain NAME: ..." into the caller's buffer; always -1. */
__attribute__((format(printf, 2, 3)))
static int dom_fail(struct dom_ctx *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	char where[300] = "";

	if (!x->errlen)
		return -1;
	if (x->off != DOM_NO_OFF)
		tls_cfg_where(x->c, x->src, x->off, where, sizeof(where));
	n = snprintf(x->err, x->errlen, "%stls domain %s: ", where,
		     x->d->id.name);
	if (n < 0 || (size_t)n >= x->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int dom_fail_gnutls(struct dom_ctx *x, int rc, const char *what)
{
	const char *name = gnutls_strerror_name(rc);

	return dom_fail(x, "%s: %s (%s)", what, name ? name : "?",
			gnutls_strerror(rc));
}

static int dom_nomem(struct dom_ctx *x)
{
	return dom_fail(x, "out of shared memory");
}

static int dom_set(const char *s)
{
	return s && *s;
}

/* shm copy of @s into *@dst; NULL/"" stays NULL. */
static int dom_strdup(struct dom_ctx *x, char **dst, const char *s)
{
	if (!dom_set(s))
		return 0;
	*dst = shm_strdup(s);
	return *dst ? 0 : dom_nomem(x);
}

static void dom_fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

/* ---- names --------------------------------------------------------------- */

static void dom_format_name(struct tls_dom_id *id)
{
	const char *kind = id->kind == TLS_DOM_CLIENT ? "client" : "server";
	char a[SC_ADDR_STRLEN];

	if (id->is_default) {
		snprintf(id->name, sizeof(id->name), "%s:default", kind);
	} else if (id->addr.ss_family == AF_INET ||
		   id->addr.ss_family == AF_INET6) {
		snprintf(id->name, sizeof(id->name), "%s:%s", kind,
			 sc_addr_str((const struct sockaddr *)&id->addr, a,
				     sizeof(a)));
	} else {
		snprintf(id->name, sizeof(id->name), "%s:?", kind);
	}
}

static int dom_fill_id(struct dom_ctx *x, enum tls_dom_kind kind,
		       int is_default)
{
	struct tls_dom_id *id = &x->d->id;
	const char *sn = x->eff.server_name;

	id->kind = kind;
	id->is_default = is_default;
	memset(&id->addr, 0, sizeof(id->addr));
	id->addr.ss_family = AF_UNSPEC;
	id->addrlen = 0;
	if (!is_default) {
		id->addr = x->eff.addr;
		id->addrlen = x->eff.addrlen;
	}
	dom_format_name(id);
	if (sn && strlen(sn) >= sizeof(id->server_name))
		return dom_fail(x, "server_name '%.40s...' is longer than %zu "
				"characters", sn, sizeof(id->server_name) - 1);
	if (sn)
		strcpy(id->server_name, sn);
	/* several server domains on one address differ by their name */
	if (sn && kind == TLS_DOM_SERVER && !is_default) {
		size_t l = strlen(id->name);

		snprintf(id->name + l, sizeof(id->name) - l, "/%s", sn);
	}
	return 0;
}

/* ---- files --------------------------------------------------------------- */

/*
 * Read @path (already resolved) into a shm blob. Key files are wiped from
 * the private heap once copied (@secret).
 */
static int dom_read(struct dom_ctx *x, const char *param, const char *path,
		    int secret, struct tls_blob *blob)
{
	unsigned char *buf = NULL;
	size_t len = 0, size = 0;
	struct stat st;
	ssize_t r;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dom_fail(x, "%s '%s': %s", param, path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		dom_fail(x, "%s '%s': %s", param, path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		dom_fail(x, "%s '%s': not a regular file", param, path);
		goto out;
	}
	if ((unsigned long long)st.st_size > DOM_FILE_MAX) {
		dom_fail(x, "%s '%s': %lld bytes, more than the %zu bytes a "
			 "certificate, key, CA or CRL file may have (wrong "
			 "file?)", param, path, (long long)st.st_size,
			 DOM_FILE_MAX);
		goto out;
	}
	size = (size_t)st.st_size;
	if (!size) {
		dom_fail(x, "%s '%s': the file is empty", param, path);
		goto out;
	}
	buf = malloc(size);
	if (!buf) {
		dom_fail(x, "%s '%s': out of memory", param, path);
		goto out;
	}
	/* a file that grows meanwhile is cut at its size seen by fstat */
	while (len < size) {
		r = read(fd, buf + len, size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			dom_fail(x, "%s '%s': %s", param, path,
				 strerror(errno));
			goto out;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	if (!len) {
		dom_fail(x, "%s '%s': the file is empty", param, path);
		goto out;
	}
	blob->data = shm_memdup(buf, len);
	if (!blob->data) {
		dom_nomem(x);
		goto out;
	}
	blob->len = len;
	rc = 0;
out:
	if (buf && secret)
		gnutls_memset(buf, 0, size);
	free(buf);
	close(fd);
	return rc;
}

/* Resolve @file against the config dir, keep the result for messages. */
static int dom_path(struct dom_ctx *x, const char *file, char **shm_path)
{
	char *p = sc_cfg_path(file);

	if (!p)
		return dom_fail(x, "'%s': out of memory", file);
	*shm_path = shm_strdup(p);
	free(p);
	return *shm_path ? 0 : dom_nomem(x);
}

/* ---- certificates -------------------------------------------------------- */

static void dom_crts_free(gnutls_x509_crt_t *crts, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
}

/* PEM (one or more), else DER (one) when the file has no PEM armour. */
static int dom_import_crts(const struct tls_blob *b, gnutls_x509_crt_t **crts,
			   unsigned *n)
{
	gnutls_datum_t dt = tls_blob_datum(b);
	int rc;

	*crts = NULL;
	*n = 0;
	rc = gnutls_x509_crt_list_import2(crts, n, &dt, GNUTLS_X509_FMT_PEM,
					  0);
	if (rc < 0 && !tls_blob_is_pem(b))
		rc = gnutls_x509_crt_list_import2(crts, n, &dt,
						  GNUTLS_X509_FMT_DER, 0);
	if (rc >= 0 && !*n) {
		gnutls_free(*crts);
		*crts = NULL;
		rc = GNUTLS_E_NO_CERTIFICATE_FOUND;
	}
	return rc;
}

/*
 * Say why a file did not parse. A PEM file without the expected armour is
 * most often the wrong file (a key given as the certificate, a CA list as
 * the CRL): say that rather than GnuTLS's base64 complaint.
 */
static int dom_import_fail(struct dom_ctx *x, int rc, const char *param,
			   const char *file, const struct tls_blob *b,
			   int crl)
{
	char msg[PATH_MAX + 160];
	const char *want = crl ? "X509 CRL" : "CERTIFICATE";
	int armour;

	if (crl)
		armour = memmem(b->data, b->len, "-----BEGIN X509 CRL", 19) !=
			 NULL;
	else
		armour = memmem(b->data, b->len, "-----BEGIN CERTIFICATE",
				22) ||
			 memmem(b->data, b->len, "-----BEGIN X509 CERTIFICATE",
				27);
	if (tls_blob_is_pem(b) && !armour)
		return dom_fail(x, "%s '%s': PEM file without a \"-----BEGIN "
				"%s-----\" block (wrong file?)", param, file,
				want);
	snprintf(msg, sizeof(msg), "%s '%s': %s", param, file,
		 tls_blob_is_pem(b) ? "bad PEM" : "neither PEM nor DER");
	return dom_fail_gnutls(x, rc, msg);
}

/* Expiry and not-yet-valid are warnings: the admin may know better. */
static void dom_check_times(struct dom_ctx *x, gnutls_x509_crt_t *crts,
			    unsigned n)
{
	gnutls_datum_t dn = { NULL, 0 };
	char when[64];
	time_t act, exp;
	unsigned i;

	for (i = 0; i < n; i++) {
		act = gnutls_x509_crt_get_activation_time(crts[i]);
		exp = gnutls_x509_crt_get_expiration_time(crts[i]);
		if (!(exp != (time_t)-1 && exp < x->now) &&
		    !(act != (time_t)-1 && act > x->now))
			continue;
		if (gnutls_x509_crt_get_dn3(crts[i], &dn, 0) < 0)
			dn.data = NULL;
		if (exp != (time_t)-1 && exp < x->now) {
			dom_fmt_time(exp, when, sizeof(when));
			SC_WARN("tls_gnutls: domain %s: certificate %u ('%s') in %s "
				"EXPIRED on %s: peers will refuse it",
				x->d->id.name, i,
				dn.data ? (char *)dn.data : "?",
				x->d->cert_file, when);
		}
		if (act != (time_t)-1 && act > x->now) {
			dom_fmt_time(act, when, sizeof(when));
			SC_WARN("tls_gnutls: domain %s: certificate %u ('%s') in %s "
				"is not valid before %s: peers will refuse it "
				"until then", x->d->id.name, i,
				dn.data ? (char *)dn.data : "?",
				x->d->cert_file, when);
		}
		gnutls_free(dn.data);
		dn.data = NULL;
	}
}

/* The chain must be sent leaf first, each certificate followed by its
 * issuer: GnuTLS sends it as it is and peers may not reorder it. */
static int dom_check_order(struct dom_ctx *x, gnutls_x509_crt_t *crts,
			   unsigned n)
{
	unsigned i;

	for (i = 0; i + 1 < n; i++)
		if (!gnutls_x509_crt_check_issuer(crts[i], crts[i + 1]))
			return dom_fail(x, "certificate chain in %s is not "
					"sorted (leaf first, then each "
					"issuer): certificate %u is not "
					"issued by certificate %u",
					x->d->cert_file, i, i + 1);
	return 0;
}

/* ---- private key --------------------------------------------------------- */

static int dom_import_key(const struct tls_blob *b, const char *pass,
			  gnutls_x509_privkey_t *key)
{
	gnutls_datum_t dt = tls_blob_datum(b);
	int rc;

	rc = gnutls_x509_privkey_init(key);
	if (rc < 0)
		return rc;
	rc = gnutls_x509_privkey_import2(*key, &dt, GNUTLS_X509_FMT_PEM, pass,
					 0);
	if (rc < 0 && !tls_blob_is_pem(b)) {
		/* a failed import may leave state behind: start afresh */
		gnutls_x509_privkey_deinit(*key);
		rc = gnutls_x509_privkey_init(key);
		if (rc < 0)
			return rc;
		rc = gnutls_x509_privkey_import2(*key, &dt,
						 GNUTLS_X509_FMT_DER, pass, 0);
	}
	if (rc < 0) {
		gnutls_x509_privkey_deinit(*key);
		*key = NULL;
	}
	return rc;
}

static int dom_key_fail(struct dom_ctx *x, int rc)
{
	struct tls_dom *d = x->d;
	char msg[PATH_MAX + 40];

	if (rc == GNUTLS_E_DECRYPTION_FAILED && d->key_password) {
		x->off = DOM_OFF(private_key_password);
		return dom_fail(x, "wrong tls_private_key_password for %s",
				d->key_file);
	}
	if (rc == GNUTLS_E_DECRYPTION_FAILED)
		return dom_fail(x, "private key %s is encrypted: set "
				"tls_private_key_password", d->key_file);
	snprintf(msg, sizeof(msg), "bad private key %s", d->key_file);
	return dom_fail_gnutls(x, rc, msg);
}

/* Same public key in both: compare GnuTLS key ids (hash of the SPKI). */
static int dom_check_match(struct dom_ctx *x, gnutls_x509_crt_t leaf,
			   gnutls_x509_privkey_t key)
{
	unsigned char a[64], b[64];
	size_t al = sizeof(a), bl = sizeof(b);
	int rc;

	rc = gnutls_x509_crt_get_key_id(leaf, GNUTLS_KEYID_USE_SHA256, a, &al);
	if (rc < 0)
		return dom_fail_gnutls(x, rc, "gnutls_x509_crt_get_key_id()");
	rc = gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, b,
					    &bl);
	if (rc < 0)
		return dom_fail_gnutls(x, rc,
				       "gnutls_x509_privkey_get_key_id()");
	if (al != bl || memcmp(a, b, al) != 0)
		return dom_fail(x, "private key %s does not match certificate "
				"%s", x->d->key_file, x->d->cert_file);
	return 0;
}

/*
 * A private key others can read is no longer private. Not refused (the
 * admin may have a group for it on purpose), but said at every load.
 */
static void dom_key_mode(struct dom_ctx *x)
{
	struct stat st;

	if (stat(x->d->key_file, &st) < 0 ||
	    !(st.st_mode & (S_IRGRP | S_IROTH)))
		return;
	SC_WARN("tls_gnutls: domain %s: private key %s is readable by %s (mode "
		"%04o): make it readable by its owner only (chmod 600)",
		x->d->id.name, x->d->key_file,
		(st.st_mode & S_IROTH) ? "everyone" : "its group",
		(unsigned)(st.st_mode & 07777));
}

static int dom_load_key(struct dom_ctx *x, gnutls_x509_crt_t leaf)
{
	struct tls_dom *d = x->d;
	const char *file = x->eff.private_key;
	gnutls_x509_privkey_t key = NULL;
	int rc;

	x->off = DOM_OFF(private_key);
	if (dom_strdup(x, &d->key_password, x->eff.private_key_password) < 0)
		return -1;
	if (!dom_set(file))
		return dom_fail(x, "tls_certificate %s is set but "
				"tls_private_key is empty", d->cert_file);
	if (!strncasecmp(file, DOM_PKCS11, sizeof(DOM_PKCS11) - 1)) {
		/* not read here: the master's credential check (tls_mod.c)
		 * and then each worker open the token themselves, GnuTLS
		 * re-initialising PKCS#11 after fork */
		if (dom_strdup(x, &d->key_url, file) < 0)
			return -1;
		/* messages name the object, never a "?pin-value=" */
		d->key_file = shm_memdup(file, strcspn(file, "?"));
		return d->key_file ? 0 : dom_nomem(x);
	}
	if (dom_path(x, file, &d->key_file) < 0 ||
	    dom_read(x, "tls_private_key", d->key_file, 1, &d->key) < 0)
		return -1;
	dom_key_mode(x);
	rc = dom_import_key(&d->key, d->key_password, &key);
	if (rc < 0)
		return dom_key_fail(x, rc);
	rc = dom_check_match(x, leaf, key);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

/* ---- certificate + key --------------------------------------------------- */

/* The certificate is the built-in default (neither scoped nor global). */
static int dom_cert_builtin(const struct dom_ctx *x)
{
	return !x->src->certificate && !x->c->global.certificate;
}

/* 1: there is no certificate and that is fine (client), 0: load it, -1. */
static int dom_cert_absent(struct dom_ctx *x)
{
	struct tls_dom *d = x->d;
	struct stat st;
	int missing;

	if (!dom_set(x->eff.certificate)) {
		if (d->id.kind == TLS_DOM_CLIENT) {
			SC_INFO("tls_gnutls: domain %s: no client certificate "
				"(tls_certificate is empty)", d->id.name);
			return 1;
		}
		return dom_fail(x, "tls_certificate is empty: a server needs "
				"a certificate");
	}
	if (dom_path(x, x->eff.certificate, &d->cert_file) < 0)
		return -1;
	missing = stat(d->cert_file, &st) < 0 && errno == ENOENT;
	if (!dom_cert_builtin(x) || !missing)
		return 0;
	if (d->id.kind == TLS_DOM_CLIENT) {
		SC_INFO("tls_gnutls: domain %s: no client certificate (the default "
			"%s does not exist; set tls_certificate to send one)",
			d->id.name, d->cert_file);
		shm_free(d->cert_file);
		d->cert_file = NULL;
		return 1;
	}
	if (d->id.is_default) {
		/* fine while every tls listener has a domain of its own:
		 * listener_init refuses one that falls back to this */
		SC_INFO("tls_gnutls: domain %s: no certificate (the default %s does "
			"not exist)", d->id.name, d->cert_file);
		shm_free(d->cert_file);
		d->cert_file = NULL;
		return 1;
	}
	return dom_fail(x, "no certificate: the default tls_certificate '%s' "
			"does not exist; set tls_certificate (and "
			"tls_private_key) to your server's files",
			d->cert_file);
}

static int dom_load_cert_key(struct dom_ctx *x)
{
	struct tls_dom *d = x->d;
	gnutls_x509_crt_t *crts = NULL;
	unsigned n = 0;
	int rc;

	x->off = DOM_OFF(certificate);
	rc = dom_cert_absent(x);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (dom_read(x, "tls_certificate", d->cert_file, 0, &d->cert) < 0)
		return -1;
	rc = dom_import_crts(&d->cert, &crts, &n);
	if (rc < 0)
		return dom_import_fail(x, rc, "tls_certificate", d->cert_file,
				       &d->cert, 0);
	rc = dom_check_order(x, crts, n);
	if (!rc)
		rc = dom_load_key(x, crts[0]);
	if (!rc)
		dom_check_times(x, crts, n);
	dom_crts_free(crts, n);
	return rc;
}

/* ---- CA list and CRL ----------------------------------------------------- */

static int dom_load_ca(struct dom_ctx *x)
{
	struct tls_dom *d = x->d;
	gnutls_x509_crt_t *crts;
	unsigned n;
	int rc;

	if (!dom_set(x->eff.ca_list))
		return 0;
	x->off = DOM_OFF(ca_list);
	if (dom_path(x, x->eff.ca_list, &d->ca_file) < 0 ||
	    dom_read(x, "tls_ca_list", d->ca_file, 0, &d->ca) < 0)
		return -1;
	rc = dom_import_crts(&d->ca, &crts, &n);
	if (rc < 0)
		return dom_import_fail(x, rc, "tls_ca_list", d->ca_file,
				       &d->ca, 0);
	SC_DBG("tls_gnutls: domain %s: %u trusted CA certificate(s) in %s",
	       d->id.name, n, d->ca_file);
	dom_crts_free(crts, n);
	return 0;
}

static void dom_crls_free(gnutls_x509_crl_t *crls, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		gnutls_x509_crl_deinit(crls[i]);
	gnutls_free(crls);
}

static int dom_import_crls(const struct tls_blob *b, gnutls_x509_crl_t **crls,
			   unsigned *n)
{
	gnutls_datum_t dt = tls_blob_datum(b);
	int rc;

	*crls = NULL;
	*n = 0;
	rc = gnutls_x509_crl_list_import2(crls, n, &dt, GNUTLS_X509_FMT_PEM,
					  0);
	if (rc < 0 && !tls_blob_is_pem(b))
		rc = gnutls_x509_crl_list_import2(crls, n, &dt,
						  GNUTLS_X509_FMT_DER, 0);
	if (rc < 0)
		return rc;
	if (!*n) {
		gnutls_free(*crls);
		*crls = NULL;
		return GNUTLS_E_BASE64_DECODING_ERROR;
	}
	return 0;
}

/* What verification of a CRL says beyond its dates. */
#define DOM_CRL_DATES (GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED | \
		       GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE)

/* "CRL 0 (issuer 'CN=...')" into @buf, for messages. */
static const char *dom_crl_name(gnutls_x509_crl_t crl, unsigned i, char *buf,
				size_t len)
{
	gnutls_datum_t dn = { NULL, 0 };

	if (gnutls_x509_crl_get_issuer_dn3(crl, &dn, 0) < 0)
		dn.data = NULL;
	snprintf(buf, len, "CRL %u (issuer '%s')", i,
		 dn.data ? (const char *)dn.data : "?");
	gnutls_free(dn.data);
	return buf;
}

/*
 * A CRL only means something when one of the domain's CAs signed it: a
 * CRL of another CA revokes nothing GnuTLS will ever check, and a forged
 * one must not pass as a list of revocations. Refused at load, at the
 * tls_crl line. A stale CRL (past its next update) or one dated in the
 * future is a warning: GnuTLS still uses it, and the file may be
 * refreshed by a job that runs later.
 */
static int dom_check_crl(struct dom_ctx *x, gnutls_x509_crl_t crl, unsigned i,
			 const gnutls_x509_crt_t *cas, unsigned ncas)
{
	gnutls_datum_t why = { NULL, 0 };
	char name[400], when[64];
	unsigned status = 0, bad;
	time_t next, upd;
	int rc;

	dom_crl_name(crl, i, name, sizeof(name));
	rc = gnutls_x509_crl_verify(crl, cas, ncas, 0, &status);
	if (rc < 0) {
		char msg[PATH_MAX + 480];

		snprintf(msg, sizeof(msg), "tls_crl '%s': %s",
			 x->d->crl_file, name);
		return dom_fail_gnutls(x, rc, msg);
	}
	bad = status & ~(unsigned)DOM_CRL_DATES;
	/* a date problem alone also sets the general INVALID bit */
	if (bad == GNUTLS_CERT_INVALID && (status & DOM_CRL_DATES))
		bad = 0;
	if (bad) {
		if (gnutls_certificate_verification_status_print(
			    bad, GNUTLS_CRT_X509, &why, 0) < 0)
			why.data = NULL;
		rc = dom_fail(x, "tls_crl '%s': %s is signed by no CA of "
			      "tls_ca_list '%s' (%s)", x->d->crl_file, name,
			      x->d->ca_file,
			      why.data ? (const char *)why.data : "?");
		gnutls_free(why.data);
		return rc;
	}
	next = gnutls_x509_crl_get_next_update(crl);
	if (next != (time_t)-1 && next < x->now) {
		dom_fmt_time(next, when, sizeof(when));
		SC_WARN("tls_gnutls: domain %s: %s in %s is past its next update "
			"(%s): refresh the file and reload", x->d->id.name,
			name, x->d->crl_file, when);
	}
	upd = gnutls_x509_crl_get_this_update(crl);
	if (upd != (time_t)-1 && upd > x->now) {
		dom_fmt_time(upd, when, sizeof(when));
		SC_WARN("tls_gnutls: domain %s: %s in %s is dated in the future "
			"(%s): check the clock", x->d->id.name, name,
			x->d->crl_file, when);
	}
	return 0;
}

static int dom_load_crl(struct dom_ctx *x)
{
	struct tls_dom *d = x->d;
	gnutls_x509_crt_t *cas = NULL;
	gnutls_x509_crl_t *crls = NULL;
	unsigned ncas = 0, n = 0, i;
	int rc;

	x->off = DOM_OFF(crl);
	if (!dom_set(x->eff.crl))
		return 0;
	if (dom_path(x, x->eff.crl, &d->crl_file) < 0 ||
	    dom_read(x, "tls_crl", d->crl_file, 0, &d->crl) < 0)
		return -1;
	rc = dom_import_crls(&d->crl, &crls, &n);
	if (rc < 0)
		return dom_import_fail(x, rc, "tls_crl", d->crl_file, &d->crl,
				       1);
	if (!d->ca.len) {
		rc = dom_fail(x, "tls_crl '%s' needs tls_ca_list: a CRL is "
			      "checked against the CA that signed it",
			      d->crl_file);
		goto out;
	}
	/* dom_load_ca() parsed the same bytes already */
	rc = dom_import_crts(&d->ca, &cas, &ncas);
	if (rc < 0) {
		rc = dom_import_fail(x, rc, "tls_ca_list", d->ca_file, &d->ca,
				     0);
		goto out;
	}
	for (i = 0; i < n && !rc; i++)
		rc = dom_check_crl(x, crls[i], i, cas, ncas);
	dom_crts_free(cas, ncas);
out:
	dom_crls_free(crls, n);
	return rc;
}

/* ---- priority and verification ------------------------------------------- */

static int dom_priority(struct dom_ctx *x)
{
	struct tls_dom *d = x->d;
	char perr[512] = "", suites[1024];
	char *prio = NULL;
	unsigned flags = 0;

	if (tls_prio_build(x->eff.method, x->eff.ciphers, x->eff.priority,
			   &prio, &flags, perr, sizeof(perr)) < 0) {
		/* tls_priority wins over the others; else the message says
		 * which of method and ciphers it is about */
		if (dom_set(x->eff.priority))
			x->off = DOM_OFF(priority);
		else if (dom_set(x->eff.ciphers) &&
			 strncmp(perr, "tls_method", 10) != 0)
			x->off = DOM_OFF(ciphers);
		else
			x->off = DOM_OFF(method);
		return dom_fail(x, "%s", perr[0] ? perr : "bad priority");
	}
	d->priority = shm_strdup(prio);
	free(prio);
	if (!d->priority)
		return dom_nomem(x);
	d->prio_flags = flags;
	SC_NOTICE("tls_gnutls: domain %s: priority \"%s\"", d->id.name, d->priority);
	if (flags & TLS_PRIO_NULL_CIPHERS)
		SC_WARN("tls_gnutls: domain %s: NULL ciphers (no encryption) were "
			"requested: GnuTLS cannot use them with TLS 1.3, so "
			"TLS 1.3 is switched off for this domain",
			d->id.name);
	if ((flags & TLS_PRIO_COARSE) &&
	    tls_prio_describe(d->priority, suites, sizeof(suites)) >= 0)
		SC_NOTICE("tls_gnutls: domain %s: GnuTLS selects algorithms, not "
			  "suites: the cipher list enables these suites: %s",
			  d->id.name, suites);
	return 0;
}

static int dom_verify(struct dom_ctx *x)
{
	struct tls_dom *d = x->d;

	d->verify = x->eff.verify;
	d->require_certificate = x->eff.require_certificate;
	d->verify_depth = x->eff.verify_depth;
	/* a client always sees the server's certificate: require is moot */
	if (d->id.kind == TLS_DOM_SERVER && d->require_certificate > 0 &&
	    d->verify <= 0)
		SC_WARN("tls_gnutls: domain %s: tls_require_certificate=1 has no "
			"effect without tls_verify=1 (as in the seed, a "
			"certificate is only requested with tls_verify=1)",
			d->id.name);
	x->off = DOM_OFF(verify);
	if (d->verify > 0 && !dom_set(x->eff.ca_list))
		return dom_fail(x, "tls_verify=1 needs tls_ca_list (the CAs "
				"that peer certificates are checked against)");
	return 0;
}

/* ---- one domain, the table ----------------------------------------------- */

static int dom_build_one(const struct tls_cfg *c,
			 const struct tls_dom_cfg *src, enum tls_dom_kind kind,
			 int is_default, struct tls_dom *d, time_t now,
			 char *err, size_t errlen)
{
	struct dom_ctx x = {
		.c = c, .src = src, .d = d, .now = now,
		.err = err, .errlen = errlen, .off = DOM_NO_OFF,
	};

	tls_cfg_effective(c, src, &x.eff);
	if (dom_fill_id(&x, kind, is_default) < 0 || dom_priority(&x) < 0 ||
	    dom_verify(&x) < 0 || dom_load_cert_key(&x) < 0 ||
	    dom_load_ca(&x) < 0 || dom_load_crl(&x) < 0)
		return -1;
	tls_dom_dontdump(d);
	SC_INFO("tls_gnutls: domain %s: certificate %s, key %s, CA %s, CRL %s, "
		"verify %d, require %d, depth %d", d->id.name,
		d->cert_file ? d->cert_file : "-",
		d->key_file ? d->key_file : "-",
		d->ca_file ? d->ca_file : "-",
		d->crl_file ? d->crl_file : "-", d->verify,
		d->require_certificate, d->verify_depth);
	return 0;
}

/* The generated default of @kind: the global settings under that key. */
static void dom_default_cfg(const struct tls_cfg *c, enum tls_dom_kind kind,
			    struct tls_dom_cfg *out)
{
	*out = c->global;
	out->kind = kind;
	out->is_default = 1;
	out->scope = NULL;
	memset(&out->addr, 0, sizeof(out->addr));
	out->addr.ss_family = AF_UNSPEC;
	out->addrlen = 0;
	out->next = NULL;
}

/* The configured domain of table slot @slot (>= 2: the scoped ones). */
static const struct tls_dom_cfg *dom_cfg_of_slot(const struct tls_cfg *c,
						 unsigned slot)
{
	const struct tls_dom_cfg *d;
	unsigned i = 2;

	for (d = c->domains; d; d = d->next) {
		if (d->is_default)
			continue;
		if (i++ == slot)
			return d;
	}
	return NULL;
}

/*
 * Two entries under the same key would make lookup arbitrary. Scopes that
 * read alike were merged when parsed; what is left are two spellings of
 * one address (10.0.0.1 and ::ffff:10.0.0.1). Only scoped domains can
 * collide: the defaults are one each.
 */
static int dom_check_unique(const struct tls_cfg *c,
			    const struct tls_dom_table *t, char *err,
			    size_t errlen)
{
	const struct tls_dom_id *a, *b;
	const struct tls_dom_cfg *where;
	char pre[300] = "";
	unsigned i, j;

	for (i = 2; i < t->n; i++) {
		for (j = i + 1; j < t->n; j++) {
			a = &t->doms[i].id;
			b = &t->doms[j].id;
			if (!tls_lookup_same_key(a, b))
				continue;
			where = dom_cfg_of_slot(c, j);
			if (where && where->file)
				snprintf(pre, sizeof(pre), "%s:%d: ",
					 where->file, where->line);
			snprintf(err, errlen, "%stls domain %s: the same "
				 "address and name as tls domain %s (configured "
				 "twice)", pre, b->name, a->name);
			return -1;
		}
	}
	return 0;
}

/*
 * A client chooses a named domain by sending its name, so a named domain
 * that asks less than the domain serving its address without a name
 * (verification off, or a certificate no longer required) lets any
 * client skip the address's checks. Allowed, as the admin may mean it,
 * but said loudly, with the domain that asks more.
 */
static void dom_warn_weaker_sni(const struct tls_dom_table *t)
{
	const struct tls_dom *n, *a;
	unsigned i;
	int j;

	for (i = 2; i < t->n; i++) {
		n = &t->doms[i];
		if (n->id.kind != TLS_DOM_SERVER || !n->id.server_name[0])
			continue;
		j = tls_lookup(t->doms, t->n, sizeof(*t->doms),
			       TLS_DOM_SERVER,
			       (const struct sockaddr *)&n->id.addr, NULL);
		if (j < 0 || (unsigned)j == i)
			continue;
		a = &t->doms[j];
		if (a->verify > 0 && n->verify <= 0)
			SC_WARN("tls_gnutls: domain %s: tls_verify=0, but domain %s "
				"of the same address verifies clients: a "
				"client that sends the name '%s' (SNI) is not "
				"verified", n->id.name, a->id.name,
				n->id.server_name);
		else if (a->verify > 0 && a->require_certificate > 0 &&
			 n->require_certificate <= 0)
			SC_WARN("tls_gnutls: domain %s: tls_require_certificate=0, "
				"but domain %s of the same address requires a "
				"client certificate: a client that sends the "
				"name '%s' (SNI) gets in without one",
				n->id.name, a->id.name, n->id.server_name);
	}
}

int tls_dom_build(const struct tls_cfg *c, struct tls_dom_table **out,
		  char *err, size_t errlen)
{
	const struct tls_dom_cfg *d, *src;
	struct tls_dom_cfg defs[2];
	struct tls_dom_table *t;
	time_t now = time(NULL);
	unsigned n = 2, i;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	dom_default_cfg(c, TLS_DOM_SERVER, &defs[TLS_DOM_SERVER]);
	dom_default_cfg(c, TLS_DOM_CLIENT, &defs[TLS_DOM_CLIENT]);
	for (d = c->domains; d; d = d->next)
		if (!d->is_default)
			n++;
	t = shm_calloc(1, sizeof(*t));
	if (!t)
		goto nomem;
	t->doms = shm_calloc(n, sizeof(*t->doms));
	if (!t->doms)
		goto nomem;
	t->n = n;

	/* slots 0 and 1: the defaults, scoped ones replacing generated ones */
	for (i = 0; i < 2; i++) {
		src = &defs[i];
		for (d = c->domains; d; d = d->next)
			if (d->is_default && d->kind == (enum tls_dom_kind)i)
				src = d;
		if (dom_build_one(c, src, (enum tls_dom_kind)i, 1,
				  &t->doms[i], now, err, errlen) < 0)
			goto fail;
	}
	for (d = c->domains; d; d = d->next) {
		if (d->is_default)
			continue;
		if (dom_build_one(c, d, d->kind, 0, &t->doms[i], now, err,
				  errlen) < 0)
			goto fail;
		i++;
	}
	if (dom_check_unique(c, t, err, errlen) < 0)
		goto fail;
	dom_warn_weaker_sni(t);
	*out = t;
	return 0;
nomem:
	snprintf(err, errlen, "tls domains: out of shared memory");
fail:
	tls_dom_table_free(t);
	return -1;
}

/* ---- freeing and installing ---------------------------------------------- */

/* Exclude the pages holding [p, p + len) from this process's core dumps. */
static void dom_dontdump(const void *p, size_t len)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE), start, end;

	if (!p || !len || !pg || pg == (uintptr_t)-1)
		return;
	start = (uintptr_t)p & ~(pg - 1);
	end = ((uintptr_t)p + len + pg - 1) & ~(pg - 1);
	if (madvise((void *)start, end - start, MADV_DONTDUMP) < 0)
		SC_DBG("tls_gnutls: madvise(MADV_DONTDUMP): %s", strerror(errno));
}

void tls_dom_dontdump(const struct tls_dom *d)
{
	dom_dontdump(d->key.data, d->key.len);
	if (d->key_password)
		dom_dontdump(d->key_password, strlen(d->key_password));
	if (d->key_url)
		dom_dontdump(d->key_url, strlen(d->key_url));
}

static void dom_wipe_free(void *p, size_t len)
{
	if (!p)
		return;
	gnutls_memset(p, 0, len);
	shm_free(p);
}

static void dom_free(struct tls_dom *d)
{
	dom_wipe_free(d->key.data, d->key.len);
	if (d->key_password)
		dom_wipe_free(d->key_password, strlen(d->key_password));
	if (d->key_url)
		dom_wipe_free(d->key_url, strlen(d->key_url));
	shm_free(d->cert.data);
	shm_free(d->ca.data);
	shm_free(d->crl.data);
	shm_free(d->priority);
	shm_free(d->cert_file);
	shm_free(d->key_file);
	shm_free(d->ca_file);
	shm_free(d->crl_file);
	memset(d, 0, sizeof(*d));
}

void tls_dom_table_free(struct tls_dom_table *t)
{
	unsigned i;

	if (!t)
		return;
	for (i = 0; t->doms && i < t->n; i++)
		dom_free(&t->doms[i]);
	shm_free(t->doms);
	shm_free(t);
}

int tls_shared_init(void)
{
	struct tls_shared *s;

	if (tls_shared)
		return 0;
	s = shm_calloc(1, sizeof(*s));
	if (!s) {
		SC_ERR("tls_gnutls: out of shared memory for the module's state");
		return -1;
	}
	if (shm_lock_init(&s->lock) != 0) {
		SC_ERR("tls_gnutls: cannot initialise the domain table lock");
		shm_free(s);
		return -1;
	}
	tls_shared = s;
	return 0;
}

/*
 * The old table is freed under the lock: a worker copies what it needs out
 * of the table while holding the same lock, so nobody can be reading it.
 * @t NULL drops the current table (module shutdown) and keeps the
 * generation, so that no worker mistakes "nothing" for a new table.
 */
void tls_dom_install(struct tls_dom_table *t)
{
	struct tls_dom_table *old;
	uint64_t gen;

	if (!tls_shared) {
		SC_CRIT("tls_gnutls: tls_dom_install() before tls_shared_init()");
		tls_dom_table_free(t);
		return;
	}
	shm_lock(&tls_shared->lock);
	old = tls_shared->table;
	tls_shared->table = t;
	if (t) {
		gen = tls_shared->generation + 1;
		t->generation = gen;
		__atomic_store_n(&tls_shared->generation, gen,
				 __ATOMIC_RELEASE);
	}
	tls_dom_table_free(old);
	shm_unlock(&tls_shared->lock);
}
