/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the config parser (prefix: t_).
 *
 * The parser source is included rather than linked, with malloc, calloc
 * and realloc redirected to counting wrappers: that lets the out-of-memory
 * test fail every allocation in turn without interposing the C library's
 * allocator (which would not mix with ASan). Build this file with
 * core/log.c, and without core/cfg.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

static long t_alloc_count;
static long t_fail_at = -1;	/* allocation number that fails, -1: none */

static int t_alloc_fails(void)
{
	return t_alloc_count++ == t_fail_at;
}

static void *t_malloc(size_t n)
{
	return t_alloc_fails() ? NULL : malloc(n);
}

static void *t_calloc(size_t n, size_t m)
{
	return t_alloc_fails() ? NULL : calloc(n, m);
}

static void *t_realloc(void *p, size_t n)
{
	return t_alloc_fails() ? NULL : realloc(p, n);
}

#define malloc(n) t_malloc(n)
#define calloc(n, m) t_calloc(n, m)
#define realloc(p, n) t_realloc(p, n)
#include "cfg.c"
#undef malloc
#undef calloc
#undef realloc

/* ------------------------------------------------------------------ */
/* Helpers */

static char t_err[2048];
static char t_dir[] = "/tmp/test_cfg.XXXXXX";

static int t_parse(const char *text, struct cfg *c)
{
	memset(t_err, 0, sizeof(t_err));
	return cfg_parse_string(text, "t.cfg", c, t_err, sizeof(t_err));
}

/* A valid config: parse it or fail the test with the message. */
static void t_ok(const char *text, struct cfg *c)
{
	int rc = t_parse(text, c);

	ck_assert_msg(rc == 0, "parse failed: %s", t_err);
}

/* An invalid config: the message starts with @prefix and has every word. */
static void t_bad(const char *text, const char *prefix, ...)
{
	struct cfg c;
	const char *w;
	va_list ap;

	memset(&c, 0xa5, sizeof(c));
	ck_assert_int_eq(t_parse(text, &c), -1);
	ck_assert_msg(!strncmp(t_err, prefix, strlen(prefix)),
		      "error '%s' does not start with '%s'", t_err, prefix);
	va_start(ap, prefix);
	while ((w = va_arg(ap, const char *)))
		ck_assert_msg(strstr(t_err, w), "error '%s' lacks '%s'", t_err,
			      w);
	va_end(ap);
	/* on error the struct is freed and zeroed */
	ck_assert_ptr_null(c.stmts);
	ck_assert_ptr_null(c.listen);
	ck_assert_ptr_null(c.core.reply_reason);
}

static void t_bad_exact(const char *text, const char *msg)
{
	struct cfg c;

	ck_assert_int_eq(t_parse(text, &c), -1);
	ck_assert_str_eq(t_err, msg);
}

static struct cfg_stmt *t_stmt(struct cfg *c, int n)
{
	struct cfg_stmt *st = c->stmts;

	while (st && n--)
		st = st->next;
	ck_assert_ptr_nonnull(st);
	return st;
}

static struct cfg_listen *t_listen(struct cfg *c, int n)
{
	struct cfg_listen *l = c->listen;

	while (l && n--)
		l = l->next;
	ck_assert_ptr_nonnull(l);
	return l;
}

static int t_count_stmts(struct cfg *c)
{
	struct cfg_stmt *st;
	int n = 0;

	for (st = c->stmts; st; st = st->next)
		n++;
	return n;
}

static int t_count_listen(struct cfg *c)
{
	struct cfg_listen *l;
	int n = 0;

	for (l = c->listen; l; l = l->next)
		n++;
	return n;
}

static void t_check_listen(struct cfg_listen *l, const char *proto,
			   const char *host, unsigned port, int line)
{
	ck_assert_str_eq(l->proto, proto);
	ck_assert_str_eq(l->host, host);
	ck_assert_uint_eq(l->port, port);
	ck_assert_str_eq(l->file, "t.cfg");
	ck_assert_int_eq(l->line, line);
}

static void t_check_tls(struct cfg_stmt *st, const char *param,
			const char *scope, int line)
{
	ck_assert_int_eq(st->kind, CFG_TLSLINE);
	ck_assert_str_eq(st->param, param);
	if (scope)
		ck_assert_str_eq(st->scope, scope);
	else
		ck_assert_ptr_null(st->scope);
	ck_assert_int_eq(st->line, line);
}

/* Write @text to t_dir/@name; returns the malloc'd path. */
static char *t_write(const char *name, const char *text)
{
	char *path;
	FILE *fp;

	path = malloc(strlen(t_dir) + strlen(name) + 2);
	ck_assert_ptr_nonnull(path);
	sprintf(path, "%s/%s", t_dir, name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), fp), strlen(text));
	ck_assert_int_eq(fclose(fp), 0);
	return path;
}

static void t_mkdir(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", t_dir, name);
	ck_assert_msg(!mkdir(path, 0700) || errno == EEXIST, "mkdir %s", path);
}

static void t_setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(t_dir));
}

