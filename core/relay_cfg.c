/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The relay's settings as text (prefix: relay_cfg_).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sipcore/addr.h>

#include "relay_cfg.h"

static int cfg_proto(const char *v, size_t n, enum sc_proto *p)
{
	if (n == 3 && !strncmp(v, "udp", 3))
		*p = SC_PROTO_UDP;
	else if (n == 3 && !strncmp(v, "tcp", 3))
		*p = SC_PROTO_TCP;
	else if (n == 3 && !strncmp(v, "tls", 3))
		*p = SC_PROTO_TLS;
	else
		return -1;
	return 0;
}

/* A host name as DNS allows it: labels of letters, digits and '-'. */
static int cfg_is_name(const char *h)
{
	size_t n = strlen(h), i;

	if (!n || n >= RELAY_HOST_MAX || h[0] == '.' || h[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		      (h[i] >= 'A' && h[i] <= 'Z') ||
		      (h[i] >= '0' && h[i] <= '9') || h[i] == '-' ||
		      h[i] == '.'))
			return 0;
	return 1;
}

static int cfg_resolve(const char *host, unsigned short port,
		       struct relay_dst *d, char *why, size_t whylen)
{
	struct addrinfo hints, *res = NULL;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	r = getaddrinfo(host, NULL, &hints, &res);
	if (r != 0 || !res) {
		snprintf(why, whylen, "cannot resolve '%s': %s", host,
			 r ? gai_strerror(r) : "no address");
		return -1;
	}
	memcpy(&d->addr, res->ai_addr, res->ai_addrlen);
	d->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	if (d->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&d->addr)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&d->addr)->sin6_port = htons(port);
	return 0;
}

int relay_cfg_dst(const char *v, struct relay_dst *d, char *why,
		  size_t whylen)
{
	static const char usage[] = "expected udp:HOST[:PORT], tcp:..., "
				    "tls:... with HOST an address ([IPv6] "
				    "in brackets) or a name";
	const char *colon = strchr(v, ':'), *h, *pe;
	char host[RELAY_HOST_MAX];
	unsigned long port = 0;
	char *end;
	size_t hl;

	memset(d, 0, sizeof(*d));
	if (!colon || cfg_proto(v, (size_t)(colon - v), &d->proto) < 0) {
		snprintf(why, whylen, "bad forward_to '%.80s' (%s)", v, usage);
		return -1;
	}
	h = colon + 1;
	if (*h == '[') {
		pe = strchr(h, ']');
		if (!pe)
			goto bad;
		hl = (size_t)(pe - h - 1);
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, h + 1, hl);
		host[hl] = '\0';
		pe++;
	} else {
		pe = strchr(h, ':');
		if (!pe)
			pe = h + strlen(h);
		hl = (size_t)(pe - h);
		if (!hl || hl >= sizeof(host))
			goto bad;
		memcpy(host, h, hl);
		host[hl] = '\0';
	}
	if (*pe == ':') {
		port = strtoul(pe + 1, &end, 10);
		if (pe[1] < '0' || pe[1] > '9' || *end || port < 1 ||
		    port > 65535) {
			snprintf(why, whylen, "bad port in forward_to '%.80s' "
				 "(expected 1..65535)", v);
			return -1;
		}
	} else if (*pe) {
		goto bad;
	}
	if (!port)
		port = d->proto == SC_PROTO_TLS ? 5061 : 5060;
	snprintf(d->host, sizeof(d->host), "%s", host);
	if (sc_addr_from_ip(host, (unsigned short)port, &d->addr,
			    &d->addrlen) == 0) {
		if (*h == '[' && d->addr.ss_family != AF_INET6)
			goto bad;
		d->host_is_ip = 1;
		return 0;
	}
	if (*h == '[' || !cfg_is_name(host))
		goto bad;
	return cfg_resolve(host, (unsigned short)port, d, why, whylen);
bad:
	snprintf(why, whylen, "bad forward_to '%.80s' (%s)", v, usage);
	return -1;
}

void relay_cfg_net_of(const struct sockaddr *sa, struct relay_net *net)
{
	memset(net, 0, sizeof(*net));
	net->family = sa->sa_family;
	if (sa->sa_family == AF_INET) {
		memcpy(net->addr, &((const struct sockaddr_in *)(const void *)
				    sa)->sin_addr, 4);
		net->bits = 32;
	} else {
		memcpy(net->addr, &((const struct sockaddr_in6 *)(const void *)
				    sa)->sin6_addr, 16);
		net->bits = 128;
	}
}

static int cfg_net(const char *s, struct relay_net *net)
{
	char buf[64], *slash;
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned long bits;
	char *end;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (sc_addr_from_ip(buf, 0, &ss, &len) < 0)
		return -1;
	relay_cfg_net_of((struct sockaddr *)&ss, net);
	if (!slash)
		return 0;
	bits = strtoul(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end || bits > net->bits)
		return -1;
	net->bits = (unsigned)bits;
	return 0;
}

int relay_cfg_nets(const char *v, struct relay_net *nets, unsigned max,
		   char *why, size_t whylen)
{
	char item[80];
	unsigned n = 0;

	while (*v) {
		size_t l;

		v += strspn(v, ", \t");
		l = strcspn(v, ", \t");
		if (!l)
			break;
		if (l >= sizeof(item)) {
			snprintf(why, whylen, "bad forward_from entry "
				 "'%.40s...'", v);
			return -1;
		}
		if (n == max) {
			snprintf(why, whylen, "too many forward_from entries "
				 "(at most %u)", max);
			return -1;
		}
		memcpy(item, v, l);
		item[l] = '\0';
		if (cfg_net(item, &nets[n]) < 0) {
			snprintf(why, whylen, "bad forward_from entry '%s' "
				 "(expected an IPv4 or IPv6 address, "
				 "optionally /PREFIX)", item);
			return -1;
		}
		n++;
		v += l;
	}
	if (!n) {
		snprintf(why, whylen, "forward_from is empty (expected "
			 "addresses or CIDRs, e.g. 192.0.2.10, 10.0.0.0/8)");
		return -1;
	}
	return (int)n;
}

int relay_cfg_net_match(const struct relay_net *nets, unsigned n,
			const struct sockaddr *sa)
{
	struct relay_net a;
	unsigned i, b;

	if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr)) {
		struct sockaddr_in v4 = { .sin_family = AF_INET };

		memcpy(&v4.sin_addr, ((const struct sockaddr_in6 *)
				      (const void *)sa)->sin6_addr.s6_addr + 12,
		       4);
		relay_cfg_net_of((struct sockaddr *)&v4, &a);
	} else {
		relay_cfg_net_of(sa, &a);
	}
	for (i = 0; i < n; i++) {
		const struct relay_net *x = &nets[i];

		if (x->family != a.family)
			continue;
		for (b = 0; b < x->bits; b++) {
			uint8_t m = (uint8_t)(0x80u >> (b & 7));

			if ((x->addr[b >> 3] & m) != (a.addr[b >> 3] & m))
				break;
		}
		if (b == x->bits)
			return 1;
	}
	return 0;
}
