/*
 * api_transcode.h - the live transcodes running for stream requests, and their limits.
 *
 * Owns a bounded registry (at most `max_total` jobs, `max_total / LIMIT_TRANSCODES_USER_SHARE`
 * per user, at least 1) guarded by its mutex. Each job runs media_transcode() on its own
 * detached worker thread, writing into an HttpLive; the worker ends when the output is done,
 * the client disconnects, or the server stops (the live pipe is cancelled). Handlers on any
 * server thread call api_transcodes_start(); app/ calls api_transcodes_free() after the HTTP
 * server has stopped, which waits for the workers.
 *
 * With a transcode cache (media_tcache.h) a stream is a follower thread copying the cache's
 * file (finished, or growing while its encoder runs) into the HttpLive; the encoder runs on
 * its own thread at full speed into the temp file and stops as soon as no follower is left.
 * A slot is held by each stream (follower or uncached live transcode), not by encoders:
 * an encoder only runs while at least one slot-holding follower reads it.
 */
#ifndef SWAZ_API_TRANSCODE_H
#define SWAZ_API_TRANSCODE_H

#include "http/http_request.h"
#include "media/media_tcache.h"
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

/* Like api_transcodes_start() for a whole-song transcode through `cache`: follows the
 * encode of `key` already running, or starts one (opts->offset_ms must be 0), or sends the
 * file finished in the meantime. The caller's reference to `live` passes on success as above.
 * Returns 0, ERR_LIMIT (total or per user), -EINVAL for a key the
 * cache cannot hold, a negative errno from the cache, or -ENOMEM / -EAGAIN. */
int api_transcodes_start_cached(ApiTranscodes *t, const char *user_id, MediaTcache *cache,
                                const MediaTcacheKey *key, const MediaTranscodeOptions *opts,
                                HttpLive *live);

/* Answers a GET whose Range starts inside the output of `key` while it is still being
 * encoded into `cache`: 206 with the part already written, its Content-Range ending in "/"
 * and a star (the whole length is not known yet; a range reaching past what is written is
 * cut there), sent from the temp file like a finished one. Returns 0 when answered, 1 when
 * not (no Range, a suffix, several ranges, If-Range, HEAD, FLAC, nothing written up to the
 * range's start, no encode running: the caller streams the whole output), or -ENOMEM. */
int api_transcodes_partial(HttpRequest *req, HttpResponse *res, MediaTcache *cache,
                           const MediaTcacheKey *key, const char *content_type);

#endif
