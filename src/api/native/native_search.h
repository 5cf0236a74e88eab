/*
 * native_search.h - GET /api/search: artists, albums and songs matching a typed query,
 * best first, on either database backend with the same response shape. Any server thread.
 */
#ifndef SWAZ_NATIVE_SEARCH_H
#define SWAZ_NATIVE_SEARCH_H

#include "http/http_request.h"

/* GET /api/search?q=&limit=&type=artist|album|song -> {"artists":[...],"albums":[...],
 * "songs":[...]} (only the requested group with type=). 400 for a missing or too long q, a
 * bad limit or type. */
int native_search_get(HttpRequest *req, HttpResponse *res);

#endif
