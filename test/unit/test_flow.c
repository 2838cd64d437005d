/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: RFC 5626 flow tokens and their base32 (prefix: t_).
 *
 * Secret files are made in a private temporary directory, removed at the
 * end of each test.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sipcore/conn.h>

#include "flow.h"
#include "t_buf.h"

static const uint8_t t_secret_a[32] = "0123456789abcdef0123456789abcdef";
static const uint8_t t_secret_b[32] = "0123456789abcdef0123456789abcdeF";

static void t_key_a(void)
{
	ck_assert_int_eq(flow_init(t_secret_a, sizeof(t_secret_a)), 0);
}

static struct flow t_flow4(void)
{
	struct flow f;
	struct sockaddr_in in;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons(40123);
	inet_pton(AF_INET, "192.0.2.33", &in.sin_addr);
	memset(&f, 0, sizeof(f));
	f.conn_id = 0x0123456789abcdefULL;
	f.rank = 3;
	f.proto = SC_PROTO_TLS;
	ck_assert_int_eq(flow_set_peer(&f, (struct sockaddr *)&in), 0);
	return f;
}

static struct flow t_flow6(void)
{
	struct flow f;
	struct sockaddr_in6 in6;

	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	in6.sin6_port = htons(5061);
	inet_pton(AF_INET6, "2001:db8::77", &in6.sin6_addr);
	memset(&f, 0, sizeof(f));
	f.conn_id = UINT64_MAX;
	f.rank = 65535;
	f.proto = SC_PROTO_TCP;
	ck_assert_int_eq(flow_set_peer(&f, (struct sockaddr *)&in6), 0);
	return f;
}

static void t_flow_eq(const struct flow *a, const struct flow *b)
{
	ck_assert_uint_eq(a->conn_id, b->conn_id);
	ck_assert_uint_eq(a->rank, b->rank);
	ck_assert_uint_eq(a->proto, b->proto);
	ck_assert_uint_eq(a->family, b->family);
	ck_assert_uint_eq(a->port, b->port);
	ck_assert(!memcmp(a->addr, b->addr, sizeof(a->addr)));
}

/* ---- base32 -------------------------------------------------------------- */

START_TEST(t_b32_vectors)
{
	/* RFC 4648 10, lowercase and without padding */
	static const char *const v[][2] = {
		{ "", "" }, { "f", "my" }, { "fo", "mzxq" },
		{ "foo", "mzxw6" }, { "foob", "mzxw6yq" },
		{ "fooba", "mzxw6ytb" }, { "foobar", "mzxw6ytboi" },
	};
	char out[32];
	uint8_t bin[16];
	size_t i;
	int n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t l = strlen(v[i][0]);

		n = flow_b32_encode(v[i][0], l, out, sizeof(out));
		ck_assert_int_eq(n, (int)strlen(v[i][1]));
		ck_assert_str_eq(out, v[i][1]);
		ck_assert_uint_eq(flow_b32_len(l), strlen(v[i][1]));
		n = flow_b32_decode(tb_str(v[i][1]), strlen(v[i][1]), bin,
				    sizeof(bin));
		ck_assert_int_eq(n, (int)l);
		ck_assert(!memcmp(bin, v[i][0], l));
	}
	n = flow_b32_decode(tb_str("MZXW6YTBOI"), 10, bin, sizeof(bin));
	ck_assert_int_eq(n, 6);
	ck_assert(!memcmp(bin, "foobar", 6));
}
END_TEST

START_TEST(t_b32_bad)
{
	static const char *const bad[] = {
		"m", "mzx", "mzxw6y", "mz", "mzxw6yr", "my=", "m1", "m8",
		"m0", "my ", "m-", "my\n", "\xc3\xa9",
	};
	uint8_t bin[16];
	char out[8];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(flow_b32_decode(tb_str(bad[i]), strlen(bad[i]),
					      bin, sizeof(bin)) == -1,
			      "accepted '%s'", bad[i]);
	/* too small an output, both ways */
	ck_assert_int_eq(flow_b32_decode(tb_str("mzxw6ytboi"), 10, bin, 5),
			 -1);
	ck_assert_int_eq(flow_b32_encode("foo", 3, out, 5), -1);
	ck_assert_int_eq(flow_b32_encode("foo", 3, out, 6), 5);
	ck_assert_int_eq(flow_b32_encode(NULL, 3, out, 6), -1);
	ck_assert_int_eq(flow_b32_decode(NULL, 3, bin, 6), -1);
}
END_TEST

