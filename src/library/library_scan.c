/*
 * library_scan.c - the scanner: walk, read changed folders in parallel, write in batches.
 *
 * Phase 1 (caller's thread) walks a library into a list of folders with a hash of their
 * entries. Phase 2: unchanged folders are only stamped seen; changed ones go through a
 * bounded queue to opts->workers reader threads, which probe files and hand chunks of at
 * most LIMIT_SCAN_BATCH songs to ONE writer thread (bounded queue; the chunks queued at
 * once share a transaction, retried while busy). Then missing marking, moves, purge,
 * aggregates and search.
 */
#include "library/library_scan.h"

#include "core/arena.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "core/utf8.h"
#include "library/library_lrc.h"
#include "library/library_tags.h"
#include "library/library_track.h"
#include "media/media_probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SCAN_ID_BYTES      (LIBRARY_ID_LEN + 1)
#define SCAN_HASH_BYTES    64                   /* "!" + 32 hex digits + ":" + an entry count */
#define SCAN_SETTINGS_HEX  (LIBRARY_ID_LEN + 1) /* the settings digest, as hex, + NUL */
#define SCAN_CHUNK_ARENA   (64 * 1024 * 1024)   /* budget of one chunk's arena */
#define SCAN_CHUNK_SOFT    (8 * 1024 * 1024)    /* a chunk is cut past this many bytes */
#define SCAN_TOUCH_BATCH   500                  /* unchanged folders stamped per transaction */
#define SCAN_AGG_BATCH     200                  /* entities recomputed per transaction */
#define SCAN_GROUP_CHUNKS  32                   /* queued chunks written in one transaction */
#define SCAN_QUEUED_CHUNKS 8                    /* chunks queued beyond one per reader */
#define SCAN_STMT_CACHE    48
#define SCAN_VARIOUS_MBID  "89ad4ac3-39f7-470e-963a-56509c546377"
#define SCAN_MAX_WORKERS   64

/* ---------------------------------------------------------------- small helpers */

/* A growable set of ids (LIBRARY_ID_LEN hex characters), open addressing. */
typedef struct ScanSet {
    char (*keys)[SCAN_ID_BYTES];
    size_t cap;
    size_t n;
} ScanSet;

static size_t scan_set_hash(const char *k)
{
    size_t h = 1469598103934665603ULL;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211ULL;
    return h;
}

/* Returns 1 when `key` was added, 0 when already present, -ENOMEM. */
static int scan_set_add(ScanSet *set, const char *key)
{
    if (!key || !*key)
        return 0;
    if ((set->n + 1) * 2 > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 1024;
        char(*keys)[SCAN_ID_BYTES] = calloc(cap, SCAN_ID_BYTES);
        if (!keys)
            return -ENOMEM;
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->keys[i][0])
                continue;
            size_t j = scan_set_hash(set->keys[i]) & (cap - 1);
            while (keys[j][0])
                j = (j + 1) & (cap - 1);
            memcpy(keys[j], set->keys[i], SCAN_ID_BYTES);
        }
        free(set->keys);
        set->keys = keys;
        set->cap = cap;
    }
    size_t j = scan_set_hash(key) & (set->cap - 1);
    while (set->keys[j][0]) {
        if (strcmp(set->keys[j], key) == 0)
            return 0;
        j = (j + 1) & (set->cap - 1);
    }
    str_copy(set->keys[j], key, SCAN_ID_BYTES);
    set->n++;
    return 1;
}

static bool scan_set_has(const ScanSet *set, const char *key)
{
    if (!set->cap || !key || !*key)
        return false;
    size_t j = scan_set_hash(key) & (set->cap - 1);
    while (set->keys[j][0]) {
        if (strcmp(set->keys[j], key) == 0)
            return true;
        j = (j + 1) & (set->cap - 1);
    }
    return false;
}

static void scan_set_clear(ScanSet *set)
{
    free(set->keys);
    memset(set, 0, sizeof(*set));
}

/* A bounded blocking queue of pointers; push blocks while full, pop while empty. */
typedef struct ScanQueue {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    void **items; /* guarded by mu */
    size_t cap, head, n;
    bool closed;
} ScanQueue;

static int scan_queue_init(ScanQueue *q, size_t cap)
{
    memset(q, 0, sizeof(*q));
    q->items = calloc(cap, sizeof(void *));
    if (!q->items)
        return -ENOMEM;
    q->cap = cap;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->changed, NULL);
    return 0;
}

static void scan_queue_destroy(ScanQueue *q)
{
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->changed);
    free(q->items);
}

static void scan_queue_push(ScanQueue *q, void *item)
{
    pthread_mutex_lock(&q->mu);
    while (q->n == q->cap)
        pthread_cond_wait(&q->changed, &q->mu);
    q->items[(q->head + q->n) % q->cap] = item;
    q->n++;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
}

/* Takes the next item, or NULL when none is queued. Caller holds q->mu. */
static void *scan_queue_take(ScanQueue *q)
{
    if (q->n == 0)
        return NULL;
    void *item = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->n--;
    pthread_cond_broadcast(&q->changed);
    return item;
}

/* Returns the next item, or NULL once the queue is closed and empty. */
static void *scan_queue_pop(ScanQueue *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->n == 0 && !q->closed)
        pthread_cond_wait(&q->changed, &q->mu);
    void *item = scan_queue_take(q);
    pthread_mutex_unlock(&q->mu);
    return item;
}

/* The next item if one is queued now, else NULL; never waits. */
static void *scan_queue_trypop(ScanQueue *q)
{
    pthread_mutex_lock(&q->mu);
    void *item = scan_queue_take(q);
    pthread_mutex_unlock(&q->mu);
    return item;
}

static void scan_queue_close(ScanQueue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
}

/* ---------------------------------------------------------------- public helpers */

void library_id(const char *kind, const char *const *parts, size_t n, char *out)
{
    unsigned char hash[LIBRARY_ID_LEN / 2];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof(hash));
    crypto_generichash_update(&st, (const unsigned char *)kind, strlen(kind) + 1);
    for (size_t i = 0; i < n; i++)
        crypto_generichash_update(&st, (const unsigned char *)parts[i], strlen(parts[i]) + 1);
    crypto_generichash_final(&st, hash, sizeof(hash));
    str_hex(hash, sizeof(hash), out);
}

const char *library_sort_key(Arena *arena, const char *name)
{
    if (strncasecmp(name, "the ", 4) == 0 && name[4])
        name += 4;
    size_t n = strlen(name);
    if (n > LIMIT_SORT_KEY_BYTES) {
        n = LIMIT_SORT_KEY_BYTES;
        while (n && ((unsigned char)name[n] & 0xC0) == 0x80)
            n--; /* cut on a UTF-8 boundary */
    }
    char *s = arena_strndup(arena, name, n);
    if (!s)
        return NULL;
    for (char *p = s; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    }
    return s;
}

/* ---------------------------------------------------------------- scan state */

static const char *const scan_audio_ext[] = {
    "mp3", "flac", "ogg", "oga", "opus", "m4a", "m4b", "mp4", "aac", "alac", "wav",
    "aif", "aiff", "wma", "ape", "wv",   "dsf", "dff", "mpc", "mka", NULL,
};
static const char *const scan_picture_ext[] = {"jpg", "jpeg", "png", "webp", "gif", NULL};

/* One folder found by the walk. */
typedef struct ScanDir {
    char *rel; /* relative to the library root; "" for the root */
    char hash[SCAN_HASH_BYTES];
    int64_t n_audio;
} ScanDir;

/* A stored folder row (loaded once per library, sorted by path). */
typedef struct ScanStored {
    char *path;
    char id[SCAN_ID_BYTES];
    char hash[SCAN_HASH_BYTES];
    bool missing;
} ScanStored;

/* One audio file in a chunk. */
typedef struct ScanItem {
    const char *rel;    /* relative to the library */
    const char *old_id; /* the stored song at this path, or NULL */
    int64_t size, mtime;
    int err;     /* < 0: could not be read */
    bool probed; /* false: unchanged, only stamped (and its lyrics refreshed if has_lrc) */
    bool has_lrc;
    const char *lyrics; /* from the .lrc sibling, or embedded */
    bool lyrics_synced;
    Track t;
} ScanItem;

enum { SCAN_CHUNK_SONGS, SCAN_CHUNK_TOUCH };

/* What a reader hands to the writer: songs of one folder, or unchanged folders to stamp. */
typedef struct ScanChunk {
    int kind;
    Arena *arena;
    const char *folder_rel;
    ScanItem *items;
    size_t n;
    int64_t unchanged, probed;
    int folder_err; /* the folder could not be opened: only stamped, reported */
    /* In the last chunk of a folder: */
    bool final;
    char hash[SCAN_HASH_BYTES + 1];
    const char *cover_kind, *cover_path; /* NULL: no cover */
    int64_t cover_size, cover_mtime;
    const char *artist_image; /* relative path of an artist.* picture, or NULL */
    int64_t image_size, image_mtime;
    const char *album_artist_id; /* of the folder's first song, or NULL */
    const char **err_paths;      /* every file of the folder that failed, for scan_errors */
    size_t n_err_paths;
    /* SCAN_CHUNK_TOUCH: unchanged folders. */
    char (*touch)[SCAN_ID_BYTES];
    size_t n_touch;
} ScanChunk;

/* One library being scanned. Read-only while threads run, except as noted. */
typedef struct ScanLib {
    int64_t id;
    char idstr[24];
    char root[LIMIT_PATH_BYTES];
    size_t root_len;
    const char **scopes; /* relative subtrees to scan; one "" for everything */
    size_t n_scopes;
    bool has_missing;     /* songs of any library were missing at the start */
    bool has_errors;      /* scan_errors rows existed at the start */
    bool walk_incomplete; /* a subfolder could not be opened: vanished folders not marked */
    bool reread_all;      /* read with other settings: no folder counts as unchanged */
} ScanLib;

typedef struct Scan {
    Db *db;
    const LibraryScanOptions *opts;
    const LibraryScanObserver *observer;
    const atomic_bool *cancel;
    LibraryTagRules rules;
    Arena *arena; /* rules and scopes */
    int64_t now;
    int64_t gen; /* seen_at of this scan */
    /* A digest of the options that decide what a read stores (artist separators, cover
     * priority), kept per library in libraries.scan_settings. */
    char settings[SCAN_SETTINGS_HEX];
    ScanLib *lib;

    pthread_mutex_t mu;     /* guards stats and fatal */
    pthread_mutex_t obs_mu; /* held while an observer callback runs */
    LibraryScanStats stats; /* guarded by mu */
    int fatal;              /* first database error of a thread; guarded by mu */

    ScanQueue jobs;   /* ScanDir* for readers; NULL ends */
    ScanQueue chunks; /* ScanChunk* for the writer */

    /* Owned by the writer thread while it runs; by the caller's thread otherwise. */
    ScanSet touched_albums, touched_artists, touched_genres;
    ScanSet done_artists, done_albums, done_genres, done_folders;
    ScanSet new_songs;
    int64_t progress_at;
} Scan;

static bool scan_cancelled(const Scan *s)
{
    return s->cancel && atomic_load(s->cancel);
}

static void scan_set_fatal(Scan *s, int err)
{
    pthread_mutex_lock(&s->mu);
    if (!s->fatal)
        s->fatal = err;
    pthread_mutex_unlock(&s->mu);
}

static int scan_get_fatal(Scan *s)
{
    pthread_mutex_lock(&s->mu);
    int r = s->fatal;
    pthread_mutex_unlock(&s->mu);
    return r;
}

static void scan_report(Scan *s, const char *path, int err)
{
    pthread_mutex_lock(&s->mu);
    s->stats.errors++;
    pthread_mutex_unlock(&s->mu);
    if (s->observer && s->observer->error) {
        pthread_mutex_lock(&s->obs_mu);
        s->observer->error(s->observer->ctx, path, err);
        pthread_mutex_unlock(&s->obs_mu);
    }
}

static void scan_progress(Scan *s)
{
    LibraryScanStats st;
    pthread_mutex_lock(&s->mu);
    st = s->stats;
    pthread_mutex_unlock(&s->mu);
    if (s->observer && s->observer->progress) {
        pthread_mutex_lock(&s->obs_mu);
        s->observer->progress(s->observer->ctx, &st);
        pthread_mutex_unlock(&s->obs_mu);
    }
}

static bool scan_has_ext(const char *name, const char *const *exts)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        return false;
    for (const char *const *e = exts; *e; e++) {
        if (strcasecmp(dot + 1, *e) == 0)
            return true;
    }
    return false;
}

