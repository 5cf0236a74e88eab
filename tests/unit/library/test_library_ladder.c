/*
 * test_library_ladder.c - the pre-transcode ladder: parsing transcode_ladder, which steps a
 * song needs (the original is skipped at or below its bitrate), cached steps not made twice,
 * and the background ladder fed by song ids on SQLite and PostgreSQL.
 */
#include "core/arena.h"
#include "core/err.h"
#include "library/library_ladder.h"
#include "library/library_scan.h"
#include "media/media_probe.h"

#include <dirent.h>
#include <errno.h>
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

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += de->d_name[0] != '.' && !strstr(de->d_name, ".tmp");
    closedir(d);
    return n;
}

static void test_parse(void **state)
{
    (void)state;
    LibraryLadderSpec s;
    assert_int_equal(library_ladder_parse("mp3:320,mp3:128,mp3:64", &s), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.steps[0].format, MEDIA_TRANSCODE_MP3);
    assert_int_equal(s.steps[2].kbps, 64);
    assert_int_equal(library_ladder_parse("opus:96,flac,m4a:999", &s), 0);
    assert_int_equal(s.steps[1].kbps, 0);
    assert_int_equal(s.steps[2].kbps, 320); /* clamped as a stream would be */
    const char *bad[] = {"", "mp3:", "wav:128", "mp3:abc", "mp3:128,,mp3:64", "mp3:-5", "mp3:128,"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(library_ladder_parse(bad[i], &s), -EINVAL);
    assert_int_equal(library_ladder_parse("mp3,mp3,mp3,mp3,mp3,mp3,mp3,mp3,mp3", &s), ERR_LIMIT);
}

static void test_one_song(void **state)
{
    (void)state;
    media_init();
    char *dir = testutil_tmpdir();
    char src[1024], cache_dir[1024];
    snprintf(src, sizeof(src), "%s/song.wav", dir);
    snprintf(cache_dir, sizeof(cache_dir), "%s/transcodes", dir);
    testutil_write_wav(src, 2.0, NULL);
    MediaTcache *c;
    assert_int_equal(media_tcache_new(cache_dir, 64u << 20, &c), 0);
    LibraryLadderSpec spec;
    assert_int_equal(library_ladder_parse("mp3:320,mp3:128,mp3:64", &spec), 0);

    Song wav = {
        .id = "w1", .full_path = src, .format = "wav", .codec = "pcm_s16le", .bitrate = 1411};
    LibraryLadderCounts n = {0};
    assert_int_equal(library_ladder_song(c, &spec, &wav, NULL, &n), 0);
    assert_int_equal(atomic_load(&n.encoded), 3);
    assert_int_equal(count_files(cache_dir), 3);
    LibraryLadderCounts again = {0};
    assert_int_equal(library_ladder_song(c, &spec, &wav, NULL, &again), 0);
    assert_int_equal(atomic_load(&again.cached), 3);
    assert_int_equal(atomic_load(&again.encoded), 0);

    /* A 128 kbps mp3 original: 320 and 128 would be the original; only 64 is made. */
    Song mp3 = {.id = "m1", .full_path = src, .format = "mp3", .codec = "mp3", .bitrate = 128};
    LibraryLadderCounts low = {0};
    assert_int_equal(library_ladder_song(c, &spec, &mp3, NULL, &low), 0);
    assert_int_equal(atomic_load(&low.skipped), 2);
    assert_int_equal(atomic_load(&low.encoded), 1);

    /* Stopped: nothing is made, nothing half-made is left. */
    atomic_bool stop = true;
    Song other = {
        .id = "o1", .full_path = src, .format = "wav", .codec = "pcm_s16le", .bitrate = 1411};
    LibraryLadderCounts none = {0};
    assert_int_equal(library_ladder_song(c, &spec, &other, &stop, &none), -EPIPE);
    assert_int_equal(count_files(cache_dir), 4);
    media_tcache_free(c);
    testutil_rmrf(dir);
    free(dir);
}

static void background(const char *url, const char *dir)
{
    media_init();
    char music[1024], cache_dir[1024], p[1100];
    snprintf(music, sizeof(music), "%s/music", dir);
    snprintf(cache_dir, sizeof(cache_dir), "%s/transcodes", dir);
    assert_int_equal(mkdir(music, 0755), 0);
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof(p), "%s/song%d.wav", music, i);
        const char *info[] = {"INAM", i ? "Two" : "One", "IART", "Artist", NULL};
        testutil_write_wav(p, 1.0, info);
    }
    Db *db;
    assert_int_equal(db_open(url, 4, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    LibraryFolder folders[] = {{"music", music}};
    LibraryScanStats st;
    assert_int_equal(library_scan(db, folders, 1, NULL, NULL, NULL, &st), 0);
    assert_int_equal(st.added, 2);

    MediaTcache *c;
    assert_int_equal(media_tcache_new(cache_dir, 64u << 20, &c), 0);
    LibraryLadderSpec spec;
    assert_int_equal(library_ladder_parse("mp3:128,opus:64", &spec), 0);
    LibraryLadder *l;
    assert_int_equal(library_ladder_new(db, c, &spec, &l), 0);

    Arena *a = arena_new(1 << 20);
    DbConn *conn;
    assert_int_equal(db_acquire(db, &conn), 0);
    Song *songs;
    size_t n;
    const char *next;
    assert_int_equal(library_song_list(conn, a, NULL, 10, &songs, &n, &next), 0);
    db_release(conn);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(library_ladder_pretranscode_song(l, songs[i].id), 0);
    assert_int_equal(library_ladder_pretranscode_song(l, ""), -EINVAL);
    assert_int_equal(library_ladder_pretranscode_song(l, "unknown-song"), 0); /* logged */
    library_ladder_wait_idle(l);
    assert_int_equal(count_files(cache_dir), 4);
    int fd;
    MediaTcacheKey key = {songs[0].id, songs[0].full_path, MEDIA_TRANSCODE_OPUS, 64};
    assert_int_equal(media_tcache_open(c, &key, &fd), 0);
    close(fd);
    library_ladder_free(l);
    library_ladder_free(NULL);
    arena_free(a);
    media_tcache_free(c);
    db_close(db);
}

static void test_background_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, background);
}

static void test_background_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, background);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_one_song),
        cmocka_unit_test(test_background_sqlite),
        cmocka_unit_test(test_background_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
