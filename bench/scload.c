/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scload: a SIP-over-TLS load generator for loopback benchmarks
 * (prefix: sl_).
 *
 * One epoll loop per process, every socket non-blocking, every run bounded
 * in time (and optionally in count). It refuses any destination that is not
 * loopback. Modes:
 *
 *   new     connect, handshake (full or resumed), one OPTIONS, its 200,
 *           close; --conns at once, for --time seconds
 *   steady  --conns persistent connections, --window requests in flight on
 *           each, for --time seconds
 *   relay   the same as steady, against a port whose requests the server
 *           relays to a responder (bench/scresp)
 *   idle    hold --conns established connections over --procs forked
 *           processes and --src-addrs source addresses 127.0.0.x, for
 *           --hold seconds; then one OPTIONS on every one, answers counted
 *
 * Replies are framed by Content-Length; anything but a 200 is a failure.
 * Given the server's PIDs (--server-pid, --pid-file; children are found in
 * /proc), it reports the server's CPU time per operation (utime + stime)
 * and its PSS (smaps_rollup) before and after: the client shares the cores
 * with the server, so the client's rate alone says little.
 *
 * Output: one human line on stderr, one JSON line on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <gnutls/gnutls.h>

#include "sl_util.h"

#define SL_RBUF 4096          /* one connection's read buffer */
#define SL_WBUF 768           /* one request */
#define SL_MAX_CONNS 200000   /* per process */
#define SL_MAX_WINDOW 64
#define SL_MAX_PROCS 64
#define SL_MAX_SRCS 250
#define SL_MAX_SPIDS 16
#define SL_MAX_PROCS_SEEN 4096 /* server processes tracked */
#define SL_HB 32768           /* latency histogram buckets */
#define SL_EVENTS 256
#define SL_ERRLOG 5           /* error lines shown per kind */

enum sl_mode { SL_NEW, SL_STEADY, SL_RELAY, SL_IDLE };

static const char *const sl_mode_names[] = { "new", "steady", "relay",
					     "idle" };

enum sl_state {
	SL_FREE,
	SL_CONNECTING,
	SL_HANDSHAKE,
	SL_READY,   /* established, nothing asked (steady before the start) */
	SL_ASKING,  /* requests in flight */
	SL_HELD,    /* idle: answered once, now held */
};

enum sl_fail {
	SL_F_CONNECT,
	SL_F_HANDSHAKE,
	SL_F_STATUS,
	SL_F_CLOSED,
	SL_F_TIMEOUT,
	SL_F_IO,
	SL_F_NUM
};

static const char *const sl_fail_names[] = { "connect", "handshake",
					     "status", "closed", "timeout",
					     "io" };

struct sl_opts {
	enum sl_mode mode;
	char host[64];
	int port;
	struct sockaddr_storage dst;
	socklen_t dstlen;
	int conns;
	int window;
	double secs;
	double hold;
	long max_ops;
	int tls;          /* 0 any, 12, 13 */
	const char *sig;  /* any, ecdsa, rsa */
	bool resume;
	const char *priority;
	const char *ca;
	const char *label;
	const char *pidfile;
	pid_t spids[SL_MAX_SPIDS];
	int nspids;
	int procs;
	int srcs;
	int hs_max;       /* handshakes in progress at once while ramping */
	double op_timeout;
	double ramp_timeout;
};

struct sl_hist {
	uint64_t n;
	uint64_t max;
	uint64_t b[SL_HB];
};

struct sl_conn {
	int fd;
	enum sl_state state;
	gnutls_session_t s;
	uint32_t id;
	uint32_t cseq;      /* next CSeq */
	int inflight;
	bool wpending;      /* a record_send returned EAGAIN: repeat it */
	bool tried;         /* idle: each slot connects once */
	bool rblocked;      /* the socket said EAGAIN on the last read */
	uint64_t t0;        /* new: connect start */
	uint64_t deadline;  /* of the current step, 0 none */
	uint64_t *sent;     /* send time by cseq % window */
	char via[56];
	size_t rlen;
	char *rbuf;
	gnutls_datum_t sess; /* new --resume: the slot's last session */
};

struct sl_run {
	struct sl_opts *o;
	int epfd;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	struct sl_conn *c;
	int nconns;
	int src_first;      /* 127.0.0.x source addresses, x in [first, */
	int src_count;      /* first + count), 0: kernel's choice */
	int src_next;
	char uri_host[64];
	struct sl_hist *hist;
	uint64_t ops;
	uint64_t late;
	uint64_t resumed;
	uint64_t fails[SL_F_NUM];
	unsigned errlog[SL_F_NUM];
	int open;           /* sockets open */
	int handshaking;
	int established;
	int answered;       /* idle: final answers */
	bool measuring;
	bool stopping;
	uint64_t t_start;
	uint64_t t_end;
	uint64_t t_hard;    /* nothing runs past this */
};

static volatile sig_atomic_t sl_interrupted;
static int sl_exit_code;

static void sl_on_signal(int sig)
{
	(void)sig;
	sl_interrupted = 1;
}

