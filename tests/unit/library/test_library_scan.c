/*
 * test_library_scan.c - the scanner on a generated folder tree, on SQLite and PostgreSQL:
 * first scan, no-change rescan, changed file, removed file, hidden and ignored folders,
 * unreadable files, stable ids, keyset paging, cursors; and the full model: artists, albums,
 * genres, folders, covers, lyrics, scan_errors, search, aggregates, moves, purge, only_paths.
 */
#include "core/err.h"
#include "library/library_scan.h"
#include "library/library_song.h"
#include "media/media_probe.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

static void mk(const char *dir, const char *rel)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void wav(const char *dir, const char *rel, const char *title, const char *artist,
                const char *album, const char *track)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    const char *info[] = {"INAM", title, "IART", artist, "IPRD", album, "IPRT", track, NULL};
    testutil_write_wav(p, 0.2, info);
}

static int64_t count_songs(Db *db, const char *where)
{
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM songs WHERE %s", where);
    DbStmt *st;
    assert_int_equal(db_prepare(c, sql, &st), 0);
    assert_int_equal(db_step(st), DB_ROW);
    int64_t n = db_column_int64(st, 0);
    db_finalize(st);
    db_release(c);
    return n;
}

typedef struct Errors {
    int count;
} Errors;

static void on_error(void *ctx, const char *path, int err)
{
    (void)path;
    (void)err;
    ((Errors *)ctx)->count++;
}

static void scan_case(const char *url, const char *dir)
{
    media_init();
    char music[1024];
    snprintf(music, sizeof(music), "%s/music", dir);
    assert_int_equal(mkdir(music, 0755), 0);
    mk(music, "The Band");
    mk(music, "The Band/First");
    wav(music, "The Band/First/01 a.wav", "Zebra", "The Band", "First", "1");
    wav(music, "The Band/First/02 b.wav", "apple", "The Band", "First", "2");
    wav(music, "The Band/First/03 c.wav", "The Mango", "The Band", "First", "3");
    mk(music, "Other");
    wav(music, "Other/x y 'z' %.wav", "Banana", "Other", "Solo", "1");
    wav(music, "Other/untitled.wav", "", "", "", "");
    char p[2048];
    snprintf(p, sizeof(p), "%s/Other/broken.mp3", music);
    testutil_write_file(p, "garbage", 7);
    snprintf(p, sizeof(p), "%s/Other/cover.jpg", music);
    testutil_write_file(p, "not scanned", 11);
    mk(music, ".hidden");
    wav(music, ".hidden/h.wav", "Hidden", "H", "H", "1");
    mk(music, "Ignored");
    wav(music, "Ignored/i.wav", "Ignored", "I", "I", "1");
    snprintf(p, sizeof(p), "%s/Ignored/.swazignore", music);
    testutil_write_file(p, "", 0);

    Db *db;
    assert_int_equal(db_open(url, 4, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    LibraryFolder folders[] = {{"music", music}, {"gone", "/nonexistent/swaz-folder"}};
    Errors errs = {0};
    LibraryScanObserver obs = {on_error, NULL, &errs};
    LibraryScanStats st;

    assert_int_equal(library_scan(db, folders, 2, NULL, &obs, NULL, &st), 0);
    assert_int_equal(st.seen, 6);
    assert_int_equal(st.added, 5);
    assert_int_equal(st.errors, 2); /* broken.mp3 and the missing folder */
    assert_int_equal(errs.count, 2);
    assert_int_equal(count_songs(db, "missing = 0"), 5);
    assert_int_equal(count_songs(db, "title = 'untitled'"), 1);

    /* Keyset paging: sort_title order ignoring "The", every song once. */
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    Arena *a = arena_new(1 << 20);
    const char *cursor = NULL;
    char order[256] = "";
    char first_id[64] = "";
    for (int page = 0; page < 10; page++) {
        Song *songs;
        size_t n;
        const char *next;
        assert_int_equal(library_song_list(c, a, cursor, 2, &songs, &n, &next), 0);
        for (size_t i = 0; i < n; i++) {
            strncat(order, songs[i].title, sizeof(order) - strlen(order) - 2);
            strncat(order, ",", sizeof(order) - strlen(order) - 1);
            if (!first_id[0])
                snprintf(first_id, sizeof(first_id), "%s", songs[i].id);
        }
        if (!next)
            break;
        cursor = next;
    }
    assert_string_equal(order, "apple,Banana,The Mango,untitled,Zebra,");
    Song s;
    assert_int_equal(library_song_get(c, a, first_id, &s), 0);
    assert_string_equal(s.title, "apple");
    assert_string_equal(s.album, "First");
    assert_string_equal(s.format, "wav");
    assert_int_equal(s.track, 2);
    assert_non_null(strstr(s.full_path, "/The Band/First/02 b.wav"));
    assert_int_equal(library_song_get(c, a, "../../etc/passwd", &s), -ENOENT);
    assert_int_equal(library_song_get(c, a, "' OR 1=1 --", &s), -ENOENT);
    assert_int_equal(library_song_get(c, a, "abcdef", &s), -ENOENT);
    Song *songs;
    size_t n;
    const char *next;
    assert_int_equal(library_song_list(c, a, "!!!", 2, &songs, &n, &next), ERR_PARSE);
    assert_int_equal(library_song_list(c, a, "YWJj", 2, &songs, &n, &next), ERR_PARSE);
    assert_int_equal(library_song_list(c, a, NULL, 0, &songs, &n, &next), -EINVAL);
    assert_int_equal(library_song_list(c, a, NULL, 501, &songs, &n, &next), -EINVAL);
    db_release(c);

    /* A no-change rescan reads nothing and keeps ids. */
    assert_int_equal(library_scan(db, folders, 1, NULL, NULL, NULL, &st), 0);
    assert_int_equal(st.unchanged, 5);
    assert_int_equal(st.added + st.updated + st.missing, 0);

    /* A changed file is re-read; a removed one is marked missing and disappears. */
    wav(music, "The Band/First/01 a.wav", "Zebra Two", "The Band", "First", "1");
    snprintf(p, sizeof(p), "%s/Other/untitled.wav", music);
    assert_int_equal(unlink(p), 0);
    assert_int_equal(library_scan(db, folders, 1, NULL, NULL, NULL, &st), 0);
    assert_int_equal(st.updated, 1);
    assert_int_equal(st.missing, 1);
    assert_int_equal(count_songs(db, "missing = 0"), 4);
    assert_int_equal(count_songs(db, "title = 'Zebra Two'"), 1);
    assert_int_equal(db_acquire(db, &c), 0);
    assert_int_equal(library_song_get(c, a, first_id, &s), 0);
    db_release(c);

    /* Cancelling stops at once and reports it. */
    atomic_bool cancel = true;
    assert_int_equal(library_scan(db, folders, 1, NULL, NULL, &cancel, &st), -ECANCELED);
    arena_free(a);
    db_close(db);
}

static void test_scan_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, scan_case);
}

