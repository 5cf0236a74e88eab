/* test_media_tcache.c - the transcode cache: miss, join and hit; followers reading a fill
 * as it grows; peeking at a running encode; atomic commit; LRU eviction under the size; a changed
 * source; failed and abandoned encodes leaving nothing; stale temp files removed at start-up. */
#include "core/metrics.h"
#include "media/media_tcache.h"

#include <dirent.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

typedef struct Fixture {
    char *dir;
    char cache_dir[1024];
    char source[1024];
} Fixture;

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->dir = testutil_tmpdir();
    snprintf(f->cache_dir, sizeof(f->cache_dir), "%s/transcodes", f->dir);
    snprintf(f->source, sizeof(f->source), "%s/song.flac", f->dir);
    testutil_write_file(f->source, "source v1", 9);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    testutil_rmrf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* Files in the cache folder, temp files counted apart. */
static int count_files(const Fixture *f, int *ret_tmp)
{
    DIR *d = opendir(f->cache_dir);
    assert_non_null(d);
    int n = 0, tmp = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (strstr(de->d_name, ".tmp"))
            tmp++;
        else
            n++;
    }
    closedir(d);
    *ret_tmp = tmp;
    return n;
}

static MediaTcacheKey key_of(const Fixture *f, const char *id, int kbps)
{
    return (MediaTcacheKey){id, f->source, MEDIA_TRANSCODE_MP3, kbps};
}

/* Fills `key` with `len` bytes of `c` and ends it. */
static void fill_whole(MediaTcache *c, const MediaTcacheKey *key, size_t len, char ch)
{
    MediaTcacheResult res;
    int fd;
    MediaTcacheFill *fill;
    assert_int_equal(media_tcache_acquire(c, key, &res, &fd, &fill), 0);
    assert_int_equal(res, MEDIA_TCACHE_MISS);
    uint8_t *buf = malloc(len);
    memset(buf, ch, len);
    assert_int_equal(media_tcache_fill_write(fill, buf, len), 0);
    free(buf);
    media_tcache_fill_end(fill, 0);
    media_tcache_fill_leave(fill);
    close(fd);
}

static void test_miss_join_hit(void **state)
{
    Fixture *f = *state;
    MediaTcache *c;
    assert_int_equal(media_tcache_new(f->cache_dir, 1 << 20, &c), 0);
    MediaTcacheKey key = key_of(f, "abc123", 128);
    int fd;
    assert_int_equal(media_tcache_open(c, &key, &fd), -ENOENT);

    MediaTcacheResult res;
    int wfd, jfd;
    MediaTcacheFill *fill, *joined;
    assert_int_equal(media_tcache_acquire(c, &key, &res, &wfd, &fill), 0);
    assert_int_equal(res, MEDIA_TCACHE_MISS);
    assert_int_equal(media_tcache_fill_write(fill, (const uint8_t *)"hello ", 6), 0);

    /* A second stream joins the running encode instead of starting one. */
    assert_int_equal(media_tcache_acquire(c, &key, &res, &jfd, &joined), 0);
    assert_int_equal(res, MEDIA_TCACHE_JOIN);
    assert_ptr_equal(joined, fill);
    assert_int_equal(media_tcache_fill_followers(fill), 2);
    assert_int_equal(media_tcache_open(c, &key, &fd), -ENOENT); /* not finished: no hit */

    uint64_t avail;
    assert_int_equal(media_tcache_fill_wait(joined, 0, 10, &avail), 0);
    assert_int_equal(avail, 6);
    assert_int_equal(media_tcache_fill_wait(joined, 6, 10, &avail), -ETIMEDOUT);
    char got[16] = {0};
    assert_int_equal(pread(jfd, got, 6, 0), 6);
    assert_string_equal(got, "hello ");

    int tmp;
    assert_int_equal(count_files(f, &tmp), 0); /* nothing servable before the end */
    assert_int_equal(tmp, 1);
    assert_int_equal(media_tcache_fill_write(fill, (const uint8_t *)"world", 5), 0);
    media_tcache_fill_end(fill, 0);
    assert_int_equal(media_tcache_fill_wait(joined, 6, 10, &avail), 1);
    assert_int_equal(avail, 11);
    assert_int_equal(pread(jfd, got, 11, 0), 11);
    assert_string_equal(got, "hello world");
    media_tcache_fill_leave(joined);
    media_tcache_fill_leave(fill);
    close(jfd);
    close(wfd);
    assert_int_equal(count_files(f, &tmp), 1);
    assert_int_equal(tmp, 0);

    /* Now a hit, through both calls. */
    int64_t hits = metrics_get(METRICS_TCACHE_HITS);
    assert_int_equal(media_tcache_open(c, &key, &fd), 0);
    memset(got, 0, sizeof(got));
    assert_int_equal(read(fd, got, sizeof(got)), 11);
    close(fd);
    assert_int_equal(media_tcache_acquire(c, &key, &res, &fd, &fill), 0);
    assert_int_equal(res, MEDIA_TCACHE_HIT);
    assert_null(fill);
    close(fd);
    assert_int_equal(metrics_get(METRICS_TCACHE_HITS) - hits, 2);
    assert_int_equal(metrics_get(METRICS_TCACHE_BYTES), 11);

    /* Another bitrate, or a changed source file, is another entry. */
    MediaTcacheKey other = key_of(f, "abc123", 64);
    assert_int_equal(media_tcache_open(c, &other, &fd), -ENOENT);
    testutil_write_file(f->source, "source v2, longer", 17);
    assert_int_equal(media_tcache_open(c, &key, &fd), -ENOENT);

    /* Keys that cannot name a file are refused. */
    MediaTcacheKey bad = key_of(f, "../etc", 128);
    assert_int_equal(media_tcache_open(c, &bad, &fd), -EINVAL);
    bad.song_id = "";
    assert_int_equal(media_tcache_acquire(c, &bad, &res, &fd, &fill), -EINVAL);
    MediaTcacheKey gone = {"abc", "/nonexistent/file", MEDIA_TRANSCODE_MP3, 128};
    assert_int_equal(media_tcache_open(c, &gone, &fd), -ENOENT);
    media_tcache_free(c);
    media_tcache_free(NULL);
}