static void sl_die(const char *fmt, ...)
{
	va_list ap;

	fputs("scload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void sl_gnutls_fatal(const char *what, int ret)
{
	sl_die("%s: %s (%s)", what, gnutls_strerror_name(ret),
	       gnutls_strerror(ret));
}

/* ---- latency histogram: ns, 1/1024 relative precision ----------------- */

static unsigned sl_hidx(uint64_t v)
{
	unsigned e, idx;

	if (v < 2048)
		return (unsigned)v;
	e = 63 - (unsigned)__builtin_clzll(v);
	idx = 2048 + (e - 11) * 1024 + (unsigned)((v >> (e - 10)) & 1023);
	return idx < SL_HB ? idx : SL_HB - 1;
}

static uint64_t sl_hval(unsigned idx)
{
	unsigned e, m;

	if (idx < 2048)
		return idx;
	e = (idx - 2048) / 1024 + 11;
	m = (idx - 2048) % 1024;
	return (uint64_t)(1024 + m) << (e - 10);
}

static void sl_hadd(struct sl_hist *h, uint64_t v)
{
	h->b[sl_hidx(v)]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

static uint64_t sl_hpct(const struct sl_hist *h, double q)
{
	uint64_t want, seen = 0;
	unsigned i;

	if (!h->n)
		return 0;
	want = (uint64_t)ceil(q * (double)h->n);
	if (want < 1)
		want = 1;
	for (i = 0; i < SL_HB; i++) {
		seen += h->b[i];
		if (seen >= want)
			return sl_hval(i) < h->max ? sl_hval(i) : h->max;
	}
	return h->max;
}

/* ---- the server's processes in /proc ---------------------------------- */

struct sl_proc {
	pid_t pid;
	uint64_t ticks;   /* utime + stime */
	uint64_t run_ns;  /* schedstat: time on CPU */
};

struct sl_snap {
	struct sl_proc p[SL_MAX_PROCS_SEEN];
	int n;
	uint64_t pss_kb;
	bool ok;
};

/* ppid and utime+stime of @pid from /proc/PID/stat; -1 if gone. */
static int sl_read_stat(pid_t pid, pid_t *ppid, uint64_t *ticks)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	int pp, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* the command name may hold blanks and parentheses */
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime */
	if (sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &pp, &ut, &st) != 3)
		return -1;
	if (p[2] == 'Z')
		return -1;
	*ppid = pp;
	*ticks = (uint64_t)ut + st;
	return 0;
}

static uint64_t sl_read_kb_field(const char *path, const char *field)
{
	char line[256];
	size_t flen = strlen(field);
	uint64_t kb = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			kb = strtoull(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

static uint64_t sl_read_run_ns(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

static bool sl_in(const pid_t *set, int n, pid_t pid)
{
	int i;

	for (i = 0; i < n; i++)
		if (set[i] == pid)
			return true;
	return false;
}

/*
 * The given PIDs and all their descendants, with their CPU times and the
 * sum of their PSS. A process tree is found by repeated passes over /proc:
 * a child is added once its parent is in the set.
 */
static void sl_snapshot(const struct sl_opts *o, struct sl_snap *sn)
{
	static pid_t pids[SL_MAX_PROCS_SEEN], ppids[SL_MAX_PROCS_SEEN];
	static pid_t set[SL_MAX_PROCS_SEEN];
	int nall = 0, nset = 0, i, grew;
	struct dirent *de;
	DIR *d;

	sn->n = 0;
	sn->pss_kb = 0;
	sn->ok = false;
	if (!o->nspids)
		return;
	d = opendir("/proc");
	if (!d)
		return;
	while ((de = readdir(d)) && nall < SL_MAX_PROCS_SEEN) {
		uint64_t t;
		char *end;
		long v = strtol(de->d_name, &end, 10);

		if (*end || v <= 0)
			continue;
		if (sl_read_stat((pid_t)v, &ppids[nall], &t) < 0)
			continue;
		pids[nall++] = (pid_t)v;
	}
	closedir(d);
	for (i = 0; i < o->nspids; i++)
		if (sl_in(pids, nall, o->spids[i]))
			set[nset++] = o->spids[i];
	do {
		grew = 0;
		for (i = 0; i < nall && nset < SL_MAX_PROCS_SEEN; i++) {
			if (sl_in(set, nset, pids[i]) ||
			    !sl_in(set, nset, ppids[i]))
				continue;
			set[nset++] = pids[i];
			grew = 1;
		}
	} while (grew);
	for (i = 0; i < nset; i++) {
		char path[64];
		pid_t pp;
		uint64_t t;

		if (sl_read_stat(set[i], &pp, &t) < 0)
			continue;
		sn->p[sn->n].pid = set[i];
		sn->p[sn->n].ticks = t;
		sn->p[sn->n].run_ns = sl_read_run_ns(set[i]);
		sn->n++;
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup",
			 (int)set[i]);
		sn->pss_kb += sl_read_kb_field(path, "Pss");
	}
	sn->ok = sn->n > 0;
}

/* CPU seconds the server spent between @a and @b: by stat and schedstat. */
static void sl_cpu_delta(const struct sl_snap *a, const struct sl_snap *b,
			 double *stat_s, double *sched_s)
{
	long tck = sysconf(_SC_CLK_TCK);
	uint64_t ticks = 0, ns = 0;
	int i, j;

	for (i = 0; i < b->n; i++) {
		uint64_t t0 = 0, n0 = 0;

		for (j = 0; j < a->n; j++) {
			if (a->p[j].pid == b->p[i].pid) {
				t0 = a->p[j].ticks;
				n0 = a->p[j].run_ns;
				break;
			}
		}
		if (b->p[i].ticks >= t0)
			ticks += b->p[i].ticks - t0;
		if (b->p[i].run_ns >= n0)
			ns += b->p[i].run_ns - n0;
	}
	*stat_s = (double)ticks / (double)(tck > 0 ? tck : 100);
	*sched_s = (double)ns / 1e9;
}

/* ---- SIP: one request out, replies framed by Content-Length ----------- */

static int sl_build(struct sl_run *r, struct sl_conn *c, uint32_t cseq,
		    char *out, size_t cap)
{
	int n = snprintf(out, cap,
		"OPTIONS sip:%s SIP/2.0\r\n"
		"Via: SIP/2.0/TLS %s;branch=z9hG4bKsl%x.%x.%x;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:scload@%s>;tag=sl%x.%x\r\n"
		"To: <sip:bench@%s>\r\n"
		"Call-ID: sl%x.%x@scload\r\n"
		"CSeq: %u OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n",
		r->uri_host, c->via, (unsigned)getpid(), c->id, cseq,
		c->via, (unsigned)getpid(), c->id, r->uri_host,
		(unsigned)getpid(), c->id, cseq);

	return n > 0 && (size_t)n < cap ? n : -1;
}

/* A header line @l (of @len bytes) named @name (or its compact @alt)? */
static const char *sl_hdr_value(const char *l, size_t len, const char *name,
				const char *alt)
{
	size_t i = 0, nl;

	while (i < len && l[i] != ':' && l[i] != ' ' && l[i] != '\t')
		i++;
	nl = i;
	if (!((strlen(name) == nl && !strncasecmp(l, name, nl)) ||
	      (alt && strlen(alt) == nl && !strncasecmp(l, alt, nl))))
		return NULL;
	while (i < len && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i >= len || l[i] != ':')
		return NULL;
	i++;
	while (i < len && (l[i] == ' ' || l[i] == '\t'))
		i++;
	return l + i;
}

/*
 * One whole message at the start of @buf? Returns its length, 0 if more
 * bytes are needed, -1 if it is no SIP reply or will not fit in @cap.
 * Sets @code and @cseq (0 when absent).
 */
static long sl_frame(const char *buf, size_t len, size_t cap, int *code,
		     uint32_t *cseq)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	const char *l, *nl;
	unsigned long clen = 0;
	size_t head;

	if (!end)
		return len >= cap ? -1 : 0;
	head = (size_t)(end - buf) + 4;
	if (len < 12 || memcmp(buf, "SIP/2.0 ", 8))
		return -1;
	*code = atoi(buf + 8);
	*cseq = 0;
	for (l = memchr(buf, '\n', head) + 1; l < end; l = nl + 1) {
		const char *v;

		nl = memchr(l, '\n', (size_t)(end + 2 - l));
		if (!nl)
			break;
		v = sl_hdr_value(l, (size_t)(nl - l), "Content-Length", "l");
		if (v)
			clen = strtoul(v, NULL, 10);
		v = sl_hdr_value(l, (size_t)(nl - l), "CSeq", NULL);
		if (v)
			*cseq = (uint32_t)strtoul(v, NULL, 10);
	}
	if (clen > cap || head + clen > cap)
		return -1;
	if (len < head + clen)
		return 0;
	return (long)(head + clen);
}

/* ---- connections ------------------------------------------------------ */

static void sl_fail(struct sl_run *r, enum sl_fail kind, const char *fmt,
		    ...)
{
	va_list ap;

	r->fails[kind]++;
	if (r->errlog[kind]++ >= SL_ERRLOG)
		return;
	fprintf(stderr, "scload[%d]: %s failure: ", (int)getpid(),
		sl_fail_names[kind]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void sl_close(struct sl_run *r, struct sl_conn *c, bool orderly)
{
	if (c->state == SL_FREE)
		return;
	if (c->state == SL_HANDSHAKE)
		r->handshaking--;
	if (c->state >= SL_READY)
		r->established--;
	if (c->s) {
		/* close_notify if it goes out at once; never wait for it */
		if (orderly)
			gnutls_bye(c->s, GNUTLS_SHUT_WR);
		gnutls_deinit(c->s);
		c->s = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		r->open--;
	}
	c->fd = -1;
	c->state = SL_FREE;
	c->inflight = 0;
	c->wpending = false;
	c->rlen = 0;
	c->deadline = 0;
}

static int sl_src_bind(struct sl_run *r, int fd)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	int one = 1, x;

	if (!r->src_count || r->o->dst.ss_family != AF_INET)
		return 0;
	x = r->src_first + r->src_next;
	r->src_next = (r->src_next + 1) % r->src_count;
	src.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)x);
	/* the port is chosen at connect() time, per destination: without
	 * this, every source address would be limited to one port range in
	 * total instead of one per destination */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	return bind(fd, (struct sockaddr *)&src, sizeof(src));
}

/*
 * Reads through this so that the loop knows whether the socket is drained:
 * with edge-triggered epoll it must be, but GnuTLS also returns
 * GNUTLS_E_AGAIN after a post-handshake message (a TLS 1.3 ticket) while
 * more bytes may wait in the socket.
 */
static ssize_t sl_pull(gnutls_transport_ptr_t p, void *buf, size_t len)
{
	struct sl_conn *c = p;
	ssize_t n = recv(c->fd, buf, len, 0);

	c->rblocked = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	return n;
}

static ssize_t sl_push(gnutls_transport_ptr_t p, const void *buf,
		       size_t len)
{
	struct sl_conn *c = p;

	return send(c->fd, buf, len, MSG_NOSIGNAL);
}

static int sl_tls_init(struct sl_run *r, struct sl_conn *c)
{
	int ret;

	ret = gnutls_init(&c->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	if (ret < 0)
		goto fail;
	ret = gnutls_priority_set(c->s, r->prio);
	if (ret < 0)
		goto fail;
	ret = gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, r->cred);
	if (ret < 0)
		goto fail;
	if (r->o->ca)
		gnutls_session_set_verify_cert(c->s, NULL, 0);
	if (r->o->resume && c->sess.data) {
		ret = gnutls_session_set_data(c->s, c->sess.data,
					      c->sess.size);
		if (ret < 0)
			goto fail;
	}
	gnutls_transport_set_ptr(c->s, c);
	gnutls_transport_set_pull_function(c->s, sl_pull);
	gnutls_transport_set_push_function(c->s, sl_push);
	return 0;
fail:
	sl_fail(r, SL_F_HANDSHAKE, "session setup: %s (%s)",
		gnutls_strerror_name(ret), gnutls_strerror(ret));
	return -1;
}

/* Start a connection in slot @c. Returns 0, or -1 (counted as failed). */
static int sl_open(struct sl_run *r, struct sl_conn *c, uint64_t now)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET };
	int one = 1;

	c->fd = socket(r->o->dst.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		sl_fail(r, SL_F_CONNECT, "socket: %s", strerror(errno));
		return -1;
	}
	r->open++;
	c->tried = true;
	c->state = SL_CONNECTING;
	c->t0 = now;
	c->deadline = now + (uint64_t)(r->o->op_timeout * 1e9);
	c->inflight = 0;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (sl_src_bind(r, c->fd) < 0) {
		sl_fail(r, SL_F_CONNECT, "bind source: %s", strerror(errno));
		goto fail;
	}
	if (connect(c->fd, (struct sockaddr *)&r->o->dst, r->o->dstlen) < 0 &&
	    errno != EINPROGRESS) {
		sl_fail(r, SL_F_CONNECT, "connect: %s", strerror(errno));
		goto fail;
	}
	ev.data.ptr = c;
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		sl_fail(r, SL_F_CONNECT, "epoll_ctl: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	sl_close(r, c, false);
	return -1;
}

