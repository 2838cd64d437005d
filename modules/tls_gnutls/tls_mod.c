/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_gnutls: module exports, parameters and life cycle (prefixes: tls_mod,
 * tls_param).
 *
 * Parameters only validate and store (tls_cfg.c); everything that reads a
 * file or builds a GnuTLS object happens in mod_init and reload, in the
 * master, before anything is installed: a bad key, certificate or password
 * stops startup, and a bad reload leaves the running generation alone.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <gnutls/gnutls.h>

#include <sipcore/sipcore.h>

#include "tls_cfg.h"
#include "tls_conn.h"
#include "tls_cred.h"
#include "tls_domain.h"
#include "tls_params.h"
#include "tls_priority.h"
#include "tls_ticket.h"
#include "tls_util.h"

/* ---- parameter table ---------------------------------------------------- */

/* above this GnuTLS logs session secrets (see the table) */
#define TLS_LOG_LEVEL_MAX 8
/* 30 days: longer is no rotation at all */
#define TLS_TKT_LIFETIME_MAX 2592000

#define DOM(f) offsetof(struct tls_dom_cfg, f)
#define GLB(f) offsetof(struct tls_cfg, f)

enum {
	TLS_P_CERTIFICATE,
	TLS_P_PRIVATE_KEY,
	TLS_P_KEY_PASSWORD,
	TLS_P_CA_LIST,
	TLS_P_CRL,
	TLS_P_CIPHERS,
	TLS_P_METHOD,
	TLS_P_PRIORITY,
	TLS_P_VERIFY,
	TLS_P_REQUIRE,
	TLS_P_DEPTH,
	TLS_P_SERVER_NAME,
	TLS_P_HS_TIMEOUT,
	TLS_P_SEND_TIMEOUT,
	TLS_P_SEND_CA_NAMES,
	TLS_P_TICKETS,
	TLS_P_TICKET_LIFETIME,
	TLS_P_CORE_DUMPS,
	TLS_P_LOG_LEVEL,
	TLS_P_COUNT
};

static int tls_param_check_sni(const char *s, char *err, size_t errlen);

