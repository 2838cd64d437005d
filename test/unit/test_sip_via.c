/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: Via values and the walk over a message's Vias (prefix: t_).
 *
 * Inputs live in exact-size heap buffers (t_buf.h), so a read past the end
 * is caught under AddressSanitizer.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_msg.h"
#include "sip_via.h"
#include "t_buf.h"

static int t_via(const char *s, struct sip_via *v)
{
	return sip_via_parse(tb_str(s), strlen(s), v);
}

START_TEST(t_via_basic)
{
	struct sip_via v;

	ck_assert_int_eq(t_via("SIP/2.0/UDP pc33.atlanta.com;"
			       "branch=z9hG4bK776asdhds", &v), 0);
	ck_str_eq(v.proto_name, "SIP");
	ck_str_eq(v.proto_version, "2.0");
	ck_str_eq(v.transport, "UDP");
	ck_str_eq(v.host, "pc33.atlanta.com");
	ck_assert_int_eq(v.host_type, SIP_URI_HOST_NAME);
	ck_assert_uint_eq(v.port, 0);
	ck_assert_int_eq(v.has_branch, 1);
	ck_str_eq(v.branch, "z9hG4bK776asdhds");
	ck_str_eq(v.params, "branch=z9hG4bK776asdhds");
	ck_assert_int_eq(v.has_rport, 0);
	ck_assert_int_eq(v.has_received, 0);
	ck_assert_int_eq(v.alias, 0);

	ck_assert_int_eq(t_via("SIP/2.0/UDP 192.0.2.1", &v), 0);
	ck_assert_int_eq(v.host_type, SIP_URI_HOST_IPV4);
	ck_assert_int_eq(v.has_branch, 0);
	ck_str_eq(v.params, "");
	ck_str_eq(v.value, "SIP/2.0/UDP 192.0.2.1");
}
END_TEST

START_TEST(t_via_params)
{
	struct sip_via v;

	ck_assert_int_eq(t_via(" SIP / 2.0 / TCP  [2001:db8::9] : 5070 ; "
			       "branch = z9hG4bKx ; rport ; "
			       "received=192.0.2.1; ttl=16;maddr=224.2.0.1;"
			       "alias;x=\"q;r\" ", &v), 0);
	ck_str_eq(v.transport, "TCP");
	ck_str_eq(v.host, "2001:db8::9");
	ck_assert_int_eq(v.host_type, SIP_URI_HOST_IPV6);
	ck_assert_uint_eq(v.port, 5070);
	ck_str_eq(v.branch, "z9hG4bKx");
	ck_assert_int_eq(v.has_rport, 1);
	ck_assert_uint_eq(v.rport, 0);
	ck_str_eq(v.received, "192.0.2.1");
	ck_assert_int_eq(v.has_ttl, 1);
	ck_assert_uint_eq(v.ttl, 16);
	ck_str_eq(v.maddr, "224.2.0.1");
	ck_assert_int_eq(v.alias, 1);
	ck_str_eq(v.value, "SIP / 2.0 / TCP  [2001:db8::9] : 5070 ; "
		  "branch = z9hG4bKx ; rport ; received=192.0.2.1; ttl=16;"
		  "maddr=224.2.0.1;alias;x=\"q;r\"");

	ck_assert_int_eq(t_via("SIP/2.0/TLS h:5061;rport=5061;"
			       "received=[2001:db8::1]", &v), 0);
	ck_assert_uint_eq(v.rport, 5061);
	ck_str_eq(v.received, "2001:db8::1");
	ck_assert_int_eq(t_via("sip/2.0/udp h;received=2001:db8::1;ttl=0", &v),
			 0);
	ck_str_eq(v.received, "2001:db8::1");
	ck_str_eq(v.transport, "udp");
	ck_assert_int_eq(t_via("SIP/2.0/UDP\r\n h;branch=z9hG4bK.1-_!%*+`'~",
			       &v), 0);
	ck_str_eq(v.branch, "z9hG4bK.1-_!%*+`'~");
	ck_assert_int_eq(t_via("SIP/2.0/WSS x.invalid;BRANCH=b;RPORT=1;"
			       "Alias", &v), 0);
	ck_str_eq(v.branch, "b");
	ck_assert_uint_eq(v.rport, 1);
	ck_assert_int_eq(v.alias, 1);
	ck_assert_int_eq(t_via("SIP/2.0/UDP h;maddr=[::1]", &v), 0);
	ck_str_eq(v.maddr, "::1");
}
END_TEST

