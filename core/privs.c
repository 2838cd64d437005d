/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running as root: dropping to user= and group= (prefix: privs_).
 * See privs.h for when it happens.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sipcore/log.h>

#include "privs.h"

/* getpwnam_r/getgrnam_r buffers: a group with many members needs more */
#define PRIVS_BUF_MIN 4096u
#define PRIVS_BUF_MAX (1u << 20)

static int privs_numeric(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out <= 0xfffffffful;
}

/*
 * Look @name up as a user (@is_group 0) or a group, by name, else as a
 * numeric id. 0 with *pw or *gr filled (strings in *buf, which the caller
 * frees), or -1 with errno (0 when it does not exist).
 */
static int privs_lookup(const char *name, int is_group, struct passwd *pw,
			struct group *gr, char **buf)
{
	struct passwd *pres = NULL;
	struct group *gres = NULL;
	unsigned long id = 0;
	size_t len;
	int e = 0, num = privs_numeric(name, &id);

	*buf = NULL;
	for (len = PRIVS_BUF_MIN; len <= PRIVS_BUF_MAX; len *= 2) {
		free(*buf);
		*buf = malloc(len);
		if (!*buf) {
			errno = ENOMEM;
			return -1;
		}
		if (!is_group) {
			e = getpwnam_r(name, pw, *buf, len, &pres);
			if (!e && !pres && num)
				e = getpwuid_r((uid_t)id, pw, *buf, len,
					       &pres);
		} else {
			e = getgrnam_r(name, gr, *buf, len, &gres);
			if (!e && !gres && num)
				e = getgrgid_r((gid_t)id, gr, *buf, len,
					       &gres);
		}
		if (e != ERANGE)
			break;
	}
	if (pres || gres)
		return 0;
	free(*buf);
	*buf = NULL;
	/* "not found" is 0 or one of these, depending on the NSS module */
	errno = (e == ENOENT || e == ESRCH || e == EBADF || e == EPERM)
		? 0 : e;
	return -1;
}

static int privs_check(const char *name, int is_group, char *why,
		       size_t len)
{
	const char *what = is_group ? "group" : "user";
	struct passwd pw;
	struct group gr;
	char *buf;

	if (!*name) {
		snprintf(why, len, "expected a %s name or a numeric id, got "
			 "an empty string", what);
		return -1;
	}
	if (privs_lookup(name, is_group, &pw, &gr, &buf) == 0) {
		free(buf);
		return 0;
	}
	if (errno)
		snprintf(why, len, "cannot look up %s '%.64s': %s", what, name,
			 strerror(errno));
	else
		snprintf(why, len, "no such %s '%.64s' (a name from the %s "
			 "database, e.g. %s, or a numeric id)", what, name,
			 what, is_group ? "nogroup" : "nobody");
	return -1;
}

int privs_check_user(const char *name, char *why, size_t len)
{
	return privs_check(name, 0, why, len);
}

int privs_check_group(const char *name, char *why, size_t len)
{
	return privs_check(name, 1, why, len);
}

/* Every one of the real, effective and saved ids is the target, and root
 * cannot be had back. */
static int privs_verify(uid_t uid, gid_t gid, int set_uid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0) {
		SC_CRIT("privileges: cannot read the process ids: %s",
			strerror(errno));
		return -1;
	}
	if (rg != gid || eg != gid || sg != gid ||
	    (set_uid && (ru != uid || eu != uid || su != uid))) {
		SC_CRIT("privileges: ids are uid %u/%u/%u gid %u/%u/%u after "
			"the switch, expected uid %u gid %u", (unsigned)ru,
			(unsigned)eu, (unsigned)su, (unsigned)rg, (unsigned)eg,
			(unsigned)sg, (unsigned)uid, (unsigned)gid);
		return -1;
	}
	if (set_uid && uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		SC_CRIT("privileges: root could be regained after switching "
			"to uid %u: stopping", (unsigned)uid);
		return -1;
	}
	return 0;
}

static int privs_switch(const struct passwd *pw, gid_t gid,
			const char *gname)
{
	if (pw ? initgroups(pw->pw_name, gid) < 0
	       : setgroups(1, &gid) < 0) {
		SC_CRIT("privileges: cannot set the supplementary groups%s%s: "
			"%s", pw ? " of user " : "", pw ? pw->pw_name : "",
			strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) < 0) {
		SC_CRIT("privileges: cannot switch to group %s (gid %u): %s",
			gname, (unsigned)gid, strerror(errno));
		return -1;
	}
	if (pw && setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		SC_CRIT("privileges: cannot switch to user %s (uid %u): %s",
			pw->pw_name, (unsigned)pw->pw_uid, strerror(errno));
		return -1;
	}
	return privs_verify(pw ? pw->pw_uid : 0, gid, pw != NULL);
}

int privs_drop(const char *user, const char *group)
{
	char *ubuf = NULL, *gbuf = NULL, gnum[16];
	struct passwd pw;
	struct group gr;
	const char *gname;
	gid_t gid;
	int rc = -1;

	if (!user && !group)
		return 0;
	/* checked when the config was read: only a changed database or an
	 * NSS failure lands here */
	if (user && privs_lookup(user, 0, &pw, NULL, &ubuf) < 0) {
		SC_CRIT("privileges: user '%s' not found: %s", user,
			errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (group && privs_lookup(group, 1, NULL, &gr, &gbuf) < 0) {
		SC_CRIT("privileges: group '%s' not found: %s", group,
			errno ? strerror(errno) : "no such group");
		goto out;
	}
	gid = group ? gr.gr_gid : pw.pw_gid;
	snprintf(gnum, sizeof(gnum), "%u", (unsigned)gid);
	/* the user's primary group by name when it has one, for the log */
	if (!group && privs_lookup(gnum, 1, NULL, &gr, &gbuf) == 0)
		group = gnum;
	gname = group ? gr.gr_name : gnum;
	if (geteuid() != 0) {
		/* nothing to drop if we already are who we should be */
		if ((!user || pw.pw_uid == geteuid()) && gid == getegid()) {
			rc = 0;
			goto out;
		}
		SC_CRIT("privileges: user=/group= need root to switch to %s%s"
			"group %s; running as uid %u", user ? "user " : "",
			user ? pw.pw_name : "", gname, (unsigned)geteuid());
		goto out;
	}
	if (privs_switch(user ? &pw : NULL, gid, gname) < 0)
		goto out;
	if (user)
		SC_NOTICE("running as user %s (uid %u), group %s (gid %u)",
			  pw.pw_name, (unsigned)pw.pw_uid, gname,
			  (unsigned)gid);
	else
		SC_WARN("running as group %s (gid %u) but still as root: "
			"group= without user= keeps root's user id", gname,
			(unsigned)gid);
	rc = 0;
out:
	free(ubuf);
	free(gbuf);
	return rc;
}
