/*
 * fuzz_library_tags.c - libFuzzer target for library_tags_normalize.
 *
 * The input is split on '\n' into "key=value" pairs (at most MEDIA_PROBE_MAX_TAGS), as
 * media_probe() would hand them over, and normalised with the default separators. Checks
 * that every string of the Track is non-NULL, valid UTF-8 and at most LIMIT_TAG_BYTES.
 */
#include "core/limits.h"
#include "core/utf8.h"
#include "library/library_tags.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(const char *s)
{
    if (!s || strlen(s) > LIMIT_TAG_BYTES || !utf8_valid(s, strlen(s)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Arena *arena = arena_new(64 * 1024 * 1024);
    MediaTag *tags = calloc(MEDIA_PROBE_MAX_TAGS, sizeof(*tags));
    char *copy = malloc(size + 1);
    if (!arena || !tags || !copy)
        goto out;
    memcpy(copy, data, size);
    copy[size] = '\0';
    size_t n = 0;
    char *line = copy;
    while (line && n < MEDIA_PROBE_MAX_TAGS) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *eq = strchr(line, '=');
        if (eq) {
            *eq = '\0';
            tags[n].key = line;
            tags[n].value = eq + 1;
            n++;
        }
        line = nl ? nl + 1 : NULL;
    }
    MediaInfo mi = {.format = "flac", .codec = "flac", .tags = tags, .n_tags = n};
    LibraryTagRules rules;
    if (library_tags_rules_parse(arena, " / |; | feat. | ft. ", &rules) != 0)
        abort();
    Track t;
    int r = library_tags_normalize(&mi, &rules, arena, &t);
    if (r == 0) {
        const char *all[] = {t.format,
                             t.codec,
                             t.title,
                             t.artist,
                             t.album,
                             t.album_artist,
                             t.sort_title,
                             t.sort_artist,
                             t.sort_album,
                             t.sort_album_artist,
                             t.disc_subtitle,
                             t.release_date,
                             t.mbid_track,
                             t.mbid_recording,
                             t.mbid_album,
                             t.mbid_artist,
                             t.mbid_album_artist,
                             t.mbid_release_group,
                             t.comment,
                             t.lyrics,
                             t.label};
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
            fuzz_check(all[i]);
        for (size_t i = 0; i < t.n_artists; i++)
            fuzz_check(t.artists[i]);
        for (size_t i = 0; i < t.n_album_artists; i++)
            fuzz_check(t.album_artists[i]);
        for (size_t i = 0; i < t.n_genres; i++)
            fuzz_check(t.genres[i]);
        if (t.track < 0 || t.disc < 0 || t.year < 0 || t.bpm < 0 || t.track_total < 0)
            abort();
        if (!isnan(t.rg_track_gain) && (t.rg_track_gain > 60.0 || t.rg_track_gain < -60.0))
            abort();
        if (!isnan(t.rg_track_peak) && (t.rg_track_peak < 0.0 || t.rg_track_peak > 10.0))
            abort();
    } else if (r != -ENOMEM) {
        abort();
    }
out:
    free(copy);
    free(tags);
    arena_free(arena);
    return 0;
}
