/*
 * api_json.h - JSON responses built with jansson and serialised into the request arena.
 * Any server thread.
 */
#ifndef SWAZ_API_JSON_H
#define SWAZ_API_JSON_H

#include "http/http_request.h"

#include <jansson.h>
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

#endif
