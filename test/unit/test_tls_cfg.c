/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: tls_gnutls parameters and module glue (tls_cfg.c, tls_mod.c).
 *
 * Scope parsing, the domain keys, inheritance, every parameter and alias
 * through the exported setters exactly as the core calls them, and the
 * module life cycle against stand-ins of the domain table and credential
 * code (defined below; prefix: fake_), so that every failure path can be
 * provoked. Real: tls_priority.c, the core's log, config paths and
 * transport registry.
 */
#include <arpa/inet.h>
#include <check.h>
#include <sys/prctl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include <sipcore/sipcore.h>

#include "core.h"
#include "modules.h"
#include "tls_cfg.h"
#include "tls_conn.h"
#include "tls_cred.h"
#include "tls_domain.h"
#include "tls_params.h"
#include "tls_ticket.h"

/* ---- stand-ins for the other files of the module ------------------------ */

struct tls_shared *tls_shared;
static struct tls_shared fake_shared;

static int fake_build_fail;		/* tls_dom_build fails */
static int fake_cred_fail;		/* tls_cred_build fails */
static int fake_get_fail;		/* tls_cred_get returns NULL */
static int fake_builds, fake_cred_builds, fake_frees, fake_installs;
static int fake_creds_alive, fake_releases;
static const struct tls_cfg *fake_built_from;
static struct tls_cred fake_cur = { .refs = 1 };

int tls_shared_init(void)
{
	tls_shared = &fake_shared;
	return 0;
}

int tls_dom_build(const struct tls_cfg *c, struct tls_dom_table **out,
		  char *err, size_t errlen)
{
	fake_builds++;
	fake_built_from = c;
	if (fake_build_fail) {
		snprintf(err, errlen, "domain server:default: cannot read "
			 "'missing.pem'");
		return -1;
	}
	*out = calloc(1, sizeof(**out));
	ck_assert_ptr_nonnull(*out);
	return 0;
}

void tls_dom_table_free(struct tls_dom_table *t)
{
	if (t)
		fake_frees++;
	free(t);
}

void tls_dom_install(struct tls_dom_table *t)
{
	fake_installs++;
	tls_dom_table_free(tls_shared->table);
	t->generation = ++tls_shared->generation;
	tls_shared->table = t;
}

int tls_cred_build(const struct tls_dom_table *t, struct tls_cred **out)
{
	ck_assert_ptr_nonnull(t);
	fake_cred_builds++;
	if (fake_cred_fail)
		return -1;
	*out = calloc(1, sizeof(**out));
	ck_assert_ptr_nonnull(*out);
	(*out)->refs = 1;
	fake_creds_alive++;
	return 0;
}

void tls_cred_put(struct tls_cred *c)
{
	if (c == &fake_cur) {
		fake_cur.refs--;
		return;
	}
	if (c && --c->refs == 0) {
		fake_creds_alive--;
		free(c);
	}
}

struct tls_cred *tls_cred_get(void)
{
	if (fake_get_fail)
		return NULL;
	fake_cur.refs++;
	return &fake_cur;
}

void tls_cred_release_current(void)
{
	fake_releases++;
}

static ssize_t fake_rw(struct sc_conn *c, void *buf, size_t len)
{
	(void)c;
	(void)buf;
	(void)len;
	return SC_IO_ERROR;
}

static ssize_t fake_w(struct sc_conn *c, const void *buf, size_t len)
{
	(void)c;
	(void)buf;
	(void)len;
	return SC_IO_ERROR;
}

static void fake_cleanup(struct sc_conn *c)
{
	(void)c;
}

const struct sc_transport_ops tls_conn_ops = {
	.name = "tls",
	.default_port = 5061,
	.read = fake_rw,
	.write = fake_w,
	.cleanup = fake_cleanup,
};

/* ---- helpers ------------------------------------------------------------ */

static char cfgdir[] = "cfgdir";
/* tls_cfg as the program starts: the setters run on it without any init */
static struct tls_cfg pristine;

static void setup(void)
{
	core_cfg_dirname = cfgdir;
	core_cfg.disable_tls = 0;
	sc_log_level = SC_L_INFO;
	tls_cfg_free(&tls_cfg);
}

static void teardown(void)
{
	tls_cfg_free(&tls_cfg);
}

static const struct sc_param_export *export_find(const char *name)
{
	const struct sc_param_export *p;

	for (p = sc_module_exports.params; p && p->name; p++)
		if (strcmp(p->name, name) == 0 ||
		    (p->alias && strcmp(p->alias, name) == 0))
			return p;
	return NULL;
}

#define TYPE_REFUSED (-2)

static char last_err[1024];

/* One statement, through the core's own mod_set_param (core/modules.c). */
static int set_param(const char *name, const char *scope, int line,
		     enum sc_param_type type, long i, const char *s)
{
	const struct sc_param_export *p = export_find(name);
	struct sc_module mod = { .exp = &sc_module_exports };
	struct sc_param_ctx ctx = { .file = "test.cfg", .line = line,
				    .scope = scope };
	struct cfg_value v = { .type = type, .i = i, .s = (char *)s };

	ck_assert_msg(p != NULL, "parameter '%s' is not exported", name);
	ck_assert_ptr_nonnull(p->set);
	if (!(p->types & type))
		return TYPE_REFUSED;
	last_err[0] = '\0';
	return mod_set_param(&mod, name, &v, &ctx, last_err, sizeof(last_err));
}

#define SET_S_OK(name, scope, s)                                              \
	ck_assert_msg(set_param((name), (scope), __LINE__, SC_PARAM_STR, 0,   \
				(s)) == 0,                                    \
		      "%s = \"%s\" refused: %s", (name), (s), last_err)
#define SET_I_OK(name, scope, i)                                              \
	ck_assert_msg(set_param((name), (scope), __LINE__, SC_PARAM_INT, (i), \
				NULL) == 0,                                   \
		      "%s = %ld refused: %s", (name), (long)(i), last_err)
#define SET_S_ERR(name, scope, s, sub)                                        \
	do {                                                                  \
		ck_assert_msg(set_param((name), (scope), __LINE__,            \
					SC_PARAM_STR, 0, (s)) == -1,          \
			      "%s = \"%s\" accepted", (name), (s));           \
		ck_assert_msg(strstr(last_err, (sub)) != NULL,                \
			      "%s = \"%s\": message '%s' lacks '%s'", (name), \
			      (s), last_err, (sub));                          \
	} while (0)
#define SET_I_ERR(name, scope, i, sub)                                        \
	do {                                                                  \
		ck_assert_msg(set_param((name), (scope), __LINE__,            \
					SC_PARAM_INT, (i), NULL) == -1,       \
			      "%s = %ld accepted", (name), (long)(i));        \
		ck_assert_msg(strstr(last_err, (sub)) != NULL,                \
			      "%s = %ld: message '%s' lacks '%s'", (name),    \
			      (long)(i), last_err, (sub));                    \
	} while (0)

static int str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static unsigned count_domains(const struct tls_cfg *c)
{
	const struct tls_dom_cfg *d;
	unsigned n = 0;

	for (d = c->domains; d; d = d->next)
		n++;
	return n;
}

static struct tls_dom_cfg *find_dom(struct tls_cfg *c, const char *scope)
{
	char err[512];
	unsigned before = count_domains(c);
	struct tls_dom_cfg *d = tls_cfg_domain(c, scope, "x", 1, err,
					       sizeof(err));

	ck_assert_msg(d != NULL, "scope %s: %s", scope, err);
	ck_assert_msg(count_domains(c) == before, "domain %s did not exist",
		      scope);
	return d;
}

/* ---- stderr capture ----------------------------------------------------- */

static FILE *cap_file;
static int cap_saved = -1;
static char cap_buf[8192];

static void cap_begin(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	ck_assert_ptr_nonnull(cap_file);
	cap_saved = dup(STDERR_FILENO);
	ck_assert_int_ge(cap_saved, 0);
	ck_assert_int_ge(dup2(fileno(cap_file), STDERR_FILENO), 0);
}

static const char *cap_end(void)
{
	size_t n;

	fflush(stderr);
	ck_assert_int_ge(dup2(cap_saved, STDERR_FILENO), 0);
	close(cap_saved);
	cap_saved = -1;
	rewind(cap_file);
	n = fread(cap_buf, 1, sizeof(cap_buf) - 1, cap_file);
	cap_buf[n] = '\0';
	fclose(cap_file);
	cap_file = NULL;
	return cap_buf;
}

/* ---- defaults ----------------------------------------------------------- */

