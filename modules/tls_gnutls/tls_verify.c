/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Peer certificate verification (prefix: tls_verify).
 *
 * All chain, name, date and CRL logic is GnuTLS's: this file only decides,
 * per the seed's tls_verify / tls_require_certificate, when GnuTLS asks for
 * a certificate and when it must verify one.
 *
 * CA names: a server normally lists its trusted CAs in its certificate
 * request, and a GnuTLS client then withholds a certificate from any other
 * issuer. With verify=1 require=0 that would turn "a client with an
 * untrusted certificate is refused" into "is accepted as anonymous". So by
 * default (tls_send_ca_names=0) no names are sent: the client sends what it
 * has and verification decides, as the seed defines it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tls_cred.h"
#include "tls_verify.h"
#include "tls_verify_int.h"

/*
 * tls_verify_depth, as OpenSSL and Kamailio count it: how many CA
 * certificates may stand between the peer's certificate and a trusted one.
 * The peer's list is leaf first (GnuTLS has checked the chain); every
 * certificate after the leaf that is not self-signed, nor a repeat, is an
 * intermediate.
 * GnuTLS's own limit counts everything the peer sends, a root included,
 * so it only serves as an outer bound (tls_cred.c).
 */
/* @list[i] is a byte-for-byte repeat of an earlier certificate. */
static int verify_repeated(const gnutls_datum_t *list, unsigned i)
{
	unsigned k;

	for (k = 0; k < i; k++)
		if (list[k].size == list[i].size &&
		    memcmp(list[k].data, list[i].data, list[i].size) == 0)
			return 1;
	return 0;
}

static int verify_depth_ok(gnutls_session_t s, struct tls_verify_state *vs)
{
	const gnutls_datum_t *list;
	gnutls_x509_crt_t crt;
	unsigned n = 0, i, inter = 0;

	if (!vs || vs->max_depth < 0)
		return 1;
	list = gnutls_certificate_get_peers(s, &n);
	for (i = 1; list && i < n; i++) {
		if (verify_repeated(list, i))
			continue; /* a sloppy peer's duplicate is no CA */
		if (gnutls_x509_crt_init(&crt) < 0)
			return 0;
		if (gnutls_x509_crt_import(crt, &list[i],
					   GNUTLS_X509_FMT_DER) == 0 &&
		    !gnutls_x509_crt_check_issuer(crt, crt))
			inter++;
		gnutls_x509_crt_deinit(crt);
	}
	if (inter <= (unsigned)vs->max_depth)
		return 1;
	vs->status |= GNUTLS_CERT_INVALID;
	return 0;
}

/*
 * Check the peer's certificate with GnuTLS (on the client side also its
 * name or address: the typed data), then the depth. Without a certificate:
 * refused when @require, else accepted (verify=1 require=0). The status is
 * kept in the session's state for the logs.
 *
 * On the client side this is used instead of
 * gnutls_session_set_verify_cert2: that works through the same callback
 * slot, so the depth check could not be added beside it.
 */
/* @a equals @b ignoring ASCII case, @b being @blen bytes long. */
static int verify_caseeq(const char *a, const char *b, size_t blen)
{
	size_t i;

	if (strlen(a) != blen)
		return 0;
	for (i = 0; i < blen; i++) {
		char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

/*
 * RFC 5922 7.1 and 7.2: the SIP domain identities of a certificate are the
 * host parts of its "sip:" URI subjectAltNames without a user part; only
 * when there is none, its DNS names; only when it has no subjectAltName at
 * all, its CN. A wildcard is no identity. 1 when @domain is one of them.
 */
static int verify_sip_domain_of(gnutls_x509_crt_t crt, const char *domain)
{
	int have_uri = 0, have_san = 0, pass;
	char buf[512];
	size_t len;
	unsigned i;
	int type;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0;; i++) {
			len = sizeof(buf) - 1;
			type = gnutls_x509_crt_get_subject_alt_name(crt, i, buf,
								    &len, NULL);
			if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
				break;
			if (type < 0)
				continue; /* too long, or not decodable */
			have_san = 1;
			buf[len] = '\0';
			if (type == GNUTLS_SAN_URI && len > 4 &&
			    verify_caseeq("sip:", buf, 4) &&
			    !memchr(buf, '@', len)) {
				have_uri = 1;
				if (pass == 0 &&
				    verify_caseeq(domain, buf + 4, len - 4))
					return 1;
			}
			if (pass == 1 && type == GNUTLS_SAN_DNSNAME &&
			    !memchr(buf, '*', len) &&
			    verify_caseeq(domain, buf, len))
				return 1;
		}
		if (have_uri)
			return 0; /* DNS names count only without sip: URIs */
	}
	if (have_san)
		return 0;
	len = sizeof(buf) - 1;
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
					  0, buf, &len) < 0)
		return 0;
	return !memchr(buf, '*', len) && verify_caseeq(domain, buf, len);
}

