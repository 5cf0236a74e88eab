/*
 * cmd_migrate.h - `swaz migrate`: applies the database migrations and reports the schema version.
 * Main thread only.
 */
#ifndef SWAZ_CMD_MIGRATE_H
#define SWAZ_CMD_MIGRATE_H

/* Runs the subcommand; argv[0] is "migrate". Returns an exit code. */
int cmd_migrate(int argc, char **argv, char **envp);

#endif
