/*
 * testutil.h - helpers shared by unit tests: temp folders, WAV files with tags, and the
 * database URLs a test runs on (SQLite always; PostgreSQL when SWAZ_TEST_PG_URL is set,
 * in a fresh database per call, so that every database test runs on both backends).
 */
#ifndef SWAZ_TESTUTIL_H
#define SWAZ_TESTUTIL_H

#include <stddef.h>

#define TESTUTIL_URL_BYTES 1024

/* Creates a fresh folder under $TMPDIR. Caller frees the string and removes the folder
 * with testutil_rmrf(). Aborts on failure. */
char *testutil_tmpdir(void);

/* Removes a folder tree. */
void testutil_rmrf(const char *path);

/* Writes a 16-bit stereo 44.1 kHz WAV of `seconds` of a tone, with a LIST/INFO chunk of
 * (id, value) pairs ending with NULL, e.g. {"INAM", "Title", "IART", "Artist", NULL}. */
void testutil_write_wav(const char *path, double seconds, const char *const *info);

/* Writes `len` bytes of `data` to `path`. */
void testutil_write_file(const char *path, const void *data, size_t len);

enum { TESTUTIL_SQLITE = 0, TESTUTIL_POSTGRES = 1 };

/* Writes the URL of a fresh database of `backend` into `url`: a SQLite file inside `dir`,
 * or a newly created PostgreSQL database when SWAZ_TEST_PG_URL is set. Returns 0, or -1
 * when that backend is not available (the caller skips). */
int testutil_db_url(const char *dir, int backend, char url[TESTUTIL_URL_BYTES]);

/* Runs `fn(url)` on a fresh database of `backend` in a temp dir, then removes it; calls
 * cmocka's skip() when the backend is not available. */
void testutil_on_backend(int backend, void (*fn)(const char *url, const char *dir));

/* Drops a database made by testutil_db_url() (no-op for SQLite). */
void testutil_db_drop(const char *url);

#endif
