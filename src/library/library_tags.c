/*
 * library_tags.c - one Track from the raw tag pairs of any format.
 *
 * Each Track field has a list of key names (Vorbis, ID3v2 as libavformat renames it, MP4,
 * APEv2, ASF), matched case-insensitively in priority order. Every string is cleaned on
 * the way out (control bytes dropped, UTF-8 repaired, cut to LIMIT_TAG_BYTES, trimmed).
 * Numbers are parsed by hand (no strtod, no libm), so nothing depends on the locale.
 */
#include "library/library_tags.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "library/library_lrc.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#define TAGS_MAX_VALUES 64 /* names kept from one multi-valued field */
#define TAGS_VARIOUS    "Various Artists"

typedef struct TagsList {
    const char *items[TAGS_MAX_VALUES];
    size_t n;
} TagsList;

static const char *const tags_default_separators[] = {" / ", "; ", " feat. ", " ft. "};

/* Key names per field, in priority order. */
static const char *const k_title[] = {"title", "TIT2", NULL};
static const char *const k_artist[] = {"artist", "TPE1", "author", NULL};
static const char *const k_artists[] = {"ARTISTS", "WM/ARTISTS", NULL};
static const char *const k_album[] = {"album", "TALB", "WM/AlbumTitle", NULL};
static const char *const k_album_artist[] = {
    "album_artist", "albumartist", "album artist", "WM/AlbumArtist", "TPE2", "aART", NULL};
static const char *const k_album_artists[] = {"ALBUMARTISTS", "ALBUM_ARTISTS", "ALBUM ARTISTS",
                                              NULL};
static const char *const k_sort_title[] = {"titlesort", "title-sort",        "sort_name",
                                           "TSOT",      "WM/TitleSortOrder", NULL};
static const char *const k_sort_artist[] = {"artistsort", "artist-sort",        "sort_artist",
                                            "TSOP",       "WM/ArtistSortOrder", NULL};
static const char *const k_sort_album[] = {"albumsort", "album-sort",        "sort_album",
                                           "TSOA",      "WM/AlbumSortOrder", NULL};
static const char *const k_sort_album_artist[] = {"albumartistsort",
                                                  "album_artist-sort",
                                                  "album-artist-sort",
                                                  "sort_album_artist",
                                                  "TSO2",
                                                  "WM/AlbumArtistSortOrder",
                                                  NULL};
static const char *const k_track[] = {"track", "tracknumber", "WM/TrackNumber", "TRCK", NULL};
static const char *const k_track_total[] = {"tracktotal", "totaltracks", "track_total",
                                            "total_tracks", NULL};
static const char *const k_disc[] = {"disc", "discnumber", "WM/PartOfSet", "TPOS", NULL};
static const char *const k_disc_total[] = {"disctotal", "totaldiscs", "disc_total", "total_discs",
                                           NULL};
static const char *const k_disc_subtitle[] = {"discsubtitle", "setsubtitle", "TSST",
                                              "WM/SetSubTitle", NULL};
static const char *const k_date[] = {"date", "year",        "WM/Year", "TDRC",
                                     "TYER", "releasedate", NULL};
static const char *const k_original[] = {
    "originaldate", "originalyear",           "original_date",          "TDOR",
    "TORY",         "WM/OriginalReleaseYear", "WM/OriginalReleaseTime", NULL};
static const char *const k_compilation[] = {"compilation", "cpil", "TCMP", "WM/IsCompilation",
                                            NULL};
static const char *const k_genre[] = {"genre", "WM/Genre", "TCON", NULL};
static const char *const k_mbid_track[] = {"MUSICBRAINZ_RELEASETRACKID",
                                           "MusicBrainz Release Track Id",
                                           "WM/MusicBrainz/Release Track Id", NULL};
static const char *const k_mbid_recording[] = {
    "MUSICBRAINZ_TRACKID",     "MusicBrainz Track Id",     "WM/MusicBrainz/Track Id",
    "MUSICBRAINZ_RECORDINGID", "MusicBrainz Recording Id", NULL};
