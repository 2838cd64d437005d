/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the domain lookup (modules/tls_gnutls/tls_lookup.c)
 * (prefix: t_).
 *
 * On hand-made id arrays, also embedded in a bigger struct (the stride a
 * worker's credential array uses): which server domain a local address and
 * an SNI name select, which client domain a destination and its host name
 * select, and when two ids name the same domain.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "tls_domain.h"
#include "tls_lookup.h"

/* ---- addresses and ids -------------------------------------------------- */

static void t_sa(struct sockaddr_storage *ss, socklen_t *len, const char *ip,
		 unsigned port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (len)
			*len = sizeof(*s4);
		return;
	}
	ck_assert_int_eq(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	if (len)
		*len = sizeof(*s6);
}

/* ip NULL: the default of @kind */
static void t_id(struct tls_dom_id *id, enum tls_dom_kind kind,
		 const char *ip, unsigned port, const char *sn)
{
	memset(id, 0, sizeof(*id));
	id->kind = kind;
	if (ip)
		t_sa(&id->addr, &id->addrlen, ip, port);
	else
		id->is_default = 1;
	snprintf(id->server_name, sizeof(id->server_name), "%s", sn ? sn : "");
	snprintf(id->name, sizeof(id->name), "%s:%s:%u",
		 kind == TLS_DOM_CLIENT ? "client" : "server",
		 ip ? ip : "default", port);
}

static int t_find(const struct tls_dom_id *ids, unsigned n,
		  enum tls_dom_kind kind, const char *ip, unsigned port,
		  const char *sn)
{
	struct sockaddr_storage ss;

	t_sa(&ss, NULL, ip, port);
	return tls_lookup(ids, n, sizeof(*ids), kind,
			  (struct sockaddr *)&ss, sn);
}

#define S TLS_DOM_SERVER
#define C TLS_DOM_CLIENT

/* ---- lookup ------------------------------------------------------------- */

START_TEST(lookup_exact)
{
	struct tls_dom_id ids[5];

	t_id(&ids[0], S, NULL, 0, NULL);
	t_id(&ids[1], C, NULL, 0, NULL);
	t_id(&ids[2], S, "127.0.0.1", 5061, NULL);
	t_id(&ids[3], S, "127.0.0.1", 5062, NULL);
	t_id(&ids[4], S, "10.0.0.1", 5061, NULL);
	ck_assert_int_eq(t_find(ids, 5, S, "127.0.0.1", 5061, NULL), 2);
	ck_assert_int_eq(t_find(ids, 5, S, "127.0.0.1", 5062, NULL), 3);
	ck_assert_int_eq(t_find(ids, 5, S, "10.0.0.1", 5061, NULL), 4);
	/* neither the IP nor the port alone is enough */
	ck_assert_int_eq(t_find(ids, 5, S, "10.0.0.1", 5062, NULL), 0);
	ck_assert_int_eq(t_find(ids, 5, S, "10.0.0.2", 5061, NULL), 0);
}
END_TEST

START_TEST(lookup_wildcard)
{
	struct tls_dom_id ids[4];

	t_id(&ids[0], S, "0.0.0.0", 5061, NULL);
	t_id(&ids[1], S, NULL, 0, NULL);
	t_id(&ids[2], S, "::", 5071, NULL);
	t_id(&ids[3], S, "127.0.0.1", 5061, NULL);
	/* exact > wildcard with the port > default */
	ck_assert_int_eq(t_find(ids, 4, S, "127.0.0.1", 5061, NULL), 3);
	ck_assert_int_eq(t_find(ids, 4, S, "127.0.0.1", 5099, NULL), 1);
	ck_assert_int_eq(t_find(ids, 4, S, "10.1.1.1", 5061, NULL), 0);
	ck_assert_int_eq(t_find(ids, 4, S, "10.1.1.1", 5099, NULL), 1);
	/* 0.0.0.0 is IPv4 only; :: serves both (dual-stack listener) */
	ck_assert_int_eq(t_find(ids, 4, S, "2001:db8::5", 5061, NULL), 1);
	ck_assert_int_eq(t_find(ids, 4, S, "2001:db8::5", 5071, NULL), 2);
	ck_assert_int_eq(t_find(ids, 4, S, "10.1.1.1", 5071, NULL), 2);
	/* wildcards are for listeners, not for destinations */
	t_id(&ids[0], C, "0.0.0.0", 5061, NULL);
	t_id(&ids[1], C, NULL, 0, NULL);
	ck_assert_int_eq(t_find(ids, 4, C, "10.1.1.1", 5061, NULL), 1);
}
END_TEST

START_TEST(lookup_default_and_kind)
{
	struct tls_dom_id ids[4];

	t_id(&ids[0], S, "127.0.0.1", 5061, NULL);
	t_id(&ids[1], C, "127.0.0.1", 5062, NULL);
	ck_assert_int_eq(t_find(ids, 2, S, "127.0.0.1", 5061, NULL), 0);
	/* no default and no match: -1 */
	ck_assert_int_eq(t_find(ids, 2, S, "127.0.0.1", 5062, NULL), -1);
	ck_assert_int_eq(t_find(ids, 2, C, "127.0.0.1", 5061, NULL), -1);
	ck_assert_int_eq(t_find(ids, 2, C, "127.0.0.1", 5062, NULL), 1);
	t_id(&ids[2], C, NULL, 0, NULL);
	t_id(&ids[3], S, NULL, 0, NULL);
	/* the default of the asked kind, never the other kind's entry */
	ck_assert_int_eq(t_find(ids, 4, S, "127.0.0.1", 5062, NULL), 3);
	ck_assert_int_eq(t_find(ids, 4, C, "127.0.0.1", 5061, NULL), 2);
	/* no address at all (unknown local address): the default */
	ck_assert_int_eq(tls_lookup(ids, 4, sizeof(ids[0]), S, NULL,
				    NULL), 3);
	ck_assert_int_eq(tls_lookup(ids, 0, sizeof(ids[0]), S, NULL,
				    NULL), -1);
}
END_TEST

START_TEST(lookup_ipv6)
{
	struct tls_dom_id ids[3];

	t_id(&ids[0], S, "::1", 5061, NULL);
	t_id(&ids[1], S, "2001:db8::1", 5061, NULL);
	t_id(&ids[2], S, NULL, 0, NULL);
	ck_assert_int_eq(t_find(ids, 3, S, "::1", 5061, NULL), 0);
	ck_assert_int_eq(t_find(ids, 3, S, "2001:db8::1", 5061, NULL), 1);
	ck_assert_int_eq(t_find(ids, 3, S, "2001:db8::1", 5062, NULL), 2);
	ck_assert_int_eq(t_find(ids, 3, S, "2001:db8::2", 5061, NULL), 2);
	/* ::1 is not 127.0.0.1 */
	ck_assert_int_eq(t_find(ids, 3, S, "127.0.0.1", 5061, NULL), 2);
}
END_TEST

START_TEST(lookup_v4_mapped)
{
	struct tls_dom_id ids[3];

	t_id(&ids[0], S, NULL, 0, NULL);
	t_id(&ids[1], S, "127.0.0.1", 5061, NULL);
	t_id(&ids[2], S, "::ffff:10.0.0.7", 5061, NULL);
	/* an accepted IPv4 peer on a dual-stack socket */
	ck_assert_int_eq(t_find(ids, 3, S, "::ffff:127.0.0.1", 5061, NULL), 1);
	ck_assert_int_eq(t_find(ids, 3, S, "::ffff:127.0.0.1", 5062, NULL), 0);
	/* and the other way round */
	ck_assert_int_eq(t_find(ids, 3, S, "10.0.0.7", 5061, NULL), 2);
}
END_TEST

START_TEST(lookup_sni)
{
	struct tls_dom_id ids[5];

	t_id(&ids[0], S, "127.0.0.1", 5061, "a.example");
	t_id(&ids[1], S, "127.0.0.1", 5061, "b.example");
	t_id(&ids[2], S, "127.0.0.1", 5061, NULL);
	t_id(&ids[3], S, "0.0.0.0", 5061, "c.example");
	t_id(&ids[4], S, NULL, 0, NULL);
	ck_assert_int_eq(t_find(ids, 5, S, "127.0.0.1", 5061, "b.example"), 1);
	ck_assert_int_eq(t_find(ids, 5, S, "127.0.0.1", 5061, "A.Example"), 0);
	/* unknown or no SNI: the unnamed domain of that address */
	ck_assert_int_eq(t_find(ids, 5, S, "127.0.0.1", 5061, "x.example"), 2);
	ck_assert_int_eq(t_find(ids, 5, S, "127.0.0.1", 5061, NULL), 2);
	ck_assert_int_eq(t_find(ids, 5, S, "127.0.0.1", 5061, ""), 2);
	/* SNI breaks ties only: a better address match wins over a name */
	ck_assert_int_eq(t_find(ids, 5, S, "127.0.0.1", 5061, "c.example"), 2);
	ck_assert_int_eq(t_find(ids, 5, S, "10.0.0.1", 5061, "c.example"), 3);
	/* a named domain serves only its name: without an unnamed domain
	 * or a default, an unknown name finds nothing */
	ck_assert_int_eq(t_find(ids, 2, S, "127.0.0.1", 5061, "x.example"), -1);
	ck_assert_int_eq(t_find(ids, 2, S, "127.0.0.1", 5061, NULL), -1);
	ck_assert_int_eq(t_find(ids, 5, S, "127.0.0.2", 5061, "a.example"), 4);
}
END_TEST

START_TEST(lookup_client_name)
{
	struct tls_dom_id ids[5];

	t_id(&ids[0], C, "198.51.100.7", 5061, "sip.example");
	t_id(&ids[1], C, "192.0.2.1", 5061, NULL);
	t_id(&ids[2], C, NULL, 0, NULL);
	t_id(&ids[3], C, "192.0.2.1", 5070, NULL);
	t_id(&ids[4], S, "203.0.113.5", 5061, "other.example");
	ck_assert_int_eq(t_find(ids, 5, C, "192.0.2.1", 5061, NULL), 1);
	ck_assert_int_eq(t_find(ids, 5, C, "192.0.2.1", 5070, NULL), 3);
	ck_assert_int_eq(t_find(ids, 5, C, "192.0.2.1", 5080, NULL), 2);
	/* by name when no address matches */
	ck_assert_int_eq(t_find(ids, 5, C, "203.0.113.5", 5061, "sip.example"),
			 0);
	ck_assert_int_eq(t_find(ids, 5, C, "203.0.113.5", 5061, "SIP.example"),
			 0);
	/* a server domain's name is not a client domain */
	ck_assert_int_eq(t_find(ids, 5, C, "203.0.113.5", 5061,
				"other.example"), 2);
	ck_assert_int_eq(t_find(ids, 5, C, "203.0.113.5", 5061, NULL), 2);
	/* an address match beats a name match */
	ck_assert_int_eq(t_find(ids, 5, C, "192.0.2.1", 5061, "sip.example"),
			 1);
}
END_TEST

/* The id embedded at the start of a bigger record, as tls_cred does. */
struct t_big {
	struct tls_dom_id id;
	char pad[333];
	int tag;
};

START_TEST(lookup_stride)
{
	struct t_big big[4];
	struct sockaddr_storage ss;
	int i;

	memset(big, 0x5a, sizeof(big));
	t_id(&big[0].id, C, NULL, 0, NULL);
	t_id(&big[1].id, S, "127.0.0.1", 5061, NULL);
	t_id(&big[2].id, S, "::1", 5061, NULL);
	t_id(&big[3].id, S, NULL, 0, NULL);
	for (i = 0; i < 4; i++)
		big[i].tag = 100 + i;
	t_sa(&ss, NULL, "::1", 5061);
	i = tls_lookup(big, 4, sizeof(big[0]), S, (struct sockaddr *)&ss,
		       NULL);
	ck_assert_int_eq(i, 2);
	ck_assert_int_eq(big[i].tag, 102);
	t_sa(&ss, NULL, "127.0.0.1", 5061);
	ck_assert_int_eq(tls_lookup(big, 4, sizeof(big[0]), S,
				    (struct sockaddr *)&ss, NULL), 1);
	t_sa(&ss, NULL, "127.0.0.9", 5061);
	ck_assert_int_eq(tls_lookup(big, 4, sizeof(big[0]), S,
				    (struct sockaddr *)&ss, NULL), 3);
	ck_assert_int_eq(tls_lookup(big, 4, sizeof(big[0]), C,
				    (struct sockaddr *)&ss, NULL), 0);
}
END_TEST

/* ---- the same domain ---------------------------------------------------- */

START_TEST(same_key)
{
	struct tls_dom_id a, b;

	t_id(&a, S, "127.0.0.1", 5061, NULL);
	t_id(&b, S, "::ffff:127.0.0.1", 5061, NULL);
	/* an IPv4-mapped address is its IPv4 form */
	ck_assert(tls_lookup_same_key(&a, &b));
	t_id(&b, S, "127.0.0.1", 5062, NULL);
	ck_assert(!tls_lookup_same_key(&a, &b));
	t_id(&b, C, "127.0.0.1", 5061, NULL);
	ck_assert(!tls_lookup_same_key(&a, &b));
	/* the server name counts, in any case */
	t_id(&a, S, "127.0.0.1", 5061, "sip.test");
	t_id(&b, S, "127.0.0.1", 5061, "SIP.test");
	ck_assert(tls_lookup_same_key(&a, &b));
	t_id(&b, S, "127.0.0.1", 5061, NULL);
	ck_assert(!tls_lookup_same_key(&a, &b));
	/* defaults: one per kind */
	t_id(&a, S, NULL, 0, NULL);
	t_id(&b, S, NULL, 0, NULL);
	ck_assert(tls_lookup_same_key(&a, &b));
	t_id(&b, C, NULL, 0, NULL);
	ck_assert(!tls_lookup_same_key(&a, &b));
	t_id(&b, S, "127.0.0.1", 5061, NULL);
	ck_assert(!tls_lookup_same_key(&a, &b));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tls_lookup");
	TCase *tc = tcase_create("lookup");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, lookup_exact);
	tcase_add_test(tc, lookup_wildcard);
	tcase_add_test(tc, lookup_default_and_kind);
	tcase_add_test(tc, lookup_ipv6);
	tcase_add_test(tc, lookup_v4_mapped);
	tcase_add_test(tc, lookup_sni);
	tcase_add_test(tc, lookup_client_name);
	tcase_add_test(tc, lookup_stride);
	tcase_add_test(tc, same_key);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
