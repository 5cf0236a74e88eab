/*
 * auth_jwt_cache.h - tokens already verified, so that a client presenting the same access
 * token request after request pays a comparison instead of base64, HMAC-SHA256 and two JSON
 * parses (a fifth of the CPU of a page-cache hit).
 *
 * A slot holds a token's exact bytes and the claims auth_jwt_verify() found in them under the
 * table's key. A token is found only byte for byte, so a hit says what auth_jwt_verify() would
 * say of the same bytes: the time rules (auth_jwt_current()) are checked again at every use.
 * Only tokens that verified are kept; a token with another signature never matches one. At
 * most AUTH_JWT_CACHE_SLOTS tokens are kept (a newcomer takes its slot over); tokens longer
 * than AUTH_JWT_CACHE_TOKEN_BYTES are verified every time. Any thread: one mutex.
 */
#ifndef SWAZ_AUTH_JWT_CACHE_H
#define SWAZ_AUTH_JWT_CACHE_H

#include "auth/auth_jwt.h"

#include <stddef.h>
#include <stdint.h>

#define AUTH_JWT_CACHE_SLOTS       256 /* a power of two */
#define AUTH_JWT_CACHE_TOKEN_BYTES 384 /* longest token kept (ours are ~210 bytes) */

typedef struct AuthJwtCache AuthJwtCache;

/* Returns an empty table for tokens signed with `key` (copied; wiped by the free), or NULL
 * when out of memory. */
AuthJwtCache *auth_jwt_cache_new(const unsigned char key[AUTH_JWT_KEY_BYTES]);

/* Wipes and frees the table. NULL is a no-op. */
void auth_jwt_cache_free(AuthJwtCache *cache);

/* As auth_jwt_verify() with the table's key: same answers, from the table when it holds
 * `token`. */
int auth_jwt_cache_verify(AuthJwtCache *cache, const char *token, size_t len, int64_t now,
                          AuthJwtClaims *ret_claims);

#endif