/* Send what is due on @c: a repeated record, then new requests. */
static int sl_send_due(struct sl_run *r, struct sl_conn *c, uint64_t now)
{
	char req[SL_WBUF];
	ssize_t n;
	int len;

	if (c->wpending) {
		n = gnutls_record_send(c->s, NULL, 0);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			return 0;
		if (n < 0)
			goto fail;
		c->wpending = false;
	}
	if (c->state != SL_ASKING)
		return 0;
	while (c->inflight < r->o->window && !r->stopping) {
		uint32_t cseq = c->cseq++;

		len = sl_build(r, c, cseq, req, sizeof(req));
		if (len < 0) {
			sl_fail(r, SL_F_IO, "request does not fit");
			return -1;
		}
		c->sent[cseq % (uint32_t)r->o->window] = now;
		c->inflight++;
		if (!c->deadline)
			c->deadline = now + (uint64_t)(r->o->op_timeout * 1e9);
		n = gnutls_record_send(c->s, req, (size_t)len);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			c->wpending = true;
			return 0;
		}
		if (n < 0)
			goto fail;
		/* idle: one at a time */
		if (r->o->mode == SL_IDLE || r->o->mode == SL_NEW)
			break;
	}
	return 0;
fail:
	sl_fail(r, SL_F_IO, "send: %s (%s)", gnutls_strerror_name((int)n),
		gnutls_strerror((int)n));
	return -1;
}

static void sl_keep_session(struct sl_run *r, struct sl_conn *c)
{
	gnutls_datum_t d = { NULL, 0 };

	if (!r->o->resume)
		return;
	if (gnutls_session_get_data2(c->s, &d) < 0)
		return;
	gnutls_free(c->sess.data);
	c->sess = d;
}

/* A reply for @c: account it; returns 1 when the connection is done. */
static int sl_on_reply(struct sl_run *r, struct sl_conn *c, int code,
		       uint32_t cseq, uint64_t now)
{
	uint32_t w = (uint32_t)r->o->window;
	uint64_t t0;

	if (!c->inflight || cseq >= c->cseq || c->cseq - cseq > w) {
		sl_fail(r, SL_F_STATUS, "reply %d for CSeq %u not asked",
			code, cseq);
		return 1;
	}
	c->inflight--;
	c->deadline = c->inflight ? now + (uint64_t)(r->o->op_timeout * 1e9)
				  : 0;
	t0 = r->o->mode == SL_NEW ? c->t0 : c->sent[cseq % w];
	if (code != 200) {
		sl_fail(r, SL_F_STATUS, "reply %d", code);
		return 1;
	}
	if (r->o->mode == SL_IDLE) {
		if (c->state == SL_HELD || r->measuring) {
			r->answered++;
			sl_hadd(r->hist, now - t0);
			return 0;
		}
		return 0;
	}
	if (r->measuring && now <= r->t_end) {
		r->ops++;
		sl_hadd(r->hist, now - t0);
		if (r->o->mode == SL_NEW && gnutls_session_is_resumed(c->s))
			r->resumed++;
	} else {
		r->late++;
	}
	if (r->o->mode == SL_NEW) {
		sl_keep_session(r, c);
		return 1;
	}
	return 0;
}

static int sl_read(struct sl_run *r, struct sl_conn *c, uint64_t now)
{
	for (;;) {
		ssize_t n;
		long m;

		c->rblocked = false;
		n = gnutls_record_recv(c->s, c->rbuf + c->rlen,
				       SL_RBUF - c->rlen);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			if (c->rblocked && !gnutls_record_check_pending(c->s))
				return 0;
			continue;
		}
		if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION) {
			if (c->inflight || !r->stopping)
				sl_fail(r, SL_F_CLOSED,
					"server closed with %d in flight",
					c->inflight);
			return -1;
		}
		if (n < 0) {
			if (!gnutls_error_is_fatal((int)n))
				continue;
			sl_fail(r, SL_F_IO, "receive: %s (%s)",
				gnutls_strerror_name((int)n),
				gnutls_strerror((int)n));
			return -1;
		}
		c->rlen += (size_t)n;
		for (;;) {
			int code = 0;
			uint32_t cseq = 0;

			m = sl_frame(c->rbuf, c->rlen, SL_RBUF, &code, &cseq);
			if (m < 0) {
				sl_fail(r, SL_F_IO, "unframeable reply");
				return -1;
			}
			if (!m)
				break;
			memmove(c->rbuf, c->rbuf + m, c->rlen - (size_t)m);
			c->rlen -= (size_t)m;
			if (sl_on_reply(r, c, code, cseq, now))
				return 1;
		}
	}
}

