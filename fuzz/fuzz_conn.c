/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the stream receive path (prefix: fz_).
 *
 * The bytes go through the real core/conn.c: a connection accepted on a
 * listener whose transport ("fuzz") hands out the input in chunks, driven
 * by the real event loop and its busy hook, framed by sip_frame_resume as
 * the bytes arrive, handled by sip_core_handle, answered through the write
 * queue. The socket is one end of a socketpair that stays readable, so the
 * loop keeps calling the connection until it dies; nothing blocks.
 *
 * The first input byte chooses how: chunk sizes, read budget bursts, a
 * transport handshake, writes that stall (SC_IO_AGAIN) or go out partly,
 * an error instead of EOF at the end, a small max_msg_size. The rest is
 * the stream. What must hold, beyond memory safety:
 *   - the messages the core handles are exactly those a one-shot sip_frame
 *     of the whole stream finds and sip_parse accepts, up to the first one
 *     the core must refuse: however the bytes were split, nothing is
 *     framed differently, and nothing after a refused message is handled;
 *   - what the core wrote back frames as SIP replies and CRLF pongs;
 *   - the connection dies, and its transport state is cleaned up once.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <sipcore/log.h>
#include <sipcore/transport.h>

#include "conn_int.h"
#include "core.h"
#include "loop.h"
#include "shm_int.h"
#include "sip_core.h"
#include "sip_msg.h"

#define FZ_MAX_MSGS 4096
#define FZ_OUT_MAX (1u << 20)

#define FZ_CHECK(cond)                                                        \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

/* the first input byte */
#define FZ_OPT_HANDSHAKE 0x01  /* a transport handshake that waits once */
#define FZ_OPT_WAGAIN 0x02     /* every other write stalls */
#define FZ_OPT_WPART 0x04      /* writes take at most 7 bytes */
#define FZ_OPT_ERROR 0x08      /* the stream ends in an error, not EOF */
#define FZ_OPT_SMALL 0x10      /* max_msg_size 1024 */
#define FZ_OPT_CHUNK 0xe0      /* chunk size class */

struct fz_state {
	const uint8_t *in;
	size_t len, off;
	uint8_t opt;
	uint32_t rnd;
	unsigned burst;       /* reads left before the next SC_IO_AGAIN */
	int last_again;
	unsigned writes;
	int hs_waited;
	int inits, cleanups;
	size_t outlen;
	int overflow;
	unsigned nexp, ngot;
	unsigned iter, iter_max;
	/* below: not cleared per input */
	char *out;            /* what the core wrote, up to FZ_OUT_MAX */
	/* the messages the core must handle, as offsets into the stream */
	size_t exp_off[FZ_MAX_MSGS], exp_len[FZ_MAX_MSGS];
};

static struct fz_state fz;
static struct sc_listener fz_lst;
/* what main.c installs: framed messages go to the SIP layer */
static const struct conn_msg_handler fz_handler = {
	.msg = sip_core_handle,
	.too_big = sip_core_reply_too_big,
};
static volatile int fz_stop;

static uint32_t fz_rand(void)
{
	fz.rnd = fz.rnd * 1103515245u + 12345u;
	return fz.rnd >> 8;
}

static size_t fz_chunk(void)
{
	static const size_t cap[8] = { 1, 2, 3, 7, 64, 500, 4096, 1 << 20 };

	return 1 + fz_rand() % cap[(fz.opt & FZ_OPT_CHUNK) >> 5];
}

static int fz_conn_init(struct sc_conn *c)
{
	c->tdata = &fz;
	fz.inits++;
	return 0;
}

static int fz_handshake(struct sc_conn *c)
{
	(void)c;
	if (!fz.hs_waited) {
		fz.hs_waited = 1;
		return SC_IO_AGAIN;
	}
	return 0;
}

static ssize_t fz_read(struct sc_conn *c, void *buf, size_t len)
{
	size_t n;

	(void)c;
	FZ_CHECK(len > 0);
	if (fz.burst == 0) {
		/* the next event: a new burst of 1..20 reads */
		fz.burst = 1 + fz_rand() % 20;
		fz.last_again = 1;
		return SC_IO_AGAIN;
	}
	fz.burst--;
	fz.last_again = 0;
	if (fz.off == fz.len)
		return (fz.opt & FZ_OPT_ERROR) ? SC_IO_ERROR : 0;
	n = fz_chunk();
	if (n > len)
		n = len;
	if (n > fz.len - fz.off)
		n = fz.len - fz.off;
	memcpy(buf, fz.in + fz.off, n);
	fz.off += n;
	return (ssize_t)n;
}

static ssize_t fz_write(struct sc_conn *c, const void *buf, size_t len)
{
	size_t n = len;

	(void)c;
	FZ_CHECK(len > 0);
	if ((fz.opt & FZ_OPT_WAGAIN) && (fz.writes++ & 1))
		return SC_IO_AGAIN;
	if ((fz.opt & FZ_OPT_WPART) && n > 7)
		n = 7;
	if (fz.outlen + n <= FZ_OUT_MAX) {
		memcpy(fz.out + fz.outlen, buf, n);
		fz.outlen += n;
	} else {
		fz.overflow = 1;
	}
	return (ssize_t)n;
}

/* bytes "buffered in the transport": the rest of the current burst */
static size_t fz_pending(struct sc_conn *c)
{
	(void)c;
	return fz.last_again || fz.off == fz.len ? 0 : fz.burst;
}

static void fz_cleanup(struct sc_conn *c)
{
	FZ_CHECK(c->tdata == &fz);
	c->tdata = NULL;
	fz.cleanups++;
}

static unsigned fz_want(struct sc_conn *c)
{
	(void)c;
	return SC_WANT_READ;
}

