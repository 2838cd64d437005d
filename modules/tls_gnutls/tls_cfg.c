/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TLS parameters as configured (prefix: tls_cfg).
 *
 * Plain data in the master's heap: scope parsing, the list of domains keyed
 * by (kind, default flag, address), and the inheritance rule domain >
 * globals > built-in defaults. Nothing here reads a file or touches GnuTLS.
 *
 * An empty string stored in a domain or in the globals means "explicitly
 * none": it overrides an inherited value and resolves to NULL in
 * tls_cfg_effective(), so that, say, one domain can drop a global CA list.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sipcore/addr.h>
#include <sipcore/module.h>

#include "tls_cfg.h"
#include "tls_scache.h"
#include "tls_ticket.h"

#define TLS_CFG_HANDSHAKE_TIMEOUT 120	/* seconds, as the seed */
#define TLS_CFG_SEND_TIMEOUT 120	/* seconds, as the seed */
#define TLS_CFG_VERIFY_DEPTH 9
#define TLS_CFG_SCOPE_MAX 128

#define TLS_CFG_SCOPE_FORMS                                                  \
	"IP:port, [IPv6]:port, server:IP:port, IP:port/NAME (a server "      \
	"domain chosen by TLS SNI), client:IP:port, server:default or "      \
	"client:default (port 1..65535)"

/*
 * Statically the same as tls_cfg_init() leaves it: the core runs the
 * setters before any module hook, so the defaults must already be there.
 */
struct tls_cfg tls_cfg = {
	.global = {
		.kind = TLS_DOM_SERVER,
		.verify = TLS_UNSET,
		.require_certificate = TLS_UNSET,
		.verify_depth = TLS_UNSET,
	},
	.handshake_timeout = TLS_CFG_HANDSHAKE_TIMEOUT,
	.send_timeout = TLS_CFG_SEND_TIMEOUT,
	.send_ca_names = 0,
	.session_tickets = 1,
	.ticket_key_lifetime = TLS_TKT_LIFETIME_DEFAULT,
	.session_cache = TLS_SCACHE_DEFAULT,
	.allow_core_dumps = 0,
	.log_level = 0,
};

/* Every string field of a domain, for freeing and inheriting. */
static const size_t tls_cfg_str_off[] = {
	offsetof(struct tls_dom_cfg, server_name),
	offsetof(struct tls_dom_cfg, certificate),
	offsetof(struct tls_dom_cfg, private_key),
	offsetof(struct tls_dom_cfg, private_key_password),
	offsetof(struct tls_dom_cfg, ca_list),
	offsetof(struct tls_dom_cfg, crl),
	offsetof(struct tls_dom_cfg, method),
	offsetof(struct tls_dom_cfg, ciphers),
	offsetof(struct tls_dom_cfg, priority),
};

#define TLS_CFG_NSTR (sizeof(tls_cfg_str_off) / sizeof(tls_cfg_str_off[0]))

static char **dom_str(struct tls_dom_cfg *d, size_t i)
{
	return (char **)((char *)d + tls_cfg_str_off[i]);
}

static char *dom_str_get(const struct tls_dom_cfg *d, size_t i)
{
	return *(char *const *)((const char *)d + tls_cfg_str_off[i]);
}

static void dom_cfg_unset(struct tls_dom_cfg *d)
{
	memset(d, 0, sizeof(*d));
	d->addr.ss_family = AF_UNSPEC;
	d->verify = TLS_UNSET;
	d->require_certificate = TLS_UNSET;
	d->verify_depth = TLS_UNSET;
}

void tls_cfg_init(struct tls_cfg *c)
{
	memset(c, 0, sizeof(*c));
	dom_cfg_unset(&c->global);
	c->handshake_timeout = TLS_CFG_HANDSHAKE_TIMEOUT;
	c->send_timeout = TLS_CFG_SEND_TIMEOUT;
	c->send_ca_names = 0;
	c->session_tickets = 1;
	c->ticket_key_lifetime = TLS_TKT_LIFETIME_DEFAULT;
	c->session_cache = TLS_SCACHE_DEFAULT;
	c->allow_core_dumps = 0;
	c->log_level = 0;
}

