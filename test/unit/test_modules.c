/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: a module's parameters as the loader applies them
 * (core/modules.c, mod_set_param) (prefix: t_).
 *
 * Against a hand-made exports table: names and aliases, types, the arg
 * handed to the setter, and the scope rule: a row without SC_PARAM_SCOPED
 * refuses a block scope and a "[SCOPE]" prefix, a scoped row gets the
 * prefix split off, and a module without scoped rows sees its strings as
 * written.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sipcore/module.h>

#include "modules.h"

/* what the setter saw last */
static char t_scope[160], t_value[160];
static const void *t_arg;
static int t_calls;

static int t_set(const struct sc_param_ctx *ctx,
		 const struct sc_param_value *v, char *err, size_t errlen)
{
	t_calls++;
	t_arg = ctx->arg;
	snprintf(t_scope, sizeof(t_scope), "%s",
		 ctx->scope ? ctx->scope : "(none)");
	if (v->type == SC_PARAM_STR)
		snprintf(t_value, sizeof(t_value), "%s", v->s);
	else
		snprintf(t_value, sizeof(t_value), "%ld", v->i);
	if (strcmp(t_value, "bad") == 0) {
		snprintf(err, errlen, "expected good");
		return -1;
	}
	return 0;
}

static const int t_row_a = 1, t_row_b = 2;
static int t_int = 7;
static char *t_str;

static const struct sc_param_export t_scoped_params[] = {
	{ .name = "cert", .alias = "certificate", .types = SC_PARAM_STR,
	  .flags = SC_PARAM_SCOPED, .set = t_set, .arg = &t_row_a },
	{ .name = "password", .types = SC_PARAM_STR,
	  .flags = SC_PARAM_SCOPED | SC_PARAM_SECRET, .set = t_set,
	  .arg = &t_row_b },
	{ .name = "timeout", .types = SC_PARAM_INT | SC_PARAM_STR,
	  .set = t_set, .arg = &t_row_b },
	{ .name = "count", .types = SC_PARAM_INT, .var = &t_int },
	{ .name = NULL },
};

static const struct sc_param_export t_plain_params[] = {
	{ .name = "text", .types = SC_PARAM_STR, .var = &t_str },
	{ .name = "hook", .types = SC_PARAM_STR, .set = t_set },
	{ .name = NULL },
};

static const struct sc_module_exports t_scoped_exp = {
	.abi = SC_MODULE_ABI, .name = "scoped", .params = t_scoped_params,
};
static const struct sc_module_exports t_plain_exp = {
	.abi = SC_MODULE_ABI, .name = "plain", .params = t_plain_params,
};

static char t_err[1024];

static int t_apply(const struct sc_module_exports *exp, const char *name,
		   const char *scope, const char *s, long i)
{
	struct sc_module m = { .exp = exp };
	struct sc_param_ctx ctx = { .file = "t.cfg", .line = 3,
				    .scope = scope };
	struct cfg_value v = { .type = s ? SC_PARAM_STR : SC_PARAM_INT,
			       .i = i, .s = (char *)s };

	t_err[0] = '\0';
	t_scope[0] = t_value[0] = '\0';
	t_arg = NULL;
	return mod_set_param(&m, name, &v, &ctx, t_err, sizeof(t_err));
}

#define T_ERR(sub)                                                            \
	ck_assert_msg(strstr(t_err, (sub)) != NULL, "'%s' lacks '%s'", t_err, \
		      (sub))

START_TEST(t_names_and_arg)
{
	ck_assert_int_eq(t_apply(&t_scoped_exp, "cert", NULL, "a.pem", 0), 0);
	ck_assert_ptr_eq(t_arg, &t_row_a);
	ck_assert_str_eq(t_value, "a.pem");
	ck_assert_str_eq(t_scope, "(none)");
	/* the alias is the same row */
	ck_assert_int_eq(t_apply(&t_scoped_exp, "certificate", NULL, "b.pem",
				 0), 0);
	ck_assert_ptr_eq(t_arg, &t_row_a);
	ck_assert_int_eq(t_apply(&t_scoped_exp, "timeout", NULL, NULL, 5), 0);
	ck_assert_ptr_eq(t_arg, &t_row_b);
	/* unknown: names, then aliases */
	ck_assert_int_eq(t_apply(&t_scoped_exp, "nope", NULL, "x", 0), -1);
	T_ERR("t.cfg:3: scoped: unknown parameter 'nope' (known: cert, "
	      "password, timeout, count, certificate)");
	/* types, and the setter's message */
	ck_assert_int_eq(t_apply(&t_scoped_exp, "cert", NULL, NULL, 1), -1);
	T_ERR("parameter 'cert' expects a string, got an integer");
	ck_assert_int_eq(t_apply(&t_scoped_exp, "certificate", NULL, "bad",
				 0), -1);
	T_ERR("t.cfg:3: scoped: certificate: expected good");
	/* no setter: stored */
	ck_assert_int_eq(t_apply(&t_scoped_exp, "count", NULL, NULL, 9), 0);
	ck_assert_int_eq(t_int, 9);
}
END_TEST

