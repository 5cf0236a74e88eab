/*
 * test_library_share.c - share links on rows seeded with SQL, on SQLite and PostgreSQL:
 * kinds and ids, the objects a share may name (song, album, playlist by visibility, a fixed
 * list of songs), creation with its checks and limit, owner-only get/list/update/delete,
 * public opening with expiry and the owner's rights, membership of songs, visits; avatar
 * sniffing.
 */
#include "core/err.h"
#include "library/library_avatar.h"
#include "library/library_share.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#define NOW 1700000000

static const char *const seed_sql[] = {
    "INSERT INTO libraries (id, name, path, created_at) VALUES (1, 'One', '/m1', 0),"
    " (2, 'Two', '/m2', 0)",
    "INSERT INTO users (id, username, password_hash, is_admin, created_at, updated_at) VALUES"
    " ('u1', 'alice', 'x', 0, 0, 0), ('u2', 'bob', 'x', 0, 0, 0), ('u3', 'carol', 'x', 0, 0, 0),"
    " ('u4', 'dave', 'x', 0, 0, 0)",
    "UPDATE users SET all_libraries = 0 WHERE id = 'u2'",
    "INSERT INTO user_libraries (user_id, library_id) VALUES ('u2', 2)",
    "UPDATE users SET may_download = 0 WHERE id = 'u3'",
    "INSERT INTO albums (id, name, sort_name, album_artist, artist_sort, song_count,"
    " duration_ms, cover_id, created_at, updated_at) VALUES"
    " ('ab01', 'Abbey Road', 'abbey road', 'The Beatles', 'beatles', 2, 2000, 'ce01', 0, 0),"
    " ('ab02', 'Arrival', 'arrival', 'ABBA', 'abba', 1, 1000, NULL, 0, 0)",
    "INSERT INTO songs (id, library_id, path, size, mtime, format, title, sort_title, artist,"
    " album, album_id, disc_no, track_no, missing, created_at, updated_at) VALUES"
    " ('c001', 1, 'A/01.mp3', 1, 0, 'mp3', 'Come Together', 'come together', 'The Beatles',"
    " 'Abbey Road', 'ab01', 1, 1, 0, 0, 0),"
    " ('c002', 1, 'A/02.mp3', 1, 0, 'mp3', 'Something', 'something', 'The Beatles',"
    " 'Abbey Road', 'ab01', 1, 2, 0, 0, 0),"
    " ('c003', 2, 'B/01.mp3', 1, 0, 'mp3', 'Dancing Queen', 'dancing queen', 'ABBA',"
    " 'Arrival', 'ab02', 1, 1, 0, 0, 0),"
    " ('c004', 1, 'A/03.mp3', 1, 0, 'mp3', 'Gone', 'gone', 'The Beatles', 'Abbey Road',"
    " 'ab01', 1, 3, 1, 0, 0)",
    "INSERT INTO playlists (id, owner_id, name, public, created_at, updated_at) VALUES"
    " ('p1', 'u1', 'Private mix', 0, 0, 0), ('p2', 'u2', 'Public mix', 1, 0, 0)",
    "INSERT INTO playlist_entries (playlist_id, position, song_id) VALUES ('p1', 0, 'c003'),"
    " ('p1', 1, 'c001'), ('p1', 2, 'c003'), ('p2', 0, 'c003')",
};

static void seed(DbConn *c)
{
    for (size_t i = 0; i < sizeof(seed_sql) / sizeof(seed_sql[0]); i++) {
        if (db_exec(c, seed_sql[i]) != 0)
            fail_msg("seed %zu: %s", i, db_errmsg(c));
    }
}

