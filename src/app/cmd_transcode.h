/*
 * cmd_transcode.h - `swaz transcode --ladder [--playlist ID]`: makes the pre-transcode ladder
 * (transcode_ladder) of the whole library, or of one playlist, into the transcode cache, with
 * progress on a terminal. Main thread only (it runs its own worker threads).
 */
#ifndef SWAZ_CMD_TRANSCODE_H
#define SWAZ_CMD_TRANSCODE_H

/* Runs the subcommand; argv[0] is "transcode". Returns an exit code. */
int cmd_transcode(int argc, char **argv, char **envp);

#endif
