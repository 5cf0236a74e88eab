/*
 * library_scan.h - the scanner: keeps the library tables in step with the music folders.
 *
 * Walks each library, hashes every folder's entries, re-reads only changed folders with
 * opts->workers threads, writes through one writer thread in short batched transactions
 * (songs, artists, albums, genres, folders, covers, scan_errors, search, aggregates), keeps
 * ids stable across moves, marks vanished songs missing and purges old ones. See
 * docs/internals/scanner.md. One scan at a time per database; called from one thread.
 */
#ifndef SWAZ_LIBRARY_SCAN_H
#define SWAZ_LIBRARY_SCAN_H

#include "core/arena.h"
#include "db/db.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct LibraryFolder {
    const char *name; /* unique display name */
    const char *path; /* absolute path of the folder */
} LibraryFolder;

typedef struct LibraryScanStats {
    int64_t folders; /* music folders walked */
    int64_t seen;    /* audio files found */
    int64_t added;   /* new songs */
    int64_t updated; /* songs re-read because their file changed */
    int64_t unchanged;
    int64_t missing; /* songs newly marked missing */
    int64_t errors;  /* files or folders that could not be read */
    /* Added for the scan service's ETA (D2 fills them in): audio files found by the walk
     * phase (0 while unknown), and files actually re-read. */
    int64_t total;
    int64_t probed;
    int64_t moved; /* new files that took over the id of a missing song (moves, renames) */
} LibraryScanStats;

/* How a scan reads tags and pictures and how it treats files that are gone. */
typedef struct LibraryScanOptions {
    const char *artist_separators; /* '|'-separated; "" splits nothing */
    const char *cover_priority;    /* ','-separated patterns and "embedded" */
    unsigned workers;              /* folders read in parallel, >= 1 */
    int64_t purge_after_s;         /* missing songs older than this are deleted */
    /* Absolute paths of folders inside the libraries to rescan (with their subfolders);
     * NULL: every folder of every library. Songs outside them are left alone. */
    const char *const *only_paths;
    size_t n_only_paths;
} LibraryScanOptions;

/* The defaults: the configuration's defaults, one worker, purge after 7 days. */
#define LIBRARY_SCAN_OPTIONS_DEFAULT                                                               \
    {                                                                                              \
        " / |; | feat. | ft. ", "cover.*, folder.*, front.*, embedded", 1, 7 * 86400, NULL, 0      \
    }

/* Callbacks run on the caller's thread or on the scan's writer thread, never two at once. */
typedef struct LibraryScanObserver {
    /* A file or folder could not be read (`err` negative); the scan goes on. */
    void (*error)(void *ctx, const char *path, int err);
    /* Called every few dozen files and at the end with the counts so far. */
    void (*progress)(void *ctx, const LibraryScanStats *stats);
    void *ctx;
} LibraryScanObserver;

/* Scans `n` folders into `db` as `opts` says (NULL: LIBRARY_SCAN_OPTIONS_DEFAULT).
 * `observer` and `cancel` may be NULL; when *cancel becomes
 * true the scan stops after the current file, commits what it has and returns -ECANCELED.
 * Writes the counts to *ret_stats (also on -ECANCELED). Returns 0, -ECANCELED or ERR_DB. */
int library_scan(Db *db, const LibraryFolder *folders, size_t n, const LibraryScanOptions *opts,
                 const LibraryScanObserver *observer, const atomic_bool *cancel,
                 LibraryScanStats *ret_stats);

/* Computes the stable id of a song, album or artist: lowercase hex of a keyed hash of
 * `kind` and the parts. Writes LIBRARY_ID_LEN+1 bytes into `out`. */
#define LIBRARY_ID_LEN 24
void library_id(const char *kind, const char *const *parts, size_t n, char *out);

/* Returns the sort key of a name: lowercase ASCII, a leading "the " removed, cut to
 * LIMIT_SORT_KEY_BYTES on a UTF-8 boundary. Arena-owned, or NULL when out of memory. */
const char *library_sort_key(Arena *arena, const char *name);

#endif
