/*
 * subsonic.h - the Subsonic / OpenSubsonic API under /rest/: dispatch, authentication and
 * the helpers every endpoint uses.
 *
 * subsonic_dispatch() is the one HTTP handler under /rest/. It merges query and form
 * parameters, picks the format (f=xml|json|jsonp), finds the method in the table of
 * subsonic_routes.c (`/rest/ping` and `/rest/ping.view` alike), authenticates (apiKey,
 * u+p, u+t+s; rate limited), then runs the endpoint, which only adds nodes to call->root or
 * fails with a Subsonic error code. Errors are answered in the envelope with HTTP 200.
 * Any server thread; a SubsonicCall lives in the request arena.
 */
#ifndef SWAZ_SUBSONIC_H
#define SWAZ_SUBSONIC_H

#include "api/api.h"
#include "api/subsonic/subsonic_params.h"
#include "api/subsonic/subsonic_response.h"
#include "auth/auth_principal.h"
#include "core/err.h"
#include "http/http_request.h"

#include <stdbool.h>
#include <stdint.h>

/* helpUrl of error 41 (token authentication without an app password): API keys. */
#define SUBSONIC_HELP_API_KEYS "https://opensubsonic.netlify.app/docs/extensions/apikeyauth/"

/* Returned by subsonic_fail(): the call already holds its error. */
#define SUBSONIC_FAILED (-(ERR_BASE + 200))

/* Who may call a method (SubsonicMethod.access). */
enum {
    SUBSONIC_PUBLIC = 0, /* no credentials needed (getOpenSubsonicExtensions) */
    SUBSONIC_USER = 1,   /* any authenticated, enabled user */
    SUBSONIC_ADMIN = 2,  /* administrators; others get error 50 */
};

typedef struct SubsonicCall {
    HttpRequest *req;
    HttpResponse *res;
    const ApiContext *ctx;
    SubsonicParams params;
    const Principal *user; /* NULL on public methods */
    DbConn *conn;          /* borrowed for the whole call */
    SubsonicDoc *doc;
    SubsonicNode *root;    /* the subsonic-response element: add the answer here */
    SubsonicFormat format; /* what the answer is written in (for subsonic_run_new) */
    const char *client;    /* the c= parameter, or "" */
    bool answered;         /* the endpoint wrote a body of its own (media) */
    /* what subsonic_cache_answer() noted, or NULL */
    struct SubsonicCacheNote *cache;
    int error_code;
    const char *error_message;
    const char *help_url;
} SubsonicCall;

/* An endpoint: adds its answer under call->root and returns 0, answers a body itself
 * (setting call->answered), or returns SUBSONIC_FAILED (subsonic_fail) or a negative error
 * that subsonic_error_code() maps. */
typedef int (*SubsonicHandler)(SubsonicCall *call);

typedef struct SubsonicMethod {
    const char *name; /* "getAlbum" */
    SubsonicHandler handler;
    int access; /* SUBSONIC_PUBLIC, SUBSONIC_USER or SUBSONIC_ADMIN */
} SubsonicMethod;

/* The HTTP handler of every path below /rest/. Returns 0 (it answers every error itself) or
 * -ENOMEM. */
int subsonic_dispatch(HttpRequest *req, HttpResponse *res);

/* Records error `code` with `message` (a literal or arena string) on the call. Returns
 * SUBSONIC_FAILED, for `return subsonic_fail(...)`. */
int subsonic_fail(SubsonicCall *call, int code, const char *message);

/* Returns the Subsonic error code of a negative error from a lower layer: -ENOENT 70,
 * ERR_FORBIDDEN 50, authentication errors as auth_subsonic_error_code(), else 0. */
int subsonic_error_code(int err);

/* Returns the first value of parameter `name`, or NULL. Borrowed from the request. */
const char *subsonic_param(const SubsonicCall *call, const char *name);

/* Writes the value of the required parameter `name` to *ret_value. Returns 0, or
 * SUBSONIC_FAILED with error 10 naming it when absent or empty. */
int subsonic_param_required(SubsonicCall *call, const char *name, const char **ret_value);

/* Parses parameter `name` as an integer in [min, max] (`dflt` when absent). Returns 0, or
 * SUBSONIC_FAILED with error 0 naming the parameter. */
int subsonic_param_int(SubsonicCall *call, const char *name, int64_t dflt, int64_t min, int64_t max,
                       int64_t *ret_value);

/* Parses parameter `name` as a boolean (`dflt` when absent). Returns 0 or SUBSONIC_FAILED. */
int subsonic_param_bool(SubsonicCall *call, const char *name, bool dflt, bool *ret_value);

/* True if client name `c` is in `list` (','-separated, spaces around names ignored, case
 * ignored): such clients get plain Subsonic 1.16.1 answers. */
bool subsonic_legacy_client(const char *list, const char *c);

#endif
