/*
 * subsonic_decision.c - ClientInfo parsing (jansson) and the direct play / transcode
 * decision of the OpenSubsonic `transcoding` extension.
 */
#include "api/subsonic/subsonic_decision.h"

#include "core/err.h"
#include "core/str.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

/* The bitrate of a lossy transcode when neither the client nor the user caps it. */
#define SUBSONIC_DECISION_DEFAULT_KBPS 192

static const char *const subsonic_decision_reasons[SUBSONIC_REASON_COUNT] = {
    "ContainerNotSupported",     "AudioCodecNotSupported",   "AudioChannelsNotSupported",
    "AudioBitrateNotSupported",  "AudioProfileNotSupported", "AudioSampleRateNotSupported",
    "AudioBitDepthNotSupported", "ProtocolNotSupported",
};

const char *subsonic_decision_reason_name(unsigned i)
{
    return i < SUBSONIC_REASON_COUNT ? subsonic_decision_reasons[i] : "";
}

/* ---- parsing ---- */

/* Copies the string field `key` of `obj` ("" when absent). Returns 0, ERR_PARSE, ERR_LIMIT
 * or -ENOMEM. */
static int decision_str(Arena *a, const json_t *obj, const char *key, const char **ret)
{
    const json_t *v = json_object_get(obj, key);
    if (!v) {
        *ret = "";
        return 0;
    }
    if (!json_is_string(v))
        return ERR_PARSE;
    size_t n = json_string_length(v);
    if (n > LIMIT_SUBSONIC_CLIENTINFO_STRING)
        return ERR_LIMIT;
    if (memchr(json_string_value(v), '\0', n))
        return ERR_PARSE;
    char *s = arena_strndup(a, json_string_value(v), n);
    if (!s)
        return -ENOMEM;
    *ret = s;
    return 0;
}

/* Reads the non-negative integer field `key` of `obj` (0 when absent or null). Returns 0 or
 * ERR_PARSE. */
static int decision_int(const json_t *obj, const char *key, int64_t *ret)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        *ret = 0;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return ERR_PARSE;
    *ret = (int64_t)json_integer_value(v);
    return 0;
}

/* The array field `key` of `obj` (NULL when absent or null), at most `max` entries, each an
 * object. Returns 0, ERR_PARSE or ERR_LIMIT. */
static int decision_array(const json_t *obj, const char *key, size_t max, const json_t **ret)
{
    const json_t *v = json_object_get(obj, key);
    *ret = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return ERR_PARSE;
    if (json_array_size(v) > max)
        return ERR_LIMIT;
    for (size_t i = 0; i < json_array_size(v); i++)
        if (!json_is_object(json_array_get(v, i)))
            return ERR_PARSE;
    *ret = v;
    return 0;
}

/* Splits `list` at ',' into p->codecs (spaces around names dropped, empty names skipped).
 * Returns 0, ERR_LIMIT or -ENOMEM. */
static int decision_split_codecs(Arena *a, const char *list, SubsonicProfile *p)
{
    p->n_codecs = 0;
    const char *s = list;
    while (*s) {
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        const char *b = s;
        size_t m = n;
        while (m && *b == ' ')
            b++, m--;
        while (m && b[m - 1] == ' ')
            m--;
        if (m) {
            if (p->n_codecs == LIMIT_SUBSONIC_CLIENTINFO_CODECS)
                return ERR_LIMIT;
            if (!(p->codecs[p->n_codecs++] = arena_strndup(a, b, m)))
                return -ENOMEM;
        }
        s += n + (end ? 1 : 0);
    }
    return 0;
}

/* Parses the profile list `key` of `obj` into `out` / *ret_n. */
static int decision_profiles(Arena *a, const json_t *obj, const char *key, SubsonicProfile *out,
                             size_t *ret_n)
{
    const json_t *list;
    int r = decision_array(obj, key, LIMIT_SUBSONIC_CLIENTINFO_PROFILES, &list);
    size_t n = list ? json_array_size(list) : 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        const json_t *e = json_array_get(list, i);
        const char *codecs;
        SubsonicProfile *p = &out[i];
        if ((r = decision_str(a, e, "container", &p->container)) < 0 ||
            (r = decision_str(a, e, "audioCodec", &codecs)) < 0 ||
            (r = decision_str(a, e, "protocol", &p->protocol)) < 0 ||
            (r = decision_int(e, "maxAudioChannels", &p->max_channels)) < 0)
            break;
        r = decision_split_codecs(a, codecs, p);
    }
    if (r == 0)
        *ret_n = n;
    return r;
}

