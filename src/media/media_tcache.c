/*
 * media_tcache.c - the transcode cache's index, its running fills and LRU eviction.
 *
 * The index is an array of finished files with a use counter (the least recently used goes
 * first) and a hash table from name to position (open addressing, linear probing, at most
 * half full, deletion by backward shift), so a lookup costs the same with 10 files or
 * 100,000; the running fills are a list. Both, and every fill's counters, are guarded by
 * MediaTcache.mu; fills wait on their own condition variable with that mutex. Disk writes
 * happen outside the lock. After a restart the order of use is rebuilt from the files'
 * mtimes (the time they were written): hits are not written to disk, so that a file's
 * ETag stays stable for Range and If-Range.
 */
#include "media/media_tcache.h"

#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/metrics.h"
#include "core/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define TCACHE_ID_MAX 64
/* "<id>-<fmt>-<kbps>k-<size>-<mtime ns>.<ext>" fits. */
#define TCACHE_NAME_BYTES MEDIA_TCACHE_NAME_BYTES
#define TCACHE_TMP_SUFFIX ".tmp"

typedef struct TcacheEntry {
    char name[TCACHE_NAME_BYTES];
    uint64_t size;
    uint64_t used; /* MediaTcache.tick at the last use */
} TcacheEntry;

typedef enum { FILL_RUNNING, FILL_DONE, FILL_FAILED } FillState;

struct MediaTcacheFill {
    MediaTcache *cache;
    char name[TCACHE_NAME_BYTES];
    char *tmp_path; /* owned */
    int fd;         /* the writer's descriptor */
    pthread_cond_t cv;
    uint64_t written;      /* guarded by cache->mu */
    FillState state;       /* guarded by cache->mu */
    int err;               /* guarded by cache->mu: the writer's error when FILL_FAILED */
    unsigned followers;    /* guarded by cache->mu */
    unsigned refs;         /* guarded by cache->mu: writer + followers */
    MediaTcacheFill *next; /* guarded by cache->mu: the running list */
};

struct MediaTcache {
    pthread_mutex_t mu;
    char *dir;
    uint64_t max_bytes;
    uint64_t bytes;         /* guarded by mu */
    uint64_t tick;          /* guarded by mu */
    uint64_t tmp_seq;       /* guarded by mu */
    TcacheEntry *entries;   /* guarded by mu */
    size_t n, cap;          /* guarded by mu */
    size_t *slots;          /* guarded by mu: entry position + 1, 0 = empty */
    size_t n_slots;         /* guarded by mu: a power of two */
    MediaTcacheFill *fills; /* guarded by mu: running encodes */
};

