/*
 * test_file.c - whole-buffer writes and reads, mkdir -p and store-by-rename on a real temp
 * folder: contents, mode, replacement, the fd left open, the read limit, and failures that
 * leave no temp file.
 */
#include "core/file.h"

#include "core/err.h"

#include "testutil.h"

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
#include <unistd.h>

#include <cmocka.h>

/* A fresh folder per case, removed (with what a case left in it) afterwards. */
static int setup(void **state)
{
    *state = testutil_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    testutil_rmrf(*state);
    free(*state);
    return 0;
}

/* The whole content of `path` (at most 63 bytes) as a string. */
static const char *slurp(const char *path, char out[64])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    ssize_t n = read(fd, out, 63);
    close(fd);
    assert_true(n >= 0);
    out[n] = '\0';
    return out;
}

/* How many entries of `dir` (besides . and ..) there are. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_write_all(void **state)
{
    char path[256], got[64];
    snprintf(path, sizeof(path), "%s/w", (char *)*state);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(file_write_all(fd, "hello ", 6), 0);
    assert_int_equal(file_write_all(fd, "world", 5), 0);
    assert_int_equal(file_write_all(fd, "", 0), 0);
    close(fd);
    assert_string_equal(slurp(path, got), "hello world");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_int_equal(file_write_all(fd, "x", 1), -EBADF); /* read-only */
    close(fd);
}

static void test_mkdirs(void **state)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/a/b/c", (char *)*state);
    assert_int_equal(file_mkdirs(path), 0);
    assert_int_equal(file_mkdirs(path), 0); /* already there */
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    char file[256];
    snprintf(file, sizeof(file), "%s/a/f", (char *)*state);
    testutil_write_file(file, "", 0);
    snprintf(path, sizeof(path), "%s/a/f/g", (char *)*state);
    assert_int_equal(file_mkdirs(path), -ENOTDIR);
    char *huge = malloc(5000);
    assert_non_null(huge);
    memset(huge, 'a', 4999);
    huge[0] = '/';
    huge[4999] = '\0';
    assert_int_equal(file_mkdirs(huge), -ENAMETOOLONG);
    free(huge);
}

static void test_store(void **state)
{
    const char *root = *state;
    char dir[256], path[300], got[64];
    snprintf(dir, sizeof(dir), "%s/made/here", root);
    snprintf(path, sizeof(path), "%s/one.txt", dir);
    assert_int_equal(file_store(dir, "one.txt", "first", 5, NULL), 0);
    assert_string_equal(slurp(path, got), "first");
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);

    /* Replaced whole, and the new file comes back open at offset 0. */
    int fd = -1;
    assert_int_equal(file_store(dir, "one.txt", "second!", 7, &fd), 0);
    assert_true(fd >= 0);
    char back[16] = {0};
    assert_int_equal(read(fd, back, sizeof(back) - 1), 7);
    assert_string_equal(back, "second!");
    close(fd);
    assert_string_equal(slurp(path, got), "second!");
    assert_int_equal(entries(dir), 1); /* no temp file left */
}

static void test_read_all(void **state)
{
    const char *root = *state;
    assert_int_equal(file_store(root, "r.bin", "abc\0def", 7, NULL), 0);
    assert_int_equal(file_store(root, "empty", "", 0, NULL), 0);
    char path[300];
    snprintf(path, sizeof(path), "%s/r.bin", root);
    Arena *a = arena_new(1 << 20);
    assert_non_null(a);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    void *data;
    size_t len;
    assert_int_equal(file_read_all(fd, 7, a, &data, &len), 0);
    assert_int_equal(len, 7);
    assert_memory_equal(data, "abc\0def", 7);
    assert_int_equal(((char *)data)[7], '\0'); /* a NUL after it */
    assert_int_equal(file_read_all(fd, 6, a, &data, &len), ERR_LIMIT);
    close(fd);
    snprintf(path, sizeof(path), "%s/empty", root);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(file_read_all(fd, 0, a, &data, &len), 0);
    assert_int_equal(len, 0);
    close(fd);
    assert_int_equal(file_read_all(-1, 10, a, &data, &len), -EBADF);
    arena_free(a);
}

static void test_store_fails_cleanly(void **state)
{
    const char *root = *state;
    char dir[256];
    /* The target is a folder: rename fails, the temp file goes, *ret_fd is untouched. */
    snprintf(dir, sizeof(dir), "%s/d", root);
    assert_int_equal(file_mkdirs(dir), 0);
    char sub[300];
    snprintf(sub, sizeof(sub), "%s/taken", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    char sub_file[320];
    snprintf(sub_file, sizeof(sub_file), "%s/x", sub);
    testutil_write_file(sub_file, "", 0);
    int fd = -7;
    assert_true(file_store(dir, "taken", "data", 4, &fd) < 0);
    assert_int_equal(fd, -7);
    assert_int_equal(entries(dir), 1);

    /* The folder cannot be made (a file stands in its path). */
    char file[256];
    snprintf(file, sizeof(file), "%s/plain", root);
    testutil_write_file(file, "", 0);
    snprintf(dir, sizeof(dir), "%s/plain/below", root);
    assert_int_equal(file_store(dir, "a", "data", 4, NULL), -ENOTDIR);

    /* A name too long for a path. */
    char *name = malloc(5000);
    assert_non_null(name);
    memset(name, 'n', 4999);
    name[4999] = '\0';
    assert_int_equal(file_store(root, name, "data", 4, NULL), -ENAMETOOLONG);
    free(name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkdirs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_fails_cleanly, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
