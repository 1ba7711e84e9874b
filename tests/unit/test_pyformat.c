/* test_pyformat.c: CUnit tests of base/ (the library the compiler and the
 * runtime share): the shared table tests/shared/pyformat_cases.txt
 * rendered by the template engine (every row as {{ EXPR }} after a
 * {% set %} per `let` line, f-string rows excepted: Jinja has none; the
 * compiler's side is tests/compile/pyformat_cases.sh), then what the
 * table cannot show: UTF-8 edge cases, the size caps of biz_buf and of a
 * formatting job, and the callbacks' failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cunit_main.h"
#include "pyformat.h"
#include "pyrepr.h"
#include "template.h"
#include "utf8.h"

#ifndef BIZC_TEST_SRCDIR
#define BIZC_TEST_SRCDIR "."
#endif

/* ---- the shared table through the template engine ------------------------- */

/* The table's text (malloc'd), or NULL. */
static char *read_table(void)
{
    FILE *f = fopen(BIZC_TEST_SRCDIR "/tests/shared/pyformat_cases.txt", "rb");
    if (!f)
        return NULL;
    biz_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        biz_buf_add(&b, chunk, n);
    fclose(f);
    return biz_buf_take(&b);
}

/* Renders one row; 1 when the engine did what Python does. */
static int check_row(const biz_tpl_env *env, const char *lets, const char *expr, char kind, const char *want,
                     int lineno)
{
    biz_buf src = {0};
    biz_buf_adds(&src, lets);
    biz_buf_adds(&src, "{{ ");
    biz_buf_adds(&src, expr);
    biz_buf_adds(&src, " }}");
    biz_tpl_error err = { 0, "" };
    char *got = NULL;
    biz_tpl *t = biz_tpl_parse(src.p, src.n, &err);
    if (t)
        got = biz_tpl_render(t, env, &err);
    int ok = kind == '=' ? got && !strcmp(got, want) : !got && strstr(err.message, want) != NULL;
    if (!ok)
        fprintf(stderr, "\nline %d: %s\n  template: %s%s\n  python:   %s%s\n", lineno, expr,
                got ? "" : t ? "render error: " : "parse error: ", got ? got : err.message,
                kind == '=' ? "" : "an error holding ", want);
    free(got);
    biz_tpl_free(t);
    biz_buf_free(&src);
    return ok;
}

static void test_shared_table(void)
{
    char *text = read_table();
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    cJSON *vars = cJSON_CreateObject();
    biz_tpl_env env = { .vars = vars, .task_id = "t" };
    biz_buf lets = {0};
    int rows = 0, passed = 0, skipped = 0, lineno = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (!*line || *line == '#')
            continue;
        if (!strncmp(line, "let\t", 4)) {
            biz_buf_adds(&lets, "{% set ");
            biz_buf_adds(&lets, line + 4);
            biz_buf_adds(&lets, " %}");
            continue;
        }
        char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        CU_ASSERT_PTR_NOT_NULL_FATAL(tab2);
        *tab1 = '\0';
        cJSON *want = cJSON_Parse(tab2 + 1);
        CU_ASSERT_FATAL(cJSON_IsString(want));
        if (line[0] == 'f' && (line[1] == '\'' || line[1] == '"')) {
            skipped++;      /* an f-string: the compiler's only */
        } else {
            rows++;
            passed += check_row(&env, lets.p ? lets.p : "", line, tab1[1], want->valuestring, lineno);
        }
        cJSON_Delete(want);
    }
    printf("\n  shared table: %d of %d rows as Python (%d f-string rows are the compiler's)\n", passed, rows,
           skipped);
    CU_ASSERT(rows >= 200);
    CU_ASSERT_EQUAL(passed, rows);
    biz_buf_free(&lets);
    cJSON_Delete(vars);
    free(text);
}

/* ---- UTF-8 ---------------------------------------------------------------------- */

