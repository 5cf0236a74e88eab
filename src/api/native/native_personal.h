/*
 * native_personal.h - everything personal in the native JSON API: favourites (stars) and
 * ratings, play history and play counts, popular songs, now playing, the saved play queue
 * and bookmarks. Every endpoint acts on the caller's own rows (the Principal of
 * api_auth_principal()) and sees only the libraries the caller may see. Any server thread.
 */
#ifndef SWAZ_NATIVE_PERSONAL_H
#define SWAZ_NATIVE_PERSONAL_H

#include "http/http_request.h"

/* PUT /api/stars/{kind}/{id} -> {"kind","id","starred":true,"starredAt"}; 404 when unknown. */
int native_personal_star_put(HttpRequest *req, HttpResponse *res);

/* DELETE /api/stars/{kind}/{id} -> {"kind","id","starred":false}; 404 when unknown. */
int native_personal_star_delete(HttpRequest *req, HttpResponse *res);

/* GET /api/stars/{kind}/{id} -> {"kind","id","starred","starredAt","rating"}. */
int native_personal_star_get(HttpRequest *req, HttpResponse *res);

/* GET /api/stars?kind=&limit=&after= -> the caller's favourites of one kind, newest first. */
int native_personal_stars(HttpRequest *req, HttpResponse *res);

/* PUT /api/ratings/{kind}/{id} {"rating":0..5} -> {"kind","id","rating"}. */
int native_personal_rating_put(HttpRequest *req, HttpResponse *res);

/* POST /api/history {"songId","playedAt"?,"client"?,"submission"?} -> {"recorded":bool}. */
int native_personal_history_post(HttpRequest *req, HttpResponse *res);

/* GET /api/history?limit=&after= -> the caller's plays, newest first. */
int native_personal_history(HttpRequest *req, HttpResponse *res);

/* GET /api/history/{id} -> {"songId","playCount","lastPlayedAt"} for the caller. */
int native_personal_history_song(HttpRequest *req, HttpResponse *res);

/* GET /api/popular?artistId=&limit= -> the most played songs of every user. */
int native_personal_popular(HttpRequest *req, HttpResponse *res);

/* PUT /api/now-playing {"songId","positionMs","state","client"} -> 200 {"ok":true}. */
int native_personal_now_playing_put(HttpRequest *req, HttpResponse *res);

/* GET /api/now-playing -> {"items":[...]}: the caller's devices (everyone's if enabled). */
int native_personal_now_playing(HttpRequest *req, HttpResponse *res);

/* PUT /api/queue {"songIds","currentIndex","positionMs","client"} -> the saved queue. */
int native_personal_queue_put(HttpRequest *req, HttpResponse *res);

/* GET /api/queue -> {"songs","currentIndex","positionMs","changedAt","changedBy"}. */
int native_personal_queue(HttpRequest *req, HttpResponse *res);

/* PUT /api/bookmarks/{id} {"positionMs","comment"?} -> the bookmark. */
int native_personal_bookmark_put(HttpRequest *req, HttpResponse *res);

/* DELETE /api/bookmarks/{id} -> {"deleted":true}; 404 when the caller has none there. */
int native_personal_bookmark_delete(HttpRequest *req, HttpResponse *res);

/* GET /api/bookmarks?limit=&after= -> the caller's bookmarks, most recent first. */
int native_personal_bookmarks(HttpRequest *req, HttpResponse *res);

#endif
