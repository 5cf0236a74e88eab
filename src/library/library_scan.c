/*
 * library_scan.c - walks folders, probes changed files, writes songs in batches.
 *
 * A batch collects up to LIMIT_SCAN_BATCH pending writes (probed outside any transaction)
 * in its own arena; flushing writes them in one BEGIN IMMEDIATE transaction, retried with
 * a back-off while the database is busy. Every file seen gets the scan's generation number
 * in songs.seen_at; after a folder's walk, its songs with an older generation are missing.
 */
#include "library/library_scan.h"

#include "core/arena.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "core/utf8.h"
#include "media/media_probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SCAN_ARENA_BYTES  (LIMIT_SCAN_BATCH * 64 * 1024)
#define SCAN_BUSY_RETRIES 600 /* x 50 ms: a busy database delays a scan, never aborts it */

typedef struct ScanItem {
    bool probed; /* false: unchanged file, only its seen_at is refreshed */
    const char *rel_path;
    int64_t size;
    int64_t mtime;
    MediaInfo info;
} ScanItem;

typedef struct Scan {
    Db *db;
    const LibraryScanObserver *observer;
    const atomic_bool *cancel;
    LibraryScanStats stats;
    const LibraryFolder *folder; /* the folder being scanned */
    int64_t library_id;
    int64_t generation;
    int64_t now;
    Arena *arena; /* the current batch */
    ScanItem items[LIMIT_SCAN_BATCH];
    size_t n_items;
    char rel[LIMIT_PATH_BYTES]; /* path of the entry being walked, relative to the root */
    char abs[LIMIT_PATH_BYTES];
} Scan;

static const char *const scan_audio_ext[] = {
    "mp3", "flac", "ogg", "oga", "opus", "m4a", "m4b", "mp4", "aac", "alac", "wav",
    "aif", "aiff", "wma", "ape", "wv",   "dsf", "dff", "mpc", "mka", NULL,
};

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

static bool scan_is_audio(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        return false;
    for (const char *const *e = scan_audio_ext; *e; e++) {
        if (strcasecmp(dot + 1, *e) == 0)
            return true;
    }
    return false;
}

static void scan_error(Scan *s, const char *path, int err)
{
    s->stats.errors++;
    if (s->observer && s->observer->error)
        s->observer->error(s->observer->ctx, path, err);
}

static void scan_progress(Scan *s)
{
    if (s->observer && s->observer->progress)
        s->observer->progress(s->observer->ctx, &s->stats);
}

static bool scan_cancelled(const Scan *s)
{
    return s->cancel && atomic_load(s->cancel);
}

