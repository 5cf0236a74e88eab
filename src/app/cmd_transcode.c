/*
 * cmd_transcode.c - `swaz transcode --ladder`. The song ids are listed first (so the total is
 * known), then one worker per core (at most TRANSCODE_WORKERS_MAX) takes songs in turn and
 * makes their ladder; the main thread draws the progress. A running `swaz serve` on the same
 * data dir sees the files as they are finished. SIGINT/SIGTERM abandon the encodes in
 * progress (their temp files are removed) and exit 1.
 */
#include "app/cmd_transcode.h"

#include "app/app.h"
#include "app/app_progress.h"
#include "core/arena.h"
#include "core/err.h"
#include "library/library_ladder.h"
#include "library/library_playlist.h"
#include "media/media_probe.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TRANSCODE_WORKERS_MAX 8
#define TRANSCODE_LIST_ARENA  (4 * 1024 * 1024) /* one page of songs or entries */
#define TRANSCODE_SONG_ARENA  (1024 * 1024)     /* one song with its tags */

static const char cmd_transcode_usage[] =
    "usage: swaz transcode --ladder [--playlist ID] [options]\n"
    "Makes the transcode_ladder steps (default mp3 at 320, 128 and 64 kbps) of every song, or\n"
    "of the songs of playlist ID, into the transcode cache (<data_dir>/transcodes).";

static atomic_bool transcode_stop; /* signal flag */

static void transcode_on_signal(int sig)
{
    (void)sig;
    atomic_store(&transcode_stop, true);
}

typedef struct TranscodeIds {
    char **ids;
    size_t n, cap;
} TranscodeIds;

static int transcode_ids_add(TranscodeIds *l, const char *id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        char **p = realloc(l->ids, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        l->ids = p;
        l->cap = cap;
    }
    if (!(l->ids[l->n] = strdup(id)))
        return -ENOMEM;
    l->n++;
    return 0;
}

static void transcode_ids_free(TranscodeIds *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->ids[i]);
    free(l->ids);
}

/* Lists one page of the library's songs (playlist NULL) or of the playlist's entries into
 * `out`, moving the position on. Returns 1 when more follow, 0 at the end, or an error. */
static int transcode_list_page(DbConn *conn, const char *playlist, const char **cursor,
                               int64_t *position, TranscodeIds *out)
{
    Arena *arena = arena_new(TRANSCODE_LIST_ARENA);
    if (!arena)
        return -ENOMEM;
    int r;
    bool more = false;
    size_t n = 0;
    if (playlist) {
        PlaylistEntry *e;
        r = library_playlist_entries(conn, arena, playlist, *position, LIMIT_PAGE_MAX, &e, &n,
                                     &more);
        for (size_t i = 0; r == 0 && i < n; i++) {
            r = transcode_ids_add(out, e[i].song_id);
            *position = e[i].position;
        }
    } else {
        Song *songs;
        const char *next;
        r = library_song_list(conn, arena, *cursor, LIMIT_PAGE_MAX, &songs, &n, &next);
        for (size_t i = 0; r == 0 && i < n; i++)
            r = transcode_ids_add(out, songs[i].id);
        free((void *)*cursor);
        *cursor = NULL;
        if (r == 0 && next) {
            more = true;
            if (!(*cursor = strdup(next)))
                r = -ENOMEM;
        }
    }
    arena_free(arena);
    return r < 0 ? r : more;
}

/* Every song id of the library, or of playlist `playlist`, in order. */
static int transcode_list(Db *db, const char *playlist, TranscodeIds *out)
{
    DbConn *conn;
    int r = db_acquire(db, &conn);
    if (r < 0)
        return r;
    const char *cursor = NULL;
    int64_t position = -1;
    while ((r = transcode_list_page(conn, playlist, &cursor, &position, out)) == 1)
        ;
    free((void *)cursor);
    db_release(conn);
    return r;
}

typedef struct TranscodeRun {
    Db *db;
    MediaTcache *cache;
    LibraryLadderSpec spec;
    const TranscodeIds *ids;
    atomic_size_t next;  /* the next song to take */
    atomic_size_t done;  /* songs finished */
    atomic_uint running; /* workers still running */
    LibraryLadderCounts counts;
    bool tty;
} TranscodeRun;

static void transcode_song(TranscodeRun *run, const char *id)
{
    Arena *arena = arena_new(TRANSCODE_SONG_ARENA);
    if (!arena)
        return;
    DbConn *conn;
    Song song;
    const char *what = id;
    int r = db_acquire(run->db, &conn);
    if (r == 0) {
        r = library_song_get(conn, arena, id, &song);
        db_release(conn);
    }
    if (r == 0) {
        what = song.path;
        r = library_ladder_song(run->cache, &run->spec, &song, &transcode_stop, &run->counts);
    }
    if (r < 0 && r != -EPIPE)
        fprintf(stderr, "%s%s: %s\n", run->tty ? "\r\033[K" : "", what, err_str(r));
    arena_free(arena);
}

