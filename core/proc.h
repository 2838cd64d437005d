/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Master and worker processes (prefix: proc_). */
#ifndef SC_PROC_H
#define SC_PROC_H

/**
 * Fork the workers and supervise them until SIGTERM/SIGINT. @notify_fd,
 * when >= 0, gets one byte (0 ok, 1 failed) once every worker is ready or
 * startup failed (the daemonising parent waits for it). Returns the exit
 * status for main.
 */
int proc_master_run(int children, int notify_fd);

#endif
