/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * The module interface (prefix: sc_mod).
 *
 * A module is a shared object that exports one symbol, SC_MODULE_SYMBOL, a
 * struct sc_module_exports. Build it with -fvisibility=hidden and mark that
 * one definition SC_PUBLIC, so that nothing else of the module is exported. It links nothing of the core: the sipcore
 * executable exports its API (-rdynamic) and the dynamic linker resolves the
 * module's references at dlopen() time.
 *
 * Life cycle, in the master unless said otherwise:
 *   1. dlopen, ABI check (abi must equal SC_MODULE_ABI);
 *   2. parameters, in config order (modparam lines, and for the module that
 *      provides the "tls" transport, the seed's tls_* lines and
 *      tls_domain[...] { } blocks);
 *   3. mod_init(): after the whole config is read, before sockets are opened;
 *      a transport module registers its operations here;
 *   4. the listeners are created and each transport's listener_init runs;
 *   5. fork; child_init(rank) in each worker (rank 1..children); a worker
 *      that is replaced runs it again;
 *   6. reload() in the master on SIGHUP;
 *   7. mod_destroy() in the master at exit.
 */
#ifndef SIPCORE_MODULE_H
#define SIPCORE_MODULE_H

#include "export.h"

#include <stddef.h>

/** Bump when any struct or call in core/include/sipcore changes. */
#define SC_MODULE_ABI 2
#define SC_MODULE_SYMBOL "sc_module_exports"

enum sc_param_type {
	SC_PARAM_INT = 1 << 0,
	SC_PARAM_STR = 1 << 1,
};

/** Where a parameter value came from, for error messages and scoping. */
struct sc_param_ctx {
	const char *file;
	int line;
	/**
	 * NULL for a plain modparam or a top-level seed line. For a line inside
	 * a `tls_domain[X] { ... }` block, the text between the brackets, X
	 * (e.g. "10.0.0.2:5061", "[::1]:5061"); for a "[X]value" string of an
	 * SC_PARAM_SCOPED row, the X of the prefix. Never set for a row
	 * without SC_PARAM_SCOPED: the core refuses such a setting.
	 */
	const char *scope;
	const void *arg; /**< the row's arg */
};

struct sc_param_value {
	enum sc_param_type type;
	long i;        /**< when type == SC_PARAM_INT */
	const char *s; /**< when type == SC_PARAM_STR; owned by the core, copy it */
};

/**
 * Setter: validate and store. Return 0, or -1 after writing what is wrong and
 * what would be accepted into @err (the core prefixes FILE:LINE and the
 * parameter name, and startup stops).
 */
typedef int (*sc_param_set_f)(const struct sc_param_ctx *ctx,
			      const struct sc_param_value *v,
			      char *err, size_t errlen);

/**
 * The parameter may be domain-scoped: set inside a tls_domain[X] block, or
 * (a string value) as "[X]value", from which the core splits the prefix
 * into ctx->scope and hands the setter the value after it. Without the
 * flag the core refuses both with "parameter 'NAME' cannot be set per
 * domain". In a module with at least one scoped row, a string value that
 * starts with '[' is a scope prefix on every row.
 */
#define SC_PARAM_SCOPED 1u
/** The value is secret: core messages never quote it. */
#define SC_PARAM_SECRET 2u

struct sc_param_export {
	const char *name;
	unsigned types;    /**< mask of enum sc_param_type accepted */
	/**
	 * Without a setter: where the value goes (int * for SC_PARAM_INT,
	 * char ** for SC_PARAM_STR: the core stores a strdup'd copy and never
	 * frees the value it replaces, which may be the module's own static
	 * default; a parameter given twice costs one small string).
	 */
	void *var;
	sc_param_set_f set; /**< wins over var when set */
	unsigned flags;     /**< SC_PARAM_SCOPED, SC_PARAM_SECRET */
	const void *arg;    /**< handed to the setter as ctx->arg */
	const char *alias;  /**< a second name for the same row, or NULL */
};

struct sc_module_exports {
	unsigned abi;             /**< SC_MODULE_ABI */
	const char *name;         /**< "tls_gnutls" */
	/** Transport protocol names this module provides ("tls"), NULL-ended. */
	const char *const *provides;
	const struct sc_param_export *params; /**< ended by a {NULL} entry */
	int (*mod_init)(void);
	int (*child_init)(int rank);
	void (*mod_destroy)(void);
	/** SIGHUP, in the master. 0 on success; on error the old state stays. */
	int (*reload)(void);
};

/** Directory of the main config file, for relative paths in parameters. */
SC_PUBLIC
const char *sc_cfg_dir(void);
/**
 * Resolve @path against the config directory when it is relative. Returns a
 * malloc'd string (caller frees) or NULL on allocation failure.
 */
SC_PUBLIC
char *sc_cfg_path(const char *path);

/** Number of worker processes (children=). */
SC_PUBLIC
int sc_children(void);
/** Rank of the calling process: 0 for the master, 1..children in workers. */
SC_PUBLIC
int sc_process_rank(void);
/** disable_tls=1 was given. */
SC_PUBLIC
int sc_tls_disabled(void);

#endif