static int t_rm(const char *path, const struct stat *st, int flag,
		struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void t_teardown(void)
{
	ck_assert_int_eq(nftw(t_dir, t_rm, 16, FTW_DEPTH | FTW_PHYS), 0);
	strcpy(t_dir, "/tmp/test_cfg.XXXXXX");
}

/* ------------------------------------------------------------------ */
/* Valid configs */

START_TEST(defaults)
{
	struct cfg c;

	t_ok("", &c);
	ck_assert_ptr_null(c.path);
	ck_assert_int_eq(c.core.children, 4);
	ck_assert_ptr_null(c.core.mpath);
	ck_assert_int_eq(c.core.log_level, 1);
	ck_assert_int_eq(c.core.log_stderror, 0);
	ck_assert_str_eq(c.core.log_facility, "LOG_DAEMON");
	ck_assert_int_eq(c.core.disable_tls, 0);
	ck_assert_int_eq(c.core.tcp_max_connections, 4096);
	ck_assert_int_eq(c.core.max_msg_size, 65536);
	ck_assert_int_eq(c.core.tcp_connection_lifetime, 120);
	ck_assert_int_eq(c.core.tcp_connect_timeout, 10);
	ck_assert_int_eq(c.core.tcp_send_timeout, 10);
	ck_assert_int_eq(c.core.tcp_conn_wq_max, 262144);
	ck_assert_int_eq(c.core.tcp_wq_max, 10485760);
	ck_assert_int_eq(c.core.tcp_max_connections_per_ip, 1024);
	ck_assert_int_eq(c.core.tcp_max_handshakes, 256);
	ck_assert_int_eq(c.core.tcp_msg_data_timeout, 20);
	ck_assert_int_eq(c.core.tcp_msg_read_timeout, 20);
	ck_assert_int_eq(c.core.shm_size, 64);
	ck_assert_int_eq(c.core.reply_code, 501);
	ck_assert_str_eq(c.core.reply_reason, "Not Implemented");
	ck_assert_str_eq(c.core.server_header, "sipcore");
	ck_assert_int_eq(c.core.shutdown_timeout, 5);
	ck_assert_ptr_null(c.listen);
	ck_assert_ptr_null(c.stmts);
	cfg_free(&c);

	/* cfg_defaults() alone gives the same */
	ck_assert_int_eq(cfg_defaults(&c), 0);
	ck_assert_int_eq(c.core.children, 4);
	ck_assert_str_eq(c.core.server_header, "sipcore");
	cfg_free(&c);
}
END_TEST

START_TEST(core_ints)
{
	struct cfg c;

	t_ok("children = 8\n"
	     "log_level=-3\n"
	     "tcp_max_connections=100000\n"
	     "max_msg_size = 1024\n"
	     "tcp_connection_lifetime=3605\n"
	     "tcp_connect_timeout=3\n"
	     "tcp_send_timeout=7\n"
	     "tcp_conn_wq_max=1048576\n"
	     "tcp_wq_max=2147483647\n"
	     "shm_size=256\n"
	     "reply_code=404\n"
	     "shutdown_timeout=0\n", &c);
	ck_assert_int_eq(c.core.children, 8);
	ck_assert_int_eq(c.core.log_level, -3);
	ck_assert_int_eq(c.core.tcp_max_connections, 100000);
	ck_assert_int_eq(c.core.max_msg_size, 1024);
	ck_assert_int_eq(c.core.tcp_connection_lifetime, 3605);
	ck_assert_int_eq(c.core.tcp_connect_timeout, 3);
	ck_assert_int_eq(c.core.tcp_send_timeout, 7);
	ck_assert_int_eq(c.core.tcp_conn_wq_max, 1048576);
	ck_assert_int_eq(c.core.tcp_wq_max, INT_MAX);
	ck_assert_int_eq(c.core.shm_size, 256);
	ck_assert_int_eq(c.core.reply_code, 404);
	ck_assert_int_eq(c.core.shutdown_timeout, 0);
	/* untouched ones keep their defaults */
	ck_assert_int_eq(c.core.log_stderror, 0);
	ck_assert_str_eq(c.core.reply_reason, "Not Implemented");
	cfg_free(&c);

	/* range ends are inclusive */
	t_ok("children=1024\nmax_msg_size=1048576\nreply_code=699\n", &c);
	ck_assert_int_eq(c.core.children, 1024);
	ck_assert_int_eq(c.core.max_msg_size, 1048576);
	ck_assert_int_eq(c.core.reply_code, 699);
	cfg_free(&c);
}
END_TEST

START_TEST(core_aliases_and_last_wins)
{
	struct cfg c;

	t_ok("debug=3\nshm_mem_size=128\n", &c);
	ck_assert_int_eq(c.core.log_level, 3);
	ck_assert_int_eq(c.core.shm_size, 128);
	cfg_free(&c);

	t_ok("children=2\nchildren=3\nreply_reason=\"A\"\n"
	     "reply_reason=\"B\"\nlog_level=2\ndebug=4\n", &c);
	ck_assert_int_eq(c.core.children, 3);
	ck_assert_str_eq(c.core.reply_reason, "B");
	ck_assert_int_eq(c.core.log_level, 4);
	cfg_free(&c);
}
END_TEST

START_TEST(core_bools)
{
	static const struct {
		const char *v;
		int want;
	} cases[] = {
		{ "1", 1 }, { "0", 0 }, { "yes", 1 }, { "no", 0 },
		{ "on", 1 }, { "off", 0 }, { "true", 1 }, { "false", 0 },
		{ "YES", 1 }, { "Off", 0 }, { "TRUE", 1 }, { "\"no\"", 0 },
	};
	char text[128];
	struct cfg c;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* start from the opposite value so that a no-op fails */
		snprintf(text, sizeof(text),
			 "log_stderror=%d\ndisable_tls=%d\n"
			 "log_stderror=%s\ndisable_tls = %s\n",
			 !cases[i].want, !cases[i].want, cases[i].v,
			 cases[i].v);
		t_ok(text, &c);
		ck_assert_int_eq(c.core.log_stderror, cases[i].want);
		ck_assert_int_eq(c.core.disable_tls, cases[i].want);
		cfg_free(&c);
	}
}
END_TEST

START_TEST(core_strings)
{
	struct cfg c;

	t_ok("mpath=\"/usr/lib/sipcore/modules/\"\n"
	     "reply_reason=\"Say \\\"hi\\\" \\\\ now\"\n"
	     "server_header=\"\"\n"
	     "log_facility=LOG_LOCAL3\n", &c);
	ck_assert_str_eq(c.core.mpath, "/usr/lib/sipcore/modules/");
	ck_assert_str_eq(c.core.reply_reason, "Say \"hi\" \\ now");
	ck_assert_str_eq(c.core.server_header, "");
	ck_assert_str_eq(c.core.log_facility, "LOG_LOCAL3");
	cfg_free(&c);

	/* bare words; \n and \t escapes; unknown escapes stay as written */
	t_ok("mpath=/opt/mods\nserver_header=edge-1\n", &c);
	ck_assert_str_eq(c.core.mpath, "/opt/mods");
	ck_assert_str_eq(c.core.server_header, "edge-1");
	cfg_free(&c);
	t_ok("mpath=\"a\\tb\\nc\\d\"\n", &c);
	ck_assert_str_eq(c.core.mpath, "a\tb\nc\\d");
	cfg_free(&c);

	/* every facility that is listed as accepted is accepted */
	t_ok("log_facility=LOG_USER\nlog_facility=\"LOG_LOCAL7\"\n"
	     "log_facility=LOG_LOCAL0\nlog_facility=LOG_DAEMON\n", &c);
	ck_assert_str_eq(c.core.log_facility, "LOG_DAEMON");
	cfg_free(&c);
}
END_TEST