/* Index of `s` in `names` (case ignored), or -1. */
static int decision_lookup(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

/* Parses one Limitation; *ret_known is false for a name or comparison this server does not
 * know (the limitation is skipped). */
static int decision_limitation(Arena *a, const json_t *e, SubsonicLimitation *l, bool *ret_known)
{
    static const char *const names[] = {"audioChannels", "audioBitrate", "audioProfile",
                                        "audioSamplerate", "audioBitdepth"};
    static const char *const cmps[] = {"Equals",           "NotEquals", "LessThanEqual",
                                       "GreaterThanEqual", "EqualsAny", "NotEqualsAny"};
    const char *name, *cmp;
    int r;
    if ((r = decision_str(a, e, "name", &name)) < 0 ||
        (r = decision_str(a, e, "comparison", &cmp)) < 0)
        return r;
    const json_t *v = json_object_get(e, "value");
    if (json_is_integer(v)) { /* tolerated: the documentation types it as a string */
        if (!(l->value = arena_printf(a, "%lld", (long long)json_integer_value(v))))
            return -ENOMEM;
    } else if ((r = decision_str(a, e, "value", &l->value)) < 0) {
        return r;
    }
    const json_t *req = json_object_get(e, "required");
    if (req && !json_is_boolean(req) && !json_is_null(req))
        return ERR_PARSE;
    l->required = json_is_true(req);
    int ni = decision_lookup(names, sizeof(names) / sizeof(names[0]), name);
    int ci = decision_lookup(cmps, sizeof(cmps) / sizeof(cmps[0]), cmp);
    *ret_known = ni >= 0 && ci >= 0;
    if (*ret_known) {
        l->name = (SubsonicLimitName)ni;
        l->cmp = (SubsonicCmp)ci;
    }
    return 0;
}

/* Parses codecProfiles into info (profiles of another type than AudioCodec are skipped). */
static int decision_codec_profiles(Arena *a, const json_t *obj, SubsonicClientInfo *info)
{
    const json_t *list;
    int r = decision_array(obj, "codecProfiles", LIMIT_SUBSONIC_CLIENTINFO_PROFILES, &list);
    size_t n = list ? json_array_size(list) : 0;
    info->n_codec_profiles = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        const json_t *e = json_array_get(list, i);
        SubsonicCodecProfile *cp = &info->codec_profiles[info->n_codec_profiles];
        const char *type;
        const json_t *limits;
        if ((r = decision_str(a, e, "type", &type)) < 0 ||
            (r = decision_str(a, e, "name", &cp->codec)) < 0 ||
            (r = decision_array(e, "limitations", LIMIT_SUBSONIC_CLIENTINFO_LIMITS, &limits)) < 0)
            break;
        cp->n_limits = 0;
        size_t k = limits ? json_array_size(limits) : 0;
        for (size_t j = 0; r == 0 && j < k; j++) {
            bool known;
            r = decision_limitation(a, json_array_get(limits, j), &cp->limits[cp->n_limits],
                                    &known);
            if (r == 0 && known)
                cp->n_limits++;
        }
        if (r == 0 && strcasecmp(type, "AudioCodec") == 0)
            info->n_codec_profiles++;
    }
    return r;
}

int subsonic_decision_parse(Arena *arena, const char *body, size_t len,
                            const SubsonicClientInfo **ret_info)
{
    if (len > LIMIT_SUBSONIC_CLIENTINFO_BYTES)
        return ERR_LIMIT;
    if (!body || len == 0)
        return ERR_PARSE;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    SubsonicClientInfo *info = arena_calloc(arena, 1, sizeof(*info));
    int r = ERR_PARSE;
    if (!info) {
        r = -ENOMEM;
        goto out;
    }
    if (!json_is_object(root))
        goto out;
    if ((r = decision_str(arena, root, "name", &info->name)) < 0 ||
        (r = decision_str(arena, root, "platform", &info->platform)) < 0 ||
        (r = decision_int(root, "maxAudioBitrate", &info->max_bitrate_bps)) < 0 ||
        (r = decision_int(root, "maxTranscodingAudioBitrate", &info->max_transcoding_bitrate_bps)) <
            0 ||
        (r = decision_profiles(arena, root, "directPlayProfiles", info->direct, &info->n_direct)) <
            0 ||
        (r = decision_profiles(arena, root, "transcodingProfiles", info->transcode,
                               &info->n_transcode)) < 0 ||
        (r = decision_codec_profiles(arena, root, info)) < 0)
        goto out;
    *ret_info = info;
out:
    json_decref(root);
    return r;
}

