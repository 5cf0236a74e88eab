/*
 * api_auth.c - the request guard: credentials in order (bearer JWT, session cookie with CSRF
 * on writes, API key, ?t= media token on media routes, trusted proxy header), the
 * Principal, route access levels, rate limits on failures, and the real client address.
 */
#include "api/api_auth.h"

#include "api/api.h"
#include "api/api_error.h"
#include "auth/auth_apikey.h"
#include "auth/auth_jwt.h"
#include "auth/auth_user.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "http/http_cookie.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

/* Parses an address into 16 bytes; IPv4 and IPv4-mapped IPv6 become AF_INET. */
static int api_auth_parse_addr(const char *s, size_t len, int *ret_family, unsigned char out[16])
{
    char buf[INET6_ADDRSTRLEN + 1];
    if (len == 0 || len >= sizeof(buf))
        return -EINVAL;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, out) == 1) {
        *ret_family = AF_INET;
        return 0;
    }
    unsigned char v6[16];
    if (inet_pton(AF_INET6, buf, v6) != 1)
        return -EINVAL;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(v6, mapped, sizeof(mapped)) == 0) {
        memcpy(out, v6 + 12, 4);
        *ret_family = AF_INET;
    } else {
        memcpy(out, v6, 16);
        *ret_family = AF_INET6;
    }
    return 0;
}

int api_auth_parse_nets(const char *list, ApiAuthNet *nets)
{
    size_t n = 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *end = p;
        while (*end && *end != ',' && *end != ' ')
            end++;
        if (n == LIMIT_AUTH_TRUSTED_PROXIES)
            return ERR_LIMIT;
        const char *slash = memchr(p, '/', (size_t)(end - p));
        ApiAuthNet net = {0};
        if (api_auth_parse_addr(p, (size_t)((slash ? slash : end) - p), &net.family, net.addr) < 0)
            return -EINVAL;
        unsigned max = net.family == AF_INET ? 32 : 128;
        net.prefix = max;
        if (slash) {
            char bits[8];
            size_t blen = (size_t)(end - slash - 1);
            int64_t v;
            if (blen == 0 || blen >= sizeof(bits))
                return -EINVAL;
            memcpy(bits, slash + 1, blen);
            bits[blen] = '\0';
            if (str_to_int64(bits, 0, max, &v) < 0)
                return -EINVAL;
            net.prefix = (unsigned)v;
        }
        nets[n++] = net;
        p = end;
    }
    return (int)n;
}

