/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared-memory arena (prefix: shm_; local helpers blk_, fl_, arena_,
 * mutex_).
 *
 * Layout of the one MAP_SHARED mapping: [struct shm_arena | heap]. The heap
 * is a gapless run of blocks. Every block starts with a header (size word
 * with the in-use bit, then a tag) and ends with a footer (the same size
 * word), so both neighbours of a block are found in O(1) and a free always
 * coalesces. The tag is the block's address xor its size word xor a key: a
 * stale header (absorbed by a merge, wiped to 0), an interior pointer or
 * random bytes almost never carry a valid one, which is what makes
 * double-free and bad-pointer detection cheap.
 *
 *   used: [size|1][tag][payload ............][size|1]
 *   free: [size|0][tag][next][prev] ........ [size|0]
 *
 * Free blocks are on one doubly linked list in address order, searched
 * first-fit. Why address order and not size classes: the contract
 * (sipcore/shm.h) promises it, and address-ordered first fit is among the
 * least fragmenting policies on real allocation traces; this arena is small,
 * fixed-size and must last the life of the proxy, so fragmentation matters
 * more than the search cost. The cost of keeping the order is paid only when
 * a freed block has no free neighbour: merging into a neighbour takes over
 * that neighbour's list position in O(1); only an isolated block is inserted
 * by a scan.
 *
 * One process-shared robust mutex (inside the arena) guards everything. If
 * its holder dies, the next locker walks the heap: when the tags and the list
 * are whole only the counters are rebuilt, otherwise the arena is marked
 * broken and refuses further work rather than corrupt it more.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sipcore/log.h>
#include <sipcore/shm.h>

#include "shm_int.h"

#define SHM_ALIGN	((size_t)16)
#define SHM_INUSE	((size_t)1)
/* header: size word + tag; the payload starts right after it */
#define SHM_HDR		(2 * sizeof(size_t))
#define SHM_FTR		sizeof(size_t)
#define SHM_OVERHEAD	(SHM_HDR + SHM_FTR)
/* a free block must hold header, two list links and footer */
#define SHM_MIN_BLK	((size_t)48)
#define SHM_TAG_KEY	((uintptr_t)0x5c3a9e1d2b47f068ull)
#define SHM_MAGIC	0x53484d4152454e41ull

struct blk {
	size_t size;		/* whole block, tags included | SHM_INUSE */
	uintptr_t tag;		/* blk_tag() of the header; 0 if absorbed */
	struct blk *next;	/* free blocks only: address-ordered list */
	struct blk *prev;
};

struct shm_arena {
	uint64_t magic;
	pthread_mutex_t lock;
	char *heap;		/* first block, SHM_ALIGN aligned */
	char *end;		/* one past the last block */
	size_t map_len;
	struct blk *free_head;
	/* a process died mid-update and the heap did not check out */
	int broken;
	/* largest_free is not kept: it is computed when asked for */
	struct shm_stats st;
};

/* what a heap walk found */
struct walk {
	size_t used;
	size_t free;
	unsigned long used_blocks;
	unsigned long free_blocks;
};

static struct shm_arena *arena;

static inline size_t round_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

static inline size_t blk_size(const struct blk *b)
{
	return b->size & ~SHM_INUSE;
}

static inline int blk_used(const struct blk *b)
{
	return (b->size & SHM_INUSE) != 0;
}

static inline uintptr_t blk_tag(const struct blk *b, size_t word)
{
	return (uintptr_t)b ^ word ^ SHM_TAG_KEY;
}

static inline size_t *blk_footer(const struct blk *b)
{
	return (size_t *)((char *)b + blk_size(b) - SHM_FTR);
}

static inline void *blk_payload(struct blk *b)
{
	return (char *)b + SHM_HDR;
}

static inline size_t blk_offset(const void *b)
{
	return (size_t)((const char *)b - arena->heap);
}

/* Write both boundary tags of a block of @size bytes at @b. */
static void blk_set(struct blk *b, size_t size, int used)
{
	size_t word = size | (used ? SHM_INUSE : 0);

	b->size = word;
	b->tag = blk_tag(b, word);
	*blk_footer(b) = word;
}

/* @b was merged into a bigger block: its header must not pass as a block. */
static inline void blk_wipe(struct blk *b)
{
	b->tag = 0;
}

