/*
 * test_subsonic_cache.c - the page keys of Subsonic calls (no socket, no database): the
 * credentials and client fields never enter a key (so they are never stored, and each
 * caller's credentials reach the same page), while the format, the callback, every other
 * parameter, the legacy form, the libraries and the digest of the caller's stars each make
 * another key; length prefixes keep values that look like other pairs apart.
 */
#include "api/subsonic/subsonic_cache.h"
#include "core/arena.h"
#include "core/limits.h"
#include "library/library_annotate.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The key of a call to `path` with query `query` by `who` (NULL: nobody signed in). */
static const char *key_of(Arena *a, const char *path, const char *query, Principal *who,
                          bool legacy, const unsigned char *digest)
{
    HttpRequest *req = arena_calloc(a, 1, sizeof(*req));
    SubsonicCall *call = arena_calloc(a, 1, sizeof(*call));
    assert_non_null(req);
    assert_non_null(call);
    req->arena = a;
    req->method = "GET";
    req->path = path;
    req->user = who;
    assert_int_equal(http_query_parse(a, query, strlen(query), &req->query), 0);
    call->req = req;
    assert_int_equal(subsonic_params_parse(a, &req->query, NULL, NULL, 0, &call->params), 0);
    call->doc = subsonic_doc_new(a, "0.1.0", legacy);
    assert_non_null(call->doc);
    const char *key = subsonic_cache_key(call, digest);
    subsonic_doc_free(call->doc);
    return key;
}

static void test_credentials_never_in_keys(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    Principal all = {.user_id = "u1", .all_libraries = true};
    const char *path = "/rest/getArtists";
    const char *with_password = key_of(
        a, path, "u=alice&p=hunter22&c=DSub&v=1.16.1&f=json&musicFolderId=3", &all, false, NULL);
    assert_non_null(with_password);
    const char *const never[] = {"alice", "hunter22", "DSub", "1.16.1"};
    for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
        assert_null(strstr(with_password, never[i]));
    assert_non_null(strstr(with_password, "json"));
    assert_non_null(strstr(with_password, "musicFolderId"));
    /* Other credentials, other client, other order of them: the same key. */
    const char *with_token = key_of(
        a, path, "t=0123abcd&s=salt99&u=bob&f=json&c=Other&musicFolderId=3", &all, false, NULL);
    const char *with_key =
        key_of(a, path, "apiKey=swz_abcdefgh&f=json&musicFolderId=3", &all, false, NULL);
    assert_string_equal(with_token, with_password);
    assert_string_equal(with_key, with_password);
    assert_null(strstr(with_token, "0123abcd"));
    assert_null(strstr(with_token, "salt99"));
    assert_null(strstr(with_key, "swz_abcdefgh"));
    arena_free(a);
}

static void test_what_changes_the_answer_changes_the_key(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    Principal all = {.user_id = "u1", .all_libraries = true};
    Principal some = {
        .user_id = "u2", .all_libraries = false, .library_ids = {2, 5}, .n_library_ids = 2};
    Principal none = {.user_id = "u3", .all_libraries = false};
    unsigned char d1[LIBRARY_ANNOTATE_DIGEST_BYTES] = {1};
    unsigned char d2[LIBRARY_ANNOTATE_DIGEST_BYTES] = {2};
    const char *keys[] = {
        key_of(a, "/rest/getArtists", "f=json", &all, false, NULL),
        key_of(a, "/rest/getArtists", "f=xml", &all, false, NULL),
        key_of(a, "/rest/getArtists", "", &all, false, NULL),
        key_of(a, "/rest/getArtists", "f=jsonp&callback=one", &all, false, NULL),
        key_of(a, "/rest/getArtists", "f=jsonp&callback=two", &all, false, NULL),
        key_of(a, "/rest/getArtists", "f=json&musicFolderId=1", &all, false, NULL),
        key_of(a, "/rest/getIndexes", "f=json", &all, false, NULL),
        key_of(a, "/rest/getArtists", "f=json", &all, true, NULL),
        key_of(a, "/rest/getArtists", "f=json", &some, false, NULL),
        key_of(a, "/rest/getArtists", "f=json", &none, false, NULL),
        key_of(a, "/rest/getArtists", "f=json", &all, false, d1),
        key_of(a, "/rest/getArtists", "f=json", &all, false, d2),
        /* a value that spells another pair is still one value */
        key_of(a, "/rest/getArtists", "f=json%0A4%3Ax", &all, false, NULL),
        key_of(a, "/rest/getArtists", "f=json&4=x", &all, false, NULL),
    };
    size_t n = sizeof(keys) / sizeof(keys[0]);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(keys[i]);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(keys[i], keys[j]) == 0)
                fail_msg("keys %zu and %zu are equal: %s", j, i, keys[i]);
        }
    }
    /* The same libraries and stars: the same key, whoever asks. */
    Principal other = {
        .user_id = "u9", .all_libraries = false, .library_ids = {2, 5}, .n_library_ids = 2};
    assert_string_equal(key_of(a, "/rest/getArtists", "f=json", &other, false, NULL), keys[8]);
    Principal everyone = {.user_id = "u8", .all_libraries = true};
    assert_string_equal(key_of(a, "/rest/getArtists", "f=json", &everyone, false, d1), keys[10]);
    arena_free(a);
}

static void test_long_queries_are_not_kept(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    Principal all = {.user_id = "u1", .all_libraries = true};
    char query[LIMIT_PAGE_CACHE_KEY_BYTES + 16] = "f=";
    memset(query + 2, 'x', sizeof(query) - 3);
    query[sizeof(query) - 1] = '\0';
    assert_null(key_of(a, "/rest/getGenres", query, &all, false, NULL));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_credentials_never_in_keys),
        cmocka_unit_test(test_what_changes_the_answer_changes_the_key),
        cmocka_unit_test(test_long_queries_are_not_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
