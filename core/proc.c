/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Master supervision and the worker main loop (prefix: proc_, worker_).
 *
 * The master never touches a connection: it forks, reaps, respawns, reloads
 * and stops. Signals are taken through signalfd so that every reaction runs
 * in ordinary code, never in a handler.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <sipcore/log.h>
#include <sipcore/timer.h>

#include "conn_int.h"
#include "core.h"
#include "ipc.h"
#include "listen.h"
#include "loop.h"
#include "modules.h"
#include "proc.h"
#include "relay.h"
#include "timer_int.h"

#define PROC_STARTUP_MS 15000
#define PROC_RESPAWN_GAP_MS 200
#define PROC_KILL_WAIT_MS 2000
#define WORKER_EXIT_INIT 3

struct worker {
	pid_t pid;
	int ready;
	uint64_t started;
	uint64_t respawn_at; /* 0: none scheduled */
};

static struct worker *workers;
static int nworkers;
static int status_pipe[2] = { -1, -1 };
static pid_t master_pid;

/* ---- worker ------------------------------------------------------------ */

static volatile int worker_stop;
static volatile int worker_drained;
static struct loop_fd worker_sig_lf;

static void worker_signal(struct loop_fd *lf, uint32_t ev)
{
	struct signalfd_siginfo si;

	(void)ev;
	while (read(lf->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			worker_stop = 1;
	}
}

static int worker_drain_busy(void)
{
	int b = conn_busy();

	if (conn_count() == 0)
		worker_drained = 1;
	return b;
}

static void worker_drain_expired(struct sc_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	SC_NOTICE("worker: %u connections still open at the shutdown bound, "
		  "dropping them", conn_count());
	worker_drained = 1;
}

static void worker_stop_gracefully(void)
{
	struct sc_timer t;
	int ms = core_cfg.shutdown_timeout * 1000 - 500;

	listen_worker_stop();
	conn_close_all();
	sc_timer_init(&t, worker_drain_expired, NULL);
	sc_timer_add(&t, ms > 100 ? (uint64_t)ms : 100);
	worker_drained = conn_count() == 0;
	loop_run(&worker_drained, worker_drain_busy);
	sc_timer_del(&t);
}

static int worker_signals(void)
{
	sigset_t set;
	int fd;

	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_SETMASK, &set, NULL);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	return loop_add(&worker_sig_lf, fd, EPOLLIN, worker_signal);
}

static void worker_main(int rank)
{
	ssize_t w;

	core_rank = rank;
	/* a worker must not outlive its master */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != master_pid)
		_exit(1);
	close(status_pipe[0]);
	timer_reset();
	if (loop_init() < 0 || worker_signals() < 0 ||
	    conn_worker_init(rank) < 0 || relay_worker_init() < 0 ||
	    ipc_worker_start(rank) < 0)
		_exit(WORKER_EXIT_INIT);
	if (mod_child_init_all(rank) < 0)
		_exit(WORKER_EXIT_INIT);
	if (listen_worker_start(rank) < 0)
		_exit(WORKER_EXIT_INIT);
	w = write(status_pipe[1], &rank, sizeof(rank));
	(void)w;
	SC_INFO("worker %d ready", rank);
	loop_run(&worker_stop, conn_busy);
	worker_stop_gracefully();
	SC_INFO("worker %d stopped", rank);
	exit(0);
}

/* ---- master ------------------------------------------------------------ */

static int proc_spawn(int rank)
{
	pid_t pid = fork();

	if (pid < 0) {
		SC_ERR("fork for worker %d failed: %s", rank, strerror(errno));
		return -1;
	}
	if (pid == 0)
		worker_main(rank);
	workers[rank].pid = pid;
	workers[rank].ready = 0;
	workers[rank].started = sc_now_ms();
	workers[rank].respawn_at = 0;
	SC_DBG("worker %d started, pid %d", rank, (int)pid);
	return 0;
}

static void proc_kill_all(int sig)
{
	int r;

	for (r = 1; r <= nworkers; r++)
		if (workers[r].pid > 0)
			kill(workers[r].pid, sig);
}

static int proc_alive(void)
{
	int r, n = 0;

	for (r = 1; r <= nworkers; r++)
		n += workers[r].pid > 0;
	return n;
}

static void proc_describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)%s",
			 WTERMSIG(status), strsignal(WTERMSIG(status)),
			 WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(buf, len, "status 0x%x", status);
}

