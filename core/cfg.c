/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Config file parser (prefix: cfg_; file-local helpers: p_).
 *
 * Line oriented, like the SER/Kamailio configs it reads: one statement per
 * physical line, except that a tls_domain[...] { } block spans lines. Each
 * line is copied into a bounded buffer, its comment cut off, and dispatched
 * on its first word. The first error stops the parse, so the proxy never
 * starts half-configured; every message is "FILE:LINE: what is wrong (what
 * is accepted)".
 *
 * All allocations go through malloc() (no strdup) so that the unit test can
 * make each one fail in turn.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sipcore/addr.h>

#include "cfg.h"
#include "flow.h"
#include "log_int.h"
#include "relay_cfg.h"
#include "privs.h"

#define CFG_MAX_LINE 8192
#define CFG_MAX_FILE (4u << 20)
#define CFG_MAX_DEPTH 10
#define CFG_MAX_NAME 128

static const char p_route_msg[] =
	"routing blocks are not supported by sipcore (it is a stateless edge; "
	"see doc/config.md)";

/* ------------------------------------------------------------------ */
/* The core parameter table */

enum p_type { P_INT, P_BOOL, P_STR };

struct p_core {
	const char *name;
	const char *alias;
	enum p_type type;
	size_t off;		/* into struct cfg_core */
	int min, max;		/* P_INT */
	int idef;		/* P_INT, P_BOOL */
	const char *sdef;	/* P_STR; NULL stays NULL */
	int (*check)(const char *v, char *why, size_t len);
};

static int p_check_facility(const char *v, char *why, size_t len);
static int p_check_nonempty(const char *v, char *why, size_t len);
static int p_check_header(const char *v, char *why, size_t len);
static int p_check_forward_to(const char *v, char *why, size_t len);
static int p_check_forward_from(const char *v, char *why, size_t len);
static int p_check_secret_file(const char *v, char *why, size_t len);
static int p_check_hdr_name(const char *v, char *why, size_t len);
static int p_check_nonempty_list(const char *v, char *why, size_t len);

#define P_CINT(n, a, fld, mn, mx, d) \
	{ n, a, P_INT, offsetof(struct cfg_core, fld), mn, mx, d, NULL, NULL }
#define P_CBOOL(n, fld, d) \
	{ n, NULL, P_BOOL, offsetof(struct cfg_core, fld), 0, 1, d, NULL, NULL }
#define P_CSTR(n, fld, d, chk) \
	{ n, NULL, P_STR, offsetof(struct cfg_core, fld), 0, 0, 0, d, chk }

/*
 * Bounds not fixed by cfg.h are chosen so that a value converted to
 * milliseconds still fits an int, and so that a typo (an extra zero or
 * three) is caught rather than obeyed.
 */
static const struct p_core p_core_params[] = {
	P_CINT("children", NULL, children, 1, 1024, 4),
	P_CSTR("mpath", mpath, NULL, p_check_nonempty),
	P_CINT("log_level", "debug", log_level, -3, 4, 1),
	P_CBOOL("log_stderror", log_stderror, 0),
	P_CSTR("log_facility", log_facility, "LOG_DAEMON", p_check_facility),
	P_CBOOL("disable_tls", disable_tls, 0),
	P_CINT("tcp_max_connections", NULL, tcp_max_connections, 1, INT_MAX,
	       4096),
	P_CINT("max_msg_size", NULL, max_msg_size, 1024, 1048576, 65536),
	P_CINT("tcp_connection_lifetime", NULL, tcp_connection_lifetime, 1,
	       604800, 120),
	P_CINT("tcp_connect_timeout", NULL, tcp_connect_timeout, 1, 600, 10),
	P_CINT("tcp_send_timeout", NULL, tcp_send_timeout, 1, 600, 10),
	P_CINT("tcp_conn_wq_max", NULL, tcp_conn_wq_max, 1, INT_MAX, 262144),
	P_CINT("tcp_wq_max", NULL, tcp_wq_max, 1, INT_MAX, 10485760),
	P_CINT("tcp_max_connections_per_ip", NULL, tcp_max_connections_per_ip,
	       0, 1000000, 1024),
	P_CINT("tcp_max_handshakes", NULL, tcp_max_handshakes, 1, 1000000,
	       256),
	P_CINT("tcp_msg_data_timeout", NULL, tcp_msg_data_timeout, 1, 3600,
	       20),
	P_CINT("tcp_msg_read_timeout", NULL, tcp_msg_read_timeout, 1, 3600,
	       20),
	P_CINT("shm_size", "shm_mem_size", shm_size, 1, 65536, 64),
	P_CINT("reply_code", NULL, reply_code, 300, 699, 501),
	P_CSTR("reply_reason", reply_reason, "Not Implemented", p_check_header),
	P_CSTR("server_header", server_header, "sipcore", p_check_header),
	P_CINT("shutdown_timeout", NULL, shutdown_timeout, 0, 600, 5),
	P_CSTR("forward_to", forward_to, NULL, p_check_forward_to),
	P_CSTR("forward_from", forward_from, NULL, p_check_forward_from),
	P_CSTR("flow_secret_file", flow_secret_file, NULL,
	       p_check_secret_file),
	P_CSTR("relay_peer_header", relay_peer_header, NULL,
	       p_check_hdr_name),
	P_CINT("relay_t1", NULL, relay_t1, 10, 10000, 500),
	P_CINT("relay_t2", NULL, relay_t2, 100, 60000, 4000),
	P_CSTR("dns_servers", dns_servers, NULL, p_check_nonempty_list),
	P_CINT("dns_timeout", NULL, dns_timeout, 100, 30000, 2000),
	P_CINT("flow_timer", NULL, flow_timer, 0, 86400, 0),
	/* running as root: who to become once files and sockets are open */
	P_CSTR("user", user, NULL, privs_check_user),
	P_CSTR("group", group, NULL, privs_check_group),
};

