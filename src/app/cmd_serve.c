/*
 * cmd_serve.c - wires the subsystems together: configuration, database, Redis, scan service,
 * secret keys, the authentication guard, folder watcher, router, HTTP server; then waits for
 * a signal and stops them.
 *
 * SIGTERM/SIGINT are blocked in every thread and taken with sigwait() on the main thread,
 * so no handler runs concurrently with anything. Threads: MHD's pool runs handlers; the
 * scan service owns the one scan thread; the watcher owns its inotify thread and only
 * queues requests with the service. Stop order: watcher (no new requests), service stop
 * (cancels the running scan after its current file, joins the thread; the object stays
 * valid), HTTP server (in-flight GET /api/scan may still read the service's status), and
 * only then the service is freed.
 */
#include "app/cmd_serve.h"

#include "api/api.h"
#include "api/api_pages.h"
#include "api/api_auth.h"
#include "api/api_error.h"
#include "api/api_routes.h"
#include "api/api_transcode.h"
#include "api/api_web.h"
#include "app/app.h"
#include "auth/auth_keys.h"
#include "auth/auth_password.h"
#include "core/err.h"
#include "core/log.h"
#include "http/http_server.h"
#include "library/library_ladder.h"
#include "library/library_marks.h"
#include "library/library_names.h"
#include "library/library_service.h"
#include "library/library_watch.h"
#include "media/media_probe.h"
#include "media/media_tcache.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static const char cmd_serve_usage[] = "usage: swaz serve [options]\n"
                                      "Serves the library over HTTP until SIGTERM or SIGINT.";

/* Hands the watcher's changed folders to the scan service (on the watcher's thread). */
static void serve_on_change(void *ctx, const char *const *paths, size_t n)
{
    LibraryService *svc = ctx;
    int r = n ? library_service_request_paths(svc, paths, n) : library_service_request_full(svc);
    if (r == -EINVAL)
        r = library_service_request_full(svc);
    if (r < 0 && r != -ECANCELED)
        log_warn("watch: cannot queue a scan: %s", err_str(r));
}

/* Free memory glibc keeps at the top of a thread's heap instead of handing it back to the
 * kernel. At its default (128 KiB) each rendered list page gave back what it had allocated
 * (madvise, a TLB flush on every core) and faulted it in again on the next page: at 1M songs
 * ~20 page faults per albums or search page, about 1 with 2 MiB, RssAnon unchanged. */
#define SERVE_MALLOC_TRIM_BYTES (2 * 1024 * 1024)

/* Raises the soft open-files limit to the hard one and keeps max_connections below it. */
static unsigned serve_fd_budget(unsigned wanted)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return wanted;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    /* A connection holds its socket; listeners of the same file share one descriptor
     * (http_shared.c), so keep 1024 for files, the database and logs. Past that an open
     * fails with EMFILE and the client gets 503. */
    rlim_t room = rl.rlim_cur > 4096 ? rl.rlim_cur - 1024
                                     : (rl.rlim_cur > 256 ? (rl.rlim_cur - 128) / 2 : 64);
    if (wanted > room) {
        log_info("max_connections lowered from %u to %llu by the open-files limit (%llu)", wanted,
                 (unsigned long long)room, (unsigned long long)rl.rlim_cur);
        return (unsigned)room;
    }
    return wanted;
}

/* Opens the transcode cache under the data dir and starts the background ladder (neither
 * when transcode_cache_mb is 0). Returns 0 or a negative errno, logged. */
static int serve_tcache(const Config *cfg, Db *db, MediaTcache **ret_tcache,
                        LibraryLadder **ret_ladder)
{
    *ret_tcache = NULL;
    *ret_ladder = NULL;
    if (cfg->transcode_cache_mb == 0)
        return 0;
    int r = app_tcache_open(cfg, ret_tcache);
    if (r < 0)
        return r;
    LibraryLadderSpec spec;
    if ((r = library_ladder_parse(cfg->transcode_ladder, &spec)) == 0)
        r = library_ladder_new(db, *ret_tcache, &spec, ret_ladder);
    if (r < 0) {
        log_error("cannot start the transcode ladder: %s", err_str(r));
        media_tcache_free(*ret_tcache);
        *ret_tcache = NULL;
    }
    return r;
}