static bool api_auth_in_net(const ApiAuthNet *net, int family, const unsigned char *addr)
{
    if (net->family != family)
        return false;
    unsigned full = net->prefix / 8, rest = net->prefix % 8;
    if (memcmp(net->addr, addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xffu << (8 - rest));
    return (net->addr[full] & mask) == (addr[full] & mask);
}

static bool api_auth_trusted(const ApiAuth *auth, const char *s, size_t len)
{
    int family;
    unsigned char addr[16];
    if (api_auth_parse_addr(s, len, &family, addr) < 0)
        return false;
    for (size_t i = 0; i < auth->n_proxies; i++) {
        if (api_auth_in_net(&auth->proxies[i], family, addr))
            return true;
    }
    return false;
}

int api_auth_new(const ApiAuthSettings *settings, ApiAuth **ret_auth, char *err, size_t err_len)
{
    ApiAuth *a = calloc(1, sizeof(*a));
    if (!a)
        return -ENOMEM;
    a->settings = *settings;
    int n =
        api_auth_parse_nets(settings->trusted_proxies ? settings->trusted_proxies : "", a->proxies);
    if (n < 0) {
        snprintf(err, err_len, "trusted_proxies: %s",
                 n == ERR_LIMIT ? "too many entries" : "expected IP addresses or CIDRs");
        free(a);
        return -EINVAL;
    }
    a->n_proxies = (size_t)n;
    char pw[AUTH_PASSWORD_GENERATED_LEN + 1];
    auth_password_generate(pw);
    int r = auth_password_hash(pw, a->dummy_hash);
    sodium_memzero(pw, sizeof(pw));
    a->limiter = r == 0 ? auth_ratelimit_new() : NULL;
    a->principals = a->limiter ? auth_principals_new() : NULL;
    a->tokens = a->principals && settings->jwt_key ? auth_jwt_cache_new(settings->jwt_key) : NULL;
    if (!a->principals || (settings->jwt_key && !a->tokens)) {
        auth_principals_free(a->principals);
        auth_ratelimit_free(a->limiter);
        free(a);
        return -ENOMEM;
    }
    *ret_auth = a;
    return 0;
}

void api_auth_free(ApiAuth *auth)
{
    if (!auth)
        return;
    auth_ratelimit_free(auth->limiter);
    auth_principals_free(auth->principals);
    auth_jwt_cache_free(auth->tokens);
    free(auth);
}

bool api_auth_from_proxy(const HttpRequest *req)
{
    const ApiContext *ctx = req->app;
    const ApiAuth *auth = ctx->auth;
    return auth && auth->n_proxies > 0 &&
           api_auth_trusted(auth, req->peer_addr, strlen(req->peer_addr));
}

const char *api_auth_client_addr(HttpRequest *req)
{
    const ApiContext *ctx = req->app;
    const ApiAuth *auth = ctx->auth;
    const char *peer = req->peer_addr;
    if (!auth || auth->n_proxies == 0 || !api_auth_trusted(auth, peer, strlen(peer)))
        return peer;
    const char *xff = http_request_header(req, "X-Forwarded-For");
    if (!xff)
        return peer;
    /* Walk from the right: the first address that is not one of our proxies is the client. */
    const char *end = xff + strlen(xff);
    const char *client = peer;
    for (int hops = 0; end > xff && hops < LIMIT_AUTH_FORWARDED_HOPS; hops++) {
        const char *stop = end;
        while (stop > xff && stop[-1] != ',')
            stop--;
        const char *a = stop, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        int family;
        unsigned char addr[16];
        if (api_auth_parse_addr(a, (size_t)(b - a), &family, addr) < 0)
            break; /* garbage: stay with the last proxy we trust */
        char *copy = arena_strndup(req->arena, a, (size_t)(b - a));
        if (!copy)
            break;
        client = copy;
        if (!api_auth_trusted(auth, a, (size_t)(b - a)))
            break;
        end = stop > xff ? stop - 1 : xff;
    }
    return client;
}

int api_auth_limited(HttpRequest *req, HttpResponse *res, AuthRateKind kind, const char *key)
{
    const ApiContext *ctx = req->app;
    const ApiAuthSettings *s = &ctx->auth->settings;
    int64_t retry;
    unsigned limit = kind == AUTH_RATELIMIT_ACCOUNT ? s->rate_account : s->rate_address;
    if (auth_ratelimit_check(ctx->auth->limiter, kind, key, limit, s->rate_window_s,
                             (int64_t)time(NULL), &retry) == 0)
        return 0;
    char value[24];
    snprintf(value, sizeof(value), "%lld", (long long)retry);
    http_response_header(res, "Retry-After", value);
    api_error(req, res, 429, "rate_limited", "too many failed attempts; try again later");
    return 1;
}

void api_auth_failed(HttpRequest *req, AuthRateKind kind, const char *key)
{
    const ApiContext *ctx = req->app;
    auth_ratelimit_fail(ctx->auth->limiter, kind, key, ctx->auth->settings.rate_window_s,
                        (int64_t)time(NULL));
}

void api_auth_succeeded(HttpRequest *req, AuthRateKind kind, const char *key)
{
    const ApiContext *ctx = req->app;
    auth_ratelimit_clear(ctx->auth->limiter, kind, key);
}

int api_auth_cookie(const HttpRequest *req, const char *name, char *out, size_t size)
{
    const char *v;
    size_t len;
    int r = http_cookie_get(http_request_header(req, "Cookie"), name, &v, &len);
    if (r < 0)
        return r;
    if (len >= size)
        return ERR_LIMIT;
    memcpy(out, v, len);
    out[len] = '\0';
    return 0;
}

bool api_auth_csrf_ok(const HttpRequest *req)
{
    char cookie[128];
    const char *header = http_request_header(req, "X-CSRF-Token");
    if (!header || api_auth_cookie(req, API_AUTH_COOKIE_CSRF, cookie, sizeof(cookie)) < 0)
        return false;
    size_t n = strlen(cookie);
    return n >= 16 && strlen(header) == n && sodium_memcmp(cookie, header, n) == 0;
}

/* Routes whose GET/HEAD accept a ?t= media token: URLs put in <audio src> or <img src>. */
static bool api_auth_media_route(const HttpRequest *req, const HttpRoute *route)
{
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return false;
    const char *p = route->pattern;
    size_t n = strlen(p);
    static const char *const suffixes[] = {"/stream", "/cover", "/avatar"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strcmp(p + n - k, suffixes[i]) == 0)
            return true;
    }
    return str_has_prefix(p, "/api/covers/");
}

