/*
 * config.c - one table describes every setting: its key, environment variable, type,
 * bounds and default. Defaults, file, environment and flags all go through config_set().
 */
#include "app/config.h"

#include "core/err.h"
#include "core/ini.h"
#include "core/str.h"
#include "library/library_ladder.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum {
    CONFIG_STR,
    CONFIG_TEXT,
    CONFIG_UINT,
    CONFIG_BOOL,
    CONFIG_LISTEN,
    CONFIG_DIRS,
    CONFIG_LEVEL,
    CONFIG_URL
} ConfigType;

typedef struct ConfigSetting {
    const char *key;
    const char *env;
    ConfigType type;
    size_t offset;
    size_t size; /* for strings: the buffer size */
    unsigned min, max;
    const char *def;
    const char *help;
} ConfigSetting;

#define CFG_FIELD(f) offsetof(Config, f), sizeof(((Config *)0)->f)

static const ConfigSetting config_settings[] = {
    {"listen", "SWAZ_LISTEN", CONFIG_LISTEN, CFG_FIELD(listen_host), 0, 0, "127.0.0.1:4533",
     "address and port to serve on (HOST:PORT, [IPv6]:PORT)"},
    {"data_dir", "SWAZ_DATA_DIR", CONFIG_STR, CFG_FIELD(data_dir), 0, 0, "./data",
     "folder for the database, caches and secrets"},
    {"web_dir", "SWAZ_WEB_DIR", CONFIG_TEXT, CFG_FIELD(web_dir), 0, 0, SWAZ_WEB_DIR,
     "the web player's built files, served at / (\"\": no player)"},
    {"music_dirs", "SWAZ_MUSIC_DIRS", CONFIG_DIRS, CFG_FIELD(music_dirs), 0, 0, "",
     "music folders, separated by ':'"},
    {"database_url", "DATABASE_URL", CONFIG_URL, CFG_FIELD(database_url), 0, 0, "",
     "sqlite:PATH or postgres://... (default: sqlite:DATA_DIR/swaz.db)"},
    {"redis_prefix", "SWAZ_REDIS_PREFIX", CONFIG_STR, CFG_FIELD(redis_prefix), 0, 0,
     "swaz:", "what every Redis key of this server starts with (one per site sharing a Redis)"},
    {"redis_url", "REDIS_URL", CONFIG_URL, CFG_FIELD(redis_url), 0, 0, "",
     "redis://HOST:PORT/DB or unix:///PATH (default: none)"},
    {"threads", "SWAZ_THREADS", CONFIG_UINT, CFG_FIELD(threads), 1, LIMIT_THREADS_MAX, "0",
     "threads running request handlers (default: 2 per core, at least 4)"},
    {"event_threads", "SWAZ_EVENT_THREADS", CONFIG_UINT, CFG_FIELD(event_threads), 1,
     LIMIT_THREADS_MAX, "0",
     "threads reading requests and sending answers (default: 1 per 2 cores, at least 1)"},
    {"max_connections", "SWAZ_MAX_CONNECTIONS", CONFIG_UINT, CFG_FIELD(max_connections), 1,
     LIMIT_CONN_TOTAL_MAX, "10000", "concurrent connections in all"},
    {"per_ip_connections", "SWAZ_PER_IP_CONNECTIONS", CONFIG_UINT, CFG_FIELD(per_ip_connections), 1,
     LIMIT_CONN_TOTAL_MAX, "256", "concurrent connections from one address"},
    {"timeout", "SWAZ_TIMEOUT", CONFIG_UINT, CFG_FIELD(timeout_s), 1, 3600, "60",
     "seconds of inactivity before a connection is closed"},
    {"db_pool", "SWAZ_DB_POOL", CONFIG_UINT, CFG_FIELD(db_pool), 1, LIMIT_DB_POOL_MAX, "16",
     "database connections per process"},
    {"sqlite_mmap_mb", "SWAZ_SQLITE_MMAP_MB", CONFIG_UINT, CFG_FIELD(sqlite_mmap_mb), 0,
     LIMIT_SQLITE_MMAP_MB_MAX, "2048",
     "MiB of the SQLite database file each connection answering requests reads through a "
     "memory map (0: none; scans never map)"},
    {"shutdown_grace", "SWAZ_SHUTDOWN_GRACE", CONFIG_UINT, CFG_FIELD(shutdown_grace_s), 0, 60, "5",
     "seconds given to in-flight responses on SIGTERM"},
    {"scan_on_start", "SWAZ_SCAN_ON_START", CONFIG_BOOL, CFG_FIELD(scan_on_start), 0, 0, "true",
     "scan the music folders in the background when serve starts"},
    {"log_level", "SWAZ_LOG_LEVEL", CONFIG_LEVEL, CFG_FIELD(log_level), 0, 0, "info",
     "debug, info, warn or error"},
    {"artist_separators", "SWAZ_ARTIST_SEPARATORS", CONFIG_TEXT, CFG_FIELD(artist_separators), 0, 0,
     " / |; | feat. | ft. ",
     "how artist tags are split when no multi-valued ARTISTS tag exists ('|'-separated)"},
    {"cover_priority", "SWAZ_COVER_PRIORITY", CONFIG_TEXT, CFG_FIELD(cover_priority), 0, 0,
     "cover.*, folder.*, front.*, embedded",
     "where album art comes from, first match wins (file patterns and 'embedded')"},
    {"watch", "SWAZ_WATCH", CONFIG_BOOL, CFG_FIELD(watch), 0, 0, "true",
     "rescan folders that change on disk (inotify)"},
    {"watch_debounce", "SWAZ_WATCH_DEBOUNCE", CONFIG_UINT, CFG_FIELD(watch_debounce_s), 1, 3600,
     "5", "seconds of quiet before a changed folder is rescanned"},
    {"scan_interval", "SWAZ_SCAN_INTERVAL", CONFIG_UINT, CFG_FIELD(scan_interval_s), 0, 30 * 86400,
     "0", "seconds between scheduled full scans (0: none)"},
    {"scan_workers", "SWAZ_SCAN_WORKERS", CONFIG_UINT, CFG_FIELD(scan_workers), 1, 64, "2",
     "folders read in parallel while scanning"},
    {"purge_after", "SWAZ_PURGE_AFTER", CONFIG_UINT, CFG_FIELD(purge_after_s), 0, 3650u * 86400u,
     "604800", "seconds a missing song is kept (with its play counts) before it is deleted"},
    {"max_transcodes", "SWAZ_MAX_TRANSCODES", CONFIG_UINT, CFG_FIELD(max_transcodes), 1,
     LIMIT_TRANSCODES_MAX, "0", "live transcodes at once (default: 2 per core; a user gets half)"},
    {"transcode_cache_mb", "SWAZ_TRANSCODE_CACHE_MB", CONFIG_UINT, CFG_FIELD(transcode_cache_mb), 0,
     LIMIT_TCACHE_MB_MAX, "1024",
     "MiB of finished transcodes kept in <data_dir>/transcodes (LRU; 0: no cache)"},
    {"page_cache_mb", "SWAZ_PAGE_CACHE_MB", CONFIG_UINT, CFG_FIELD(page_cache_mb), 0,
     LIMIT_PAGE_CACHE_MB_MAX, "64",
     "MiB of rendered library answers kept in memory (LRU; 0: no page cache)"},
    {"offset_mark_rows", "SWAZ_OFFSET_MARK_ROWS", CONFIG_UINT, CFG_FIELD(offset_mark_rows), 0,
     LIMIT_OFFSET_MARK_ROWS_MAX, "4096",
     "rows between two remembered positions of a long list, for deep offset= pages (0: none)"},
    {"upload_max_mb", "SWAZ_UPLOAD_MAX_MB", CONFIG_UINT, CFG_FIELD(upload_max_mb), 1,
     (unsigned)(LIMIT_UPLOAD_BYTES_MAX >> 20), "1024",
     "largest upload (one POST /api/uploads body, all its files), in MiB; past it 413"},
    {"transcode_ladder", "SWAZ_TRANSCODE_LADDER", CONFIG_STR, CFG_FIELD(transcode_ladder), 0, 0,
     "mp3:320,mp3:128,mp3:64",
     "format:kbps steps made ahead into the transcode cache (uploads, swaz transcode --ladder)"},
    {"now_playing_visible", "SWAZ_NOW_PLAYING_VISIBLE", CONFIG_BOOL, CFG_FIELD(now_playing_visible),
     0, 0, "false", "every user sees what the others are playing (GET /api/now-playing)"},
    {"metrics_public", "SWAZ_METRICS_PUBLIC", CONFIG_BOOL, CFG_FIELD(metrics_public), 0, 0, "false",
     "GET /metrics answers without credentials (else administrators only)"},
    {"access_token_ttl", "SWAZ_ACCESS_TOKEN_TTL", CONFIG_UINT, CFG_FIELD(access_token_ttl_s), 60,
     86400, "900", "seconds an access token (JWT) is valid"},
    {"refresh_token_ttl", "SWAZ_REFRESH_TOKEN_TTL", CONFIG_UINT, CFG_FIELD(refresh_token_ttl_s),
     300, 365u * 86400u, "2592000", "seconds a refresh token is valid"},
    {"stream_token_ttl", "SWAZ_STREAM_TOKEN_TTL", CONFIG_UINT, CFG_FIELD(stream_token_ttl_s), 60,
     7u * 86400u, "21600", "seconds a ?t= media token (for <audio> and <img> URLs) is valid"},
    {"trusted_proxies", "SWAZ_TRUSTED_PROXIES", CONFIG_TEXT, CFG_FIELD(trusted_proxies), 0, 0, "",
     "reverse proxies (IPs or CIDRs, ','-separated) whose X-Forwarded-For is believed"},
    {"accel_redirect", "SWAZ_ACCEL_REDIRECT", CONFIG_TEXT, CFG_FIELD(accel_redirect), 0, 0, "",
     "URI prefix (e.g. /internal/music/) under which a trusted proxy serves the music folders: "
     "originals are answered with X-Accel-Redirect instead of their bytes (default: off)"},
    {"proxy_auth_header", "SWAZ_PROXY_AUTH_HEADER", CONFIG_TEXT, CFG_FIELD(proxy_auth_header), 0, 0,
     "", "header a trusted proxy names the user in, e.g. Remote-User (default: off)"},
    {"proxy_auth_create", "SWAZ_PROXY_AUTH_CREATE", CONFIG_BOOL, CFG_FIELD(proxy_auth_create), 0, 0,
     "false", "create unknown users named by the proxy header (non-admin)"},
    {"auth_rate_account", "SWAZ_AUTH_RATE_ACCOUNT", CONFIG_UINT, CFG_FIELD(auth_rate_account), 1,
     1000000, "10", "failed sign-ins per account per auth_rate_window before 429"},
    {"auth_rate_address", "SWAZ_AUTH_RATE_ADDRESS", CONFIG_UINT, CFG_FIELD(auth_rate_address), 1,
     1000000, "30", "failed authentications per client address per auth_rate_window before 429"},
    {"auth_rate_window", "SWAZ_AUTH_RATE_WINDOW", CONFIG_UINT, CFG_FIELD(auth_rate_window_s), 1,
     86400, "300", "seconds over which failed authentications are counted"},
    {"subsonic_legacy_clients", "SWAZ_SUBSONIC_LEGACY_CLIENTS", CONFIG_TEXT,
     CFG_FIELD(subsonic_legacy_clients), 0, 0, "DSub",
     "Subsonic clients (the c= parameter, ','-separated) answered without OpenSubsonic fields"},
};

