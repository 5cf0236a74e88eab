/*
 * media_probe.c - container and tag probing with libavformat.
 *
 * find_stream_info() decodes frames and is slow; it runs only when the container header
 * lacks the sample rate, channels or duration. Every tag of the container's dictionary,
 * then of the audio stream's (Ogg and Opus keep them there), is copied in order; the
 * convenience fields look keys up in that list.
 */
#include "media/media_probe.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "core/utf8.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

void media_init(void)
{
    av_log_set_level(AV_LOG_QUIET);
}

static const struct {
    const char *format;
    const char *mime;
} media_mime_table[] = {
    {"mp3", "audio/mpeg"},     {"flac", "audio/flac"},    {"ogg", "audio/ogg"},
    {"opus", "audio/ogg"},     {"m4a", "audio/mp4"},      {"wav", "audio/wav"},
    {"aiff", "audio/aiff"},    {"wma", "audio/x-ms-wma"}, {"ape", "audio/x-ape"},
    {"wv", "audio/x-wavpack"}, {"dsf", "audio/x-dsf"},    {"aac", "audio/aac"},
};

const char *media_content_type(const char *format)
{
    for (size_t i = 0; i < sizeof(media_mime_table) / sizeof(media_mime_table[0]); i++) {
        if (strcmp(media_mime_table[i].format, format) == 0)
            return media_mime_table[i].mime;
    }
    return "application/octet-stream";
}

/* Maps libavformat's demuxer name (and the audio codec for Ogg) to our short name. */
static const char *media_format_name(const char *demuxer, enum AVCodecID codec)
{
    static const struct {
        const char *prefix;
        const char *name;
    } map[] = {
        {"mp3", "mp3"}, {"flac", "flac"}, {"mov,mp4", "m4a"}, {"wav", "wav"}, {"aiff", "aiff"},
        {"asf", "wma"}, {"ape", "ape"},   {"wv", "wv"},       {"dsf", "dsf"}, {"aac", "aac"},
    };
    if (strcmp(demuxer, "ogg") == 0)
        return codec == AV_CODEC_ID_OPUS ? "opus" : "ogg";
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (str_has_prefix(demuxer, map[i].prefix))
            return map[i].name;
    }
    return demuxer;
}

/* Returns an Arena-owned, trimmed, valid UTF-8 copy of `s` cut to LIMIT_TAG_BYTES on a
 * UTF-8 boundary, or NULL when out of memory. */
static const char *media_tag_copy(Arena *arena, const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n > LIMIT_TAG_BYTES) {
        n = LIMIT_TAG_BYTES;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    const char *copy = arena_strndup(arena, s, n);
    if (!copy)
        return NULL;
    const char *fixed = utf8_repair(arena, copy);
    if (!fixed || fixed == copy || strlen(fixed) <= LIMIT_TAG_BYTES)
        return fixed;
    /* U+FFFD is longer than the bytes it replaces: cut again, now on valid UTF-8. */
    n = LIMIT_TAG_BYTES;
    while (n && ((unsigned char)fixed[n] & 0xC0) == 0x80)
        n--;
    return arena_strndup(arena, fixed, n);
}

/* Copies every entry of `dict` onto tags[*n] (at most MEDIA_PROBE_MAX_TAGS). -ENOMEM. */
static int media_tags_add(Arena *arena, const AVDictionary *dict, MediaTag *tags, size_t *n)
{
    const AVDictionaryEntry *e = NULL;
    while (*n < MEDIA_PROBE_MAX_TAGS && (e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX))) {
        if (!e->key || !e->value)
            continue;
        const char *key = media_tag_copy(arena, e->key);
        const char *value = media_tag_copy(arena, e->value);
        if (!key || !value)
            return -ENOMEM;
        tags[*n].key = key;
        tags[*n].value = value;
        (*n)++;
    }
    return 0;
}

/* Returns the first non-empty value of the first of `keys` present (any case), or "". */
static const char *media_tag(const MediaTag *tags, size_t n, const char *const *keys)
{
    for (const char *const *k = keys; *k; k++) {
        for (size_t i = 0; i < n; i++) {
            if (strcasecmp(tags[i].key, *k) == 0 && *tags[i].value)
                return tags[i].value;
        }
    }
    return "";
}

/* Bits per sample of a lossless codec (flac, alac, pcm, wavpack...); 0 for lossy ones. */
static int media_bit_depth(const AVCodecParameters *par)
{
    const AVCodecDescriptor *d = avcodec_descriptor_get(par->codec_id);
    if (!d || !(d->props & AV_CODEC_PROP_LOSSLESS))
        return 0;
    int bits = par->bits_per_raw_sample;
    if (bits <= 0)
        bits = par->bits_per_coded_sample;
    if (bits <= 0)
        bits = av_get_bits_per_sample(par->codec_id);
    return bits > 0 && bits <= 64 ? bits : 0;
}

