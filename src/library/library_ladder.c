/*
 * library_ladder.c - ladder parsing, one song's steps, and the background ladder thread.
 *
 * A step is made only when a stream asking for it would transcode (the same rule as the
 * stream handler: another format, or a bitrate below the original's), under the same cache
 * key (song id, format, clamped kbps, source version), so the stream finds it. The ladder is
 * a follower of its own fill while it encodes, so a listener may join it; it never waits
 * for a fill someone else is making. The background thread logs what fails: it is an edge.
 */
#include "library/library_ladder.h"

#include "core/arena.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LADDER_STEP_BYTES 32

int library_ladder_parse(const char *text, LibraryLadderSpec *ret_spec)
{
    LibraryLadderSpec spec = {.n = 0};
    const char *p = text ? text : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char step[LADDER_STEP_BYTES];
        if (len == 0 || len >= sizeof(step))
            return -EINVAL;
        memcpy(step, p, len);
        step[len] = '\0';
        char *colon = strchr(step, ':');
        int64_t kbps = 0;
        if (colon) {
            *colon = '\0';
            if (str_to_int64(colon + 1, 1, 100000, &kbps) < 0)
                return -EINVAL;
        }
        MediaTranscodeFormat f;
        if (media_transcode_format_parse(step, &f) < 0)
            return -EINVAL;
        if (spec.n == LIMIT_LADDER_STEPS)
            return ERR_LIMIT;
        spec.steps[spec.n].format = f;
        spec.steps[spec.n].kbps = media_transcode_clamp_kbps(f, (int)kbps);
        spec.n++;
        p += len;
        if (*p == ',' && *++p == '\0')
            return -EINVAL; /* a trailing comma */
    }
    if (spec.n == 0)
        return -EINVAL;
    *ret_spec = spec;
    return 0;
}

bool library_ladder_is_original(const Song *song, const char *format)
{
    if (strcmp(format, song->format) != 0)
        return false;
    return strcmp(format, "m4a") != 0 || strcmp(song->codec, "aac") == 0; /* not ALAC */
}

/* Makes one step. Returns 0 or the encode's error. */
static int ladder_step(MediaTcache *cache, const Song *song, const LibraryLadderStep *step,
                       const atomic_bool *stop, LibraryLadderCounts *counts)
{
    const char *name = media_transcode_format_name(step->format);
    if (library_ladder_is_original(song, name) &&
        (step->kbps == 0 || step->kbps >= song->bitrate)) {
        atomic_fetch_add(&counts->skipped, 1);
        return 0;
    }
    MediaTcacheKey key = {song->id, song->full_path, step->format, step->kbps};
    MediaTcacheResult res;
    int fd;
    MediaTcacheFill *fill;
    int r = media_tcache_acquire(cache, &key, &res, &fd, &fill);
    if (r == -EINVAL) {
        atomic_fetch_add(&counts->skipped, 1); /* an id the cache cannot name */
        return 0;
    }
    if (r < 0) {
        atomic_fetch_add(&counts->failed, 1);
        return r;
    }
    close(fd); /* the ladder reads nothing back */
    if (res != MEDIA_TCACHE_MISS) {
        media_tcache_fill_leave(fill);
        atomic_fetch_add(&counts->cached, 1);
        return 0;
    }
    MediaTranscodeOptions opts = {.format = step->format, .bitrate_kbps = step->kbps};
    r = media_tcache_fill_encode(fill, song->full_path, &opts, stop);
    media_tcache_fill_leave(fill);
    if (r == 0 || r == -EFBIG)
        atomic_fetch_add(&counts->encoded, 1);
    else if (r != -EPIPE)
        atomic_fetch_add(&counts->failed, 1);
    return r == -EFBIG ? 0 : r;
}

int library_ladder_song(MediaTcache *cache, const LibraryLadderSpec *spec, const Song *song,
                        const atomic_bool *stop, LibraryLadderCounts *counts)
{
    int rc = 0;
    for (size_t i = 0; i < spec->n; i++) {
        if (stop && atomic_load(stop))
            return -EPIPE;
        int r = ladder_step(cache, song, &spec->steps[i], stop, counts);
        if (r == -EPIPE)
            return r;
        if (r < 0)
            rc = r;
    }
    return rc;
}

/* ---- the background ladder ---- */

/* A stored file whose song the scanner has not added yet. */
typedef struct LadderPending {
    char *root;       /* the library folder (owned) */
    char *path;       /* the file, relative to root (owned) */
    int64_t due_ms;   /* CLOCK_MONOTONIC time of the next lookup */
    int64_t until_ms; /* given up after this */
} LadderPending;

