/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which TLS domain serves a connection (prefix: tls_lookup, lookup_).
 *
 * The matching rule of server domains (by the local address and the SNI
 * name the client asks for) and client domains (by the destination and
 * its host name), over any array whose elements start with a struct
 * tls_dom_id: the shared table and a worker's credential array alike.
 * Pure functions of their arguments, used by the master (a listener's
 * domain) and by the workers (every connection).
 */
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tls_domain.h"
#include "tls_lookup.h"

/* An address reduced for comparison: IPv4-mapped IPv6 becomes IPv4. */
struct lookup_addr {
	int family;		/* AF_INET, AF_INET6 or AF_UNSPEC */
	unsigned char ip[16];
	unsigned port;
};

static void lookup_addr_get(const struct sockaddr *sa,
			    struct lookup_addr *a)
{
	const struct sockaddr_in *s4 = (const void *)sa;
	const struct sockaddr_in6 *s6 = (const void *)sa;

	memset(a, 0, sizeof(*a));
	a->family = AF_UNSPEC;
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->ip, &s4->sin_addr, 4);
		a->port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6 &&
		   IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		a->family = AF_INET;
		memcpy(a->ip, &s6->sin6_addr.s6_addr[12], 4);
		a->port = ntohs(s6->sin6_port);
	} else if (sa->sa_family == AF_INET6) {
		a->family = AF_INET6;
		memcpy(a->ip, &s6->sin6_addr, 16);
		a->port = ntohs(s6->sin6_port);
	}
}

static int lookup_addr_len(const struct lookup_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

static int lookup_addr_any(const struct lookup_addr *a)
{
	static const unsigned char zero[16];

	return a->family != AF_UNSPEC &&
	       !memcmp(a->ip, zero, (size_t)lookup_addr_len(a));
}

static int lookup_ip_eq(const struct lookup_addr *a,
			const struct lookup_addr *b)
{
	return a->family != AF_UNSPEC && a->family == b->family &&
	       !memcmp(a->ip, b->ip, (size_t)lookup_addr_len(a));
}

int tls_lookup_same_key(const struct tls_dom_id *a,
			const struct tls_dom_id *b)
{
	struct lookup_addr x, y;

	if (a->kind != b->kind || a->is_default != b->is_default)
		return 0;
	if (a->is_default)
		return 1;
	lookup_addr_get((const struct sockaddr *)&a->addr, &x);
	lookup_addr_get((const struct sockaddr *)&b->addr, &y);
	return x.family == y.family && x.port == y.port &&
	       (x.family == AF_UNSPEC || lookup_ip_eq(&x, &y)) &&
	       !strcasecmp(a->server_name, b->server_name);
}

/*
 * How well a domain address @d matches the connection address @q; lower is
 * better, 0 is no match. The wildcard "::" also matches IPv4, as a
 * dual-stack listener on [::] sees IPv4 peers as IPv4-mapped addresses.
 */
enum lookup_rank {
	LOOKUP_NONE = 0,
	LOOKUP_EXACT = 1,		/* IP and port */
	LOOKUP_WILD = 2,		/* wildcard IP, port (server) */
	LOOKUP_NAME = 3,		/* server_name only (client) */
};

static enum lookup_rank lookup_rank_addr(const struct lookup_addr *d,
					 const struct lookup_addr *q,
					 enum tls_dom_kind kind)
{
	if (d->family == AF_UNSPEC || q->family == AF_UNSPEC)
		return LOOKUP_NONE;
	if (lookup_ip_eq(d, q))
		return d->port == q->port ? LOOKUP_EXACT : LOOKUP_NONE;
	if (kind != TLS_DOM_SERVER || !lookup_addr_any(d) ||
	    (d->family == AF_INET && q->family != AF_INET))
		return LOOKUP_NONE;
	return d->port == q->port ? LOOKUP_WILD : LOOKUP_NONE;
}

/* Tie-break among equal address matches: the named one, then an unnamed. */
static int lookup_name_score(const struct tls_dom_id *id, const char *name)
{
	if (name && id->server_name[0] && !strcasecmp(id->server_name, name))
		return 2;
	return id->server_name[0] ? 0 : 1;
}

int tls_lookup(const void *first, unsigned n, size_t stride,
	       enum tls_dom_kind kind, const struct sockaddr *addr,
	       const char *server_name)
{
	const struct tls_dom_id *id;
	struct lookup_addr q, d;
	enum lookup_rank rank, best_rank = LOOKUP_NONE;
	int best = -1, best_score = -1, def = -1, score;
	unsigned i;

	if (!first || !stride)
		return -1;
	if (server_name && !*server_name)
		server_name = NULL;
	lookup_addr_get(addr, &q);
	for (i = 0; i < n && i <= INT_MAX; i++) {
		id = (const void *)((const char *)first + (size_t)i * stride);
		if (id->kind != kind)
			continue;
		if (id->is_default) {
			if (def < 0)
				def = (int)i;
			continue;
		}
		lookup_addr_get((const struct sockaddr *)&id->addr, &d);
		rank = lookup_rank_addr(&d, &q, kind);
		if (rank == LOOKUP_NONE && kind == TLS_DOM_CLIENT && server_name &&
		    id->server_name[0] &&
		    !strcasecmp(id->server_name, server_name))
			rank = LOOKUP_NAME;
		if (rank == LOOKUP_NONE)
			continue;
		score = lookup_name_score(id, server_name);
		/* a named server domain serves only clients asking for it */
		if (kind == TLS_DOM_SERVER && score == 0)
			continue;
		if (best < 0 || rank < best_rank ||
		    (rank == best_rank && score > best_score)) {
			best = (int)i;
			best_rank = rank;
			best_score = score;
		}
	}
	return best >= 0 ? best : def;
}