/* Runs `fn` inside a write transaction, retrying the whole transaction while busy. */
static int scan_transaction(Scan *s, int (*fn)(Scan *, DbConn *))
{
    int r = 0;
    for (int attempt = 0; attempt < SCAN_BUSY_RETRIES; attempt++) {
        DbConn *conn;
        r = db_acquire(s->db, &conn);
        if (r == 0) {
            r = db_begin_write(conn);
            if (r == 0)
                r = fn(s, conn);
            if (r == 0)
                r = db_commit(conn);
            else
                db_rollback(conn);
            db_release(conn);
        }
        if (r != ERR_DB_BUSY)
            return r;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return r;
}

static int scan_bind_opt_int(DbStmt *st, int idx, int v)
{
    return v > 0 ? db_bind_int64(st, idx, v) : db_bind_null(st, idx);
}

/* Upserts an artist or returns "" as the id when the name is empty. */
static int scan_upsert_artist(Scan *s, DbConn *conn, const char *name, char *ret_id)
{
    ret_id[0] = '\0';
    if (!*name)
        return 0;
    const char *key = library_sort_key(s->arena, name);
    if (!key)
        return -ENOMEM;
    library_id("artist", &key, 1, ret_id);
    DbStmt *st;
    int r = db_prepare(conn,
                       "INSERT INTO artists (id, name, sort_name, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, ret_id)) < 0 || (r = db_bind_text(st, 2, name)) < 0 ||
        (r = db_bind_text(st, 3, key)) < 0 || (r = db_bind_int64(st, 4, s->now)) < 0 ||
        (r = db_bind_int64(st, 5, s->now)) < 0)
        goto out;
    r = db_step(st);
    r = r < 0 ? r : 0;
out:
    db_finalize(st);
    return r;
}

static int scan_upsert_album(Scan *s, DbConn *conn, const MediaInfo *mi, const char *artist,
                             const char *artist_id, char *ret_id)
{
    ret_id[0] = '\0';
    if (!*mi->album)
        return 0;
    const char *key = library_sort_key(s->arena, mi->album);
    const char *akey = library_sort_key(s->arena, artist);
    if (!key || !akey)
        return -ENOMEM;
    const char *parts[] = {akey, key};
    library_id("album", parts, 2, ret_id);
    DbStmt *st;
    int r = db_prepare(conn,
                       "INSERT INTO albums (id, name, sort_name, artist_id, album_artist, year, "
                       "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (id) DO UPDATE SET year = COALESCE(excluded.year, "
                       "albums.year), updated_at = excluded.updated_at",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, ret_id)) < 0 || (r = db_bind_text(st, 2, mi->album)) < 0 ||
        (r = db_bind_text(st, 3, key)) < 0 ||
        (r = *artist_id ? db_bind_text(st, 4, artist_id) : db_bind_null(st, 4)) < 0 ||
        (r = db_bind_text(st, 5, artist)) < 0 || (r = scan_bind_opt_int(st, 6, mi->year)) < 0 ||
        (r = db_bind_int64(st, 7, s->now)) < 0 || (r = db_bind_int64(st, 8, s->now)) < 0)
        goto out;
    r = db_step(st);
    r = r < 0 ? r : 0;
out:
    db_finalize(st);
    return r;
}

