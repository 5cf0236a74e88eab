/*
 * http_file.c - a file as an HTTP representation: validators, conditionals, Range.
 *
 * Order of evaluation follows RFC 9110 §13.2.2: If-None-Match (else If-Modified-Since)
 * may end in 304; then, for GET only, Range (guarded by If-Range) picks 206, 416 or 200.
 * Dates are written and read by hand in IMF-fixdate so the locale never matters.
 */
#include "http/http_file.h"

#include "core/err.h"
#include "http/http_range.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const file_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const file_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int http_file_format_date(time_t t, char out[32])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
        return -EOVERFLOW;
    snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", file_days[tm.tm_wday], tm.tm_mday,
             file_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return 0;
}

static int file_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Parses an IMF-fixdate. 0 or ERR_PARSE. */
static int file_parse_date(const char *s, time_t *ret_time)
{
    /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    if (strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' || strcmp(s + 26, "GMT") != 0)
        return ERR_PARSE;
    struct tm tm = {0};
    tm.tm_mon = -1;
    for (int i = 0; i < 12; i++)
        if (memcmp(s + 8, file_months[i], 3) == 0)
            tm.tm_mon = i;
    tm.tm_mday = file_digits(s + 5, 2);
    int year = file_digits(s + 12, 4);
    tm.tm_hour = file_digits(s + 17, 2);
    tm.tm_min = file_digits(s + 20, 2);
    tm.tm_sec = file_digits(s + 23, 2);
    if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || year < 1970 || tm.tm_hour < 0 ||
        tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
        return ERR_PARSE;
    tm.tm_year = year - 1900;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return ERR_PARSE;
    *ret_time = t;
    return 0;
}

static bool file_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* True if the If-None-Match list `header` holds `etag` (weak comparison) or is "*". */
static bool file_none_match(const char *header, const char *etag)
{
    size_t etag_len = strlen(etag);
    const char *p = header;
    while (*p) {
        while (file_is_ows(*p) || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && file_is_ows(end[-1]))
            end--;
        size_t len = (size_t)(end - start);
        if (len == 1 && start[0] == '*')
            return true;
        if (len >= 2 && start[0] == 'W' && start[1] == '/') {
            start += 2;
            len -= 2;
        }
        if (len == etag_len && memcmp(start, etag, len) == 0)
            return true;
    }
    return false;
}

/* True when If-Range lets the Range header apply. */
static bool file_if_range_ok(const char *if_range, const char *etag, time_t mtime)
{
    if (!if_range)
        return true;
    if (if_range[0] == '"')
        return strcmp(if_range, etag) == 0; /* strong comparison */
    if (if_range[0] == 'W' && if_range[1] == '/')
        return false; /* a weak tag never matches for If-Range */
    time_t t;
    return file_parse_date(if_range, &t) == 0 && t == mtime;
}

static int file_headers(HttpResponse *res, const char *etag, const char *last_modified,
                        const char *cache_control)
{
    int rc = http_response_header(res, "Accept-Ranges", "bytes");
    if (rc == 0)
        rc = http_response_header(res, "ETag", etag);
    if (rc == 0 && last_modified[0])
        rc = http_response_header(res, "Last-Modified", last_modified);
    if (rc == 0 && cache_control)
        rc = http_response_header(res, "Cache-Control", cache_control);
    return rc;
}

int http_file_respond(HttpRequest *req, HttpResponse *res, int fd, const char *content_type,
                      const char *cache_control)
{
    int rc;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto out_close;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        goto out_close;
    }
    uint64_t size = (uint64_t)st.st_size;
    uint64_t mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
    char etag[48];
    snprintf(etag, sizeof(etag), "\"%" PRIx64 "-%" PRIx64 "\"", size, mtime_ns);
    char last_modified[32] = "";
    http_file_format_date(st.st_mtim.tv_sec, last_modified);
    rc = file_headers(res, etag, last_modified, cache_control);
    if (rc < 0)
        goto out_close;

    bool get = strcmp(req->method, "GET") == 0;
    bool get_or_head = get || req->is_head;
    const char *inm = http_request_header(req, "If-None-Match");
    const char *ims = http_request_header(req, "If-Modified-Since");
    time_t since;
    if (get_or_head &&
        ((inm && file_none_match(inm, etag)) ||
         (!inm && ims && file_parse_date(ims, &since) == 0 && st.st_mtim.tv_sec <= since))) {
        http_response_status(res, 304);
        rc = 0;
        goto out_close;
    }

    HttpRange range = {0, size};
    int kind = HTTP_RANGE_FULL;
    const char *range_header = http_request_header(req, "Range");
    if (get && range_header &&
        file_if_range_ok(http_request_header(req, "If-Range"), etag, st.st_mtim.tv_sec))
        kind = http_range_parse(range_header, size, &range);
    if (kind == ERR_RANGE) {
        char cr[48];
        snprintf(cr, sizeof(cr), "bytes */%" PRIu64, size);
        http_response_status(res, 416);
        rc = http_response_header(res, "Content-Range", cr);
        goto out_close;
    }
    if (kind == HTTP_RANGE_PARTIAL) {
        char cr[80];
        snprintf(cr, sizeof(cr), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, range.start,
                 range.start + range.length - 1, size);
        http_response_status(res, 206);
        rc = http_response_header(res, "Content-Range", cr);
        if (rc < 0)
            goto out_close;
    } else {
        range.start = 0;
        range.length = size;
        http_response_status(res, 200);
    }
    /* http_response_fd owns fd from here on, whatever it returns. */
    return http_response_fd(res, content_type, fd, range.start, range.length);

out_close:
    close(fd);
    return rc;
}
