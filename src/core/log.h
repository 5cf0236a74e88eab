/*
 * log.h - leveled log lines to stderr, one line per call, safe from any thread.
 *
 * Only the edges log (handlers, background jobs, app/); lower layers return errors.
 * The level and format are set once at start-up (the only mutable globals besides signal
 * flags and metrics). Secrets never reach a log: callers pass redacted values.
 */
#ifndef SWAZ_CORE_LOG_H
#define SWAZ_CORE_LOG_H

typedef enum { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR } LogLevel;

/* Sets the lowest level written. Call before starting threads. */
void log_set_level(LogLevel level);

/* Parses "debug", "info", "warn" or "error". Returns 0 or -EINVAL. */
int log_level_parse(const char *s, LogLevel *ret_level);

/* Writes one line "2026-11-24T00:45:54.123Z LEVEL message\n" if `level` is enabled. */
void log_write(LogLevel level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)  log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