/* Are the tags at @b (aligned and inside the heap) those of a whole block? */
static int blk_valid(const struct blk *b)
{
	size_t word = b->size;
	size_t size = word & ~SHM_INUSE;

	if (size < SHM_MIN_BLK || size % SHM_ALIGN != 0)
		return 0;
	if (size > (size_t)(arena->end - (const char *)b))
		return 0;
	if (b->tag != blk_tag(b, word))
		return 0;
	return *blk_footer(b) == word;
}

/* Bytes a request of @size needs as a block; 0 when it cannot fit at all. */
static size_t blk_need(size_t size)
{
	size_t n;

	if (size > SIZE_MAX - SHM_OVERHEAD - SHM_ALIGN)
		return 0;
	n = round_up(size + SHM_OVERHEAD, SHM_ALIGN);
	return n < SHM_MIN_BLK ? SHM_MIN_BLK : n;
}

/*
 * Find the physical neighbours of @b. A neighbour whose tags do not check
 * out means something wrote over them (an overflow from @b, most likely):
 * return -1 so that the caller changes nothing.
 */
static int blk_neighbours(struct blk *b, struct blk **left,
			  struct blk **right, const char *who)
{
	char *c = (char *)b;
	char *r = c + blk_size(b);

	*left = NULL;
	*right = NULL;
	if (r < arena->end) {
		if (!blk_valid((struct blk *)r))
			goto corrupt;
		*right = (struct blk *)r;
	}
	if (c > arena->heap) {
		size_t word = *(size_t *)(c - SHM_FTR);
		size_t size = word & ~SHM_INUSE;
		struct blk *l;

		if (size < SHM_MIN_BLK || size % SHM_ALIGN != 0 ||
		    size > (size_t)(c - arena->heap))
			goto corrupt;
		l = (struct blk *)(c - size);
		if (!blk_valid(l) || l->size != word)
			goto corrupt;
		*left = l;
	}
	return 0;
corrupt:
	SC_ERR("%s(%p): boundary tags next to this block are corrupt "
	       "(buffer overflow?); block left alone",
	       who, blk_payload(b));
	return -1;
}

/* Block of a pointer handed to shm_free/shm_realloc, NULL (logged) if bad. */
static struct blk *blk_from_user(void *p, const char *who)
{
	char *c = p;
	struct blk *b;

	if (c < arena->heap + SHM_HDR || c >= arena->end) {
		SC_ERR("%s(%p): pointer outside the shared memory arena",
		       who, p);
		return NULL;
	}
	b = (struct blk *)(c - SHM_HDR);
	if ((uintptr_t)c % SHM_ALIGN != 0 || !blk_valid(b)) {
		SC_ERR("%s(%p): not an allocated block (interior pointer, "
		       "block already freed and merged, or corruption)",
		       who, p);
		return NULL;
	}
	if (!blk_used(b)) {
		SC_ERR("%s(%p): double free", who, p);
		return NULL;
	}
	return b;
}

/* Put @b on the free list between @prev and @next. */
static void fl_link(struct blk *b, struct blk *prev, struct blk *next)
{
	b->prev = prev;
	b->next = next;
	if (prev)
		prev->next = b;
	else
		arena->free_head = b;
	if (next)
		next->prev = b;
}

/* Drop whatever was between @prev and @next from the free list. */
static void fl_join(struct blk *prev, struct blk *next)
{
	if (prev)
		prev->next = next;
	else
		arena->free_head = next;
	if (next)
		next->prev = prev;
}

/* Insert an isolated free block at its address position. */
static void fl_insert(struct blk *b)
{
	struct blk *prev = NULL, *cur = arena->free_head;

	while (cur && cur < b) {
		prev = cur;
		cur = cur->next;
	}
	fl_link(b, prev, cur);
}

static size_t fl_largest(void)
{
	const struct blk *b;
	size_t max = 0;

	for (b = arena->free_head; b; b = b->next)
		if (blk_size(b) > max)
			max = blk_size(b);
	return max;
}

static void arena_account(size_t more_used)
{
	arena->st.used += more_used;
	arena->st.free -= more_used;
	if (arena->st.used > arena->st.max_used)
		arena->st.max_used = arena->st.used;
}

/* First fit: carve @need bytes from the lowest free block big enough. */
static struct blk *arena_take(size_t need)
{
	struct blk *b, *prev, *next;
	size_t size;