/* ---- tokens -------------------------------------------------------------- */

START_TEST(t_flow_roundtrip)
{
	struct flow f[2] = { t_flow4(), t_flow6() }, g;
	char tok[FLOW_TOKEN_MAX + 1];
	int i, n;
	size_t k;

	t_key_a();
	for (i = 0; i < 2; i++) {
		n = flow_encode(&f[i], tok, sizeof(tok));
		ck_assert_int_eq(n, i ? 63 : 44);
		ck_assert_uint_eq(strlen(tok), (size_t)n);
		for (k = 0; k < (size_t)n; k++)
			ck_assert_msg((tok[k] >= 'a' && tok[k] <= 'z') ||
				      (tok[k] >= '2' && tok[k] <= '7'),
				      "bad char in %s", tok);
		ck_assert_int_eq(flow_decode(tb_dup(tok, (size_t)n),
					     (size_t)n, &g), FLOW_OK);
		t_flow_eq(&f[i], &g);
		/* case folding on the way does not hurt */
		for (k = 0; k < (size_t)n; k++)
			if (tok[k] >= 'a' && tok[k] <= 'z')
				tok[k] = (char)(tok[k] - 'a' + 'A');
		ck_assert_int_eq(flow_decode(tb_dup(tok, (size_t)n),
					     (size_t)n, &g), FLOW_OK);
		t_flow_eq(&f[i], &g);
	}
}
END_TEST

START_TEST(t_flow_fields)
{
	struct flow f = t_flow4(), g;
	char tok[FLOW_TOKEN_MAX + 1];
	int p, n;

	t_key_a();
	f.conn_id = 0;
	f.rank = 0;
	f.port = 0;
	for (p = 0; p <= 7; p++) {
		f.proto = (uint8_t)p;
		n = flow_encode(&f, tok, sizeof(tok));
		ck_assert_int_eq(n, 44);
		ck_assert_int_eq(flow_decode(tok, (size_t)n, &g), FLOW_OK);
		t_flow_eq(&f, &g);
	}
	f.proto = 8;
	ck_assert_int_eq(flow_encode(&f, tok, sizeof(tok)), -1);
	f.proto = 1;
	f.family = AF_UNIX;
	ck_assert_int_eq(flow_encode(&f, tok, sizeof(tok)), -1);
	f = t_flow4();
	ck_assert_int_eq(flow_encode(&f, tok, 44), -1);
	ck_assert_int_eq(flow_encode(&f, tok, 45), 44);
	ck_assert_int_eq(flow_encode(NULL, tok, sizeof(tok)), -1);
	ck_assert_int_eq(flow_encode(&f, NULL, sizeof(tok)), -1);
}
END_TEST