static void sl_established(struct sl_run *r, struct sl_conn *c,
			   uint64_t now)
{
	struct sockaddr_storage me;
	socklen_t len = sizeof(me);

	r->handshaking--;
	r->established++;
	c->deadline = 0;
	if (getsockname(c->fd, (struct sockaddr *)&me, &len) == 0)
		slu_addr_str(&me, c->via, sizeof(c->via));
	else
		snprintf(c->via, sizeof(c->via), "127.0.0.1:9");
	c->state = SL_READY;
	/* new asks at once; idle asks once to be more than a fresh
	 * connection (servers close those that stay silent); steady and
	 * relay wait for the start */
	if (r->o->mode == SL_NEW || r->o->mode == SL_IDLE || r->measuring)
		c->state = SL_ASKING;
	(void)now;
}

/* Drive @c as far as it goes. Returns 1 when it is to be closed. */
static int sl_drive(struct sl_run *r, struct sl_conn *c, uint64_t now)
{
	int ret, err;
	socklen_t elen = sizeof(err);

	if (c->state == SL_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err == EINPROGRESS || err == EALREADY)
			return 0;
		if (err) {
			sl_fail(r, SL_F_CONNECT, "connect: %s", strerror(err));
			return 1;
		}
		if (sl_tls_init(r, c) < 0)
			return 1;
		c->state = SL_HANDSHAKE;
		r->handshaking++;
	}
	if (c->state == SL_HANDSHAKE) {
		ret = gnutls_handshake(c->s);
		if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED)
			return 0;
		if (ret < 0 && !gnutls_error_is_fatal(ret))
			return 0;
		if (ret < 0) {
			sl_fail(r, SL_F_HANDSHAKE, "handshake: %s (%s)",
				gnutls_strerror_name(ret),
				gnutls_strerror(ret));
			return 1;
		}
		sl_established(r, c, now);
	}
	if (sl_send_due(r, c, now) < 0)
		return 1;
	ret = sl_read(r, c, now);
	if (ret)
		return 1;
	if (r->o->mode == SL_IDLE && c->state == SL_ASKING &&
	    !c->inflight) {
		c->state = SL_HELD;
		return 0;
	}
	return sl_send_due(r, c, now) < 0 ? 1 : 0;
}

/* ---- the loop --------------------------------------------------------- */

static void sl_check_timeouts(struct sl_run *r, uint64_t now)
{
	int i;

	for (i = 0; i < r->nconns; i++) {
		struct sl_conn *c = &r->c[i];

		if (c->state == SL_FREE || !c->deadline || now < c->deadline)
			continue;
		sl_fail(r, SL_F_TIMEOUT, "%s timed out",
			c->state == SL_CONNECTING ? "connect" :
			c->state == SL_HANDSHAKE ? "handshake" : "reply");
		sl_close(r, c, false);
	}
}

static void sl_events(struct sl_run *r, int timeout_ms)
{
	struct epoll_event ev[SL_EVENTS];
	uint64_t now;
	int n, i;

	n = epoll_wait(r->epfd, ev, SL_EVENTS, timeout_ms);
	if (n < 0 && errno != EINTR)
		sl_die("epoll_wait: %s", strerror(errno));
	now = slu_now_ns();
	for (i = 0; i < n; i++) {
		struct sl_conn *c = ev[i].data.ptr;

		if (c->state == SL_FREE)
			continue;
		if (sl_drive(r, c, now))
			sl_close(r, c, true);
	}
}

/*
 * Open connections in free slots while few enough are pending (connecting
 * or handshaking): all of them in new mode, --hs-max while ramping up.
 */
static void sl_fill(struct sl_run *r, uint64_t now)
{
	int pending_max = r->o->mode == SL_NEW ? r->nconns : r->o->hs_max;
	int i;

	for (i = 0; i < r->nconns; i++) {
		struct sl_conn *c = &r->c[i];

		if (c->state != SL_FREE || (r->o->mode == SL_IDLE && c->tried))
			continue;
		if (r->open - r->established >= pending_max)
			break;
		if (r->o->max_ops && r->ops + (uint64_t)r->open >=
		    (uint64_t)r->o->max_ops)
			break;
		sl_open(r, c, now);
	}
}

static void sl_setup(struct sl_run *r, struct sl_opts *o, int nconns)
{
	char prio[512];
	const char *err = NULL;
	int ret, i;

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->nconns = nconns;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0)
		sl_die("epoll_create1: %s", strerror(errno));
	ret = gnutls_certificate_allocate_credentials(&r->cred);
	if (ret < 0)
		sl_gnutls_fatal("gnutls_certificate_allocate_credentials",
				ret);
	if (o->ca) {
		ret = gnutls_certificate_set_x509_trust_file(
			r->cred, o->ca, GNUTLS_X509_FMT_PEM);
		if (ret < 0)
			sl_gnutls_fatal(o->ca, ret);
	}
	if (o->priority) {
		snprintf(prio, sizeof(prio), "%s", o->priority);
	} else {
		snprintf(prio, sizeof(prio), "NORMAL%s%s",
			 o->tls == 12 ? ":-VERS-ALL:+VERS-TLS1.2" :
			 o->tls == 13 ? ":-VERS-ALL:+VERS-TLS1.3" : "",
			 !strcmp(o->sig, "ecdsa") ?
				 ":-SIGN-ALL:+SIGN-ECDSA-SECP256R1-SHA256"
				 ":+SIGN-ECDSA-SHA256" :
			 !strcmp(o->sig, "rsa") ?
				 ":-SIGN-ALL:+SIGN-RSA-PSS-RSAE-SHA256"
				 ":+SIGN-RSA-SHA256" : "");
	}
	ret = gnutls_priority_init(&r->prio, prio, &err);
	if (ret < 0)
		sl_die("priority '%s' at '%s': %s (%s)", prio, err ? err : "",
		       gnutls_strerror_name(ret), gnutls_strerror(ret));
	r->hist = calloc(1, sizeof(*r->hist));
	r->c = calloc((size_t)nconns, sizeof(*r->c));
	if (!r->hist || !r->c)
		sl_die("out of memory for %d connections", nconns);
	for (i = 0; i < nconns; i++) {
		r->c[i].fd = -1;
		r->c[i].id = (uint32_t)i;
		r->c[i].cseq = 1;
		r->c[i].sent = calloc((size_t)o->window, sizeof(uint64_t));
		r->c[i].rbuf = malloc(SL_RBUF);
		if (!r->c[i].sent || !r->c[i].rbuf)
			sl_die("out of memory for %d connections", nconns);
	}
	slu_addr_str(&o->dst, r->uri_host, sizeof(r->uri_host));
}

static void sl_teardown(struct sl_run *r)
{
	int i;

	for (i = 0; i < r->nconns; i++) {
		sl_close(r, &r->c[i], true);
		free(r->c[i].sent);
		free(r->c[i].rbuf);
		gnutls_free(r->c[i].sess.data);
	}
	free(r->c);
	free(r->hist);
	gnutls_priority_deinit(r->prio);
	gnutls_certificate_free_credentials(r->cred);
	close(r->epfd);
}

/* ---- results ---------------------------------------------------------- */

struct sl_result {
	double secs;
	uint64_t ops;
	uint64_t fails[SL_F_NUM];
	uint64_t fail_total;
	uint64_t resumed;
	uint64_t late;
	int established;
	int answered;
	struct sl_hist *hist;
	struct sl_snap *before, *after;   /* PSS */
	struct sl_snap *cpu_from, *cpu_to; /* CPU */
	bool have_server;
	double client_cpu_s;
};