	for (b = arena->free_head; b; b = b->next)
		if (blk_size(b) >= need)
			break;
	if (!b)
		return NULL;
	size = blk_size(b);
	prev = b->prev;
	next = b->next;
	if (size - need >= SHM_MIN_BLK) {
		/* the tail stays free, in the same place in address order */
		struct blk *rest = (struct blk *)((char *)b + need);

		blk_set(rest, size - need, 0);
		fl_link(rest, prev, next);
		size = need;
	} else {
		fl_join(prev, next);
		arena->st.free_blocks--;
	}
	blk_set(b, size, 1);
	arena_account(size);
	arena->st.allocs++;
	return b;
}

/*
 * Return the used block @b to the free list, merged with any free
 * neighbour. Counters other than used/free are the caller's business.
 */
static int arena_release(struct blk *b, const char *who)
{
	struct blk *l, *r, *rp, *rn;
	size_t size = blk_size(b);

	if (blk_neighbours(b, &l, &r, who) < 0)
		return -1;
	if (l && blk_used(l))
		l = NULL;
	if (r && blk_used(r))
		r = NULL;
	arena->st.used -= size;
	arena->st.free += size;
	if (l && r) {
		/* no free block lies between them: l->next is r */
		fl_join(l, r->next);
		arena->st.free_blocks--;
		size += blk_size(l) + blk_size(r);
		blk_wipe(b);
		blk_wipe(r);
		blk_set(l, size, 0);
	} else if (l) {
		blk_wipe(b);
		blk_set(l, blk_size(l) + size, 0);
	} else if (r) {
		/* read r's links before b's new tags can reach them */
		rp = r->prev;
		rn = r->next;
		size += blk_size(r);
		blk_wipe(r);
		blk_set(b, size, 0);
		fl_link(b, rp, rn);
	} else {
		blk_set(b, size, 0);
		fl_insert(b);
		arena->st.free_blocks++;
	}
	return 0;
}

/*
 * Resize @b to @need bytes where it stands, @r being its checked right
 * neighbour; NULL if it must move (only ever when growing).
 */
static struct blk *arena_resize(struct blk *b, struct blk *r, size_t need,
				const char *who)
{
	struct blk *rp, *rn;
	size_t size = blk_size(b), total;

	if (need <= size) {
		struct blk *tail = (struct blk *)((char *)b + need);

		if (size - need < SHM_MIN_BLK)
			return b;
		blk_set(b, need, 1);
		blk_set(tail, size - need, 1);
		/* the caller checked the neighbours: this cannot fail */
		arena_release(tail, who);
		return b;
	}
	if (!r || blk_used(r) || size + blk_size(r) < need)
		return NULL;
	total = size + blk_size(r);
	rp = r->prev;
	rn = r->next;
	blk_wipe(r);
	if (total - need >= SHM_MIN_BLK) {
		struct blk *rest = (struct blk *)((char *)b + need);

		blk_set(rest, total - need, 0);
		fl_link(rest, rp, rn);
	} else {
		fl_join(rp, rn);
		arena->st.free_blocks--;
		need = total;
	}
	blk_set(b, need, 1);
	arena_account(need - size);
	return b;
}

/*
 * Walk every block, then the free list, and check they agree. Logs the
 * first problem as "@who: ..." and returns -1; fills @w on success.
 */
