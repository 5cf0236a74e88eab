/*
 * fuzz_auth_jwt.c - libFuzzer target for auth_jwt_verify.
 *
 * The input is a token checked against a fixed key at a fixed time. Whatever it is, the
 * answer is 0 or ERR_AUTH; on 0 the claims must be well-formed and a re-signed copy of them
 * must verify too (so a token we accept is one we could have issued).
 */
#include "auth/auth_jwt.h"
#include "core/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
    const int64_t now = 1700000000;
    AuthJwtClaims c;
    int r = auth_jwt_verify(key, (const char *)data, size, now, &c);
    if (r != 0 && r != ERR_AUTH)
        abort();
    if (r == 0) {
        if (!c.sub[0] || c.exp <= now || c.iat > now + AUTH_JWT_SKEW_S)
            abort();
        char again[LIMIT_AUTH_TOKEN_BYTES];
        AuthJwtClaims c2;
        if (auth_jwt_sign(key, &c, again, sizeof(again)) == 0 &&
            auth_jwt_verify(key, again, strlen(again), now, &c2) != 0)
            abort();
    }
    return 0;
}
