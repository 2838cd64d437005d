/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * The parameter table of tls_gnutls (prefix: tls_param).
 *
 * Internal to the module (tls_params.c, tls_mod.c) and its unit test. Every
 * parameter and its alias go through one generic setter, driven by a row of
 * tls_param_defs: which field it fills, what kind of value it takes and
 * whether it may be domain-scoped. The setter validates what can be checked
 * without reading files, so a wrong value stops startup at its config line.
 */
#ifndef TLS_GNUTLS_TLS_PARAMS_H
#define TLS_GNUTLS_TLS_PARAMS_H

#include <stddef.h>

#include <sipcore/module.h>

#include "tls_cfg.h"

enum tls_param_kind {
	TLS_PK_STR,	/**< char * field, strdup'd */
	TLS_PK_BOOL,	/**< int field, 0 or 1 */
	TLS_PK_INT,	/**< int field, min..max */
};

/** The field lives in struct tls_cfg and cannot be domain-scoped (the
 *  exported row lacks SC_PARAM_SCOPED). */
#define TLS_PF_GLOBAL 1u
/** Never quoted in a message (SC_PARAM_SECRET). */
#define TLS_PF_SECRET 2u

/** Longest string value accepted (a path, a priority string, ...). */
#define TLS_PARAM_STR_MAX 4095

struct tls_param_def {
	const char *name;	/**< "tls_certificate" */
	const char *alias;	/**< Kamailio's name, or NULL */
	enum tls_param_kind kind;
	unsigned flags;		/**< TLS_PF_* */
	size_t off;		/**< in struct tls_dom_cfg, or struct tls_cfg
				 *   with TLS_PF_GLOBAL */
	int min, max;		/**< TLS_PK_INT */
	const char *what;	/**< for messages: "a file name", "seconds" */
	/**
	 * Extra check of a non-empty string; 0 or -1 with @err. An empty
	 * string is always accepted: it means "explicitly none" and
	 * overrides an inherited value (a client domain without a
	 * certificate, a domain without the global CA list).
	 */
	int (*check)(const char *s, char *err, size_t errlen);
};

/** Above this GnuTLS logs session secrets (tls_log_level's limit). */
#define TLS_LOG_LEVEL_MAX 8

/** The module's one exported symbol (tls_mod.c), named SC_MODULE_SYMBOL. */
extern SC_PUBLIC const struct sc_module_exports sc_module_exports;

extern const struct tls_param_def tls_param_defs[];
/** What the module exports to the core, one row per parameter and alias. */
extern const struct sc_param_export tls_param_exports[];

/** The row for a parameter name or alias, or NULL. */
const struct tls_param_def *tls_param_find(const char *name);

/**
 * Validate @v for parameter @p and store it in @c: in the globals, or in
 * the domain named by @ctx->scope (the core has split a "[SCOPE]" value
 * prefix off and refused a scope for a TLS_PF_GLOBAL row). This is what
 * the exported setter does with @c = &tls_cfg and @p = @ctx->arg.
 * \return 0, or -1 with what is wrong and what is accepted in @err.
 */
int tls_param_apply(struct tls_cfg *c, const struct tls_param_def *p,
		    const struct sc_param_ctx *ctx,
		    const struct sc_param_value *v, char *err, size_t errlen);

#endif
