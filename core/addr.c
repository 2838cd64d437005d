/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Socket addresses as text, and back (prefix: sc_addr, addr_).
 *
 * A leaf: it depends on nothing else of the core, and everything that
 * writes or reads an address uses it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <sipcore/addr.h>

const char *sc_addr_ip_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *bin = NULL;

	if (len)
		buf[0] = '\0';
	if (sa->sa_family == AF_INET6)
		bin = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	else if (sa->sa_family == AF_INET)
		bin = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	if (!bin || !inet_ntop(sa->sa_family, bin, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

unsigned short sc_addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)
			     ->sin6_port);
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)
			     ->sin_port);
	return 0;
}

const char *sc_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN + 1];

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) {
		snprintf(buf, len, "?");
		return buf;
	}
	sc_addr_ip_str(sa, ip, sizeof(ip));
	snprintf(buf, len, sa->sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 ip, sc_addr_port(sa));
	return buf;
}

int sc_addr_from_ip(const char *ip, unsigned short port,
		    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

/* 1..65535, digits only. */
static int addr_port(const char *s, size_t len, unsigned short *port)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

enum sc_addr_err sc_addr_parse(const char *s, size_t len, int port_optional,
			       struct sockaddr_storage *ss, socklen_t *sslen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *end = s + len, *hs, *he, *colon;
	unsigned short port = 0;
	int v6 = 0;

	if (len && s[0] == '[') {
		hs = s + 1;
		he = memchr(hs, ']', (size_t)(end - hs));
		if (!he)
			return SC_ADDR_E_IPV6;
		colon = he + 1 < end ? he + 1 : NULL;
		if (colon && *colon != ':')
			return SC_ADDR_E_AFTER;
		v6 = 1;
	} else {
		hs = s;
		colon = NULL;
		for (he = s; he < end; he++)
			if (*he == ':') {
				if (colon)
					return SC_ADDR_E_BRACKETS;
				colon = he;
			}
		he = colon ? colon : end;
	}
	if (!colon) {
		if (!port_optional)
			return SC_ADDR_E_NO_PORT;
	} else if (addr_port(colon + 1, (size_t)(end - colon - 1), &port) < 0) {
		return SC_ADDR_E_PORT;
	}
	if ((size_t)(he - hs) >= sizeof(host))
		return v6 ? SC_ADDR_E_IPV6 : SC_ADDR_E_IPV4;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (sc_addr_from_ip(host, port, ss, sslen) < 0 ||
	    (ss->ss_family == AF_INET6) != v6)
		return v6 ? SC_ADDR_E_IPV6 : SC_ADDR_E_IPV4;
	return SC_ADDR_OK;
}

const char *sc_addr_strerror(enum sc_addr_err e)
{
	switch (e) {
	case SC_ADDR_OK: return "ok";
	case SC_ADDR_E_NO_PORT: return "port missing";
	case SC_ADDR_E_PORT: return "the port must be a number from 1 to 65535";
	case SC_ADDR_E_BRACKETS:
		return "an IPv6 address must be written in brackets, "
		       "[IPv6]:port";
	case SC_ADDR_E_AFTER: return "expected ':port' after ']'";
	case SC_ADDR_E_IPV6: return "not an IPv6 address in brackets";
	case SC_ADDR_E_IPV4:
		return "not an IPv4 address (host names are not accepted)";
	}
	return "bad address";
}

int sc_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a;
		const struct sockaddr_in6 *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return 0;
}
