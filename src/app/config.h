/*
 * config.h - the server's configuration: defaults, then swaz.conf, then the environment,
 * then command-line flags (the flag wins).
 *
 * Every setting has one key used in all three places: `music_dirs` in the file,
 * SWAZ_MUSIC_DIRS in the environment (DATABASE_URL and REDIS_URL keep their common names),
 * --music-dirs on the command line. An unknown key or a bad value is an error naming it.
 * The Config is filled once at start-up and is immutable afterwards; pass it explicitly.
 */
#ifndef SWAZ_APP_CONFIG_H
#define SWAZ_APP_CONFIG_H

#include "core/limits.h"
#include "core/log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_URL_BYTES      1024
#define CONFIG_SWITCHES_MAX   8
#define CONFIG_POSITIONAL_MAX 8

typedef struct Config {
    char config_file[LIMIT_PATH_BYTES]; /* the file read, or "" */
    char listen_host[256];              /* address part of `listen` */
    uint16_t listen_port;               /* port part of `listen` (0: ephemeral) */
    char data_dir[LIMIT_PATH_BYTES];
    char web_dir[LIMIT_PATH_BYTES]; /* the web player's files, served at / ("": none) */
    char music_dirs[LIMIT_MUSIC_DIRS][LIMIT_PATH_BYTES];
    size_t n_music_dirs;
    char database_url[CONFIG_URL_BYTES];             /* "" until config_load() fills the default */
    char redis_url[CONFIG_URL_BYTES];                /* "" when not configured */
    char redis_prefix[LIMIT_CACHE_PREFIX_BYTES + 1]; /* starts every Redis key */
    unsigned threads;       /* run request handlers (HttpServerConfig.workers) */
    unsigned event_threads; /* libmicrohttpd's: read requests, send answers */
    unsigned max_connections;
    unsigned per_ip_connections;
    unsigned timeout_s;
    unsigned db_pool;
    unsigned sqlite_mmap_mb; /* MiB of the SQLite file request connections map; 0: none */
    unsigned shutdown_grace_s;
    bool scan_on_start;
    LogLevel log_level;
    char artist_separators[512]; /* '|'-separated, e.g. " / |; | feat. | ft. " */
    char cover_priority[512];    /* ','-separated, e.g. "cover.*, folder.*, embedded" */
    bool watch;                  /* inotify on the music folders */
    unsigned watch_debounce_s;
    unsigned scan_interval_s;     /* 0: no scheduled scans */
    unsigned scan_workers;        /* folders scanned in parallel */
    unsigned max_transcodes;      /* 0: LIMIT_TRANSCODES_PER_CORE per core */
    unsigned transcode_cache_mb;  /* size of the transcode cache; 0: none */
    unsigned upload_max_mb;       /* largest POST /api/uploads body, MiB */
    unsigned page_cache_mb;       /* rendered library answers kept in memory; 0: none */
    unsigned offset_mark_rows;    /* rows between two offset marks (library_marks.h); 0: none */
    char transcode_ladder[256];   /* "mp3:320,mp3:128,mp3:64" (library_ladder_parse()) */
    unsigned purge_after_s;       /* missing songs are deleted after this long */
    bool now_playing_visible;     /* users see each other's now-playing entries */
    bool metrics_public;          /* GET /metrics without credentials */
    unsigned access_token_ttl_s;  /* lifetime of an access token (JWT) */
    unsigned refresh_token_ttl_s; /* lifetime of a refresh token */
    unsigned stream_token_ttl_s;  /* lifetime of a ?t= media token */
    char trusted_proxies[1024];   /* ','-separated IPs/CIDRs whose X-Forwarded-For we trust */
    char accel_redirect[256];     /* X-Accel-Redirect prefix for trusted proxies, "" = off */
    char proxy_auth_header[128];  /* header naming the user from a trusted proxy, "" = off */
    bool proxy_auth_create;       /* create unknown proxy users (non-admin) */
    unsigned auth_rate_account;   /* failed attempts per account per window */
    unsigned auth_rate_address;   /* failed attempts per peer address per window */
    unsigned auth_rate_window_s;
    char subsonic_legacy_clients[LIMIT_SUBSONIC_CLIENTS_BYTES]; /* ','-separated c= names */
} Config;

/* What is left on the command line once settings are taken out. */
typedef struct ConfigArgs {
    const char *positional[CONFIG_POSITIONAL_MAX]; /* borrowed from argv */
    size_t n_positional;
    bool switches[CONFIG_SWITCHES_MAX]; /* switches[i]: --<allowed_switches[i]> was given */
    bool help;                          /* -h or --help */
} ConfigArgs;

/* Loads the configuration from `argv` (argv[0] is the subcommand), `envp` and the config
 * file (--config, else SWAZ_CONFIG, else ./swaz.conf when present). `allowed_switches` is a
 * NULL-terminated list of boolean flags the subcommand accepts (e.g. "admin"), may be NULL.
 * Returns 0; or ERR_PARSE / -EINVAL / -ENOENT with a message naming the key (and file and
 * line) in `err` (at most `err_len` bytes). */
int config_load(Config *cfg, int argc, char **argv, char **envp,
                const char *const *allowed_switches, ConfigArgs *ret_args, char *err,
                size_t err_len);

/* Loads settings from the text of a config file only (on top of defaults); used by the
 * fuzz target and tests. Same returns as config_load(). */
int config_load_text(Config *cfg, const char *text, size_t len, char *err, size_t err_len);

/* Writes the usage text of every setting to `out` (for --help). */
void config_print_help(void *out);

#endif
