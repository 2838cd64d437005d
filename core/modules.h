/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Module loader (prefix: mod_). */
#ifndef SC_MODULES_H
#define SC_MODULES_H

#include <stddef.h>
#include <sipcore/module.h>

#include "cfg.h"

struct sc_module {
	void *handle;
	const struct sc_module_exports *exp;
	char *path;
	struct sc_module *next;
};

/** Directory searched when mpath is not set: install dir, or build tree. */
void mod_set_default_dirs(void);
/** Load one module; errors are "FILE:LINE: ..." in @err. */
int mod_load(const char *name, const char *mpath, const char *file, int line,
	     char *err, size_t errlen);
struct sc_module *mod_find(const char *name);
/** The loaded module that provides transport @proto, or NULL. */
struct sc_module *mod_find_provider(const char *proto);
/** Apply one parameter; errors "FILE:LINE: ..." in @err. */
int mod_set_param(struct sc_module *m, const char *param,
		  const struct cfg_value *v, const struct sc_param_ctx *ctx,
		  char *err, size_t errlen);
/** Comma-separated names of loaded modules into @buf. */
const char *mod_names(char *buf, size_t len);
int mod_init_all(void);
int mod_child_init_all(int rank);
int mod_reload_all(void);
void mod_destroy_all(void);

#endif
