/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Session ticket master keys (prefix: tls_tkt, tkt_).
 *
 * The keys sit in a page of their own rather than in the core's arena:
 * it can be kept out of core dumps (MADV_DONTDUMP) without touching the
 * arena's other pages, and it is mapped before fork, so every worker
 * shares it (and the flag). The lock is in the page too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <sipcore/log.h>
#include <sipcore/module.h>
#include <sipcore/shm.h>

#include "tls_domain.h"
#include "tls_ticket.h"
#include "tls_util.h"

/*
 * GnuTLS's ticket key window: 3 (STEK_ROTATION_PERIOD_PRODUCT) times the
 * session cache expiration, which the module leaves at GnuTLS's default
 * of 6 hours (DEFAULT_EXPIRE_TIME).
 */
#define TKT_GNUTLS_WINDOW (3 * 21600)

struct tkt_page {
	shm_lock_t lock;
	uint64_t serial;        /* atomic reads; written under the lock */
	int64_t since;          /* tls_tkt_now() when cur was made */
	unsigned char cur[TLS_TKT_KEY_SIZE];
	unsigned char prev[TLS_TKT_KEY_SIZE];
	int has_prev;
};

static struct tkt_page *tkt;
static size_t tkt_len;

int64_t tls_tkt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* A fresh key into @key; under the lock, or before anyone shares it. */
static int tkt_fresh(unsigned char key[TLS_TKT_KEY_SIZE])
{
	gnutls_datum_t k = { NULL, 0 };
	int rc;

	rc = gnutls_session_ticket_key_generate(&k);
	if (rc < 0) {
		TLS_LOG_GNUTLS(SC_L_ERR, rc,
			       "gnutls_session_ticket_key_generate()");
		return -1;
	}
	rc = 0;
	if (k.size != TLS_TKT_KEY_SIZE) {
		SC_ERR("tls_gnutls: session ticket key of %u bytes, expected %d",
		       k.size, TLS_TKT_KEY_SIZE);
		rc = -1;
	} else {
		memcpy(key, k.data, TLS_TKT_KEY_SIZE);
	}
	gnutls_memset(k.data, 0, k.size);
	gnutls_free(k.data);
	return rc;
}

int tls_tkt_init(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p;

	if (tkt)
		return 0;
	tkt_len = pg > 0 && (size_t)pg >= sizeof(*tkt) ? (size_t)pg
						       : sizeof(*tkt);
	p = mmap(NULL, tkt_len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		SC_ERR("tls_gnutls: mmap() of the session ticket key page: %s",
		       strerror(errno));
		return -1;
	}
	/* keys have no business in a core dump; not fatal if refused */
	if (madvise(p, tkt_len, MADV_DONTDUMP) < 0)
		SC_WARN("tls_gnutls: madvise(MADV_DONTDUMP) on the session ticket key "
			"page: %s: the keys may appear in core dumps",
			strerror(errno));
	tkt = p;
	if (shm_lock_init(&tkt->lock) != 0) {
		SC_ERR("tls_gnutls: cannot initialise the session ticket key lock");
		goto fail;
	}
	if (tkt_fresh(tkt->cur) < 0)
		goto fail;
	tkt->since = tls_tkt_now();
	tkt->serial = 1;
	return 0;
fail:
	munmap(p, tkt_len);
	tkt = NULL;
	return -1;
}

void tls_tkt_destroy(void)
{
	if (!tkt)
		return;
	gnutls_memset(tkt->cur, 0, sizeof(tkt->cur));
	gnutls_memset(tkt->prev, 0, sizeof(tkt->prev));
	munmap(tkt, tkt_len);
	tkt = NULL;
}

/* Under the lock. */
static int tkt_rotate_locked(int64_t now)
{
	unsigned char key[TLS_TKT_KEY_SIZE];

	if (tkt_fresh(key) < 0)
		return -1;
	memcpy(tkt->prev, tkt->cur, sizeof(tkt->prev));
	tkt->has_prev = 1;
	memcpy(tkt->cur, key, sizeof(tkt->cur));
	gnutls_memset(key, 0, sizeof(key));
	__atomic_store_n(&tkt->since, now, __ATOMIC_RELEASE);
	__atomic_store_n(&tkt->serial, tkt->serial + 1, __ATOMIC_RELEASE);
	return 0;
}

