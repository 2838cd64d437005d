/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Built-in transports (prefix: transport_). */
#ifndef SC_TRANSPORT_INT_H
#define SC_TRANSPORT_INT_H

#include <sipcore/transport.h>

extern const struct sc_transport_ops transport_tcp_ops;
/** Register the built-in stream transports (tcp). */
int transport_builtin_init(void);
enum sc_proto transport_proto_of(const char *name);
/**
 * A transport switched off by the config (disable_tls=1 for "tls"): its
 * registration is ignored, its listeners are skipped and connections of
 * it cannot be opened.
 */
int transport_disable(const char *name);
int transport_disabled(const char *name);

#endif
