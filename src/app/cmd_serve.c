/*
 * cmd_serve.c - wires the subsystems together: configuration, database, Redis, router,
 * HTTP server, start-up scan; then waits for a signal and stops in reverse order.
 *
 * SIGTERM/SIGINT are blocked in every thread and taken with sigwait() on the main thread,
 * so no handler runs concurrently with anything.
 */
#include "app/cmd_serve.h"

#include "api/api.h"
#include "api/api_error.h"
#include "api/api_routes.h"
#include "app/app.h"
#include "auth/auth_password.h"
#include "core/err.h"
#include "core/log.h"
#include "http/http_server.h"
#include "media/media_probe.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static const char cmd_serve_usage[] = "usage: swaz serve [options]\n"
                                      "Serves the library over HTTP until SIGTERM or SIGINT.";

typedef struct ServeScan {
    Db *db;
    LibraryFolder folders[LIMIT_MUSIC_DIRS];
    char names[LIMIT_MUSIC_DIRS][LIMIT_PATH_BYTES];
    char paths[LIMIT_MUSIC_DIRS][LIMIT_PATH_BYTES];
    size_t n_folders;
    LibraryScanOptions opts;
    atomic_bool cancel;
} ServeScan;

static void serve_scan_error(void *ctx, const char *path, int err)
{
    (void)ctx;
    log_warn("scan: skipped %s: %s", path, err_str(err));
}

static void *serve_scan_main(void *arg)
{
    ServeScan *scan = arg;
    LibraryScanObserver obs = {serve_scan_error, NULL, NULL};
    LibraryScanStats st;
    log_info("scan: started on %zu music folder(s)", scan->n_folders);
    int r = library_scan(scan->db, scan->folders, scan->n_folders, &scan->opts, &obs, &scan->cancel,
                         &st);
    if (r < 0 && r != -ECANCELED)
        log_error("scan: failed: %s", err_str(r));
    log_info("scan: %s: %lld files, %lld added, %lld updated, %lld unchanged, %lld missing, "
             "%lld errors",
             r == -ECANCELED ? "cancelled" : "done", (long long)st.seen, (long long)st.added,
             (long long)st.updated, (long long)st.unchanged, (long long)st.missing,
             (long long)st.errors);
    return NULL;
}

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
    /* Each connection may hold a socket and a file; keep room for the database and logs. */
    rlim_t room = rl.rlim_cur > 256 ? (rl.rlim_cur - 128) / 2 : 64;
    if (wanted > room) {
        log_warn("max_connections lowered from %u to %llu by the open-files limit (%llu)", wanted,
                 (unsigned long long)room, (unsigned long long)rl.rlim_cur);
        return (unsigned)room;
    }
    return wanted;
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

    int code = APP_EXIT_FAIL;
    media_init();
    if (auth_init() < 0) {
        log_error("cannot initialise libsodium");
        return APP_EXIT_FAIL;
    }
    Db *db;
    if (app_db_open(&cfg, &db, NULL) < 0)
        return APP_EXIT_FAIL;

    RedisClient *redis = NULL;
    if (cfg.redis_url[0] && (r = redis_client_open(cfg.redis_url, &redis)) < 0) {
        log_error("cannot connect to Redis (REDIS_URL): %s", err_str(r));
        goto out_db;
    }

    ApiContext ctx = {db, cfg.data_dir, NULL, redis, SWAZ_VERSION, api_monotonic_ms()};
    size_t n_routes;
    const HttpRoute *routes = api_routes(&n_routes);
    HttpRouter *router;
    if ((r = http_router_new(routes, n_routes, &router)) < 0) {
        log_error("bad route table: %s", err_str(r));
        goto out_redis;
    }

    HttpServerConfig hc = {
        .address = cfg.listen_host,
        .port = cfg.listen_port,
        .threads = cfg.threads,
        .max_connections = serve_fd_budget(cfg.max_connections),
        .per_ip_connections = cfg.per_ip_connections,
        .timeout_s = cfg.timeout_s,
        .router = router,
        .app = &ctx,
        .error_page = api_error_page,
    };
    HttpServer *server;
    if ((r = http_server_start(&hc, &server)) < 0) {
        log_error("cannot listen on %s port %u: %s", cfg.listen_host, cfg.listen_port, err_str(r));
        goto out_router;
    }
    bool v6 = strchr(cfg.listen_host, ':') != NULL;
    log_info("swaz %s serving on http://%s%s%s:%u with %s (%u threads)", SWAZ_VERSION,
             v6 ? "[" : "", cfg.listen_host, v6 ? "]" : "", http_server_port(server),
             db_describe(db), cfg.threads);

    ServeScan *scan = NULL;
    pthread_t scan_thread;
    if (cfg.scan_on_start && cfg.n_music_dirs) {
        scan = calloc(1, sizeof(*scan));
        if (scan) {
            scan->db = db;
            scan->n_folders = app_folders(&cfg, scan->folders, scan->names, scan->paths);
            scan->opts = (LibraryScanOptions){cfg.artist_separators,
                                              cfg.cover_priority,
                                              cfg.scan_workers,
                                              (int64_t)cfg.purge_after_s,
                                              NULL,
                                              0};
            if (pthread_create(&scan_thread, NULL, serve_scan_main, scan) != 0) {
                log_error("cannot start the scan thread");
                free(scan);
                scan = NULL;
            }
        }
    }

    int sig = 0;
    sigwait(&sigs, &sig);
    log_info("received %s; stopping (grace %u s)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
             cfg.shutdown_grace_s);
    if (scan)
        atomic_store(&scan->cancel, true);
    http_server_stop(server, cfg.shutdown_grace_s * 1000);
    if (scan) {
        pthread_join(scan_thread, NULL);
        free(scan);
    }
    log_info("stopped");
    code = APP_EXIT_OK;
out_router:
    http_router_free(router);
out_redis:
    redis_client_close(redis);
out_db:
    db_close(db);
    return code;
}
