/*
 * library_watch.c - inotify on the music folders, debounced into "rescan these folders".
 *
 * One thread owns everything below the immutable part: the inotify descriptor's table of
 * watches (sorted by watch descriptor; the kernel hands them out in increasing order), the
 * set of changed folders and the debounce clock. Only `stop` and `n_watched` are shared.
 * A folder renamed inside the library is re-added under its new name (inotify returns the
 * same descriptor for the same inode, and the table takes the new path).
 */
#include "library/library_watch.h"

#include "core/limits.h"
#include "core/log.h"
#include "core/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WATCH_MASK                                                                                 \
    (IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF |       \
     IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)
#define WATCH_POLL_MS         200 /* longest wait before the thread looks at `stop` */
#define WATCH_MAX_DELAY_TIMES 10  /* changes that never quieten are flushed after 10 debounces */

typedef struct WatchDir {
    int wd;
    char *path; /* owned */
} WatchDir;

struct LibraryWatch {
    /* Immutable after library_watch_new(). */
    size_t n_roots;
    char roots[LIMIT_MUSIC_DIRS][LIMIT_PATH_BYTES];
    unsigned debounce_ms;
    LibraryWatchNotify notify;
    void *ctx;
    int fd;
    pthread_t thread;

    atomic_bool stop;
    atomic_size_t n_watched;

    /* Watch thread only. */
    WatchDir *dirs;
    size_t n_dirs, cap_dirs;
    bool limit_logged;
    bool pending_full;
    size_t n_pending;
    char pending[LIMIT_WATCH_PENDING_DIRS][LIMIT_PATH_BYTES];
    const char *pending_ptrs[LIMIT_WATCH_PENDING_DIRS];
    int64_t first_change_ms, last_change_ms; /* 0: nothing pending */
};

static int64_t watch_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Index of the first entry with wd >= `wd`. */
static size_t watch_find(const LibraryWatch *w, int wd)
{
    size_t lo = 0, hi = w->n_dirs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->dirs[mid].wd < wd)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const char *watch_path_of(const LibraryWatch *w, int wd)
{
    size_t i = watch_find(w, wd);
    return i < w->n_dirs && w->dirs[i].wd == wd ? w->dirs[i].path : NULL;
}

/* Records `path` for `wd` (replacing the path of a known wd). Returns 0 or -ENOMEM. */
static int watch_table_set(LibraryWatch *w, int wd, const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -ENOMEM;
    size_t i = watch_find(w, wd);
    if (i < w->n_dirs && w->dirs[i].wd == wd) {
        free(w->dirs[i].path);
        w->dirs[i].path = copy;
        return 0;
    }
    if (w->n_dirs == w->cap_dirs) {
        size_t cap = w->cap_dirs ? w->cap_dirs * 2 : 256;
        WatchDir *d = realloc(w->dirs, cap * sizeof(*d));
        if (!d) {
            free(copy);
            return -ENOMEM;
        }
        w->dirs = d;
        w->cap_dirs = cap;
    }
    memmove(&w->dirs[i + 1], &w->dirs[i], (w->n_dirs - i) * sizeof(*w->dirs));
    w->dirs[i] = (WatchDir){wd, copy};
    w->n_dirs++;
    atomic_store(&w->n_watched, w->n_dirs);
    return 0;
}

static void watch_table_remove(LibraryWatch *w, int wd)
{
    size_t i = watch_find(w, wd);
    if (i >= w->n_dirs || w->dirs[i].wd != wd)
        return;
    free(w->dirs[i].path);
    memmove(&w->dirs[i], &w->dirs[i + 1], (w->n_dirs - i - 1) * sizeof(*w->dirs));
    w->n_dirs--;
    atomic_store(&w->n_watched, w->n_dirs);
}

static bool watch_has_ignore(const char *dir)
{
    char p[LIMIT_PATH_BYTES];
    if (snprintf(p, sizeof(p), "%s/.swazignore", dir) >= (int)sizeof(p))
        return false;
    return access(p, F_OK) == 0;
}

static void watch_log_limit(LibraryWatch *w, const char *path)
{
    if (w->limit_logged)
        return;
    w->limit_logged = true;
    char limit[32] = "?";
    FILE *f = fopen("/proc/sys/fs/inotify/max_user_watches", "re");
    if (f) {
        if (!fgets(limit, sizeof(limit), f))
            str_copy(limit, "?", sizeof(limit));
        limit[strcspn(limit, "\n")] = '\0';
        fclose(f);
    }
    log_warn("watch: the inotify watch limit (fs.inotify.max_user_watches = %s) is reached at "
             "%s; %zu folders are watched, changes elsewhere need a scan (raise the limit with "
             "sysctl)",
             limit, path, w->n_dirs);
}

