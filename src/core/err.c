/* err.c - descriptions of the project error codes and of negative errno values. */
#include "core/err.h"

#include <string.h>

const char *err_str(int err)
{
    switch (err) {
    case 0:
        return "success";
    case ERR_DB:
        return "database error";
    case ERR_DB_BUSY:
        return "database busy";
    case ERR_CONFLICT:
        return "already exists";
    case ERR_RANGE:
        return "range not satisfiable";
    case ERR_LIMIT:
        return "limit exceeded";
    case ERR_PARSE:
        return "malformed input";
    case ERR_UNSUPPORTED:
        return "not supported";
    case ERR_MEDIA:
        return "unreadable media file";
    case ERR_AUTH:
        return "wrong or missing credentials";
    case ERR_FORBIDDEN:
        return "forbidden";
    default:
        break;
    }
    if (err < 0 && err > -ERR_BASE)
        return strerrordesc_np(-err) ? strerrordesc_np(-err) : "unknown error";
    return "unknown error";
}
