/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: the TLS configuration as written (modules/tls_gnutls/
 * tls_cfg.c).
 *
 * Defaults, scope parsing, the domain keys, finding or creating a domain,
 * and the effective settings a domain inherits. Real: the core's address
 * parser and config paths.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sipcore/sipcore.h>

#include "core.h"
#include "tls_cfg.h"

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

static unsigned count_domains(const struct tls_cfg *c)
{
	const struct tls_dom_cfg *d;
	unsigned n = 0;

	for (d = c->domains; d; d = d->next)
		n++;
	return n;
}

/* ---- defaults ----------------------------------------------------------- */

START_TEST(test_defaults)
{
	struct tls_cfg c;
	struct tls_dom_cfg *d;
	char err[256];

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
	d = tls_cfg_domain(&tls_cfg, "1.2.3.4:5061", "t.cfg", 1, err,
			   sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	d->certificate = strdup("x.pem");
	ck_assert_ptr_nonnull(d->certificate);
	tls_cfg.send_timeout = 7;
	tls_cfg.global.private_key_password = strdup("secret");
	ck_assert_ptr_nonnull(tls_cfg.global.private_key_password);
	tls_cfg_free(&tls_cfg);
	ck_assert_int_eq(memcmp(&c, &tls_cfg, sizeof(c)), 0);
}
END_TEST

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

int main(void)
{
	Suite *s = suite_create("tls_cfg");
	TCase *tc = tcase_create("cfg");
	SRunner *sr;
	int failed;

	memcpy(&pristine, &tls_cfg, sizeof(pristine));
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
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
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
