/*
 * library_browse.h - browsing the library model: artists, albums (several list orders),
 * genres, years, music folders and the folder tree, for the native API (and later
 * Subsonic).
 *
 * Every paged list is a keyset range scan on an index ((sort_name, id), (artist_sort,
 * sort_name, id), (year, sort_name, id), (created_at, id), ...) of `limit` + 1 rows, paged
 * by an opaque cursor (library_cursor.h), so the last page costs what the first does.
 * Related rows (artists, genres of albums) are loaded per page with two statements
 * (library_song_refs(): the relation rows, then the names of their targets); counts
 * come from the aggregates the scanner stores. The *_scoped forms (and AlbumQuery.scope)
 * see only the libraries of a LibraryScope: an artist, album, genre or year is visible when
 * one of its songs is. The counts of artists and genres for a restricted scope are the sums
 * of their per-library rows over its libraries (one more statement per page); albums and
 * years keep the stored, library-wide ones. Strings and arrays are Arena-owned. Any thread,
 * each with its own DbConn.
 */
#ifndef SWAZ_LIBRARY_BROWSE_H
#define SWAZ_LIBRARY_BROWSE_H

#include "core/arena.h"
#include "db/db.h"
#include "library/library_song.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Maxima of the unpaged lists inside one object. */
#define LIBRARY_BROWSE_ARTIST_ALBUMS_MAX 2000 /* albums listed with one artist */
#define LIBRARY_BROWSE_ALBUM_SONGS_MAX   5000 /* songs listed with one album */

typedef struct Artist {
    const char *id;
    const char *name;
    const char *image_id; /* NULL when none */
    int64_t album_count;
    int64_t song_count;
    const char *sort_name; /* the sort key (library_sort_key()) */
    const char *mbid;      /* MusicBrainz artist id, NULL when absent */
} Artist;

typedef struct Album {
    const char *id;
    const char *name;
    const char *artist;    /* display name of the album artist(s) */
    const char *artist_id; /* first album artist, NULL when none */
    LibraryRefs artists;   /* every album artist, in tag order */
    LibraryRefs genres;
    int64_t year;          /* 0 when unknown */
    int64_t original_year; /* 0 when unknown */
    const char *release_date;
    bool compilation;
    const char *mbid; /* NULL when absent */
    const char *cover_id;
    int64_t song_count;
    int64_t disc_count;
    int64_t duration_ms;
    int64_t created_at;
    const char *sort_name; /* the sort key (library_sort_key()) */
} Album;

typedef struct Genre {
    const char *id;
    const char *name;
    int64_t song_count;
    int64_t album_count;
} Genre;

typedef struct YearCount {
    int64_t year;
    int64_t album_count;
} YearCount;

/* A folder on disk; a library's root folder has path "" and the library's name. */
typedef struct Folder {
    const char *id;
    const char *name;
    const char *path;      /* relative to the library */
    const char *parent_id; /* NULL for a library root */
    int64_t library_id;
    const char *cover_id; /* NULL when none */
} Folder;

/* One entry of a folder page: a subfolder (folder set) or a song (song set). */
typedef struct FolderEntry {
    const Folder *folder;
    const Song *song;
} FolderEntry;

typedef enum {
    LIBRARY_ALBUMS_ALPHA_NAME,   /* sort_name, id */
    LIBRARY_ALBUMS_ALPHA_ARTIST, /* artist_sort, sort_name, id */
    LIBRARY_ALBUMS_NEWEST,       /* created_at desc, id desc */
    LIBRARY_ALBUMS_YEAR,         /* year, sort_name, id in [from, to]; all desc if from > to */
    LIBRARY_ALBUMS_GENRE,        /* albums of genre_id, by album id */
    LIBRARY_ALBUMS_RANDOM,       /* `limit` random albums, no cursor */
    /* Per user (AlbumQuery.user_id), keyset-paged on (key desc, id desc) where the key is
     * computed per album from the user's rows: no OFFSET, but the cost grows with the
     * user's rows (played songs, stars, ratings) rather than being one index range. */
    LIBRARY_ALBUMS_RECENT,   /* latest play of any of its songs */
    LIBRARY_ALBUMS_FREQUENT, /* plays of its songs together */
    LIBRARY_ALBUMS_STARRED,  /* starred albums, newest star first */
    LIBRARY_ALBUMS_HIGHEST,  /* rated albums, best rating first */
} LibraryAlbumList;

typedef struct AlbumQuery {
    LibraryAlbumList list;
    int64_t from, to;          /* LIBRARY_ALBUMS_YEAR */
    const char *genre_id;      /* LIBRARY_ALBUMS_GENRE: an id from library_browse_genre_find() */
    const LibraryScope *scope; /* the visible libraries; NULL: every library */
    const char *user_id;       /* RECENT, FREQUENT, STARRED, HIGHEST: whose data */
} AlbumQuery;

/* Lists up to `limit` (1..LIMIT_PAGE_MAX) artists by (sort_name, id) after `cursor` (NULL:
 * from the start); *ret_next is the next page's cursor or NULL. Returns 0, -EINVAL,
 * ERR_PARSE (malformed cursor) or ERR_DB. */
int library_browse_artists(DbConn *conn, Arena *arena, const char *cursor, int limit,
                           Artist **ret_items, size_t *ret_count, const char **ret_next);

