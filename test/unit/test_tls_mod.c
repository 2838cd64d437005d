/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: the module's exports and life cycle (modules/tls_gnutls/
 * tls_mod.c).
 *
 * mod_init, child_init, reload and mod_destroy against stand-ins of the
 * domain table and credential code (defined below; prefix: fake_), so that
 * every failure path can be provoked. Real: tls_cfg.c, tls_params.c,
 * tls_ticket.c, the priority files, the core's log, config paths and
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
	tls_cfg.global.certificate = strdup("c.pem");
	ck_assert_ptr_nonnull(tls_cfg.global.certificate);
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
	tls_cfg.allow_core_dumps = 1;
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
	tls_cfg.log_level = 8;	/* the highest tls_log_level allows */
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

static Suite *tls_mod_suite(int lifecycle)
{
	Suite *s = suite_create("tls_mod");
	TCase *tc;

	tc = tcase_create("exports");
	tcase_add_test(tc, test_exports);
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

	sr = srunner_create(NULL);
	srunner_add_suite(sr, tls_mod_suite(srunner_fork_status(sr) !=
					    CK_NOFORK));
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