/* Leading integer of "3", "3/12", "2004-05-01"; 0 when there is none or it is absurd. */
static int media_leading_int(const char *s, int max)
{
    long v = 0;
    int digits = 0;
    while (*s == ' ')
        s++;
    for (; *s >= '0' && *s <= '9' && digits < 9; s++, digits++)
        v = v * 10 + (*s - '0');
    return digits && v <= max ? (int)v : 0;
}

int media_probe(const char *path, Arena *arena, MediaInfo *ret_info)
{
    static const char *const k_title[] = {"title", NULL};
    static const char *const k_artist[] = {"artist", NULL};
    static const char *const k_album[] = {"album", NULL};
    static const char *const k_album_artist[] = {"album_artist", "albumartist", "album artist",
                                                 NULL};
    static const char *const k_genre[] = {"genre", NULL};
    static const char *const k_mbid[] = {"MUSICBRAINZ_TRACKID", "MusicBrainz Release Track Id",
                                         "musicbrainz_releasetrackid", NULL};
    static const char *const k_track[] = {"track", "tracknumber", NULL};
    static const char *const k_disc[] = {"disc", "discnumber", NULL};
    static const char *const k_date[] = {"date", "year", "originaldate", NULL};

    AVFormatContext *fmt = NULL;
    int r = avformat_open_input(&fmt, path, NULL, NULL);
    if (r < 0)
        return r == AVERROR(ENOENT) ? -ENOENT : r == AVERROR(EACCES) ? -EACCES : ERR_MEDIA;

    int idx = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    AVCodecParameters *par = idx >= 0 ? fmt->streams[idx]->codecpar : NULL;
    if (!par || par->sample_rate <= 0 || par->ch_layout.nb_channels <= 0 ||
        fmt->duration == AV_NOPTS_VALUE) {
        if (avformat_find_stream_info(fmt, NULL) < 0) {
            r = ERR_MEDIA;
            goto out_close;
        }
        idx = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
        par = idx >= 0 ? fmt->streams[idx]->codecpar : NULL;
    }
    if (!par || par->codec_id == AV_CODEC_ID_NONE) {
        r = ERR_MEDIA;
        goto out_close;
    }

    MediaInfo info = {0};
    AVStream *st = fmt->streams[idx];
    info.format = media_format_name(fmt->iformat->name, par->codec_id);
    info.codec = avcodec_get_name(par->codec_id);
    int64_t dur_us = fmt->duration;
    if (dur_us == AV_NOPTS_VALUE && st->duration != AV_NOPTS_VALUE)
        dur_us = av_rescale_q(st->duration, st->time_base, AV_TIME_BASE_Q);
    info.duration_ms = dur_us > 0 ? dur_us / 1000 : 0;
    int64_t bps = par->bit_rate > 0 ? par->bit_rate : fmt->bit_rate;
    info.bitrate_kbps = bps > 0 ? (int)((bps + 500) / 1000) : 0;
    info.sample_rate = par->sample_rate;
    info.channels = par->ch_layout.nb_channels;
    info.bit_depth = media_bit_depth(par);

    MediaTag *tags = arena_calloc(arena, MEDIA_PROBE_MAX_TAGS, sizeof(*tags));
    size_t n = 0;
    if (!tags || media_tags_add(arena, fmt->metadata, tags, &n) < 0 ||
        media_tags_add(arena, st->metadata, tags, &n) < 0) {
        r = -ENOMEM;
        goto out_close;
    }
    info.tags = tags;
    info.n_tags = n;
    info.title = media_tag(tags, n, k_title);
    info.artist = media_tag(tags, n, k_artist);
    info.album = media_tag(tags, n, k_album);
    info.album_artist = media_tag(tags, n, k_album_artist);
    info.genre = media_tag(tags, n, k_genre);
    info.mbid = media_tag(tags, n, k_mbid);
    info.track = media_leading_int(media_tag(tags, n, k_track), 100000);
    info.disc = media_leading_int(media_tag(tags, n, k_disc), 1000);
    info.year = media_leading_int(media_tag(tags, n, k_date), 9999);
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        if (fmt->streams[i]->disposition & AV_DISPOSITION_ATTACHED_PIC)
            info.has_picture = true;
    }
    *ret_info = info;
    r = 0;
out_close:
    avformat_close_input(&fmt);
    return r;
}
