/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Core-internal logging setup (prefix: log_). */
#ifndef SC_LOG_INT_H
#define SC_LOG_INT_H

/** syslog facility from "LOG_LOCAL0" etc., -1 when unknown. */
int log_facility_from_name(const char *name);
/** Choose stderr (1) or syslog (0) with @facility (-1 keeps it). */
void log_setup(int to_stderr, int facility);

#endif