static int arena_walk(struct walk *w, const char *who)
{
	const char *c = arena->heap;
	const struct blk *b, *prev = NULL;
	unsigned long n = 0;
	int prev_free = 0;

	memset(w, 0, sizeof(*w));
	while (c < arena->end) {
		b = (const struct blk *)c;
		if (!blk_valid(b)) {
			SC_ERR("%s: bad boundary tags at heap offset %zu",
			       who, blk_offset(b));
			return -1;
		}
		if (blk_used(b)) {
			w->used += blk_size(b);
			w->used_blocks++;
			prev_free = 0;
		} else {
			if (prev_free) {
				SC_ERR("%s: adjacent free blocks at heap "
				       "offset %zu (missed coalesce)",
				       who, blk_offset(b));
				return -1;
			}
			w->free += blk_size(b);
			w->free_blocks++;
			prev_free = 1;
		}
		c += blk_size(b);
	}
	for (b = arena->free_head; b; prev = b, b = b->next) {
		if (++n > w->free_blocks) {
			SC_ERR("%s: free list has more than the %lu free "
			       "blocks (cycle or stray entry)",
			       who, w->free_blocks);
			return -1;
		}
		if ((const char *)b < arena->heap ||
		    (const char *)b >= arena->end ||
		    (uintptr_t)b % SHM_ALIGN != 0 || !blk_valid(b) ||
		    blk_used(b)) {
			SC_ERR("%s: free list entry %lu (%p) is not a free "
			       "block", who, n, (const void *)b);
			return -1;
		}
		if (b->prev != prev) {
			SC_ERR("%s: free list back link broken at heap "
			       "offset %zu", who, blk_offset(b));
			return -1;
		}
		if (prev && b <= prev) {
			SC_ERR("%s: free list out of address order at heap "
			       "offset %zu", who, blk_offset(b));
			return -1;
		}
	}
	if (n != w->free_blocks) {
		SC_ERR("%s: free list holds %lu of the %lu free blocks",
		       who, n, w->free_blocks);
		return -1;
	}
	return 0;
}

/* A process died holding the arena lock: keep going only if it is whole. */
static void arena_recover(void)
{
	struct shm_stats *st = &arena->st;
	struct walk w;

	if (arena->broken)
		return;
	if (arena_walk(&w, "shm recovery") < 0) {
		arena->broken = 1;
		SC_LOG(SC_L_CRIT, "shm: a process died inside the allocator "
		       "and left the arena corrupt; refusing all further "
		       "shared memory operations");
		return;
	}
	/* blocks are whole, only the counters may be one step behind */
	st->used = w.used;
	st->free = w.free;
	st->free_blocks = w.free_blocks;
	if (st->used > st->max_used)
		st->max_used = st->used;
	if (st->allocs >= w.used_blocks)
		st->frees = st->allocs - w.used_blocks;
	else
		st->allocs = st->frees + w.used_blocks;
	SC_WARN("shm: a process died inside the allocator; the arena "
		"checks out, counters rebuilt (its blocks are leaked)");
}

static int mutex_init_shared(pthread_mutex_t *m, const char *who)
{
	pthread_mutexattr_t attr;
	const char *call;
	int rc;

	rc = pthread_mutexattr_init(&attr);
	if (rc) {
		SC_ERR("%s: pthread_mutexattr_init(): %s", who, strerror(rc));
		return -1;
	}
	call = "pthread_mutexattr_setpshared";
	rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	if (rc)
		goto out;
	call = "pthread_mutexattr_setrobust";
	rc = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (rc)
		goto out;
	call = "pthread_mutex_init";
	rc = pthread_mutex_init(m, &attr);
out:
	pthread_mutexattr_destroy(&attr);
	if (rc) {
		SC_ERR("%s: %s(): %s", who, call, strerror(rc));
		return -1;
	}
	return 0;
}

/* 0: locked; 1: locked, the previous holder had died; -1: not locked. */
static int mutex_lock_robust(pthread_mutex_t *m, const char *who)
{
	int rc = pthread_mutex_lock(m);

	if (rc == 0)
		return 0;
	if (rc != EOWNERDEAD) {
		SC_LOG(SC_L_CRIT, "%s: pthread_mutex_lock(): %s", who,
		       strerror(rc));
		return -1;
	}
	rc = pthread_mutex_consistent(m);
	if (rc) {
		SC_LOG(SC_L_CRIT, "%s: pthread_mutex_consistent(): %s", who,
		       strerror(rc));
		pthread_mutex_unlock(m);
		return -1;
	}
	SC_WARN("%s: the previous holder of the lock died holding it; what "
		"it guards may be half-updated", who);
	return 1;
}

static void mutex_unlock(pthread_mutex_t *m, const char *who)
{
	int rc = pthread_mutex_unlock(m);

	if (rc)
		SC_ERR("%s: pthread_mutex_unlock(): %s", who, strerror(rc));
}

/* Lock the arena, whatever its state; -1 (logged) when there is none. */
static int arena_lock_any(const char *who)
{
	int rc;

	if (!arena) {
		SC_ERR("%s: no shared memory arena (shm_init() not called)",
		       who);
		return -1;
	}
	rc = mutex_lock_robust(&arena->lock, who);
	if (rc < 0)
		return -1;
	if (rc == 1)
		arena_recover();
	return 0;
}