const struct tls_param_def tls_param_defs[TLS_P_COUNT] = {
	[TLS_P_CERTIFICATE] = { "tls_certificate", "certificate", TLS_PK_STR,
		0, DOM(certificate), 0, 0,
		"a certificate file (PEM or DER)", NULL },
	[TLS_P_PRIVATE_KEY] = { "tls_private_key", "private_key", TLS_PK_STR,
		0, DOM(private_key), 0, 0,
		"a private key file (PEM or DER) or a pkcs11: URL", NULL },
	[TLS_P_KEY_PASSWORD] = { "tls_private_key_password",
		"private_key_password", TLS_PK_STR,
		TLS_PF_SECRET, DOM(private_key_password), 0, 0,
		"the private key's password", NULL },
	[TLS_P_CA_LIST] = { "tls_ca_list", "ca_list", TLS_PK_STR,
		0, DOM(ca_list), 0, 0,
		"a file of trusted CA certificates", NULL },
	[TLS_P_CRL] = { "tls_crl", "crl", TLS_PK_STR, 0, DOM(crl),
		0, 0, "a CRL file", NULL },
	[TLS_P_CIPHERS] = { "tls_ciphers_list", "cipher_list", TLS_PK_STR,
		0, DOM(ciphers), 0, 0,
		"an OpenSSL cipher list or a GnuTLS priority string", NULL },
	[TLS_P_METHOD] = { "tls_method", "method", TLS_PK_STR, 0,
		DOM(method), 0, 0, "a TLS method", tls_prio_method_valid },
	[TLS_P_PRIORITY] = { "tls_priority", NULL, TLS_PK_STR, 0,
		DOM(priority), 0, 0, "a GnuTLS priority string",
		tls_prio_check },
	[TLS_P_VERIFY] = { "tls_verify", "verify_certificate", TLS_PK_BOOL, 0,
		DOM(verify), 0, 1, NULL, NULL },
	[TLS_P_REQUIRE] = { "tls_require_certificate", "require_certificate",
		TLS_PK_BOOL, 0, DOM(require_certificate), 0, 1, NULL, NULL },
	[TLS_P_DEPTH] = { "tls_verify_depth", "verify_depth", TLS_PK_INT, 0,
		DOM(verify_depth), 0, 64, "a certificate chain depth", NULL },
	[TLS_P_SERVER_NAME] = { "tls_server_name", "server_name", TLS_PK_STR,
		0, DOM(server_name), 0, 0,
		"a host name (TLS SNI)", tls_param_check_sni },
	[TLS_P_HS_TIMEOUT] = { "tls_handshake_timeout", "handshake_timeout",
		TLS_PK_INT, TLS_PF_GLOBAL, GLB(handshake_timeout), 1, 3600,
		"a number of seconds", NULL },
	[TLS_P_SEND_TIMEOUT] = { "tls_send_timeout", "send_timeout",
		TLS_PK_INT, TLS_PF_GLOBAL, GLB(send_timeout), 1, 3600,
		"a number of seconds", NULL },
	[TLS_P_SEND_CA_NAMES] = { "tls_send_ca_names", NULL, TLS_PK_BOOL,
		TLS_PF_GLOBAL, GLB(send_ca_names), 0, 1, NULL, NULL },
	[TLS_P_TICKETS] = { "tls_session_tickets", NULL, TLS_PK_BOOL,
		TLS_PF_GLOBAL, GLB(session_tickets), 0, 1, NULL, NULL },
	[TLS_P_TICKET_LIFETIME] = { "tls_ticket_key_lifetime", NULL,
		TLS_PK_INT, TLS_PF_GLOBAL, GLB(ticket_key_lifetime), 1,
		TLS_TKT_LIFETIME_MAX, "a number of seconds", NULL },
	[TLS_P_CORE_DUMPS] = { "tls_allow_core_dumps", NULL, TLS_PK_BOOL,
		TLS_PF_GLOBAL, GLB(allow_core_dumps), 0, 1, NULL, NULL },
	/* GnuTLS logs premaster and master secrets and key blocks from
	 * level 9 on (_gnutls_hard_log): a log must never hold those */
	[TLS_P_LOG_LEVEL] = { "tls_log_level", NULL, TLS_PK_INT,
		TLS_PF_GLOBAL, GLB(log_level), 0, TLS_LOG_LEVEL_MAX,
		"a GnuTLS debug level (9 and above log session secrets)",
		NULL },
};

const size_t tls_param_ndefs = TLS_P_COUNT;

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