int cmd_serve(int argc, char **argv, char **envp)
{
    Config cfg;
    ConfigArgs args;
    int r = app_config(&cfg, argc, argv, envp, NULL, cmd_serve_usage, &args);
    if (r != 0)
        return r > 0 ? APP_EXIT_OK : APP_EXIT_USAGE;
    if (args.n_positional) {
        fprintf(stderr, "swaz serve: unexpected argument '%s'\n", args.positional[0]);
        return APP_EXIT_USAGE;
    }

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    mallopt(M_TRIM_THRESHOLD, SERVE_MALLOC_TRIM_BYTES);

    int code = APP_EXIT_FAIL;
    media_init();
    if (auth_init() < 0) {
        log_error("cannot initialise libsodium");
        return APP_EXIT_FAIL;
    }
    Db *db;
    if (app_db_open(&cfg, &db, NULL) < 0)
        return APP_EXIT_FAIL;
    LibraryNames *ref_names = library_names_new(LIMIT_NAMES_CACHE_ENTRIES);
    LibraryMarks *offset_marks = NULL; /* none when offset_mark_rows is 0 */
    if (cfg.offset_mark_rows)
        offset_marks = library_marks_new(LIMIT_OFFSET_MARKS_LISTS, cfg.offset_mark_rows);
    if (!ref_names || (cfg.offset_mark_rows && !offset_marks)) {
        log_error("out of memory");
        goto out_db;
    }
    library_names_attach(db, ref_names);
    library_marks_attach(db, offset_marks);

    RedisClient *redis = NULL;
    if (cfg.redis_url[0] && (r = redis_client_open(cfg.redis_url, &redis)) < 0) {
        log_error("cannot connect to Redis (REDIS_URL): %s", err_str(r));
        goto out_db;
    }

    static LibraryFolder folders[LIMIT_MUSIC_DIRS];
    static char names[LIMIT_MUSIC_DIRS][LIMIT_PATH_BYTES];
    static char paths[LIMIT_MUSIC_DIRS][LIMIT_PATH_BYTES];
    size_t n_folders = app_folders(&cfg, folders, names, paths);
    LibraryScanOptions opts = {cfg.artist_separators,
                               cfg.cover_priority,
                               cfg.scan_workers,
                               (int64_t)cfg.purge_after_s,
                               NULL,
                               0};
    LibraryService *scans;
    if ((r = library_service_new(db, folders, n_folders, &opts, cfg.scan_interval_s, &scans)) < 0) {
        log_error("cannot start the scan service: %s", err_str(r));
        goto out_redis;
    }

    AuthKeys keys; /* wiped on the way out */
    char kerr[LIMIT_PATH_BYTES + 128];
    if ((r = auth_keys_load(cfg.data_dir, &keys, kerr, sizeof(kerr))) < 0) {
        log_error("secret keys: %s", kerr);
        goto out_scans;
    }
    ApiAuthSettings as = {
        .access_ttl_s = cfg.access_token_ttl_s,
        .refresh_ttl_s = cfg.refresh_token_ttl_s,
        .stream_ttl_s = cfg.stream_token_ttl_s,
        .trusted_proxies = cfg.trusted_proxies,
        .proxy_auth_header = cfg.proxy_auth_header,
        .proxy_auth_create = cfg.proxy_auth_create,
        .rate_account = cfg.auth_rate_account,
        .rate_address = cfg.auth_rate_address,
        .rate_window_s = cfg.auth_rate_window_s,
        .jwt_key = keys.jwt_key,
    };
    ApiAuth *auth;
    if ((r = api_auth_new(&as, &auth, kerr, sizeof(kerr))) < 0) {
        log_error("%s", r == -EINVAL ? kerr : err_str(r));
        goto out_keys;
    }
    if (cfg.proxy_auth_header[0] && !auth->n_proxies)
        log_warn("proxy_auth_header is set but trusted_proxies is empty: proxy sign-in is off");
    CacheKv *cache =
        cache_kv_new(redis, cfg.redis_prefix); /* popular songs; Redis when configured */
    if (!cache) {
        log_error("cannot create the cache: out of memory");
        goto out_auth;
    }

    ApiTranscodes *transcodes = api_transcodes_new(cfg.max_transcodes);
    if (!transcodes) {
        log_error("cannot create the transcode registry: out of memory");
        goto out_cache;
    }
    MediaTcache *tcache = NULL; /* <data_dir>/transcodes; none when transcode_cache_mb is 0 */
    ApiPages *pages = NULL;     /* none when page_cache_mb is 0 */
    LibraryLadder *ladder = NULL;
    if ((r = serve_tcache(&cfg, db, &tcache, &ladder)) < 0)
        goto out_transcodes;
    if (cfg.page_cache_mb &&
        (r = api_pages_new((size_t)cfg.page_cache_mb << 20, cfg.threads, &pages)) < 0) {
        log_error("cannot create the page cache: %s", err_str(r));
        goto out_transcodes;
    }

    static char uploads_dir[LIMIT_PATH_BYTES];
    bool uploads = app_uploads_dir(&cfg, uploads_dir) == 0;
    ApiContext ctx = {
        .db = db,
        .data_dir = cfg.data_dir,
        .scans = scans,
        .redis = redis,
        .version = SWAZ_VERSION,
        .started_ms = api_monotonic_ms(),
        .keys = &keys,
        .auth = auth,
        .cache = cache,
        .now_playing_visible = cfg.now_playing_visible,
        .metrics_public = cfg.metrics_public,
        .transcodes = transcodes,
        .web_dir = cfg.web_dir,
        .tcache = tcache,
        .uploads_dir = uploads ? uploads_dir : NULL,
        .upload_max_mb = cfg.upload_max_mb,
        .subsonic_legacy_clients = cfg.subsonic_legacy_clients,
        .accel_redirect = cfg.accel_redirect[0] ? cfg.accel_redirect : NULL,
        .pages = pages,
        .ladder = ladder,
    };
    size_t n_routes;
    const HttpRoute *routes = api_routes(&n_routes);
    HttpRouter *router;
    if ((r = http_router_new(routes, n_routes, &router)) < 0) {
        log_error("bad route table: %s", err_str(r));
        goto out_transcodes;
    }
    size_t n_bodies;
    const HttpRouteBody *bodies = api_route_bodies(&n_bodies);
    if ((r = http_router_set_bodies(router, bodies, n_bodies)) < 0) {
        log_error("bad route body table: %s", err_str(r));
        goto out_router;
    }

    HttpServerConfig hc = {
        .address = cfg.listen_host,
        .port = cfg.listen_port,
        .threads = cfg.event_threads,
        .workers = cfg.threads,
        .max_connections = serve_fd_budget(cfg.max_connections),
        .per_ip_connections = cfg.per_ip_connections,
        .timeout_s = cfg.timeout_s,
        .router = router,
        .app = &ctx,
        .error_page = api_error_page,
        .guard = api_pages_guard, /* api_auth_guard(), then the page cache */
        .after = api_pages_after,
        .quick = api_pages_quick, /* kept pages for a kept sign-in, on the event threads */
        .fallback = api_web_fallback,
    };
    HttpServer *server;
    if ((r = http_server_start(&hc, &server)) < 0) {
        log_error("cannot listen on %s port %u: %s", cfg.listen_host, cfg.listen_port, err_str(r));
        goto out_router;
    }
    bool v6 = strchr(cfg.listen_host, ':') != NULL;
    log_info("swaz %s serving on http://%s%s%s:%u with %s (%u event threads, %u handler "
             "threads)",
             SWAZ_VERSION, v6 ? "[" : "", cfg.listen_host, v6 ? "]" : "", http_server_port(server),
             db_describe(db), cfg.event_threads, cfg.threads);

    if (cfg.scan_on_start && n_folders)
        library_service_request_full(scans);
    LibraryWatch *watch = NULL;
    if (cfg.watch && n_folders &&
        (r = library_watch_new(folders, n_folders, cfg.watch_debounce_s * 1000, serve_on_change,
                               scans, &watch)) < 0)
        log_warn("folder watching is off: %s", err_str(r));

    int sig = 0;
    sigwait(&sigs, &sig);
    log_info("received %s; stopping (grace %u s)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
             cfg.shutdown_grace_s);
    library_watch_free(watch);
    library_service_stop(scans);
    http_server_stop(server, cfg.shutdown_grace_s * 1000);
    code = APP_EXIT_OK;
out_router:
    http_router_free(router);
out_transcodes:
    api_transcodes_free(transcodes); /* waits for the workers; their pipes are cancelled */
    library_ladder_free(ladder);     /* abandons the song it is making */
    media_tcache_free(tcache);       /* after the workers and the ladder: they hold its fills */
    api_pages_free(pages);           /* after the server: its answers hold pages */
    if (code == APP_EXIT_OK)
        log_info("stopped");
out_cache:
    cache_kv_free(cache);
out_auth:
    api_auth_free(auth);
out_keys:
    auth_keys_wipe(&keys);
out_scans:
    library_service_free(scans);
out_redis:
    redis_client_close(redis);
out_db:
    db_close(db);
    library_names_free(ref_names);
    library_marks_free(offset_marks);
    return code;
}
