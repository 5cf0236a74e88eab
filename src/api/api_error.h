/*
 * api_error.h - the one place where errors become HTTP answers for the native API.
 *
 * Body: {"error":{"code":"not_found","message":"..."}}. Negative errors from lower layers
 * map to a status and code here (and only here). Any server thread.
 */
#ifndef SWAZ_API_ERROR_H
#define SWAZ_API_ERROR_H

#include "http/http_request.h"

/* Answers `status` with an error body carrying `code` and `message`. Returns 0. */
int api_error(HttpRequest *req, HttpResponse *res, int status, const char *code,
              const char *message);

/* Answers the error that `err` (negative errno or ERR_*) stands for. Returns 0. */
int api_error_from(HttpRequest *req, HttpResponse *res, int err);

/* The body of every status the HTTP server answers itself: unknown paths (404), wrong
 * methods (405), malformed or oversized requests (400, 413, 414, 431). Returns 0. */
int api_error_page(HttpRequest *req, HttpResponse *res, int status);

#endif
