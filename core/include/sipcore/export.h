/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * What the sipcore binary exports (SC_PUBLIC).
 *
 * The core is built with -fvisibility=hidden: only what a header in
 * core/include/sipcore/ marks SC_PUBLIC is in the binary's dynamic symbol
 * table, so a module can bind to nothing else, and a module's own global of
 * the same name as a core internal stays its own. test/check-exports.py
 * holds the binary to exactly the declared API.
 */
#ifndef SIPCORE_EXPORT_H
#define SIPCORE_EXPORT_H

#define SC_PUBLIC __attribute__((visibility("default")))

#endif