/* Writes the file name of `key` into `name`. Returns 0, -EINVAL or a negative errno. */
static int tcache_name(const MediaTcacheKey *key, char name[TCACHE_NAME_BYTES])
{
    if (!str_is_base64url(key->song_id, 1, TCACHE_ID_MAX))
        return -EINVAL;
    struct stat st;
    if (stat(key->source_path, &st) < 0)
        return -errno;
    int k = snprintf(name, TCACHE_NAME_BYTES, "%s-%s-%dk-%lld-%lld%09ld.%s", key->song_id,
                     media_transcode_format_name(key->format), key->bitrate_kbps,
                     (long long)st.st_size, (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec,
                     media_transcode_format_name(key->format));
    return k > 0 && k < TCACHE_NAME_BYTES ? 0 : -EINVAL;
}

int media_tcache_name(const MediaTcacheKey *key, char name[MEDIA_TCACHE_NAME_BYTES])
{
    return tcache_name(key, name);
}

static char *tcache_path(const MediaTcache *c, const char *name)
{
    size_t len = strlen(c->dir) + 1 + strlen(name) + 1;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%s/%s", c->dir, name);
    return p;
}

static void tcache_gauges(const MediaTcache *c)
{
    metrics_set(METRICS_TCACHE_BYTES, (int64_t)c->bytes);
    metrics_set(METRICS_TCACHE_FILES, (int64_t)c->n);
}

/* FNV-1a of `s`, masked to the table. */
static size_t tcache_home(const MediaTcache *c, const char *s)
{
    uint64_t h = 14695981039346656037ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h & (c->n_slots - 1);
}

static void tcache_slot_put(MediaTcache *c, size_t pos)
{
    size_t m = c->n_slots - 1, h = tcache_home(c, c->entries[pos].name);
    while (c->slots[h])
        h = (h + 1) & m;
    c->slots[h] = pos + 1;
}

/* Makes the table hold `want` entries at most half full and puts every entry in it. Returns 0
 * or -ENOMEM (the old table is kept). */
static int tcache_slots_rebuild(MediaTcache *c, size_t want)
{
    size_t n = 128;
    while (n < want * 2)
        n *= 2;
    size_t *slots = calloc(n, sizeof(*slots));
    if (!slots)
        return -ENOMEM;
    free(c->slots);
    c->slots = slots;
    c->n_slots = n;
    for (size_t i = 0; i < c->n; i++)
        tcache_slot_put(c, i);
    return 0;
}

/* The slot holding position `pos`, whose entry is named `name`. */
static size_t tcache_slot_of(const MediaTcache *c, const char *name, size_t pos)
{
    size_t m = c->n_slots - 1, h = tcache_home(c, name);
    while (c->slots[h] != pos + 1)
        h = (h + 1) & m;
    return h;
}

static TcacheEntry *tcache_find(MediaTcache *c, const char *name)
{
    if (!c->n_slots)
        return NULL;
    size_t m = c->n_slots - 1;
    for (size_t h = tcache_home(c, name); c->slots[h]; h = (h + 1) & m) {
        TcacheEntry *e = &c->entries[c->slots[h] - 1];
        if (strcmp(e->name, name) == 0)
            return e;
    }
    return NULL;
}

/* Empties slot `i` and shifts back the entries after it that probed past it. */
static void tcache_slot_delete(MediaTcache *c, size_t i)
{
    size_t m = c->n_slots - 1;
    for (size_t j = (i + 1) & m; c->slots[j]; j = (j + 1) & m) {
        size_t home = tcache_home(c, c->entries[c->slots[j] - 1].name);
        /* j's entry may move to i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            c->slots[i] = c->slots[j];
            i = j;
        }
    }
    c->slots[i] = 0;
}

/* Removes entry `i` from the index only. Called with mu held. */
static void tcache_forget(MediaTcache *c, size_t i)
{
    c->bytes -= c->entries[i].size;
    tcache_slot_delete(c, tcache_slot_of(c, c->entries[i].name, i));
    size_t last = c->n - 1;
    if (i != last) {
        c->slots[tcache_slot_of(c, c->entries[last].name, last)] = i + 1;
        c->entries[i] = c->entries[last];
    }
    c->n--;
}

/* Removes entry `i` and its file. Called with mu held. */
static void tcache_drop(MediaTcache *c, size_t i)
{
    char *path = tcache_path(c, c->entries[i].name);
    if (path)
        unlink(path);
    free(path);
    tcache_forget(c, i);
}

/* Evicts least recently used files until at most `max_bytes` and LIMIT_TCACHE_FILES
 * remain (minus `room` files). Called with mu held. */
static void tcache_evict(MediaTcache *c, size_t room)
{
    while (c->n > 0 && (c->bytes > c->max_bytes || c->n + room > LIMIT_TCACHE_FILES)) {
        size_t lru = 0;
        for (size_t i = 1; i < c->n; i++)
            if (c->entries[i].used < c->entries[lru].used)
                lru = i;
        tcache_drop(c, lru);
        metrics_inc(METRICS_TCACHE_EVICTIONS);
    }
    tcache_gauges(c);
}

/* Adds a finished file. Called with mu held. Returns 0 or -ENOMEM. */
static int tcache_add(MediaTcache *c, const char *name, uint64_t size, uint64_t used)
{
    if ((c->n + 1) * 2 > c->n_slots && tcache_slots_rebuild(c, c->n + 1) < 0)
        return -ENOMEM;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        TcacheEntry *e = realloc(c->entries, cap * sizeof(*e));
        if (!e)
            return -ENOMEM;
        c->entries = e;
        c->cap = cap;
    }
    TcacheEntry *e = &c->entries[c->n++];
    snprintf(e->name, sizeof(e->name), "%s", name);
    e->size = size;
    e->used = used;
    c->bytes += size;
    tcache_slot_put(c, c->n - 1);
    return 0;
}

static bool tcache_is_tmp(const char *name)
{
    size_t n = strlen(name), s = strlen(TCACHE_TMP_SUFFIX);
    return n >= s && strcmp(name + n - s, TCACHE_TMP_SUFFIX) == 0;
}

/* True when the temp file `name` ("<final>.<pid>.<n>.tmp") belongs to another process of
 * this machine that still runs (e.g. `swaz transcode` beside `swaz serve`): it is kept. */
static bool tcache_tmp_in_use(const char *name)
{
    const char *end = name + strlen(name) - strlen(TCACHE_TMP_SUFFIX);
    const char *seq = end;
    while (seq > name && seq[-1] != '.')
        seq--;
    if (seq <= name + 1)
        return false;
    const char *p = seq - 1;
    while (p > name && p[-1] != '.')
        p--;
    long pid = 0;
    for (const char *c = p; c < seq - 1; c++) {
        if (*c < '0' || *c > '9' || pid > 100000000L)
            return false;
        pid = pid * 10 + (*c - '0');
    }
    if (pid <= 0 || pid == (long)getpid())
        return false;
    return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

static int tcache_by_mtime(const void *a, const void *b)
{
    const TcacheEntry *x = a, *y = b;
    return x->used < y->used ? -1 : x->used > y->used;
}

/* Indexes the files already in the folder; removes temp files and strays. */
static int tcache_load(MediaTcache *c)
{
    DIR *d = opendir(c->dir);
    if (!d)
        return -errno;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (tcache_is_tmp(de->d_name) && tcache_tmp_in_use(de->d_name))
            continue;
        if (tcache_is_tmp(de->d_name) || strlen(de->d_name) >= TCACHE_NAME_BYTES) {
            unlinkat(dirfd(d), de->d_name, 0); /* a crashed encode, never served */
            continue;
        }
        uint64_t when = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
        if ((rc = tcache_add(c, de->d_name, (uint64_t)st.st_size, when)) < 0)
            break;
    }
    closedir(d);
    if (rc < 0)
        return rc;
    /* Oldest first, then ticks in that order. */
    if (c->n > 1)
        qsort(c->entries, c->n, sizeof(c->entries[0]), tcache_by_mtime);
    for (size_t i = 0; i < c->n; i++)
        c->entries[i].used = ++c->tick;
    return tcache_slots_rebuild(c, c->n); /* positions moved with the sort */
}

int media_tcache_new(const char *dir, uint64_t max_bytes, MediaTcache **ret_cache)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -errno;
    int rc = -ENOMEM;
    MediaTcache *c = calloc(1, sizeof(*c));
    if (!c)
        goto out;
    c->dir = strdup(dir);
    if (!c->dir)
        goto out_free;
    c->max_bytes = max_bytes;
    if (pthread_mutex_init(&c->mu, NULL) != 0)
        goto out_free_dir;
    if ((rc = tcache_load(c)) < 0)
        goto out_destroy;
    tcache_evict(c, 0);
    *ret_cache = c;
    return 0;

out_destroy:
    pthread_mutex_destroy(&c->mu);
out_free_dir:
    free(c->slots);
    free(c->entries);
    free(c->dir);
out_free:
    free(c);
out:
    return rc;
}

void media_tcache_free(MediaTcache *cache)
{
    if (!cache)
        return;
    pthread_mutex_destroy(&cache->mu);
    free(cache->slots);
    free(cache->entries);
    free(cache->dir);
    free(cache);
}

/* Indexes the finished file `name` that another process (`swaz transcode`) put in the
 * folder, open as `fd`. Called with mu held. */
static void tcache_adopt(MediaTcache *c, const char *name, int fd)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        tcache_add(c, name, (uint64_t)st.st_size, ++c->tick) == 0)
        tcache_evict(c, 0);
}

