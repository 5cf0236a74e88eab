/*
 * cmd_scan.c - `swaz scan`. On a terminal one status line is redrawn in place (a bar,
 * files done/total, files/s, ETA once the total is known); otherwise a plain line is printed
 * every two seconds. SIGINT/SIGTERM stop the scan after the current file, keeping what was
 * written.
 */
#include "app/cmd_scan.h"

#include "app/app.h"
#include "app/app_progress.h"
#include "core/err.h"
#include "media/media_probe.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const char cmd_scan_usage[] =
    "usage: swaz scan [options]\n"
    "Scans the music folders once: new and changed files are read, removed ones marked "
    "missing.";

static atomic_bool scan_stop; /* signal flag */

static void scan_on_signal(int sig)
{
    (void)sig;
    atomic_store(&scan_stop, true);
}

typedef struct ScanView {
    bool tty;
    double started;
    double last_line;
} ScanView;

static double scan_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void scan_show_error(void *ctx, const char *path, int err)
{
    ScanView *v = ctx;
    fprintf(stderr, "%sskipped %s: %s\n", v->tty ? "\r\033[K" : "", path, err_str(err));
}

static void scan_show_progress(void *ctx, const LibraryScanStats *st)
{
    ScanView *v = ctx;
    double now = scan_now();
    double rate = now > v->started ? (double)st->seen / (now - v->started) : 0.0;
    /* `total` is 0 until the walk has counted the files: no bar and no ETA before that. */
    bool known = st->total > 0;
    char eta[32] = "";
    if (known && rate > 0.0) {
        int64_t left = st->total > st->seen ? st->total - st->seen : 0;
        app_progress_eta((double)left / rate, eta, sizeof(eta));
    }
    if (v->tty) {
        if (now - v->last_line < 0.1 && st->seen != st->total)
            return; /* redraw at most ten times a second */
        v->last_line = now;
        if (known) {
            char bar[40];
            app_progress_bar(st->seen, st->total, 30, bar, sizeof(bar));
            fprintf(stderr, "\r\033[K%s %lld/%lld files  %.0f files/s%s%s  %lld errors", bar,
                    (long long)st->seen, (long long)st->total, rate, *eta ? "  ETA " : "", eta,
                    (long long)st->errors);
        } else {
            fprintf(stderr, "\r\033[K%lld files  %.0f files/s  %lld new  %lld changed  %lld errors",
                    (long long)st->seen, rate, (long long)st->added, (long long)st->updated,
                    (long long)st->errors);
        }
    } else if (now - v->last_line >= 2.0) {
        if (known)
            fprintf(
                stderr,
                "scan: %lld/%lld files, %.0f files/s%s%s, %lld new, %lld changed, %lld errors\n",
                (long long)st->seen, (long long)st->total, rate, *eta ? ", ETA " : "", eta,
                (long long)st->added, (long long)st->updated, (long long)st->errors);
        else
            fprintf(stderr, "scan: %lld files, %.0f files/s, %lld new, %lld changed, %lld errors\n",
                    (long long)st->seen, rate, (long long)st->added, (long long)st->updated,
                    (long long)st->errors);
        v->last_line = now;
    }
}

int cmd_scan(int argc, char **argv, char **envp)
{
    Config cfg;
    ConfigArgs args;
    int r = app_config(&cfg, argc, argv, envp, NULL, cmd_scan_usage, &args);
    if (r != 0)
        return r > 0 ? APP_EXIT_OK : APP_EXIT_USAGE;
    if (cfg.n_music_dirs == 0) {
        fprintf(stderr, "swaz scan: no music folder configured (music_dirs / SWAZ_MUSIC_DIRS)\n");
        return APP_EXIT_USAGE;
    }
    media_init();
    Db *db;
    if (app_db_open(&cfg, &db, NULL) < 0)
        return APP_EXIT_FAIL;

    struct sigaction sa = {0};
    sa.sa_handler = scan_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    static LibraryFolder folders[LIMIT_MUSIC_DIRS];
    static char names[LIMIT_MUSIC_DIRS][LIMIT_PATH_BYTES];
    static char paths[LIMIT_MUSIC_DIRS][LIMIT_PATH_BYTES];
    size_t n = app_folders(&cfg, folders, names, paths);

    ScanView view = {isatty(STDERR_FILENO) == 1, scan_now(), scan_now()};
    LibraryScanObserver obs = {scan_show_error, scan_show_progress, &view};
    LibraryScanStats st;
    LibraryScanOptions opts = {cfg.artist_separators,
                               cfg.cover_priority,
                               cfg.scan_workers,
                               (int64_t)cfg.purge_after_s,
                               NULL,
                               0};
    r = library_scan(db, folders, n, &opts, &obs, &scan_stop, &st);
    double secs = scan_now() - view.started;
    fprintf(stderr,
            "%s%s: %lld files in %.1f s: %lld new, %lld changed, %lld unchanged, "
            "%lld missing, %lld errors\n",
            view.tty ? "\r\033[K" : "", r == -ECANCELED ? "scan cancelled" : "scan done",
            (long long)st.seen, secs, (long long)st.added, (long long)st.updated,
            (long long)st.unchanged, (long long)st.missing, (long long)st.errors);
    db_close(db);
    if (r < 0 && r != -ECANCELED) {
        fprintf(stderr, "swaz scan: %s\n", err_str(r));
        return APP_EXIT_FAIL;
    }
    return r == -ECANCELED ? APP_EXIT_FAIL : APP_EXIT_OK;
}
