/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-worker IPC channels (prefix: ipc_).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <sipcore/log.h>

#include "ipc.h"
#include "loop.h"

#define IPC_MAX_MSG (1024 * 1024 + 64)
#define IPC_SNDBUF (4 * 1024 * 1024)
#define IPC_MSGS_PER_EVENT 64

struct ipc_hdr {
	uint64_t conn_id;
	uint32_t len;
	uint32_t type;
};

static int (*ipc_fds)[2]; /* [rank][0] receive end, [rank][1] send end */
static int ipc_n;
static struct loop_fd ipc_lf;
static char *ipc_buf;
static ipc_deliver_f ipc_deliver;

int ipc_init(int children)
{
	int r, sz = IPC_SNDBUF;

	ipc_fds = calloc((size_t)children + 1, sizeof(*ipc_fds));
	if (!ipc_fds) {
		SC_ERR("ipc: out of memory");
		return -1;
	}
	ipc_n = children + 1;
	ipc_fds[0][0] = ipc_fds[0][1] = -1;
	for (r = 1; r <= children; r++) {
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK |
			       SOCK_CLOEXEC, 0, ipc_fds[r]) < 0) {
			SC_ERR("ipc: socketpair failed: %s", strerror(errno));
			return -1;
		}
		/* best effort: large relayed messages must fit */
		setsockopt(ipc_fds[r][1], SOL_SOCKET, SO_SNDBUF, &sz,
			   sizeof(sz));
		setsockopt(ipc_fds[r][0], SOL_SOCKET, SO_RCVBUF, &sz,
			   sizeof(sz));
	}
	return 0;
}

int ipc_send(int rank, uint64_t id, unsigned type, const void *buf,
	     size_t len)
{
	struct ipc_hdr h = { .conn_id = id, .len = (uint32_t)len,
			     .type = type };
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)buf, .iov_len = len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	if (rank < 1 || rank >= ipc_n || len > IPC_MAX_MSG - sizeof(h)) {
		SC_INFO("ipc: cannot hand %zu bytes to worker %d (conn %llu)",
			len, rank, (unsigned long long)id);
		return -1;
	}
	do {
		n = sendmsg(ipc_fds[rank][1], &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		SC_WARN("ipc: hand-over to worker %d for conn %llu failed: %s",
			rank, (unsigned long long)id, strerror(errno));
		return -1;
	}
	return 0;
}

void ipc_set_handler(ipc_deliver_f f)
{
	ipc_deliver = f;
}

static void ipc_event(struct loop_fd *lf, uint32_t ev)
{
	int i;

	(void)ev;
	for (i = 0; i < IPC_MSGS_PER_EVENT; i++) {
		struct ipc_hdr h;
		ssize_t n = recv(lf->fd, ipc_buf, IPC_MAX_MSG, 0);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				SC_WARN("ipc: recv failed: %s",
					strerror(errno));
			return;
		}
		if ((size_t)n < sizeof(h))
			continue;
		memcpy(&h, ipc_buf, sizeof(h));
		if (h.len != (size_t)n - sizeof(h)) {
			SC_WARN("ipc: malformed message of %zd bytes dropped",
				n);
			continue;
		}
		ipc_deliver(h.type, h.conn_id, ipc_buf + sizeof(h), h.len);
	}
}

int ipc_worker_start(int rank)
{
	int r;

	ipc_buf = malloc(IPC_MAX_MSG);
	if (!ipc_buf) {
		SC_ERR("ipc: out of memory");
		return -1;
	}
	for (r = 1; r < ipc_n; r++) {
		if (r != rank && ipc_fds[r][0] >= 0) {
			close(ipc_fds[r][0]);
			ipc_fds[r][0] = -1;
		}
	}
	return loop_add(&ipc_lf, ipc_fds[rank][0], EPOLLIN, ipc_event);
}

void ipc_close_all(void)
{
	int r;

	for (r = 1; r < ipc_n; r++) {
		if (ipc_fds[r][0] >= 0)
			close(ipc_fds[r][0]);
		if (ipc_fds[r][1] >= 0)
			close(ipc_fds[r][1]);
	}
	free(ipc_fds);
	ipc_fds = NULL;
	ipc_n = 0;
}