START_TEST(comments_and_semicolons)
{
	struct cfg c;

	t_ok("# a comment\n"
	     "\n"
	     "   \t\n"
	     "children = 5; # trailing comment\n"
	     "reply_reason = \"Not # a comment\";\n"
	     "server_header=x;\r\n"
	     "   # indented comment\n"
	     "#!KAMAILIO\n"
	     "loadmodule \"sl.so\";   \n"
	     "shutdown_timeout=9#no space\n", &c);
	ck_assert_int_eq(c.core.children, 5);
	ck_assert_str_eq(c.core.reply_reason, "Not # a comment");
	ck_assert_str_eq(c.core.server_header, "x");
	ck_assert_int_eq(c.core.shutdown_timeout, 9);
	ck_assert_int_eq(t_count_stmts(&c), 1);
	ck_assert_str_eq(t_stmt(&c, 0)->module, "sl.so");
	ck_assert_int_eq(t_stmt(&c, 0)->line, 9);
	cfg_free(&c);
}
END_TEST

START_TEST(listen_forms)
{
	struct cfg c;

	t_ok("listen=udp:1.2.3.4:5060\n"		/* 1 */
	     "listen = tcp:10.0.0.1\n"			/* 2 */
	     "listen=tls:[::1]:5061\n"			/* 3 */
	     "listen=192.168.1.1:5070\n"		/* 4: udp + tcp */
	     "listen=10.1.1.1\n"			/* 5: udp + tcp */
	     "listen=\"tls:127.0.0.1:5061\"\n"		/* 6 */
	     "listen=udp:*:5060\n"			/* 7 */
	     "listen=tcp:0.0.0.0\n"			/* 8 */
	     "listen=tls:[::]:5061\n"			/* 9 */
	     "listen=ws:[2001:db8::1]\n"		/* 10 */
	     "listen=*\n"				/* 11: udp + tcp */
	     "listen=sctp:1.2.3.4:0\n"			/* 12 */
	     "listen=[fe80::1]:65535\n", &c);		/* 13: udp + tcp */
	ck_assert_int_eq(t_count_listen(&c), 17);
	t_check_listen(t_listen(&c, 0), "udp", "1.2.3.4", 5060, 1);
	t_check_listen(t_listen(&c, 1), "tcp", "10.0.0.1", 0, 2);
	t_check_listen(t_listen(&c, 2), "tls", "::1", 5061, 3);
	t_check_listen(t_listen(&c, 3), "udp", "192.168.1.1", 5070, 4);
	t_check_listen(t_listen(&c, 4), "tcp", "192.168.1.1", 5070, 4);
	t_check_listen(t_listen(&c, 5), "udp", "10.1.1.1", 0, 5);
	t_check_listen(t_listen(&c, 6), "tcp", "10.1.1.1", 0, 5);
	t_check_listen(t_listen(&c, 7), "tls", "127.0.0.1", 5061, 6);
	t_check_listen(t_listen(&c, 8), "udp", "0.0.0.0", 5060, 7);
	t_check_listen(t_listen(&c, 9), "tcp", "0.0.0.0", 0, 8);
	t_check_listen(t_listen(&c, 10), "tls", "::", 5061, 9);
	t_check_listen(t_listen(&c, 11), "ws", "2001:db8::1", 0, 10);
	t_check_listen(t_listen(&c, 12), "udp", "0.0.0.0", 0, 11);
	t_check_listen(t_listen(&c, 13), "tcp", "0.0.0.0", 0, 11);
	t_check_listen(t_listen(&c, 14), "sctp", "1.2.3.4", 0, 12);
	t_check_listen(t_listen(&c, 15), "udp", "fe80::1", 65535, 13);
	t_check_listen(t_listen(&c, 16), "tcp", "fe80::1", 65535, 13);
	ck_assert_ptr_null(c.stmts);
	cfg_free(&c);
}
END_TEST

START_TEST(loadmodule_and_modparam)
{
	struct cfg_stmt *st;
	struct cfg c;

	t_ok("loadmodule \"tls_gnutls.so\"\n"
	     "loadmodule sl.so\n"
	     "loadmodule\t\"/abs/path/x.so\";\n"
	     "modparam(\"tls_gnutls\", \"tls_verify\", 1)\n"
	     "modparam ( \"tls_gnutls\" ,\"tls_method\",\"TLSv1.2+\" ) ;\n"
	     "modparam(\"m\",\"p\",-42)\n"
	     "modparam(\"m\", \"p\", \"a, b) \\\"c\\\"\")\n"
	     "modparam(\"m\",\"p\",\"\")\n"
	     "modparam(\"tls_gnutls\", \"[10.0.0.1:5061]tls_verify\", 0)\n",
	     &c);
	ck_assert_int_eq(t_count_stmts(&c), 9);

	st = t_stmt(&c, 0);
	ck_assert_int_eq(st->kind, CFG_LOADMODULE);
	ck_assert_str_eq(st->module, "tls_gnutls.so");
	ck_assert_str_eq(st->file, "t.cfg");
	ck_assert_int_eq(st->line, 1);
	ck_assert_str_eq(t_stmt(&c, 1)->module, "sl.so");
	ck_assert_int_eq(t_stmt(&c, 1)->kind, CFG_LOADMODULE);
	ck_assert_str_eq(t_stmt(&c, 2)->module, "/abs/path/x.so");

	st = t_stmt(&c, 3);
	ck_assert_int_eq(st->kind, CFG_MODPARAM);
	ck_assert_str_eq(st->module, "tls_gnutls");
	ck_assert_str_eq(st->param, "tls_verify");
	ck_assert_int_eq(st->v.type, SC_PARAM_INT);
	ck_assert_int_eq(st->v.i, 1);
	ck_assert_ptr_null(st->scope);
	ck_assert_int_eq(st->line, 4);

	st = t_stmt(&c, 4);
	ck_assert_str_eq(st->param, "tls_method");
	ck_assert_int_eq(st->v.type, SC_PARAM_STR);
	ck_assert_str_eq(st->v.s, "TLSv1.2+");

	st = t_stmt(&c, 5);
	ck_assert_int_eq(st->v.type, SC_PARAM_INT);
	ck_assert_int_eq(st->v.i, -42);

	st = t_stmt(&c, 6);
	ck_assert_int_eq(st->v.type, SC_PARAM_STR);
	ck_assert_str_eq(st->v.s, "a, b) \"c\"");

	st = t_stmt(&c, 7);
	ck_assert_int_eq(st->v.type, SC_PARAM_STR);
	ck_assert_str_eq(st->v.s, "");

	st = t_stmt(&c, 8);
	ck_assert_str_eq(st->param, "[10.0.0.1:5061]tls_verify");
	ck_assert_int_eq(st->v.i, 0);
	ck_assert_int_eq(st->line, 9);
	cfg_free(&c);
}
END_TEST

