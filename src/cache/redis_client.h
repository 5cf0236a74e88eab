/*
 * redis_client.h - a small Redis client: one connection to one server, over hiredis.
 *
 * URLs: redis://[[user]:password@]host[:port][/db] (port 6379, db 0 by default) and
 * unix:///path/to/redis.sock or redis+unix:///path (options ?db=N&password=...).
 * Connects with a 2 s timeout (commands time out after 2 s too), sends AUTH and SELECT when
 * given, and names the connection "swaz-<pid>". Threads: any thread may call any function;
 * one mutex serialises every use of the one connection. This module (redis_client.c) is
 * the only place in the tree that includes hiredis.h. Passwords never reach an error message.
 */
#ifndef SWAZ_CACHE_REDIS_CLIENT_H
#define SWAZ_CACHE_REDIS_CLIENT_H

#include <stddef.h>

typedef struct RedisClient RedisClient;

/* Parses `url`, connects, authenticates and selects the database. Returns 0, -EINVAL (bad
 * URL), -ENOMEM or ERR_DB (unreachable, refused, wrong password, bad db). Caller frees with
 * redis_client_close(). */
int redis_client_open(const char *url, RedisClient **ret_client);

/* Closes the connection and frees the client. redis_client_close(NULL) is a no-op. */
void redis_client_close(RedisClient *client);

/* Sends PING; when the connection has dropped, reconnects once and tries again.
 * Returns 0 or ERR_DB. */
int redis_client_ping(RedisClient *client);

/* GET `key`: copies the value into `buf` (`cap` bytes, no NUL added) and its length into
 * *ret_len. Returns 0, -ENOENT (no such key), ERR_LIMIT (longer than `cap`) or ERR_DB. */
int redis_client_get(RedisClient *client, const char *key, char *buf, size_t cap, size_t *ret_len);

/* SET `key` to `len` bytes of `value` with EX `ttl_s` (0: no expiry). Returns 0 or ERR_DB. */
int redis_client_set(RedisClient *client, const char *key, const char *value, size_t len,
                     unsigned ttl_s);

/* DEL `key` (no error when it does not exist). Returns 0 or ERR_DB. */
int redis_client_del(RedisClient *client, const char *key);

/* INCR `key`, writing the new value to *ret_value. Returns 0 or ERR_DB. */
int redis_client_incr(RedisClient *client, const char *key, long long *ret_value);

/* Returns the URL without its password, e.g. "redis://10.0.0.5:6379/2" or
 * "unix:///run/redis.sock?db=1". Borrowed until redis_client_close(). */
const char *redis_client_describe(const RedisClient *client);

/* Copies the last error message (never holding a password; "" if none) into `buf`. */
void redis_client_errmsg(RedisClient *client, char *buf, size_t size);

#endif
