/*
 * personal_seed.h - rows shared by the unit tests of library_annotate, library_history and
 * library_queue: two libraries (song c004 and artist aa02 live only in library 2; c005 is
 * missing), three albums, two users (u1 alice, u2 bob), and the scopes the tests use.
 */
#ifndef SWAZ_TEST_PERSONAL_SEED_H
#define SWAZ_TEST_PERSONAL_SEED_H

#include "db/db.h"
#include "library/library_scope.h"

#include <stddef.h>
#include <stdint.h>

static const char *const personal_seed_sql[] = {
    "INSERT INTO libraries (id, name, path, created_at) VALUES (1, 'Music', '/m', 0),"
    " (2, 'Other', '/o', 0)",
    "INSERT INTO folders (id, library_id, path, parent_id, name, sort_name, updated_at) VALUES"
    " ('f0', 1, '', NULL, '', '', 0), ('f9', 2, '', NULL, '', '', 0)",
    "INSERT INTO artists (id, name, sort_name, album_count, song_count, created_at, updated_at)"
    " VALUES ('aa01', 'Alpha', 'alpha', 2, 3, 0, 0), ('aa02', 'Beta', 'beta', 1, 1, 0, 0)",
    "INSERT INTO albums (id, name, sort_name, artist_id, album_artist, artist_sort, year,"
    " song_count, duration_ms, created_at, updated_at) VALUES"
    " ('ab01', 'One', 'one', 'aa01', 'Alpha', 'alpha', 2001, 2, 1000, 100, 0),"
    " ('ab02', 'Two', 'two', 'aa01', 'Alpha', 'alpha', 2002, 1, 1000, 200, 0),"
    " ('ab03', 'Three', 'three', 'aa02', 'Beta', 'beta', 2003, 1, 1000, 300, 0)",
    "INSERT INTO album_artists (album_id, artist_id, position) VALUES ('ab01', 'aa01', 0),"
    " ('ab02', 'aa01', 0), ('ab03', 'aa02', 0)",
    "INSERT INTO songs (id, library_id, folder_id, path, size, mtime, format, title, sort_title,"
    " artist, album, album_id, artist_id, track_no, missing, created_at, updated_at) VALUES"
    " ('c001', 1, 'f0', '1.mp3', 1, 0, 'mp3', 'S1', 's1', 'Alpha', 'One', 'ab01', 'aa01', 1, 0,"
    " 0, 0),"
    " ('c002', 1, 'f0', '2.mp3', 1, 0, 'mp3', 'S2', 's2', 'Alpha', 'One', 'ab01', 'aa01', 2, 0,"
    " 0, 0),"
    " ('c003', 1, 'f0', '3.mp3', 1, 0, 'mp3', 'S3', 's3', 'Alpha', 'Two', 'ab02', 'aa01', 1, 0,"
    " 0, 0),"
    " ('c004', 2, 'f9', '4.mp3', 1, 0, 'mp3', 'S4', 's4', 'Beta', 'Three', 'ab03', 'aa02', 1, 0,"
    " 0, 0),"
    " ('c005', 1, 'f0', '5.mp3', 1, 0, 'mp3', 'S5', 's5', 'Alpha', 'One', 'ab01', 'aa01', 3, 1,"
    " 0, 0)",
    "INSERT INTO song_artists (song_id, artist_id, position) VALUES ('c001', 'aa01', 0),"
    " ('c004', 'aa02', 0), ('c004', 'aa01', 1)",
    /* the artists' counts per library (migration 0019), as the scanner writes them */
    "INSERT INTO artist_library_counts (artist_id, library_id, album_count, song_count) VALUES"
    " ('aa01', 1, 2, 1), ('aa01', 2, 0, 1), ('aa02', 2, 1, 1)",
    "INSERT INTO users (id, username, password_hash, is_admin, created_at, updated_at) VALUES"
    " ('u1', 'alice', 'x', 0, 0, 0), ('u2', 'bob', 'x', 0, 0, 0)",
};

static const int64_t personal_lib1[] = {1};
static const LibraryScope personal_all = {true, NULL, 0};
static const LibraryScope personal_only1 = {false, personal_lib1, 1};
static const LibraryScope personal_none = {false, NULL, 0};

/* Opens, migrates and seeds a database; fails the test on error. */
static inline void personal_seed(const char *url, Db **ret_db, DbConn **ret_conn)
{
    int applied;
    assert_int_equal(db_open(url, 2, ret_db), 0);
    assert_int_equal(db_migrate(*ret_db, &applied), 0);
    assert_int_equal(db_acquire(*ret_db, ret_conn), 0);
    for (size_t i = 0; i < sizeof(personal_seed_sql) / sizeof(personal_seed_sql[0]); i++) {
        if (db_exec(*ret_conn, personal_seed_sql[i]) != 0)
            fail_msg("seed %zu: %s", i, db_errmsg(*ret_conn));
    }
}

#endif
