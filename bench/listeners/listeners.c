/*
 * listeners.c - a load generator for audio streaming: N listeners, each one HTTP GET read
 * at a player's pace (default 128 kbps), on one epoll thread.
 *
 * Each listener connects (ramped at --rate per second), sends its request, and from the
 * first byte of the answer on "plays" its stream: it reads no further ahead than a player
 * buffer (--buffer seconds) beyond the playback clock, starts playback after --start seconds
 * of audio, and counts an underrun each time the clock catches up with the bytes received
 * (playback then waits for --start seconds of audio again). Errors: failed connects, an
 * answer that is not 200/206, a stream that ends or breaks before the run is over. At the
 * end it prints TTFB (connect start to first answer byte) p50/p99, errors, underruns, and
 * the CPU seconds and RSS of the --pid processes (the server) over the run, in one line of
 * key=value pairs after a human-readable summary.
 *
 *   listeners --port P --paths FILE [--host 127.0.0.1] [-n 10000] [--secs 30] [--kbps 128]
 *             [--rate 2000] [--header "Authorization: Bearer ..."] [--pid PID]... [--name X]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PATHS   1024
#define MAX_PIDS    16
#define READ_CHUNK  (64 * 1024)
#define HEAD_MAX    4096
#define TICK_MS     20
#define EVENTS_MAX  1024
#define CONNECT_TMO 10.0 /* seconds for connect + answer head */

typedef enum { L_IDLE, L_CONNECTING, L_HEAD, L_BODY, L_DONE, L_FAILED } LState;

typedef struct Listener {
    int fd;
    LState state;
    bool readable;  /* edge-triggered: data may be waiting */
    double t_start; /* connect() */
    double t_first; /* first answer byte */
    double t_play;  /* playback clock origin (moves on a stall) */
    bool playing;
    uint64_t got; /* body bytes received */
    unsigned underruns;
    char head[HEAD_MAX];
    size_t head_len;
    size_t path;
} Listener;

typedef struct Opts {
    const char *host;
    int port;
    const char *paths_file;
    int n;
    double secs;
    double kbps;
    double rate;
    double buffer_s;
    double start_s;
    const char *header;
    int pids[MAX_PIDS];
    int n_pids;
    const char *name;
} Opts;

static char *paths[MAX_PATHS];
static size_t n_paths;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* utime + stime of a process and its threads, in seconds; -1 when it is gone. */
static double proc_cpu(int pid)
{
    char p[64], buf[2048];
    snprintf(p, sizeof(p), "/proc/%d/stat", pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *s = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* A "<key>: N kB" line of /proc/PID/status (VmRSS, RssAnon, RssFile) in MB; 0 when the
 * process is gone. */
static double proc_status_mb(int pid, const char *key)
{
    char p[64], line[256], fmt[64];
    snprintf(p, sizeof(p), "/proc/%d/status", pid);
    snprintf(fmt, sizeof(fmt), "%s: %%lf kB", key);
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    double kb = 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, fmt, &kb) == 1)
            break;
    fclose(f);
    return kb / 1024.0;
}

static double pids_cpu(const Opts *o)
{
    double t = 0;
    for (int i = 0; i < o->n_pids; i++) {
        double c = proc_cpu(o->pids[i]);
        t += c > 0 ? c : 0;
    }
    return t;
}

static double pids_status_mb(const Opts *o, const char *key)
{
    double t = 0;
    for (int i = 0; i < o->n_pids; i++)
        t += proc_status_mb(o->pids[i], key);
    return t;
}

static double pids_rss(const Opts *o)
{
    return pids_status_mb(o, "VmRSS");
}

static void usage(void)
{
    fprintf(stderr, "usage: listeners --port P --paths FILE [--host H] [-n N] [--secs S] "
                    "[--kbps K] [--rate R] [--buffer S] [--start S] [--header H] [--pid PID]... "
                    "[--name X]\n");
    exit(2);
}

static void parse(int argc, char **argv, Opts *o)
{
    *o = (Opts){.host = "127.0.0.1",
                .n = 10000,
                .secs = 30,
                .kbps = 128,
                .rate = 2000,
                .buffer_s = 10,
                .start_s = 2,
                .name = "server"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (strcmp(a, "--host") == 0)
            o->host = v;
        else if (strcmp(a, "--port") == 0)
            o->port = (int)strtol(v, NULL, 10);
        else if (strcmp(a, "--paths") == 0)
            o->paths_file = v;
        else if (strcmp(a, "-n") == 0)
            o->n = (int)strtol(v, NULL, 10);
        else if (strcmp(a, "--secs") == 0)
            o->secs = strtod(v, NULL);
        else if (strcmp(a, "--kbps") == 0)
            o->kbps = strtod(v, NULL);
        else if (strcmp(a, "--rate") == 0)
            o->rate = strtod(v, NULL);
        else if (strcmp(a, "--buffer") == 0)
            o->buffer_s = strtod(v, NULL);
        else if (strcmp(a, "--start") == 0)
            o->start_s = strtod(v, NULL);
        else if (strcmp(a, "--header") == 0)
            o->header = v;
        else if (strcmp(a, "--pid") == 0 && o->n_pids < MAX_PIDS)
            o->pids[o->n_pids++] = (int)strtol(v, NULL, 10);
        else if (strcmp(a, "--name") == 0)
            o->name = v;
        else
            usage();
    }
    if (o->port <= 0 || !o->paths_file || o->n <= 0 || o->secs <= 0 || o->kbps <= 0 || o->rate <= 0)
        usage();
}

