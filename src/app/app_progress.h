/*
 * app_progress.h - progress output of long CLI commands (`swaz scan`, `swaz transcode`): a
 * line redrawn in place on a terminal, plain lines every two seconds otherwise. Owns nothing;
 * main thread only.
 */
#ifndef SWAZ_APP_PROGRESS_H
#define SWAZ_APP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct AppProgress {
    bool tty;       /* stderr is a terminal */
    double started; /* app_progress_now() at the start */
    double last;    /* when the last line was written */
} AppProgress;

/* Seconds on CLOCK_MONOTONIC. */
double app_progress_now(void);

/* Starts the clock and looks whether stderr is a terminal. */
void app_progress_init(AppProgress *p);

/* True when a line is due (a terminal: at most ten a second; else every two seconds; always
 * with `final`), and notes that one is written now. */
bool app_progress_due(AppProgress *p, bool final);

/* Writes a bar like "[#####.....]" of `width` cells (at most size - 3) for done of total. */
void app_progress_bar(int64_t done, int64_t total, int width, char *out, size_t size);

/* Writes "1:02:03" or "2:03" for `secs`. */
void app_progress_eta(double secs, char *out, size_t size);

#endif