START_TEST(test_defaults)
{
	struct tls_cfg c;

	tls_cfg_init(&c);
	ck_assert_int_eq(c.handshake_timeout, 120);
	ck_assert_int_eq(c.send_timeout, 120);
	ck_assert_int_eq(c.send_ca_names, 0);
	ck_assert_int_eq(c.session_tickets, 1);
	ck_assert_int_eq(c.log_level, 0);
	ck_assert_ptr_null(c.domains);
	ck_assert_ptr_null(c.global.certificate);
	ck_assert_ptr_null(c.global.private_key);
	ck_assert_ptr_null(c.global.ca_list);
	ck_assert_ptr_null(c.global.method);
	ck_assert_ptr_null(c.global.scope);
	ck_assert_int_eq(c.global.verify, TLS_UNSET);
	ck_assert_int_eq(c.global.require_certificate, TLS_UNSET);
	ck_assert_int_eq(c.global.verify_depth, TLS_UNSET);
	ck_assert_int_eq(c.global.addr.ss_family, AF_UNSPEC);
	/* the static definition (as main() found it, before any setter)
	 * equals tls_cfg_init() byte for byte */
	ck_assert_int_eq(memcmp(&c, &pristine, sizeof(c)), 0);

	/* free brings a used config back to exactly the defaults */
	ck_assert_int_eq(set_param("tls_certificate", "1.2.3.4:5061", 1,
				   SC_PARAM_STR, 0, "x.pem"), 0);
	ck_assert_int_eq(set_param("tls_send_timeout", NULL, 2, SC_PARAM_INT,
				   7, NULL), 0);
	ck_assert_int_eq(set_param("tls_private_key_password", NULL, 3,
				   SC_PARAM_STR, 0, "secret"), 0);
	tls_cfg_free(&tls_cfg);
	ck_assert_int_eq(memcmp(&c, &tls_cfg, sizeof(c)), 0);
}
END_TEST

START_TEST(test_exports)
{
	const struct sc_module_exports *e = &sc_module_exports;

	ck_assert_uint_eq(e->abi, SC_MODULE_ABI);
	ck_assert_str_eq(e->name, "tls_gnutls");
	ck_assert_ptr_nonnull(e->provides);
	ck_assert_str_eq(e->provides[0], "tls");
	ck_assert_ptr_null(e->provides[1]);
	ck_assert_ptr_nonnull(e->mod_init);
	ck_assert_ptr_nonnull(e->child_init);
	ck_assert_ptr_nonnull(e->mod_destroy);
	ck_assert_ptr_nonnull(e->reload);
}
END_TEST

/* ---- scope parsing ------------------------------------------------------ */

struct scope_ok {
	const char *text;
	enum tls_dom_kind kind;
	int is_default;
	int family;
	const char *ip;
	unsigned short port;
};

static const struct scope_ok scopes_ok[] = {
	{ "127.0.0.1:5061", TLS_DOM_SERVER, 0, AF_INET, "127.0.0.1", 5061 },
	{ "server:10.0.0.2:5061", TLS_DOM_SERVER, 0, AF_INET, "10.0.0.2",
	  5061 },
	{ "client:10.0.0.3:5070", TLS_DOM_CLIENT, 0, AF_INET, "10.0.0.3",
	  5070 },
	{ "0.0.0.0:65535", TLS_DOM_SERVER, 0, AF_INET, "0.0.0.0", 65535 },
	{ "192.0.2.1:1", TLS_DOM_SERVER, 0, AF_INET, "192.0.2.1", 1 },
	{ "  127.0.0.1:5061\t", TLS_DOM_SERVER, 0, AF_INET, "127.0.0.1",
	  5061 },
	{ "[::1]:5061", TLS_DOM_SERVER, 0, AF_INET6, "::1", 5061 },
	{ "server:[2001:db8::1]:5061", TLS_DOM_SERVER, 0, AF_INET6,
	  "2001:db8::1", 5061 },
	{ "client:[::1]:1", TLS_DOM_CLIENT, 0, AF_INET6, "::1", 1 },
	{ "[::ffff:192.0.2.1]:5061", TLS_DOM_SERVER, 0, AF_INET6,
	  "::ffff:192.0.2.1", 5061 },
	{ "SERVER:10.0.0.2:5061", TLS_DOM_SERVER, 0, AF_INET, "10.0.0.2",
	  5061 },
	{ "server:default", TLS_DOM_SERVER, 1, AF_UNSPEC, NULL, 0 },
	{ "client:default", TLS_DOM_CLIENT, 1, AF_UNSPEC, NULL, 0 },
	{ "Client:DEFAULT", TLS_DOM_CLIENT, 1, AF_UNSPEC, NULL, 0 },
	{ "127.0.0.1:5061/sip2.test", TLS_DOM_SERVER, 0, AF_INET,
	  "127.0.0.1", 5061 },
	{ "server:[::1]:5061/a-b.example", TLS_DOM_SERVER, 0, AF_INET6, "::1",
	  5061 },
};

START_TEST(test_scope_ok)
{
	const struct scope_ok *t = &scopes_ok[_i];
	struct sockaddr_storage addr;
	enum tls_dom_kind kind = 99;
	socklen_t addrlen = 12345;
	int is_default = 99;
	char err[512] = "";

	memset(&addr, 0xa5, sizeof(addr));
	ck_assert_msg(tls_cfg_parse_scope(t->text, &kind, &is_default, &addr,
					  &addrlen, err, sizeof(err)) == 0,
		      "'%s' refused: %s", t->text, err);
	ck_assert_int_eq(kind, t->kind);
	ck_assert_int_eq(is_default, t->is_default);
	ck_assert_int_eq(addr.ss_family, t->family);
	if (t->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&addr;
		struct in_addr want;

		ck_assert_int_eq(inet_pton(AF_INET, t->ip, &want), 1);
		ck_assert_uint_eq(addrlen, sizeof(*s4));
		ck_assert_uint_eq(ntohs(s4->sin_port), t->port);
		ck_assert_uint_eq(s4->sin_addr.s_addr, want.s_addr);
	} else if (t->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&addr;
		struct in6_addr want;

		ck_assert_int_eq(inet_pton(AF_INET6, t->ip, &want), 1);
		ck_assert_uint_eq(addrlen, sizeof(*s6));
		ck_assert_uint_eq(ntohs(s6->sin6_port), t->port);
		ck_assert_int_eq(memcmp(&s6->sin6_addr, &want, sizeof(want)),
				 0);
		ck_assert_uint_eq(s6->sin6_scope_id, 0);
	} else {
		ck_assert_uint_eq(addrlen, 0);
	}
}
END_TEST

struct scope_bad {
	const char *text;
	const char *why;
};

static const struct scope_bad scopes_bad[] = {
	{ NULL, "no scope" },
	{ "", "empty scope" },
	{ "   ", "empty scope" },
	{ "127.0.0.1", "port missing" },
	{ "server:", "port missing" },
	{ "127.0.0.1:", "1 to 65535" },
	{ "127.0.0.1:0", "1 to 65535" },
	{ "127.0.0.1:65536", "1 to 65535" },
	{ "127.0.0.1:123456", "1 to 65535" },
	{ "127.0.0.1:50a", "1 to 65535" },
	{ "127.0.0.1:-5", "1 to 65535" },
	{ "127.0.0.1:+5", "1 to 65535" },
	{ "localhost:5061", "not an IPv4 address" },
	{ "999.1.1.1:5061", "not an IPv4 address" },
	{ ":5061", "not an IPv4 address" },
	{ "::1:5061", "in brackets" },
	{ "tcp:1.2.3.4:5061", "in brackets" },
	{ "[::1:5061", "missing ']'" },
	{ "[::1]5061", "expected ':port'" },
	{ "[::1]", "expected ':port'" },
	{ "[::1]:0", "1 to 65535" },
	{ "[1.2.3.4]:5061", "not an IPv6 address" },
	{ "[fe80::1%eth0]:5061", "not an IPv6 address" },
	{ "default", "server:default or client:default" },
	{ "server:defaults", "port missing" },
	{ "client:[::1]", "expected ':port'" },
	{ "client:10.0.0.1:5061/sip.example", "a client domain sends" },
	{ "127.0.0.1:5061/", "must be a DNS host name" },
	{ "server:default/sip.example", "a default domain has no /NAME" },
	{ "127.0.0.1:5061/bad_name", "must be a DNS host name" },
	{ "127.0.0.1:5061/-x.example", "must be a DNS host name" },
	{ "1111111111111111111111111111111111111111111111111111111111111111"
	  "1111111111111111111111111111111111111111111111111111111111111111"
	  ":5061", "too long" },
};