int tls_tkt_rotate(const char *why)
{
	uint64_t serial;
	int rc;

	if (!tkt)
		return -1;
	shm_lock(&tkt->lock);
	rc = tkt_rotate_locked(tls_tkt_now());
	serial = tkt->serial;
	shm_unlock(&tkt->lock);
	if (rc < 0)
		SC_ERR("tls_gnutls: session ticket key not rotated (%s): the current "
		       "one stays", why);
	else
		SC_INFO("tls_gnutls: session ticket key rotated (%s), serial %llu",
			why, (unsigned long long)serial);
	return rc;
}

#define TKT_FILE_MIN 32
#define TKT_FILE_MAX 4096

/* The key a ticket key file stands for. */
static int tkt_file_key(const char *path, unsigned char key[TLS_TKT_KEY_SIZE],
			char *err, size_t errlen)
{
	static const char label[] = "sipcore tls_gnutls ticket master key";
	unsigned char buf[TKT_FILE_MAX + 1];
	char *full = sc_cfg_path(path);
	ssize_t n = -1;
	struct stat st;
	int fd, rc = -1;

	if (!full) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "ticket key file %s: %s", full,
			 fd < 0 ? strerror(errno) : "not a regular file");
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < TKT_FILE_MIN || n > TKT_FILE_MAX) {
		snprintf(err, errlen, "ticket key file %s: %zd bytes, expected "
			 "%d to %d (make one with head -c 64 /dev/urandom)",
			 full, n, TKT_FILE_MIN, TKT_FILE_MAX);
		goto out;
	}
	if (st.st_mode & 077)
		SC_WARN("tls_gnutls: ticket key file %s can be read by others "
			"(mode %o): whoever reads it can decrypt tickets", full,
			(unsigned)(st.st_mode & 0777));
	rc = gnutls_hmac_fast(GNUTLS_MAC_SHA512, label, sizeof(label) - 1,
			      buf, (size_t)n, key);
	if (rc < 0) {
		snprintf(err, errlen, "ticket key file %s: gnutls_hmac_fast: "
			 "%s (%s)", full, gnutls_strerror_name(rc),
			 gnutls_strerror(rc));
		rc = -1;
	}
out:
	gnutls_memset(buf, 0, sizeof(buf));
	if (fd >= 0)
		close(fd);
	free(full);
	return rc;
}

int tls_tkt_file_check(const char *path, char *err, size_t errlen)
{
	unsigned char key[TLS_TKT_KEY_SIZE];
	int rc = tkt_file_key(path, key, err, errlen);

	gnutls_memset(key, 0, sizeof(key));
	return rc;
}

int tls_tkt_load_file(const char *path, int initial, char *err,
		      size_t errlen)
{
	unsigned char key[TLS_TKT_KEY_SIZE];
	uint64_t serial = 0;
	int changed = 0;

	if (!tkt)
		return -1;
	if (tkt_file_key(path, key, err, errlen) < 0)
		return -1;
	shm_lock(&tkt->lock);
	if (initial) {
		memcpy(tkt->cur, key, sizeof(tkt->cur));
		tkt->has_prev = 0;
		changed = 1;
	} else if (memcmp(tkt->cur, key, sizeof(key)) != 0) {
		memcpy(tkt->prev, tkt->cur, sizeof(tkt->prev));
		tkt->has_prev = 1;
		memcpy(tkt->cur, key, sizeof(tkt->cur));
		changed = 1;
	}
	if (changed) {
		__atomic_store_n(&tkt->since, tls_tkt_now(), __ATOMIC_RELEASE);
		__atomic_store_n(&tkt->serial, tkt->serial + 1,
				 __ATOMIC_RELEASE);
	}
	serial = tkt->serial;
	shm_unlock(&tkt->lock);
	gnutls_memset(key, 0, sizeof(key));
	if (changed && !initial)
		SC_INFO("tls_gnutls: session ticket key changed in %s, the "
			"previous one still decrypts; serial %llu", path,
			(unsigned long long)serial);
	return 0;
}

