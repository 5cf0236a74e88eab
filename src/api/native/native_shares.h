/*
 * native_shares.h - share links: the owner's endpoints under /api/shares (create, list,
 * read, change, revoke) and the public pages under /s/{shareId} that need no login (an HTML
 * player page, the shared items as JSON, streams, downloads and the cover). The public side
 * reaches only the songs of the share; an expired, revoked or unknown share is 404.
 * Any server thread.
 */
#ifndef SWAZ_NATIVE_SHARES_H
#define SWAZ_NATIVE_SHARES_H

#include "http/http_request.h"

/* POST /api/shares {"kind","itemId","description"?,"expiresAt"?,"allowDownload"?} -> 201 and
 * the share; 403 without the right to share, 404 for an object the caller cannot see. */
int native_shares_create(HttpRequest *req, HttpResponse *res);

/* GET /api/shares -> {"items":[share...],"next":null}: the caller's own shares. */
int native_shares_list(HttpRequest *req, HttpResponse *res);

/* GET /api/shares/{id} -> the share if the caller owns it, else 404. */
int native_shares_get(HttpRequest *req, HttpResponse *res);

/* PATCH /api/shares/{id} {"description"?,"expiresAt"?,"allowDownload"?} -> the share. */
int native_shares_update(HttpRequest *req, HttpResponse *res);

/* DELETE /api/shares/{id} -> 204; another user's share is 404. */
int native_shares_delete(HttpRequest *req, HttpResponse *res);

/* GET /s/{id} -> a self-contained HTML page with a player for every shared song. */
int native_shares_page(HttpRequest *req, HttpResponse *res);

/* GET /s/{id}/info -> the shared items as JSON. */
int native_shares_info(HttpRequest *req, HttpResponse *res);

/* GET /s/{id}/stream/{songId} -> the original file (Range, ETag) if the song is shared. */
int native_shares_stream(HttpRequest *req, HttpResponse *res);

/* GET /s/{id}/download/{songId} -> the file as an attachment, when the share allows it. */
int native_shares_download(HttpRequest *req, HttpResponse *res);

/* GET /s/{id}/cover -> the shared object's cover (JPEG, 512 px) or the placeholder. */
int native_shares_cover(HttpRequest *req, HttpResponse *res);

#endif
