/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * TLS parameters as configured (prefix: tls_cfg).
 *
 * Parameter setters only store strings and numbers here, in the master's
 * private heap, in config order; nothing is read or built until mod_init
 * (tls_dom_build). Three spellings reach the same setter:
 *   - the seed's lines, `tls_certificate="..."`, and inside a
 *     `tls_domain[SCOPE] { ... }` block (the core passes SCOPE);
 *   - `modparam("tls_gnutls", "tls_certificate", "...")`;
 *   - `modparam("tls_gnutls", "tls_certificate", "[SCOPE]...")`: a value
 *     starting with '[' names its scope in brackets (for an int parameter
 *     the rest of the string is the number).
 * Kamailio's names are aliases (certificate, private_key, ca_list, crl,
 * verify_certificate, require_certificate, verify_depth, cipher_list,
 * private_key_password, method, server_name).
 *
 * A SCOPE is "IP:port", "[IPv6]:port" (server domain of that listener),
 * "server:IP:port", "IP:port/NAME" (a server domain of that listener that
 * a client selects by asking for NAME with TLS SNI; it sets
 * tls_server_name), "client:IP:port" (outgoing connections to that
 * destination), "server:default" or "client:default". Unscoped values are
 * the global ones: every domain inherits what it does not set itself; a
 * named server domain first from its address's domain (tls_cfg_parent).
 */
#ifndef TLS_GNUTLS_TLS_CFG_H
#define TLS_GNUTLS_TLS_CFG_H

#include <stddef.h>
#include <sys/socket.h>

#define TLS_UNSET (-1)

enum tls_dom_kind {
	TLS_DOM_SERVER = 0,
	TLS_DOM_CLIENT = 1,
};

#define TLS_CFG_MAXLOC 16

/** Where a setting was written, for messages about it at build time. */
struct tls_cfg_loc {
	size_t off;               /**< offsetof(struct tls_dom_cfg, field) */
	char *file;               /**< owned copy */
	int line;
};

/** One domain's settings; NULL / TLS_UNSET = inherit the global value. */
struct tls_dom_cfg {
	enum tls_dom_kind kind;
	int is_default;           /**< server:default / client:default */
	char *scope;              /**< as written, NULL for the globals */
	struct sockaddr_storage addr; /**< from the scope; AF_UNSPEC if none */
	socklen_t addrlen;
	char *server_name;        /**< SNI to match (server) or send (client) */
	char *certificate;
	char *private_key;
	char *private_key_password;
	char *ca_list;
	char *crl;
	char *method;
	char *ciphers;
	char *priority;
	int verify;
	int require_certificate;
	int verify_depth;
	char *file;               /**< where the domain was first named
				     (owned copy) */
	int line;
	struct tls_cfg_loc loc[TLS_CFG_MAXLOC]; /**< where each field was set */
	unsigned nloc;
	struct tls_dom_cfg *next;
};

struct tls_cfg {
	struct tls_dom_cfg global;     /**< unscoped values */
	struct tls_dom_cfg *domains;   /**< scoped domains, config order */
	int handshake_timeout;         /**< seconds, default 120 (seed) */
	int send_timeout;              /**< seconds, default 120 (seed) */
	int send_ca_names;             /**< default 0: see tls_verify.c */
	int session_tickets;           /**< default 1 */
	int ticket_key_lifetime;       /**< seconds, default 12 h */
	char *ticket_key_file;         /**< NULL: a random key per start */
	int session_cache;             /**< TLS 1.2 session-ID entries */
	int allow_core_dumps;          /**< default 0: not dumpable */
	int log_level;                 /**< GnuTLS debug level, default 0 */
};

/** The module's one configuration (master; inherited by workers). */
extern struct tls_cfg tls_cfg;

/** Set the defaults (before any setter runs). */
void tls_cfg_init(struct tls_cfg *c);
/** Free everything (mod_destroy). */
void tls_cfg_free(struct tls_cfg *c);

/**
 * Parse a scope text into a domain key. Returns 0 or -1 with a message
 * saying what is accepted.
 */
int tls_cfg_parse_scope(const char *scope, enum tls_dom_kind *kind,
			int *is_default, struct sockaddr_storage *addr,
			socklen_t *addrlen, char *err, size_t errlen);

/** The NAME of an "IP:port/NAME" scope, or NULL. */
const char *tls_cfg_scope_name(const char *scope);

/**
 * Find or create the domain for @scope (NULL: the globals). The domain
 * remembers @file:@line of its first mention.
 */
struct tls_dom_cfg *tls_cfg_domain(struct tls_cfg *c, const char *scope,
				   const char *file, int line, char *err,
				   size_t errlen);

/**
 * Remember that the field at @off of @d was set at @file:@line (the last
 * setting wins). 0, or -1 when out of memory.
 */
int tls_cfg_note(struct tls_dom_cfg *d, size_t off, const char *file,
		 int line);

/**
 * "FILE:LINE: " where the effective value of the field at @off of @d was
 * set (@d's own setting, else the global one), or "" when it is a built-in
 * default. Written into @buf, which is returned.
 */
const char *tls_cfg_where(const struct tls_cfg *c, const struct tls_dom_cfg *d,
			  size_t off, char *buf, size_t len);

/**
 * The domain a named server domain (IP:port/NAME) inherits from before
 * the globals: the unnamed server domain of the same address, else a
 * configured server:default. NULL for every other domain.
 */
const struct tls_dom_cfg *tls_cfg_parent(const struct tls_cfg *c,
					 const struct tls_dom_cfg *d);

/**
 * Resolve a domain's effective settings: a copy of @d where every unset
 * value is taken from its parent (tls_cfg_parent), then from the globals
 * and then from the built-in defaults
 * (certificate "CFG_DIR/cert.pem", private_key "CFG_DIR/cert.pem" as the
 * seed says, verify 0, require 0, verify_depth 9). Strings in @out point
 * into @d, @c->global or static defaults: do not free them.
 */
void tls_cfg_effective(const struct tls_cfg *c, const struct tls_dom_cfg *d,
		       struct tls_dom_cfg *out);

#endif
