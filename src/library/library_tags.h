/*
 * library_tags.h - turns the raw tags and stream facts media_probe() read into a Track.
 *
 * Knows every format's tag names (Vorbis comments, ID3v2 frames and TXXX descriptions as
 * libavformat names them, MP4 atoms and freeform atoms, APE and ASF keys), splits
 * multi-valued artists (ARTISTS/ALBUMARTISTS win; otherwise the configured separators),
 * genres and numbers like "3/12", parses dates and ReplayGain, and names a compilation
 * without album artist "Various Artists". Pure functions over caller-owned memory; any
 * thread.
 */
#ifndef SWAZ_LIBRARY_TAGS_H
#define SWAZ_LIBRARY_TAGS_H

#include "core/arena.h"
#include "library/library_track.h"
#include "media/media_probe.h"

#include <stdbool.h>
#include <stddef.h>

#define LIBRARY_TAGS_MAX_SEPARATORS 16

/* The rules of a scan, parsed once from the configuration. */
typedef struct LibraryTagRules {
    const char *separators[LIBRARY_TAGS_MAX_SEPARATORS]; /* Arena-owned, in the given order */
    size_t n_separators;
} LibraryTagRules;

/* Parses a '|'-separated separator list (" / |; | feat. "). Empty items are dropped.
 * Returns 0, or -EINVAL when there are more than LIBRARY_TAGS_MAX_SEPARATORS. */
int library_tags_rules_parse(Arena *arena, const char *artist_separators,
                             LibraryTagRules *ret_rules);

/* Returns an Arena-owned clean copy of `len` bytes of `s`: control bytes (NUL included)
 * dropped, newlines kept when `multiline` (else spaces, like tabs), valid UTF-8, at most
 * LIMIT_TAG_BYTES, trimmed. NULL when out of memory. */
const char *library_tags_clean(Arena *arena, const char *s, size_t len, bool multiline);

/* Normalises what media_probe() read into *ret_track (strings Arena-owned, valid UTF-8).
 * Returns 0 or -ENOMEM. */
int library_tags_normalize(const MediaInfo *info, const LibraryTagRules *rules, Arena *arena,
                           Track *ret_track);

#endif
