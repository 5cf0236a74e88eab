/*
 * fuzz_api_json.c - libFuzzer target for the ApiJson text writer, differential: the input,
 * cut at NUL bytes, gives strings (any bytes, ill-formed UTF-8 included) and, from the first
 * eight bytes of each piece, an integer and a real. They are written in text mode and in tree
 * mode; the text must equal jansson's own serialisation of the tree, byte for byte.
 */
#include "api/api_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_write(ApiJson *w, const char *text, size_t size)
{
    api_json_object(w, NULL);
    api_json_array(w, "pieces");
    for (size_t at = 0; at <= size;) {
        const char *piece = text + at;
        size_t len = strlen(piece);
        unsigned char raw[8] = {0};
        memcpy(raw, piece, len < sizeof(raw) ? len : sizeof(raw));
        int64_t i;
        double d;
        memcpy(&i, raw, sizeof(i));
        memcpy(&d, raw, sizeof(d));
        api_json_object(w, NULL);
        api_json_str(w, "s", piece);
        api_json_opt_str(w, "o", piece);
        api_json_int(w, "i", i);
        api_json_int_opt(w, "n", i & 1 ? 0 : i);
        api_json_real(w, "d", d);
        api_json_bool(w, "b", len & 1);
        api_json_end(w);
        at += len + 1;
    }
    api_json_end(w);
    api_json_end(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *text = malloc(size + 1);
    Arena *arena = arena_new(64 * 1024 * 1024);
    if (!text || !arena) {
        free(text);
        arena_free(arena);
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    ApiJson w, tree;
    api_json_text(&w, API_JSON_TEXT_MAX);
    api_json_tree(&tree, arena);
    fuzz_write(&w, text, size);
    fuzz_write(&tree, text, size);
    json_t *root = api_json_take(&tree);
    if (api_json_status(&w) != 0 || !root)
        abort();
    char *want = json_dumps(root, JSON_COMPACT);
    if (!want || strlen(want) != w.out.len || memcmp(want, w.out.data, w.out.len) != 0)
        abort();
    free(want);
    json_decref(root);
    api_json_free(&w);
    arena_free(arena);
    free(text);
    return 0;
}