static const char *const k_mbid_album[] = {"MUSICBRAINZ_ALBUMID", "MusicBrainz Album Id",
                                           "WM/MusicBrainz/Album Id", NULL};
static const char *const k_mbid_artist[] = {"MUSICBRAINZ_ARTISTID", "MusicBrainz Artist Id",
                                            "WM/MusicBrainz/Artist Id", NULL};
static const char *const k_mbid_album_artist[] = {"MUSICBRAINZ_ALBUMARTISTID",
                                                  "MusicBrainz Album Artist Id",
                                                  "WM/MusicBrainz/Album Artist Id", NULL};
static const char *const k_mbid_release_group[] = {"MUSICBRAINZ_RELEASEGROUPID",
                                                   "MusicBrainz Release Group Id",
                                                   "WM/MusicBrainz/Release Group Id", NULL};
static const char *const k_rg_track_gain[] = {"REPLAYGAIN_TRACK_GAIN", "replaygain track gain",
                                              NULL};
static const char *const k_rg_track_peak[] = {"REPLAYGAIN_TRACK_PEAK", "replaygain track peak",
                                              NULL};
static const char *const k_rg_album_gain[] = {"REPLAYGAIN_ALBUM_GAIN", "replaygain album gain",
                                              NULL};
static const char *const k_rg_album_peak[] = {"REPLAYGAIN_ALBUM_PEAK", "replaygain album peak",
                                              NULL};
static const char *const k_r128_track[] = {"R128_TRACK_GAIN", NULL};
static const char *const k_r128_album[] = {"R128_ALBUM_GAIN", NULL};
static const char *const k_comment[] = {"comment", "description", "WM/Comments", "COMM", NULL};
static const char *const k_lyrics[] = {
    "lyrics", "unsyncedlyrics", "unsynced lyrics", "WM/Lyrics", "USLT", "©lyr", NULL};
static const char *const k_bpm[] = {"bpm", "TBPM", "tmpo", "WM/BeatsPerMinute", NULL};
static const char *const k_label[] = {"label",        "organization", "publisher", "TPUB",
                                      "WM/Publisher", "recordlabel",  NULL};

/* True when `key` is `name`, or for lyrics an ID3 USLT key "lyrics-<lang>". */
static bool tags_key_is(const char *key, const char *name)
{
    if (strcasecmp(key, name) == 0)
        return true;
    return strcasecmp(name, "lyrics") == 0 && strncasecmp(key, "lyrics-", 7) == 0;
}

/* Returns the first non-empty value of the first of `keys` present, or NULL. */
static const char *tags_get(const MediaInfo *info, const char *const *keys)
{
    for (const char *const *k = keys; *k; k++) {
        for (size_t i = 0; i < info->n_tags; i++) {
            const MediaTag *t = &info->tags[i];
            if (t->key && t->value && *t->value && tags_key_is(t->key, *k))
                return t->value;
        }
    }
    return NULL;
}

static bool tags_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

const char *library_tags_clean(Arena *arena, const char *s, size_t len, bool multiline)
{
    if (len > LIMIT_TAG_BYTES * 2)
        len = LIMIT_TAG_BYTES * 2;
    char *buf = arena_alloc(arena, len + 1);
    if (!buf)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' && multiline)
            buf[n++] = '\n';
        else if (c == '\t' || c == '\n')
            buf[n++] = ' ';
        else if (c >= 0x20 && c != 0x7f)
            buf[n++] = (char)c;
    }
    buf[n] = '\0';
    const char *fixed = utf8_repair(arena, buf);
    if (!fixed)
        return NULL;
    size_t start = 0, end = strlen(fixed);
    while (start < end && tags_space((unsigned char)fixed[start]))
        start++;
    if (end - start > LIMIT_TAG_BYTES) {
        end = start + LIMIT_TAG_BYTES;
        while (end > start && ((unsigned char)fixed[end] & 0xC0) == 0x80)
            end--;
    }
    while (end > start && tags_space((unsigned char)fixed[end - 1]))
        end--;
    return arena_strndup(arena, fixed + start, end - start);
}

