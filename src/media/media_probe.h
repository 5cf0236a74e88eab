/*
 * media_probe.h - what is in an audio file: container, codec, duration, stream facts, tags.
 *
 * Reads with libavformat (the only folder that includes libav* or vips headers). Tag values
 * are trimmed of whitespace and cut to LIMIT_TAG_BYTES on a UTF-8 boundary; they live in
 * the caller's arena. Call media_init() once before threads start; media_probe() is then
 * safe from any thread.
 */
#ifndef SWAZ_MEDIA_PROBE_H
#define SWAZ_MEDIA_PROBE_H

#include "core/arena.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct MediaInfo {
    const char *format; /* short container name: mp3, flac, ogg, opus, m4a, wav, aiff, wma... */
    const char *codec;  /* codec name as libavcodec says: mp3, flac, vorbis, opus, aac, alac... */
    int64_t duration_ms;
    int bitrate_kbps;
    int sample_rate;
    int channels;
    /* Tags; "" when absent, never NULL. */
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
