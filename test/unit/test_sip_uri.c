/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: SIP URIs, name-addr values, value lists (prefix: t_).
 *
 * Inputs live in exact-size heap buffers (t_buf.h), so a read past the end
 * is caught under AddressSanitizer.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_uri.h"
#include "t_buf.h"

static int t_uri(const char *s, struct sip_uri *u)
{
	return sip_uri_parse(tb_str(s), strlen(s), u);
}

static int t_addr(const char *s, int brackets, struct sip_uri_addr *a)
{
	return sip_uri_addr_parse(tb_str(s), strlen(s), brackets, a);
}

START_TEST(t_uri_basic)
{
	struct sip_uri u;

	ck_assert_int_eq(t_uri("sip:alice@example.com", &u), 0);
	ck_assert_int_eq(u.scheme, SIP_URI_SIP);
	ck_assert_int_eq(u.has_user, 1);
	ck_str_eq(u.user, "alice");
	ck_assert_int_eq(u.has_password, 0);
	ck_str_eq(u.host, "example.com");
	ck_assert_int_eq(u.host_type, SIP_URI_HOST_NAME);
	ck_assert_uint_eq(u.port, 0);
	ck_assert_uint_eq(u.nparams, 0);
	ck_str_eq(u.params, "");
	ck_str_eq(u.headers, "");
	ck_assert_int_eq(u.lr, 0);
}
END_TEST

START_TEST(t_uri_full)
{
	struct sip_uri u;
	struct sc_str v;

	ck_assert_int_eq(t_uri("sips:bob:s3cr%65t@[2001:db8::1]:5061;"
			       "transport=tcp;lr;maddr=192.0.2.9;X-Y=[a]"
			       "?Subject=hi%20there&Priority=urgent", &u), 0);
	ck_assert_int_eq(u.scheme, SIP_URI_SIPS);
	ck_str_eq(u.user, "bob");
	ck_assert_int_eq(u.has_password, 1);
	ck_str_eq(u.password, "s3cr%65t");
	ck_str_eq(u.host, "2001:db8::1");
	ck_assert_int_eq(u.host_type, SIP_URI_HOST_IPV6);
	ck_assert_uint_eq(u.port, 5061);
	ck_assert_uint_eq(u.nparams, 4);
	ck_str_eq(u.params, "transport=tcp;lr;maddr=192.0.2.9;X-Y=[a]");
	ck_str_eq(u.transport, "tcp");
	ck_str_eq(u.maddr, "192.0.2.9");
	ck_assert_int_eq(u.lr, 1);
	ck_assert_int_eq(u.ob, 0);
	ck_str_eq(u.headers, "Subject=hi%20there&Priority=urgent");
	ck_assert_int_eq(sip_uri_param(&u, "LR", &v), 1);
	ck_assert_uint_eq(v.len, 0);
	ck_assert_int_eq(sip_uri_param(&u, "x-y", &v), 1);
	ck_str_eq(v, "[a]");
	ck_assert_int_eq(sip_uri_param(&u, "ttl", &v), 0);
	ck_assert_int_eq(sip_uri_param(&u, "transport", NULL), 1);
}
END_TEST