static const char *tags_clean(Arena *arena, const char *s)
{
    return s ? library_tags_clean(arena, s, strlen(s), false) : "";
}

/* Adds `len` bytes of `s` (cleaned) to `list` unless empty or already there (any case). */
static int tags_list_add(Arena *arena, TagsList *list, const char *s, size_t len)
{
    if (list->n == TAGS_MAX_VALUES)
        return 0;
    const char *v = library_tags_clean(arena, s, len, false);
    if (!v)
        return -ENOMEM;
    if (!*v)
        return 0;
    for (size_t i = 0; i < list->n; i++) {
        if (strcasecmp(list->items[i], v) == 0)
            return 0;
    }
    list->items[list->n++] = v;
    return 0;
}

/* Splits `s` on any of the `n_seps` separators (ASCII case-insensitive) into `list`. */
static int tags_split(Arena *arena, TagsList *list, const char *s, const char *const *seps,
                      size_t n_seps)
{
    size_t start = 0, i = 0;
    while (s[i]) {
        size_t matched = 0;
        for (size_t k = 0; k < n_seps && !matched; k++) {
            size_t sl = strlen(seps[k]);
            if (sl && strncasecmp(s + i, seps[k], sl) == 0)
                matched = sl;
        }
        if (matched) {
            int r = tags_list_add(arena, list, s + start, i - start);
            if (r < 0)
                return r;
            i += matched;
            start = i;
        } else {
            i++;
        }
    }
    return tags_list_add(arena, list, s + start, i - start);
}

