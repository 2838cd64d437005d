/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: the parameter table of tls_gnutls (modules/tls_gnutls/
 * tls_params.c).
 *
 * Every parameter and alias through the core's own mod_set_param, as the
 * config reaches it: types, ranges, checks, scopes in blocks and prefixes,
 * and the same settings written three ways. Real: tls_cfg.c, the priority
 * files, the core's module loader, addresses and config paths.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sipcore/sipcore.h>

#include "core.h"
#include "modules.h"
#include "tls_cfg.h"
#include "tls_params.h"

/* the module as the core sees it, its parameters alone */
static const struct sc_module_exports t_mod = {
	.abi = SC_MODULE_ABI,
	.name = "tls_gnutls",
	.params = tls_param_exports,
};

/* ---- helpers ------------------------------------------------------------ */

static char cfgdir[] = "cfgdir";

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

	for (p = tls_param_exports; p && p->name; p++)
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
	struct sc_module mod = { .exp = &t_mod };
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

enum spec_kind { K_STR, K_BOOL, K_INT, K_GFILE };

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

/* Written from the documentation, independently of tls_params.c's table. */
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
	{ "tls_ticket_key_file", K_GFILE, 1, G(ticket_key_file), 0, 0, NULL },
	{ "tls_session_cache", K_INT, 1, G(session_cache), 0, 1000000, NULL },
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

	for (p = tls_param_exports; p->name; p++) {
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
		ck_assert_uint_eq(p->types, specs[i].kind == K_STR ||
					    specs[i].kind == K_GFILE ?
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

/* A global file parameter: the file is read when it is set. */
static void spec_gfile(const struct spec *t)
{
	char path[] = "/tmp/t_tls_params.XXXXXX";
	unsigned char bytes[64];
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	memset(bytes, 0x5a, sizeof(bytes));
	ck_assert_int_eq(write(fd, bytes, sizeof(bytes)), (int)sizeof(bytes));
	close(fd);
	SET_S_OK(t->name, NULL, path);
	ck_assert_str_eq(*(char **)((char *)&tls_cfg + t->off), path);
	SET_S_ERR(t->name, NULL, "/nonexistent/ticket.key",
		  "/nonexistent/ticket.key");
	/* global only: the core refuses a scope */
	ck_assert_int_eq(set_param(t->name, "10.0.0.1:5061", 1, SC_PARAM_STR,
				   0, path), -1);
	ck_assert_int_eq(truncate(path, 16), 0);
	SET_S_ERR(t->name, NULL, path, "16 bytes");
	unlink(path);
}

START_TEST(test_each_param)
{
	const struct spec *t = &specs[_i];

	if (t->kind == K_STR)
		spec_str(t);
	else if (t->kind == K_GFILE)
		spec_gfile(t);
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

START_TEST(test_log_level_limit)
{
	/* GnuTLS logs session secrets from level 9 on: refused */
	ck_assert_int_eq(set_param("tls_log_level", NULL, 1, SC_PARAM_INT, 9,
				   NULL), -1);
	ck_assert_msg(strstr(last_err, "9 and above log session secrets"),
		      "%s", last_err);
	ck_assert_int_eq(set_param("tls_log_level", NULL, 1, SC_PARAM_INT, 8,
				   NULL), 0);
	ck_assert_int_eq(tls_cfg.log_level, 8);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tls_params");
	TCase *tc = tcase_create("params");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_export_list_complete);
	tcase_add_loop_test(tc, test_each_param, 0, NSPECS);
	tcase_add_test(tc, test_string_checks);
	tcase_add_test(tc, test_scope_errors_in_setters);
	tcase_add_test(tc, test_three_spellings);
	tcase_add_test(tc, test_log_level_limit);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