/* The server's leaf certificate names the SIP domain we connected to. */
static int verify_sip_domain(gnutls_session_t s, const char *domain)
{
	const gnutls_datum_t *list;
	gnutls_x509_crt_t crt;
	unsigned n = 0;
	int ok = 0;

	list = gnutls_certificate_get_peers(s, &n);
	if (!list || !n || gnutls_x509_crt_init(&crt) < 0)
		return 0;
	if (gnutls_x509_crt_import(crt, &list[0], GNUTLS_X509_FMT_DER) == 0)
		ok = verify_sip_domain_of(crt, domain);
	gnutls_x509_crt_deinit(crt);
	return ok;
}

static int verify_peer(gnutls_session_t s, int require)
{
	struct tls_verify_state *vs = gnutls_session_get_ptr(s);
	unsigned n = 0, status = 0;
	int ret;

	if (!vs)
		return -1; /* every session of this module carries its state */
	if (!gnutls_certificate_get_peers(s, &n) || n == 0) {
		vs->checked = require;
		vs->no_cert = require;
		return require ? -1 : 0;
	}
	ret = gnutls_certificate_verify_peers(s, vs->nvdata ? vs->vdata : NULL,
					      vs->nvdata, &status);
	vs->checked = 1;
	vs->status = ret < 0 ? GNUTLS_CERT_INVALID : status;
	if (ret < 0 || status != 0)
		return -1;
	if (vs->sip_domain && !verify_sip_domain(s, vs->host)) {
		vs->status |= GNUTLS_CERT_INVALID | GNUTLS_CERT_UNEXPECTED_OWNER;
		return -1;
	}
	return verify_depth_ok(s, vs) ? 0 : -1;
}

static int verify_optional(gnutls_session_t s)
{
	return verify_peer(s, 0);
}

static int verify_required(gnutls_session_t s)
{
	return verify_peer(s, 1);
}

static int is_ip_literal(const char *host)
{
	unsigned char ip[16];

	return inet_pton(AF_INET, host, ip) == 1 ||
	       inet_pton(AF_INET6, host, ip) == 1;
}

/*
 * The peer's certificate must be meant for its side of TLS: a server's
 * for TLS WWW server authentication, a client's for client
 * authentication, as OpenSSL checks them for the seed (X509_PURPOSE
 * sslserver / sslclient). GnuTLS accepts a certificate without an EKU
 * extension for any purpose, and so do we; it also holds the CAs of the
 * chain to the purpose when they state EKUs. Always the first entry, so
 * the name or address can follow.
 */
static void verify_set_purpose(struct tls_verify_state *vs, int peer_is_server)
{
	gnutls_typed_vdata_st *vd = &vs->vdata[0];

	memset(vs->vdata, 0, sizeof(vs->vdata));
	vd->type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd->data = (unsigned char *)(peer_is_server ? GNUTLS_KP_TLS_WWW_SERVER
						    : GNUTLS_KP_TLS_WWW_CLIENT);
	vd->size = 0;
	vs->nvdata = 1;
}

