/*
 * auth_password.h - login passwords: Argon2id hashes and generated passwords.
 *
 * Hashes use libsodium's Argon2id with t=2 and m=19 MiB (OWASP's minimum), in the
 * self-describing "$argon2id$v=19$m=...,t=...,p=1$salt$hash" form, so parameters can be
 * raised later without breaking old hashes. Passwords are never stored or logged in clear.
 * Call auth_init() once before threads start; everything else is safe from any thread.
 */
#ifndef SWAZ_AUTH_PASSWORD_H
#define SWAZ_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* Longest hash string auth_password_hash() writes, with its NUL. */
#define AUTH_PASSWORD_HASH_MAX 128

/* Length of a generated password (base64url characters). */
#define AUTH_PASSWORD_GENERATED_LEN 20

/* Initialises libsodium. Returns 0 or -EIO. */
int auth_init(void);

/* Hashes `password` into `out` (AUTH_PASSWORD_HASH_MAX bytes). Returns 0, -EINVAL (shorter
 * than LIMIT_PASSWORD_MIN or longer than LIMIT_PASSWORD_BYTES) or -ENOMEM. */
int auth_password_hash(const char *password, char *out);

/* True when `password` matches `hash`. Takes the same time whether it matches or not. */
bool auth_password_verify(const char *password, const char *hash);

/* Writes a random password of AUTH_PASSWORD_GENERATED_LEN characters into `out`
 * (AUTH_PASSWORD_GENERATED_LEN + 1 bytes). */
void auth_password_generate(char *out);

#endif
