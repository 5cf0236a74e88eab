/*
 * zip.h - a ZIP archive written front to back, for streaming (no seeking, no temp file).
 *
 * Entries are stored, not deflated: audio does not compress. Each entry's local header
 * says "sizes and CRC-32 follow" (general purpose bit 3) and a data descriptor after the
 * bytes gives them, so the CRC is computed while the bytes pass through; names are UTF-8
 * (bit 11). The central directory, written by zip_finish(), is kept in memory (one small
 * record per entry, at most `max_entries`). ZIP64 records appear only where a size, an
 * offset or the entry count needs them. One thread at a time per Zip.
 */
#ifndef SWAZ_CORE_ZIP_H
#define SWAZ_CORE_ZIP_H

#include <stddef.h>
#include <stdint.h>

/* Where archive bytes go: returns 0 or a negative errno (which the zip call returns). */
typedef int (*ZipWriteFn)(void *ctx, const void *data, size_t len);

typedef struct Zip Zip;

/* Updates a CRC-32 (ISO-HDLC, as ZIP and zlib use it) with `len` bytes; start from 0. */
uint32_t zip_crc32(uint32_t crc, const void *data, size_t len);

/* Starts an archive written through `write` with at most `max_entries` entries. Values at
 * or above `zip64_from` (0: 0xFFFFFFFF, the format's own limit) are written as ZIP64.
 * Returns NULL when out of memory. Caller frees with zip_free(). */
Zip *zip_new(ZipWriteFn write, void *ctx, size_t max_entries, uint64_t zip64_from);

/* Frees the archive state (not what was written). NULL is a no-op. */
void zip_free(Zip *zip);

/* Starts an entry named `name` (UTF-8, '/'-separated, at most 65535 bytes) modified at
 * `mtime` (Unix seconds, UTC). Returns 0, -EINVAL (bad name, an entry still open),
 * ERR_LIMIT (max_entries reached), -ENOMEM, or the write error. */
int zip_entry_begin(Zip *zip, const char *name, int64_t mtime);

/* Adds bytes to the open entry. Returns 0, -EINVAL (no open entry) or the write error. */
int zip_entry_data(Zip *zip, const void *data, size_t len);

/* Ends the open entry (its data descriptor). Returns 0, -EINVAL or the write error. */
int zip_entry_end(Zip *zip);

/* Writes the central directory and the end records. Returns 0, -EINVAL (an entry still
 * open) or the write error. */
int zip_finish(Zip *zip);

#endif