static const char *const t_bad_vias[] = {
	"", " ", "SIP/2.0/UDP", "SIP/2.0 h", "SIP/2.0/UDPh", "SIP/2.0/UDP h;",
	"SIP/2.0/UDP h;branch", "SIP/2.0/UDP h;branch=",
	"SIP/2.0/UDP h;branch=a;branch=b", "SIP/2.0/UDP h;received=host.name",
	"SIP/2.0/UDP h;received=1.2.3", "SIP/2.0/UDP h;received",
	"SIP/2.0/UDP h;received=1.2.3.4;received=1.2.3.4",
	"SIP/2.0/UDP h;rport=0", "SIP/2.0/UDP h;rport=65536",
	"SIP/2.0/UDP h;rport=x", "SIP/2.0/UDP h;rport=1;rport",
	"SIP/2.0/UDP h;ttl=256", "SIP/2.0/UDP h;ttl=0255",
	"SIP/2.0/UDP h;ttl", "SIP/2.0/UDP h;maddr=-x", "SIP/2.0/UDP h;maddr",
	"SIP/2.0/UDP h:0", "SIP/2.0/UDP h:99999", "SIP/2.0/UDP h:",
	"SIP/2.0/UDP [::1", "SIP/2.0/UDP [::1]x", "SIP/2.0/UDP ::1",
	"SIP/2.0/UDP h x", "SIP/2.0/UDP h,i", "SIP/2.0/UDP h;branch=\"q\"",
	"SIP/2.0/UDP h;branch=[::1]", "SIP/2.0/UDP h;branch=::1",
	"SIP//UDP h", "/2.0/UDP h", "SIP/2.0/ h", "SIP/2.0/UDP h;;x",
	"SIP/2.0/UDP h_x", "SIP/2.0/UDP h;x=\"open", "SIP/2.0/UDP h;=1",
	"SIP/2.0/UDP h;branch=a b", "SIP/2.0/UDP 256.0.0.1",
	"SIP/2.0/UDP h:5060:5060", "SIP/2.0/UDP h\x01", "SIP\x7f/2.0/UDP h",
};

START_TEST(t_via_bad)
{
	struct sip_via v;
	const char *s = t_bad_vias[_i];

	ck_assert_msg(t_via(s, &v) == -1, "accepted '%s'", s);
}
END_TEST

START_TEST(t_via_prefixes)
{
	static const char ok[] = "SIP/2.0/TLS [2001:db8::1]:5061;"
				 "branch=z9hG4bK-abc;rport=5061;"
				 "received=2001:db8::2;x=\"y\"";
	struct sip_via v;
	size_t n;

	ck_assert_int_eq(t_via(ok, &v), 0);
	for (n = 0; n < sizeof(ok) - 1; n++) {
		char *b = tb_dup(ok, n);

		if (sip_via_parse(b, n, &v) == 0)
			ck_str_within(v.value, b, n);
	}
	ck_assert_int_eq(sip_via_parse(NULL, 3, &v), -1);
	ck_assert_int_eq(sip_via_parse("x", 1, NULL), -1);
}
END_TEST

/* ---- the walk over a message --------------------------------------------- */

static const char t_msg[] =
	"INVITE sip:bob@biloxi.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, "
	"SIP/2.0/TCP b.example.com:5070;branch=z9hG4bK2\r\n"
	"v: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n"
	"To: <sip:bob@biloxi.com>\r\n"
	"Via: SIP/2.0/UDP\r\n d.example.com;branch=z9hG4bK4\r\n"
	"From: <sip:alice@atlanta.com>;tag=1\r\n"
	"Call-ID: x\r\n"
	"CSeq: 1 INVITE\r\n"
	"Content-Length: 0\r\n\r\n";

static void t_parse(struct sc_sip_msg *m, const char *s)
{
	const char *why = NULL;

	ck_assert_msg(sip_parse(m, tb_str(s), strlen(s), &why) == 0, "%s",
		      why ? why : "?");
}