/* Watches the folder in `path` (a buffer of LIMIT_PATH_BYTES holding `len` bytes) and every
 * folder below it, down to LIMIT_SCAN_DEPTH. */
static void watch_add_tree(LibraryWatch *w, char *path, size_t len, int depth)
{
    if (depth > LIMIT_SCAN_DEPTH || atomic_load(&w->stop) || watch_has_ignore(path))
        return;
    int wd = inotify_add_watch(w->fd, path, WATCH_MASK);
    if (wd < 0) {
        if (errno == ENOSPC)
            watch_log_limit(w, path);
        else if (depth == 0)
            log_warn("watch: cannot watch %s: %s", path, strerror(errno));
        return;
    }
    if (watch_table_set(w, wd, path) < 0) {
        inotify_rm_watch(w->fd, wd);
        return;
    }
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t nlen = strlen(e->d_name);
        if (len + 1 + nlen >= LIMIT_PATH_BYTES)
            continue;
        path[len] = '/';
        memcpy(path + len + 1, e->d_name, nlen + 1);
        bool dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) {
            struct stat st;
            dir = lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
        }
        if (dir)
            watch_add_tree(w, path, len + 1 + nlen, depth + 1);
        path[len] = '\0';
    }
    closedir(d);
}

static void watch_add_path(LibraryWatch *w, const char *dir)
{
    char buf[LIMIT_PATH_BYTES];
    size_t len = str_copy(buf, dir, sizeof(buf));
    if (len < sizeof(buf))
        watch_add_tree(w, buf, len, 0);
}

/* True when `path` is `dir` or lies below it. */
static bool watch_within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool watch_is_root(const LibraryWatch *w, const char *path)
{
    for (size_t i = 0; i < w->n_roots; i++) {
        if (strcmp(w->roots[i], path) == 0)
            return true;
    }
    return false;
}

/* Adds a changed folder to the pending set, merged; overflow turns into a full scan. */
static void watch_mark(LibraryWatch *w, const char *path)
{
    int64_t now = watch_now_ms();
    if (!w->first_change_ms)
        w->first_change_ms = now;
    w->last_change_ms = now;
    if (w->pending_full)
        return;
    for (size_t i = 0; i < w->n_pending; i++) {
        if (watch_within(path, w->pending[i]))
            return;
    }
    size_t keep = 0;
    for (size_t i = 0; i < w->n_pending; i++) {
        if (watch_within(w->pending[i], path))
            continue;
        if (keep != i)
            memcpy(w->pending[keep], w->pending[i], strlen(w->pending[i]) + 1);
        keep++;
    }
    w->n_pending = keep;
    if (w->n_pending == LIMIT_WATCH_PENDING_DIRS || strlen(path) >= LIMIT_PATH_BYTES) {
        w->pending_full = true;
        w->n_pending = 0;
        return;
    }
    str_copy(w->pending[w->n_pending++], path, LIMIT_PATH_BYTES);
}

static void watch_mark_full(LibraryWatch *w)
{
    watch_mark(w, "/");
    w->pending_full = true;
    w->n_pending = 0;
}

/* Marks the folder holding `path` (or `path` itself when it is a music folder). */
static void watch_mark_parent(LibraryWatch *w, const char *path)
{
    if (watch_is_root(w, path)) {
        watch_mark(w, path);
        return;
    }
    char buf[LIMIT_PATH_BYTES];
    str_copy(buf, path, sizeof(buf));
    char *slash = strrchr(buf, '/');
    if (slash && slash != buf)
        *slash = '\0';
    watch_mark(w, buf);
}

/* True when a folder between `path` and its music folder holds `.swazignore` or is hidden. */
static bool watch_ignored(const LibraryWatch *w, const char *path)
{
    const char *root = NULL;
    for (size_t i = 0; i < w->n_roots && !root; i++) {
        if (watch_within(path, w->roots[i]))
            root = w->roots[i];
    }
    if (!root)
        return true;
    char buf[LIMIT_PATH_BYTES];
    size_t len = str_copy(buf, path, sizeof(buf));
    size_t root_len = strlen(root);
    while (len > root_len) {
        char *slash = strrchr(buf, '/');
        if (!slash)
            break;
        if (slash[1] == '.' || watch_has_ignore(buf))
            return true;
        *slash = '\0';
        len = (size_t)(slash - buf);
    }
    return false;
}

static void watch_flush(LibraryWatch *w)
{
    if (w->pending_full) {
        log_info("watch: many changes; asking for a full scan");
        w->notify(w->ctx, NULL, 0);
    } else {
        size_t n = 0;
        for (size_t i = 0; i < w->n_pending; i++) {
            if (!watch_ignored(w, w->pending[i]))
                w->pending_ptrs[n++] = w->pending[i];
        }
        if (n)
            w->notify(w->ctx, w->pending_ptrs, n);
    }
    w->pending_full = false;
    w->n_pending = 0;
    w->first_change_ms = 0;
    w->last_change_ms = 0;
}

