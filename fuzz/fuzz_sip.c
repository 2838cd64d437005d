/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the SIP framer, parser and reply builder
 * (prefix: fz_).
 *
 * The input is treated both as one datagram and as a stream: the framer
 * consumes it message by message. Each framed message is copied into a heap
 * buffer of exactly its size, so that AddressSanitizer catches any read past
 * the frame. Beyond memory safety it checks what must hold:
 *   - framer and parser agree on where a framed message ends;
 *   - a reply built from a parsed request parses again, as a reply with the
 *     same number of Via headers;
 *   - a too small output buffer gives -1, never a partial write past it.
 *
 * Build: clang -g -fsanitize=fuzzer,address,undefined -Icore -Icore/include \
 *        fuzz/fuzz_sip.c core/sip_msg.c core/sip_frame.c core/sip_reply.c \
 *        core/log.c
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_msg.h"

#define FZ_MAX_MSG 65536
#define FZ_OUT 8192

#define FZ_CHECK(cond)                                                        \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

static struct sc_sip_msg fz_msg, fz_reply;
static char fz_out[FZ_OUT];

static const struct sockaddr *fz_src(uint8_t sel,
				     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (sel & 1) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(5061);
		inet_pton(AF_INET6,
			  (sel & 2) ? "::ffff:192.0.2.1" : "2001:db8::1",
			  &in6->sin6_addr);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(5060);
		inet_pton(AF_INET, "192.0.2.1", &in->sin_addr);
	}
	return (const struct sockaddr *)ss;
}

static unsigned fz_count_vias(const struct sc_sip_msg *m)
{
	unsigned i, n = 0;

	for (i = 0; i < m->nhdrs; i++)
		n += m->hdrs[i].id == SIP_H_VIA;
	return n;
}

static void fz_reply_check(const struct sc_sip_msg *m, uint8_t sel)
{
	struct sockaddr_storage ss;
	const struct sockaddr *src = fz_src(sel, &ss);
	const char *why;
	char *small;
	int n, k;

	n = sip_reply_build(m, src, 200 + (sel % 7), NULL, "fz-tag",
			    (sel & 4) ? "sipcore" : NULL,
			    (sel & 8) ? "Allow: OPTIONS" : NULL, fz_out,
			    sizeof(fz_out));
	if (n < 0)
		return;
	FZ_CHECK((size_t)n < sizeof(fz_out) && fz_out[n] == '\0');
	if (sip_parse(&fz_reply, fz_out, (size_t)n, &why) < 0) {
		/* only a request with about SIP_MAX_HEADERS Vias can */
		FZ_CHECK(fz_count_vias(m) + 7 > SIP_MAX_HEADERS &&
			 strcmp(why, "too many headers") == 0);
		return;
	}
	FZ_CHECK(!fz_reply.is_request && fz_reply.content_length == 0);
	FZ_CHECK(fz_count_vias(&fz_reply) == fz_count_vias(m));

	/* one byte short of the text and its NUL: refused, nothing overrun */
	small = malloc((size_t)n);
	if (!small)
		return;
	k = sip_reply_build(m, src, 200 + (sel % 7), NULL, "fz-tag",
			    (sel & 4) ? "sipcore" : NULL,
			    (sel & 8) ? "Allow: OPTIONS" : NULL, small,
			    (size_t)n);
	FZ_CHECK(k == -1);
	free(small);
}

static void fz_parse(const char *buf, size_t len, uint8_t sel)
{
	const char *why = NULL;

	if (sip_parse(&fz_msg, buf, len, &why) < 0) {
		FZ_CHECK(why != NULL);
		return;
	}
	FZ_CHECK(fz_msg.nhdrs <= SIP_MAX_HEADERS);
	FZ_CHECK(fz_msg.body.s >= buf &&
		 fz_msg.body.s + fz_msg.body.len <= buf + len);
	if (fz_msg.content_length >= 0)
		FZ_CHECK(fz_msg.body.len == (size_t)fz_msg.content_length);
	if (fz_msg.is_request)
		fz_reply_check(&fz_msg, sel);
}

/* Frame the stream; parse each message in a buffer of its own size. */
static void fz_stream(const char *data, size_t size, uint8_t sel)
{
	size_t off = 0, used;
	const char *why;
	char *msg;

	while (off < size) {
		enum sip_frame_ret r = sip_frame(data + off, size - off,
						 FZ_MAX_MSG, &used, &why);

		if (r == SIP_FRAME_MORE || r == SIP_FRAME_BAD ||
		    r == SIP_FRAME_TOO_BIG) {
			FZ_CHECK(used == 0);
			FZ_CHECK(r == SIP_FRAME_MORE || why != NULL);
			return;
		}
		FZ_CHECK(used > 0 && used <= size - off);
		if (r == SIP_FRAME_PING)
			FZ_CHECK(used == 4);
		if (r == SIP_FRAME_SKIP)
			FZ_CHECK(used <= 2);
		if (r == SIP_FRAME_MSG) {
			msg = malloc(used);
			if (!msg)
				return;
			memcpy(msg, data + off, used);
			fz_parse(msg, used, sel);
			/* the parser's body must end where the frame does */
			if (sip_parse(&fz_msg, msg, used, &why) == 0)
				FZ_CHECK(fz_msg.body.s + fz_msg.body.len ==
					 msg + used);
			free(msg);
		}
		off += used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	uint8_t sel = size ? data[size - 1] : 0;

	fz_parse(buf, size, sel);
	fz_stream(buf, size, sel);
	return 0;
}
