/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Core globals and the small calls modules use to read them (prefix: core_,
 * sc_).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#include <sipcore/log.h>
#include <sipcore/module.h>
#include <sipcore/shm.h>

#include "core.h"
#include "iplimit.h"

struct cfg_core core_cfg;
char *core_cfg_file;
char *core_cfg_dirname;
int core_rank;
struct core_shared *core_shared;

int core_shared_init(int children)
{
	core_shared = shm_calloc(1, sizeof(*core_shared));
	if (!core_shared)
		return -1;
	core_shared->rank_conns = shm_calloc((size_t)children + 1,
					     sizeof(int64_t));
	core_shared->rank_wq = shm_calloc((size_t)children + 1,
					  sizeof(int64_t));
	if (!core_shared->rank_conns || !core_shared->rank_wq)
		return -1;
	core_shared->next_conn_id = 1;
	if (getrandom(&core_shared->tag_secret,
		      sizeof(core_shared->tag_secret), 0) !=
	    (ssize_t)sizeof(core_shared->tag_secret))
		core_shared->tag_secret = (uint64_t)getpid() ^ 0x5bd1e995u;
	if (core_cfg.tcp_max_connections_per_ip > 0 &&
	    iplim_init(children) < 0)
		return -1;
	return 0;
}

void core_shared_account(int64_t dconns, int64_t dwq)
{
	if (dconns) {
		CORE_ATOMIC_ADD(&core_shared->conns, dconns);
		CORE_ATOMIC_ADD(&core_shared->rank_conns[core_rank], dconns);
	}
	if (dwq) {
		CORE_ATOMIC_ADD(&core_shared->wq_bytes, dwq);
		CORE_ATOMIC_ADD(&core_shared->rank_wq[core_rank], dwq);
	}
}

void core_shared_forget_rank(int rank)
{
	int64_t c = __atomic_exchange_n(&core_shared->rank_conns[rank], 0,
					__ATOMIC_RELAXED);
	int64_t w = __atomic_exchange_n(&core_shared->rank_wq[rank], 0,
					__ATOMIC_RELAXED);

	CORE_ATOMIC_ADD(&core_shared->conns, -c);
	CORE_ATOMIC_ADD(&core_shared->wq_bytes, -w);
	iplim_forget_rank(rank);
}

const char *sc_cfg_dir(void)
{
	return core_cfg_dirname ? core_cfg_dirname : ".";
}

char *sc_cfg_path(const char *path)
{
	char *out;
	size_t l;

	if (!path)
		return NULL;
	if (path[0] == '/')
		return strdup(path);
	l = strlen(sc_cfg_dir()) + strlen(path) + 2;
	out = malloc(l);
	if (out)
		snprintf(out, l, "%s/%s", sc_cfg_dir(), path);
	return out;
}

int sc_children(void)
{
	return core_cfg.children;
}

int sc_process_rank(void)
{
	return core_rank;
}

int sc_tls_disabled(void)
{
	return core_cfg.disable_tls;
}
