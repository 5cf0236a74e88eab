/* test_library_tags.c - library_tags_normalize() on synthetic raw tags, table-driven. */
#include "core/err.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "library/library_tags.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_PAIRS 16

/* Normalises the (key, value, ..., NULL) pairs with the default separators. */
static Track normalize(Arena *a, const char *const *kv)
{
    static MediaTag tags[MAX_PAIRS];
    size_t n = 0;
    for (; kv && kv[0] && n < MAX_PAIRS; kv += 2, n++) {
        tags[n].key = kv[0];
        tags[n].value = kv[1];
    }
    MediaInfo mi = {.format = "flac", .codec = "flac", .tags = tags, .n_tags = n};
    LibraryTagRules rules;
    assert_int_equal(library_tags_rules_parse(a, " / |; | feat. | ft. ", &rules), 0);
    Track t;
    assert_int_equal(library_tags_normalize(&mi, &rules, a, &t), 0);
    return t;
}

/* "a|b|c" for a list, to compare in one string. */
static const char *joined(Arena *a, const char *const *items, size_t n)
{
    char *out = arena_strdup(a, "");
    for (size_t i = 0; i < n; i++)
        out = arena_printf(a, "%s%s%s", out, i ? "|" : "", items[i]);
    return out;
}

static void check_strings(const Track *t)
{
    const char *all[] = {t->format,
                         t->codec,
                         t->title,
                         t->artist,
                         t->album,
                         t->album_artist,
                         t->sort_title,
                         t->sort_artist,
                         t->sort_album,
                         t->sort_album_artist,
                         t->disc_subtitle,
                         t->release_date,
                         t->mbid_track,
                         t->mbid_recording,
                         t->mbid_album,
                         t->mbid_artist,
                         t->mbid_album_artist,
                         t->mbid_release_group,
                         t->comment,
                         t->lyrics,
                         t->label};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        assert_non_null(all[i]);
        assert_true(strlen(all[i]) <= LIMIT_TAG_BYTES);
        assert_true(utf8_valid(all[i], strlen(all[i])));
    }
    for (size_t i = 0; i < t->n_artists; i++)
        assert_true(*t->artists[i]);
    for (size_t i = 0; i < t->n_genres; i++)
        assert_true(*t->genres[i]);
}

typedef struct NamesCase {
    const char *kv[MAX_PAIRS];
    const char *artist, *artists, *album_artist, *album_artists;
    bool compilation;
} NamesCase;

static const NamesCase names_cases[] = {
    {{"artist", "Solo", NULL}, "Solo", "Solo", "", "", false},
    {{"artist", "A / B", NULL}, "A / B", "A|B", "", "", false},
    {{"artist", "A; B;C", NULL}, "A; B;C", "A|B|C", "", "", false},
    {{"artist", "A feat. B", NULL}, "A feat. B", "A|B", "", "", false},
    {{"artist", "A FEAT. B ft. C", NULL}, "A FEAT. B ft. C", "A|B|C", "", "", false},
    {{"artist", "AC/DC", NULL}, "AC/DC", "AC/DC", "", "", false},
    {{"artist", "A / a / A", NULL}, "A / a / A", "A", "", "", false},
    {{"artist", "A /  / B", NULL}, "A /  / B", "A|B", "", "", false},
    {{"ARTISTS", "One;Two", "artist", "One & Two", NULL}, "One & Two", "One|Two", "", "", false},
    {{"artist", "X feat. Y", "ARTISTS", "X", "ARTISTS", "Y", NULL},
     "X feat. Y",
     "X|Y",
     "",
     "",
     false},
    {{"ARTISTS", "P;Q", NULL}, "P, Q", "P|Q", "", "", false},
    {{"album_artist", "AA / BB", NULL}, "", "", "AA / BB", "AA|BB", false},
    {{"ALBUMARTISTS", "AA;BB", "albumartist", "AA and BB", NULL},
     "",
     "",
     "AA and BB",
     "AA|BB",
     false},
    {{"compilation", "1", "artist", "Z", NULL},
     "Z",
     "Z",
     "Various Artists",
     "Various Artists",
     true},
    {{"TCMP", "1", "album_artist", "Mix", NULL}, "", "", "Mix", "Mix", true},
    {{"cpil", "0", NULL}, "", "", "", "", false},
    {{"compilation", "true", NULL}, "", "", "Various Artists", "Various Artists", true},
    {{"WM/AlbumArtist", "W", NULL}, "", "", "W", "W", false},
    {{"artist", "Björk; Sigur Rós", NULL}, "Björk; Sigur Rós", "Björk|Sigur Rós", "", "", false},
    {{"ARTIST", "case", NULL}, "case", "case", "", "", false},
};

