/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Module loader (prefix: mod_).
 *
 * dlopen with RTLD_NOW so an unresolved core symbol fails at load time with
 * the linker's message, not at first use in a worker.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sipcore/log.h>

#include "modules.h"

#ifndef SC_MODULE_DIR
#define SC_MODULE_DIR "/usr/local/lib/sipcore/modules"
#endif

static struct sc_module *modules;
static struct sc_module **modules_tail = &modules;
static char default_dirs[2 * PATH_MAX + 2];

void mod_set_default_dirs(void)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	snprintf(default_dirs, sizeof(default_dirs), "%s", SC_MODULE_DIR);
	/*
	 * Run from the build tree (BUILD/core/sipcore): modules are built in
	 * BUILD/modules/NAME/NAME.so; look there first.
	 */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return;
	*slash = '\0';
	if (strlen(self) > 5 && strcmp(self + strlen(self) - 5, "/core") == 0) {
		char probe[PATH_MAX + 32];

		self[strlen(self) - 5] = '\0';
		snprintf(probe, sizeof(probe), "%s/modules", self);
		if (access(probe, X_OK) == 0)
			snprintf(default_dirs, sizeof(default_dirs), "@%s:%s",
				 probe, SC_MODULE_DIR);
	}
}

/* Try DIR/NAME, and for the build tree DIR/STEM/NAME. */
static int mod_try_dir(const char *dir, size_t dlen, const char *name,
		       char *out, size_t outlen)
{
	char stem[NAME_MAX + 1];
	const char *dot;
	int build = 0;

	if (dlen && dir[0] == '@') {
		build = 1;
		dir++;
		dlen--;
	}
	snprintf(out, outlen, "%.*s/%s", (int)dlen, dir, name);
	if (access(out, R_OK) == 0)
		return 0;
	if (!build)
		return -1;
	dot = strstr(name, ".so");
	snprintf(stem, sizeof(stem), "%.*s",
		 (int)(dot ? (size_t)(dot - name) : strlen(name)), name);
	snprintf(out, outlen, "%.*s/%s/%s", (int)dlen, dir, stem, name);
	return access(out, R_OK) == 0 ? 0 : -1;
}

static int mod_resolve(const char *name, const char *mpath, char *out,
		       size_t outlen)
{
	const char *lists[2] = { mpath, default_dirs };
	int i;

	if (strchr(name, '/')) {
		snprintf(out, outlen, "%s", name);
		return access(out, R_OK) == 0 ? 0 : -1;
	}
	for (i = 0; i < 2; i++) {
		const char *p = lists[i];

		while (p && *p) {
			const char *e = strchr(p, ':');
			size_t l = e ? (size_t)(e - p) : strlen(p);

			if (l && mod_try_dir(p, l, name, out, outlen) == 0)
				return 0;
			p = e ? e + 1 : NULL;
		}
	}
	return -1;
}

const char *mod_names(char *buf, size_t len)
{
	struct sc_module *m;
	size_t o = 0;

	buf[0] = '\0';
	for (m = modules; m && o < len; m = m->next)
		o += snprintf(buf + o, len - o, "%s%s", o ? ", " : "",
			      m->exp->name);
	if (!modules)
		snprintf(buf, len, "none");
	return buf;
}

int mod_load(const char *name, const char *mpath, const char *file, int line,
	     char *err, size_t errlen)
{
	char path[PATH_MAX + NAME_MAX + 8];
	const struct sc_module_exports *exp;
	struct sc_module *m;
	void *h;

	if (mod_resolve(name, mpath, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "%s:%d: loadmodule \"%s\": not found "
			 "(searched mpath \"%s\" and %s)", file, line, name,
			 mpath ? mpath : "", default_dirs[0] == '@' ?
			 default_dirs + 1 : default_dirs);
		return -1;
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "%s:%d: loadmodule \"%s\": %s", file,
			 line, name, dlerror());
		return -1;
	}
	exp = dlsym(h, SC_MODULE_SYMBOL);
	if (!exp) {
		snprintf(err, errlen, "%s:%d: loadmodule \"%s\": %s exports no "
			 "'%s' (not a sipcore module)", file, line, name, path,
			 SC_MODULE_SYMBOL);
		goto fail;
	}
	if (exp->abi != SC_MODULE_ABI) {
		snprintf(err, errlen, "%s:%d: loadmodule \"%s\": module ABI %u, "
			 "this sipcore needs ABI %u: rebuild the module against "
			 "this sipcore's headers", file, line, name, exp->abi,
			 SC_MODULE_ABI);
		goto fail;
	}
	if (!exp->name || mod_find(exp->name)) {
		snprintf(err, errlen, "%s:%d: loadmodule \"%s\": module '%s' "
			 "is already loaded", file, line, name,
			 exp->name ? exp->name : "?");
		goto fail;
	}
	m = calloc(1, sizeof(*m));
	if (!m || !(m->path = strdup(path))) {
		free(m);
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	m->handle = h;
	m->exp = exp;
	*modules_tail = m;
	modules_tail = &m->next;
	SC_INFO("module %s loaded from %s", exp->name, path);
	return 0;
fail:
	dlclose(h);
	return -1;
}

