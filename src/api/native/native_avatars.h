/*
 * native_avatars.h - user avatars: upload and remove one's own (/api/me/avatar), fetch
 * anyone's at a stable URL (/api/users/{id}/avatar, any logged-in user), and an
 * administrator's removal of someone else's. Any server thread.
 */
#ifndef SWAZ_NATIVE_AVATARS_H
#define SWAZ_NATIVE_AVATARS_H

#include "db/db.h"
#include "http/http_request.h"

/* PUT /api/me/avatar with a JPEG, PNG or WebP body -> {"url","updatedAt"}; 400 (not an
 * image, or Content-Type and content disagree), 413 (past LIMIT_AVATAR_BYTES), 415 (another
 * Content-Type). */
int native_avatars_put(HttpRequest *req, HttpResponse *res);

/* DELETE /api/me/avatar -> 204; 404 when there is none. */
int native_avatars_delete_mine(HttpRequest *req, HttpResponse *res);

/* GET /api/users/{id}/avatar -> the stored WebP with ETag and Last-Modified (304 on a
 * match); 404 for a user without an avatar. */
int native_avatars_get(HttpRequest *req, HttpResponse *res);

/* Answers the avatar of user `user_id` as native_avatars_get does. Returns 0 with the
 * response set, or -ENOENT (no avatar) / ERR_DB without answering; shared with the Subsonic
 * getAvatar. */
int native_avatars_respond(HttpRequest *req, HttpResponse *res, DbConn *conn, const char *user_id);

/* DELETE /api/users/{id}/avatar (administrators) -> 204; 404 when there is none. */
int native_avatars_delete(HttpRequest *req, HttpResponse *res);

#endif