static void test_scan_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, scan_case);
}

/* Returns the first column of the first row of `sql` as an integer (-1 when no row). */
static int64_t q_int(Db *db, const char *sql)
{
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    DbStmt *st;
    assert_int_equal(db_prepare(c, sql, &st), 0);
    int r = db_step(st);
    assert_true(r == DB_ROW || r == DB_DONE);
    int64_t n = r == DB_ROW ? db_column_int64(st, 0) : -1;
    db_finalize(st);
    db_release(c);
    return n;
}

/* Copies the first column of the first row of `sql` as text into `out` ("" when none). */
static void q_text(Db *db, const char *sql, char *out, size_t size)
{
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    DbStmt *st;
    assert_int_equal(db_prepare(c, sql, &st), 0);
    int r = db_step(st);
    out[0] = '\0';
    if (r == DB_ROW && db_column_text(st, 0))
        snprintf(out, size, "%s", db_column_text(st, 0));
    db_finalize(st);
    db_release(c);
}

static void wav_tags(const char *dir, const char *rel, const char *const *info)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    testutil_write_wav(p, 0.2, info);
}

/* The per-library counts (migration 0019) as they are, and as recomputed from the songs. */
#define ARTIST_COUNTS_KEPT                                                                         \
    "SELECT artist_id, library_id, album_count, song_count FROM artist_library_counts"
