/*
 * library_song.h - songs as the APIs see them: fetch one, list them by keyset, the songs of
 * an album or a folder, a batch by id (search), lyrics text, and the related rows (artists,
 * album artists, genres) loaded for a whole page in one query each (read from indexes alone
 * for artists, migration 0008).
 *
 * Lists are ordered by (sort_title, id) and paged with an opaque cursor naming the last row
 * seen (library_cursor.h), so the last page costs what the first does. Songs marked
 * missing are invisible. Strings are Arena-owned. Any thread, each with its own DbConn.
 */
#ifndef SWAZ_LIBRARY_SONG_H
#define SWAZ_LIBRARY_SONG_H

#include "core/arena.h"
#include "db/db.h"
#include "library/library_cursor.h"
#include "library/library_scope.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A related row named by id: an artist or a genre. */
typedef struct LibraryRef {
    const char *id;
    const char *name;
} LibraryRef;

/* The related rows of one object, in tag order. */
typedef struct LibraryRefs {
    LibraryRef *items;
    size_t n;
} LibraryRefs;

typedef struct Song {
    const char *id;
    int64_t library_id;
    /* Its library's unique name: the music folder's base name, "-2"... when repeated. */
    const char *library_name;
    const char *path;      /* relative to its music folder */
    const char *full_path; /* music folder + "/" + path */
    int64_t size;
    int64_t mtime;
    const char *format;
    const char *codec;
    int64_t duration_ms;
    int64_t bitrate;
    int64_t sample_rate;
    int64_t bit_depth; /* 0 when unknown */
    int64_t channels;
    const char *title;
    const char *artist;
    const char *album;
    const char *album_artist;
    const char *genre;
    int64_t track;       /* 0 when unknown */
    int64_t track_total; /* 0 when unknown */
    int64_t disc;        /* 0 when unknown */
    int64_t disc_total;  /* 0 when unknown */
    const char *disc_subtitle;
    int64_t year;          /* 0 when unknown */
    int64_t original_year; /* 0 when unknown */
    const char *release_date;
    bool compilation;
    const char *mbid; /* MusicBrainz ids: NULL when absent */
    const char *mbid_recording;
    const char *mbid_album;
    const char *mbid_artist;
    const char *mbid_album_artist;
    const char *mbid_release_group;
    bool has_rg_track_gain, has_rg_track_peak, has_rg_album_gain, has_rg_album_peak;
    double rg_track_gain, rg_track_peak, rg_album_gain, rg_album_peak;
    const char *comment;
    bool has_lyrics;
    bool lyrics_synced;
    int64_t bpm; /* 0 when unknown */
    const char *label;
    const char *artist_id;  /* "" when none */
    const char *album_id;   /* "" when none */
    const char *folder_id;  /* "" when none */
    const char *cover_id;   /* NULL when none */
    int64_t created_at;     /* when the scanner first stored it (Unix seconds) */
    const char *sort_title; /* the title's sort key (library_sort_key()) */
    LibraryRefs artists;    /* filled by library_song_attach() */
    LibraryRefs album_artists;
    LibraryRefs genres;
    /* The row's copies of its related ids (migration 0020), read with it; NULL when not. */
    const char *artist_refs, *album_artist_refs, *genre_refs;
} Song;

/* Fetches the song `id` with its related rows. Returns 0, -ENOENT (no such visible song,
 * or a malformed id) or ERR_DB. Strings Arena-owned. */
int library_song_get(DbConn *conn, Arena *arena, const char *id, Song *ret_song);
/* The same, seeing only the libraries of `scope`. */
int library_song_get_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *id,
                            Song *ret_song);

/* Lists up to `limit` (1..LIMIT_PAGE_MAX) songs after `cursor` (NULL: from the start).
 * Writes an Arena-owned array to *ret_songs, its length to *ret_count and the cursor of the
 * next page to *ret_next (NULL on the last page). Returns 0, -EINVAL (bad limit),
 * ERR_PARSE (malformed cursor) or ERR_DB. */
int library_song_list(DbConn *conn, Arena *arena, const char *cursor, int limit, Song **ret_songs,
                      size_t *ret_count, const char **ret_next);
/* The same, seeing only the libraries of `scope`. */
int library_song_list_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                             const char *cursor, int limit, Song **ret_songs, size_t *ret_count,
                             const char **ret_next);

/* Lists the songs of album `album_id` by disc, track, path (at most `max`). Returns 0 or
 * ERR_DB; an unknown album gives no songs. Arena-owned array. */
int library_song_album(DbConn *conn, Arena *arena, const char *album_id, int max, Song **ret_songs,
                       size_t *ret_count);
/* The same, seeing only the libraries of `scope`. */
int library_song_album_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                              const char *album_id, int max, Song **ret_songs, size_t *ret_count);

/* Lists up to `limit` songs of folder `folder_id` by path after (after_path, after_id)
 * (both NULL: from the start). *ret_more is true when more songs follow the last one.
 * Returns 0, -EINVAL or ERR_DB. Arena-owned array. */
