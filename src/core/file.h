/*
 * file.h - whole-buffer reads and writes, and atomic replacement of small files.
 *
 * file_store() writes a buffer to a unique temp file beside its target
 * (`<name>.tmp-XXXXXX`), fsyncs it and renames it over the target, so a reader sees the
 * old file or the new one, never half of one; a crash leaves at most the temp file, which
 * callers may prune by its ".tmp-" infix. Owns nothing; any thread.
 */
#ifndef SWAZ_CORE_FILE_H
#define SWAZ_CORE_FILE_H

#include "core/arena.h"

#include <stddef.h>

/* Writes all `len` bytes of `data` to `fd`, retrying short writes and EINTR. Returns 0 or
 * a negative errno: -ENOSPC, -EDQUOT or -EFBIG when the disk or a size limit is full
 * (-ENOSPC also when write() takes no bytes). */
int file_write_all(int fd, const void *data, size_t len);

/* mkdir -p: creates `path` (at most PATH_MAX - 1 bytes) and its missing parents, mode
 * 0755. Returns 0, -ENAMETOOLONG or a negative errno. */
int file_mkdirs(const char *path);

/* Replaces `dir`/`name` with `len` bytes of `data`, mode 0644, through a temp file, fsync
 * and rename; makes `dir` first when missing. With `ret_fd`, the new file stays open
 * read-write at offset 0 and the caller closes it; NULL closes it. Returns 0,
 * -ENAMETOOLONG or a negative errno; on failure no temp file is left and *ret_fd is
 * untouched. */
int file_store(const char *dir, const char *name, const void *data, size_t len, int *ret_fd);

/* Reads the whole of the regular file open on `fd` (at most `max` bytes) into `arena`, with
 * a NUL after it. Returns 0, ERR_LIMIT (larger than max), -EIO (it shrank while read) or a
 * negative errno. */
int file_read_all(int fd, size_t max, Arena *arena, void **ret_data, size_t *ret_len);

#endif