static void test_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(names_cases) / sizeof(names_cases[0]); i++) {
        const NamesCase *c = &names_cases[i];
        Arena *a = arena_new(1 << 20);
        Track t = normalize(a, c->kv);
        check_strings(&t);
        printf("# names case %zu\n", i);
        assert_string_equal(t.artist, c->artist);
        assert_string_equal(joined(a, t.artists, t.n_artists), c->artists);
        assert_string_equal(t.album_artist, c->album_artist);
        assert_string_equal(joined(a, t.album_artists, t.n_album_artists), c->album_artists);
        assert_int_equal(t.compilation, c->compilation);
        arena_free(a);
    }
}

static void test_custom_separators(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    LibraryTagRules rules;
    assert_int_equal(library_tags_rules_parse(a, "||, | x ||", &rules), 0);
    assert_int_equal(rules.n_separators, 2);
    assert_string_equal(rules.separators[0], ", ");
    assert_string_equal(rules.separators[1], " x ");
    MediaTag tags[] = {{"artist", "A, B X C / D"}};
    MediaInfo mi = {.format = "mp3", .codec = "mp3", .tags = tags, .n_tags = 1};
    Track t;
    assert_int_equal(library_tags_normalize(&mi, &rules, a, &t), 0);
    assert_string_equal(joined(a, t.artists, t.n_artists), "A|B|C / D");
    /* NULL rules: the defaults. */
    assert_int_equal(library_tags_normalize(&mi, NULL, a, &t), 0);
    assert_string_equal(joined(a, t.artists, t.n_artists), "A, B X C|D");
    assert_int_equal(library_tags_rules_parse(a, "", &rules), 0);
    assert_int_equal(rules.n_separators, 0);
    assert_int_equal(library_tags_rules_parse(a, "a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q", &rules),
                     -EINVAL);
    arena_free(a);
}

typedef struct GenreCase {
    const char *kv[MAX_PAIRS];
    const char *genres;
} GenreCase;

static const GenreCase genre_cases[] = {
    {{NULL}, ""},
    {{"genre", "Rock", NULL}, "Rock"},
    {{"genre", "Rock;Pop", NULL}, "Rock|Pop"},
    {{"genre", "Rock / Pop, Jazz ; rock", NULL}, "Rock|Pop|Jazz"},
    {{"genre", "Rock", "GENRE", "Jazz", NULL}, "Rock|Jazz"},
    {{"genre", " ; , / ", NULL}, ""},
    {{"WM/Genre", "Électro", NULL}, "Électro"},
};

static void test_genres(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(genre_cases) / sizeof(genre_cases[0]); i++) {
        Arena *a = arena_new(1 << 20);
        Track t = normalize(a, genre_cases[i].kv);
        printf("# genre case %zu\n", i);
        assert_string_equal(joined(a, t.genres, t.n_genres), genre_cases[i].genres);
        arena_free(a);
    }
}

typedef struct NumberCase {
    const char *kv[MAX_PAIRS];
    int track, track_total, disc, disc_total, year, original_year, bpm;
    const char *release_date;
} NumberCase;

