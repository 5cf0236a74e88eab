/*
 * app.h - start-up steps shared by the subcommands: loading the configuration with a
 * subcommand's usage, preparing the data dir, opening and migrating the database, and
 * turning music_dirs into library folders. Main thread only, before other threads start.
 */
#ifndef SWAZ_APP_H
#define SWAZ_APP_H

#include "app/config.h"
#include "db/db.h"
#include "library/library_scan.h"
#include "media/media_tcache.h"

/* Exit codes of every subcommand. */
enum { APP_EXIT_OK = 0, APP_EXIT_FAIL = 1, APP_EXIT_USAGE = 2 };

/* Loads the configuration for a subcommand. On -h/--help prints `usage` and the settings
 * and returns 1; on a bad setting prints the error and returns a negative value; else 0. */
int app_config(Config *cfg, int argc, char **argv, char **envp, const char *const *allowed_switches,
               const char *usage, ConfigArgs *ret_args);

/* Creates the data dir (mode 0700) when missing, opens the database and applies its
 * migrations, writing how many were applied to *ret_applied (may be NULL). Prints errors.
 * Returns 0 or a negative error. Caller frees with db_close(). */
int app_db_open(const Config *cfg, Db **ret_db, int *ret_applied);

/* Opens the transcode cache in <data_dir>/transcodes at transcode_cache_mb (which must not be
 * 0). Logs errors. Returns 0 or a negative errno. Caller frees with media_tcache_free(). */
int app_tcache_open(const Config *cfg, MediaTcache **ret_tcache);

/* Fills `folders` (LIMIT_MUSIC_DIRS entries; strings point into `names` and `paths`) from
 * cfg->music_dirs with absolute paths and unique names, then the uploads folder (see
 * app_uploads_dir(); left out with a warning when it cannot be made). Returns the count. */
/* Creates <data_dir>/uploads when missing (the library folder uploads are stored in) and
 * writes its canonical path (LIMIT_PATH_BYTES) to `ret_path`. Returns 0 or a negative errno. */
int app_uploads_dir(const Config *cfg, char *ret_path);

size_t app_folders(const Config *cfg, LibraryFolder *folders, char (*names)[LIMIT_PATH_BYTES],
                   char (*paths)[LIMIT_PATH_BYTES]);

#endif
