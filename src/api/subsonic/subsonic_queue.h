/*
 * subsonic_queue.h - bookmarks and the saved play queue of the Subsonic API: getBookmarks,
 * createBookmark, deleteBookmark, getPlayQueue, savePlayQueue and the indexBasedQueue
 * extension's getPlayQueueByIndex, savePlayQueueByIndex, over library/library_queue.h.
 * Every call touches only the caller's own rows. Positions are milliseconds. Any server
 * thread.
 */
#ifndef SWAZ_SUBSONIC_QUEUE_H
#define SWAZ_SUBSONIC_QUEUE_H

#include "api/subsonic/subsonic.h"

/* getBookmarks: the caller's bookmarks, newest first, each with its song as entry.
 * Returns 0 or an error for the dispatcher. */
int subsonic_queue_bookmarks(SubsonicCall *call);

/* createBookmark?id=&position=&comment=: creates or replaces the bookmark on song id. */
int subsonic_queue_bookmark_create(SubsonicCall *call);

/* deleteBookmark?id=: 70 when the caller has no bookmark on that song. */
int subsonic_queue_bookmark_delete(SubsonicCall *call);

/* getPlayQueue: the saved queue (current as a song id); nothing when never saved. */
int subsonic_queue_get(SubsonicCall *call);

/* savePlayQueue?id=...&current=&position=: replaces the queue; no id clears it. */
int subsonic_queue_save(SubsonicCall *call);

/* getPlayQueueByIndex: the saved queue with currentIndex instead of current. */
int subsonic_queue_get_by_index(SubsonicCall *call);

/* savePlayQueueByIndex?id=...&currentIndex=&position=: as savePlayQueue by index. */
int subsonic_queue_save_by_index(SubsonicCall *call);

#endif
