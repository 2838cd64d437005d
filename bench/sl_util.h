/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers the bench programs share (prefix: slu_): the loopback-only
 * address check and a monotonic clock. Header-only so that each program
 * stays one file plus this.
 */
#ifndef SL_UTIL_H
#define SL_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static inline uint64_t slu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Parse @host/@port into @ss. Only loopback is accepted (127.0.0.0/8 and
 * ::1): the bench programs generate load and must never be pointed at
 * somebody else's machine. Returns 0, or -1 with a message in @err.
 */
static inline int slu_loopback_addr(const char *host, int port,
				    struct sockaddr_storage *ss,
				    socklen_t *len, char *err, size_t errlen)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (port < 1 || port > 65535) {
		snprintf(err, errlen, "port %d: not in 1..65535", port);
		return -1;
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		if ((ntohl(s4->sin_addr.s_addr) >> 24) != 127) {
			snprintf(err, errlen, "%s: not a loopback address "
				 "(only 127.0.0.0/8 and ::1 are allowed)",
				 host);
			return -1;
		}
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr)) {
			snprintf(err, errlen, "%s: not a loopback address "
				 "(only 127.0.0.0/8 and ::1 are allowed)",
				 host);
			return -1;
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	snprintf(err, errlen, "%s: not a numeric IPv4 or IPv6 address", host);
	return -1;
}

/* "127.0.0.1:5061" or "[::1]:5061" for @ss. */
static inline void slu_addr_str(const struct sockaddr_storage *ss, char *out,
				size_t outlen)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(out, outlen, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(out, outlen, "%s:%u", ip, ntohs(s4->sin_port));
	}
}

#endif
