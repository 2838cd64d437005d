/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the server side of a TLS session of tls_gnutls
 * (prefix: fz_). The input is what a client sends: ClientHello and
 * whatever follows. The module's own conn_init, handshake, verification
 * (a certificate is asked for), SNI domain choice and cleanup run on it
 * (fz_tls.h). Seeds: fuzz_tls_seed records real ClientHellos.
 *
 * What must hold beyond memory safety: the handshake never completes (a
 * client that cannot see the server's random cannot finish it), and every
 * connection's transport state is freed by its cleanup.
 */
#include <stdint.h>
#include <stdlib.h>

#include <sipcore/transport.h>

#include "fz_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct fz_tls_result r;

	if (!ready) {
		if (fz_tls_setup() < 0)
			abort();
		ready = 1;
	}
	if (size > 65536)
		return 0;
	fz_tls_run(0, 0, data, size, &r);
	if (r.init != 0 || r.handshake >= 0)
		abort();
	return 0;
}
