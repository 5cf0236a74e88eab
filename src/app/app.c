/* app.c - start-up steps shared by the subcommands. */
#include "app/app.h"

#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "media/media_tcache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int app_config(Config *cfg, int argc, char **argv, char **envp, const char *const *allowed_switches,
               const char *usage, ConfigArgs *ret_args)
{
    char err[1024];
    int r = config_load(cfg, argc, argv, envp, allowed_switches, ret_args, err, sizeof(err));
    if (r < 0) {
        fprintf(stderr, "swaz %s: %s\n", argv[0], err);
        return r;
    }
    if (ret_args->help) {
        fputs(usage, stdout);
        fputc('\n', stdout);
        config_print_help(stdout);
        return 1;
    }
    log_set_level(cfg->log_level);
    return 0;
}

/* mkdir -p with mode 0700 for the folders we create. */
static int app_mkdirs(const char *path)
{
    char buf[LIMIT_PATH_BYTES];
    if (str_copy(buf, path, sizeof(buf)) >= sizeof(buf))
        return -ENAMETOOLONG;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(buf, 0700) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

/* The most tables one run of the migrations names for VACUUM (db_migrate_rewritten()). */
#define APP_VACUUM_TABLES_MAX 32

/* VACUUM (ANALYZE) of each table that the migrations newer than `from_version` rewrote
 * (PostgreSQL: db_migrate_rewritten()), outside their transactions, logged. A failure is
 * logged and skipped: the schema is right, and autovacuum will come. */
static void app_db_vacuum(Db *db, int from_version)
{
    const char *tables[APP_VACUUM_TABLES_MAX];
    size_t n = db_migrate_rewritten(db, from_version, tables, APP_VACUUM_TABLES_MAX);
    if (n > APP_VACUUM_TABLES_MAX)
        n = APP_VACUUM_TABLES_MAX;
    for (size_t i = 0; i < n; i++) {
        log_info("migrate: VACUUM (ANALYZE) %s, rewritten by a migration", tables[i]);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int r = db_vacuum(db, tables[i]);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long long ms =
            (long long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        if (r < 0)
            log_warn("migrate: VACUUM (ANALYZE) %s failed after %lld ms: %s", tables[i], ms,
                     err_str(r));
        else
            log_info("migrate: VACUUM (ANALYZE) %s done in %lld ms", tables[i], ms);
    }
}

int app_db_open(const Config *cfg, Db **ret_db, int *ret_applied)
{
    int r = app_mkdirs(cfg->data_dir);
    if (r < 0) {
        fprintf(stderr, "swaz: cannot create data dir %s: %s\n", cfg->data_dir, err_str(r));
        return r;
    }
    Db *db;
    r = db_open(cfg->database_url, (int)cfg->db_pool, &db);
    if (r < 0) {
        fprintf(stderr, "swaz: cannot open the database: %s\n", err_str(r));
        return r;
    }
    db_set_map_size(db, (uint64_t)cfg->sqlite_mmap_mb << 20);
    int applied = 0, before = 0;
    if (db_schema_version(db, &before) < 0)
        before = 0; /* db_migrate() reports what is wrong */
    r = db_migrate(db, &applied);
    if (r < 0) {
        fprintf(stderr, "swaz: database migration failed on %s: %s\n", db_describe(db), err_str(r));
        db_close(db);
        return r;
    }
    if (applied > 0)
        app_db_vacuum(db, before);
    if (ret_applied)
        *ret_applied = applied;
    *ret_db = db;
    return 0;
}

int app_uploads_dir(const Config *cfg, char *ret_path)
{
    char dir[LIMIT_PATH_BYTES];
    if (snprintf(dir, sizeof(dir), "%s/uploads", cfg->data_dir) >= (int)sizeof(dir))
        return -ENAMETOOLONG;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return -errno;
    char *abs = realpath(dir, NULL);
    if (!abs)
        return -errno;
    size_t len = str_copy(ret_path, abs, LIMIT_PATH_BYTES);
    free(abs);
    return len >= LIMIT_PATH_BYTES ? -ENAMETOOLONG : 0;
}

/* Adds folder `path` as entry n with a name unique among the first n ("music-2"...). */
static void app_folder_add(LibraryFolder *folders, char (*names)[LIMIT_PATH_BYTES],
                           char (*paths)[LIMIT_PATH_BYTES], size_t n, const char *path)
{
    str_copy(paths[n], path, LIMIT_PATH_BYTES);
    const char *base = strrchr(paths[n], '/');
    base = base && base[1] ? base + 1 : paths[n];
    str_copy(names[n], base, LIMIT_PATH_BYTES);
    for (int k = 2; k < 100; k++) {
        bool clash = false;
        for (size_t j = 0; j < n; j++)
            clash |= strcmp(names[j], names[n]) == 0;
        if (!clash)
            break;
        snprintf(names[n], LIMIT_PATH_BYTES, "%.200s-%d", base, k);
    }
    folders[n].name = names[n];
    folders[n].path = paths[n];
}

int app_tcache_open(const Config *cfg, MediaTcache **ret_tcache)
{
    char dir[LIMIT_PATH_BYTES + 16];
    snprintf(dir, sizeof(dir), "%s/transcodes", cfg->data_dir);
    int r = media_tcache_new(dir, (uint64_t)cfg->transcode_cache_mb * 1024 * 1024, ret_tcache);
    if (r < 0)
        fprintf(stderr, "swaz: cannot open the transcode cache %s: %s\n", dir, err_str(r));
    return r;
}

size_t app_folders(const Config *cfg, LibraryFolder *folders, char (*names)[LIMIT_PATH_BYTES],
                   char (*paths)[LIMIT_PATH_BYTES])
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_music_dirs && n < LIMIT_MUSIC_DIRS; i++) {
        char *abs = realpath(cfg->music_dirs[i], NULL);
        app_folder_add(folders, names, paths, n++, abs ? abs : cfg->music_dirs[i]);
        free(abs);
    }
    char uploads[LIMIT_PATH_BYTES];
    int r = app_uploads_dir(cfg, uploads);
    if (r < 0)
        log_warn("uploads folder %s/uploads: %s", cfg->data_dir, err_str(r));
    else if (n < LIMIT_MUSIC_DIRS)
        app_folder_add(folders, names, paths, n++, uploads);
    else
        log_warn("no room for the uploads folder: %d music folders already", LIMIT_MUSIC_DIRS);
    return n;
}
