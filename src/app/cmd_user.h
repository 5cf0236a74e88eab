/*
 * cmd_user.h - `swaz user add|list|passwd|delete`: account management from the command line.
 * Main thread only.
 */
#ifndef SWAZ_CMD_USER_H
#define SWAZ_CMD_USER_H

/* Runs the subcommand; argv[0] is "user". Returns an exit code. */
int cmd_user(int argc, char **argv, char **envp);

#endif