/* "IP:port/NAME": a server domain of its own, keyed by the name too */
START_TEST(test_scope_named_domain)
{
	struct tls_cfg c;
	struct tls_dom_cfg *a, *n, *n2;
	char err[512] = "";

	tls_cfg_init(&c);
	a = tls_cfg_domain(&c, "127.0.0.1:5061", "a.cfg", 1, err, sizeof(err));
	n = tls_cfg_domain(&c, "127.0.0.1:5061/sip2.test", "a.cfg", 2, err,
			   sizeof(err));
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_ne(a, n);
	ck_assert_ptr_null(a->server_name);
	ck_assert_str_eq(n->server_name, "sip2.test");
	ck_assert_str_eq(tls_cfg_scope_name(n->scope), "sip2.test");
	/* names compare without case, like DNS */
	n2 = tls_cfg_domain(&c, "server:127.0.0.1:5061/SIP2.test", "a.cfg", 3,
			    err, sizeof(err));
	ck_assert_ptr_eq(n2, n);
	ck_assert_ptr_ne(tls_cfg_domain(&c, "127.0.0.1:5061/other.test",
					"a.cfg", 4, err, sizeof(err)), n);
	ck_assert_ptr_null(tls_cfg_scope_name("127.0.0.1:5061"));
	tls_cfg_free(&c);
}
END_TEST

START_TEST(test_scope_bad)
{
	const struct scope_bad *t = &scopes_bad[_i];
	struct sockaddr_storage addr;
	enum tls_dom_kind kind;
	socklen_t addrlen;
	int is_default;
	char err[512] = "";

	ck_assert_msg(tls_cfg_parse_scope(t->text, &kind, &is_default, &addr,
					  &addrlen, err, sizeof(err)) == -1,
		      "'%s' accepted", t->text ? t->text : "(null)");
	ck_assert_msg(strstr(err, t->why) != NULL, "'%s': '%s' lacks '%s'",
		      t->text ? t->text : "(null)", err, t->why);
	/* every message says what is accepted */
	ck_assert_msg(strstr(err, "accepted: IP:port, [IPv6]:port, "
			     "server:IP:port, IP:port/NAME (a server domain "
			     "chosen by TLS SNI), client:IP:port, "
			     "server:default or client:default "
			     "(port 1..65535)") != NULL,
		      "'%s' lacks the accepted forms", err);
}
END_TEST

/* ---- domains ------------------------------------------------------------ */

START_TEST(test_domain_find_or_create)
{
	struct tls_cfg c;
	struct tls_dom_cfg *a, *b, *d;
	char file[16] = "a.cfg";
	char err[512];

	tls_cfg_init(&c);
	ck_assert_ptr_eq(tls_cfg_domain(&c, NULL, "a.cfg", 1, err,
					sizeof(err)), &c.global);
	ck_assert_ptr_null(c.domains);

	a = tls_cfg_domain(&c, "127.0.0.1:5061", file, 3, err, sizeof(err));
	ck_assert_ptr_nonnull(a);
	/* the domain keeps its own copy of the file name */
	strcpy(file, "zzz");
	ck_assert_str_eq(a->file, "a.cfg");
	ck_assert_int_eq(a->line, 3);
	ck_assert_str_eq(a->scope, "127.0.0.1:5061");
	ck_assert_int_eq(a->kind, TLS_DOM_SERVER);
	ck_assert_int_eq(a->is_default, 0);
	ck_assert_int_eq(a->verify, TLS_UNSET);
	ck_assert_int_eq(a->require_certificate, TLS_UNSET);
	ck_assert_int_eq(a->verify_depth, TLS_UNSET);
	ck_assert_ptr_null(a->certificate);

	/* the same key, spelt differently: the first mention is kept */
	b = tls_cfg_domain(&c, "server:127.0.0.1:5061", "b.cfg", 9, err,
			   sizeof(err));
	ck_assert_ptr_eq(a, b);
	ck_assert_str_eq(a->file, "a.cfg");
	ck_assert_int_eq(a->line, 3);
	ck_assert_str_eq(a->scope, "127.0.0.1:5061");
	ck_assert_ptr_eq(tls_cfg_domain(&c, " SERVER:127.0.0.1:5061 ", "c", 1,
					err, sizeof(err)), a);

	/* different kind, port, address: different domains */
	d = tls_cfg_domain(&c, "client:127.0.0.1:5061", "a.cfg", 4, err,
			   sizeof(err));
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_ne(d, a);
	ck_assert_int_eq(d->kind, TLS_DOM_CLIENT);
	ck_assert_ptr_ne(tls_cfg_domain(&c, "127.0.0.1:5062", "a", 5, err,
					sizeof(err)), a);
	ck_assert_ptr_ne(tls_cfg_domain(&c, "127.0.0.2:5061", "a", 6, err,
					sizeof(err)), a);
	ck_assert_uint_eq(count_domains(&c), 4);

	/* IPv6: the address is compared, not the text */
	b = tls_cfg_domain(&c, "[::1]:5061", "a", 7, err, sizeof(err));
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_eq(tls_cfg_domain(&c, "server:[0:0::0:1]:5061", "a", 8,
					err, sizeof(err)), b);
	/* an IPv4-mapped address is a different key from the IPv4 one */
	ck_assert_ptr_ne(tls_cfg_domain(&c, "[::ffff:127.0.0.1]:5061", "a", 9,
					err, sizeof(err)), a);

	/* defaults */
	a = tls_cfg_domain(&c, "server:default", "a", 10, err, sizeof(err));
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->is_default, 1);
	ck_assert_int_eq(a->addr.ss_family, AF_UNSPEC);
	ck_assert_ptr_eq(tls_cfg_domain(&c, "SERVER:Default", "a", 11, err,
					sizeof(err)), a);
	b = tls_cfg_domain(&c, "client:default", "a", 12, err, sizeof(err));
	ck_assert_ptr_ne(a, b);
	ck_assert_int_eq(b->kind, TLS_DOM_CLIENT);
	ck_assert_uint_eq(count_domains(&c), 8);

	/* config order */
	ck_assert_str_eq(c.domains->scope, "127.0.0.1:5061");
	ck_assert_str_eq(c.domains->next->scope, "client:127.0.0.1:5061");

	/* a bad scope creates nothing and says why */
	err[0] = '\0';
	ck_assert_ptr_null(tls_cfg_domain(&c, "nowhere", "a", 13, err,
					  sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "bad scope 'nowhere'"));
	ck_assert_uint_eq(count_domains(&c), 8);

	tls_cfg_free(&c);
	ck_assert_ptr_null(c.domains);
}
END_TEST

/* ---- inheritance -------------------------------------------------------- */

START_TEST(test_effective_defaults)
{
	struct tls_dom_cfg e, e2;
	struct tls_cfg c;

	tls_cfg_init(&c);
	tls_cfg_effective(&c, &c.global, &e);
	ck_assert_str_eq(e.certificate, "cfgdir/cert.pem");
	ck_assert_str_eq(e.private_key, "cfgdir/cert.pem");
	ck_assert_int_eq(e.verify, 0);
	ck_assert_int_eq(e.require_certificate, 0);
	ck_assert_int_eq(e.verify_depth, 9);
	ck_assert_ptr_null(e.method);
	ck_assert_ptr_null(e.ciphers);
	ck_assert_ptr_null(e.priority);
	ck_assert_ptr_null(e.ca_list);
	ck_assert_ptr_null(e.crl);
	ck_assert_ptr_null(e.server_name);
	ck_assert_ptr_null(e.private_key_password);
	/* computed once, kept */
	tls_cfg_effective(&c, &c.global, &e2);
	ck_assert_ptr_eq(e.certificate, e2.certificate);
	tls_cfg_free(&c);
}
END_TEST

