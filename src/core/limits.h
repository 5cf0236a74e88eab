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
#define LIMIT_HTTP_CONN_MEMORY       (40 * 1024)   /* per-connection pool: request line + headers */
#define LIMIT_HTTP_URL_BYTES         8192          /* request target, including the query string */
#define LIMIT_HTTP_HEADER_BYTES      16384         /* all request headers together */
#define LIMIT_HTTP_QUERY_PARAMS      64            /* key=value pairs in a query or form body */
#define LIMIT_HTTP_PARAM_BYTES       4096          /* one decoded key or value */
#define LIMIT_HTTP_BODY_BYTES        (1024 * 1024) /* JSON or form request body */
#define LIMIT_HTTP_ROUTE_PARAMS      4             /* {placeholders} in one route pattern */
#define LIMIT_HTTP_RANGE_BYTES       256           /* length of a Range header we parse */
#define LIMIT_HTTP_HEADER_DEADLINE_S 10            /* a request must arrive whole within this */
#define LIMIT_HTTP_ARENA_BYTES       (32 * 1024 * 1024) /* a request arena, response included */
#define LIMIT_STATIC_PATH_BYTES      1024 /* a static file path below the web player directory */
#define LIMIT_HTTP_POST_BUFFER_BYTES (64 * 1024) /* a streamed multipart body's parse buffer */
#define LIMIT_HTTP_DRAIN_BYTES       (4 * 1024 * 1024) /* body discarded after a refusal; then drop */

/* Connections (defaults; the configuration may lower or raise them within these bounds). */
#define LIMIT_CONN_PER_IP_DEFAULT    256
#define LIMIT_CONN_TOTAL_MAX         19000 /* below the 20,000 open-files hard limit */
#define LIMIT_CONN_TIMEOUT_S_DEFAULT 60
#define LIMIT_THREADS_MAX            256

/* Live responses: bytes buffered between a producer thread and a connection. */
#define LIMIT_LIVE_BUFFER_BYTES (256 * 1024)

/* Live transcodes (api_transcode.h): at most this many at once; the default is per core, and
 * one user may run LIMIT_TRANSCODES_USER_SHARE of them (at least 1). Past them: 429. */
#define LIMIT_TRANSCODES_MAX          256
#define LIMIT_TRANSCODES_PER_CORE     2
#define LIMIT_TRANSCODES_USER_SHARE   2           /* a user's limit is the total divided by this */
#define LIMIT_TRANSCODE_RETRY_AFTER_S 5           /* Retry-After of the 429 */
#define LIMIT_TRANSCODE_OFFSET_S      (24 * 3600) /* largest timeOffset we accept */
/* While transcodes are starting (media_gate.h), the others hold their first audio at most
 * LIMIT_TRANSCODE_START_HOLD_MS, and those LIMIT_TRANSCODE_LEAD_MS ahead of real time wait,
 * LIMIT_TRANSCODE_GATE_WAIT_MS at a time. */
#define LIMIT_TRANSCODE_START_HOLD_MS 300
#define LIMIT_TRANSCODE_LEAD_MS       2000
#define LIMIT_TRANSCODE_GATE_WAIT_MS  250

/* Transcode cache (media_tcache.h): files under <data_dir>/transcodes. */
#define LIMIT_TCACHE_MB_MAX      (16 * 1024 * 1024) /* largest transcode_cache_mb (16 TiB) */
#define LIMIT_TCACHE_FILES       100000 /* finished files indexed; past it the oldest go */
#define LIMIT_TCACHE_POLL_MS     200    /* a follower checks for a departed client this often */
#define LIMIT_LADDER_STEPS       8      /* entries of transcode_ladder */
#define LIMIT_LADDER_QUEUE       1024   /* songs queued for the background ladder */
#define LIMIT_LADDER_PENDING     64     /* stored files waiting for the scanner to add them */
#define LIMIT_LADDER_PENDING_S   120    /* how long the ladder waits for such a file's song */
#define LIMIT_TCACHE_MIN_FREE_MB 64     /* less free disk: transcodes stream without the cache */

