/*
 * zip.c - streaming ZIP writer: stored entries, data descriptors, ZIP64 when needed.
 *
 * Layout per entry: local header (sizes 0, bit 3) | bytes | data descriptor (32- or 64-bit
 * sizes). Then the central directory (with a ZIP64 extra field for the values that need
 * it), the ZIP64 end record and locator when needed, and the end record. Little-endian
 * fields are packed by hand; CRC-32 from a table built on first use.
 */
#include "core/zip.h"

#include "core/err.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ZIP_MAX32      0xFFFFFFFFu
#define ZIP_MAX16      0xFFFFu
#define ZIP_FLAGS      0x0808u   /* bit 3: data descriptor; bit 11: UTF-8 names */
#define ZIP_VERSION    20u       /* 2.0: stored entries, descriptors */
#define ZIP_VERSION64  45u       /* 4.5: ZIP64 */
#define ZIP_MADE_BY    (3u << 8) /* Unix */
#define ZIP_FILE_MODE  0100644u
#define ZIP_HEADER_MAX 128 /* largest fixed part of any record we write */

typedef struct ZipRecord {
    char *name;
    uint32_t crc;
    uint64_t size;
    uint64_t offset; /* of the local header */
    uint16_t time, date;
} ZipRecord;

struct Zip {
    ZipWriteFn write;
    void *ctx;
    uint64_t zip64_from;
    uint64_t pos; /* bytes written so far */
    ZipRecord *records;
    size_t n, max;
    bool open; /* records[n - 1] is being written */
};

static uint32_t zip_table[256];
static pthread_once_t zip_table_once = PTHREAD_ONCE_INIT;

static void zip_table_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        zip_table[i] = c;
    }
}

uint32_t zip_crc32(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&zip_table_once, zip_table_init);
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++)
        crc = zip_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

/* ---- little-endian packing ---- */

typedef struct ZipOut {
    unsigned char b[ZIP_HEADER_MAX];
    size_t n;
} ZipOut;

static void zip_put(ZipOut *o, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        o->b[o->n++] = (unsigned char)(v >> (8 * i));
}

static int zip_emit(Zip *z, const void *data, size_t len)
{
    int r = z->write(z->ctx, data, len);
    if (r == 0)
        z->pos += len;
    return r;
}

static bool zip_big(const Zip *z, uint64_t v)
{
    return v >= z->zip64_from;
}

Zip *zip_new(ZipWriteFn write, void *ctx, size_t max_entries, uint64_t zip64_from)
{
    Zip *z = calloc(1, sizeof(*z));
    if (!z)
        return NULL;
    z->records = calloc(max_entries ? max_entries : 1, sizeof(*z->records));
    if (!z->records) {
        free(z);
        return NULL;
    }
    z->write = write;
    z->ctx = ctx;
    z->max = max_entries;
    z->zip64_from = zip64_from && zip64_from < ZIP_MAX32 ? zip64_from : ZIP_MAX32;
    return z;
}

void zip_free(Zip *zip)
{
    if (!zip)
        return;
    for (size_t i = 0; i < zip->n; i++)
        free(zip->records[i].name);
    free(zip->records);
    free(zip);
}

/* MS-DOS time and date of a Unix time (UTC; 1980 at the earliest). */
static void zip_dos_time(int64_t mtime, uint16_t *ret_time, uint16_t *ret_date)
{
    time_t t = (time_t)mtime;
    struct tm tm;
    if (mtime < 315532800 || !gmtime_r(&t, &tm)) {
        *ret_time = 0;
        *ret_date = (uint16_t)(1 << 5 | 1); /* 1980-01-01 */
        return;
    }
    *ret_time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
    *ret_date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
}

int zip_entry_begin(Zip *zip, const char *name, int64_t mtime)
{
    size_t len = name ? strlen(name) : 0;
    if (zip->open || len == 0 || len > ZIP_MAX16)
        return -EINVAL;
    if (zip->n >= zip->max)
        return ERR_LIMIT;
    ZipRecord *rec = &zip->records[zip->n];
    memset(rec, 0, sizeof(*rec));
    rec->name = strdup(name);
    if (!rec->name)
        return -ENOMEM;
    rec->offset = zip->pos;
    zip_dos_time(mtime, &rec->time, &rec->date);
    zip->n++;
    zip->open = true;
    ZipOut o = {.n = 0};
    zip_put(&o, 0x04034b50, 4);
    zip_put(&o, ZIP_VERSION64, 2); /* the size is not known yet: it may need ZIP64 */
    zip_put(&o, ZIP_FLAGS, 2);
    zip_put(&o, 0, 2); /* stored */
    zip_put(&o, rec->time, 2);
    zip_put(&o, rec->date, 2);
    zip_put(&o, 0, 4); /* CRC and sizes: in the data descriptor */
    zip_put(&o, 0, 4);
    zip_put(&o, 0, 4);
    zip_put(&o, len, 2);
    zip_put(&o, 0, 2); /* no extra field */
    int r = zip_emit(zip, o.b, o.n);
    return r == 0 ? zip_emit(zip, name, len) : r;
}