START_TEST(test_effective_inherit)
{
	struct tls_dom_cfg *d, *other, e;
	struct tls_cfg c;
	char err[256];

	tls_cfg_init(&c);
	c.global.certificate = strdup("g.pem");
	c.global.ca_list = strdup("ca.pem");
	c.global.method = strdup("tlsv1.2+");
	c.global.verify = 1;
	c.global.verify_depth = 3;
	d = tls_cfg_domain(&c, "client:10.0.0.1:5061", "f.cfg", 7, err,
			   sizeof(err));
	other = tls_cfg_domain(&c, "10.0.0.2:5061", "f.cfg", 8, err,
			       sizeof(err));
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(other);
	d->certificate = strdup("");	/* a client without certificate */
	d->private_key = strdup("d.key");
	d->ca_list = strdup("");	/* explicitly none */
	d->ciphers = strdup("AES128-SHA");
	d->verify = 0;			/* own 0 beats global 1 */
	d->require_certificate = 1;

	tls_cfg_effective(&c, d, &e);
	ck_assert_ptr_null(e.certificate);
	ck_assert_str_eq(e.private_key, "d.key");
	ck_assert_ptr_null(e.ca_list);
	ck_assert_str_eq(e.method, "tlsv1.2+");
	ck_assert_str_eq(e.ciphers, "AES128-SHA");
	ck_assert_ptr_null(e.priority);
	ck_assert_int_eq(e.verify, 0);
	ck_assert_int_eq(e.require_certificate, 1);
	ck_assert_int_eq(e.verify_depth, 3);
	/* identity stays the domain's */
	ck_assert_int_eq(e.kind, TLS_DOM_CLIENT);
	ck_assert_str_eq(e.scope, "client:10.0.0.1:5061");
	ck_assert_str_eq(e.file, "f.cfg");
	ck_assert_int_eq(e.line, 7);
	ck_assert_int_eq(e.addr.ss_family, AF_INET);
	ck_assert_ptr_null(e.next);
	/* strings point into the configuration, no copies */
	ck_assert_ptr_eq(e.private_key, d->private_key);
	ck_assert_ptr_eq(e.method, c.global.method);

	tls_cfg_effective(&c, other, &e);
	ck_assert_str_eq(e.certificate, "g.pem");
	ck_assert_str_eq(e.private_key, "cfgdir/cert.pem");
	ck_assert_str_eq(e.ca_list, "ca.pem");
	ck_assert_ptr_null(e.ciphers);
	ck_assert_int_eq(e.verify, 1);
	ck_assert_int_eq(e.require_certificate, 0);
	ck_assert_int_eq(e.verify_depth, 3);
	/* the domain itself is untouched */
	ck_assert_ptr_null(other->certificate);
	ck_assert_int_eq(other->verify, TLS_UNSET);
	tls_cfg_free(&c);
}
END_TEST

/*
 * A named server domain inherits from its address's unnamed domain before
 * the globals: a client cannot skip tls_require_certificate=1 by SNI.
 */
START_TEST(test_effective_sni_parent)
{
	struct tls_dom_cfg *a, *n, *def, *far, e;
	struct tls_cfg c;
	char err[256], where[300];

	tls_cfg_init(&c);
	c.global.ca_list = strdup("global-ca.pem");
	c.global.verify = 0;
	c.global.require_certificate = 0;
	a = tls_cfg_domain(&c, "10.0.0.1:5061", "f.cfg", 3, err, sizeof(err));
	n = tls_cfg_domain(&c, "10.0.0.1:5061/sip2.test", "f.cfg", 9, err,
			   sizeof(err));
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(n);
	a->verify = 1;
	a->require_certificate = 1;
	a->verify_depth = 2;
	a->ca_list = strdup("addr-ca.pem");
	a->ciphers = strdup("AES128-SHA");
	ck_assert_int_eq(tls_cfg_note(a, offsetof(struct tls_dom_cfg,
						  require_certificate),
				      "f.cfg", 5), 0);
	n->certificate = strdup("sip2.pem");
	n->ciphers = strdup("");	/* explicitly none beats the parent */

	ck_assert_ptr_eq(tls_cfg_parent(&c, n), a);
	ck_assert_ptr_null(tls_cfg_parent(&c, a));
	tls_cfg_effective(&c, n, &e);
	ck_assert_int_eq(e.verify, 1);
	ck_assert_int_eq(e.require_certificate, 1);
	ck_assert_int_eq(e.verify_depth, 2);
	ck_assert_str_eq(e.ca_list, "addr-ca.pem");
	ck_assert_str_eq(e.certificate, "sip2.pem");
	ck_assert_ptr_null(e.ciphers);
	ck_assert_str_eq(e.server_name, "sip2.test");
	/* messages point where the inherited value was written */
	tls_cfg_where(&c, n, offsetof(struct tls_dom_cfg,
				      require_certificate), where,
		      sizeof(where));
	ck_assert_str_eq(where, "f.cfg:5: ");
	/* its own setting still wins */
	n->require_certificate = 0;
	tls_cfg_effective(&c, n, &e);
	ck_assert_int_eq(e.require_certificate, 0);
	ck_assert_int_eq(e.verify, 1);

	/* no unnamed domain on its address: server:default, if configured */
	far = tls_cfg_domain(&c, "10.0.0.9:5061/far.test", "f.cfg", 11, err,
			     sizeof(err));
	ck_assert_ptr_nonnull(far);
	ck_assert_ptr_null(tls_cfg_parent(&c, far));
	tls_cfg_effective(&c, far, &e);
	ck_assert_int_eq(e.verify, 0);
	ck_assert_str_eq(e.ca_list, "global-ca.pem");
	def = tls_cfg_domain(&c, "server:default", "f.cfg", 12, err,
			     sizeof(err));
	ck_assert_ptr_nonnull(def);
	def->verify = 1;
	ck_assert_ptr_eq(tls_cfg_parent(&c, far), def);
	tls_cfg_effective(&c, far, &e);
	ck_assert_int_eq(e.verify, 1);
	ck_assert_str_eq(e.ca_list, "global-ca.pem");
	/* the address's own domain wins over server:default */
	ck_assert_ptr_eq(tls_cfg_parent(&c, n), a);
	/* other domains have no parent */
	ck_assert_ptr_null(tls_cfg_parent(&c, def));
	ck_assert_ptr_null(tls_cfg_parent(&c, &c.global));
	tls_cfg_free(&c);
}
END_TEST

/* ---- every parameter and alias ------------------------------------------ */

enum spec_kind { K_STR, K_BOOL, K_INT };

struct spec {
	const char *name;
	enum spec_kind kind;
	int global_only;
	size_t off;		/* struct tls_dom_cfg, or tls_cfg if global */
	int min, max;
	const char *good;	/* valid string value */
};

#define D(f) offsetof(struct tls_dom_cfg, f)
#define G(f) offsetof(struct tls_cfg, f)

/* Written from the documentation, independently of tls_mod.c's table. */
static const struct spec specs[] = {
	{ "tls_certificate", K_STR, 0, D(certificate), 0, 0, "c.pem" },
	{ "certificate", K_STR, 0, D(certificate), 0, 0, "c.pem" },
	{ "tls_private_key", K_STR, 0, D(private_key), 0, 0, "k.pem" },
	{ "private_key", K_STR, 0, D(private_key), 0, 0, "pkcs11:id=%01" },
	{ "tls_private_key_password", K_STR, 0, D(private_key_password), 0, 0,
	  "pw" },
	{ "private_key_password", K_STR, 0, D(private_key_password), 0, 0,
	  "pw" },
	{ "tls_ca_list", K_STR, 0, D(ca_list), 0, 0, "ca.pem" },
	{ "ca_list", K_STR, 0, D(ca_list), 0, 0, "ca.pem" },
	{ "tls_crl", K_STR, 0, D(crl), 0, 0, "crl.pem" },
	{ "crl", K_STR, 0, D(crl), 0, 0, "crl.pem" },
	{ "tls_ciphers_list", K_STR, 0, D(ciphers), 0, 0,
	  "AES256-SHA:AES128-SHA" },
	{ "cipher_list", K_STR, 0, D(ciphers), 0, 0, "NORMAL" },
	{ "tls_method", K_STR, 0, D(method), 0, 0, "tlsv1.2" },
	{ "method", K_STR, 0, D(method), 0, 0, "TLSv1.2+" },
	{ "tls_priority", K_STR, 0, D(priority), 0, 0,
	  "NORMAL:-VERS-ALL:+VERS-TLS1.3" },
	{ "tls_server_name", K_STR, 0, D(server_name), 0, 0, "sip.example.com" },
	{ "server_name", K_STR, 0, D(server_name), 0, 0, "sip.example.com" },
	{ "tls_verify", K_BOOL, 0, D(verify), 0, 1, NULL },
	{ "verify_certificate", K_BOOL, 0, D(verify), 0, 1, NULL },
	{ "tls_require_certificate", K_BOOL, 0, D(require_certificate), 0, 1,
	  NULL },
	{ "require_certificate", K_BOOL, 0, D(require_certificate), 0, 1, NULL },
	{ "tls_verify_depth", K_INT, 0, D(verify_depth), 0, 64, NULL },
	{ "verify_depth", K_INT, 0, D(verify_depth), 0, 64, NULL },
	{ "tls_handshake_timeout", K_INT, 1, G(handshake_timeout), 1, 3600,
	  NULL },
	{ "handshake_timeout", K_INT, 1, G(handshake_timeout), 1, 3600, NULL },
	{ "tls_send_timeout", K_INT, 1, G(send_timeout), 1, 3600, NULL },
	{ "send_timeout", K_INT, 1, G(send_timeout), 1, 3600, NULL },
	{ "tls_send_ca_names", K_BOOL, 1, G(send_ca_names), 0, 1, NULL },
	{ "tls_session_tickets", K_BOOL, 1, G(session_tickets), 0, 1, NULL },
	{ "tls_ticket_key_lifetime", K_INT, 1, G(ticket_key_lifetime), 1,
	  2592000, NULL },
	{ "tls_allow_core_dumps", K_BOOL, 1, G(allow_core_dumps), 0, 1, NULL },
	/* 9 and above: GnuTLS logs session secrets */
	{ "tls_log_level", K_INT, 1, G(log_level), 0, 8, NULL },
};