struct sc_module *mod_find(const char *name)
{
	struct sc_module *m;
	size_t l = strlen(name);

	/* accept "tls_gnutls" and "tls_gnutls.so" alike */
	if (l > 3 && strcmp(name + l - 3, ".so") == 0)
		l -= 3;
	for (m = modules; m; m = m->next)
		if (strlen(m->exp->name) == l &&
		    strncmp(m->exp->name, name, l) == 0)
			return m;
	return NULL;
}

struct sc_module *mod_find_provider(const char *proto)
{
	struct sc_module *m;
	const char *const *p;

	for (m = modules; m; m = m->next)
		for (p = m->exp->provides; p && *p; p++)
			if (strcmp(*p, proto) == 0)
				return m;
	return NULL;
}

static const struct sc_param_export *mod_param(struct sc_module *m,
					       const char *name)
{
	const struct sc_param_export *p;

	for (p = m->exp->params; p && p->name; p++)
		if (strcmp(p->name, name) == 0 ||
		    (p->alias && strcmp(p->alias, name) == 0))
			return p;
	return NULL;
}

/* The names, then the aliases, in table order. */
static void mod_param_list(struct sc_module *m, char *buf, size_t len)
{
	const struct sc_param_export *p;
	size_t o = 0;

	buf[0] = '\0';
	for (p = m->exp->params; p && p->name && o < len; p++)
		o += snprintf(buf + o, len - o, "%s%s", o ? ", " : "",
			      p->name);
	for (p = m->exp->params; p && p->name && o < len; p++)
		if (p->alias)
			o += snprintf(buf + o, len - o, ", %s", p->alias);
	if (!o)
		snprintf(buf, len, "it has no parameters");
}

static int mod_has_scoped(const struct sc_module *m)
{
	const struct sc_param_export *p;

	for (p = m->exp->params; p && p->name; p++)
		if (p->flags & SC_PARAM_SCOPED)
			return 1;
	return 0;
}

/*
 * Split "[SCOPE]rest" (the brackets may nest: "[[::1]:5061]x") into
 * @scope and @rest, blanks after the bracket skipped. 0, or -1 with @why.
 */
static int mod_split_scope(const struct sc_param_export *p, const char *s,
			   char *scope, size_t scopelen, const char **rest,
			   char *why, size_t whylen)
{
	const char *e;
	size_t len;
	int depth = 0;

	for (e = s; *e; e++) {
		if (*e == '[')
			depth++;
		else if (*e == ']' && --depth == 0)
			break;
	}
	if (!*e) {
		if (p->flags & SC_PARAM_SECRET)
			snprintf(why, whylen, "a value that starts with '[' "
				 "must be \"[SCOPE]value\" (the value is "
				 "secret, not shown)");
		else
			snprintf(why, whylen, "missing ']' after the scope in "
				 "'%.64s' (expected \"[SCOPE]value\", e.g. "
				 "\"[10.0.0.2:5061]value\")", s);
		return -1;
	}
	len = (size_t)(e - s - 1);
	if (len == 0) {
		snprintf(why, whylen, "empty scope '[]' (expected "
			 "\"[SCOPE]value\", e.g. \"[10.0.0.2:5061]value\")");
		return -1;
	}
	if (len >= scopelen) {
		snprintf(why, whylen, "scope '%.64s...' is too long (at most "
			 "%zu characters)", s + 1, scopelen - 1);
		return -1;
	}
	memcpy(scope, s + 1, len);
	scope[len] = '\0';
	for (e++; *e == ' ' || *e == '\t'; e++)
		;
	*rest = e;
	return 0;
}

/*
 * The scope of a setting: the block's, or a "[SCOPE]" prefix of a string
 * value, split off into @pv. Refused on a row that cannot be scoped.
 */
