/*
 * native_users.h - /api/users (administrators: accounts, rights, libraries) and /api/me (a
 * user's own account), and the LibraryScope every library handler derives from the request's
 * Principal. Request bodies are JSON objects whose every key is known: anything else is 400,
 * so a body can never set ids, owners or rights it does not name. Any server thread.
 */
#ifndef SWAZ_NATIVE_USERS_H
#define SWAZ_NATIVE_USERS_H

#include "http/http_request.h"
#include "library/library_scope.h"

/* Returns the libraries the request's Principal may see (every library when there is no
 * Principal, i.e. on public routes). Arena-owned or static; never NULL. */
const LibraryScope *native_users_scope(const HttpRequest *req);

/* GET /api/users -> {"items":[user...],"next":null}. */
int native_users_list(HttpRequest *req, HttpResponse *res);

/* POST /api/users {username,password,admin?,disabled?,maxBitrate?,mayUpload?,mayShare?,
 * mayDownload?,allLibraries?,libraryIds?,email?} -> 201 user; 400, 409 (name taken). */
int native_users_create(HttpRequest *req, HttpResponse *res);

/* GET /api/users/{id} -> user, or 404. */
int native_users_get(HttpRequest *req, HttpResponse *res);

/* PATCH /api/users/{id} with any of the fields of create -> user; 400 (unknown field or bad
 * value), 404, 409 (name taken, or the last administrator would be lost). */
int native_users_patch(HttpRequest *req, HttpResponse *res);

/* DELETE /api/users/{id} -> 204; 404, 409 (the last administrator). */
int native_users_delete(HttpRequest *req, HttpResponse *res);

/* GET /api/me -> the caller's own user. */
int native_users_me_get(HttpRequest *req, HttpResponse *res);

/* PATCH /api/me {email} -> the caller's user; any other field is 400. */
int native_users_me_patch(HttpRequest *req, HttpResponse *res);

#endif
