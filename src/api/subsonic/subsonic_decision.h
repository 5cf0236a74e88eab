/*
 * subsonic_decision.h - the OpenSubsonic `transcoding` decision: parses a ClientInfo JSON
 * body (direct play, transcoding and codec profiles) and decides whether a song plays as it
 * is or which of our encoders (mp3, Ogg Opus, AAC in ADTS or MP4, FLAC) serves it, at which
 * bitrate. Pure functions over caller memory (the request arena); no database, no I/O; any
 * thread. Every count and string of a ClientInfo is bounded by a LIMIT_SUBSONIC_CLIENTINFO_*.
 */
#ifndef SWAZ_SUBSONIC_DECISION_H
#define SWAZ_SUBSONIC_DECISION_H

#include "core/arena.h"
#include "core/limits.h"
#include "media/media_transcode.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A StreamDetails: what is sent. Numbers are 0 when unknown; bitrates in bits per second. */
typedef struct SubsonicStream {
    const char *container; /* "mp3", "flac", "ogg", "mp4", "aac", ... */
    const char *codec;     /* "mp3", "flac", "vorbis", "opus", "aac", "alac", ... */
    int64_t channels;
    int64_t bitrate_bps;
    int64_t sample_rate;
    int64_t bit_depth;
} SubsonicStream;

/* A DirectPlayProfile or TranscodingProfile. */
typedef struct SubsonicProfile {
    const char *container;                                /* "" or "*": any */
    const char *codecs[LIMIT_SUBSONIC_CLIENTINFO_CODECS]; /* audioCodec split at ',' */
    size_t n_codecs;                                      /* 0: any */
    const char *protocol;                                 /* "http", "hls", "*" or "" */
    int64_t max_channels;                                 /* 0: no limit */
} SubsonicProfile;

/* What a Limitation compares (its `name`). */
typedef enum {
    SUBSONIC_LIMIT_CHANNELS,
    SUBSONIC_LIMIT_BITRATE,
    SUBSONIC_LIMIT_PROFILE,
    SUBSONIC_LIMIT_SAMPLERATE,
    SUBSONIC_LIMIT_BITDEPTH,
} SubsonicLimitName;

/* How a Limitation compares (its `comparison`). */
typedef enum {
    SUBSONIC_CMP_EQUALS,
    SUBSONIC_CMP_NOT_EQUALS,
    SUBSONIC_CMP_LESS_EQUAL,
    SUBSONIC_CMP_GREATER_EQUAL,
    SUBSONIC_CMP_EQUALS_ANY,
    SUBSONIC_CMP_NOT_EQUALS_ANY,
} SubsonicCmp;

typedef struct SubsonicLimitation {
    SubsonicLimitName name;
    SubsonicCmp cmp;
    const char *value; /* a number, a profile name, or '|'-separated for the *Any forms */
    bool required;     /* when the stream's value is unknown: fail (true) or pass (false) */
} SubsonicLimitation;

typedef struct SubsonicCodecProfile {
    const char *codec; /* the `name` of an AudioCodec profile */
    SubsonicLimitation limits[LIMIT_SUBSONIC_CLIENTINFO_LIMITS];
    size_t n_limits;
} SubsonicCodecProfile;

typedef struct SubsonicClientInfo {
    const char *name;
    const char *platform;
    int64_t max_bitrate_bps;             /* maxAudioBitrate; 0: none */
    int64_t max_transcoding_bitrate_bps; /* maxTranscodingAudioBitrate; 0: none */
    SubsonicProfile direct[LIMIT_SUBSONIC_CLIENTINFO_PROFILES];
    size_t n_direct;
    SubsonicProfile transcode[LIMIT_SUBSONIC_CLIENTINFO_PROFILES];
    size_t n_transcode;
    SubsonicCodecProfile codec_profiles[LIMIT_SUBSONIC_CLIENTINFO_PROFILES];
    size_t n_codec_profiles;
} SubsonicClientInfo;

/* Why the original cannot be played as it is (bits of SubsonicDecision.reasons). */
enum {
    SUBSONIC_REASON_CONTAINER = 1u << 0,  /* ContainerNotSupported */
    SUBSONIC_REASON_CODEC = 1u << 1,      /* AudioCodecNotSupported */
    SUBSONIC_REASON_CHANNELS = 1u << 2,   /* AudioChannelsNotSupported */
    SUBSONIC_REASON_BITRATE = 1u << 3,    /* AudioBitrateNotSupported */
    SUBSONIC_REASON_PROFILE = 1u << 4,    /* AudioProfileNotSupported */
    SUBSONIC_REASON_SAMPLERATE = 1u << 5, /* AudioSampleRateNotSupported */
    SUBSONIC_REASON_BITDEPTH = 1u << 6,   /* AudioBitDepthNotSupported */
    SUBSONIC_REASON_PROTOCOL = 1u << 7,   /* ProtocolNotSupported */
    SUBSONIC_REASON_COUNT = 8,
};

typedef struct SubsonicDecision {
    bool direct;                 /* canDirectPlay */
    bool transcode;              /* canTranscode */
    unsigned reasons;            /* SUBSONIC_REASON_* bits; 0 with direct */
    MediaTranscodeFormat format; /* with transcode: the encoder */
    int kbps;                    /* with transcode: its bitrate (0 for FLAC) */
    SubsonicStream target;       /* with transcode: the transcodeStream */
} SubsonicDecision;

/* Parses the ClientInfo JSON `body` (`len` bytes) into *ret_info (Arena-owned, ~30 KiB). The
 * body must be an object without duplicate keys; name and platform are strings; the numbers
 * are non-negative integers; the lists are arrays of objects whose fields have the types of
 * the OpenSubsonic documentation; unknown fields are ignored. Returns 0, ERR_PARSE (not such
 * a document), ERR_LIMIT (more than a LIMIT_SUBSONIC_CLIENTINFO_* allows) or -ENOMEM. */
int subsonic_decision_parse(Arena *arena, const char *body, size_t len,
                            const SubsonicClientInfo **ret_info);

/* Decides how `source` reaches the client `info` describes, for a user whose bitrate is
 * capped at `user_max_kbps` (0: no cap): direct play when a direct play profile accepts the
 * original (protocol, container, codec, channels, the client's and user's bitrate caps, the
 * required codec limitations), else the first transcoding profile one of our encoders can
 * produce within its limits, its bitrate capped by the client and the user. Writes
 * *ret_decision; neither `direct` nor `transcode` set means no profile matches. */
void subsonic_decision_decide(const SubsonicClientInfo *info, const SubsonicStream *source,
                              int64_t user_max_kbps, SubsonicDecision *ret_decision);

/* Returns the OpenSubsonic name of reason bit number `i` (< SUBSONIC_REASON_COUNT). */
const char *subsonic_decision_reason_name(unsigned i);

/* Returns the container (`ret_container`) and codec a song of file format `format` and codec
 * `codec` (as the scanner stores them) is sent in: "opus" is Ogg Opus, "m4a" is MP4. Static
 * or borrowed strings. */
void subsonic_decision_source(const char *format, const char *codec, const char **ret_container,
                              const char **ret_codec);

#endif