static void test_utf8(void)
{
    unsigned cp = 0;
    char out[BIZ_UTF8_MAX_LEN];
    CU_ASSERT_EQUAL(biz_utf8_seq((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
    CU_ASSERT_EQUAL(cp, 0xe9);
    CU_ASSERT_EQUAL(biz_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp), 4);
    CU_ASSERT_EQUAL(cp, 0x1f600);
    /* not UTF-8: a lone byte, overlong forms, surrogates, past U+10FFFF, cut short */
    CU_ASSERT_EQUAL(biz_utf8_seq((const unsigned char *)"\xe9", 1, &cp), 0);
    CU_ASSERT_EQUAL(biz_utf8_seq((const unsigned char *)"\xc0\xaf", 2, &cp), 0);
    CU_ASSERT_EQUAL(biz_utf8_seq((const unsigned char *)"\xe0\x80\xaf", 3, &cp), 0);
    CU_ASSERT_EQUAL(biz_utf8_seq((const unsigned char *)"\xed\xa0\x80", 3, &cp), 0);
    CU_ASSERT_EQUAL(biz_utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0);
    CU_ASSERT_EQUAL(biz_utf8_seq((const unsigned char *)"\xc3\xa9", 1, &cp), 0);
    CU_ASSERT_EQUAL(biz_utf8_put(0x41, out), 1);
    CU_ASSERT_EQUAL(biz_utf8_put(0xe9, out), 2);
    CU_ASSERT(!memcmp(out, "\xc3\xa9", 2));
    CU_ASSERT_EQUAL(biz_utf8_put(0x20ac, out), 3);
    CU_ASSERT(!memcmp(out, "\xe2\x82\xac", 3));
    CU_ASSERT_EQUAL(biz_utf8_put(0x10ffff, out), 4);
    CU_ASSERT(!memcmp(out, "\xf4\x8f\xbf\xbf", 4));
    /* a byte that is not UTF-8 counts as one character, as it prints */
    CU_ASSERT_EQUAL(biz_utf8_count("h\xc3\xa9llo", 6), 5);
    CU_ASSERT_EQUAL(biz_utf8_count("a\xe9z", 3), 3);
    CU_ASSERT_EQUAL(biz_utf8_offset("h\xc3\xa9llo", 6, 2), 3);
    CU_ASSERT_EQUAL(biz_utf8_offset("ab", 2, 9), 2);
}

/* ---- escapes and repr ----------------------------------------------------------- */

static void test_escapes(void)
{
    char out[BIZ_UTF8_MAX_LEN];
    int len;
    size_t used;
    CU_ASSERT_EQUAL(biz_pyrepr_unescape1("\\xe9", 4, out, &len, &used), BIZ_PYREPR_ESC_OK);
    CU_ASSERT(len == 2 && !memcmp(out, "\xc3\xa9", 2) && used == 4);
    CU_ASSERT_EQUAL(biz_pyrepr_unescape1("\\351x", 5, out, &len, &used), BIZ_PYREPR_ESC_OK);
    CU_ASSERT(len == 2 && !memcmp(out, "\xc3\xa9", 2) && used == 4);
    CU_ASSERT_EQUAL(biz_pyrepr_unescape1("\\777", 4, out, &len, &used), BIZ_PYREPR_ESC_OK);
    CU_ASSERT(len == 2 && !memcmp(out, "\xc7\xbf", 2));     /* U+01FF */
    CU_ASSERT_EQUAL(biz_pyrepr_unescape1("\\U0001F600", 10, out, &len, &used), BIZ_PYREPR_ESC_OK);
    CU_ASSERT(len == 4 && used == 10);
    CU_ASSERT_EQUAL(biz_pyrepr_unescape1("\\x4", 3, out, &len, &used), BIZ_PYREPR_ESC_TRUNCATED);
    CU_ASSERT_EQUAL(biz_pyrepr_unescape1("\\ud800", 6, out, &len, &used), BIZ_PYREPR_ESC_CODE_POINT);
    CU_ASSERT_EQUAL(biz_pyrepr_unescape1("\\U00110000", 10, out, &len, &used), BIZ_PYREPR_ESC_CODE_POINT);
    CU_ASSERT_EQUAL(biz_pyrepr_unescape1("\\N{DEGREE SIGN}!", 16, out, &len, &used), BIZ_PYREPR_ESC_NAMED);
    CU_ASSERT_EQUAL(used, 15);
    CU_ASSERT_EQUAL(biz_pyrepr_unescape1("\\d", 2, out, &len, &used), BIZ_PYREPR_ESC_UNKNOWN);
    CU_ASSERT_EQUAL(biz_pyrepr_unescape1("\\\r\n", 3, out, &len, &used), BIZ_PYREPR_ESC_OK);
    CU_ASSERT(len == 0 && used == 3);

    biz_buf b = {0};
    biz_pyrepr_str(&b, "it's \"q\"\x01\xe9", 10);   /* a byte that is not UTF-8 is \xNN */
    CU_ASSERT_STRING_EQUAL(b.p, "'it\\'s \"q\"\\x01\\xe9'");
    biz_buf_free(&b);
    biz_pyrepr_ascii(&b, "'\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80'", 11);
    CU_ASSERT_STRING_EQUAL(b.p, "'\\xe9\\u20ac\\U0001f600'");
    biz_buf_free(&b);
    biz_pyrepr_float(&b, 1e22);
    biz_buf_addc(&b, ' ');
    biz_pyrepr_float(&b, -2.5e-7);
    biz_buf_addc(&b, ' ');
    biz_pyrepr_float(&b, 123456789012345678.0);
    CU_ASSERT_STRING_EQUAL(b.p, "1e+22 -2.5e-07 1.2345678901234568e+17");
    biz_buf_free(&b);
}

/* ---- caps ------------------------------------------------------------------------ */

static void test_caps(void)
{
    biz_buf b = { .max = 4 };
    biz_buf_adds(&b, "abc");
    CU_ASSERT(!biz_buf_failed(&b));
    biz_buf_adds(&b, "de");
    CU_ASSERT(b.over && b.n == 3);
    CU_ASSERT_PTR_NULL(biz_buf_take(&b));
    CU_ASSERT_EQUAL(b.max, 4);
    biz_buf_fill(&b, "\xc3\xa9", 2, (size_t)1 << 40);      /* refused before it loops */
    CU_ASSERT(b.over && b.n == 0);
    biz_buf_free(&b);

    biz_pyfmt f = { .max_width = 10, .max_len = 20 };
    biz_pyfmt_val one = { .kind = BIZ_PYFMT_INT, .i = 1 };
    CU_ASSERT_EQUAL(biz_pyfmt_format(&f, &one, "11", 2, &b), -1);
    CU_ASSERT_EQUAL(f.why, BIZ_PYFMT_TOO_WIDE);
    CU_ASSERT_STRING_EQUAL(f.msg, "format spec '11': width or precision too large (at most 10)");
    biz_buf_free(&b);
    CU_ASSERT_EQUAL(biz_pyfmt_percent(&f, "%.11f", 5, &one, &b), -1);
    CU_ASSERT_EQUAL(f.why, BIZ_PYFMT_TOO_WIDE);
    biz_buf_free(&b);
    CU_ASSERT_EQUAL(biz_pyfmt_str_format(&f, "{0:10}{0:10}{0:10}", 18, &one, 1, NULL, NULL, 0, &b), -1);
    CU_ASSERT_EQUAL(f.why, BIZ_PYFMT_TOO_LONG);
    biz_buf_free(&b);
    CU_ASSERT_EQUAL(biz_pyfmt_str_format(&f, "{0:10}{0:10}", 12, &one, 1, NULL, NULL, 0, &b), 0);
    CU_ASSERT_EQUAL(b.n, 20);
    biz_buf_free(&b);
}

/* ---- callbacks ------------------------------------------------------------------- */

static int fail_text(biz_pyfmt *f, const biz_pyfmt_val *v, int repr, biz_buf *out)
{
    (void)v, (void)repr, (void)out;
    f->why = BIZ_PYFMT_REPORTED;
    return -1;
}

static void test_callbacks(void)
{
    biz_pyfmt f = { .text = fail_text };
    biz_pyfmt_val other = { .kind = BIZ_PYFMT_OTHER, .type = "task" };
    biz_pyfmt_val tuple = { .kind = BIZ_PYFMT_TUPLE, .items = &other, .n = 1 };
    biz_buf b = {0};
    /* a value the caller cannot print fails where it is printed, nested too */
    CU_ASSERT_EQUAL(biz_pyfmt_percent(&f, "%s", 2, &tuple, &b), -1);
    CU_ASSERT_EQUAL(f.why, BIZ_PYFMT_REPORTED);
    biz_buf_free(&b);
    biz_pyfmt_val outer = { .kind = BIZ_PYFMT_TUPLE, .items = &tuple, .n = 1 };
    CU_ASSERT_EQUAL(biz_pyfmt_percent(&f, "%r", 2, &outer, &b), -1);
    biz_buf_free(&b);
    /* no callbacks: no text, nothing to index */
    biz_pyfmt bare = {0};
    CU_ASSERT_EQUAL(biz_pyfmt_field(&bare, &other, 'r', "", 0, &b), -1);
    CU_ASSERT_STRING_EQUAL(bare.msg, "TypeError: task has no text here");
    biz_buf_free(&b);
    CU_ASSERT_EQUAL(biz_pyfmt_str_format(&bare, "{0[k]}", 6, &other, 1, NULL, NULL, 0, &b), -1);
    CU_ASSERT_STRING_EQUAL(bare.msg, "TypeError: 'task' object is not subscriptable");
    biz_buf_free(&b);
}

static const unit_test pyformat_tests[] = {
    {"the shared table, in templates", test_shared_table},
    {"UTF-8", test_utf8},
    {"escapes and repr", test_escapes},
    {"size caps", test_caps},
    {"callbacks", test_callbacks},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"pyformat", NULL, NULL, pyformat_tests},
    UNIT_SUITES_END,
};
