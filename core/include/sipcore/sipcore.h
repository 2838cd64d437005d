/* SPDX-License-Identifier: GPL-2.0-or-later */
/** Everything a module may use of the core. */
#ifndef SIPCORE_SIPCORE_H
#define SIPCORE_SIPCORE_H

#include "log.h"
#include "shm.h"
#include "timer.h"
#include "module.h"
#include "conn.h"
#include "transport.h"
#include "sip.h"

#endif
