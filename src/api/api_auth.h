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

#include "auth/auth_principal.h"
#include "http/http_router.h"

/* Route access levels (HttpRoute.access). */
enum {
    API_PUBLIC = 0, /* anyone: /health, login, public share links, the web player's files */
    API_USER = 1,   /* any authenticated, enabled user */
    API_ADMIN = 2,  /* an administrator; others get 403 */
};

/* The guard (see the header comment). Returns 0 to run the handler, 1 when it answered. */
int api_auth_guard(HttpRequest *req, HttpResponse *res, const HttpRoute *route);

/* Returns the Principal the guard resolved for this request, or NULL on API_PUBLIC routes
 * reached without credentials. Borrowed until the response completes. */
const Principal *api_auth_principal(const HttpRequest *req);

#endif
