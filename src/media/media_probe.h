/*
 * media_probe.h - what is in an audio file: container, codec, duration, stream facts, tags.
 *
 * Reads with libavformat (the only folder that includes libav* or vips headers). Every raw
 * tag pair of the container and of the audio stream is kept in order (library_tags.c
 * normalises them); values are trimmed, valid UTF-8 and cut to LIMIT_TAG_BYTES on a UTF-8
 * boundary, and live in the caller's arena. Call media_init() once before threads start;
 * media_probe() is then safe from any thread.
 */
#ifndef SWAZ_MEDIA_PROBE_H
#define SWAZ_MEDIA_PROBE_H

#include "core/arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Raw tag pairs kept from one file; more are dropped. */
#define MEDIA_PROBE_MAX_TAGS 512

/* One raw tag as libavformat names it ("artist", "ARTISTS", "MusicBrainz Album Id"...).
 * Duplicate Vorbis comments arrive joined with ';' ("One;Two"). */
typedef struct MediaTag {
    const char *key;   /* Arena-owned, valid UTF-8, case as in the file */
    const char *value; /* Arena-owned, valid UTF-8, trimmed, at most LIMIT_TAG_BYTES */
} MediaTag;

typedef struct MediaInfo {
    const char *format; /* short container name: mp3, flac, ogg, opus, m4a, wav, aiff, wma... */
    const char *codec;  /* codec name as libavcodec says: mp3, flac, vorbis, opus, aac, alac... */
    int64_t duration_ms;
    int bitrate_kbps;
    int sample_rate;
    int channels;
    int bit_depth; /* lossless codecs (flac, alac, pcm, wavpack...); 0 for lossy ones */
    /* Raw tags: the container's dictionary, then the audio stream's, duplicates kept. */
    const MediaTag *tags; /* Arena-owned */
    size_t n_tags;
    /* Convenience tags for older callers (library_tags_normalize() is richer); "" when
     * absent, never NULL. */
    const char *title;
    const char *artist;
    const char *album;
    const char *album_artist;
    const char *genre;
    const char *mbid; /* MusicBrainz recording/track id */
    int track;        /* 0 when absent */
    int disc;         /* 0 when absent */
    int year;         /* 0 when absent */
    bool has_picture; /* an attached picture stream */
} MediaInfo;

/* Quiets libav's own logging and prepares the library. Call once at start-up. */
void media_init(void);

/* Probes the file at `path`. Returns 0 with *ret_info filled (strings Arena-owned),
 * -ENOENT / -EACCES for an unopenable file, ERR_MEDIA when it holds no readable audio
 * stream, or -ENOMEM. */
int media_probe(const char *path, Arena *arena, MediaInfo *ret_info);

/* Returns the MIME type of a `format` name from MediaInfo ("audio/mpeg", "audio/flac"...),
 * "application/octet-stream" when unknown. Static string. */
const char *media_content_type(const char *format);

#endif
