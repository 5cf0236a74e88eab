/* test_config.c - configuration: defaults, file, environment, flags, precedence, errors. */
#include "app/config.h"
#include "core/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

static int load(Config *cfg, char **argv, char **envp, char *err)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    ConfigArgs args;
    static const char *const sw[] = {"admin", NULL};
    return config_load(cfg, argc, argv, envp, sw, &args, err, 512);
}

static void test_defaults(void **state)
{
    (void)state;
    Config cfg;
    char err[512];
    char *argv[] = {"serve", "--config", "/nonexistent/swaz.conf", NULL};
    char *env[] = {NULL};
    assert_int_equal(load(&cfg, argv, env, err), -ENOENT);
    assert_non_null(strstr(err, "/nonexistent/swaz.conf"));

    char *argv2[] = {"serve", NULL};
    assert_int_equal(load(&cfg, argv2, env, err), 0);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 4533);
    assert_string_equal(cfg.data_dir, "./data");
    assert_string_equal(cfg.database_url, "sqlite:./data/swaz.db");
    assert_string_equal(cfg.redis_url, "");
    assert_true(cfg.threads >= 4);
    assert_true(cfg.scan_on_start);
    assert_int_equal(cfg.n_music_dirs, 0);
    assert_int_equal(cfg.sqlite_mmap_mb, 2048); /* Debian's SQLite maps at most 2 GiB */
    /* the build's web/dist; an empty value turns the player off */
    assert_non_null(strstr(cfg.web_dir, "web/dist"));
    char *argv3[] = {"serve", "--web-dir", "", NULL};
    assert_int_equal(load(&cfg, argv3, env, err), 0);
    assert_string_equal(cfg.web_dir, "");
    char *env2[] = {"SWAZ_WEB_DIR=/srv/player", NULL};
    assert_int_equal(load(&cfg, argv2, env2, err), 0);
    assert_string_equal(cfg.web_dir, "/srv/player");
}

static void test_precedence(void **state)
{
    (void)state;
    char *dir = testutil_tmpdir();
    char path[1024];
    snprintf(path, sizeof(path), "%s/swaz.conf", dir);
    const char *text = "# test\nlisten = 127.0.0.1:1111\nthreads = 3\ndata_dir = /from/file\n"
                       "music_dirs = /a:/b/c\nlog_level = debug\n";
    testutil_write_file(path, text, strlen(text));
    Config cfg;
    char err[512];
    char *argv[] = {"serve", "--config", path, "--listen", "[::1]:3333", "--threads=5", NULL};
    char *env[] = {"SWAZ_LISTEN=127.0.0.1:2222", "SWAZ_THREADS=4", "DATABASE_URL=postgres://x/y",
                   NULL};
    assert_int_equal(load(&cfg, argv, env, err), 0);
    assert_string_equal(cfg.listen_host, "::1");
    assert_int_equal(cfg.listen_port, 3333);
    assert_int_equal(cfg.threads, 5);
    assert_string_equal(cfg.data_dir, "/from/file");
    assert_string_equal(cfg.database_url, "postgres://x/y");
    assert_int_equal(cfg.n_music_dirs, 2);
    assert_string_equal(cfg.music_dirs[1], "/b/c");
    assert_int_equal(cfg.log_level, LOG_LEVEL_DEBUG);
    assert_string_equal(cfg.config_file, path);

    char *argv2[] = {"serve", NULL};
    char *env2[] = {"SWAZ_CONFIG=/nonexistent", NULL};
    assert_int_equal(load(&cfg, argv2, env2, err), -ENOENT);
    testutil_rmrf(dir);
    free(dir);
}

static void test_errors_name_the_key(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        const char *env;
        const char *flag;
        const char *must_mention;
    } cases[] = {
        {"bogus = 1\n", NULL, NULL, "bogus"},
        {"threads = abc\n", NULL, NULL, "threads"},
        {"[section]\nthreads = 2\n", NULL, NULL, "section"},
        {"listen = nope\n", NULL, NULL, "listen"},
        {"not a line\n", NULL, NULL, ":1:"},
        {"", "SWAZ_THREADS=0", NULL, "threads"},
        {"", "SWAZ_TIMEOUT=99999", NULL, "timeout"},
        {"", "SWAZ_SQLITE_MMAP_MB=65537", NULL, "sqlite_mmap_mb"},
        {"", "SWAZ_LOG_LEVEL=loud", NULL, "log_level"},
        {"", "REDIS_URL=http://x", NULL, "redis_url"},
        {"", NULL, "--threads=abc", "threads"},
        {"", NULL, "--listen=127.0.0.1:70000", "listen"},
        {"", NULL, "--music-dirs=/a::/b", "music_dirs"},
        {"", NULL, "--unknown-flag=1", "unknown-flag"},
        {"", NULL, "--scan-on-start=perhaps", "scan_on_start"},
        {"", NULL, "-x", "-x"},
    };
    char *dir = testutil_tmpdir();
    char path[1024];
    snprintf(path, sizeof(path), "%s/swaz.conf", dir);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        testutil_write_file(path, cases[i].file, strlen(cases[i].file));
        Config cfg;
        char err[512] = "";
        char *argv[] = {"serve", "--config", path, (char *)cases[i].flag, NULL};
        char *env[] = {(char *)cases[i].env, NULL};
        assert_true(load(&cfg, argv, env, err) < 0);
        if (!strstr(err, cases[i].must_mention))
            fail_msg("case %zu: '%s' does not mention '%s'", i, err, cases[i].must_mention);
    }
    testutil_rmrf(dir);
    free(dir);
}

static void test_positional_and_switches(void **state)
{
    (void)state;
    Config cfg;
    ConfigArgs args;
    char err[512];
    char *argv[] = {"user",   "add", "alice",   "--admin", "--data-dir",
                    "/tmp/x", "--",  "--admin", NULL};
    char *env[] = {NULL};
    static const char *const sw[] = {"admin", NULL};
    assert_int_equal(config_load(&cfg, 8, argv, env, sw, &args, err, sizeof(err)), 0);
    assert_int_equal(args.n_positional, 3);
    assert_string_equal(args.positional[1], "alice");
    assert_string_equal(args.positional[2], "--admin");
    assert_true(args.switches[0]);
    assert_string_equal(cfg.data_dir, "/tmp/x");
    assert_string_equal(cfg.database_url, "sqlite:/tmp/x/swaz.db");

    char *argv2[] = {"serve", "--admin", NULL};
    assert_true(config_load(&cfg, 2, argv2, env, NULL, &args, err, sizeof(err)) < 0);
    char *argv3[] = {"serve", "--help", NULL};
    assert_int_equal(config_load(&cfg, 2, argv3, env, NULL, &args, err, sizeof(err)), 0);
    assert_true(args.help);
    char *argv4[] = {"serve", "--listen", NULL};
    assert_true(config_load(&cfg, 2, argv4, env, NULL, &args, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "needs a value"));
}

static void test_load_text(void **state)
{
    (void)state;
    Config cfg;
    char err[256];
    const char *ok = "listen = 0.0.0.0:80\nredis_url = unix:///run/redis.sock\n";
    assert_int_equal(config_load_text(&cfg, ok, strlen(ok), err, sizeof(err)), 0);
    assert_string_equal(cfg.listen_host, "0.0.0.0");
    assert_string_equal(cfg.redis_url, "unix:///run/redis.sock");
    assert_true(config_load_text(&cfg, "a", 1, err, sizeof(err)) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_errors_name_the_key),
        cmocka_unit_test(test_positional_and_switches),
        cmocka_unit_test(test_load_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