static void *transcode_worker(void *arg)
{
    TranscodeRun *run = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&run->next, 1);
        if (i >= run->ids->n || atomic_load(&transcode_stop))
            break;
        transcode_song(run, run->ids->ids[i]);
        atomic_fetch_add(&run->done, 1);
    }
    atomic_fetch_sub(&run->running, 1);
    return NULL;
}

static void transcode_show(TranscodeRun *run, AppProgress *p, bool final)
{
    if (!app_progress_due(p, final))
        return;
    size_t done = atomic_load(&run->done), total = run->ids->n;
    double secs = app_progress_now() - p->started;
    double rate = secs > 0 ? (double)done / secs : 0;
    char eta[32] = "", bar[40];
    if (rate > 0 && !final)
        app_progress_eta((double)(total - done) / rate, eta, sizeof(eta));
    app_progress_bar((int64_t)done, (int64_t)total, 30, bar, sizeof(bar));
    fprintf(stderr, "%s%s %zu/%zu songs, %ld encoded, %ld cached, %ld skipped, %ld failed%s%s%s",
            p->tty ? "\r\033[K" : "transcode: ", bar, done, total,
            atomic_load(&run->counts.encoded), atomic_load(&run->counts.cached),
            atomic_load(&run->counts.skipped), atomic_load(&run->counts.failed),
            *eta ? ", ETA " : "", eta, p->tty && !final ? "" : "\n");
}

/* Runs the workers over `ids` and draws the progress until they are done. */
static void transcode_run(TranscodeRun *run)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned n = cores < 1                       ? 1
                 : cores > TRANSCODE_WORKERS_MAX ? TRANSCODE_WORKERS_MAX
                                                 : (unsigned)cores;
    pthread_t th[TRANSCODE_WORKERS_MAX];
    unsigned started = 0;
    atomic_store(&run->running, n);
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&th[i], NULL, transcode_worker, run) != 0) {
            atomic_fetch_sub(&run->running, n - i);
            break;
        }
        started++;
    }
    if (started == 0)
        transcode_worker(run); /* no thread: do it here */
    AppProgress p;
    app_progress_init(&p);
    p.last = 0;
    while (atomic_load(&run->running) > 0) {
        transcode_show(run, &p, false);
        nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    transcode_show(run, &p, true);
}

int cmd_transcode(int argc, char **argv, char **envp)
{
    static const char *const switches[] = {"ladder", "playlist", NULL};
    Config cfg;
    ConfigArgs args;
    int r = app_config(&cfg, argc, argv, envp, switches, cmd_transcode_usage, &args);
    if (r != 0)
        return r > 0 ? APP_EXIT_OK : APP_EXIT_USAGE;
    bool playlist = args.switches[1];
    if (!args.switches[0] || args.n_positional != (playlist ? 1u : 0u)) {
        fprintf(stderr, "%s\n", cmd_transcode_usage);
        return APP_EXIT_USAGE;
    }
    if (cfg.transcode_cache_mb == 0) {
        fprintf(stderr, "swaz transcode: the transcode cache is off (transcode_cache_mb = 0)\n");
        return APP_EXIT_USAGE;
    }
    TranscodeRun run = {.tty = isatty(STDERR_FILENO) == 1};
    if (library_ladder_parse(cfg.transcode_ladder, &run.spec) < 0)
        return APP_EXIT_USAGE; /* config_load() has said why */
    media_init();
    int code = APP_EXIT_FAIL;
    if (app_db_open(&cfg, &run.db, NULL) < 0)
        goto out;
    if (app_tcache_open(&cfg, &run.cache) < 0)
        goto out_db;
    struct sigaction sa = {0};
    sa.sa_handler = transcode_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    TranscodeIds ids = {0};
    if ((r = transcode_list(run.db, playlist ? args.positional[0] : NULL, &ids)) < 0) {
        fprintf(stderr, "swaz transcode: cannot list the songs: %s\n", err_str(r));
        goto out_ids;
    }
    if (playlist && ids.n == 0) {
        fprintf(stderr, "swaz transcode: playlist %s has no songs (or does not exist)\n",
                args.positional[0]);
        goto out_ids;
    }
    run.ids = &ids;
    transcode_run(&run);
    if (atomic_load(&transcode_stop))
        fprintf(stderr, "swaz transcode: stopped; what was finished is kept\n");
    else if (atomic_load(&run.counts.failed) == 0)
        code = APP_EXIT_OK;

out_ids:
    transcode_ids_free(&ids);
    media_tcache_free(run.cache);
out_db:
    db_close(run.db);
out:
    return code;
}