/* peek: the bytes a running encode has written, readable even once it failed; nothing when
 * no encode runs, for a finished file, or for FLAC. */
static void test_peek_running_encode(void **state)
{
    Fixture *f = *state;
    MediaTcache *c;
    assert_int_equal(media_tcache_new(f->cache_dir, 1 << 20, &c), 0);
    MediaTcacheKey key = key_of(f, "peek1", 128);
    int fd;
    uint64_t written;
    assert_int_equal(media_tcache_peek(c, &key, &fd, &written), -ENOENT);
    MediaTcacheResult res;
    int wfd;
    MediaTcacheFill *fill;
    assert_int_equal(media_tcache_acquire(c, &key, &res, &wfd, &fill), 0);
    assert_int_equal(media_tcache_fill_write(fill, (const uint8_t *)"first ", 6), 0);
    assert_int_equal(media_tcache_peek(c, &key, &fd, &written), 0);
    assert_int_equal(written, 6);
    assert_int_equal(media_tcache_fill_write(fill, (const uint8_t *)"more", 4), 0);
    char got[16] = {0};
    assert_int_equal(pread(fd, got, sizeof(got), 0), 10); /* the file grows under it */
    assert_string_equal(got, "first more");
    MediaTcacheKey flac = key;
    flac.format = MEDIA_TRANSCODE_FLAC;
    int other;
    assert_int_equal(media_tcache_peek(c, &flac, &other, &written), -ENOENT);
    MediaTcacheKey bad = key_of(f, "../x", 128);
    assert_int_equal(media_tcache_peek(c, &bad, &other, &written), -EINVAL);

    media_tcache_fill_end(fill, -EIO); /* unlinked; the descriptor still reads */
    memset(got, 0, sizeof(got));
    assert_int_equal(pread(fd, got, 6, 0), 6);
    assert_string_equal(got, "first ");
    close(fd);
    assert_int_equal(media_tcache_peek(c, &key, &fd, &written), -ENOENT);
    media_tcache_fill_leave(fill);
    close(wfd);

    fill_whole(c, &key, 32, 'x'); /* finished: media_tcache_open()'s, not peek's */
    assert_int_equal(media_tcache_peek(c, &key, &fd, &written), -ENOENT);
    media_tcache_free(c);
}

static void test_failed_and_abandoned(void **state)
{
    Fixture *f = *state;
    MediaTcache *c;
    assert_int_equal(media_tcache_new(f->cache_dir, 1 << 20, &c), 0);
    MediaTcacheKey key = key_of(f, "song1", 128);
    MediaTcacheResult res;
    int fd;
    MediaTcacheFill *fill;
    assert_int_equal(media_tcache_acquire(c, &key, &res, &fd, &fill), 0);
    assert_int_equal(media_tcache_fill_write(fill, (const uint8_t *)"part", 4), 0);
    /* The only listener leaves: the writer sees nobody follows and gives up. */
    media_tcache_fill_leave(fill);
    close(fd);
    assert_int_equal(media_tcache_fill_followers(fill), 0);
    media_tcache_fill_end(fill, -EPIPE);
    int tmp;
    assert_int_equal(count_files(f, &tmp), 0);
    assert_int_equal(tmp, 0);

    /* A failed encode: followers see the error, nothing is kept. */
    assert_int_equal(media_tcache_acquire(c, &key, &res, &fd, &fill), 0);
    assert_int_equal(res, MEDIA_TCACHE_MISS);
    media_tcache_fill_end(fill, -EIO);
    uint64_t avail;
    assert_int_equal(media_tcache_fill_wait(fill, 0, 10, &avail), -EIO);
    media_tcache_fill_leave(fill);
    close(fd);
    assert_int_equal(count_files(f, &tmp), 0);
    assert_int_equal(tmp, 0);
    media_tcache_free(c);
}