static struct sc_transport_ops fz_ops = {
	.name = "fuzz",
	.conn_init = fz_conn_init,
	.handshake = NULL,
	.read = fz_read,
	.write = fz_write,
	.pending = fz_pending,
	.cleanup = fz_cleanup,
	.want = fz_want,
};

/* Every message the core handles passes here first. */
static int fz_hook(struct sc_sip_msg *m, const struct sc_rcv_info *ri)
{
	unsigned k = fz.ngot++;

	(void)ri;
	FZ_CHECK(k < fz.nexp);
	FZ_CHECK(m->len == fz.exp_len[k]);
	FZ_CHECK(memcmp(m->buf, fz.in + fz.exp_off[k], m->len) == 0);
	return SC_SIP_CONTINUE;
}

static int fz_busy(void)
{
	int more = conn_busy();

	fz.iter++;
	if (fz.cleanups && !more)
		fz_stop = 1;
	/* every round reads or waits once per burst: it cannot take longer
	 * than this unless the connection stopped reading for good */
	FZ_CHECK(fz.iter <= fz.iter_max);
	return 1;
}

static int fz_setup(void)
{
	struct cfg c;

	if (cfg_defaults(&c) < 0)
		return -1;
	core_cfg = c.core;
	core_cfg.children = 1;
	/* the queue limits are the stress tests' business: here a reply
	 * must never be dropped for space, so that handled == expected */
	core_cfg.tcp_conn_wq_max = 1 << 30;
	core_cfg.tcp_wq_max = 1 << 30;
	sc_log_level = SC_L_CRIT - 1;
	core_rank = 1;
	if (shm_init(4u << 20) < 0 || core_shared_init(1) < 0 ||
	    loop_init() < 0 || conn_worker_init(1) < 0 ||
	    sc_sip_add_hook(fz_hook) < 0)
		return -1;
	conn_set_handler(&fz_handler);
	fz.out = malloc(FZ_OUT_MAX);
	if (!fz.out)
		return -1;
	fz_lst.proto = SC_PROTO_OTHER;
	fz_lst.proto_name = "fuzz";
	fz_lst.ops = &fz_ops;
	strcpy(fz_lst.name, "fuzz:socketpair");
	return 0;
}

/* The messages a one-shot framing of the whole stream gives the core. */
static void fz_expect(const char *s, size_t len, size_t max)
{
	static struct sc_sip_msg m;
	size_t off = 0, used;
	const char *why;

	fz.nexp = 0;
	while (off < len && fz.nexp < FZ_MAX_MSGS) {
		enum sip_frame_ret r = sip_frame(s + off, len - off, max,
						 &used, &why);

		if (r != SIP_FRAME_MSG && r != SIP_FRAME_PING &&
		    r != SIP_FRAME_SKIP)
			return;
		if (r == SIP_FRAME_MSG) {
			if (sip_parse(&m, s + off, used, &why) < 0)
				return;
			fz.exp_off[fz.nexp] = off;
			fz.exp_len[fz.nexp] = used;
			fz.nexp++;
		}
		off += used;
	}
}

/* What the core wrote: replies and pongs, nothing else. */
static void fz_check_out(void)
{
	static struct sc_sip_msg m;
	size_t off = 0, used;
	const char *why;

	if (fz.overflow)
		return;
	while (off < fz.outlen) {
		enum sip_frame_ret r = sip_frame(fz.out + off, fz.outlen - off,
						 FZ_OUT_MAX, &used, &why);

		if (r == SIP_FRAME_MORE)
			return; /* cut off by the close */
		FZ_CHECK(r == SIP_FRAME_MSG || r == SIP_FRAME_PING ||
			 r == SIP_FRAME_SKIP);
		if (r == SIP_FRAME_MSG) {
			FZ_CHECK(sip_parse(&m, fz.out + off, used, &why) == 0);
			FZ_CHECK(!m.is_request);
		}
		off += used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct sockaddr_storage peer;
	struct sockaddr_in *in = (struct sockaddr_in *)&peer;
	int sv[2];

	if (!ready) {
		if (fz_setup() < 0)
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	memset(&fz, 0, offsetof(struct fz_state, out));
	fz.opt = data[0];
	fz.in = data + 1;
	fz.len = size - 1;
	fz.rnd = (uint32_t)size * 2654435761u ^ data[0];
	fz.burst = 1;
	fz.iter_max = 2 * (unsigned)size + 64;
	fz_ops.handshake = (fz.opt & FZ_OPT_HANDSHAKE) ? fz_handshake : NULL;
	core_cfg.max_msg_size = (fz.opt & FZ_OPT_SMALL) ? 1024 : 65536;
	fz_expect((const char *)fz.in, fz.len,
		  (size_t)core_cfg.max_msg_size);
	if (fz.nexp == FZ_MAX_MSGS)
		return 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv) < 0)
		abort();
	/* the core's end stays readable: the loop calls the connection */
	FZ_CHECK(write(sv[1], "x", 1) == 1);
	memset(&peer, 0, sizeof(peer));
	in->sin_family = AF_INET;
	in->sin_port = htons(5060);
	in->sin_addr.s_addr = htonl(0xc0000201); /* 192.0.2.1 */
	fz_stop = 0;
	conn_accepted(&fz_lst, sv[0], &peer, sizeof(*in));
	loop_run(&fz_stop, fz_busy);
	close(sv[1]);

	FZ_CHECK(fz.inits == 1 && fz.cleanups == 1);
	FZ_CHECK(conn_count() == 0 && !conn_busy());
	FZ_CHECK(fz.ngot == fz.nexp);
	fz_check_out();
	return 0;
}