START_TEST(seed_tls_lines)
{
	struct cfg_stmt *st;
	struct cfg c;

	t_ok("tls_certificate=\"/x/c.pem\"\n"
	     "tls_verify=1\n"
	     "tls_method=tlsv1\n"
	     "tls_ciphers_list = ALL:!LOW:!EXP\n"
	     "tls_handshake_timeout=-1\n"
	     "tls_require_certificate=\"1\"\n"
	     "tls_private_key = /x/k.pem ;\n", &c);
	ck_assert_int_eq(t_count_stmts(&c), 7);

	st = t_stmt(&c, 0);
	t_check_tls(st, "tls_certificate", NULL, 1);
	ck_assert_int_eq(st->v.type, SC_PARAM_STR);
	ck_assert_str_eq(st->v.s, "/x/c.pem");
	ck_assert_ptr_null(st->module);

	st = t_stmt(&c, 1);
	t_check_tls(st, "tls_verify", NULL, 2);
	ck_assert_int_eq(st->v.type, SC_PARAM_INT);
	ck_assert_int_eq(st->v.i, 1);

	st = t_stmt(&c, 2);
	t_check_tls(st, "tls_method", NULL, 3);
	ck_assert_int_eq(st->v.type, SC_PARAM_STR);
	ck_assert_str_eq(st->v.s, "tlsv1");

	st = t_stmt(&c, 3);
	ck_assert_str_eq(st->v.s, "ALL:!LOW:!EXP");

	st = t_stmt(&c, 4);
	ck_assert_int_eq(st->v.type, SC_PARAM_INT);
	ck_assert_int_eq(st->v.i, -1);

	/* a quoted number is a string: the module decides */
	st = t_stmt(&c, 5);
	ck_assert_int_eq(st->v.type, SC_PARAM_STR);
	ck_assert_str_eq(st->v.s, "1");

	st = t_stmt(&c, 6);
	ck_assert_str_eq(st->v.s, "/x/k.pem");
	cfg_free(&c);
}
END_TEST

START_TEST(tls_domain_blocks)
{
	struct cfg_stmt *st;
	struct cfg c;

	t_ok("tls_domain[127.0.0.1:5061] {\n"		/* 1 */
	     "\ttls_certificate = \"/c/a.pem\"\n"	/* 2 */
	     "\t# a comment inside\n"			/* 3 */
	     "\n"					/* 4 */
	     "\ttls_verify=1;\n"			/* 5 */
	     "}\n"					/* 6 */
	     "tls_domain[[::1]:5061]\n"			/* 7 */
	     "\n"					/* 8 */
	     "{\n"					/* 9 */
	     "  tls_method = tlsv1.2+\n"		/* 10 */
	     "};\n"					/* 11 */
	     "tls_verify=0\n"				/* 12 */
	     "tls_domain[server:default]{\n"		/* 13 */
	     "  certificate=/k/c.pem\n"			/* 14 */
	     "}\n"					/* 15 */
	     "tls_domain[client:10.0.0.1:5061] { }\n"	/* 16 */
	     "tls_domain[x]\n"				/* 17 */
	     "{ tls_verify = 0\n"			/* 18 */
	     "}\n", &c);				/* 19 */
	ck_assert_int_eq(t_count_stmts(&c), 6);

	st = t_stmt(&c, 0);
	t_check_tls(st, "tls_certificate", "127.0.0.1:5061", 2);
	ck_assert_str_eq(st->v.s, "/c/a.pem");
	st = t_stmt(&c, 1);
	t_check_tls(st, "tls_verify", "127.0.0.1:5061", 5);
	ck_assert_int_eq(st->v.type, SC_PARAM_INT);
	ck_assert_int_eq(st->v.i, 1);

	st = t_stmt(&c, 2);
	t_check_tls(st, "tls_method", "[::1]:5061", 10);
	ck_assert_str_eq(st->v.s, "tlsv1.2+");

	/* after the block: back to the top level */
	st = t_stmt(&c, 3);
	t_check_tls(st, "tls_verify", NULL, 12);
	ck_assert_int_eq(st->v.i, 0);

	st = t_stmt(&c, 4);
	t_check_tls(st, "certificate", "server:default", 14);
	ck_assert_str_eq(st->v.s, "/k/c.pem");

	st = t_stmt(&c, 5);
	t_check_tls(st, "tls_verify", "x", 18);
	cfg_free(&c);
}
END_TEST

START_TEST(include_file_attribution)
{
	struct cfg_stmt *st;
	char *main_path, *sub_path, *deep_path;
	struct cfg c;

	t_mkdir("sub");
	sub_path = t_write("sub/a.cfg",
			   "# sub file\n"
			   "loadmodule \"a.so\"\n"
			   "import_file \"b.cfg\"\n"
			   "children=6\n");
	deep_path = t_write("sub/b.cfg",
			    "\n\nmodparam(\"b\", \"p\", 2)\n");
	main_path = t_write("main.cfg",
			    "loadmodule \"first.so\"\n"
			    "include_file \"sub/a.cfg\"\n"
			    "tls_domain[1.2.3.4:5061] {\n"
			    "  tls_verify=1\n"
			    "}\n"
			    "listen=udp:1.2.3.4\n");

	memset(t_err, 0, sizeof(t_err));
	ck_assert_msg(cfg_parse_file(main_path, &c, t_err, sizeof(t_err)) == 0,
		      "%s", t_err);
	ck_assert_str_eq(c.path, main_path);
	ck_assert_int_eq(c.core.children, 6);
	ck_assert_int_eq(t_count_stmts(&c), 4);

	st = t_stmt(&c, 0);
	ck_assert_str_eq(st->module, "first.so");
	ck_assert_str_eq(st->file, main_path);
	ck_assert_int_eq(st->line, 1);

	st = t_stmt(&c, 1);
	ck_assert_str_eq(st->module, "a.so");
	ck_assert_str_eq(st->file, sub_path);
	ck_assert_int_eq(st->line, 2);

	/* relative to the including file's directory, not to the main one */
	st = t_stmt(&c, 2);
	ck_assert_int_eq(st->kind, CFG_MODPARAM);
	ck_assert_str_eq(st->module, "b");
	ck_assert_str_eq(st->file, deep_path);
	ck_assert_int_eq(st->line, 3);

	/* line counting in the main file resumes after the include */
	st = t_stmt(&c, 3);
	t_check_tls(st, "tls_verify", "1.2.3.4:5061", 4);
	ck_assert_str_eq(st->file, main_path);
	ck_assert_str_eq(c.listen->file, main_path);
	ck_assert_int_eq(c.listen->line, 6);

	cfg_free(&c);
	free(main_path);
	free(sub_path);
	free(deep_path);
}
END_TEST

