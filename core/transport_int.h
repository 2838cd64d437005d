/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Built-in transports (prefix: transport_). */
#ifndef SC_TRANSPORT_INT_H
#define SC_TRANSPORT_INT_H

#include <sipcore/transport.h>

extern const struct sc_transport_ops transport_tcp_ops;
/** Register the built-in stream transports (tcp). */
int transport_builtin_init(void);
enum sc_proto transport_proto_of(const char *name);

#endif
