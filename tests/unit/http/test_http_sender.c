/*
 * test_http_sender.c - the stream sender over real loopback TCP sockets and a real file:
 * whole and partial bodies, the inactivity timeout, stop with streams in flight, and the
 * connection counts per peer and in total.
 */
#include "http/http_sender.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define FILE_BYTES (8 * 1024 * 1024) /* more than loopback's socket buffers hold */

static char file_path[64];

typedef struct Done {
    pthread_mutex_t mu;
    int calls;
    int status;
    uint64_t bytes;
    bool complete;
    char log_head[64];
} Done;

static Done done = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void on_done(void *cls, const char *log_head, int status, uint64_t bytes, bool complete,
                    int64_t started_ms)
{
    (void)cls;
    (void)started_ms;
    pthread_mutex_lock(&done.mu);
    done.calls++;
    done.status = status;
    done.bytes = bytes;
    done.complete = complete;
    snprintf(done.log_head, sizeof(done.log_head), "%s", log_head);
    pthread_mutex_unlock(&done.mu);
}

static int done_calls(void)
{
    pthread_mutex_lock(&done.mu);
    int n = done.calls;
    pthread_mutex_unlock(&done.mu);
    return n;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool wait_done(int calls, int ms)
{
    int64_t end = now_ms() + ms;
    while (done_calls() < calls && now_ms() < end) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return done_calls() >= calls;
}

static unsigned char file_byte(size_t i)
{
    return (unsigned char)((i * 13 + 5) % 251);
}

static int group_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN); /* as app/ does: sendfile() to a reset socket */
    snprintf(file_path, sizeof(file_path), "/tmp/swaz-sender-XXXXXX");
    int fd = mkstemp(file_path);
    assert_true(fd >= 0);
    unsigned char *data = malloc(FILE_BYTES);
    assert_non_null(data);
    for (size_t i = 0; i < FILE_BYTES; i++)
        data[i] = file_byte(i);
    assert_int_equal(write(fd, data, FILE_BYTES), FILE_BYTES);
    free(data);
    close(fd);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(file_path);
    return 0;
}

/* A connected loopback pair: *client (rcvbuf if > 0) and *server. */
static void tcp_pair(int rcvbuf, int *client, int *server)
{
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(l >= 0);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(listen(l, 4), 0);
    socklen_t len = sizeof(sin);
    assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &len), 0);
    *client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(*client >= 0);
    if (rcvbuf > 0)
        setsockopt(*client, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    assert_int_equal(connect(*client, (struct sockaddr *)&sin, sizeof(sin)), 0);
    *server = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    assert_true(*server >= 0);
    close(l);
}

static HttpSender *sender_new(unsigned timeout_s)
{
    HttpSenderConfig cfg = {
        .max_connections = 10,
        .per_peer = 10,
        .timeout_s = timeout_s,
        .done = on_done,
    };
    HttpSender *s = NULL;
    assert_int_equal(http_sender_start(&cfg, &s), 0);
    pthread_mutex_lock(&done.mu);
    done.calls = 0;
    pthread_mutex_unlock(&done.mu);
    return s;
}

static HttpPeerKey loopback_key(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    HttpPeerKey k;
    assert_int_equal(http_sender_peer_key((struct sockaddr *)&sin, &k), 0);
    return k;
}

/* Hands over `length` bytes of the file from `offset` on `server` with a short head. */
static void add_stream(HttpSender *s, int server, uint64_t offset, uint64_t length)
{
    HttpSenderStream st = {
        .sock = server,
        .fd = open(file_path, O_RDONLY | O_CLOEXEC),
        .offset = offset,
        .length = length,
        .status = 206,
        .peer = loopback_key(),
    };
    assert_true(st.fd >= 0);
    char head[128];
    int n =
        snprintf(head, sizeof(head), "HTTP/1.1 206 Partial Content\r\nContent-Length: %llu\r\n\r\n",
                 (unsigned long long)length);
    st.head = strdup(head);
    st.head_len = (size_t)n;
    st.log_head = strdup("127.0.0.1 GET /x");
    assert_true(http_sender_admit(s, &st.peer));
    assert_int_equal(http_sender_add(s, &st), 0);
}

