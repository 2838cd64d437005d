/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running as root: dropping to user= and group= (prefix: privs_).
 *
 * The master reads every file it needs (config, TLS keys and
 * certificates in mod_init), binds every socket and writes the pid file
 * as root, then drops for good before it forks the first worker: every
 * process runs as the configured user from then on, and none can regain
 * root. A SIGHUP reload reads the certificate files again as that user.
 */
#ifndef SC_PRIVS_H
#define SC_PRIVS_H

#include <stddef.h>

/**
 * Config checks of user= and group=: the name (or numeric id) must exist
 * in the user (group) database. 0, or -1 with the reason in @why.
 */
int privs_check_user(const char *name, char *why, size_t len);
int privs_check_group(const char *name, char *why, size_t len);

/**
 * Become @user (its primary group and supplementary groups) and, if given,
 * @group as the primary group instead. Either may be NULL; both NULL is a
 * no-op. Not running as root, it is a no-op when the process already is
 * that user and group, else an error. Verifies that root cannot be
 * regained. Returns 0, or -1 (logged): startup must stop.
 */
int privs_drop(const char *user, const char *group);

#endif