/* Splits every value of every key of `keys` on `seps` into `list`. */
static int tags_split_all(Arena *arena, const MediaInfo *info, const char *const *keys,
                          TagsList *list, const char *const *seps, size_t n_seps)
{
    for (const char *const *k = keys; *k; k++) {
        for (size_t i = 0; i < info->n_tags; i++) {
            const MediaTag *t = &info->tags[i];
            if (!t->key || !t->value || !tags_key_is(t->key, *k))
                continue;
            int r = tags_split(arena, list, t->value, seps, n_seps);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

/* Returns an Arena-owned copy of the list's items, or NULL. */
static const char *const *tags_list_copy(Arena *arena, const TagsList *list)
{
    const char **out = arena_calloc(arena, list->n ? list->n : 1, sizeof(*out));
    if (out && list->n)
        memcpy(out, list->items, list->n * sizeof(*out));
    return out;
}

/* Joins the list with ", " (cut to LIMIT_TAG_BYTES). Arena-owned, or NULL. */
static const char *tags_list_join(Arena *arena, const TagsList *list)
{
    size_t total = 1;
    for (size_t i = 0; i < list->n; i++)
        total += strlen(list->items[i]) + 2;
    char *out = arena_alloc(arena, total);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < list->n; i++) {
        if (i) {
            memcpy(out + n, ", ", 2);
            n += 2;
        }
        size_t l = strlen(list->items[i]);
        memcpy(out + n, list->items[i], l);
        n += l;
    }
    out[n] = '\0';
    return library_tags_clean(arena, out, n, false);
}

/* Fills display name and list for artists or album artists: the multi-valued tag (split on
 * ';', which also joins duplicate Vorbis comments) wins; else the single tag split on the
 * rules' separators and on ';'. */
static int tags_names(Arena *arena, const MediaInfo *info, const LibraryTagRules *rules,
                      const char *const *k_multi, const char *const *k_single,
                      const char **ret_display, const char *const **ret_list, size_t *ret_n)
{
    static const char *const semicolon[] = {";"};
    TagsList list = {.n = 0};
    int r = tags_split_all(arena, info, k_multi, &list, semicolon, 1);
    if (r < 0)
        return r;
    const char *display = tags_clean(arena, tags_get(info, k_single));
    if (!display)
        return -ENOMEM;
    if (list.n == 0 && *display) {
        const char *seps[LIBRARY_TAGS_MAX_SEPARATORS + 1];
        size_t n_seps = 0;
        if (rules) {
            for (size_t i = 0; i < rules->n_separators && i < LIBRARY_TAGS_MAX_SEPARATORS; i++)
                seps[n_seps++] = rules->separators[i];
        } else {
            for (size_t i = 0; i < 4; i++)
                seps[n_seps++] = tags_default_separators[i];
        }
        seps[n_seps++] = ";";
        r = tags_split(arena, &list, display, seps, n_seps);
        if (r < 0)
            return r;
    }
    if (!*display && list.n) {
        display = tags_list_join(arena, &list);
        if (!display)
            return -ENOMEM;
    }
    const char *const *items = tags_list_copy(arena, &list);
    if (!items)
        return -ENOMEM;
    *ret_display = display;
    *ret_list = items;
    *ret_n = list.n;
    return 0;
}

static bool tags_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads an unsigned decimal of at most 9 digits at *s; false when none or too long. */
static bool tags_uint(const char **s, long *ret_v)
{
    long v = 0;
    int digits = 0;
    while (tags_digit(**s)) {
        if (++digits > 9)
            return false;
        v = v * 10 + (**s - '0');
        (*s)++;
    }
    if (!digits)
        return false;
    *ret_v = v;
    return true;
}

/* Parses "3", "03", "3/12", "3 of 12"; numbers above `max` or malformed give 0. */
static void tags_pair(const char *s, int max, int *ret_n, int *ret_total)
{
    long n = 0, total = 0;
    *ret_n = 0;
    *ret_total = 0;
    if (!s)
        return;
    while (*s == ' ')
        s++;
    if (!tags_uint(&s, &n))
        return;
    while (*s == ' ')
        s++;
    if (*s == '/' || strncasecmp(s, "of", 2) == 0) {
        s += *s == '/' ? 1 : 2;
        while (*s == ' ')
            s++;
        if (!tags_uint(&s, &total) || total > max)
            total = 0;
    }
    *ret_n = n > 0 && n <= max ? (int)n : 0;
    *ret_total = (int)total;
}

/* Year of "2004-05-01", "2004", "20040501", "2004-05-01T12:00:00", "01.05.2004": the first
 * run of exactly 4 (or 8, YYYYMMDD) digits; 0 when none. */
static int tags_year(const char *s)
{
    if (!s)
        return 0;
    while (*s) {
        if (!tags_digit(*s)) {
            s++;
            continue;
        }
        const char *start = s;
        while (tags_digit(*s))
            s++;
        size_t run = (size_t)(s - start);
        if (run == 4 || run == 8) {
            int y = (start[0] - '0') * 1000 + (start[1] - '0') * 100 + (start[2] - '0') * 10 +
                    (start[3] - '0');
            return y > 0 ? y : 0;
        }
    }
    return 0;
}

/* Parses a decimal like "-6.50 dB", "+1.2 dB", "0.988", "1,5" without the locale; NAN when
 * malformed. At most 15 significant digits are read. */
static double tags_decimal(const char *s, bool allow_db)
{
    if (!s)
        return NAN;
    while (*s == ' ')
        s++;
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    double v = 0, scale = 1;
    int digits = 0;
    for (; tags_digit(*s); s++) {
        if (digits++ < 15)
            v = v * 10 + (*s - '0');
        else
            scale /= 10; /* past 15 digits: keep the magnitude only */
    }
    if (*s == '.' || *s == ',') {
        s++;
        for (; tags_digit(*s); s++, digits++) {
            if (digits < 15) {
                scale *= 10;
                v = v * 10 + (*s - '0');
            }
        }
    }
    if (!digits)
        return NAN;
    while (*s == ' ')
        s++;
    if (allow_db && strncasecmp(s, "db", 2) == 0)
        s += 2;
    while (*s == ' ')
        s++;
    if (*s)
        return NAN;
    v = v / scale;
    return neg ? -v : v;
}

static double tags_gain_ok(double g)
{
    return isfinite(g) && g >= -60.0 && g <= 60.0 ? g : NAN;
}

static double tags_gain(const char *s)
{
    return tags_gain_ok(tags_decimal(s, true));
}

static double tags_peak(const char *s)
{
    double p = tags_decimal(s, false);
    return isfinite(p) && p >= 0.0 && p <= 10.0 ? p : NAN;
}

/* Opus R128 gain: Q7.8 dB relative to -23 LUFS; ReplayGain's reference is 5 dB louder. */
static double tags_r128(const char *s)
{
    double q = tags_decimal(s, false);
    if (!isfinite(q) || q < -32768.0 || q > 32767.0 || q != (double)(long)q)
        return NAN;
    return tags_gain_ok(q / 256.0 + 5.0);
}

/* A lowercase UUID from the first item of `s` (items split on ';' or '/'), or "". */
static const char *tags_mbid(Arena *arena, const char *s)
{
    if (!s)
        return "";
    while (*s == ' ')
        s++;
    char out[37];
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return "";
            out[i] = '-';
        } else if (tags_digit(c) || (c >= 'a' && c <= 'f')) {
            out[i] = c;
        } else if (c >= 'A' && c <= 'F') {
            out[i] = (char)(c - 'A' + 'a');
        } else {
            return "";
        }
    }
    const char *rest = s + 36;
    while (*rest == ' ')
        rest++;
    if (*rest && *rest != ';' && *rest != '/')
        return "";
    out[36] = '\0';
    return arena_strdup(arena, out);
}

