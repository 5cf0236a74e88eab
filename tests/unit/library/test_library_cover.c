/*
 * test_library_cover.c - cover lookup (both backends, rows seeded with SQL) and the on-disk
 * cover cache: hits, new versions replacing old ones, placeholders, unusable sources.
 */
#include "core/arena.h"
#include "core/err.h"
#include "core/limits.h"
#include "db/db.h"
#include "library/library_cover.h"
#include "media/media_image.h"

#include <dirent.h>
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

#define ID_FILE  "aa01"
#define ID_EMB   "aa02"
#define ID_WEIRD "aa03"
#define ID_EVIL  "aa04"
#define ID_GONE  "aa05"
#define ID_BAD   "aa06"

/* Writes a `edge` x `edge` JPEG (the placeholder art will do) to `path`. */
static void write_jpeg(const char *path, int edge)
{
    void *img;
    size_t len;
    assert_int_equal(media_image_placeholder(edge, MEDIA_IMAGE_JPEG, &img, &len), 0);
    testutil_write_file(path, img, len);
    media_image_free(img);
}

static void exec_sql(DbConn *conn, const char *sql)
{
    assert_int_equal(db_exec(conn, sql), 0);
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void cover_case(const char *url, const char *dir)
{
    char lib[1024], data[1024], path[1200], sql[2048];
    snprintf(lib, sizeof(lib), "%s/music", dir);
    snprintf(data, sizeof(data), "%s/data", dir);
    assert_int_equal(mkdir(lib, 0755), 0);
    snprintf(path, sizeof(path), "%s/Album", lib);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/Album/cover.jpg", lib);
    write_jpeg(path, 300);
    snprintf(path, sizeof(path), "%s/Album/01.wav", lib);
    const char *info[] = {"INAM", "Song", NULL};
    testutil_write_wav(path, 0.2, info);
    snprintf(path, sizeof(path), "%s/Album/broken.jpg", lib);
    testutil_write_file(path, "definitely not a picture", 24);

    Db *db;
    assert_int_equal(db_open(url, 2, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    DbConn *conn;
    assert_int_equal(db_acquire(db, &conn), 0);
    DbStmt *st;
    assert_int_equal(
        db_prepare(conn, "INSERT INTO libraries (id, name, path, created_at) VALUES (7, 'M', ?, 1)",
                   &st),
        0);
    assert_int_equal(db_bind_text(st, 1, lib), 0);
    assert_int_equal(db_step(st), DB_DONE);
    db_finalize(st);
    snprintf(sql, sizeof(sql),
             "INSERT INTO covers (id, library_id, kind, path, size, mtime, updated_at) VALUES "
             "('" ID_FILE "', 7, 'file', 'Album/cover.jpg', 1, 1, 1), "
             "('" ID_EMB "', 7, 'embedded', 'Album/01.wav', 1, 1, 1), "
             "('" ID_WEIRD "', 7, 'weird', 'Album/cover.jpg', 1, 1, 1), "
             "('" ID_EVIL "', 7, 'file', '../../etc/passwd', 1, 1, 1), "
             "('" ID_GONE "', 7, 'file', 'Album/gone.jpg', 1, 1, 1), "
             "('" ID_BAD "', 7, 'file', 'Album/broken.jpg', 1, 1, 1)");
    exec_sql(conn, sql);

    Arena *a = arena_new(1 << 16);
    LibraryCover c;
    assert_int_equal(library_cover_get(conn, a, ID_FILE, &c), 0);
    snprintf(path, sizeof(path), "%s/Album/cover.jpg", lib);
    assert_string_equal(c.path, path);
    assert_string_equal(c.id, ID_FILE);
    assert_false(c.embedded);
    assert_int_equal(c.library_id, 7);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(c.size, sb.st_size);
    assert_int_equal(c.mtime, sb.st_mtim.tv_sec);

    LibraryCover e;
    assert_int_equal(library_cover_get(conn, a, ID_EMB, &e), 0);
    assert_true(e.embedded);
    LibraryCover x;
    assert_int_equal(library_cover_get(conn, a, "ffff", &x), -ENOENT);
    assert_int_equal(library_cover_get(conn, a, "../../etc", &x), -ENOENT);
    assert_int_equal(library_cover_get(conn, a, "AA01", &x), -ENOENT);
    assert_int_equal(library_cover_get(conn, a, "", &x), -ENOENT);
    assert_int_equal(library_cover_get(conn, a, ID_WEIRD, &x), ERR_MEDIA);
    assert_int_equal(library_cover_get(conn, a, ID_EVIL, &x), ERR_MEDIA);
    assert_int_equal(library_cover_get(conn, a, ID_GONE, &x), -ENOENT);
    LibraryCover bad;
    assert_int_equal(library_cover_get(conn, a, ID_BAD, &bad), 0);

    /* A miss renders and stores; the next call is a hit on the same file. */
    int fd;
    uint64_t len;
    assert_int_equal(library_cover_open(data, &c, 128, MEDIA_IMAGE_WEBP, &fd, &len), 0);
    assert_true(len > 0);
    struct stat f1;
    assert_int_equal(fstat(fd, &f1), 0);
    assert_int_equal((uint64_t)f1.st_size, len);
    close(fd);
    char cdir[1200];
    snprintf(cdir, sizeof(cdir), "%s/cache/covers/aa/" ID_FILE, data);
    assert_int_equal(count_files(cdir), 1);
    assert_int_equal(library_cover_open(data, &c, 128, MEDIA_IMAGE_WEBP, &fd, &len), 0);
    struct stat f2;
    assert_int_equal(fstat(fd, &f2), 0);
    assert_int_equal(f1.st_ino, f2.st_ino);
    close(fd);
    assert_int_equal(library_cover_open(data, &c, 256, MEDIA_IMAGE_JPEG, &fd, &len), 0);
    close(fd);
    assert_int_equal(count_files(cdir), 2);
    const char *v1 = library_cover_version(a, &c);

    /* A new source version gets a new name and replaces the old rendition of that edge. */
    write_jpeg(path, 400);
    assert_int_equal(library_cover_get(conn, a, ID_FILE, &c), 0);
    const char *v2 = library_cover_version(a, &c);
    assert_string_not_equal(v1, v2);
    assert_int_equal(library_cover_open(data, &c, 128, MEDIA_IMAGE_WEBP, &fd, &len), 0);
    close(fd);
    assert_int_equal(count_files(cdir), 2); /* new 128 webp, old 256 jpg */

    /* Sources that give no cover. */
    assert_int_equal(library_cover_open(data, &e, 128, MEDIA_IMAGE_WEBP, &fd, &len), -ENOENT);
    assert_int_equal(library_cover_open(data, &bad, 128, MEDIA_IMAGE_WEBP, &fd, &len), ERR_PARSE);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(library_cover_open(data, &c, 512, MEDIA_IMAGE_WEBP, &fd, &len), -ENOENT);

    /* The placeholder is drawn once per edge and format. */
    assert_int_equal(library_cover_placeholder_open(data, 64, MEDIA_IMAGE_JPEG, &fd, &len), 0);
    close(fd);
    snprintf(path, sizeof(path), "%s/cache/covers/placeholder/64.jpg", data);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal((uint64_t)sb.st_size, len);
    assert_int_equal(library_cover_placeholder_open(data, 0, MEDIA_IMAGE_JPEG, &fd, &len), -EINVAL);

    arena_free(a);
    db_release(conn);
    db_close(db);
}

static void test_cover_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, cover_case);
}

static void test_cover_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, cover_case);
}

static void test_snap(void **state)
{
    (void)state;
    assert_int_equal(library_cover_snap(1), 64);
    assert_int_equal(library_cover_snap(64), 64);
    assert_int_equal(library_cover_snap(65), 128);
    assert_int_equal(library_cover_snap(100), 128);
    assert_int_equal(library_cover_snap(300), 512);
    assert_int_equal(library_cover_snap(512), 512);
    assert_int_equal(library_cover_snap(513), 1024);
    assert_int_equal(library_cover_snap(INT64_MAX), LIMIT_COVER_SIZE_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snap),
        cmocka_unit_test(test_cover_sqlite),
        cmocka_unit_test(test_cover_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