/* Lock the arena for work on the heap; -1 (logged) if it cannot be had. */
static int arena_enter(const char *who)
{
	if (arena_lock_any(who) < 0)
		return -1;
	if (arena->broken) {
		mutex_unlock(&arena->lock, who);
		SC_ERR("%s: shared memory arena is marked corrupt", who);
		return -1;
	}
	return 0;
}

static void arena_leave(const char *who)
{
	mutex_unlock(&arena->lock, who);
}

/* what to say about a refused allocation, taken under the lock */
struct fail_note {
	size_t free;
	size_t largest;
};

static void arena_fail(struct fail_note *f)
{
	arena->st.failures++;
	f->free = arena->st.free;
	f->largest = fl_largest();
}

static void arena_log_fail(const char *who, size_t size,
			   const struct fail_note *f)
{
	SC_ERR("%s(%zu): out of shared memory (%zu bytes free, largest "
	       "block %zu)", who, size, f->free, f->largest);
}

int shm_init(size_t bytes)
{
	size_t hdr = round_up(sizeof(struct shm_arena), SHM_ALIGN);
	long page = sysconf(_SC_PAGESIZE);
	struct shm_arena *a;
	size_t len, heap_len;
	void *mem;

	if (arena) {
		SC_ERR("shm_init(): the arena already exists");
		return -1;
	}
	if (page <= 0)
		page = 4096;
	if (bytes < hdr + SHM_MIN_BLK || bytes > SIZE_MAX - (size_t)page) {
		SC_ERR("shm_init(%zu): size out of range (at least %zu bytes)",
		       bytes, hdr + SHM_MIN_BLK);
		return -1;
	}
	len = round_up(bytes, (size_t)page);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		SC_ERR("shm_init(): mmap(%zu bytes): %s", len, strerror(errno));
		return -1;
	}
	a = mem;
	if (mutex_init_shared(&a->lock, "shm_init()") < 0) {
		munmap(mem, len);
		return -1;
	}
	heap_len = (len - hdr) / SHM_ALIGN * SHM_ALIGN;
	a->map_len = len;
	a->heap = (char *)mem + hdr;
	a->end = a->heap + heap_len;
	a->st.total = heap_len;
	a->magic = SHM_MAGIC;
	arena = a;
	/* one free block spanning the heap */
	blk_set((struct blk *)a->heap, heap_len, 0);
	fl_link((struct blk *)a->heap, NULL, NULL);
	a->st.free = heap_len;
	a->st.free_blocks = 1;
	return 0;
}

void shm_destroy(void)
{
	if (!arena)
		return;
	/* other processes may still map it: leave the mutex alone */
	munmap(arena, arena->map_len);
	arena = NULL;
}

int shm_initialized(void)
{
	return arena != NULL;
}

int shm_check(void)
{
	const struct shm_stats *st;
	struct walk w;
	int rc = -1;

	if (arena_lock_any("shm_check") < 0)
		return -1;
	st = &arena->st;
	if (arena->magic != SHM_MAGIC) {
		SC_ERR("shm_check: arena header overwritten");
		goto out;
	}
	if (arena->broken) {
		SC_ERR("shm_check: arena is marked corrupt");
		goto out;
	}
	if (arena_walk(&w, "shm_check") < 0)
		goto out;
	if (w.used != st->used || w.free != st->free ||
	    w.used + w.free != st->total) {
		SC_ERR("shm_check: blocks hold %zu used + %zu free, stats say "
		       "%zu + %zu of %zu", w.used, w.free, st->used, st->free,
		       st->total);
		goto out;
	}
	if (w.free_blocks != st->free_blocks) {
		SC_ERR("shm_check: %lu free blocks, stats say %lu",
		       w.free_blocks, st->free_blocks);
		goto out;
	}
	if (st->max_used < st->used) {
		SC_ERR("shm_check: max_used %zu below used %zu",
		       st->max_used, st->used);
		goto out;
	}
	if (st->allocs - st->frees != w.used_blocks) {
		SC_ERR("shm_check: %lu blocks in use, but %lu allocs - %lu "
		       "frees", w.used_blocks, st->allocs, st->frees);
		goto out;
	}
	rc = 0;
out:
	arena_leave("shm_check");
	return rc;
}

