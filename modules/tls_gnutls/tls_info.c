/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Peer information of a TLS connection (prefix: tls_info).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tls_info.h"

#define TLS_INFO_MAX_SAN 64

struct tls_info {
	struct sc_peer_info pi;
	char version[32];
	char cipher[128];
	char verify_msg[256];
	char *subject;
	char *issuer;
	char *san[TLS_INFO_MAX_SAN];
};

static char *datum_strdup(gnutls_datum_t *d)
{
	char *s = malloc(d->size + 1);

	if (s) {
		memcpy(s, d->data, d->size);
		s[d->size] = '\0';
	}
	gnutls_free(d->data);
	d->data = NULL;
	return s;
}

static char *san_text(unsigned type, const unsigned char *v, size_t len)
{
	const char *prefix;
	char ip[INET6_ADDRSTRLEN];
	char *out;
	size_t n;

	switch (type) {
	case GNUTLS_SAN_DNSNAME: prefix = "DNS:"; break;
	case GNUTLS_SAN_URI: prefix = "URI:"; break;
	case GNUTLS_SAN_RFC822NAME: prefix = "EMAIL:"; break;
	case GNUTLS_SAN_IPADDRESS:
		if (len == 4)
			inet_ntop(AF_INET, v, ip, sizeof(ip));
		else if (len == 16)
			inet_ntop(AF_INET6, v, ip, sizeof(ip));
		else
			return NULL;
		n = strlen(ip) + 4;
		out = malloc(n);
		if (out)
			snprintf(out, n, "IP:%s", ip);
		return out;
	default:
		return NULL;
	}
	n = strlen(prefix) + len + 1;
	out = malloc(n);
	if (out)
		snprintf(out, n, "%s%.*s", prefix, (int)len, (const char *)v);
	return out;
}

static void info_cert(struct tls_info *i, gnutls_session_t s)
{
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;
	unsigned n = 0, k;

	certs = gnutls_certificate_get_peers(s, &n);
	if (!certs || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0)
		goto out;
	if (gnutls_x509_crt_get_dn3(crt, &d, 0) == 0)
		i->subject = datum_strdup(&d);
	if (gnutls_x509_crt_get_issuer_dn3(crt, &d, 0) == 0)
		i->issuer = datum_strdup(&d);
	for (k = 0; i->pi.nsan < TLS_INFO_MAX_SAN; k++) {
		unsigned char buf[1024];
		size_t len = sizeof(buf);
		unsigned type = 0;
		char *t;
		int r = gnutls_x509_crt_get_subject_alt_name2(crt, k, buf,
							      &len, &type,
							      NULL);

		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (r < 0)
			continue;
		t = san_text(type, buf, len);
		if (t)
			i->san[i->pi.nsan++] = t;
	}
out:
	gnutls_x509_crt_deinit(crt);
}

struct tls_info *tls_info_new(gnutls_session_t s, int verified,
			      const char *verify_msg)
{
	struct tls_info *i = calloc(1, sizeof(*i));
	const char *v, *cs;

	if (!i)
		return NULL;
	v = gnutls_protocol_get_name(gnutls_protocol_get_version(s));
	cs = gnutls_ciphersuite_get(s);
	snprintf(i->version, sizeof(i->version), "%s", v ? v : "?");
	snprintf(i->cipher, sizeof(i->cipher), "%s", cs ? cs : "?");
	snprintf(i->verify_msg, sizeof(i->verify_msg), "%s",
		 verify_msg ? verify_msg : "");
	info_cert(i, s);
	i->pi.version = i->version;
	i->pi.cipher = i->cipher;
	i->pi.verified = verified;
	i->pi.verify_msg = i->verify_msg;
	i->pi.subject = i->subject;
	i->pi.issuer = i->issuer;
	i->pi.san = (const char *const *)i->san;
	i->pi.resumed = gnutls_session_is_resumed(s);
	return i;
}

const struct sc_peer_info *tls_info_peer(const struct tls_info *i)
{
	return &i->pi;
}

void tls_info_free(struct tls_info *i)
{
	unsigned k;

	if (!i)
		return;
	for (k = 0; k < i->pi.nsan; k++)
		free(i->san[k]);
	free(i->subject);
	free(i->issuer);
	free(i);
}
