/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Non-blocking DNS for the relay (prefix: dns_).
 *
 * A worker must never wait for a name server, so each has its own c-ares
 * channel whose sockets are watched by the worker's epoll loop and whose
 * retransmissions run on a core timer. RFC 3263 4.2 without NAPTR: for a
 * SIP host without a port, the SRV records of the transport's service
 * first, then the A/AAAA records of the target; otherwise A/AAAA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <ares.h>

#include <sipcore/log.h>
#include <sipcore/timer.h>

#include "dns.h"
#include "loop.h"

#define DNS_MAX_SOCKS 16
#define DNS_MAX_PENDING 1024
#define DNS_NAME_MAX 256
#define DNS_CLASS_IN 1
#define DNS_TYPE_SRV 33

struct dns_sock {
	struct loop_fd lf;
	int used;
};

struct dns_q {
	char name[DNS_NAME_MAX];
	char target[DNS_NAME_MAX];
	unsigned short port;
	enum sc_proto proto;
	dns_done_f done;
	void *arg;
};

static ares_channel dns_ch;
static int dns_ready;
static char *dns_servers;
static unsigned dns_timeout_ms = 2000;
static struct dns_sock dns_socks[DNS_MAX_SOCKS];
static struct sc_timer dns_timer;
static unsigned dns_n;