#define NSPECS (int)(sizeof(specs) / sizeof(specs[0]))

static const char *dstr(struct tls_dom_cfg *d, size_t off)
{
	return *(char **)((char *)d + off);
}

static int dint(void *base, size_t off)
{
	return *(int *)((char *)base + off);
}

static int spec_known(const char *name)
{
	int i;

	for (i = 0; i < NSPECS; i++)
		if (strcmp(specs[i].name, name) == 0)
			return 1;
	return 0;
}

START_TEST(test_export_list_complete)
{
	const struct sc_param_export *p;
	int i, n = 0;

	for (p = sc_module_exports.params; p->name; p++) {
		ck_assert_msg(spec_known(p->name), "unexpected parameter '%s'",
			      p->name);
		ck_assert_msg(!p->alias || spec_known(p->alias),
			      "unexpected alias '%s'", p->alias);
		ck_assert_ptr_nonnull(p->set);
		/* the generic setter finds its row in the arg */
		ck_assert_ptr_eq(p->arg, tls_param_find(p->name));
		n += p->alias ? 2 : 1;
	}
	ck_assert_int_eq(n, NSPECS);
	for (i = 0; i < NSPECS; i++) {
		p = export_find(specs[i].name);
		ck_assert_msg(p != NULL, "'%s' not exported", specs[i].name);
		/* ints also as strings, for "[SCOPE]1" */
		ck_assert_uint_eq(p->types, specs[i].kind == K_STR ?
			(unsigned)SC_PARAM_STR :
			(unsigned)(SC_PARAM_INT | SC_PARAM_STR));
		/* the core enforces "global only" */
		ck_assert_uint_eq(!!(p->flags & SC_PARAM_SCOPED),
				  !specs[i].global_only);
		ck_assert_ptr_nonnull(tls_param_find(specs[i].name));
	}
	ck_assert_uint_eq(export_find("tls_private_key_password")->flags &
			  SC_PARAM_SECRET, SC_PARAM_SECRET);
	ck_assert_ptr_null(tls_param_find("tls_nonsense"));
}
END_TEST

static void spec_str(const struct spec *t)
{
	/* tls_server_name is what client domains send: server domains are
	 * named by their scope, so it is tried on client scopes */
	int sn = t->off == D(server_name);
	const char *blk = sn ? "client:10.0.0.1:5061" : "10.0.0.1:5061";
	const char *def = sn ? "client:default" : "server:default";
	struct tls_dom_cfg *d;
	char pref[128];

	/* global */
	SET_S_OK(t->name, NULL, t->good);
	ck_assert_str_eq(dstr(&tls_cfg.global, t->off), t->good);
	ck_assert_ptr_null(tls_cfg.domains);
	/* later wins */
	SET_S_OK(t->name, NULL, t->good);
	ck_assert_str_eq(dstr(&tls_cfg.global, t->off), t->good);
	/* in a block */
	SET_S_OK(t->name, blk, t->good);
	d = find_dom(&tls_cfg, blk);
	ck_assert_str_eq(dstr(d, t->off), t->good);
	/* with a prefix */
	snprintf(pref, sizeof(pref), "[client:[::1]:5061]%s", t->good);
	SET_S_OK(t->name, NULL, pref);
	d = find_dom(&tls_cfg, "client:[::1]:5061");
	ck_assert_str_eq(dstr(d, t->off), t->good);
	ck_assert_int_eq(d->kind, TLS_DOM_CLIENT);
	ck_assert_uint_eq(count_domains(&tls_cfg), 2);
	/* an integer is not a string: the core refuses it by type */
	ck_assert_int_eq(set_param(t->name, NULL, 1, SC_PARAM_INT, 1, NULL),
			 TYPE_REFUSED);
	/* empty: "explicitly none", which a domain can set over a global */
	SET_S_OK(t->name, blk, "");
	ck_assert_str_eq(dstr(d = find_dom(&tls_cfg, blk), t->off), "");
	snprintf(pref, sizeof(pref), "[%s]", def);
	SET_S_OK(t->name, NULL, pref);
	d = find_dom(&tls_cfg, def);
	ck_assert_str_eq(dstr(d, t->off), "");
	ck_assert_str_eq(dstr(&tls_cfg.global, t->off), t->good);
	if (sn) {
		SET_S_ERR(t->name, "10.0.0.1:5061", t->good,
			  "named by its scope");
		SET_S_ERR(t->name, NULL, "[server:default]x.example",
			  "named by its scope");
	}
}

static void spec_int(const struct spec *t)
{
	const char *sub = t->kind == K_BOOL ? "expected 0 or 1" : "from";
	char buf[64], range[64];
	void *base;
	struct tls_dom_cfg *d = NULL;

	snprintf(range, sizeof(range), "from %d to %d", t->min, t->max);
	base = t->global_only ? (void *)&tls_cfg : (void *)&tls_cfg.global;
	SET_I_OK(t->name, NULL, t->min);
	ck_assert_int_eq(dint(base, t->off), t->min);
	SET_I_OK(t->name, NULL, t->max);
	ck_assert_int_eq(dint(base, t->off), t->max);
	SET_I_ERR(t->name, NULL, t->min - 1, sub);
	SET_I_ERR(t->name, NULL, t->max + 1, sub);
	SET_I_ERR(t->name, NULL, 1L << 40, sub);
	if (t->kind == K_INT) {
		SET_I_ERR(t->name, NULL, t->max + 1, range);
	}
	ck_assert_int_eq(dint(base, t->off), t->max);
	/* a number written as a string */
	snprintf(buf, sizeof(buf), "%d", t->min);
	SET_S_OK(t->name, NULL, buf);
	ck_assert_int_eq(dint(base, t->off), t->min);
	SET_S_ERR(t->name, NULL, "abc", sub);
	SET_S_ERR(t->name, NULL, "1x", sub);
	SET_S_ERR(t->name, NULL, " 1", sub);
	SET_S_ERR(t->name, NULL, "", sub);
	SET_S_ERR(t->name, NULL, "99999999999999999999999", sub);
	snprintf(buf, sizeof(buf), "%d", t->max + 1);
	SET_S_ERR(t->name, NULL, buf, sub);
	ck_assert_int_eq(dint(base, t->off), t->min);

	if (t->global_only) {
		SET_I_ERR(t->name, "10.0.0.1:5061", t->min, "global setting");
		SET_I_ERR(t->name, "server:default", t->min, "global setting");
		snprintf(buf, sizeof(buf), "[10.0.0.1:5061]%d", t->min);
		SET_S_ERR(t->name, NULL, buf, "global setting");
		ck_assert_ptr_null(tls_cfg.domains);
		return;
	}
	SET_I_OK(t->name, "10.0.0.1:5061", t->max);
	d = find_dom(&tls_cfg, "10.0.0.1:5061");
	ck_assert_int_eq(dint(d, t->off), t->max);
	ck_assert_int_eq(dint(&tls_cfg.global, t->off), t->min);
	snprintf(buf, sizeof(buf), "[10.0.0.2:5061]%d", t->max);
	SET_S_OK(t->name, NULL, buf);
	d = find_dom(&tls_cfg, "10.0.0.2:5061");
	ck_assert_int_eq(dint(d, t->off), t->max);
	snprintf(buf, sizeof(buf), "[10.0.0.2:5061] %d", t->min);
	SET_S_OK(t->name, NULL, buf);
	ck_assert_int_eq(dint(d, t->off), t->min);
	snprintf(buf, sizeof(buf), "[10.0.0.2:5061]%d", t->max + 1);
	SET_S_ERR(t->name, NULL, buf, sub);
	SET_S_ERR(t->name, NULL, "[10.0.0.2:5061]yes", sub);
	ck_assert_int_eq(dint(d, t->off), t->min);
	/* a bad value in a new scope leaves no empty domain behind */
	SET_I_ERR(t->name, "10.0.0.3:5061", t->max + 1, sub);
	ck_assert_uint_eq(count_domains(&tls_cfg), 2);
}

START_TEST(test_each_param)
{
	const struct spec *t = &specs[_i];

	if (t->kind == K_STR)
		spec_str(t);
	else
		spec_int(t);
}
END_TEST

