/*
 * auth_subsonic.c - Subsonic credential checks, app passwords, and a small MD5 (RFC 1321,
 * written from the RFC's description) used only to compare a client's t= token.
 */
#include "auth/auth_subsonic.h"

#include "auth/auth_apikey.h"
#include "auth/auth_password.h"
#include "core/limits.h"
#include "core/str.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* An Argon2id hash of a random password nobody knows, with the same parameters as
 * auth_password_hash(): unknown users are verified against it, so they cost the same. */
static const char subsonic_dummy_hash[] = "$argon2id$v=19$m=19456,t=2,p=1$ofVx/cdCQ8ibj99FvHEBcA$"
                                          "sfMSj/gY7Bx+b3Il0bMoFpTy7emauQTH39UvaBB2LNk";

/* Stored app password: hex(nonce || secretbox(password)). */
#define SUBSONIC_SEALED_BYTES                                                                      \
    (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + AUTH_SUBSONIC_APP_PASSWORD_LEN)
#define SUBSONIC_SEALED_HEX (SUBSONIC_SEALED_BYTES * 2)

/* ---- MD5 ---- */

typedef struct SubsonicMd5 {
    uint32_t h[4];
    uint64_t len;
    unsigned char block[64];
    size_t used;
} SubsonicMd5;

static const uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

static const unsigned char md5_r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                        5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

static uint32_t md5_rotl(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static void md5_block(SubsonicMd5 *m, const unsigned char *p)
{
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[i * 4] | (uint32_t)p[i * 4 + 1] << 8 | (uint32_t)p[i * 4 + 2] << 16 |
               (uint32_t)p[i * 4 + 3] << 24;
    uint32_t a = m->h[0], b = m->h[1], c = m->h[2], d = m->h[3];
    for (unsigned i = 0; i < 64; i++) {
        uint32_t f;
        unsigned g;
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) % 16;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
        }
        uint32_t tmp = d;
        d = c;
        c = b;
        b = b + md5_rotl(a + f + md5_k[i] + w[g], md5_r[i]);
        a = tmp;
    }
    m->h[0] += a;
    m->h[1] += b;
    m->h[2] += c;
    m->h[3] += d;
}

static void md5_init(SubsonicMd5 *m)
{
    m->h[0] = 0x67452301;
    m->h[1] = 0xefcdab89;
    m->h[2] = 0x98badcfe;
    m->h[3] = 0x10325476;
    m->len = 0;
    m->used = 0;
}

static void md5_update(SubsonicMd5 *m, const void *data, size_t len)
{
    const unsigned char *p = data;
    m->len += len;
    while (len > 0) {
        size_t take = 64 - m->used < len ? 64 - m->used : len;
        memcpy(m->block + m->used, p, take);
        m->used += take;
        p += take;
        len -= take;
        if (m->used == 64) {
            md5_block(m, m->block);
            m->used = 0;
        }
    }
}

static void md5_final(SubsonicMd5 *m, unsigned char out[16])
{
    uint64_t bits = m->len * 8;
    unsigned char pad = 0x80;
    md5_update(m, &pad, 1);
    unsigned char zero = 0;
    while (m->used != 56)
        md5_update(m, &zero, 1);
    unsigned char lenb[8];
    for (int i = 0; i < 8; i++)
        lenb[i] = (unsigned char)(bits >> (8 * i));
    md5_update(m, lenb, 8);
    for (int i = 0; i < 4; i++) {
        out[i * 4] = (unsigned char)m->h[i];
        out[i * 4 + 1] = (unsigned char)(m->h[i] >> 8);
        out[i * 4 + 2] = (unsigned char)(m->h[i] >> 16);
        out[i * 4 + 3] = (unsigned char)(m->h[i] >> 24);
    }
    sodium_memzero(m, sizeof(*m));
}

void auth_subsonic_md5_hex(const void *data, size_t len, char out[33])
{
    SubsonicMd5 m;
    unsigned char digest[16];
    md5_init(&m);
    md5_update(&m, data, len);
    md5_final(&m, digest);
    str_hex(digest, sizeof(digest), out);
}

/* ---- parameters ---- */

int auth_subsonic_mechanism(const char *u, const char *p, const char *t, const char *s,
                            const char *api_key, AuthSubsonicMech *ret_mech)
{
    if (api_key) {
        if (u || p || t || s)
            return AUTH_SUBSONIC_CONFLICT;
        *ret_mech = AUTH_SUBSONIC_MECH_API_KEY;
        return 0;
    }
    if (!u)
        return AUTH_SUBSONIC_MISSING;
    if (p && (t || s))
        return AUTH_SUBSONIC_CONFLICT;
    if (p) {
        *ret_mech = AUTH_SUBSONIC_MECH_PASSWORD;
        return 0;
    }
    if (t && s) {
        *ret_mech = AUTH_SUBSONIC_MECH_TOKEN;
        return 0;
    }
    return AUTH_SUBSONIC_MISSING;
}