struct LibraryLadder {
    Db *db;
    MediaTcache *cache;
    LibraryLadderSpec spec;
    LibraryLadderCounts counts;
    atomic_bool stop;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled on a new id, on stop, and when idle */
    size_t head, n;    /* guarded by mu: the ring of queued ids */
    bool busy;         /* guarded by mu: a song is being made */
    char queue[LIMIT_LADDER_QUEUE][LIMIT_ID_BYTES + 1]; /* guarded by mu */
    LadderPending pending[LIMIT_LADDER_PENDING];        /* guarded by mu: files to look up */
    size_t n_pending;                                   /* guarded by mu */
};

/* Makes the ladder of one queued song. */
static void ladder_one(LibraryLadder *l, const char *id)
{
    Arena *arena = arena_new(LIMIT_HTTP_ARENA_BYTES);
    if (!arena) {
        log_error("ladder: song %s: out of memory", id);
        return;
    }
    DbConn *conn;
    Song song;
    int r = db_acquire(l->db, &conn);
    if (r == 0) {
        r = library_song_get(conn, arena, id, &song);
        db_release(conn);
    }
    if (r == 0)
        r = library_ladder_song(l->cache, &l->spec, &song, &l->stop, &l->counts);
    if (r < 0 && r != -EPIPE)
        log_warn("ladder: song %s: %s", id, err_str(r));
    arena_free(arena);
}

static int64_t ladder_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Looks up the song of file `path` in library folder `root`. Returns 1 with its id in
 * `id`, 0 when the scanner has not added it (yet), or a negative error. */
static int ladder_song_of(LibraryLadder *l, const char *root, const char *path,
                          char id[LIMIT_ID_BYTES + 1])
{
    DbConn *conn;
    int r = db_acquire(l->db, &conn);
    if (r < 0)
        return r;
    DbStmt *st;
    r = db_prepare(conn,
                   "SELECT s.id FROM songs s JOIN libraries l ON l.id = s.library_id"
                   " WHERE l.path = ? AND s.path = ? AND s.missing = 0",
                   &st);
    if (r == 0) {
        if ((r = db_bind_text(st, 1, root)) == 0 && (r = db_bind_text(st, 2, path)) == 0 &&
            (r = db_step(st)) == DB_ROW) {
            const char *found = db_column_text(st, 0);
            r = found && str_copy(id, found, LIMIT_ID_BYTES + 1) <= LIMIT_ID_BYTES;
        } else if (r >= 0) {
            r = 0;
        }
        db_finalize(st);
    }
    db_release(conn);
    return r;
}

/* Called with mu held: moves every due pending file whose song now exists to the queue
 * (dropping those past their time), unlocking around the lookups. Returns the earliest due
 * time left, or 0 when none waits. */
static int64_t ladder_pending_due(LibraryLadder *l)
{
    int64_t now = ladder_now_ms(), next = 0;
    for (size_t i = 0; i < l->n_pending && !atomic_load(&l->stop);) {
        LadderPending pd = l->pending[i];
        if (pd.due_ms > now) {
            next = next == 0 || pd.due_ms < next ? pd.due_ms : next;
            i++;
            continue;
        }
        l->pending[i] = l->pending[--l->n_pending]; /* taken out while it is looked up */
        l->busy = true;
        pthread_mutex_unlock(&l->mu);
        char id[LIMIT_ID_BYTES + 1];
        int r = ladder_song_of(l, pd.root, pd.path, id);
        if (r == 1)
            ladder_one(l, id);
        else if (r < 0)
            log_warn("ladder: %s/%s: %s", pd.root, pd.path, err_str(r));
        else if (now >= pd.until_ms)
            log_warn("ladder: %s/%s: no song after %d s; not pre-transcoded", pd.root, pd.path,
                     LIMIT_LADDER_PENDING_S);
        pthread_mutex_lock(&l->mu);
        l->busy = false;
        if (r == 0 && now < pd.until_ms && l->n_pending < LIMIT_LADDER_PENDING) {
            pd.due_ms = ladder_now_ms() + 1000;
            l->pending[l->n_pending++] = pd; /* looked at again; i now names another entry */
            next = next == 0 || pd.due_ms < next ? pd.due_ms : next;
        } else {
            free(pd.root);
            free(pd.path);
        }
        pthread_cond_broadcast(&l->cv);
        now = ladder_now_ms();
    }
    return next;
}

