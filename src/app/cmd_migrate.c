/* cmd_migrate.c - `swaz migrate`. */
#include "app/cmd_migrate.h"

#include "app/app.h"
#include "core/err.h"

#include <stdio.h>

static const char cmd_migrate_usage[] =
    "usage: swaz migrate [options]\n"
    "Applies every pending database migration (serve does this at start-up too).";

int cmd_migrate(int argc, char **argv, char **envp)
{
    Config cfg;
    ConfigArgs args;
    int r = app_config(&cfg, argc, argv, envp, NULL, cmd_migrate_usage, &args);
    if (r != 0)
        return r > 0 ? APP_EXIT_OK : APP_EXIT_USAGE;
    Db *db;
    int applied = 0, version = 0;
    if (app_db_open(&cfg, &db, &applied) < 0)
        return APP_EXIT_FAIL;
    r = db_schema_version(db, &version);
    if (r == 0)
        printf("%s: applied %d migration(s); schema version %d\n", db_describe(db), applied,
               version);
    else
        fprintf(stderr, "swaz migrate: %s\n", err_str(r));
    db_close(db);
    return r == 0 ? APP_EXIT_OK : APP_EXIT_FAIL;
}