typedef enum {
    GUARD_NONE,     /* no credentials at all */
    GUARD_OK,       /* user_id found */
    GUARD_BAD,      /* credentials that do not check out: 401 */
    GUARD_CSRF,     /* a cookie write without the CSRF header: 403 */
    GUARD_ANSWERED, /* 429 (or 500) already written */
} GuardResult;

/* True while `client` is under its limit of failed sign-ins (nothing is answered). */
static bool api_auth_address_ok(HttpRequest *req, const char *client)
{
    const ApiContext *ctx = req->app;
    const ApiAuthSettings *s = &ctx->auth->settings;
    int64_t retry;
    return auth_ratelimit_check(ctx->auth->limiter, AUTH_RATELIMIT_ADDRESS, client, s->rate_address,
                                s->rate_window_s, (int64_t)time(NULL), &retry) == 0;
}

/* The access token the request presents: the Authorization header's Bearer token, else the
 * session cookie (copied into `cookie`), with how it came in *ret_method. NULL: neither. */
static const char *api_auth_access_token(HttpRequest *req, char cookie[LIMIT_AUTH_TOKEN_BYTES],
                                         AuthMethod *ret_method)
{
    const char *authz = http_request_header(req, "Authorization");
    if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
        const char *t = authz + 7;
        while (*t == ' ')
            t++;
        *ret_method = AUTH_METHOD_TOKEN;
        return t;
    }
    if (api_auth_cookie(req, API_AUTH_COOKIE_SESSION, cookie, LIMIT_AUTH_TOKEN_BYTES) == 0) {
        *ret_method = AUTH_METHOD_COOKIE;
        return cookie;
    }
    return NULL;
}

/* Before checking presented credentials: GUARD_OK to go on; on a client address over its
 * limit, GUARD_ANSWERED (429 written) or, on public routes, GUARD_NONE (credentials ignored). */
static GuardResult api_auth_gate(HttpRequest *req, HttpResponse *res, const HttpRoute *route,
                                 const char *client)
{
    if (route->access != API_PUBLIC)
        return api_auth_limited(req, res, AUTH_RATELIMIT_ADDRESS, client) ? GUARD_ANSWERED
                                                                          : GUARD_OK;
    return api_auth_address_ok(req, client) ? GUARD_OK : GUARD_NONE;
}

/* Verifies a JWT of scope `scope` ("" for access tokens). */
static GuardResult api_auth_jwt(HttpRequest *req, const char *token, const char *scope,
                                char user_id[AUTH_PRINCIPAL_ID_BYTES + 1])
{
    const ApiContext *ctx = req->app;
    AuthJwtClaims c;
    size_t len = strlen(token);
    int64_t now = (int64_t)time(NULL);
    int r = ctx->auth->tokens ? auth_jwt_cache_verify(ctx->auth->tokens, token, len, now, &c)
                              : auth_jwt_verify(ctx->keys->jwt_key, token, len, now, &c);
    if (r < 0 || strcmp(c.scp, scope) != 0)
        return GUARD_BAD;
    str_copy(user_id, c.sub, AUTH_PRINCIPAL_ID_BYTES + 1);
    return GUARD_OK;
}