/* Odd, but what the grammar allows (or what is common and harmless). */
START_TEST(t_uri_odd_valid)
{
	struct sip_uri u;

	ck_assert_int_eq(t_uri("SIP:Alice@EXAMPLE.com.", &u), 0);
	ck_str_eq(u.host, "EXAMPLE.com.");
	ck_assert_int_eq(t_uri("sIpS:h", &u), 0);
	ck_assert_int_eq(u.scheme, SIP_URI_SIPS);
	ck_str_eq(u.host, "h");

	ck_assert_int_eq(t_uri("sip:192.0.2.1:5060;lr=on", &u), 0);
	ck_assert_int_eq(u.host_type, SIP_URI_HOST_IPV4);
	ck_assert_int_eq(u.lr, 1);

	/* telephone-subscriber with its own ';' before the '@' */
	ck_assert_int_eq(t_uri("sip:+1-212-555-1212;phone-context=x.com"
			       "@gw.example.com;user=phone", &u), 0);
	ck_str_eq(u.user, "+1-212-555-1212;phone-context=x.com");
	ck_str_eq(u.host, "gw.example.com");
	ck_str_eq(u.user_param, "phone");

	/* every user-unreserved character */
	ck_assert_int_eq(t_uri("sip:a&b=c+d$e,f;g?h/i-_.!~*'()@host", &u), 0);
	ck_str_eq(u.user, "a&b=c+d$e,f;g?h/i-_.!~*'()");
	ck_assert_int_eq(t_uri("sip:%61lice@host", &u), 0);
	ck_str_eq(u.user, "%61lice");
	ck_assert_int_eq(t_uri("sip:u:@host", &u), 0);
	ck_assert_int_eq(u.has_password, 1);
	ck_assert_uint_eq(u.password.len, 0);

	ck_assert_int_eq(t_uri("sip:proxy.example.com;lr;ob", &u), 0);
	ck_assert_int_eq(u.lr, 1);
	ck_assert_int_eq(u.ob, 1);
	ck_assert_int_eq(t_uri("sip:h;a=b;c", &u), 0);
	ck_assert_uint_eq(u.nparams, 2);
	ck_assert_int_eq(u.param[1].has_value, 0);
	ck_assert_int_eq(t_uri("sip:h?h=", &u), 0);
	ck_str_eq(u.headers, "h=");
	ck_assert_int_eq(t_uri("sip:h;p?a=b&c=d", &u), 0);
	ck_assert_int_eq(t_uri("sip:h?a=b?c:[/]+$", &u), 0);
	ck_assert_int_eq(t_uri("sip:u@host:65535", &u), 0);
	ck_assert_uint_eq(u.port, 65535);
	ck_assert_int_eq(t_uri("sip:u@host:00001", &u), 0);
	ck_assert_uint_eq(u.port, 1);
	ck_assert_int_eq(t_uri("sip:1.2.3.4.example.com", &u), 0);
	ck_assert_int_eq(u.host_type, SIP_URI_HOST_NAME);
	ck_assert_int_eq(t_uri("sip:a-b.c-d9.e", &u), 0);
	ck_assert_int_eq(t_uri("sip:[::1]", &u), 0);
	ck_str_eq(u.host, "::1");
	ck_assert_int_eq(t_uri("sip:[::ffff:192.0.2.1]:5060", &u), 0);
	ck_assert_int_eq(t_uri("sip:0.0.0.0", &u), 0);
	ck_assert_int_eq(t_uri("sip:255.255.255.255", &u), 0);
	/* the first of two transports counts; both are kept */
	ck_assert_int_eq(t_uri("sip:h;transport=tls;transport=udp", &u), 0);
	ck_str_eq(u.transport, "tls");
	ck_assert_uint_eq(u.nparams, 2);
	ck_assert_int_eq(t_uri("sip:h;transport;transport=udp;MADDR=h2", &u),
			 0);
	ck_str_eq(u.transport, "");
	ck_str_eq(u.maddr, "h2");
}
END_TEST

static const char *const t_bad_uris[] = {
	"", "s", "sip", "sip:", "sips:", "sip:@", "tel:+12125551212",
	"http://example.com", "sipx:h", "sip :h", " sip:h", "sip:h ",
	"sip:@host", "sip:alice@", "sip:alice@host:", "sip:host:0",
	"sip:host:65536", "sip:host:123456", "sip:host:12a", "sip:host:-1",
	"sip:host:5060:5060", "sip:[::1", "sip:[::1]x", "sip:[1.2.3.4]",
	"sip:[::g]", "sip:[]", "sip:[", "sip:]", "sip:::1", "sip:256.1.1.1",
	"sip:1.2.3", "sip:1.2.3.4.5", "sip:01.2.3.4", "sip:1.2.3.4.",
	"sip:1..2.3", "sip:1.2.3.1000", "sip:-host", "sip:host-", "sip:a..b",
	"sip:.host", "sip:.", "sip:host_x", "sip:ho st", "sip:123",
	"sip:host.123", "sip:host;", "sip:host;;a", "sip:host;=x",
	"sip:host;a=", "sip:host;a=b=c", "sip:host;a b", "sip:host?",
	"sip:host?a", "sip:host?=b", "sip:host?a=b&", "sip:host?a=b&&c=d",
	"sip:%4@host", "sip:%zz@host", "sip:al%ice@host",
	"sip:%@host", "sip:host;a=%4", "sip:a@b@c", "sip:a:b:c@host",
	"sip:a b@host", "sip:<a>@host", "sip:a\"@host", "sip:host\r\n",
	"sip:host\n", "sip:host>", "sip:host;lr>", "sip:host,x",
	"sip:host#frag", "sip:h\xc3\xa9", "sip:\xff@h",
};

