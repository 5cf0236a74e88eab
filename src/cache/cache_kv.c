/*
 * cache_kv.c - the shared cache: a bounded table with expiry behind a mutex, or Redis.
 * The table is small (LIMIT_CACHE_ENTRIES) and holds few hot keys, so a linear scan does.
 */
#include "cache/cache_kv.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_KV_PREFIX    "swaz:"
#define CACHE_KV_TTL_MAX   86400
#define CACHE_KV_REDIS_KEY (LIMIT_CACHE_PREFIX_BYTES + LIMIT_CACHE_KEY_BYTES + 1)

typedef struct CacheKvEntry {
    char *key; /* NULL: free slot */
    char *value;
    size_t len;
    int64_t expires_ms;
    int64_t stored_ms;
} CacheKvEntry;

typedef struct CacheKvCounter {
    char name[LIMIT_CACHE_KEY_BYTES + 1]; /* "": free slot */
    int64_t value;
} CacheKvCounter;

struct CacheKv {
    RedisClient *redis;                        /* immutable; NULL: in-process */
    char prefix[LIMIT_CACHE_PREFIX_BYTES + 1]; /* immutable: starts every Redis key */
    pthread_mutex_t mu;
    CacheKvEntry entries[LIMIT_CACHE_ENTRIES];      /* guarded by mu */
    CacheKvCounter counters[CACHE_KV_COUNTERS_MAX]; /* guarded by mu */
};

static int64_t cache_kv_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool cache_kv_key_ok(const char *key)
{
    return key && *key && strlen(key) <= LIMIT_CACHE_KEY_BYTES;
}

/* Writes "<prefix><key>" into buf (CACHE_KV_REDIS_KEY bytes). */
static void cache_kv_redis_key(const CacheKv *c, const char *key, char *buf)
{
    size_t n = str_copy(buf, c->prefix, CACHE_KV_REDIS_KEY);
    str_copy(buf + n, key, CACHE_KV_REDIS_KEY - n);
}

static void cache_kv_entry_clear(CacheKvEntry *e)
{
    free(e->key);
    free(e->value);
    memset(e, 0, sizeof(*e));
}

CacheKv *cache_kv_new(RedisClient *redis, const char *prefix)
{
    if (!prefix)
        prefix = CACHE_KV_PREFIX;
    if (!*prefix || strlen(prefix) > LIMIT_CACHE_PREFIX_BYTES)
        return NULL;
    CacheKv *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    str_copy(c->prefix, prefix, sizeof(c->prefix));
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return NULL;
    }
    c->redis = redis;
    return c;
}

void cache_kv_free(CacheKv *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < LIMIT_CACHE_ENTRIES; i++)
        cache_kv_entry_clear(&cache->entries[i]);
    pthread_mutex_destroy(&cache->mu);
    free(cache);
}

/* Returns the live entry of `key`, dropping it if expired. Caller holds mu. */
static CacheKvEntry *cache_kv_find(CacheKv *c, const char *key, int64_t now)
{
    for (size_t i = 0; i < LIMIT_CACHE_ENTRIES; i++) {
        CacheKvEntry *e = &c->entries[i];
        if (!e->key || strcmp(e->key, key) != 0)
            continue;
        if (e->expires_ms <= now) {
            cache_kv_entry_clear(e);
            return NULL;
        }
        return e;
    }
    return NULL;
}

int cache_kv_get(CacheKv *cache, Arena *arena, const char *key, char **ret_value, size_t *ret_len)
{
    if (!cache_kv_key_ok(key))
        return -EINVAL;
    if (cache->redis) {
        char rkey[CACHE_KV_REDIS_KEY];
        cache_kv_redis_key(cache, key, rkey);
        char *buf = arena_alloc(arena, LIMIT_CACHE_VALUE_BYTES + 1);
        size_t len;
        if (!buf)
            return -ENOMEM;
        int r = redis_client_get(cache->redis, rkey, buf, LIMIT_CACHE_VALUE_BYTES, &len);
        if (r < 0)
            return r == -ENOMEM ? r : -ENOENT;
        buf[len] = '\0';
        *ret_value = buf;
        *ret_len = len;
        return 0;
    }
    int r = -ENOENT;
    pthread_mutex_lock(&cache->mu);
    CacheKvEntry *e = cache_kv_find(cache, key, cache_kv_now_ms());
    if (e) {
        char *copy = arena_alloc(arena, e->len + 1);
        if (copy) {
            memcpy(copy, e->value, e->len);
            copy[e->len] = '\0';
            *ret_value = copy;
            *ret_len = e->len;
            r = 0;
        } else {
            r = -ENOMEM;
        }
    }
    pthread_mutex_unlock(&cache->mu);
    return r;
}