START_TEST(free_zeroed_and_twice)
{
	struct cfg c;

	memset(&c, 0, sizeof(c));
	cfg_free(&c);
	cfg_free(NULL);
	t_ok("listen=1.2.3.4\nloadmodule x.so\n", &c);
	cfg_free(&c);
	ck_assert_ptr_null(c.listen);
	ck_assert_ptr_null(c.stmts);
	cfg_free(&c);
}
END_TEST

START_TEST(line_limit_exact)
{
	char *text = malloc(CFG_MAX_LINE + 64);
	struct cfg c;

	ck_assert_ptr_nonnull(text);
	/* a line of exactly 8192 bytes is fine, even with a CRLF end */
	text[0] = '#';
	memset(text + 1, 'x', CFG_MAX_LINE - 1);
	strcpy(text + CFG_MAX_LINE, "\r\nchildren=7\n");
	t_ok(text, &c);
	ck_assert_int_eq(c.core.children, 7);
	cfg_free(&c);

	/* one more is not */
	memset(text + 1, 'x', CFG_MAX_LINE);
	strcpy(text + CFG_MAX_LINE + 1, "\n");
	t_bad(text, "t.cfg:1: line too long", "8192", NULL);
	free(text);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Errors */

START_TEST(err_int_values)
{
	t_bad_exact("children=abc\n",
		    "t.cfg:1: children: expected an integer from 1 to 1024, "
		    "got 'abc'");
	t_bad_exact("\n\nchildren = 0\n",
		    "t.cfg:3: children: expected an integer from 1 to 1024, "
		    "got '0'");
	t_bad("children=1025\n", "t.cfg:1: children:", "1 to 1024", "'1025'",
	      NULL);
	t_bad("max_msg_size=100\n", "t.cfg:1: max_msg_size:",
	      "from 1024 to 1048576", NULL);
	t_bad("debug=5\n", "t.cfg:1: debug:", "from -3 to 4", NULL);
	t_bad("log_level=-4\n", "t.cfg:1: log_level:", "from -3 to 4", NULL);
	t_bad("reply_code=299\n", "t.cfg:1: reply_code:", "300 to 699", NULL);
	t_bad("shm_size=65537\n", "t.cfg:1: shm_size:", "1 to 65536", NULL);
	t_bad("tcp_max_connections=0\n", "t.cfg:1: tcp_max_connections:",
	      "at least 1", NULL);
	t_bad("tcp_wq_max=99999999999999999999\n", "t.cfg:1: tcp_wq_max:",
	      "at least 1", NULL);
	t_bad("tcp_max_connections_per_ip=-1\n",
	      "t.cfg:1: tcp_max_connections_per_ip:", "0 to 1000000", NULL);
	t_bad("tcp_max_handshakes=0\n", "t.cfg:1: tcp_max_handshakes:",
	      "1 to 1000000", NULL);
	t_bad("tcp_msg_read_timeout=0\n", "t.cfg:1: tcp_msg_read_timeout:",
	      "1 to 3600", NULL);
	t_bad("tcp_msg_data_timeout=3601\n",
	      "t.cfg:1: tcp_msg_data_timeout:", "1 to 3600", NULL);
	t_bad("children=4x\n", "t.cfg:1: children:", "got '4x'", NULL);
	t_bad("children=0x10\n", "t.cfg:1: children:", NULL);
	t_bad("children= \n", "t.cfg:1: children: missing value", NULL);
	t_bad("children=\"\"\n", "t.cfg:1: children:", "got ''", NULL);
	t_bad("children\n", "t.cfg:1: children: expected '='", NULL);
}
END_TEST

START_TEST(err_bool_and_strings)
{
	t_bad_exact("log_stderror=maybe\n",
		    "t.cfg:1: log_stderror: expected 0, 1, yes, no, on, off, "
		    "true or false, got 'maybe'");
	t_bad("disable_tls=2\n", "t.cfg:1: disable_tls:", "yes, no", NULL);
	t_bad("log_facility=LOG_KERN\n", "t.cfg:1: log_facility:",
	      "'LOG_KERN'", "LOG_DAEMON", "LOG_USER", "LOG_LOCAL0",
	      "LOG_LOCAL7", NULL);
	t_bad("reply_reason=\"Bad\\nVia: x\"\n", "t.cfg:1: reply_reason:",
	      "control characters", NULL);
	t_bad("server_header=\"a\\tb\"\n", "t.cfg:1: server_header:",
	      "control characters", NULL);
	t_bad("mpath=\"\"\n", "t.cfg:1: mpath:", NULL);
	t_bad("reply_reason=Not Implemented\n", "t.cfg:1: reply_reason:",
	      "quoted string or a single word", NULL);
	t_bad("reply_reason=\"Not\" Implemented\n", "t.cfg:1: reply_reason:",
	      "after the closing quote", NULL);
	t_bad("\nreply_reason=\"Not Implemented\n", "t.cfg:2: unterminated "
	      "string", NULL);
	t_bad("reply_reason=\"abc\\\"\n", "t.cfg:1: unterminated string",
	      NULL);
}
END_TEST

START_TEST(err_unknown_parameter)
{
	size_t i;

	t_bad("children=4\nfoo = 1\n", "t.cfg:2: unknown parameter 'foo'",
	      "modparam(\"module\", \"param\", value)", "listen", NULL);
	/* the message lists every core parameter */
	for (i = 0; i < P_NCORE; i++) {
		t_bad("foo=1\n", "t.cfg:1: unknown parameter 'foo'",
		      p_core_params[i].name, NULL);
	}
	ck_assert_ptr_nonnull(strstr(t_err, "children, mpath, log_level "
					 "(alias debug), log_stderror, "));
	ck_assert_ptr_nonnull(strstr(t_err, "shm_size (alias shm_mem_size), "
					 "reply_code"));
	ck_assert_ptr_nonnull(strstr(t_err, "shutdown_timeout"));
	t_bad("frobnicate\n", "t.cfg:1: unknown parameter 'frobnicate'",
	      NULL);
	t_bad("5=children\n", "t.cfg:1: expected a statement", NULL);
	t_bad("{\n", "t.cfg:1: expected a statement", NULL);
	t_bad("}\n", "t.cfg:1: unexpected '}'", NULL);
}
END_TEST

START_TEST(err_listen)
{
	t_bad_exact("listen=udp:1.2.3.4:70000\n",
		    "t.cfg:1: listen: bad port '70000' (expected 1..65535)");
	t_bad("listen=1.2.3.4:abc\n", "t.cfg:1: listen: bad port 'abc'",
	      "1..65535", NULL);
	t_bad("listen=1.2.3.4:\n", "t.cfg:1: listen: bad port ''", NULL);
	t_bad("listen=tls:[::1]:-1\n", "t.cfg:1: listen: bad port", NULL);
	t_bad("listen=1.2.3.4:5060123\n", "t.cfg:1: listen: bad port", NULL);
	t_bad_exact("\nlisten=udp:1.2.3:5060\n",
		    "t.cfg:2: listen: bad address '1.2.3' in 'udp:1.2.3:5060' "
		    "(expected an IPv4 address, an IPv6 address in brackets "
		    "such as [::1], or *)");
	t_bad("listen=[::1:5060\n", "t.cfg:1: listen: bad address "
	      "'[::1:5060'", NULL);
	t_bad("listen=[::g]:5060\n", "t.cfg:1: listen: bad address '[::g]' "
	      "in '[::g]:5060'", NULL);
	t_bad_exact("listen=localhost\n", "t.cfg:1: listen: bad address "
		    "'localhost' (expected an IPv4 address, an IPv6 address in "
		    "brackets such as [::1], or *)");
	t_bad("listen=udp:example.com:5060\n", "t.cfg:1: listen: bad address",
	      NULL);
	t_bad("listen=[::1\n", "t.cfg:1: listen: bad address", NULL);
	t_bad("listen=[1.2.3.4]:5060\n", "t.cfg:1: listen: bad address",
	      NULL);
	t_bad("listen=::1\n", "t.cfg:1: listen: bad address", "brackets",
	      NULL);
	t_bad("listen=tls:fe80::1:5061\n", "t.cfg:1: listen: bad address",
	      "brackets", NULL);
	t_bad("listen=UDP:1.2.3.4\n", "t.cfg:1: listen: bad protocol 'UDP'",
	      "udp, tcp, tls", "lowercase", NULL);
	t_bad("listen=my-proto:1.2.3.4\n", "t.cfg:1: listen: bad protocol",
	      NULL);
	t_bad("listen=[::1]x\n", "t.cfg:1: listen: unexpected 'x'", NULL);
	t_bad("listen=udp:1.2.3.4 tcp:1.2.3.4\n", "t.cfg:1: listen:", NULL);
	t_bad("listen=\n", "t.cfg:1: listen: missing value", NULL);
}
END_TEST

START_TEST(err_blocks)
{
	t_bad_exact("children=4\ntls_domain[1.2.3.4:5061] {\n"
		    "tls_verify=1\n\n",
		    "t.cfg:2: tls_domain block opened here is not closed "
		    "(a '}' is missing)");
	t_bad("tls_domain[x]\n\n", "t.cfg:1: tls_domain block opened here "
	      "is not closed", NULL);
	t_bad("tls_domain[a] {\n  tls_verify=1\n  tls_domain[b] {\n}\n}\n",
	      "t.cfg:3: nested blocks are not allowed", "line 1", NULL);
	t_bad("tls_domain[a] {\n{\n}\n", "t.cfg:2: nested blocks", NULL);
	t_bad("tls_domain[a] {\n  tls_verify=1\n  loadmodule \"x.so\"\n}\n",
	      "t.cfg:3: only name = value lines are allowed inside a "
	      "tls_domain block", NULL);
	t_bad("tls_domain[a] {\n  include_file \"x\"\n}\n",
	      "t.cfg:2: only name = value", NULL);
	t_bad("tls_domain[a]\nchildren=4\n", "t.cfg:2: expected '{'",
	      "tls_domain[a]", "line 1", NULL);
	t_bad("tls_domain[a] x\n", "t.cfg:1: tls_domain[a]: expected '{'",
	      NULL);
	t_bad("tls_domain 1.2.3.4 {\n}\n", "t.cfg:1: tls_domain: expected "
	      "tls_domain[IP:port]", NULL);
	t_bad("tls_domain[1.2.3.4:5061 {\n}\n", "t.cfg:1: tls_domain: "
	      "missing ']'", NULL);
	t_bad("tls_domain[] {\n}\n", "t.cfg:1: tls_domain: empty scope",
	      NULL);
	t_bad("tls_domain[a] {\n}\n}\n", "t.cfg:3: unexpected '}'", NULL);
	t_bad("tls_domain[a] {\n} children=4\n", "t.cfg:2: unexpected",
	      "own", NULL);
	t_bad("tls_domain[a] {\n  tls_verify\n}\n",
	      "t.cfg:2: only name = value", NULL);
}
END_TEST

START_TEST(err_routing_blocks)
{
	static const char *const cases[] = {
		"route {\n", "route[RELAY] {\n", "route\n",
		"onreply_route[x] {\n", "failure_route[1]{\n",
		"request_route {\n", "event_route[tls:connection-out] {\n",
	};
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "children=4\n\n%s  exit;\n}\n",
			 cases[i]);
		t_bad_exact(text, "t.cfg:3: routing blocks are not supported "
			    "by sipcore (it is a stateless edge; see "
			    "doc/config.md)");
	}
}
END_TEST

