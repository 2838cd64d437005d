/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the config parser (prefix: fz_).
 *
 * Build: clang -g -fsanitize=fuzzer,address,undefined -Icore -Icore/include
 *        fuzz/fuzz_cfg.c core/cfg.c core/log.c
 *
 * The input is parsed as a config text. include_file lines are left in on
 * purpose: they reach the file-reading path, resolved against the fuzzer's
 * working directory, so run it from an empty directory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct cfg c;
	char *text;

	/* the parser takes a C string: stop at the first NUL like a caller */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cfg_parse_string(text, "fuzz.cfg", &c, err, sizeof(err)) == 0)
		cfg_free(&c);
	/* an error must leave a freed, zeroed struct: freeing again is safe */
	cfg_free(&c);
	free(text);
	return 0;
}
