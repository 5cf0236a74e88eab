/* subsonic_browse.c - the browsing methods of the Subsonic API, over library_browse. */
#include "api/subsonic/subsonic_browse.h"

#include "api/subsonic/subsonic_items.h"
#include "core/limits.h"
#include "library/library_history.h"
#include "library/library_search.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Leading articles left out when an artist is put under its index letter (and told to
 * clients as ignoredArticles). */
#define SUBSONIC_BROWSE_ARTICLES "The El La Los Las Le Les"

int subsonic_browse_folders(SubsonicCall *call)
{
    Folder *roots;
    size_t n;
    int r = library_browse_roots_scoped(call->conn, call->req->arena, subsonic_items_scope(call),
                                        &roots, &n);
    if (r < 0)
        return r;
    SubsonicNode *list = subsonic_child(call->root, "musicFolders");
    subsonic_list(list, "musicFolder");
    for (size_t i = 0; i < n; i++) {
        SubsonicNode *f = subsonic_item(list, "musicFolder");
        subsonic_int(f, "id", roots[i].library_id);
        subsonic_str(f, "name", roots[i].name);
    }
    return 0;
}

/* The index letter of a name: its first ASCII letter upper-cased, else "#", after a leading
 * article of SUBSONIC_BROWSE_ARTICLES ("The Beatles" is under B, as the list is sorted). */
static char subsonic_browse_letter(const char *name)
{
    const char *articles = SUBSONIC_BROWSE_ARTICLES;
    while (name && *articles) {
        size_t k = strcspn(articles, " ");
        if (strncasecmp(name, articles, k) == 0 && name[k] == ' ' && name[k + 1]) {
            name += k + 1;
            break;
        }
        articles += k + (articles[k] == ' ');
    }
    unsigned char c = name ? (unsigned char)name[0] : 0;
    if (c >= 'a' && c <= 'z')
        return (char)(c - 'a' + 'A');
    return c >= 'A' && c <= 'Z' ? (char)c : '#';
}

/* The letters of the index in order: '#' first, then A..Z. */
static const char subsonic_browse_letters[] = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ";
#define SUBSONIC_BROWSE_LETTERS (sizeof(subsonic_browse_letters) - 1)

/* Reads the page of artists after *cursor in `scratch`, writes each as text to the run of
 * its letter and moves *cursor on (NULL after the last page; a scratch string). */
static int subsonic_browse_index_page(SubsonicCall *call, const LibraryScope *scope, Arena *scratch,
                                      SubsonicRun **runs, const char **cursor)
{
    Artist *artists;
    size_t n;
    SubsonicNode **nodes;
    int r = library_browse_artists_scoped(call->conn, scratch, scope, *cursor, LIMIT_PAGE_MAX,
                                          &artists, &n, cursor);
    if (r < 0)
        return r;
    SubsonicDoc *page = subsonic_doc_new(scratch, NULL, subsonic_doc_legacy(call->doc));
    if (!page)
        return -ENOMEM;
    r = subsonic_items_artists(call, subsonic_doc_root(page), "artist", artists, n, &nodes);
    for (size_t i = 0; i < n && r == 0; i++) {
        const char *l = strchr(subsonic_browse_letters, subsonic_browse_letter(artists[i].name));
        r = subsonic_run_add(runs[l - subsonic_browse_letters], nodes[i]);
    }
    return r;
}

/* The element `elem` of an index answer, without its indexes. */
static SubsonicNode *subsonic_browse_index_top(SubsonicCall *call, const char *elem,
                                               bool with_modified, int64_t modified)
{
    SubsonicNode *top = subsonic_child(call->root, elem);
    subsonic_str(top, "ignoredArticles", SUBSONIC_BROWSE_ARTICLES);
    if (with_modified)
        subsonic_int(top, "lastModified", modified);
    return top;
}