START_TEST(t_uri_bad)
{
	struct sip_uri u;
	const char *s = t_bad_uris[_i];

	ck_assert_msg(t_uri(s, &u) == -1, "accepted '%s'", s);
}
END_TEST

START_TEST(t_uri_bad_binary)
{
	static const char nul[] = "sip:host\0.com";
	static const char nul_user[] = "sip:a\0b@host";
	struct sip_uri u;

	ck_assert_int_eq(sip_uri_parse(tb_dup(nul, sizeof(nul) - 1),
				       sizeof(nul) - 1, &u), -1);
	ck_assert_int_eq(sip_uri_parse(tb_dup(nul_user, sizeof(nul_user) - 1),
				       sizeof(nul_user) - 1, &u), -1);
	ck_assert_int_eq(sip_uri_parse(NULL, 5, &u), -1);
	ck_assert_int_eq(sip_uri_parse("sip:h", 5, NULL), -1);
	ck_assert_int_eq(sip_uri_param(NULL, "lr", NULL), 0);
}
END_TEST

START_TEST(t_uri_limits)
{
	char buf[600];
	struct sip_uri u;
	size_t i, n;

	/* a 255-byte hostname is fine, 256 is not */
	memcpy(buf, "sip:", 4);
	for (i = 0; i < 255; i++)
		buf[4 + i] = (i % 2) ? '.' : 'a';
	buf[4 + 254] = 'a';
	ck_assert_int_eq(sip_uri_parse(tb_dup(buf, 259), 259, &u), 0);
	buf[4 + 255] = 'a';
	ck_assert_int_eq(sip_uri_parse(tb_dup(buf, 260), 260, &u), -1);

	/* SIP_URI_MAX_PARAMS parameters, and one more */
	n = (size_t)snprintf(buf, sizeof(buf), "sip:h");
	for (i = 0; i < SIP_URI_MAX_PARAMS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ";p%zu", i);
	ck_assert_int_eq(sip_uri_parse(tb_dup(buf, n), n, &u), 0);
	ck_assert_uint_eq(u.nparams, SIP_URI_MAX_PARAMS);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, ";lr");
	ck_assert_int_eq(sip_uri_parse(tb_dup(buf, n), n, &u), -1);
}
END_TEST

/* Long hostile inputs are refused (in linear time). */
START_TEST(t_uri_long)
{
	size_t n = 1 << 16, i;
	char *b = tb_alloc(n);
	struct sip_uri u;
	struct sip_uri_addr a;
	struct sc_str rest, item;
	int count = 0;

	memcpy(b, "sip:", 4);
	memset(b + 4, 'a', n - 4);
	ck_assert_int_eq(sip_uri_parse(b, n, &u), -1);
	for (i = 4; i < n; i += 2)
		b[i] = ';';
	ck_assert_int_eq(sip_uri_parse(b, n, &u), -1);
	b[0] = '<';
	ck_assert_int_eq(sip_uri_addr_parse(b, n, 1, &a), -1);
	for (i = 0; i < n; i++)
		b[i] = (i % 2) ? ',' : 'a';
	b[n - 1] = 'a';
	rest.s = b;
	rest.len = n;
	while (sip_uri_list_next(&rest, &item) == 1)
		count++;
	ck_assert_int_eq(count, (int)(n / 2));
	memset(b, '"', n);
	rest.s = b;
	rest.len = n;
	ck_assert_int_eq(sip_uri_list_next(&rest, &item), 1);
	ck_assert_uint_eq(item.len, n);
}
END_TEST

/* Every prefix of valid URIs, each in its own exact-size buffer. */
START_TEST(t_uri_prefixes)
{
	static const char *const ok[] = {
		"sips:bob:pw@[2001:db8::1]:5061;transport=tcp;lr?a=b&c=%20",
		"sip:+1;phone-context=x@gw.example.com.:5060;user=phone",
		"sip:1.2.3.4:65535;maddr=[::1];ob",
	};
	struct sip_uri u;
	size_t i, n;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_int_eq(t_uri(ok[i], &u), 0);
		for (n = 0; n < strlen(ok[i]); n++) {
			char *b = tb_dup(ok[i], n);

			if (sip_uri_parse(b, n, &u) == 0)
				ck_str_within(u.host, b, n);
		}
	}
}
END_TEST