static int scan_write_song(Scan *s, DbConn *conn, const ScanItem *it)
{
    const MediaInfo *mi = &it->info;
    char song_id[LIBRARY_ID_LEN + 1], artist_id[LIBRARY_ID_LEN + 1];
    char album_id[LIBRARY_ID_LEN + 1];
    char lib[24];
    snprintf(lib, sizeof(lib), "%lld", (long long)s->library_id);
    const char *id_parts[] = {lib, it->rel_path};
    library_id("song", id_parts, 2, song_id);

    const char *album_artist = *mi->album_artist ? mi->album_artist : mi->artist;
    int r = scan_upsert_artist(s, conn, album_artist, artist_id);
    if (r < 0)
        return r;
    r = scan_upsert_album(s, conn, mi, album_artist, artist_id, album_id);
    if (r < 0)
        return r;
    char song_artist_id[LIBRARY_ID_LEN + 1];
    r = scan_upsert_artist(s, conn, mi->artist, song_artist_id);
    if (r < 0)
        return r;

    const char *title = mi->title;
    if (!*title) {
        const char *base = strrchr(it->rel_path, '/');
        base = base ? base + 1 : it->rel_path;
        const char *dot = strrchr(base, '.');
        title =
            arena_strndup(s->arena, base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
        if (!title)
            return -ENOMEM;
    }
    const char *sort_title = library_sort_key(s->arena, title);
    if (!sort_title)
        return -ENOMEM;

    DbStmt *st;
    r = db_prepare(conn,
                   "INSERT INTO songs (id, library_id, path, size, mtime, format, codec, "
                   "duration_ms, bitrate, sample_rate, channels, title, sort_title, artist, "
                   "album, album_artist, genre, track_no, disc_no, year, mbid, artist_id, "
                   "album_id, missing, seen_at, created_at, updated_at) VALUES (?, ?, ?, ?, "
                   "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) "
                   "ON CONFLICT (library_id, path) DO UPDATE SET size = excluded.size, "
                   "mtime = excluded.mtime, format = excluded.format, codec = excluded.codec, "
                   "duration_ms = excluded.duration_ms, bitrate = excluded.bitrate, "
                   "sample_rate = excluded.sample_rate, channels = excluded.channels, "
                   "title = excluded.title, sort_title = excluded.sort_title, "
                   "artist = excluded.artist, album = excluded.album, "
                   "album_artist = excluded.album_artist, genre = excluded.genre, "
                   "track_no = excluded.track_no, disc_no = excluded.disc_no, "
                   "year = excluded.year, mbid = excluded.mbid, artist_id = "
                   "excluded.artist_id, album_id = excluded.album_id, missing = 0, "
                   "seen_at = excluded.seen_at, updated_at = excluded.updated_at",
                   &st);
    if (r < 0)
        return r;
    int i = 1;
    if ((r = db_bind_text(st, i++, song_id)) < 0 ||
        (r = db_bind_int64(st, i++, s->library_id)) < 0 ||
        (r = db_bind_text(st, i++, it->rel_path)) < 0 ||
        (r = db_bind_int64(st, i++, it->size)) < 0 || (r = db_bind_int64(st, i++, it->mtime)) < 0 ||
        (r = db_bind_text(st, i++, mi->format)) < 0 || (r = db_bind_text(st, i++, mi->codec)) < 0 ||
        (r = db_bind_int64(st, i++, mi->duration_ms)) < 0 ||
        (r = db_bind_int64(st, i++, mi->bitrate_kbps)) < 0 ||
        (r = db_bind_int64(st, i++, mi->sample_rate)) < 0 ||
        (r = db_bind_int64(st, i++, mi->channels)) < 0 || (r = db_bind_text(st, i++, title)) < 0 ||
        (r = db_bind_text(st, i++, sort_title)) < 0 ||
        (r = db_bind_text(st, i++, mi->artist)) < 0 || (r = db_bind_text(st, i++, mi->album)) < 0 ||
        (r = db_bind_text(st, i++, mi->album_artist)) < 0 ||
        (r = db_bind_text(st, i++, mi->genre)) < 0 ||
        (r = scan_bind_opt_int(st, i++, mi->track)) < 0 ||
        (r = scan_bind_opt_int(st, i++, mi->disc)) < 0 ||
        (r = scan_bind_opt_int(st, i++, mi->year)) < 0 ||
        (r = *mi->mbid ? db_bind_text(st, i++, mi->mbid) : db_bind_null(st, i++)) < 0 ||
        (r = *song_artist_id ? db_bind_text(st, i++, song_artist_id) : db_bind_null(st, i++)) < 0 ||
        (r = *album_id ? db_bind_text(st, i++, album_id) : db_bind_null(st, i++)) < 0 ||
        (r = db_bind_int64(st, i++, s->generation)) < 0 ||
        (r = db_bind_int64(st, i++, s->now)) < 0 || (r = db_bind_int64(st, i++, s->now)) < 0)
        goto out;
    r = db_step(st);
    r = r < 0 ? r : 0;
out:
    db_finalize(st);
    return r;
}

static int scan_write_batch(Scan *s, DbConn *conn)
{
    DbStmt *touch;
    int r =
        db_prepare(conn, "UPDATE songs SET seen_at = ? WHERE library_id = ? AND path = ?", &touch);
    if (r < 0)
        return r;
    for (size_t i = 0; i < s->n_items && r == 0; i++) {
        const ScanItem *it = &s->items[i];
        if (it->probed) {
            r = scan_write_song(s, conn, it);
            continue;
        }
        db_reset(touch);
        if ((r = db_bind_int64(touch, 1, s->generation)) < 0 ||
            (r = db_bind_int64(touch, 2, s->library_id)) < 0 ||
            (r = db_bind_text(touch, 3, it->rel_path)) < 0)
            break;
        r = db_step(touch);
        r = r < 0 ? r : 0;
    }
    db_finalize(touch);
    return r;
}

static int scan_flush(Scan *s)
{
    int r = s->n_items ? scan_transaction(s, scan_write_batch) : 0;
    s->n_items = 0;
    arena_free(s->arena);
    s->arena = arena_new(SCAN_ARENA_BYTES);
    if (!s->arena)
        return -ENOMEM;
    scan_progress(s);
    return r;
}

/* Looks up what the database knows of a file. Returns 1 if unchanged, 0 if new or
 * changed (*ret_known tells which), or a negative error. */
static int scan_lookup(Scan *s, const char *rel, int64_t size, int64_t mtime, bool *ret_known)
{
    DbConn *conn;
    int r = db_acquire(s->db, &conn);
    if (r < 0)
        return r;
    DbStmt *st;
    r = db_prepare(conn, "SELECT size, mtime, missing FROM songs WHERE library_id = ? AND path = ?",
                   &st);
    if (r < 0)
        goto out_release;
    if ((r = db_bind_int64(st, 1, s->library_id)) < 0 || (r = db_bind_text(st, 2, rel)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_ROW) {
        *ret_known = true;
        r = db_column_int64(st, 0) == size && db_column_int64(st, 1) == mtime &&
            db_column_int64(st, 2) == 0;
    } else if (r == DB_DONE) {
        *ret_known = false;
        r = 0;
    }
out_finalize:
    db_finalize(st);
out_release:
    db_release(conn);
    return r;
}

static int scan_file(Scan *s, const struct stat *sb)
{
    s->stats.seen++;
    if (!utf8_valid(s->rel, strlen(s->rel))) {
        scan_error(s, s->abs, ERR_UNSUPPORTED);
        return 0;
    }
    bool known = false;
    int64_t mtime = (int64_t)sb->st_mtim.tv_sec;
    int r = scan_lookup(s, s->rel, (int64_t)sb->st_size, mtime, &known);
    if (r < 0)
        return r;
    ScanItem *it = &s->items[s->n_items];
    memset(it, 0, sizeof(*it));
    it->rel_path = arena_strdup(s->arena, s->rel);
    if (!it->rel_path)
        return -ENOMEM;
    it->size = (int64_t)sb->st_size;
    it->mtime = mtime;
    if (r == 1) {
        s->stats.unchanged++;
    } else {
        r = media_probe(s->abs, s->arena, &it->info);
        if (r == -ENOMEM)
            return r;
        if (r < 0) {
            scan_error(s, s->abs, r);
            return 0;
        }
        MediaInfo *mi = &it->info;
        const char **tags[] = {&mi->title,        &mi->artist, &mi->album,
                               &mi->album_artist, &mi->genre,  &mi->mbid};
        for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
            *tags[i] = utf8_repair(s->arena, *tags[i]);
            if (!*tags[i])
                return -ENOMEM;
        }
        it->probed = true;
        if (known)
            s->stats.updated++;
        else
            s->stats.added++;
    }
    if (++s->n_items == LIMIT_SCAN_BATCH)
        return scan_flush(s);
    return 0;
}

/* Walks the folder at s->abs (s->rel relative), `depth` levels below the root. */
static int scan_dir(Scan *s, size_t abs_len, size_t rel_len, int depth)
{
    if (depth > LIMIT_SCAN_DEPTH) {
        scan_error(s, s->abs, ERR_LIMIT);
        return 0;
    }
    int dfd = open(s->abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        scan_error(s, s->abs, -errno);
        return 0;
    }
    if (faccessat(dfd, ".swazignore", F_OK, 0) == 0) {
        close(dfd);
        return 0;
    }
    DIR *dir = fdopendir(dfd);
    if (!dir) {
        scan_error(s, s->abs, -errno);
        close(dfd);
        return 0;
    }
    int r = 0;
    struct dirent *de;
    while (r == 0 && (de = readdir(dir)) != NULL) {
        if (scan_cancelled(s)) {
            r = -ECANCELED;
            break;
        }
        if (de->d_name[0] == '.')
            continue;
        size_t nlen = strlen(de->d_name);
        if (abs_len + 1 + nlen >= sizeof(s->abs) || rel_len + 1 + nlen >= sizeof(s->rel)) {
            scan_error(s, s->abs, -ENAMETOOLONG);
            continue;
        }
        struct stat sb;
        if (fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        bool is_link = S_ISLNK(sb.st_mode);
        if (is_link && fstatat(dirfd(dir), de->d_name, &sb, 0) < 0)
            continue; /* dangling link */
        if (S_ISDIR(sb.st_mode) && is_link)
            continue; /* symlinked folders could loop; not followed */
        if (!S_ISDIR(sb.st_mode) && !(S_ISREG(sb.st_mode) && scan_is_audio(de->d_name)))
            continue;

        s->abs[abs_len] = '/';
        memcpy(s->abs + abs_len + 1, de->d_name, nlen + 1);
        size_t rl = rel_len;
        if (rl)
            s->rel[rl++] = '/';
        memcpy(s->rel + rl, de->d_name, nlen + 1);

        if (S_ISDIR(sb.st_mode))
            r = scan_dir(s, abs_len + 1 + nlen, rl + nlen, depth + 1);
        else
            r = scan_file(s, &sb);
        s->abs[abs_len] = '\0';
        s->rel[rel_len] = '\0';
    }
    closedir(dir);
    return r;
}

/* Registers the folder in `libraries` and writes its id and next scan generation. */
static int scan_register(Scan *s, DbConn *conn, const LibraryFolder *f)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "INSERT INTO libraries (name, path, created_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (path) DO UPDATE SET name = excluded.name RETURNING id",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, f->name)) < 0 || (r = db_bind_text(st, 2, f->path)) < 0 ||
        (r = db_bind_int64(st, 3, s->now)) < 0)
        goto out;
    r = db_step(st);
    if (r == DB_ROW) {
        s->library_id = db_column_int64(st, 0);
        r = 0;
    } else if (r == DB_DONE) {
        r = ERR_DB;
    }
    db_finalize(st);
    if (r < 0)
        return r;
    r = db_prepare(conn, "SELECT COALESCE(MAX(seen_at), 0) + 1 FROM songs WHERE library_id = ?",
                   &st);
    if (r < 0)
        return r;
    if ((r = db_bind_int64(st, 1, s->library_id)) < 0)
        goto out;
    r = db_step(st);
    if (r == DB_ROW) {
        s->generation = db_column_int64(st, 0);
        r = 0;
    } else if (r == DB_DONE) {
        r = ERR_DB;
    }