/* Finds (or with proxy_auth_create makes) the user the proxy names. */
static GuardResult api_auth_proxy_user(HttpRequest *req, HttpResponse *res, DbConn *conn,
                                       const char *name, char user_id[AUTH_PRINCIPAL_ID_BYTES + 1])
{
    const ApiContext *ctx = req->app;
    int r = auth_principal_find(conn, name, user_id);
    if (r == -ENOENT && ctx->auth->settings.proxy_auth_create && auth_user_name_valid(name)) {
        char pw[AUTH_PASSWORD_GENERATED_LEN + 1];
        auth_password_generate(pw);
        r = auth_user_add(conn, name, pw, false);
        sodium_memzero(pw, sizeof(pw));
        if (r == 0 || r == ERR_CONFLICT) {
            log_info("auth: created user %s named by the trusted proxy", name);
            r = auth_principal_find(conn, name, user_id);
        }
    }
    if (r == 0)
        return GUARD_OK;
    if (r == -ENOENT || r == -EINVAL)
        return GUARD_BAD;
    api_error_from(req, res, r);
    return GUARD_ANSWERED;
}

/* Borrows a connection into *conn unless it holds one already. */
static int api_auth_conn(const ApiContext *ctx, DbConn **conn)
{
    return *conn ? 0 : db_acquire(ctx->db, conn);
}

/* Finds who is asking, in the documented order. A connection is borrowed into *conn only by
 * the methods that read the database (API keys, the proxy header). */
static GuardResult api_auth_resolve(HttpRequest *req, HttpResponse *res, const HttpRoute *route,
                                    DbConn **conn, const char *client, Principal *p,
                                    char user_id[AUTH_PRINCIPAL_ID_BYTES + 1])
{
    const ApiContext *ctx = req->app;
    const ApiAuth *auth = ctx->auth;
    GuardResult g;
    char cookie[LIMIT_AUTH_TOKEN_BYTES];
    AuthMethod method;
    const char *token = api_auth_access_token(req, cookie, &method);
    if (token) {
        if ((g = api_auth_gate(req, res, route, client)) != GUARD_OK)
            return g;
        p->method = method;
        g = api_auth_jwt(req, token, "", user_id);
        if (method == AUTH_METHOD_COOKIE && g == GUARD_OK && strcmp(req->method, "GET") != 0 &&
            strcmp(req->method, "HEAD") != 0 && !api_auth_csrf_ok(req))
            return GUARD_CSRF;
        return g;
    }
    const char *key = http_request_header(req, "X-API-Key");
    if (!key)
        key = http_request_query(req, "apiKey");
    if (key) {
        if ((g = api_auth_gate(req, res, route, client)) != GUARD_OK)
            return g;
        p->method = AUTH_METHOD_API_KEY;
        int r = api_auth_conn(ctx, conn);
        if (r == 0)
            r = auth_apikey_verify(*conn, key, user_id);
        if (r == 0)
            return GUARD_OK;
        if (r == ERR_AUTH)
            return GUARD_BAD;
        api_error_from(req, res, r);
        return GUARD_ANSWERED;
    }
    const char *t = http_request_query(req, "t");
    if (t && api_auth_media_route(req, route)) {
        if ((g = api_auth_gate(req, res, route, client)) != GUARD_OK)
            return g;
        p->method = AUTH_METHOD_TOKEN;
        return api_auth_jwt(req, t, "media", user_id);
    }
    const char *hdr = auth->settings.proxy_auth_header;
    if (hdr && *hdr && auth->n_proxies &&
        api_auth_trusted(auth, req->peer_addr, strlen(req->peer_addr))) {
        const char *name = http_request_header(req, hdr);
        if (name && *name) {
            p->method = AUTH_METHOD_PROXY;
            int r = api_auth_conn(ctx, conn);
            if (r < 0) {
                api_error_from(req, res, r);
                return GUARD_ANSWERED;
            }
            return api_auth_proxy_user(req, res, *conn, name, user_id);
        }
    }
    return GUARD_NONE;
}

