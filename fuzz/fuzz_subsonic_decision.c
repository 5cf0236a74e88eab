/*
 * fuzz_subsonic_decision.c - libFuzzer target for the ClientInfo parser and the transcoding
 * decision.
 *
 * The input is a ClientInfo body. When it parses, the decision is taken for a few sources
 * (lossless, lossy, mono, unknown) and user caps, and its answer is checked: never both
 * direct play and a transcode, reasons only without direct play, a transcode's bitrate
 * within the client's, the user's and the encoder's bounds. Bounded counts are checked too.
 */
#include "api/subsonic/subsonic_decision.h"
#include "core/err.h"
#include "core/limits.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks one decision for `src` under `user_kbps`. */
static void fuzz_decide(const SubsonicClientInfo *ci, const SubsonicStream *src, int64_t user_kbps)
{
    SubsonicDecision d;
    subsonic_decision_decide(ci, src, user_kbps, &d);
    if (d.direct && (d.transcode || d.reasons != 0))
        abort();
    if (!d.direct && d.reasons == 0)
        abort();
    if (!d.transcode)
        return;
    if (d.kbps != media_transcode_clamp_kbps(d.format, d.kbps))
        abort();
    int64_t cap =
        ci->max_transcoding_bitrate_bps > 0 ? ci->max_transcoding_bitrate_bps : ci->max_bitrate_bps;
    if (d.format != MEDIA_TRANSCODE_FLAC &&
        ((cap > 0 && (int64_t)d.kbps * 1000 > cap) || (user_kbps > 0 && d.kbps > user_kbps)))
        abort();
    if (!d.target.container || !d.target.codec || d.target.channels < 1 || d.target.channels > 2)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const SubsonicStream sources[] = {
        {"flac", "flac", 2, 900000, 96000, 24},
        {"mp3", "mp3", 2, 320000, 44100, 0},
        {"ogg", "opus", 1, 64000, 48000, 0},
        {"mp4", "alac", 0, 0, 0, 0},
    };
    Arena *arena = arena_new(8 << 20);
    if (!arena)
        return 0;
    const SubsonicClientInfo *ci;
    int rc = subsonic_decision_parse(arena, (const char *)data, size, &ci);
    if (rc != 0 && rc != ERR_PARSE && rc != ERR_LIMIT && rc != -ENOMEM)
        abort();
    if (rc == 0) {
        if (ci->n_direct > LIMIT_SUBSONIC_CLIENTINFO_PROFILES ||
            ci->n_transcode > LIMIT_SUBSONIC_CLIENTINFO_PROFILES ||
            ci->n_codec_profiles > LIMIT_SUBSONIC_CLIENTINFO_PROFILES)
            abort();
        for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
            fuzz_decide(ci, &sources[i], 0);
            fuzz_decide(ci, &sources[i], 128);
        }
    }
    arena_free(arena);
    return 0;
}
