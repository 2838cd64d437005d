/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Intrusive doubly-linked lists (prefix: list_).
 *
 * A node knows its neighbours, so it can leave whatever list it is on in
 * O(1) without knowing the list's head: the owner of an object unlinks it
 * from every list before freeing it, and a node that is on no list points at
 * itself, so "is it linked?" has one answer.
 */
#ifndef SC_LIST_H
#define SC_LIST_H

#include <stddef.h>

struct list_node {
	struct list_node *next, *prev;
};

#define list_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

static inline void list_init(struct list_node *n)
{
	n->next = n->prev = n;
}

static inline int list_empty(const struct list_node *head)
{
	return head->next == head;
}

/* A node that was list_init'ed and is on no list is not linked. */
static inline int list_linked(const struct list_node *n)
{
	return n->next != n;
}

static inline void list_add_tail(struct list_node *n, struct list_node *head)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void list_del_init(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

/* Move everything on @from to the empty list @to, leaving @from empty. */
static inline void list_splice_init(struct list_node *from,
				    struct list_node *to)
{
	if (list_empty(from))
		return;
	to->next = from->next;
	to->prev = from->prev;
	to->next->prev = to;
	to->prev->next = to;
	list_init(from);
}

#endif
