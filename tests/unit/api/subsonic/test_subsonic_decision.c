/*
 * test_subsonic_decision.c - the transcoding decision: ClientInfo parsing (types, limits,
 * unknown limitations skipped), direct play against containers, codecs, channels, bitrate
 * caps of the client, the user and the codec profiles, the first transcoding profile we
 * can encode, and the transcodeParams token (signed, bound, tamper-evident, expiring).
 */
#include "api/subsonic/subsonic_decision.h"
#include "api/subsonic/subsonic_transcoding.h"
#include "core/err.h"
#include "core/limits.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const SubsonicStream FLAC = {"flac", "flac", 2, 900000, 96000, 24};
static const SubsonicStream MP3 = {"mp3", "mp3", 2, 320000, 44100, 0};
static const SubsonicStream OPUS = {"ogg", "opus", 2, 128000, 48000, 0};

/* Parses `json`, expecting success. */
static const SubsonicClientInfo *parse(Arena *a, const char *json)
{
    const SubsonicClientInfo *info = NULL;
    assert_int_equal(subsonic_decision_parse(a, json, strlen(json), &info), 0);
    assert_non_null(info);
    return info;
}

static int parse_rc(Arena *a, const char *json)
{
    const SubsonicClientInfo *info;
    return subsonic_decision_parse(a, json, strlen(json), &info);
}

static void test_parse(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    const SubsonicClientInfo *ci =
        parse(a, "{\"name\":\"Phone\",\"platform\":\"Android\",\"maxAudioBitrate\":512000,"
                 "\"directPlayProfiles\":[{\"container\":\"mp4\",\"audioCodec\":\" aac , alac,\","
                 "\"protocol\":\"*\",\"maxAudioChannels\":2}],"
                 "\"codecProfiles\":[{\"type\":\"AudioCodec\",\"name\":\"mp3\",\"limitations\":["
                 "{\"name\":\"audioBitrate\",\"comparison\":\"LessThanEqual\",\"value\":\"320000\","
                 "\"required\":true},{\"name\":\"videoFrames\",\"comparison\":\"Equals\","
                 "\"value\":\"1\"},{\"name\":\"audioChannels\",\"comparison\":\"Equals\","
                 "\"value\":2}]},{\"type\":\"VideoCodec\",\"name\":\"h264\"}],\"extra\":[1]}");
    assert_string_equal(ci->name, "Phone");
    assert_int_equal(ci->max_bitrate_bps, 512000);
    assert_int_equal(ci->n_direct, 1);
    assert_int_equal(ci->direct[0].n_codecs, 2);
    assert_string_equal(ci->direct[0].codecs[0], "aac");
    assert_string_equal(ci->direct[0].codecs[1], "alac");
    assert_int_equal(ci->n_codec_profiles, 1);           /* the video profile is skipped */
    assert_int_equal(ci->codec_profiles[0].n_limits, 2); /* videoFrames is skipped */
    assert_true(ci->codec_profiles[0].limits[0].required);
    assert_string_equal(ci->codec_profiles[0].limits[1].value, "2");
    /* an empty object is a client that declares nothing */
    ci = parse(a, "{}");
    assert_int_equal(ci->n_direct + ci->n_transcode + ci->n_codec_profiles, 0);
    /* not a ClientInfo */
    assert_int_equal(parse_rc(a, ""), ERR_PARSE);
    assert_int_equal(parse_rc(a, "[]"), ERR_PARSE);
    assert_int_equal(parse_rc(a, "{\"name\":1}"), ERR_PARSE);
    assert_int_equal(parse_rc(a, "{\"maxAudioBitrate\":-1}"), ERR_PARSE);
    assert_int_equal(parse_rc(a, "{\"maxAudioBitrate\":1.5}"), ERR_PARSE);
    assert_int_equal(parse_rc(a, "{\"directPlayProfiles\":{}}"), ERR_PARSE);
    assert_int_equal(parse_rc(a, "{\"directPlayProfiles\":[1]}"), ERR_PARSE);
    assert_int_equal(parse_rc(a, "{\"name\":\"a\",\"name\":\"b\"}"), ERR_PARSE);
    assert_int_equal(parse_rc(a, "{\"name\":\"a\\u0000b\"}"), ERR_PARSE);
    assert_int_equal(parse_rc(a, "{\"codecProfiles\":[{\"limitations\":[{\"required\":1}]}]}"),
                     ERR_PARSE);
    arena_free(a);
}