static void dom_cfg_free_fields(struct tls_dom_cfg *d)
{
	size_t i;

	for (i = 0; i < TLS_CFG_NSTR; i++) {
		char **s = dom_str(d, i);

		/* a password, or a PIN in a pkcs11: URL, is a secret: leave
		 * none in freed heap; the other strings are cheap to wipe */
		if (*s)
			explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
	free(d->scope);
	d->scope = NULL;
	/* tls_cfg_domain() strdup's the file name: we own it */
	free(d->file);
	d->file = NULL;
	for (i = 0; i < d->nloc; i++)
		free(d->loc[i].file);
	d->nloc = 0;
}

void tls_cfg_free(struct tls_cfg *c)
{
	struct tls_dom_cfg *d, *next;

	for (d = c->domains; d; d = next) {
		next = d->next;
		dom_cfg_free_fields(d);
		free(d);
	}
	dom_cfg_free_fields(&c->global);
	free(c->ticket_key_file);
	tls_cfg_init(c);
}

/* ---- scope -------------------------------------------------------------- */

static int scope_err(char *err, size_t errlen, const char *scope,
		     const char *why)
{
	snprintf(err, errlen, "bad scope '%.*s': %s; accepted: %s",
		 TLS_CFG_SCOPE_MAX, scope, why, TLS_CFG_SCOPE_FORMS);
	return -1;
}

/*
 * @s: "IP:port" or "[IPv6]:port" (sc_addr_parse, whose messages are the
 * module's). An unclosed bracket and "[IPv6]" without a port are named
 * more precisely here.
 */
static int scope_addr(const char *s, const char *scope,
		      struct sockaddr_storage *addr, socklen_t *addrlen,
		      char *err, size_t errlen)
{
	enum sc_addr_err e;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return scope_err(err, errlen, scope,
					 "missing ']' after the IPv6 address");
		if (close[1] != ':')
			return scope_err(err, errlen, scope,
					 "expected ':port' after ']'");
	}
	memset(addr, 0, sizeof(*addr));
	e = sc_addr_parse(s, strlen(s), 0, addr, addrlen);
	if (e != SC_ADDR_OK)
		return scope_err(err, errlen, scope, sc_addr_strerror(e));
	return 0;
}

/* A host name as SNI carries it: letters, digits, '-', '.', 1..253. */
static int scope_name_check(const char *n)
{
	size_t i, len = strlen(n);

	if (len == 0 || len > 253 || n[0] == '.' || n[0] == '-')
		return -1;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)n[i]) && n[i] != '-' &&
		    n[i] != '.')
			return -1;
	return 0;
}

const char *tls_cfg_scope_name(const char *scope)
{
	const char *slash = scope ? strrchr(scope, '/') : NULL;

	return slash ? slash + 1 : NULL;
}

int tls_cfg_parse_scope(const char *scope, enum tls_dom_kind *kind,
			int *is_default, struct sockaddr_storage *addr,
			socklen_t *addrlen, char *err, size_t errlen)
{
	char buf[TLS_CFG_SCOPE_MAX];
	char *s = buf, *slash;
	size_t len;
	int prefixed = 0;

	if (!scope)
		return scope_err(err, errlen, "", "no scope given");
	while (*scope == ' ' || *scope == '\t')
		scope++;
	len = strlen(scope);
	while (len && (scope[len - 1] == ' ' || scope[len - 1] == '\t'))
		len--;
	if (len == 0)
		return scope_err(err, errlen, scope, "empty scope");
	if (len >= sizeof(buf))
		return scope_err(err, errlen, scope, "too long");
	memcpy(buf, scope, len);
	buf[len] = '\0';

	*kind = TLS_DOM_SERVER;
	if (strncasecmp(s, "server:", 7) == 0) {
		s += 7;
		prefixed = 1;
	} else if (strncasecmp(s, "client:", 7) == 0) {
		*kind = TLS_DOM_CLIENT;
		s += 7;
		prefixed = 1;
	}
	if (strncasecmp(s, "default/", 8) == 0)
		return scope_err(err, errlen, scope,
				 "a default domain has no /NAME");
	if (strcasecmp(s, "default") == 0) {
		if (!prefixed)
			return scope_err(err, errlen, scope,
					 "say which default, server:default "
					 "or client:default");
		*is_default = 1;
		memset(addr, 0, sizeof(*addr));
		addr->ss_family = AF_UNSPEC;
		*addrlen = 0;
		return 0;
	}
	*is_default = 0;
	slash = strchr(s, '/');
	if (slash) {
		if (*kind != TLS_DOM_SERVER)
			return scope_err(err, errlen, scope,
					 "a /NAME selects a server domain by "
					 "SNI; a client domain sends its name "
					 "with tls_server_name");
		*slash = '\0';
		if (scope_name_check(slash + 1) < 0)
			return scope_err(err, errlen, scope,
					 "the name after '/' must be a DNS "
					 "host name");
	}
	return scope_addr(s, scope, addr, addrlen, err, errlen);
}