int auth_subsonic_decode_password(const char *p, char *out, size_t size)
{
    if (size == 0)
        return AUTH_SUBSONIC_WRONG;
    size_t len = strlen(p);
    if (!str_has_prefix(p, "enc:")) {
        if (len >= size)
            return AUTH_SUBSONIC_WRONG;
        memcpy(out, p, len + 1);
        return 0;
    }
    const char *hex = p + 4;
    size_t hlen = len - 4;
    if (hlen % 2 != 0 || hlen / 2 >= size)
        return AUTH_SUBSONIC_WRONG;
    for (size_t i = 0; i < hlen / 2; i++) {
        int hi = str_hex_digit(hex[i * 2]), lo = str_hex_digit(hex[i * 2 + 1]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            sodium_memzero(out, size);
            return AUTH_SUBSONIC_WRONG;
        }
        out[i] = (char)(hi << 4 | lo);
    }
    out[hlen / 2] = '\0';
    return 0;
}

int auth_subsonic_error_code(int err)
{
    switch (err) {
    case AUTH_SUBSONIC_MISSING:
        return 10;
    case AUTH_SUBSONIC_WRONG:
        return 40;
    case AUTH_SUBSONIC_NO_TOKEN:
        return 41;
    case AUTH_SUBSONIC_CONFLICT:
        return 43;
    case AUTH_SUBSONIC_BAD_API_KEY:
        return 44;
    default:
        return 0;
    }
}

/* ---- checking ---- */

typedef struct SubsonicUser {
    bool found;
    char id[AUTH_PRINCIPAL_ID_BYTES + 1];
    char hash[AUTH_PASSWORD_HASH_MAX];
    char sealed[SUBSONIC_SEALED_HEX + 1]; /* "" when the user has no app password */
} SubsonicUser;

static int subsonic_user_load(DbConn *conn, const char *username, SubsonicUser *u)
{
    memset(u, 0, sizeof(*u));
    if (strlen(username) > LIMIT_USERNAME_BYTES)
        return 0;
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT id, password_hash, app_password FROM users"
                       " WHERE username = ? AND disabled = 0",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, username)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_ROW) {
        const char *id = db_column_text(st, 0), *hash = db_column_text(st, 1);
        const char *sealed = db_column_text(st, 2);
        if (id && hash && str_copy(u->id, id, sizeof(u->id)) < sizeof(u->id) &&
            str_copy(u->hash, hash, sizeof(u->hash)) < sizeof(u->hash)) {
            u->found = true;
            if (sealed && strlen(sealed) == SUBSONIC_SEALED_HEX)
                str_copy(u->sealed, sealed, sizeof(u->sealed));
        }
        r = 0;
    }
out_finalize:
    db_finalize(st);
    return r;
}

/* Decrypts a stored app password into `out` (AUTH_SUBSONIC_APP_PASSWORD_LEN + 1 bytes). */
static int subsonic_unseal(const unsigned char key[32], const char *sealed_hex,
                           char out[AUTH_SUBSONIC_APP_PASSWORD_LEN + 1])
{
    unsigned char sealed[SUBSONIC_SEALED_BYTES];
    size_t n = 0;
    if (sodium_hex2bin(sealed, sizeof(sealed), sealed_hex, strlen(sealed_hex), NULL, &n, NULL) !=
            0 ||
        n != sizeof(sealed))
        return AUTH_SUBSONIC_WRONG;
    int r = crypto_secretbox_open_easy((unsigned char *)out, sealed + crypto_secretbox_NONCEBYTES,
                                       sizeof(sealed) - crypto_secretbox_NONCEBYTES, sealed, key);
    out[AUTH_SUBSONIC_APP_PASSWORD_LEN] = '\0';
    return r == 0 ? 0 : AUTH_SUBSONIC_WRONG;
}

