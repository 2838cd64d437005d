/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scsign: how long GnuTLS takes for one signature with a key (prefix:
 * ss_). The handshake rows of doc/benchmarks.md put this beside the CPU a
 * server spends per handshake: a TLS server signs once per full
 * handshake, and with RSA that signature is most of the cost.
 *
 * usage: scsign KEYFILE [SECONDS]   (PEM key, RSA or ECDSA)
 * Signs a SHA-256 digest as TLS 1.3 does (RSA-PSS for RSA keys) for about
 * SECONDS (default 1) of this process's CPU time and prints one JSON line.
 * CPU time, not wall time, like `openssl speed` (user time) and like the
 * server CPU the benchmark rows show: the machine may be busy.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include <time.h>

static uint64_t ss_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int ss_fail(const char *what, int ret)
{
	fprintf(stderr, "scsign: %s: %s (%s)\n", what,
		gnutls_strerror_name(ret), gnutls_strerror(ret));
	return 1;
}

int main(int argc, char **argv)
{
	gnutls_datum_t file = { NULL, 0 }, sig, data;
	gnutls_privkey_t key = NULL;
	gnutls_sign_algorithm_t algo;
	unsigned char msg[64] = "scsign: the same bytes each time";
	uint64_t start, now, n = 0;
	double secs = 1;
	unsigned bits = 0;
	int ret, pk, rc = 1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: scsign KEYFILE [SECONDS]\n");
		return 2;
	}
	if (argc == 3)
		secs = atof(argv[2]);
	if (secs <= 0 || secs > 60) {
		fprintf(stderr, "scsign: SECONDS: 0..60\n");
		return 2;
	}
	ret = gnutls_global_init();
	if (ret < 0)
		return ss_fail("gnutls_global_init", ret);
	ret = gnutls_load_file(argv[1], &file);
	if (ret < 0) {
		rc = ss_fail(argv[1], ret);
		goto out;
	}
	ret = gnutls_privkey_init(&key);
	if (ret < 0) {
		rc = ss_fail("gnutls_privkey_init", ret);
		goto out;
	}
	ret = gnutls_privkey_import_x509_raw(key, &file, GNUTLS_X509_FMT_PEM,
					     NULL, 0);
	if (ret < 0) {
		rc = ss_fail(argv[1], ret);
		goto out;
	}
	pk = gnutls_privkey_get_pk_algorithm(key, &bits);
	if (pk == GNUTLS_PK_RSA) {
		algo = GNUTLS_SIGN_RSA_PSS_RSAE_SHA256;
	} else if (pk == GNUTLS_PK_ECDSA) {
		algo = GNUTLS_SIGN_ECDSA_SECP256R1_SHA256;
	} else {
		fprintf(stderr, "scsign: %s: neither RSA nor ECDSA\n",
			argv[1]);
		goto out;
	}
	data.data = msg;
	data.size = sizeof(msg);
	start = now = ss_cpu_ns();
	while (now - start < (uint64_t)(secs * 1e9)) {
		ret = gnutls_privkey_sign_data2(key, algo, 0, &data, &sig);
		if (ret < 0) {
			rc = ss_fail("gnutls_privkey_sign_data2", ret);
			goto out;
		}
		gnutls_free(sig.data);
		n++;
		now = ss_cpu_ns();
	}
	printf("{\"key\":\"%s\",\"bits\":%u,\"algorithm\":\"%s\","
	       "\"signatures\":%llu,\"sign_us\":%.2f,\"clock\":\"cpu\",\"gnutls\":\"%s\"}\n",
	       pk == GNUTLS_PK_RSA ? "rsa" : "ecdsa", bits,
	       gnutls_sign_get_name(algo), (unsigned long long)n,
	       (double)(now - start) / 1e3 / (double)n,
	       gnutls_check_version(NULL));
	rc = 0;
out:
	gnutls_privkey_deinit(key);
	gnutls_free(file.data);
	gnutls_global_deinit();
	return rc;
}
