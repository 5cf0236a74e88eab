/* subsonic_items.c - Child, AlbumID3 and ArtistID3 from library rows. */
#include "api/subsonic/subsonic_items.h"

#include "api/native/native_users.h"
#include "core/limits.h"
#include "library/library_annotate.h"
#include "media/media_probe.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

_Static_assert(offsetof(Song, id) == 0 && offsetof(Album, id) == 0 && offsetof(Artist, id) == 0,
               "subsonic_items_user_data() reads the id at the start of each row");

const LibraryScope *subsonic_items_scope(const SubsonicCall *call)
{
    return native_users_scope(call->req);
}

int subsonic_items_folder_scope(SubsonicCall *call, const LibraryScope **ret_scope)
{
    const LibraryScope *scope = subsonic_items_scope(call);
    int64_t id;
    int r = subsonic_param_int(call, "musicFolderId", -1, 0, INT64_MAX, &id);
    if (r < 0)
        return r;
    if (id >= 0) {
        Folder *roots;
        size_t n;
        if ((r = library_browse_roots_scoped(call->conn, call->req->arena, scope, &roots, &n)) < 0)
            return r;
        size_t i = 0;
        while (i < n && roots[i].library_id != id)
            i++;
        if (i == n)
            return subsonic_fail(call, SUBSONIC_ERR_NOT_FOUND, "No such music folder");
        LibraryScope *one = arena_calloc(call->req->arena, 1, sizeof(*one));
        int64_t *ids = arena_alloc(call->req->arena, sizeof(*ids));
        if (!one || !ids)
            return -ENOMEM;
        *ids = id;
        one->ids = ids;
        one->n = 1;
        scope = one;
    }
    *ret_scope = scope;
    return 0;
}

/* Reads the caller's stars, ratings and play counts of the `n` rows at `rows`, `stride`
 * bytes apart, each starting with its id (Song, Album and Artist all do), into `a`. */
static int subsonic_items_user_data(SubsonicCall *call, Arena *a, AnnotateKind kind,
                                    const void *rows, size_t stride, size_t n,
                                    AnnotateUserData **ret_data)
{
    const char **ids = arena_alloc(a, (n ? n : 1) * sizeof(*ids));
    AnnotateUserData *data = arena_alloc(a, (n ? n : 1) * sizeof(*data));
    if (!ids || !data)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        ids[i] = *(const char *const *)((const char *)rows + i * stride);
    if (!call->user) {
        memset(data, 0, (n ? n : 1) * sizeof(*data));
        *ret_data = data;
        return 0;
    }
    int r = library_annotate_user_data(call->conn, a, call->user->user_id, kind, ids, n, data);
    if (r < 0)
        return r;
    *ret_data = data;
    return 0;
}

/* The node array handed back to callers that add children. */
static int subsonic_items_nodes(Arena *a, size_t n, SubsonicNode ***ret_nodes)
{
    if (!ret_nodes)
        return 0;
    *ret_nodes = arena_calloc(a, n ? n : 1, sizeof(**ret_nodes));
    return *ret_nodes ? 0 : -ENOMEM;
}

/* What one user set, as the Subsonic fields starred, userRating (and played for ext). */
static void subsonic_items_annotations(SubsonicNode *n, const AnnotateUserData *d)
{
    subsonic_time(n, "starred", d->starred_at);
    if (d->rating)
        subsonic_int(n, "userRating", d->rating);
}

/* Items {id?, name} of `refs` as the list `elem` (OpenSubsonic genres / artists). */
static void subsonic_items_refs(SubsonicNode *n, const char *elem, const LibraryRefs *refs,
                                bool with_id)
{
    subsonic_list(n, elem);
    for (size_t i = 0; i < refs->n; i++) {
        SubsonicNode *r = subsonic_item(n, elem);
        if (with_id)
            subsonic_str(r, "id", refs->items[i].id);
        subsonic_str(r, "name", refs->items[i].name);
    }
}

static const char *subsonic_items_opt(const char *s)
{
    return s && *s ? s : NULL;
}

/* The file name extension of `path` in lower case, else `fallback`. Arena-owned. */
static const char *subsonic_items_suffix(Arena *a, const char *path, const char *fallback)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || strchr(dot, '/') || !dot[1] || strlen(dot + 1) > 8)
        return fallback;
    char *s = arena_strdup(a, dot + 1);
    for (char *p = s; p && *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    }
    return s ? s : fallback;
}