out:
    db_finalize(st);
    return r;
}

static int scan_register_tx(Scan *s, DbConn *conn)
{
    return scan_register(s, conn, s->folder);
}

static int scan_mark_missing(Scan *s, DbConn *conn)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "UPDATE songs SET missing = 1, updated_at = ? "
                       "WHERE library_id = ? AND seen_at < ? AND missing = 0",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_int64(st, 1, s->now)) < 0 || (r = db_bind_int64(st, 2, s->library_id)) < 0 ||
        (r = db_bind_int64(st, 3, s->generation)) < 0)
        goto out;
    r = db_step(st);
    if (r >= 0) {
        s->stats.missing += db_changes(st);
        r = 0;
    }
out:
    db_finalize(st);
    return r;
}

static int scan_folder(Scan *s, const LibraryFolder *f)
{
    size_t len = strlen(f->path);
    if (len == 0 || len >= sizeof(s->abs)) {
        scan_error(s, f->path, -ENAMETOOLONG);
        return 0;
    }
    struct stat sb;
    if (stat(f->path, &sb) < 0) {
        scan_error(s, f->path, -errno);
        return 0;
    }
    if (!S_ISDIR(sb.st_mode)) {
        scan_error(s, f->path, -ENOTDIR);
        return 0;
    }
    s->folder = f;
    int r = scan_transaction(s, scan_register_tx);
    if (r < 0)
        return r;
    memcpy(s->abs, f->path, len + 1);
    while (len > 1 && s->abs[len - 1] == '/')
        s->abs[--len] = '\0';
    s->rel[0] = '\0';
    s->stats.folders++;
    r = scan_dir(s, len, 0, 0);
    int fr = scan_flush(s);
    if (r == 0)
        r = fr;
    if (r == 0)
        r = scan_transaction(s, scan_mark_missing);
    return r;
}

int library_scan(Db *db, const LibraryFolder *folders, size_t n, const LibraryScanOptions *opts,
                 const LibraryScanObserver *observer, const atomic_bool *cancel,
                 LibraryScanStats *ret_stats)
{
    (void)opts;
    Scan *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->db = db;
    s->observer = observer;
    s->cancel = cancel;
    s->now = (int64_t)time(NULL);
    s->arena = arena_new(SCAN_ARENA_BYTES);
    int r = s->arena ? 0 : -ENOMEM;
    for (size_t i = 0; i < n && r == 0; i++)
        r = scan_folder(s, &folders[i]);
    scan_progress(s);
    *ret_stats = s->stats;
    arena_free(s->arena);
    free(s);
    return r;
}