static int api_auth_unauthorized(HttpRequest *req, HttpResponse *res, bool invalid)
{
    http_response_header(res, "WWW-Authenticate",
                         invalid ? "Bearer error=\"invalid_token\"" : "Bearer");
    api_error(req, res, 401, "unauthorized",
              invalid ? "invalid or expired credentials" : "authentication required");
    return 1;
}

int api_auth_guard(HttpRequest *req, HttpResponse *res, const HttpRoute *route)
{
    const ApiContext *ctx = req->app;
    req->user = NULL;
    if (!ctx->auth || !ctx->keys)
        return -EINVAL; /* wiring error: never serve protected routes without a guard */
    if (route->access == API_SELF)
        return 0;
    const char *client = api_auth_client_addr(req);
    Principal *p = arena_alloc(req->arena, sizeof(*p));
    if (!p)
        return -ENOMEM;
    memset(p, 0, sizeof(*p));
    DbConn *conn = NULL; /* borrowed only when the database must be read */
    char user_id[AUTH_PRINCIPAL_ID_BYTES + 1] = "";
    GuardResult g = api_auth_resolve(req, res, route, &conn, client, p, user_id);
    int rc = 0;
    if (g == GUARD_ANSWERED) {
        rc = 1;
        goto out_release;
    }
    if (g == GUARD_OK) {
        AuthMethod method = p->method;
        int r = auth_principals_load(ctx->auth->principals, ctx->db, conn, user_id, p);
        if (r == 0) {
            p->method = method;
            req->user = p;
        } else if (r != ERR_AUTH) {
            if (route->access != API_PUBLIC) {
                api_error_from(req, res, r);
                rc = 1;
            }
            goto out_release;
        } else {
            g = GUARD_BAD;
        }
    }
    if (route->access == API_PUBLIC)
        goto out_release; /* credentials are optional here; failures are not held against it */
    if (g == GUARD_BAD) {
        api_auth_failed(req, AUTH_RATELIMIT_ADDRESS, client);
        rc = api_auth_unauthorized(req, res, true);
    } else if (g == GUARD_CSRF) {
        api_error(req, res, 403, "csrf_failed",
                  "cookie-authenticated writes need the X-CSRF-Token header");
        rc = 1;
    } else if (g == GUARD_NONE) {
        rc = api_auth_unauthorized(req, res, false);
    } else if (route->access == API_ADMIN && !p->is_admin) {
        api_error(req, res, 403, "forbidden", "administrators only");
        rc = 1;
    }
out_release:
    db_release(conn);
    if (rc != 0)
        req->user = NULL;
    return rc;
}

int api_auth_quick(HttpRequest *req, const HttpRoute *route)
{
    const ApiContext *ctx = req->app;
    req->user = NULL;
    if (!ctx->auth || !ctx->keys || (route->access != API_USER && route->access != API_ADMIN) ||
        (strcmp(req->method, "GET") != 0 && !req->is_head))
        return 0; /* writes need the CSRF check of a cookie: the guard's */
    char cookie[LIMIT_AUTH_TOKEN_BYTES];
    AuthMethod method;
    const char *token = api_auth_access_token(req, cookie, &method);
    char user_id[AUTH_PRINCIPAL_ID_BYTES + 1];
    Principal *p = token ? arena_alloc(req->arena, sizeof(*p)) : NULL;
    if (!p || !api_auth_address_ok(req, api_auth_client_addr(req)) ||
        api_auth_jwt(req, token, "", user_id) != GUARD_OK ||
        auth_principals_peek(ctx->auth->principals, ctx->db, user_id, p) < 0 ||
        (route->access == API_ADMIN && !p->is_admin))
        return 0;
    p->method = method;
    req->user = p;
    return 1;
}

const Principal *api_auth_principal(const HttpRequest *req)
{
    return req->user;
}