static double sl_client_cpu(void)
{
	struct rusage ru, rc;

	getrusage(RUSAGE_SELF, &ru);
	getrusage(RUSAGE_CHILDREN, &rc);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			rc.ru_utime.tv_sec + rc.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec +
			rc.ru_utime.tv_usec + rc.ru_stime.tv_usec) / 1e6;
}

static void sl_report(const struct sl_opts *o, struct sl_result *res)
{
	double cpu_s = 0, sched_s = 0, per_op_us = 0, rate, pss_per = 0;
	double p50, p99, mx;
	uint64_t ops = o->mode == SL_IDLE ? (uint64_t)res->answered : res->ops;
	int i;

	for (i = 0; i < SL_F_NUM; i++)
		res->fail_total += res->fails[i];
	rate = res->secs > 0 ? (double)ops / res->secs : 0;
	p50 = (double)sl_hpct(res->hist, 0.50) / 1e3;
	p99 = (double)sl_hpct(res->hist, 0.99) / 1e3;
	mx = (double)res->hist->max / 1e3;
	if (res->have_server) {
		sl_cpu_delta(res->cpu_from, res->cpu_to, &cpu_s, &sched_s);
		if (ops)
			per_op_us = cpu_s * 1e6 / (double)ops;
		if (res->established > 0)
			pss_per = ((double)res->after->pss_kb -
				   (double)res->before->pss_kb) /
				  res->established;
	}
	fprintf(stderr, "scload %s%s%s: %" PRIu64 " ops in %.2f s = %.0f/s, "
		"latency p50 %.0f us p99 %.0f us max %.0f us, %" PRIu64
		" failed",
		sl_mode_names[o->mode], o->label ? " " : "",
		o->label ? o->label : "", ops, res->secs, rate, p50, p99, mx,
		res->fail_total);
	if (o->mode == SL_NEW && o->resume)
		fprintf(stderr, ", %" PRIu64 " resumed", res->resumed);
	if (o->mode == SL_IDLE)
		fprintf(stderr, ", %d held, %d answered", res->established,
			res->answered);
	if (res->have_server) {
		fprintf(stderr, "; server CPU %.3f s = %.2f us/op, PSS %"
			PRIu64 " -> %" PRIu64 " KB", cpu_s, per_op_us,
			res->before->pss_kb, res->after->pss_kb);
		if (o->mode == SL_IDLE)
			fprintf(stderr, " (%.2f KB/conn)", pss_per);
	}
	fputc('\n', stderr);
	if (res->fail_total || !ops || sl_interrupted)
		sl_exit_code = 1;

	printf("{\"mode\":\"%s\",\"label\":\"%s\",\"tls\":\"%s\","
	       "\"sig\":\"%s\",\"resume\":%s,\"conns\":%d,\"window\":%d,"
	       "\"secs\":%.3f,\"ops\":%" PRIu64 ",\"rate\":%.1f,"
	       "\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
	       "\"failed\":%" PRIu64,
	       sl_mode_names[o->mode], o->label ? o->label : "",
	       o->tls == 12 ? "1.2" : o->tls == 13 ? "1.3" : "any", o->sig,
	       o->resume ? "true" : "false", o->conns, o->window, res->secs,
	       ops, rate, p50, p99, mx, res->fail_total);
	printf(",\"failures\":{");
	for (i = 0; i < SL_F_NUM; i++)
		printf("%s\"%s\":%" PRIu64, i ? "," : "", sl_fail_names[i],
		       res->fails[i]);
	printf("},\"resumed\":%" PRIu64 ",\"late\":%" PRIu64
	       ",\"established\":%d,\"answered\":%d,\"client_cpu_s\":%.3f",
	       res->resumed, res->late, res->established, res->answered,
	       res->client_cpu_s);
	if (res->have_server)
		printf(",\"server_procs\":%d,\"server_cpu_s\":%.3f,"
		       "\"server_cpu_sched_s\":%.4f,\"server_cpu_us_per_op\":"
		       "%.3f,\"server_pss_kb_before\":%" PRIu64
		       ",\"server_pss_kb_after\":%" PRIu64
		       ",\"server_pss_kb_per_conn\":%.3f",
		       res->after->n, cpu_s, sched_s, per_op_us,
		       res->before->pss_kb, res->after->pss_kb, pss_per);
	printf("}\n");
	fflush(stdout);
}

/* ---- new, steady, relay: one process ---------------------------------- */

static void sl_run_single(struct sl_opts *o)
{
	static struct sl_snap before, after;
	struct sl_result res = { 0 };
	struct sl_run r;
	uint64_t now, ramp_end, tick = 0;
	int i;

	sl_setup(&r, o, o->conns);
	if (o->srcs > 1) {
		r.src_first = 1;
		r.src_count = o->srcs;
	}
	now = slu_now_ns();
	ramp_end = now + (uint64_t)(o->ramp_timeout * 1e9);
	if (o->mode != SL_NEW) {
		/* persistent connections first, then the clock starts */
		while (!sl_interrupted && now < ramp_end &&
		       r.established < o->conns) {
			sl_fill(&r, now);
			sl_events(&r, 10);
			now = slu_now_ns();
			if (now - tick > 100000000u) {
				sl_check_timeouts(&r, now);
				tick = now;
			}
		}
		if (r.established < o->conns)
			fprintf(stderr, "scload: only %d of %d connections "
				"established\n", r.established, o->conns);
	}
	sl_snapshot(o, &before);
	r.measuring = true;
	r.t_start = slu_now_ns();
	r.t_end = r.t_start + (uint64_t)(o->secs * 1e9);
	r.t_hard = r.t_end + (uint64_t)((o->op_timeout + 1) * 1e9);
	for (i = 0; i < r.nconns; i++) {
		if (r.c[i].state == SL_READY) {
			r.c[i].state = SL_ASKING;
			if (sl_send_due(&r, &r.c[i], r.t_start) < 0)
				sl_close(&r, &r.c[i], false);
		}
	}
	now = r.t_start;
	while (!sl_interrupted && now < r.t_end) {
		if (o->mode == SL_NEW)
			sl_fill(&r, now);
		if (o->max_ops && r.ops >= (uint64_t)o->max_ops)
			break;
		if (o->mode != SL_NEW && !r.established)
			break;
		sl_events(&r, 5);
		now = slu_now_ns();
		if (now - tick > 100000000u) {
			sl_check_timeouts(&r, now);
			tick = now;
		}
	}
	if (now < r.t_end)
		r.t_end = now;
	sl_snapshot(o, &after);
	res.secs = (double)(r.t_end - r.t_start) / 1e9;
	/* drain: what is in flight may still come, bounded */
	r.stopping = true;
	while (!sl_interrupted && now < r.t_hard) {
		int busy = 0;

		for (i = 0; i < r.nconns; i++)
			if (r.c[i].state != SL_FREE &&
			    (r.c[i].inflight || r.c[i].state < SL_READY))
				busy++;
		if (!busy)
			break;
		sl_events(&r, 5);
		now = slu_now_ns();
		if (now - tick > 100000000u) {
			sl_check_timeouts(&r, now);
			tick = now;
		}
	}
	for (i = 0; i < r.nconns; i++)
		if (r.c[i].state != SL_FREE && r.c[i].inflight)
			sl_fail(&r, SL_F_TIMEOUT, "%d replies missing at the "
				"end", r.c[i].inflight);
	res.ops = r.ops;
	res.late = r.late;
	res.resumed = r.resumed;
	memcpy(res.fails, r.fails, sizeof(res.fails));
	res.hist = r.hist;
	res.established = o->mode == SL_NEW ? 0 : r.established;
	res.before = res.cpu_from = &before;
	res.after = res.cpu_to = &after;
	res.have_server = before.ok && after.ok;
	res.client_cpu_s = sl_client_cpu();
	sl_report(o, &res);
	sl_teardown(&r);
}