/* ---- domains ------------------------------------------------------------ */

static int dom_key_eq(const struct tls_dom_cfg *d, enum tls_dom_kind kind,
		      int is_default, const struct sockaddr_storage *addr,
		      const char *name)
{
	const char *dname = tls_cfg_scope_name(d->scope);

	if (d->kind != kind || d->is_default != is_default)
		return 0;
	if (!dname != !name || (name && strcasecmp(dname, name) != 0))
		return 0;
	if (is_default)
		return 1;
	return sc_addr_equal((const struct sockaddr *)&d->addr,
			     (const struct sockaddr *)addr);
}

static struct tls_dom_cfg *dom_new(const char *scope, enum tls_dom_kind kind,
				   int is_default,
				   const struct sockaddr_storage *addr,
				   socklen_t addrlen, const char *file,
				   int line)
{
	struct tls_dom_cfg *d = malloc(sizeof(*d));

	if (!d)
		return NULL;
	dom_cfg_unset(d);
	d->kind = kind;
	d->is_default = is_default;
	d->addr = *addr;
	d->addrlen = addrlen;
	d->line = line;
	d->scope = strdup(scope);
	if (!d->scope)
		goto fail;
	if (file) {
		/* the core's statement may not outlive startup; reload
		 * messages still need the name */
		d->file = strdup(file);
		if (!d->file)
			goto fail;
	}
	return d;
fail:
	free(d->scope);
	free(d);
	return NULL;
}

