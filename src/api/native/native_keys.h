/*
 * native_keys.h - a user's own credentials for apps: API keys (/api/keys) and the legacy
 * Subsonic app password (/api/me/app-password). Secrets are in a response body once, with
 * Cache-Control: no-store, and never logged. Every call acts on the caller's own rows only:
 * another user's key is 404. Any server thread.
 */
#ifndef SWAZ_NATIVE_KEYS_H
#define SWAZ_NATIVE_KEYS_H

#include "http/http_request.h"

/* GET /api/keys -> {"items":[{"id","name","createdAt","lastUsedAt"}],"next":null}. */
int native_keys_list(HttpRequest *req, HttpResponse *res);

/* POST /api/keys {name} -> 201 {"id","name","key","createdAt","lastUsedAt":null}. */
int native_keys_create(HttpRequest *req, HttpResponse *res);

/* DELETE /api/keys/{id} -> 204; 404 for an unknown key or another user's. */
int native_keys_delete(HttpRequest *req, HttpResponse *res);

/* POST /api/me/app-password -> 201 {"password"}: a new app password, replacing any old one. */
int native_keys_app_password_create(HttpRequest *req, HttpResponse *res);

/* DELETE /api/me/app-password -> 204. */
int native_keys_app_password_delete(HttpRequest *req, HttpResponse *res);

#endif
