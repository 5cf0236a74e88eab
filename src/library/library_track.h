/*
 * library_track.h - one audio file's metadata, normalised across formats.
 *
 * library_tags.c fills a Track from what media_probe() read (raw tag pairs and stream
 * facts); the scanner writes it to the database. Every string is Arena-owned, valid UTF-8,
 * trimmed and at most LIMIT_TAG_BYTES long; "" when absent, never NULL. Numbers are 0 when
 * absent; ReplayGain values are NAN when absent. Plain data: any thread.
 */
#ifndef SWAZ_LIBRARY_TRACK_H
#define SWAZ_LIBRARY_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Track {
    /* Stream facts. */
    const char *format; /* mp3, flac, ogg, opus, m4a, wav, aiff, wma, ape, wv, dsf, ... */
    const char *codec;  /* mp3, flac, vorbis, opus, aac, alac, pcm_s16le, wmav2, ... */
    int64_t duration_ms;
    int bitrate_kbps;
    int sample_rate;
    int bit_depth; /* 0 for lossy codecs */
    int channels;

    /* Names. `artist` and `album_artist` are the display strings as tagged (or joined);
     * `artists` / `album_artists` the individual names after multi-value tags or splitting.
     * A compilation without album artist gets album_artist "Various Artists". */
    const char *title;
    const char *artist;
    const char *const *artists;
    size_t n_artists;
    const char *album;
    const char *album_artist;
    const char *const *album_artists;
    size_t n_album_artists;

    /* Sort-name tags as found (TITLESORT, ARTISTSORT, ALBUMSORT, ALBUMARTISTSORT). */
    const char *sort_title;
    const char *sort_artist;
    const char *sort_album;
    const char *sort_album_artist;

    /* Position and release. */
    int track;
    int track_total;
    int disc;
    int disc_total;
    const char *disc_subtitle;
    int year;
    int original_year;
    const char *release_date; /* as tagged, e.g. "2004-05-01" or "2004" */
    bool compilation;

    /* Genres, split on the multi-value tag or on ';', '/', ',' (each trimmed, unique). */
    const char *const *genres;
    size_t n_genres;

    /* MusicBrainz ids (lowercase UUIDs). */
    const char *mbid_track; /* release track id */
    const char *mbid_recording;
    const char *mbid_album;
    const char *mbid_artist;
    const char *mbid_album_artist;
    const char *mbid_release_group;

    /* ReplayGain in dB and linear peaks; NAN when absent. */
    double rg_track_gain;
    double rg_track_peak;
    double rg_album_gain;
    double rg_album_peak;

    /* Other tags. */
    const char *comment;
    const char *lyrics; /* embedded; the scanner prefers a sibling .lrc file */
    bool lyrics_synced; /* lyrics hold LRC time tags */
    int bpm;
    const char *label;

    bool has_picture; /* an embedded picture exists */
} Track;

#endif