static bool tags_true(const char *s)
{
    if (!s)
        return false;
    long v = 0;
    const char *p = s;
    if (tags_uint(&p, &v) && *p == '\0')
        return v != 0;
    return strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0;
}

/* Genres split on ';', '/', ',' and multi-values; trimmed, unique in any case. */
static int tags_genres(Arena *arena, const MediaInfo *info, Track *t)
{
    static const char *const seps[] = {";", "/", ","};
    TagsList list = {.n = 0};
    int r = tags_split_all(arena, info, k_genre, &list, seps, 3);
    if (r < 0)
        return r;
    t->genres = tags_list_copy(arena, &list);
    t->n_genres = list.n;
    return t->genres ? 0 : -ENOMEM;
}

int library_tags_rules_parse(Arena *arena, const char *artist_separators,
                             LibraryTagRules *ret_rules)
{
    LibraryTagRules rules = {.n_separators = 0};
    const char *s = artist_separators ? artist_separators : "";
    while (*s) {
        const char *bar = strchr(s, '|');
        size_t len = bar ? (size_t)(bar - s) : strlen(s);
        if (len) {
            if (rules.n_separators == LIBRARY_TAGS_MAX_SEPARATORS)
                return -EINVAL;
            char *sep = arena_strndup(arena, s, len);
            if (!sep)
                return -ENOMEM;
            rules.separators[rules.n_separators++] = sep;
        }
        s += len;
        if (*s == '|')
            s++;
    }
    *ret_rules = rules;
    return 0;
}

/* Cleans a string field; NULL when out of memory. */
#define TAGS_STR(field, keys)                                                                      \
    do {                                                                                           \
        t.field = tags_clean(arena, tags_get(info, keys));                                         \
        if (!t.field)                                                                              \
            return -ENOMEM;                                                                        \
    } while (0)

#define TAGS_MBID(field, keys)                                                                     \
    do {                                                                                           \
        t.field = tags_mbid(arena, tags_get(info, keys));                                          \
        if (!t.field)                                                                              \
            return -ENOMEM;                                                                        \
    } while (0)

