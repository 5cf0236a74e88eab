/*
 * probe_tool.c - developer tool for tests/integration/tags.test.mjs, not a test.
 *
 * Runs media_probe() and library_tags_normalize() (default separators) on every path given
 * and prints one JSON object per line: {"path", "error"} or {"path", "tags", "track"}.
 * Single-threaded.
 */
#include "core/err.h"
#include "library/library_tags.h"
#include "media/media_probe.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void tool_str(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void tool_key_str(const char *key, const char *value)
{
    printf(",\"%s\":", key);
    tool_str(value);
}

static void tool_list(const char *key, const char *const *items, size_t n)
{
    printf(",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            putchar(',');
        tool_str(items[i]);
    }
    putchar(']');
}

static void tool_num(const char *key, double v)
{
    if (isnan(v))
        printf(",\"%s\":null", key);
    else
        printf(",\"%s\":%.6g", key, v);
}

static void tool_track(const Track *t)
{
    printf("{\"format\":");
    tool_str(t->format);
    tool_key_str("codec", t->codec);
    printf(",\"duration_ms\":%lld,\"bitrate_kbps\":%d,\"sample_rate\":%d,\"bit_depth\":%d,"
           "\"channels\":%d",
           (long long)t->duration_ms, t->bitrate_kbps, t->sample_rate, t->bit_depth, t->channels);
    tool_key_str("title", t->title);
    tool_key_str("artist", t->artist);
    tool_list("artists", t->artists, t->n_artists);
    tool_key_str("album", t->album);
    tool_key_str("album_artist", t->album_artist);
    tool_list("album_artists", t->album_artists, t->n_album_artists);
    tool_key_str("sort_title", t->sort_title);
    tool_key_str("sort_artist", t->sort_artist);
    tool_key_str("sort_album", t->sort_album);
    tool_key_str("sort_album_artist", t->sort_album_artist);
    printf(",\"track\":%d,\"track_total\":%d,\"disc\":%d,\"disc_total\":%d", t->track,
           t->track_total, t->disc, t->disc_total);
    tool_key_str("disc_subtitle", t->disc_subtitle);
    printf(",\"year\":%d,\"original_year\":%d", t->year, t->original_year);
    tool_key_str("release_date", t->release_date);
    printf(",\"compilation\":%s", t->compilation ? "true" : "false");
    tool_list("genres", t->genres, t->n_genres);
    tool_key_str("mbid_track", t->mbid_track);
    tool_key_str("mbid_recording", t->mbid_recording);
    tool_key_str("mbid_album", t->mbid_album);
    tool_key_str("mbid_artist", t->mbid_artist);
    tool_key_str("mbid_album_artist", t->mbid_album_artist);
    tool_key_str("mbid_release_group", t->mbid_release_group);
    tool_num("rg_track_gain", t->rg_track_gain);
    tool_num("rg_track_peak", t->rg_track_peak);
    tool_num("rg_album_gain", t->rg_album_gain);
    tool_num("rg_album_peak", t->rg_album_peak);
    tool_key_str("comment", t->comment);
    tool_key_str("lyrics", t->lyrics);
    printf(",\"lyrics_synced\":%s,\"bpm\":%d", t->lyrics_synced ? "true" : "false", t->bpm);
    tool_key_str("label", t->label);
    printf(",\"has_picture\":%s}", t->has_picture ? "true" : "false");
}

int main(int argc, char **argv)
{
    media_init();
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        Arena *arena = arena_new(16 * 1024 * 1024);
        MediaInfo mi;
        Track t;
        printf("{\"path\":");
        tool_str(argv[i]);
        int r = arena ? media_probe(argv[i], arena, &mi) : -ENOMEM;
        if (r == 0)
            r = library_tags_normalize(&mi, NULL, arena, &t);
        if (r < 0) {
            tool_key_str("error", err_str(r));
            failed = 1;
        } else {
            printf(",\"tags\":[");
            for (size_t k = 0; k < mi.n_tags; k++) {
                printf(k ? ",[" : "[");
                tool_str(mi.tags[k].key);
                putchar(',');
                tool_str(mi.tags[k].value);
                putchar(']');
            }
            printf("],\"track\":");
            tool_track(&t);
        }
        printf("}\n");
        arena_free(arena);
    }
    return failed;
}