static void watch_event(LibraryWatch *w, const struct inotify_event *ev)
{
    if (ev->mask & IN_Q_OVERFLOW) {
        log_warn("watch: the kernel's event queue overflowed; asking for a full scan");
        watch_mark_full(w);
        return;
    }
    const char *dir = watch_path_of(w, ev->wd);
    if (!dir)
        return;
    if (ev->mask & IN_IGNORED) {
        watch_table_remove(w, ev->wd);
        return;
    }
    if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        watch_mark_parent(w, dir);
        return;
    }
    const char *name = ev->len ? ev->name : "";
    if (name[0] == '.') {
        if (strcmp(name, ".swazignore") == 0)
            watch_mark_parent(w, dir);
        return;
    }
    if (!name[0]) {
        watch_mark(w, dir);
        return;
    }
    char child[LIMIT_PATH_BYTES];
    if (snprintf(child, sizeof(child), "%s/%s", dir, name) >= (int)sizeof(child))
        return;
    if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
        watch_add_path(w, child); /* may replace `dir`: not used below */
        watch_mark(w, child);
        return;
    }
    watch_mark(w, dir);
}

static void *watch_main(void *arg)
{
    LibraryWatch *w = arg;
    for (size_t i = 0; i < w->n_roots; i++)
        watch_add_path(w, w->roots[i]);
    log_info("watch: watching %zu folder(s) for changes", w->n_dirs);

    /* Aligned for struct inotify_event. */
    static const size_t buf_len = 64 * 1024;
    char *buf = aligned_alloc(__alignof__(struct inotify_event), buf_len);
    if (!buf) {
        log_error("watch: out of memory; folder watching is off");
        return NULL;
    }
    int64_t max_delay = (int64_t)w->debounce_ms * WATCH_MAX_DELAY_TIMES;
    while (!atomic_load(&w->stop)) {
        int timeout = WATCH_POLL_MS;
        if (w->last_change_ms) {
            int64_t now = watch_now_ms();
            int64_t due = w->last_change_ms + w->debounce_ms;
            if (w->first_change_ms + max_delay < due)
                due = w->first_change_ms + max_delay;
            if (now >= due) {
                watch_flush(w);
                continue;
            }
            if (due - now < timeout)
                timeout = (int)(due - now);
        }
        struct pollfd pfd = {w->fd, POLLIN, 0};
        int r = poll(&pfd, 1, timeout);
        if (r <= 0)
            continue;
        ssize_t got = read(w->fd, buf, buf_len);
        if (got <= 0)
            continue;
        for (ssize_t off = 0; off < got;) {
            const struct inotify_event *ev = (const struct inotify_event *)(buf + off);
            watch_event(w, ev);
            off += (ssize_t)(sizeof(*ev) + ev->len);
        }
    }
    free(buf);
    return NULL;
}

int library_watch_new(const LibraryFolder *folders, size_t n, unsigned debounce_ms,
                      LibraryWatchNotify notify, void *ctx, LibraryWatch **ret_watch)
{
    if (n > LIMIT_MUSIC_DIRS || !notify)
        return -EINVAL;
    LibraryWatch *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    int r = -EINVAL;
    for (size_t i = 0; i < n; i++) {
        size_t len = str_copy(w->roots[i], folders[i].path, LIMIT_PATH_BYTES);
        if (len >= LIMIT_PATH_BYTES || w->roots[i][0] != '/')
            goto out_free;
        while (len > 1 && w->roots[i][len - 1] == '/')
            w->roots[i][--len] = '\0';
    }
    w->n_roots = n;
    w->debounce_ms = debounce_ms;
    w->notify = notify;
    w->ctx = ctx;
    atomic_init(&w->stop, false);
    atomic_init(&w->n_watched, 0);
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0) {
        r = -errno;
        goto out_free;
    }
    if ((r = -pthread_create(&w->thread, NULL, watch_main, w)) < 0)
        goto out_close;
    *ret_watch = w;
    return 0;

out_close:
    close(w->fd);
out_free:
    free(w);
    return r;
}

size_t library_watch_count(LibraryWatch *watch)
{
    return atomic_load(&watch->n_watched);
}

void library_watch_free(LibraryWatch *watch)
{
    if (!watch)
        return;
    atomic_store(&watch->stop, true);
    pthread_join(watch->thread, NULL);
    close(watch->fd);
    for (size_t i = 0; i < watch->n_dirs; i++)
        free(watch->dirs[i].path);
    free(watch->dirs);
    free(watch);
}
