/*
 * test_library_upload.c - upload names (refused and made safe), unnamed temporary files
 * that vanish unless linked, probing by content, linking without replacing, and the
 * uploads table (progress, stored, failed, the scanned song) on SQLite and PostgreSQL.
 */
#include "core/err.h"
#include "core/limits.h"
#include "library/library_upload.h"

#include <errno.h>
#include <fcntl.h>
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

static void test_names(void **state)
{
    (void)state;
    char out[LIMIT_UPLOAD_NAME_BYTES + 1];
    assert_int_equal(library_upload_name("Song – Live.mp3", out), 0);
    assert_string_equal(out, "Song – Live.mp3");
    const char *bad[] = {"",
                         ".",
                         "..",
                         "../x.mp3",
                         "a/b.mp3",
                         "a\\b.mp3",
                         ".hidden.mp3",
                         "tab\there.mp3",
                         "del\x7f.mp3",
                         "bad\xff utf8.mp3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(library_upload_name(bad[i], out), -EINVAL);
    assert_int_equal(library_upload_name(NULL, out), -EINVAL);
    char longname[LIMIT_UPLOAD_NAME_BYTES + 2];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(library_upload_name(longname, out), -EINVAL);
    longname[LIMIT_UPLOAD_NAME_BYTES] = '\0';
    assert_int_equal(library_upload_name(longname, out), 0);

    library_upload_folder_name("AC/DC", "x", out);
    assert_string_equal(out, "AC_DC");
    library_upload_folder_name("../..", "Unknown", out);
    assert_string_equal(out, "_");
    library_upload_folder_name("..", "Unknown", out);
    assert_string_equal(out, "Unknown");
    library_upload_folder_name("  .hidden. ", "Unknown", out);
    assert_string_equal(out, "hidden");
    library_upload_folder_name("", "Unknown Album", out);
    assert_string_equal(out, "Unknown Album");
    /* A long tag is cut on a character boundary ("é" is two bytes). */
    char tag[3 * LIMIT_UPLOAD_NAME_BYTES];
    size_t o = 0;
    tag[o++] = 'x';
    while (o + 2 < sizeof(tag)) {
        tag[o++] = (char)0xC3;
        tag[o++] = (char)0xA9;
    }
    tag[o] = '\0';
    library_upload_folder_name(tag, "Unknown", out);
    assert_int_equal(strlen(out), LIMIT_UPLOAD_NAME_BYTES - 1);
}

static size_t count_files(const char *dir)
{
    char cmd[LIMIT_PATH_BYTES + 64];
    snprintf(cmd, sizeof(cmd), "find '%s' -type f | wc -l", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = 0;
    assert_int_equal(fscanf(p, "%zu", &n), 1);
    pclose(p);
    return n;
}

static void test_files(void **state)
{
    (void)state;
    char *dir = testutil_tmpdir();
    char wav[LIMIT_PATH_BYTES];
    snprintf(wav, sizeof(wav), "%s/src.wav", dir);
    const char *info[] = {"INAM", "Title", "IART", "Some/Artist", "IPRD", "An Album", NULL};
    testutil_write_wav(wav, 0.5, info);
    char root[LIMIT_PATH_BYTES];
    snprintf(root, sizeof(root), "%s/uploads", dir);
    assert_int_equal(mkdir(root, 0755), 0);
    FILE *in = fopen(wav, "rb");
    assert_non_null(in);
    static char bytes[1 << 20];
    size_t n = fread(bytes, 1, sizeof(bytes), in);
    fclose(in);

    /* Written but not linked: nothing left once closed. */
    int fd;
    assert_int_equal(library_upload_open(root, &fd), 0);
    assert_int_equal(library_upload_write(fd, "not audio at all, just text", 27), 0);
    Arena *a = arena_new(1 << 20);
    MediaInfo mi;
    assert_int_equal(library_upload_probe(fd, a, &mi), ERR_MEDIA);
    close(fd);
    assert_int_equal(count_files(root), 0);

    /* Audio: linked by its tags; the same name again gets " (2)". */
    const char *paths[2];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(library_upload_open(root, &fd), 0);
        assert_int_equal(library_upload_write(fd, bytes, n), 0);
        assert_int_equal(library_upload_probe(fd, a, &mi), 0);
        assert_int_equal(library_upload_link(fd, root, "alice", &mi, "take.wav", a, &paths[i]), 0);
        close(fd);
    }
    assert_string_equal(paths[0], "alice/Some_Artist/An Album/take.wav");
    assert_string_equal(paths[1], "alice/Some_Artist/An Album/take (2).wav");
    assert_int_equal(count_files(root), 2);
    char full[2 * LIMIT_PATH_BYTES];
    snprintf(full, sizeof(full), "%s/%s", root, paths[1]);
    struct stat stt;
    assert_int_equal(stat(full, &stt), 0);
    assert_int_equal((size_t)stt.st_size, n);

    /* A symbolic link planted in the tree is not followed. */
    char evil[LIMIT_PATH_BYTES + 16];
    snprintf(evil, sizeof(evil), "%s/mallory", root);
    assert_int_equal(symlink(dir, evil), 0);
    assert_int_equal(library_upload_open(root, &fd), 0);
    assert_int_equal(library_upload_write(fd, bytes, n), 0);
    assert_int_equal(library_upload_probe(fd, a, &mi), 0);
    const char *p;
    assert_int_equal(library_upload_link(fd, root, "mallory", &mi, "x.wav", a, &p), -ENOTDIR);
    close(fd);
    assert_int_equal(count_files(root), 2);

    arena_free(a);
    testutil_rmrf(dir);
    free(dir);
}

static void table_case(const char *url, const char *dir)
{
    (void)dir;
    Db *db;
    assert_int_equal(db_open(url, 2, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    assert_int_equal(
        db_exec(c, "INSERT INTO users (id, username, password_hash, is_admin, created_at, "
                   "updated_at) VALUES ('u1', 'alice', 'x', 0, 0, 0), ('u2', 'bob', 'x', 0, 0, 0)"),
        0);
    assert_int_equal(db_exec(c, "INSERT INTO libraries (id, name, path, created_at) VALUES "
                                "(1, 'uploads', '/data/uploads', 0)"),
                     0);
    assert_int_equal(db_exec(c, "INSERT INTO songs (id, library_id, path, size, mtime, format, "
                                "title, sort_title, missing, created_at, updated_at) VALUES "
                                "('s1', 1, 'alice/A/B/one.mp3', 1, 0, 'mp3', 'One', 'one', 0, 0, "
                                "0)"),
                     0);
    char ids[3][LIBRARY_UPLOAD_ID_LEN + 1];
    assert_int_equal(library_upload_add(c, "u1", "one.mp3", 100, ids[0]), 0);
    assert_int_equal(library_upload_add(c, "u1", "two.mp3", 101, ids[1]), 0);
    assert_int_equal(library_upload_add(c, "u2", "bob.mp3", 102, ids[2]), 0);
    assert_string_not_equal(ids[0], ids[1]);
    assert_int_equal(library_upload_progress(c, ids[1], 4096, 103), 0);
    assert_int_equal(library_upload_finish(c, ids[0], "alice/A/B/one.mp3", NULL, 10, 104), 0);

    Arena *a = arena_new(1 << 20);
    LibraryUpload *ups;
    size_t n;
    assert_int_equal(library_upload_list(c, a, "u1", "/data/uploads", 10, &ups, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(ups[0].name, "two.mp3"); /* newest first */
    assert_string_equal(ups[0].status, "receiving");
    assert_int_equal(ups[0].size, 4096);
    assert_null(ups[0].song_id);
    assert_string_equal(ups[1].status, "ready");
    assert_string_equal(ups[1].song_id, "s1");
    assert_string_equal(ups[1].path, "alice/A/B/one.mp3");

    assert_int_equal(library_upload_finish(c, ids[1], NULL, "interrupted", 5000, 105), 0);
    /* A finished upload takes no more progress. */
    assert_int_equal(library_upload_progress(c, ids[1], 9999, 106), 0);
    assert_int_equal(library_upload_list(c, a, "u1", "/data/uploads", 1, &ups, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ups[0].status, "failed");
    assert_string_equal(ups[0].error, "interrupted");
    assert_int_equal(ups[0].size, 5000);
    /* Another root: stored, not ready. */
    assert_int_equal(library_upload_list(c, a, "u1", "/elsewhere", 10, &ups, &n), 0);
    assert_string_equal(ups[1].status, "stored");
    assert_int_equal(library_upload_list(c, a, "u1", "/data/uploads", 0, &ups, &n), -EINVAL);

    /* Access to the uploads library: only for limited accounts, once, and only to it. */
    assert_int_equal(db_exec(c, "UPDATE users SET all_libraries = 0 WHERE id = 'u2'"), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(library_upload_grant(c, "u1", "/data/uploads"), 0);
        assert_int_equal(library_upload_grant(c, "u2", "/data/uploads"), 0);
    }
    assert_int_equal(library_upload_grant(c, "u2", "/not/scanned"), 0);
    DbStmt *st;
    assert_int_equal(db_prepare(c, "SELECT user_id, library_id FROM user_libraries", &st), 0);
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_column_text(st, 0), "u2");
    assert_int_equal(db_column_int64(st, 1), 1);
    assert_int_equal(db_step(st), DB_DONE);
    db_finalize(st);

    arena_free(a);
    db_release(c);
    db_close(db);
}

static void test_table_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, table_case);
}

static void test_table_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, table_case);
}

int main(void)
{
    media_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_table_sqlite),
        cmocka_unit_test(test_table_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
