/* auth_jwt.c - HS256 JWTs with libsodium (HMAC-SHA256, base64url) and jansson. */
#include "auth/auth_jwt.h"

#include "core/err.h"
#include "core/str.h"

#include <jansson.h>
#include <sodium.h>
#include <string.h>

/* {"alg":"HS256","typ":"JWT"} in base64url: the only header we issue. */
#define AUTH_JWT_HEADER_B64 "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
/* 32 bytes of HMAC in base64url without padding. */
#define AUTH_JWT_SIG_B64_LEN 43

static void auth_jwt_mac(const unsigned char key[AUTH_JWT_KEY_BYTES], const char *data, size_t len,
                         unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, AUTH_JWT_KEY_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)data, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof(st));
}

int auth_jwt_sign(const unsigned char key[AUTH_JWT_KEY_BYTES], const AuthJwtClaims *claims,
                  char *out, size_t out_size)
{
    if (!claims->sub[0] || strnlen(claims->sub, sizeof(claims->sub)) >= sizeof(claims->sub) ||
        strnlen(claims->name, sizeof(claims->name)) >= sizeof(claims->name) ||
        strnlen(claims->scp, sizeof(claims->scp)) >= sizeof(claims->scp))
        return -EINVAL;
    json_t *o =
        json_pack("{s:s, s:s, s:b, s:I, s:I}", "sub", claims->sub, "name", claims->name, "adm",
                  claims->adm, "iat", (json_int_t)claims->iat, "exp", (json_int_t)claims->exp);
    if (!o)
        return -EINVAL; /* invalid UTF-8 in a claim, or out of memory */
    if (claims->scp[0] && json_object_set_new(o, "scp", json_string(claims->scp)) < 0) {
        json_decref(o);
        return -ENOMEM;
    }
    char *payload = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!payload)
        return -ENOMEM;
    size_t plen = strlen(payload);
    size_t hlen = strlen(AUTH_JWT_HEADER_B64);
    size_t b64len = sodium_base64_ENCODED_LEN(plen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    int r = 0;
    /* header '.' payload '.' signature NUL */
    if (hlen + 1 + b64len + 1 + AUTH_JWT_SIG_B64_LEN + 1 > out_size ||
        hlen + 1 + b64len + AUTH_JWT_SIG_B64_LEN + 1 > LIMIT_AUTH_TOKEN_BYTES) {
        r = -ENOSPC;
        goto out_free;
    }
    memcpy(out, AUTH_JWT_HEADER_B64, hlen);
    out[hlen] = '.';
    sodium_bin2base64(out + hlen + 1, b64len, (const unsigned char *)payload, plen,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    size_t signed_len = strlen(out);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    auth_jwt_mac(key, out, signed_len, mac);
    out[signed_len] = '.';
    sodium_bin2base64(out + signed_len + 1, AUTH_JWT_SIG_B64_LEN + 1, mac, sizeof(mac),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
out_free:
    free(payload);
    return r;
}

/* Decodes base64url without padding; the whole input must be used. */
static int auth_jwt_b64(const char *in, size_t len, unsigned char *out, size_t out_size,
                        size_t *ret_len)
{
    const char *end = NULL;
    size_t n = 0;
    if (len == 0 ||
        sodium_base642bin(out, out_size, in, len, NULL, &n, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != in + len)
        return ERR_AUTH;
    *ret_len = n;
    return 0;
}

/* Parses a decoded segment as one JSON object, strictly. */
static json_t *auth_jwt_json(const unsigned char *data, size_t len)
{
    json_t *j = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, NULL);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static int auth_jwt_check_header(const unsigned char *data, size_t len)
{
    json_t *h = auth_jwt_json(data, len);
    if (!h)
        return ERR_AUTH;
    json_t *alg = json_object_get(h, "alg"), *typ = json_object_get(h, "typ");
    int r = ERR_AUTH;
    if (json_object_size(h) == 2 && json_is_string(alg) &&
        strcmp(json_string_value(alg), "HS256") == 0 && json_is_string(typ) &&
        strcmp(json_string_value(typ), "JWT") == 0)
        r = 0;
    json_decref(h);
    return r;
}

/* Copies a JSON string of 1..size-1 bytes without NUL. */
static int auth_jwt_str(json_t *v, char *out, size_t size, bool may_be_empty)
{
    if (!json_is_string(v))
        return ERR_AUTH;
    size_t n = json_string_length(v);
    if (n >= size || (!may_be_empty && n == 0) || memchr(json_string_value(v), '\0', n))
        return ERR_AUTH;
    memcpy(out, json_string_value(v), n);
    out[n] = '\0';
    return 0;
}

static int auth_jwt_claims(const unsigned char *data, size_t len, AuthJwtClaims *c)
{
    json_t *o = auth_jwt_json(data, len);
    if (!o)
        return ERR_AUTH;
    int r = ERR_AUTH;
    const char *k;
    json_t *v;
    size_t seen = 0;
    memset(c, 0, sizeof(*c));
    json_object_foreach(o, k, v)
    {
        if (strcmp(k, "sub") == 0) {
            if (auth_jwt_str(v, c->sub, sizeof(c->sub), false) < 0)
                goto out;
        } else if (strcmp(k, "name") == 0) {
            if (auth_jwt_str(v, c->name, sizeof(c->name), true) < 0)
                goto out;
        } else if (strcmp(k, "scp") == 0) {
            if (auth_jwt_str(v, c->scp, sizeof(c->scp), false) < 0)
                goto out;
            continue;
        } else if (strcmp(k, "adm") == 0) {
            if (!json_is_boolean(v))
                goto out;
            c->adm = json_is_true(v);
        } else if (strcmp(k, "iat") == 0 || strcmp(k, "exp") == 0) {
            if (!json_is_integer(v))
                goto out;
            *(k[0] == 'i' ? &c->iat : &c->exp) = (int64_t)json_integer_value(v);
        } else {
            goto out; /* we issue every token; an unknown claim is not ours */
        }
        seen++;
    }
    if (seen == 5)
        r = 0;
out:
    json_decref(o);
    return r;
}

int auth_jwt_verify(const unsigned char key[AUTH_JWT_KEY_BYTES], const char *token, size_t len,
                    int64_t now, AuthJwtClaims *ret_claims)
{
    if (!token || len == 0 || len >= LIMIT_AUTH_TOKEN_BYTES || memchr(token, '\0', len))
        return ERR_AUTH;
    const char *dot1 = memchr(token, '.', len);
    if (!dot1)
        return ERR_AUTH;
    const char *dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token));
    if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
        return ERR_AUTH;
    size_t signed_len = (size_t)(dot2 - token);
    size_t sig_len = len - signed_len - 1;

    unsigned char sig[crypto_auth_hmacsha256_BYTES + 8];
    size_t n;
    if (sig_len != AUTH_JWT_SIG_B64_LEN ||
        auth_jwt_b64(dot2 + 1, sig_len, sig, sizeof(sig), &n) < 0 ||
        n != crypto_auth_hmacsha256_BYTES)
        return ERR_AUTH;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    auth_jwt_mac(key, token, signed_len, mac);
    if (sodium_memcmp(mac, sig, sizeof(mac)) != 0)
        return ERR_AUTH;

    unsigned char buf[LIMIT_AUTH_TOKEN_BYTES];
    if (auth_jwt_b64(token, (size_t)(dot1 - token), buf, sizeof(buf), &n) < 0 ||
        auth_jwt_check_header(buf, n) < 0)
        return ERR_AUTH;
    AuthJwtClaims c;
    if (auth_jwt_b64(dot1 + 1, (size_t)(dot2 - dot1 - 1), buf, sizeof(buf), &n) < 0 ||
        auth_jwt_claims(buf, n, &c) < 0)
        return ERR_AUTH;
    if (!auth_jwt_current(&c, now))
        return ERR_AUTH;
    *ret_claims = c;
    return 0;
}

bool auth_jwt_current(const AuthJwtClaims *claims, int64_t now)
{
    return claims->exp > now && claims->iat <= now + AUTH_JWT_SKEW_S && claims->exp > claims->iat;
}
