/*
 * subsonic_transcoding.c - getTranscodeDecision and getTranscodeStream, and the signed
 * transcodeParams token that ties the second to the first.
 */
#include "api/subsonic/subsonic_transcoding.h"

#include "api/subsonic/subsonic_decision.h"
#include "api/subsonic/subsonic_items.h"
#include "api/subsonic/subsonic_media.h"
#include "core/limits.h"
#include "core/str.h"
#include "library/library_song.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The formats a token may grant: what getTranscodeStream hands to native_songs_deliver(). */
static const char *const subsonic_transcoding_formats[] = {"raw", "mp3",  "opus",
                                                           "aac", "flac", "m4a"};

/* The MAC of a grant: HMAC-SHA256 under a key derived from `key` for this use only, over
 * the version, user, song, format, bitrate and expiry, NUL-separated. */
static void subsonic_transcoding_mac(const unsigned char key[32], const char *user_id,
                                     const char *media_id, const char *format, int64_t kbps,
                                     int64_t expires,
                                     unsigned char out[crypto_auth_hmacsha256_BYTES])
{
    static const char purpose[] = "swaz transcodeParams v1";
    unsigned char sub[crypto_auth_hmacsha256_KEYBYTES];
    crypto_auth_hmacsha256(sub, (const unsigned char *)purpose, sizeof(purpose) - 1, key);
    char nums[48];
    int n = snprintf(nums, sizeof(nums), "%lld%c%lld", (long long)kbps, '\0', (long long)expires);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, sub, sizeof(sub));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)user_id, strlen(user_id) + 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)media_id, strlen(media_id) + 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)format, strlen(format) + 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)nums, (size_t)n);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(sub, sizeof(sub));
    sodium_memzero(&st, sizeof(st));
}

/* The static name of `format` among the grantable formats, or NULL. */
static const char *subsonic_transcoding_format(const char *format, size_t len)
{
    for (size_t i = 0; i < sizeof(subsonic_transcoding_formats) / sizeof(char *); i++) {
        const char *f = subsonic_transcoding_formats[i];
        if (strlen(f) == len && memcmp(f, format, len) == 0)
            return f;
    }
    return NULL;
}