START_TEST(test_string_checks)
{
	char big[TLS_PARAM_STR_MAX + 2];

	/* tls_method: checked by the priority module, message without the
	 * duplicated parameter name */
	SET_S_ERR("tls_method", NULL, "sslv2", "SSL 2.0");
	ck_assert_msg(strncmp(last_err, "tls_method:", 11) != 0, "%s",
		      last_err);
	SET_S_ERR("method", NULL, "sslv3", "SSL 3.0");
	SET_S_ERR("tls_method", "10.0.0.1:5061", "bogus", "accepted");
	SET_S_ERR("tls_method", NULL, "[10.0.0.1:5061]tlsv9", "accepted");
	SET_S_OK("tls_method", NULL, "sslv23");
	SET_S_OK("tls_method", NULL, "tlsv1");
	SET_S_OK("tls_method", NULL, "TLSv1_2");
	ck_assert_str_eq(tls_cfg.global.method, "TLSv1_2");
	/* a native priority string is checked by GnuTLS right away */
	SET_S_ERR("tls_priority", NULL, "NORMAL:+NOSUCHTHING", "NOSUCHTHING");
	SET_S_ERR("tls_priority", NULL, "[10.0.0.1:5061]BOGUS", "BOGUS");
	SET_S_OK("tls_priority", NULL, "SECURE256:+VERS-TLS1.2");
	/* ciphers are checked with the method, at build time */
	SET_S_OK("tls_ciphers_list", NULL, "NULL-SHA:NULL-MD5");
	/* SNI names */
	SET_S_ERR("tls_server_name", NULL, "a b", "without spaces");
	SET_S_ERR("server_name", NULL, "a\tb", "without spaces");
	memset(big, 'a', 256);
	big[256] = '\0';
	SET_S_ERR("tls_server_name", NULL, big, "at most 255");
	big[255] = '\0';
	SET_S_OK("tls_server_name", NULL, big);
	/* every string is bounded */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	SET_S_ERR("tls_certificate", NULL, big, "too long");
	big[sizeof(big) - 2] = '\0';
	SET_S_OK("tls_certificate", NULL, big);
	ck_assert_uint_eq(strlen(tls_cfg.global.certificate),
			  TLS_PARAM_STR_MAX);
	/* a password is never quoted back */
	SET_S_ERR("tls_private_key_password", NULL, "[s3cr3t", "not shown");
	ck_assert_ptr_null(strstr(last_err, "s3cr3t"));
	SET_S_ERR("tls_certificate", NULL, "[c.pem", "'[c.pem'");
	/* the seed's unquoted tls_certificate=1234 reaches us as an int */
	ck_assert_int_eq(set_param("tls_certificate", NULL, 1, SC_PARAM_INT,
				   1234, NULL), TYPE_REFUSED);
	ck_assert_int_eq(tls_param_apply(&tls_cfg,
		tls_param_find("tls_certificate"),
		&(struct sc_param_ctx){ .file = "f", .line = 1 },
		&(struct sc_param_value){ .type = SC_PARAM_INT, .i = 1234 },
		last_err, sizeof(last_err)), -1);
	ck_assert_ptr_nonnull(strstr(last_err, "(a string), got 1234"));
}
END_TEST

START_TEST(test_scope_errors_in_setters)
{
	/* scope given twice */
	SET_S_ERR("tls_certificate", "10.0.0.1:5061", "[10.0.0.1:5061]c.pem",
		  "scope given twice");
	SET_S_ERR("tls_verify", "10.0.0.1:5061", "[10.0.0.2:5061]1",
		  "scope given twice");
	ck_assert_ptr_null(tls_cfg.domains);
	/* bad prefixes */
	SET_S_ERR("tls_certificate", NULL, "[10.0.0.1:5061c.pem",
		  "missing ']'");
	SET_S_ERR("tls_certificate", NULL, "[]c.pem", "empty scope");
	SET_S_ERR("tls_certificate", NULL, "[nowhere]c.pem",
		  "bad scope 'nowhere'");
	SET_S_ERR("tls_certificate", NULL, "[10.0.0.1]c.pem", "port missing");
	SET_S_ERR("tls_verify", NULL, "[10.0.0.1:99999]1", "1 to 65535");
	/* bad block scopes */
	SET_S_ERR("tls_certificate", "nowhere", "c.pem", "bad scope");
	SET_I_ERR("tls_verify", "::1:5061", 1, "in brackets");
	/* the scope is reported before the value */
	SET_I_ERR("tls_verify", "nowhere", 7, "bad scope");
	ck_assert_ptr_null(tls_cfg.domains);
	ck_assert_ptr_null(tls_cfg.global.certificate);
	ck_assert_int_eq(tls_cfg.global.verify, TLS_UNSET);
	/* nested brackets: an IPv6 scope as a prefix */
	SET_S_OK("tls_certificate", NULL, "[[::1]:5061]v6.pem");
	ck_assert_str_eq(find_dom(&tls_cfg, "[::1]:5061")->certificate,
			 "v6.pem");
	ck_assert_str_eq(tls_cfg.domains->scope, "[::1]:5061");
	/* the domain remembers where it was first named */
	ck_assert_str_eq(tls_cfg.domains->file, "test.cfg");
	ck_assert_int_gt(tls_cfg.domains->line, 0);
}
END_TEST

/* ---- the same settings, three spellings --------------------------------- */

static void cmp_dom(const struct tls_dom_cfg *a, const struct tls_dom_cfg *b)
{
	ck_assert_int_eq(a->kind, b->kind);
	ck_assert_int_eq(a->is_default, b->is_default);
	ck_assert(str_eq(a->scope, b->scope));
	ck_assert_uint_eq(a->addrlen, b->addrlen);
	ck_assert_int_eq(memcmp(&a->addr, &b->addr, sizeof(a->addr)), 0);
	ck_assert(str_eq(a->server_name, b->server_name));
	ck_assert(str_eq(a->certificate, b->certificate));
	ck_assert(str_eq(a->private_key, b->private_key));
	ck_assert(str_eq(a->private_key_password, b->private_key_password));
	ck_assert(str_eq(a->ca_list, b->ca_list));
	ck_assert(str_eq(a->crl, b->crl));
	ck_assert(str_eq(a->method, b->method));
	ck_assert(str_eq(a->ciphers, b->ciphers));
	ck_assert(str_eq(a->priority, b->priority));
	ck_assert_int_eq(a->verify, b->verify);
	ck_assert_int_eq(a->require_certificate, b->require_certificate);
	ck_assert_int_eq(a->verify_depth, b->verify_depth);
	ck_assert(str_eq(a->file, b->file));
	ck_assert_int_eq(a->line, b->line);
}

static void cmp_cfg(const struct tls_cfg *a, const struct tls_cfg *b)
{
	const struct tls_dom_cfg *x, *y;

	cmp_dom(&a->global, &b->global);
	for (x = a->domains, y = b->domains; x && y; x = x->next, y = y->next)
		cmp_dom(x, y);
	ck_assert_msg(!x && !y, "different numbers of domains");
	ck_assert_int_eq(a->handshake_timeout, b->handshake_timeout);
	ck_assert_int_eq(a->send_timeout, b->send_timeout);
	ck_assert_int_eq(a->send_ca_names, b->send_ca_names);
	ck_assert_int_eq(a->session_tickets, b->session_tickets);
	ck_assert_int_eq(a->log_level, b->log_level);
}

/*
 * One statement of the reference config. @scope NULL = global. @s NULL =
 * an integer @i. @alias: Kamailio's name for the same parameter.
 */
struct stmt {
	const char *name, *alias, *scope, *s;
	long i;
};

static const struct stmt ref_cfg[] = {
	{ "tls_certificate", "certificate", NULL, "g.pem", 0 },
	{ "tls_private_key", "private_key", NULL, "g.key", 0 },
	{ "tls_verify", "verify_certificate", NULL, NULL, 1 },
	{ "tls_handshake_timeout", "handshake_timeout", NULL, NULL, 30 },
	{ "tls_send_timeout", "send_timeout", NULL, NULL, 45 },
	{ "tls_session_tickets", NULL, NULL, NULL, 0 },
	{ "tls_method", "method", NULL, "tlsv1.2+", 0 },
	{ "tls_certificate", "certificate", "10.0.0.2:5061", "d.pem", 0 },
	{ "tls_private_key", "private_key", "10.0.0.2:5061", "d.key", 0 },
	{ "tls_private_key_password", "private_key_password",
	  "10.0.0.2:5061", "pw", 0 },
	{ "tls_verify", "verify_certificate", "10.0.0.2:5061", NULL, 0 },
	{ "tls_verify_depth", "verify_depth", "10.0.0.2:5061", NULL, 4 },
	{ "tls_ca_list", "ca_list", "10.0.0.2:5061", "ca.pem", 0 },
	{ "tls_crl", "crl", "10.0.0.2:5061", "crl.pem", 0 },
	{ "tls_method", "method", "10.0.0.2:5061", "tlsv1.3", 0 },
	{ "tls_verify", "verify_certificate", "client:default", NULL, 1 },
	{ "tls_server_name", "server_name", "client:default", "peer.example",
	  0 },
	{ "tls_require_certificate", "require_certificate", "[::1]:5061",
	  NULL, 1 },
	{ "tls_ciphers_list", "cipher_list", "[::1]:5061", "AES128-SHA", 0 },
	{ "tls_priority", NULL, "[::1]:5061", "NORMAL", 0 },
	/* mentioned again, spelt differently: the same domain */
	{ "tls_ca_list", "ca_list", "server:10.0.0.2:5061", "ca2.pem", 0 },
	{ "tls_certificate", "certificate", NULL, "g2.pem", 0 },
};