static void share_case(const char *url, const char *dir)
{
    (void)dir;
    Db *db;
    assert_int_equal(db_open(url, 2, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    seed(c);
    Arena *a = arena_new(64 << 20);

    /* The objects a share may name. */
    LibraryShareItem item;
    assert_int_equal(library_share_item(c, a, LIBRARY_SHARE_SONG, "c001", "u1", &item), 0);
    assert_int_equal(item.n_songs, 1);
    assert_string_equal(item.name, "Come Together");
    assert_int_equal(library_share_item(c, a, LIBRARY_SHARE_SONG, "c004", "u1", &item), -ENOENT);
    assert_int_equal(library_share_item(c, a, LIBRARY_SHARE_ALBUM, "ab01", "u1", &item), 0);
    assert_int_equal(item.n_songs, 2); /* the missing song is not shared */
    assert_string_equal(item.name, "Abbey Road");
    assert_string_equal(item.artist, "The Beatles");
    assert_string_equal(item.cover_id, "ce01");
    assert_int_equal(library_share_item(c, a, LIBRARY_SHARE_ALBUM, "ffff", "u1", &item), -ENOENT);
    assert_int_equal(library_share_item(c, a, LIBRARY_SHARE_ALBUM, "../x", "u1", &item), -ENOENT);
    assert_int_equal(library_share_item(c, a, LIBRARY_SHARE_PLAYLIST, "p1", "u1", &item), 0);
    assert_int_equal(item.n_songs, 3);
    assert_string_equal(item.songs[0].id, "c003");
    assert_string_equal(item.songs[1].id, "c001");
    assert_string_equal(item.songs[2].id, "c003");
    assert_int_equal(library_share_item(c, a, LIBRARY_SHARE_PLAYLIST, "p1", "u2", &item), -ENOENT);
    assert_int_equal(library_share_item(c, a, LIBRARY_SHARE_PLAYLIST, "p2", "u1", &item), 0);
    assert_string_equal(item.name, "Public mix");

    /* Creation and its checks. */
    LibraryShare s, t;
    assert_int_equal(library_share_create(c, a, "u1", LIBRARY_SHARE_ALBUM, "ab01", "For you",
                                          NOW + 100, false, NOW, &s),
                     0);
    assert_true(library_share_id_valid(s.id));
    assert_int_equal(strlen(s.id), LIBRARY_SHARE_ID_LEN);
    assert_string_equal(s.owner_name, "alice");
    assert_string_equal(s.description, "For you");
    assert_int_equal(s.expires_at, NOW + 100);
    assert_int_equal(s.created_at, NOW);
    assert_false(s.allow_download);
    assert_int_equal(
        library_share_create(c, a, "u1", LIBRARY_SHARE_ALBUM, "ab01", "", NOW, false, NOW, &t),
        -EINVAL); /* already expired */
    char long_desc[LIMIT_SHARE_DESCRIPTION_BYTES + 2];
    memset(long_desc, 'x', sizeof(long_desc) - 1);
    long_desc[sizeof(long_desc) - 1] = '\0';
    assert_int_equal(
        library_share_create(c, a, "u1", LIBRARY_SHARE_SONG, "c001", long_desc, 0, false, NOW, &t),
        -EINVAL);
    assert_int_equal(
        library_share_create(c, a, "u1", LIBRARY_SHARE_SONG, "c001", "\xff", 0, false, NOW, &t),
        -EINVAL);
    LibraryShare p;
    assert_int_equal(
        library_share_create(c, a, "u1", LIBRARY_SHARE_PLAYLIST, "p1", NULL, 0, true, NOW + 1, &p),
        0);
    assert_string_equal(p.description, "");
    assert_int_equal(p.expires_at, 0);
    assert_true(p.allow_download);
    assert_string_not_equal(p.id, s.id);

    /* Owner-only reads. */
    assert_int_equal(library_share_get(c, a, "u1", s.id, &t), 0);
    assert_string_equal(t.item_id, "ab01");
    assert_int_equal(t.kind, LIBRARY_SHARE_ALBUM);
    assert_int_equal(library_share_get(c, a, "u2", s.id, &t), -ENOENT);
    assert_int_equal(library_share_get(c, a, "u1", "nope", &t), -ENOENT);
    LibraryShare *list;
    size_t n;
    assert_int_equal(library_share_list(c, a, "u1", &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, p.id); /* newest first */
    assert_string_equal(list[1].id, s.id);
    assert_int_equal(library_share_list(c, a, "u2", &list, &n), 0);
    assert_int_equal(n, 0);

    /* Public opening: expiry, songs, membership. */
    assert_int_equal(library_share_open(c, a, s.id, NOW + 99, &t), 0);
    assert_string_equal(t.owner_name, "alice");
    assert_true(t.owner_all_libraries);
    assert_true(t.owner_may_download);
    assert_int_equal(library_share_open(c, a, s.id, NOW + 100, &t), -ENOENT);
    assert_int_equal(library_share_open(c, a, "AAAAAAAAAAAAAAAAAAAAAAAA", NOW, &t), -ENOENT);
    assert_int_equal(library_share_open(c, a, "../../etc/passwd", NOW, &t), -ENOENT);
    assert_int_equal(library_share_open(c, a, s.id, NOW, &t), 0);
    assert_int_equal(library_share_songs(c, a, &t, &item), 0);
    assert_int_equal(item.n_songs, 2);
    Song song;
    assert_int_equal(library_share_song(c, a, &t, "c002", &song), 0);
    assert_string_equal(song.title, "Something");
    assert_int_equal(library_share_song(c, a, &t, "c003", &song), -ENOENT); /* other album */
    assert_int_equal(library_share_song(c, a, &t, "c004", &song), -ENOENT); /* missing */
    assert_int_equal(library_share_song(c, a, &t, "zz", &song), -ENOENT);
    assert_int_equal(library_share_open(c, a, p.id, NOW, &t), 0);
    assert_int_equal(library_share_song(c, a, &t, "c003", &song), 0);
    assert_int_equal(library_share_song(c, a, &t, "c002", &song), -ENOENT);
    assert_int_equal(library_share_songs(c, a, &t, &item), 0);
    assert_int_equal(item.n_songs, 3);

    /* The owner's libraries bound what a share shows. */
    LibraryShare b;
    assert_int_equal(
        library_share_create(c, a, "u2", LIBRARY_SHARE_ALBUM, "ab01", "", 0, false, NOW, &b), 0);
    assert_int_equal(library_share_open(c, a, b.id, NOW, &t), 0);
    assert_false(t.owner_all_libraries);
    assert_int_equal(t.owner_n_library_ids, 1);
    assert_int_equal(library_share_songs(c, a, &t, &item), 0);
    assert_int_equal(item.n_songs, 0);
    assert_int_equal(library_share_song(c, a, &t, "c001", &song), -ENOENT);
    assert_int_equal(
        library_share_create(c, a, "u2", LIBRARY_SHARE_SONG, "c003", "", 0, false, NOW, &b), 0);
    assert_int_equal(library_share_open(c, a, b.id, NOW, &t), 0);
    assert_int_equal(library_share_song(c, a, &t, "c003", &song), 0);

    /* Changes, owner only. */
    LibraryShareUpdate u = {.set_description = true,
                            .description = "<script>alert(1)</script>",
                            .set_expires_at = true,
                            .expires_at = 0,
                            .set_allow_download = true,
                            .allow_download = true};
    assert_int_equal(library_share_update(c, "u2", s.id, &u), -ENOENT);
    assert_int_equal(library_share_update(c, "u1", s.id, &u), 0);
    assert_int_equal(library_share_get(c, a, "u1", s.id, &t), 0);
    assert_string_equal(t.description, "<script>alert(1)</script>");
    assert_int_equal(t.expires_at, 0);
    assert_true(t.allow_download);
    assert_int_equal(library_share_open(c, a, s.id, NOW + 1000000, &t), 0); /* never expires */
    LibraryShareUpdate only = {.set_expires_at = true, .expires_at = NOW + 5};
    assert_int_equal(library_share_update(c, "u1", s.id, &only), 0);
    assert_int_equal(library_share_get(c, a, "u1", s.id, &t), 0);
    assert_string_equal(t.description, "<script>alert(1)</script>"); /* unchanged */
    assert_int_equal(t.expires_at, NOW + 5);
    LibraryShareUpdate bad = {.set_description = true, .description = long_desc};
    assert_int_equal(library_share_update(c, "u1", s.id, &bad), -EINVAL);

    /* Visits. */
    assert_int_equal(library_share_visit(c, s.id, NOW + 2), 0);
    assert_int_equal(library_share_visit(c, s.id, NOW + 3), 0);
    assert_int_equal(library_share_get(c, a, "u1", s.id, &t), 0);
    assert_int_equal(t.visit_count, 2);
    assert_int_equal(t.last_visited_at, NOW + 3);

    /* Revoking. */
    assert_int_equal(library_share_delete(c, "u2", s.id), -ENOENT);
    assert_int_equal(library_share_delete(c, "u1", s.id), 0);
    assert_int_equal(library_share_delete(c, "u1", s.id), -ENOENT);
    assert_int_equal(library_share_open(c, a, s.id, NOW, &t), -ENOENT);

    /* An owner who may no longer share, or is disabled, has no live links. */
    assert_int_equal(db_exec(c, "UPDATE users SET may_share = 0 WHERE id = 'u1'"), 0);
    assert_int_equal(library_share_open(c, a, p.id, NOW, &t), -ENOENT);
    assert_int_equal(db_exec(c, "UPDATE users SET may_share = 1, disabled = 1 WHERE id = 'u1'"), 0);
    assert_int_equal(library_share_open(c, a, p.id, NOW, &t), -ENOENT);
    assert_int_equal(db_exec(c, "UPDATE users SET disabled = 0 WHERE id = 'u1'"), 0);
    assert_int_equal(library_share_open(c, a, p.id, NOW, &t), 0);

    /* A "songs" list: in order with repeats, named after its first song; only its songs. */
    const char *const list_ids[] = {"c002", "c001", "c002"};
    const char *list_id;
    LibraryShareItem li;
    assert_int_equal(library_share_songs_id(a, list_ids, 3, &list_id), 0);
    assert_string_equal(list_id, "c002,c001,c002");
    assert_int_equal(library_share_item(c, a, LIBRARY_SHARE_SONGS, list_id, "u1", &li), 0);
    assert_int_equal(li.n_songs, 3);
    assert_string_equal(li.songs[0].id, "c002");
    assert_string_equal(li.songs[1].id, "c001");
    assert_string_equal(li.songs[2].id, "c002");
    assert_string_equal(li.name, "Something and 2 more");
    assert_string_equal(li.artist, "The Beatles");
    assert_int_equal(
        library_share_create(c, a, "u1", LIBRARY_SHARE_SONGS, list_id, "", 0, false, NOW, &b), 0);
    assert_int_equal(library_share_open(c, a, b.id, NOW, &t), 0);
    assert_int_equal(t.kind, LIBRARY_SHARE_SONGS);
    assert_string_equal(t.item_id, "c002,c001,c002");
    assert_int_equal(library_share_song(c, a, &t, "c001", &song), 0);
    assert_int_equal(library_share_song(c, a, &t, "c003", &song), -ENOENT);
    assert_int_equal(library_share_item(c, a, LIBRARY_SHARE_SONGS, "c001", "u1", &li), 0);
    assert_string_equal(li.name, "Come Together");
    /* Malformed lists are refused; a well-formed one naming no song is not found. */
    const char *const upper[] = {"c001", "C002"};
    assert_int_equal(library_share_songs_id(a, list_ids, 0, &list_id), -EINVAL);
    assert_int_equal(library_share_songs_id(a, upper, 2, &list_id), -EINVAL);
    static const char *const malformed[] = {"c001,", ",c001", "c001,,c002", "", "c001;c002"};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        assert_int_equal(library_share_item(c, a, LIBRARY_SHARE_SONGS, malformed[i], "u1", &li),
                         -EINVAL);
        assert_int_equal(library_share_create(c, a, "u1", LIBRARY_SHARE_SONGS, malformed[i], "", 0,
                                              false, NOW, &t),
                         -EINVAL);
    }
    assert_int_equal(library_share_item(c, a, LIBRARY_SHARE_SONGS, "dead,beef", "u1", &li),
                     -ENOENT);
    assert_int_equal(library_share_kind_parse("songs", &t.kind), 0);
    assert_int_equal(t.kind, LIBRARY_SHARE_SONGS);

    /* A user whose downloads are off: the share says so. */
    assert_int_equal(
        library_share_create(c, a, "u3", LIBRARY_SHARE_SONG, "c001", "", 0, true, NOW, &b), 0);
    assert_int_equal(library_share_open(c, a, b.id, NOW, &t), 0);
    assert_true(t.allow_download);
    assert_false(t.owner_may_download);

    /* At most LIMIT_SHARES_PER_USER shares per user. */
    char sql[512];
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
             " INSERT INTO shares (id, owner_id, kind, item_id, created_at)"
             " SELECT 'bulk' || i, 'u4', 'song', 'c001', i FROM n",
             LIMIT_SHARES_PER_USER);
    if (db_exec(c, sql) != 0)
        fail_msg("bulk: %s", db_errmsg(c));
    assert_int_equal(
        library_share_create(c, a, "u4", LIBRARY_SHARE_SONG, "c001", "", 0, false, NOW, &t),
        ERR_LIMIT);
    assert_int_equal(library_share_list(c, a, "u4", &list, &n), 0);
    assert_int_equal(n, LIMIT_SHARES_PER_USER);

    /* Deleting the owner removes their shares. */
    assert_int_equal(db_exec(c, "DELETE FROM users WHERE id = 'u1'"), 0);
    assert_int_equal(library_share_open(c, a, p.id, NOW, &t), -ENOENT);

    arena_free(a);
    db_release(c);
    db_close(db);
}

static void test_share_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, share_case);
}