/* Deterministic noise from URI-ish characters: no crash, sane spans. */
START_TEST(t_uri_noise)
{
	static const char alpha[] = "sip:@[]:;=?&%.-_aZ09fF\"<>, \r\n\t\\/";
	uint32_t x = 2463534242u;
	char tmp[64];
	struct sip_uri u;
	struct sip_uri_addr a;
	struct sc_str rest, item;
	int i, j, n, ok = 0;
	char *b;

	for (i = 0; i < 20000; i++) {
		n = 5 + (int)(x % 24);
		memcpy(tmp, i % 3 ? "sip:" : "<sip", 4);
		for (j = 4; j < n; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			tmp[j] = alpha[x % (sizeof(alpha) - 1)];
		}
		b = malloc((size_t)n);
		ck_assert_ptr_nonnull(b);
		memcpy(b, tmp, (size_t)n);
		if (sip_uri_parse(b, (size_t)n, &u) == 0) {
			ok++;
			ck_str_within(u.host, b, (size_t)n);
			if (u.nparams)
				ck_str_within(u.params, b, (size_t)n);
			ck_assert_uint_gt(u.host.len, 0);
		}
		(void)sip_uri_addr_parse(b, (size_t)n, i & 1, &a);
		rest.s = b;
		rest.len = (size_t)n;
		while (sip_uri_list_next(&rest, &item) == 1)
			ck_str_within(item, b, (size_t)n);
		free(b);
	}
	ck_assert_int_gt(ok, 0);
}
END_TEST

START_TEST(t_host_check)
{
	struct sc_str in;

	ck_assert_int_eq(sip_uri_host_check("::1", 3, 1, &in),
			 SIP_URI_HOST_IPV6);
	ck_assert_int_eq(sip_uri_host_check("::1", 3, 0, &in), 0);
	ck_assert_int_eq(sip_uri_host_check("[::1]", 5, 0, &in),
			 SIP_URI_HOST_IPV6);
	ck_str_eq(in, "::1");
	ck_assert_int_eq(sip_uri_host_check("10.0.0.1", 8, 1, &in),
			 SIP_URI_HOST_IPV4);
	ck_assert_int_eq(sip_uri_host_check("a.b", 3, 1, NULL),
			 SIP_URI_HOST_NAME);
	ck_assert_int_eq(sip_uri_host_check("", 0, 1, &in), 0);
	ck_assert_int_eq(sip_uri_host_check(NULL, 3, 1, &in), 0);
	ck_assert_int_eq(sip_uri_host_check("[::1", 4, 1, &in), 0);
	ck_assert_int_eq(sip_uri_host_check("[v1.x]", 6, 1, &in), 0);
	ck_assert_int_eq(sip_uri_host_check("[1:2:3:4:5:6:7:8:9]", 19, 1,
					    &in), 0);
}
END_TEST

/* ---- name-addr ----------------------------------------------------------- */