static int tkt_due(int64_t now, int64_t lifetime)
{
	int64_t since = __atomic_load_n(&tkt->since, __ATOMIC_ACQUIRE);

	return lifetime > 0 && now - since >= lifetime;
}

int tls_tkt_get(struct tls_tkt_keys *out, int64_t now, int64_t lifetime,
		uint64_t have)
{
	int rotated = 0, failed = 0;

	if (!tkt)
		return -1;
	/* the common case, without the lock: nothing new */
	if (have && have == tls_tkt_serial() && !tkt_due(now, lifetime))
		return 0;
	shm_lock(&tkt->lock);
	if (tkt_due(now, lifetime)) {
		if (tkt_rotate_locked(now) == 0) {
			rotated = 1;
		} else {
			/* try again a lifetime later, not at every call */
			__atomic_store_n(&tkt->since, now, __ATOMIC_RELEASE);
			failed = 1;
		}
	}
	out->serial = tkt->serial;
	memcpy(out->cur, tkt->cur, sizeof(out->cur));
	memcpy(out->prev, tkt->prev, sizeof(out->prev));
	out->has_prev = tkt->has_prev;
	shm_unlock(&tkt->lock);
	if (rotated)
		SC_INFO("tls_gnutls: session ticket key rotated (its lifetime of "
			"%lld s is over), serial %llu", (long long)lifetime,
			(unsigned long long)out->serial);
	if (failed)
		SC_ERR("tls_gnutls: session ticket key not rotated although its "
		       "lifetime is over: the current one stays");
	return 1;
}

uint64_t tls_tkt_serial(void)
{
	return tkt ? __atomic_load_n(&tkt->serial, __ATOMIC_ACQUIRE) : 0;
}

int tls_tkt_name(const unsigned char key[TLS_TKT_KEY_SIZE], time_t when,
		 unsigned char name[TLS_TKT_NAME_SIZE])
{
	unsigned char be[8], out[64];
	uint64_t t = when > 0 ? (uint64_t)when / TKT_GNUTLS_WINDOW : 0;
	gnutls_hash_hd_t h;
	int i;

	for (i = 0; i < 8; i++)
		be[i] = (unsigned char)(t >> (56 - 8 * i));
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA3_512) < 0)
		return -1;
	if (gnutls_hash(h, be, sizeof(be)) < 0 ||
	    gnutls_hash(h, key, TLS_TKT_KEY_SIZE) < 0) {
		gnutls_hash_deinit(h, out);
		gnutls_memset(out, 0, sizeof(out));
		return -1;
	}
	gnutls_hash_deinit(h, out);
	memcpy(name, out, TLS_TKT_NAME_SIZE);
	gnutls_memset(out, 0, sizeof(out));
	return 0;
}

struct tkt_hello {
	unsigned char *name;
	int found;
};

static void tkt_take(struct tkt_hello *h, const unsigned char *p,
		     unsigned len)
{
	if (len < TLS_TKT_NAME_SIZE || h->found)
		return;
	memcpy(h->name, p, TLS_TKT_NAME_SIZE);
	h->found = 1;
}

static int tkt_hello_ext(void *ctx, unsigned tls_id, const unsigned char *data,
			 unsigned size)
{
	struct tkt_hello *h = ctx;
	unsigned len;

	if (tls_id == 35) {
		tkt_take(h, data, size);
	} else if (tls_id == 41 && size >= 4) {
		len = (unsigned)data[2] << 8 | data[3];
		if (len <= size - 4)
			tkt_take(h, data + 4, len);
	}
	return 0;
}

int tls_tkt_hello_name(const gnutls_datum_t *msg,
		       unsigned char name[TLS_TKT_NAME_SIZE])
{
	struct tkt_hello h = { name, 0 };

	if (gnutls_ext_raw_parse(&h, tkt_hello_ext, msg,
				 GNUTLS_EXT_RAW_FLAG_TLS_CLIENT_HELLO) < 0)
		return 0;
	return h.found;
}

