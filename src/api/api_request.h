/*
 * api_request.h - the request chores every native API handler repeats: the ?limit= and
 * ?after= of a paged list, a borrowed database connection, a JSON object body, and the
 * {"items":[...],"next":...} answer. A helper that fails has already answered the error
 * (400 / 503), so the handler only returns. Owns nothing. Any server thread.
 */
#ifndef SWAZ_API_REQUEST_H
#define SWAZ_API_REQUEST_H

#include "api/api_json.h"
#include "db/db.h"
#include "http/http_request.h"

#include <jansson.h>
#include <stdint.h>

/* Parses ?limit= (default `dflt`, 1..`max`) into *ret_limit. Returns 0, or -EINVAL after
 * answering 400. */
int api_query_limit(HttpRequest *req, HttpResponse *res, int64_t dflt, int64_t max, int *ret_limit);

/* Returns the ?after= cursor, or NULL when it is absent or empty. Borrowed from `req`. */
const char *api_query_cursor(HttpRequest *req);

/* Parses ?limit= (LIMIT_PAGE_DEFAULT, 1..LIMIT_PAGE_MAX) and ?after= as api_query_limit()
 * and api_query_cursor() do. Returns 0, or -EINVAL after answering 400. */
int api_query_page(HttpRequest *req, HttpResponse *res, int *ret_limit, const char **ret_after);

/* Borrows a connection of the request's pool into *ret_conn (the caller returns it with
 * db_release()). Returns 0, or a negative error after answering it (503). */
int api_conn(HttpRequest *req, HttpResponse *res, DbConn **ret_conn);

/* Parses the body as a JSON object (duplicate keys refused) into *ret_body; the caller
 * owns the new reference. Returns 0, or -EINVAL after answering 400. */
int api_body_object(HttpRequest *req, HttpResponse *res, json_t **ret_body);

/* Answers 200 {"items":items,"next":next|null}; `items` is stolen (NULL means out of
 * memory). Returns 0 or -ENOMEM. */
int api_paged(HttpRequest *req, HttpResponse *res, json_t *items, const char *next);

/* Starts the text writer of a paged answer, {"items":[ so far; the caller writes each item
 * with key NULL and ends with api_paged_send(). */
void api_paged_start(ApiJson *w);

/* Closes the items of `w` (from api_paged_start()), adds "next" (NULL: null) and answers 200.
 * Releases the writer. Returns 0, or the writer's failure or -ENOMEM without answering. */
int api_paged_send(ApiJson *w, HttpRequest *req, HttpResponse *res, const char *next);

/* Answers the library error `err` of a paged list: ERR_PARSE is a malformed ?after= (400),
 * the rest as api_error_from(). Returns 0. */
int api_paged_error(HttpRequest *req, HttpResponse *res, int err);

/* Returns `attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded>` for a file
 * named `stem` + `ext` (stem cut to 200 bytes), for Content-Disposition. Arena-owned or NULL. */
const char *api_attachment(HttpRequest *req, const char *stem, const char *ext);

#endif
