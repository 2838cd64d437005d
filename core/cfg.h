/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * Config file parser (prefix: cfg_).
 *
 * Parses a SER-style config into a struct cfg: the core settings, the listen
 * lines, and the ordered statements that concern modules (loadmodule,
 * modparam, the seed's tls_* lines and tls_domain[...] { } blocks). It does
 * not load anything: main applies the result, so the parser is testable on
 * its own and the proxy never starts half-configured.
 *
 * Every error is one message "FILE:LINE: what is wrong (what is accepted)".
 */
#ifndef SC_CFG_H
#define SC_CFG_H

#include <stddef.h>
#include <sipcore/module.h>

struct cfg_value {
	enum sc_param_type type;
	long i;
	char *s;   /**< SC_PARAM_STR: malloc'd, unquoted, escapes resolved */
};

enum cfg_stmt_kind {
	CFG_LOADMODULE,  /**< module = the name as written ("tls_gnutls.so") */
	CFG_MODPARAM,    /**< module, param, v */
	CFG_TLSLINE,     /**< a seed tls_* line: param, v, scope (block) */
};

struct cfg_stmt {
	enum cfg_stmt_kind kind;
	char *file;
	int line;
	char *module;
	char *param;
	struct cfg_value v;
	char *scope;     /**< CFG_TLSLINE inside tls_domain[X]: "X"; else NULL */
	struct cfg_stmt *next;
};

struct cfg_listen {
	char *proto;     /**< "udp", "tcp", "tls" or another transport name */
	char *host;      /**< address text without brackets ("::1") */
	unsigned short port; /**< 0: the transport's default */
	char *file;
	int line;
	struct cfg_listen *next;
};

/** Core settings with their defaults (see cfg_defaults()). */
struct cfg_core {
	int children;            /**< 4, 1..1024 */
	char *mpath;             /**< NULL: the built-in module directory */
	int log_level;           /**< 1 (notice), -3..4; alias debug */
	int log_stderror;        /**< 0 */
	char *log_facility;      /**< "LOG_DAEMON" */
	int disable_tls;         /**< 0 */
	int tcp_max_connections; /**< 4096 per worker-set, 1.. */
	int max_msg_size;        /**< 65536 bytes, 1024..1048576 */
	int tcp_connection_lifetime; /**< 120 s idle, 1.. */
	int tcp_connect_timeout; /**< 10 s */
	int tcp_send_timeout;    /**< 10 s */
	int tcp_conn_wq_max;     /**< 262144 bytes per connection */
	int tcp_wq_max;          /**< 10485760 bytes in total */
	int tcp_max_connections_per_ip; /**< 1024, 0 off */
	int tcp_max_handshakes;  /**< 256 per worker, 1.. */
	int tcp_msg_data_timeout; /**< 20 s to the first message */
	int tcp_msg_read_timeout; /**< 20 s to complete a message */
	int shm_size;            /**< 64 MB, 1..65536 */
	int reply_code;          /**< 501, 300..699 */
	char *reply_reason;      /**< "Not Implemented" */
	char *server_header;     /**< "sipcore" ("" for none) */
	int shutdown_timeout;    /**< 5 s graceful stop bound */
	char *forward_to;        /**< NULL: no relay, sipcore answers */
	char *forward_from;      /**< NULL: forward_to's address */
	char *flow_secret_file;  /**< NULL: a random secret per start */
	char *relay_peer_header; /**< NULL: no peer-identity header */
	int relay_t1;            /**< 500 ms, RFC 3261 T1 */
	int relay_t2;            /**< 4000 ms, RFC 3261 T2 */
	char *dns_servers;       /**< NULL: resolv.conf */
	int flow_timer;          /**< 0: no Flow-Timer added */
	int dns_timeout;         /**< 2000 ms per query try */
	char *user;              /**< NULL: stay who started us (privs.c) */
	char *group;             /**< NULL: user's primary group */
};

struct cfg {
	char *path;              /**< the main file as given */
	struct cfg_core core;
	struct cfg_listen *listen;   /**< in file order */
	struct cfg_stmt *stmts;      /**< in file order */
};

/** Fill @c with the defaults (no allocation that can fail but strings). */
int cfg_defaults(struct cfg *c);

/**
 * Parse @path into @c (which cfg_parse_file initialises itself).
 * Returns 0, or -1 with the message in @err. On error @c is freed.
 */
int cfg_parse_file(const char *path, struct cfg *c, char *err, size_t errlen);

/** Same, from a string; @fname is used in messages. */
int cfg_parse_string(const char *text, const char *fname, struct cfg *c,
		     char *err, size_t errlen);

void cfg_free(struct cfg *c);

#endif