/* ---- idle: forked holders --------------------------------------------- */

struct sl_child {
	pid_t pid;
	int up;     /* child -> parent */
	int down;   /* parent -> child */
	char buf[64 * 1024];
	size_t len;
	bool ready;
	bool done;
	int established;
	int failed;
};

static int sl_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Wait up to @timeout_ms for a byte on @fd; 1 got it, 0 timeout, -1 EOF. */
static int sl_wait_byte(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char b;
	int n = poll(&pfd, 1, timeout_ms);

	if (n <= 0)
		return 0;
	n = (int)read(fd, &b, 1);
	return n == 1 ? 1 : -1;
}

static uint64_t sl_fail_sum(const uint64_t *f)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < SL_F_NUM; i++)
		n += f[i];
	return n;
}

/* Every established connection answered its first OPTIONS (or failed)? */
static bool sl_idle_settled(struct sl_run *r)
{
	int i;

	for (i = 0; i < r->nconns; i++) {
		enum sl_state st = r->c[i].state;

		if (!r->c[i].tried || (st != SL_FREE && st != SL_HELD))
			return false;
	}
	return true;
}

static void sl_loop_until(struct sl_run *r, uint64_t end, bool fill,
			  bool (*done)(struct sl_run *))
{
	uint64_t now = slu_now_ns(), tick = now;

	while (!sl_interrupted && now < end && !done(r)) {
		if (fill)
			sl_fill(r, now);
		sl_events(r, 10);
		now = slu_now_ns();
		if (now - tick > 100000000u) {
			sl_check_timeouts(r, now);
			tick = now;
		}
	}
}

/*
 * One OPTIONS on every held connection, at most --hs-max unanswered at a
 * time: held connections of phones wake up spread over time, not all in
 * one instant, and a burst of every connection at once would measure how
 * a server queues rather than whether it still answers.
 */
static void sl_idle_ask(struct sl_run *r, uint64_t end)
{
	uint64_t now = slu_now_ns(), tick = now;
	uint64_t fails0 = sl_fail_sum(r->fails);
	int next = 0, asked = 0;

	while (!sl_interrupted && now < end) {
		int out = asked - r->answered -
			  (int)(sl_fail_sum(r->fails) - fails0);

		while (out < r->o->hs_max && next < r->nconns) {
			struct sl_conn *c = &r->c[next++];

			if (c->state != SL_HELD)
				continue;
			c->state = SL_ASKING;
			asked++;
			out++;
			if (sl_send_due(r, c, now) < 0)
				sl_close(r, c, false);
		}
		if (out <= 0 && next >= r->nconns)
			return;
		sl_events(r, 10);
		now = slu_now_ns();
		if (now - tick > 100000000u) {
			sl_check_timeouts(r, now);
			tick = now;
		}
	}
}

/*
 * One holder process: open its share once each (a failure is not
 * retried), report "R held failed", hold until the parent writes a byte,
 * ask once on every held connection, report the answers and the latency
 * histogram, exit.
 */
static void sl_idle_child(struct sl_opts *o, int nconns, int src_count,
			  int src_start, int up, int down)
{
	struct sl_run r;
	uint64_t now;
	int i, held = 0;
	FILE *f;

	sl_setup(&r, o, nconns);
	if (src_count > 0) {
		r.src_first = 1;
		r.src_count = src_count;
		r.src_next = src_start % src_count;
	}
	now = slu_now_ns();
	sl_loop_until(&r, now + (uint64_t)(o->ramp_timeout * 1e9), true,
		      sl_idle_settled);
	for (i = 0; i < nconns; i++) {
		if (r.c[i].state == SL_HELD)
			held++;
		else if (r.c[i].state != SL_FREE)
			sl_fail(&r, SL_F_TIMEOUT, "not established in time");
		if (r.c[i].state != SL_HELD)
			sl_close(&r, &r.c[i], false);
	}
	f = fdopen(up, "w");
	if (!f)
		_exit(3);
	fprintf(f, "R %d %" PRIu64 "\n", held, sl_fail_sum(r.fails));
	fflush(f);
	/* hold: the loop keeps running so that a connection the server
	 * closes is noticed and counted */
	for (;;) {
		struct pollfd pfd = { .fd = down, .events = POLLIN };

		if (sl_interrupted)
			_exit(4);
		if (poll(&pfd, 1, 0) > 0)
			break;
		sl_events(&r, 50);
	}
	if (sl_wait_byte(down, 0) != 1)
		_exit(4);
	r.measuring = true;
	now = slu_now_ns();
	r.t_start = now;
	sl_idle_ask(&r, now + (uint64_t)((o->ramp_timeout + o->op_timeout) *
					 1e9));
	r.stopping = true;
	for (i = 0; i < nconns; i++)
		if (r.c[i].state != SL_FREE && r.c[i].inflight)
			sl_fail(&r, SL_F_TIMEOUT, "no answer after holding");
	r.t_end = slu_now_ns();
	fprintf(f, "D %d", r.answered);
	for (i = 0; i < SL_F_NUM; i++)
		fprintf(f, " %" PRIu64, r.fails[i]);
	fprintf(f, " %" PRIu64 " %" PRIu64 "\n", r.t_end - r.t_start,
		r.hist->max);
	for (i = 0; i < SL_HB; i++)
		if (r.hist->b[i])
			fprintf(f, "H %d %" PRIu64 "\n", i, r.hist->b[i]);
	fprintf(f, "E\n");
	fclose(f);
	sl_teardown(&r);
	_exit(0);
}

/* Parse the complete lines in @ch's buffer into @res. */
static void sl_child_lines(struct sl_child *ch, struct sl_result *res,
			   uint64_t *secs_ns)
{
	char *p = ch->buf, *nl;

	while ((nl = memchr(p, '\n', ch->len - (size_t)(p - ch->buf)))) {
		uint64_t v[SL_F_NUM + 2];
		unsigned idx;
		int a, b;

		*nl = '\0';
		if (sscanf(p, "R %d %d", &a, &b) == 2) {
			ch->ready = true;
			ch->established = a;
			ch->failed = b;
		} else if (sscanf(p, "D %d %" SCNu64 " %" SCNu64 " %" SCNu64
				  " %" SCNu64 " %" SCNu64 " %" SCNu64
				  " %" SCNu64 " %" SCNu64, &a, &v[0], &v[1],
				  &v[2], &v[3], &v[4], &v[5], &v[6],
				  &v[7]) == 9) {
			int i;

			res->answered += a;
			/* the child's fails include its ramp's */
			for (i = 0; i < SL_F_NUM; i++)
				res->fails[i] += v[i];
			if (v[SL_F_NUM] > *secs_ns)
				*secs_ns = v[SL_F_NUM];
			if (v[SL_F_NUM + 1] > res->hist->max)
				res->hist->max = v[SL_F_NUM + 1];
		} else if (sscanf(p, "H %u %" SCNu64, &idx, &v[0]) == 2) {
			if (idx < SL_HB) {
				res->hist->b[idx] += v[0];
				res->hist->n += v[0];
			}
		} else if (!strcmp(p, "E")) {
			ch->done = true;
		}
		p = nl + 1;
	}
	ch->len -= (size_t)(p - ch->buf);
	memmove(ch->buf, p, ch->len);
}

