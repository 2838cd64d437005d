/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connections per source address, across all workers (prefix: iplim_).
 *
 * tcp_max_connections_per_ip needs the count of one address over every
 * worker, at accept time, without a lock. Addresses are hashed with a
 * secret key into IPLIM_BUCKETS counters in shared memory: the total, which
 * accept reads, and each worker's share, which the master takes back out
 * of the total when the worker dies (its sockets die with it).
 *
 * A bucket can hold more than one address, so two addresses may share a
 * count. The key is random per start, so a peer cannot choose a victim's
 * bucket; and only addresses that hold many connections matter, of which
 * there can be at most tcp_max_connections / tcp_max_connections_per_ip,
 * so the chance that one address is limited by another is that number
 * divided by IPLIM_BUCKETS.
 *
 * IPv6 addresses count by their /64: one host owns a whole /64 and can
 * pick any address in it.
 */
#include <string.h>
#include <netinet/in.h>
#include <sys/random.h>

#include <sipcore/log.h>
#include <sipcore/shm.h>

#include "core.h"
#include "iplimit.h"

#define IPLIM_BUCKETS 16384u

struct iplim {
	uint64_t key[2];
	uint32_t *total;   /* [IPLIM_BUCKETS] */
	uint32_t *rank;    /* [children + 1][IPLIM_BUCKETS] */
	int nranks;
};

static struct iplim *iplim;

int iplim_enabled(void)
{
	return iplim != NULL;
}

int iplim_init(int children)
{
	iplim = shm_calloc(1, sizeof(*iplim));
	if (!iplim)
		goto nomem;
	iplim->nranks = children + 1;
	iplim->total = shm_calloc(IPLIM_BUCKETS, sizeof(*iplim->total));
	iplim->rank = shm_calloc((size_t)iplim->nranks * IPLIM_BUCKETS,
				 sizeof(*iplim->rank));
	if (!iplim->total || !iplim->rank)
		goto nomem;
	if (getrandom(iplim->key, sizeof(iplim->key), 0) !=
	    (ssize_t)sizeof(iplim->key)) {
		SC_ERR("iplimit: getrandom failed: %m");
		return -1;
	}
	return 0;
nomem:
	SC_ERR("iplimit: no shared memory for the per-address table "
	       "(shm_size)");
	return -1;
}

/* A 64-bit mix (the finalizer of MurmurHash3) of one keyed word. */
static uint64_t iplim_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint32_t iplim_bucket(const struct sockaddr *sa)
{
	uint64_t a = 0, b = 0, h;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		a = in->sin_addr.s_addr;
		b = 4;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			uint32_t v4;

			memcpy(&v4, in6->sin6_addr.s6_addr + 12, 4);
			a = v4;
			b = 4;
		} else {
			memcpy(&a, in6->sin6_addr.s6_addr, 8);
			b = 6;
		}
	}
	h = iplim_mix(a ^ iplim->key[0]);
	h = iplim_mix(h ^ b ^ iplim->key[1]);
	return (uint32_t)(h & (IPLIM_BUCKETS - 1));
}

unsigned iplim_count(uint32_t b)
{
	return __atomic_load_n(&iplim->total[b], __ATOMIC_RELAXED);
}

void iplim_add(uint32_t b, int d)
{
	uint32_t *mine = &iplim->rank[(size_t)core_rank * IPLIM_BUCKETS + b];

	/* only this worker writes its share; the master reads it when the
	 * worker is dead */
	__atomic_store_n(mine, *mine + (uint32_t)d, __ATOMIC_RELAXED);
	__atomic_add_fetch(&iplim->total[b], (uint32_t)d, __ATOMIC_RELAXED);
}

void iplim_forget_rank(int rank)
{
	uint32_t *r, b;

	if (!iplim || rank < 1 || rank >= iplim->nranks)
		return;
	r = &iplim->rank[(size_t)rank * IPLIM_BUCKETS];
	for (b = 0; b < IPLIM_BUCKETS; b++) {
		uint32_t n = __atomic_exchange_n(&r[b], 0, __ATOMIC_RELAXED);

		if (n)
			__atomic_sub_fetch(&iplim->total[b], n,
					   __ATOMIC_RELAXED);
	}
}
