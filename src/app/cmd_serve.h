/*
 * cmd_serve.h - `swaz serve`: the HTTP server, with a background scan at start-up.
 * Runs on the main thread, which waits for SIGTERM/SIGINT and then stops gracefully.
 */
#ifndef SWAZ_CMD_SERVE_H
#define SWAZ_CMD_SERVE_H

/* Runs the server until SIGTERM or SIGINT. argv[0] is "serve". Returns an exit code. */
int cmd_serve(int argc, char **argv, char **envp);

#endif