static const NumberCase number_cases[] = {
    {{"track", "3/12", "disc", "1/2", NULL}, 3, 12, 1, 2, 0, 0, 0, ""},
    {{"track", "03", "TRACKTOTAL", "10", "disc", "2", "DISCTOTAL", "3", NULL},
     3,
     10,
     2,
     3,
     0,
     0,
     0,
     ""},
    {{"tracknumber", "7", "TOTALTRACKS", "9", "discnumber", "1", "TOTALDISCS", "4", NULL},
     7,
     9,
     1,
     4,
     0,
     0,
     0,
     ""},
    {{"track", "5 of 8", NULL}, 5, 8, 0, 0, 0, 0, 0, ""},
    {{"track", "99999999999/0", "disc", "-3", NULL}, 0, 0, 0, 0, 0, 0, 0, ""},
    {{"track", "abc", "disc", "1/abc", NULL}, 0, 0, 1, 0, 0, 0, 0, ""},
    {{"track", "0/0", NULL}, 0, 0, 0, 0, 0, 0, 0, ""},
    {{"WM/PartOfSet", "2/3", "WM/TrackNumber", "4", NULL}, 4, 0, 2, 3, 0, 0, 0, ""},
    {{"date", "2004-05-01", "originaldate", "1999", NULL}, 0, 0, 0, 0, 2004, 1999, 0, "2004-05-01"},
    {{"date", "20040501", "ORIGINALYEAR", "1970-01", NULL}, 0, 0, 0, 0, 2004, 1970, 0, "20040501"},
    {{"year", "2010", "TDOR", "1999-01-02", NULL}, 0, 0, 0, 0, 2010, 1999, 0, "2010"},
    {{"date", "01.05.2004", NULL}, 0, 0, 0, 0, 2004, 0, 0, "01.05.2004"},
    {{"date", "12345", NULL}, 0, 0, 0, 0, 0, 0, 0, "12345"},
    {{"date", "0000", NULL}, 0, 0, 0, 0, 0, 0, 0, "0000"},
    {{"date", "abc", NULL}, 0, 0, 0, 0, 0, 0, 0, "abc"},
    {{"bpm", "120", NULL}, 0, 0, 0, 0, 0, 0, 120, ""},
    {{"TBPM", "127.6", NULL}, 0, 0, 0, 0, 0, 0, 128, ""},
    {{"tmpo", "99999999999", NULL}, 0, 0, 0, 0, 0, 0, 0, ""},
    {{"BPM", "-3", NULL}, 0, 0, 0, 0, 0, 0, 0, ""},
    {{"BPM", "fast", NULL}, 0, 0, 0, 0, 0, 0, 0, ""},
};

static void test_numbers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(number_cases) / sizeof(number_cases[0]); i++) {
        const NumberCase *c = &number_cases[i];
        Arena *a = arena_new(1 << 20);
        Track t = normalize(a, c->kv);
        printf("# number case %zu\n", i);
        assert_int_equal(t.track, c->track);
        assert_int_equal(t.track_total, c->track_total);
        assert_int_equal(t.disc, c->disc);
        assert_int_equal(t.disc_total, c->disc_total);
        assert_int_equal(t.year, c->year);
        assert_int_equal(t.original_year, c->original_year);
        assert_int_equal(t.bpm, c->bpm);
        assert_string_equal(t.release_date, c->release_date);
        arena_free(a);
    }
}

typedef struct GainCase {
    const char *kv[MAX_PAIRS];
    double track_gain, track_peak, album_gain, album_peak; /* NAN: absent */
} GainCase;

static const GainCase gain_cases[] = {
    {{NULL}, NAN, NAN, NAN, NAN},
    {{"REPLAYGAIN_TRACK_GAIN", "-6.50 dB", "REPLAYGAIN_TRACK_PEAK", "0.988", NULL},
     -6.5,
     0.988,
     NAN,
     NAN},
    {{"replaygain_album_gain", "+1.2 dB", "replaygain_album_peak", "1.05", NULL},
     NAN,
     NAN,
     1.2,
     1.05},
    {{"REPLAYGAIN_TRACK_GAIN", "-7,25 dB", NULL}, -7.25, NAN, NAN, NAN},
    {{"REPLAYGAIN_TRACK_GAIN", "3", NULL}, 3.0, NAN, NAN, NAN},
    {{"REPLAYGAIN_TRACK_GAIN", "-99 dB", "REPLAYGAIN_TRACK_PEAK", "-1", NULL}, NAN, NAN, NAN, NAN},
    {{"REPLAYGAIN_TRACK_GAIN", "loud", "REPLAYGAIN_TRACK_PEAK", "11", NULL}, NAN, NAN, NAN, NAN},
    {{"REPLAYGAIN_TRACK_GAIN", "1e3", "REPLAYGAIN_ALBUM_GAIN", "nan", NULL}, NAN, NAN, NAN, NAN},
    {{"REPLAYGAIN_TRACK_GAIN", "dB", "REPLAYGAIN_ALBUM_GAIN", "-", NULL}, NAN, NAN, NAN, NAN},
    {{"R128_TRACK_GAIN", "-512", NULL}, 3.0, NAN, NAN, NAN},
    {{"R128_TRACK_GAIN", "-512", "REPLAYGAIN_TRACK_GAIN", "-1 dB", NULL}, -1.0, NAN, NAN, NAN},
};

static void check_gain(double got, double want)
{
    if (isnan(want))
        assert_true(isnan(got));
    else
        assert_true(fabs(got - want) < 1e-9);
}