static void test_parse_limits(void **state)
{
    (void)state;
    Arena *a = arena_new(4 << 20);
    char *big = malloc(LIMIT_SUBSONIC_CLIENTINFO_BYTES + 64);
    assert_non_null(big);
    /* too many profiles */
    size_t n = (size_t)snprintf(big, 64, "{\"transcodingProfiles\":[");
    for (int i = 0; i <= LIMIT_SUBSONIC_CLIENTINFO_PROFILES; i++)
        n += (size_t)snprintf(big + n, 8, "%s{}", i ? "," : "");
    snprintf(big + n, 8, "]}");
    assert_int_equal(parse_rc(a, big), ERR_LIMIT);
    /* one string too long */
    n = (size_t)snprintf(big, 64, "{\"name\":\"");
    memset(big + n, 'x', LIMIT_SUBSONIC_CLIENTINFO_STRING + 1);
    n += LIMIT_SUBSONIC_CLIENTINFO_STRING + 1;
    snprintf(big + n, 8, "\"}");
    assert_int_equal(parse_rc(a, big), ERR_LIMIT);
    /* too many codecs in one audioCodec */
    n = (size_t)snprintf(big, 64, "{\"directPlayProfiles\":[{\"audioCodec\":\"");
    for (int i = 0; i <= LIMIT_SUBSONIC_CLIENTINFO_CODECS; i++)
        n += (size_t)snprintf(big + n, 8, "c%d,", i);
    snprintf(big + n, 8, "\"}]}");
    assert_int_equal(parse_rc(a, big), ERR_LIMIT);
    /* a body past the limit, whatever it holds */
    memset(big, ' ', LIMIT_SUBSONIC_CLIENTINFO_BYTES + 1);
    big[0] = '{';
    big[LIMIT_SUBSONIC_CLIENTINFO_BYTES] = '}';
    const SubsonicClientInfo *ci;
    assert_int_equal(subsonic_decision_parse(a, big, LIMIT_SUBSONIC_CLIENTINFO_BYTES + 1, &ci),
                     ERR_LIMIT);
    free(big);
    arena_free(a);
}

static SubsonicDecision decide(Arena *a, const char *json, const SubsonicStream *src,
                               int64_t user_kbps)
{
    SubsonicDecision d;
    subsonic_decision_decide(parse(a, json), src, user_kbps, &d);
    return d;
}

static void test_direct_play(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    const char *flac_mp3 = "{\"directPlayProfiles\":[{\"container\":\"flac\",\"audioCodec\":"
                           "\"flac\",\"protocol\":\"http\"},{\"container\":\"mp3\",\"audioCodec\":"
                           "\"mp3\",\"protocol\":\"*\"}]}";
    SubsonicDecision d = decide(a, flac_mp3, &FLAC, 0);
    assert_true(d.direct);
    assert_int_equal(d.reasons, 0);
    assert_true(decide(a, flac_mp3, &MP3, 0).direct);
    /* the container is right, the codec is not */
    d = decide(a, flac_mp3, &OPUS, 0);
    assert_false(d.direct);
    assert_int_equal(d.reasons, SUBSONIC_REASON_CONTAINER);
    d = decide(a, "{\"directPlayProfiles\":[{\"container\":\"ogg\",\"audioCodec\":\"vorbis\"}]}",
               &OPUS, 0);
    assert_int_equal(d.reasons, SUBSONIC_REASON_CODEC);
    /* aliases: Ogg Opus as "opus", MP4 as "m4a"; "*" takes anything */
    assert_true(decide(a, "{\"directPlayProfiles\":[{\"container\":\"opus\"}]}", &OPUS, 0).direct);
    SubsonicStream alac = {"mp4", "alac", 2, 1000000, 44100, 16};
    assert_true(
        decide(a, "{\"directPlayProfiles\":[{\"container\":\"m4a\",\"audioCodec\":\"aac,ALAC\"}]}",
               &alac, 0)
            .direct);
    assert_true(
        decide(a, "{\"directPlayProfiles\":[{\"container\":\"*\",\"audioCodec\":\"*\"}]}", &alac, 0)
            .direct);
    /* HLS only: we serve plain HTTP */
    d = decide(a, "{\"directPlayProfiles\":[{\"container\":\"flac\",\"protocol\":\"hls\"}]}", &FLAC,
               0);
    assert_false(d.direct);
    assert_int_equal(d.reasons, SUBSONIC_REASON_PROTOCOL);
    /* no profiles at all */
    d = decide(a, "{}", &FLAC, 0);
    assert_false(d.direct || d.transcode);
    assert_int_equal(d.reasons, SUBSONIC_REASON_CONTAINER);
    /* channels, the client's and the user's caps */
    SubsonicStream surround = FLAC;
    surround.channels = 6;
    d = decide(a, "{\"directPlayProfiles\":[{\"container\":\"flac\",\"maxAudioChannels\":2}]}",
               &surround, 0);
    assert_int_equal(d.reasons, SUBSONIC_REASON_CHANNELS);
    d = decide(a, "{\"maxAudioBitrate\":320000,\"directPlayProfiles\":[{\"container\":\"flac\"}]}",
               &FLAC, 0);
    assert_int_equal(d.reasons, SUBSONIC_REASON_BITRATE);
    assert_true(
        decide(a, "{\"maxAudioBitrate\":320000,\"directPlayProfiles\":[{}]}", &MP3, 0).direct);
    d = decide(a, "{\"directPlayProfiles\":[{\"container\":\"mp3\"}]}", &MP3, 192);
    assert_int_equal(d.reasons, SUBSONIC_REASON_BITRATE);
    arena_free(a);
}

