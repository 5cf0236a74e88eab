/*
 * http_sender.c - file answers sent with sendfile() on one epoll thread, off libmicrohttpd.
 *
 * http_sender_add() (any thread) sends the first round itself, the head and sendfile() until
 * the socket buffer is full, then queues the stream and registers the socket edge-triggered
 * for EPOLLOUT, without waking the thread: a full socket raises no event until the client
 * has read, so a new listener costs the thread no extra wake-up. After each wake-up the
 * thread first takes the queued streams (they may be the ones with events), linking each and
 * sharing one descriptor per file (device, inode) among them. On each event it sends what is
 * left, sendfile() from the stream's own offset until the socket buffer is full; a short
 * write means full, so no extra call only to read EAGAIN. Once a second it closes
 * streams that made no progress for timeout_s. Streams, files and the epoll set belong to
 * the thread; the incoming queue and the connection counts are guarded by `mu`.
 */
#include "http/http_sender.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SENDER_EVENTS       512
#define SENDER_CHUNK        (1024 * 1024) /* at most per sendfile() call */
#define SENDER_PEER_BUCKETS 1024
#define SENDER_FILE_BUCKETS 256
#define SENDER_SWEEP_MS     1000

typedef struct SenderPeer {
    HttpPeerKey key;
    unsigned count;
    struct SenderPeer *next;
} SenderPeer;

typedef struct SenderFile {
    dev_t dev;
    ino_t ino;
    int fd;
    unsigned users;
    struct SenderFile *next;
} SenderFile;

typedef struct SenderStream {
    HttpSenderStream st;
    SenderFile *file;
    uint64_t pos; /* next file offset to send */
    uint64_t end; /* file offset after the last body byte */
    size_t head_sent;
    int64_t progress_ms;
    bool over; /* the first round ended it (all sent, or an error): the thread closes it */
    struct SenderStream *prev; /* the thread's list */
    struct SenderStream *next; /* the thread's list, or the incoming queue */
} SenderStream;

struct HttpSender {
    HttpSenderConfig cfg;
    int ep;
    int wake; /* eventfd */
    pthread_t thread;
    pthread_mutex_t mu;
    SenderStream *incoming; /* guarded by mu */
    bool stopping;          /* guarded by mu */
    unsigned total;         /* guarded by mu: admitted connections and streams */
    SenderPeer **peers;     /* guarded by mu */
    atomic_uint streams;
    SenderStream *live; /* the thread's */
    SenderFile **files; /* the thread's */
};

static int64_t sender_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- connection counts ---- */

int http_sender_peer_key(const struct sockaddr *sa, HttpPeerKey *ret_key)
{
    HttpPeerKey k;
    memset(&k, 0, sizeof(k));
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in in4;
        memcpy(&in4, sa, sizeof(in4));
        k.bytes[0] = 4;
        memcpy(k.bytes + 1, &in4.sin_addr, sizeof(in4.sin_addr));
    } else if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof(in6));
        k.bytes[0] = 6;
        memcpy(k.bytes + 1, &in6.sin6_addr, sizeof(in6.sin6_addr));
    } else {
        return -EAFNOSUPPORT;
    }
    *ret_key = k;
    return 0;
}

static SenderPeer **sender_peer_slot(HttpSender *s, const HttpPeerKey *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < sizeof(key->bytes); i++) {
        h ^= key->bytes[i];
        h *= 16777619u;
    }
    SenderPeer **p = &s->peers[h % SENDER_PEER_BUCKETS];
    while (*p && memcmp((*p)->key.bytes, key->bytes, sizeof(key->bytes)) != 0)
        p = &(*p)->next;
    return p;
}

bool http_sender_admit(HttpSender *s, const HttpPeerKey *peer)
{
    bool ok = false;
    pthread_mutex_lock(&s->mu);
    SenderPeer **p = sender_peer_slot(s, peer);
    if (s->total >= s->cfg.max_connections || (*p && (*p)->count >= s->cfg.per_peer))
        goto out;
    if (!*p) {
        *p = calloc(1, sizeof(**p));
        if (!*p)
            goto out;
        (*p)->key = *peer;
    }
    (*p)->count++;
    s->total++;
    ok = true;
out:
    pthread_mutex_unlock(&s->mu);
    return ok;
}

