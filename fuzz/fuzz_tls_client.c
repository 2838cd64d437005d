/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the client side of a TLS session of tls_gnutls
 * (prefix: fz_). The first input byte chooses the destination (fz_tls.h:
 * the TLS 1.2 client domain or the default one, the name "localhost" or
 * "sip2.test"); the rest is what the server sends: ServerHello,
 * certificates (in clear with TLS 1.2, where they reach the module's
 * verifier and its name checks) and whatever follows. Seeds:
 * fuzz_tls_seed records real server flights.
 *
 * What must hold beyond memory safety: the handshake never completes (a
 * server that cannot see the client's random cannot finish it), and the
 * transport state is freed by cleanup.
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
	if (size < 1 || size > 65536)
		return 0;
	fz_tls_run(1, data[0], data + 1, size - 1, &r);
	if (r.init != 0 || r.handshake >= 0)
		abort();
	return 0;
}
