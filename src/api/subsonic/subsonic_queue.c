/* subsonic_queue.c - bookmarks and the saved play queue, by song id or by index. */
#include "api/subsonic/subsonic_queue.h"

#include "api/subsonic/subsonic_items.h"
#include "core/limits.h"
#include "library/library_queue.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#define SUBSONIC_QUEUE_POSITION_MAX INT64_C(1000000000000) /* ms: about 31 years */

static int64_t subsonic_queue_now(void)
{
    return (int64_t)time(NULL);
}

int subsonic_queue_bookmarks(SubsonicCall *call)
{
    SubsonicNode *list = subsonic_child(call->root, "bookmarks");
    subsonic_list(list, "bookmark");
    const char *cursor = NULL;
    for (size_t seen = 0; seen < LIMIT_SUBSONIC_BOOKMARKS;) {
        Bookmark *items;
        size_t n;
        int r = library_queue_bookmarks(call->conn, call->req->arena, subsonic_items_scope(call),
                                        call->user->user_id, cursor, LIMIT_PAGE_MAX, &items, &n,
                                        &cursor);
        if (r < 0)
            return r;
        for (size_t i = 0; i < n && seen < LIMIT_SUBSONIC_BOOKMARKS; i++, seen++) {
            SubsonicNode *b = subsonic_item(list, "bookmark");
            subsonic_int(b, "position", items[i].position_ms);
            subsonic_str(b, "username", call->user->username);
            if (items[i].comment && *items[i].comment)
                subsonic_str(b, "comment", items[i].comment);
            subsonic_time(b, "created", items[i].created_at);
            subsonic_time(b, "changed", items[i].updated_at);
            const char *id = items[i].song_id;
            if ((r = subsonic_items_song_ids(call, b, "entry", &id, 1)) < 0)
                return r;
        }
        if (!cursor)
            break;
    }
    return 0;
}

int subsonic_queue_bookmark_create(SubsonicCall *call)
{
    const char *id, *comment = subsonic_param(call, "comment");
    int64_t position;
    int r;
    if ((r = subsonic_param_required(call, "id", &id)) < 0 ||
        (r = subsonic_param_int(call, "position", 0, 0, SUBSONIC_QUEUE_POSITION_MAX, &position)) <
            0)
        return r;
    r = library_queue_bookmark_set(call->conn, call->req->arena, subsonic_items_scope(call),
                                   call->user->user_id, id, position, comment ? comment : "",
                                   subsonic_queue_now());
    if (r == -EINVAL)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "A bookmark comment holds at most 1024 bytes");
    return r;
}

int subsonic_queue_bookmark_delete(SubsonicCall *call)
{
    const char *id;
    int r = subsonic_param_required(call, "id", &id);
    if (r < 0)
        return r;
    return library_queue_bookmark_delete(call->conn, call->req->arena, subsonic_items_scope(call),
                                         call->user->user_id, id);
}

/* Loads the queue and adds its element `elem`; *ret_node is NULL when it was never saved
 * (nothing to answer). */
static int subsonic_queue_load(SubsonicCall *call, PlayQueue *ret_queue, SubsonicNode **ret_node,
                               const char *elem)
{
    int r = library_queue_load(call->conn, call->req->arena, subsonic_items_scope(call),
                               call->user->user_id, ret_queue);
    if (r < 0)
        return r;
    *ret_node = NULL;
    if (ret_queue->changed_at == 0)
        return 0;
    SubsonicNode *q = subsonic_child(call->root, elem);
    subsonic_int(q, "position", ret_queue->position_ms);
    subsonic_str(q, "username", call->user->username);
    subsonic_time(q, "changed", ret_queue->changed_at);
    subsonic_str(q, "changedBy", ret_queue->changed_by ? ret_queue->changed_by : "");
    *ret_node = q;
    return 0;
}

int subsonic_queue_get(SubsonicCall *call)
{
    PlayQueue q;
    SubsonicNode *node;
    int r = subsonic_queue_load(call, &q, &node, "playQueue");
    if (r < 0 || !node)
        return r;
    if (q.n > 0)
        subsonic_str(node, "current", q.song_ids[q.current_index]);
    return subsonic_items_song_ids(call, node, "entry", q.song_ids, q.n);
}

int subsonic_queue_get_by_index(SubsonicCall *call)
{
    PlayQueue q;
    SubsonicNode *node;
    int r = subsonic_queue_load(call, &q, &node, "playQueueByIndex");
    if (r < 0 || !node)
        return r;
    if (q.n > 0)
        subsonic_int(node, "currentIndex", q.current_index);
    return subsonic_items_song_ids(call, node, "entry", q.song_ids, q.n);
}

/* Saves the `n` songs `ids` with the current index and position of the request. */
static int subsonic_queue_store(SubsonicCall *call, const char *const *ids, size_t n, int64_t index)
{
    int64_t position;
    int r = subsonic_param_int(call, "position", 0, 0, SUBSONIC_QUEUE_POSITION_MAX, &position);
    if (r < 0)
        return r;
    r = library_queue_save(call->conn, call->req->arena, subsonic_items_scope(call),
                           call->user->user_id, ids, n, index, position,
                           call->client && *call->client ? call->client : "subsonic",
                           subsonic_queue_now());
    if (r == ERR_LIMIT)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "A play queue holds at most 1000 songs; nothing was saved");
    if (r == -EINVAL)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "The current song or index must be part of the queue");
    return r;
}

/* The id= values of the request (at most LIMIT_QUEUE_ENTRIES). Arena-owned. */
static int subsonic_queue_ids(SubsonicCall *call, const char ***ret_ids, size_t *ret_count)
{
    size_t n = subsonic_params_all(&call->params, "id", NULL, 0);
    if (n > LIMIT_QUEUE_ENTRIES)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "A play queue holds at most 1000 songs; nothing was saved");
    const char **ids = arena_alloc(call->req->arena, (n ? n : 1) * sizeof(*ids));
    if (!ids)
        return -ENOMEM;
    subsonic_params_all(&call->params, "id", ids, n);
    *ret_ids = ids;
    *ret_count = n;
    return 0;
}

int subsonic_queue_save(SubsonicCall *call)
{
    const char **ids = NULL;
    size_t n = 0;
    int r = subsonic_queue_ids(call, &ids, &n);
    if (r < 0)
        return r;
    const char *current = subsonic_param(call, "current");
    int64_t index = 0;
    if (current && *current) {
        for (index = 0; (size_t)index < n && strcmp(ids[index], current) != 0; index++)
            ;
        if ((size_t)index == n)
            return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                                 "The current song must be part of the queue");
    }
    return subsonic_queue_store(call, ids, n, index);
}

int subsonic_queue_save_by_index(SubsonicCall *call)
{
    const char **ids = NULL;
    size_t n = 0;
    int64_t index;
    int r = subsonic_queue_ids(call, &ids, &n);
    if (r < 0 ||
        (r = subsonic_param_int(call, "currentIndex", 0, 0, LIMIT_QUEUE_ENTRIES, &index)) < 0)
        return r;
    if (n > 0 && index >= (int64_t)n)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "currentIndex must be an index within the queue");
    return subsonic_queue_store(call, ids, n, index);
}
