/*
 * auth_jwt.h - signed tokens: JSON Web Tokens with HS256 only.
 *
 * The header is pinned to {"alg":"HS256","typ":"JWT"}: any other algorithm (none, HS512,
 * RS256...) or type is refused, before or after the signature check alike. Claims: sub (user
 * id), name, adm, iat, exp and an optional scp (scope; "media" for ?t= stream tokens, absent
 * for access tokens). Parsing is strict (jansson, duplicate keys and unknown claims refused)
 * and bounded by LIMIT_AUTH_TOKEN_BYTES. Pure functions over caller memory; any thread.
 */
#ifndef SWAZ_AUTH_JWT_H
#define SWAZ_AUTH_JWT_H

#include "auth/auth_principal.h"
#include "core/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_JWT_KEY_BYTES   32
#define AUTH_JWT_SCOPE_BYTES 16
#define AUTH_JWT_SKEW_S      60 /* how far iat may lie in the future */

typedef struct AuthJwtClaims {
    char sub[AUTH_PRINCIPAL_ID_BYTES + 1];
    char name[LIMIT_USERNAME_BYTES + 1];
    bool adm;
    int64_t iat;                    /* Unix seconds */
    int64_t exp;                    /* Unix seconds */
    char scp[AUTH_JWT_SCOPE_BYTES]; /* "" for an access token */
} AuthJwtClaims;

/* Writes the signed token for `claims` into `out` (`out_size` bytes, NUL-terminated).
 * Returns 0, -EINVAL (a claim too long or empty sub), -ENOSPC (out too small) or -ENOMEM. */
int auth_jwt_sign(const unsigned char key[AUTH_JWT_KEY_BYTES], const AuthJwtClaims *claims,
                  char *out, size_t out_size);

/* Checks `token` (`len` bytes, no NUL needed) against `key` at time `now`: the pinned header,
 * the signature (constant time), strict claims, exp > now and iat <= now + AUTH_JWT_SKEW_S
 * (auth_jwt_current()).
 * Writes the claims to *ret_claims. Returns 0 or ERR_AUTH for anything else. */
int auth_jwt_verify(const unsigned char key[AUTH_JWT_KEY_BYTES], const char *token, size_t len,
                    int64_t now, AuthJwtClaims *ret_claims);

/* True when claims that verified still hold at time `now`: exp > now, iat <= now +
 * AUTH_JWT_SKEW_S and exp > iat. */
bool auth_jwt_current(const AuthJwtClaims *claims, int64_t now);

#endif
