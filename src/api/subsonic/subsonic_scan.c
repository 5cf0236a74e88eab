/* subsonic_scan.c - getScanStatus, startScan. */
#include "api/subsonic/subsonic_scan.h"

#include "api/subsonic/subsonic_items.h"
#include "library/library_service.h"

int subsonic_scan_status(SubsonicCall *call)
{
    LibraryService *svc = call->ctx->scans;
    if (!svc)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "The scan service is not running");
    LibraryServiceStatus st;
    library_service_status(svc, &st);
    SubsonicNode *n = subsonic_child(call->root, "scanStatus");
    subsonic_bool(n, "scanning",
                  st.state == LIBRARY_SERVICE_SCANNING || st.pending_full || st.pending_paths);
    subsonic_int(n, "count", st.stats.seen);
    SubsonicNode *x = subsonic_ext(n);
    subsonic_int(x, "folderCount", st.stats.folders);
    subsonic_time(x, "lastScan", st.finished_at_ms / 1000);
    return 0;
}

int subsonic_scan_start(SubsonicCall *call)
{
    LibraryService *svc = call->ctx->scans;
    if (!svc)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "The scan service is not running");
    if (library_service_request_full(svc) < 0)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "The server is stopping");
    return subsonic_scan_status(call);
}