int zip_entry_data(Zip *zip, const void *data, size_t len)
{
    if (!zip->open)
        return -EINVAL;
    ZipRecord *rec = &zip->records[zip->n - 1];
    rec->crc = zip_crc32(rec->crc, data, len);
    rec->size += len;
    return zip_emit(zip, data, len);
}

int zip_entry_end(Zip *zip)
{
    if (!zip->open)
        return -EINVAL;
    zip->open = false;
    const ZipRecord *rec = &zip->records[zip->n - 1];
    int width = zip_big(zip, rec->size) ? 8 : 4;
    ZipOut o = {.n = 0};
    zip_put(&o, 0x08074b50, 4);
    zip_put(&o, rec->crc, 4);
    zip_put(&o, rec->size, width); /* compressed = uncompressed: stored */
    zip_put(&o, rec->size, width);
    return zip_emit(zip, o.b, o.n);
}

static int zip_central(Zip *zip, const ZipRecord *rec)
{
    bool big_size = zip_big(zip, rec->size);
    bool big_off = zip_big(zip, rec->offset);
    size_t extra = (big_size ? 16 : 0) + (big_off ? 8 : 0);
    size_t len = strlen(rec->name);
    ZipOut o = {.n = 0};
    zip_put(&o, 0x02014b50, 4);
    zip_put(&o, ZIP_MADE_BY | ZIP_VERSION64, 2);
    zip_put(&o, extra ? ZIP_VERSION64 : ZIP_VERSION, 2);
    zip_put(&o, ZIP_FLAGS, 2);
    zip_put(&o, 0, 2);
    zip_put(&o, rec->time, 2);
    zip_put(&o, rec->date, 2);
    zip_put(&o, rec->crc, 4);
    zip_put(&o, big_size ? ZIP_MAX32 : rec->size, 4);
    zip_put(&o, big_size ? ZIP_MAX32 : rec->size, 4);
    zip_put(&o, len, 2);
    zip_put(&o, extra ? extra + 4 : 0, 2);
    zip_put(&o, 0, 2); /* comment */
    zip_put(&o, 0, 2); /* disk */
    zip_put(&o, 0, 2); /* internal attributes */
    zip_put(&o, (uint64_t)ZIP_FILE_MODE << 16, 4);
    zip_put(&o, big_off ? ZIP_MAX32 : rec->offset, 4);
    int r = zip_emit(zip, o.b, o.n);
    if (r == 0)
        r = zip_emit(zip, rec->name, len);
    if (r < 0 || !extra)
        return r;
    o.n = 0;
    zip_put(&o, 0x0001, 2); /* ZIP64 extended information, in the order the format says */
    zip_put(&o, extra, 2);
    if (big_size) {
        zip_put(&o, rec->size, 8);
        zip_put(&o, rec->size, 8);
    }
    if (big_off)
        zip_put(&o, rec->offset, 8);
    return zip_emit(zip, o.b, o.n);
}

int zip_finish(Zip *zip)
{
    if (zip->open)
        return -EINVAL;
    uint64_t cd_start = zip->pos;
    for (size_t i = 0; i < zip->n; i++) {
        int r = zip_central(zip, &zip->records[i]);
        if (r < 0)
            return r;
    }
    uint64_t cd_size = zip->pos - cd_start;
    bool big = zip->n >= ZIP_MAX16 || zip_big(zip, cd_start) || zip_big(zip, cd_size);
    ZipOut o = {.n = 0};
    if (big) {
        uint64_t end64 = zip->pos;
        zip_put(&o, 0x06064b50, 4);
        zip_put(&o, 44, 8); /* size of the rest of this record */
        zip_put(&o, ZIP_MADE_BY | ZIP_VERSION64, 2);
        zip_put(&o, ZIP_VERSION64, 2);
        zip_put(&o, 0, 4);
        zip_put(&o, 0, 4);
        zip_put(&o, zip->n, 8);
        zip_put(&o, zip->n, 8);
        zip_put(&o, cd_size, 8);
        zip_put(&o, cd_start, 8);
        zip_put(&o, 0x07064b50, 4); /* locator */
        zip_put(&o, 0, 4);
        zip_put(&o, end64, 8);
        zip_put(&o, 1, 4);
    }
    zip_put(&o, 0x06054b50, 4);
    zip_put(&o, 0, 2);
    zip_put(&o, 0, 2);
    zip_put(&o, big ? ZIP_MAX16 : zip->n, 2);
    zip_put(&o, big ? ZIP_MAX16 : zip->n, 2);
    zip_put(&o, big ? ZIP_MAX32 : cd_size, 4);
    zip_put(&o, big ? ZIP_MAX32 : cd_start, 4);
    zip_put(&o, 0, 2);
    return zip_emit(zip, o.b, o.n);
}
