/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scresp: a UDP SIP responder for the relay benchmark (prefix: sr_).
 *
 * Answers every request with 200 OK: the Via, From, To (with a tag added
 * when it has none), Call-ID and CSeq lines copied, no body. Replies are
 * ignored. Loopback only, bounded in time (--time), stops on SIGTERM or
 * SIGINT; prints how many requests it answered.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>

#include "sl_util.h"

#define SR_MAX 65536
#define SR_BATCH 64

static volatile sig_atomic_t sr_stop;

static void sr_on_signal(int sig)
{
	(void)sig;
	sr_stop = 1;
}

/* Is line @l (of @len bytes) the header @name or its compact form @c? */
static int sr_is(const char *l, size_t len, const char *name, char c)
{
	size_t n = strlen(name), i;

	if (len > n && !strncasecmp(l, name, n))
		i = n;
	else if (len > 1 && (l[0] == c || l[0] == (c ^ 0x20)))
		i = 1;
	else
		return 0;
	while (i < len && (l[i] == ' ' || l[i] == '\t'))
		i++;
	return i < len && l[i] == ':';
}

/* The 200 for request @req into @out; its length, or -1 to ignore. */
static int sr_answer(const char *req, size_t len, char *out, size_t cap)
{
	const char *end = memmem(req, len, "\r\n\r\n", 4), *l, *nl;
	size_t o;
	int n;

	if (!end || len < 8 || !memcmp(req, "SIP/2.0 ", 8))
		return -1;
	n = snprintf(out, cap, "SIP/2.0 200 OK\r\n");
	o = (size_t)n;
	l = memchr(req, '\n', len);
	for (l = l ? l + 1 : end; l < end + 2; l = nl + 1) {
		size_t ll;
		int to;

		nl = memchr(l, '\n', (size_t)(end + 2 - l));
		if (!nl)
			break;
		ll = (size_t)(nl - l) + 1;
		to = sr_is(l, ll, "To", 't');
		if (!(sr_is(l, ll, "Via", 'v') || sr_is(l, ll, "From", 'f') ||
		      to || sr_is(l, ll, "Call-ID", 'i') ||
		      sr_is(l, ll, "CSeq", '\0')))
			continue;
		if (o + ll + 32 > cap)
			return -1;
		if (to && !memmem(l, ll, ";tag=", 5)) {
			/* the line without its CRLF, then a tag */
			size_t body = ll >= 2 ? ll - 2 : ll;

			memcpy(out + o, l, body);
			o += body;
			o += (size_t)snprintf(out + o, cap - o,
					      ";tag=scresp\r\n");
		} else {
			memcpy(out + o, l, ll);
			o += ll;
		}
	}
	n = snprintf(out + o, cap - o,
		     "Server: scresp\r\nContent-Length: 0\r\n\r\n");
	if (n < 0 || (size_t)n >= cap - o)
		return -1;
	return (int)(o + (size_t)n);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = sr_on_signal };
	struct sockaddr_storage ss;
	socklen_t sslen;
	static char in[SR_MAX + 1], out[SR_MAX];
	unsigned long answered = 0;
	double secs = 600;
	uint64_t end;
	char err[160];
	int fd, c;

	if (argc < 3) {
		fprintf(stderr, "usage: scresp IP PORT [--time SECS]\n"
			"  answers 200 to every SIP request over UDP on the "
			"loopback IP:PORT\n");
		return 2;
	}
	if (argc == 5 && !strcmp(argv[3], "--time"))
		secs = atof(argv[4]);
	if (secs <= 0 || secs > 86400) {
		fprintf(stderr, "scresp: --time: 0..86400 seconds\n");
		return 2;
	}
	if (slu_loopback_addr(argv[1], atoi(argv[2]), &ss, &sslen, err,
			      sizeof(err)) < 0) {
		fprintf(stderr, "scresp: %s\n", err);
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sslen) < 0) {
		fprintf(stderr, "scresp: %s:%s: %s\n", argv[1], argv[2],
			strerror(errno));
		return 1;
	}
	c = 4 * 1024 * 1024;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &c, sizeof(c));
	fprintf(stderr, "scresp: answering on %s:%s\n", argv[1], argv[2]);
	end = slu_now_ns() + (uint64_t)(secs * 1e9);
	while (!sr_stop && slu_now_ns() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int i;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		for (i = 0; i < SR_BATCH; i++) {
			struct sockaddr_storage from;
			socklen_t flen = sizeof(from);
			ssize_t n = recvfrom(fd, in, SR_MAX, 0,
					     (struct sockaddr *)&from, &flen);
			int len;

			if (n < 0)
				break;
			len = sr_answer(in, (size_t)n, out, sizeof(out));
			if (len < 0)
				continue;
			if (sendto(fd, out, (size_t)len, 0,
				   (struct sockaddr *)&from, flen) == len)
				answered++;
		}
	}
	close(fd);
	fprintf(stderr, "scresp: answered %lu requests\n", answered);
	return 0;
}
