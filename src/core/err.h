/*
 * err.h - error codes shared by every layer.
 *
 * Fallible functions return 0 on success or a negative value: a negative errno (-ENOENT,
 * -EINVAL, -ENOMEM, ...) or one of the project codes below. api/ turns them into an HTTP
 * status and body in one place. Pure functions; any thread.
 */
#ifndef SWAZ_CORE_ERR_H
#define SWAZ_CORE_ERR_H

#include <errno.h>

enum {
    ERR_BASE = 10000,
    ERR_DB = -(ERR_BASE + 1),          /* the database failed (connection, SQL, constraint) */
    ERR_DB_BUSY = -(ERR_BASE + 2),     /* the database is locked; retry later */
    ERR_CONFLICT = -(ERR_BASE + 3),    /* a unique value already exists */
    ERR_RANGE = -(ERR_BASE + 4),       /* a Range header that cannot be satisfied */
    ERR_LIMIT = -(ERR_BASE + 5),       /* a named limit from core/limits.h was exceeded */
    ERR_PARSE = -(ERR_BASE + 6),       /* malformed input */
    ERR_UNSUPPORTED = -(ERR_BASE + 7), /* a valid request for something we do not do */
    ERR_MEDIA = -(ERR_BASE + 8),       /* a media file could not be read */
    ERR_AUTH = -(ERR_BASE + 9),        /* wrong or missing credentials */
    ERR_FORBIDDEN = -(ERR_BASE + 10),  /* authenticated but not allowed */
};

/* Returns a static, human-readable description of `err` (negative errno or ERR_*). */
const char *err_str(int err);

#endif