int tls_param_split_scope(const char *s, char *scope, size_t scopelen,
			  const char **rest, char *err, size_t errlen)
{
	const char *e;
	size_t len;
	int depth = 0;

	for (e = s; *e; e++) {
		if (*e == '[')
			depth++;
		else if (*e == ']' && --depth == 0)
			break;
	}
	if (!*e) {
		snprintf(err, errlen, "missing ']' after the scope in "
			 "'%.64s' (expected \"[SCOPE]value\", e.g. "
			 "\"[10.0.0.2:5061]value\")", s);
		return -1;
	}
	len = (size_t)(e - s - 1);
	if (len == 0) {
		snprintf(err, errlen, "empty scope '[]' (expected "
			 "\"[SCOPE]value\", e.g. \"[10.0.0.2:5061]value\")");
		return -1;
	}
	if (len >= scopelen) {
		snprintf(err, errlen, "scope '%.64s...' is too long (at most "
			 "%zu characters)", s + 1, scopelen - 1);
		return -1;
	}
	memcpy(scope, s + 1, len);
	scope[len] = '\0';
	for (e++; *e == ' ' || *e == '\t'; e++)
		;
	*rest = e;
	return 0;
}

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
	char pscope[128];
	const char *scope = ctx->scope, *s = "";
	struct sockaddr_storage addr;
	enum tls_dom_kind kind;
	struct tls_dom_cfg *d = NULL;
	socklen_t addrlen;
	int is_default, n = 0;
	void *base = c;

	if (v->type == SC_PARAM_STR) {
		s = v->s ? v->s : "";
		if (*s == '[') {
			if (tls_param_split_scope(s, pscope, sizeof(pscope), &s,
						  err, errlen) < 0) {
				/* the message quotes the value: not a
				 * password */
				if (p->flags & TLS_PF_SECRET)
					snprintf(err, errlen, "a value that "
						 "starts with '[' must be "
						 "\"[SCOPE]value\" (the value "
						 "is secret, not shown)");
				return -1;
			}
			if (scope) {
				snprintf(err, errlen, "scope given twice: "
					 "'[%s]' in the value inside "
					 "tls_domain[%.64s]; give it once, "
					 "either as the block or as the "
					 "prefix", pscope, scope);
				return -1;
			}
			scope = pscope;
		}
	} else if (p->kind == TLS_PK_STR) {
		snprintf(err, errlen, "expected %s (a string), got %ld",
			 p->what, v->i);
		return -1;
	}
	if (scope && (p->flags & TLS_PF_GLOBAL)) {
		snprintf(err, errlen, "cannot be set per domain (scope "
			 "'%.64s'): it is a global setting; give it outside "
			 "tls_domain blocks and without a [SCOPE] prefix",
			 scope);
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

/* ---- exported setters: one per parameter, aliases share it -------------- */

#define TLS_SETTER(fn, idx)                                                   \
	static int fn(const struct sc_param_ctx *ctx,                         \
		      const struct sc_param_value *v, char *err,              \
		      size_t errlen)                                          \
	{                                                                     \
		return tls_param_apply(&tls_cfg, &tls_param_defs[idx], ctx,   \
				       v, err, errlen);                       \
	}

TLS_SETTER(tls_set_certificate, TLS_P_CERTIFICATE)
TLS_SETTER(tls_set_private_key, TLS_P_PRIVATE_KEY)
TLS_SETTER(tls_set_key_password, TLS_P_KEY_PASSWORD)
TLS_SETTER(tls_set_ca_list, TLS_P_CA_LIST)
TLS_SETTER(tls_set_crl, TLS_P_CRL)
TLS_SETTER(tls_set_ciphers, TLS_P_CIPHERS)
TLS_SETTER(tls_set_method, TLS_P_METHOD)
TLS_SETTER(tls_set_priority, TLS_P_PRIORITY)
TLS_SETTER(tls_set_verify, TLS_P_VERIFY)
TLS_SETTER(tls_set_require, TLS_P_REQUIRE)
TLS_SETTER(tls_set_depth, TLS_P_DEPTH)
TLS_SETTER(tls_set_server_name, TLS_P_SERVER_NAME)
TLS_SETTER(tls_set_hs_timeout, TLS_P_HS_TIMEOUT)
TLS_SETTER(tls_set_send_timeout, TLS_P_SEND_TIMEOUT)
TLS_SETTER(tls_set_send_ca_names, TLS_P_SEND_CA_NAMES)
TLS_SETTER(tls_set_tickets, TLS_P_TICKETS)
TLS_SETTER(tls_set_ticket_lifetime, TLS_P_TICKET_LIFETIME)
TLS_SETTER(tls_set_core_dumps, TLS_P_CORE_DUMPS)
TLS_SETTER(tls_set_log_level, TLS_P_LOG_LEVEL)

#define S_ SC_PARAM_STR
/* ints also come as strings: "[10.0.0.2:5061]1" */
#define I_ (SC_PARAM_INT | SC_PARAM_STR)

static const struct sc_param_export tls_mod_params[] = {
	{ "tls_certificate", S_, NULL, tls_set_certificate },
	{ "tls_private_key", S_, NULL, tls_set_private_key },
	{ "tls_private_key_password", S_, NULL, tls_set_key_password },
	{ "tls_ca_list", S_, NULL, tls_set_ca_list },
	{ "tls_crl", S_, NULL, tls_set_crl },
	{ "tls_ciphers_list", S_, NULL, tls_set_ciphers },
	{ "tls_method", S_, NULL, tls_set_method },
	{ "tls_priority", S_, NULL, tls_set_priority },
	{ "tls_verify", I_, NULL, tls_set_verify },
	{ "tls_require_certificate", I_, NULL, tls_set_require },
	{ "tls_verify_depth", I_, NULL, tls_set_depth },
	{ "tls_server_name", S_, NULL, tls_set_server_name },
	{ "tls_handshake_timeout", I_, NULL, tls_set_hs_timeout },
	{ "tls_send_timeout", I_, NULL, tls_set_send_timeout },
	{ "tls_send_ca_names", I_, NULL, tls_set_send_ca_names },
	{ "tls_session_tickets", I_, NULL, tls_set_tickets },
	{ "tls_ticket_key_lifetime", I_, NULL, tls_set_ticket_lifetime },
	{ "tls_allow_core_dumps", I_, NULL, tls_set_core_dumps },
	{ "tls_log_level", I_, NULL, tls_set_log_level },
	/* Kamailio's names */
	{ "certificate", S_, NULL, tls_set_certificate },
	{ "private_key", S_, NULL, tls_set_private_key },
	{ "private_key_password", S_, NULL, tls_set_key_password },
	{ "ca_list", S_, NULL, tls_set_ca_list },
	{ "crl", S_, NULL, tls_set_crl },
	{ "cipher_list", S_, NULL, tls_set_ciphers },
	{ "method", S_, NULL, tls_set_method },
	{ "verify_certificate", I_, NULL, tls_set_verify },
	{ "require_certificate", I_, NULL, tls_set_require },
	{ "verify_depth", I_, NULL, tls_set_depth },
	{ "server_name", S_, NULL, tls_set_server_name },
	{ "handshake_timeout", I_, NULL, tls_set_hs_timeout },
	{ "send_timeout", I_, NULL, tls_set_send_timeout },
	{ NULL, 0, NULL, NULL },
};

#undef S_
#undef I_

/* ---- life cycle ---------------------------------------------------------- */

static unsigned long long tls_mod_generation(void)
{
	if (!tls_shared)
		return 0;
	return (unsigned long long)__atomic_load_n(&tls_shared->generation,
						   __ATOMIC_ACQUIRE);
}

static void tls_mod_gnutls_log(int level, const char *msg)
{
	size_t n = strlen(msg);

	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		n--;
	SC_DBG("tls_gnutls: gnutls[%d]: %.*s", level, (int)n, msg);
}

/*
 * Build a complete table from tls_cfg and make GnuTLS load every domain's
 * credentials once: only then are a key that does not match its
 * certificate, or a wrong password, found here in the master rather than
 * in every worker.
 */
static int tls_mod_build(struct tls_dom_table **out, char *err, size_t errlen)
{
	struct tls_dom_table *t = NULL;
	struct tls_cred *creds = NULL;

	if (tls_dom_build(&tls_cfg, &t, err, errlen) < 0) {
		if (!err[0])
			snprintf(err, errlen, "the TLS domains cannot be built");
		return -1;
	}
	if (tls_cred_build(t, &creds) < 0) {
		tls_dom_table_free(t);
		snprintf(err, errlen, "GnuTLS cannot load the domains' "
			 "credentials (see the error above)");
		return -1;
	}
	tls_cred_put(creds);
	*out = t;
	return 0;
}

/*
 * GNUTLS_DEBUG_LEVEL in the environment makes GnuTLS log to stderr by
 * itself, from when it is loaded; at 9 and above that includes session
 * secrets. tls_log_level cannot reach that, the environment can: say so,
 * and put the level back where tls_log_level wants it.
 */
static void tls_mod_env_log_level(void)
{
	const char *e = getenv("GNUTLS_DEBUG_LEVEL");

	if (!e || atoi(e) <= TLS_LOG_LEVEL_MAX)
		return;
	SC_WARN("tls_gnutls: GNUTLS_DEBUG_LEVEL=%s in the environment would "
		"make GnuTLS log session secrets (level 9 and above): using "
		"tls_log_level=%d instead", e, tls_cfg.log_level);
	gnutls_global_set_log_level(tls_cfg.log_level);
}

/*
 * Keys in a core dump are keys on disk, readable by whoever reads the
 * dump. The ticket keys' page is excluded from dumps (tls_ticket.c), the
 * private keys GnuTLS parsed into each worker's heap cannot be: unless
 * tls_allow_core_dumps=1, every process (workers inherit it over fork) is
 * made non-dumpable. That also stops ptrace by the same user and makes
 * /proc/PID/ files such as smaps root-only.
 */
static void tls_mod_dumpable(void)
{
	if (tls_cfg.allow_core_dumps) {
		SC_NOTICE("tls_gnutls: tls_allow_core_dumps=1: core dumps may "
			  "hold private keys and session keys");
		return;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		SC_WARN("tls_gnutls: prctl(PR_SET_DUMPABLE, 0): %s: core "
			"dumps may hold private keys", strerror(errno));
}

static int tls_mod_init(void)
{
	struct tls_dom_table *t;
	char err[1024] = "";

	if (sc_tls_disabled()) {
		SC_INFO("tls_gnutls: disable_tls=1: TLS transport not "
			  "registered");
		return 0;
	}
	/* GnuTLS 3.7 initialises itself when it is loaded */
	if (tls_cfg.log_level > 0) {
		gnutls_global_set_log_function(tls_mod_gnutls_log);
		gnutls_global_set_log_level(tls_cfg.log_level);
	}
	tls_mod_env_log_level();
	tls_mod_dumpable();
	if (tls_shared_init() < 0) {
		SC_ERR("tls_gnutls: cannot set up the shared TLS state");
		return -1;
	}
	if (tls_mod_build(&t, err, sizeof(err)) < 0) {
		SC_ERR("tls_gnutls: %s", err);
		return -1;
	}
	tls_dom_install(t);
	if (tls_tkt_init() < 0)
		return -1;
	if (sc_transport_register(&tls_conn_ops) < 0)
		return -1;
	SC_INFO("tls_gnutls: GnuTLS %s, domain generation %llu",
		gnutls_check_version(NULL), tls_mod_generation());
	return 0;
}

static int tls_mod_child_init(int rank)
{
	struct tls_cred *c;

	if (sc_tls_disabled())
		return 0;
	/* build now, so a problem shows at the worker's start, not at its
	 * first connection */
	c = tls_cred_get();
	if (!c) {
		SC_ERR("tls_gnutls: worker %d: no TLS credentials could be "
		       "built (see above)", rank);
		return -1;
	}
	tls_cred_put(c);
	return 0;
}

static int tls_mod_reload(void)
{
	unsigned long long gen = tls_mod_generation();
	struct tls_dom_table *t;
	char err[1024] = "";

	if (sc_tls_disabled()) {
		SC_INFO("tls_gnutls: disable_tls=1: nothing to reload");
		return 0;
	}
	/* every reload retires the ticket key, also one that fails */
	tls_tkt_rotate("reload");
	if (tls_mod_build(&t, err, sizeof(err)) < 0) {
		SC_ERR("tls_gnutls: reload failed, keeping generation %llu: %s",
		       gen, err);
		return -1;
	}
	tls_dom_install(t);
	SC_NOTICE("tls_gnutls: reloaded, generation %llu",
		  tls_mod_generation());
	return 0;
}

static void tls_mod_destroy(void)
{
	if (tls_shared && (tls_shared->handshakes ||
			   tls_shared->handshake_failures))
		SC_NOTICE("tls_gnutls: %llu handshakes (%llu resumed), %llu "
			  "failed, %llu refused by certificate checks",
			  (unsigned long long)tls_shared->handshakes,
			  (unsigned long long)tls_shared->resumed,
			  (unsigned long long)tls_shared->handshake_failures,
			  (unsigned long long)tls_shared->verify_failures);
	tls_cred_release_current();
	/* the workers are gone: the ticket keys are of no more use */
	tls_tkt_destroy();
	tls_cfg_free(&tls_cfg);
}

static const char *const tls_mod_provides[] = { "tls", NULL };

const struct sc_module_exports sc_module_exports = {
	.abi = SC_MODULE_ABI,
	.name = "tls_gnutls",
	.provides = tls_mod_provides,
	.params = tls_mod_params,
	.mod_init = tls_mod_init,
	.child_init = tls_mod_child_init,
	.mod_destroy = tls_mod_destroy,
	.reload = tls_mod_reload,
};