/* ---- matching ---- */

/* The canonical name of a container: MP4 files are "m4a" to some clients, Ogg Opus "opus",
 * ADTS AAC "adts". */
static const char *decision_container(const char *c)
{
    static const char *const alias[][2] = {
        {"m4a", "mp4"}, {"m4b", "mp4"}, {"oga", "ogg"}, {"opus", "ogg"}, {"adts", "aac"}};
    for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
        if (strcasecmp(c, alias[i][0]) == 0)
            return alias[i][1];
    return c;
}

static bool decision_any(const char *s)
{
    return !s || !*s || strcmp(s, "*") == 0;
}

static bool decision_protocol_ok(const SubsonicProfile *p)
{
    return decision_any(p->protocol) || strcasecmp(p->protocol, "http") == 0;
}

static bool decision_container_ok(const SubsonicProfile *p, const char *container)
{
    return decision_any(p->container) ||
           strcasecmp(decision_container(p->container), decision_container(container)) == 0;
}

static bool decision_codec_ok(const SubsonicProfile *p, const char *codec)
{
    if (p->n_codecs == 0)
        return true;
    for (size_t i = 0; i < p->n_codecs; i++)
        if (strcmp(p->codecs[i], "*") == 0 || strcasecmp(p->codecs[i], codec) == 0)
            return true;
    return false;
}

/* Compares the number `have` with the text `want` under `cmp`. */
static bool decision_cmp_int(SubsonicCmp cmp, int64_t have, const char *want)
{
    int64_t n;
    if (cmp == SUBSONIC_CMP_EQUALS_ANY || cmp == SUBSONIC_CMP_NOT_EQUALS_ANY) {
        bool found = false;
        const char *s = want;
        char item[32];
        while (*s && !found) {
            const char *end = strchr(s, '|');
            size_t len = end ? (size_t)(end - s) : strlen(s);
            if (len < sizeof(item)) {
                memcpy(item, s, len);
                item[len] = '\0';
                found = str_to_int64(item, INT64_MIN, INT64_MAX, &n) == 0 && n == have;
            }
            s += len + (end ? 1 : 0);
        }
        return cmp == SUBSONIC_CMP_EQUALS_ANY ? found : !found;
    }
    if (str_to_int64(want, INT64_MIN, INT64_MAX, &n) < 0)
        return false; /* a bound we cannot read is not met */
    switch (cmp) {
    case SUBSONIC_CMP_EQUALS:
        return have == n;
    case SUBSONIC_CMP_NOT_EQUALS:
        return have != n;
    case SUBSONIC_CMP_LESS_EQUAL:
        return have <= n;
    default:
        return have >= n;
    }
}

/* The reason bits of the codec limitations of `codec` that `s` breaks. */
static unsigned decision_limits(const SubsonicClientInfo *info, const char *codec,
                                const SubsonicStream *s)
{
    static const unsigned reason[] = {SUBSONIC_REASON_CHANNELS, SUBSONIC_REASON_BITRATE,
                                      SUBSONIC_REASON_PROFILE, SUBSONIC_REASON_SAMPLERATE,
                                      SUBSONIC_REASON_BITDEPTH};
    unsigned bad = 0;
    for (size_t i = 0; i < info->n_codec_profiles; i++) {
        const SubsonicCodecProfile *cp = &info->codec_profiles[i];
        if (strcasecmp(cp->codec, codec) != 0)
            continue;
        for (size_t j = 0; j < cp->n_limits; j++) {
            const SubsonicLimitation *l = &cp->limits[j];
            int64_t have = l->name == SUBSONIC_LIMIT_CHANNELS     ? s->channels
                           : l->name == SUBSONIC_LIMIT_BITRATE    ? s->bitrate_bps
                           : l->name == SUBSONIC_LIMIT_SAMPLERATE ? s->sample_rate
                           : l->name == SUBSONIC_LIMIT_BITDEPTH   ? s->bit_depth
                                                                  : 0;
            bool ok;
            if (l->name == SUBSONIC_LIMIT_PROFILE || have <= 0) /* we know no audio profile */
                ok = !l->required;
            else
                ok = decision_cmp_int(l->cmp, have, l->value);
            if (!ok)
                bad |= reason[l->name];
        }
    }
    return bad;
}

