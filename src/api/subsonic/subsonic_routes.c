/*
 * subsonic_routes.c - every Subsonic method the server answers, one line each, with who
 * may call it. A method that is not here answers 404 with error 0.
 */
#include "api/subsonic/subsonic_routes.h"

#include "api/subsonic/subsonic_annotate.h"
#include "api/subsonic/subsonic_browse.h"
#include "api/subsonic/subsonic_lists.h"
#include "api/subsonic/subsonic_media.h"
#include "api/subsonic/subsonic_search.h"
#include "api/subsonic/subsonic_system.h"
#include "api/subsonic/subsonic_playlists.h"
#include "api/subsonic/subsonic_queue.h"
#include "api/subsonic/subsonic_radio.h"
#include "api/subsonic/subsonic_scan.h"
#include "api/subsonic/subsonic_shares.h"
#include "api/subsonic/subsonic_transcoding.h"
#include "api/subsonic/subsonic_unsupported.h"
#include "api/subsonic/subsonic_users.h"

#include <string.h>

static const SubsonicMethod subsonic_route_table[] = {
    {"getPlaylists", subsonic_playlists_list, SUBSONIC_USER},
    {"getPlaylist", subsonic_playlists_get, SUBSONIC_USER},
    {"createPlaylist", subsonic_playlists_create, SUBSONIC_USER},
    {"updatePlaylist", subsonic_playlists_update, SUBSONIC_USER},
    {"deletePlaylist", subsonic_playlists_delete, SUBSONIC_USER},
    {"getShares", subsonic_shares_list, SUBSONIC_USER},
    {"createShare", subsonic_shares_create, SUBSONIC_USER},
    {"updateShare", subsonic_shares_update, SUBSONIC_USER},
    {"deleteShare", subsonic_shares_delete, SUBSONIC_USER},
    {"getBookmarks", subsonic_queue_bookmarks, SUBSONIC_USER},
    {"createBookmark", subsonic_queue_bookmark_create, SUBSONIC_USER},
    {"deleteBookmark", subsonic_queue_bookmark_delete, SUBSONIC_USER},
    {"getPlayQueue", subsonic_queue_get, SUBSONIC_USER},
    {"savePlayQueue", subsonic_queue_save, SUBSONIC_USER},
    {"getPlayQueueByIndex", subsonic_queue_get_by_index, SUBSONIC_USER},
    {"savePlayQueueByIndex", subsonic_queue_save_by_index, SUBSONIC_USER},
    {"getUser", subsonic_users_get, SUBSONIC_USER},
    {"getUsers", subsonic_users_list, SUBSONIC_ADMIN},
    {"createUser", subsonic_users_create, SUBSONIC_ADMIN},
    {"updateUser", subsonic_users_update, SUBSONIC_ADMIN},
    {"deleteUser", subsonic_users_delete, SUBSONIC_ADMIN},
    {"changePassword", subsonic_users_password, SUBSONIC_USER},
    {"getScanStatus", subsonic_scan_status, SUBSONIC_USER},
    {"startScan", subsonic_scan_start, SUBSONIC_ADMIN},
    {"getInternetRadioStations", subsonic_radio_list, SUBSONIC_USER},
    {"createInternetRadioStation", subsonic_radio_create, SUBSONIC_ADMIN},
    {"updateInternetRadioStation", subsonic_radio_update, SUBSONIC_ADMIN},
    {"deleteInternetRadioStation", subsonic_radio_delete, SUBSONIC_ADMIN},
    {"getVideos", subsonic_unsupported_feature, SUBSONIC_USER},
    {"getVideoInfo", subsonic_unsupported_feature, SUBSONIC_USER},
    {"getCaptions", subsonic_unsupported_feature, SUBSONIC_USER},
    {"hls", subsonic_unsupported_feature, SUBSONIC_USER},
    {"getChatMessages", subsonic_unsupported_feature, SUBSONIC_USER},
    {"addChatMessage", subsonic_unsupported_feature, SUBSONIC_USER},
    {"getPodcasts", subsonic_unsupported_feature, SUBSONIC_USER},
    {"getNewestPodcasts", subsonic_unsupported_feature, SUBSONIC_USER},
    {"getPodcastEpisode", subsonic_unsupported_feature, SUBSONIC_USER},
    {"refreshPodcasts", subsonic_unsupported_feature, SUBSONIC_USER},
    {"createPodcastChannel", subsonic_unsupported_feature, SUBSONIC_USER},
    {"deletePodcastChannel", subsonic_unsupported_feature, SUBSONIC_USER},
    {"deletePodcastEpisode", subsonic_unsupported_feature, SUBSONIC_USER},
    {"downloadPodcastEpisode", subsonic_unsupported_feature, SUBSONIC_USER},
    {"jukeboxControl", subsonic_unsupported_jukebox, SUBSONIC_USER},
    {"ping", subsonic_system_ping, SUBSONIC_USER},
    {"getLicense", subsonic_system_license, SUBSONIC_USER},
    {"getOpenSubsonicExtensions", subsonic_system_extensions, SUBSONIC_PUBLIC},
    {"tokenInfo", subsonic_system_token_info, SUBSONIC_USER},
    {"getMusicFolders", subsonic_browse_folders, SUBSONIC_USER},
    {"getIndexes", subsonic_browse_indexes, SUBSONIC_USER},
    {"getMusicDirectory", subsonic_browse_directory, SUBSONIC_USER},
    {"getGenres", subsonic_browse_genres, SUBSONIC_USER},
    {"getArtists", subsonic_browse_artists, SUBSONIC_USER},
    {"getArtist", subsonic_browse_artist, SUBSONIC_USER},
    {"getAlbum", subsonic_browse_album, SUBSONIC_USER},
    {"getSong", subsonic_browse_song, SUBSONIC_USER},
    {"getArtistInfo", subsonic_browse_artist_info, SUBSONIC_USER},
    {"getArtistInfo2", subsonic_browse_artist_info2, SUBSONIC_USER},
    {"getAlbumInfo", subsonic_browse_album_info, SUBSONIC_USER},
    {"getAlbumInfo2", subsonic_browse_album_info2, SUBSONIC_USER},
    {"getSimilarSongs", subsonic_browse_similar, SUBSONIC_USER},
    {"getSimilarSongs2", subsonic_browse_similar2, SUBSONIC_USER},
    {"getTopSongs", subsonic_browse_top_songs, SUBSONIC_USER},
    {"getAlbumList", subsonic_lists_album_list, SUBSONIC_USER},
    {"getAlbumList2", subsonic_lists_album_list2, SUBSONIC_USER},
    {"getRandomSongs", subsonic_lists_random_songs, SUBSONIC_USER},
    {"getSongsByGenre", subsonic_lists_songs_by_genre, SUBSONIC_USER},
    {"getNowPlaying", subsonic_lists_now_playing, SUBSONIC_USER},
    {"getStarred", subsonic_lists_starred, SUBSONIC_USER},
    {"getStarred2", subsonic_lists_starred2, SUBSONIC_USER},
    {"search2", subsonic_search_search2, SUBSONIC_USER},
    {"search3", subsonic_search_search3, SUBSONIC_USER},
    {"stream", subsonic_media_stream, SUBSONIC_USER},
    {"download", subsonic_media_download, SUBSONIC_USER},
    {"getCoverArt", subsonic_media_cover, SUBSONIC_USER},
    {"getLyrics", subsonic_media_lyrics, SUBSONIC_USER},
    {"getLyricsBySongId", subsonic_media_lyrics_by_id, SUBSONIC_USER},
    {"getAvatar", subsonic_media_avatar, SUBSONIC_USER},
    {"getTranscodeDecision", subsonic_transcoding_decision, SUBSONIC_USER},
    {"getTranscodeStream", subsonic_transcoding_stream, SUBSONIC_USER},
    {"star", subsonic_annotate_star, SUBSONIC_USER},
    {"unstar", subsonic_annotate_unstar, SUBSONIC_USER},
    {"setRating", subsonic_annotate_rating, SUBSONIC_USER},
    {"scrobble", subsonic_annotate_scrobble, SUBSONIC_USER},
    {"reportPlayback", subsonic_annotate_report, SUBSONIC_USER},
};

const SubsonicMethod *subsonic_routes_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(subsonic_route_table) / sizeof(subsonic_route_table[0]); i++) {
        const char *m = subsonic_route_table[i].name;
        if (strlen(m) == len && memcmp(m, name, len) == 0)
            return &subsonic_route_table[i];
    }
    return NULL;
}