enum spelling { BLOCK, PREFIX, ALIAS_PREFIX };

static void apply_ref(enum spelling how)
{
	size_t i;

	for (i = 0; i < sizeof(ref_cfg) / sizeof(ref_cfg[0]); i++) {
		const struct stmt *st = &ref_cfg[i];
		const char *name = st->name;
		char val[256];
		int rc;

		if (how == ALIAS_PREFIX && st->alias)
			name = st->alias;
		if (how == BLOCK || !st->scope) {
			rc = st->s ? set_param(name, st->scope, (int)i + 1,
					       SC_PARAM_STR, 0, st->s)
				   : set_param(name, st->scope, (int)i + 1,
					       SC_PARAM_INT, st->i, NULL);
		} else {
			if (st->s)
				snprintf(val, sizeof(val), "[%s]%s", st->scope,
					 st->s);
			else
				snprintf(val, sizeof(val), "[%s]%ld",
					 st->scope, st->i);
			rc = set_param(name, NULL, (int)i + 1, SC_PARAM_STR, 0,
				       val);
		}
		ck_assert_msg(rc == 0, "statement %zu (%s): %s", i + 1, name,
			      last_err);
	}
}

START_TEST(test_three_spellings)
{
	struct tls_cfg block, prefix;
	struct tls_dom_cfg *d;

	apply_ref(BLOCK);
	block = tls_cfg;		/* take ownership */
	tls_cfg_init(&tls_cfg);
	apply_ref(PREFIX);
	prefix = tls_cfg;
	tls_cfg_init(&tls_cfg);
	apply_ref(ALIAS_PREFIX);

	/* the reference really holds something */
	ck_assert_uint_eq(count_domains(&block), 3);
	ck_assert_str_eq(block.global.certificate, "g2.pem");
	ck_assert_int_eq(block.handshake_timeout, 30);
	ck_assert_int_eq(block.send_timeout, 45);
	ck_assert_int_eq(block.session_tickets, 0);
	d = find_dom(&block, "10.0.0.2:5061");
	ck_assert_str_eq(d->ca_list, "ca2.pem");
	ck_assert_str_eq(d->scope, "10.0.0.2:5061");
	ck_assert_int_eq(d->line, 8);
	ck_assert_int_eq(d->verify, 0);
	ck_assert_int_eq(d->verify_depth, 4);
	d = find_dom(&block, "client:default");
	ck_assert_int_eq(d->verify, 1);
	ck_assert_str_eq(d->server_name, "peer.example");
	d = find_dom(&block, "[::1]:5061");
	ck_assert_int_eq(d->require_certificate, 1);

	cmp_cfg(&block, &prefix);
	cmp_cfg(&block, &tls_cfg);
	tls_cfg_free(&block);
	tls_cfg_free(&prefix);
}
END_TEST

/* ---- life cycle --------------------------------------------------------- */

static void lc_reset(void)
{
	fake_build_fail = fake_cred_fail = fake_get_fail = 0;
	fake_builds = fake_cred_builds = fake_frees = fake_installs = 0;
	fake_creds_alive = fake_releases = 0;
	fake_built_from = NULL;
	fake_cur.refs = 1;
	memset(&fake_shared, 0, sizeof(fake_shared));
	tls_shared = NULL;
}

START_TEST(test_lc_disabled)
{
	const char *log;

	lc_reset();
	core_cfg.disable_tls = 1;
	cap_begin();
	ck_assert_int_eq(sc_module_exports.mod_init(), 0);
	ck_assert_int_eq(sc_module_exports.child_init(1), 0);
	ck_assert_int_eq(sc_module_exports.reload(), 0);
	log = cap_end();
	ck_assert_msg(strstr(log, "tls_gnutls: disable_tls=1: TLS transport "
			     "not registered") != NULL, "log: %s", log);
	ck_assert_ptr_null(sc_transport_find("tls"));
	ck_assert_int_eq(fake_builds, 0);
	ck_assert_int_eq(fake_cur.refs, 1);
	ck_assert_ptr_null(tls_shared);
}
END_TEST

START_TEST(test_lc_init_ok)
{
	static const unsigned char zero[64];
	struct tls_tkt_keys k;

	lc_reset();
	ck_assert_int_eq(set_param("tls_certificate", NULL, 1, SC_PARAM_STR,
				   0, "c.pem"), 0);
	ck_assert_int_eq(sc_module_exports.mod_init(), 0);
	ck_assert_ptr_eq(sc_transport_find("tls"), &tls_conn_ops);
	ck_assert_ptr_eq(fake_built_from, &tls_cfg);
	ck_assert_int_eq(fake_builds, 1);
	/* credentials were loaded once in the master, then released */
	ck_assert_int_eq(fake_cred_builds, 1);
	ck_assert_int_eq(fake_creds_alive, 0);
	ck_assert_int_eq(fake_installs, 1);
	ck_assert_uint_eq(tls_shared->generation, 1);
	ck_assert_ptr_nonnull(tls_shared->table);
	ck_assert_int_eq(tls_tkt_get(&k, tls_tkt_now(), 0, 0), 1);
	ck_assert_uint_eq(k.serial, 1);
	/* keys stay out of core dumps: the process is not dumpable */
	ck_assert_int_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	ck_assert_int_eq(k.has_prev, 0);
	ck_assert_int_ne(memcmp(k.cur, zero, 64), 0);

	/* a worker takes and returns a first credential set */
	ck_assert_int_eq(sc_module_exports.child_init(3), 0);
	ck_assert_int_eq(fake_cur.refs, 1);

	/* destroy: credentials dropped, secret wiped, config back to
	 * defaults */
	sc_module_exports.mod_destroy();
	ck_assert_int_eq(fake_releases, 1);
	ck_assert_int_eq(tls_tkt_get(&k, tls_tkt_now(), 0, 0), -1);
	ck_assert_ptr_null(tls_cfg.global.certificate);
	ck_assert_int_eq(tls_cfg.handshake_timeout, 120);
	tls_dom_table_free(tls_shared->table);
}
END_TEST

/* Every reload makes a new ticket key; the one before decrypts only. */
START_TEST(test_lc_reload_rotates_ticket_key)
{
	struct tls_tkt_keys a, b, c;

	lc_reset();
	ck_assert_int_eq(sc_module_exports.mod_init(), 0);
	ck_assert_int_eq(tls_tkt_get(&a, tls_tkt_now(), 0, 0), 1);
	ck_assert_int_eq(sc_module_exports.reload(), 0);
	ck_assert_int_eq(tls_tkt_get(&b, tls_tkt_now(), 0, a.serial), 1);
	ck_assert_uint_eq(b.serial, a.serial + 1);
	ck_assert_int_eq(b.has_prev, 1);
	ck_assert_int_eq(memcmp(b.prev, a.cur, 64), 0);
	ck_assert_int_ne(memcmp(b.cur, a.cur, 64), 0);
	/* unchanged: nothing copied */
	ck_assert_int_eq(tls_tkt_get(&c, tls_tkt_now(), 3600, b.serial), 0);
	/* a failed reload rotates too: the key's life is not the config's */
	fake_build_fail = 1;
	ck_assert_int_eq(sc_module_exports.reload(), -1);
	fake_build_fail = 0;
	ck_assert_int_eq(tls_tkt_get(&c, tls_tkt_now(), 0, b.serial), 1);
	ck_assert_int_eq(memcmp(c.prev, b.cur, 64), 0);
	/* the one before is gone: one rotation is survived, not two */
	ck_assert_int_ne(memcmp(c.prev, a.cur, 64), 0);
	ck_assert_int_ne(memcmp(c.cur, a.cur, 64), 0);
	/* its lifetime over, the key rotates at the next look */
	ck_assert_int_eq(tls_tkt_get(&a, tls_tkt_now() + 100, 100, c.serial),
			 1);
	ck_assert_uint_eq(a.serial, c.serial + 1);
	ck_assert_int_eq(memcmp(a.prev, c.cur, 64), 0);
	ck_assert_int_eq(tls_tkt_get(&b, tls_tkt_now() + 100, 100, a.serial),
			 0);
	sc_module_exports.mod_destroy();
	tls_dom_table_free(tls_shared->table);
}
END_TEST