START_TEST(err_statements)
{
	t_bad("loadmodule\n", "t.cfg:1: loadmodule: expected loadmodule "
	      "\"name.so\"", NULL);
	t_bad("loadmodule \"\"\n", "t.cfg:1: loadmodule:", "empty", NULL);
	t_bad("loadmodule = \"x.so\"\n", "t.cfg:1: loadmodule:", NULL);
	t_bad("loadmodule a b\n", "t.cfg:1: loadmodule:", NULL);
	t_bad("modparam \"a\", \"b\", 1\n", "t.cfg:1: modparam: expected",
	      "modparam(\"module\", \"param\", value)", NULL);
	t_bad("modparam(a, \"b\", 1)\n", "t.cfg:1: modparam:", "quoted",
	      NULL);
	t_bad("modparam(\"a\" \"b\", 1)\n", "t.cfg:1: modparam: expected ','",
	      NULL);
	t_bad("modparam(\"\", \"b\", 1)\n", "t.cfg:1: modparam: empty name",
	      NULL);
	t_bad("modparam(\"a\", \"b\", yes)\n", "t.cfg:1: modparam: bad value",
	      "integer or a quoted string", NULL);
	t_bad("modparam(\"a\", \"b\", 1\n", "t.cfg:1: modparam: bad value",
	      NULL);
	t_bad("modparam(\"a\", \"b\", 1) x\n", "t.cfg:1: modparam: bad value",
	      NULL);
	t_bad("modparam(\"a\", \"b\", \"x\" 1)\n",
	      "t.cfg:1: modparam: bad value", NULL);
	t_bad("modparam(\"a\", \"b\", 99999999999999999999)\n",
	      "t.cfg:1: modparam: integer", "out of range", NULL);
	t_bad("tls_verify=99999999999999999999\n",
	      "t.cfg:1: tls_verify: integer", "out of range", NULL);
	t_bad("tls_verify\n", "t.cfg:1: tls_verify: expected '='", NULL);
	t_bad("include_file\n", "t.cfg:1: include_file: expected", NULL);
}
END_TEST

