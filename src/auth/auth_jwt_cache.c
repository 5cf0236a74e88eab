/* auth_jwt_cache.c - verified tokens kept by their bytes. */
#include "auth/auth_jwt_cache.h"

#include "core/err.h"

#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct AuthJwtCacheSlot {
    size_t len; /* 0: empty */
    char token[AUTH_JWT_CACHE_TOKEN_BYTES];
    AuthJwtClaims claims;
} AuthJwtCacheSlot;

struct AuthJwtCache {
    pthread_mutex_t mu;
    unsigned char key[AUTH_JWT_KEY_BYTES];
    AuthJwtCacheSlot slots[AUTH_JWT_CACHE_SLOTS]; /* guarded by mu */
};

AuthJwtCache *auth_jwt_cache_new(const unsigned char key[AUTH_JWT_KEY_BYTES])
{
    AuthJwtCache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return NULL;
    }
    memcpy(c->key, key, AUTH_JWT_KEY_BYTES);
    return c;
}

void auth_jwt_cache_free(AuthJwtCache *cache)
{
    if (!cache)
        return;
    pthread_mutex_destroy(&cache->mu);
    sodium_memzero(cache, sizeof(*cache));
    free(cache);
}

/* The slot of a token: FNV-1a over its last 16 bytes, which are signature (a keyed MAC, not
 * something a client picks for a token that verified). */
static AuthJwtCacheSlot *auth_jwt_cache_slot(AuthJwtCache *c, const char *token, size_t len)
{
    size_t from = len > 16 ? len - 16 : 0;
    uint32_t h = 2166136261u;
    for (size_t i = from; i < len; i++)
        h = (h ^ (unsigned char)token[i]) * 16777619u;
    return &c->slots[h & (AUTH_JWT_CACHE_SLOTS - 1)];
}

int auth_jwt_cache_verify(AuthJwtCache *cache, const char *token, size_t len, int64_t now,
                          AuthJwtClaims *ret_claims)
{
    if (!token || len == 0 || len >= AUTH_JWT_CACHE_TOKEN_BYTES)
        return auth_jwt_verify(cache->key, token, len, now, ret_claims);
    AuthJwtCacheSlot *slot = auth_jwt_cache_slot(cache, token, len);
    AuthJwtClaims c;
    pthread_mutex_lock(&cache->mu);
    bool hit = slot->len == len && memcmp(slot->token, token, len) == 0;
    if (hit)
        c = slot->claims;
    pthread_mutex_unlock(&cache->mu);
    if (hit) {
        if (!auth_jwt_current(&c, now))
            return ERR_AUTH;
        *ret_claims = c;
        return 0;
    }
    int r = auth_jwt_verify(cache->key, token, len, now, &c);
    if (r < 0)
        return r;
    pthread_mutex_lock(&cache->mu);
    memcpy(slot->token, token, len);
    slot->len = len;
    slot->claims = c;
    pthread_mutex_unlock(&cache->mu);
    *ret_claims = c;
    return 0;
}