static int mod_scope(struct sc_module *m, const struct sc_param_export *p,
		     const char *param, struct sc_param_ctx *ctx,
		     struct sc_param_value *pv, char *pscope, size_t pscopelen,
		     char *err, size_t errlen)
{
	char why[512];

	if (pv->type == SC_PARAM_STR && pv->s[0] == '[' && mod_has_scoped(m)) {
		if (mod_split_scope(p, pv->s, pscope, pscopelen, &pv->s, why,
				    sizeof(why)) < 0) {
			snprintf(err, errlen, "%s:%d: %s: %s: %s", ctx->file,
				 ctx->line, m->exp->name, param, why);
			return -1;
		}
		if (ctx->scope) {
			snprintf(err, errlen, "%s:%d: %s: %s: scope given "
				 "twice: '[%s]' in the value inside "
				 "tls_domain[%.64s]; give it once, either as "
				 "the block or as the prefix", ctx->file,
				 ctx->line, m->exp->name, param, pscope,
				 ctx->scope);
			return -1;
		}
		ctx->scope = pscope;
	}
	if (ctx->scope && !(p->flags & SC_PARAM_SCOPED)) {
		snprintf(err, errlen, "%s:%d: %s: parameter '%s' cannot be set "
			 "per domain (scope '%.64s'): it is a global setting; "
			 "give it outside tls_domain blocks and without a "
			 "[SCOPE] prefix", ctx->file, ctx->line, m->exp->name,
			 param, ctx->scope);
		return -1;
	}
	return 0;
}

int mod_set_param(struct sc_module *m, const char *param,
		  const struct cfg_value *v, const struct sc_param_ctx *where,
		  char *err, size_t errlen)
{
	const struct sc_param_export *p = mod_param(m, param);
	struct sc_param_value pv = { .type = v->type, .i = v->i, .s = v->s };
	struct sc_param_ctx ctx = *where;
	char list[2048], why[512], pscope[128];

	if (!p) {
		mod_param_list(m, list, sizeof(list));
		snprintf(err, errlen, "%s:%d: %s: unknown parameter '%s' "
			 "(known: %s)", ctx.file, ctx.line, m->exp->name,
			 param, list);
		return -1;
	}
	if (!(p->types & v->type)) {
		snprintf(err, errlen, "%s:%d: %s: parameter '%s' expects %s, "
			 "got %s", ctx.file, ctx.line, m->exp->name, param,
			 p->types & SC_PARAM_INT ? "an integer" : "a string",
			 v->type == SC_PARAM_INT ? "an integer" : "a string");
		return -1;
	}
	if (mod_scope(m, p, param, &ctx, &pv, pscope, sizeof(pscope), err,
		      errlen) < 0)
		return -1;
	ctx.arg = p->arg;
	if (p->set) {
		why[0] = '\0';
		if (p->set(&ctx, &pv, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s:%d: %s: %s: %s", ctx.file,
				 ctx.line, m->exp->name, param,
				 why[0] ? why : "invalid value");
			return -1;
		}
		return 0;
	}
	if (ctx.scope) {
		snprintf(err, errlen, "%s:%d: %s: parameter '%s' cannot be set "
			 "per domain: a scoped parameter needs a setter",
			 ctx.file, ctx.line, m->exp->name, param);
		return -1;
	}
	if (pv.type == SC_PARAM_INT) {
		*(int *)p->var = (int)pv.i;
	} else {
		char *s = strdup(pv.s);

		if (!s) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		*(char **)p->var = s;
	}
	return 0;
}

int mod_init_all(void)
{
	struct sc_module *m;

	for (m = modules; m; m = m->next) {
		if (m->exp->mod_init && m->exp->mod_init() != 0) {
			SC_ERR("module %s: initialisation failed", m->exp->name);
			return -1;
		}
	}
	return 0;
}

int mod_child_init_all(int rank)
{
	struct sc_module *m;

	for (m = modules; m; m = m->next) {
		if (m->exp->child_init && m->exp->child_init(rank) != 0) {
			SC_ERR("module %s: child_init(%d) failed", m->exp->name,
			       rank);
			return -1;
		}
	}
	return 0;
}

int mod_reload_all(void)
{
	struct sc_module *m;
	int ret = 0;

	for (m = modules; m; m = m->next) {
		if (!m->exp->reload)
			continue;
		if (m->exp->reload() != 0) {
			SC_ERR("module %s: reload failed, previous state kept",
			       m->exp->name);
			ret = -1;
		} else {
			SC_NOTICE("module %s reloaded", m->exp->name);
		}
	}
	return ret;
}

void mod_destroy_all(void)
{
	struct sc_module *m, *n;

	for (m = modules; m; m = m->next)
		if (m->exp->mod_destroy)
			m->exp->mod_destroy();
	/* no dlclose: a module's atexit handlers or threads may still refer
	 * to its code, and the process is about to exit anyway */
	for (m = modules; m; m = n) {
		n = m->next;
		free(m->path);
		free(m);
	}
	modules = NULL;
	modules_tail = &modules;
}
