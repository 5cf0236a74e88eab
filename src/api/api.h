/*
 * api.h - what every API handler may use: the application context behind req->app.
 *
 * app/ builds one ApiContext at start-up and hands it to the HTTP server; it is read-only
 * afterwards (the pool and clients inside are thread-safe), so handlers on any server
 * thread may use it.
 */
#ifndef SWAZ_API_H
#define SWAZ_API_H

#include "cache/redis_client.h"
#include "db/db.h"

#include <stdint.h>

typedef struct LibraryService LibraryService;

typedef struct ApiContext {
    Db *db;
    const char *data_dir;  /* caches (covers, ...) live below it */
    LibraryService *scans; /* the scan service; NULL in contexts without one */
    RedisClient *redis;    /* NULL when REDIS_URL is not configured */
    const char *version;   /* the server's version string */
    int64_t started_ms;    /* CLOCK_MONOTONIC at start-up, in milliseconds */
} ApiContext;

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t api_monotonic_ms(void);

#endif
