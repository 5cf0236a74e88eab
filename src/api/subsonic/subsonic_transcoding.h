/*
 * subsonic_transcoding.h - the OpenSubsonic `transcoding` extension: getTranscodeDecision
 * (POST, a ClientInfo JSON body; the matching is subsonic_decision.c) and getTranscodeStream
 * (the bytes the decision promised). The decision hands out transcodeParams, an opaque token
 * HMAC-signed with a key derived from the server's token key: it binds the user, the song,
 * the format and bitrate and an expiry, so getTranscodeStream serves nothing a decision did
 * not grant. Any server thread.
 */
#ifndef SWAZ_SUBSONIC_TRANSCODING_H
#define SWAZ_SUBSONIC_TRANSCODING_H

#include "api/subsonic/subsonic.h"

#include <stddef.h>
#include <stdint.h>

/* The part of a transcodeParams token after the expiry: the MAC in unpadded base64url. */
#define SUBSONIC_TRANSCODING_MAC_CHARS 43

/* What a transcodeParams token grants. */
typedef struct SubsonicTranscodeGrant {
    const char *format; /* "raw" (the original) or an encoder name of media_transcode.h */
    int64_t kbps;       /* 0 for raw and FLAC */
    int64_t expires;    /* Unix seconds */
} SubsonicTranscodeGrant;

/* Writes the token granting `g` to user `user_id` for song `media_id` into `out` (`size`
 * bytes, NUL-terminated), signed with `key`. Returns 0, -EINVAL (a format that is not
 * ours) or -ENOSPC. */
int subsonic_transcoding_sign(const unsigned char key[32], const char *user_id,
                              const char *media_id, const SubsonicTranscodeGrant *g, char *out,
                              size_t size);

/* Checks `token` against `key` for `user_id` and `media_id` at time `now`: the form, the
 * MAC (constant time) and the expiry. Writes the grant (format a static string) to
 * *ret_grant. Returns 0 or ERR_AUTH for anything else. */
int subsonic_transcoding_verify(const unsigned char key[32], const char *user_id,
                                const char *media_id, const char *token, int64_t now,
                                SubsonicTranscodeGrant *ret_grant);

/* getTranscodeDecision mediaId|songId&mediaType&offset + ClientInfo body: the
 * transcodeDecision (error 10 without a body, 0 for a malformed or oversized one, 70 for an
 * unknown song). */
int subsonic_transcoding_decision(SubsonicCall *call);

/* getTranscodeStream mediaId&mediaType&offset&transcodeParams: the original or the
 * transcode the token grants (HTTP 400 with error 0 for a bad or expired token). */
int subsonic_transcoding_stream(SubsonicCall *call);

#endif