#define ARTIST_COUNTS_NOW                                                                          \
    "SELECT t.artist_id, t.library_id, SUM(t.albums), SUM(t.songs) FROM (SELECT sa.artist_id AS "  \
    "artist_id, s.library_id AS library_id, 0 AS albums, COUNT(*) AS songs FROM song_artists sa "  \
    "JOIN songs s ON s.id = sa.song_id WHERE s.missing = 0 GROUP BY sa.artist_id, s.library_id "   \
    "UNION ALL SELECT aa.artist_id, p.library_id, COUNT(*), 0 FROM album_artists aa JOIN (SELECT " \
    "DISTINCT album_id, library_id FROM songs WHERE missing = 0 AND album_id IS NOT NULL) p ON "   \
    "p.album_id = aa.album_id GROUP BY aa.artist_id, p.library_id) t GROUP BY t.artist_id, "       \
    "t.library_id"
#define GENRE_COUNTS_KEPT                                                                          \
    "SELECT genre_id, library_id, song_count, album_count FROM genre_library_counts"
#define GENRE_COUNTS_NOW                                                                           \
    "SELECT t.genre_id, t.library_id, SUM(t.songs), SUM(t.albums) FROM (SELECT sg.genre_id AS "    \
    "genre_id, s.library_id AS library_id, COUNT(*) AS songs, 0 AS albums FROM song_genres sg "    \
    "JOIN songs s ON s.id = sg.song_id WHERE s.missing = 0 GROUP BY sg.genre_id, s.library_id "    \
    "UNION ALL SELECT ag.genre_id, p.library_id, 0, COUNT(*) FROM album_genres ag JOIN (SELECT "   \
    "DISTINCT album_id, library_id FROM songs WHERE missing = 0 AND album_id IS NOT NULL) p ON "   \
    "p.album_id = ag.album_id GROUP BY ag.genre_id, p.library_id) t GROUP BY t.genre_id, "         \
    "t.library_id HAVING SUM(t.songs) > 0"

/* Asserts that the scanner left the per-library counts equal to a recount from the songs, and
 * (one library here) equal to the library-wide counts of every artist and genre with songs. */
static void assert_library_counts(Db *db)
{
    assert_int_equal(q_int(db, "SELECT (SELECT COUNT(*) FROM (" ARTIST_COUNTS_KEPT
                               " EXCEPT " ARTIST_COUNTS_NOW
                               ") x) + (SELECT COUNT(*) FROM (" ARTIST_COUNTS_NOW
                               " EXCEPT " ARTIST_COUNTS_KEPT ") y)"),
                     0);
    assert_int_equal(q_int(db, "SELECT (SELECT COUNT(*) FROM (" GENRE_COUNTS_KEPT
                               " EXCEPT " GENRE_COUNTS_NOW
                               ") x) + (SELECT COUNT(*) FROM (" GENRE_COUNTS_NOW
                               " EXCEPT " GENRE_COUNTS_KEPT ") y)"),
                     0);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM artists r JOIN artist_library_counts c ON "
                               "c.artist_id = r.id WHERE c.album_count <> r.album_count OR "
                               "c.song_count <> r.song_count"),
                     0);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM genres g JOIN genre_library_counts c ON "
                               "c.genre_id = g.id WHERE c.album_count <> g.album_count OR "
                               "c.song_count <> g.song_count"),
                     0);
    assert_true(q_int(db, "SELECT COUNT(*) FROM artist_library_counts") > 0);
}