/* tls_allow_core_dumps=1 leaves the process dumpable; GNUTLS_DEBUG_LEVEL
 * at a level that logs secrets is overridden, loudly. */
START_TEST(test_lc_dumps_and_env_level)
{
	const char *log;

	lc_reset();
	ck_assert_int_eq(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	ck_assert_int_eq(set_param("tls_allow_core_dumps", NULL, 1,
				   SC_PARAM_INT, 1, NULL), 0);
	ck_assert_int_eq(setenv("GNUTLS_DEBUG_LEVEL", "9", 1), 0);
	cap_begin();
	ck_assert_int_eq(sc_module_exports.mod_init(), 0);
	log = cap_end();
	ck_assert_int_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	ck_assert_msg(strstr(log, "tls_allow_core_dumps=1: core dumps may "
			     "hold private keys") != NULL, "log: %s", log);
	ck_assert_msg(strstr(log, "WARNING: tls_gnutls: GNUTLS_DEBUG_LEVEL=9 "
			     "in the environment would make GnuTLS log "
			     "session secrets") != NULL, "log: %s", log);
	unsetenv("GNUTLS_DEBUG_LEVEL");
	sc_module_exports.mod_destroy();
	tls_dom_table_free(tls_shared->table);
}
END_TEST

START_TEST(test_lc_gnutls_log)
{
	gnutls_session_t sess;
	const char *log;

	lc_reset();
	/* GnuTLS logs session secrets from level 9 on: refused */
	ck_assert_int_eq(set_param("tls_log_level", NULL, 1, SC_PARAM_INT, 9,
				   NULL), -1);
	ck_assert_msg(strstr(last_err, "9 and above log session secrets"),
		      "%s", last_err);
	ck_assert_int_eq(set_param("tls_log_level", NULL, 1, SC_PARAM_INT, 8,
				   NULL), 0);
	ck_assert_int_eq(sc_module_exports.mod_init(), 0);
	sc_log_level = SC_L_DBG;
	cap_begin();
	/* anything GnuTLS does at level 8 logs */
	ck_assert_int_eq(gnutls_init(&sess, GNUTLS_CLIENT), 0);
	ck_assert_int_eq(gnutls_set_default_priority(sess), 0);
	gnutls_deinit(sess);
	log = cap_end();
	ck_assert_msg(strstr(log, "DEBUG: tls_gnutls: gnutls[") != NULL,
		      "log: %s", log);
	/* one line per message: no empty line from GnuTLS's newline */
	ck_assert_msg(strstr(log, "\n\n") == NULL, "log: %s", log);
	tls_dom_table_free(tls_shared->table);
}
END_TEST

START_TEST(test_lc_build_fails)
{
	const char *log;

	lc_reset();
	fake_build_fail = 1;
	cap_begin();
	ck_assert_int_eq(sc_module_exports.mod_init(), -1);
	log = cap_end();
	ck_assert_msg(strstr(log, "tls_gnutls: domain server:default: cannot "
			     "read 'missing.pem'") != NULL, "log: %s", log);
	ck_assert_ptr_null(sc_transport_find("tls"));
	ck_assert_int_eq(fake_installs, 0);
	ck_assert_int_eq(fake_cred_builds, 0);
}
END_TEST

START_TEST(test_lc_creds_fail)
{
	const char *log;

	lc_reset();
	fake_cred_fail = 1;
	cap_begin();
	ck_assert_int_eq(sc_module_exports.mod_init(), -1);
	log = cap_end();
	ck_assert_msg(strstr(log, "credentials") != NULL, "log: %s", log);
	ck_assert_ptr_null(sc_transport_find("tls"));
	/* the table that does not load is freed, never installed */
	ck_assert_int_eq(fake_builds, 1);
	ck_assert_int_eq(fake_frees, 1);
	ck_assert_int_eq(fake_installs, 0);
	ck_assert_uint_eq(tls_shared->generation, 0);
}
END_TEST

START_TEST(test_lc_reload)
{
	struct tls_dom_table *cur;
	const char *log;

	lc_reset();
	ck_assert_int_eq(sc_module_exports.mod_init(), 0);
	cap_begin();
	ck_assert_int_eq(sc_module_exports.reload(), 0);
	log = cap_end();
	ck_assert_msg(strstr(log, "tls_gnutls: reloaded, generation 2") !=
		      NULL, "log: %s", log);
	ck_assert_uint_eq(tls_shared->generation, 2);
	ck_assert_int_eq(fake_cred_builds, 2);
	ck_assert_int_eq(fake_creds_alive, 0);
	cur = tls_shared->table;

	/* the files went bad: the running generation stays */
	fake_build_fail = 1;
	cap_begin();
	ck_assert_int_eq(sc_module_exports.reload(), -1);
	log = cap_end();
	ck_assert_msg(strstr(log, "tls_gnutls: reload failed, keeping "
			     "generation 2: domain server:default: cannot "
			     "read 'missing.pem'") != NULL, "log: %s", log);
	ck_assert_ptr_eq(tls_shared->table, cur);
	ck_assert_uint_eq(tls_shared->generation, 2);

	/* the files parse but GnuTLS refuses the key */
	fake_build_fail = 0;
	fake_cred_fail = 1;
	fake_frees = 0;
	cap_begin();
	ck_assert_int_eq(sc_module_exports.reload(), -1);
	log = cap_end();
	ck_assert_msg(strstr(log, "tls_gnutls: reload failed, keeping "
			     "generation 2: ") != NULL, "log: %s", log);
	ck_assert_int_eq(fake_frees, 1);
	ck_assert_ptr_eq(tls_shared->table, cur);
	ck_assert_uint_eq(tls_shared->generation, 2);

	/* and a good reload after failures moves on */
	fake_cred_fail = 0;
	ck_assert_int_eq(sc_module_exports.reload(), 0);
	ck_assert_uint_eq(tls_shared->generation, 3);
	tls_dom_table_free(tls_shared->table);
}
END_TEST

START_TEST(test_lc_child_fails)
{
	const char *log;

	lc_reset();
	ck_assert_int_eq(sc_module_exports.mod_init(), 0);
	fake_get_fail = 1;
	cap_begin();
	ck_assert_int_eq(sc_module_exports.child_init(2), -1);
	log = cap_end();
	ck_assert_msg(strstr(log, "worker 2") != NULL, "log: %s", log);
	tls_dom_table_free(tls_shared->table);
}
END_TEST

static Suite *tls_cfg_suite(int lifecycle)
{
	Suite *s = suite_create("tls_cfg");
	TCase *tc;

	tc = tcase_create("cfg");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_exports);
	tcase_add_loop_test(tc, test_scope_ok, 0,
			    (int)(sizeof(scopes_ok) / sizeof(scopes_ok[0])));
	tcase_add_test(tc, test_scope_named_domain);
	tcase_add_loop_test(tc, test_scope_bad, 0,
			    (int)(sizeof(scopes_bad) / sizeof(scopes_bad[0])));
	tcase_add_test(tc, test_domain_find_or_create);
	tcase_add_test(tc, test_effective_defaults);
	tcase_add_test(tc, test_effective_inherit);
	tcase_add_test(tc, test_effective_sni_parent);
	suite_add_tcase(s, tc);

	tc = tcase_create("params");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_export_list_complete);
	tcase_add_loop_test(tc, test_each_param, 0, NSPECS);
	tcase_add_test(tc, test_string_checks);
	tcase_add_test(tc, test_scope_errors_in_setters);
	tcase_add_test(tc, test_three_spellings);
	suite_add_tcase(s, tc);

	/* the core's transport registry cannot forget a transport: each
	 * life cycle test needs a fresh process */
	if (!lifecycle) {
		fprintf(stderr, "CK_FORK=no: the lifecycle tests are not run\n");
		return s;
	}
	tc = tcase_create("lifecycle");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lc_disabled);
	tcase_add_test(tc, test_lc_init_ok);
	tcase_add_test(tc, test_lc_reload_rotates_ticket_key);
	tcase_add_test(tc, test_lc_dumps_and_env_level);
	tcase_add_test(tc, test_lc_gnutls_log);
	tcase_add_test(tc, test_lc_build_fails);
	tcase_add_test(tc, test_lc_creds_fail);
	tcase_add_test(tc, test_lc_reload);
	tcase_add_test(tc, test_lc_child_fails);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	memcpy(&pristine, &tls_cfg, sizeof(pristine));
	sr = srunner_create(NULL);
	srunner_add_suite(sr, tls_cfg_suite(srunner_fork_status(sr) !=
					    CK_NOFORK));
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