#define CONFIG_N_SETTINGS (sizeof(config_settings) / sizeof(config_settings[0]))

static void config_err(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void config_err(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/* An X-Accel-Redirect prefix: "/...", ending in '/', plain URI characters only. */
static bool config_accel_ok(const char *p)
{
    size_t len = strlen(p);
    if (len < 1 || p[0] != '/' || p[len - 1] != '/')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '.' || c == '-'))
            return false;
    }
    return strstr(p, "..") == NULL;
}

static const ConfigSetting *config_find(const char *key)
{
    for (size_t i = 0; i < CONFIG_N_SETTINGS; i++) {
        if (strcmp(config_settings[i].key, key) == 0)
            return &config_settings[i];
    }
    return NULL;
}

static int config_parse_listen(Config *cfg, const char *v)
{
    const char *colon;
    size_t host_len;
    const char *host = v;
    if (v[0] == '[') {
        const char *end = strchr(v, ']');
        if (!end || end[1] != ':')
            return -EINVAL;
        host = v + 1;
        host_len = (size_t)(end - host);
        colon = end + 1;
    } else {
        colon = strrchr(v, ':');
        if (!colon || strchr(v, ':') != colon)
            return -EINVAL;
        host_len = (size_t)(colon - v);
    }
    if (host_len == 0 || host_len >= sizeof(cfg->listen_host))
        return -EINVAL;
    int64_t port;
    if (str_to_int64(colon + 1, 0, 65535, &port) < 0)
        return -EINVAL;
    memcpy(cfg->listen_host, host, host_len);
    cfg->listen_host[host_len] = '\0';
    cfg->listen_port = (uint16_t)port;
    return 0;
}