/* Opens the finished file `name` and marks it used. Called with mu held. Returns the
 * descriptor, or -ENOENT. */
static int tcache_open_locked(MediaTcache *c, const char *name)
{
    TcacheEntry *e = tcache_find(c, name);
    char *path = tcache_path(c, name);
    if (!path)
        return -ENOMEM;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    free(path);
    if (fd < 0) {
        if (e) {
            tcache_drop(c, (size_t)(e - c->entries)); /* removed behind our back */
            tcache_gauges(c);
        }
        return -ENOENT;
    }
    if (e)
        e->used = ++c->tick;
    else
        tcache_adopt(c, name, fd);
    return fd;
}

int media_tcache_open(MediaTcache *cache, const MediaTcacheKey *key, int *ret_fd)
{
    char name[TCACHE_NAME_BYTES];
    int r = tcache_name(key, name);
    if (r < 0)
        return r;
    pthread_mutex_lock(&cache->mu);
    int fd = tcache_open_locked(cache, name);
    pthread_mutex_unlock(&cache->mu);
    if (fd < 0)
        return fd;
    metrics_inc(METRICS_TCACHE_HITS);
    *ret_fd = fd;
    return 0;
}

static void tcache_fill_free(MediaTcacheFill *f)
{
    pthread_cond_destroy(&f->cv);
    free(f->tmp_path);
    free(f);
}