START_TEST(t_scopes)
{
	t_int = 7;
	/* a block scope, and a prefix split off */
	ck_assert_int_eq(t_apply(&t_scoped_exp, "cert", "10.0.0.1:5061",
				 "a.pem", 0), 0);
	ck_assert_str_eq(t_scope, "10.0.0.1:5061");
	ck_assert_str_eq(t_value, "a.pem");
	ck_assert_int_eq(t_apply(&t_scoped_exp, "cert", NULL,
				 "[[::1]:5061] \tv6.pem", 0), 0);
	ck_assert_str_eq(t_scope, "[::1]:5061");
	ck_assert_str_eq(t_value, "v6.pem");
	ck_assert_int_eq(t_apply(&t_scoped_exp, "cert", NULL, "[x]", 0), 0);
	ck_assert_str_eq(t_scope, "x");
	ck_assert_str_eq(t_value, "");
	/* a global row refuses both; the setter is not called */
	t_calls = 0;
	ck_assert_int_eq(t_apply(&t_scoped_exp, "timeout", "10.0.0.1:5061",
				 NULL, 5), -1);
	T_ERR("t.cfg:3: scoped: parameter 'timeout' cannot be set per domain "
	      "(scope '10.0.0.1:5061')");
	ck_assert_int_eq(t_apply(&t_scoped_exp, "timeout", NULL,
				 "[10.0.0.1:5061]5", 0), -1);
	T_ERR("parameter 'timeout' cannot be set per domain");
	ck_assert_int_eq(t_apply(&t_scoped_exp, "count", "client:default",
				 NULL, 5), -1);
	T_ERR("parameter 'count' cannot be set per domain");
	ck_assert_int_eq(t_calls, 0);
	ck_assert_int_eq(t_int, 7);
	/* bad prefixes */
	ck_assert_int_eq(t_apply(&t_scoped_exp, "cert", NULL, "[10.0.0.1",
				 0), -1);
	T_ERR("cert: missing ']' after the scope in '[10.0.0.1'");
	ck_assert_int_eq(t_apply(&t_scoped_exp, "cert", NULL, "[]a.pem", 0),
			 -1);
	T_ERR("empty scope '[]'");
	ck_assert_int_eq(t_apply(&t_scoped_exp, "cert", "10.0.0.1:5061",
				 "[10.0.0.2:5061]a.pem", 0), -1);
	T_ERR("scope given twice: '[10.0.0.2:5061]' in the value inside "
	      "tls_domain[10.0.0.1:5061]");
	/* a secret is not quoted */
	ck_assert_int_eq(t_apply(&t_scoped_exp, "password", NULL, "[s3cr3t",
				 0), -1);
	T_ERR("the value is secret, not shown");
	ck_assert_ptr_null(strstr(t_err, "s3cr3t"));
}
END_TEST

START_TEST(t_scope_too_long)
{
	char v[300];

	memset(v, 'a', sizeof(v) - 1);
	v[0] = '[';
	v[200] = ']';
	v[sizeof(v) - 1] = '\0';
	ck_assert_int_eq(t_apply(&t_scoped_exp, "cert", NULL, v, 0), -1);
	T_ERR("is too long (at most 127 characters)");
}
END_TEST

START_TEST(t_plain_module)
{
	/* no scoped row: strings are the module's, brackets and all */
	ck_assert_int_eq(t_apply(&t_plain_exp, "hook", NULL, "[x]y", 0), 0);
	ck_assert_str_eq(t_value, "[x]y");
	ck_assert_str_eq(t_scope, "(none)");
	ck_assert_int_eq(t_apply(&t_plain_exp, "text", NULL, "[unclosed",
				 0), 0);
	ck_assert_str_eq(t_str, "[unclosed");
	free(t_str);
	t_str = NULL;
	/* a block scope is still refused */
	ck_assert_int_eq(t_apply(&t_plain_exp, "hook", "10.0.0.1:5061", "v",
				 0), -1);
	T_ERR("parameter 'hook' cannot be set per domain");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("modules");
	TCase *tc = tcase_create("params");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, t_names_and_arg);
	tcase_add_test(tc, t_scopes);
	tcase_add_test(tc, t_scope_too_long);
	tcase_add_test(tc, t_plain_module);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