/* Lists. */
#define LIMIT_PAGE_DEFAULT       100
#define LIMIT_PAGE_MAX           500
#define LIMIT_CURSOR_BYTES       1024 /* an opaque `after=` cursor */
#define LIMIT_ID_BYTES           128  /* an object id in a URL */
#define LIMIT_SEARCH_QUERY_BYTES 256  /* the `q=` of a search */
#define LIMIT_SEARCH_HITS_MAX    1000 /* hits of one kind one search may return */

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
#define LIMIT_LIBRARY_NAMES  1000 /* "<name>-2".."-1000" tried for a new library's unique name */

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

/* Account settings and app credentials (auth_user.h, auth_apikey.h, auth_subsonic.h). */
#define LIMIT_EMAIL_BYTES         254 /* an account's e-mail address */
#define LIMIT_API_KEY_NAME_BYTES  128 /* the label of an API key */
#define LIMIT_API_KEYS_PER_USER   100 /* API keys one user may hold */
#define LIMIT_SUBSONIC_SALT_BYTES 256 /* the s= salt of Subsonic token auth */

/* Subsonic API (api/subsonic/). */
#define LIMIT_SUBSONIC_PARAMS            1024       /* query + form pairs of one /rest/ request */
#define LIMIT_SUBSONIC_RESPONSE_BYTES    (16 << 20) /* one XML / JSON answer */
#define LIMIT_SUBSONIC_CLIENTS_BYTES     1024       /* the subsonic_legacy_clients setting */
#define LIMIT_SUBSONIC_RUN_BYTES         (1 << 28)  /* 256 MiB: the artists of one getArtists */
#define LIMIT_SUBSONIC_INDEX_PAGE_BYTES  (8 << 20)  /* scratch of one page of getArtists */
#define LIMIT_SUBSONIC_DIRECTORY_ENTRIES 20000      /* entries of one getMusicDirectory */
#define LIMIT_SUBSONIC_SIMILAR_POOL      2000       /* songs getSimilarSongs picks from */
#define LIMIT_SUBSONIC_STARRED           5000       /* items of each kind in getStarred */

/* Authentication. */
#define LIMIT_AUTH_TOKEN_BYTES       2048 /* a JWT (access or stream token) we accept */
#define LIMIT_AUTH_COOKIE_BYTES      4096 /* a Cookie header we parse */
#define LIMIT_AUTH_RATELIMIT_ENTRIES 8192 /* (kind, key) counters kept in memory */
#define LIMIT_AUTH_TRUSTED_PROXIES   32   /* entries of trusted_proxies */
#define LIMIT_AUTH_FORWARDED_HOPS    16   /* X-Forwarded-For addresses we look at */

/* Playlists (library_playlist.h, library_m3u.h). */
#define LIMIT_PLAYLIST_ENTRIES       10000 /* songs in one playlist; more: 413, nothing changes */
#define LIMIT_PLAYLIST_NAME_BYTES    256   /* a playlist's name */
#define LIMIT_PLAYLIST_COMMENT_BYTES 4096  /* a playlist's comment (description) */
#define LIMIT_PLAYLIST_EDITORS       64    /* users the owner lets edit one playlist */
#define LIMIT_PLAYLIST_COVER_BYTES   (1024 * 1024) /* an uploaded playlist cover */
#define LIMIT_M3U_LINES              20000         /* lines of an imported M3U/M3U8 playlist */

/* Shares and avatars (library_share.h, library_avatar.h). */
#define LIMIT_SHARES_PER_USER         1000                  /* live share links one user may hold */
#define LIMIT_SHARE_DESCRIPTION_BYTES 1024                  /* a share's description */
#define LIMIT_SHARE_SONGS             5000                  /* songs listed on one share page */
#define LIMIT_AVATAR_BYTES            LIMIT_HTTP_BODY_BYTES /* an uploaded avatar image */
#define LIMIT_AVATAR_PIXELS           (25 * 1000 * 1000)    /* its declared width x height */