int library_song_folder(DbConn *conn, Arena *arena, const char *folder_id, const char *after_path,
                        const char *after_id, int limit, Song **ret_songs, size_t *ret_count,
                        bool *ret_more);
/* The same, seeing only the libraries of `scope`. */
int library_song_folder_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                               const char *folder_id, const char *after_path, const char *after_id,
                               int limit, Song **ret_songs, size_t *ret_count, bool *ret_more);

/* Fetches the visible songs among `ids` (at most LIMIT_PAGE_MAX), in the order of `ids`,
 * skipping unknown ones. Returns 0, -EINVAL (too many) or ERR_DB. Arena-owned array. */
int library_song_by_ids(DbConn *conn, Arena *arena, const char *const *ids, size_t n,
                        Song **ret_songs, size_t *ret_count);
/* The same, seeing only the libraries of `scope`. */
int library_song_by_ids_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                               const char *const *ids, size_t n, Song **ret_songs,
                               size_t *ret_count);
/* The same for any number of `ids` (the caller bounds it), LIMIT_PAGE_MAX per query; `scope`
 * NULL sees every library. Returns 0 or ERR_DB. Arena-owned array. */
int library_song_by_ids_all(DbConn *conn, Arena *arena, const LibraryScope *scope,
                            const char *const *ids, size_t n, Song **ret_songs, size_t *ret_count);

/* Which songs library_song_filter() returns. */
typedef struct SongFilter {
    const char *genre_id; /* a genre id (library_browse_genre_find); NULL: any genre */
    int64_t from_year;    /* 0: no lower bound */
    int64_t to_year;      /* 0: no upper bound */
    bool random;          /* random order; otherwise by (sort_title, id) */
} SongFilter;

/* Lists up to `limit` (1..LIMIT_PAGE_MAX) visible songs of `scope` that pass `f`, from
 * position `offset` (>= 0; ignored for random order) of the list by (sort_title, id): the
 * ids of the page are read from one index alone (songs_sort_present, or song_genres_sort
 * with a genre), skipping `offset` entries of it, then the songs by id. Random songs are
 * distinct, found by probing random points of the id space. Returns 0, -EINVAL or ERR_DB.
 * Arena-owned array, related rows attached. */
int library_song_filter(DbConn *conn, Arena *arena, const LibraryScope *scope, const SongFilter *f,
                        int64_t offset, int limit, Song **ret_songs, size_t *ret_count);

/* Fetches the stored lyrics text of song `id` ("" when it has none) and whether the
 * scanner found them synced. Returns 0, -ENOENT or ERR_DB. Text Arena-owned. */
int library_song_lyrics(DbConn *conn, Arena *arena, const char *id, const char **ret_text,
                        bool *ret_synced);
/* The same, seeing only the libraries of `scope`. */
int library_song_lyrics_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                               const char *id, const char **ret_text, bool *ret_synced);

/* Loads the related rows of `n` songs (artists, album artists, genres) with
 * library_song_refs(). Returns 0, -ENOMEM or ERR_DB. */
int library_song_attach(DbConn *conn, Arena *arena, Song *songs, size_t n);

/* The objects a related row names: its id and name come from this table. */
typedef enum { LIBRARY_REF_ARTIST, LIBRARY_REF_GENRE, LIBRARY_REF_KINDS } LibraryRefKind;

/* Parts one library_song_refs() call loads at most. */
#define LIBRARY_REF_PARTS_MAX 8

/* One kind of related row for library_song_refs(): `sql` is fixed text of the caller (never
 * request text) selecting "key, target id, position FROM <relation> WHERE key IN (" over the
 * relation table alone, `kind` names the table of the targets, and refs[i] receives the rows
 * whose key is keys[i] (n entries; "" keys are skipped). When `lists` is not NULL, lists[i]
 * holds the rows of keys[i] as copied on the object's own row (migration 0020): entries
 * "position target" or "target" (position 0) separated by ','; the part then reads nothing. */
typedef struct LibraryRefPart {
    const char *sql;
    LibraryRefKind kind;
    const char *const *keys;
    size_t n;
    LibraryRefs *refs;        /* n entries, zeroed by the caller */
    const char *const *lists; /* n entries, or NULL: read the relation with `sql` */
} LibraryRefPart;

/* Loads the related rows of the `n_parts` (at most LIBRARY_REF_PARTS_MAX) parts with two
 * statements: the relation rows of every part without `lists` (each distinct key bound
 * once), then the names
 * of every distinct target (an artist named by a song and its album is read once). Appends
 * each row, ordered by position, sort text (a genre's sort_name), id, to refs[i] for every i
 * whose key equals the row's, dropping rows whose target is gone; objects with the same key
 * share one (read-only) array. Returns 0, -EINVAL, -ENOMEM or ERR_DB. */
int library_song_refs(DbConn *conn, Arena *arena, const LibraryRefPart *parts, size_t n_parts);

#endif