static int config_parse_dirs(Config *cfg, const char *v)
{
    size_t n = 0;
    const char *p = v;
    while (*p) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || len >= LIMIT_PATH_BYTES || n == LIMIT_MUSIC_DIRS)
            return -EINVAL;
        memcpy(cfg->music_dirs[n], p, len);
        cfg->music_dirs[n][len] = '\0';
        n++;
        p += len + (end ? 1 : 0);
        if (end && !*p)
            return -EINVAL; /* trailing ':' */
    }
    cfg->n_music_dirs = n;
    return 0;
}

static bool config_url_ok(const ConfigSetting *s, const char *v)
{
    if (!*v)
        return true;
    if (strcmp(s->key, "database_url") == 0)
        return str_has_prefix(v, "sqlite:") || str_has_prefix(v, "postgres://") ||
               str_has_prefix(v, "postgresql://") || v[0] == '/' || v[0] == '.';
    return str_has_prefix(v, "redis://") || str_has_prefix(v, "unix://") ||
           str_has_prefix(v, "redis+unix://");
}

/* Sets one setting from text. Returns 0 or -EINVAL with a message in err. */
static int config_set(Config *cfg, const ConfigSetting *s, const char *v, const char *origin,
                      char *err, size_t err_len)
{
    char *field = (char *)cfg + s->offset;
    int r = 0;
    switch (s->type) {
    case CONFIG_STR:
        if (!*v || strlen(v) >= s->size)
            r = -EINVAL;
        else
            str_copy(field, v, s->size);
        break;
    case CONFIG_TEXT:
        if (strlen(v) >= s->size)
            r = -EINVAL;
        else
            str_copy(field, v, s->size);
        break;
    case CONFIG_URL:
        if (strlen(v) >= s->size || !config_url_ok(s, v))
            r = -EINVAL;
        else
            str_copy(field, v, s->size);
        break;
    case CONFIG_UINT: {
        int64_t n;
        /* 0 is accepted only as the built-in "automatic" default. */
        int64_t min = strcmp(origin, "default") == 0 ? 0 : s->min;
        if (str_to_int64(v, min, s->max, &n) < 0)
            r = -EINVAL;
        else
            *(unsigned *)(void *)field = (unsigned)n;
        break;
    }
    case CONFIG_BOOL:
        r = str_to_bool(v, (bool *)(void *)field);
        break;
    case CONFIG_LISTEN:
        r = config_parse_listen(cfg, v);
        break;
    case CONFIG_DIRS:
        r = config_parse_dirs(cfg, v);
        break;
    case CONFIG_LEVEL:
        r = log_level_parse(v, (LogLevel *)(void *)field);
        break;
    }
    if (r < 0) {
        if (s->type == CONFIG_UINT)
            config_err(err, err_len,
                       "%s: invalid value for %s: '%.200s' (expected an integer "
                       "%u..%u)",
                       origin, s->key, v, s->min, s->max);
        else
            config_err(err, err_len, "%s: invalid value for %s: '%.200s'", origin, s->key, v);
        return -EINVAL;
    }
    return 0;
}

