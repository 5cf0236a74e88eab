/*
 * api_auth.h - who is asking: the access level of every route and the guard that enforces it.
 *
 * Every route in api_routes.c names an access level. api_auth_guard() runs before each
 * handler (HttpServerConfig.guard): for API_USER and API_ADMIN routes it resolves a Principal
 * from a bearer access token (JWT), the session cookie (with the CSRF check on writes), an
 * API key (X-API-Key header or apiKey parameter) or the trusted reverse-proxy header, answers
 * 401 / 403 / 429 itself when it must, and leaves the Principal in req->user. Any server
 * thread.
 */
#ifndef SWAZ_API_AUTH_H
#define SWAZ_API_AUTH_H

#include "auth/auth_jwt_cache.h"
#include "auth/auth_password.h"
#include "auth/auth_principal.h"
#include "auth/auth_ratelimit.h"
#include "core/limits.h"
#include "http/http_router.h"

#include <stdbool.h>
#include <stdint.h>

/* Route access levels (HttpRoute.access). */
enum {
    API_PUBLIC = 0, /* anyone: /health, login, public share links, the web player's files */
    API_USER = 1,   /* any authenticated, enabled user */
    API_ADMIN = 2,  /* an administrator; others get 403 */
    API_SELF = 3,   /* the handler authenticates by its own rules (Subsonic /rest/) */
};

/* Cookie names (api/native/native_auth.c sets them). */
#define API_AUTH_COOKIE_SESSION "swaz_session" /* the access token; HttpOnly */
#define API_AUTH_COOKIE_REFRESH "swaz_refresh" /* the refresh token; HttpOnly, Path=/api/auth */
#define API_AUTH_COOKIE_CSRF    "swaz_csrf"    /* readable by scripts; echoed in X-CSRF-Token */

/* Settings, from app/config (see docs/configuration.md). Strings are borrowed. */
typedef struct ApiAuthSettings {
    unsigned access_ttl_s;
    unsigned refresh_ttl_s;
    unsigned stream_ttl_s;
    const char *trusted_proxies;   /* ','-separated IPs / CIDRs, "" = none */
    const char *proxy_auth_header; /* "" = proxy authentication off */
    bool proxy_auth_create;
    unsigned rate_account; /* failures per account per window */
    unsigned rate_address; /* failures per client address per window */
    unsigned rate_window_s;
    const unsigned char *jwt_key; /* AUTH_JWT_KEY_BYTES; tokens verified with it are kept */
} ApiAuthSettings;

/* One trusted network. */
typedef struct ApiAuthNet {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    unsigned prefix;
} ApiAuthNet;

/* The guard's state, built once by app/ and read-only afterwards except the rate limiter
 * (which has its own lock). */
typedef struct ApiAuth {
    ApiAuthSettings settings;
    ApiAuthNet proxies[LIMIT_AUTH_TRUSTED_PROXIES];
    size_t n_proxies;
    AuthRateLimit *limiter;
    AuthPrincipals *principals;              /* signed-in users kept between requests */
    AuthJwtCache *tokens;                    /* tokens verified with settings.jwt_key */
    char dummy_hash[AUTH_PASSWORD_HASH_MAX]; /* verified for unknown users: same timing */
} ApiAuth;

/* Builds the guard's state from `settings` (strings are copied where kept). Returns 0, or
 * -EINVAL with a message in `err` (bad trusted_proxies entry), or -ENOMEM. Caller frees
 * with api_auth_free(). */
int api_auth_new(const ApiAuthSettings *settings, ApiAuth **ret_auth, char *err, size_t err_len);

/* Frees the state. NULL is a no-op. */
void api_auth_free(ApiAuth *auth);

/* Parses a trusted_proxies list into `nets` (LIMIT_AUTH_TRUSTED_PROXIES entries). Returns
 * the count, or -EINVAL (an entry that is not an IP or CIDR) / ERR_LIMIT (too many). */
int api_auth_parse_nets(const char *list, ApiAuthNet *nets);

/* Returns the client's address: the TCP peer, or, when the peer is a trusted proxy, the
 * right-most address of X-Forwarded-For that is not a trusted proxy. Arena-owned. */
const char *api_auth_client_addr(HttpRequest *req);

/* True when the TCP peer of `req` is one of the trusted proxies. */
bool api_auth_from_proxy(const HttpRequest *req);

/* Answers 429 with Retry-After and returns 1 when (kind, key) is over its limit; else 0. */
int api_auth_limited(HttpRequest *req, HttpResponse *res, AuthRateKind kind, const char *key);

/* Records a failed authentication of (kind, key). */
void api_auth_failed(HttpRequest *req, AuthRateKind kind, const char *key);

/* Forgets the failures of (kind, key) after a success. */
void api_auth_succeeded(HttpRequest *req, AuthRateKind kind, const char *key);

/* True when the request's swaz_csrf cookie is present and equal (constant time) to its
 * X-CSRF-Token header. */
bool api_auth_csrf_ok(const HttpRequest *req);

/* Writes the value of cookie `name` (NUL-terminated, at most `size` - 1 bytes) to `out`.
 * Returns 0, -ENOENT or ERR_LIMIT / ERR_PARSE. */
int api_auth_cookie(const HttpRequest *req, const char *name, char *out, size_t size);

/* The guard (see the header comment). Returns 0 to run the handler, 1 when it answered. */
int api_auth_guard(HttpRequest *req, HttpResponse *res, const HttpRoute *route);

/* What the guard decides without reading the database or answering: for a GET or HEAD of an
 * API_USER or API_ADMIN route signed in by an access token (header or cookie) that checks
 * out, from an address under its limit, of a user kept under the current users generation
 * (auth_principals_peek()) with the route's rights, sets req->user and returns 1. Else
 * returns 0 with req->user NULL: api_auth_guard() decides. Any thread; never blocks. */
int api_auth_quick(HttpRequest *req, const HttpRoute *route);

/* Returns the Principal the guard resolved for this request, or NULL on API_PUBLIC routes
 * reached without credentials. Borrowed until the response completes. */
const Principal *api_auth_principal(const HttpRequest *req);

#endif