/* ---- per domain ---------------------------------------------------------- */

static int tkt_hash(gnutls_hash_hd_t h, const void *p, size_t len)
{
	uint64_t l = len;

	/* length first: no two inputs hash alike by shifting bytes across */
	if (gnutls_hash(h, &l, sizeof(l)) < 0)
		return -1;
	return len ? gnutls_hash(h, p, len) : 0;
}

/*
 * Each domain resumes only its own sessions: its ticket key is an HMAC of
 * a master key over what decides who gets in (the domain, its
 * verification settings, its CA list and CRL), digested once per
 * credential set. A ticket issued where no client certificate was asked
 * for is then useless on a listener that requires one, and a reload that
 * changes those settings retires every ticket issued under the old ones.
 * Every worker derives the same keys, so sessions still resume on any
 * worker.
 */
int tls_tkt_dom_id(const struct tls_dom *d, unsigned char id[TLS_TKT_ID_SIZE])
{
	int32_t v[3] = { d->verify, d->require_certificate, d->verify_depth };
	gnutls_hash_hd_t h;
	int ret;

	ret = gnutls_hash_init(&h, GNUTLS_DIG_SHA512);
	if (ret < 0)
		return ret;
	/* the whole key, not the display name (which may be cut short) */
	if (tkt_hash(h, &d->id.kind, sizeof(d->id.kind)) < 0 ||
	    tkt_hash(h, &d->id.is_default, sizeof(d->id.is_default)) < 0 ||
	    tkt_hash(h, &d->id.addr, d->id.addrlen) < 0 ||
	    tkt_hash(h, d->id.server_name, strlen(d->id.server_name)) < 0 ||
	    tkt_hash(h, v, sizeof(v)) < 0 ||
	    tkt_hash(h, d->ca.data, d->ca.len) < 0 ||
	    tkt_hash(h, d->crl.data, d->crl.len) < 0) {
		gnutls_hash_deinit(h, NULL);
		return GNUTLS_E_INTERNAL_ERROR;
	}
	gnutls_hash_deinit(h, id);
	return 0;
}

/* HMAC-SHA512: exactly the 64 bytes GnuTLS wants for a ticket key. */
static int tkt_derive(const unsigned char *master,
		      const unsigned char id[TLS_TKT_ID_SIZE],
		      unsigned char out[TLS_TKT_KEY_SIZE])
{
	return gnutls_hmac_fast(GNUTLS_MAC_SHA512, master, TLS_TKT_KEY_SIZE,
				id, TLS_TKT_ID_SIZE, out);
}

void tls_tkt_dom_derive(struct tls_tkt_dom *k, const struct tls_tkt_keys *m)
{
	k->n = 0;
	if (tkt_derive(m->cur, k->id, k->cur) < 0)
		return;
	k->n = 1;
	if (m->has_prev && tkt_derive(m->prev, k->id, k->prev) == 0)
		k->n = 2;
}

/*
 * A ticket offered in the ClientHello whose key name is that of the
 * domain's key from the previous master key is decrypted with that key;
 * everything else, new tickets of full handshakes included, uses the
 * current one. (GnuTLS takes one key per session: a session resumed with
 * the previous key gets its renewed tickets under it too, and they die
 * with it at the next rotation.)
 */
int tls_tkt_enable(gnutls_session_t s, const struct tls_tkt_dom *k,
		   const unsigned char *name, int *prev)
{
	unsigned char pname[TLS_TKT_NAME_SIZE];
	gnutls_datum_t key;
	int ret;

	*prev = 0;
	if (!k->n)
		return 0;
	key.data = (unsigned char *)k->cur;
	key.size = sizeof(k->cur);
	if (name && k->n > 1 && tls_tkt_name(k->prev, time(NULL), pname) == 0 &&
	    memcmp(pname, name, sizeof(pname)) == 0) {
		key.data = (unsigned char *)k->prev;
		*prev = 1;
	}
	gnutls_memset(pname, 0, sizeof(pname));
	ret = gnutls_session_ticket_enable_server(s, &key);
	return ret < 0 ? ret : 1;
}
