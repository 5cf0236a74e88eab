/*
 * fuzz_library_upload.c - libFuzzer target for the upload name checks.
 *
 * The input, cut at its first NUL, is a client's file name and a tag value. Checks that an
 * accepted file name is exactly the input and holds no separator, control character or
 * leading dot, and that a folder name made from any tag is a safe, non-empty, bounded
 * UTF-8 path component.
 */
#include "core/limits.h"
#include "core/utf8.h"
#include "library/library_upload.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_component(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > LIMIT_UPLOAD_NAME_BYTES || !utf8_valid(s, len) || s[0] == '.' ||
        strcmp(s, "..") == 0)
        abort();
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char out[LIMIT_UPLOAD_NAME_BYTES + 1];
    if (library_upload_name(s, out) == 0) {
        if (strcmp(out, s) != 0)
            abort();
        check_component(out);
    }
    library_upload_folder_name(s, "Unknown", out);
    check_component(out);
    free(s);
    return 0;
}