static void test_share_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, share_case);
}

static void test_share_kinds(void **state)
{
    (void)state;
    LibraryShareKind k;
    assert_int_equal(library_share_kind_parse("album", &k), 0);
    assert_int_equal(k, LIBRARY_SHARE_ALBUM);
    assert_string_equal(library_share_kind_name(LIBRARY_SHARE_PLAYLIST), "playlist");
    assert_int_equal(library_share_kind_parse("artist", &k), -EINVAL);
    assert_int_equal(library_share_kind_parse(NULL, &k), -EINVAL);
    assert_true(library_share_id_valid("abcdefghijklmnopqrstuv-_"));
    assert_false(library_share_id_valid("abcdefghijklmnopqrstuv-"));
    assert_false(library_share_id_valid("abcdefghijklmnopqrstu/-_"));
    assert_false(library_share_id_valid(NULL));
}

static void test_avatar_sniff(void **state)
{
    (void)state;
    const char *mime;
    assert_int_equal(library_avatar_sniff("\xff\xd8\xff\xe0", 4, &mime), 0);
    assert_string_equal(mime, "image/jpeg");
    assert_int_equal(library_avatar_sniff("\x89PNG\r\n\x1a\n\0", 9, &mime), 0);
    assert_string_equal(mime, "image/png");
    assert_int_equal(library_avatar_sniff("RIFF\0\0\0\0WEBPVP8 ", 16, &mime), 0);
    assert_string_equal(mime, "image/webp");
    assert_int_equal(library_avatar_sniff("GIF89a", 6, &mime), ERR_PARSE);
    assert_int_equal(library_avatar_sniff("<svg", 4, &mime), ERR_PARSE);
    assert_int_equal(library_avatar_sniff("\xff\xd8", 2, &mime), ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_share_sqlite),
        cmocka_unit_test(test_share_postgres),
        cmocka_unit_test(test_share_kinds),
        cmocka_unit_test(test_avatar_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