static void model_case(const char *url, const char *dir)
{
    media_init();
    char music[1024], p[2048], q[2048];
    snprintf(music, sizeof(music), "%s/music", dir);
    assert_int_equal(mkdir(music, 0755), 0);
    mk(music, "Alpha");
    mk(music, "Alpha/Album1");
    mk(music, "Comp");
    mk(music, "Broken");
    wav_tags(music, "Alpha/Album1/01.wav",
             (const char *const[]){"INAM", "One", "IART", "A1 / A2", "TPE2", "A1", "IPRD", "Album1",
                                   "IPRT", "1", "IGNR", "Rock;Pop", "ICRD", "2001", NULL});
    wav_tags(music, "Alpha/Album1/02.wav",
             (const char *const[]){"INAM", "Two", "IART", "A1", "TPE2", "A1", "IPRD", "Album1",
                                   "IPRT", "2", "IGNR", "Rock", "ICRD", "2001", NULL});
    snprintf(p, sizeof(p), "%s/Alpha/Album1/Cover.JPG", music);
    testutil_write_file(p, "jpeg", 4);
    snprintf(p, sizeof(p), "%s/Alpha/artist.jpg", music);
    testutil_write_file(p, "jpeg", 4);
    snprintf(p, sizeof(p), "%s/Alpha/Album1/01.lrc", music);
    testutil_write_file(p, "[00:01.00]hello\n[00:02.00]world\n", 32);
    wav_tags(music, "Comp/c1.wav",
             (const char *const[]){"INAM", "C1", "IART", "X", "IPRD", "Comp Album", "TCMP", "1",
                                   "IPRT", "1", NULL});
    wav_tags(music, "Comp/c2.wav",
             (const char *const[]){"INAM", "C2", "IART", "Y", "IPRD", "Comp Album", "TCMP", "1",
                                   "IPRT", "2", NULL});
    snprintf(p, sizeof(p), "%s/Broken/b.mp3", music);
    testutil_write_file(p, "garbage", 7);

    Db *db;
    assert_int_equal(db_open(url, 4, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    LibraryFolder folders[] = {{"music", music}};
    LibraryScanOptions opts = LIBRARY_SCAN_OPTIONS_DEFAULT;
    opts.workers = 2;
    LibraryScanStats st;
    char t1[128], t2[128];

    /* First scan: every table. */
    assert_int_equal(library_scan(db, folders, 1, &opts, NULL, NULL, &st), 0);
    assert_library_counts(db);
    assert_int_equal(st.total, 5);
    assert_int_equal(st.seen, 5);
    assert_int_equal(st.added, 4);
    assert_int_equal(st.errors, 1);
    assert_int_equal(st.probed, 5);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM scan_errors WHERE path = 'Broken/b.mp3'"), 1);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM song_artists sa JOIN songs s ON s.id = "
                               "sa.song_id WHERE s.title = 'One'"),
                     2);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM albums WHERE name = 'Comp Album' AND "
                               "album_artist = 'Various Artists' AND compilation = 1"),
                     1);
    assert_int_equal(q_int(db, "SELECT song_count FROM albums WHERE name = 'Comp Album'"), 2);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM artists WHERE name = 'Various Artists'"), 1);
    assert_int_equal(q_int(db, "SELECT song_count FROM genres WHERE name = 'Rock'"), 2);
    assert_int_equal(q_int(db, "SELECT song_count FROM genres WHERE name = 'Pop'"), 1);
    assert_int_equal(q_int(db, "SELECT album_count FROM genres WHERE name = 'Pop'"), 1);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM album_genres ag JOIN albums a ON a.id = "
                               "ag.album_id WHERE a.name = 'Album1'"),
                     2);
    assert_int_equal(q_int(db, "SELECT song_count FROM albums WHERE name = 'Album1'"), 2);
    assert_int_equal(q_int(db, "SELECT disc_count FROM albums WHERE name = 'Album1'"), 1);
    assert_int_equal(q_int(db, "SELECT year FROM albums WHERE name = 'Album1'"), 2001);
    assert_true(q_int(db, "SELECT duration_ms FROM albums WHERE name = 'Album1'") >= 300);
    q_text(db, "SELECT genre FROM albums WHERE name = 'Album1'", t1, sizeof(t1));
    assert_string_equal(t1, "Rock");
    assert_int_equal(q_int(db, "SELECT song_count FROM artists WHERE name = 'A1'"), 2);
    assert_int_equal(q_int(db, "SELECT song_count FROM artists WHERE name = 'A2'"), 1);
    /* Folders with parent links. */
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM folders"), 5);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM folders WHERE path = '' AND parent_id IS "
                               "NULL"),
                     1);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM folders c JOIN folders p ON p.id = "
                               "c.parent_id WHERE c.path = 'Alpha/Album1' AND p.path = 'Alpha'"),
                     1);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM folders c JOIN folders p ON p.id = "
                               "c.parent_id WHERE c.path = 'Alpha' AND p.path = ''"),
                     1);
    /* Covers: the folder's file, the album's and the songs' cover, the artist image. */
    q_text(db, "SELECT id FROM covers WHERE kind = 'file' AND path = 'Alpha/Album1/Cover.JPG'", t1,
           sizeof(t1));
    assert_true(t1[0] != '\0');
    q_text(db, "SELECT cover_id FROM albums WHERE name = 'Album1'", t2, sizeof(t2));
    assert_string_equal(t1, t2);
    q_text(db, "SELECT cover_id FROM folders WHERE path = 'Alpha/Album1'", t2, sizeof(t2));
    assert_string_equal(t1, t2);
    q_text(db, "SELECT cover_id FROM songs WHERE title = 'Two'", t2, sizeof(t2));
    assert_string_equal(t1, t2);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM artists a JOIN covers c ON c.id = a.image_id "
                               "WHERE c.path = 'Alpha/artist.jpg'"),
                     1);
    /* Lyrics from the sibling .lrc. */
    assert_int_equal(q_int(db, "SELECT lyrics_synced FROM songs WHERE title = 'One'"), 1);
    q_text(db, "SELECT lyrics FROM songs WHERE title = 'One'", t1, sizeof(t1));
    assert_non_null(strstr(t1, "hello"));
    /* Search rows. */
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM search WHERE kind = 'song'"), 4);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM search WHERE kind = 'album'"), 2);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM search WHERE kind = 'artist'"),
                     q_int(db, "SELECT COUNT(*) FROM artists"));
    q_text(db, "SELECT extra FROM search WHERE kind = 'song' AND name = 'Two'", t1, sizeof(t1));
    assert_non_null(strstr(t1, "Album1"));
    assert_non_null(strstr(t1, "A1"));

    /* No change: nothing probed but the broken file (its folder has an error). */
    assert_int_equal(library_scan(db, folders, 1, &opts, NULL, NULL, &st), 0);
    assert_library_counts(db);
    assert_int_equal(st.probed, 1);
    assert_int_equal(st.unchanged, 4);
    assert_int_equal(st.added + st.updated + st.missing, 0);

    /* The broken file is fixed: its error row goes. */
    wav(music, "Broken/b.mp3", "Fixed", "Z", "Zed", "1");
    assert_int_equal(library_scan(db, folders, 1, &opts, NULL, NULL, &st), 0);
    assert_library_counts(db);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.probed, 1);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM scan_errors"), 0);
    assert_int_equal(library_scan(db, folders, 1, &opts, NULL, NULL, &st), 0);
    assert_library_counts(db);
    assert_int_equal(st.probed, 0);
    assert_int_equal(st.unchanged, 5);

    /* A file moved to another folder in one scan keeps its id. */
    q_text(db, "SELECT id FROM songs WHERE title = 'Two'", t1, sizeof(t1));
    mk(music, "Moved");
    snprintf(p, sizeof(p), "%s/Alpha/Album1/02.wav", music);
    snprintf(q, sizeof(q), "%s/Moved/two renamed.wav", music);
    assert_int_equal(rename(p, q), 0);
    assert_int_equal(library_scan(db, folders, 1, &opts, NULL, NULL, &st), 0);
    assert_library_counts(db);
    assert_int_equal(st.moved, 1);
    assert_int_equal(st.missing, 0);
    q_text(db, "SELECT id FROM songs WHERE path = 'Moved/two renamed.wav' AND missing = 0", t2,
           sizeof(t2));
    assert_string_equal(t1, t2);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM songs"), 5);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM search WHERE kind = 'song'"), 5);
    assert_int_equal(q_int(db, "SELECT song_count FROM artists WHERE name = 'A1'"), 2);

    /* Removed, then back under another name in a later scan: the id survives too. */
    q_text(db, "SELECT id FROM songs WHERE title = 'C1'", t1, sizeof(t1));
    snprintf(p, sizeof(p), "%s/Comp/c1.wav", music);
    snprintf(q, sizeof(q), "%s/c1-keep.wav", dir);
    assert_int_equal(rename(p, q), 0);
    assert_int_equal(library_scan(db, folders, 1, &opts, NULL, NULL, &st), 0);
    assert_library_counts(db);
    assert_int_equal(st.missing, 1);
    assert_int_equal(q_int(db, "SELECT song_count FROM albums WHERE name = 'Comp Album'"), 1);
    snprintf(p, sizeof(p), "%s/Comp/c1 again.wav", music);
    assert_int_equal(rename(q, p), 0);
    assert_int_equal(library_scan(db, folders, 1, &opts, NULL, NULL, &st), 0);
    assert_library_counts(db);
    assert_int_equal(st.moved, 1);
    q_text(db, "SELECT id FROM songs WHERE path = 'Comp/c1 again.wav' AND missing = 0", t2,
           sizeof(t2));
    assert_string_equal(t1, t2);

    /* A removed file is missing, then purged with purge_after_s = 0, with its rows. */
    snprintf(p, sizeof(p), "%s/Comp/c2.wav", music);
    assert_int_equal(unlink(p), 0);
    opts.purge_after_s = 0;
    assert_int_equal(library_scan(db, folders, 1, &opts, NULL, NULL, &st), 0);
    assert_library_counts(db);
    assert_int_equal(st.missing, 1);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM songs WHERE title = 'C2'"), 0);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM artists WHERE name = 'Y'"), 0);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM search WHERE kind = 'song'"), 4);
    assert_int_equal(q_int(db, "SELECT song_count FROM albums WHERE name = 'Comp Album'"), 1);

    /* only_paths: a new file outside the given folder is not read. */
    wav(music, "Alpha/Album1/03.wav", "Three", "A1", "Album1", "3");
    wav(music, "Comp/c3.wav", "C3", "X", "Comp Album", "3");
    snprintf(p, sizeof(p), "%s/Alpha", music);
    const char *only[] = {p};
    opts.only_paths = only;
    opts.n_only_paths = 1;
    assert_int_equal(library_scan(db, folders, 1, &opts, NULL, NULL, &st), 0);
    assert_library_counts(db);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.missing, 0);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM songs WHERE title = 'Three'"), 1);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM songs WHERE title = 'C3'"), 0);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM songs WHERE missing = 1"), 0);
    /* A folder removed below only_paths: its songs go missing. */
    snprintf(p, sizeof(p), "%s/Alpha/Album1", music);
    testutil_rmrf(p);
    snprintf(p, sizeof(p), "%s/Alpha", music);
    opts.purge_after_s = 86400;
    assert_int_equal(library_scan(db, folders, 1, &opts, NULL, NULL, &st), 0);
    assert_library_counts(db);
    assert_int_equal(st.missing, 2);
    assert_int_equal(q_int(db, "SELECT COUNT(*) FROM folders WHERE missing = 1"), 1);
    /* "Two" (moved away earlier) is all that is left of the album. */
    assert_int_equal(q_int(db, "SELECT SUM(song_count) FROM albums WHERE name = 'Album1'"), 1);
    db_close(db);
}