/* Creates the fill and its temp file for `name`, unless the disk is nearly full (-ENOSPC:
 * the caller streams without the cache). Called with mu held. */
static int tcache_fill_new(MediaTcache *c, const char *name, MediaTcacheFill **ret_fill)
{
    struct statvfs vfs;
    if (statvfs(c->dir, &vfs) == 0 &&
        (uint64_t)vfs.f_bavail * vfs.f_frsize < (uint64_t)LIMIT_TCACHE_MIN_FREE_MB * 1024 * 1024)
        return -ENOSPC;
    int rc = -ENOMEM;
    MediaTcacheFill *f = calloc(1, sizeof(*f));
    if (!f)
        goto out;
    char tmp[TCACHE_NAME_BYTES + 64];
    snprintf(tmp, sizeof(tmp), "%s.%ld.%llu%s", name, (long)getpid(),
             (unsigned long long)++c->tmp_seq, TCACHE_TMP_SUFFIX);
    f->tmp_path = tcache_path(c, tmp);
    if (!f->tmp_path)
        goto out_free;
    if (pthread_cond_init(&f->cv, NULL) != 0)
        goto out_free_path;
    f->fd = open(f->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
    if (f->fd < 0) {
        rc = -errno;
        goto out_destroy;
    }
    f->cache = c;
    snprintf(f->name, sizeof(f->name), "%s", name);
    f->state = FILL_RUNNING;
    *ret_fill = f;
    return 0;

out_destroy:
    pthread_cond_destroy(&f->cv);
out_free_path:
    free(f->tmp_path);
out_free:
    free(f);
out:
    return rc;
}

int media_tcache_peek(MediaTcache *cache, const MediaTcacheKey *key, int *ret_fd,
                      uint64_t *ret_written)
{
    char name[TCACHE_NAME_BYTES];
    int r = tcache_name(key, name);
    if (r < 0)
        return r;
    if (key->format == MEDIA_TRANSCODE_FLAC)
        return -ENOENT;
    pthread_mutex_lock(&cache->mu);
    MediaTcacheFill *f = cache->fills;
    while (f && strcmp(f->name, name) != 0)
        f = f->next;
    int fd = -ENOENT;
    uint64_t written = 0;
    if (f) {
        fd = open(f->tmp_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        fd = fd < 0 ? -errno : fd;
        written = f->written;
    }
    pthread_mutex_unlock(&cache->mu);
    if (fd < 0)
        return fd;
    *ret_fd = fd;
    *ret_written = written;
    return 0;
}

int media_tcache_acquire(MediaTcache *cache, const MediaTcacheKey *key,
                         MediaTcacheResult *ret_result, int *ret_fd, MediaTcacheFill **ret_fill)
{
    char name[TCACHE_NAME_BYTES];
    int r = tcache_name(key, name);
    if (r < 0)
        return r;
    pthread_mutex_lock(&cache->mu);
    int fd = tcache_open_locked(cache, name);
    if (fd >= 0) {
        pthread_mutex_unlock(&cache->mu);
        metrics_inc(METRICS_TCACHE_HITS);
        *ret_result = MEDIA_TCACHE_HIT;
        *ret_fd = fd;
        *ret_fill = NULL;
        return 0;
    }
    MediaTcacheFill *f = cache->fills;
    while (f && strcmp(f->name, name) != 0)
        f = f->next;
    MediaTcacheResult result = MEDIA_TCACHE_JOIN;
    if (!f) {
        if ((r = tcache_fill_new(cache, name, &f)) < 0)
            goto out_unlock;
        result = MEDIA_TCACHE_MISS;
    }
    fd = open(f->tmp_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        r = -errno;
        if (result == MEDIA_TCACHE_MISS) {
            close(f->fd);
            unlink(f->tmp_path);
            tcache_fill_free(f);
        }
        goto out_unlock;
    }
    if (result == MEDIA_TCACHE_MISS) {
        f->next = cache->fills;
        cache->fills = f;
        f->refs = 1; /* the writer */
    }
    f->followers++;
    f->refs++;
    pthread_mutex_unlock(&cache->mu);
    metrics_inc(result == MEDIA_TCACHE_MISS ? METRICS_TCACHE_MISSES : METRICS_TCACHE_JOINS);
    *ret_result = result;
    *ret_fd = fd;
    *ret_fill = f;
    return 0;

out_unlock:
    pthread_mutex_unlock(&cache->mu);
    return r;
}

int media_tcache_fill_write(MediaTcacheFill *fill, const uint8_t *buf, size_t len)
{
    int r = file_write_all(fill->fd, buf, len);
    if (r < 0)
        return r;
    metrics_add(METRICS_TCACHE_WRITTEN_BYTES, (int64_t)len);
    pthread_mutex_lock(&fill->cache->mu);
    fill->written += len;
    pthread_cond_broadcast(&fill->cv);
    pthread_mutex_unlock(&fill->cache->mu);
    return 0;
}

unsigned media_tcache_fill_followers(MediaTcacheFill *fill)
{
    pthread_mutex_lock(&fill->cache->mu);
    unsigned n = fill->followers;
    pthread_mutex_unlock(&fill->cache->mu);
    return n;
}

/* Drops one reference. Called with mu held; returns true when the caller must free. */
static bool tcache_fill_unref(MediaTcacheFill *f)
{
    return --f->refs == 0;
}

typedef struct TcacheSink {
    MediaTcacheFill *fill;
    const atomic_bool *stop;
    int err; /* a write error, kept apart from the sink's -EPIPE */
} TcacheSink;

static int tcache_sink(void *ctx, const uint8_t *buf, size_t len)
{
    TcacheSink *s = ctx;
    if ((s->stop && atomic_load(s->stop)) || media_tcache_fill_followers(s->fill) == 0)
        return -EPIPE;
    int r = media_tcache_fill_write(s->fill, buf, len);
    if (r < 0)
        s->err = r;
    return r;
}

int media_tcache_fill_encode(MediaTcacheFill *fill, const char *path,
                             const MediaTranscodeOptions *opts, const atomic_bool *stop)
{
    TcacheSink sink = {fill, stop, 0};
    int64_t samples;
    int r = media_transcode_counted(path, opts, tcache_sink, &sink, &samples);
    if (r == -EPIPE && sink.err < 0)
        r = sink.err;
    if (r == 0 && opts->format == MEDIA_TRANSCODE_FLAC) /* a cached FLAC knows its length */
        r = media_transcode_flac_total(fill->fd, samples);
    media_tcache_fill_end(fill, r);
    return r;
}

void media_tcache_fill_end(MediaTcacheFill *fill, int err)
{
    MediaTcache *c = fill->cache;
    if (err == 0 && fdatasync(fill->fd) < 0)
        err = -errno;
    if (close(fill->fd) < 0 && err == 0)
        err = -errno;
    fill->fd = -1;
    char *final = err == 0 ? tcache_path(c, fill->name) : NULL;
    if (err == 0 && !final)
        err = -ENOMEM;
    pthread_mutex_lock(&c->mu);
    /* Off the running list first: from here on a request either hits or starts anew. */
    MediaTcacheFill **pp = &c->fills;
    while (*pp && *pp != fill)
        pp = &(*pp)->next;
    if (*pp)
        *pp = fill->next;
    if (err == 0 && fill->written > c->max_bytes)
        err = -EFBIG; /* larger than the whole cache: followers still get it all */
    if (err == 0 && rename(fill->tmp_path, final) < 0)
        err = -errno;
    if (err == 0) {
        TcacheEntry *old = tcache_find(c, fill->name);
        if (old) /* another process wrote the same file: the rename replaced it */
            tcache_forget(c, (size_t)(old - c->entries));
        if (tcache_add(c, fill->name, fill->written, ++c->tick) < 0)
            unlink(final); /* never a file on disk the index does not know */
        tcache_evict(c, 0);
    } else {
        unlink(fill->tmp_path);
    }
    fill->state = err == 0 || err == -EFBIG ? FILL_DONE : FILL_FAILED;
    fill->err = err;
    pthread_cond_broadcast(&fill->cv);
    bool last = tcache_fill_unref(fill);
    pthread_mutex_unlock(&c->mu);
    free(final);
    if (last)
        tcache_fill_free(fill);
}

static void tcache_deadline(struct timespec *ts, int timeout_ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += timeout_ms / 1000;
    ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int media_tcache_fill_wait(MediaTcacheFill *fill, uint64_t have, int timeout_ms,
                           uint64_t *ret_avail)
{
    struct timespec until;
    tcache_deadline(&until, timeout_ms);
    int rc = 0;
    pthread_mutex_lock(&fill->cache->mu);
    while (fill->state == FILL_RUNNING && fill->written <= have && rc == 0)
        rc = pthread_cond_timedwait(&fill->cv, &fill->cache->mu, &until);
    uint64_t avail = fill->written;
    FillState state = fill->state;
    int err = fill->err;
    pthread_mutex_unlock(&fill->cache->mu);
    if (state == FILL_FAILED)
        return err;
    if (state == FILL_DONE) {
        *ret_avail = avail;
        return 1;
    }
    if (avail <= have)
        return -ETIMEDOUT;
    *ret_avail = avail;
    return 0;
}

void media_tcache_fill_leave(MediaTcacheFill *fill)
{
    if (!fill)
        return;
    pthread_mutex_lock(&fill->cache->mu);
    fill->followers--;
    bool last = tcache_fill_unref(fill);
    pthread_mutex_unlock(&fill->cache->mu);
    if (last)
        tcache_fill_free(fill);
}
