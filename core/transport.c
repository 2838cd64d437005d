/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Transport registry and the built-in TCP transport (prefix: transport_,
 * tcp_).
 *
 * TCP goes through the same operations table as a module's transport, so
 * the core has one stream path and the module contract is exercised by
 * every TCP test.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <sipcore/log.h>
#include <sipcore/transport.h>

#include "transport_int.h"

#define TRANSPORT_MAX 8

static const struct sc_transport_ops *transports[TRANSPORT_MAX];
static unsigned ntransports;
static char disabled[TRANSPORT_MAX][16];
static unsigned ndisabled;

int transport_disable(const char *name)
{
	if (ndisabled == TRANSPORT_MAX || strlen(name) >= sizeof(disabled[0]))
		return -1;
	snprintf(disabled[ndisabled++], sizeof(disabled[0]), "%s", name);
	return 0;
}

int transport_disabled(const char *name)
{
	unsigned i;

	for (i = 0; i < ndisabled; i++)
		if (strcmp(disabled[i], name) == 0)
			return 1;
	return 0;
}

int sc_transport_register(const struct sc_transport_ops *ops)
{
	if (!ops || !ops->name || !ops->read || !ops->write || !ops->cleanup) {
		SC_ERR("transport registration refused: name, read, write and "
		       "cleanup are required");
		return -1;
	}
	if (transport_disabled(ops->name)) {
		SC_INFO("transport '%s' is disabled (disable_%s=1): not "
			"registered", ops->name, ops->name);
		return 0;
	}
	if (sc_transport_find(ops->name)) {
		SC_ERR("transport '%s' is already registered", ops->name);
		return -1;
	}
	if (ntransports == TRANSPORT_MAX) {
		SC_ERR("transport '%s': too many transports (max %d)",
		       ops->name, TRANSPORT_MAX);
		return -1;
	}
	transports[ntransports++] = ops;
	SC_INFO("transport '%s' registered", ops->name);
	return 0;
}

const struct sc_transport_ops *sc_transport_find(const char *name)
{
	unsigned i;

	for (i = 0; i < ntransports; i++)
		if (strcmp(transports[i]->name, name) == 0)
			return transports[i];
	return NULL;
}

enum sc_proto transport_proto_of(const char *name)
{
	if (strcmp(name, "udp") == 0)
		return SC_PROTO_UDP;
	if (strcmp(name, "tcp") == 0)
		return SC_PROTO_TCP;
	if (strcmp(name, "tls") == 0)
		return SC_PROTO_TLS;
	return SC_PROTO_OTHER;
}

static ssize_t tcp_read(struct sc_conn *c, void *buf, size_t len)
{
	ssize_t n;

	do {
		n = recv(c->fd, buf, len, 0);
	} while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return SC_IO_AGAIN;
	SC_CLOG(SC_L_INFO, c, "recv failed: %s", strerror(errno));
	return SC_IO_ERROR;
}

static ssize_t tcp_write(struct sc_conn *c, const void *buf, size_t len)
{
	ssize_t n;

	do {
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return SC_IO_AGAIN;
	SC_CLOG(SC_L_INFO, c, "send failed: %s", strerror(errno));
	return SC_IO_ERROR;
}

static void tcp_cleanup(struct sc_conn *c)
{
	(void)c;
}

const struct sc_transport_ops transport_tcp_ops = {
	.name = "tcp",
	.default_port = 5060,
	.read = tcp_read,
	.write = tcp_write,
	.cleanup = tcp_cleanup,
};

int transport_builtin_init(void)
{
	return sc_transport_register(&transport_tcp_ops);
}
