/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Core side of the shared-memory arena (prefix: shm_). */
#ifndef SC_SHM_INT_H
#define SC_SHM_INT_H

#include <stddef.h>

/**
 * Map the arena: one anonymous MAP_SHARED mapping of @bytes (rounded up to
 * the page size), in the master before any fork so that every worker sees it
 * at the same address. Returns 0, or -1 (logged) when the size is too small,
 * mmap fails, or the arena already exists.
 */
int shm_init(size_t bytes);
/** Unmap the arena (master at exit, tests). Pointers into it die with it. */
void shm_destroy(void);
/**
 * Walk the whole arena under its lock: every boundary tag, the free list and
 * the statistics must agree. Returns 0 when consistent, -1 (the first
 * problem found is logged) otherwise or when there is no arena.
 */
int shm_check(void);
/** 1 once shm_init() succeeded (and until shm_destroy()), else 0. */
int shm_initialized(void);

#endif