START_TEST(err_line_numbers_in_blocks)
{
	/* errors after a multi-line block and an include keep exact lines */
	t_bad("# 1\n"
	      "tls_domain[a]\n"
	      "{\n"
	      "  tls_verify=1\n"
	      "\n"
	      "}\n"
	      "children=4\r\n"
	      "children=x\n", "t.cfg:8: children:", NULL);
}
END_TEST

START_TEST(err_include)
{
	char *main_path, *self_path, *bad_path;
	char want[1024], name[512], text[64];
	struct cfg c;
	int i;

	/* a file that includes itself stops at the depth limit */
	self_path = t_write("self.cfg", "include_file \"self.cfg\"\n");
	ck_assert_int_eq(cfg_parse_file(self_path, &c, t_err, sizeof(t_err)),
			 -1);
	snprintf(want, sizeof(want), "%s:1: include_file: includes nested "
		 "more than 10 levels deep", self_path);
	ck_assert_msg(!strncmp(t_err, want, strlen(want)), "%s", t_err);

	/*
	 * chain0 -> chain1 -> ... -> chain10: reading chain0.cfg nests 10
	 * includes, which is the limit; one file more on top is too many.
	 */
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "chain%d.cfg", i);
		snprintf(text, sizeof(text), "include_file \"chain%d.cfg\"\n",
			 i + 1);
		free(t_write(name, text));
	}
	free(t_write("chain10.cfg", "children=9\n"));
	main_path = t_write("chain.cfg", "include_file \"chain0.cfg\"\n");
	ck_assert_int_eq(cfg_parse_file(main_path, &c, t_err, sizeof(t_err)),
			 -1);
	snprintf(want, sizeof(want), "%s/chain9.cfg:1: include_file: "
		 "includes nested more than 10", t_dir);
	ck_assert_msg(!strncmp(t_err, want, strlen(want)), "%s", t_err);
	free(main_path);
	snprintf(name, sizeof(name), "%s/chain0.cfg", t_dir);
	ck_assert_msg(cfg_parse_file(name, &c, t_err, sizeof(t_err)) == 0,
		      "%s", t_err);
	ck_assert_int_eq(c.core.children, 9);
	cfg_free(&c);

	/* a missing include is reported at the including line */
	main_path = t_write("main.cfg",
			    "children=4\ninclude_file \"nope.cfg\"\n");
	ck_assert_int_eq(cfg_parse_file(main_path, &c, t_err, sizeof(t_err)),
			 -1);
	snprintf(want, sizeof(want), "%s:2: include_file: cannot read '%s/"
		 "nope.cfg': No such file or directory", main_path, t_dir);
	ck_assert_str_eq(t_err, want);
	ck_assert_ptr_null(c.path);

	/* an error inside an included file names that file and its line */
	bad_path = t_write("bad.cfg", "\n\nchildren=0\n");
	free(main_path);
	main_path = t_write("main.cfg", "import_file \"bad.cfg\"\n");
	ck_assert_int_eq(cfg_parse_file(main_path, &c, t_err, sizeof(t_err)),
			 -1);
	snprintf(want, sizeof(want), "%s:3: children: expected", bad_path);
	ck_assert_msg(!strncmp(t_err, want, strlen(want)), "%s", t_err);

	/* a block must be closed in the file that opened it */
	free(t_write("open.cfg", "tls_domain[a] {\n"));
	free(main_path);
	main_path = t_write("main.cfg", "include_file \"open.cfg\"\n}\n");
	ck_assert_int_eq(cfg_parse_file(main_path, &c, t_err, sizeof(t_err)),
			 -1);
	snprintf(want, sizeof(want), "%s/open.cfg:1: tls_domain block opened "
		 "here is not closed", t_dir);
	ck_assert_msg(!strncmp(t_err, want, strlen(want)), "%s", t_err);

	free(main_path);
	free(self_path);
	free(bad_path);
}
END_TEST