/* Uploads (POST /api/uploads; the configured upload_max_mb is at most the first). */
#define LIMIT_UPLOAD_BYTES_MAX  (64LL * 1024 * 1024 * 1024) /* one upload body, all its files */
#define LIMIT_UPLOAD_FILES      64                          /* `file` parts in one upload request */
#define LIMIT_UPLOAD_NAME_BYTES 200 /* a sanitised upload file or folder name */
#define LIMIT_UPLOADS_LISTED    100 /* recent uploads GET /api/uploads shows */
/* Internet radio stations (library_radio.h) and the Subsonic user-data methods. */
#define LIMIT_RADIO_STATIONS      1000  /* stations the server keeps */
#define LIMIT_RADIO_NAME_BYTES    256   /* a station's name */
#define LIMIT_RADIO_URL_BYTES     2048  /* its stream or home page URL (http/https only) */
#define LIMIT_SUBSONIC_PLAYLISTS  10000 /* playlists in one getPlaylists answer */
#define LIMIT_SUBSONIC_BOOKMARKS  1000  /* bookmarks in one getBookmarks answer */
#define LIMIT_SUBSONIC_HOST_BYTES 300   /* a Host header used in a share link */
#define LIMIT_ZIP_DOWNLOADS       64    /* album/playlist zips made at once; past it 429 */
#define LIMIT_ZIP_RETRY_AFTER_S   10    /* Retry-After of that 429 */

/* The OpenSubsonic transcoding extension (subsonic_decision.h, subsonic_transcoding.h). */
#define LIMIT_SUBSONIC_CLIENTINFO_BYTES    65536 /* the ClientInfo JSON body of a decision */
#define LIMIT_SUBSONIC_CLIENTINFO_PROFILES 32    /* entries of each ClientInfo profile list */
#define LIMIT_SUBSONIC_CLIENTINFO_LIMITS   16    /* limitations of one codec profile */
#define LIMIT_SUBSONIC_CLIENTINFO_STRING   256   /* bytes of one ClientInfo string */
#define LIMIT_SUBSONIC_CLIENTINFO_CODECS   16    /* codecs listed in one profile's audioCodec */
#define LIMIT_SUBSONIC_TRANSCODE_PARAMS    160   /* bytes of a transcodeParams token */
#define LIMIT_SUBSONIC_TRANSCODE_TTL_S     (7 * 24 * 3600) /* how long such a token is valid */

/* Personal data: favourites, history, play queue, bookmarks, the shared cache. */
#define LIMIT_QUEUE_ENTRIES          1000        /* songs in a saved play queue */
#define LIMIT_BOOKMARK_COMMENT_BYTES 1024        /* the comment of a bookmark */
#define LIMIT_CLIENT_NAME_BYTES      128         /* a client / device name */
#define LIMIT_POPULAR_MAX            100         /* songs in a popular-songs answer */
#define LIMIT_CACHE_ENTRIES          1024        /* entries of the in-process cache */
#define LIMIT_CACHE_PREFIX_BYTES     32          /* redis_prefix, which starts every Redis key */
#define LIMIT_CACHE_KEY_BYTES        256         /* one cache key */
#define LIMIT_CACHE_VALUE_BYTES      (64 * 1024) /* one cached value */
#define LIMIT_PAGE_CACHE_MB_MAX      4096        /* largest page_cache_mb */
#define LIMIT_PAGE_CACHE_KEY_BYTES   2048        /* a page cache key (path, query, libraries) */
#define LIMIT_PAGE_CACHE_BODY_BYTES  (64 << 20)  /* largest answer the page cache keeps */
#define LIMIT_NAMES_CACHE_ENTRIES    65536       /* artist and genre names kept (a power of two) */
#define LIMIT_NAMES_CACHE_TEXT_BYTES 256         /* longest id + name + sort kept; longer: read */
#define LIMIT_OFFSET_MARKS_LISTS     64          /* lists whose offset marks a server keeps */
#define LIMIT_OFFSET_MARKS_PER_LIST  4096        /* marks per list; past them pages walk on */
#define LIMIT_OFFSET_MARK_ROWS_MAX   1048576     /* most offset_mark_rows (rows between marks) */

/* GET /metrics: the whole text exposition. */
#define LIMIT_METRICS_BYTES (256 * 1024)

/* Database pool. */
#define LIMIT_DB_POOL_MAX 64

/* The largest sqlite_mmap_mb: MiB of the SQLite file a connection maps (64 GiB). */
#define LIMIT_SQLITE_MMAP_MB_MAX (64 * 1024)

#endif
