/*
 * api.h - what every API handler may use: the application context behind req->app.
 *
 * app/ builds one ApiContext at start-up and hands it to the HTTP server; it is read-only
 * afterwards (the pool and clients inside are thread-safe), so handlers on any server
 * thread may use it.
 */
#ifndef SWAZ_API_H
#define SWAZ_API_H

#include "auth/auth_keys.h"
#include "cache/cache_kv.h"
#include "cache/redis_client.h"
#include "db/db.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct LibraryService LibraryService;
typedef struct ApiAuth ApiAuth;
typedef struct ApiTranscodes ApiTranscodes;
typedef struct MediaTcache MediaTcache;
typedef struct LibraryLadder LibraryLadder;
typedef struct ApiPages ApiPages;

typedef struct ApiContext {
    Db *db;
    const char *data_dir;      /* caches (covers, ...) live below it */
    LibraryService *scans;     /* the scan service; NULL in contexts without one */
    RedisClient *redis;        /* NULL when REDIS_URL is not configured */
    const char *version;       /* the server's version string */
    int64_t started_ms;        /* CLOCK_MONOTONIC at start-up, in milliseconds */
    const AuthKeys *keys;      /* the server's secret keys (auth/auth_keys.h) */
    const ApiAuth *auth;       /* the guard's settings and rate limiter (api_auth.h) */
    CacheKv *cache;            /* shared cache (popular songs); in-process or Redis */
    bool now_playing_visible;  /* GET /api/now-playing shows every user's devices */
    ApiTranscodes *transcodes; /* live transcodes (api_transcode.h); NULL: none allowed */
    const char *web_dir;       /* the web player's built files (api_web.h); "" or NULL: none */
    bool metrics_public;       /* GET /metrics without credentials */
    MediaTcache *tcache;       /* the transcode cache (media_tcache.h); NULL: none */
    const char *uploads_dir;   /* canonical <data_dir>/uploads, a library folder; NULL: off */
    unsigned upload_max_mb;    /* largest POST /api/uploads body, in MiB */
    /* c= names of Subsonic clients answered without OpenSubsonic fields (subsonic.h) */
    const char *subsonic_legacy_clients;
    const char *accel_redirect; /* X-Accel-Redirect prefix for trusted proxies; NULL: off */
    LibraryLadder *ladder;      /* background pre-transcodes (library_ladder.h); NULL: none */
    ApiPages *pages;            /* rendered library answers (api_pages.h); NULL: none */
} ApiContext;

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t api_monotonic_ms(void);

#endif
