/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connections per source address, across all workers (prefix: iplim_).
 */
#ifndef SC_IPLIMIT_H
#define SC_IPLIMIT_H

#include <stdint.h>
#include <sys/socket.h>

/**
 * Master, before fork: the tables for @children workers. Only called when
 * tcp_max_connections_per_ip is set; until then nothing is counted.
 */
int iplim_init(int children);
int iplim_enabled(void);
/** The bucket of @sa's address (an IPv6 address counts by its /64). */
uint32_t iplim_bucket(const struct sockaddr *sa);
/** Connections open from that bucket, all workers. */
unsigned iplim_count(uint32_t b);
/** This worker opened (+1) or closed (-1) a connection from bucket @b. */
void iplim_add(uint32_t b, int d);
/** Master: a dead worker's connections are gone. */
void iplim_forget_rank(int rank);

#endif