static void subsonic_items_write_song(SubsonicCall *call, SubsonicNode *c, const Song *s,
                                      const AnnotateUserData *d)
{
    subsonic_str(c, "id", s->id);
    subsonic_str(c, "parent", subsonic_items_opt(s->folder_id));
    subsonic_bool(c, "isDir", false);
    subsonic_str(c, "title", s->title);
    subsonic_str(c, "album", s->album);
    subsonic_str(c, "artist", s->artist);
    if (s->track)
        subsonic_int(c, "track", s->track);
    if (s->year)
        subsonic_int(c, "year", s->year);
    subsonic_str(c, "genre", subsonic_items_opt(s->genre));
    subsonic_str(c, "coverArt", s->cover_id);
    subsonic_int(c, "size", s->size);
    subsonic_str(c, "contentType", media_content_type(s->format));
    subsonic_str(c, "suffix", subsonic_items_suffix(call->req->arena, s->path, s->format));
    subsonic_int(c, "duration", (s->duration_ms + 500) / 1000);
    subsonic_int(c, "bitRate", s->bitrate);
    subsonic_str(c, "path", s->path);
    subsonic_bool(c, "isVideo", false);
    subsonic_int(c, "playCount", d->play_count);
    if (s->disc)
        subsonic_int(c, "discNumber", s->disc);
    subsonic_time(c, "created", s->created_at);
    subsonic_str(c, "albumId", subsonic_items_opt(s->album_id));
    subsonic_str(c, "artistId", subsonic_items_opt(s->artist_id));
    subsonic_str(c, "type", "music");
    subsonic_items_annotations(c, d);

    SubsonicNode *x = subsonic_ext(c);
    subsonic_time(x, "played", d->last_played_at);
    if (s->bit_depth)
        subsonic_int(x, "bitDepth", s->bit_depth);
    subsonic_int(x, "samplingRate", s->sample_rate);
    subsonic_int(x, "channelCount", s->channels);
    subsonic_str(x, "mediaType", "song");
    if (s->bpm)
        subsonic_int(x, "bpm", s->bpm);
    subsonic_str(x, "comment", subsonic_items_opt(s->comment));
    subsonic_str(x, "musicBrainzId", subsonic_items_opt(s->mbid_recording));
    subsonic_str(x, "sortName", subsonic_items_opt(s->sort_title));
    subsonic_items_refs(x, "genres", &s->genres, false);
    subsonic_items_refs(x, "artists", &s->artists, true);
    subsonic_str(x, "displayArtist", s->artist);
    subsonic_items_refs(x, "albumArtists", &s->album_artists, true);
    subsonic_str(x, "displayAlbumArtist", s->album_artist);
    if (s->has_rg_track_gain || s->has_rg_album_gain || s->has_rg_track_peak ||
        s->has_rg_album_peak) {
        SubsonicNode *rg = subsonic_child(x, "replayGain");
        if (s->has_rg_track_gain)
            subsonic_float(rg, "trackGain", s->rg_track_gain);
        if (s->has_rg_album_gain)
            subsonic_float(rg, "albumGain", s->rg_album_gain);
        if (s->has_rg_track_peak)
            subsonic_float(rg, "trackPeak", s->rg_track_peak);
        if (s->has_rg_album_peak)
            subsonic_float(rg, "albumPeak", s->rg_album_peak);
    }
}

/* An ItemDate {year, month, day} from "YYYY[-MM[-DD]]" (nothing when it does not parse). */
static void subsonic_items_date(SubsonicNode *n, const char *key, const char *date, int64_t year)
{
    int y = 0, m = 0, d = 0;
    if (date && *date && sscanf(date, "%4d-%2d-%2d", &y, &m, &d) < 1)
        y = 0;
    if (!y)
        y = (int)year;
    if (!y)
        return;
    SubsonicNode *o = subsonic_child(n, key);
    subsonic_int(o, "year", y);
    if (m >= 1 && m <= 12)
        subsonic_int(o, "month", m);
    if (m >= 1 && m <= 12 && d >= 1 && d <= 31)
        subsonic_int(o, "day", d);
}

static void subsonic_items_write_album(SubsonicNode *c, const Album *al, const AnnotateUserData *d,
                                       bool as_dir)
{
    subsonic_str(c, "id", al->id);
    if (as_dir) {
        subsonic_str(c, "parent", al->artist_id);
        subsonic_bool(c, "isDir", true);
        subsonic_str(c, "title", al->name);
        subsonic_str(c, "album", al->name);
    }
    subsonic_str(c, "name", al->name);
    subsonic_str(c, "artist", al->artist);
    subsonic_str(c, "artistId", al->artist_id);
    subsonic_str(c, "coverArt", al->cover_id);
    subsonic_int(c, "songCount", al->song_count);
    subsonic_int(c, "duration", (al->duration_ms + 500) / 1000);
    subsonic_int(c, "playCount", d->play_count);
    subsonic_time(c, "created", al->created_at);
    if (al->year)
        subsonic_int(c, "year", al->year);
    if (al->genres.n)
        subsonic_str(c, "genre", al->genres.items[0].name);
    subsonic_items_annotations(c, d);
    SubsonicNode *x = subsonic_ext(c);
    subsonic_time(x, "played", d->last_played_at);
    subsonic_items_refs(x, "genres", &al->genres, false);
    subsonic_items_refs(x, "artists", &al->artists, true);
    subsonic_str(x, "displayArtist", al->artist);
    subsonic_str(x, "musicBrainzId", al->mbid);
    subsonic_str(x, "sortName", subsonic_items_opt(al->sort_name));
    subsonic_bool(x, "isCompilation", al->compilation);
    subsonic_items_date(x, "originalReleaseDate", NULL, al->original_year);
    subsonic_items_date(x, "releaseDate", al->release_date, al->year);
}