/* Fetches artist `id` and every album it is an album artist of (by year, sort_name, id; at
 * most LIBRARY_BROWSE_ARTIST_ALBUMS_MAX). Returns 0, -ENOENT or ERR_DB. */
int library_browse_artist(DbConn *conn, Arena *arena, const char *id, Artist *ret_artist,
                          Album **ret_albums, size_t *ret_count);

/* Lists up to `limit` albums as `q` says, after `cursor` (ignored for random lists).
 * Returns 0, -EINVAL (bad limit or query), ERR_PARSE (malformed cursor) or ERR_DB. */
int library_browse_albums(DbConn *conn, Arena *arena, const AlbumQuery *q, const char *cursor,
                          int limit, Album **ret_items, size_t *ret_count, const char **ret_next);

/* The same from position `offset` (>= 0) of the list instead of a cursor (ignored for
 * random lists): the sort key at the offset is read from the order's index alone (the
 * per-user lists skip rows of their own query), then the page after it by keyset, so a deep
 * page costs about what the first does. Returns as library_browse_albums(). */
int library_browse_albums_at(DbConn *conn, Arena *arena, const AlbumQuery *q, int64_t offset,
                             int limit, Album **ret_items, size_t *ret_count,
                             const char **ret_next);

/* Fetches album `id` with its songs by disc, track (at most LIBRARY_BROWSE_ALBUM_SONGS_MAX).
 * Returns 0, -ENOENT or ERR_DB. */
int library_browse_album(DbConn *conn, Arena *arena, const char *id, Album *ret_album,
                         Song **ret_songs, size_t *ret_count);

/* Fetches the albums among `ids` (at most LIMIT_PAGE_MAX) in the order of `ids`, skipping
 * unknown ones. Returns 0, -EINVAL or ERR_DB. */
int library_browse_albums_by_id(DbConn *conn, Arena *arena, const char *const *ids, size_t n,
                                Album **ret_items, size_t *ret_count);

/* Fetches the artists among `ids` (at most LIMIT_PAGE_MAX) in the order of `ids`.
 * Returns 0, -EINVAL or ERR_DB. */
int library_browse_artists_by_id(DbConn *conn, Arena *arena, const char *const *ids, size_t n,
                                 Artist **ret_items, size_t *ret_count);

/* Lists up to `limit` genres by (sort_name, id) after `cursor`. Returns as
 * library_browse_artists(). */
int library_browse_genres(DbConn *conn, Arena *arena, const char *cursor, int limit,
                          Genre **ret_items, size_t *ret_count, const char **ret_next);

/* Finds a genre by id, else by name (case-insensitive for ASCII). Writes its id (Arena-
 * owned). Returns 0, -ENOENT or ERR_DB. */
int library_browse_genre_find(DbConn *conn, Arena *arena, const char *id_or_name,
                              const char **ret_id);

/* Lists every year that has albums, ascending, with its album count. Returns 0 or ERR_DB. */
int library_browse_years(DbConn *conn, Arena *arena, YearCount **ret_items, size_t *ret_count);

/* Lists the music folders: the root folder (path "") of every library, by name.
 * Returns 0 or ERR_DB. */
int library_browse_roots(DbConn *conn, Arena *arena, Folder **ret_items, size_t *ret_count);

/* Fetches folder `id` and up to `limit` of its entries after `cursor`: first its subfolders
 * by (sort_name, id), then its songs by (path, id). Returns 0, -ENOENT, -EINVAL, ERR_PARSE
 * or ERR_DB. */
int library_browse_folder(DbConn *conn, Arena *arena, const char *id, const char *cursor, int limit,
                          Folder *ret_folder, FolderEntry **ret_items, size_t *ret_count,
                          const char **ret_next);

/* ---- the same, seeing only the libraries of `scope` (NULL: every library) ---- */

int library_browse_artists_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                  const char *cursor, int limit, Artist **ret_items,
                                  size_t *ret_count, const char **ret_next);
/* Artists from position `offset` (>= 0) by (sort_name, id), found from the index alone. */
int library_browse_artists_at(DbConn *conn, Arena *arena, const LibraryScope *scope, int64_t offset,
                              int limit, Artist **ret_items, size_t *ret_count,
                              const char **ret_next);
int library_browse_artist_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                 const char *id, Artist *ret_artist, Album **ret_albums,
                                 size_t *ret_count);
int library_browse_album_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                const char *id, Album *ret_album, Song **ret_songs,
                                size_t *ret_count);
int library_browse_albums_by_id_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                       const char *const *ids, size_t n, Album **ret_items,
                                       size_t *ret_count);
int library_browse_artists_by_id_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                        const char *const *ids, size_t n, Artist **ret_items,
                                        size_t *ret_count);
int library_browse_genres_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                 const char *cursor, int limit, Genre **ret_items,
                                 size_t *ret_count, const char **ret_next);
int library_browse_years_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                YearCount **ret_items, size_t *ret_count);
int library_browse_roots_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                Folder **ret_items, size_t *ret_count);
int library_browse_folder_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                 const char *id, const char *cursor, int limit, Folder *ret_folder,
                                 FolderEntry **ret_items, size_t *ret_count, const char **ret_next);

#endif
