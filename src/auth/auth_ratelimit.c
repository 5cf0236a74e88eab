/* auth_ratelimit.c - a bounded, set-associative table of fixed-window failure counters. */
#include "auth/auth_ratelimit.h"

#include "core/err.h"
#include "core/limits.h"

#include <pthread.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define AUTH_RATELIMIT_WAYS 8
#define AUTH_RATELIMIT_SETS (LIMIT_AUTH_RATELIMIT_ENTRIES / AUTH_RATELIMIT_WAYS)

typedef struct AuthRateEntry {
    uint64_t hash;      /* 0: free */
    int64_t window_end; /* the counter is void from here on */
    int64_t touched;    /* last use, for LRU */
    uint32_t failures;
} AuthRateEntry;

struct AuthRateLimit {
    pthread_mutex_t mu;
    unsigned char key[crypto_generichash_KEYBYTES];
    uint64_t clock;                                      /* guarded by mu: LRU ticks */
    AuthRateEntry entries[LIMIT_AUTH_RATELIMIT_ENTRIES]; /* guarded by mu */
};

AuthRateLimit *auth_ratelimit_new(void)
{
    AuthRateLimit *rl = calloc(1, sizeof(*rl));
    if (!rl)
        return NULL;
    if (pthread_mutex_init(&rl->mu, NULL) != 0) {
        free(rl);
        return NULL;
    }
    crypto_generichash_keygen(rl->key);
    return rl;
}

void auth_ratelimit_free(AuthRateLimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

static uint64_t auth_ratelimit_hash(const AuthRateLimit *rl, AuthRateKind kind, const char *key)
{
    crypto_generichash_state st;
    unsigned char kb = (unsigned char)kind;
    unsigned char out[crypto_generichash_BYTES_MIN];
    crypto_generichash_init(&st, rl->key, sizeof(rl->key), sizeof(out));
    crypto_generichash_update(&st, &kb, 1);
    crypto_generichash_update(&st, (const unsigned char *)key, strlen(key));
    crypto_generichash_final(&st, out, sizeof(out));
    uint64_t h;
    memcpy(&h, out, sizeof(h));
    return h ? h : 1;
}

/* Finds the entry of `h` (NULL when absent; with `create`, a reused slot: a free one, else an
 * expired one, else the least recently touched). An expired window is reset. Call with mu. */
static AuthRateEntry *auth_ratelimit_find(AuthRateLimit *rl, uint64_t h, int64_t now, bool create)
{
    AuthRateEntry *set = &rl->entries[(h % AUTH_RATELIMIT_SETS) * AUTH_RATELIMIT_WAYS];
    AuthRateEntry *victim = NULL;
    int victim_rank = 3; /* 0 free, 1 expired, 2 live */
    for (int i = 0; i < AUTH_RATELIMIT_WAYS; i++) {
        AuthRateEntry *e = &set[i];
        if (e->hash == h) {
            if (e->window_end <= now) {
                e->failures = 0;
                e->window_end = 0;
            }
            return e;
        }
        int rank = e->hash == 0 ? 0 : (e->window_end <= now ? 1 : 2);
        if (rank < victim_rank || (rank == victim_rank && e->touched < victim->touched)) {
            victim = e;
            victim_rank = rank;
        }
    }
    if (!create)
        return NULL;
    memset(victim, 0, sizeof(*victim));
    victim->hash = h;
    return victim;
}

int auth_ratelimit_check(AuthRateLimit *rl, AuthRateKind kind, const char *key, unsigned limit,
                         int64_t window_s, int64_t now, int64_t *ret_retry_after)
{
    (void)window_s;
    uint64_t h = auth_ratelimit_hash(rl, kind, key);
    int r = 0;
    pthread_mutex_lock(&rl->mu);
    AuthRateEntry *e = auth_ratelimit_find(rl, h, now, false);
    if (e) {
        e->touched = (int64_t)++rl->clock;
        if (e->failures >= limit) {
            int64_t left = e->window_end - now;
            *ret_retry_after = left > 0 ? left : 1;
            r = ERR_LIMIT;
        }
    }
    pthread_mutex_unlock(&rl->mu);
    return r;
}

void auth_ratelimit_fail(AuthRateLimit *rl, AuthRateKind kind, const char *key, int64_t window_s,
                         int64_t now)
{
    uint64_t h = auth_ratelimit_hash(rl, kind, key);
    pthread_mutex_lock(&rl->mu);
    AuthRateEntry *e = auth_ratelimit_find(rl, h, now, true);
    if (e->failures == 0)
        e->window_end = now + window_s;
    if (e->failures < UINT32_MAX)
        e->failures++;
    e->touched = (int64_t)++rl->clock;
    pthread_mutex_unlock(&rl->mu);
}

void auth_ratelimit_clear(AuthRateLimit *rl, AuthRateKind kind, const char *key)
{
    uint64_t h = auth_ratelimit_hash(rl, kind, key);
    pthread_mutex_lock(&rl->mu);
    AuthRateEntry *e = auth_ratelimit_find(rl, h, 0, false);
    if (e)
        memset(e, 0, sizeof(*e));
    pthread_mutex_unlock(&rl->mu);
}
