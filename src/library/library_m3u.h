/*
 * library_m3u.h - M3U / M3U8 playlists: parsing untrusted text into entries, normalising the
 * paths they name, and writing a playlist back out.
 *
 * The parser never touches the file system: it only turns text into (path, duration, title)
 * entries; which songs those paths name is decided by library_playlist.c against the
 * libraries in the database. Handles a UTF-8 BOM, CRLF / CR / LF line ends, #EXTM3U and
 * #EXTINF, and file:// URLs (percent-decoded). Pure functions; any thread.
 */
#ifndef SWAZ_LIBRARY_M3U_H
#define SWAZ_LIBRARY_M3U_H

#include "core/arena.h"
#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct M3uEntry {
    const char *path;    /* as written (file:// URLs decoded); never empty */
    const char *title;   /* from the #EXTINF before it; NULL when none */
    int64_t duration_ms; /* from the #EXTINF before it; -1 when none or unknown */
    size_t line;         /* 1-based line number of the path */
    bool url;            /* a URL of another scheme (http://...): names no library file */
} M3uEntry;

typedef struct M3u {
    M3uEntry *entries;
    size_t n;
} M3u;

/* Parses `len` bytes of `text` (need not be NUL-terminated). Writes Arena-owned entries to
 * *ret_m3u. Returns 0, ERR_LIMIT (more than LIMIT_M3U_LINES lines, or a line longer than
 * LIMIT_PATH_BYTES), ERR_PARSE (a NUL byte, or a file:// URL that does not decode) or
 * -ENOMEM. */
int library_m3u_parse(Arena *arena, const char *text, size_t len, M3u *ret_m3u);

/* Normalises `path`: backslashes become '/', repeated '/' and "." parts are dropped and ".."
 * removes the part before it. An absolute path keeps its leading '/'. Returns 0 with an
 * Arena-owned string, ERR_PARSE when a ".." would climb above the start (or the root) or
 * nothing is left, or -ENOMEM. */
int library_m3u_normalize(Arena *arena, const char *path, const char **ret_path);

/* Appends one M3U8 entry ("#EXTINF:<seconds>,<title>\n<path>\n") to `out`, writing the
 * "#EXTM3U" header first when `out` is empty. CR and LF in the title or path become spaces.
 * Returns 0, -ENOMEM or ERR_LIMIT (the Buf's maximum). */
int library_m3u_append(Buf *out, int64_t duration_ms, const char *title, const char *path);

#endif
