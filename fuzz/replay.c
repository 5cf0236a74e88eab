/*
 * replay.c - runs a libFuzzer target once on every regular file of a corpus directory.
 *
 * Linked with one fuzz_*.c in the test build (under ASan+UBSan) so that every corpus is
 * replayed by `meson test`. Prints TAP: "1..N" then "ok K - name" per file, in name
 * order. Exits non-zero when the directory is missing or has no files.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_FILES 100000
#define REPLAY_MAX_BYTES (16 * 1024 * 1024)

static int replay_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_file(const char *path, size_t *ret_size)
{
    int rc = -1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint8_t *data = malloc(REPLAY_MAX_BYTES);
    if (!data)
        goto out_close;
    size_t n = fread(data, 1, REPLAY_MAX_BYTES, f);
    if (ferror(f) || !feof(f))
        goto out_free;
    /* a private copy of exactly n bytes, so ASan catches reads past the input */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact)
        goto out_free;
    memcpy(exact, data, n);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    *ret_size = n;
    rc = 0;
out_free:
    free(data);
out_close:
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    DIR *dir = opendir(argv[1]);
    if (!dir) {
        fprintf(stderr, "replay: cannot open %s\n", argv[1]);
        return 1;
    }
    char **names = calloc(REPLAY_MAX_FILES, sizeof(*names));
    size_t count = 0;
    struct dirent *e;
    while (names && count < REPLAY_MAX_FILES && (e = readdir(dir)) != NULL) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            names[count++] = strdup(e->d_name);
    }
    closedir(dir);
    if (!names || count == 0) {
        fprintf(stderr, "replay: no corpus files in %s\n", argv[1]);
        free(names);
        return 1;
    }
    qsort(names, count, sizeof(*names), replay_cmp);
    printf("1..%zu\n", count);
    int failed = 0;
    for (size_t i = 0; i < count; i++) {
        char path[4096];
        size_t size = 0;
        snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
        if (!names[i] || replay_file(path, &size) < 0) {
            printf("not ok %zu - %s (unreadable)\n", i + 1, names[i] ? names[i] : "?");
            failed = 1;
        } else {
            printf("ok %zu - %s (%zu bytes)\n", i + 1, names[i], size);
        }
        fflush(stdout);
        free(names[i]);
    }
    free(names);
    return failed;
}