int cache_kv_set(CacheKv *cache, const char *key, const char *value, size_t len, unsigned ttl_s)
{
    if (!cache_kv_key_ok(key) || len > LIMIT_CACHE_VALUE_BYTES || ttl_s < 1 ||
        ttl_s > CACHE_KV_TTL_MAX)
        return -EINVAL;
    if (cache->redis) {
        char rkey[CACHE_KV_REDIS_KEY];
        cache_kv_redis_key(cache, key, rkey);
        return redis_client_set(cache->redis, rkey, value, len, ttl_s);
    }
    char *k = strdup(key);
    char *v = malloc(len + 1);
    if (!k || !v) {
        free(k);
        free(v);
        return -ENOMEM;
    }
    memcpy(v, value, len);
    v[len] = '\0';
    int64_t now = cache_kv_now_ms();
    pthread_mutex_lock(&cache->mu);
    CacheKvEntry *slot = cache_kv_find(cache, key, now);
    for (size_t i = 0; !slot && i < LIMIT_CACHE_ENTRIES; i++) {
        CacheKvEntry *e = &cache->entries[i];
        if (!e->key || e->expires_ms <= now)
            slot = e;
    }
    if (!slot) {
        /* Full of live entries: the oldest makes room. */
        CacheKvEntry *oldest = &cache->entries[0];
        for (size_t j = 1; j < LIMIT_CACHE_ENTRIES; j++) {
            if (cache->entries[j].stored_ms < oldest->stored_ms)
                oldest = &cache->entries[j];
        }
        slot = oldest;
    }
    cache_kv_entry_clear(slot);
    slot->key = k;
    slot->value = v;
    slot->len = len;
    slot->stored_ms = now;
    slot->expires_ms = now + (int64_t)ttl_s * 1000;
    pthread_mutex_unlock(&cache->mu);
    return 0;
}

int cache_kv_del(CacheKv *cache, const char *key)
{
    if (!cache_kv_key_ok(key))
        return -EINVAL;
    if (cache->redis) {
        char rkey[CACHE_KV_REDIS_KEY];
        cache_kv_redis_key(cache, key, rkey);
        return redis_client_del(cache->redis, rkey);
    }
    pthread_mutex_lock(&cache->mu);
    CacheKvEntry *e = cache_kv_find(cache, key, cache_kv_now_ms());
    if (e)
        cache_kv_entry_clear(e);
    pthread_mutex_unlock(&cache->mu);
    return 0;
}

/* Finds (or, with `create`, makes) counter `name`. Caller holds mu. */
static CacheKvCounter *cache_kv_counter(CacheKv *c, const char *name, bool create)
{
    CacheKvCounter *free_slot = NULL;
    for (size_t i = 0; i < CACHE_KV_COUNTERS_MAX; i++) {
        if (strcmp(c->counters[i].name, name) == 0)
            return &c->counters[i];
        if (!free_slot && !c->counters[i].name[0])
            free_slot = &c->counters[i];
    }
    if (create && free_slot)
        str_copy(free_slot->name, name, sizeof(free_slot->name));
    return create ? free_slot : NULL;
}

int cache_kv_version(CacheKv *cache, const char *name, int64_t *ret_value)
{
    if (!cache_kv_key_ok(name))
        return -EINVAL;
    if (cache->redis) {
        char rkey[CACHE_KV_REDIS_KEY];
        char buf[32];
        size_t len;
        cache_kv_redis_key(cache, name, rkey);
        int r = redis_client_get(cache->redis, rkey, buf, sizeof(buf) - 1, &len);
        if (r == -ENOENT) {
            *ret_value = 0;
            return 0;
        }
        if (r < 0)
            return r == ERR_LIMIT ? ERR_DB : r;
        buf[len] = '\0';
        if (str_to_int64(buf, INT64_MIN, INT64_MAX, ret_value) < 0)
            return ERR_DB;
        return 0;
    }
    pthread_mutex_lock(&cache->mu);
    CacheKvCounter *k = cache_kv_counter(cache, name, false);
    *ret_value = k ? k->value : 0;
    pthread_mutex_unlock(&cache->mu);
    return 0;
}

int cache_kv_bump(CacheKv *cache, const char *name, int64_t *ret_value)
{
    if (!cache_kv_key_ok(name))
        return -EINVAL;
    if (cache->redis) {
        char rkey[CACHE_KV_REDIS_KEY];
        long long v;
        cache_kv_redis_key(cache, name, rkey);
        int r = redis_client_incr(cache->redis, rkey, &v);
        if (r == 0)
            *ret_value = (int64_t)v;
        return r;
    }
    int r = ERR_LIMIT;
    pthread_mutex_lock(&cache->mu);
    CacheKvCounter *k = cache_kv_counter(cache, name, true);
    if (k) {
        *ret_value = ++k->value;
        r = 0;
    }
    pthread_mutex_unlock(&cache->mu);
    return r;
}