START_TEST(t_addr_forms)
{
	struct sip_uri_addr a;
	struct sc_str v;

	ck_assert_int_eq(t_addr("\"Alice \\\"A\\\" Smith\" "
				"<sip:alice@example.com>;tag=1928301774", 0,
				&a), 0);
	ck_str_eq(a.display, "\"Alice \\\"A\\\" Smith\"");
	ck_str_eq(a.uri_text, "sip:alice@example.com");
	ck_assert_int_eq(a.bracketed, 1);
	ck_str_eq(a.params, "tag=1928301774");
	ck_assert_int_eq(sip_uri_hparam(a.params, "TAG", &v), 1);
	ck_str_eq(v, "1928301774");

	ck_assert_int_eq(t_addr("<sip:p1.example.com;lr>", 1, &a), 0);
	ck_str_eq(a.display, "");
	ck_assert_int_eq(a.uri.lr, 1);
	ck_str_eq(a.params, "");

	ck_assert_int_eq(t_addr("Bob  Smith <sips:bob@biloxi.com;"
				"transport=tls> ; expires = 3600 ;q=0.7", 0,
				&a), 0);
	ck_str_eq(a.display, "Bob  Smith");
	ck_assert_int_eq(a.uri.scheme, SIP_URI_SIPS);
	ck_assert_int_eq(sip_uri_hparam(a.params, "expires", &v), 1);
	ck_str_eq(v, "3600");
	ck_assert_int_eq(sip_uri_hparam(a.params, "q", &v), 1);
	ck_str_eq(v, "0.7");
	ck_assert_int_eq(sip_uri_hparam(a.params, "tag", &v), 0);

	/* addr-spec: ';' after the URI starts header parameters */
	ck_assert_int_eq(t_addr("sip:alice@example.com;tag=xyz", 0, &a), 0);
	ck_assert_int_eq(a.bracketed, 0);
	ck_str_eq(a.uri_text, "sip:alice@example.com");
	ck_assert_uint_eq(a.uri.nparams, 0);
	ck_str_eq(a.params, "tag=xyz");
	ck_assert_int_eq(t_addr("sip:alice@example.com;tag=xyz", 1, &a), -1);

	/* surrounding and folded whitespace */
	ck_assert_int_eq(t_addr(" \r\n\t<sip:x@h>\r\n ;lr \t", 1, &a), 0);
	ck_str_eq(a.params, "lr");

	/* quoted parameter values may hold < > , ; */
	ck_assert_int_eq(t_addr("<sip:h;ob>;+sip.instance=\"<urn:uuid:0000-AB"
				">\";reg-id=1;x=\"a;b,c\"", 0, &a), 0);
	ck_assert_int_eq(a.uri.ob, 1);
	ck_assert_int_eq(sip_uri_hparam(a.params, "+sip.instance", &v), 1);
	ck_str_eq(v, "\"<urn:uuid:0000-AB>\"");
	ck_assert_int_eq(sip_uri_hparam(a.params, "reg-id", &v), 1);
	ck_str_eq(v, "1");
	ck_assert_int_eq(sip_uri_hparam(a.params, "x", &v), 1);
	ck_str_eq(v, "\"a;b,c\"");
	ck_assert_int_eq(t_addr("<sip:h>;received=[::1];flag", 1, &a), 0);
	ck_assert_int_eq(sip_uri_hparam(a.params, "flag", &v), 1);
	ck_assert_uint_eq(v.len, 0);
	ck_assert_int_eq(t_addr("\"\" <sip:h>", 1, &a), 0);
	ck_assert_int_eq(t_addr("<sip:a,b@h>", 1, &a), 0);
	ck_str_eq(a.uri.user, "a,b");
	/* UTF-8 in a quoted display name, and a quoted-pair of a control */
	ck_assert_int_eq(t_addr("\"Caf\xc3\xa9 \\\x01\" <sip:h>", 1, &a), 0);
	ck_str_eq(a.display, "\"Caf\xc3\xa9 \\\x01\"");
}
END_TEST

static const char *const t_bad_addrs[] = {
	"", "   ", "*", "<sip:h", "sip:h>", "\"unterminated <sip:h>",
	"<sip:h>x", "<sip:h>;", "<sip:h>;;a", "<sip:h>;a=", "<tel:123>",
	"<sip:h>;a=\"x", "Al@ce <sip:h>", "<sip:h> <sip:i>", "<>", "< sip:h>",
	"<sip:h >", "<sip:h>;a=b=c", "<sip:h>;a=[::g]", "<sip:h>;=1",
	"<sip:h>, <sip:i>", "\"a\" \"b\" <sip:h>", "sip:h x", "<sip:h>;a b",
	"<sip:h>;a=\"x\"y", "\"a\\", "<sip:h>;a=\"\\",
	"\"a\x01\" <sip:h>", "\"a\x7f\" <sip:h>", "\"a\\\r\" <sip:h>",
	"\"a\\\xc3\xb6\" <sip:h>", "<sip:h>;a=\"\x1b[2J\"",
	"Caf\xc3\xa9 <sip:h>",
};

START_TEST(t_addr_bad)
{
	struct sip_uri_addr a;
	const char *s = t_bad_addrs[_i];

	ck_assert_msg(t_addr(s, 0, &a) == -1, "accepted '%s'", s);
}
END_TEST

START_TEST(t_hparam_robust)
{
	struct sc_str p = { "a=1;b;c=\"q;x\";d=", 17 }, v, bad = { NULL, 3 };

	ck_assert_int_eq(sip_uri_hparam(p, "c", &v), 1);
	ck_str_eq(v, "\"q;x\"");
	/* the lookup stops at the malformed last one */
	ck_assert_int_eq(sip_uri_hparam(p, "d", &v), 0);
	ck_assert_int_eq(sip_uri_hparam(bad, "d", &v), 0);
	ck_assert_int_eq(sip_uri_hparam(p, NULL, &v), 0);
}
END_TEST

/* ---- lists --------------------------------------------------------------- */

