/*
 * api_json.h - JSON responses: jansson trees serialised into the request arena, and ApiJson,
 * the writer the row writers (songs, albums, artists) use. An ApiJson either streams text
 * into one bounded buffer with no object per value (the list pages: a hundred songs of fifty
 * fields), or builds the same values as a jansson tree for handlers that still assemble
 * answers from json_t pieces; the row writer is the same code either way. Any server thread;
 * a writer has one owner.
 */
#ifndef SWAZ_API_JSON_H
#define SWAZ_API_JSON_H

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "http/http_request.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Serialises `body` (reference stolen; NULL means out of memory) as the response with
 * `status` and Content-Type application/json. Returns 0 or -ENOMEM. */
int api_json_respond(HttpRequest *req, HttpResponse *res, int status, json_t *body);

/* Returns a JSON string for `s` (NULL -> null); never fails the caller: invalid UTF-8
 * is repaired. New reference. */
json_t *api_json_string(HttpRequest *req, const char *s);

/* Returns null for NULL or "" and a string otherwise (as api_json_string()). New reference. */
json_t *api_json_opt_string(HttpRequest *req, const char *s);

/* Returns null for 0 (unknown) and the integer otherwise. New reference. */
json_t *api_json_opt_int(int64_t v);

/* ---- ApiJson: one writer, text or tree ----
 * Text mode writes what json_dumps(JSON_COMPACT) prints for the same values in the same
 * order: the same escapes (\" \\ \b \f \n \r \t, other control characters as \u00XX),
 * ill-formed UTF-8 replaced by U+FFFD (as utf8_repair()), reals with 17 significant digits
 * and always a '.' or an exponent. Every call takes a key: a literal inside an object, NULL
 * for an array element or the top-level value. The first failure (out of memory, the text's
 * maximum, a nesting mistake) is kept and every later call does nothing, so a writer is
 * checked once, at the end. */

/* The most text one answer may hold: half the request arena, which receives a copy. */
#define API_JSON_TEXT_MAX (LIMIT_HTTP_ARENA_BYTES / 2)

/* Deepest nesting of objects and arrays a writer accepts. */
#define API_JSON_DEPTH_MAX 16

typedef struct ApiJson {
    Buf out;      /* text mode: the text so far */
    Arena *arena; /* tree mode: where repaired strings live */
    bool tree;
    bool comma; /* text mode: the next value at this level needs a ',' */
    int err;    /* the first failure, 0 while none */
    unsigned depth;
    char open[API_JSON_DEPTH_MAX];     /* '{' or '[' per open level */
    json_t *stack[API_JSON_DEPTH_MAX]; /* tree mode: the open containers */
    json_t *root;                      /* tree mode: the top-level value */
} ApiJson;

/* Prepares a text writer whose text may grow to `max` bytes. Release with api_json_free(). */
void api_json_text(ApiJson *w, size_t max);

/* Prepares a tree writer; repaired strings are Arena-owned. Release with api_json_free(). */
void api_json_tree(ApiJson *w, Arena *arena);

/* Releases what the writer holds (text, or a tree not taken). */
void api_json_free(ApiJson *w);

/* Returns 0 when every call succeeded and every object and array is closed, else the first
 * failure: -ENOMEM, ERR_LIMIT (the text's maximum) or -EINVAL (a nesting mistake). */
int api_json_status(const ApiJson *w);

/* Tree mode: returns the top-level value (new reference, the writer keeps none), or NULL
 * after a failure. The writer is released either way. */
json_t *api_json_take(ApiJson *w);

/* Text mode: answers `status` with the text as application/json (no-store), copied into the
 * request arena, and releases the writer. Returns 0, or the writer's failure or -ENOMEM
 * without answering. */
int api_json_send(ApiJson *w, HttpRequest *req, HttpResponse *res, int status);

/* Opens an object or an array; api_json_end() closes the innermost one. */
void api_json_object(ApiJson *w, const char *key);
void api_json_array(ApiJson *w, const char *key);
void api_json_end(ApiJson *w);

/* Scalars. api_json_str: NULL -> null. api_json_opt_str: NULL and "" -> null.
 * api_json_int_opt: 0 (unknown) -> null. api_json_real: not finite -> null. */
void api_json_str(ApiJson *w, const char *key, const char *s);
void api_json_opt_str(ApiJson *w, const char *key, const char *s);
void api_json_int(ApiJson *w, const char *key, int64_t v);
void api_json_int_opt(ApiJson *w, const char *key, int64_t v);
void api_json_real(ApiJson *w, const char *key, double v);
void api_json_bool(ApiJson *w, const char *key, bool v);
void api_json_null(ApiJson *w, const char *key);

#endif
