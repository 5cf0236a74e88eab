/* test_ini.c - the INI parser: sections, comments, quoting, errors with line numbers. */
#include "core/err.h"
#include "core/ini.h"
#include "core/limits.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct Seen {
    char text[1024];
} Seen;

static int collect(void *ctx, const char *section, const char *key, const char *value, int line)
{
    Seen *s = ctx;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof(s->text) - n, "%d:[%s]%s=%s;", line, section, key, value);
    return 0;
}

static int refuse(void *ctx, const char *section, const char *key, const char *value, int line)
{
    (void)ctx;
    (void)section;
    (void)value;
    (void)line;
    return strcmp(key, "bad") == 0 ? -EINVAL : 0;
}

static void test_good_files(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"", ""},
        {"a=1", "1:[]a=1;"},
        {"  a  =  1  \r\n", "1:[]a=1;"},
        {"# c\n; c\n\nkey = \"quoted value \"\n", "4:[]key=quoted value ;"},
        {"[sec]\nx = y = z\n", "2:[sec]x=y = z;"},
        {"a=\n", "1:[]a=;"},
        {"a=1\n[s.t-u_v]\nb=2", "1:[]a=1;3:[s.t-u_v]b=2;"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Seen s = {""};
        int line = -1;
        assert_int_equal(ini_parse(cases[i].in, strlen(cases[i].in), collect, &s, &line), 0);
        assert_string_equal(s.text, cases[i].out);
    }
}

static void test_bad_files(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int ret;
        int line;
    } cases[] = {
        {"novalue\n", ERR_PARSE, 1},
        {"a=1\n[unclosed\n", ERR_PARSE, 2},
        {"[a] trailing\n", ERR_PARSE, 1},
        {"[]\n", ERR_PARSE, 1},
        {"bad key = 1\n", ERR_PARSE, 1},
        {"= 1\n", ERR_PARSE, 1},
        {"a = \"unterminated\n", ERR_PARSE, 1},
        {"a = \"\n", ERR_PARSE, 1},
        {"ok=1\nbad=2\n", -EINVAL, 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int line = -1;
        Seen s = {""};
        int r = ini_parse(cases[i].in, strlen(cases[i].in), refuse, &s, &line);
        assert_int_equal(r, cases[i].ret);
        assert_int_equal(line, cases[i].line);
    }
    /* Embedded NUL and an over-long line. */
    int line;
    Seen s = {""};
    assert_int_equal(ini_parse("a=1\0b", 5, collect, &s, &line), ERR_PARSE);
    size_t n = LIMIT_CONFIG_LINE_BYTES + 10;
    char *big = malloc(n);
    memset(big, 'a', n);
    big[1] = '=';
    assert_int_equal(ini_parse(big, n, collect, &s, &line), ERR_LIMIT);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_files),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
