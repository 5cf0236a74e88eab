/*
 * auth_keys.h - the server's secret keys, kept in DATA_DIR/secrets/ and never in the database.
 *
 * jwt.key signs access and media tokens (HMAC-SHA256); app-passwords.key encrypts the legacy
 * Subsonic app passwords (crypto_secretbox). Each file holds 32 random bytes, mode 0600, in
 * a 0700 folder; they are made on first start and never defaulted. Loaded once by app/ before
 * serving; the AuthKeys is read-only afterwards, so any thread may read it.
 */
#ifndef SWAZ_AUTH_KEYS_H
#define SWAZ_AUTH_KEYS_H

#include <stddef.h>

#define AUTH_KEY_BYTES 32

typedef struct AuthKeys {
    unsigned char jwt_key[AUTH_KEY_BYTES];          /* HMAC-SHA256 key of every JWT */
    unsigned char app_password_key[AUTH_KEY_BYTES]; /* crypto_secretbox key of app passwords */
} AuthKeys;

/* Loads (or, when missing, creates) DATA_DIR/secrets/jwt.key and app-passwords.key into
 * *ret_keys. Refuses files that are not regular, not exactly 32 bytes, unreadable, or
 * readable or writable by group or others, and a secrets folder open to them. Returns 0, or
 * -EACCES / -EINVAL / -EIO / -errno with a message naming the file in `err` (`err_len`
 * bytes); never puts key bytes in the message. */
int auth_keys_load(const char *data_dir, AuthKeys *ret_keys, char *err, size_t err_len);

/* Wipes the keys (sodium_memzero). */
void auth_keys_wipe(AuthKeys *keys);

#endif
