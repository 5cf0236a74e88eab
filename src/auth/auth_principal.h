/*
 * auth_principal.h - an authenticated user as the rest of the server sees it.
 *
 * Built by the API's guard for each request from the users row (so a disabled account or
 * changed rights take effect at once) and read by handlers and library queries to scope
 * what the user may see and do. Plain data: any thread.
 */
#ifndef SWAZ_AUTH_PRINCIPAL_H
#define SWAZ_AUTH_PRINCIPAL_H

#include "core/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_PRINCIPAL_ID_BYTES 32

typedef enum {
    AUTH_METHOD_TOKEN,    /* Authorization: Bearer <access token> */
    AUTH_METHOD_COOKIE,   /* the session cookie (writes need the CSRF header) */
    AUTH_METHOD_API_KEY,  /* X-API-Key header or apiKey parameter */
    AUTH_METHOD_SUBSONIC, /* u + p / enc: / t + s */
    AUTH_METHOD_PROXY,    /* the trusted reverse-proxy header */
} AuthMethod;

typedef struct Principal {
    char user_id[AUTH_PRINCIPAL_ID_BYTES + 1];
    char username[LIMIT_USERNAME_BYTES + 1];
    bool is_admin;
    bool may_upload;
    bool may_share;
    bool may_download;
    int max_bitrate_kbps;                  /* 0: no limit */
    bool all_libraries;                    /* true: every library, whatever library_ids says */
    int64_t library_ids[LIMIT_MUSIC_DIRS]; /* the libraries the user may see */
    size_t n_library_ids;
    AuthMethod method;
} Principal;

/* True if the principal may see library `library_id`. */
bool auth_principal_sees(const Principal *p, int64_t library_id);

#endif
