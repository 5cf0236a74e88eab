/* testutil.c - helpers shared by unit tests. */
#include "testutil.h"

#include "db/db.h"

#include <fcntl.h>
#include <stdbool.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <cmocka.h>

char *testutil_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[1024];
    snprintf(tmpl, sizeof(tmpl), "%s/swaz-unit-XXXXXX", base && *base ? base : "/tmp");
    char *dir = mkdtemp(tmpl);
    if (!dir)
        abort();
    return strdup(dir);
}

static int testutil_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void testutil_rmrf(const char *path)
{
    nftw(path, testutil_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)((v >> (8 * i)) & 0xff);
}

void testutil_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len)
        abort();
    fclose(f);
}

void testutil_write_wav(const char *path, double seconds, const char *const *info)
{
    uint32_t frames = (uint32_t)(seconds * 44100.0);
    uint32_t data_len = frames * 4;
    /* LIST/INFO chunk: each sub-chunk is id, size, NUL-terminated value padded to even. */
    unsigned char list[8192];
    size_t ln = 12;
    memcpy(list, "LIST", 4);
    memcpy(list + 8, "INFO", 4);
    for (const char *const *p = info; p && p[0] && p[1]; p += 2) {
        size_t vlen = strlen(p[1]) + 1;
        size_t padded = vlen + (vlen & 1);
        if (ln + 8 + padded > sizeof(list))
            abort();
        memcpy(list + ln, p[0], 4);
        put32(list + ln + 4, (uint32_t)vlen);
        memset(list + ln + 8, 0, padded);
        memcpy(list + ln + 8, p[1], vlen - 1);
        ln += 8 + padded;
    }
    put32(list + 4, (uint32_t)(ln - 8));
    bool has_list = info && info[0];

    unsigned char hdr[36];
    memcpy(hdr, "RIFF", 4);
    put32(hdr + 4, (uint32_t)(4 + 24 + (has_list ? ln : 0) + 8 + data_len));
    memcpy(hdr + 8, "WAVEfmt ", 8);
    put32(hdr + 16, 16);
    put16(hdr + 20, 1);
    put16(hdr + 22, 2);
    put32(hdr + 24, 44100);
    put32(hdr + 28, 44100 * 4);
    put16(hdr + 32, 4);
    put16(hdr + 34, 16);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(hdr, 1, sizeof(hdr), f);
    if (has_list)
        fwrite(list, 1, ln, f);
    unsigned char dh[8];
    memcpy(dh, "data", 4);
    put32(dh + 4, data_len);
    fwrite(dh, 1, 8, f);
    for (uint32_t i = 0; i < frames; i++) {
        int16_t v = (int16_t)(8000.0 * sin(2.0 * 3.14159265 * 440.0 * i / 44100.0));
        unsigned char s[4];
        put16(s, (unsigned)(uint16_t)v);
        put16(s + 2, (unsigned)(uint16_t)v);
        fwrite(s, 1, 4, f);
    }
    fclose(f);
}

/* Replaces the database name in a libpq URL ("postgresql://u@h/db?x" -> ".../name?x"). */
static void testutil_pg_url(const char *admin, const char *name, char *out, size_t size)
{
    const char *auth = strstr(admin, "://");
    const char *slash = auth ? strchr(auth + 3, '/') : NULL;
    if (!slash)
        abort();
    const char *rest = strchr(slash, '?');
    snprintf(out, size, "%.*s/%s%s", (int)(slash - admin), admin, name, rest ? rest : "");
}

static int testutil_pg_admin(const char *sql)
{
    const char *admin = getenv("SWAZ_TEST_PG_URL");
    Db *db;
    if (db_open(admin, 1, &db) < 0)
        return -1;
    DbConn *c;
    int r = db_acquire(db, &c);
    if (r == 0) {
        r = db_exec(c, sql);
        db_release(c);
    }
    db_close(db);
    return r;
}

int testutil_db_url(const char *dir, int backend, char url[TESTUTIL_URL_BYTES])
{
    if (backend == TESTUTIL_SQLITE) {
        snprintf(url, TESTUTIL_URL_BYTES, "sqlite:%s/unit.db", dir);
        return 0;
    }
    const char *admin = getenv("SWAZ_TEST_PG_URL");
    if (!admin || !*admin)
        return -1;
    unsigned char rnd[6];
    if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
        abort();
    char name[64], sql[128];
    snprintf(name, sizeof(name), "swaz_unit_%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
             rnd[3], rnd[4], rnd[5]);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
    if (testutil_pg_admin(sql) < 0)
        abort();
    testutil_pg_url(admin, name, url, TESTUTIL_URL_BYTES);
    return 0;
}

void testutil_on_backend(int backend, void (*fn)(const char *url, const char *dir))
{
    char *dir = testutil_tmpdir();
    char url[TESTUTIL_URL_BYTES];
    bool have = testutil_db_url(dir, backend, url) == 0;
    if (have) {
        fn(url, dir);
        testutil_db_drop(url);
    }
    testutil_rmrf(dir);
    free(dir);
    if (!have)
        skip();
}

void testutil_db_drop(const char *url)
{
    if (strncmp(url, "postgres", 8) != 0)
        return;
    const char *slash = strchr(strstr(url, "://") + 3, '/');
    char name[128];
    size_t n = strcspn(slash + 1, "?");
    if (n >= sizeof(name))
        return;
    memcpy(name, slash + 1, n);
    name[n] = '\0';
    char sql[192];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    testutil_pg_admin(sql);
}