#define P_NCORE (sizeof(p_core_params) / sizeof(p_core_params[0]))

static int *p_core_int(struct cfg *c, const struct p_core *pc)
{
	return (int *)((char *)&c->core + pc->off);
}

static char **p_core_str(struct cfg *c, const struct p_core *pc)
{
	return (char **)((char *)&c->core + pc->off);
}

static int p_check_facility(const char *v, char *why, size_t len)
{
	if (log_facility_from_name(v) >= 0)
		return 0;
	snprintf(why, len, "unknown facility '%.64s' (expected LOG_DAEMON, "
		 "LOG_USER, LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3, "
		 "LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6 or LOG_LOCAL7)", v);
	return -1;
}

static int p_check_nonempty(const char *v, char *why, size_t len)
{
	if (*v)
		return 0;
	snprintf(why, len, "expected a directory path, got an empty string");
	return -1;
}

/* These strings go into SIP messages as they are: a CR or LF would split
 * the header (or the status line) in two. */
static int p_check_header(const char *v, char *why, size_t len)
{
	for (; *v; v++) {
		if ((unsigned char)*v < 0x20 || *v == 0x7f) {
			snprintf(why, len, "control characters (\\n, \\t, ...) "
				 "are not allowed: the text goes into SIP "
				 "messages");
			return -1;
		}
	}
	return 0;
}

static int p_check_forward_to(const char *v, char *why, size_t len)
{
	struct relay_dst d;

	return relay_cfg_dst(v, &d, why, len);
}

static int p_check_forward_from(const char *v, char *why, size_t len)
{
	struct relay_net nets[RELAY_MAX_NETS];

	return relay_cfg_nets(v, nets, RELAY_MAX_NETS, why, len) < 0 ? -1 : 0;
}

static int p_check_nonempty_list(const char *v, char *why, size_t len)
{
	if (*v)
		return 0;
	snprintf(why, len, "expected servers as IP[:PORT], comma separated, "
		 "e.g. 127.0.0.1:53,[::1]:53");
	return -1;
}

/* A header name: an RFC 3261 token. */
static int p_check_hdr_name(const char *v, char *why, size_t len)
{
	const char *p;

	for (p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("-.!%*_+`'~", *p)))
			break;
	if (*v && !*p && strlen(v) < 64)
		return 0;
	snprintf(why, len, "expected a header name (letters, digits, '-'), "
		 "e.g. X-TLS-Peer");
	return -1;
}

/* Read now, so that a missing or short file stops startup at its line. */
static int p_check_secret_file(const char *v, char *why, size_t len)
{
	int r = flow_secret_from_file(v, why, len);

	flow_wipe();
	return r;
}

/* ------------------------------------------------------------------ */
/* Parser state and errors */

struct p_parser {
	struct cfg *c;
	char *err;
	size_t errlen;
	struct cfg_stmt **stmt_tail;
	struct cfg_listen **listen_tail;
};

enum p_block { P_BLK_NONE, P_BLK_WANT_BRACE, P_BLK_OPEN };

/* One per file being read; includes nest them on the C stack. */
struct p_file {
	struct p_parser *p;
	const char *name;
	int line;
	int depth;
	enum p_block blk;
	char *scope;		/* tls_domain[scope] while blk != NONE */
	int blk_line;
};

static void p_vmsg(struct p_parser *p, const char *file, int line,
		   const char *fmt, va_list ap)
{
	int n;

	if (!p->err || !p->errlen)
		return;
	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%d: ", file, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", file);
	if (n < 0)
		n = 0;
	if ((size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
}

static int __attribute__((format(printf, 3, 4)))
p_err_at(struct p_file *f, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	p_vmsg(f->p, f->name, line, fmt, ap);
	va_end(ap);
	return -1;
}

#define p_err(f, ...) p_err_at((f), (f)->line, __VA_ARGS__)
#define p_oom(f) p_err((f), "out of memory")

/* ------------------------------------------------------------------ */
/* Small string helpers */

static int p_isspace(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' ||
	       ch == '\v';
}

static int p_isident(int ch, int first)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_')
		return 1;
	return !first && ch >= '0' && ch <= '9';
}

static const char *p_skip_ws(const char *s)
{
	while (p_isspace((unsigned char)*s))
		s++;
	return s;
}

static char *p_strndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static char *p_strdup(const char *s)
{
	return p_strndup(s, strlen(s));
}

