/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A hostile TLS 1.2 client for the tests (prefix: fl_): it completes a
 * handshake, then sends nothing but warning alerts, as fast as it can,
 * until the server closes or SECONDS have passed.
 *
 * Usage: tls_alert_flood HOST PORT SECONDS [ask]
 *
 * The alerts are encrypted into memory in batches and written with one
 * blocking send per batch, so the client stays ahead of a server that
 * reads them one record at a time. Prints "flooding N" after each batch
 * written (N alerts so far) and "sent N alerts" at the end. With "ask",
 * it then sends an OPTIONS request over the same connection and prints
 * the first line of the answer ("answer: SIP/2.0 200 OK"), waiting at
 * most a minute: the server must have read every alert before it.
 * Exit status: 0 done, 1 setup or handshake failed, 3 the server closed
 * the connection, 4 no answer.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>

#define FL_BATCH 4096
#define FL_BUF_MAX (FL_BATCH * 64)
#define FL_ANSWER_MS 60000

struct fl_buf {
	unsigned char data[FL_BUF_MAX];
	size_t len;
};

static ssize_t fl_push(gnutls_transport_ptr_t p, const void *data, size_t n)
{
	struct fl_buf *b = p;

	if (n > sizeof(b->data) - b->len) {
		errno = ENOBUFS;
		return -1;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
	return (ssize_t)n;
}

static int fl_connect(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *a;
	int fd = -1;

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static int fl_send_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void fl_fail(const char *what, int rc)
{
	fprintf(stderr, "tls_alert_flood: %s: %s (%s)\n", what,
		gnutls_strerror_name(rc) ? gnutls_strerror_name(rc) : "?",
		gnutls_strerror(rc));
}

/* One OPTIONS over the flooded connection; 0 when an answer came. */
static int fl_ask(gnutls_session_t s, int fd, struct fl_buf *buf,
		  const char *host, const char *port)
{
	char req[512], ans[4096];
	size_t got = 0;
	ssize_t n;
	int len, rc;

	len = snprintf(req, sizeof(req),
		       "OPTIONS sip:%s:%s SIP/2.0\r\n"
		       "Via: SIP/2.0/TLS %s:%s;branch=z9hG4bKflood1\r\n"
		       "Max-Forwards: 70\r\n"
		       "From: <sip:flood@%s>;tag=fl1\r\n"
		       "To: <sip:%s:%s>\r\n"
		       "Call-ID: flood1@test\r\n"
		       "CSeq: 1 OPTIONS\r\n"
		       "Content-Length: 0\r\n\r\n",
		       host, port, host, port, host, host, port);
	buf->len = 0;
	rc = (int)gnutls_record_send(s, req, (size_t)len);
	if (rc < 0) {
		fl_fail("gnutls_record_send()", rc);
		return -1;
	}
	if (fl_send_all(fd, buf->data, buf->len) < 0)
		return -1;
	while (got < sizeof(ans) - 1) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (!gnutls_record_check_pending(s) &&
		    poll(&pfd, 1, FL_ANSWER_MS) <= 0)
			return -1;
		n = gnutls_record_recv(s, ans + got, sizeof(ans) - 1 - got);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
		ans[got] = '\0';
		if (strstr(ans, "\r\n")) {
			printf("answer: %.*s\n", (int)strcspn(ans, "\r\n"),
			       ans);
			return 0;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	static struct fl_buf buf;
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	unsigned long long sent = 0;
	time_t end;
	int fd, rc, i, status = 0;

	if (argc != 4 && !(argc == 5 && !strcmp(argv[4], "ask"))) {
		fprintf(stderr, "usage: %s HOST PORT SECONDS [ask]\n",
			argv[0]);
		return 1;
	}
	end = time(NULL) + atoi(argv[3]);
	fd = fl_connect(argv[1], argv[2]);
	if (fd < 0) {
		perror("tls_alert_flood: connect");
		return 1;
	}
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_init(&s, GNUTLS_CLIENT) < 0)
		return 1;
	/* TLS 1.2: under TLS 1.3 every alert but close_notify is fatal */
	rc = gnutls_priority_set_direct(s, "NORMAL:-VERS-ALL:+VERS-TLS1.2",
					NULL);
	if (rc >= 0)
		rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	if (rc < 0) {
		fl_fail("session setup", rc);
		return 1;
	}
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, 10000);
	do {
		rc = gnutls_handshake(s);
	} while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc < 0) {
		fl_fail("gnutls_handshake()", rc);
		return 1;
	}
	/* records go to memory, replies still come from the socket */
	gnutls_transport_set_ptr2(s, (gnutls_transport_ptr_t)(intptr_t)fd,
				  &buf);
	gnutls_transport_set_push_function(s, fl_push);
	while (time(NULL) < end) {
		buf.len = 0;
		for (i = 0; i < FL_BATCH; i++) {
			rc = gnutls_alert_send(s, GNUTLS_AL_WARNING,
					       GNUTLS_A_USER_CANCELED);
			if (rc < 0) {
				fl_fail("gnutls_alert_send()", rc);
				return 1;
			}
		}
		if (fl_send_all(fd, buf.data, buf.len) < 0) {
			status = 3;
			break;
		}
		sent += FL_BATCH;
		printf("flooding %llu\n", sent);
		fflush(stdout);
	}
	printf("sent %llu alerts\n", sent);
	if (!status && argc == 5 && fl_ask(s, fd, &buf, argv[1], argv[2]) < 0)
		status = 4;
	fflush(stdout);
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	close(fd);
	return status;
}