START_TEST(err_files)
{
	char path[512], want[1024];
	struct cfg c;
	char *text;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/missing.cfg", t_dir);
	ck_assert_int_eq(cfg_parse_file(path, &c, t_err, sizeof(t_err)), -1);
	snprintf(want, sizeof(want), "%s: cannot read the config file: No "
		 "such file or directory", path);
	ck_assert_str_eq(t_err, want);

	/* a NUL byte (binary file) */
	snprintf(path, sizeof(path), "%s/nul.cfg", t_dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fwrite("children=4\nchil\0dren=5\n", 1, 23, fp);
	fclose(fp);
	ck_assert_int_eq(cfg_parse_file(path, &c, t_err, sizeof(t_err)), -1);
	snprintf(want, sizeof(want), "%s:2: NUL byte", path);
	ck_assert_msg(!strncmp(t_err, want, strlen(want)), "%s", t_err);

	/* 4 MiB of comments is fine, one byte more is not */
	text = malloc(CFG_MAX_FILE + 2);
	ck_assert_ptr_nonnull(text);
	memset(text, '\n', CFG_MAX_FILE + 1);
	text[CFG_MAX_FILE + 1] = '\0';
	t_bad(text, "t.cfg: file is larger than 4 MiB", NULL);
	text[CFG_MAX_FILE] = '\0';
	t_ok(text, &c);
	cfg_free(&c);

	snprintf(path, sizeof(path), "%s/big.cfg", t_dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, CFG_MAX_FILE, fp), CFG_MAX_FILE);
	ck_assert_int_eq(fputc('\n', fp), '\n');
	fclose(fp);
	ck_assert_int_eq(cfg_parse_file(path, &c, t_err, sizeof(t_err)), -1);
	snprintf(want, sizeof(want), "%s: cannot read the config file: file "
		 "is larger than 4 MiB", path);
	ck_assert_str_eq(t_err, want);
	ck_assert_int_eq(truncate(path, CFG_MAX_FILE), 0);
	ck_assert_msg(cfg_parse_file(path, &c, t_err, sizeof(t_err)) == 0,
		      "%s", t_err);
	cfg_free(&c);
	free(text);

	/* a tiny error buffer is filled and terminated, never overrun */
	{
		char small[8];

		memset(small, 'z', sizeof(small));
		ck_assert_int_eq(cfg_parse_string("children=x", "t.cfg", &c,
						  small, 6), -1);
		ck_assert_str_eq(small, "t.cfg");
		ck_assert_int_eq(small[6], 'z');
		ck_assert_int_eq(cfg_parse_string("children=x", "t.cfg", &c,
						  NULL, 0), -1);
	}
}
END_TEST

/*
 * Fail each allocation in turn over a config that takes every allocating
 * path: each run must fail cleanly with "out of memory" (and, under ASan,
 * leak nothing), until the run in which no allocation fails.
 */
START_TEST(out_of_memory)
{
	char *main_path;
	struct cfg c;
	long k, total;
	int rc;

	free(t_write("inc.cfg", "loadmodule inc.so\n"));
	main_path = t_write("main.cfg",
		"mpath=\"/m\"\nreply_reason=\"R\"\nserver_header=s\n"
		"log_facility=LOG_USER\n"
		"listen=1.2.3.4:5060\nlisten=tls:[::1]:5061\n"
		"loadmodule \"a.so\"\n"
		"modparam(\"a\", \"p\", 1)\nmodparam(\"a\", \"q\", \"s\")\n"
		"tls_verify=1\ntls_method=\"x\"\n"
		"tls_domain[d] {\n tls_verify=0\n tls_method=y\n}\n"
		"include_file \"inc.cfg\"\n");

	t_alloc_count = 0;
	t_fail_at = -1;
	ck_assert_int_eq(cfg_parse_file(main_path, &c, t_err, sizeof(t_err)),
			 0);
	cfg_free(&c);
	total = t_alloc_count;
	ck_assert_int_gt(total, 30);

	for (k = 0; k < total; k++) {
		t_alloc_count = 0;
		t_fail_at = k;
		memset(t_err, 0, sizeof(t_err));
		rc = cfg_parse_file(main_path, &c, t_err, sizeof(t_err));
		ck_assert_msg(rc == -1, "allocation %ld failed unnoticed", k);
		ck_assert_msg(strstr(t_err, "out of memory"),
			      "allocation %ld: '%s'", k, t_err);
		ck_assert_ptr_null(c.stmts);
		ck_assert_ptr_null(c.listen);
		ck_assert_ptr_null(c.path);
	}
	t_fail_at = -1;

	/* the string entry point too */
	for (k = 0; k < 6; k++) {
		t_alloc_count = 0;
		t_fail_at = k;
		rc = cfg_parse_string("loadmodule a.so\n", "t.cfg", &c, t_err,
				      sizeof(t_err));
		t_fail_at = -1;
		ck_assert_int_eq(rc, -1);
		ck_assert_ptr_nonnull(strstr(t_err, "out of memory"));
	}
	free(main_path);
}
END_TEST

static Suite *t_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *ok = tcase_create("valid");
	TCase *bad = tcase_create("errors");

	tcase_add_checked_fixture(ok, t_setup, t_teardown);
	tcase_add_checked_fixture(bad, t_setup, t_teardown);
	tcase_set_timeout(bad, 60);
	tcase_add_test(ok, defaults);
	tcase_add_test(ok, core_ints);
	tcase_add_test(ok, core_aliases_and_last_wins);
	tcase_add_test(ok, core_bools);
	tcase_add_test(ok, core_strings);
	tcase_add_test(ok, comments_and_semicolons);
	tcase_add_test(ok, listen_forms);
	tcase_add_test(ok, loadmodule_and_modparam);
	tcase_add_test(ok, seed_tls_lines);
	tcase_add_test(ok, tls_domain_blocks);
	tcase_add_test(ok, include_file_attribution);
	tcase_add_test(ok, free_zeroed_and_twice);
	tcase_add_test(ok, line_limit_exact);
	tcase_add_test(bad, err_int_values);
	tcase_add_test(bad, err_bool_and_strings);
	tcase_add_test(bad, err_unknown_parameter);
	tcase_add_test(bad, err_listen);
	tcase_add_test(bad, err_blocks);
	tcase_add_test(bad, err_routing_blocks);
	tcase_add_test(bad, err_statements);
	tcase_add_test(bad, err_line_numbers_in_blocks);
	tcase_add_test(bad, err_include);
	tcase_add_test(bad, err_files);
	tcase_add_test(bad, out_of_memory);
	suite_add_tcase(s, ok);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(t_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
