/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Outgoing copies of parsed messages with proxy edits
 * (prefix: sip_edit; local helpers: ed_).
 *
 * The build runs in two steps: checking every edit against the message
 * (what to drop, whether the lists to cut are well-formed, whether the
 * caller's strings are safe to put on a header line), then writing. A
 * write that would pass @outlen sets a flag after which nothing more is
 * written, and the build fails: there is no partial message to send.
 *
 * A header line with a value to remove (Via, Route) is written again from
 * its values: the ones kept, verbatim and unfolded, joined by ", " under
 * the name as written (a compact "v" stays "v"). When none is kept, the
 * line goes.
 */
#include <stdio.h>
#include <string.h>

#include "sip_edit.h"
#include "sip_uri.h"

/* What happens to each original header line. */
enum ed_op {
	ED_KEEP = 0,
	ED_DROP,
	ED_CUT,      /* rewritten without its first and/or last value */
	ED_MAXFWD,   /* replaced by our Max-Forwards */
};

struct ed_plan {
	unsigned char op[SIP_MAX_HEADERS];
	unsigned char cut_first[SIP_MAX_HEADERS];
	unsigned char cut_last[SIP_MAX_HEADERS];
	int have_clen;       /* a Content-Length line is written */
	int maxfwd_written;  /* by replacing an original one */
};

static void ed_put_hdr(struct sip_out *b, const char *name, const char *value)
{
	sip_out_puts(b, name);
	sip_out_puts(b, ": ");
	sip_out_puts(b, value);
	sip_out_puts(b, "\r\n");
}

/* A header value we write: non-empty, on one line. */
static int ed_safe_value(const char *s)
{
	return s && *s && !strpbrk(s, "\r\n");
}

/* A Request-URI: no blank (it ends at one), no control character. */
static int ed_safe_ruri(struct sc_str u)
{
	size_t i;

	if (!u.s || u.len == 0)
		return 0;
	for (i = 0; i < u.len; i++) {
		unsigned char c = (unsigned char)u.s[i];

		if (c <= 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

/* @add: one or more "Name: value" lines, each ended by CRLF. */
static int ed_safe_add(const char *s)
{
	const char *p = s, *eol;

	if (!s)
		return 1;
	while (*p) {
		const char *n = p;

		while (sip_uri_is_token(*p))
			p++;
		if (p == n)
			return 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != ':')
			return 0;
		eol = strchr(p, '\n');
		if (!eol || eol[-1] != '\r')
			return 0;
		/* a lone CR inside the line would end it for some readers */
		if (memchr(p, '\r', (size_t)(eol - 1 - p)))
			return 0;
		p = eol + 1;
	}
	return 1;
}

/* Number of values in @h's list; -1 when malformed or empty. */
static int ed_count_values(const struct sip_hdr *h)
{
	struct sc_str rest = h->value, item;
	int n = 0, rc;

	while ((rc = sip_uri_list_next(&rest, &item)) == 1)
		n++;
	return rc < 0 || n == 0 ? -1 : n;
}

static int ed_is_removed(const struct sip_edit *e, const struct sip_hdr *h)
{
	unsigned i;

	for (i = 0; i < SIP_EDIT_MAX_REMOVE && e->remove[i]; i++)
		if (sip_caseeq(h->name.s, h->name.len, e->remove[i],
			       strlen(e->remove[i])))
			return 1;
	return 0;
}

static int ed_plan_routes(const struct sc_sip_msg *m,
			  const struct sip_edit *e, struct ed_plan *pl)
{
	int first = -1, last = -1, left = e->drop_first_route, n;
	unsigned i;

	for (i = 0; i < m->nhdrs; i++) {
		if (m->hdrs[i].id != SIP_H_ROUTE || pl->op[i] == ED_DROP)
			continue;
		if (first < 0)
			first = (int)i;
		last = (int)i;
	}
	if (first < 0)
		return -1;
	if (ed_count_values(&m->hdrs[first]) < 0 ||
	    ed_count_values(&m->hdrs[last]) < 0)
		return -1;
	/* the first values, over as many Route lines as they take */
	for (i = (unsigned)first; left > 0 && i < m->nhdrs; i++) {
		if (m->hdrs[i].id != SIP_H_ROUTE || pl->op[i] == ED_DROP)
			continue;
		n = ed_count_values(&m->hdrs[i]);
		if (n < 0)
			return -1;
		pl->op[i] = ED_CUT;
		pl->cut_first[i] = (unsigned char)(n < left ? n : left);
		left -= pl->cut_first[i];
	}
	if (left > 0)
		return -1; /* fewer values than asked to remove */
	if (e->drop_last_route) {
		/* it may be among the first ones: then it is gone already */
		pl->op[last] = ED_CUT;
		pl->cut_last[last] = 1;
	}
	return 0;
}

static int ed_plan(const struct sc_sip_msg *m, const struct sip_edit *e,
		   struct ed_plan *pl)
{
	int via = -1, mf_seen = 0;
	unsigned i;

	memset(pl, 0, sizeof(*pl));
	for (i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];

		if (ed_is_removed(e, h)) {
			pl->op[i] = ED_DROP;
			continue;
		}
		if (h->id == SIP_H_VIA && via < 0)
			via = (int)i;
		if (h->id == SIP_H_MAXFWD && e->maxfwd != SIP_EDIT_KEEP) {
			pl->op[i] = mf_seen ? ED_DROP : ED_MAXFWD;
			pl->maxfwd_written = 1;
			mf_seen = 1;
		}
		if (h->id == SIP_H_CLEN)
			pl->have_clen = 1;
	}
	if (e->drop_top_via) {
		if (via < 0 || ed_count_values(&m->hdrs[via]) < 0)
			return -1;
		pl->op[via] = ED_CUT;
		pl->cut_first[via] = 1;
	}
	if ((e->drop_first_route || e->drop_last_route) &&
	    ed_plan_routes(m, e, pl) < 0)
		return -1;
	return 0;
}

static int ed_check(const struct sc_sip_msg *m, const struct sip_edit *e)
{
	unsigned i;

	if (e->ruri.s && (!m->is_request || !ed_safe_ruri(e->ruri)))
		return -1;
	if (e->via && !ed_safe_value(e->via))
		return -1;
	for (i = 0; i < SIP_EDIT_MAX_TOP; i++)
		if ((e->rr[i] && !ed_safe_value(e->rr[i])) ||
		    (e->path[i] && !ed_safe_value(e->path[i])))
			return -1;
	if (e->maxfwd != SIP_EDIT_KEEP && (e->maxfwd < 0 || e->maxfwd > 255))
		return -1;
	return ed_safe_add(e->add) ? 0 : -1;
}

/* The first line, with the new Request-URI if there is one. */
static void ed_first_line(struct sip_out *b, const struct sc_sip_msg *m,
			  const struct sip_edit *e)
{
	const char *lf = memchr(m->buf, '\n', m->len);
	const char *end = lf;

	if (end > m->buf && end[-1] == '\r')
		end--;
	if (e->ruri.s) {
		sip_out_put(b, m->method.s, m->method.len);
		sip_out_puts(b, " ");
		sip_out_put(b, e->ruri.s, e->ruri.len);
		sip_out_put(b, m->ruri.s + m->ruri.len,
		       (size_t)(end - (m->ruri.s + m->ruri.len)));
	} else {
		sip_out_put(b, m->buf, (size_t)(end - m->buf));
	}
	sip_out_puts(b, "\r\n");
}

static void ed_put_maxfwd(struct sip_out *b, int v)
{
	char num[8];

	snprintf(num, sizeof(num), "%d", v);
	ed_put_hdr(b, "Max-Forwards", num);
}

/* The new headers that go before every original one. */
static void ed_top(struct sip_out *b, const struct sip_edit *e,
		   const struct ed_plan *pl)
{
	unsigned i;

	if (e->via)
		ed_put_hdr(b, "Via", e->via);
	for (i = 0; i < SIP_EDIT_MAX_TOP && e->rr[i]; i++)
		ed_put_hdr(b, "Record-Route", e->rr[i]);
	for (i = 0; i < SIP_EDIT_MAX_TOP && e->path[i]; i++)
		ed_put_hdr(b, "Path", e->path[i]);
	if (e->maxfwd != SIP_EDIT_KEEP && !pl->maxfwd_written)
		ed_put_maxfwd(b, e->maxfwd);
}

/* @h without its @first values and/or its last; nothing when none is left. */
static void ed_cut(struct sip_out *b, const struct sip_hdr *h, int first,
		   int last)
{
	struct sc_str rest = h->value, item;
	int n = ed_count_values(h), i = 0, kept = 0;

	while (sip_uri_list_next(&rest, &item) == 1) {
		int skip = i < first || (last && i == n - 1);

		i++;
		if (skip)
			continue;
		if (!kept) {
			sip_out_put(b, h->name.s, h->name.len);
			sip_out_puts(b, ": ");
		} else {
			sip_out_puts(b, ", ");
		}
		sip_out_put_unfolded(b, item.s, item.s + item.len);
		kept++;
	}
	if (kept)
		sip_out_puts(b, "\r\n");
}

static void ed_headers(struct sip_out *b, const struct sc_sip_msg *m,
		       const struct sip_edit *e, const struct ed_plan *pl)
{
	const struct sip_hdr *h;
	unsigned i;

	for (i = 0; i < m->nhdrs; i++) {
		h = &m->hdrs[i];
		switch (pl->op[i]) {
		case ED_DROP:
			break;
		case ED_CUT:
			ed_cut(b, h, pl->cut_first[i], pl->cut_last[i]);
			break;
		case ED_MAXFWD:
			ed_put_maxfwd(b, e->maxfwd);
			break;
		default:
			sip_out_put_unfolded(b, h->line.s, h->line.s + h->line.len);
			sip_out_puts(b, "\r\n");
			break;
		}
	}
}

void sip_edit_init(struct sip_edit *e)
{
	memset(e, 0, sizeof(*e));
	e->maxfwd = SIP_EDIT_KEEP;
}

int sip_edit_build(const struct sc_sip_msg *m, const struct sip_edit *e,
		   char *out, size_t outlen)
{
	struct sip_out b = { out, outlen, 0, 0 };
	struct ed_plan pl;
	char num[24];

	if (!m || !m->buf || !e || !out || outlen > (size_t)0x7fffffff ||
	    !memchr(m->buf, '\n', m->len))
		return -1; /* not a message sip_parse() accepted */
	if (ed_check(m, e) < 0 || ed_plan(m, e, &pl) < 0)
		return -1;
	ed_first_line(&b, m, e);
	ed_top(&b, e, &pl);
	ed_headers(&b, m, e, &pl);
	if (e->add)
		sip_out_puts(&b, e->add);
	if (e->ensure_clen && !pl.have_clen) {
		snprintf(num, sizeof(num), "%zu", m->body.len);
		ed_put_hdr(&b, "Content-Length", num);
	}
	sip_out_puts(&b, "\r\n");
	sip_out_put(&b, m->body.s, m->body.len);
	return b.full ? -1 : (int)b.len;
}

int sip_edit_maxfwd(const struct sc_sip_msg *m)
{
	struct sc_str v;
	unsigned long n = 0;
	size_t i;
	int k = sip_find_hdr(m, SIP_H_MAXFWD);

	if (k < 0)
		return SIP_EDIT_KEEP;
	v = m->hdrs[k].value;
	if (v.len == 0 || v.len > 10)
		return -2;
	for (i = 0; i < v.len; i++) {
		if (v.s[i] < '0' || v.s[i] > '9')
			return -2;
		n = n * 10 + (unsigned long)(v.s[i] - '0');
	}
	return n > 255 ? -2 : (int)n;
}