/* The smallest of the non-zero caps (bits per second), or 0 when none. */
static int64_t decision_min_cap(int64_t a, int64_t b)
{
    return a <= 0 ? b : b <= 0 ? a : a < b ? a : b;
}

/* The lowest `audioBitrate LessThanEqual` bound the codec profiles put on `codec`, or 0. */
static int64_t decision_codec_cap(const SubsonicClientInfo *info, const char *codec)
{
    int64_t cap = 0;
    for (size_t i = 0; i < info->n_codec_profiles; i++) {
        const SubsonicCodecProfile *cp = &info->codec_profiles[i];
        if (strcasecmp(cp->codec, codec) != 0)
            continue;
        for (size_t j = 0; j < cp->n_limits; j++) {
            int64_t n;
            const SubsonicLimitation *l = &cp->limits[j];
            if (l->name == SUBSONIC_LIMIT_BITRATE && l->cmp == SUBSONIC_CMP_LESS_EQUAL &&
                str_to_int64(l->value, 1, INT64_MAX, &n) == 0)
                cap = decision_min_cap(cap, n);
        }
    }
    return cap;
}

void subsonic_decision_source(const char *format, const char *codec, const char **ret_container,
                              const char **ret_codec)
{
    if (!format)
        format = "";
    *ret_codec = codec && *codec ? codec : format;
    *ret_container = decision_container(format);
}

/* True for the codecs that lose nothing: their bitrate says nothing about the music. */
static bool decision_lossless(const char *codec)
{
    static const char *const lossless[] = {"flac", "alac", "wavpack", "ape", "tta", "pcm_"};
    for (size_t i = 0; i < sizeof(lossless) / sizeof(lossless[0]); i++)
        if (strncmp(codec, lossless[i], strlen(lossless[i])) == 0)
            return true;
    return false;
}

/* Which of our encoders profile `p` asks for. Returns 0 or -ENOENT. */
static int decision_encoder(const SubsonicProfile *p, MediaTranscodeFormat *ret_format)
{
    static const struct {
        const char *container, *codec;
        MediaTranscodeFormat format;
    } encoders[] = {
        {"mp3", "mp3", MEDIA_TRANSCODE_MP3},    {"ogg", "opus", MEDIA_TRANSCODE_OPUS},
        {"aac", "aac", MEDIA_TRANSCODE_AAC},    {"mp4", "aac", MEDIA_TRANSCODE_M4A},
        {"flac", "flac", MEDIA_TRANSCODE_FLAC},
    };
    if (decision_any(p->container))
        return -ENOENT; /* a transcoding profile must name what it wants */
    const char *c = decision_container(p->container);
    for (size_t i = 0; i < sizeof(encoders) / sizeof(encoders[0]); i++) {
        if (strcasecmp(c, encoders[i].container) == 0 && decision_codec_ok(p, encoders[i].codec)) {
            *ret_format = encoders[i].format;
            return 0;
        }
    }
    return -ENOENT;
}

/* The sample rate our encoder of `f` produces from `in` (0: unknown). */
static int64_t decision_rate(MediaTranscodeFormat f, int64_t in)
{
    if (f == MEDIA_TRANSCODE_OPUS)
        return 48000;
    int64_t max = f == MEDIA_TRANSCODE_MP3 ? 48000 : f == MEDIA_TRANSCODE_FLAC ? 384000 : 96000;
    if (in > max)
        return in % 11025 == 0 ? 44100 : 48000;
    return in;
}

/* Fills d->target for `p` when our encoder can honour it and the client's limits. Returns
 * true on success. */