/* Split @s; returns the count, or -1; items joined by '|' into @out. */
static int t_split(const char *s, char *out, size_t outlen)
{
	struct sc_str rest = { tb_str(s), strlen(s) }, item;
	size_t n = 0;
	int rc, count = 0;

	out[0] = '\0';
	while ((rc = sip_uri_list_next(&rest, &item)) == 1) {
		n += (size_t)snprintf(out + n, outlen - n, "%s%.*s",
				      count ? "|" : "", (int)item.len, item.s);
		ck_assert_uint_lt(n, outlen);
		count++;
	}
	return rc < 0 ? -1 : count;
}

START_TEST(t_list_split)
{
	char out[256];

	ck_assert_int_eq(t_split("<sip:a@h;lr>, <sip:b@h;lr>", out,
				 sizeof(out)), 2);
	ck_assert_str_eq(out, "<sip:a@h;lr>|<sip:b@h;lr>");
	ck_assert_int_eq(t_split("\"Doe, John\" <sip:j@h>,<sip:x@h>;a=\"1,2\"",
				 out, sizeof(out)), 2);
	ck_assert_str_eq(out, "\"Doe, John\" <sip:j@h>|<sip:x@h>;a=\"1,2\"");
	ck_assert_int_eq(t_split("<sip:a,b@h>", out, sizeof(out)), 1);
	ck_assert_int_eq(t_split(" a ,\r\n b\t,c ", out, sizeof(out)), 3);
	ck_assert_str_eq(out, "a|b|c");
	ck_assert_int_eq(t_split("\"a\\\",b\"", out, sizeof(out)), 1);
	ck_assert_int_eq(t_split("", out, sizeof(out)), 0);
	ck_assert_int_eq(t_split("  ", out, sizeof(out)), 0);

	ck_assert_int_eq(t_split("a,,b", out, sizeof(out)), -1);
	ck_assert_int_eq(t_split("a,", out, sizeof(out)), -1);
	ck_assert_int_eq(t_split("a, ", out, sizeof(out)), -1);
	ck_assert_int_eq(t_split(",a", out, sizeof(out)), -1);
	ck_assert_int_eq(t_split("<a", out, sizeof(out)), -1);
	ck_assert_int_eq(t_split("\"a", out, sizeof(out)), -1);
	ck_assert_int_eq(t_split("a>b", out, sizeof(out)), -1);
	ck_assert_int_eq(t_split("\"a\\", out, sizeof(out)), -1);
}
END_TEST

START_TEST(t_list_args)
{
	struct sc_str rest = { NULL, 0 }, item;

	ck_assert_int_eq(sip_uri_list_next(NULL, &item), -1);
	ck_assert_int_eq(sip_uri_list_next(&rest, &item), -1);
	rest.s = "a";
	rest.len = 1;
	ck_assert_int_eq(sip_uri_list_next(&rest, NULL), -1);
}
END_TEST

static Suite *t_suite(void)
{
	Suite *s = suite_create("sip_uri");
	TCase *tu = tcase_create("uri");
	TCase *ta = tcase_create("addr");
	TCase *tl = tcase_create("list");

	tcase_add_checked_fixture(tu, tb_setup, tb_teardown);
	tcase_add_test(tu, t_uri_basic);
	tcase_add_test(tu, t_uri_full);
	tcase_add_test(tu, t_uri_odd_valid);
	tcase_add_loop_test(tu, t_uri_bad, 0,
			    sizeof(t_bad_uris) / sizeof(t_bad_uris[0]));
	tcase_add_test(tu, t_uri_bad_binary);
	tcase_add_test(tu, t_uri_limits);
	tcase_add_test(tu, t_uri_long);
	tcase_add_test(tu, t_uri_prefixes);
	tcase_add_test(tu, t_uri_noise);
	tcase_add_test(tu, t_host_check);
	suite_add_tcase(s, tu);

	tcase_add_checked_fixture(ta, tb_setup, tb_teardown);
	tcase_add_test(ta, t_addr_forms);
	tcase_add_loop_test(ta, t_addr_bad, 0,
			    sizeof(t_bad_addrs) / sizeof(t_bad_addrs[0]));
	tcase_add_test(ta, t_hparam_robust);
	suite_add_tcase(s, ta);

	tcase_add_checked_fixture(tl, tb_setup, tb_teardown);
	tcase_add_test(tl, t_list_split);
	tcase_add_test(tl, t_list_args);
	suite_add_tcase(s, tl);
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