/* Read from the children until @pred holds for all or @end passes. */
static void sl_children_wait(struct sl_child *ch, int n, uint64_t end,
			     bool want_done, struct sl_result *res,
			     uint64_t *secs_ns)
{
	struct pollfd pfd[SL_MAX_PROCS];
	int i, k;

	for (;;) {
		uint64_t now = slu_now_ns();
		int waiting = 0;

		for (i = 0, k = 0; i < n; i++) {
			if (ch[i].up < 0 ||
			    (want_done ? ch[i].done : ch[i].ready))
				continue;
			pfd[k].fd = ch[i].up;
			pfd[k].events = POLLIN;
			k++;
			waiting++;
		}
		if (!waiting || now >= end || sl_interrupted)
			return;
		if (poll(pfd, (nfds_t)k, 100) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			ssize_t got;
			int j;

			for (j = 0; j < k; j++)
				if (pfd[j].fd == ch[i].up && pfd[j].revents)
					break;
			if (j == k)
				continue;
			if (ch[i].len >= sizeof(ch[i].buf) - 1)
				ch[i].len = 0; /* a line that long is junk */
			got = read(ch[i].up, ch[i].buf + ch[i].len,
				   sizeof(ch[i].buf) - 1 - ch[i].len);
			if (got <= 0) {
				close(ch[i].up);
				ch[i].up = -1;
				continue;
			}
			ch[i].len += (size_t)got;
			sl_child_lines(&ch[i], res, secs_ns);
		}
	}
}

static void sl_children_reap(struct sl_child *ch, int n)
{
	uint64_t end = slu_now_ns() + 5000000000u;
	int i, left;

	do {
		left = 0;
		for (i = 0; i < n; i++) {
			if (ch[i].pid <= 0)
				continue;
			if (waitpid(ch[i].pid, NULL, WNOHANG) == ch[i].pid)
				ch[i].pid = 0;
			else
				left++;
		}
		if (left)
			usleep(20000);
	} while (left && slu_now_ns() < end);
	for (i = 0; i < n; i++) {
		if (ch[i].pid <= 0)
			continue;
		kill(ch[i].pid, SIGKILL);
		waitpid(ch[i].pid, NULL, 0);
	}
}

static void sl_sleep_s(double secs)
{
	uint64_t end = slu_now_ns() + (uint64_t)(secs * 1e9);

	while (!sl_interrupted && slu_now_ns() < end)
		usleep(20000);
}

static void sl_run_idle(struct sl_opts *o)
{
	static struct sl_snap before, held, after;
	static struct sl_child ch[SL_MAX_PROCS];
	struct sl_result res = { 0 };
	uint64_t secs_ns = 0, end;
	int i, n = o->procs, share, extra;

	res.hist = calloc(1, sizeof(*res.hist));
	if (!res.hist)
		sl_die("out of memory");
	sl_snapshot(o, &before);
	share = o->conns / n;
	extra = o->conns % n;
	fflush(NULL);
	for (i = 0; i < n; i++) {
		int up[2], down[2], mine = share + (i < extra);

		if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0)
			sl_die("pipe: %s", strerror(errno));
		ch[i].pid = fork();
		if (ch[i].pid < 0)
			sl_die("fork: %s", strerror(errno));
		if (ch[i].pid == 0) {
			int j;

			for (j = 0; j < i; j++) {
				close(ch[j].up);
				close(ch[j].down);
			}
			close(up[0]);
			close(down[1]);
			sl_idle_child(o, mine, o->srcs, i, up[1], down[0]);
		}
		close(up[1]);
		close(down[0]);
		ch[i].up = up[0];
		ch[i].down = down[1];
	}
	end = slu_now_ns() + (uint64_t)((o->ramp_timeout + 10) * 1e9);
	sl_children_wait(ch, n, end, false, &res, &secs_ns);
	for (i = 0; i < n; i++) {
		if (!ch[i].ready)
			fprintf(stderr, "scload: holder %d did not report\n",
				(int)ch[i].pid);
		res.established += ch[i].established;
	}
	/* give the server a moment to settle what the last answers left */
	sl_sleep_s(0.5);
	sl_snapshot(o, &held);
	fprintf(stderr, "scload idle: %d of %d connections held, holding "
		"%.1f s\n", res.established, o->conns, o->hold);
	sl_sleep_s(o->hold);
	for (i = 0; i < n; i++)
		if (ch[i].down >= 0 && sl_write_all(ch[i].down, "G", 1) < 0)
			fprintf(stderr, "scload: holder %d is gone\n",
				(int)ch[i].pid);
	end = slu_now_ns() + (uint64_t)((o->op_timeout + 10) * 1e9);
	sl_children_wait(ch, n, end, true, &res, &secs_ns);
	sl_snapshot(o, &after);
	for (i = 0; i < n; i++) {
		if (!ch[i].done) {
			fprintf(stderr, "scload: holder %d gave no result\n",
				(int)ch[i].pid);
			res.fails[SL_F_TIMEOUT] += (uint64_t)ch[i].established;
			kill(ch[i].pid, SIGTERM);
		}
		if (ch[i].up >= 0)
			close(ch[i].up);
		close(ch[i].down);
	}
	sl_children_reap(ch, n);
	res.secs = (double)secs_ns / 1e9;
	res.before = &before;
	res.after = &held;
	res.cpu_from = &held;
	res.cpu_to = &after;
	res.have_server = before.ok && held.ok && after.ok;
	res.client_cpu_s = sl_client_cpu();
	sl_report(o, &res);
	free(res.hist);
}

/* ---- command line ----------------------------------------------------- */

static void sl_usage(FILE *f)
{
	fputs(
"usage: scload MODE [options]      MODE: new | steady | relay | idle\n"
"  -a, --addr IP          server address, loopback only (127.0.0.1)\n"
"  -p, --port PORT        server TLS port (required)\n"
"  -c, --conns N          new: connections at once; steady, relay:\n"
"                         persistent connections; idle: connections held\n"
"  -w, --window W         requests in flight per connection (1)\n"
"  -t, --time SECS        new, steady, relay: measured time (5)\n"
"  -H, --hold SECS        idle: time the connections are held (5)\n"
"  -n, --max-ops N        stop after N operations (no limit)\n"
"      --tls 1.2|1.3|any  protocol version (any)\n"
"      --sig ecdsa|rsa|any  signature algorithms offered (any)\n"
"      --priority STR     a GnuTLS priority string instead of the above\n"
"  -r, --resume           new: resume the slot's previous session\n"
"      --ca FILE          verify the server's chain against FILE\n"
"  -P, --procs N          idle: holder processes (one per 16000 conns)\n"
"  -S, --src-addrs N      source addresses 127.0.0.1..N (one per 25000)\n"
"      --hs-max N         handshakes in progress at once while ramping,\n"
"                         idle: unanswered requests after holding (64)\n"
"      --op-timeout SECS  bound of one connect, handshake or reply (5)\n"
"      --ramp-timeout SECS  bound of opening the connections (60)\n"
"  -s, --server-pid PID   the server (with its children); repeatable\n"
"      --pid-file FILE    the server's pid from FILE\n"
"  -l, --label STR        a name copied into the output\n"
"Output: a human line on stderr, one JSON line on stdout. Exit 0 when\n"
"every operation succeeded, 1 when some failed, 2 on a usage error.\n",
	      f);
}

static double sl_num(const char *s, const char *what, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || v < lo || v > hi)
		sl_die("%s '%s': expected a number in %g..%g", what, s, lo,
		       hi);
	return v;
}

static void sl_read_pidfile(struct sl_opts *o, const char *path)
{
	char buf[32] = "";
	FILE *f = fopen(path, "re");

	if (!f)
		sl_die("%s: %s", path, strerror(errno));
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if (o->nspids >= SL_MAX_SPIDS)
		sl_die("more than %d server pids", SL_MAX_SPIDS);
	o->spids[o->nspids++] = (pid_t)sl_num(strtok(buf, " \t\r\n") ?
					      buf : "x", path, 1, INT_MAX);
}

