/*
 * cache_kv.h - a small shared cache of text values with a time to live, and version counters
 * for invalidation.
 *
 * Without Redis it lives in the process: at most LIMIT_CACHE_ENTRIES values (an expired or
 * else the oldest entry makes room) and a fixed set of counters that are never evicted. With
 * a RedisClient the same calls go to Redis (GET / SET EX / DEL / INCR, every key starting with
 * the configured prefix, "swaz:" by default), so every instance behind a load balancer sees
 * one cache, and sites that share a Redis but not a database keep apart. A Redis failure reads as a
 * miss and makes writes fail; callers compute from the database then. Any thread: one mutex guards
 * the in-process table (the RedisClient has its own).
 */
#ifndef SWAZ_CACHE_KV_H
#define SWAZ_CACHE_KV_H

#include "cache/redis_client.h"
#include "core/arena.h"

#include <stddef.h>
#include <stdint.h>

typedef struct CacheKv CacheKv;

/* Makes a cache backed by `redis` (borrowed; must outlive the cache) or, when NULL, by the
 * process; Redis keys start with `prefix` (NULL: "swaz:"; 1..LIMIT_CACHE_PREFIX_BYTES bytes).
 * Returns NULL when out of memory or for a bad prefix. Caller frees with cache_kv_free(). */
CacheKv *cache_kv_new(RedisClient *redis, const char *prefix);

/* Frees the cache. cache_kv_free(NULL) is a no-op. */
void cache_kv_free(CacheKv *cache);

/* Looks up `key` (at most LIMIT_CACHE_KEY_BYTES). On a hit writes an Arena-owned,
 * NUL-terminated copy and its length. Returns 0, -ENOENT (miss, expired, or Redis
 * unreachable), -EINVAL (key too long) or -ENOMEM. */
int cache_kv_get(CacheKv *cache, Arena *arena, const char *key, char **ret_value, size_t *ret_len);

/* Stores `len` bytes of `value` (at most LIMIT_CACHE_VALUE_BYTES) under `key` for `ttl_s`
 * seconds (1..86400). Returns 0, -EINVAL, -ENOMEM or ERR_DB (Redis). */
int cache_kv_set(CacheKv *cache, const char *key, const char *value, size_t len, unsigned ttl_s);

/* Removes `key`. Returns 0, -EINVAL or ERR_DB (Redis). */
int cache_kv_del(CacheKv *cache, const char *key);

/* Reads counter `name` (0 when never bumped). Returns 0, -EINVAL or ERR_DB (Redis). */
int cache_kv_version(CacheKv *cache, const char *name, int64_t *ret_value);

/* Increments counter `name` and writes its new value. In-process at most
 * CACHE_KV_COUNTERS_MAX distinct names exist. Returns 0, -EINVAL, ERR_LIMIT or ERR_DB. */
int cache_kv_bump(CacheKv *cache, const char *name, int64_t *ret_value);

#define CACHE_KV_COUNTERS_MAX 32

#endif
