/*
 * api_routes.c - every endpoint of the server, one line each, with who may call it
 * (api_auth.h: API_PUBLIC, API_USER, API_ADMIN, API_SELF); api_auth_guard() enforces it.
 */
#include "api/api_routes.h"

#include "api/api_auth.h"
#include "api/native/native_auth.h"
#include "api/native/native_avatars.h"
#include "api/native/native_browse.h"
#include "api/native/native_covers.h"
#include "api/native/native_health.h"
#include "api/native/native_keys.h"
#include "api/native/native_metrics.h"
#include "api/native/native_playlists.h"
#include "api/native/native_personal.h"
#include "api/native/native_scan.h"
#include "api/native/native_search.h"
#include "api/native/native_shares.h"
#include "api/native/native_songs.h"
#include "api/native/native_uploads.h"
#include "api/native/native_users.h"
#include "api/subsonic/subsonic.h"

static const HttpRoute api_route_table[] = {
    {"GET", "/health", native_health_get, API_PUBLIC},
    {"GET", "/metrics", native_metrics_get, API_PUBLIC}, /* admins unless metrics_public */
    {"POST", "/api/auth/login", native_auth_login, API_PUBLIC},
    {"POST", "/api/auth/refresh", native_auth_refresh, API_PUBLIC},
    {"POST", "/api/auth/logout", native_auth_logout, API_PUBLIC},
    {"POST", "/api/auth/logout-all", native_auth_logout_all, API_USER},
    {"GET", "/api/auth/me", native_auth_me, API_USER},
    {"POST", "/api/auth/password", native_auth_password, API_USER},
    {"POST", "/api/auth/setup", native_auth_setup, API_PUBLIC},
    {"GET", "/api/auth/setup", native_auth_setup_status, API_PUBLIC},
    {"GET", "/api/auth/stream-token", native_auth_stream_token, API_USER},
    {"GET", "/api/scan", native_scan_get, API_USER},
    {"POST", "/api/scan", native_scan_post, API_ADMIN},
    {"GET", "/api/songs", native_songs_list, API_USER},
    {"GET", "/api/songs/{id}", native_songs_get, API_USER},
    {"GET", "/api/songs/{id}/stream", native_songs_stream, API_USER},
    {"GET", "/api/songs/{id}/lyrics", native_songs_lyrics, API_USER},
    {"GET", "/api/artists", native_browse_artists, API_USER},
    {"GET", "/api/artists/{id}", native_browse_artist, API_USER},
    {"GET", "/api/albums", native_browse_albums, API_USER},
    {"GET", "/api/albums/{id}", native_browse_album, API_USER},
    {"GET", "/api/genres", native_browse_genres, API_USER},
    {"GET", "/api/years", native_browse_years, API_USER},
    {"GET", "/api/folders", native_browse_folders, API_USER},
    {"GET", "/api/folders/{id}", native_browse_folder, API_USER},
    {"GET", "/api/search", native_search_get, API_USER},
    {"GET", "/api/covers/{id}", native_covers_get, API_USER},
    {"GET", "/api/users", native_users_list, API_ADMIN},
    {"POST", "/api/users", native_users_create, API_ADMIN},
    {"GET", "/api/users/{id}", native_users_get, API_ADMIN},
    {"PATCH", "/api/users/{id}", native_users_patch, API_ADMIN},
    {"DELETE", "/api/users/{id}", native_users_delete, API_ADMIN},
    {"GET", "/api/me", native_users_me_get, API_USER},
    {"PATCH", "/api/me", native_users_me_patch, API_USER},
    {"POST", "/api/me/app-password", native_keys_app_password_create, API_USER},
    {"DELETE", "/api/me/app-password", native_keys_app_password_delete, API_USER},
    {"GET", "/api/keys", native_keys_list, API_USER},
    {"POST", "/api/keys", native_keys_create, API_USER},
    {"DELETE", "/api/keys/{id}", native_keys_delete, API_USER},
    {"GET", "/api/playlists", native_playlists_list, API_USER},
    {"POST", "/api/playlists", native_playlists_create, API_USER},
    {"POST", "/api/playlists/import", native_playlists_import, API_USER},
    {"GET", "/api/playlists/{id}", native_playlists_get, API_USER},
    {"PATCH", "/api/playlists/{id}", native_playlists_update, API_USER},
    {"DELETE", "/api/playlists/{id}", native_playlists_delete, API_USER},
    {"POST", "/api/playlists/{id}/entries", native_playlists_add, API_USER},
    {"DELETE", "/api/playlists/{id}/entries", native_playlists_remove, API_USER},
    {"POST", "/api/playlists/{id}/move", native_playlists_move, API_USER},
    {"PUT", "/api/playlists/{id}/editors", native_playlists_editors, API_USER},
    {"GET", "/api/playlists/{id}/m3u", native_playlists_export, API_USER},
    {"GET", "/api/playlists/{id}/cover", native_playlists_cover_get, API_USER},
    {"PUT", "/api/playlists/{id}/cover", native_playlists_cover_put, API_USER},
    {"GET", "/api/shares", native_shares_list, API_USER},
    {"POST", "/api/shares", native_shares_create, API_USER},
    {"GET", "/api/shares/{id}", native_shares_get, API_USER},
    {"PATCH", "/api/shares/{id}", native_shares_update, API_USER},
    {"DELETE", "/api/shares/{id}", native_shares_delete, API_USER},
    {"GET", "/s/{id}", native_shares_page, API_PUBLIC},
    {"GET", "/s/{id}/info", native_shares_info, API_PUBLIC},
    {"GET", "/s/{id}/cover", native_shares_cover, API_PUBLIC},
    {"GET", "/s/{id}/stream/{song}", native_shares_stream, API_PUBLIC},
    {"GET", "/s/{id}/download/{song}", native_shares_download, API_PUBLIC},
    {"PUT", "/api/me/avatar", native_avatars_put, API_USER},
    {"DELETE", "/api/me/avatar", native_avatars_delete_mine, API_USER},
    {"GET", "/api/users/{id}/avatar", native_avatars_get, API_USER},
    {"DELETE", "/api/users/{id}/avatar", native_avatars_delete, API_ADMIN},
    {"GET", "/api/stars", native_personal_stars, API_USER},
    {"GET", "/api/stars/{kind}/{id}", native_personal_star_get, API_USER},
    {"PUT", "/api/stars/{kind}/{id}", native_personal_star_put, API_USER},
    {"DELETE", "/api/stars/{kind}/{id}", native_personal_star_delete, API_USER},
    {"PUT", "/api/ratings/{kind}/{id}", native_personal_rating_put, API_USER},
    {"GET", "/api/history", native_personal_history, API_USER},
    {"POST", "/api/history", native_personal_history_post, API_USER},
    {"GET", "/api/history/{id}", native_personal_history_song, API_USER},
    {"GET", "/api/popular", native_personal_popular, API_USER},
    {"GET", "/api/now-playing", native_personal_now_playing, API_USER},
    {"PUT", "/api/now-playing", native_personal_now_playing_put, API_USER},
    {"GET", "/api/queue", native_personal_queue, API_USER},
    {"PUT", "/api/queue", native_personal_queue_put, API_USER},
    {"GET", "/api/bookmarks", native_personal_bookmarks, API_USER},
    {"PUT", "/api/bookmarks/{id}", native_personal_bookmark_put, API_USER},
    {"DELETE", "/api/bookmarks/{id}", native_personal_bookmark_delete, API_USER},
    {"POST", "/api/uploads", native_uploads_post, API_USER},
    {"GET", "/api/uploads", native_uploads_list, API_USER},
    {"*", "/rest/*", subsonic_dispatch, API_SELF}, /* its own table: subsonic_routes.c */
    {"GET", "/api/songs/{id}/download", native_songs_download, API_USER},
    {"GET", "/api/albums/{id}/download", native_browse_album_download, API_USER},
    {"GET", "/api/playlists/{id}/download", native_playlists_download, API_USER},
};

/* Routes that take their body otherwise than buffered up to LIMIT_HTTP_BODY_BYTES. */
static const HttpRouteBody api_route_body_table[] = {
    {"POST", "/api/uploads", LIMIT_UPLOAD_BYTES_MAX, &native_uploads_sink},
};

const HttpRouteBody *api_route_bodies(size_t *ret_count)
{
    *ret_count = sizeof(api_route_body_table) / sizeof(api_route_body_table[0]);
    return api_route_body_table;
}

const HttpRoute *api_routes(size_t *ret_count)
{
    *ret_count = sizeof(api_route_table) / sizeof(api_route_table[0]);
    return api_route_table;
}
