/*
 * cmd_scan.h - `swaz scan`: scans the music folders once, with progress on a terminal.
 * Main thread only.
 */
#ifndef SWAZ_CMD_SCAN_H
#define SWAZ_CMD_SCAN_H

/* Runs the subcommand; argv[0] is "scan". Returns an exit code. */
int cmd_scan(int argc, char **argv, char **envp);

#endif