static void load_paths(const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        perror(file);
        exit(1);
    }
    char line[2048];
    while (n_paths < MAX_PATHS && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            paths[n_paths++] = strdup(line);
    }
    fclose(f);
    if (n_paths == 0) {
        fprintf(stderr, "listeners: no paths in %s\n", file);
        exit(1);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void fail(Listener *l, int *errors, const char *why, int ep)
{
    static int shown;
    if (shown++ < 5)
        fprintf(stderr, "listeners: listener failed: %s\n", why);
    if (l->fd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, l->fd, NULL);
        close(l->fd);
    }
    l->fd = -1;
    l->state = L_FAILED;
    (*errors)++;
}

static void start(Listener *l, const Opts *o, const struct sockaddr_in *sa, int ep, int *errors,
                  size_t index)
{
    l->t_start = now_s();
    l->path = index % n_paths;
    l->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0) {
        fail(l, errors, strerror(errno), ep);
        return;
    }
    int small = 64 * 1024; /* a player's socket, not a bulk download's */
    setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    if (connect(l->fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 && errno != EINPROGRESS) {
        fail(l, errors, strerror(errno), ep);
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP, .data.ptr = l};
    epoll_ctl(ep, EPOLL_CTL_ADD, l->fd, &ev);
    l->state = L_CONNECTING;
    (void)o;
}

static void send_request(Listener *l, const Opts *o, int ep, int *errors)
{
    char req[4096];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: %s\r\n%s%sUser-Agent: listeners\r\n\r\n",
                     paths[l->path], o->host, o->header ? o->header : "", o->header ? "\r\n" : "");
    if (n <= 0 || (size_t)n >= sizeof(req) || write(l->fd, req, (size_t)n) != n) {
        fail(l, errors, "cannot send the request", ep);
        return;
    }
    l->state = L_HEAD;
}

/* Reads what the player may take now; advances the playback clock and counts underruns. */
static void pump(Listener *l, const Opts *o, double t, int ep, int *errors, char *buf)
{
    double bps = o->kbps * 1000.0 / 8.0;
    while (l->readable && (l->state == L_HEAD || l->state == L_BODY)) {
        size_t want = READ_CHUNK;
        if (l->state == L_BODY) {
            /* A player reads no further than its buffer ahead of what it has played. */
            double played = l->playing ? (t - l->t_play) * bps : 0;
            double allowed = played + o->buffer_s * bps - (double)l->got;
            if (allowed < 1)
                break;
            want = allowed < READ_CHUNK ? (size_t)allowed : READ_CHUNK;
        }
        ssize_t n = read(l->fd, buf, want);
        if (n < 0 && errno == EAGAIN) {
            l->readable = false;
            break;
        }
        if (n <= 0) {
            fail(l, errors, n == 0 ? "the server closed the stream" : strerror(errno), ep);
            return;
        }
        if (l->state == L_HEAD) {
            if (l->t_first == 0)
                l->t_first = t;
            size_t before = l->head_len;
            size_t take =
                (size_t)n < HEAD_MAX - 1 - l->head_len ? (size_t)n : HEAD_MAX - 1 - l->head_len;
            memcpy(l->head + l->head_len, buf, take);
            l->head_len += take;
            l->head[l->head_len] = '\0';
            char *end = strstr(l->head, "\r\n\r\n");
            if (!end) {
                if (l->head_len >= HEAD_MAX - 1)
                    fail(l, errors, "answer head too large", ep);
                continue;
            }
            if (strncmp(l->head, "HTTP/1.1 200", 12) != 0 &&
                strncmp(l->head, "HTTP/1.1 206", 12) != 0) {
                char why[64];
                snprintf(why, sizeof(why), "answer %.12s", l->head);
                fail(l, errors, why, ep);
                return;
            }
            l->state = L_BODY;
            size_t head_here = (size_t)(end + 4 - l->head) - before; /* head bytes of this read */
            l->got = (uint64_t)n - head_here;
        } else {
            l->got += (uint64_t)n;
        }
    }
    if (l->state != L_BODY)
        return;
    double need = o->start_s * bps;
    if (!l->playing) {
        if ((double)l->got >= need) {
            l->playing = true;
            l->t_play = t - 0.0;
        }
        return;
    }
    double played = (t - l->t_play) * bps;
    if (played > (double)l->got) {
        /* The buffer ran dry: playback stops until `start` seconds are buffered again. */
        l->underruns++;
        l->playing = false;
        l->t_play = t - (double)l->got / bps; /* resume from where it stopped */
    }
}