static void subsonic_items_write_artist(SubsonicNode *c, const Artist *ar,
                                        const AnnotateUserData *d)
{
    subsonic_str(c, "id", ar->id);
    subsonic_str(c, "name", ar->name);
    subsonic_str(c, "coverArt", ar->image_id);
    subsonic_int(c, "albumCount", ar->album_count);
    subsonic_items_annotations(c, d);
    SubsonicNode *x = subsonic_ext(c);
    subsonic_str(x, "musicBrainzId", subsonic_items_opt(ar->mbid));
    subsonic_str(x, "sortName", subsonic_items_opt(ar->sort_name));
}

/* Adds `n` rows of `kind` (Song, Album or Artist, each with its id first) as list items or,
 * with `list` false, as single children named `elem`. What is read per row lives in the
 * arena of `parent`'s document, which may be a scratch one (getArtists). */
static int subsonic_items_add(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                              AnnotateKind kind, const void *rows, size_t n, bool as_dir, bool list,
                              SubsonicNode ***ret_nodes)
{
    size_t stride = kind == ANNOTATE_SONG    ? sizeof(Song)
                    : kind == ANNOTATE_ALBUM ? sizeof(Album)
                                             : sizeof(Artist);
    Arena *a = parent ? subsonic_node_arena(parent) : call->req->arena;
    AnnotateUserData *d;
    int r = subsonic_items_user_data(call, a, kind, rows, stride, n, &d);
    if (r < 0 || (r = subsonic_items_nodes(a, n, ret_nodes)) < 0)
        return r;
    if (list)
        subsonic_list(parent, elem);
    for (size_t i = 0; i < n; i++) {
        SubsonicNode *c = list ? subsonic_item(parent, elem) : subsonic_child(parent, elem);
        const void *row = (const char *)rows + i * stride;
        if (kind == ANNOTATE_SONG)
            subsonic_items_write_song(call, c, row, &d[i]);
        else if (kind == ANNOTATE_ALBUM)
            subsonic_items_write_album(c, row, &d[i], as_dir);
        else
            subsonic_items_write_artist(c, row, &d[i]);
        if (ret_nodes)
            (*ret_nodes)[i] = c;
    }
    return 0;
}

/* One row as a single child; *ret_node (may be NULL) receives it. */
static int subsonic_items_one(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                              AnnotateKind kind, const void *row, SubsonicNode **ret_node)
{
    SubsonicNode **nodes;
    int r = subsonic_items_add(call, parent, elem, kind, row, 1, false, false, &nodes);
    if (r == 0 && ret_node)
        *ret_node = nodes[0];
    return r;
}

int subsonic_items_songs(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                         const Song *songs, size_t n, SubsonicNode ***ret_nodes)
{
    return subsonic_items_add(call, parent, elem, ANNOTATE_SONG, songs, n, false, true, ret_nodes);
}

int subsonic_items_song_ids(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                            const char *const *ids, size_t n)
{
    subsonic_list(parent, elem);
    for (size_t at = 0; at < n; at += LIMIT_PAGE_MAX) {
        size_t len = n - at < LIMIT_PAGE_MAX ? n - at : LIMIT_PAGE_MAX;
        Song *songs;
        size_t count;
        int r = library_song_by_ids_scoped(call->conn, call->req->arena, subsonic_items_scope(call),
                                           ids + at, len, &songs, &count);
        if (r < 0 || (r = subsonic_items_songs(call, parent, elem, songs, count, NULL)) < 0)
            return r;
    }
    return 0;
}

int subsonic_items_albums(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                          const Album *albums, size_t n, bool as_dir, SubsonicNode ***ret_nodes)
{
    return subsonic_items_add(call, parent, elem, ANNOTATE_ALBUM, albums, n, as_dir, true,
                              ret_nodes);
}

int subsonic_items_artists(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                           const Artist *artists, size_t n, SubsonicNode ***ret_nodes)
{
    return subsonic_items_add(call, parent, elem, ANNOTATE_ARTIST, artists, n, false, true,
                              ret_nodes);
}

int subsonic_items_song(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                        const Song *song, SubsonicNode **ret_node)
{
    return subsonic_items_one(call, parent, elem, ANNOTATE_SONG, song, ret_node);
}

int subsonic_items_album(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                         const Album *album, SubsonicNode **ret_node)
{
    return subsonic_items_one(call, parent, elem, ANNOTATE_ALBUM, album, ret_node);
}

int subsonic_items_artist(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                          const Artist *artist, SubsonicNode **ret_node)
{
    return subsonic_items_one(call, parent, elem, ANNOTATE_ARTIST, artist, ret_node);
}
