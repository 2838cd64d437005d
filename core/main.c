/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipcore: start-up (prefix: main_).
 *
 * The whole config is parsed and applied, every module initialised and
 * every listener bound before the first worker is forked: a wrong value
 * stops startup with FILE:LINE and nothing half-started.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sipcore/log.h>
#include <sipcore/shm.h>

#include "cfg.h"
#include "conn_int.h"
#include "core.h"
#include "ipc.h"
#include "listen.h"
#include "log_int.h"
#include "modules.h"
#include "privs.h"
#include "proc.h"
#include "relay.h"
#include "shm_int.h"
#include "sip_core.h"
#include "transport_int.h"

#ifndef SC_VERSION
#define SC_VERSION "0"
#endif
#ifndef SC_CFG_DEFAULT
#define SC_CFG_DEFAULT "/usr/local/etc/sipcore/sipcore.cfg"
#endif

struct main_opts {
	const char *cfg_file;
	const char *pid_file;
	int check_only;
	int foreground;
	int log_stderr;
	long shm_mb;
	const char *user, *group;
};

static void main_usage(FILE *f)
{
	fprintf(f,
		"usage: sipcore [options]\n"
		"  -f FILE   config file (default " SC_CFG_DEFAULT ")\n"
		"  -c        check the config (and modules) and exit\n"
		"  -D        stay in the foreground\n"
		"  -E        log to stderr\n"
		"  -P FILE   write the master's pid to FILE\n"
		"  -m MB     shared memory size (overrides shm_size)\n"
		"  -u USER   run as USER once started as root (overrides user=)\n"
		"  -g GROUP  run as GROUP (overrides group=)\n"
		"  -V        print the version and exit\n"
		"  -h        this help\n");
}

