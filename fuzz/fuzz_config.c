/*
 * fuzz_config.c - fuzz target for the configuration file parser (core/ini.c through
 * app/config.c): any bytes must give 0 or a clean error with a message, never a crash.
 */
#include "app/config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static Config cfg;
    char err[512];
    err[0] = '\0';
    int r = config_load_text(&cfg, (const char *)data, size, err, sizeof(err));
    if (r < 0 && err[0] == '\0')
        __builtin_trap(); /* every error must say what is wrong */
    if (r == 0 && memchr(cfg.listen_host, '\0', sizeof(cfg.listen_host)) == NULL)
        __builtin_trap();
    return 0;
}
