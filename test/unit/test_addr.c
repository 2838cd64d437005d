/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Addresses as text and back (core/addr.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <sipcore/addr.h>

static struct sockaddr *t_sa(struct sockaddr_storage *ss)
{
	return (struct sockaddr *)ss;
}

START_TEST(t_round_trip)
{
	static const struct {
		const char *ip;
		unsigned short port;
		const char *str;
	} v[] = {
		{ "192.0.2.1", 5060, "192.0.2.1:5060" },
		{ "::1", 5061, "[::1]:5061" },
		{ "2001:db8::a:1", 1, "[2001:db8::a:1]:1" },
		{ "::ffff:192.0.2.1", 65535, "[::ffff:192.0.2.1]:65535" },
		{ "0.0.0.0", 0, "0.0.0.0:0" },
	};
	struct sockaddr_storage ss, back;
	socklen_t len, blen;
	char buf[SC_ADDR_STRLEN], ip[SC_ADDR_STRLEN];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_int_eq(sc_addr_from_ip(v[i].ip, v[i].port, &ss, &len),
				 0);
		ck_assert_str_eq(sc_addr_str(t_sa(&ss), buf, sizeof(buf)),
				 v[i].str);
		ck_assert_str_eq(sc_addr_ip_str(t_sa(&ss), ip, sizeof(ip)),
				 v[i].ip);
		ck_assert_uint_eq(sc_addr_port(t_sa(&ss)), v[i].port);
		if (!v[i].port)
			continue;
		ck_assert_int_eq(sc_addr_parse(buf, strlen(buf), 0, &back,
					       &blen), SC_ADDR_OK);
		ck_assert_uint_eq(blen, len);
		ck_assert(sc_addr_equal(t_sa(&ss), t_sa(&back)));
	}
}
END_TEST

START_TEST(t_parse_errors)
{
	static const struct {
		const char *s;
		int opt;
		enum sc_addr_err e;
	} v[] = {
		{ "192.0.2.1", 0, SC_ADDR_E_NO_PORT },
		{ "192.0.2.1", 1, SC_ADDR_OK },
		{ "[::1]", 1, SC_ADDR_OK },
		{ "[::1]", 0, SC_ADDR_E_NO_PORT },
		{ "192.0.2.1:0", 0, SC_ADDR_E_PORT },
		{ "192.0.2.1:65536", 0, SC_ADDR_E_PORT },
		{ "192.0.2.1:123456", 0, SC_ADDR_E_PORT },
		{ "192.0.2.1:", 0, SC_ADDR_E_PORT },
		{ "192.0.2.1:5x", 0, SC_ADDR_E_PORT },
		{ "::1:5060", 0, SC_ADDR_E_BRACKETS },
		{ "[::1]5060", 0, SC_ADDR_E_AFTER },
		{ "[::1:5060", 0, SC_ADDR_E_IPV6 },
		{ "[192.0.2.1]:5060", 0, SC_ADDR_E_IPV6 },
		{ "[]:5060", 0, SC_ADDR_E_IPV6 },
		{ "example.com:5060", 0, SC_ADDR_E_IPV4 },
		{ "192.0.2.256:5060", 0, SC_ADDR_E_IPV4 },
		{ ":5060", 0, SC_ADDR_E_IPV4 },
		{ "", 1, SC_ADDR_E_IPV4 },
	};
	struct sockaddr_storage ss;
	socklen_t len;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		enum sc_addr_err e = sc_addr_parse(v[i].s, strlen(v[i].s),
						   v[i].opt, &ss, &len);

		ck_assert_msg(e == v[i].e, "'%s': %d, expected %d", v[i].s, e,
			      v[i].e);
		ck_assert_ptr_nonnull(sc_addr_strerror(e));
	}
	/* only the first @len bytes count */
	ck_assert_int_eq(sc_addr_parse("192.0.2.1:5060junk", 14, 0, &ss, &len),
			 SC_ADDR_OK);
	ck_assert_uint_eq(sc_addr_port(t_sa(&ss)), 5060);
}
END_TEST

START_TEST(t_equal_and_unknown)
{
	struct sockaddr_storage a, b;
	socklen_t l;
	char buf[8];

	sc_addr_from_ip("192.0.2.1", 5060, &a, &l);
	sc_addr_from_ip("192.0.2.1", 5061, &b, &l);
	ck_assert(!sc_addr_equal(t_sa(&a), t_sa(&b)));
	sc_addr_from_ip("::ffff:192.0.2.1", 5060, &b, &l);
	ck_assert(!sc_addr_equal(t_sa(&a), t_sa(&b))); /* families differ */
	ck_assert_int_eq(sc_addr_from_ip("localhost", 1, &a, &l), -1);
	memset(&a, 0, sizeof(a));
	a.ss_family = AF_UNIX;
	ck_assert_str_eq(sc_addr_str(t_sa(&a), buf, sizeof(buf)), "?");
	ck_assert_uint_eq(sc_addr_port(t_sa(&a)), 0);
	/* a short buffer truncates, never overflows */
	sc_addr_from_ip("2001:db8::1", 5060, &a, &l);
	ck_assert_uint_lt(strlen(sc_addr_str(t_sa(&a), buf, sizeof(buf))),
			  sizeof(buf));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, t_round_trip);
	tcase_add_test(tc, t_parse_errors);
	tcase_add_test(tc, t_equal_and_unknown);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