static void test_model_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, model_case);
}

static void test_model_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, model_case);
}

/* cover_priority decides among a folder's pictures: the default list, then custom orders,
 * an "embedded" entry with no embedded picture falling through, and a list matching nothing.
 * One library per case, each scanned with its own list. */
static void cover_priority_case(const char *url, const char *dir)
{
    media_init();
    static const struct {
        const char *priority; /* NULL: the default */
        const char *want;     /* the album cover's path, "" for none */
    } cases[] = {
        {NULL, "cover.webp"}, /* cover.*, folder.*, front.*, embedded */
        {"front.*, folder.*", "front.png"},
        {"embedded,folder.*", "Folder.jpg"},
        {" FOLDER.JPG ,cover.*", "Folder.jpg"},
        {"back.*, embedded", ""},
    };
    const char *pics[] = {"front.png", "Folder.jpg", "cover.webp", "other.jpg"};
    Db *db;
    assert_int_equal(db_open(url, 2, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char music[1024], name[32], album[32], p[2048], sql[256], t[256];
        snprintf(name, sizeof(name), "m%zu", i);
        snprintf(album, sizeof(album), "Pics %zu", i);
        snprintf(music, sizeof(music), "%s/%s", dir, name);
        assert_int_equal(mkdir(music, 0755), 0);
        wav_tags(music, "01.wav",
                 (const char *const[]){"INAM", "One", "IART", "A", "IPRD", album, NULL});
        for (size_t j = 0; j < sizeof(pics) / sizeof(pics[0]); j++) {
            snprintf(p, sizeof(p), "%s/%s", music, pics[j]);
            testutil_write_file(p, "pict", 4);
        }
        LibraryFolder folders[] = {{name, music}};
        LibraryScanOptions opts = LIBRARY_SCAN_OPTIONS_DEFAULT;
        if (cases[i].priority)
            opts.cover_priority = cases[i].priority;
        LibraryScanStats st;
        assert_int_equal(library_scan(db, folders, 1, &opts, NULL, NULL, &st), 0);
        assert_int_equal(st.added, 1);
        snprintf(sql, sizeof(sql),
                 "SELECT COALESCE(c.path, '') FROM albums a LEFT JOIN covers c ON "
                 "c.id = a.cover_id WHERE a.name = '%s'",
                 album);
        q_text(db, sql, t, sizeof(t));
        assert_string_equal(t, cases[i].want);
    }
    /* A new priority reaches the unchanged folder of case 0 at the next full scan; a scan
     * limited to some folders reads them again but keeps the old settings recorded, and
     * the same settings again leave every folder alone. */
    char music0[1024];
    snprintf(music0, sizeof(music0), "%s/m0", dir);
    LibraryFolder folder0[] = {{"m0", music0}};
    const char *sql0 = "SELECT COALESCE(c.path, '') FROM albums a LEFT JOIN covers c ON "
                       "c.id = a.cover_id WHERE a.name = 'Pics 0'";
    char t[256];
    LibraryScanOptions opts = LIBRARY_SCAN_OPTIONS_DEFAULT;
    LibraryScanStats st;
    assert_int_equal(library_scan(db, folder0, 1, &opts, NULL, NULL, &st), 0);
    assert_int_equal(st.unchanged, 1);
    opts.cover_priority = "front.*, cover.*";
    const char *only[] = {music0};
    opts.only_paths = only;
    opts.n_only_paths = 1;
    assert_int_equal(library_scan(db, folder0, 1, &opts, NULL, NULL, &st), 0);
    assert_int_equal(st.unchanged, 0);
    opts.only_paths = NULL;
    opts.n_only_paths = 0;
    assert_int_equal(library_scan(db, folder0, 1, &opts, NULL, NULL, &st), 0);
    assert_int_equal(st.unchanged, 0);
    q_text(db, sql0, t, sizeof(t));
    assert_string_equal(t, "front.png");
    assert_int_equal(library_scan(db, folder0, 1, &opts, NULL, NULL, &st), 0);
    assert_int_equal(st.unchanged, 1);
    q_text(db, sql0, t, sizeof(t));
    assert_string_equal(t, "front.png");
    db_close(db);
}

static void test_cover_priority_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, cover_priority_case);
}