/* Every single bit of the binary token flipped: FORGED, every time. */
START_TEST(t_flow_bitflip)
{
	struct flow f[2] = { t_flow4(), t_flow6() }, g;
	char tok[FLOW_TOKEN_MAX + 1], alt[FLOW_TOKEN_MAX + 1];
	uint8_t bin[64];
	int i, n, nb, bit;

	t_key_a();
	for (i = 0; i < 2; i++) {
		n = flow_encode(&f[i], tok, sizeof(tok));
		nb = flow_b32_decode(tok, (size_t)n, bin, sizeof(bin));
		ck_assert_int_eq(nb, i ? 39 : 27);
		for (bit = 0; bit < nb * 8; bit++) {
			bin[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			ck_assert_int_eq(flow_b32_encode(bin, (size_t)nb, alt,
							 sizeof(alt)), n);
			ck_assert_msg(flow_decode(tb_dup(alt, (size_t)n),
						  (size_t)n, &g) ==
					      FLOW_FORGED,
				      "bit %d accepted", bit);
			bin[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
	}
}
END_TEST

/* Any other character anywhere: never accepted. */
START_TEST(t_flow_charsubst)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
	struct flow f = t_flow6(), g;
	char tok[FLOW_TOKEN_MAX + 1];
	int n, k, c;
	char orig;

	t_key_a();
	n = flow_encode(&f, tok, sizeof(tok));
	for (k = 0; k < n; k++) {
		orig = tok[k];
		for (c = 0; c < 32; c++) {
			if (alpha[c] == orig)
				continue;
			tok[k] = alpha[c];
			ck_assert_int_ne(flow_decode(tok, (size_t)n, &g),
					 FLOW_OK);
		}
		tok[k] = orig;
	}
	ck_assert_int_eq(flow_decode(tok, (size_t)n, &g), FLOW_OK);
}
END_TEST

START_TEST(t_flow_malformed)
{
	struct flow f = t_flow4(), g;
	char tok[FLOW_TOKEN_MAX + 1], junk[80];
	int n, k;

	t_key_a();
	n = flow_encode(&f, tok, sizeof(tok));
	for (k = 0; k < n; k++)
		ck_assert_int_eq(flow_decode(tb_dup(tok, (size_t)k), (size_t)k,
					     &g), FLOW_MALFORMED);
	memcpy(junk, tok, (size_t)n);
	junk[n] = 'a';
	ck_assert_int_eq(flow_decode(tb_dup(junk, (size_t)n + 1),
				     (size_t)n + 1, &g), FLOW_MALFORMED);
	memset(junk, '!', sizeof(junk));
	ck_assert_int_eq(flow_decode(junk, 44, &g), FLOW_MALFORMED);
	memset(junk, '1', sizeof(junk));
	ck_assert_int_eq(flow_decode(junk, 63, &g), FLOW_MALFORMED);
	memcpy(junk, tok, (size_t)n);
	junk[10] = '=';
	ck_assert_int_eq(flow_decode(junk, 44, &g), FLOW_MALFORMED);
	/* the last character carries 4 unused bits: they must be zero */
	memcpy(junk, tok, (size_t)n);
	junk[43] = junk[43] == 'b' ? 'c' : 'b';
	ck_assert_int_ne(flow_decode(junk, 44, &g), FLOW_OK);
	ck_assert_int_eq(flow_decode(NULL, 44, &g), FLOW_MALFORMED);
	ck_assert_int_eq(flow_decode(tok, (size_t)n, NULL), FLOW_MALFORMED);
	ck_assert_int_eq(flow_decode("", 0, &g), FLOW_MALFORMED);
}
END_TEST

START_TEST(t_flow_secrets)
{
	uint8_t copy[32];
	struct flow f = t_flow4(), g;
	char tok[FLOW_TOKEN_MAX + 1];
	int n;

	t_key_a();
	n = flow_encode(&f, tok, sizeof(tok));
	ck_assert_int_eq(flow_init(t_secret_b, sizeof(t_secret_b)), 0);
	ck_assert_int_eq(flow_decode(tok, (size_t)n, &g), FLOW_FORGED);
	/* another instance with the same secret */
	memcpy(copy, t_secret_a, sizeof(copy));
	ck_assert_int_eq(flow_init(copy, sizeof(copy)), 0);
	ck_assert_int_eq(flow_decode(tok, (size_t)n, &g), FLOW_OK);
	t_flow_eq(&f, &g);
	/* a longer secret is another secret */
	ck_assert_int_eq(flow_init("0123456789abcdef0123456789abcdef\n", 33),
			 0);
	ck_assert_int_eq(flow_decode(tok, (size_t)n, &g), FLOW_FORGED);

	/* too short a secret: refused, and no key is left behind */
	ck_assert_int_eq(flow_init(t_secret_a, 31), -1);
	ck_assert_int_eq(flow_encode(&f, tok, sizeof(tok)), -1);
	ck_assert_int_eq(flow_decode(tok, (size_t)n, &g), FLOW_FORGED);
	ck_assert_int_eq(flow_init(NULL, 32), -1);

	t_key_a();
	flow_wipe();
	ck_assert_int_eq(flow_encode(&f, tok, sizeof(tok)), -1);
	ck_assert_int_eq(flow_decode(tok, (size_t)n, &g), FLOW_FORGED);

	/* two random secrets differ */
	ck_assert_int_eq(flow_random_secret(), 0);
	n = flow_encode(&f, tok, sizeof(tok));
	ck_assert_int_eq(flow_decode(tok, (size_t)n, &g), FLOW_OK);
	ck_assert_int_eq(flow_random_secret(), 0);
	ck_assert_int_eq(flow_decode(tok, (size_t)n, &g), FLOW_FORGED);
}
END_TEST

START_TEST(t_flow_ctx)
{
	struct flow f = t_flow6(), g;
	char tok[FLOW_TOKEN_MAX + 1];
	uint8_t big[256];
	int n;

	t_key_a();
	n = flow_encode_ctx(&f, "branch1", 7, tok, sizeof(tok));
	ck_assert_int_eq(n, 63);
	ck_assert_int_eq(flow_decode_ctx(tok, (size_t)n, "branch1", 7, &g),
			 FLOW_OK);
	t_flow_eq(&f, &g);
	ck_assert_int_eq(flow_decode(tok, (size_t)n, &g), FLOW_FORGED);
	ck_assert_int_eq(flow_decode_ctx(tok, (size_t)n, "branch2", 7, &g),
			 FLOW_FORGED);
	ck_assert_int_eq(flow_decode_ctx(tok, (size_t)n, "branch", 6, &g),
			 FLOW_FORGED);
	n = flow_encode(&f, tok, sizeof(tok));
	ck_assert_int_eq(flow_decode_ctx(tok, (size_t)n, "branch1", 7, &g),
			 FLOW_FORGED);
	memset(big, 1, sizeof(big));
	ck_assert_int_eq(flow_encode_ctx(&f, big, 255, tok, sizeof(tok)), 63);
	ck_assert_int_eq(flow_encode_ctx(&f, big, 256, tok, sizeof(tok)), -1);
	ck_assert_int_eq(flow_encode_ctx(&f, NULL, 3, tok, sizeof(tok)), -1);
}
END_TEST

START_TEST(t_flow_derive)
{
	uint8_t k1[FLOW_KEY_LEN], k2[FLOW_KEY_LEN], k3[FLOW_KEY_LEN];
	uint8_t copy[32];

	flow_wipe();
	ck_assert_int_eq(flow_derive_key("branch", k1), -1);
	t_key_a();
	ck_assert_int_eq(flow_derive_key("branch", k1), 0);
	ck_assert_int_eq(flow_derive_key("other", k2), 0);
	ck_assert(memcmp(k1, k2, sizeof(k1)));
	memcpy(copy, t_secret_a, sizeof(copy));
	ck_assert_int_eq(flow_init(copy, sizeof(copy)), 0);
	ck_assert_int_eq(flow_derive_key("branch", k3), 0);
	ck_assert(!memcmp(k1, k3, sizeof(k1)));
	ck_assert_int_eq(flow_init(t_secret_b, sizeof(t_secret_b)), 0);
	ck_assert_int_eq(flow_derive_key("branch", k3), 0);
	ck_assert(memcmp(k1, k3, sizeof(k1)));
}
END_TEST

START_TEST(t_flow_peer)
{
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr sa;
	struct flow f = t_flow4();

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons(40123);
	inet_pton(AF_INET, "192.0.2.33", &in.sin_addr);
	ck_assert_int_eq(flow_peer_eq(&f, (struct sockaddr *)&in), 1);
	in.sin_port = htons(40124);
	ck_assert_int_eq(flow_peer_eq(&f, (struct sockaddr *)&in), 0);

	/* the same peer seen by a dual-stack socket */
	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	in6.sin6_port = htons(40123);
	inet_pton(AF_INET6, "::ffff:192.0.2.33", &in6.sin6_addr);
	ck_assert_int_eq(flow_peer_eq(&f, (struct sockaddr *)&in6), 1);
	inet_pton(AF_INET6, "::192.0.2.33", &in6.sin6_addr);
	ck_assert_int_eq(flow_peer_eq(&f, (struct sockaddr *)&in6), 0);

	f = t_flow6();
	in6.sin6_port = htons(5061);
	inet_pton(AF_INET6, "2001:db8::77", &in6.sin6_addr);
	ck_assert_int_eq(flow_peer_eq(&f, (struct sockaddr *)&in6), 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	ck_assert_int_eq(flow_set_peer(&f, &sa), -1);
	ck_assert_int_eq(flow_peer_eq(&f, &sa), 0);
	ck_assert_int_eq(flow_set_peer(NULL, &sa), -1);
}
END_TEST

/* ---- flow_secret_file ---------------------------------------------------- */

static char t_dir[64];

static void t_dir_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(t_dir, sizeof(t_dir), "%s/flowXXXXXX",
		 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(t_dir));
}

static void t_dir_teardown(void)
{
	char p[128];
	static const char *const names[] = { "a", "b", "short", "long" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", t_dir, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/sub", t_dir);
	rmdir(p);
	rmdir(t_dir);
	flow_wipe();
}

/* Write @n bytes of @fill (with @last as final byte) to t_dir/@name. */
static const char *t_file(const char *name, size_t n, char fill, char last)
{
	static char p[128];
	FILE *fp;
	size_t i;

	snprintf(p, sizeof(p), "%s/%s", t_dir, name);
	fp = fopen(p, "w");
	ck_assert_ptr_nonnull(fp);
	for (i = 0; i < n; i++)
		fputc(i + 1 == n ? last : fill, fp);
	ck_assert_int_eq(fclose(fp), 0);
	return p;
}

START_TEST(t_secret_file)
{
	char err[512], want[256], tok[FLOW_TOKEN_MAX + 1];
	struct flow f = t_flow4(), g;
	const char *p;
	int n;

	err[0] = '\0';
	p = t_file("a", 32, 'x', '\n');
	ck_assert_int_eq(flow_secret_from_file(p, err, sizeof(err)), 0);
	n = flow_encode(&f, tok, sizeof(tok));
	ck_assert_int_eq(n, 44);
	/* a second instance reading its own copy of the file */
	p = t_file("b", 32, 'x', '\n');
	ck_assert_int_eq(flow_secret_from_file(p, err, sizeof(err)), 0);
	ck_assert_int_eq(flow_decode(tok, (size_t)n, &g), FLOW_OK);
	/* one byte different */
	p = t_file("b", 32, 'x', 'y');
	ck_assert_int_eq(flow_secret_from_file(p, err, sizeof(err)), 0);
	ck_assert_int_eq(flow_decode(tok, (size_t)n, &g), FLOW_FORGED);

	p = t_file("short", 31, 'x', 'x');
	ck_assert_int_eq(flow_secret_from_file(p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "flow_secret_file '%s': 31 bytes, a "
		 "secret needs at least 32 (e.g. head -c 32 /dev/urandom)", p);
	ck_assert_str_eq(err, want);
	/* the failed read left no key behind */
	ck_assert_int_eq(flow_decode(tok, (size_t)n, &g), FLOW_FORGED);

	p = t_file("long", FLOW_SECRET_FILE_MAX + 1, 'x', 'x');
	ck_assert_int_eq(flow_secret_from_file(p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "flow_secret_file '%s': more than 4096 "
		 "bytes (wrong file?)", p);
	ck_assert_str_eq(err, want);
	p = t_file("long", FLOW_SECRET_FILE_MAX, 'x', 'x');
	ck_assert_int_eq(flow_secret_from_file(p, err, sizeof(err)), 0);

	snprintf(want, sizeof(want), "%s/none", t_dir);
	ck_assert_int_eq(flow_secret_from_file(want, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "flow_secret_file '"));
	ck_assert_ptr_nonnull(strstr(err, "/none': No such file or "
				     "directory"));
	snprintf(want, sizeof(want), "%s/sub", t_dir);
	ck_assert_int_eq(mkdir(want, 0700), 0);
	ck_assert_int_eq(flow_secret_from_file(want, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/sub': not a regular file"));
	ck_assert_int_eq(flow_secret_from_file("", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "flow_secret_file: empty file name");
}
END_TEST

static Suite *t_suite(void)
{
	Suite *s = suite_create("flow");
	TCase *tb = tcase_create("base32");
	TCase *tt = tcase_create("token");
	TCase *tf = tcase_create("file");

	tcase_add_checked_fixture(tb, tb_setup, tb_teardown);
	tcase_add_test(tb, t_b32_vectors);
	tcase_add_test(tb, t_b32_bad);
	suite_add_tcase(s, tb);

	tcase_add_checked_fixture(tt, tb_setup, tb_teardown);
	tcase_add_test(tt, t_flow_roundtrip);
	tcase_add_test(tt, t_flow_fields);
	tcase_add_test(tt, t_flow_bitflip);
	tcase_add_test(tt, t_flow_charsubst);
	tcase_add_test(tt, t_flow_malformed);
	tcase_add_test(tt, t_flow_secrets);
	tcase_add_test(tt, t_flow_ctx);
	tcase_add_test(tt, t_flow_derive);
	tcase_add_test(tt, t_flow_peer);
	suite_add_tcase(s, tt);

	tcase_add_checked_fixture(tf, t_dir_setup, t_dir_teardown);
	tcase_add_test(tf, t_secret_file);
	suite_add_tcase(s, tf);
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
