/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_gnutls: the parameter table (prefix: tls_param).
 *
 * Each parameter is one line of TLS_PARAMS: its name, Kamailio's alias, the
 * kind of value, the field it fills and its limits. Both the module's own
 * table (tls_param_defs) and the table it exports to the core
 * (tls_param_exports) are generated from that list; every row has the one
 * generic setter, which finds its definition in ctx->arg. The core refuses
 * a scope on a global row and splits a "[SCOPE]" value prefix, so the
 * setter sees ctx->scope only. Parameters only validate and store: files
 * are read in mod_init and reload (tls_mod.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sipcore/sipcore.h>

#include "tls_cfg.h"
#include "tls_params.h"
#include "tls_scache.h"
#include "tls_ticket.h"
#include "tls_priority.h"

/* 30 days: longer is no rotation at all */
#define TLS_TKT_LIFETIME_MAX 2592000

#define DOM(f) offsetof(struct tls_dom_cfg, f)
#define GLB(f) offsetof(struct tls_cfg, f)
#define STR TLS_PK_STR
#define BOOL TLS_PK_BOOL
#define INT TLS_PK_INT
#define GLOBAL TLS_PF_GLOBAL
#define SECRET TLS_PF_SECRET

static int tls_param_check_sni(const char *s, char *err, size_t errlen);

/*
 * X(ID, name, alias, kind, flags, field offset, min, max, what, check).
 * GnuTLS logs premaster and master secrets and key blocks from level 9 on
 * (_gnutls_hard_log): tls_log_level stops below, a log must never hold
 * those.
 */
#define TLS_PARAMS(X)                                                         \
	X(CERTIFICATE, "tls_certificate", "certificate", STR, 0,             \
	  DOM(certificate), 0, 0, "a certificate file (PEM or DER)", NULL)   \
	X(PRIVATE_KEY, "tls_private_key", "private_key", STR, 0,             \
	  DOM(private_key), 0, 0,                                             \
	  "a private key file (PEM or DER) or a pkcs11: URL", NULL)           \
	X(KEY_PASSWORD, "tls_private_key_password", "private_key_password",  \
	  STR, SECRET, DOM(private_key_password), 0, 0,                       \
	  "the private key's password", NULL)                                 \
	X(CA_LIST, "tls_ca_list", "ca_list", STR, 0, DOM(ca_list), 0, 0,      \
	  "a file of trusted CA certificates", NULL)                          \
	X(CRL, "tls_crl", "crl", STR, 0, DOM(crl), 0, 0, "a CRL file", NULL)  \
	X(CIPHERS, "tls_ciphers_list", "cipher_list", STR, 0, DOM(ciphers),   \
	  0, 0, "an OpenSSL cipher list or a GnuTLS priority string", NULL)   \
	X(METHOD, "tls_method", "method", STR, 0, DOM(method), 0, 0,          \
	  "a TLS method", tls_prio_method_valid)                              \
	X(PRIORITY, "tls_priority", NULL, STR, 0, DOM(priority), 0, 0,        \
	  "a GnuTLS priority string", tls_prio_check)                         \
	X(VERIFY, "tls_verify", "verify_certificate", BOOL, 0, DOM(verify),   \
	  0, 1, NULL, NULL)                                                   \
	X(REQUIRE, "tls_require_certificate", "require_certificate", BOOL, 0, \
	  DOM(require_certificate), 0, 1, NULL, NULL)                         \
	X(DEPTH, "tls_verify_depth", "verify_depth", INT, 0,                  \
	  DOM(verify_depth), 0, 64, "a certificate chain depth", NULL)        \
	X(SERVER_NAME, "tls_server_name", "server_name", STR, 0,              \
	  DOM(server_name), 0, 0, "a host name (TLS SNI)",                    \
	  tls_param_check_sni)                                                \
	X(HS_TIMEOUT, "tls_handshake_timeout", "handshake_timeout", INT,      \
	  GLOBAL, GLB(handshake_timeout), 1, 3600, "a number of seconds",     \
	  NULL)                                                               \
	X(SEND_TIMEOUT, "tls_send_timeout", "send_timeout", INT, GLOBAL,      \
	  GLB(send_timeout), 1, 3600, "a number of seconds", NULL)            \
	X(SEND_CA_NAMES, "tls_send_ca_names", NULL, BOOL, GLOBAL,             \
	  GLB(send_ca_names), 0, 1, NULL, NULL)                               \
	X(TICKETS, "tls_session_tickets", NULL, BOOL, GLOBAL,                 \
	  GLB(session_tickets), 0, 1, NULL, NULL)                             \
	X(TICKET_LIFETIME, "tls_ticket_key_lifetime", NULL, INT, GLOBAL,      \
	  GLB(ticket_key_lifetime), 1, TLS_TKT_LIFETIME_MAX,                  \
	  "a number of seconds", NULL)                                        \
	X(TICKET_KEY_FILE, "tls_ticket_key_file", NULL, STR, GLOBAL,          \
	  GLB(ticket_key_file), 0, 0,                                         \
	  "a file of at least 32 secret bytes", tls_tkt_file_check)           \
	X(SESSION_CACHE, "tls_session_cache", NULL, INT, GLOBAL,              \
	  GLB(session_cache), 0, TLS_SCACHE_MAX,                              \
	  "a number of sessions (0: none)", NULL)                             \
	X(CORE_DUMPS, "tls_allow_core_dumps", NULL, BOOL, GLOBAL,             \
	  GLB(allow_core_dumps), 0, 1, NULL, NULL)                            \
	X(LOG_LEVEL, "tls_log_level", NULL, INT, GLOBAL, GLB(log_level), 0,   \
	  TLS_LOG_LEVEL_MAX,                                                  \
	  "a GnuTLS debug level (9 and above log session secrets)", NULL)

enum {
#define X(id, ...) TLS_P_##id,
	TLS_PARAMS(X)
#undef X
	TLS_P_COUNT
};

const struct tls_param_def tls_param_defs[] = {
#define X(id, name, alias, kind, flags, off, min, max, what, check)           \
	[TLS_P_##id] = { name, alias, kind, flags, off, min, max, what, check },
	TLS_PARAMS(X)
#undef X
};

static int tls_param_set(const struct sc_param_ctx *ctx,
			 const struct sc_param_value *v, char *err,
			 size_t errlen);

/* ints also come as strings: tls_verify="1", "[10.0.0.2:5061]1" */
#define TLS_PARAM_TYPES(kind)                                                 \
	((kind) == STR ? (unsigned)SC_PARAM_STR                                \
		       : (unsigned)(SC_PARAM_INT | SC_PARAM_STR))
#define TLS_PARAM_FLAGS(flags)                                                \
	(((flags) & GLOBAL ? 0u : SC_PARAM_SCOPED) |                          \
	 ((flags) & SECRET ? SC_PARAM_SECRET : 0u))

const struct sc_param_export tls_param_exports[] = {
#define X(id, nm, al, kd, fl, ...)                                            \
	{ .name = nm, .alias = al, .types = TLS_PARAM_TYPES(kd),              \
	  .flags = TLS_PARAM_FLAGS(fl), .set = tls_param_set,                 \
	  .arg = &tls_param_defs[TLS_P_##id] },
	TLS_PARAMS(X)
#undef X
	{ .name = NULL },
};

const struct tls_param_def *tls_param_find(const char *name)
{
	size_t i;

	for (i = 0; i < TLS_P_COUNT; i++) {
		const struct tls_param_def *p = &tls_param_defs[i];

		if (strcmp(p->name, name) == 0 ||
		    (p->alias && strcmp(p->alias, name) == 0))
			return p;
	}
	return NULL;
}

/* An SNI name goes on the wire and into a fixed tls_dom_id buffer. */
static int tls_param_check_sni(const char *s, char *err, size_t errlen)
{
	size_t i, n = strlen(s);

	if (n > 255) {
		snprintf(err, errlen, "a server name has at most 255 "
			 "characters, got %zu", n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= ' ' || ch >= 0x7f) {
			snprintf(err, errlen, "expected a host name (TLS SNI) "
				 "without spaces or control characters, got "
				 "'%.64s'", s);
			return -1;
		}
	}
	return 0;
}

/* ---- the generic setter ------------------------------------------------- */

/* Drop a leading "tls_method: " the checker adds: the core names the
 * parameter already, as the user spelt it. */
static void tls_param_strip_name(const struct tls_param_def *p, char *err)
{
	size_t n = strlen(p->name);

	if (strncmp(err, p->name, n) == 0 && err[n] == ':' && err[n + 1] == ' ')
		memmove(err, err + n + 2, strlen(err + n + 2) + 1);
}

static int tls_param_str(const struct tls_param_def *p, const char *s,
			 char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (n == 0)
		return 0;	/* explicitly none */
	if (n > TLS_PARAM_STR_MAX) {
		snprintf(err, errlen, "value too long (%zu characters, at most "
			 "%d)", n, TLS_PARAM_STR_MAX);
		return -1;
	}
	if (p->check && p->check(s, err, errlen) < 0) {
		tls_param_strip_name(p, err);
		return -1;
	}
	return 0;
}

static int tls_param_range_err(const struct tls_param_def *p,
			       const char *got, char *err, size_t errlen)
{
	if (p->kind == TLS_PK_BOOL)
		snprintf(err, errlen, "expected 0 or 1, got %s", got);
	else
		snprintf(err, errlen, "expected %s from %d to %d, got %s",
			 p->what, p->min, p->max, got);
	return -1;
}

/* An int or bool, given as a number or (after a scope prefix) a string. */
static int tls_param_int(const struct tls_param_def *p,
			 const struct sc_param_value *v, const char *s,
			 int *out, char *err, size_t errlen)
{
	char got[64];
	long n = v->i;

	if (v->type == SC_PARAM_STR) {
		char *end;

		snprintf(got, sizeof(got), "'%.40s'", s);
		if (!(*s == '-' || (*s >= '0' && *s <= '9')))
			return tls_param_range_err(p, got, err, errlen);
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno || *end)
			return tls_param_range_err(p, got, err, errlen);
	} else {
		snprintf(got, sizeof(got), "%ld", n);
	}
	if (n < p->min || n > p->max)
		return tls_param_range_err(p, got, err, errlen);
	*out = (int)n;
	return 0;
}

static int tls_param_store(const struct tls_param_def *p, void *base,
			   const char *s, int n, char *err, size_t errlen)
{
	char **field, *copy;

	if (p->kind != TLS_PK_STR) {
		*(int *)((char *)base + p->off) = n;
		return 0;
	}
	copy = strdup(s);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	field = (char **)((char *)base + p->off);
	/* not only TLS_PF_SECRET: a pkcs11: key URL may carry its PIN */
	if (*field)
		explicit_bzero(*field, strlen(*field));
	free(*field);
	*field = copy;
	return 0;
}

int tls_param_apply(struct tls_cfg *c, const struct tls_param_def *p,
		    const struct sc_param_ctx *ctx,
		    const struct sc_param_value *v, char *err, size_t errlen)
{
	const char *scope = ctx->scope, *s = "";
	struct sockaddr_storage addr;
	enum tls_dom_kind kind;
	struct tls_dom_cfg *d = NULL;
	socklen_t addrlen;
	int is_default, n = 0;
	void *base = c;

	if (v->type == SC_PARAM_STR) {
		s = v->s ? v->s : "";
	} else if (p->kind == TLS_PK_STR) {
		snprintf(err, errlen, "expected %s (a string), got %ld",
			 p->what, v->i);
		return -1;
	}
	/* the scope first: it is what the user sees wrong first */
	if (scope && tls_cfg_parse_scope(scope, &kind, &is_default, &addr,
					 &addrlen, err, errlen) < 0)
		return -1;
	if (p->kind == TLS_PK_STR) {
		if (tls_param_str(p, s, err, errlen) < 0)
			return -1;
	} else if (tls_param_int(p, v, s, &n, err, errlen) < 0) {
		return -1;
	}
	if (!(p->flags & TLS_PF_GLOBAL)) {
		d = tls_cfg_domain(c, scope, ctx->file, ctx->line, err,
				   errlen);
		if (!d)
			return -1;
		if (p == &tls_param_defs[TLS_P_SERVER_NAME] && scope &&
		    d->kind == TLS_DOM_SERVER) {
			snprintf(err, errlen, "a server domain is named by its "
				 "scope, tls_domain[IP:port/NAME]; "
				 "tls_server_name is the name outgoing "
				 "connections send (client domains and the "
				 "global value)");
			return -1;
		}
		base = d;
	}
	if (tls_param_store(p, base, s, n, err, errlen) < 0)
		return -1;
	if (!(p->flags & TLS_PF_GLOBAL) &&
	    tls_cfg_note(d, p->off, ctx->file, ctx->line) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* What the core calls for every row: the row's definition is its arg. */
static int tls_param_set(const struct sc_param_ctx *ctx,
			 const struct sc_param_value *v, char *err,
			 size_t errlen)
{
	return tls_param_apply(&tls_cfg, ctx->arg, ctx, v, err, errlen);
}
