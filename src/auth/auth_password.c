/* auth_password.c - Argon2id through libsodium's crypto_pwhash_str. */
#include "auth/auth_password.h"

#include "core/limits.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#define AUTH_PWHASH_OPSLIMIT 2
#define AUTH_PWHASH_MEMLIMIT (19u * 1024u * 1024u)

_Static_assert(crypto_pwhash_STRBYTES <= AUTH_PASSWORD_HASH_MAX, "hash buffer too small");

int auth_init(void)
{
    return sodium_init() < 0 ? -EIO : 0;
}

int auth_password_hash(const char *password, char *out)
{
    size_t len = strlen(password);
    if (len < LIMIT_PASSWORD_MIN || len > LIMIT_PASSWORD_BYTES)
        return -EINVAL;
    if (crypto_pwhash_str(out, password, len, AUTH_PWHASH_OPSLIMIT, AUTH_PWHASH_MEMLIMIT) != 0)
        return -ENOMEM;
    return 0;
}

bool auth_password_verify(const char *password, const char *hash)
{
    size_t len = strlen(password);
    if (len > LIMIT_PASSWORD_BYTES)
        len = LIMIT_PASSWORD_BYTES;
    return crypto_pwhash_str_verify(hash, password, len) == 0;
}

void auth_password_generate(char *out)
{
    unsigned char raw[AUTH_PASSWORD_GENERATED_LEN];
    randombytes_buf(raw, sizeof(raw));
    char b64[sodium_base64_ENCODED_LEN(AUTH_PASSWORD_GENERATED_LEN,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    memcpy(out, b64, AUTH_PASSWORD_GENERATED_LEN);
    out[AUTH_PASSWORD_GENERATED_LEN] = '\0';
    sodium_memzero(raw, sizeof(raw));
    sodium_memzero(b64, sizeof(b64));
}
