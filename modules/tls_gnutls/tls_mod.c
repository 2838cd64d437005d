/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_gnutls: module exports and life cycle (prefix: tls_mod).
 *
 * Parameters only validate and store (tls_params.c); everything that reads a
 * file or builds a GnuTLS object happens in mod_init and reload, in the
 * master, before anything is installed: a bad key, certificate or password
 * stops startup, and a bad reload leaves the running generation alone.
 */
#include <errno.h>
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
#include "tls_scache.h"
#include "tls_ticket.h"

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
	if (tls_scache_init((unsigned)tls_cfg.session_cache) < 0)
		return -1;
	if (tls_cfg.ticket_key_file &&
	    tls_tkt_load_file(tls_cfg.ticket_key_file, 1, err,
			      sizeof(err)) < 0) {
		SC_ERR("tls_gnutls: %s", err);
		return -1;
	}
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
	/*
	 * Every reload retires the ticket key, also one that fails; with a
	 * key file, its content decides (instances sharing it stay in step).
	 */
	if (!tls_cfg.ticket_key_file)
		tls_tkt_rotate("reload");
	else if (tls_tkt_load_file(tls_cfg.ticket_key_file, 0, err,
				   sizeof(err)) < 0)
		SC_ERR("tls_gnutls: reload: %s: the ticket keys stay", err);
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
	tls_scache_destroy();
	tls_cfg_free(&tls_cfg);
}

static const char *const tls_mod_provides[] = { "tls", NULL };

SC_PUBLIC const struct sc_module_exports sc_module_exports = {
	.abi = SC_MODULE_ABI,
	.name = "tls_gnutls",
	.provides = tls_mod_provides,
	.params = tls_param_exports,
	.mod_init = tls_mod_init,
	.child_init = tls_mod_child_init,
	.mod_destroy = tls_mod_destroy,
	.reload = tls_mod_reload,
};