void http_sender_leave(HttpSender *s, const HttpPeerKey *peer)
{
    pthread_mutex_lock(&s->mu);
    SenderPeer **p = sender_peer_slot(s, peer);
    SenderPeer *e = *p;
    if (e) {
        s->total--;
        if (--e->count == 0) {
            *p = e->next;
            free(e);
        }
    }
    pthread_mutex_unlock(&s->mu);
}

unsigned http_sender_streams(HttpSender *s)
{
    return atomic_load(&s->streams);
}

/* ---- shared file descriptors (thread only) ---- */

/* Returns the shared entry for st->fd's file, taking st->fd (closed if an entry existed). */
static SenderFile *sender_file_get(HttpSender *s, int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return NULL;
    SenderFile **b = &s->files[(st.st_ino ^ st.st_dev) % SENDER_FILE_BUCKETS];
    for (SenderFile *f = *b; f; f = f->next) {
        if (f->dev == st.st_dev && f->ino == st.st_ino) {
            f->users++;
            close(fd);
            return f;
        }
    }
    SenderFile *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->fd = fd;
    f->users = 1;
    f->next = *b;
    *b = f;
    return f;
}

static void sender_file_put(HttpSender *s, SenderFile *f)
{
    if (--f->users > 0)
        return;
    SenderFile **p = &s->files[(f->ino ^ f->dev) % SENDER_FILE_BUCKETS];
    while (*p != f)
        p = &(*p)->next;
    *p = f->next;
    close(f->fd);
    free(f);
}

/* ---- streams (thread only) ---- */

static void sender_end(HttpSender *s, SenderStream *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else if (s->live == x)
        s->live = x->next;
    if (x->next)
        x->next->prev = x->prev;
    /* Explicitly: libmicrohttpd may not have closed its descriptor of the socket yet. */
    epoll_ctl(s->ep, EPOLL_CTL_DEL, x->st.sock, NULL);
    close(x->st.sock);
    if (x->file)
        sender_file_put(s, x->file);
    else if (x->st.fd >= 0)
        close(x->st.fd);
    uint64_t sent = x->pos - x->st.offset;
    s->cfg.done(s->cfg.done_cls, x->st.log_head, x->st.status, sent, x->pos == x->end,
                x->st.started_ms);
    http_sender_leave(s, &x->st.peer);
    atomic_fetch_sub(&s->streams, 1);
    free(x->st.head);
    free(x->st.log_head);
    free(x);
}

/* Sends what the socket takes. Returns true while the stream goes on. */
static bool sender_pump(SenderStream *x, int64_t now)
{
    while (x->head_sent < x->st.head_len) {
        int more = x->pos < x->end ? MSG_MORE : 0;
        ssize_t n = send(x->st.sock, x->st.head + x->head_sent, x->st.head_len - x->head_sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT | more);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR;
        x->head_sent += (size_t)n;
        x->progress_ms = now;
    }
    while (x->pos < x->end) {
        uint64_t left = x->end - x->pos;
        size_t want = left > SENDER_CHUNK ? SENDER_CHUNK : (size_t)left;
        off_t off = (off_t)x->pos;
        ssize_t n = sendfile(x->st.sock, x->file ? x->file->fd : x->st.fd, &off, want);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR;
        if (n == 0)
            return false; /* the file became shorter */
        x->pos += (uint64_t)n;
        x->progress_ms = now;
        if ((size_t)n < want)
            return true; /* the socket buffer is full: the next EPOLLOUT edge resumes */
    }
    return false; /* all sent */
}

/* Links the queued streams (before their events are handled). */
static void sender_intake(HttpSender *s)
{
    pthread_mutex_lock(&s->mu);
    SenderStream *q = s->incoming;
    s->incoming = NULL;
    pthread_mutex_unlock(&s->mu);
    while (q) {
        SenderStream *x = q;
        q = q->next;
        x->prev = NULL;
        x->next = s->live;
        if (s->live)
            s->live->prev = x;
        s->live = x;
        x->file = sender_file_get(s, x->st.fd);
        if (x->file)
            x->st.fd = -1;
        if (!x->file || x->over)
            sender_end(s, x);
    }
}

static void sender_sweep(HttpSender *s, int64_t now)
{
    int64_t limit = (int64_t)s->cfg.timeout_s * 1000;
    SenderStream *x = s->live;
    while (x) {
        SenderStream *next = x->next;
        if (now - x->progress_ms >= limit)
            sender_end(s, x);
        x = next;
    }
}