static void test_replaygain(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(gain_cases) / sizeof(gain_cases[0]); i++) {
        const GainCase *c = &gain_cases[i];
        Arena *a = arena_new(1 << 20);
        Track t = normalize(a, c->kv);
        printf("# gain case %zu\n", i);
        check_gain(t.rg_track_gain, c->track_gain);
        check_gain(t.rg_track_peak, c->track_peak);
        check_gain(t.rg_album_gain, c->album_gain);
        check_gain(t.rg_album_peak, c->album_peak);
        arena_free(a);
    }
}

static void test_mbids(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    const char *kv[] = {"MUSICBRAINZ_TRACKID",
                        "9D444787-3F25-4C16-9261-597B9AB021CC",
                        "MusicBrainz Album Id",
                        "  0c2f5c0e-1c4a-4b6a-9e8c-2f5b8e3e5d7a  ",
                        "MUSICBRAINZ_ARTISTID",
                        "11111111-2222-3333-4444-555555555555;66666666-2222-3333-4444-555555555555",
                        "MUSICBRAINZ_ALBUMARTISTID",
                        "not-a-uuid",
                        "MusicBrainz Release Group Id",
                        "0c2f5c0e-1c4a-4b6a-9e8c-2f5b8e3e5d7ax",
                        "MUSICBRAINZ_RELEASETRACKID",
                        "0c2f5c0e-1c4a-4b6a-9e8c-2f5b8e3e5d7",
                        NULL};
    Track t = normalize(a, kv);
    assert_string_equal(t.mbid_recording, "9d444787-3f25-4c16-9261-597b9ab021cc");
    assert_string_equal(t.mbid_album, "0c2f5c0e-1c4a-4b6a-9e8c-2f5b8e3e5d7a");
    assert_string_equal(t.mbid_artist, "11111111-2222-3333-4444-555555555555");
    assert_string_equal(t.mbid_album_artist, "");
    assert_string_equal(t.mbid_release_group, "");
    assert_string_equal(t.mbid_track, "");
    const char *kv2[] = {"WM/MusicBrainz/Track Id", "9d444787-3f25-4c16-9261-597b9ab021cc",
                         "MusicBrainz Release Track Id", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
                         NULL};
    t = normalize(a, kv2);
    assert_string_equal(t.mbid_recording, "9d444787-3f25-4c16-9261-597b9ab021cc");
    assert_string_equal(t.mbid_track, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    arena_free(a);
}

static void test_other_fields(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    const char *kv[] = {"TITLE",   "  Song  ",     "album",      "Album",      "comment",
                        "Nice",    "LABEL",        "Warp",       "ARTISTSORT", "Beatles, The",
                        "TSO2",    "Various",      "album-sort", "Abbey",      "sort_name",
                        "Song, A", "DISCSUBTITLE", "Side A",     NULL};
    Track t = normalize(a, kv);
    check_strings(&t);
    assert_string_equal(t.title, "Song");
    assert_string_equal(t.album, "Album");
    assert_string_equal(t.comment, "Nice");
    assert_string_equal(t.label, "Warp");
    assert_string_equal(t.sort_artist, "Beatles, The");
    assert_string_equal(t.sort_album_artist, "Various");
    assert_string_equal(t.sort_album, "Abbey");
    assert_string_equal(t.sort_title, "Song, A");
    assert_string_equal(t.disc_subtitle, "Side A");
    assert_string_equal(t.lyrics, "");
    assert_false(t.lyrics_synced);

    const char *kv2[] = {"publisher", "Pub", "lyrics-eng", "[00:01.00]one\n[00:02.00]two", NULL};
    t = normalize(a, kv2);
    assert_string_equal(t.label, "Pub");
    assert_string_equal(t.lyrics, "[00:01.00]one\n[00:02.00]two");
    assert_true(t.lyrics_synced);
    const char *kv3[] = {"UNSYNCEDLYRICS", "line one\r\nline two", NULL};
    t = normalize(a, kv3);
    assert_string_equal(t.lyrics, "line one\nline two");
    assert_false(t.lyrics_synced);
    arena_free(a);
}

static void test_stream_facts(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    MediaInfo mi = {.format = "flac",
                    .codec = "flac",
                    .duration_ms = 1234,
                    .bitrate_kbps = 900,
                    .sample_rate = 96000,
                    .bit_depth = 24,
                    .channels = 2,
                    .has_picture = true};
    Track t;
    assert_int_equal(library_tags_normalize(&mi, NULL, a, &t), 0);
    check_strings(&t);
    assert_string_equal(t.format, "flac");
    assert_int_equal(t.duration_ms, 1234);
    assert_int_equal(t.bitrate_kbps, 900);
    assert_int_equal(t.sample_rate, 96000);
    assert_int_equal(t.bit_depth, 24);
    assert_int_equal(t.channels, 2);
    assert_true(t.has_picture);
    assert_string_equal(t.title, "");
    assert_int_equal(t.n_artists, 0);
    assert_true(isnan(t.rg_track_gain));
    mi.bit_depth = -5;
    mi.duration_ms = -1;
    assert_int_equal(library_tags_normalize(&mi, NULL, a, &t), 0);
    assert_int_equal(t.bit_depth, 0);
    assert_int_equal(t.duration_ms, 0);
    arena_free(a);
}

static void test_absurd_values(void **state)
{
    (void)state;
    Arena *a = arena_new(8 << 20);
    char *big = malloc(5001);
    for (int i = 0; i < 2500; i++)
        memcpy(big + 2 * i, "\xc3\xa9", 2);
    big[5000] = '\0';
    char *seps = malloc(6001);
    for (int i = 0; i < 2000; i++)
        memcpy(seps + 3 * i, " / ", 3);
    seps[6000] = '\0';
    const char *kv[] = {"title",
                        big,
                        "artist",
                        seps,
                        "album",
                        "a\x01\x02"
                        "b\x7f\tc\nd",
                        "genre",
                        "\xff\xfe;\xc3",
                        "comment",
                        "\xe2\x82",
                        "track",
                        "1/0",
                        "lyrics",
                        big,
                        NULL};
    Track t = normalize(a, kv);
    check_strings(&t);
    assert_true(strlen(t.title) <= LIMIT_TAG_BYTES);
    assert_int_equal(strlen(t.title) % 2, 0);
    assert_true(t.n_artists <= 1);
    assert_string_equal(t.album, "ab c d");
    assert_true(t.n_genres >= 1);
    assert_true(strlen(t.comment) >= 3);
    assert_true(strlen(t.lyrics) <= LIMIT_TAG_BYTES);
    assert_int_equal(t.track, 1);
    assert_int_equal(t.track_total, 0);
    free(big);
    free(seps);
    arena_free(a);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    const char *kv[] = {"title", "T", "artist", "A / B", "genre", "x;y", NULL};
    MediaTag tags[3];
    for (size_t i = 0; i < 3; i++) {
        tags[i].key = kv[2 * i];
        tags[i].value = kv[2 * i + 1];
    }
    MediaInfo mi = {.format = "mp3", .codec = "mp3", .tags = tags, .n_tags = 3};
    int ok = 0;
    for (size_t budget = 0; budget < 8192; budget += 64) {
        Arena *a = arena_new(budget);
        Track t = {.title = "untouched"};
        int r = library_tags_normalize(&mi, NULL, a, &t);
        assert_true(r == 0 || r == -ENOMEM);
        if (r < 0)
            assert_string_equal(t.title, "untouched");
        else
            ok = 1;
        arena_free(a);
    }
    assert_true(ok);
}

static void test_clean(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 16);
    const char raw[] = " \t a\0b\x01"
                       "c\td\ne\x7f \r\n";
    assert_string_equal(library_tags_clean(a, raw, sizeof(raw) - 1, false), "abc d e");
    assert_string_equal(library_tags_clean(a, raw, sizeof(raw) - 1, true), "abc d\ne");
    assert_string_equal(library_tags_clean(a, "Caf\xe9", 4, false), "Caf\xef\xbf\xbd");
    assert_string_equal(library_tags_clean(a, "abcdef", 3, false), "abc"); /* only len */
    assert_string_equal(library_tags_clean(a, " \t ", 3, false), "");
    char *big = malloc(LIMIT_TAG_BYTES + 100);
    assert_non_null(big);
    memset(big, 'x', LIMIT_TAG_BYTES + 100);
    const char *cut = library_tags_clean(a, big, LIMIT_TAG_BYTES + 100, false);
    assert_int_equal(strlen(cut), LIMIT_TAG_BYTES);
    free(big);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_custom_separators),
        cmocka_unit_test(test_genres),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_replaygain),
        cmocka_unit_test(test_mbids),
        cmocka_unit_test(test_other_fields),
        cmocka_unit_test(test_stream_facts),
        cmocka_unit_test(test_absurd_values),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