static void test_eviction_and_restart(void **state)
{
    Fixture *f = *state;
    MediaTcache *c;
    assert_int_equal(media_tcache_new(f->cache_dir, 2500, &c), 0);
    int64_t evicted = metrics_get(METRICS_TCACHE_EVICTIONS);
    MediaTcacheKey a = key_of(f, "a", 128), b = key_of(f, "b", 128), d = key_of(f, "d", 128);
    fill_whole(c, &a, 1000, 'a');
    fill_whole(c, &b, 1000, 'b');
    int fd;
    assert_int_equal(media_tcache_open(c, &a, &fd), 0); /* a is now used more recently */
    close(fd);
    fill_whole(c, &d, 1000, 'd'); /* 3000 > 2500: the least recently used (b) goes */
    assert_int_equal(metrics_get(METRICS_TCACHE_EVICTIONS) - evicted, 1);
    assert_int_equal(media_tcache_open(c, &b, &fd), -ENOENT);
    assert_int_equal(media_tcache_open(c, &a, &fd), 0);
    close(fd);
    assert_int_equal(metrics_get(METRICS_TCACHE_BYTES), 2000);

    /* Larger than the whole cache: followers get it, the cache does not keep it. */
    MediaTcacheKey big = key_of(f, "big", 128);
    fill_whole(c, &big, 3000, 'x');
    assert_int_equal(media_tcache_open(c, &big, &fd), -ENOENT);
    media_tcache_free(c);

    /* A crash left a temp file behind; a restart removes it and keeps the finished ones. */
    char stale[1200];
    snprintf(stale, sizeof(stale), "%s/x-mp3-128k-1-1.mp3.99.1.tmp", f->cache_dir);
    testutil_write_file(stale, "half", 4);
    int tmp;
    assert_int_equal(count_files(f, &tmp), 2);
    assert_int_equal(tmp, 1);
    assert_int_equal(media_tcache_new(f->cache_dir, 2500, &c), 0);
    assert_int_equal(count_files(f, &tmp), 2);
    assert_int_equal(tmp, 0);
    assert_int_equal(media_tcache_open(c, &d, &fd), 0);
    close(fd);
    media_tcache_free(c);

    /* Restarting with a smaller size evicts down to it. */
    assert_int_equal(media_tcache_new(f->cache_dir, 1500, &c), 0);
    assert_int_equal(count_files(f, &tmp), 1);
    media_tcache_free(c);
}

/* Many entries through the hash index: every kept one is found, every evicted one is gone,
 * across table growth, backward-shift deletion and a restart. */
static void test_many_entries(void **state)
{
    Fixture *f = *state;
    enum { ENTRIES = 600, KEEP = 250 };
    MediaTcache *c;
    assert_int_equal(media_tcache_new(f->cache_dir, KEEP, &c), 0);
    char id[32];
    for (int i = 0; i < ENTRIES; i++) {
        snprintf(id, sizeof(id), "s%d", i);
        MediaTcacheKey k = key_of(f, id, 128);
        fill_whole(c, &k, 1, 'x');
    }
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < ENTRIES; i++) {
            snprintf(id, sizeof(id), "s%d", i);
            MediaTcacheKey k = key_of(f, id, 128);
            int fd;
            int r = media_tcache_open(c, &k, &fd);
            assert_int_equal(r, i >= ENTRIES - KEEP ? 0 : -ENOENT);
            if (r == 0)
                close(fd);
        }
        media_tcache_free(c);
        assert_int_equal(media_tcache_new(f->cache_dir, KEEP, &c), 0); /* from the folder */
    }
    int tmp;
    assert_int_equal(count_files(f, &tmp), KEEP);
    media_tcache_free(c);
}

/* `swaz transcode` beside `swaz serve`: each sees the other's finished files, and neither
 * removes a temp file of the other while it runs. */
static void test_two_processes(void **state)
{
    Fixture *f = *state;
    MediaTcache *server, *cli;
    assert_int_equal(media_tcache_new(f->cache_dir, 1 << 20, &server), 0);
    assert_int_equal(media_tcache_new(f->cache_dir, 1 << 20, &cli), 0);
    MediaTcacheKey key = key_of(f, "shared", 64);
    fill_whole(cli, &key, 500, 's');
    int fd;
    assert_int_equal(media_tcache_open(server, &key, &fd), 0); /* adopted from the folder */
    close(fd);
    assert_int_equal(metrics_get(METRICS_TCACHE_FILES), 1);

    char alive[1200], dead[1200];
    snprintf(alive, sizeof(alive), "%s/x-mp3-64k-1-1.mp3.%ld.1.tmp", f->cache_dir, (long)getppid());
    snprintf(dead, sizeof(dead), "%s/y-mp3-64k-1-1.mp3.99999999.1.tmp", f->cache_dir);
    testutil_write_file(alive, "in use", 6);
    testutil_write_file(dead, "crashed", 7);
    media_tcache_free(cli);
    assert_int_equal(media_tcache_new(f->cache_dir, 1 << 20, &cli), 0);
    struct stat st;
    assert_int_equal(stat(alive, &st), 0);
    assert_int_equal(stat(dead, &st), -1);
    media_tcache_free(cli);
    media_tcache_free(server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_miss_join_hit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peek_running_encode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_and_abandoned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eviction_and_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_entries, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