/* Writes `a` + "/" + `b` into `out`; returns false (and "" in `out`) when it does not fit. */
static bool scan_join(char *out, size_t size, const char *a, const char *b)
{
    int n = snprintf(out, size, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= size) {
        out[0] = '\0';
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- SQL helpers */

/* A connection inside one write transaction, with its prepared statements cached by the
 * address of their SQL text. */
typedef struct ScanTx {
    DbConn *conn;
    const char *sql[SCAN_STMT_CACHE];
    DbStmt *st[SCAN_STMT_CACHE];
    size_t n;
    bool changed; /* a statement other than scan_stamp()'s changed a row */
} ScanTx;

static void scan_tx_finalize(ScanTx *tx)
{
    for (size_t i = 0; i < tx->n; i++)
        db_finalize(tx->st[i]);
    tx->n = 0;
}

/* Binds parameters by `fmt`: t text, T text or NULL when "", i int64, n int or NULL when
 * <= 0, d double or NULL when NAN. */
static int scan_bindv(DbStmt *st, const char *fmt, va_list ap)
{
    int r = 0;
    for (int i = 1; *fmt && r == 0; fmt++, i++) {
        switch (*fmt) {
        case 't': {
            const char *v = va_arg(ap, const char *);
            r = v ? db_bind_text(st, i, v) : db_bind_null(st, i);
            break;
        }
        case 'T': {
            const char *v = va_arg(ap, const char *);
            r = v && *v ? db_bind_text(st, i, v) : db_bind_null(st, i);
            break;
        }
        case 'i':
            r = db_bind_int64(st, i, va_arg(ap, int64_t));
            break;
        case 'n': {
            int v = va_arg(ap, int);
            r = v > 0 ? db_bind_int64(st, i, v) : db_bind_null(st, i);
            break;
        }
        case 'd': {
            double v = va_arg(ap, double);
            r = isnan(v) ? db_bind_null(st, i) : db_bind_double(st, i, v);
            break;
        }
        default:
            r = -EINVAL;
        }
    }
    return r;
}

/* Prepares (or reuses) `sql` and binds it; writes the statement to *ret_st. */
static int scan_prep(ScanTx *tx, const char *sql, DbStmt **ret_st, const char *fmt, va_list ap)
{
    DbStmt *st = NULL;
    for (size_t i = 0; i < tx->n; i++) {
        if (tx->sql[i] == sql) {
            st = tx->st[i];
            db_reset(st);
            break;
        }
    }
    if (!st) {
        int r = db_prepare(tx->conn, sql, &st);
        if (r < 0)
            return r;
        if (tx->n < SCAN_STMT_CACHE) {
            tx->sql[tx->n] = sql;
            tx->st[tx->n++] = st;
        } else {
            db_finalize(st);
            return -ENOMEM;
        }
    }
    int r = scan_bindv(st, fmt, ap);
    if (r < 0)
        return r;
    *ret_st = st;
    return 0;
}

/* Runs a statement without rows. Returns the number of rows changed or a negative error.
 * A `bookkeeping` write is one no answer shows (seen_at stamps, folder hashes, scan errors):
 * it does not count as a change of the library (DB_GENERATION_LIBRARY stays); any other
 * statement that changes a row does. */
static int64_t scan_write(ScanTx *tx, bool bookkeeping, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    DbStmt *st;
    int r = scan_prep(tx, sql, &st, fmt, ap);
    va_end(ap);
    if (r < 0)
        return r;
    r = db_step(st);
    while (r == DB_ROW)
        r = db_step(st);
    if (r < 0)
        return r;
    int64_t changes = db_changes(st);
    if (changes > 0 && !bookkeeping)
        tx->changed = true;
    return changes;
}

#define scan_exec(tx, ...)  scan_write(tx, false, __VA_ARGS__)
#define scan_stamp(tx, ...) scan_write(tx, true, __VA_ARGS__)

/* Runs a query; returns the statement positioned on its first row (DB_ROW), DB_DONE, or a
 * negative error. The statement stays cached; read it before the next use of `sql`. */
static int scan_query(ScanTx *tx, DbStmt **ret_st, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    DbStmt *st;
    int r = scan_prep(tx, sql, &st, fmt, ap);
    va_end(ap);
    if (r < 0)
        return r;
    r = db_step(st);
    if (r >= 0)
        *ret_st = st;
    return r;
}

/* Adds column 0 of every row of a query to `set`. */
static int scan_collect(ScanTx *tx, ScanSet *set, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    DbStmt *st;
    int r = scan_prep(tx, sql, &st, fmt, ap);
    va_end(ap);
    if (r < 0)
        return r;
    while ((r = db_step(st)) == DB_ROW) {
        const char *v = db_column_text(st, 0);
        if (v && scan_set_add(set, v) < 0)
            return -ENOMEM;
    }
    return r < 0 ? r : 0;
}

/* Runs fn(s, tx, arg) in a write transaction, retrying it whole while the database is busy;
 * `on_rollback` (may be NULL) undoes in-memory effects of a failed attempt. A scan passes
 * over most of the database once, so it borrows connections with db_acquire_bulk(): read
 * without the memory map, those pages do not stay in the process's RSS. */
static int scan_transaction(Scan *s, int (*fn)(Scan *, ScanTx *, void *), void *arg)
{
    for (;;) {
        ScanTx tx = {0};
        int r = db_acquire_bulk(s->db, &tx.conn);
        if (r == 0) {
            r = db_begin_write(tx.conn);
            if (r == 0) {
                r = fn(s, &tx, arg);
                scan_tx_finalize(&tx);
                /* Answers kept from the library are stale once this commits, unless it only
                 * stamped unchanged folders (a no-change rescan keeps every kept page). */
                if (r == 0 && tx.changed)
                    r = db_generation_bump(tx.conn, DB_GENERATION_LIBRARY);
                if (r == 0)
                    r = db_commit(tx.conn);
                else
                    db_rollback(tx.conn);
            }
            db_release(tx.conn);
        }
        if (r == 0)
            return 0;
        /* Caches of what this scan wrote may name rows that were rolled back. */
        scan_set_clear(&s->done_artists);
        scan_set_clear(&s->done_albums);
        scan_set_clear(&s->done_genres);
        scan_set_clear(&s->done_folders);
        if (r != ERR_DB_BUSY)
            return r;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Runs fn(s, tx, arg) on a pooled connection without a transaction (reads). */
static int scan_read(Scan *s, int (*fn)(Scan *, ScanTx *, void *), void *arg)
{
    for (;;) {
        ScanTx tx = {0};
        int r = db_acquire_bulk(s->db, &tx.conn);
        if (r == 0) {
            r = fn(s, &tx, arg);
            scan_tx_finalize(&tx);
            db_release(tx.conn);
        }
        if (r != ERR_DB_BUSY)
            return r;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Number of UTF-8 characters of `s` (SQL substr() counts characters on both backends). */
static int64_t scan_chars(const char *s)
{
    int64_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* ---------------------------------------------------------------- phase 1: walk */

typedef struct ScanWalk {
    Scan *s;
    ScanDir *dirs;
    size_t n, cap;
    char abs[LIMIT_PATH_BYTES];
    char rel[LIMIT_PATH_BYTES];
} ScanWalk;

static void scan_hash_entry(unsigned char acc[16], char type, const char *name, int64_t size,
                            int64_t mtime)
{
    char facts[64];
    snprintf(facts, sizeof(facts), "%c:%lld:%lld", type, (long long)size, (long long)mtime);
    unsigned char h[16];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof(h));
    crypto_generichash_update(&st, (const unsigned char *)name, strlen(name) + 1);
    crypto_generichash_update(&st, (const unsigned char *)facts, strlen(facts));
    crypto_generichash_final(&st, h, sizeof(h));
    for (int i = 0; i < 16; i++)
        acc[i] ^= h[i]; /* order-independent: readdir order does not matter */
}

static int scan_walk_dir(ScanWalk *w, size_t abs_len, size_t rel_len, int depth)
{
    Scan *s = w->s;
    if (scan_cancelled(s))
        return -ECANCELED;
    if (depth > LIMIT_SCAN_DEPTH) {
        scan_report(s, w->abs, ERR_LIMIT);
        return 0;
    }
    int dfd = open(w->abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        int err = -errno;
        s->lib->walk_incomplete = true;
        scan_report(s, w->abs, err);
        return 0;
    }
    if (faccessat(dfd, ".swazignore", F_OK, 0) == 0) {
        close(dfd);
        return 0;
    }
    DIR *dir = fdopendir(dfd);
    if (!dir) {
        s->lib->walk_incomplete = true;
        scan_report(s, w->abs, -errno);
        close(dfd);
        return 0;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        ScanDir *d = realloc(w->dirs, cap * sizeof(*d));
        if (!d) {
            closedir(dir);
            return -ENOMEM;
        }
        w->dirs = d;
        w->cap = cap;
    }
    size_t me = w->n++;
    w->dirs[me].rel = strdup(w->rel);
    w->dirs[me].n_audio = 0;
    if (!w->dirs[me].rel) {
        w->n--;
        closedir(dir);
        return -ENOMEM;
    }
    unsigned char acc[16] = {0};
    int64_t count = 0, n_audio = 0;
    /* Subfolders are walked after this folder's listing, so the list is in pre-order. */
    char **subs = NULL;
    size_t n_subs = 0, cap_subs = 0;
    int r = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        struct stat sb;
        if (fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        bool is_link = S_ISLNK(sb.st_mode);
        if (is_link && fstatat(dirfd(dir), de->d_name, &sb, 0) < 0)
            continue; /* dangling link */
        if (S_ISDIR(sb.st_mode)) {
            if (is_link)
                continue; /* symlinked folders could loop; not followed */
            scan_hash_entry(acc, 'd', de->d_name, 0, 0);
            count++;
            if (n_subs == cap_subs) {
                cap_subs = cap_subs ? cap_subs * 2 : 16;
                char **ns = realloc(subs, cap_subs * sizeof(*ns));
                if (!ns) {
                    r = -ENOMEM;
                    break;
                }
                subs = ns;
            }
            if (!(subs[n_subs] = strdup(de->d_name))) {
                r = -ENOMEM;
                break;
            }
            n_subs++;
            continue;
        }
        if (!S_ISREG(sb.st_mode))
            continue;
        char type;
        if (scan_has_ext(de->d_name, scan_audio_ext))
            type = 'a';
        else if (scan_has_ext(de->d_name, scan_picture_ext))
            type = 'p';
        else if (scan_has_ext(de->d_name, (const char *const[]){"lrc", NULL}))
            type = 'l';
        else
            continue;
        scan_hash_entry(acc, type, de->d_name, (int64_t)sb.st_size, (int64_t)sb.st_mtim.tv_sec);
        count++;
        n_audio += type == 'a';
    }
    closedir(dir);
    char hex[33];
    str_hex(acc, sizeof(acc), hex);
    snprintf(w->dirs[me].hash, sizeof(w->dirs[me].hash), "%s:%lld", hex, (long long)count);
    w->dirs[me].n_audio = n_audio;
    pthread_mutex_lock(&s->mu);
    s->stats.total += n_audio;
    pthread_mutex_unlock(&s->mu);

    for (size_t i = 0; i < n_subs; i++) {
        size_t nlen = strlen(subs[i]);
        if (r == 0 && !utf8_valid(subs[i], nlen)) {
            scan_report(s, w->abs, ERR_UNSUPPORTED);
        } else if (r == 0 &&
                   (abs_len + 1 + nlen >= sizeof(w->abs) || rel_len + 1 + nlen >= sizeof(w->rel))) {
            scan_report(s, w->abs, -ENAMETOOLONG);
        } else if (r == 0) {
            w->abs[abs_len] = '/';
            memcpy(w->abs + abs_len + 1, subs[i], nlen + 1);
            size_t rl = rel_len;
            if (rl)
                w->rel[rl++] = '/';
            memcpy(w->rel + rl, subs[i], nlen + 1);
            r = scan_walk_dir(w, abs_len + 1 + nlen, rl + nlen, depth + 1);
            w->abs[abs_len] = '\0';
            w->rel[rel_len] = '\0';
        }
        free(subs[i]);
    }
    free(subs);
    return r;
}

/* ---------------------------------------------------------------- phase 2: readers */

typedef struct ScanFile {
    const char *name;
    int64_t size, mtime;
} ScanFile;

static int scan_file_cmp(const void *a, const void *b)
{
    return strcmp(((const ScanFile *)a)->name, ((const ScanFile *)b)->name);
}

/* Lists the audio, picture and .lrc files of the folder at `abs` into arena arrays. */
typedef struct ScanListing {
    ScanFile *audio, *pics, *lrcs;
    size_t n_audio, n_pics, n_lrcs;
} ScanListing;

static int scan_list(Arena *a, const char *abs, bool only_pics, ScanListing *ret)
{
    DIR *dir = opendir(abs);
    if (!dir)
        return -errno;
    size_t cap = 64;
    ScanFile *all = malloc(cap * sizeof(*all));
    char *types = malloc(cap);
    size_t n = 0;
    int r = all && types ? 0 : -ENOMEM;
    struct dirent *de;
    while (r == 0 && (de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char type;
        if (!only_pics && scan_has_ext(de->d_name, scan_audio_ext))
            type = 'a';
        else if (scan_has_ext(de->d_name, scan_picture_ext))
            type = 'p';
        else if (!only_pics && scan_has_ext(de->d_name, (const char *const[]){"lrc", NULL}))
            type = 'l';
        else
            continue;
        struct stat sb;
        if (fstatat(dirfd(dir), de->d_name, &sb, 0) < 0 || !S_ISREG(sb.st_mode))
            continue;
        if (n == cap) {
            cap *= 2;
            ScanFile *na = realloc(all, cap * sizeof(*na));
            if (na)
                all = na;
            char *nt = na ? realloc(types, cap) : NULL;
            if (nt)
                types = nt;
            if (!na || !nt) {
                r = -ENOMEM;
                break;
            }
        }
        all[n].name = arena_strdup(a, de->d_name);
        if (!all[n].name) {
            r = -ENOMEM;
            break;
        }
        all[n].size = (int64_t)sb.st_size;
        all[n].mtime = (int64_t)sb.st_mtim.tv_sec;
        types[n++] = type;
    }
    closedir(dir);
    ScanListing l = {0};
    if (r == 0) {
        l.audio = arena_calloc(a, n + 1, sizeof(ScanFile));
        l.pics = arena_calloc(a, n + 1, sizeof(ScanFile));
        l.lrcs = arena_calloc(a, n + 1, sizeof(ScanFile));
        if (!l.audio || !l.pics || !l.lrcs)
            r = -ENOMEM;
    }
    for (size_t i = 0; r == 0 && i < n; i++) {
        if (types[i] == 'a')
            l.audio[l.n_audio++] = all[i];
        else if (types[i] == 'p')
            l.pics[l.n_pics++] = all[i];
        else
            l.lrcs[l.n_lrcs++] = all[i];
    }
    free(all);
    free(types);
    if (r < 0)
        return r;
    qsort(l.audio, l.n_audio, sizeof(ScanFile), scan_file_cmp);
    qsort(l.pics, l.n_pics, sizeof(ScanFile), scan_file_cmp);
    *ret = l;
    return 0;
}

/* The id of a cover: it names the picture's version too (size and mtime), so the URL of a
 * changed picture changes and covers may be cached as immutable. */
static void scan_cover_id(const Scan *s, const char *kind, const char *path, int64_t size,
                          int64_t mtime, char *out)
{
    char version[48];
    snprintf(version, sizeof(version), "%lld.%lld", (long long)size, (long long)mtime);
    const char *parts[] = {s->lib->idstr, kind, path, version};
    library_id("cover", parts, 4, out);
}

/* What the database knows of the files of one folder (looked up before probing). */
typedef struct ScanKnown {
    const char *id;
    int64_t size, mtime;
    bool missing;
    const char *album_artist_id;
    bool embedded_cover; /* a covers row for its embedded picture exists */
} ScanKnown;

typedef struct ScanLookup {
    Arena *arena;
    const char *folder_rel;
    ScanListing *l;
    ScanKnown *known;
} ScanLookup;

static int scan_lookup_fn(Scan *s, ScanTx *tx, void *arg)
{
    ScanLookup *lk = arg;
    for (size_t i = 0; i < lk->l->n_audio; i++) {
        const char *rel =
            *lk->folder_rel ? arena_printf(lk->arena, "%s/%s", lk->folder_rel, lk->l->audio[i].name)
                            : lk->l->audio[i].name;
        if (!rel)
            return -ENOMEM;
        DbStmt *st;
        int r = scan_query(tx, &st,
                           "SELECT s.id, s.size, s.mtime, s.missing, a.artist_id FROM songs s "
                           "LEFT JOIN albums a ON a.id = s.album_id "
                           "WHERE s.library_id = ? AND s.path = ?",
                           "it", s->lib->id, rel);
        if (r < 0)
            return r;
        ScanKnown *k = &lk->known[i];
        memset(k, 0, sizeof(*k));
        if (r == DB_ROW) {
            k->id = arena_strdup(lk->arena, db_column_text(st, 0));
            k->size = db_column_int64(st, 1);
            k->mtime = db_column_int64(st, 2);
            k->missing = db_column_int64(st, 3) != 0;
            const char *aa = db_column_text(st, 4);
            k->album_artist_id = aa ? arena_strdup(lk->arena, aa) : NULL;
            if (!k->id)
                return -ENOMEM;
            char cid[SCAN_ID_BYTES];
            scan_cover_id(s, "embedded", rel, k->size, k->mtime, cid);
            r = scan_query(tx, &st, "SELECT 1 FROM covers WHERE id = ?", "t", cid);
            if (r < 0)
                return r;
            k->embedded_cover = r == DB_ROW;
        }
    }
    return 0;
}

/* Reads a sibling .lrc of `audio_name` (same base name, any case of ".lrc") into the item. */
static void scan_read_lrc(Arena *a, const char *abs_dir, const ScanListing *l,
                          const char *audio_name, ScanItem *it)
{
    const char *dot = strrchr(audio_name, '.');
    size_t base = dot ? (size_t)(dot - audio_name) : strlen(audio_name);
    for (size_t i = 0; i < l->n_lrcs; i++) {
        const char *n = l->lrcs[i].name;
        if (strlen(n) != base + 4 || strncmp(n, audio_name, base) != 0)
            continue;
        if (l->lrcs[i].size > LIMIT_LRC_BYTES)
            return;
        char path[LIMIT_PATH_BYTES];
        if (!scan_join(path, sizeof(path), abs_dir, n))
            return;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return;
        ssize_t want = (ssize_t)l->lrcs[i].size;
        char *buf = arena_alloc(a, (size_t)want + 1);
        ssize_t got = 0, rd;
        while (buf && got < want && (rd = read(fd, buf + got, (size_t)(want - got))) > 0)
            got += rd;
        close(fd);
        if (!buf)
            return;
        buf[got] = '\0';
        const char *text = utf8_repair(a, buf);
        Lrc lrc;
        if (!text || library_lrc_parse(a, text, strlen(text), &lrc) < 0)
            return;
        it->has_lrc = true;
        it->lyrics = text;
        it->lyrics_synced = lrc.synced;
        return;
    }
}

static ScanChunk *scan_chunk_new(const ScanDir *d, size_t cap)
{
    ScanChunk *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->kind = SCAN_CHUNK_SONGS;
    c->arena = arena_new(SCAN_CHUNK_ARENA);
    c->items = c->arena ? arena_calloc(c->arena, cap ? cap : 1, sizeof(ScanItem)) : NULL;
    c->folder_rel = c->arena ? arena_strdup(c->arena, d->rel) : NULL;
    if (!c->items || !c->folder_rel) {
        arena_free(c->arena);
        free(c);
        return NULL;
    }
    return c;
}

static void scan_chunk_free(ScanChunk *c)
{
    if (!c)
        return;
    arena_free(c->arena);
    free(c->touch);
    free(c);
}

/* Matches a cover-priority pattern against the folder's pictures (case-insensitive). */
static const ScanFile *scan_match_picture(const ScanListing *l, const char *pattern)
{
    for (size_t i = 0; i < l->n_pics; i++) {
        if (fnmatch(pattern, l->pics[i].name, FNM_CASEFOLD) == 0)
            return &l->pics[i];
    }
    return NULL;
}

/* Chooses the folder's cover and artist image into the final chunk `c`. */
static int scan_choose_pictures(Scan *s, ScanChunk *c, const ScanDir *d, const char *abs,
                                const ScanListing *l, const ScanKnown *known, const bool *has_pic,
                                const char *const *rels)
{
    Arena *a = c->arena;
    const char *prio = s->opts->cover_priority ? s->opts->cover_priority : "";
    char pat[256];
    while (*prio && !c->cover_path) {
        while (*prio == ',' || *prio == ' ')
            prio++;
        size_t n = strcspn(prio, ",");
        size_t m = n;
        while (m && prio[m - 1] == ' ')
            m--;
        if (m == 0 || m >= sizeof(pat)) {
            prio += n;
            continue;
        }
        memcpy(pat, prio, m);
        pat[m] = '\0';
        prio += n;
        if (strcasecmp(pat, "embedded") == 0) {
            for (size_t i = 0; i < l->n_audio; i++) {
                if (has_pic[i] || (known[i].id && known[i].embedded_cover)) {
                    c->cover_kind = "embedded";
                    /* rels live in the listing arena, freed before the writer runs. */
                    c->cover_path = arena_strdup(a, rels[i]);
                    if (!c->cover_path)
                        return -ENOMEM;
                    c->cover_size = l->audio[i].size;
                    c->cover_mtime = l->audio[i].mtime;
                    break;
                }
            }
            continue;
        }
        const ScanFile *f = scan_match_picture(l, pat);
        if (f) {
            c->cover_kind = "file";
            c->cover_path =
                *d->rel ? arena_printf(a, "%s/%s", d->rel, f->name) : arena_strdup(a, f->name);
            if (!c->cover_path)
                return -ENOMEM;
            c->cover_size = f->size;
            c->cover_mtime = f->mtime;
        }
    }
    /* Artist image: artist.* here, else in the parent folder (inside the library). */
    const ScanFile *img = scan_match_picture(l, "artist.*");
    const char *img_dir = d->rel;
    ScanListing pl;
    if (!img && *d->rel) {
        char pabs[LIMIT_PATH_BYTES];
        str_copy(pabs, abs, sizeof(pabs));
        char *slash = strrchr(pabs, '/');
        if (slash)
            *slash = '\0';
        if (scan_list(a, pabs, true, &pl) == 0) {
            img = scan_match_picture(&pl, "artist.*");
            const char *rs = strrchr(d->rel, '/');
            img_dir = rs ? arena_strndup(a, d->rel, (size_t)(rs - d->rel)) : "";
            if (!img_dir)
                return -ENOMEM;
        }
    }
    if (img) {
        c->artist_image =
            *img_dir ? arena_printf(a, "%s/%s", img_dir, img->name) : arena_strdup(a, img->name);
        if (!c->artist_image)
            return -ENOMEM;
        c->image_size = img->size;
        c->image_mtime = img->mtime;
    }
    return 0;
}

/* Computes the artist id for a name: MusicBrainz id when given, else its sort key. */
static int scan_artist_id(Arena *a, const char *name, const char *mbid, char *out)
{
    if (mbid && *mbid) {
        library_id("artist", &mbid, 1, out);
        return 0;
    }
    const char *key = library_sort_key(a, name);
    if (!key)
        return -ENOMEM;
    library_id("artist", &key, 1, out);
    return 0;
}

/* Reads one changed folder and pushes its chunks to the writer. */
static int scan_read_folder(Scan *s, const ScanDir *d)
{
    char abs[LIMIT_PATH_BYTES];
    if ((size_t)snprintf(abs, sizeof(abs), "%s%s%s", s->lib->root, *d->rel ? "/" : "", d->rel) >=
        sizeof(abs))
        return 0;
    Arena *la = arena_new(SCAN_CHUNK_ARENA);
    if (!la)
        return -ENOMEM;
    ScanListing l;
    int r = scan_list(la, abs, false, &l);
    if (r == -ENOMEM)
        goto out;
    if (r < 0) {
        ScanChunk *c = scan_chunk_new(d, 1);
        if (!c) {
            r = -ENOMEM;
            goto out;
        }
        c->folder_err = r;
        scan_queue_push(&s->chunks, c);
        r = 0;
        goto out;
    }
    ScanKnown *known = arena_calloc(la, l.n_audio + 1, sizeof(*known));
    bool *has_pic = arena_calloc(la, l.n_audio + 1, sizeof(bool));
    const char **rels = arena_calloc(la, l.n_audio + 1, sizeof(char *));
    const char **errs = arena_calloc(la, l.n_audio + 1, sizeof(char *));
    size_t n_errs = 0;
    if (!known || !has_pic || !rels || !errs) {
        r = -ENOMEM;
        goto out;
    }
    ScanLookup lk = {la, d->rel, &l, known};
    r = scan_read(s, scan_lookup_fn, &lk);
    if (r < 0)
        goto out;
    char album_artist_id[SCAN_ID_BYTES] = "";
    ScanChunk *c = NULL;
    for (size_t i = 0; i < l.n_audio; i++) {
        if (scan_cancelled(s)) {
            r = -ECANCELED;
            break;
        }
        if (!c || c->n == LIMIT_SCAN_BATCH || arena_used(c->arena) > SCAN_CHUNK_SOFT) {
            if (c)
                scan_queue_push(&s->chunks, c);
            c = scan_chunk_new(d, LIMIT_SCAN_BATCH);
            if (!c) {
                r = -ENOMEM;
                break;
            }
        }
        const ScanFile *f = &l.audio[i];
        ScanItem *it = &c->items[c->n];
        memset(it, 0, sizeof(*it));
        it->rel = *d->rel ? arena_printf(c->arena, "%s/%s", d->rel, f->name)
                          : arena_strdup(c->arena, f->name);
        rels[i] = it->rel ? arena_strdup(la, it->rel) : NULL;
        if (!it->rel || !rels[i]) {
            r = -ENOMEM;
            break;
        }
        if (!utf8_valid(f->name, strlen(f->name))) {
            char p[LIMIT_PATH_BYTES];
            scan_join(p, sizeof(p), abs, f->name);
            scan_report(s, p, ERR_UNSUPPORTED);
            continue;
        }
        c->n++;
        it->old_id = known[i].id ? arena_strdup(c->arena, known[i].id) : NULL;
        it->size = f->size;
        it->mtime = f->mtime;
        if (known[i].id && !known[i].missing && !s->lib->reread_all && known[i].size == f->size &&
            known[i].mtime == f->mtime) {
            c->unchanged++;
            scan_read_lrc(c->arena, abs, &l, f->name, it);
            if (!album_artist_id[0] && known[i].album_artist_id)
                str_copy(album_artist_id, known[i].album_artist_id, sizeof(album_artist_id));
            continue;
        }
        char path[LIMIT_PATH_BYTES];
        if (!scan_join(path, sizeof(path), abs, f->name))
            continue;
        MediaInfo mi;
        c->probed++;
        r = media_probe(path, c->arena, &mi);
        if (r == 0)
            r = library_tags_normalize(&mi, &s->rules, c->arena, &it->t);
        if (r == -ENOMEM)
            break;
        if (r < 0) {
            it->err = r;
            errs[n_errs++] = rels[i];
            r = 0;
            continue;
        }
        if (!*it->t.album_artist && it->t.n_artists) {
            /* No album artist: the track artist stands in (as other servers do). */
            it->t.album_artist = it->t.artist;
            it->t.album_artists = it->t.artists;
            it->t.n_album_artists = it->t.n_artists;
            if (!*it->t.mbid_album_artist)
                it->t.mbid_album_artist = it->t.mbid_artist;
        }
        if (!it->t.title || !*it->t.title) {
            /* An untitled file is named after its file. */
            const char *dot = strrchr(f->name, '.');
            size_t n = dot && dot != f->name ? (size_t)(dot - f->name) : strlen(f->name);
            if (!(it->t.title = arena_strndup(c->arena, f->name, n))) {
                r = -ENOMEM;
                break;
            }
        }
        it->probed = true;
        has_pic[i] = it->t.has_picture;
        it->lyrics = it->t.lyrics;
        it->lyrics_synced = it->t.lyrics_synced;
        scan_read_lrc(c->arena, abs, &l, f->name, it);
        if (!album_artist_id[0] && it->t.n_album_artists > 0) {
            const char *mb = it->t.n_album_artists == 1 ? it->t.mbid_album_artist : NULL;
            r = scan_artist_id(c->arena, it->t.album_artists[0], mb, album_artist_id);
            if (r < 0)
                break;
        }
    }
    if (r == 0 && !c)
        c = scan_chunk_new(d, 1);
    if (r == 0 && !c)
        r = -ENOMEM;
    if (r == 0) {
        c->final = true;
        snprintf(c->hash, sizeof(c->hash), "%s%s", n_errs ? "!" : "", d->hash);
        c->album_artist_id = album_artist_id[0] ? arena_strdup(c->arena, album_artist_id) : NULL;
        c->err_paths = arena_calloc(c->arena, n_errs + 1, sizeof(char *));
        if (!c->err_paths)
            r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < n_errs; i++) {
            if (!(c->err_paths[i] = arena_strdup(c->arena, errs[i])))
                r = -ENOMEM;
        }
        c->n_err_paths = n_errs;
        if (r == 0)
            r = scan_choose_pictures(s, c, d, abs, &l, known, has_pic, rels);
    }
    if (c)
        scan_queue_push(&s->chunks, c); /* a cancelled folder's last chunk is not final */
out:
    arena_free(la);
    return r;
}

static void *scan_reader_main(void *arg)
{
    Scan *s = arg;
    const ScanDir *d;
    while ((d = scan_queue_pop(&s->jobs)) != NULL) {
        if (scan_cancelled(s) || scan_get_fatal(s))
            continue; /* drain */
        int r = scan_read_folder(s, d);
        if (r < 0 && r != -ECANCELED)
            scan_set_fatal(s, r);
    }
    return NULL;
}

/* ---------------------------------------------------------------- phase 2: the writer */

static int scan_parent_rel(Arena *a, const char *rel, const char **ret_parent)
{
    const char *slash = strrchr(rel, '/');
    const char *p = slash ? arena_strndup(a, rel, (size_t)(slash - rel)) : "";
    if (!p)
        return -ENOMEM;
    *ret_parent = p;
    return 0;
}

static void scan_folder_id(const Scan *s, const char *rel, char *out)
{
    const char *parts[] = {s->lib->idstr, rel};
    library_id("folder", parts, 2, out);
}

/* Makes sure the folder row of `rel` and its ancestors exist and are marked seen. */
static int scan_ensure_folder(Scan *s, ScanTx *tx, Arena *a, const char *rel)
{
    char id[SCAN_ID_BYTES];
    scan_folder_id(s, rel, id);
    if (scan_set_has(&s->done_folders, id))
        return 0;
    char parent_id[SCAN_ID_BYTES] = "";
    if (*rel) {
        const char *parent;
        int r = scan_parent_rel(a, rel, &parent);
        if (r == 0)
            r = scan_ensure_folder(s, tx, a, parent);
        if (r < 0)
            return r;
        scan_folder_id(s, parent, parent_id);
    }
    const char *slash = strrchr(rel, '/');
    const char *name = *rel ? (slash ? slash + 1 : rel) : s->lib->root;
    const char *sort = library_sort_key(a, name);
    if (!sort)
        return -ENOMEM;
    /* A folder already there as it was is only stamped. */
    int64_t r = scan_stamp(tx,
                           "UPDATE folders SET seen_at = ? WHERE id = ? AND missing = 0 AND "
                           "parent_id IS NOT DISTINCT FROM ?",
                           "itT", s->gen, id, parent_id);
    if (r == 0)
        r = scan_exec(tx,
                      "INSERT INTO folders (id, library_id, path, parent_id, name, sort_name, "
                      "missing, seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?) "
                      "ON CONFLICT (id) DO UPDATE SET missing = 0, seen_at = excluded.seen_at, "
                      "parent_id = excluded.parent_id",
                      "titTttii", id, s->lib->id, rel, parent_id, name, sort, s->gen, s->now);
    if (r < 0)
        return (int)r;
    return scan_set_add(&s->done_folders, id) < 0 ? -ENOMEM : 0;
}

/* Writes an artist row once per scan and keeps its search row in step with its name. */
static int scan_write_artist(Scan *s, ScanTx *tx, Arena *a, const char *id, const char *name,
                             const char *mbid)
{
    if (scan_set_has(&s->done_artists, id))
        return scan_set_add(&s->touched_artists, id) < 0 ? -ENOMEM : 0;
    if (scan_set_add(&s->touched_artists, id) < 0)
        return -ENOMEM;
    const char *sort = library_sort_key(a, name);
    if (!sort)
        return -ENOMEM;
    DbStmt *st;
    int r = scan_query(tx, &st, "SELECT name FROM artists WHERE id = ?", "t", id);
    if (r < 0)
        return r;
    bool exists = r == DB_ROW;
    bool renamed = exists && strcmp(db_column_text(st, 0), name) != 0;
    int64_t c;
    if (!exists) {
        c = scan_exec(tx,
                      "INSERT INTO artists (id, name, sort_name, mbid, created_at, updated_at) "
                      "VALUES (?, ?, ?, ?, ?, ?)",
                      "tttTii", id, name, sort, mbid, s->now, s->now);
    } else {
        c = scan_exec(tx,
                      "UPDATE artists SET name = ?, sort_name = ?, mbid = COALESCE(?, mbid), "
                      "updated_at = ? WHERE id = ?",
                      "ttTit", name, sort, mbid, s->now, id);
    }
    if (c < 0)
        return (int)c;
    if (renamed && (c = scan_exec(tx, "DELETE FROM search WHERE kind = 'artist' AND item_id = ?",
                                  "t", id)) < 0)
        return (int)c;
    if ((!exists || renamed) &&
        (c = scan_exec(
             tx, "INSERT INTO search (kind, item_id, name, extra) VALUES ('artist', ?, ?, '')",
             "tt", id, name)) < 0)
        return (int)c;
    return scan_set_add(&s->done_artists, id) < 0 ? -ENOMEM : 0;
}

/* Ids of one song's related rows. */
typedef struct ScanIds {
    char (*artists)[SCAN_ID_BYTES];
    char (*album_artists)[SCAN_ID_BYTES];
    char album[SCAN_ID_BYTES]; /* "" when the song has no album */
    char (*genres)[SCAN_ID_BYTES];
    char song[SCAN_ID_BYTES];
    char identity[SCAN_ID_BYTES];
} ScanIds;

/* Writes whether the album's stored artists are ids->album_artists[0..n) at positions 0..n-1:
 * each song of an album would otherwise delete and insert them again, and each such change
 * rewrites the copies on the album's songs (migration 0020). */
static int scan_album_artists_same(ScanTx *tx, const ScanIds *ids, size_t n, bool *ret_same)
{
    DbStmt *st;
    bool same = true;
    size_t i = 0;
    int r = scan_query(tx, &st,
                       "SELECT artist_id, position FROM album_artists WHERE album_id = ? "
                       "ORDER BY position, artist_id",
                       "t", ids->album);
    for (; r == DB_ROW; r = db_step(st), i++) {
        const char *id = db_column_text(st, 0);
        same = same && i < n && id && strcmp(id, ids->album_artists[i]) == 0 &&
               db_column_int64(st, 1) == (int64_t)i;
    }
    if (r < 0)
        return r;
    *ret_same = same && i == n;
    return 0;
}

static int scan_write_album(Scan *s, ScanTx *tx, Arena *a, const Track *t, const ScanIds *ids)
{
    if (scan_set_add(&s->touched_albums, ids->album) < 0)
        return -ENOMEM;
    if (scan_set_has(&s->done_albums, ids->album))
        return 0;
    const char *sort = library_sort_key(a, *t->sort_album ? t->sort_album : t->album);
    const char *asort =
        library_sort_key(a, *t->sort_album_artist ? t->sort_album_artist : t->album_artist);
    if (!sort || !asort)
        return -ENOMEM;
    DbStmt *st;
    int r =
        scan_query(tx, &st, "SELECT name, album_artist FROM albums WHERE id = ?", "t", ids->album);
    if (r < 0)
        return r;
    bool exists = r == DB_ROW;
    bool renamed = exists && (strcmp(db_column_text(st, 0), t->album) != 0 ||
                              strcmp(db_column_text(st, 1), t->album_artist) != 0);
    const char *first = t->n_album_artists ? ids->album_artists[0] : NULL;
    int64_t c = scan_exec(
        tx,
        "INSERT INTO albums (id, name, sort_name, artist_id, album_artist, artist_sort, "
        "original_year, release_date, compilation, mbid, mbid_release_group, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
        "SET name = excluded.name, sort_name = excluded.sort_name, artist_id = "
        "excluded.artist_id, album_artist = excluded.album_artist, artist_sort = "
        "excluded.artist_sort, original_year = excluded.original_year, release_date = "
        "excluded.release_date, compilation = excluded.compilation, mbid = excluded.mbid, "
        "mbid_release_group = excluded.mbid_release_group, updated_at = excluded.updated_at",
        "tttTttntiTTii", ids->album, t->album, sort, first, t->album_artist, asort,
        t->original_year, t->release_date, (int64_t)t->compilation, t->mbid_album,
        t->mbid_release_group, s->now, s->now);
    if (c < 0)
        return (int)c;
    bool same = false;
    if (exists) {
        if ((r = scan_collect(tx, &s->touched_artists,
                              "SELECT artist_id FROM album_artists WHERE album_id = ?", "t",
                              ids->album)) < 0 ||
            (r = scan_album_artists_same(tx, ids, t->n_album_artists, &same)) < 0)
            return r;
        if (!same && (c = scan_exec(tx, "DELETE FROM album_artists WHERE album_id = ?", "t",
                                    ids->album)) < 0)
            return (int)c;
    }
    for (size_t i = 0; !same && i < t->n_album_artists; i++) {
        c = scan_exec(tx,
                      "INSERT INTO album_artists (album_id, artist_id, position) VALUES (?, ?, ?) "
                      "ON CONFLICT DO NOTHING",
                      "tti", ids->album, ids->album_artists[i], (int64_t)i);
        if (c < 0)
            return (int)c;
    }
    if (renamed && (c = scan_exec(tx, "DELETE FROM search WHERE kind = 'album' AND item_id = ?",
                                  "t", ids->album)) < 0)
        return (int)c;
    if ((!exists || renamed) &&
        (c = scan_exec(tx,
                       "INSERT INTO search (kind, item_id, name, extra) VALUES ('album', ?, ?, ?)",
                       "ttt", ids->album, t->album, t->album_artist)) < 0)
        return (int)c;
    return scan_set_add(&s->done_albums, ids->album) < 0 ? -ENOMEM : 0;
}

static int scan_write_genre(Scan *s, ScanTx *tx, Arena *a, const char *id, const char *name)
{
    if (scan_set_add(&s->touched_genres, id) < 0)
        return -ENOMEM;
    if (scan_set_has(&s->done_genres, id))
        return 0;
    const char *sort = library_sort_key(a, name);
    if (!sort)
        return -ENOMEM;
    int64_t c = scan_exec(tx,
                          "INSERT INTO genres (id, name, sort_name) VALUES (?, ?, ?) "
                          "ON CONFLICT (id) DO NOTHING",
                          "ttt", id, name, sort);
    if (c < 0)
        return (int)c;
    return scan_set_add(&s->done_genres, id) < 0 ? -ENOMEM : 0;
}

static int scan_compute_ids(Scan *s, Arena *a, const Track *t, ScanIds *ids)
{
    ids->artists = arena_calloc(a, t->n_artists + 1, SCAN_ID_BYTES);
    ids->album_artists = arena_calloc(a, t->n_album_artists + 1, SCAN_ID_BYTES);
    ids->genres = arena_calloc(a, t->n_genres + 1, SCAN_ID_BYTES);
    if (!ids->artists || !ids->album_artists || !ids->genres)
        return -ENOMEM;
    int r = 0;
    for (size_t i = 0; i < t->n_artists && r == 0; i++)
        r = scan_artist_id(a, t->artists[i], t->n_artists == 1 ? t->mbid_artist : NULL,
                           ids->artists[i]);
    for (size_t i = 0; i < t->n_album_artists && r == 0; i++) {
        const char *mb = t->n_album_artists == 1 ? t->mbid_album_artist : NULL;
        if (!*t->mbid_album_artist && t->compilation &&
            strcmp(t->album_artists[i], "Various Artists") == 0)
            mb = SCAN_VARIOUS_MBID;
        r = scan_artist_id(a, t->album_artists[i], mb, ids->album_artists[i]);
    }
    for (size_t i = 0; i < t->n_genres && r == 0; i++) {
        size_t n = strlen(t->genres[i]);
        char *low = arena_strndup(a, t->genres[i], n);
        if (!low)
            return -ENOMEM;
        for (char *p = low; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        library_id("genre", (const char *const *)&low, 1, ids->genres[i]);
    }
    if (r < 0)
        return r;
    ids->album[0] = '\0';
    if (*t->album) {
        if (*t->mbid_album) {
            library_id("album", &t->mbid_album, 1, ids->album);
        } else {
            const char *ak = library_sort_key(a, t->album_artist);
            const char *k = library_sort_key(a, t->album);
            const char *date = *t->release_date ? t->release_date
                               : t->year > 0    ? arena_printf(a, "%d", t->year)
                                                : "";
            if (!ak || !k || !date)
                return -ENOMEM;
            const char *parts[] = {ak, k, date};
            library_id("album", parts, 3, ids->album);
        }
    }
    const char *title = library_sort_key(a, t->title);
    const char *artist = library_sort_key(a, t->artist);
    const char *album = library_sort_key(a, t->album);
    const char *facts = arena_printf(a, "%d:%d:%lld:%s:%d:%d", t->track, t->disc,
                                     (long long)((t->duration_ms + 500) / 1000), t->codec,
                                     t->sample_rate, t->channels);
    if (!title || !artist || !album || !facts)
        return -ENOMEM;
    const char *parts[] = {title, artist, album, facts};
    library_id("identity", parts, 4, ids->identity);
    (void)s;
    return 0;
}

/* Finds a missing song this new file should take over: same MusicBrainz track id, else the
 * only missing song with the same identity. Writes its id or "". */
static int scan_find_moved(ScanTx *tx, const Track *t, const char *identity, char *ret_id)
{
    ret_id[0] = '\0';
    DbStmt *st;
    int r;
    if (*t->mbid_track) {
        r = scan_query(tx, &st, "SELECT id FROM songs WHERE mbid = ? AND missing = 1 LIMIT 1", "t",
                       t->mbid_track);
        if (r < 0)
            return r;
        if (r == DB_ROW) {
            str_copy(ret_id, db_column_text(st, 0), SCAN_ID_BYTES);
            return 0;
        }
    }
    r = scan_query(tx, &st, "SELECT id FROM songs WHERE identity = ? AND missing = 1 LIMIT 2", "t",
                   identity);
    if (r < 0)
        return r;
    if (r == DB_ROW) {
        char id[SCAN_ID_BYTES];
        str_copy(id, db_column_text(st, 0), sizeof(id));
        r = db_step(st);
        if (r < 0)
            return r;
        if (r == DB_DONE)
            str_copy(ret_id, id, SCAN_ID_BYTES);
    }
    return 0;
}

typedef struct ScanCounts {
    int64_t added, updated, moved, errors;
} ScanCounts;

static const char *const scan_song_upsert =
    "INSERT INTO songs (id, library_id, folder_id, path, size, mtime, format, codec, "
    "duration_ms, bitrate, sample_rate, bit_depth, channels, title, sort_title, artist, album, "
    "album_artist, sort_artist, sort_album, sort_album_artist, genre, track_no, track_total, "
    "disc_no, disc_total, disc_subtitle, year, original_year, release_date, compilation, mbid, "
    "mbid_recording, mbid_album, mbid_artist, mbid_album_artist, mbid_release_group, "
    "rg_track_gain, rg_track_peak, rg_album_gain, rg_album_peak, comment, lyrics, "
    "lyrics_synced, bpm, label, identity, artist_id, album_id, missing, missing_since, seen_at, "
    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "0, NULL, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET library_id = excluded.library_id, "
    "folder_id = excluded.folder_id, path = excluded.path, size = excluded.size, mtime = "
    "excluded.mtime, format = excluded.format, codec = excluded.codec, duration_ms = "
    "excluded.duration_ms, bitrate = excluded.bitrate, sample_rate = excluded.sample_rate, "
    "bit_depth = excluded.bit_depth, channels = excluded.channels, title = excluded.title, "
    "sort_title = excluded.sort_title, artist = excluded.artist, album = excluded.album, "
    "album_artist = excluded.album_artist, sort_artist = excluded.sort_artist, sort_album = "
    "excluded.sort_album, sort_album_artist = excluded.sort_album_artist, genre = "
    "excluded.genre, track_no = excluded.track_no, track_total = excluded.track_total, "
    "disc_no = excluded.disc_no, disc_total = excluded.disc_total, disc_subtitle = "
    "excluded.disc_subtitle, year = excluded.year, original_year = excluded.original_year, "
    "release_date = excluded.release_date, compilation = excluded.compilation, mbid = "
    "excluded.mbid, mbid_recording = excluded.mbid_recording, mbid_album = "
    "excluded.mbid_album, mbid_artist = excluded.mbid_artist, mbid_album_artist = "
    "excluded.mbid_album_artist, mbid_release_group = excluded.mbid_release_group, "
    "rg_track_gain = excluded.rg_track_gain, rg_track_peak = excluded.rg_track_peak, "
    "rg_album_gain = excluded.rg_album_gain, rg_album_peak = excluded.rg_album_peak, comment "
    "= excluded.comment, lyrics = excluded.lyrics, lyrics_synced = excluded.lyrics_synced, "
    "bpm = excluded.bpm, label = excluded.label, identity = excluded.identity, artist_id = "
    "excluded.artist_id, album_id = excluded.album_id, missing = 0, missing_since = NULL, "
    "seen_at = excluded.seen_at, updated_at = excluded.updated_at";

static int scan_write_song(Scan *s, ScanTx *tx, Arena *a, const char *folder_id, const ScanItem *it,
                           ScanCounts *cnt)
{
    const Track *t = &it->t;
    ScanIds ids;
    memset(&ids, 0, sizeof(ids));
    int r = scan_compute_ids(s, a, t, &ids);
    if (r < 0)
        return r;
    for (size_t i = 0; i < t->n_artists && r == 0; i++)
        r = scan_write_artist(s, tx, a, ids.artists[i], t->artists[i],
                              t->n_artists == 1 ? t->mbid_artist : NULL);
    for (size_t i = 0; i < t->n_album_artists && r == 0; i++)
        r = scan_write_artist(s, tx, a, ids.album_artists[i], t->album_artists[i],
                              t->n_album_artists == 1 ? t->mbid_album_artist : NULL);
    for (size_t i = 0; i < t->n_genres && r == 0; i++)
        r = scan_write_genre(s, tx, a, ids.genres[i], t->genres[i]);
    if (r == 0 && ids.album[0])
        r = scan_write_album(s, tx, a, t, &ids);
    if (r < 0)
        return r;

    /* The song's id: the stored one at this path, a missing song it replaces, or new. */
    bool exists = it->old_id != NULL, moved = false;
    if (exists) {
        str_copy(ids.song, it->old_id, sizeof(ids.song));
    } else {
        if (s->lib->has_missing && (r = scan_find_moved(tx, t, ids.identity, ids.song)) < 0)
            return r;
        moved = exists = ids.song[0] != '\0';
    }
    if (!exists) {
        const char *parts[] = {s->lib->idstr, it->rel, ""};
        library_id("song", parts, 2, ids.song);
        DbStmt *st;
        for (int salt = 0;; salt++) {
            r = scan_query(tx, &st, "SELECT 1 FROM songs WHERE id = ?", "t", ids.song);
            if (r < 0)
                return r;
            if (r == DB_DONE)
                break;
            /* The id was taken over by a moved song: derive another one. */
            char saltbuf[16];
            snprintf(saltbuf, sizeof(saltbuf), "%d", salt);
            parts[2] = saltbuf;
            library_id("song", parts, 3, ids.song);
        }
    }
    bool search_changed = !exists;
    if (exists) {
        DbStmt *st;
        r = scan_query(tx, &st, "SELECT album_id, title, artist, album FROM songs WHERE id = ?",
                       "t", ids.song);
        if (r < 0)
            return r;
        if (r == DB_ROW) {
            const char *old_album = db_column_text(st, 0);
            if (old_album && scan_set_add(&s->touched_albums, old_album) < 0)
                return -ENOMEM;
            search_changed = strcmp(db_column_text(st, 1), t->title) != 0 ||
                             strcmp(db_column_text(st, 2), t->artist) != 0 ||
                             strcmp(db_column_text(st, 3), t->album) != 0;
        }
        if ((r = scan_collect(tx, &s->touched_artists,
                              "SELECT artist_id FROM song_artists WHERE song_id = ?", "t",
                              ids.song)) < 0 ||
            (r = scan_collect(tx, &s->touched_genres,
                              "SELECT genre_id FROM song_genres WHERE song_id = ?", "t",
                              ids.song)) < 0)
            return r;
    }
    const char *sort_title = library_sort_key(a, *t->sort_title ? t->sort_title : t->title);
    if (!sort_title)
        return -ENOMEM;
    int64_t c = scan_exec(
        tx, scan_song_upsert, "tittiittiiiiitttttttttnnnntnntiTTTTTTddddttinttTTiii", ids.song,
        s->lib->id, folder_id, it->rel, it->size, it->mtime, t->format, t->codec, t->duration_ms,
        (int64_t)t->bitrate_kbps, (int64_t)t->sample_rate, (int64_t)t->bit_depth,
        (int64_t)t->channels, t->title, sort_title, t->artist, t->album, t->album_artist,
        t->sort_artist, t->sort_album, t->sort_album_artist, t->n_genres ? t->genres[0] : "",
        t->track, t->track_total, t->disc, t->disc_total, t->disc_subtitle, t->year,
        t->original_year, t->release_date, (int64_t)t->compilation, t->mbid_track,
        t->mbid_recording, t->mbid_album, t->mbid_artist, t->mbid_album_artist,
        t->mbid_release_group, t->rg_track_gain, t->rg_track_peak, t->rg_album_gain,
        t->rg_album_peak, t->comment, it->lyrics ? it->lyrics : "", (int64_t)it->lyrics_synced,
        t->bpm, t->label, ids.identity, t->n_artists ? ids.artists[0] : NULL,
        ids.album[0] ? ids.album : NULL, s->gen, s->now, s->now);
    if (c < 0)
        return (int)c;
    if (exists) {
        if ((c = scan_exec(tx, "DELETE FROM song_artists WHERE song_id = ?", "t", ids.song)) < 0 ||
            (c = scan_exec(tx, "DELETE FROM song_genres WHERE song_id = ?", "t", ids.song)) < 0)
            return (int)c;
    }
    for (size_t i = 0; i < t->n_artists; i++) {
        c = scan_exec(tx,
                      "INSERT INTO song_artists (song_id, artist_id, position) VALUES (?, ?, ?) "
                      "ON CONFLICT DO NOTHING",
                      "tti", ids.song, ids.artists[i], (int64_t)i);
        if (c < 0)
            return (int)c;
    }
    /* With the song's keys as just written (migration 0014's trigger would copy them). */
    for (size_t i = 0; i < t->n_genres; i++) {
        c = scan_exec(tx,
                      "INSERT INTO song_genres (song_id, genre_id, sort_title, missing, "
                      "library_id) VALUES (?, ?, ?, 0, ?) ON CONFLICT DO NOTHING",
                      "ttti", ids.song, ids.genres[i], sort_title, s->lib->id);
        if (c < 0)
            return (int)c;
    }
    if (exists && search_changed &&
        (c = scan_exec(tx, "DELETE FROM search WHERE kind = 'song' AND item_id = ?", "t",
                       ids.song)) < 0)
        return (int)c;
    if (search_changed) {
        const char *extra = arena_printf(a, "%s %s", t->artist, t->album);
        if (!extra)
            return -ENOMEM;
        c = scan_exec(tx,
                      "INSERT INTO search (kind, item_id, name, extra) VALUES ('song', ?, ?, ?)",
                      "ttt", ids.song, t->title, extra);
        if (c < 0)
            return (int)c;
    }
    if (s->lib->has_errors &&
        (c = scan_stamp(tx, "DELETE FROM scan_errors WHERE library_id = ? AND path = ?", "it",
                        s->lib->id, it->rel)) < 0)
        return (int)c;
    if (!exists && scan_set_add(&s->new_songs, ids.song) < 0)
        return -ENOMEM;
    if (moved)
        cnt->moved++;
    else if (it->old_id)
        cnt->updated++;
    else
        cnt->added++;
    return 0;
}

/* Collects the albums, artists and genres of songs matching `where` (binds: `fmt`). */
#define SCAN_COLLECT_ALL(tx, s, where, fmt, ...)                                                   \
    ((r = scan_collect(tx, &(s)->touched_albums,                                                   \
                       "SELECT DISTINCT album_id FROM songs WHERE " where, fmt, __VA_ARGS__)) <    \
         0 ||                                                                                      \
     (r = scan_collect(tx, &(s)->touched_artists,                                                  \
                       "SELECT DISTINCT sa.artist_id FROM song_artists sa JOIN songs "             \
                       "ON songs.id = sa.song_id WHERE " where,                                    \
                       fmt, __VA_ARGS__)) < 0 ||                                                   \
     (r = scan_collect(tx, &(s)->touched_genres,                                                   \
                       "SELECT DISTINCT sg.genre_id FROM song_genres sg JOIN songs "               \
                       "ON songs.id = sg.song_id WHERE " where,                                    \
                       fmt, __VA_ARGS__)) < 0 ||                                                   \
     (r = scan_collect(tx, &(s)->touched_artists,                                                  \
                       "SELECT DISTINCT aa.artist_id FROM album_artists aa JOIN songs "            \
                       "ON songs.album_id = aa.album_id WHERE " where,                             \
                       fmt, __VA_ARGS__)) < 0)

static int scan_write_cover(Scan *s, ScanTx *tx, const char *kind, const char *path, int64_t size,
                            int64_t mtime, char *ret_id)
{
    scan_cover_id(s, kind, path, size, mtime, ret_id);
    int64_t c = scan_exec(tx,
                          "INSERT INTO covers (id, library_id, kind, path, size, mtime, "
                          "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
                          "SET size = excluded.size, mtime = excluded.mtime, updated_at = "
                          "excluded.updated_at",
                          "tittiii", ret_id, s->lib->id, kind, path, size, mtime, s->now);
    return c < 0 ? (int)c : 0;
}

/* The end of a folder: cover, artist image, vanished songs, errors, then its hash. */
static int scan_finish_folder(Scan *s, ScanTx *tx, ScanChunk *ch, const char *folder_id)
{
    int r;
    int64_t c;
    char cover_id[SCAN_ID_BYTES] = "";
    if (ch->cover_path && (r = scan_write_cover(s, tx, ch->cover_kind, ch->cover_path,
                                                ch->cover_size, ch->cover_mtime, cover_id)) < 0)
        return r;
    if ((c = scan_exec(tx,
                       "UPDATE songs SET cover_id = ? WHERE folder_id = ? AND cover_id IS "
                       "DISTINCT FROM ?",
                       "TtT", cover_id, folder_id, cover_id)) < 0)
        return (int)c;
    if (ch->artist_image && ch->album_artist_id) {
        char img_id[SCAN_ID_BYTES];
        if ((r = scan_write_cover(s, tx, "file", ch->artist_image, ch->image_size, ch->image_mtime,
                                  img_id)) < 0)
            return r;
        if ((c = scan_exec(tx,
                           "UPDATE artists SET image_id = ? WHERE id = ? AND image_id IS "
                           "DISTINCT FROM ?",
                           "ttt", img_id, ch->album_artist_id, img_id)) < 0)
            return (int)c;
    }
    /* Songs of this folder not seen now are gone. */
    if (SCAN_COLLECT_ALL(tx, s, "songs.folder_id = ? AND songs.seen_at < ? AND songs.missing = 0",
                         "ti", folder_id, s->gen))
        return r;
    c = scan_exec(tx,
                  "UPDATE songs SET missing = 1, missing_since = ?, updated_at = ? "
                  "WHERE folder_id = ? AND seen_at < ? AND missing = 0",
                  "iiti", s->now, s->now, folder_id, s->gen);
    if (c < 0)
        return (int)c;
    int64_t vanished = c;
    /* Error rows of files of this folder that read now or are gone. */
    DbStmt *st;
    const char *prefix = *ch->folder_rel ? arena_printf(ch->arena, "%s/", ch->folder_rel) : "";
    if (!prefix)
        return -ENOMEM;
    size_t plen = strlen(prefix);
    if (s->lib->has_errors) {
        r = scan_query(tx, &st,
                       "SELECT path FROM scan_errors WHERE library_id = ? AND substr(path, 1, ?) "
                       "= ?",
                       "iit", s->lib->id, scan_chars(prefix), prefix);
        const char **gone = NULL;
        size_t n_gone = 0, cap_gone = 0;
        while (r == DB_ROW) {
            const char *p = db_column_text(st, 0);
            bool keep = strchr(p + plen, '/') != NULL; /* in a subfolder */
            for (size_t i = 0; !keep && i < ch->n_err_paths; i++)
                keep = strcmp(ch->err_paths[i], p) == 0;
            if (!keep) {
                if (n_gone == cap_gone) {
                    cap_gone = cap_gone ? cap_gone * 2 : 16;
                    const char **ng = arena_calloc(ch->arena, cap_gone, sizeof(char *));
                    if (!ng)
                        return -ENOMEM;
                    if (n_gone)
                        memcpy(ng, gone, n_gone * sizeof(char *));
                    gone = ng;
                }
                if (!(gone[n_gone++] = arena_strdup(ch->arena, p)))
                    return -ENOMEM;
            }
            r = db_step(st);
        }
        if (r < 0)
            return r;
        for (size_t i = 0; i < n_gone; i++) {
            c = scan_stamp(tx, "DELETE FROM scan_errors WHERE library_id = ? AND path = ?", "it",
                           s->lib->id, gone[i]);
            if (c < 0)
                return (int)c;
        }
    }
    /* The hash is bookkeeping; the cover is what answers show. */
    c = scan_stamp(tx,
                   "UPDATE folders SET hash = ?, updated_at = ? WHERE id = ? AND cover_id IS NOT "
                   "DISTINCT FROM ?",
                   "titT", ch->hash, s->now, folder_id, cover_id);
    if (c == 0)
        c = scan_exec(tx, "UPDATE folders SET hash = ?, cover_id = ?, updated_at = ? WHERE id = ?",
                      "tTit", ch->hash, cover_id, s->now, folder_id);
    if (c < 0)
        return (int)c;
    pthread_mutex_lock(&s->mu);
    s->stats.missing += vanished;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

typedef struct ScanWriteArg {
    ScanChunk *ch;
    ScanCounts cnt;
} ScanWriteArg;

static int scan_write_songs_tx(Scan *s, ScanTx *tx, void *arg)
{
    ScanWriteArg *wa = arg;
    ScanChunk *ch = wa->ch;
    memset(&wa->cnt, 0, sizeof(wa->cnt));
    int64_t c;
    if (ch->kind == SCAN_CHUNK_TOUCH) {
        /* An unchanged folder: only the folder row is stamped. Its songs keep their older
         * seen_at; scan_mark_missing_fn() looks at the folder, not at them. */
        for (size_t i = 0; i < ch->n_touch; i++) {
            c = scan_stamp(tx, "UPDATE folders SET seen_at = ? WHERE id = ? AND missing = 0", "it",
                           s->gen, ch->touch[i]);
            if (c == 0) /* a folder marked missing is back: that is a change */
                c = scan_exec(tx, "UPDATE folders SET seen_at = ?, missing = 0 WHERE id = ?", "it",
                              s->gen, ch->touch[i]);
            if (c < 0)
                return (int)c;
        }
        return 0;
    }
    int r = scan_ensure_folder(s, tx, ch->arena, ch->folder_rel);
    if (r < 0)
        return r;
    char folder_id[SCAN_ID_BYTES];
    scan_folder_id(s, ch->folder_rel, folder_id);
    if (ch->folder_err)
        return (c = scan_exec(tx, "UPDATE songs SET seen_at = ? WHERE folder_id = ?", "it", s->gen,
                              folder_id)) < 0
                   ? (int)c
                   : 0;
    for (size_t i = 0; i < ch->n; i++) {
        ScanItem *it = &ch->items[i];
        if (it->err < 0) {
            c = scan_stamp(tx,
                           "INSERT INTO scan_errors (library_id, path, message, at) VALUES "
                           "(?, ?, ?, ?) ON CONFLICT (library_id, path) DO UPDATE SET message = "
                           "excluded.message, at = excluded.at",
                           "itti", s->lib->id, it->rel, err_str(it->err), s->now);
            if (c < 0)
                return (int)c;
            wa->cnt.errors++;
            continue;
        }
        if (!it->probed) {
            c = it->has_lrc
                    ? scan_exec(tx,
                                "UPDATE songs SET seen_at = ?, folder_id = ?, lyrics = ?, "
                                "lyrics_synced = ? WHERE id = ?",
                                "ittit", s->gen, folder_id, it->lyrics, (int64_t)it->lyrics_synced,
                                it->old_id)
                    : scan_stamp(tx, "UPDATE songs SET seen_at = ? WHERE id = ? AND folder_id = ?",
                                 "itt", s->gen, it->old_id, folder_id);
            if (c == 0 && !it->has_lrc) /* its folder changed: that is what answers show */
                c = scan_exec(tx, "UPDATE songs SET seen_at = ?, folder_id = ? WHERE id = ?", "itt",
                              s->gen, folder_id, it->old_id);
            if (c < 0)
                return (int)c;
            continue;
        }
        if ((r = scan_write_song(s, tx, ch->arena, folder_id, it, &wa->cnt)) < 0)
            return r;
    }
    if (ch->final)
        return scan_finish_folder(s, tx, ch, folder_id);
    return 0;
}

/* Chunks written in one transaction: what the readers have queued, up to a batch of songs.
 * Fewer commits write the same index and FTS pages fewer times. */
typedef struct ScanWriteGroup {
    ScanWriteArg v[SCAN_GROUP_CHUNKS];
    size_t n;
} ScanWriteGroup;

static int scan_write_group_tx(Scan *s, ScanTx *tx, void *arg)
{
    ScanWriteGroup *g = arg;
    for (size_t i = 0; i < g->n; i++) {
        int r = scan_write_songs_tx(s, tx, &g->v[i]);
        if (r < 0)
            return r;
    }
    return 0;
}

static void *scan_writer_main(void *arg)
{
    Scan *s = arg;
    ScanChunk *first;
    int64_t since_progress = 0;
    while ((first = scan_queue_pop(&s->chunks)) != NULL) {
        ScanWriteGroup g = {.n = 1};
        g.v[0].ch = first;
        size_t songs = first->n + first->n_touch;
        while (g.n < SCAN_GROUP_CHUNKS && songs < LIMIT_SCAN_BATCH) {
            ScanChunk *more = scan_queue_trypop(&s->chunks);
            if (!more)
                break;
            g.v[g.n++].ch = more;
            songs += more->n + more->n_touch;
        }
        int r = scan_get_fatal(s) ? 0 : scan_transaction(s, scan_write_group_tx, &g);
        if (r < 0)
            scan_set_fatal(s, r);
        for (size_t k = 0; k < g.n; k++) {
            ScanChunk *ch = g.v[k].ch;
            ScanWriteArg wa = g.v[k];
            if (r == 0 && !scan_get_fatal(s)) {
                pthread_mutex_lock(&s->mu);
                s->stats.added += wa.cnt.added;
                s->stats.updated += wa.cnt.updated + wa.cnt.moved;
                s->stats.moved += wa.cnt.moved;
                s->stats.unchanged += ch->unchanged;
                s->stats.probed += ch->probed;
                s->stats.seen += ch->kind == SCAN_CHUNK_TOUCH ? 0 : (int64_t)ch->n;
                pthread_mutex_unlock(&s->mu);
                if (ch->folder_err) {
                    char p[LIMIT_PATH_BYTES];
                    scan_join(p, sizeof(p), s->lib->root, ch->folder_rel);
                    scan_report(s, p, ch->folder_err);
                }
                for (size_t i = 0; i < ch->n; i++) {
                    if (ch->items[i].err < 0) {
                        char p[LIMIT_PATH_BYTES];
                        scan_join(p, sizeof(p), s->lib->root, ch->items[i].rel);
                        scan_report(s, p, ch->items[i].err);
                    }
                }
                since_progress += (int64_t)ch->n + (int64_t)ch->n_touch;
                if (since_progress >= 50) {
                    since_progress = 0;
                    scan_progress(s);
                }
            }
            scan_chunk_free(ch);
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------- per library */

/* Registers the library of `f`. A known folder (by path) keeps its id and the name it was
 * first given, so library names (GET /api/folders, X-Accel-Redirect paths) stay put when
 * music_dirs is reordered; a new one gets f->name, or "<name>-2"... when another library
 * already has that name. */
static int scan_register_fn(Scan *s, ScanTx *tx, void *arg)
{
    const LibraryFolder *f = arg;
    DbStmt *st;
    int r =
        scan_query(tx, &st, "SELECT id, scan_settings FROM libraries WHERE path = ?", "t", f->path);
    if (r == DB_ROW) {
        s->lib->id = db_column_int64(st, 0);
        const char *stored = db_column_text(st, 1);
        /* NULL: scanned before the settings were recorded; assume they have not changed. */
        s->lib->reread_all = stored && strcmp(stored, s->settings) != 0;
        if (stored)
            return 0;
        int64_t c = scan_exec(tx, "UPDATE libraries SET scan_settings = ? WHERE id = ?", "ti",
                              s->settings, s->lib->id);
        return c < 0 ? (int)c : 0;
    }
    if (r < 0)
        return r;
    char name[LIMIT_PATH_BYTES];
    for (int k = 1; k <= LIMIT_LIBRARY_NAMES; k++) {
        if (k == 1)
            str_copy(name, f->name, sizeof(name));
        else
            snprintf(name, sizeof(name), "%.200s-%d", f->name, k);
        r = scan_query(tx, &st, "SELECT 1 FROM libraries WHERE name = ?", "t", name);
        if (r < 0)
            return r;
        if (r == DB_ROW)
            continue;
        r = scan_query(tx, &st,
                       "INSERT INTO libraries (name, path, created_at, scan_settings) "
                       "VALUES (?, ?, ?, ?) RETURNING id",
                       "ttit", name, f->path, s->now, s->settings);
        if (r < 0)
            return r;
        if (r != DB_ROW)
            return ERR_DB;
        s->lib->id = db_column_int64(st, 0);
        while ((r = db_step(st)) == DB_ROW)
            ;
        return r < 0 ? r : 0;
    }
    return ERR_LIMIT;
}

/* Every folder of the library was read with the current settings: record them. */
static int scan_settings_store_fn(Scan *s, ScanTx *tx, void *arg)
{
    (void)arg;
    int64_t c = scan_exec(tx, "UPDATE libraries SET scan_settings = ? WHERE id = ?", "ti",
                          s->settings, s->lib->id);
    return c < 0 ? (int)c : 0;
}

static int scan_stored_cmp(const void *a, const void *b)
{
    return strcmp(((const ScanStored *)a)->path, ((const ScanStored *)b)->path);
}

typedef struct ScanStoredList {
    ScanStored *v;
    size_t n;
} ScanStoredList;

static int scan_load_stored_fn(Scan *s, ScanTx *tx, void *arg)
{
    ScanStoredList *sl = arg;
    for (size_t i = 0; i < sl->n; i++)
        free(sl->v[i].path);
    sl->n = 0;
    DbStmt *st;
    size_t cap = 0;
    int r = scan_query(tx, &st, "SELECT path, id, hash, missing FROM folders WHERE library_id = ?",
                       "i", s->lib->id);
    while (r == DB_ROW) {
        if (sl->n == cap) {
            cap = cap ? cap * 2 : 256;
            ScanStored *v = realloc(sl->v, cap * sizeof(*v));
            if (!v)
                return -ENOMEM;
            sl->v = v;
        }
        ScanStored *e = &sl->v[sl->n];
        if (!(e->path = strdup(db_column_text(st, 0))))
            return -ENOMEM;
        str_copy(e->id, db_column_text(st, 1), sizeof(e->id));
        str_copy(e->hash, db_column_text(st, 2), sizeof(e->hash));
        e->missing = db_column_int64(st, 3) != 0;
        sl->n++;
        r = db_step(st);
    }
    if (r < 0)
        return r;
    if (sl->n)
        qsort(sl->v, sl->n, sizeof(ScanStored), scan_stored_cmp);
    /* Flags used to skip work: are there missing songs (moves) or error rows? */
    r = scan_query(tx, &st, "SELECT 1 FROM songs WHERE missing = 1 LIMIT 1", "");
    if (r < 0)
        return r;
    s->lib->has_missing = r == DB_ROW;
    r = scan_query(tx, &st, "SELECT 1 FROM scan_errors WHERE library_id = ? LIMIT 1", "i",
                   s->lib->id);
    if (r < 0)
        return r;
    s->lib->has_errors = r == DB_ROW;
    return 0;
}

typedef struct ScanScopeArg {
    const char *scope;
    int64_t vanished;
} ScanScopeArg;

/* Marks songs and folders of a scope not seen by this scan missing. A folder that was read
 * marked its own vanished songs already; an unchanged folder's songs were not stamped (only
 * the folder was); so here a song is gone when its folder was not seen at all. */
static int scan_mark_missing_fn(Scan *s, ScanTx *tx, void *arg)
{
    ScanScopeArg *sa = arg;
    const char *scope = sa->scope;
    char prefix[LIMIT_PATH_BYTES];
    snprintf(prefix, sizeof(prefix), "%s/", scope);
    int64_t np = *scope ? scan_chars(prefix) : 0;
    const char *pfx = *scope ? prefix : "";
    int r;
    /* Both OR terms are lookups on the songs_folder index, so an unchanged library costs
     * nothing here. */
    if (SCAN_COLLECT_ALL(tx, s,
                         "(songs.folder_id IN (SELECT id FROM folders WHERE library_id = ? AND "
                         "seen_at < ?) OR (songs.folder_id IS NULL AND songs.seen_at < ?)) AND "
                         "songs.library_id = ? AND songs.missing = 0 AND "
                         "substr(songs.path, 1, ?) = ?",
                         "iiiiit", s->lib->id, s->gen, s->gen, s->lib->id, np, pfx))
        return r;
    int64_t c =
        scan_exec(tx,
                  "UPDATE songs SET missing = 1, missing_since = ?, updated_at = ? WHERE "
                  "(folder_id IN (SELECT id FROM folders WHERE library_id = ? AND "
                  "seen_at < ?) OR (folder_id IS NULL AND seen_at < ?)) AND "
                  "library_id = ? AND missing = 0 AND substr(path, 1, ?) = ?",
                  "iiiiiiit", s->now, s->now, s->lib->id, s->gen, s->gen, s->lib->id, np, pfx);
    if (c < 0)
        return (int)c;
    sa->vanished = c;
    c = scan_exec(tx,
                  "UPDATE folders SET missing = 1, updated_at = ? WHERE library_id = ? AND "
                  "missing = 0 AND seen_at < ? AND (path = ? OR substr(path, 1, ?) = ?)",
                  "iiitit", s->now, s->lib->id, s->gen, scope, np, pfx);
    return c < 0 ? (int)c : 0;
}

static void scan_flush_touch(Scan *s, ScanChunk **touch)
{
    if (*touch && (*touch)->n_touch)
        scan_queue_push(&s->chunks, *touch);
    else
        scan_chunk_free(*touch);
    *touch = NULL;
}

/* Runs phase 2 over the walked folders: skips unchanged ones, reads the others. */
static int scan_phase2(Scan *s, ScanDir *dirs, size_t n_dirs, ScanStoredList *stored)
{
    unsigned workers = s->opts->workers ? s->opts->workers : 1;
    if (workers > SCAN_MAX_WORKERS)
        workers = SCAN_MAX_WORKERS;
    int r = scan_queue_init(&s->jobs, (size_t)workers * 2);
    if (r < 0)
        return r;
    if ((r = scan_queue_init(&s->chunks, (size_t)workers + SCAN_QUEUED_CHUNKS)) < 0) {
        scan_queue_destroy(&s->jobs);
        return r;
    }
    pthread_t writer, readers[SCAN_MAX_WORKERS];
    unsigned n_readers = 0;
    bool writer_up = pthread_create(&writer, NULL, scan_writer_main, s) == 0;
    if (!writer_up)
        r = -EAGAIN;
    for (unsigned i = 0; r == 0 && i < workers; i++) {
        if (pthread_create(&readers[i], NULL, scan_reader_main, s) != 0)
            break;
        n_readers++;
    }
    if (r == 0 && n_readers == 0)
        r = -EAGAIN;
    ScanChunk *touch = NULL;
    for (size_t i = 0; r == 0 && i < n_dirs; i++) {
        if (scan_cancelled(s)) {
            r = -ECANCELED;
            break;
        }
        if ((r = scan_get_fatal(s)) < 0)
            break;
        ScanStored key = {.path = dirs[i].rel};
        ScanStored *st =
            stored->n ? bsearch(&key, stored->v, stored->n, sizeof(ScanStored), scan_stored_cmp)
                      : NULL;
        if (st && !st->missing && !s->lib->reread_all && strcmp(st->hash, dirs[i].hash) == 0) {
            if (!touch) {
                touch = calloc(1, sizeof(*touch));
                if (touch)
                    touch->kind = SCAN_CHUNK_TOUCH;
                if (touch)
                    touch->touch = calloc(SCAN_TOUCH_BATCH, SCAN_ID_BYTES);
                if (!touch || !touch->touch) {
                    scan_chunk_free(touch);
                    touch = NULL;
                    r = -ENOMEM;
                    break;
                }
            }
            str_copy(touch->touch[touch->n_touch++], st->id, SCAN_ID_BYTES);
            touch->unchanged += dirs[i].n_audio;
            pthread_mutex_lock(&s->mu);
            s->stats.seen += dirs[i].n_audio;
            pthread_mutex_unlock(&s->mu);
            if (touch->n_touch == SCAN_TOUCH_BATCH)
                scan_flush_touch(s, &touch);
            continue;
        }
        scan_queue_push(&s->jobs, &dirs[i]);
    }
    scan_flush_touch(s, &touch);
    scan_queue_close(&s->jobs);
    for (unsigned i = 0; i < n_readers; i++)
        pthread_join(readers[i], NULL);
    scan_queue_close(&s->chunks);
    if (writer_up)
        pthread_join(writer, NULL);
    else
        while ((touch = scan_queue_pop(&s->chunks)) != NULL)
            scan_chunk_free(touch);
    scan_queue_destroy(&s->jobs);
    scan_queue_destroy(&s->chunks);
    int fatal = scan_get_fatal(s);
    if (fatal < 0)
        return fatal;
    if (r == 0 && scan_cancelled(s))
        r = -ECANCELED;
    return r;
}

/* Relative scopes of `only_paths` inside the library (all of it when NULL). Returns the
 * number of scopes (0: the library is not concerned). */
static size_t scan_scopes(Scan *s, const char *root, size_t root_len)
{
    s->lib->scopes = NULL;
    s->lib->n_scopes = 0;
    const LibraryScanOptions *o = s->opts;
    const char **v =
        arena_calloc(s->arena, o->only_paths ? o->n_only_paths + 1 : 1, sizeof(char *));
    if (!v)
        return 0;
    s->lib->scopes = v;
    if (!o->only_paths) {
        v[0] = "";
        return s->lib->n_scopes = 1;
    }
    for (size_t i = 0; i < o->n_only_paths; i++) {
        const char *p = o->only_paths[i];
        if (!p || strncmp(p, root, root_len) != 0 || (p[root_len] && p[root_len] != '/'))
            continue;
        const char *rel = p + root_len;
        while (*rel == '/')
            rel++;
        size_t n = strlen(rel);
        while (n && rel[n - 1] == '/')
            n--;
        const char *r = arena_strndup(s->arena, rel, n);
        if (r)
            v[s->lib->n_scopes++] = r;
    }
    return s->lib->n_scopes;
}

static int scan_library(Scan *s, const LibraryFolder *f)
{
    ScanLib *lib = s->lib;
    memset(lib, 0, sizeof(*lib));
    size_t len = strlen(f->path);
    if (len == 0 || len >= sizeof(lib->root)) {
        scan_report(s, f->path, -ENAMETOOLONG);
        return 0;
    }
    memcpy(lib->root, f->path, len + 1);
    while (len > 1 && lib->root[len - 1] == '/')
        lib->root[--len] = '\0';
    lib->root_len = len;
    if (scan_scopes(s, lib->root, len) == 0)
        return lib->scopes ? 0 : -ENOMEM;
    struct stat sb;
    int fd = open(lib->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) < 0) {
        scan_report(s, f->path, -errno);
        if (fd >= 0)
            close(fd);
        return 0; /* an unmounted disk must not empty the library */
    }
    close(fd);
    int r = scan_transaction(s, scan_register_fn, (void *)f);
    if (r < 0)
        return r;
    snprintf(lib->idstr, sizeof(lib->idstr), "%lld", (long long)lib->id);
    pthread_mutex_lock(&s->mu);
    s->stats.folders++;
    pthread_mutex_unlock(&s->mu);

    /* Phase 1: walk every scope. */
    ScanWalk *w = calloc(1, sizeof(*w));
    ScanStoredList stored = {0};
    if (!w)
        return -ENOMEM;
    w->s = s;
    for (size_t i = 0; i < lib->n_scopes && r == 0; i++) {
        const char *scope = lib->scopes[i];
        if ((size_t)snprintf(w->abs, sizeof(w->abs), "%s%s%s", lib->root, *scope ? "/" : "",
                             scope) >= sizeof(w->abs))
            continue;
        str_copy(w->rel, scope, sizeof(w->rel));
        struct stat ssb;
        if (*scope && stat(w->abs, &ssb) < 0 && errno == ENOENT)
            continue; /* the subtree vanished: marked missing below */
        int depth = 0;
        for (const char *p = scope; *p; p++)
            depth += *p == '/';
        r = scan_walk_dir(w, strlen(w->abs), strlen(w->rel), *scope ? depth + 1 : 0);
    }
    scan_progress(s);
    if (r == 0)
        r = scan_read(s, scan_load_stored_fn, &stored);
    if (r == 0)
        r = scan_phase2(s, w->dirs, w->n, &stored);
    /* Vanished songs and folders, unless the walk was partial or stopped. */
    for (size_t i = 0; r == 0 && !lib->walk_incomplete && i < lib->n_scopes; i++) {
        ScanScopeArg sa = {lib->scopes[i], 0};
        r = scan_transaction(s, scan_mark_missing_fn, &sa);
        pthread_mutex_lock(&s->mu);
        s->stats.missing += sa.vanished;
        pthread_mutex_unlock(&s->mu);
    }
    /* Only a whole, finished walk read every folder with the new settings; a partial one
     * leaves the old digest, so the next full scan reads everything again. */
    if (r == 0 && lib->reread_all && !s->opts->only_paths && !lib->walk_incomplete &&
        !scan_cancelled(s))
        r = scan_transaction(s, scan_settings_store_fn, NULL);
    for (size_t i = 0; i < w->n; i++)
        free(w->dirs[i].rel);
    free(w->dirs);
    free(w);
    for (size_t i = 0; i < stored.n; i++)
        free(stored.v[i].path);
    free(stored.v);
    return r;
}

/* ---------------------------------------------------------------- after the writes */

/* Songs that went missing in this scan whose file reappeared elsewhere as a new song: the
 * new row's data moves into the old row, which keeps its id. */
typedef struct ScanMove {
    char old_id[SCAN_ID_BYTES];
    char new_id[SCAN_ID_BYTES];
} ScanMove;

static int scan_move_fn(Scan *s, ScanTx *tx, void *arg)
{
    (void)s;
    const ScanMove *m = arg;
    DbStmt *st;
    int r = scan_query(tx, &st, "SELECT path FROM songs WHERE id = ?", "t", m->new_id);
    if (r < 0)
        return r;
    if (r != DB_ROW)
        return 0;
    char *path = strdup(db_column_text(st, 0));
    if (!path)
        return -ENOMEM;
#define SCAN_MOVE_COLS                                                                             \
    "library_id, folder_id, size, mtime, format, codec, duration_ms, bitrate, sample_rate, "       \
    "bit_depth, channels, title, sort_title, artist, album, album_artist, sort_artist, "           \
    "sort_album, sort_album_artist, genre, track_no, track_total, disc_no, disc_total, "           \
    "disc_subtitle, year, original_year, release_date, compilation, mbid, mbid_recording, "        \
    "mbid_album, mbid_artist, mbid_album_artist, mbid_release_group, rg_track_gain, "              \
    "rg_track_peak, rg_album_gain, rg_album_peak, comment, lyrics, lyrics_synced, bpm, label, "    \
    "identity, artist_id, album_id, cover_id, missing, missing_since, seen_at, updated_at"
    int64_t c;
    if ((c = scan_exec(tx,
                       "UPDATE songs SET (" SCAN_MOVE_COLS ") = (SELECT " SCAN_MOVE_COLS
                       " FROM songs WHERE id = ?) WHERE id = ?",
                       "tt", m->new_id, m->old_id)) < 0 ||
        (c = scan_exec(tx, "DELETE FROM song_artists WHERE song_id = ?", "t", m->old_id)) < 0 ||
        (c = scan_exec(tx, "UPDATE song_artists SET song_id = ? WHERE song_id = ?", "tt", m->old_id,
                       m->new_id)) < 0 ||
        (c = scan_exec(tx, "DELETE FROM song_genres WHERE song_id = ?", "t", m->old_id)) < 0 ||
        (c = scan_exec(tx, "UPDATE song_genres SET song_id = ? WHERE song_id = ?", "tt", m->old_id,
                       m->new_id)) < 0 ||
        (c = scan_exec(tx, "DELETE FROM search WHERE kind = 'song' AND item_id = ?", "t",
                       m->old_id)) < 0 ||
        (c = scan_exec(tx, "UPDATE search SET item_id = ? WHERE kind = 'song' AND item_id = ?",
                       "tt", m->old_id, m->new_id)) < 0 ||
        (c = scan_exec(tx, "DELETE FROM songs WHERE id = ?", "t", m->new_id)) < 0 ||
        (c = scan_exec(tx, "UPDATE songs SET path = ? WHERE id = ?", "tt", path, m->old_id)) < 0)
        r = (int)c;
    free(path);
#undef SCAN_MOVE_COLS
    return r < 0 ? r : 0;
}

typedef struct ScanMoveList {
    ScanMove *v;
    size_t n;
} ScanMoveList;

static int scan_find_moves_fn(Scan *s, ScanTx *tx, void *arg)
{
    ScanMoveList *ml = arg;
    ml->n = 0;
    /* Songs that went missing in this scan (few); their candidates are new in this scan. */
    DbStmt *st;
    size_t cap = 0;
    int r = scan_query(tx, &st,
                       "SELECT id, COALESCE(mbid, ''), identity FROM songs WHERE missing = 1 "
                       "AND missing_since = ?",
                       "i", s->now);
    typedef struct Gone {
        char id[SCAN_ID_BYTES], mbid[64], identity[SCAN_ID_BYTES];
    } Gone;
    Gone *gone = NULL;
    size_t n_gone = 0, cap_gone = 0;
    while (r == DB_ROW) {
        if (n_gone == cap_gone) {
            cap_gone = cap_gone ? cap_gone * 2 : 16;
            Gone *g = realloc(gone, cap_gone * sizeof(*g));
            if (!g) {
                free(gone);
                return -ENOMEM;
            }
            gone = g;
        }
        str_copy(gone[n_gone].id, db_column_text(st, 0), SCAN_ID_BYTES);
        str_copy(gone[n_gone].mbid, db_column_text(st, 1), 64);
        str_copy(gone[n_gone].identity, db_column_text(st, 2), SCAN_ID_BYTES);
        n_gone++;
        r = db_step(st);
    }
    for (size_t i = 0; r >= 0 && i < n_gone; i++) {
        char found[SCAN_ID_BYTES] = "";
        int matches = 0;
        if (gone[i].mbid[0]) {
            r = scan_query(tx, &st, "SELECT id FROM songs WHERE mbid = ? AND missing = 0", "t",
                           gone[i].mbid);
            while (r == DB_ROW && !found[0]) {
                if (scan_set_has(&s->new_songs, db_column_text(st, 0)))
                    str_copy(found, db_column_text(st, 0), sizeof(found));
                r = db_step(st);
            }
            matches = found[0] ? 1 : 0;
        }
        if (r >= 0 && !found[0] && gone[i].identity[0]) {
            r = scan_query(tx, &st, "SELECT COUNT(*) FROM songs WHERE identity = ? AND missing = 1",
                           "t", gone[i].identity);
            bool unique = r == DB_ROW && db_column_int64(st, 0) == 1;
            if (r >= 0 && unique) {
                r = scan_query(tx, &st, "SELECT id FROM songs WHERE identity = ? AND missing = 0",
                               "t", gone[i].identity);
                while (r == DB_ROW) {
                    if (scan_set_has(&s->new_songs, db_column_text(st, 0))) {
                        str_copy(found, db_column_text(st, 0), sizeof(found));
                        matches++;
                    }
                    r = db_step(st);
                }
            }
        }
        if (r < 0 || matches != 1)
            continue;
        bool taken = false;
        for (size_t j = 0; j < ml->n; j++)
            taken = taken || strcmp(ml->v[j].new_id, found) == 0;
        if (taken)
            continue;
        if (ml->n == cap) {
            cap = cap ? cap * 2 : 16;
            ScanMove *v = realloc(ml->v, cap * sizeof(*v));
            if (!v) {
                free(gone);
                return -ENOMEM;
            }
            ml->v = v;
        }
        str_copy(ml->v[ml->n].old_id, gone[i].id, SCAN_ID_BYTES);
        str_copy(ml->v[ml->n].new_id, found, SCAN_ID_BYTES);
        ml->n++;
    }
    free(gone);
    return r < 0 ? r : 0;
}

static int scan_moves(Scan *s)
{
    if (!s->new_songs.n)
        return 0;
    ScanMoveList ml = {0};
    int r = scan_read(s, scan_find_moves_fn, &ml);
    for (size_t i = 0; r == 0 && i < ml.n; i++) {
        r = scan_transaction(s, scan_move_fn, &ml.v[i]);
        if (r == 0) {
            pthread_mutex_lock(&s->mu);
            s->stats.moved++;
            s->stats.added--;
            s->stats.updated++;
            s->stats.missing--;
            pthread_mutex_unlock(&s->mu);
        }
    }
    free(ml.v);
    return r;
}

static int scan_purge_fn(Scan *s, ScanTx *tx, void *arg)
{
    const int64_t *lib_id = arg;
    int64_t cutoff = s->now - s->opts->purge_after_s;
    /* Nothing due (the usual case): skip the deletes, which would scan the search table. */
    DbStmt *st;
    int r = scan_query(tx, &st,
                       "SELECT 1 FROM songs WHERE missing = 1 AND missing_since <= ? AND "
                       "library_id = ? LIMIT 1",
                       "ii", cutoff, *lib_id);
    if (r < 0)
        return r;
    if (r == DB_DONE) {
        r = scan_query(tx, &st,
                       "SELECT 1 FROM folders WHERE library_id = ? AND missing = 1 AND "
                       "seen_at <= ? LIMIT 1",
                       "ii", *lib_id, cutoff);
        if (r < 0)
            return r;
        if (r == DB_DONE)
            return 0;
    }
    if (SCAN_COLLECT_ALL(tx, s,
                         "songs.library_id = ? AND songs.missing = 1 AND songs.missing_since <= ?",
                         "ii", *lib_id, cutoff))
        return r;
    int64_t c;
    if ((c = scan_exec(tx,
                       "DELETE FROM search WHERE kind = 'song' AND item_id IN (SELECT id FROM "
                       "songs WHERE library_id = ? AND missing = 1 AND missing_since <= ?)",
                       "ii", *lib_id, cutoff)) < 0 ||
        (c = scan_exec(tx,
                       "DELETE FROM songs WHERE library_id = ? AND missing = 1 AND "
                       "missing_since <= ?",
                       "ii", *lib_id, cutoff)) < 0 ||
        (c = scan_exec(tx,
                       "DELETE FROM folders WHERE library_id = ? AND missing = 1 AND seen_at <= ?",
                       "ii", *lib_id, cutoff)) < 0 ||
        (c = scan_exec(tx,
                       "DELETE FROM covers WHERE library_id = ? AND NOT EXISTS (SELECT 1 FROM "
                       "folders WHERE folders.cover_id = covers.id) AND NOT EXISTS (SELECT 1 "
                       "FROM artists WHERE artists.image_id = covers.id)",
                       "i", *lib_id)) < 0)
        return (int)c;
    return 0;
}

/* Recomputes aggregates of the touched entities (and deletes those left without songs). */
typedef struct ScanAggArg {
    const ScanSet *set;
    size_t from, to; /* slot range */
    int kind;        /* 0 albums, 1 artists, 2 genres */
} ScanAggArg;

static int scan_agg_album(ScanTx *tx, const char *id)
{
    int64_t c = scan_exec(tx,
                          "DELETE FROM albums WHERE id = ? AND NOT EXISTS (SELECT 1 FROM "
                          "songs WHERE songs.album_id = ?)",
                          "tt", id, id);
    if (c < 0)
        return (int)c;
    if (c > 0) {
        c = scan_exec(tx, "DELETE FROM search WHERE kind = 'album' AND item_id = ?", "t", id);
        return c < 0 ? (int)c : 0;
    }
    c = scan_exec(
        tx,
        "UPDATE albums SET song_count = (SELECT COUNT(*) FROM songs WHERE album_id = ? AND "
        "missing = 0), disc_count = (SELECT COUNT(DISTINCT COALESCE(disc_no, 1)) FROM songs "
        "WHERE album_id = ? AND missing = 0), duration_ms = (SELECT COALESCE(SUM(duration_ms), "
        "0) FROM songs WHERE album_id = ? AND missing = 0), year = (SELECT MIN(year) FROM songs "
        "WHERE album_id = ? AND missing = 0 AND year > 0), genre = COALESCE((SELECT genre FROM "
        "songs WHERE album_id = ? AND missing = 0 AND genre <> '' ORDER BY COALESCE(disc_no, 0), "
        "COALESCE(track_no, 0), id LIMIT 1), ''), cover_id = (SELECT cover_id FROM songs WHERE "
        "album_id = ? AND missing = 0 AND cover_id IS NOT NULL ORDER BY COALESCE(disc_no, 0), "
        "COALESCE(track_no, 0), id LIMIT 1) WHERE id = ?",
        "ttttttt", id, id, id, id, id, id, id);
    if (c < 0)
        return (int)c;
    if ((c = scan_exec(tx, "DELETE FROM album_genres WHERE album_id = ?", "t", id)) < 0 ||
        (c = scan_exec(
             tx,
             "INSERT INTO album_genres (album_id, genre_id) SELECT DISTINCT CAST(? AS TEXT), "
             "sg.genre_id FROM song_genres sg JOIN songs s ON s.id = sg.song_id WHERE "
             "s.album_id = ? AND s.missing = 0",
             "tt", id, id)) < 0)
        return (int)c;
    return 0;
}

/* Recounts an artist or genre: counts[0] updates its library-wide counts, counts[1] deletes
 * its rows per library and counts[2] writes them again (each binds the id for every '?';
 * statements cached by address). Returns 0 or a negative error. */
static int scan_agg_counts(ScanTx *tx, const char *const counts[3], const char *id)
{
    int64_t c = scan_exec(tx, counts[0], "ttt", id, id, id);
    if (c >= 0)
        c = scan_exec(tx, counts[1], "t", id);
    if (c >= 0)
        c = scan_exec(tx, counts[2], "ttt", id, id, id);
    return c < 0 ? (int)c : 0;
}

static int scan_agg_artist(ScanTx *tx, const char *id)
{
    int64_t c = scan_exec(tx,
                          "DELETE FROM artists WHERE id = ? AND NOT EXISTS (SELECT 1 FROM "
                          "song_artists WHERE artist_id = ?) AND NOT EXISTS (SELECT 1 FROM "
                          "album_artists WHERE artist_id = ?) AND NOT EXISTS (SELECT 1 FROM "
                          "songs WHERE songs.artist_id = ?)",
                          "tttt", id, id, id, id);
    if (c < 0)
        return (int)c;
    if (c > 0) {
        c = scan_exec(tx, "DELETE FROM search WHERE kind = 'artist' AND item_id = ?", "t", id);
        return c < 0 ? (int)c : 0;
    }
    /* The library-wide counts, then the same per library (migration 0019): a row where the
     * artist has a song, or an album holding one. */
    static const char *const counts[3] = {
        "UPDATE artists SET album_count = (SELECT COUNT(*) FROM album_artists aa JOIN albums al "
        "ON al.id = aa.album_id WHERE aa.artist_id = ? AND al.song_count > 0), song_count = "
        "(SELECT COUNT(*) FROM song_artists sa JOIN songs s ON s.id = sa.song_id WHERE "
        "sa.artist_id = ? AND s.missing = 0) WHERE id = ?",
        "DELETE FROM artist_library_counts WHERE artist_id = ?",
        "INSERT INTO artist_library_counts (artist_id, library_id, album_count, song_count) "
        "SELECT CAST(? AS TEXT), t.library_id, SUM(t.albums), SUM(t.songs) FROM (SELECT "
        "s.library_id AS library_id, 0 AS albums, COUNT(*) AS songs FROM song_artists sa JOIN "
        "songs s ON s.id = sa.song_id WHERE sa.artist_id = ? AND s.missing = 0 GROUP BY "
        "s.library_id UNION ALL SELECT s.library_id, COUNT(DISTINCT s.album_id), 0 FROM "
        "album_artists aa JOIN songs s ON s.album_id = aa.album_id WHERE aa.artist_id = ? AND "
        "s.missing = 0 GROUP BY s.library_id) t GROUP BY t.library_id"};
    return scan_agg_counts(tx, counts, id);
}

static int scan_agg_genre(ScanTx *tx, const char *id)
{
    int64_t c = scan_exec(tx,
                          "DELETE FROM genres WHERE id = ? AND NOT EXISTS (SELECT 1 FROM "
                          "song_genres WHERE genre_id = ?)",
                          "tt", id, id);
    if (c < 0)
        return (int)c;
    if (c > 0)
        return 0;
    /* The library-wide counts, then the same per library (migration 0019): a row where the
     * genre has songs (its albums may hold songs of other libraries, which do not make it
     * visible there). */
    static const char *const counts[3] = {
        "UPDATE genres SET song_count = (SELECT COUNT(*) FROM song_genres sg JOIN songs s ON "
        "s.id = sg.song_id WHERE sg.genre_id = ? AND s.missing = 0), album_count = (SELECT "
        "COUNT(*) FROM album_genres ag JOIN albums al ON al.id = ag.album_id WHERE ag.genre_id = "
        "? AND al.song_count > 0) WHERE id = ?",
        "DELETE FROM genre_library_counts WHERE genre_id = ?",
        "INSERT INTO genre_library_counts (genre_id, library_id, song_count, album_count) "
        "SELECT CAST(? AS TEXT), t.library_id, SUM(t.songs), SUM(t.albums) FROM (SELECT "
        "sg.library_id AS library_id, COUNT(*) AS songs, 0 AS albums FROM song_genres sg WHERE "
        "sg.genre_id = ? AND sg.missing = 0 GROUP BY sg.library_id UNION ALL SELECT "
        "s.library_id, 0, COUNT(DISTINCT s.album_id) FROM album_genres ag JOIN songs s ON "
        "s.album_id = ag.album_id WHERE ag.genre_id = ? AND s.missing = 0 GROUP BY "
        "s.library_id) t GROUP BY t.library_id HAVING SUM(t.songs) > 0"};
    return scan_agg_counts(tx, counts, id);
}

static int scan_agg_fn(Scan *s, ScanTx *tx, void *arg)
{
    const ScanAggArg *ag = arg;
    for (size_t i = ag->from; i < ag->to; i++) {
        const char *id = ag->set->keys[i];
        if (!id[0])
            continue;
        int r = ag->kind == 0   ? scan_agg_album(tx, id)
                : ag->kind == 1 ? scan_agg_artist(tx, id)
                                : scan_agg_genre(tx, id);
        /* An album's artists and genres count it per library where it holds a song
         * (migration 0019): a song leaving its library changes their rows even when the
         * song had none of them. The artists and genres are recomputed after the albums. */
        if (r == 0 && ag->kind == 0 &&
            (r = scan_collect(tx, &s->touched_artists,
                              "SELECT artist_id FROM album_artists WHERE album_id = ?", "t", id)) ==
                0)
            r = scan_collect(tx, &s->touched_genres,
                             "SELECT genre_id FROM album_genres WHERE album_id = ?", "t", id);
        if (r < 0)
            return r;
    }
    return 0;
}

static int scan_aggregates(Scan *s)
{
    /* Albums first (artists and genres count albums with songs); the album pass adds the
     * albums' artists and genres to their sets, nothing else adds to them while this runs. */
    const ScanSet *sets[3] = {&s->touched_albums, &s->touched_artists, &s->touched_genres};
    int r = 0;
    for (int kind = 0; kind < 3 && r == 0; kind++) {
        for (size_t from = 0; from < sets[kind]->cap && r == 0; from += SCAN_AGG_BATCH * 4) {
            size_t to = from + SCAN_AGG_BATCH * 4;
            ScanAggArg ag = {sets[kind], from, to < sets[kind]->cap ? to : sets[kind]->cap, kind};
            r = scan_transaction(s, scan_agg_fn, &ag);
        }
    }
    return r;
}

/* Brings the planner's statistics up to date once the library is written (db_optimize():
 * nothing to do unless the library doubled, halved or was never analysed). The scan's
 * result stands whatever happens here: without statistics the plans stay as they were. */
static void scan_optimize(Scan *s)
{
    DbConn *conn;
    bool analyzed;
    if (db_acquire_bulk(s->db, &conn) < 0)
        return;
    (void)db_optimize(conn, &analyzed);
    db_release(conn);
}

/* The digest of the options that change what reading a folder stores, as hex. */
static void scan_settings_digest(const LibraryScanOptions *o, char out[SCAN_SETTINGS_HEX])
{
    const char *parts[] = {o->artist_separators ? o->artist_separators : "",
                           o->cover_priority ? o->cover_priority : ""};
    library_id("scan-settings", parts, sizeof(parts) / sizeof(parts[0]), out);
}

int library_scan(Db *db, const LibraryFolder *folders, size_t n, const LibraryScanOptions *opts,
                 const LibraryScanObserver *observer, const atomic_bool *cancel,
                 LibraryScanStats *ret_stats)
{
    static const LibraryScanOptions defaults = LIBRARY_SCAN_OPTIONS_DEFAULT;
    Scan *s = calloc(1, sizeof(*s));
    ScanLib *lib = calloc(1, sizeof(*lib));
    int64_t *purge_ids = calloc(n + 1, sizeof(int64_t));
    if (!s || !lib || !purge_ids) {
        free(s);
        free(lib);
        free(purge_ids);
        return -ENOMEM;
    }
    size_t n_purge = 0;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->obs_mu, NULL);
    s->db = db;
    s->opts = opts ? opts : &defaults;
    s->observer = observer;
    s->cancel = cancel;
    s->lib = lib;
    s->now = (int64_t)time(NULL);
    s->gen = s->now;
    s->arena = arena_new(1 << 20);
    scan_settings_digest(s->opts, s->settings);
    int r = s->arena ? 0 : -ENOMEM;
    if (r == 0)
        r = library_tags_rules_parse(
            s->arena, s->opts->artist_separators ? s->opts->artist_separators : "", &s->rules);
    if (r == 0) {
        /* seen_at must grow even when two scans run within one second. */
        ScanTx tx = {0};
        r = db_acquire_bulk(db, &tx.conn);
        if (r == 0) {
            DbStmt *st;
            r = scan_query(&tx, &st,
                           "SELECT COALESCE(MAX(seen_at), 0) FROM songs UNION ALL "
                           "SELECT COALESCE(MAX(seen_at), 0) FROM folders",
                           "");
            while (r == DB_ROW) {
                int64_t m = db_column_int64(st, 0);
                if (m >= s->gen)
                    s->gen = m + 1;
                r = db_step(st);
            }
            scan_tx_finalize(&tx);
            db_release(tx.conn);
        }
    }
    for (size_t i = 0; i < n && r == 0; i++) {
        r = scan_library(s, &folders[i]);
        if (r == 0 && lib->id && lib->n_scopes && !lib->walk_incomplete)
            purge_ids[n_purge++] = lib->id;
    }
    if (r == 0 && !scan_cancelled(s))
        r = scan_moves(s);
    for (size_t i = 0; r == 0 && !scan_cancelled(s) && i < n_purge; i++)
        r = scan_transaction(s, scan_purge_fn, &purge_ids[i]);
    /* Aggregates also after a cancel: what was written must be counted right. */
    if (r == 0 || r == -ECANCELED) {
        int ar = scan_aggregates(s);
        if (r == 0)
            r = ar;
    }
    if (r == 0 && scan_cancelled(s))
        r = -ECANCELED;
    if (r == 0)
        scan_optimize(s);
    scan_progress(s);
    pthread_mutex_lock(&s->mu);
    *ret_stats = s->stats;
    pthread_mutex_unlock(&s->mu);
    scan_set_clear(&s->touched_albums);
    scan_set_clear(&s->touched_artists);
    scan_set_clear(&s->touched_genres);
    scan_set_clear(&s->done_artists);
    scan_set_clear(&s->done_albums);
    scan_set_clear(&s->done_genres);
    scan_set_clear(&s->done_folders);
    scan_set_clear(&s->new_songs);
    arena_free(s->arena);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->obs_mu);
    free(purge_ids);
    free(lib);
    free(s);
    return r;
}