/* Reap children. Returns -1 when a worker failed to start. */
static int proc_reap(int stopping)
{
	int status, r, fatal = 0;
	pid_t pid;
	char why[128];

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (r = 1; r <= nworkers; r++)
			if (workers[r].pid == pid)
				break;
		if (r > nworkers)
			continue;
		workers[r].pid = 0;
		core_shared_forget_rank(r);
		proc_describe_status(status, why, sizeof(why));
		if (stopping) {
			SC_INFO("worker %d (pid %d) %s", r, (int)pid, why);
			continue;
		}
		if (!workers[r].ready) {
			SC_CRIT("worker %d (pid %d) failed to start: %s; "
				"stopping", r, (int)pid, why);
			fatal = 1;
			continue;
		}
		SC_ERR("worker %d (pid %d) %s; replacing it", r, (int)pid,
		       why);
		/* a worker that dies at once again is respawned at a bounded
		 * rate, not in a tight loop */
		if (sc_now_ms() - workers[r].started < PROC_RESPAWN_GAP_MS)
			workers[r].respawn_at = sc_now_ms() +
						PROC_RESPAWN_GAP_MS;
		else if (proc_spawn(r) < 0)
			workers[r].respawn_at = sc_now_ms() +
						PROC_RESPAWN_GAP_MS;
	}
	return fatal ? -1 : 0;
}

static void proc_read_ready(void)
{
	int rank;

	while (read(status_pipe[0], &rank, sizeof(rank)) ==
	       (ssize_t)sizeof(rank)) {
		if (rank >= 1 && rank <= nworkers)
			workers[rank].ready = 1;
	}
}

static int proc_all_ready(void)
{
	int r;

	for (r = 1; r <= nworkers; r++)
		if (!workers[r].ready)
			return 0;
	return 1;
}

static void proc_stop(void)
{
	uint64_t deadline = sc_now_ms() +
			    (uint64_t)core_cfg.shutdown_timeout * 1000u;

	proc_kill_all(SIGTERM);
	while (proc_alive() && sc_now_ms() < deadline) {
		usleep(20000);
		proc_reap(1);
	}
	if (proc_alive()) {
		SC_WARN("workers still running after shutdown_timeout=%d s, "
			"killing them", core_cfg.shutdown_timeout);
		proc_kill_all(SIGKILL);
		/* reaped by proc_reap, which logs how each one ended */
		deadline = sc_now_ms() + PROC_KILL_WAIT_MS;
		while (proc_alive() && sc_now_ms() < deadline) {
			usleep(10000);
			proc_reap(1);
		}
	}
}

static int proc_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void proc_notify(int fd, char status)
{
	ssize_t w;

	if (fd < 0)
		return;
	w = write(fd, &status, 1);
	(void)w;
	close(fd);
}

static void proc_respawn_due(void)
{
	uint64_t now = sc_now_ms();
	int r;

	for (r = 1; r <= nworkers; r++)
		if (!workers[r].pid && workers[r].respawn_at &&
		    workers[r].respawn_at <= now) {
			if (proc_spawn(r) < 0)
				workers[r].respawn_at = now +
							PROC_RESPAWN_GAP_MS;
		}
}

int proc_master_run(int children, int notify_fd)
{
	uint64_t start_deadline;
	int sfd, r, started = 0, rc = 0;

	master_pid = getpid();
	nworkers = children;
	workers = calloc((size_t)children + 1, sizeof(*workers));
	if (!workers || pipe2(status_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		SC_CRIT("master: cannot set up supervision: %s",
			strerror(errno));
		proc_notify(notify_fd, 1);
		return 1;
	}
	sfd = proc_signalfd();
	if (sfd < 0) {
		SC_CRIT("master: signalfd failed: %s", strerror(errno));
		proc_notify(notify_fd, 1);
		return 1;
	}
	for (r = 1; r <= children; r++)
		if (proc_spawn(r) < 0) {
			rc = 1;
			goto stop;
		}
	start_deadline = sc_now_ms() + PROC_STARTUP_MS;

	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = status_pipe[0], .events = POLLIN },
		};
		struct signalfd_siginfo si;

		if (poll(pf, 2, 100) < 0 && errno != EINTR) {
			SC_CRIT("master: poll failed: %s", strerror(errno));
			rc = 1;
			break;
		}
		proc_read_ready();
		if (!started && proc_all_ready()) {
			started = 1;
			SC_NOTICE("sipcore started: %d workers ready", children);
			proc_notify(notify_fd, 0);
			notify_fd = -1;
		}
		if (!started && sc_now_ms() > start_deadline) {
			SC_CRIT("workers did not become ready within %d ms",
				PROC_STARTUP_MS);
			rc = 1;
			break;
		}
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
				SC_NOTICE("signal %d: stopping", si.ssi_signo);
				goto stop;
			}
			if (si.ssi_signo == SIGHUP) {
				SC_NOTICE("SIGHUP: reloading");
				mod_reload_all();
			}
		}
		if (proc_reap(0) < 0) {
			rc = 1;
			break;
		}
		proc_respawn_due();
	}
stop:
	proc_stop();
	proc_notify(notify_fd, (char)(rc ? 1 : 0));
	close(sfd);
	SC_NOTICE("sipcore stopped");
	return rc;
}