static int subsonic_check_token(const unsigned char *app_key, const SubsonicUser *u, const char *t,
                                const char *s)
{
    if (strlen(t) != 32 || strlen(s) > LIMIT_SUBSONIC_SALT_BYTES)
        return AUTH_SUBSONIC_WRONG;
    /* Unknown users look like users without an app password: no enumeration. */
    if (!app_key || !u->found || !u->sealed[0])
        return AUTH_SUBSONIC_NO_TOKEN;
    char pw[AUTH_SUBSONIC_APP_PASSWORD_LEN + 1];
    int r = subsonic_unseal(app_key, u->sealed, pw);
    if (r < 0)
        return r;
    SubsonicMd5 m;
    unsigned char digest[16];
    char want[33], got[33];
    md5_init(&m);
    md5_update(&m, pw, strlen(pw));
    md5_update(&m, s, strlen(s));
    md5_final(&m, digest);
    str_hex(digest, sizeof(digest), want);
    for (size_t i = 0; i < 32; i++) {
        char c = t[i];
        got[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    got[32] = '\0';
    r = sodium_memcmp(want, got, 32) == 0 ? 0 : AUTH_SUBSONIC_WRONG;
    sodium_memzero(pw, sizeof(pw));
    sodium_memzero(want, sizeof(want));
    return r;
}

int auth_subsonic_verify(DbConn *conn, const unsigned char app_key[32], const char *u,
                         const char *p, const char *t, const char *s, const char *api_key,
                         char ret_user_id[AUTH_PRINCIPAL_ID_BYTES + 1])
{
    AuthSubsonicMech mech;
    int r = auth_subsonic_mechanism(u, p, t, s, api_key, &mech);
    if (r < 0)
        return r;
    if (mech == AUTH_SUBSONIC_MECH_API_KEY) {
        r = auth_apikey_verify(conn, api_key, ret_user_id);
        return r == ERR_AUTH ? AUTH_SUBSONIC_BAD_API_KEY : r;
    }
    SubsonicUser user;
    if ((r = subsonic_user_load(conn, u, &user)) < 0)
        return r;
    if (mech == AUTH_SUBSONIC_MECH_TOKEN) {
        r = subsonic_check_token(app_key, &user, t, s);
    } else {
        char pw[LIMIT_PASSWORD_BYTES + 1];
        bool decoded = auth_subsonic_decode_password(p, pw, sizeof(pw)) == 0;
        /* Always one Argon2id verification: unknown users and malformed passwords cost what
         * a wrong password does. */
        bool ok =
            auth_password_verify(decoded ? pw : "", user.found ? user.hash : subsonic_dummy_hash);
        r = decoded && ok && user.found ? 0 : AUTH_SUBSONIC_WRONG;
        sodium_memzero(pw, sizeof(pw));
    }
    if (r == 0)
        memcpy(ret_user_id, user.id, sizeof(user.id));
    sodium_memzero(&user, sizeof(user));
    return r;
}

/* ---- app passwords ---- */

static int subsonic_app_password_store(DbConn *conn, const char *user_id, const char *sealed)
{
    DbStmt *st;
    int r = db_prepare(conn, "UPDATE users SET app_password = ?, updated_at = ? WHERE id = ?", &st);
    if (r < 0)
        return r;
    if ((r = sealed ? db_bind_text(st, 1, sealed) : db_bind_null(st, 1)) < 0 ||
        (r = db_bind_int64(st, 2, (int64_t)time(NULL))) < 0 ||
        (r = db_bind_text(st, 3, user_id)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r >= 0)
        r = db_changes(st) > 0 ? 0 : -ENOENT;
out_finalize:
    db_finalize(st);
    return r;
}

int auth_subsonic_app_password_set(DbConn *conn, const unsigned char app_key[32],
                                   const char *user_id,
                                   char ret_password[AUTH_SUBSONIC_APP_PASSWORD_LEN + 1])
{
    unsigned char raw[AUTH_SUBSONIC_APP_PASSWORD_LEN * 3 / 4];
    char pw[AUTH_SUBSONIC_APP_PASSWORD_LEN + 1];
    unsigned char sealed[SUBSONIC_SEALED_BYTES];
    char hex[SUBSONIC_SEALED_HEX + 1];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(pw, sizeof(pw), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, (const unsigned char *)pw,
                          AUTH_SUBSONIC_APP_PASSWORD_LEN, sealed, app_key);
    sodium_bin2hex(hex, sizeof(hex), sealed, sizeof(sealed));
    int r = subsonic_app_password_store(conn, user_id, hex);
    if (r == 0)
        memcpy(ret_password, pw, sizeof(pw));
    sodium_memzero(raw, sizeof(raw));
    sodium_memzero(pw, sizeof(pw));
    return r;
}

int auth_subsonic_app_password_clear(DbConn *conn, const char *user_id)
{
    return subsonic_app_password_store(conn, user_id, NULL);
}
