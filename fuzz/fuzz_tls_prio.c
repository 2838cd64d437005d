/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: tls_method / tls_ciphers_list / tls_priority parsing
 * and the tls_domain scope parser. The input is split on '|' into method,
 * cipher list and scope.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls_cfg.h"
#include "tls_priority.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *method, *ciphers, *scope, *out = NULL, err[512], buf[4096];
	struct sockaddr_storage ss;
	enum tls_dom_kind kind;
	socklen_t sl;
	unsigned flags = 0;
	int def;

	if (size > 4096)
		return 0;
	in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	method = in;
	ciphers = strchr(method, '|');
	if (ciphers)
		*ciphers++ = '\0';
	scope = ciphers ? strchr(ciphers, '|') : NULL;
	if (scope)
		*scope++ = '\0';

	tls_prio_method_valid(method, err, sizeof(err));
	if (tls_prio_build(method, ciphers, NULL, &out, &flags, err,
			   sizeof(err)) == 0) {
		tls_prio_describe(out, buf, sizeof(buf));
		free(out);
	}
	if (scope)
		tls_cfg_parse_scope(scope, &kind, &def, &ss, &sl, err,
				    sizeof(err));
	free(in);
	return 0;
}
