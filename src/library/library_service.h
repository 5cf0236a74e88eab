/*
 * library_service.h - the scan service: one thread that runs library_scan() on request.
 *
 * The service owns one scan thread and a bounded queue of pending work: a full scan, or
 * a set of folders (absolute paths inside the music folders, merged: a folder inside a
 * queued one is dropped; past LIMIT_SCAN_PENDING_PATHS the request becomes a full scan).
 * Optionally it schedules a full scan every `interval_s` seconds. Every function may be
 * called from any thread; one mutex guards the queue and the status.
 */
#ifndef SWAZ_LIBRARY_SERVICE_H
#define SWAZ_LIBRARY_SERVICE_H

#include "core/limits.h"
#include "db/db.h"
#include "library/library_scan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct LibraryService LibraryService;

typedef enum { LIBRARY_SERVICE_IDLE, LIBRARY_SERVICE_SCANNING } LibraryServiceState;

typedef enum {
    LIBRARY_SERVICE_RESULT_NONE, /* no scan has finished yet */
    LIBRARY_SERVICE_RESULT_OK,
    LIBRARY_SERVICE_RESULT_CANCELLED,
    LIBRARY_SERVICE_RESULT_ERROR,
} LibraryServiceResult;

/* One file or folder the scanner could not read. */
typedef struct LibraryServiceError {
    char path[LIMIT_PATH_BYTES];
    int err; /* negative errno or ERR_*; err_str() describes it */
} LibraryServiceError;

/* A snapshot of the service, copied under its lock. */
typedef struct LibraryServiceStatus {
    LibraryServiceState state;
    bool full;                   /* the running (or last) scan covers every folder */
    LibraryServiceResult result; /* of the last finished scan */
    int result_err;              /* its error when result is ERROR */
    int64_t started_at_ms;       /* wall clock (ms since the epoch) of the running or last scan */
    int64_t finished_at_ms;      /* of the last finished scan; 0: none */
    int64_t scans;               /* scans finished since the service started */
    bool pending_full;           /* a full scan is queued */
    size_t pending_paths;        /* folders queued for a partial scan */
    LibraryScanStats stats;      /* counts of the running scan, else of the last one */
    double files_per_second;     /* stats.seen over the scan's duration so far */
    size_t n_errors;             /* recent errors, oldest first, at most LIMIT_SCAN_RECENT_ERRORS */
    LibraryServiceError errors[LIMIT_SCAN_RECENT_ERRORS];
} LibraryServiceStatus;

/* Starts a service scanning the `n` folders (copied) into `db` (borrowed; must outlive the
 * service) with `base` (copied, strings borrowed for the service's life; its only_paths is
 * ignored) and a scheduled full scan every `interval_s` seconds (0: none). Nothing is
 * scanned until a request or the first interval. Caller frees with library_service_free().
 * Returns 0, -EINVAL (too many folders, a path too long), -ENOMEM or a pthread error. */
int library_service_new(Db *db, const LibraryFolder *folders, size_t n,
                        const LibraryScanOptions *base, unsigned interval_s,
                        LibraryService **ret_service);

/* Queues a full scan (replacing any queued partial one). Returns 0, or -ECANCELED once the
 * service is stopping. */
int library_service_request_full(LibraryService *svc);

/* Queues a scan of `n` folders (absolute, canonical paths inside the music folders; copied)
 * merged with what is queued. Returns 0; -EINVAL when a path is relative, not canonical, too
 * long or outside every music folder (nothing queued); -ECANCELED once stopping. */
int library_service_request_paths(LibraryService *svc, const char *const *paths, size_t n);

/* While paused, requests are queued and merged but no new scan starts (a running one goes
 * on); unpausing starts what is queued. For maintenance windows and tests. */
void library_service_pause(LibraryService *svc, bool paused);

/* Copies the current status into *ret_status. Never fails. */
void library_service_status(LibraryService *svc, LibraryServiceStatus *ret_status);

/* Cancels the running scan (it stops after the current file), drops what is queued and joins
 * the thread. The object stays valid (status still answers, requests get -ECANCELED) until
 * library_service_free(). Idempotent. */
void library_service_stop(LibraryService *svc);

/* Stops the service if needed and frees it. NULL is a no-op. */
void library_service_free(LibraryService *svc);

/* Counts the rows of the scan_errors table (files the last scans could not read) into
 * *ret_count. Returns 0 or ERR_DB. */
int library_service_error_count(DbConn *conn, int64_t *ret_count);

/* Returns the name of a state ("idle", "scanning") or a result ("ok", "cancelled", "error",
 * NULL for none). Static strings. */
const char *library_service_state_name(LibraryServiceState state);
const char *library_service_result_name(LibraryServiceResult result);

#endif