/* indexes / artists: every visible artist grouped under index{name} by letter (ArtistID3
 * items, a superset of the folder-style Artist), in sort order inside each; getIndexes also
 * has lastModified, the time the library last changed (db_generation_changed_at()), and
 * leaves the indexes out when that is not after ifModifiedSince. Too many for the tree at a
 * million songs: each keyset page is read and written to the run of its letter in a scratch
 * arena freed at once, so the request holds the answer's text (at most
 * LIMIT_SUBSONIC_RUN_BYTES) and not a node per artist. */
static int subsonic_browse_index(SubsonicCall *call, const char *elem, bool with_modified)
{
    const LibraryScope *scope;
    SubsonicRun *runs[SUBSONIC_BROWSE_LETTERS];
    int64_t modified = 0, since = -1;
    int r = subsonic_items_folder_scope(call, &scope);
    if (r < 0 ||
        (with_modified &&
         ((r = subsonic_param_int(call, "ifModifiedSince", -1, INT64_MIN, INT64_MAX, &since)) < 0 ||
          (r = db_generation_changed_at(call->conn, DB_GENERATION_LIBRARY, &modified)) < 0)))
        return r;
    if (with_modified && modified <= since) { /* the client's copy is current */
        subsonic_browse_index_top(call, elem, with_modified, modified);
        return 0;
    }
    for (size_t i = 0; i < SUBSONIC_BROWSE_LETTERS; i++) {
        if (!(runs[i] = subsonic_run_new(call->doc, call->format)))
            return -ENOMEM;
    }
    Arena *prev = NULL; /* the last page's scratch, holding the cursor */
    const char *cursor = NULL;
    do {
        Arena *scratch = arena_new(LIMIT_SUBSONIC_INDEX_PAGE_BYTES);
        if (!scratch || (cursor && !(cursor = arena_strdup(scratch, cursor))))
            r = -ENOMEM;
        arena_free(prev);
        prev = scratch;
        if (r == 0)
            r = subsonic_browse_index_page(call, scope, scratch, runs, &cursor);
    } while (r == 0 && cursor);
    arena_free(prev);
    if (r == ERR_LIMIT)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Too many artists; use search3");
    if (r < 0)
        return r;
    SubsonicNode *top = subsonic_browse_index_top(call, elem, with_modified, modified);
    subsonic_list(top, "index");
    for (size_t i = 0; i < SUBSONIC_BROWSE_LETTERS; i++) {
        if (subsonic_run_count(runs[i]) == 0)
            continue;
        SubsonicNode *idx = subsonic_item(top, "index");
        subsonic_str(idx, "name", arena_strndup(call->req->arena, &subsonic_browse_letters[i], 1));
        subsonic_run_attach(idx, "artist", runs[i]);
    }
    return 0;
}

int subsonic_browse_indexes(SubsonicCall *call)
{
    return subsonic_browse_index(call, "indexes", true);
}

int subsonic_browse_artists(SubsonicCall *call)
{
    return subsonic_browse_index(call, "artists", false);
}

/* getMusicDirectory for a real folder: subfolders as directory children, then songs. */
static int subsonic_browse_real_folder(SubsonicCall *call, const char *id)
{
    Arena *a = call->req->arena;
    SubsonicNode *dir = NULL;
    const char *cursor = NULL;
    size_t total = 0;
    do {
        Folder folder;
        FolderEntry *items;
        size_t n;
        int r = library_browse_folder_scoped(call->conn, a, subsonic_items_scope(call), id, cursor,
                                             LIMIT_PAGE_MAX, &folder, &items, &n, &cursor);
        if (r < 0)
            return r;
        if ((total += n) > LIMIT_SUBSONIC_DIRECTORY_ENTRIES)
            return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Too many entries in this folder");
        if (!dir) {
            dir = subsonic_child(call->root, "directory");
            subsonic_str(dir, "id", folder.id);
            subsonic_str(dir, "parent", folder.parent_id);
            subsonic_str(dir, "name", folder.name);
            subsonic_list(dir, "child");
        }
        Song *songs = arena_alloc(a, (n ? n : 1) * sizeof(*songs));
        if (!songs)
            return -ENOMEM;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (items[i].song) {
                songs[k++] = *items[i].song;
                continue;
            }
            const Folder *f = items[i].folder;
            SubsonicNode *c = subsonic_item(dir, "child");
            subsonic_str(c, "id", f->id);
            subsonic_str(c, "parent", f->parent_id);
            subsonic_bool(c, "isDir", true);
            subsonic_str(c, "title", f->name);
            subsonic_str(c, "coverArt", f->cover_id);
        }
        if ((r = subsonic_items_songs(call, dir, "child", songs, k, NULL)) < 0)
            return r;
    } while (cursor);
    return 0;
}