int subsonic_transcoding_sign(const unsigned char key[32], const char *user_id,
                              const char *media_id, const SubsonicTranscodeGrant *g, char *out,
                              size_t size)
{
    if (!g->format || !subsonic_transcoding_format(g->format, strlen(g->format)) || g->kbps < 0 ||
        g->expires < 0)
        return -EINVAL;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    subsonic_transcoding_mac(key, user_id, media_id, g->format, g->kbps, g->expires, mac);
    char b64[sodium_base64_ENCODED_LEN(sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(b64, sizeof(b64), mac, sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    int n = snprintf(out, size, "1.%s.%lld.%lld.%s", g->format, (long long)g->kbps,
                     (long long)g->expires, b64);
    return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

int subsonic_transcoding_verify(const unsigned char key[32], const char *user_id,
                                const char *media_id, const char *token, int64_t now,
                                SubsonicTranscodeGrant *ret_grant)
{
    char copy[LIMIT_SUBSONIC_TRANSCODE_PARAMS + 1];
    size_t len = strlen(token);
    if (len > LIMIT_SUBSONIC_TRANSCODE_PARAMS || strncmp(token, "1.", 2) != 0)
        return ERR_AUTH;
    memcpy(copy, token, len + 1);
    char *fields[4];
    char *s = copy + 2;
    for (size_t i = 0; i < 4; i++) { /* format, kbps, expires, then the MAC */
        fields[i] = s;
        char *dot = i < 3 ? strchr(s, '.') : NULL;
        if (i < 3 && !dot)
            return ERR_AUTH;
        if (dot) {
            *dot = '\0';
            s = dot + 1;
        }
    }
    SubsonicTranscodeGrant g;
    g.format = subsonic_transcoding_format(fields[0], strlen(fields[0]));
    if (!g.format || str_to_int64(fields[1], 0, 100000, &g.kbps) < 0 ||
        str_to_int64(fields[2], 0, INT64_MAX, &g.expires) < 0 ||
        strlen(fields[3]) != SUBSONIC_TRANSCODING_MAC_CHARS)
        return ERR_AUTH;
    /* signing the parsed values again must give the very same text: the MAC checks, and
     * no other spelling of the numbers slips through */
    char again[LIMIT_SUBSONIC_TRANSCODE_PARAMS + 1];
    if (subsonic_transcoding_sign(key, user_id, media_id, &g, again, sizeof(again)) < 0 ||
        strlen(again) != len || sodium_memcmp(again, token, len) != 0)
        return ERR_AUTH;
    if (g.expires <= now)
        return ERR_AUTH;
    *ret_grant = g;
    return 0;
}

/* The mediaId (or the older songId) of a song. Returns 0 or SUBSONIC_FAILED. */
static int subsonic_transcoding_media(SubsonicCall *call, bool type_required, const char **ret_id)
{
    const char *type = subsonic_param(call, "mediaType");
    const char *id = subsonic_param(call, "mediaId");
    int r;
    if (!id || !*id)
        id = subsonic_param(call, "songId");
    if (!id || !*id)
        return subsonic_param_required(call, "mediaId", ret_id);
    if (type_required && (r = subsonic_param_required(call, "mediaType", &type)) < 0)
        return r;
    if (type && strcmp(type, "song") != 0)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             strcmp(type, "podcast") == 0 ? "Podcasts are not supported"
                                                          : "mediaType must be song or podcast");
    *ret_id = id;
    return 0;
}

/* Writes a StreamDetails node `name` under `parent`; unknown numbers are left out. */
static void subsonic_transcoding_stream_node(SubsonicNode *parent, const char *name,
                                             const SubsonicStream *s)
{
    SubsonicNode *n = subsonic_child(parent, name);
    subsonic_str(n, "protocol", "http");
    subsonic_str(n, "container", s->container);
    subsonic_str(n, "codec", s->codec);
    if (s->channels > 0)
        subsonic_int(n, "audioChannels", s->channels);
    if (s->bitrate_bps > 0)
        subsonic_int(n, "audioBitrate", s->bitrate_bps);
    if (s->sample_rate > 0)
        subsonic_int(n, "audioSamplerate", s->sample_rate);
    if (s->bit_depth > 0)
        subsonic_int(n, "audioBitdepth", s->bit_depth);
}

int subsonic_transcoding_decision(SubsonicCall *call)
{
    const char *id;
    int64_t offset;
    int r;
    if ((r = subsonic_transcoding_media(call, false, &id)) < 0 ||
        (r = subsonic_param_int(call, "offset", 0, 0, LIMIT_TRANSCODE_OFFSET_S, &offset)) < 0)
        return r;
    const HttpRequest *req = call->req;
    if (!req->body || req->body_len == 0)
        return subsonic_fail(call, SUBSONIC_ERR_MISSING,
                             "Required body is missing: POST the ClientInfo as JSON");
    const SubsonicClientInfo *info;
    r = subsonic_decision_parse(req->arena, req->body, req->body_len, &info);
    if (r == ERR_LIMIT)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "The ClientInfo is too large");
    if (r == ERR_PARSE)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "The body is not a ClientInfo JSON object");
    Song song;
    if (r < 0 || (r = library_song_get_scoped(call->conn, req->arena, subsonic_items_scope(call),
                                              id, &song)) < 0)
        return r;
    SubsonicStream src = {
        .channels = song.channels,
        .bitrate_bps = song.bitrate * 1000,
        .sample_rate = song.sample_rate,
        .bit_depth = song.bit_depth,
    };
    subsonic_decision_source(song.format, song.codec, &src.container, &src.codec);
    SubsonicDecision d;
    subsonic_decision_decide(info, &src, call->user->max_bitrate_kbps, &d);

    SubsonicNode *node = subsonic_child(call->root, "transcodeDecision");
    subsonic_bool(node, "canDirectPlay", d.direct);
    subsonic_bool(node, "canTranscode", d.transcode);
    subsonic_list(node, "transcodeReason");
    for (unsigned i = 0; i < SUBSONIC_REASON_COUNT; i++)
        if (d.reasons & (1u << i))
            subsonic_text(subsonic_item(node, "transcodeReason"), subsonic_decision_reason_name(i));
    if (!d.direct && !d.transcode)
        subsonic_str(node, "errorReason", "No direct play or transcoding profile matches");
    if (d.direct || d.transcode) {
        SubsonicTranscodeGrant g = {
            .format = d.direct ? "raw" : media_transcode_format_name(d.format),
            .kbps = d.direct ? 0 : d.kbps,
            .expires = (int64_t)time(NULL) + LIMIT_SUBSONIC_TRANSCODE_TTL_S,
        };
        char *token = arena_alloc(req->arena, LIMIT_SUBSONIC_TRANSCODE_PARAMS + 1);
        if (!token)
            return -ENOMEM;
        if ((r = subsonic_transcoding_sign(call->ctx->keys->jwt_key, call->user->user_id, song.id,
                                           &g, token, LIMIT_SUBSONIC_TRANSCODE_PARAMS + 1)) < 0)
            return r;
        subsonic_str(node, "transcodeParams", token);
    }
    subsonic_transcoding_stream_node(node, "sourceStream", &src);
    if (d.transcode)
        subsonic_transcoding_stream_node(node, "transcodeStream", &d.target);
    return 0;
}

int subsonic_transcoding_stream(SubsonicCall *call)
{
    const char *id, *params;
    int64_t offset;
    int r;
    if ((r = subsonic_transcoding_media(call, true, &id)) < 0 ||
        (r = subsonic_param_required(call, "transcodeParams", &params)) < 0 ||
        (r = subsonic_param_int(call, "offset", 0, 0, LIMIT_TRANSCODE_OFFSET_S, &offset)) < 0) {
        http_response_status(call->res, 400);
        return r;
    }
    SubsonicTranscodeGrant g;
    if (subsonic_transcoding_verify(call->ctx->keys->jwt_key, call->user->user_id, id, params,
                                    (int64_t)time(NULL), &g) < 0) {
        http_response_status(call->res, 400);
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "Invalid or expired transcodeParams; ask getTranscodeDecision");
    }
    Song song;
    if ((r = library_song_get_scoped(call->conn, call->req->arena, subsonic_items_scope(call), id,
                                     &song)) < 0) {
        http_response_status(call->res, r == -ENOENT ? 404 : 500);
        return r;
    }
    /* direct play: the original, or from `offset` on re-encoded in its own format (as stream
     * does with timeOffset) */
    const char *format = strcmp(g.format, "raw") == 0 ? NULL : g.format;
    return subsonic_media_deliver(call, &song, format, g.kbps, offset, false);
}
