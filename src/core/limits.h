/*
 * limits.h - every maximum Swaz enforces on what a client or a file can make it allocate.
 *
 * One header so that every limit has a name, a value and a test. Past a limit the client
 * gets a clear 4xx (or the Subsonic error code) and nothing already stored is lost.
 * Header-only; constants are safe to read from any thread.
 */
#ifndef SWAZ_CORE_LIMITS_H
#define SWAZ_CORE_LIMITS_H

/* HTTP request framing (enforced by libmicrohttpd's per-connection pool and by us). */
#define LIMIT_HTTP_CONN_MEMORY       (64 * 1024)   /* per-connection pool: request line + headers */
#define LIMIT_HTTP_URL_BYTES         8192          /* request target, including the query string */
#define LIMIT_HTTP_HEADER_BYTES      16384         /* all request headers together */
#define LIMIT_HTTP_QUERY_PARAMS      64            /* key=value pairs in a query or form body */
#define LIMIT_HTTP_PARAM_BYTES       4096          /* one decoded key or value */
#define LIMIT_HTTP_BODY_BYTES        (1024 * 1024) /* JSON or form request body */
#define LIMIT_HTTP_ROUTE_PARAMS      4             /* {placeholders} in one route pattern */
#define LIMIT_HTTP_RANGE_BYTES       256           /* length of a Range header we parse */
#define LIMIT_HTTP_HEADER_DEADLINE_S 10            /* a request must arrive whole within this */
#define LIMIT_HTTP_ARENA_BYTES       (32 * 1024 * 1024) /* a request arena, response included */

/* Connections (defaults; the configuration may lower or raise them within these bounds). */
#define LIMIT_CONN_PER_IP_DEFAULT    256
#define LIMIT_CONN_TOTAL_MAX         19000 /* below the 20,000 open-files hard limit */
#define LIMIT_CONN_TIMEOUT_S_DEFAULT 60
#define LIMIT_THREADS_MAX            256

/* Live responses: bytes buffered between a producer thread and a connection. */
#define LIMIT_LIVE_BUFFER_BYTES (256 * 1024)

/* Lists. */
#define LIMIT_PAGE_DEFAULT       100
#define LIMIT_PAGE_MAX           500
#define LIMIT_CURSOR_BYTES       1024 /* an opaque `after=` cursor */
#define LIMIT_ID_BYTES           128  /* an object id in a URL */
#define LIMIT_SEARCH_QUERY_BYTES 256  /* the `q=` of a search */

/* Library and tags. */
#define LIMIT_TAG_BYTES      4096               /* one tag value kept from a file */
#define LIMIT_SORT_KEY_BYTES 256                /* sort keys are cut here, so cursors stay short */
#define LIMIT_LRC_LINES      5000               /* lines of one lyrics file */
#define LIMIT_LRC_BYTES      (512 * 1024)       /* a sibling .lrc file, read whole */
#define LIMIT_PICTURE_BYTES  (16 * 1024 * 1024) /* an embedded or folder picture we read */
#define LIMIT_IMAGE_PIXELS   (50 * 1000 * 1000) /* cover input, checked from its header */
#define LIMIT_COVER_SIZE_MAX 1024               /* largest cover edge we produce */
#define LIMIT_PATH_BYTES     4096
#define LIMIT_SCAN_DEPTH     64  /* nested folders below a music folder */
#define LIMIT_SCAN_BATCH     200 /* songs written per transaction */
#define LIMIT_MUSIC_DIRS     64

/* Scan service and folder watching. */
#define LIMIT_SCAN_PENDING_PATHS 256 /* folders queued for a partial scan; more: full scan */
#define LIMIT_SCAN_RECENT_ERRORS 20  /* scan errors kept for GET /api/scan */
#define LIMIT_WATCH_PENDING_DIRS 256 /* changed folders the watcher collects; more: full scan */

/* Configuration file. */
#define LIMIT_CONFIG_FILE_BYTES (256 * 1024)
#define LIMIT_CONFIG_LINE_BYTES 4096

/* Accounts. */
#define LIMIT_USERNAME_BYTES 64
#define LIMIT_PASSWORD_BYTES 1024
#define LIMIT_PASSWORD_MIN   8

/* Database pool. */
#define LIMIT_DB_POOL_MAX 64

#endif
