/*
 * api_transcode.h - the live transcodes running for stream requests, and their limits.
 *
 * Owns a bounded registry (at most `max_total` jobs, `max_total / LIMIT_TRANSCODES_USER_SHARE`
 * per user, at least 1) guarded by its mutex. Each job runs media_transcode() on its own
 * detached worker thread, writing into an HttpLive; the worker ends when the output is done,
 * the client disconnects, or the server stops (the live pipe is cancelled). Handlers on any
 * server thread call api_transcodes_start(); app/ calls api_transcodes_free() after the HTTP
 * server has stopped, which waits for the workers.
 */
#ifndef SWAZ_API_TRANSCODE_H
#define SWAZ_API_TRANSCODE_H

#include "media/media_transcode.h"

typedef struct ApiTranscodes ApiTranscodes;
typedef struct HttpLive HttpLive;

/* Creates the registry allowing `max_total` transcodes at once (1..LIMIT_TRANSCODES_MAX).
 * Returns NULL when out of memory or out of range. Caller frees with api_transcodes_free(). */
ApiTranscodes *api_transcodes_new(unsigned max_total);

/* Waits until every worker has ended, then frees the registry. NULL is a no-op. Call after
 * the HTTP server has stopped (its live pipes are cancelled, so workers end quickly). */
void api_transcodes_free(ApiTranscodes *t);

/* Starts a worker transcoding `path` (copied) as `opts` says into `live`; on success the
 * worker takes over the caller's reference (it finishes and drops it), on failure the caller
 * keeps it. Returns 0, ERR_LIMIT when the total or `user_id`'s limit is reached,
 * or -ENOMEM / -EAGAIN when no thread could be started. */
int api_transcodes_start(ApiTranscodes *t, const char *user_id, const char *path,
                         const MediaTranscodeOptions *opts, HttpLive *live);

#endif
