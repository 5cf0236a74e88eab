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

static void *ladder_thread(void *arg)
{
    LibraryLadder *l = arg;
    char id[LIMIT_ID_BYTES + 1];
    pthread_mutex_lock(&l->mu);
    for (;;) {
        while (l->n == 0 && !atomic_load(&l->stop))
            pthread_cond_wait(&l->cv, &l->mu);
        if (atomic_load(&l->stop))
            break;
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
    if (pthread_cond_init(&l->cv, NULL) != 0)
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

void library_ladder_wait_idle(LibraryLadder *ladder)
{
    pthread_mutex_lock(&ladder->mu);
    while ((ladder->n > 0 || ladder->busy) && !atomic_load(&ladder->stop))
        pthread_cond_wait(&ladder->cv, &ladder->mu);
    pthread_mutex_unlock(&ladder->mu);
}