static void config_defaults(Config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    char unused[8];
    for (size_t i = 0; i < CONFIG_N_SETTINGS; i++)
        config_set(cfg, &config_settings[i], config_settings[i].def, "default", unused,
                   sizeof(unused));
}

typedef struct ConfigFileCtx {
    Config *cfg;
    const char *name;
    char *err;
    size_t err_len;
} ConfigFileCtx;

static int config_file_key(void *vctx, const char *section, const char *key, const char *value,
                           int line)
{
    ConfigFileCtx *ctx = vctx;
    char origin[LIMIT_PATH_BYTES + 32];
    snprintf(origin, sizeof(origin), "%s:%d", ctx->name, line);
    if (*section) {
        config_err(ctx->err, ctx->err_len, "%s: unknown section [%s]", origin, section);
        return -EINVAL;
    }
    const ConfigSetting *s = config_find(key);
    if (!s) {
        config_err(ctx->err, ctx->err_len, "%s: unknown key '%s'", origin, key);
        return -EINVAL;
    }
    return config_set(ctx->cfg, s, value, origin, ctx->err, ctx->err_len);
}

static int config_apply_text(Config *cfg, const char *name, const char *text, size_t len, char *err,
                             size_t err_len)
{
    ConfigFileCtx ctx = {cfg, name, err, err_len};
    int line = 0;
    err[0] = '\0';
    int r = ini_parse(text, len, config_file_key, &ctx, &line);
    if (r < 0 && !err[0])
        config_err(err, err_len, "%s:%d: %s", name, line,
                   r == ERR_LIMIT ? "line too long" : "syntax error (expected key = value)");
    return r < 0 ? (r == -EINVAL ? -EINVAL : ERR_PARSE) : 0;
}

