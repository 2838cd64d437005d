/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Core-internal state shared by the core's files (prefix: core_).
 */
#ifndef SC_CORE_H
#define SC_CORE_H

#include <stdint.h>

#include "cfg.h"

/** The running configuration (core settings only). */
extern struct cfg_core core_cfg;
/** Main config file path and its directory. */
extern char *core_cfg_file;
extern char *core_cfg_dirname;
/** 0 in the master, 1..children in a worker. */
extern int core_rank;

/**
 * Counters in shared memory, updated with atomics by every process.
 * Created by the master (core_shared_init) before fork.
 */
struct core_shared {
	uint64_t next_conn_id;   /**< connection id counter */
	uint64_t tag_secret;     /**< To-tag hash key, the same in all workers */
	int64_t conns;           /**< open stream connections, all workers */
	int64_t wq_bytes;        /**< queued write bytes, all workers */
	uint64_t accepted, refused_limit, closed;
	uint64_t refused_per_ip;  /**< tcp_max_connections_per_ip */
	uint64_t evicted;         /**< closed to make room (tcp_max_handshakes) */
	uint64_t timed_out;       /**< handshake, first data or message read */
	uint64_t udp_msgs, stream_msgs, bad_msgs, keepalives;
	/*
	 * The share of conns and wq_bytes each worker holds, indexed by rank:
	 * when a worker dies without closing its connections, the master
	 * takes its share back out of the totals (core_shared_forget_rank).
	 */
	int64_t *rank_conns;
	int64_t *rank_wq;
};
extern struct core_shared *core_shared;
int core_shared_init(int children);
/** Master: a dead worker's connections and queued bytes are gone. */
void core_shared_forget_rank(int rank);
/** Account @dconns connections and @dwq queued bytes to this process. */
void core_shared_account(int64_t dconns, int64_t dwq);

#define CORE_ATOMIC_ADD(p, v) __atomic_add_fetch((p), (v), __ATOMIC_RELAXED)
#define CORE_ATOMIC_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)

#endif
