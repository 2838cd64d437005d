/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TLS 1.2 session-ID resumption, shared by all workers (prefix:
 * tls_scache, sca_).
 *
 * Many phones do not support session tickets and resume by session ID:
 * the server must remember the session. The cache is a fixed table in a
 * shared page mapped before fork, so a phone resumes on whichever worker
 * its reconnection lands, bounded in entries and entry size, and kept out
 * of core dumps (it holds master secrets). Entries expire when GnuTLS says
 * the session does; when the table is full an entry near the key's slot
 * is replaced, the one that expires first.
 *
 * The key is the session ID behind the first bytes of the domain's
 * identity digest (tls_tkt_dom_id): a session made under one domain's
 * checks never resumes under another's, as with tickets.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <sipcore/log.h>
#include <sipcore/shm.h>

#include "tls_cred.h"
#include "tls_scache.h"

#define SCA_ID_BYTES 16          /* of the domain digest */
#define SCA_KEY_MAX (SCA_ID_BYTES + 32)
#define SCA_DATA_MAX 4096        /* a larger session is not cached */
#define SCA_PROBE 8
#define SCA_DEFAULT_LIFE 21600   /* GnuTLS's default expiration */

struct sca_entry {
	int64_t expires;          /* wall clock seconds; 0: free */
	uint32_t klen, dlen;
	unsigned char key[SCA_KEY_MAX];
	unsigned char data[SCA_DATA_MAX];
};

struct sca_page {
	shm_lock_t lock;
	unsigned n;
	uint64_t salt;
	struct sca_entry e[];
};

static struct sca_page *sca;
static size_t sca_len;

int tls_scache_init(unsigned entries)
{
	void *p;

	if (!entries || sca)
		return 0;
	sca_len = sizeof(*sca) + (size_t)entries * sizeof(struct sca_entry);
	p = mmap(NULL, sca_len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		SC_ERR("tls_gnutls: mmap() of the session cache (%u entries, "
		       "%zu bytes): %s", entries, sca_len, strerror(errno));
		return -1;
	}
	if (madvise(p, sca_len, MADV_DONTDUMP) < 0)
		SC_WARN("tls_gnutls: madvise(MADV_DONTDUMP) on the session "
			"cache: %s: sessions may appear in core dumps",
			strerror(errno));
	sca = p;
	if (shm_lock_init(&sca->lock) != 0) {
		SC_ERR("tls_gnutls: cannot initialise the session cache lock");
		munmap(p, sca_len);
		sca = NULL;
		return -1;
	}
	sca->n = entries;
	if (gnutls_rnd(GNUTLS_RND_NONCE, &sca->salt, sizeof(sca->salt)) < 0)
		sca->salt = (uint64_t)time(NULL);
	return 0;
}

void tls_scache_destroy(void)
{
	if (!sca)
		return;
	gnutls_memset(sca, 0, sca_len);
	munmap(sca, sca_len);
	sca = NULL;
}

/* Domain digest + session ID into @k; its length, or 0 when too long. */
static size_t sca_key(const struct tls_cred_dom *d, gnutls_datum_t id,
		      unsigned char k[SCA_KEY_MAX])
{
	if (!d || id.size == 0 || id.size > SCA_KEY_MAX - SCA_ID_BYTES)
		return 0;
	memcpy(k, d->tkt.id, SCA_ID_BYTES);
	memcpy(k + SCA_ID_BYTES, id.data, id.size);
	return SCA_ID_BYTES + id.size;
}

static unsigned sca_slot(const unsigned char *k, size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ sca->salt;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ k[i]) * 1099511628211ULL;
	return (unsigned)(h % sca->n);
}

/* Under the lock: the entry of @k, or NULL. */
static struct sca_entry *sca_find(const unsigned char *k, size_t len,
				  int64_t now)
{
	unsigned s = sca_slot(k, len), i;

	for (i = 0; i < SCA_PROBE; i++) {
		struct sca_entry *e = &sca->e[(s + i) % sca->n];

		if (e->expires > now && e->klen == len &&
		    !memcmp(e->key, k, len))
			return e;
	}
	return NULL;
}

static int sca_store(void *ptr, gnutls_datum_t id, gnutls_datum_t data)
{
	unsigned char k[SCA_KEY_MAX];
	size_t len = sca_key(ptr, id, k);
	int64_t now = time(NULL), exp;
	struct sca_entry *e, *best = NULL;
	unsigned s, i;

	if (!sca || !len || data.size > SCA_DATA_MAX)
		return 0; /* not cached: the session stays good without it */
	exp = gnutls_db_check_entry_expire_time(&data);
	if (exp <= now)
		exp = now + SCA_DEFAULT_LIFE;
	shm_lock(&sca->lock);
	e = sca_find(k, len, now);
	for (s = sca_slot(k, len), i = 0; !e && i < SCA_PROBE; i++) {
		struct sca_entry *c = &sca->e[(s + i) % sca->n];

		if (c->expires <= now) {
			e = c;
			break;
		}
		if (!best || c->expires < best->expires)
			best = c;
	}
	if (!e)
		e = best;
	memcpy(e->key, k, len);
	e->klen = (uint32_t)len;
	memcpy(e->data, data.data, data.size);
	e->dlen = data.size;
	e->expires = exp;
	shm_unlock(&sca->lock);
	gnutls_memset(k, 0, sizeof(k));
	return 0;
}

static gnutls_datum_t sca_retrieve(void *ptr, gnutls_datum_t id)
{
	gnutls_datum_t out = { NULL, 0 };
	unsigned char k[SCA_KEY_MAX];
	size_t len = sca_key(ptr, id, k);
	struct sca_entry *e;

	if (!sca || !len)
		return out;
	shm_lock(&sca->lock);
	e = sca_find(k, len, time(NULL));
	if (e && (out.data = gnutls_malloc(e->dlen))) {
		memcpy(out.data, e->data, e->dlen);
		out.size = e->dlen;
	}
	shm_unlock(&sca->lock);
	return out;
}

static int sca_remove(void *ptr, gnutls_datum_t id)
{
	unsigned char k[SCA_KEY_MAX];
	size_t len = sca_key(ptr, id, k);
	struct sca_entry *e;

	if (!sca || !len)
		return 0;
	shm_lock(&sca->lock);
	e = sca_find(k, len, time(NULL));
	if (e) {
		gnutls_memset(e->data, 0, e->dlen);
		e->expires = 0;
	}
	shm_unlock(&sca->lock);
	return 0;
}

void tls_scache_attach(gnutls_session_t s, const struct tls_cred_dom *d)
{
	if (!sca)
		return;
	gnutls_db_set_retrieve_function(s, sca_retrieve);
	gnutls_db_set_store_function(s, sca_store);
	gnutls_db_set_remove_function(s, sca_remove);
	gnutls_db_set_ptr(s, (void *)d);
}