int dns_setup(const char *servers, unsigned timeout_ms, char *err,
	      size_t errlen)
{
	int r = ares_library_init(ARES_LIB_INIT_ALL);

	if (r != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(r));
		return -1;
	}
	dns_timeout_ms = timeout_ms;
	if (servers && *servers) {
		ares_channel ch;

		/* check the list now, in the master: a typo stops startup */
		r = ares_init(&ch);
		if (r == ARES_SUCCESS) {
			r = ares_set_servers_ports_csv(ch, servers);
			ares_destroy(ch);
		}
		if (r != ARES_SUCCESS) {
			snprintf(err, errlen, "dns_servers '%s': %s", servers,
				 ares_strerror(r));
			return -1;
		}
		dns_servers = strdup(servers);
		if (!dns_servers) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

unsigned dns_pending(void)
{
	return dns_n;
}

/* Run c-ares' own timeouts when they are due, and arm the next. */
static void dns_arm(void)
{
	struct timeval max = { .tv_sec = 5 }, tv, *t;

	t = ares_timeout(dns_ch, &max, &tv);
	if (!dns_n) {
		sc_timer_del(&dns_timer);
		return;
	}
	sc_timer_add(&dns_timer, (uint64_t)t->tv_sec * 1000u +
		     (uint64_t)t->tv_usec / 1000u + 1);
}

static void dns_tick(struct sc_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	ares_process_fd(dns_ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	dns_arm();
}

static void dns_event(struct loop_fd *lf, uint32_t ev)
{
	ares_socket_t fd = lf->fd;

	ares_process_fd(dns_ch,
			ev & (EPOLLIN | EPOLLERR | EPOLLHUP) ? fd
							     : ARES_SOCKET_BAD,
			ev & EPOLLOUT ? fd : ARES_SOCKET_BAD);
	dns_arm();
}

/* c-ares opens, closes and changes interest in its sockets through this. */
static void dns_sock_state(void *data, ares_socket_t fd, int readable,
			   int writable)
{
	struct dns_sock *s = NULL, *free_s = NULL;
	uint32_t ev = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	unsigned i;

	(void)data;
	for (i = 0; i < DNS_MAX_SOCKS; i++) {
		if (dns_socks[i].used && dns_socks[i].lf.fd == fd)
			s = &dns_socks[i];
		else if (!dns_socks[i].used && !free_s)
			free_s = &dns_socks[i];
	}
	if (!ev) {
		if (s) {
			loop_del(&s->lf);
			s->used = 0;
		}
		return;
	}
	if (s) {
		loop_mod(&s->lf, ev);
		return;
	}
	if (!free_s || loop_add(&free_s->lf, fd, ev, dns_event) < 0) {
		SC_LOG_RL(SC_L_ERR, "dns: cannot watch a resolver socket");
		return;
	}
	free_s->used = 1;
}

int dns_worker_init(void)
{
	struct ares_options o;
	int r;

	memset(&o, 0, sizeof(o));
	o.sock_state_cb = dns_sock_state;
	o.timeout = (int)dns_timeout_ms;
	o.tries = 2;
	r = ares_init_options(&dns_ch, &o, ARES_OPT_SOCK_STATE_CB |
			      ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (r != ARES_SUCCESS) {
		SC_ERR("dns: c-ares: %s", ares_strerror(r));
		return -1;
	}
	if (dns_servers) {
		r = ares_set_servers_ports_csv(dns_ch, dns_servers);
		if (r != ARES_SUCCESS) {
			SC_ERR("dns: servers '%s': %s", dns_servers,
			       ares_strerror(r));
			return -1;
		}
	}
	sc_timer_init(&dns_timer, dns_tick, NULL);
	dns_ready = 1;
	return 0;
}

static void dns_finish(struct dns_q *q, const struct sockaddr *sa,
		       socklen_t len, const char *why)
{
	dns_n--;
	q->done(q->arg, sa, len, q->target, why);
	free(q);
}

static void dns_addr_done(void *arg, int status, int timeouts,
			  struct ares_addrinfo *res)
{
	struct dns_q *q = arg;
	struct ares_addrinfo_node *n;
	struct sockaddr_storage ss;
	char why[DNS_NAME_MAX + 64];

	(void)timeouts;
	if (status != ARES_SUCCESS || !res || !res->nodes) {
		snprintf(why, sizeof(why), "no address for %s: %s", q->target,
			 ares_strerror(status));
		if (res)
			ares_freeaddrinfo(res);
		dns_finish(q, NULL, 0, why);
		return;
	}
	n = res->nodes;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, n->ai_addr, n->ai_addrlen);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(q->port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(q->port);
	dns_finish(q, (struct sockaddr *)&ss, n->ai_addrlen, NULL);
	ares_freeaddrinfo(res);
}

static void dns_addr(struct dns_q *q)
{
	struct ares_addrinfo_hints h;

	memset(&h, 0, sizeof(h));
	h.ai_family = AF_UNSPEC;
	h.ai_socktype = q->proto == SC_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	ares_getaddrinfo(dns_ch, q->target, NULL, &h, dns_addr_done, q);
}

/*
 * The best SRV record: the lowest priority, and among those the highest
 * weight (RFC 2782 asks for a weighted random choice; a relay that always
 * picks the same target keeps its connections reused).
 */
static const struct ares_srv_reply *dns_best_srv(
	const struct ares_srv_reply *r)
{
	const struct ares_srv_reply *best = NULL;

	for (; r; r = r->next) {
		if (!r->host || !strcmp(r->host, "."))
			continue; /* "service decidedly not available" */
		if (!best || r->priority < best->priority ||
		    (r->priority == best->priority && r->weight > best->weight))
			best = r;
	}
	return best;
}

static void dns_srv_done(void *arg, int status, int timeouts,
			 unsigned char *abuf, int alen)
{
	struct dns_q *q = arg;
	struct ares_srv_reply *srv = NULL;
	const struct ares_srv_reply *best;

	(void)timeouts;
	if (status == ARES_SUCCESS &&
	    ares_parse_srv_reply(abuf, alen, &srv) == ARES_SUCCESS &&
	    (best = dns_best_srv(srv))) {
		snprintf(q->target, sizeof(q->target), "%s", best->host);
		q->port = best->port;
	}
	if (srv)
		ares_free_data(srv);
	if (!q->port) /* no SRV record: the name itself (RFC 3263 4.2) */
		q->port = q->proto == SC_PROTO_TLS ? 5061 : 5060;
	dns_addr(q);
}

int dns_sip_lookup(const char *name, unsigned short port, enum sc_proto proto,
		   dns_done_f done, void *arg)
{
	char srv[DNS_NAME_MAX + 16];
	struct dns_q *q;

	if (!dns_ready || strlen(name) >= DNS_NAME_MAX)
		return -1;
	if (dns_n >= DNS_MAX_PENDING) {
		SC_LOG_RL(SC_L_WARN, "dns: %u lookups in flight already, %s "
			  "refused", dns_n, name);
		return -1;
	}
	q = calloc(1, sizeof(*q));
	if (!q)
		return -1;
	snprintf(q->name, sizeof(q->name), "%s", name);
	snprintf(q->target, sizeof(q->target), "%s", name);
	q->port = port;
	q->proto = proto;
	q->done = done;
	q->arg = arg;
	dns_n++;
	if (port) {
		dns_addr(q);
	} else {
		snprintf(srv, sizeof(srv), "%s.%s", proto == SC_PROTO_TLS
			 ? "_sips._tcp" : proto == SC_PROTO_TCP ? "_sip._tcp"
			 : "_sip._udp", name);
		ares_query(dns_ch, srv, DNS_CLASS_IN, DNS_TYPE_SRV,
			   dns_srv_done, q);
	}
	dns_arm();
	return 0;
}