/* What the server must be: kept in the session's verification state. */
static int verify_client_side(gnutls_session_t s, const char *host,
			      int sip_domain)
{
	struct tls_verify_state *vs = gnutls_session_get_ptr(s);
	gnutls_typed_vdata_st *vd;
	int ret;

	if (!vs)
		return GNUTLS_E_INVALID_REQUEST;
	verify_set_purpose(vs, 1);
	vd = &vs->vdata[1];
	gnutls_session_set_verify_function(s, verify_required);
	if (!host || !host[0])
		return 0; /* the chain and the purpose only */
	if (inet_pton(AF_INET, host, vs->ip) == 1) {
		vd->type = GNUTLS_DT_IP_ADDRESS;
		vd->data = vs->ip;
		vd->size = 4;
	} else if (inet_pton(AF_INET6, host, vs->ip) == 1) {
		vd->type = GNUTLS_DT_IP_ADDRESS;
		vd->data = vs->ip;
		vd->size = 16;
	} else {
		if (strlen(host) >= sizeof(vs->host))
			return GNUTLS_E_INVALID_REQUEST;
		strcpy(vs->host, host);
		/* never an IP literal here: SNI carries host names only */
		ret = gnutls_server_name_set(s, GNUTLS_NAME_DNS, vs->host,
					     strlen(vs->host));
		if (ret < 0)
			return ret;
		if (sip_domain) {
			/* GnuTLS checks the chain and purpose, we the name */
			vs->sip_domain = 1;
			return 0;
		}
		vd->type = GNUTLS_DT_DNS_HOSTNAME;
		vd->data = (unsigned char *)vs->host;
		vd->size = 0;
	}
	vs->nvdata = 2;
	return 0;
}

int tls_verify_setup(gnutls_session_t session, const struct tls_cred_dom *d,
		     int is_client, const char *host, int sip_domain,
		     int send_ca_names)
{
	struct tls_verify_state *vs = gnutls_session_get_ptr(session);

	if (vs) {
		vs->max_depth = d->verify_depth;
		if (!is_client)
			verify_set_purpose(vs, 0);
	}
	if (is_client) {
		if (d->verify)
			return verify_client_side(session, host, sip_domain);
		/* no check, but a name still selects the server's cert */
		if (host && host[0] && !is_ip_literal(host))
			return gnutls_server_name_set(session, GNUTLS_NAME_DNS,
						      host, strlen(host));
		return 0;
	}
	if (!send_ca_names)
		gnutls_certificate_send_x509_rdn_sequence(session, 1);
	if (!d->verify) {
		gnutls_certificate_server_set_request(session,
						      GNUTLS_CERT_IGNORE);
		return 0;
	}
	if (d->require_certificate) {
		gnutls_certificate_server_set_request(session,
						      GNUTLS_CERT_REQUIRE);
		gnutls_session_set_verify_function(session, verify_required);
		return 0;
	}
	gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUEST);
	gnutls_session_set_verify_function(session, verify_optional);
	return 0;
}

void tls_verify_describe(unsigned status, int no_cert, char *buf, size_t len)
{
	gnutls_datum_t out = { NULL, 0 };

	if (no_cert) {
		snprintf(buf, len, "no certificate");
		return;
	}
	if (status == GNUTLS_CERT_INVALID) {
		/*
		 * The bare INVALID bit, no reason bit: set by the depth
		 * check. verify_peer() sets it too when the verification
		 * call fails outright (an error, not a verdict), which this
		 * text then misnames; the handshake has parsed the chain
		 * by then, so that is rare.
		 */
		snprintf(buf, len, "certificate chain longer than "
			 "tls_verify_depth allows");
		return;
	}
	if (!status) {
		snprintf(buf, len, "ok");
		return;
	}
	if (gnutls_certificate_verification_status_print(status,
							 GNUTLS_CRT_X509,
							 &out, 0) < 0) {
		snprintf(buf, len, "verification failed (status 0x%x)", status);
		return;
	}
	snprintf(buf, len, "%s", (const char *)out.data);
	gnutls_free(out.data);
}

int tls_verify_result(gnutls_session_t session, char *buf, size_t len)
{
	struct tls_verify_state *vs = gnutls_session_get_ptr(session);
	unsigned n = 0;

	if (!gnutls_certificate_get_peers(session, &n) || n == 0) {
		snprintf(buf, len, vs && vs->checked ? "no certificate"
						     : "not checked");
		return 0;
	}
	if (vs && vs->checked) {
		tls_verify_describe(vs->status, 0, buf, len);
		return vs->status ? -1 : 1;
	}
	snprintf(buf, len, "not checked");
	return 0;
}
