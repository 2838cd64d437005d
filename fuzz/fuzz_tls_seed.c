/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seed corpora for fuzz_tls_server and fuzz_tls_client (prefix: fz_):
 * real handshakes between the module's two sides (fz_tls_pair), for each
 * client destination; what the client sent is a server seed, the option
 * byte and what the server sent a client seed. Made where the fuzzers run,
 * from the test PKI, so that no recorded handshake is committed.
 *
 * Usage: fuzz_tls_seed SERVER_CORPUS_DIR CLIENT_CORPUS_DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fz_tls.h"

#define FZ_SEED_MAX 65536

static int fz_write(const char *dir, unsigned opt, const char *what,
		    const uint8_t *pre, size_t plen, const uint8_t *buf,
		    size_t len)
{
	char path[4096];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/seed-%s-%u", dir, what, opt);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return -1;
	}
	ok = fwrite(pre, 1, plen, f) == plen && fwrite(buf, 1, len, f) == len;
	if (fclose(f) != 0 || !ok) {
		perror(path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t c2s[FZ_SEED_MAX], s2c[FZ_SEED_MAX];
	size_t nc, ns;
	unsigned opt;
	uint8_t o;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SERVER_CORPUS_DIR "
			"CLIENT_CORPUS_DIR\n", argv[0]);
		return 2;
	}
	if (fz_tls_setup() < 0)
		return 1;
	for (opt = 0; opt < 4; opt++) {
		if (fz_tls_pair(opt, c2s, &nc, s2c, &ns, sizeof(c2s)) < 0) {
			fprintf(stderr, "fuzz_tls_seed: handshake %u failed "
				"(FZ_VERBOSE=1 says why)\n", opt);
			return 1;
		}
		o = (uint8_t)opt;
		if (fz_write(argv[1], opt, "client-flight", NULL, 0, c2s,
			     nc) < 0 ||
		    fz_write(argv[2], opt, "server-flight", &o, 1, s2c, ns) < 0)
			return 1;
		printf("handshake %u: client sent %zu bytes, server %zu\n",
		       opt, nc, ns);
	}
	return 0;
}
