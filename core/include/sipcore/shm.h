/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Shared memory (prefix: shm_).
 *
 * One MAP_SHARED arena, created by the master before any fork, so every
 * worker sees it at the same address. Allocation is first-fit over an
 * address-ordered free list with boundary tags (neighbours coalesce on free),
 * under one process-shared robust mutex.
 *
 * Failure is never fatal here: shm_malloc() returns NULL and logs; callers
 * must handle it.
 */
#ifndef SIPCORE_SHM_H
#define SIPCORE_SHM_H

#include "export.h"

#include <pthread.h>
#include <stddef.h>

/** Allocate @size bytes (16-byte aligned) from the arena, NULL when full. */
SC_PUBLIC
void *shm_malloc(size_t size);
/** Zeroed allocation. */
SC_PUBLIC
void *shm_calloc(size_t nmemb, size_t size);
/** Free; NULL is a no-op. */
SC_PUBLIC
void shm_free(void *p);
/** Resize; on failure returns NULL and @p is untouched. */
SC_PUBLIC
void *shm_realloc(void *p, size_t size);
/** Duplicate a NUL-terminated string into the arena. */
SC_PUBLIC
char *shm_strdup(const char *s);
/** Duplicate @len bytes (the copy is NUL-terminated). */
SC_PUBLIC
void *shm_memdup(const void *p, size_t len);

/** Usage figures of the arena. */
struct shm_stats {
	size_t total;      /**< arena bytes usable for blocks */
	size_t used;       /**< bytes in allocated blocks, headers included */
	size_t free;       /**< bytes in free blocks */
	size_t max_used;   /**< high-water mark of used */
	size_t largest_free; /**< biggest single free block */
	unsigned long allocs; /**< successful allocations so far */
	unsigned long frees;
	unsigned long failures; /**< allocations refused for lack of space */
	unsigned long free_blocks;
};
SC_PUBLIC
void shm_get_stats(struct shm_stats *st);

/**
 * A process-shared lock. It must itself live in shared memory (or in memory
 * mapped before fork). It is robust: if the holder dies, the next locker
 * gets the lock and the state is marked consistent again (the dead holder's
 * partial update is the caller's risk, logged).
 */
typedef struct shm_lock {
	pthread_mutex_t m;
} shm_lock_t;

SC_PUBLIC
int shm_lock_init(shm_lock_t *l);
SC_PUBLIC
void shm_lock(shm_lock_t *l);
SC_PUBLIC
void shm_unlock(shm_lock_t *l);
SC_PUBLIC
void shm_lock_destroy(shm_lock_t *l);

#endif