static void *sender_run(void *arg)
{
    HttpSender *s = arg;
    struct epoll_event ev[SENDER_EVENTS];
    int64_t swept = sender_now_ms();
    for (;;) {
        int n = epoll_wait(s->ep, ev, SENDER_EVENTS, SENDER_SWEEP_MS);
        int64_t now = sender_now_ms();
        sender_intake(s);
        for (int i = 0; i < n; i++) {
            SenderStream *x = ev[i].data.ptr;
            if (!x) {
                uint64_t v;
                while (read(s->wake, &v, sizeof(v)) > 0) {
                }
            } else if ((ev[i].events & (EPOLLERR | EPOLLHUP)) || !sender_pump(x, now)) {
                sender_end(s, x);
            }
        }
        pthread_mutex_lock(&s->mu);
        bool stop = s->stopping;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        if (now - swept >= SENDER_SWEEP_MS) {
            sender_sweep(s, now);
            swept = now;
        }
    }
    sender_intake(s); /* nothing is added once stopping is set */
    while (s->live)
        sender_end(s, s->live);
    return NULL;
}

/* ---- start, add, stop ---- */

int http_sender_start(const HttpSenderConfig *cfg, HttpSender **ret_sender)
{
    int rc = -ENOMEM;
    HttpSender *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->cfg = *cfg;
    s->ep = -1;
    s->wake = -1;
    atomic_init(&s->streams, 0);
    s->peers = calloc(SENDER_PEER_BUCKETS, sizeof(*s->peers));
    s->files = calloc(SENDER_FILE_BUCKETS, sizeof(*s->files));
    if (!s->peers || !s->files)
        goto out_free;
    rc = -pthread_mutex_init(&s->mu, NULL);
    if (rc < 0)
        goto out_free;
    s->ep = epoll_create1(EPOLL_CLOEXEC);
    s->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (s->ep < 0 || s->wake < 0 || epoll_ctl(s->ep, EPOLL_CTL_ADD, s->wake, &ev) < 0) {
        rc = -errno;
        goto out_close;
    }
    rc = -pthread_create(&s->thread, NULL, sender_run, s);
    if (rc < 0)
        goto out_close;
    *ret_sender = s;
    return 0;

out_close:
    if (s->wake >= 0)
        close(s->wake);
    if (s->ep >= 0)
        close(s->ep);
    pthread_mutex_destroy(&s->mu);
out_free:
    free(s->files);
    free(s->peers);
    free(s);
    return rc;
}

int http_sender_add(HttpSender *s, HttpSenderStream *st)
{
    SenderStream *x = calloc(1, sizeof(*x));
    if (!x)
        return -ENOMEM;
    x->st = *st;
    x->pos = st->offset;
    x->end = st->offset + st->length;
    pthread_mutex_lock(&s->mu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->mu);
        free(x);
        return -ESHUTDOWN;
    }
    /* The first round goes out from the caller's thread, under `mu` so that the stream is
     * surely taken once a byte left and that the thread, stopping, cannot close the socket
     * before it is registered. The queue comes first: an event implies a queued stream. */
    int64_t now = sender_now_ms();
    x->progress_ms = now;
    x->over = !sender_pump(x, now);
    x->next = s->incoming;
    s->incoming = x;
    atomic_fetch_add(&s->streams, 1);
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLET, .data.ptr = x};
    bool wake = x->over || epoll_ctl(s->ep, EPOLL_CTL_ADD, st->sock, &ev) < 0;
    x->over = x->over || wake;
    pthread_mutex_unlock(&s->mu);
    uint64_t one = 1;
    if (wake && write(s->wake, &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is full, so the thread has a wake-up pending anyway */
    }
    return 0;
}

void http_sender_stop(HttpSender *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_mutex_unlock(&s->mu);
    uint64_t one = 1;
    if (write(s->wake, &one, sizeof(one)) < 0) {
        /* as in http_sender_add */
    }
    pthread_join(s->thread, NULL);
    for (size_t i = 0; i < SENDER_PEER_BUCKETS; i++) {
        while (s->peers[i]) {
            SenderPeer *p = s->peers[i];
            s->peers[i] = p->next;
            free(p);
        }
    }
    close(s->wake);
    close(s->ep);
    pthread_mutex_destroy(&s->mu);
    free(s->files);
    free(s->peers);
    free(s);
}