static void *ladder_thread(void *arg)
{
    LibraryLadder *l = arg;
    char id[LIMIT_ID_BYTES + 1];
    pthread_mutex_lock(&l->mu);
    for (;;) {
        int64_t due = l->n_pending ? ladder_pending_due(l) : 0;
        while (l->n == 0 && !atomic_load(&l->stop)) {
            if (due == 0) {
                pthread_cond_wait(&l->cv, &l->mu);
            } else {
                struct timespec ts = {(time_t)(due / 1000), (long)(due % 1000) * 1000000L};
                if (pthread_cond_timedwait(&l->cv, &l->mu, &ts) == ETIMEDOUT)
                    break;
            }
            if (l->n_pending)
                due = ladder_pending_due(l);
        }
        if (atomic_load(&l->stop))
            break;
        if (l->n == 0)
            continue;
        memcpy(id, l->queue[l->head], sizeof(id));
        l->head = (l->head + 1) % LIMIT_LADDER_QUEUE;
        l->n--;
        l->busy = true;
        pthread_mutex_unlock(&l->mu);
        ladder_one(l, id);
        pthread_mutex_lock(&l->mu);
        l->busy = false;
        pthread_cond_broadcast(&l->cv);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

int library_ladder_new(Db *db, MediaTcache *cache, const LibraryLadderSpec *spec,
                       LibraryLadder **ret_ladder)
{
    int rc = -ENOMEM;
    LibraryLadder *l = calloc(1, sizeof(*l));
    if (!l)
        goto out;
    l->db = db;
    l->cache = cache;
    l->spec = *spec;
    if (pthread_mutex_init(&l->mu, NULL) != 0)
        goto out_free;
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        goto out_mutex;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* the pending lookups' timed waits */
    int ce = pthread_cond_init(&l->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (ce != 0)
        goto out_mutex;
    int e = pthread_create(&l->thread, NULL, ladder_thread, l);
    if (e != 0) {
        rc = -e;
        goto out_cond;
    }
    *ret_ladder = l;
    return 0;

out_cond:
    pthread_cond_destroy(&l->cv);
out_mutex:
    pthread_mutex_destroy(&l->mu);
out_free:
    free(l);
out:
    return rc;
}

void library_ladder_free(LibraryLadder *ladder)
{
    if (!ladder)
        return;
    pthread_mutex_lock(&ladder->mu);
    atomic_store(&ladder->stop, true);
    pthread_cond_broadcast(&ladder->cv);
    pthread_mutex_unlock(&ladder->mu);
    pthread_join(ladder->thread, NULL);
    for (size_t i = 0; i < ladder->n_pending; i++) {
        free(ladder->pending[i].root);
        free(ladder->pending[i].path);
    }
    pthread_cond_destroy(&ladder->cv);
    pthread_mutex_destroy(&ladder->mu);
    free(ladder);
}

int library_ladder_pretranscode_song(LibraryLadder *ladder, const char *song_id)
{
    size_t len = song_id ? strlen(song_id) : 0;
    if (len == 0 || len > LIMIT_ID_BYTES)
        return -EINVAL;
    int rc = ERR_LIMIT;
    pthread_mutex_lock(&ladder->mu);
    if (ladder->n < LIMIT_LADDER_QUEUE) {
        size_t tail = (ladder->head + ladder->n) % LIMIT_LADDER_QUEUE;
        memcpy(ladder->queue[tail], song_id, len + 1);
        ladder->n++;
        pthread_cond_broadcast(&ladder->cv);
        rc = 0;
    }
    pthread_mutex_unlock(&ladder->mu);
    return rc;
}

int library_ladder_pretranscode_path(LibraryLadder *ladder, const char *root, const char *path)
{
    if (!root || !*root || !path || !*path || strlen(root) >= LIMIT_PATH_BYTES ||
        strlen(path) >= LIMIT_PATH_BYTES)
        return -EINVAL;
    char *r_copy = strdup(root), *p_copy = strdup(path);
    if (!r_copy || !p_copy) {
        free(r_copy);
        free(p_copy);
        return -ENOMEM;
    }
    int64_t now = ladder_now_ms();
    int rc = ERR_LIMIT;
    pthread_mutex_lock(&ladder->mu);
    if (ladder->n_pending < LIMIT_LADDER_PENDING) {
        ladder->pending[ladder->n_pending++] = (LadderPending){
            r_copy, p_copy, now + 500, now + (int64_t)LIMIT_LADDER_PENDING_S * 1000};
        pthread_cond_broadcast(&ladder->cv);
        rc = 0;
    }
    pthread_mutex_unlock(&ladder->mu);
    if (rc < 0) {
        free(r_copy);
        free(p_copy);
    }
    return rc;
}

void library_ladder_wait_idle(LibraryLadder *ladder)
{
    pthread_mutex_lock(&ladder->mu);
    while ((ladder->n > 0 || ladder->n_pending > 0 || ladder->busy) && !atomic_load(&ladder->stop))
        pthread_cond_wait(&ladder->cv, &ladder->mu);
    pthread_mutex_unlock(&ladder->mu);
}
