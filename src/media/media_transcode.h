/*
 * media_transcode.h - live transcoding of one audio file into mp3, Ogg Opus, AAC (ADTS or
 * fragmented MP4) or FLAC, with the source's tags and embedded cover where the container
 * allows (ID3v2 + APIC in mp3, Vorbis comments + PICTURE in FLAC and Ogg Opus, MP4 tags).
 *
 * Decodes with libavformat/libavcodec, resamples with libswresample and encodes in process
 * (no child processes); the muxed bytes go to a caller-supplied sink as they are produced.
 * Owns nothing beyond one call. media_transcode() is blocking and safe from any thread
 * (it is meant for a worker thread); call media_init() once at start-up first.
 */
#ifndef SWAZ_MEDIA_TRANSCODE_H
#define SWAZ_MEDIA_TRANSCODE_H

#include "media/media_gate.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    MEDIA_TRANSCODE_MP3,  /* libmp3lame in mp3, audio/mpeg */
    MEDIA_TRANSCODE_OPUS, /* libopus in Ogg, audio/ogg */
    MEDIA_TRANSCODE_AAC,  /* the native aac encoder in ADTS, audio/aac */
    MEDIA_TRANSCODE_FLAC, /* flac in its own container, audio/flac */
    MEDIA_TRANSCODE_M4A,  /* the native aac encoder in fragmented MP4, audio/mp4 */
} MediaTranscodeFormat;

/* Receives `len` muxed bytes (borrowed for the call). Returns 0, or a negative value to stop
 * the transcode at once (the client has gone). */
typedef int (*MediaTranscodeWrite)(void *ctx, const uint8_t *buf, size_t len);

typedef struct MediaTranscodeOptions {
    MediaTranscodeFormat format;
    int bitrate_kbps;  /* lossy targets; clamped with media_transcode_clamp_kbps() */
    int64_t offset_ms; /* start this far into the song; 0: from the start */
    MediaGate *gate;   /* borrowed; NULL: encode at full speed whoever else is starting */
} MediaTranscodeOptions;

/* Maps "mp3", "opus", "aac", "flac" or "m4a" to *ret_format. Returns 0 or -EINVAL. */
int media_transcode_format_parse(const char *name, MediaTranscodeFormat *ret_format);

/* Returns the name of `format` ("mp3", ...), also its file extension. Static string. */
const char *media_transcode_format_name(MediaTranscodeFormat format);

/* Returns the MIME type of the output of `format`. Static string. */
const char *media_transcode_content_type(MediaTranscodeFormat format);

/* Returns `kbps` clamped to the sane range of `format` (0 or less: the default, 128;
 * FLAC ignores the bitrate and gets 0). */
int media_transcode_clamp_kbps(MediaTranscodeFormat format, int kbps);

/* Transcodes the file at `path` as `opts` says, handing every muxed byte to `write(ctx, ...)`
 * in order. Returns 0 when the whole output was written, -EPIPE as soon as the sink fails,
 * -ENOENT / -EACCES for an unopenable file, ERR_MEDIA for a file without decodable audio or
 * a read error mid-file (the output written so far ends with a complete trailer),
 * ERR_UNSUPPORTED when the encoder is missing, or -ENOMEM. Counts itself in core/metrics.h
 * (started, running, then finished, cancelled by the sink, or failed). */
int media_transcode(const char *path, const MediaTranscodeOptions *opts, MediaTranscodeWrite write,
                    void *ctx);

/* media_transcode() that also writes the samples per channel it encoded to *ret_samples (0
 * unless it returns 0). */
int media_transcode_counted(const char *path, const MediaTranscodeOptions *opts,
                            MediaTranscodeWrite write, void *ctx, int64_t *ret_samples);

/* Writes `samples` as the total of the STREAMINFO of the FLAC file open read-write as `fd`
 * (a stream cannot seek back to do it, a finished file can). Returns 0, -EINVAL (not our
 * FLAC head, or a total out of range), -EIO or a negative errno from pwrite(). */
int media_transcode_flac_total(int fd, int64_t samples);

#endif