static void test_cover_priority_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, cover_priority_case);
}

static void test_ids_and_sort_keys(void **state)
{
    (void)state;
    char a[LIBRARY_ID_LEN + 1], b[LIBRARY_ID_LEN + 1], c[LIBRARY_ID_LEN + 1];
    const char *p1[] = {"1", "a/b"};
    const char *p2[] = {"1a", "/b"};
    library_id("song", p1, 2, a);
    library_id("song", p1, 2, b);
    library_id("song", p2, 2, c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c); /* parts are delimited */
    assert_int_equal(strlen(a), LIBRARY_ID_LEN);
    Arena *ar = arena_new(4096);
    assert_string_equal(library_sort_key(ar, "The Beatles"), "beatles");
    assert_string_equal(library_sort_key(ar, "The"), "the");
    assert_string_equal(library_sort_key(ar, "Théâtre"), "théâtre");
    const char *cur = library_cursor_encode(ar, "key\x01", "abc123");
    const char *k, *id;
    assert_int_equal(library_cursor_decode(ar, cur, &k, &id), 0);
    assert_string_equal(k, "key\x01");
    assert_string_equal(id, "abc123");
    arena_free(ar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_sqlite),
        cmocka_unit_test(test_scan_postgres),
        cmocka_unit_test(test_model_sqlite),
        cmocka_unit_test(test_model_postgres),
        cmocka_unit_test(test_ids_and_sort_keys),
        cmocka_unit_test(test_cover_priority_sqlite),
        cmocka_unit_test(test_cover_priority_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