/* "-12", "7": what counts as an integer literal (decimal only). */
static int p_looks_int(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int p_parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!p_looks_int(s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/**
 * Read an identifier at @s into @buf. Returns its length (0: none), or -1
 * when it does not fit (the caller reports it).
 */
static int p_ident(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	if (!p_isident((unsigned char)*s, 1))
		return 0;
	while (p_isident((unsigned char)s[n], 0))
		n++;
	if (n >= len)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return (int)n;
}

/* ------------------------------------------------------------------ */
/* Values */

struct p_val {
	char *text;	/* malloc'd, quotes removed, escapes resolved */
	int quoted;
};

/**
 * Decode the double-quoted string at @s (s[0] == '"') into @out and set
 * @end after the closing quote. Unknown escapes are kept as written, so a
 * regular expression such as "\d+" survives.
 */
static int p_unquote(struct p_file *f, const char *s, char **out,
		     const char **end)
{
	const char *q;
	size_t n = 0;
	char *d;

	for (q = s + 1; *q && *q != '"'; q++)
		if (*q == '\\' && q[1])
			q++;
	if (*q != '"')
		return p_err(f, "unterminated string (a closing '\"' is "
			     "missing)");
	/* the decoded text is never longer than the quoted one */
	d = malloc(q - s);
	if (!d)
		return p_oom(f);
	for (q = s + 1; *q != '"'; q++) {
		if (*q != '\\') {
			d[n++] = *q;
			continue;
		}
		q++;
		switch (*q) {
		case 'n': d[n++] = '\n'; break;
		case 't': d[n++] = '\t'; break;
		case '"':
		case '\\': d[n++] = *q; break;
		default: d[n++] = '\\'; d[n++] = *q; break;
		}
	}
	d[n] = '\0';
	*out = d;
	*end = q + 1;
	return 0;
}

/**
 * Parse the value of "@name = VALUE" (@s after the '='): a quoted string,
 * or a bare word.
 */
static int p_value(struct p_file *f, const char *name, const char *s,
		   struct p_val *v)
{
	const char *end;

	v->text = NULL;
	v->quoted = 0;
	s = p_skip_ws(s);
	if (!*s)
		return p_err(f, "%s: missing value after '='", name);
	if (*s == '"') {
		if (p_unquote(f, s, &v->text, &end))
			return -1;
		end = p_skip_ws(end);
		if (*end) {
			free(v->text);
			v->text = NULL;
			return p_err(f, "%s: unexpected text '%.64s' after the "
				     "closing quote", name, end);
		}
		v->quoted = 1;
		return 0;
	}
	for (end = s; *end; end++) {
		if (p_isspace((unsigned char)*end) || *end == '"')
			return p_err(f, "%s: expected a quoted string or a "
				     "single word, got '%.80s'", name, s);
	}
	v->text = p_strdup(s);
	return v->text ? 0 : p_oom(f);
}

/**
 * The argument of "loadmodule ARG" or "include_file ARG": a quoted string
 * or a bare word; @usage says what is expected.
 */
static int p_arg(struct p_file *f, const char *kw, const char *usage,
		 const char *s, char **out)
{
	struct p_val v;

	if (*s == '=' || *s == '(' || !*s)
		return p_err(f, "%s: expected %s", kw, usage);
	if (p_value(f, kw, s, &v))
		return -1;
	if (!*v.text) {
		free(v.text);
		return p_err(f, "%s: expected %s, got an empty string", kw,
			     usage);
	}
	*out = v.text;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Results */

static struct cfg_stmt *p_new_stmt(struct p_file *f, enum cfg_stmt_kind kind)
{
	struct cfg_stmt *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->kind = kind;
	st->line = f->line;
	st->file = p_strdup(f->name);
	if (!st->file) {
		free(st);
		return NULL;
	}
	return st;
}

static void p_free_stmt(struct cfg_stmt *st)
{
	free(st->file);
	free(st->module);
	free(st->param);
	free(st->v.s);
	free(st->scope);
	free(st);
}

static void p_append_stmt(struct p_file *f, struct cfg_stmt *st)
{
	*f->p->stmt_tail = st;
	f->p->stmt_tail = &st->next;
}

/**
 * Set @v from a module-bound value: quoted means a string, an integer
 * literal means an integer, anything else a string. Takes @text.
 */
static int p_mod_value(struct p_file *f, const char *name, char *text,
		       int quoted, struct cfg_value *v)
{
	if (quoted || !p_looks_int(text)) {
		v->type = SC_PARAM_STR;
		v->s = text;
		return 0;
	}
	if (p_parse_long(text, &v->i)) {
		p_err(f, "%s: integer '%.32s' is out of range", name, text);
		free(text);
		return -1;
	}
	free(text);
	v->type = SC_PARAM_INT;
	return 0;
}

/* A seed tls_* line (scope NULL) or a line of a tls_domain block. */
static int p_tlsline(struct p_file *f, const char *name, const char *s)
{
	struct cfg_stmt *st;
	struct p_val v;

	if (p_value(f, name, s, &v))
		return -1;
	st = p_new_stmt(f, CFG_TLSLINE);
	if (!st)
		goto oom;
	st->param = p_strdup(name);
	if (!st->param)
		goto oom;
	if (f->scope) {
		st->scope = p_strdup(f->scope);
		if (!st->scope)
			goto oom;
	}
	if (p_mod_value(f, name, v.text, v.quoted, &st->v)) {
		p_free_stmt(st);
		return -1;
	}
	p_append_stmt(f, st);
	return 0;
oom:
	free(v.text);
	if (st)
		p_free_stmt(st);
	return p_oom(f);
}

/* ------------------------------------------------------------------ */
/* Core assignments */

static const struct p_core *p_core_find(const char *name)
{
	size_t i;

	for (i = 0; i < P_NCORE; i++) {
		if (!strcmp(name, p_core_params[i].name))
			return &p_core_params[i];
		if (p_core_params[i].alias &&
		    !strcmp(name, p_core_params[i].alias))
			return &p_core_params[i];
	}
	return NULL;
}

static int p_bool_word(const char *s, int *out)
{
	static const struct {
		const char *w;
		int v;
	} words[] = {
		{ "yes", 1 }, { "on", 1 }, { "true", 1 },
		{ "no", 0 }, { "off", 0 }, { "false", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strcasecmp(s, words[i].w)) {
			*out = words[i].v;
			return 0;
		}
	}
	return -1;
}

static int p_set_int(struct p_file *f, const char *name,
		     const struct p_core *pc, const char *s)
{
	long v;
	int b;

	if (pc->type == P_BOOL) {
		if (!p_bool_word(s, &b)) {
			*p_core_int(f->p->c, pc) = b;
			return 0;
		}
		if (!p_parse_long(s, &v) && (v == 0 || v == 1)) {
			*p_core_int(f->p->c, pc) = (int)v;
			return 0;
		}
		return p_err(f, "%s: expected 0, 1, yes, no, on, off, true or "
			     "false, got '%.80s'", name, s);
	}
	if (!p_parse_long(s, &v) && v >= pc->min && v <= pc->max) {
		*p_core_int(f->p->c, pc) = (int)v;
		return 0;
	}
	if (pc->max == INT_MAX)
		return p_err(f, "%s: expected an integer of at least %d, "
			     "got '%.80s'", name, pc->min, s);
	return p_err(f, "%s: expected an integer from %d to %d, got '%.80s'",
		     name, pc->min, pc->max, s);
}

static int p_core_assign(struct p_file *f, const char *name,
			 const struct p_core *pc, const char *s)
{
	struct p_val v;
	char why[256];
	char **slot;
	int rc;

	if (p_value(f, name, s, &v))
		return -1;
	if (pc->type != P_STR) {
		rc = p_set_int(f, name, pc, v.text);
		free(v.text);
	} else if (pc->check && pc->check(v.text, why, sizeof(why))) {
		free(v.text);
		rc = p_err(f, "%s: %s", name, why);
	} else {
		/* the same parameter given twice: the last one wins */
		slot = p_core_str(f->p->c, pc);
		free(*slot);
		*slot = v.text;
		rc = 0;
	}
	return rc;
}

static int p_unknown(struct p_file *f, const char *name)
{
	const struct p_core *pc;
	char list[768];
	size_t i, n = 0;
	int m;

	list[0] = '\0';
	for (i = 0; i < P_NCORE && n < sizeof(list); i++) {
		pc = &p_core_params[i];
		if (pc->alias)
			m = snprintf(list + n, sizeof(list) - n,
				     "%s (alias %s), ", pc->name, pc->alias);
		else
			m = snprintf(list + n, sizeof(list) - n, "%s, ",
				     pc->name);
		if (m < 0)
			break;
		n += m;
	}
	return p_err(f, "unknown parameter '%.64s' (core parameters: %s"
		     "listen, loadmodule, include_file, tls_*, "
		     "tls_domain[...] { }, or modparam(\"module\", \"param\", "
		     "value))", name, list);
}

/* ------------------------------------------------------------------ */
/* listen */

static const char p_addr_usage[] =
	"expected an IPv4 address, an IPv6 address in brackets such as "
	"[::1], or *";

static int p_add_listen(struct p_file *f, const char *proto,
			const char *host, unsigned short port)
{
	struct cfg_listen *l = calloc(1, sizeof(*l));

	if (!l)
		return p_oom(f);
	l->proto = p_strdup(proto);
	l->host = p_strdup(host);
	l->file = p_strdup(f->name);
	if (!l->proto || !l->host || !l->file) {
		free(l->proto);
		free(l->host);
		free(l->file);
		free(l);
		return p_oom(f);
	}
	l->port = port;
	l->line = f->line;
	*f->p->listen_tail = l;
	f->p->listen_tail = &l->next;
	return 0;
}

/* "PROTO:" at the start of @s: *proto gets it, or stays empty. */
static int p_listen_proto(struct p_file *f, const char *v, const char **s,
			  char *proto, size_t len)
{
	const char *w = *s, *e = *s;
	int lower = 1;

	proto[0] = '\0';
	if (!((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z')))
		return 0;
	for (; p_isident((unsigned char)*e, 0) || *e == '-'; e++)
		if ((*e >= 'A' && *e <= 'Z') || *e == '-')
			lower = 0;
	if (*e != ':')
		return 0; /* no protocol: "ADDR" (the address check speaks) */
	if (!lower || (size_t)(e - w) >= len)
		return p_err(f, "listen: bad protocol '%.*s' in '%.80s' "
			     "(expected udp, tcp, tls or another lowercase "
			     "transport name)", (int)(e - w > 64 ? 64 : e - w),
			     w, v);
	memcpy(proto, w, e - w);
	proto[e - w] = '\0';
	*s = e + 1;
	return 0;
}

static int p_listen_port(struct p_file *f, const char *s,
			 unsigned short *port)
{
	unsigned long v = 0;
	const char *q;

	for (q = s; *q >= '0' && *q <= '9' && q - s < 6; q++)
		v = v * 10 + (unsigned long)(*q - '0');
	if (q == s || *q || v > 65535)
		return p_err(f, "listen: bad port '%.32s' (expected 1..65535)",
			     s);
	*port = (unsigned short)v;
	return 0;
}

static int p_listen_addr(struct p_file *f, const char *v, const char **s,
			 char *host, size_t len)
{
	const char *a = *s, *e;
	struct sockaddr_storage ss;
	socklen_t sslen;
	size_t n;

	if (*a == '*') {
		snprintf(host, len, "0.0.0.0");
		*s = a + 1;
		return 0;
	}
	if (*a == '[') {
		e = strchr(a, ']');
		if (!e || (size_t)(e - a - 1) >= len)
			goto bad;
		n = e - a - 1;
		memcpy(host, a + 1, n);
		host[n] = '\0';
		if (sc_addr_from_ip(host, 0, &ss, &sslen) < 0 ||
		    ss.ss_family != AF_INET6)
			goto bad;
		*s = e + 1;
		return 0;
	}
	n = strcspn(a, ":");
	if (a[n] == ':' && strchr(a + n + 1, ':'))
		return p_err(f, "listen: bad address '%.80s' (an IPv6 address "
			     "goes in brackets: [::1]:5060)", a);
	if (n >= len)
		goto bad;
	memcpy(host, a, n);
	host[n] = '\0';
	if (sc_addr_from_ip(host, 0, &ss, &sslen) < 0 ||
	    ss.ss_family != AF_INET)
		goto bad;
	*s = a + n;
	return 0;
bad:
	/* name the address alone: up to the ']' or the port's ':' */
	n = *a == '[' ? (strchr(a, ']') ? (size_t)(strchr(a, ']') - a + 1) :
			 strlen(a)) : strcspn(a, ":");
	if (a == v && !a[n])
		return p_err(f, "listen: bad address '%.80s' (%s)", a,
			     p_addr_usage);
	return p_err(f, "listen: bad address '%.*s' in '%.80s' (%s)",
		     (int)(n > 80 ? 80 : n), a, v, p_addr_usage);
}

/*
 * listen = [PROTO:]ADDR[:PORT]. Without a protocol the address is served
 * on both udp and tcp, as in SER.
 */
static int p_listen_value(struct p_file *f, const char *v)
{
	char proto[32], host[64];
	unsigned short port = 0;
	const char *s = v;

	if (p_listen_proto(f, v, &s, proto, sizeof(proto)))
		return -1;
	if (p_listen_addr(f, v, &s, host, sizeof(host)))
		return -1;
	if (*s == ':') {
		if (p_listen_port(f, s + 1, &port))
			return -1;
	} else if (*s) {
		return p_err(f, "listen: unexpected '%.32s' after the address "
			     "in '%.80s' (expected [PROTO:]ADDR[:PORT])", s, v);
	}
	if (proto[0])
		return p_add_listen(f, proto, host, port);
	if (p_add_listen(f, "udp", host, port))
		return -1;
	return p_add_listen(f, "tcp", host, port);
}

static int p_listen(struct p_file *f, const char *s)
{
	struct p_val v;
	int rc;

	if (p_value(f, "listen", s, &v))
		return -1;
	rc = p_listen_value(f, v.text);
	free(v.text);
	return rc;
}

/* ------------------------------------------------------------------ */
/* loadmodule, modparam */

static int p_loadmodule(struct p_file *f, const char *s)
{
	struct cfg_stmt *st;
	char *name;

	if (p_arg(f, "loadmodule", "loadmodule \"name.so\"", s, &name))
		return -1;
	st = p_new_stmt(f, CFG_LOADMODULE);
	if (!st) {
		free(name);
		return p_oom(f);
	}
	st->module = name;
	p_append_stmt(f, st);
	return 0;
}

static const char p_modparam_usage[] =
	"modparam(\"module\", \"param\", value) with an integer or a quoted "
	"string as the value";

/* A quoted, non-empty name followed by ','. */
static int p_modparam_name(struct p_file *f, const char **s, char **out,
			   const char *what)
{
	const char *e;

	*s = p_skip_ws(*s);
	if (**s != '"')
		return p_err(f, "modparam: expected the %s name as a quoted "
			     "string (%s)", what, p_modparam_usage);
	if (p_unquote(f, *s, out, &e))
		return -1;
	e = p_skip_ws(e);
	if (!**out || *e != ',') {
		free(*out);
		*out = NULL;
		return p_err(f, "modparam: %s (%s)", *e != ',' ?
			     "expected ','" : "empty name", p_modparam_usage);
	}
	*s = e + 1;
	return 0;
}

/* The value: a quoted string or an integer literal, then ')'. */
static int p_modparam_value(struct p_file *f, const char *s, char **text,
			    int *quoted)
{
	const char *e;

	*text = NULL;
	*quoted = 0;
	s = p_skip_ws(s);
	if (*s == '"') {
		if (p_unquote(f, s, text, &e))
			return -1;
		*quoted = 1;
	} else {
		for (e = s; *e && *e != ')' && *e != ',' &&
			    !p_isspace((unsigned char)*e); e++)
			;
		*text = p_strndup(s, e - s);
		if (!*text)
			return p_oom(f);
		if (!p_looks_int(*text))
			goto bad;
	}
	e = p_skip_ws(e);
	if (*e != ')')
		goto bad;
	e = p_skip_ws(e + 1);
	if (*e)
		goto bad;
	return 0;
bad:
	p_err(f, "modparam: bad value near '%.64s' (expected %s)", s,
	      p_modparam_usage);
	free(*text);
	*text = NULL;
	return -1;
}

static int p_modparam(struct p_file *f, const char *s)
{
	char *mod = NULL, *param = NULL, *text = NULL;
	struct cfg_stmt *st;
	int quoted;

	if (*s != '(')
		return p_err(f, "modparam: expected %s", p_modparam_usage);
	s++;
	if (p_modparam_name(f, &s, &mod, "module") ||
	    p_modparam_name(f, &s, &param, "parameter") ||
	    p_modparam_value(f, s, &text, &quoted))
		goto fail;
	st = p_new_stmt(f, CFG_MODPARAM);
	if (!st) {
		p_oom(f);
		goto fail;
	}
	st->module = mod;
	st->param = param;
	if (p_mod_value(f, "modparam", text, quoted, &st->v)) {
		p_free_stmt(st);
		return -1;
	}
	p_append_stmt(f, st);
	return 0;
fail:
	free(mod);
	free(param);
	free(text);
	return -1;
}

/* ------------------------------------------------------------------ */
/* include_file */

static int p_text(struct p_file *f, const char *text, size_t len);

/* @path relative to the directory of @base, unless absolute. */
static char *p_resolve(const char *base, const char *path)
{
	const char *slash = strrchr(base, '/');
	size_t dn, pn;
	char *d;

	if (path[0] == '/' || !slash)
		return p_strdup(path);
	dn = slash - base + 1;
	pn = strlen(path);
	d = malloc(dn + pn + 1);
	if (!d)
		return NULL;
	memcpy(d, base, dn);
	memcpy(d + dn, path, pn + 1);
	return d;
}

/**
 * Read at most CFG_MAX_FILE bytes of @path into a malloc'd buffer.
 * Returns 0, or an errno value (EFBIG: larger than the limit).
 */
static int p_read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = 0, n = 0;
	char *b = NULL, *nb;
	ssize_t r;
	int fd, e = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	for (;;) {
		if (n == cap) {
			if (cap > CFG_MAX_FILE) {
				e = EFBIG;
				break;
			}
			/* one byte past the limit tells "too large" */
			cap = cap ? cap * 2 : 65536;
			if (cap > CFG_MAX_FILE + 1)
				cap = CFG_MAX_FILE + 1;
			nb = realloc(b, cap);
			if (!nb) {
				e = ENOMEM;
				break;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			break;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	if (!e && n > CFG_MAX_FILE)
		e = EFBIG;
	if (e) {
		free(b);
		return e;
	}
	*buf = b;
	*len = n;
	return 0;
}

static const char *p_read_error(int e)
{
	if (e == EFBIG)
		return "file is larger than 4 MiB";
	if (e == ENOMEM)
		return "out of memory";
	return strerror(e);
}

static int p_include(struct p_file *f, const char *kw, const char *s)
{
	struct p_file sub = { .p = f->p, .depth = f->depth + 1 };
	char *arg = NULL, *path = NULL, *buf = NULL;
	size_t len = 0;
	int rc = -1, e;

	if (p_arg(f, kw, "include_file \"path\"", s, &arg))
		return -1;
	if (f->depth >= CFG_MAX_DEPTH) {
		p_err(f, "%s: includes nested more than %d levels deep (does "
		      "a file include itself?)", kw, CFG_MAX_DEPTH);
		goto out;
	}
	path = p_resolve(f->name, arg);
	if (!path) {
		p_oom(f);
		goto out;
	}
	e = p_read_file(path, &buf, &len);
	if (e) {
		p_err(f, "%s: cannot read '%.200s': %s", kw, path,
		      p_read_error(e));
		goto out;
	}
	sub.name = path;
	rc = p_text(&sub, buf, len);
out:
	free(buf);
	free(path);
	free(arg);
	return rc;
}

/* ------------------------------------------------------------------ */
/* tls_domain[...] { } blocks */

static int p_line(struct p_file *f, const char *s);

static const char p_domain_usage[] = "tls_domain[IP:port] { name = value ... }";

static int p_domain_open(struct p_file *f, const char *s)
{
	const char *e;
	int depth = 0;

	if (*s != '[')
		return p_err(f, "tls_domain: expected %s", p_domain_usage);
	/* the scope may hold brackets itself: tls_domain[[::1]:5061] */
	for (e = s; *e; e++) {
		if (*e == '[')
			depth++;
		else if (*e == ']' && --depth == 0)
			break;
	}
	if (!*e)
		return p_err(f, "tls_domain: missing ']' (expected %s)",
			     p_domain_usage);
	if (e == s + 1)
		return p_err(f, "tls_domain: empty scope (expected %s)",
			     p_domain_usage);
	f->scope = p_strndup(s + 1, e - s - 1);
	if (!f->scope)
		return p_oom(f);
	f->blk = P_BLK_WANT_BRACE;
	f->blk_line = f->line;
	e = p_skip_ws(e + 1);
	if (!*e)
		return 0;
	if (*e != '{')
		return p_err(f, "tls_domain[%.80s]: expected '{' after ']', "
			     "got '%.32s'", f->scope, e);
	return p_line(f, e);
}

static int p_domain_close(struct p_file *f, const char *s)
{
	if (f->blk != P_BLK_OPEN)
		return p_err(f, "unexpected '}' (no tls_domain block is open)");
	s = p_skip_ws(s + 1);
	if (*s)
		return p_err(f, "unexpected '%.32s' after '}' (the closing "
			     "brace goes on a line of its own)", s);
	free(f->scope);
	f->scope = NULL;
	f->blk = P_BLK_NONE;
	return 0;
}

static int p_block_line(struct p_file *f, const char *s)
{
	char name[CFG_MAX_NAME];
	const char *r;
	int n;

	n = p_ident(s, name, sizeof(name));
	if (*s == '{' || (n > 0 && !strcmp(name, "tls_domain")))
		return p_err(f, "nested blocks are not allowed (the tls_domain "
			     "block opened at line %d is not closed yet)",
			     f->blk_line);
	if (n < 0)
		return p_err(f, "parameter name too long (at most %d "
			     "characters)", CFG_MAX_NAME - 1);
	r = n > 0 ? p_skip_ws(s + n) : s;
	if (n == 0 || *r != '=')
		return p_err(f, "only name = value lines are allowed inside "
			     "a tls_domain block, got '%.64s'", s);
	return p_tlsline(f, name, r + 1);
}

/* ------------------------------------------------------------------ */
/* Lines */

/* route, onreply_route, failure_route, event_route, ... */
static int p_is_route(const char *name)
{
	size_t n = strlen(name);

	return !strcmp(name, "route") ||
	       (n > 6 && !strcmp(name + n - 6, "_route"));
}

static int p_assign(struct p_file *f, const char *name, const char *s)
{
	const struct p_core *pc;

	if (!strcmp(name, "listen"))
		return p_listen(f, s);
	pc = p_core_find(name);
	if (pc)
		return p_core_assign(f, name, pc, s);
	/* core names win; none starts with tls_ */
	if (!strncmp(name, "tls_", 4))
		return p_tlsline(f, name, s);
	return p_unknown(f, name);
}

static int p_top(struct p_file *f, const char *s)
{
	char name[CFG_MAX_NAME];
	const char *r;
	int n;

	n = p_ident(s, name, sizeof(name));
	if (n < 0)
		return p_err(f, "parameter name too long (at most %d "
			     "characters)", CFG_MAX_NAME - 1);
	if (n == 0)
		return p_err(f, "expected a statement (name = value, listen = "
			     "..., loadmodule, modparam(...), include_file, "
			     "tls_domain[...] { }), got '%.64s'", s);
	r = p_skip_ws(s + n);
	if (!strcmp(name, "tls_domain"))
		return p_domain_open(f, r);
	if (p_is_route(name) && *r != '=')
		return p_err(f, "%s", p_route_msg);
	if (!strcmp(name, "loadmodule"))
		return p_loadmodule(f, r);
	if (!strcmp(name, "modparam"))
		return p_modparam(f, r);
	if (!strcmp(name, "include_file") || !strcmp(name, "import_file"))
		return p_include(f, name, r);
	if (*r == '=')
		return p_assign(f, name, r + 1);
	if (p_core_find(name) || !strcmp(name, "listen") ||
	    !strncmp(name, "tls_", 4))
		return p_err(f, "%s: expected '=' and a value", name);
	return p_unknown(f, name);
}

/* @s: a line without its comment, trimmed, not empty. */
static int p_line(struct p_file *f, const char *s)
{
	if (f->blk == P_BLK_WANT_BRACE) {
		if (*s != '{')
			return p_err(f, "expected '{' to open the block "
				     "tls_domain[%.80s] of line %d", f->scope,
				     f->blk_line);
		f->blk = P_BLK_OPEN;
		s = p_skip_ws(s + 1);
		if (!*s)
			return 0;
	}
	if (*s == '}')
		return p_domain_close(f, s);
	if (f->blk == P_BLK_OPEN)
		return p_block_line(f, s);
	return p_top(f, s);
}

/**
 * Cut the comment off @s (a '#' outside a quoted string), check quotes are
 * closed, trim blanks and one trailing ';'. Returns the start of the text.
 */
static int p_strip(struct p_file *f, char *s, char **out)
{
	char *q, *e;
	int inq = 0;

	*out = s;
	for (q = s; *q; q++) {
		if (inq) {
			if (*q == '\\' && q[1])
				q++;
			else if (*q == '"')
				inq = 0;
		} else if (*q == '"') {
			inq = 1;
		} else if (*q == '#') {
			*q = '\0';
			break;
		}
	}
	if (inq)
		return p_err(f, "unterminated string (a closing '\"' is "
			     "missing)");
	e = s + strlen(s);
	while (e > s && p_isspace((unsigned char)e[-1]))
		e--;
	if (e > s && e[-1] == ';')
		e--;
	while (e > s && p_isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	*out = (char *)p_skip_ws(s);
	return 0;
}

static int p_text(struct p_file *f, const char *text, size_t len)
{
	char buf[CFG_MAX_LINE + 1];
	const char *p = text, *end = text + len, *nl;
	char *s;
	size_t n;
	int rc = 0;

	while (p < end && !rc) {
		nl = memchr(p, '\n', end - p);
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		f->line++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > CFG_MAX_LINE) {
			rc = p_err(f, "line too long (at most %d bytes)",
				   CFG_MAX_LINE);
			break;
		}
		if (memchr(p, '\0', n)) {
			rc = p_err(f, "NUL byte in the line (is this a text "
				   "file?)");
			break;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		rc = p_strip(f, buf, &s);
		if (!rc && *s)
			rc = p_line(f, s);
		p = nl ? nl + 1 : end;
	}
	if (!rc && f->blk != P_BLK_NONE)
		rc = p_err_at(f, f->blk_line, "tls_domain block opened here is "
			      "not closed (a '}' is missing)");
	free(f->scope);
	f->scope = NULL;
	f->blk = P_BLK_NONE;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Public API */

int cfg_defaults(struct cfg *c)
{
	const struct p_core *pc;
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < P_NCORE; i++) {
		pc = &p_core_params[i];
		if (pc->type != P_STR) {
			*p_core_int(c, pc) = pc->idef;
			continue;
		}
		if (!pc->sdef)
			continue;
		*p_core_str(c, pc) = p_strdup(pc->sdef);
		if (!*p_core_str(c, pc)) {
			cfg_free(c);
			return -1;
		}
	}
	return 0;
}

void cfg_free(struct cfg *c)
{
	struct cfg_listen *l, *ln;
	struct cfg_stmt *st, *sn;
	size_t i;

	if (!c)
		return;
	for (i = 0; i < P_NCORE; i++)
		if (p_core_params[i].type == P_STR)
			free(*p_core_str(c, &p_core_params[i]));
	for (l = c->listen; l; l = ln) {
		ln = l->next;
		free(l->proto);
		free(l->host);
		free(l->file);
		free(l);
	}
	for (st = c->stmts; st; st = sn) {
		sn = st->next;
		p_free_stmt(st);
	}
	free(c->path);
	memset(c, 0, sizeof(*c));
}

static void __attribute__((format(printf, 4, 5)))
p_top_err(char *err, size_t errlen, const char *name, const char *fmt, ...)
{
	struct p_parser p = { .err = err, .errlen = errlen };
	va_list ap;

	va_start(ap, fmt);
	p_vmsg(&p, name, 0, fmt, ap);
	va_end(ap);
}

/* Parse @len bytes of @text into @c, which holds the defaults. */
static int p_run(struct cfg *c, const char *name, const char *text,
		 size_t len, char *err, size_t errlen)
{
	struct p_parser p = {
		.c = c, .err = err, .errlen = errlen,
		.stmt_tail = &c->stmts, .listen_tail = &c->listen,
	};
	struct p_file f = { .p = &p, .name = name };

	if (len > CFG_MAX_FILE) {
		p_top_err(err, errlen, name, "%s", p_read_error(EFBIG));
		return -1;
	}
	return p_text(&f, text, len);
}

int cfg_parse_string(const char *text, const char *fname, struct cfg *c,
		     char *err, size_t errlen)
{
	if (!fname)
		fname = "<string>";
	if (err && errlen)
		err[0] = '\0';
	if (!c || !text) {
		p_top_err(err, errlen, fname, "no config text given");
		return -1;
	}
	if (cfg_defaults(c)) {
		p_top_err(err, errlen, fname, "out of memory");
		return -1;
	}
	if (p_run(c, fname, text, strnlen(text, CFG_MAX_FILE + 1), err,
		  errlen)) {
		cfg_free(c);
		return -1;
	}
	return 0;
}

int cfg_parse_file(const char *path, struct cfg *c, char *err,
		   size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int e, rc = -1;

	if (err && errlen)
		err[0] = '\0';
	if (!c || !path) {
		p_top_err(err, errlen, path ? path : "<config>",
			  "no config file given");
		return -1;
	}
	if (cfg_defaults(c)) {
		p_top_err(err, errlen, path, "out of memory");
		return -1;
	}
	c->path = p_strdup(path);
	if (!c->path) {
		p_top_err(err, errlen, path, "out of memory");
		goto out;
	}
	e = p_read_file(path, &buf, &len);
	if (e) {
		p_top_err(err, errlen, path, "cannot read the config file: %s",
			  p_read_error(e));
		goto out;
	}
	rc = p_run(c, path, buf, len, err, errlen);
out:
	free(buf);
	if (rc)
		cfg_free(c);
	return rc;
}