START_TEST(t_via_walk)
{
	static const char *const hosts[] = {
		"a.example.com", "b.example.com", "c.example.com",
		"d.example.com",
	};
	static const int hdr[] = { 0, 0, 1, 3 };
	struct sc_sip_msg m;
	struct sip_via_iter it;
	struct sip_via v;
	int n = 0;

	t_parse(&m, t_msg);
	sip_via_iter_init(&it, &m);
	while (sip_via_iter_next(&it, &v) == 1) {
		ck_assert_int_lt(n, 4);
		ck_str_eq(v.host, hosts[n]);
		ck_assert_int_eq(it.hdr, hdr[n]);
		n++;
	}
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(sip_via_iter_next(&it, &v), 0);
	ck_assert_int_eq(sip_via_top(&m, &v), 0);
	ck_str_eq(v.branch, "z9hG4bK1");
	ck_str_eq(v.value, "SIP/2.0/UDP a.example.com;branch=z9hG4bK1");
}
END_TEST

START_TEST(t_via_walk_bad)
{
	struct sc_sip_msg m;
	struct sip_via_iter it;
	struct sip_via v;

	t_parse(&m, "OPTIONS sip:h SIP/2.0\r\nCall-ID: x\r\n\r\n");
	ck_assert_int_eq(sip_via_top(&m, &v), -1);
	sip_via_iter_init(&it, &m);
	ck_assert_int_eq(sip_via_iter_next(&it, &v), 0);

	t_parse(&m, "OPTIONS sip:h SIP/2.0\r\n"
		"Via: SIP/2.0/UDP a,,SIP/2.0/UDP b\r\n\r\n");
	ck_assert_int_eq(sip_via_top(&m, &v), -1);

	t_parse(&m, "OPTIONS sip:h SIP/2.0\r\nVia:\r\n"
		"Via: SIP/2.0/UDP b\r\n\r\n");
	ck_assert_int_eq(sip_via_top(&m, &v), -1);

	/* the second value is bad: the first still comes out, then -1 */
	t_parse(&m, "OPTIONS sip:h SIP/2.0\r\n"
		"Via: SIP/2.0/UDP a, SIP/2.0/UDP b;rport=0\r\n\r\n");
	sip_via_iter_init(&it, &m);
	ck_assert_int_eq(sip_via_iter_next(&it, &v), 1);
	ck_assert_int_eq(sip_via_iter_next(&it, &v), -1);
	ck_assert_int_eq(sip_via_iter_next(NULL, &v), -1);
}
END_TEST

/* Deterministic noise from Via-ish characters: no crash, sane spans. */
START_TEST(t_via_noise)
{
	static const char alpha[] = "SIP/2.0UDP ;=:[]\"\\,rpotbanchiv19\r\n\t";
	static const char base[] = "SIP/2.0/UDP h:5060;branch=z9hG4bK1;rport";
	uint32_t x = 1013904223u;
	struct sip_via v;
	char *b;
	size_t n, len = sizeof(base) - 1;
	int i, j, ok = 0;

	for (i = 0; i < 20000; i++) {
		n = 1 + (size_t)(i % (int)len);
		b = malloc(len);
		ck_assert_ptr_nonnull(b);
		memcpy(b, base, len);
		for (j = 0; j < 1 + i % 3; j++) {
			x = x * 1664525u + 1013904223u;
			b[(x >> 8) % n] = alpha[(x >> 20) % (sizeof(alpha) - 1)];
		}
		if (sip_via_parse(b, n, &v) == 0) {
			ok++;
			ck_str_within(v.value, b, n);
			ck_str_within(v.host, b, n);
			ck_assert_uint_gt(v.host.len, 0);
			if (v.has_branch)
				ck_str_within(v.branch, b, n);
		}
		free(b);
	}
	ck_assert_int_gt(ok, 100);
}
END_TEST

static Suite *t_suite(void)
{
	Suite *s = suite_create("sip_via");
	TCase *tv = tcase_create("value");
	TCase *tw = tcase_create("walk");

	tcase_add_checked_fixture(tv, tb_setup, tb_teardown);
	tcase_add_test(tv, t_via_basic);
	tcase_add_test(tv, t_via_params);
	tcase_add_loop_test(tv, t_via_bad, 0,
			    sizeof(t_bad_vias) / sizeof(t_bad_vias[0]));
	tcase_add_test(tv, t_via_prefixes);
	tcase_add_test(tv, t_via_noise);
	suite_add_tcase(s, tv);

	tcase_add_checked_fixture(tw, tb_setup, tb_teardown);
	tcase_add_test(tw, t_via_walk);
	tcase_add_test(tw, t_via_walk_bad);
	suite_add_tcase(s, tw);
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
