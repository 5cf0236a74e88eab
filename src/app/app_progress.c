/* app_progress.c - the clock, the pacing and the pieces of a progress line. */
#include "app/app_progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define APP_PROGRESS_TTY_S   0.1
#define APP_PROGRESS_PLAIN_S 2.0

double app_progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void app_progress_init(AppProgress *p)
{
    p->tty = isatty(STDERR_FILENO) == 1;
    p->started = app_progress_now();
    p->last = p->started;
}

bool app_progress_due(AppProgress *p, bool final)
{
    double now = app_progress_now();
    if (!final && now - p->last < (p->tty ? APP_PROGRESS_TTY_S : APP_PROGRESS_PLAIN_S))
        return false;
    p->last = now;
    return true;
}

void app_progress_bar(int64_t done, int64_t total, int width, char *out, size_t size)
{
    if (size < 3)
        return;
    if (width > (int)size - 3)
        width = (int)size - 3;
    int64_t d = done < total ? done : total;
    int fill = total > 0 ? (int)(d * width / total) : 0;
    size_t o = 0;
    out[o++] = '[';
    for (int i = 0; i < width; i++)
        out[o++] = i < fill ? '#' : '.';
    out[o++] = ']';
    out[o] = '\0';
}

void app_progress_eta(double secs, char *out, size_t size)
{
    long long t = (long long)(secs + 0.5);
    if (t >= 3600)
        snprintf(out, size, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, size, "%lld:%02lld", t / 60, t % 60);
}
