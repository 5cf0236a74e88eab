/*
 * http_sender.h - long file answers sent off libmicrohttpd, and the connection count per peer.
 *
 * A listener may stream one file for an hour; kept in libmicrohttpd that costs its memory
 * pool (at least half the pool is touched per connection) for the whole time. Once the
 * answer's head is decided, http_server.c hands the socket, the file and the head to the
 * sender: one thread, one epoll set, sendfile() at explicit offsets, ~200 bytes per stream,
 * descriptors of the same file shared. The sender also counts every connection per peer
 * address and in total (libmicrohttpd's and its own), so that the configured limits hold
 * across both. Private to src/http/; any server thread may call it, the sender's thread
 * owns the streams.
 */
#ifndef SWAZ_HTTP_SENDER_H
#define SWAZ_HTTP_SENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define HTTP_SENDER_MIN_BYTES_DEFAULT (1024 * 1024) /* smaller file answers stay keep-alive */

/* A peer address: family byte and up to 16 address bytes (the port is not part of it). */
typedef struct HttpPeerKey {
    unsigned char bytes[17];
} HttpPeerKey;

/* Called on the sender's thread when a stream ends (sent, failed, timed out or stopped):
 * `bytes` of body were sent; `complete` says whether that was all of it. */
typedef void (*HttpSenderDone)(void *cls, const char *log_head, int status, uint64_t bytes,
                               bool complete, int64_t started_ms);

typedef struct HttpSenderConfig {
    unsigned max_connections; /* libmicrohttpd's and the sender's together */
    unsigned per_peer;        /* the same, per peer address */
    unsigned timeout_s;       /* a stream that makes no progress for this long is closed */
    HttpSenderDone done;
    void *done_cls;
} HttpSenderConfig;

/* One answer to hand over (http_sender_add). */
typedef struct HttpSenderStream {
    int sock;           /* the client socket: a descriptor of its own (not libmicrohttpd's) */
    int fd;             /* the open file */
    uint64_t offset;    /* first body byte in the file */
    uint64_t length;    /* body bytes */
    char *head;         /* the complete response head (malloc'd) */
    size_t head_len;    /* bytes of head */
    char *log_head;     /* "peer method target" for the access log (malloc'd) */
    int status;         /* for the access log and metrics */
    int64_t started_ms; /* when the request started (monotonic) */
    HttpPeerKey peer;   /* the peer whose admitted connection the stream takes over */
} HttpSenderStream;

typedef struct HttpSender HttpSender;

/* Starts the sender's thread. Returns 0 or a negative errno; stop with http_sender_stop(). */
int http_sender_start(const HttpSenderConfig *cfg, HttpSender **ret_sender);

/* Closes every stream (each reported to `done`), joins the thread and frees. NULL: no-op. */
void http_sender_stop(HttpSender *sender);

/* Fills `ret_key` from a socket address. Returns 0, or -EAFNOSUPPORT. */
int http_sender_peer_key(const struct sockaddr *sa, HttpPeerKey *ret_key);

/* Counts one more connection of `peer`. Returns false (nothing counted) when the total or
 * the peer's share is at its limit. */
bool http_sender_admit(HttpSender *sender, const HttpPeerKey *peer);

/* Ends one admitted connection of `peer`. */
void http_sender_leave(HttpSender *sender, const HttpPeerKey *peer);

/* Takes over `st` (its socket, file, head and log_head, and its peer's admitted connection)
 * and starts sending. Returns 0, or -ENOMEM / -ESHUTDOWN with nothing taken. */
int http_sender_add(HttpSender *sender, HttpSenderStream *st);

/* Returns the streams being sent. */
unsigned http_sender_streams(HttpSender *sender);

#endif