enum { O_TLS = 256, O_SIG, O_PRIO, O_CA, O_PIDFILE, O_HSMAX, O_OPTO,
       O_RAMPTO };

static void sl_parse(int argc, char **argv, struct sl_opts *o)
{
	static const struct option lo[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'c' },
		{ "window", required_argument, NULL, 'w' },
		{ "time", required_argument, NULL, 't' },
		{ "hold", required_argument, NULL, 'H' },
		{ "max-ops", required_argument, NULL, 'n' },
		{ "tls", required_argument, NULL, O_TLS },
		{ "sig", required_argument, NULL, O_SIG },
		{ "priority", required_argument, NULL, O_PRIO },
		{ "resume", no_argument, NULL, 'r' },
		{ "ca", required_argument, NULL, O_CA },
		{ "procs", required_argument, NULL, 'P' },
		{ "src-addrs", required_argument, NULL, 'S' },
		{ "hs-max", required_argument, NULL, O_HSMAX },
		{ "op-timeout", required_argument, NULL, O_OPTO },
		{ "ramp-timeout", required_argument, NULL, O_RAMPTO },
		{ "server-pid", required_argument, NULL, 's' },
		{ "pid-file", required_argument, NULL, O_PIDFILE },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[160];
	int ch, i;

	memset(o, 0, sizeof(*o));
	snprintf(o->host, sizeof(o->host), "127.0.0.1");
	o->conns = 1;
	o->window = 1;
	o->secs = 5;
	o->hold = 5;
	o->sig = "any";
	o->hs_max = 64;
	o->op_timeout = 5;
	o->ramp_timeout = 60;
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "-h") ||
				  !strcmp(argv[1], "--help"))) {
			sl_usage(stdout);
			exit(0);
		}
		sl_usage(stderr);
		exit(2);
	}
	for (i = 0; i < 4; i++)
		if (!strcmp(argv[1], sl_mode_names[i]))
			break;
	if (i == 4)
		sl_die("unknown mode '%s': new, steady, relay or idle",
		       argv[1]);
	o->mode = (enum sl_mode)i;
	optind = 2;
	while ((ch = getopt_long(argc, argv, "a:p:c:w:t:H:n:rP:S:s:l:h", lo,
				 NULL)) != -1) {
		switch (ch) {
		case 'a':
			snprintf(o->host, sizeof(o->host), "%s", optarg);
			break;
		case 'p':
			o->port = (int)sl_num(optarg, "--port", 1, 65535);
			break;
		case 'c':
			o->conns = (int)sl_num(optarg, "--conns", 1,
					       (double)SL_MAX_CONNS *
					       SL_MAX_PROCS);
			break;
		case 'w':
			o->window = (int)sl_num(optarg, "--window", 1,
						SL_MAX_WINDOW);
			break;
		case 't':
			o->secs = sl_num(optarg, "--time", 0.1, 3600);
			break;
		case 'H':
			o->hold = sl_num(optarg, "--hold", 0, 3600);
			break;
		case 'n':
			o->max_ops = (long)sl_num(optarg, "--max-ops", 1, 1e12);
			break;
		case O_TLS:
			if (!strcmp(optarg, "1.2"))
				o->tls = 12;
			else if (!strcmp(optarg, "1.3"))
				o->tls = 13;
			else if (strcmp(optarg, "any"))
				sl_die("--tls '%s': 1.2, 1.3 or any", optarg);
			break;
		case O_SIG:
			if (strcmp(optarg, "ecdsa") && strcmp(optarg, "rsa") &&
			    strcmp(optarg, "any"))
				sl_die("--sig '%s': ecdsa, rsa or any",
				       optarg);
			o->sig = optarg;
			break;
		case O_PRIO:
			o->priority = optarg;
			break;
		case 'r':
			o->resume = true;
			break;
		case O_CA:
			o->ca = optarg;
			break;
		case 'P':
			o->procs = (int)sl_num(optarg, "--procs", 1,
					       SL_MAX_PROCS);
			break;
		case 'S':
			o->srcs = (int)sl_num(optarg, "--src-addrs", 1,
					      SL_MAX_SRCS);
			break;
		case O_HSMAX:
			o->hs_max = (int)sl_num(optarg, "--hs-max", 1, 100000);
			break;
		case O_OPTO:
			o->op_timeout = sl_num(optarg, "--op-timeout", 0.1,
					       600);
			break;
		case O_RAMPTO:
			o->ramp_timeout = sl_num(optarg, "--ramp-timeout", 1,
						 3600);
			break;
		case 's':
			if (o->nspids >= SL_MAX_SPIDS)
				sl_die("more than %d server pids",
				       SL_MAX_SPIDS);
			o->spids[o->nspids++] = (pid_t)sl_num(
				optarg, "--server-pid", 1, INT_MAX);
			break;
		case O_PIDFILE:
			sl_read_pidfile(o, optarg);
			break;
		case 'l':
			o->label = optarg;
			break;
		case 'h':
			sl_usage(stdout);
			exit(0);
		default:
			sl_usage(stderr);
			exit(2);
		}
	}
	if (optind < argc)
		sl_die("unexpected argument '%s'", argv[optind]);
	if (!o->port)
		sl_die("--port is required");
	if (slu_loopback_addr(o->host, o->port, &o->dst, &o->dstlen, err,
			      sizeof(err)) < 0)
		sl_die("%s", err);
	if (o->label && strpbrk(o->label, "\"\\"))
		sl_die("--label may not hold quotes or backslashes");
	if (o->mode == SL_NEW || o->mode == SL_IDLE)
		o->window = 1;
	if (o->resume && o->mode != SL_NEW)
		sl_die("--resume is for mode new");
	if (!o->srcs)
		o->srcs = (o->conns + 24999) / 25000;
	if (o->srcs > 1 && o->dst.ss_family != AF_INET)
		sl_die("--src-addrs needs an IPv4 destination");
	if (o->mode == SL_IDLE) {
		if (!o->procs)
			o->procs = (o->conns + 15999) / 16000;
		if (o->procs > o->conns)
			o->procs = o->conns;
	} else {
		o->procs = 1;
		if (o->conns > SL_MAX_CONNS)
			sl_die("--conns: at most %d in one process",
			       SL_MAX_CONNS);
	}
	if ((o->conns + o->procs - 1) / o->procs > SL_MAX_CONNS)
		sl_die("--conns %d over %d processes: at most %d each",
		       o->conns, o->procs, SL_MAX_CONNS);
}

/* Room for @need descriptors: raise the soft limit, and the hard one if
 * allowed (root), instead of failing halfway through a run. */
static void sl_nofile(int need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		sl_die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= (rlim_t)need)
		return;
	if (rl.rlim_max < (rlim_t)need) {
		struct rlimit up = { (rlim_t)need, (rlim_t)need };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return;
	}
	rl.rlim_cur = rl.rlim_max < (rlim_t)need ? rl.rlim_max : (rlim_t)need;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < (rlim_t)need)
		sl_die("need %d descriptors per process, the limit is %lu: "
		       "use more --procs or raise the hard limit", need,
		       (unsigned long)rl.rlim_cur);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = sl_on_signal };
	struct sl_opts o;
	int ret;

	sl_parse(argc, argv, &o);
	sl_nofile((o.conns + o.procs - 1) / o.procs + 64);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ret = gnutls_global_init();
	if (ret < 0)
		sl_gnutls_fatal("gnutls_global_init", ret);
	if (o.mode == SL_IDLE)
		sl_run_idle(&o);
	else
		sl_run_single(&o);
	gnutls_global_deinit();
	return sl_exit_code;
}