/* A FLAC direct play profile and one limitation of the flac codec profile. */
#define LIMITATION_JSON                                                                            \
    "{\"directPlayProfiles\":[{\"container\":\"flac\"}],\"codecProfiles\":[{\"type\":"             \
    "\"AudioCodec\",\"name\":\"flac\",\"limitations\":[{\"name\":\"%s\",\"comparison\":"           \
    "\"%s\",\"value\":\"%s\",\"required\":%s}]}]}"

static void test_codec_limitations(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    char json[1024];
    static const struct {
        const char *name, *cmp, *value, *required;
        unsigned reasons;
    } cases[] = {
        {"audioSamplerate", "LessThanEqual", "48000", "false", SUBSONIC_REASON_SAMPLERATE},
        {"audioSamplerate", "LessThanEqual", "192000", "false", 0},
        {"audioSamplerate", "EqualsAny", "44100|48000", "false", SUBSONIC_REASON_SAMPLERATE},
        {"audioSamplerate", "EqualsAny", "44100|96000", "false", 0},
        {"audioSamplerate", "NotEqualsAny", "44100|96000", "false", SUBSONIC_REASON_SAMPLERATE},
        {"audioBitdepth", "Equals", "16", "false", SUBSONIC_REASON_BITDEPTH},
        {"audioBitdepth", "NotEquals", "16", "false", 0},
        {"audioBitdepth", "GreaterThanEqual", "24", "false", 0},
        {"audioChannels", "LessThanEqual", "1", "true", SUBSONIC_REASON_CHANNELS},
        {"audioBitrate", "LessThanEqual", "not a number", "false", SUBSONIC_REASON_BITRATE},
        /* we never know the audio profile: only a required one fails */
        {"audioProfile", "Equals", "LC", "false", 0},
        {"audioProfile", "Equals", "LC", "true", SUBSONIC_REASON_PROFILE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(json, sizeof(json), LIMITATION_JSON, cases[i].name, cases[i].cmp, cases[i].value,
                 cases[i].required);
        SubsonicDecision d = decide(a, json, &FLAC, 0);
        assert_int_equal(d.reasons, cases[i].reasons);
        assert_int_equal(d.direct, cases[i].reasons == 0);
    }
    /* an unknown value passes unless the limitation is required */
    SubsonicStream unknown = FLAC;
    unknown.bit_depth = 0;
    snprintf(json, sizeof(json), LIMITATION_JSON, "audioBitdepth", "Equals", "16", "false");
    assert_true(decide(a, json, &unknown, 0).direct);
    snprintf(json, sizeof(json), LIMITATION_JSON, "audioBitdepth", "Equals", "16", "true");
    assert_false(decide(a, json, &unknown, 0).direct);
    arena_free(a);
}

static void test_transcode(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    /* skipped: HLS, a container we cannot write, a codec we cannot write in MP4; taken: Opus */
    SubsonicDecision d =
        decide(a,
               "{\"maxTranscodingAudioBitrate\":96000,\"transcodingProfiles\":["
               "{\"container\":\"mp3\",\"protocol\":\"hls\"},{\"container\":\"wav\"},"
               "{\"container\":\"mp4\",\"audioCodec\":\"alac\"},"
               "{\"container\":\"ogg\",\"audioCodec\":\"vorbis,opus\",\"protocol\":\"http\"},"
               "{\"container\":\"mp3\"}]}",
               &FLAC, 0);
    assert_false(d.direct);
    assert_true(d.transcode);
    assert_int_equal(d.format, MEDIA_TRANSCODE_OPUS);
    assert_int_equal(d.kbps, 96);
    assert_string_equal(d.target.container, "ogg");
    assert_string_equal(d.target.codec, "opus");
    assert_int_equal(d.target.sample_rate, 48000);
    assert_int_equal(d.target.bitrate_bps, 96000);
    /* maxAudioBitrate when there is no transcoding maximum; the user's cap is lower */
    d = decide(a, "{\"maxAudioBitrate\":256000,\"transcodingProfiles\":[{\"container\":\"m4a\"}]}",
               &FLAC, 128);
    assert_int_equal(d.format, MEDIA_TRANSCODE_M4A);
    assert_int_equal(d.kbps, 128);
    assert_string_equal(d.target.container, "mp4");
    /* a codec profile caps the bitrate too; mp3 keeps 44.1 kHz, resamples 96 kHz */
    d = decide(
        a,
        "{\"transcodingProfiles\":[{\"container\":\"mp3\",\"audioCodec\":\"mp3\"}],"
        "\"codecProfiles\":[{\"type\":\"AudioCodec\",\"name\":\"mp3\",\"limitations\":[{"
        "\"name\":\"audioBitrate\",\"comparison\":\"LessThanEqual\",\"value\":\"160000\"}]}]}",
        &FLAC, 0);
    assert_int_equal(d.format, MEDIA_TRANSCODE_MP3);
    assert_int_equal(d.kbps, 160);
    assert_int_equal(d.target.sample_rate, 48000);
    /* no cap: the default, never above a lossy original */
    d = decide(a, "{\"transcodingProfiles\":[{\"container\":\"aac\"}]}", &FLAC, 0);
    assert_int_equal(d.format, MEDIA_TRANSCODE_AAC);
    assert_int_equal(d.kbps, 192);
    d = decide(a, "{\"transcodingProfiles\":[{\"container\":\"aac\"}]}", &OPUS, 0);
    assert_int_equal(d.kbps, 128);
    /* FLAC cannot meet a bitrate cap below the original, nor can an encoder below its floor */
    d = decide(a,
               "{\"maxTranscodingAudioBitrate\":320000,\"transcodingProfiles\":[{\"container\":"
               "\"flac\"},{\"container\":\"mp3\"}]}",
               &FLAC, 0);
    assert_int_equal(d.format, MEDIA_TRANSCODE_MP3);
    d = decide(a,
               "{\"maxTranscodingAudioBitrate\":1000,\"transcodingProfiles\":[{\"container\":"
               "\"mp3\"}]}",
               &FLAC, 0);
    assert_false(d.transcode);
    /* FLAC without a cap keeps the depth */
    d = decide(a, "{\"transcodingProfiles\":[{\"container\":\"flac\"}]}", &FLAC, 0);
    assert_int_equal(d.format, MEDIA_TRANSCODE_FLAC);
    assert_int_equal(d.kbps, 0);
    assert_int_equal(d.target.bit_depth, 24);
    assert_int_equal(d.target.bitrate_bps, 900000);
    /* from a lossy original its bitrate is unknown, so no cap can be promised */
    d = decide(a, "{\"transcodingProfiles\":[{\"container\":\"flac\"}]}", &MP3, 0);
    assert_int_equal(d.format, MEDIA_TRANSCODE_FLAC);
    assert_int_equal(d.target.bitrate_bps, 0);
    d = decide(a,
               "{\"maxAudioBitrate\":2000000,\"transcodingProfiles\":[{\"container\":\"flac\"}]}",
               &MP3, 0);
    assert_false(d.transcode);
    /* stereo out: a mono-only profile cannot take a stereo source */
    d = decide(a, "{\"transcodingProfiles\":[{\"container\":\"mp3\",\"maxAudioChannels\":1}]}",
               &FLAC, 0);
    assert_false(d.transcode);
    /* a required limitation on the target that our encoder breaks skips the profile */
    d = decide(a,
               "{\"transcodingProfiles\":[{\"container\":\"opus\"},{\"container\":\"mp3\"}],"
               "\"codecProfiles\":[{\"type\":\"AudioCodec\",\"name\":\"opus\",\"limitations\":[{"
               "\"name\":\"audioSamplerate\",\"comparison\":\"Equals\",\"value\":\"44100\"}]}]}",
               &FLAC, 0);
    assert_int_equal(d.format, MEDIA_TRANSCODE_MP3);
    arena_free(a);
}

static void test_source(void **state)
{
    (void)state;
    const char *container, *codec;
    subsonic_decision_source("opus", "opus", &container, &codec);
    assert_string_equal(container, "ogg");
    subsonic_decision_source("m4a", "alac", &container, &codec);
    assert_string_equal(container, "mp4");
    assert_string_equal(codec, "alac");
    subsonic_decision_source("mp3", "", &container, &codec);
    assert_string_equal(codec, "mp3");
    subsonic_decision_source(NULL, NULL, &container, &codec);
    assert_string_equal(container, "");
    assert_string_equal(codec, "");
    assert_string_equal(subsonic_decision_reason_name(0), "ContainerNotSupported");
    assert_string_equal(subsonic_decision_reason_name(SUBSONIC_REASON_COUNT), "");
}

static void test_token(void **state)
{
    (void)state;
    unsigned char key[32] = {1, 2, 3}, other[32] = {3, 2, 1};
    char tok[LIMIT_SUBSONIC_TRANSCODE_PARAMS + 1];
    SubsonicTranscodeGrant g = {"opus", 96, 2000}, got;
    assert_int_equal(subsonic_transcoding_sign(key, "u1", "song1", &g, tok, sizeof(tok)), 0);
    assert_int_equal(subsonic_transcoding_verify(key, "u1", "song1", tok, 1000, &got), 0);
    assert_string_equal(got.format, "opus");
    assert_int_equal(got.kbps, 96);
    assert_int_equal(got.expires, 2000);
    /* another key, user, song; expired */
    assert_int_equal(subsonic_transcoding_verify(other, "u1", "song1", tok, 1000, &got), ERR_AUTH);
    assert_int_equal(subsonic_transcoding_verify(key, "u2", "song1", tok, 1000, &got), ERR_AUTH);
    assert_int_equal(subsonic_transcoding_verify(key, "u1", "song2", tok, 1000, &got), ERR_AUTH);
    assert_int_equal(subsonic_transcoding_verify(key, "u1", "song1", tok, 2000, &got), ERR_AUTH);
    /* every single changed character is refused */
    size_t len = strlen(tok);
    for (size_t i = 0; i < len; i++) {
        char t[sizeof(tok)];
        memcpy(t, tok, len + 1);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        assert_int_equal(subsonic_transcoding_verify(key, "u1", "song1", t, 1000, &got), ERR_AUTH);
    }
    /* the numbers spelt another way, a raised bitrate, garbage, an overlong token */
    char t[2 * sizeof(tok)];
    const char *mac = strrchr(tok, '.') + 1;
    snprintf(t, sizeof(t), "1.opus.096.2000.%s", mac);
    assert_int_equal(subsonic_transcoding_verify(key, "u1", "song1", t, 1000, &got), ERR_AUTH);
    snprintf(t, sizeof(t), "1.opus.320.2000.%s", mac);
    assert_int_equal(subsonic_transcoding_verify(key, "u1", "song1", t, 1000, &got), ERR_AUTH);
    assert_int_equal(subsonic_transcoding_verify(key, "u1", "song1", "", 0, &got), ERR_AUTH);
    assert_int_equal(subsonic_transcoding_verify(key, "u1", "song1", "1....", 0, &got), ERR_AUTH);
    memset(t, 'a', sizeof(t) - 1);
    t[sizeof(t) - 1] = '\0';
    assert_int_equal(subsonic_transcoding_verify(key, "u1", "song1", t, 0, &got), ERR_AUTH);
    /* only our formats are signed */
    SubsonicTranscodeGrant bad = {"wav", 0, 2000};
    assert_int_equal(subsonic_transcoding_sign(key, "u1", "s", &bad, tok, sizeof(tok)), -EINVAL);
    g.format = "raw";
    assert_int_equal(subsonic_transcoding_sign(key, "u1", "s", &g, tok, 8), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),       cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_direct_play), cmocka_unit_test(test_codec_limitations),
        cmocka_unit_test(test_transcode),   cmocka_unit_test(test_source),
        cmocka_unit_test(test_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