static bool decision_try_transcode(const SubsonicClientInfo *info, const SubsonicStream *src,
                                   const SubsonicProfile *p, int64_t user_max_kbps,
                                   SubsonicDecision *d)
{
    static const char *const containers[] = {"mp3", "ogg", "aac", "flac", "mp4"};
    MediaTranscodeFormat f;
    if (!decision_protocol_ok(p) || decision_encoder(p, &f) < 0)
        return false;
    const char *codec = f == MEDIA_TRANSCODE_MP3    ? "mp3"
                        : f == MEDIA_TRANSCODE_OPUS ? "opus"
                        : f == MEDIA_TRANSCODE_FLAC ? "flac"
                                                    : "aac";
    int64_t channels = src->channels == 1 ? 1 : 2; /* the encoders keep mono, else stereo */
    if (p->max_channels > 0 && channels > p->max_channels)
        return false;
    int64_t client_cap = info->max_transcoding_bitrate_bps > 0 ? info->max_transcoding_bitrate_bps
                                                               : info->max_bitrate_bps;
    int64_t cap = decision_min_cap(client_cap, user_max_kbps * 1000);
    cap = decision_min_cap(cap, decision_codec_cap(info, codec));
    int kbps = 0;
    int64_t bitrate = 0;
    if (f == MEDIA_TRANSCODE_FLAC) {
        /* lossless has no bitrate to lower; from a lossless original it keeps about its
         * bitrate, from a lossy one nobody can say */
        bool known = decision_lossless(src->codec) && src->bitrate_bps > 0;
        if (cap > 0 && (!known || src->bitrate_bps > cap))
            return false;
        bitrate = known ? src->bitrate_bps : 0;
    } else {
        int64_t want = cap > 0 ? cap / 1000 : SUBSONIC_DECISION_DEFAULT_KBPS;
        if (!decision_lossless(src->codec) && src->bitrate_bps >= 1000 &&
            want > src->bitrate_bps / 1000)
            want = src->bitrate_bps / 1000; /* never more than a lossy original carries */
        if (want > 100000)
            want = 100000;
        kbps = media_transcode_clamp_kbps(f, (int)want);
        if (cap > 0 && (int64_t)kbps * 1000 > cap)
            return false; /* below what this encoder can do */
        bitrate = (int64_t)kbps * 1000;
    }
    SubsonicStream t = {
        .container = containers[f],
        .codec = codec,
        .channels = channels,
        .bitrate_bps = bitrate,
        .sample_rate = decision_rate(f, src->sample_rate),
        .bit_depth = f == MEDIA_TRANSCODE_FLAC ? (src->bit_depth > 16 ? 24 : 16) : 0,
    };
    if (decision_limits(info, codec, &t) != 0)
        return false;
    d->transcode = true;
    d->format = f;
    d->kbps = kbps;
    d->target = t;
    return true;
}

void subsonic_decision_decide(const SubsonicClientInfo *info, const SubsonicStream *source,
                              int64_t user_max_kbps, SubsonicDecision *ret_decision)
{
    SubsonicDecision d = {0};
    unsigned missed = 0, limited = 0;
    bool matched = false;
    for (size_t i = 0; i < info->n_direct && !d.direct; i++) {
        const SubsonicProfile *p = &info->direct[i];
        if (!decision_protocol_ok(p)) {
            missed |= SUBSONIC_REASON_PROTOCOL;
            continue;
        }
        if (!decision_container_ok(p, source->container)) {
            missed |= SUBSONIC_REASON_CONTAINER;
            continue;
        }
        if (!decision_codec_ok(p, source->codec)) {
            missed |= SUBSONIC_REASON_CODEC;
            continue;
        }
        unsigned bad = decision_limits(info, source->codec, source);
        if (p->max_channels > 0 && source->channels > p->max_channels)
            bad |= SUBSONIC_REASON_CHANNELS;
        int64_t cap = decision_min_cap(info->max_bitrate_bps, user_max_kbps * 1000);
        if (cap > 0 && source->bitrate_bps > cap)
            bad |= SUBSONIC_REASON_BITRATE;
        if (bad == 0)
            d.direct = true;
        matched = true;
        limited |= bad;
    }
    if (!d.direct) {
        /* the most telling reasons: the limits of profiles that took the format, else what
         * the others missed (the codec when some container matched) */
        if (matched)
            d.reasons = limited;
        else if (missed & SUBSONIC_REASON_CODEC)
            d.reasons = SUBSONIC_REASON_CODEC;
        else if (missed & SUBSONIC_REASON_CONTAINER || missed == 0)
            d.reasons = SUBSONIC_REASON_CONTAINER;
        else
            d.reasons = missed;
        for (size_t i = 0; i < info->n_transcode; i++)
            if (decision_try_transcode(info, source, &info->transcode[i], user_max_kbps, &d))
                break;
    }
    *ret_decision = d;
}