int main(int argc, char **argv)
{
    Opts o;
    parse(argc, argv, &o);
    load_paths(o.paths_file);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if ((rlim_t)o.n + 64 > rl.rlim_cur) {
        fprintf(stderr, "listeners: open-files limit %llu is too low for %d listeners\n",
                (unsigned long long)rl.rlim_cur, o.n);
        return 1;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o.port)};
    if (inet_pton(AF_INET, o.host, &sa.sin_addr) != 1) {
        fprintf(stderr, "listeners: bad host %s\n", o.host);
        return 2;
    }
    Listener *ls = calloc((size_t)o.n, sizeof(*ls));
    char *buf = malloc(READ_CHUNK);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (!ls || !buf || ep < 0)
        return 1;
    for (int i = 0; i < o.n; i++)
        ls[i].fd = -1;

    int errors = 0, started = 0;
    double cpu0 = pids_cpu(&o), rss_max = 0;
    double t0 = now_s();
    double ramp_end = t0 + o.n / o.rate;
    double end = ramp_end + o.secs;
    struct epoll_event evs[EVENTS_MAX];
    double next_sample = t0;
    for (;;) {
        double t = now_s();
        if (t >= end)
            break;
        int due = (int)((t - t0) * o.rate) + 1;
        while (started < o.n && started < due) {
            start(&ls[started], &o, &sa, ep, &errors, (size_t)started);
            started++;
        }
        int k = epoll_wait(ep, evs, EVENTS_MAX, TICK_MS);
        t = now_s();
        for (int i = 0; i < k; i++) {
            Listener *l = evs[i].data.ptr;
            if (l->state == L_FAILED || l->fd < 0)
                continue;
            if (l->state == L_CONNECTING && (evs[i].events & EPOLLOUT)) {
                int err = 0;
                socklen_t len = sizeof(err);
                getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err) {
                    fail(l, &errors, strerror(err), ep);
                    continue;
                }
                send_request(l, &o, ep, &errors);
            }
            if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                l->readable = true;
        }
        /* Every listener each tick: its player clock moves even without new data. */
        for (int i = 0; i < started; i++) {
            Listener *l = &ls[i];
            if (l->state == L_HEAD || l->state == L_BODY)
                pump(l, &o, t, ep, &errors, buf);
            if ((l->state == L_CONNECTING || l->state == L_HEAD) && t - l->t_start > CONNECT_TMO)
                fail(l, &errors, "no answer within 10 s", ep);
        }
        if (t >= next_sample) {
            double r = pids_rss(&o);
            rss_max = r > rss_max ? r : rss_max;
            next_sample = t + 0.5;
        }
    }
    double cpu = pids_cpu(&o) - cpu0;
    double rss_end = pids_rss(&o);
    rss_max = rss_end > rss_max ? rss_end : rss_max;
    /* Where the RSS is: anonymous memory (heap, pools, stacks) or pages of mapped files
     * (the binary and its libraries), which do not grow with the listeners. */
    double rss_anon = pids_status_mb(&o, "RssAnon"), rss_file = pids_status_mb(&o, "RssFile");

    double *ttfb = calloc((size_t)o.n, sizeof(double));
    int nt = 0, with_underrun = 0, streaming = 0;
    unsigned long underruns = 0;
    uint64_t bytes = 0;
    for (int i = 0; i < o.n; i++) {
        Listener *l = &ls[i];
        if (l->t_first > 0)
            ttfb[nt++] = (l->t_first - l->t_start) * 1000.0;
        if (l->state == L_BODY)
            streaming++;
        underruns += l->underruns;
        with_underrun += l->underruns > 0;
        bytes += l->got;
        if (l->fd >= 0)
            close(l->fd);
    }
    qsort(ttfb, (size_t)nt, sizeof(double), cmp_double);
    double p50 = nt ? ttfb[nt / 2] : -1;
    double p99 = nt ? ttfb[(size_t)((nt - 1) * 0.99)] : -1;
    printf("%s: %d listeners (%d streaming at the end), %.0f s at %.0f kbps, %d errors, TTFB p50 "
           "%.1f ms p99 %.1f ms, %lu underruns (%d listeners), %.1f MB received, server CPU "
           "%.2f s, RSS %.1f MB (peak %.1f MB; at the end %.1f MB anonymous, %.1f MB of mapped "
           "files)\n",
           o.name, o.n, streaming, o.secs, o.kbps, errors, p50, p99, underruns, with_underrun,
           (double)bytes / 1e6, cpu, rss_end, rss_max, rss_anon, rss_file);
    printf("RESULT name=%s listeners=%d streaming=%d errors=%d ttfb_p50_ms=%.1f ttfb_p99_ms=%.1f "
           "underruns=%lu underrun_listeners=%d cpu_s=%.2f rss_mb=%.1f rss_peak_mb=%.1f "
           "rss_anon_mb=%.1f rss_file_mb=%.1f\n",
           o.name, o.n, streaming, errors, p50, p99, underruns, with_underrun, cpu, rss_end,
           rss_max, rss_anon, rss_file);
    free(ttfb);
    free(buf);
    free(ls);
    close(ep);
    return 0;
}