int library_tags_normalize(const MediaInfo *info, const LibraryTagRules *rules, Arena *arena,
                           Track *ret_track)
{
    Track t;
    memset(&t, 0, sizeof(t));
    int r;

    t.format = tags_clean(arena, info->format);
    t.codec = tags_clean(arena, info->codec);
    if (!t.format || !t.codec)
        return -ENOMEM;
    t.duration_ms = info->duration_ms > 0 ? info->duration_ms : 0;
    t.bitrate_kbps = info->bitrate_kbps > 0 ? info->bitrate_kbps : 0;
    t.sample_rate = info->sample_rate > 0 ? info->sample_rate : 0;
    t.bit_depth = info->bit_depth > 0 ? info->bit_depth : 0;
    t.channels = info->channels > 0 ? info->channels : 0;
    t.has_picture = info->has_picture;

    TAGS_STR(title, k_title);
    TAGS_STR(album, k_album);
    TAGS_STR(sort_title, k_sort_title);
    TAGS_STR(sort_artist, k_sort_artist);
    TAGS_STR(sort_album, k_sort_album);
    TAGS_STR(sort_album_artist, k_sort_album_artist);
    TAGS_STR(disc_subtitle, k_disc_subtitle);
    TAGS_STR(release_date, k_date);
    TAGS_STR(comment, k_comment);
    TAGS_STR(label, k_label);

    r = tags_names(arena, info, rules, k_artists, k_artist, &t.artist, &t.artists, &t.n_artists);
    if (r < 0)
        return r;
    r = tags_names(arena, info, rules, k_album_artists, k_album_artist, &t.album_artist,
                   &t.album_artists, &t.n_album_artists);
    if (r < 0)
        return r;
    t.compilation = tags_true(tags_get(info, k_compilation));
    if (t.compilation && !*t.album_artist) {
        static const char *const various[] = {TAGS_VARIOUS};
        t.album_artist = TAGS_VARIOUS;
        t.album_artists = various;
        t.n_album_artists = 1;
    }

    int total;
    tags_pair(tags_get(info, k_track), 100000, &t.track, &t.track_total);
    tags_pair(tags_get(info, k_track_total), 100000, &total, &(int){0});
    if (!t.track_total)
        t.track_total = total;
    tags_pair(tags_get(info, k_disc), 1000, &t.disc, &t.disc_total);
    tags_pair(tags_get(info, k_disc_total), 1000, &total, &(int){0});
    if (!t.disc_total)
        t.disc_total = total;

    t.year = tags_year(tags_get(info, k_date));
    t.original_year = tags_year(tags_get(info, k_original));

    r = tags_genres(arena, info, &t);
    if (r < 0)
        return r;

    TAGS_MBID(mbid_track, k_mbid_track);
    TAGS_MBID(mbid_recording, k_mbid_recording);
    TAGS_MBID(mbid_album, k_mbid_album);
    TAGS_MBID(mbid_artist, k_mbid_artist);
    TAGS_MBID(mbid_album_artist, k_mbid_album_artist);
    TAGS_MBID(mbid_release_group, k_mbid_release_group);

    t.rg_track_gain = tags_gain(tags_get(info, k_rg_track_gain));
    t.rg_track_peak = tags_peak(tags_get(info, k_rg_track_peak));
    t.rg_album_gain = tags_gain(tags_get(info, k_rg_album_gain));
    t.rg_album_peak = tags_peak(tags_get(info, k_rg_album_peak));
    if (isnan(t.rg_track_gain))
        t.rg_track_gain = tags_r128(tags_get(info, k_r128_track));
    if (isnan(t.rg_album_gain))
        t.rg_album_gain = tags_r128(tags_get(info, k_r128_album));

    const char *lyrics = tags_get(info, k_lyrics);
    t.lyrics = lyrics ? library_tags_clean(arena, lyrics, strlen(lyrics), true) : "";
    if (!t.lyrics)
        return -ENOMEM;
    if (*t.lyrics) {
        Lrc lrc;
        r = library_lrc_parse(arena, t.lyrics, strlen(t.lyrics), &lrc);
        if (r == -ENOMEM)
            return r;
        t.lyrics_synced = r == 0 && lrc.synced;
    }

    double bpm = tags_decimal(tags_get(info, k_bpm), false);
    t.bpm = isfinite(bpm) && bpm >= 1.0 && bpm <= 1000.0 ? (int)(bpm + 0.5) : 0;

    *ret_track = t;
    return 0;
}
