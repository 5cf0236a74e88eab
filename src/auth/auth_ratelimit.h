/*
 * auth_ratelimit.h - counting failed authentications in memory, per account and per address.
 *
 * A fixed table of LIMIT_AUTH_RATELIMIT_ENTRIES counters, 8-way set-associative, keyed by a
 * keyed hash (BLAKE2b, random key per process) of (kind, key): memory never grows. Each
 * counter covers a fixed window starting at its first failure; when a set is full the
 * expired or least recently touched counter is reused. State is per process (several
 * instances each count on their own). One mutex guards the table; any thread.
 */
#ifndef SWAZ_AUTH_RATELIMIT_H
#define SWAZ_AUTH_RATELIMIT_H

#include <stdint.h>

typedef enum {
    AUTH_RATELIMIT_ACCOUNT = 0, /* a username */
    AUTH_RATELIMIT_ADDRESS = 1, /* a client address */
} AuthRateKind;

typedef struct AuthRateLimit AuthRateLimit;

/* Makes an empty table. Returns NULL when out of memory. Caller frees with
 * auth_ratelimit_free(). */
AuthRateLimit *auth_ratelimit_new(void);

/* Frees the table. NULL is a no-op. */
void auth_ratelimit_free(AuthRateLimit *rl);

/* Returns 0 when (kind, key) has had fewer than `limit` failures in its current window of
 * `window_s` seconds at time `now`; otherwise ERR_LIMIT with the seconds until the window
 * ends (at least 1) in *ret_retry_after. */
int auth_ratelimit_check(AuthRateLimit *rl, AuthRateKind kind, const char *key, unsigned limit,
                         int64_t window_s, int64_t now, int64_t *ret_retry_after);

/* Records one failure of (kind, key) at `now` (a window of `window_s` starts with the first). */
void auth_ratelimit_fail(AuthRateLimit *rl, AuthRateKind kind, const char *key, int64_t window_s,
                         int64_t now);

/* Forgets the failures of (kind, key) (after a successful sign-in). */
void auth_ratelimit_clear(AuthRateLimit *rl, AuthRateKind kind, const char *key);

#endif
