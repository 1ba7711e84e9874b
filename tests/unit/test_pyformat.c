/* test_pyformat.c: CUnit tests of base/ (the library the compiler and the
 * runtime share): the shared table tests/shared/pyformat_cases.txt
 * rendered by the template engine (every row as {{ EXPR }} after a
 * {% set %} per `let` line, f-string rows excepted: Jinja has none; the
 * compiler's side is tests/compile/pyformat_cases.sh), then what the
 * table cannot show: UTF-8 edge cases, the size caps of biz_buf and of a
 * formatting job, the callbacks' failures, and the compiler's allocation
 * that aborts when out of memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "cunit_main.h"
#include "pyformat.h"
#include "pyrepr.h"
#include "template.h"
#include "utf8.h"
#include "xalloc.h"

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
    /* one U+FFFD per maximal subpart, as Python's errors="replace" */
    CU_ASSERT_EQUAL(biz_utf8_bad_len((const unsigned char *)"\xe2\x82", 2), 2);   /* cut short */
    CU_ASSERT_EQUAL(biz_utf8_bad_len((const unsigned char *)"\xe2\x82x", 3), 2);
    CU_ASSERT_EQUAL(biz_utf8_bad_len((const unsigned char *)"\xe0\x80\x80", 3), 1);   /* overlong */
    CU_ASSERT_EQUAL(biz_utf8_bad_len((const unsigned char *)"\xed\xa0\x80", 3), 1);   /* surrogate */
    CU_ASSERT_EQUAL(biz_utf8_bad_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 1);   /* past U+10FFFF */
    CU_ASSERT_EQUAL(biz_utf8_bad_len((const unsigned char *)"\xf0\x9f\x98", 3), 3);
    CU_ASSERT_EQUAL(biz_utf8_bad_len((const unsigned char *)"\x80", 1), 1);
    /* the lax model: a character starts at each byte that continues none */
    CU_ASSERT_EQUAL(biz_utf8_lax_count("h\xc3\xa9llo", 6), 5);
    CU_ASSERT_EQUAL(biz_utf8_lax_count("\x80\x80" "a", 3), 1);     /* unlike biz_utf8_count */
    CU_ASSERT_EQUAL(biz_utf8_lax_len("\xf0\x9f\x98\x80!", 5), 4);
    CU_ASSERT_EQUAL(biz_utf8_lax_len("\xc3\xa9", 1), 1);
    CU_ASSERT_EQUAL(biz_utf8_lax_len("\xc3", (size_t)-1), 1);       /* a NUL ends it */
    CU_ASSERT(biz_utf8_cont(0x80) && biz_utf8_cont(0xbf) && !biz_utf8_cont(0xc0) && !biz_utf8_cont('a'));
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
    /* printf: in place, a second pass past the first guess, the cap kept */
    biz_buf_printf(&b, "%s-%d", "ab", 7);
    CU_ASSERT(!biz_buf_failed(&b) && b.n == 4 && !strcmp(b.p, "ab-7"));
    biz_buf_printf(&b, "%5s", "xyz");   /* dropped whole */
    CU_ASSERT(b.over && b.n == 4 && !strcmp(b.p, "ab-7"));
    biz_buf_clear(&b);   /* forgets the failure, keeps the bytes */
    CU_ASSERT(!biz_buf_failed(&b) && b.p && b.cap);
    biz_buf_printf(&b, "%s", "wxyz");
    CU_ASSERT_STRING_EQUAL(b.p, "wxyz");
    CU_ASSERT_EQUAL(biz_buf_reserve(&b, 1), -1);
    biz_buf_free(&b);
    biz_buf big = {0};
    biz_buf_printf(&big, "%0300d|", 5);
    CU_ASSERT(big.n == 301 && big.p[299] == '5' && big.p[300] == '|');
    CU_ASSERT_EQUAL(biz_buf_reserve(&big, 10000), 0);
    CU_ASSERT(big.cap >= big.n + 10001 && big.n == 301);
    biz_buf_clear(&big);
    CU_ASSERT(big.n == 0 && !strcmp(big.p, ""));
    biz_buf_add(&big, "a\0b", 3);   /* NUL bytes too */
    CU_ASSERT(big.n == 3 && !memcmp(big.p, "a\0b", 4));
    biz_buf_free(&big);

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

/* ---- allocation that aborts ------------------------------------------------------ */

static void test_xalloc(void)
{
    char *s = biz_xstrndup("abcdef", 3);
    CU_ASSERT_STRING_EQUAL(s, "abc");
    free(s);
    s = biz_xstrndup("ab", 9);   /* stops at the NUL */
    CU_ASSERT_STRING_EQUAL(s, "ab");
    s = biz_xrealloc(s, 100);
    CU_ASSERT_STRING_EQUAL(s, "ab");
    free(s);
    s = biz_xstrdup("");
    CU_ASSERT_STRING_EQUAL(s, "");
    free(s);
    int *z = biz_xcalloc(0, sizeof *z);   /* a block of its own, zeroed */
    CU_ASSERT_PTR_NOT_NULL(z);
    CU_ASSERT_EQUAL(*z, 0);
    free(z);
    free(biz_xmalloc(0));

    /* out of memory: one line on stderr, then abort (ASan reports the size
     * itself instead of failing the malloc) */
#if defined(__SANITIZE_ADDRESS__)
    return;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return;
#endif
#endif
    int pfd[2];
    CU_ASSERT_FATAL(pipe(pfd) == 0);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        dup2(pfd[1], 2);
        close(pfd[0]);
        free(biz_xmalloc((size_t)-1 / 2));
        _exit(0);
    }
    close(pfd[1]);
    char got[64] = "";
    size_t n = 0;
    ssize_t r;
    while (n < sizeof got - 1 && (r = read(pfd[0], got + n, sizeof got - 1 - n)) > 0)
        n += (size_t)r;
    got[n] = 0;
    close(pfd[0]);
    int status;
    CU_ASSERT(waitpid(pid, &status, 0) == pid);
    CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    CU_ASSERT_STRING_EQUAL(got, "bizc: out of memory\n");
}

static const unit_test pyformat_tests[] = {
    {"the shared table, in templates", test_shared_table},
    {"UTF-8", test_utf8},
    {"escapes and repr", test_escapes},
    {"size caps", test_caps},
    {"callbacks", test_callbacks},
    {"allocation that aborts", test_xalloc},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"pyformat", NULL, NULL, pyformat_tests},
    UNIT_SUITES_END,
};
