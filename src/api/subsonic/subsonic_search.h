/*
 * subsonic_search.h - search2 and search3: artists, albums and songs matching a query, each
 * kind with its own count and offset; an empty query (also "" or *) lists everything, paged,
 * for clients that synchronise the whole library. Any server thread.
 */
#ifndef SWAZ_SUBSONIC_SEARCH_H
#define SWAZ_SUBSONIC_SEARCH_H

#include "api/subsonic/subsonic.h"

/* search2 / search3 query&artistCount&artistOffset&albumCount&albumOffset&songCount
 * &songOffset&musicFolderId. Returns 0, SUBSONIC_FAILED or a negative library error. */
int subsonic_search_search2(SubsonicCall *call);
int subsonic_search_search3(SubsonicCall *call);

#endif