int subsonic_browse_directory(SubsonicCall *call)
{
    const char *id;
    int r = subsonic_param_required(call, "id", &id);
    if (r < 0)
        return r;
    r = subsonic_browse_real_folder(call, id);
    if (r != -ENOENT)
        return r;
    /* an album id: its songs; an artist id: its albums (as Navidrome does) */
    Arena *a = call->req->arena;
    Album album;
    Song *songs;
    size_t n;
    r = library_browse_album_scoped(call->conn, a, subsonic_items_scope(call), id, &album, &songs,
                                    &n);
    if (r == 0) {
        SubsonicNode *dir = subsonic_child(call->root, "directory");
        subsonic_str(dir, "id", album.id);
        subsonic_str(dir, "parent", album.artist_id);
        subsonic_str(dir, "name", album.name);
        return subsonic_items_songs(call, dir, "child", songs, n, NULL);
    }
    if (r != -ENOENT)
        return r;
    Artist artist;
    Album *albums;
    r = library_browse_artist_scoped(call->conn, a, subsonic_items_scope(call), id, &artist,
                                     &albums, &n);
    if (r < 0)
        return r;
    SubsonicNode *dir = subsonic_child(call->root, "directory");
    subsonic_str(dir, "id", artist.id);
    subsonic_str(dir, "name", artist.name);
    return subsonic_items_albums(call, dir, "child", albums, n, true, NULL);
}

int subsonic_browse_genres(SubsonicCall *call)
{
    SubsonicNode *list = subsonic_child(call->root, "genres");
    subsonic_list(list, "genre");
    const char *cursor = NULL;
    do {
        Genre *genres;
        size_t n;
        int r =
            library_browse_genres_scoped(call->conn, call->req->arena, subsonic_items_scope(call),
                                         cursor, LIMIT_PAGE_MAX, &genres, &n, &cursor);
        if (r < 0)
            return r;
        for (size_t i = 0; i < n; i++) {
            SubsonicNode *g = subsonic_item(list, "genre");
            subsonic_int(g, "songCount", genres[i].song_count);
            subsonic_int(g, "albumCount", genres[i].album_count);
            subsonic_text(g, genres[i].name);
        }
    } while (cursor);
    return 0;
}

int subsonic_browse_artist(SubsonicCall *call)
{
    const char *id;
    Artist artist;
    Album *albums;
    size_t n;
    SubsonicNode *node;
    int r = subsonic_param_required(call, "id", &id);
    if (r < 0 ||
        (r = library_browse_artist_scoped(call->conn, call->req->arena, subsonic_items_scope(call),
                                          id, &artist, &albums, &n)) < 0 ||
        (r = subsonic_items_artist(call, call->root, "artist", &artist, &node)) < 0)
        return r;
    return subsonic_items_albums(call, node, "album", albums, n, false, NULL);
}

int subsonic_browse_album(SubsonicCall *call)
{
    const char *id;
    Album album;
    Song *songs;
    size_t n;
    SubsonicNode *node;
    int r = subsonic_param_required(call, "id", &id);
    if (r < 0 ||
        (r = library_browse_album_scoped(call->conn, call->req->arena, subsonic_items_scope(call),
                                         id, &album, &songs, &n)) < 0 ||
        (r = subsonic_items_album(call, call->root, "album", &album, &node)) < 0)
        return r;
    return subsonic_items_songs(call, node, "song", songs, n, NULL);
}