int config_load_text(Config *cfg, const char *text, size_t len, char *err, size_t err_len)
{
    config_defaults(cfg);
    return config_apply_text(cfg, "config", text, len, err, err_len);
}

static int config_read_file(Config *cfg, const char *path, bool must_exist, char *err,
                            size_t err_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (!must_exist && errno == ENOENT)
            return 0;
        config_err(err, err_len, "cannot open config file %s: %s", path, strerror(errno));
        return -ENOENT;
    }
    struct stat sb;
    char *text = NULL;
    int r = -EINVAL;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > LIMIT_CONFIG_FILE_BYTES) {
        config_err(err, err_len, "config file %s: not a regular file of at most %d bytes", path,
                   LIMIT_CONFIG_FILE_BYTES);
        goto out_close;
    }
    text = malloc((size_t)sb.st_size + 1);
    if (!text) {
        r = -ENOMEM;
        goto out_close;
    }
    size_t got = 0;
    while (got < (size_t)sb.st_size) {
        ssize_t n = read(fd, text + got, (size_t)sb.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    str_copy(cfg->config_file, path, sizeof(cfg->config_file));
    r = config_apply_text(cfg, path, text, got, err, err_len);
out_close:
    free(text);
    close(fd);
    return r;
}

static const char *config_env(char **envp, const char *name)
{
    size_t n = strlen(name);
    for (char **e = envp; e && *e; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    }
    return NULL;
}

/* Maps "--music-dirs" to the setting "music_dirs". */
static const ConfigSetting *config_flag(const char *flag, size_t len)
{
    char key[64];
    if (len >= sizeof(key))
        return NULL;
    for (size_t i = 0; i < len; i++)
        key[i] = flag[i] == '-' ? '_' : flag[i];
    key[len] = '\0';
    return config_find(key);
}

int config_load(Config *cfg, int argc, char **argv, char **envp,
                const char *const *allowed_switches, ConfigArgs *ret_args, char *err,
                size_t err_len)
{
    ConfigArgs args = {0};
    config_defaults(cfg);

    /* The config file first: --config wins over SWAZ_CONFIG over ./swaz.conf. */
    const char *file = config_env(envp, "SWAZ_CONFIG");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            file = argv[i + 1];
        else if (str_has_prefix(argv[i], "--config="))
            file = argv[i] + strlen("--config=");
    }
    int r = config_read_file(cfg, file ? file : "swaz.conf", file != NULL, err, err_len);
    if (r < 0)
        return r;

    for (size_t i = 0; i < CONFIG_N_SETTINGS; i++) {
        const char *v = config_env(envp, config_settings[i].env);
        if (v) {
            r = config_set(cfg, &config_settings[i], v, config_settings[i].env, err, err_len);
            if (r < 0)
                return r;
        }
    }

    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_positional || a[0] != '-' || strcmp(a, "-") == 0) {
            if (args.n_positional == CONFIG_POSITIONAL_MAX) {
                config_err(err, err_len, "too many arguments");
                return -EINVAL;
            }
            args.positional[args.n_positional++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            args.help = true;
            continue;
        }
        if (!str_has_prefix(a, "--")) {
            config_err(err, err_len, "unknown option '%s'", a);
            return -EINVAL;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        if (name_len == 6 && strncmp(name, "config", 6) == 0) {
            if (!eq)
                i++;
            continue;
        }
        bool matched = false;
        for (size_t k = 0; allowed_switches && allowed_switches[k] && k < CONFIG_SWITCHES_MAX;
             k++) {
            if (!eq && strcmp(name, allowed_switches[k]) == 0) {
                args.switches[k] = true;
                matched = true;
            }
        }
        if (matched)
            continue;
        const ConfigSetting *s = config_flag(name, name_len);
        if (!s) {
            config_err(err, err_len, "unknown option '--%.*s'", (int)name_len, name);
            return -EINVAL;
        }
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v) {
            config_err(err, err_len, "option '--%.*s' needs a value", (int)name_len, name);
            return -EINVAL;
        }
        r = config_set(cfg, s, v, "command line", err, err_len);
        if (r < 0)
            return r;
    }

    if (!cfg->database_url[0] &&
        (size_t)snprintf(cfg->database_url, sizeof(cfg->database_url), "sqlite:%s/swaz.db",
                         cfg->data_dir) >= sizeof(cfg->database_url)) {
        config_err(err, err_len, "data_dir is too long");
        return -EINVAL;
    }
    if (cfg->threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->threads = cores > 2 ? (unsigned)(cores * 2) : 4;
        if (cfg->threads > LIMIT_THREADS_MAX)
            cfg->threads = LIMIT_THREADS_MAX;
    }
    if (cfg->event_threads == 0) {
        /* Answering kept pages and moving bytes takes little CPU: leave the cores to the
         * handlers and the database. */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->event_threads = cores > 3 ? (unsigned)(cores / 2) : 1;
        if (cfg->event_threads > LIMIT_THREADS_MAX)
            cfg->event_threads = LIMIT_THREADS_MAX;
    }
    if (cfg->accel_redirect[0] && !config_accel_ok(cfg->accel_redirect)) {
        config_err(err, err_len,
                   "accel_redirect must start and end with '/' and hold only letters, digits "
                   "and / _ . -");
        return -EINVAL;
    }
    if (cfg->max_transcodes == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        long n = (cores > 0 ? cores : 1) * LIMIT_TRANSCODES_PER_CORE;
        cfg->max_transcodes = n > LIMIT_TRANSCODES_MAX ? LIMIT_TRANSCODES_MAX : (unsigned)n;
    }
    LibraryLadderSpec ladder;
    if (library_ladder_parse(cfg->transcode_ladder, &ladder) < 0) {
        config_err(err, err_len,
                   "transcode_ladder: expected up to %d comma-separated format[:kbps] steps "
                   "(mp3, opus, aac, m4a, flac)",
                   LIMIT_LADDER_STEPS);
        return -EINVAL;
    }
    *ret_args = args;
    return 0;
}

void config_print_help(void *out)
{
    FILE *f = out;
    fprintf(f, "Settings (file key / environment / flag; the flag wins):\n");
    for (size_t i = 0; i < CONFIG_N_SETTINGS; i++) {
        const ConfigSetting *s = &config_settings[i];
        char flag[64];
        str_copy(flag, s->key, sizeof(flag));
        for (char *p = flag; *p; p++)
            *p = *p == '_' ? '-' : *p;
        fprintf(f, "  --%-20s %-24s %s", flag, s->env, s->help);
        if (*s->def && strcmp(s->def, "0") != 0)
            fprintf(f, " [%s]", s->def);
        fputc('\n', f);
    }
    fprintf(f, "  --%-20s %-24s %s\n", "config", "SWAZ_CONFIG",
            "configuration file [./swaz.conf when present]");
}