static int main_args(int argc, char **argv, struct main_opts *o)
{
	int ch;
	char *end;

	while ((ch = getopt(argc, argv, "f:cDEP:m:u:g:Vh")) != -1) {
		switch (ch) {
		case 'f': o->cfg_file = optarg; break;
		case 'c': o->check_only = 1; break;
		case 'D': o->foreground = 1; break;
		case 'E': o->log_stderr = 1; break;
		case 'P': o->pid_file = optarg; break;
		case 'u': o->user = optarg; break;
		case 'g': o->group = optarg; break;
		case 'm':
			errno = 0;
			o->shm_mb = strtol(optarg, &end, 10);
			if (errno || *end || o->shm_mb < 1 ||
			    o->shm_mb > 65536) {
				fprintf(stderr, "sipcore: -m: expected MB from "
					"1 to 65536, got '%s'\n", optarg);
				return -1;
			}
			break;
		case 'V':
			printf("sipcore %s (module ABI %d)\n", SC_VERSION,
			       SC_MODULE_ABI);
			exit(0);
		case 'h':
			main_usage(stdout);
			exit(0);
		default:
			main_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sipcore: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

static int main_cfg_paths(const char *file)
{
	char buf[PATH_MAX], *dup;

	if (!realpath(file, buf))
		snprintf(buf, sizeof(buf), "%s", file);
	core_cfg_file = strdup(buf);
	dup = strdup(buf);
	if (!core_cfg_file || !dup)
		return -1;
	core_cfg_dirname = strdup(dirname(dup));
	free(dup);
	return core_cfg_dirname ? 0 : -1;
}

/*
 * Lower layers call upward only through these: listeners hand new
 * connections and datagrams up, connections hand framed messages up, the
 * IPC channel hands over bytes for a connection.
 */
static const struct listen_handler main_listen_handler = {
	.accepted = conn_accepted,
	.datagram = sip_core_handle,
};

static const struct conn_msg_handler main_conn_handler = {
	.msg = sip_core_handle,
	.too_big = sip_core_reply_too_big,
	.outgoing_gone = relay_outgoing_gone,
};

static void main_ipc_deliver(unsigned type, uint64_t id, const void *buf,
			     size_t len)
{
	if (type == IPC_RELAY)
		relay_ipc_deliver(id, buf, len);
	else
		conn_ipc_deliver(id, buf, len);
}

static void main_install_handlers(void)
{
	listen_set_handler(&main_listen_handler);
	conn_set_handler(&main_conn_handler);
	ipc_set_handler(main_ipc_deliver);
}

/* -u and -g win over user= and group=; checked as the config is. */
static int main_privs_args(const struct main_opts *o)
{
	char why[256];

	if (o->user && privs_check_user(o->user, why, sizeof(why)) < 0) {
		fprintf(stderr, "sipcore: -u: %s\n", why);
		return -1;
	}
	if (o->group && privs_check_group(o->group, why, sizeof(why)) < 0) {
		fprintf(stderr, "sipcore: -g: %s\n", why);
		return -1;
	}
	if (o->user)
		core_cfg.user = (char *)o->user;
	if (o->group)
		core_cfg.group = (char *)o->group;
	return 0;
}

/* Load modules first, then apply parameters in config order. */
static int main_apply_modules(const struct cfg *c, char *err, size_t errlen)
{
	const struct cfg_stmt *s;
	struct sc_module *m, *tls;
	char names[512];

	for (s = c->stmts; s; s = s->next)
		if (s->kind == CFG_LOADMODULE &&
		    mod_load(s->module, c->core.mpath, s->file, s->line, err,
			     errlen) < 0)
			return -1;
	tls = mod_find_provider("tls");
	for (s = c->stmts; s; s = s->next) {
		struct sc_param_ctx ctx = { .file = s->file, .line = s->line,
					    .scope = s->scope };

		if (s->kind == CFG_LOADMODULE)
			continue;
		if (s->kind == CFG_MODPARAM) {
			m = mod_find(s->module);
			if (!m) {
				snprintf(err, errlen, "%s:%d: modparam: module "
					 "'%s' is not loaded (loaded: %s)",
					 s->file, s->line, s->module,
					 mod_names(names, sizeof(names)));
				return -1;
			}
		} else {
			/* the seed's tls_* lines belong to the module
			 * that provides the tls transport */
			m = tls;
			if (!m && transport_disabled("tls")) {
				SC_INFO("%s:%d: %s ignored: disable_tls=1 and "
					"no module provides tls", s->file,
					s->line, s->param);
				continue;
			}
			if (!m) {
				snprintf(err, errlen, "%s:%d: %s: no loaded "
					 "module provides the tls transport "
					 "(load one with loadmodule)",
					 s->file, s->line, s->param);
				return -1;
			}
		}
		if (mod_set_param(m, s->param, &s->v, &ctx, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* The pid file path made absolute now: the daemon changes to "/". */
static char *main_abs_path(const char *path)
{
	char cwd[PATH_MAX], *out;
	size_t l;

	if (!path || path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return path ? strdup(path) : NULL;
	l = strlen(cwd) + strlen(path) + 2;
	out = malloc(l);
	if (out)
		snprintf(out, l, "%s/%s", cwd, path);
	return out;
}

static int main_write_pid(const char *path)
{
	FILE *f;

	if (!path)
		return 0;
	f = fopen(path, "w");
	if (!f) {
		SC_CRIT("pid file %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	return 0;
}

/*
 * Go to the background. The parent waits until the master reports that
 * every worker is ready (or that startup failed) and exits with that.
 */
static int main_daemonize(int log_stderr)
{
	int p[2], fd;
	pid_t pid;
	char st = 1;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &st, 1) != 1)
			st = 1;
		_exit(st ? 1 : 0);
	}
	close(p[0]);
	setsid();
	if (chdir("/") < 0)
		SC_WARN("chdir(/) failed: %s", strerror(errno));
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (!log_stderr)
			dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return p[1];
}

int main(int argc, char **argv)
{
	struct main_opts o = { .cfg_file = SC_CFG_DEFAULT };
	static struct cfg c;
	char err[4096];
	int notify_fd = -1, rc;

	if (main_args(argc, argv, &o) < 0)
		return 2;
	if (o.pid_file) {
		/* static storage: reachable until exit */
		static char *pid_abs;

		pid_abs = main_abs_path(o.pid_file);
		if (!pid_abs) {
			fprintf(stderr, "sipcore: out of memory\n");
			return 1;
		}
		o.pid_file = pid_abs;
	}
	log_setup(1, -1);
	if (cfg_parse_file(o.cfg_file, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "sipcore: %s\n", err);
		return 1;
	}
	core_cfg = c.core;
	if (o.shm_mb)
		core_cfg.shm_size = (int)o.shm_mb;
	if (o.log_stderr)
		core_cfg.log_stderror = 1;
	if (main_privs_args(&o) < 0)
		return 1;
	sc_log_level = core_cfg.log_level;
	if (main_cfg_paths(o.cfg_file) < 0 ||
	    shm_init((size_t)core_cfg.shm_size * 1024u * 1024u) < 0 ||
	    core_shared_init(core_cfg.children) < 0) {
		fprintf(stderr, "sipcore: cannot set up memory\n");
		return 1;
	}
	mod_set_default_dirs();
	main_install_handlers();
	if (core_cfg.disable_tls)
		transport_disable("tls");
	if (transport_builtin_init() < 0)
		return 1;
	if (core_cfg.disable_tls)
		SC_NOTICE("disable_tls=1: TLS is off (no tls listeners, no "
			  "outgoing TLS)");
	if (main_apply_modules(&c, err, sizeof(err)) < 0)
		goto fail_msg;
	if (mod_init_all() < 0) {
		snprintf(err, sizeof(err), "module initialisation failed "
			 "(see above)");
		goto fail_msg;
	}
	if (listen_setup(c.listen, err, sizeof(err)) < 0 ||
	    listen_transport_init(err, sizeof(err)) < 0)
		goto fail_msg;
	if (!sc_listeners()) {
		snprintf(err, sizeof(err), "%s: no listen= line (e.g. "
			 "listen=udp:127.0.0.1:5060)", o.cfg_file);
		goto fail_msg;
	}
	if (relay_init(&core_cfg, err, sizeof(err)) < 0)
		goto fail_msg;
	if (o.check_only) {
		fprintf(stderr, "sipcore: config file %s is valid\n",
			o.cfg_file);
		mod_destroy_all();
		return 0;
	}
	if (listen_open(core_cfg.children, err, sizeof(err)) < 0 ||
	    ipc_init(core_cfg.children) < 0)
		goto fail_msg;
	if (!core_cfg.log_stderror)
		log_setup(0, log_facility_from_name(core_cfg.log_facility));
	if (!o.foreground) {
		notify_fd = main_daemonize(core_cfg.log_stderror);
		if (notify_fd < 0) {
			SC_CRIT("cannot daemonize: %s", strerror(errno));
			return 1;
		}
	}
	if (main_write_pid(o.pid_file) < 0)
		return 1;
	/* everything root was needed for is done: workers fork as user= */
	if (privs_drop(core_cfg.user, core_cfg.group) < 0) {
		if (o.pid_file)
			unlink(o.pid_file);
		return 1;
	}
	rc = proc_master_run(core_cfg.children, notify_fd);
	mod_destroy_all();
	listen_close_all();
	ipc_close_all();
	if (o.pid_file)
		unlink(o.pid_file);
	return rc;

fail_msg:
	fprintf(stderr, "sipcore: %s\n", err);
	return 1;
}
