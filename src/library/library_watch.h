/*
 * library_watch.h - folder watching: inotify on every folder of the music folders.
 *
 * A watcher owns one inotify descriptor and one thread. The thread first adds a watch to
 * every folder (recursively; dot-folders and folders holding `.swazignore` are skipped),
 * then collects the folders in which something changed (a bounded set) and, after
 * `debounce_ms` of quiet, hands them to the callback on its own thread. When the set
 * overflows or the kernel queue overflows it asks for a full scan instead. Past the
 * inotify watch limit it logs once and keeps the watches it has.
 */
#ifndef SWAZ_LIBRARY_WATCH_H
#define SWAZ_LIBRARY_WATCH_H

#include "library/library_scan.h"

#include <stddef.h>

typedef struct LibraryWatch LibraryWatch;

/* Called on the watcher's thread with `n` changed folders (absolute paths, borrowed for the
 * call), or with n == 0 when a full scan is needed. */
typedef void (*LibraryWatchNotify)(void *ctx, const char *const *paths, size_t n);

/* Starts watching the `n` folders (copied). `notify` and `ctx` are borrowed until
 * library_watch_free(). Caller frees with library_watch_free(). Returns 0, -EINVAL,
 * -ENOMEM, or the negative errno of inotify_init1() or pthread_create(). */
int library_watch_new(const LibraryFolder *folders, size_t n, unsigned debounce_ms,
                      LibraryWatchNotify notify, void *ctx, LibraryWatch **ret_watch);

/* Returns the number of folders watched now. Any thread (approximate while adding). */
size_t library_watch_count(LibraryWatch *watch);

/* Stops the thread (within about 200 ms; pending changes are dropped), closes the inotify
 * descriptor and frees the watcher. NULL is a no-op. */
void library_watch_free(LibraryWatch *watch);

#endif