struct tls_dom_cfg *tls_cfg_domain(struct tls_cfg *c, const char *scope,
				   const char *file, int line, char *err,
				   size_t errlen)
{
	struct sockaddr_storage addr;
	struct tls_dom_cfg *d, **tail;
	enum tls_dom_kind kind;
	const char *name;
	socklen_t addrlen;
	int is_default;

	if (!scope)
		return &c->global;
	if (tls_cfg_parse_scope(scope, &kind, &is_default, &addr, &addrlen,
				err, errlen) < 0)
		return NULL;
	name = tls_cfg_scope_name(scope);
	for (tail = &c->domains; *tail; tail = &(*tail)->next)
		if (dom_key_eq(*tail, kind, is_default, &addr, name))
			return *tail;
	d = dom_new(scope, kind, is_default, &addr, addrlen, file, line);
	if (!d || (name && !(d->server_name = strdup(name)))) {
		if (d) {
			dom_cfg_free_fields(d);
			free(d);
		}
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	*tail = d;
	return d;
}

/* ---- inheritance -------------------------------------------------------- */

/* CFG_DIR/cert.pem, resolved once: the config directory does not move. */
static const char *tls_cfg_default_cert(void)
{
	static char *path;

	if (!path)
		path = sc_cfg_path("cert.pem");
	return path;
}

static int inherit_int(int own, int parent, int global, int def)
{
	if (own != TLS_UNSET)
		return own;
	if (parent != TLS_UNSET)
		return parent;
	return global != TLS_UNSET ? global : def;
}

int tls_cfg_note(struct tls_dom_cfg *d, size_t off, const char *file,
		 int line)
{
	struct tls_cfg_loc *l = NULL;
	char *f;
	unsigned i;

	if (!file)
		return 0;
	for (i = 0; i < d->nloc; i++)
		if (d->loc[i].off == off)
			l = &d->loc[i];
	if (!l) {
		if (d->nloc == TLS_CFG_MAXLOC)
			return 0; /* more fields than exist: cannot happen */
		l = &d->loc[d->nloc++];
		l->off = off;
		l->file = NULL;
	}
	f = strdup(file);
	if (!f)
		return -1;
	free(l->file);
	l->file = f;
	l->line = line;
	return 0;
}

static const struct tls_cfg_loc *cfg_loc(const struct tls_dom_cfg *d,
					 size_t off)
{
	unsigned i;

	for (i = 0; i < d->nloc; i++)
		if (d->loc[i].off == off)
			return &d->loc[i];
	return NULL;
}

/*
 * A named server domain (IP:port/NAME) is a variant of what its address
 * serves without a name: a client picks it by SNI, so whatever it leaves
 * unset must come from there, never from laxer globals, or sending the
 * name would be a way around the address's tls_require_certificate.
 */
const struct tls_dom_cfg *tls_cfg_parent(const struct tls_cfg *c,
					 const struct tls_dom_cfg *d)
{
	const struct tls_dom_cfg *x, *def = NULL;

	if (d->kind != TLS_DOM_SERVER || d->is_default ||
	    !tls_cfg_scope_name(d->scope))
		return NULL;
	for (x = c->domains; x; x = x->next) {
		if (x->kind != TLS_DOM_SERVER)
			continue;
		if (x->is_default)
			def = x;
		else if (dom_key_eq(x, TLS_DOM_SERVER, 0, &d->addr, NULL))
			return x;
	}
	return def;
}

const char *tls_cfg_where(const struct tls_cfg *c, const struct tls_dom_cfg *d,
			  size_t off, char *buf, size_t len)
{
	const struct tls_dom_cfg *p = tls_cfg_parent(c, d);
	const struct tls_cfg_loc *l = cfg_loc(d, off);

	if (!l && p)
		l = cfg_loc(p, off);
	if (!l)
		l = cfg_loc(&c->global, off);
	if (l)
		snprintf(buf, len, "%s:%d: ", l->file, l->line);
	else if (len)
		buf[0] = '\0';
	return buf;
}

void tls_cfg_effective(const struct tls_cfg *c, const struct tls_dom_cfg *d,
		       struct tls_dom_cfg *out)
{
	const struct tls_dom_cfg *p = tls_cfg_parent(c, d);
	struct tls_dom_cfg none;
	size_t i;

	if (!p) {
		dom_cfg_unset(&none);
		p = &none;
	}
	*out = *d;
	out->next = NULL;
	for (i = 0; i < TLS_CFG_NSTR; i++) {
		char *v = dom_str_get(d, i);

		if (!v)
			v = dom_str_get(p, i);
		if (!v)
			v = dom_str_get(&c->global, i);
		if (v && !*v)
			v = NULL;	/* "" = explicitly none */
		else if (!v && (tls_cfg_str_off[i] ==
				offsetof(struct tls_dom_cfg, certificate) ||
				tls_cfg_str_off[i] ==
				offsetof(struct tls_dom_cfg, private_key)))
			/* NULL only when out of memory: tls_dom_build then
			 * reports a missing certificate */
			v = (char *)tls_cfg_default_cert();
		*dom_str(out, i) = v;
	}
	/*
	 * A server domain's name is its scope's /NAME and nothing else: a
	 * global tls_server_name (the SNI outgoing connections send) must
	 * not turn every server domain into one that only serves that name.
	 */
	if (out->kind == TLS_DOM_SERVER)
		out->server_name = (char *)tls_cfg_scope_name(d->scope);
	out->verify = inherit_int(d->verify, p->verify, c->global.verify, 0);
	out->require_certificate = inherit_int(d->require_certificate,
					       p->require_certificate,
					       c->global.require_certificate,
					       0);
	out->verify_depth = inherit_int(d->verify_depth, p->verify_depth,
					c->global.verify_depth,
					TLS_CFG_VERIFY_DEPTH);
}
