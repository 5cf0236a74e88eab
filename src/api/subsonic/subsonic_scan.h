/*
 * subsonic_scan.h - getScanStatus and startScan over the scan service
 * (library/library_service.h). Any server thread.
 */
#ifndef SWAZ_SUBSONIC_SCAN_H
#define SWAZ_SUBSONIC_SCAN_H

#include "api/subsonic/subsonic.h"

/* getScanStatus: scanning (running or queued), count (audio files of the running or last
 * scan), and for OpenSubsonic clients folderCount and lastScan. Returns 0 or an error. */
int subsonic_scan_status(SubsonicCall *call);

/* startScan (administrators): queues a full scan and answers the status. Returns 0 or an
 * error (0 with a message when the service is not running or stopping). */
int subsonic_scan_start(SubsonicCall *call);

#endif