int subsonic_browse_song(SubsonicCall *call)
{
    const char *id;
    Song song;
    int r = subsonic_param_required(call, "id", &id);
    if (r < 0 || (r = library_song_get_scoped(call->conn, call->req->arena,
                                              subsonic_items_scope(call), id, &song)) < 0)
        return r;
    return subsonic_items_song(call, call->root, "song", &song, NULL);
}

/* getArtistInfo(2): the artist must exist; we hold no biography or similar artists. */
static int subsonic_browse_artist_info_as(SubsonicCall *call, const char *elem)
{
    const char *id;
    Artist artist;
    Album *albums;
    size_t n;
    int r = subsonic_param_required(call, "id", &id);
    if (r < 0 ||
        (r = library_browse_artist_scoped(call->conn, call->req->arena, subsonic_items_scope(call),
                                          id, &artist, &albums, &n)) < 0)
        return r;
    subsonic_list(subsonic_child(call->root, elem), "similarArtist");
    return 0;
}

int subsonic_browse_artist_info(SubsonicCall *call)
{
    return subsonic_browse_artist_info_as(call, "artistInfo");
}

int subsonic_browse_artist_info2(SubsonicCall *call)
{
    return subsonic_browse_artist_info_as(call, "artistInfo2");
}

/* getAlbumInfo(2): the album's MusicBrainz id, when tagged. */
static int subsonic_browse_album_info_as(SubsonicCall *call, const char *elem)
{
    const char *id;
    Album album;
    Song *songs;
    size_t n;
    int r = subsonic_param_required(call, "id", &id);
    if (r < 0 ||
        (r = library_browse_album_scoped(call->conn, call->req->arena, subsonic_items_scope(call),
                                         id, &album, &songs, &n)) < 0)
        return r;
    subsonic_str(subsonic_child(call->root, elem), "musicBrainzId", album.mbid);
    return 0;
}

int subsonic_browse_album_info(SubsonicCall *call)
{
    return subsonic_browse_album_info_as(call, "albumInfo");
}

int subsonic_browse_album_info2(SubsonicCall *call)
{
    return subsonic_browse_album_info_as(call, "albumInfo2");
}

/* The artist behind id (an artist, or the artist of a song or album) and, for a song, that
 * song's id to leave out. Returns 0 or -ENOENT / ERR_DB. */
static int subsonic_browse_seed(SubsonicCall *call, const char *id, const char **ret_artist,
                                const char **ret_skip)
{
    Arena *a = call->req->arena;
    const LibraryScope *scope = subsonic_items_scope(call);
    Song song;
    int r = library_song_get_scoped(call->conn, a, scope, id, &song);
    if (r == 0) {
        *ret_artist = song.artist_id;
        *ret_skip = song.id;
        return 0;
    }
    Album album;
    Song *songs;
    size_t n;
    if (r == -ENOENT &&
        (r = library_browse_album_scoped(call->conn, a, scope, id, &album, &songs, &n)) == 0) {
        *ret_artist = album.artist_id ? album.artist_id : "";
        *ret_skip = "";
        return 0;
    }
    if (r == -ENOENT) {
        *ret_artist = id;
        *ret_skip = "";
        return 0;
    }
    return r;
}

