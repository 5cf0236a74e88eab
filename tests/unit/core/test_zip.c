/*
 * test_zip.c - the streaming ZIP writer: CRC-32 check values, record layout, and archives
 * (plain and with every ZIP64 record forced by a low threshold) read back by Python's
 * zipfile and Info-ZIP's unzip, names, sizes and CRCs checked.
 */
#include "core/buf.h"
#include "core/err.h"
#include "core/zip.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static int to_buf(void *ctx, const void *data, size_t len)
{
    return buf_append(ctx, data, len);
}

static int fail_write(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return -ENOSPC;
}

static void test_crc(void **state)
{
    (void)state;
    assert_int_equal(zip_crc32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(zip_crc32(0, "", 0), 0);
    /* Incremental equals whole. */
    uint32_t c = zip_crc32(0, "1234", 4);
    assert_int_equal(zip_crc32(c, "56789", 5), 0xCBF43926u);
}

static uint32_t le32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

/* Writes an archive of three entries into `b`. */
static void build(Buf *b, uint64_t zip64_from)
{
    Zip *z = zip_new(to_buf, b, 3, zip64_from);
    assert_non_null(z);
    static char big[70000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 31);
    assert_int_equal(zip_entry_begin(z, "01 - One.mp3", 1700000000), 0);
    assert_int_equal(zip_entry_data(z, "hello ", 6), 0);
    assert_int_equal(zip_entry_data(z, "world", 5), 0);
    assert_int_equal(zip_entry_begin(z, "again", 0), -EINVAL); /* one still open */
    assert_int_equal(zip_entry_end(z), 0);
    assert_int_equal(zip_entry_begin(z, "Dir/Ünïcode – two.flac", 1700000000), 0);
    assert_int_equal(zip_entry_data(z, big, sizeof(big)), 0);
    assert_int_equal(zip_entry_end(z), 0);
    assert_int_equal(zip_entry_begin(z, "empty", 1700000000), 0);
    assert_int_equal(zip_entry_end(z), 0);
    assert_int_equal(zip_entry_begin(z, "fourth", 0), ERR_LIMIT);
    assert_int_equal(zip_entry_begin(z, "", 0), -EINVAL);
    assert_int_equal(zip_finish(z), 0);
    zip_free(z);
}

/* Runs `cmd` and returns its first output line (static). */
static const char *run(const char *cmd)
{
    static char line[4096];
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    line[0] = '\0';
    if (!fgets(line, sizeof(line), p))
        line[0] = '\0';
    pclose(p);
    line[strcspn(line, "\n")] = '\0';
    return line;
}

static void check_archive(const Buf *b)
{
    char path[] = "/tmp/swaz-zip-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b->data, b->len), (ssize_t)b->len);
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import sys, zipfile, zlib\n"
             "z = zipfile.ZipFile(sys.argv[1])\n"
             "assert z.testzip() is None\n"
             "print(\";\".join(\"%%s:%%d:%%08x:%%d\" %% (i.filename, i.file_size, "
             "zlib.crc32(z.read(i)), i.compress_type) for i in z.infolist()))' %s 2>&1",
             path);
    uint32_t big_crc = 0;
    char big[70000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 31);
    big_crc = zip_crc32(0, big, sizeof(big));
    char want[512];
    snprintf(want, sizeof(want),
             "01 - One.mp3:11:%08x:0;Dir/Ünïcode – two.flac:70000:%08x:0;empty:0:00000000:0",
             zip_crc32(0, "hello world", 11), big_crc);
    assert_string_equal(run(cmd), want);
    snprintf(cmd, sizeof(cmd), "unzip -tqq %s >/dev/null 2>&1; echo $?", path);
    assert_string_equal(run(cmd), "0");
    unlink(path);
}

static void test_archive(void **state)
{
    (void)state;
    Buf b;
    buf_init(&b, 1 << 20);
    build(&b, 0);
    /* Starts with a local header, ends with the end record naming 3 entries. */
    assert_int_equal(le32(b.data), 0x04034b50u);
    const char *end = b.data + b.len - 22;
    assert_int_equal(le32(end), 0x06054b50u);
    assert_int_equal((unsigned char)end[8], 3);
    check_archive(&b);
    buf_free(&b);
}

static void test_archive_zip64(void **state)
{
    (void)state;
    Buf b;
    buf_init(&b, 1 << 20);
    build(&b, 10); /* sizes, offsets and the directory all "too large" */
    const char *end = b.data + b.len - 22;
    assert_int_equal(le32(end), 0x06054b50u);
    assert_int_equal(le32(end - 20), 0x07064b50u); /* the ZIP64 locator precedes it */
    assert_int_equal(le32(end + 16), 0xFFFFFFFFu);
    check_archive(&b);
    buf_free(&b);
}

static void test_write_error(void **state)
{
    (void)state;
    Zip *z = zip_new(fail_write, NULL, 1, 0);
    assert_non_null(z);
    assert_int_equal(zip_entry_begin(z, "x", 0), -ENOSPC);
    zip_free(z);
    zip_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc),
        cmocka_unit_test(test_archive),
        cmocka_unit_test(test_archive_zip64),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
