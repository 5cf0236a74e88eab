/*
 * fuzz_auth_subsonic.c - libFuzzer target for the Subsonic parameter handling: the choice of
 * mechanism, "enc:" hex decoding of p= and the MD5 of a token.
 *
 * The input is split at NUL bytes into u, p, t, s and apiKey (a missing field is absent).
 * Checks: a decoded password fits its buffer and holds no NUL; decoding is deterministic;
 * the mechanism is one of the documented results; the MD5 is 32 lowercase hex digits.
 */
#include "auth/auth_subsonic.h"
#include "core/limits.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4 * LIMIT_PASSWORD_BYTES)
        return 0;
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *fields[5] = {NULL, NULL, NULL, NULL, NULL};
    size_t n = 0;
    char *p = copy;
    while (n < 5 && p <= copy + size) {
        fields[n++] = p;
        p += strlen(p) + 1;
    }
    AuthSubsonicMech mech;
    int r = auth_subsonic_mechanism(fields[0], fields[1], fields[2], fields[3], fields[4], &mech);
    if (r != 0 && r != AUTH_SUBSONIC_MISSING && r != AUTH_SUBSONIC_CONFLICT)
        abort();
    if (r == 0 && mech != AUTH_SUBSONIC_MECH_API_KEY && mech != AUTH_SUBSONIC_MECH_PASSWORD &&
        mech != AUTH_SUBSONIC_MECH_TOKEN)
        abort();
    for (size_t i = 0; i < n; i++) {
        char a[LIMIT_PASSWORD_BYTES + 1], b[LIMIT_PASSWORD_BYTES + 1];
        int ra = auth_subsonic_decode_password(fields[i], a, sizeof(a));
        int rb = auth_subsonic_decode_password(fields[i], b, sizeof(b));
        if (ra != rb || (ra != 0 && ra != AUTH_SUBSONIC_WRONG))
            abort();
        if (ra == 0 && (strlen(a) >= sizeof(a) || strcmp(a, b) != 0))
            abort();
        char small[4];
        int rs = auth_subsonic_decode_password(fields[i], small, sizeof(small));
        if (rs == 0 && strlen(small) >= sizeof(small))
            abort();
        char md5[33];
        auth_subsonic_md5_hex(fields[i], strlen(fields[i]), md5);
        if (strlen(md5) != 32 || strspn(md5, "0123456789abcdef") != 32)
            abort();
    }
    free(copy);
    return 0;
}