void shm_get_stats(struct shm_stats *st)
{
	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	if (arena_lock_any("shm_get_stats") < 0)
		return;
	*st = arena->st;
	st->largest_free = fl_largest();
	arena_leave("shm_get_stats");
}

void *shm_malloc(size_t size)
{
	size_t need = blk_need(size);
	struct fail_note f;
	struct blk *b;

	if (arena_enter("shm_malloc") < 0)
		return NULL;
	b = need ? arena_take(need) : NULL;
	if (!b)
		arena_fail(&f);
	arena_leave("shm_malloc");
	if (!b) {
		arena_log_fail("shm_malloc", size, &f);
		return NULL;
	}
	return blk_payload(b);
}

void *shm_calloc(size_t nmemb, size_t size)
{
	void *p;

	if (size && nmemb > SIZE_MAX / size) {
		SC_ERR("shm_calloc(%zu, %zu): size overflows", nmemb, size);
		return NULL;
	}
	p = shm_malloc(nmemb * size);
	if (p)
		memset(p, 0, nmemb * size);
	return p;
}

void shm_free(void *p)
{
	struct blk *b;

	if (!p)
		return;
	if (arena_enter("shm_free") < 0)
		return;
	b = blk_from_user(p, "shm_free");
	if (b && arena_release(b, "shm_free") == 0)
		arena->st.frees++;
	arena_leave("shm_free");
}

/*
 * realloc(p, 0) keeps a minimum block and returns it rather than freeing:
 * with "NULL means failure, p untouched" a freeing realloc would leave the
 * caller unable to tell a freed block from a kept one.
 */
void *shm_realloc(void *p, size_t size)
{
	size_t need = blk_need(size);
	struct blk *b, *l, *r, *nb = NULL;
	struct fail_note f;

	if (!p)
		return shm_malloc(size);
	if (arena_enter("shm_realloc") < 0)
		return NULL;
	b = blk_from_user(p, "shm_realloc");
	/* next to corrupt tags, refuse rather than half-move the block */
	if (!b || blk_neighbours(b, &l, &r, "shm_realloc") < 0) {
		arena_leave("shm_realloc");
		return NULL;
	}
	if (need)
		nb = arena_resize(b, r, need, "shm_realloc");
	if (!nb && need) {
		nb = arena_take(need);
		if (nb) {
			/* only a grow gets here: the old payload fits */
			memcpy(blk_payload(nb), p, blk_size(b) - SHM_OVERHEAD);
			arena_release(b, "shm_realloc");
			arena->st.frees++;
		}
	}
	if (!nb)
		arena_fail(&f);
	arena_leave("shm_realloc");
	if (!nb) {
		arena_log_fail("shm_realloc", size, &f);
		return NULL;
	}
	return blk_payload(nb);
}

void *shm_memdup(const void *p, size_t len)
{
	char *d;

	if ((!p && len) || len == SIZE_MAX) {
		SC_ERR("shm_memdup(%p, %zu): bad argument", p, len);
		return NULL;
	}
	d = shm_malloc(len + 1);
	if (!d)
		return NULL;
	if (len)
		memcpy(d, p, len);
	d[len] = '\0';
	return d;
}

char *shm_strdup(const char *s)
{
	if (!s) {
		SC_ERR("shm_strdup(NULL)");
		return NULL;
	}
	return shm_memdup(s, strlen(s));
}

int shm_lock_init(shm_lock_t *l)
{
	if (!l) {
		SC_ERR("shm_lock_init(NULL)");
		return -1;
	}
	return mutex_init_shared(&l->m, "shm_lock_init()");
}

void shm_lock(shm_lock_t *l)
{
	if (!l) {
		SC_LOG(SC_L_CRIT, "shm_lock(NULL)");
		return;
	}
	/* void by contract: a failure here is logged at CRIT and that is all */
	mutex_lock_robust(&l->m, "shm_lock");
}

void shm_unlock(shm_lock_t *l)
{
	if (!l) {
		SC_ERR("shm_unlock(NULL)");
		return;
	}
	mutex_unlock(&l->m, "shm_unlock");
}

void shm_lock_destroy(shm_lock_t *l)
{
	int rc;

	if (!l)
		return;
	rc = pthread_mutex_destroy(&l->m);
	if (rc)
		SC_ERR("shm_lock_destroy(): pthread_mutex_destroy(): %s",
		       strerror(rc));
}