/* Reads until EOF (or `max` bytes); returns the count. */
static size_t read_all(int fd, unsigned char *buf, size_t max)
{
    size_t got = 0;
    while (got < max) {
        ssize_t n = recv(fd, buf + got, max - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

static void test_whole_stream(void **state)
{
    (void)state;
    HttpSender *s = sender_new(30);
    int client, server;
    tcp_pair(0, &client, &server);
    const uint64_t offset = 1000, length = 3 * 1024 * 1024 + 7;
    add_stream(s, server, offset, length);
    size_t cap = length + 4096;
    unsigned char *buf = malloc(cap);
    size_t got = read_all(client, buf, cap);
    const char *body = strstr((char *)buf, "\r\n\r\n");
    assert_non_null(body);
    body += 4;
    size_t head_len = (size_t)(body - (char *)buf);
    assert_int_equal(got - head_len, length); /* then EOF: the sender closed after the body */
    for (size_t i = 0; i < length; i++)
        if (buf[head_len + i] != file_byte(offset + i))
            fail_msg("byte %zu differs", i);
    assert_true(wait_done(1, 2000));
    assert_int_equal(done.status, 206);
    assert_true(done.complete);
    assert_int_equal(done.bytes, length);
    assert_string_equal(done.log_head, "127.0.0.1 GET /x");
    assert_int_equal(http_sender_streams(s), 0);
    free(buf);
    close(client);
    http_sender_stop(s);
}

/* A client that stops reading is dropped after timeout_s without progress. */
static void test_timeout(void **state)
{
    (void)state;
    HttpSender *s = sender_new(1);
    int client, server;
    tcp_pair(4096, &client, &server);
    add_stream(s, server, 0, FILE_BYTES);
    int64_t t0 = now_ms();
    assert_true(wait_done(1, 5000));
    assert_true(now_ms() - t0 >= 900);
    assert_false(done.complete);
    assert_true(done.bytes < FILE_BYTES);
    assert_int_equal(http_sender_streams(s), 0);
    close(client);
    http_sender_stop(s);
}

/* Stop ends the streams in flight and reports each. */
static void test_stop(void **state)
{
    (void)state;
    HttpSender *s = sender_new(30);
    int client[2], server[2];
    for (int i = 0; i < 2; i++) {
        tcp_pair(4096, &client[i], &server[i]);
        add_stream(s, server[i], 0, FILE_BYTES);
    }
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(http_sender_streams(s), 2);
    http_sender_stop(s);
    assert_int_equal(done_calls(), 2);
    assert_false(done.complete);
    for (int i = 0; i < 2; i++) {
        unsigned char tmp[4096];
        while (recv(client[i], tmp, sizeof(tmp), 0) > 0) {
        }
        close(client[i]); /* EOF (or reset) reached: the sender closed its side */
    }
}

/* The counts: a peer's share and the total, across admitted connections. */
static void test_admit(void **state)
{
    (void)state;
    HttpSenderConfig cfg = {.max_connections = 3, .per_peer = 2, .timeout_s = 30, .done = on_done};
    HttpSender *s = NULL;
    assert_int_equal(http_sender_start(&cfg, &s), 0);
    HttpPeerKey a = loopback_key();
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
    HttpPeerKey b;
    assert_int_equal(http_sender_peer_key((struct sockaddr *)&sin6, &b), 0);
    struct sockaddr un = {.sa_family = AF_UNIX};
    assert_int_equal(http_sender_peer_key(&un, &b), -EAFNOSUPPORT);
    assert_int_equal(http_sender_peer_key((struct sockaddr *)&sin6, &b), 0);

    assert_true(http_sender_admit(s, &a));
    assert_true(http_sender_admit(s, &a));
    assert_false(http_sender_admit(s, &a)); /* the peer's share */
    assert_true(http_sender_admit(s, &b));
    assert_false(http_sender_admit(s, &b)); /* the total */
    http_sender_leave(s, &a);
    assert_true(http_sender_admit(s, &b));
    assert_false(http_sender_admit(s, &a));
    http_sender_leave(s, &a);
    http_sender_leave(s, &b);
    http_sender_leave(s, &b);
    assert_true(http_sender_admit(s, &a));
    assert_true(http_sender_admit(s, &b));
    http_sender_stop(s); /* frees what is still counted */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_stream),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_admit),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