/* getSimilarSongs(2): up to count songs of the seed's artist, shuffled. */
static int subsonic_browse_similar_as(SubsonicCall *call, const char *elem)
{
    Arena *a = call->req->arena;
    const LibraryScope *scope = subsonic_items_scope(call);
    const char *id = NULL, *artist_id = NULL, *skip = NULL;
    int64_t count;
    int r = subsonic_param_required(call, "id", &id);
    if (r < 0 || (r = subsonic_param_int(call, "count", 50, 0, LIMIT_PAGE_MAX, &count)) < 0 ||
        (r = subsonic_browse_seed(call, id, &artist_id, &skip)) < 0)
        return r;
    Artist artist;
    Album *albums;
    size_t n_albums = 0;
    r = library_browse_artist_scoped(call->conn, a, scope, artist_id, &artist, &albums, &n_albums);
    if (r < 0 && r != -ENOENT)
        return r;
    if (r == -ENOENT && strcmp(artist_id, id) == 0)
        return r; /* the id named nothing at all */
    Song *pool = arena_alloc(a, LIMIT_SUBSONIC_SIMILAR_POOL * sizeof(*pool));
    if (!pool)
        return -ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < n_albums && n < LIMIT_SUBSONIC_SIMILAR_POOL; i++) {
        Song *songs;
        size_t k;
        r = library_song_album_scoped(call->conn, a, scope, albums[i].id,
                                      LIMIT_SUBSONIC_SIMILAR_POOL, &songs, &k);
        if (r < 0)
            return r;
        for (size_t j = 0; j < k && n < LIMIT_SUBSONIC_SIMILAR_POOL; j++) {
            if (strcmp(songs[j].id, skip) != 0)
                pool[n++] = songs[j];
        }
    }
    /* Fisher-Yates over the first `count` positions */
    size_t take = n < (size_t)count ? n : (size_t)count;
    for (size_t i = 0; i < take; i++) {
        size_t j = i + randombytes_uniform((uint32_t)(n - i));
        Song t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
    }
    return subsonic_items_songs(call, subsonic_child(call->root, elem), "song", pool, take, NULL);
}

int subsonic_browse_similar(SubsonicCall *call)
{
    return subsonic_browse_similar_as(call, "similarSongs");
}

int subsonic_browse_similar2(SubsonicCall *call)
{
    return subsonic_browse_similar_as(call, "similarSongs2");
}

/* The id of the visible artist named `name` (case-insensitive), or NULL. */
static int subsonic_browse_artist_named(SubsonicCall *call, const char *name, const char **ret_id)
{
    Arena *a = call->req->arena;
    const char **ids;
    size_t n;
    *ret_id = NULL;
    int r = library_search(call->conn, db_kind(call->ctx->db), a, name, LIBRARY_SEARCH_ARTIST,
                           LIBRARY_SEARCH_LIMIT_MAX, &ids, &n);
    if (r == ERR_LIMIT || r == -EINVAL)
        return 0; /* a name no search can match names no artist */
    Artist *artists;
    size_t k;
    if (r < 0 || (r = library_browse_artists_by_id_scoped(call->conn, a, subsonic_items_scope(call),
                                                          ids, n, &artists, &k)) < 0)
        return r;
    for (size_t i = 0; i < k; i++) {
        if (strcasecmp(artists[i].name, name) == 0) {
            *ret_id = artists[i].id;
            break;
        }
    }
    return 0;
}

int subsonic_browse_top_songs(SubsonicCall *call)
{
    Arena *a = call->req->arena;
    const char *artist_id = subsonic_param(call, "id"); /* topSongsByArtistId */
    if (!artist_id || !*artist_id)
        artist_id = subsonic_param(call, "artistId");
    int64_t count;
    int r = subsonic_param_int(call, "count", 50, 0, LIMIT_POPULAR_MAX, &count);
    if (r < 0)
        return r;
    if (!artist_id || !*artist_id) {
        const char *name;
        if ((r = subsonic_param_required(call, "artist", &name)) < 0 ||
            (r = subsonic_browse_artist_named(call, name, &artist_id)) < 0)
            return r;
    }
    SubsonicNode *top = subsonic_child(call->root, "topSongs");
    subsonic_list(top, "song");
    if (!artist_id || !count)
        return 0;
    PopularEntry *popular;
    size_t n;
    r = library_history_popular(call->conn, call->ctx->cache, a, artist_id, (int64_t)time(NULL),
                                &popular, &n);
    if (r < 0)
        return r;
    if (n > (size_t)count)
        n = (size_t)count;
    const char **ids = arena_alloc(a, (n ? n : 1) * sizeof(*ids));
    if (!ids)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        ids[i] = popular[i].song_id;
    Song *songs;
    size_t k;
    if ((r = library_song_by_ids_scoped(call->conn, a, subsonic_items_scope(call), ids, n, &songs,
                                        &k)) < 0)
        return r;
    return subsonic_items_songs(call, top, "song", songs, k, NULL);
}
