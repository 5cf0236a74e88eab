/*
 * library_cursor.c - keyset cursors: base64url of sort-key parts joined by 0x1f.
 */
#include "library/library_cursor.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"

#include <sodium.h>
#include <string.h>

bool library_cursor_id_valid(const char *id)
{
    return str_is_hex_lower(id, 1, LIMIT_ID_BYTES);
}

const char *library_cursor_pack(Arena *arena, const char *const *parts, size_t n)
{
    if (n == 0 || n > LIBRARY_CURSOR_PARTS_MAX)
        return NULL;
    size_t raw_len = n - 1;
    for (size_t i = 0; i < n; i++)
        raw_len += strlen(parts[i]);
    char *raw = arena_alloc(arena, raw_len + 1);
    if (!raw)
        return NULL;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(parts[i]);
        if (memchr(parts[i], '\x1f', len))
            return NULL;
        memcpy(raw + off, parts[i], len);
        off += len;
        if (i + 1 < n)
            raw[off++] = '\x1f';
    }
    size_t out_len = sodium_base64_encoded_len(raw_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(arena, out_len);
    if (!out)
        return NULL;
    return sodium_bin2base64(out, out_len, (const unsigned char *)raw, raw_len,
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int library_cursor_unpack(Arena *arena, const char *cursor, size_t n, const char **ret_parts)
{
    size_t clen = strlen(cursor);
    if (n == 0 || n > LIBRARY_CURSOR_PARTS_MAX || clen == 0 || clen > LIMIT_CURSOR_BYTES)
        return ERR_PARSE;
    unsigned char *raw = arena_alloc(arena, clen + 1);
    if (!raw)
        return -ENOMEM;
    size_t raw_len;
    if (sodium_base642bin(raw, clen, cursor, clen, NULL, &raw_len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return ERR_PARSE;
    if (memchr(raw, '\0', raw_len))
        return ERR_PARSE;
    const char *parts[LIBRARY_CURSOR_PARTS_MAX];
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= raw_len; i++) {
        if (i < raw_len && raw[i] != '\x1f')
            continue;
        if (k == n)
            return ERR_PARSE; /* more parts than expected */
        parts[k] = arena_strndup(arena, (const char *)raw + start, i - start);
        if (!parts[k])
            return -ENOMEM;
        k++;
        start = i + 1;
    }
    if (k != n || !library_cursor_id_valid(parts[n - 1]))
        return ERR_PARSE;
    memcpy(ret_parts, parts, n * sizeof(*parts));
    return 0;
}

int library_cursor_int(const char *part, int64_t *ret_value)
{
    return str_to_int64(part, INT64_MIN, INT64_MAX, ret_value) < 0 ? ERR_PARSE : 0;
}

const char *library_cursor_fmt_int(Arena *arena, int64_t v)
{
    return arena_printf(arena, "%lld", (long long)v);
}

const char *library_cursor_encode(Arena *arena, const char *sort_key, const char *id)
{
    const char *parts[2] = {sort_key, id};
    return library_cursor_pack(arena, parts, 2);
}

int library_cursor_decode(Arena *arena, const char *cursor, const char **ret_sort_key,
                          const char **ret_id)
{
    const char *parts[2];
    int r = library_cursor_unpack(arena, cursor, 2, parts);
    if (r < 0)
        return r;
    *ret_sort_key = parts[0];
    *ret_id = parts[1];
    return 0;
}
