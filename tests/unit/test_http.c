/* test_http.c: what runtime/net/http.c does to a server's text and with the
 * limits' variables: U+FFFD replacement as Python's decode(errors="replace"),
 * NUL offsets, message excerpts, JSON value counts, BIZ_HTTP_* parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cunit_main.h"
#include "http.h"

/* The text of body (len bytes), or "NUL@<offset>". */
static char got[256];
static const char *text_of(const char *body, size_t len)
{
    size_t n = 0;
    long long nul_at = -2;
    char *t = biz_http_text(body, len, &n, &nul_at);
    if (!t) {
        snprintf(got, sizeof got, "NUL@%lld", nul_at);
        return got;
    }
    CU_ASSERT_EQUAL(nul_at, -1);
    CU_ASSERT_EQUAL(strlen(t), n);
    snprintf(got, sizeof got, "%s", t);
    free(t);
    return got;
}

#define FFFD "\xEF\xBF\xBD"
/* A literal's bytes, NULs included. */
#define TEXT(lit) text_of(lit, sizeof lit - 1)

static void test_text(void)
{
    CU_ASSERT_STRING_EQUAL(TEXT(""), "");
    CU_ASSERT_STRING_EQUAL(TEXT("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
                           "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
    /* Lone bytes: one U+FFFD each. */
    CU_ASSERT_STRING_EQUAL(TEXT("a\xFF\xFE" "b"), "a" FFFD FFFD "b");
    /* A cut sequence is one U+FFFD (its maximal subpart), as Python's. */
    CU_ASSERT_STRING_EQUAL(TEXT("\xE2\x82" "x"), FFFD "x");
    CU_ASSERT_STRING_EQUAL(TEXT("\xF0\x9F\x98"), FFFD);
    /* Overlong forms and surrogates: the lead byte alone is invalid. */
    CU_ASSERT_STRING_EQUAL(TEXT("\xC0\x80"), FFFD FFFD);
    CU_ASSERT_STRING_EQUAL(TEXT("\xE0\x80\x80"), FFFD FFFD FFFD);
    CU_ASSERT_STRING_EQUAL(TEXT("\xED\xA0\x80"), FFFD FFFD FFFD);
    CU_ASSERT_STRING_EQUAL(TEXT("\xF4\x90\x80\x80"), FFFD FFFD FFFD FFFD);
    /* The edges that are valid. */
    CU_ASSERT_STRING_EQUAL(TEXT("\xED\x9F\xBF\xF4\x8F\xBF\xBF"), "\xED\x9F\xBF\xF4\x8F\xBF\xBF");
    /* A NUL byte: refused, with its offset. */
    CU_ASSERT_STRING_EQUAL(TEXT("abc\0def"), "NUL@3");
    CU_ASSERT_STRING_EQUAL(TEXT("\0"), "NUL@0");
}

static const char *excerpt_of(const char *s, size_t len, size_t outlen)
{
    biz_http_excerpt(got, outlen, s, len);
    return got;
}

static void test_excerpt(void)
{
    CU_ASSERT_STRING_EQUAL(excerpt_of("plain text", 10, 64), "plain text");
    CU_ASSERT_STRING_EQUAL(excerpt_of("\x1B[31mred\r\nforged\t\x07", 18, 64),
                           "\\x1b[31mred\\r\\nforged\\t\\x07");
    /* C1 controls (U+009B is a CSI) and bytes that are not UTF-8. */
    CU_ASSERT_STRING_EQUAL(excerpt_of("\xC2\x9B" "2J \xFF \xC3\xA9", 9, 64), "\\u009b2J \\xff \xC3\xA9");
    CU_ASSERT_STRING_EQUAL(excerpt_of("a\0b", 3, 64), "a\\x00b");
    /* Cut with "...", never inside a character or an escape. */
    CU_ASSERT_STRING_EQUAL(excerpt_of("abcdefghij", 10, 8), "abcd...");
    CU_ASSERT_STRING_EQUAL(excerpt_of("ab\xE2\x82\xAC\xE2\x82\xAC", 8, 9), "ab\xE2\x82\xAC...");
    CU_ASSERT_STRING_EQUAL(excerpt_of("ab\x1B\x1B\x1B", 5, 9), "ab...");
}

static void test_json_values(void)
{
    CU_ASSERT_EQUAL(biz_http_json_values("0", 1), 1);
    CU_ASSERT_EQUAL(biz_http_json_values("[0,0,0]", 7), 4);  /* an upper bound */
    /* Commas and brackets inside strings, escaped quotes, are not counted. */
    const char *s = "{\"a,[{\": \"x\\\",y\"}";
    CU_ASSERT_EQUAL(biz_http_json_values(s, strlen(s)), 2);
}

static const char *env[8];
static const char *fake_getenv(void *user, const char *name)
{
    (void)user;
    for (int i = 0; env[i]; i += 2)
        if (strcmp(env[i], name) == 0)
            return env[i + 1];
    return NULL;
}

static void test_limits(void)
{
    biz_http_limits l;
    char err[256];
    env[0] = NULL;
    CU_ASSERT_EQUAL(biz_http_limits_load(&l, fake_getenv, NULL, err, sizeof err), 0);
    CU_ASSERT_EQUAL(l.max_bytes, BIZ_HTTP_MAX_RESPONSE_DEFAULT);
    CU_ASSERT_EQUAL(l.timeout_ms, 300000);
    CU_ASSERT_EQUAL(l.low_speed_s, 60);
    CU_ASSERT_EQUAL(l.max_json_values, 250000);

    env[0] = "BIZ_HTTP_TIMEOUT", env[1] = "2.5";
    env[2] = "BIZ_HTTP_LOW_SPEED_TIME", env[3] = "0.2";   /* curl counts seconds */
    env[4] = "BIZ_HTTP_MAX_RESPONSE_BYTES", env[5] = "0";
    env[6] = NULL;
    CU_ASSERT_EQUAL(biz_http_limits_load(&l, fake_getenv, NULL, err, sizeof err), 0);
    CU_ASSERT_EQUAL(l.timeout_ms, 2500);
    CU_ASSERT_EQUAL(l.low_speed_s, 1);
    CU_ASSERT_EQUAL(l.max_bytes, 0);
    env[0] = "BIZ_HTTP_TIMEOUT", env[1] = "0.0001", env[2] = NULL;
    CU_ASSERT_EQUAL(biz_http_limits_load(&l, fake_getenv, NULL, err, sizeof err), 0);
    CU_ASSERT_EQUAL(l.timeout_ms, 1);  /* not 0, which is "no limit" */

    const char *bad[] = { "soon", "-1", "1e3", "nan", "inf", "0x10", "1.5.2", ".", NULL };
    for (int i = 0; bad[i]; i++) {
        env[0] = "BIZ_HTTP_TIMEOUT", env[1] = bad[i], env[2] = NULL;
        err[0] = 0;
        CU_ASSERT_EQUAL(biz_http_limits_load(&l, fake_getenv, NULL, err, sizeof err), -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "BIZ_HTTP_TIMEOUT="));
    }
    env[0] = "BIZ_HTTP_MAX_RESPONSE_BYTES", env[1] = "1.5", env[2] = NULL;
    CU_ASSERT_EQUAL(biz_http_limits_load(&l, fake_getenv, NULL, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "whole number of bytes"));
}

/* An entry and a query dict (name, value pairs; NULL-ended) or a query
 * string, as op_tech.c builds the URL, against what requests 2.32 with
 * urllib3 2.8 prepares (requests.Request("GET", url, params=...).prepare().url). */
static char *as_requests(const char *entry, const char *const *kv, const char *raw)
{
    char *url = NULL;
    CU_ASSERT(asprintf(&url, "http://h:1/svc/x/%s", entry) > 0);
    char *n = biz_http_normalize_url(url);
    free(url);
    url = n;
    for (int i = 0; kv && kv[i]; i += 2) {
        n = biz_http_url_add_query(url, kv[i], kv[i + 1]);
        free(url);
        url = n;
    }
    if (raw) {
        n = biz_http_url_add_raw_query(url, raw);
        free(url);
        url = n;
    }
    n = biz_http_requote(url);
    free(url);
    return n;
}

static void test_url_as_requests(void)
{
    static const struct { const char *entry; const char *kv[8]; const char *raw; const char *want; } cases[] = {
        { "a b/c d", {NULL}, NULL, "http://h:1/svc/x/a%20b/c%20d" },
        { "caf\xc3\xa9", {NULL}, NULL, "http://h:1/svc/x/caf%C3%A9" },
        { "x?y=1 2", {NULL}, NULL, "http://h:1/svc/x/x?y=1%202" },
        { "p#frag", {"q", "1", NULL}, NULL, "http://h:1/svc/x/p?q=1#frag" },
        { "100%", {NULL}, NULL, "http://h:1/svc/x/100%25" },
        { "50%off", {NULL}, NULL, "http://h:1/svc/x/50%25off" },
        { "%2a%41", {NULL}, NULL, "http://h:1/svc/x/%2AA" },
        { "a/./b/../c", {NULL}, NULL, "http://h:1/svc/x/a/c" },
        { "k", {"q", "a b&c=d+e/f?g#h%i", "e", "\xc3\xa9", NULL}, NULL,
          "http://h:1/svc/x/k?q=a+b%26c%3Dd%2Be%2Ff%3Fg%23h%25i&e=%C3%A9" },
        { "sp", {"q ", "~!*'()", NULL}, NULL, "http://h:1/svc/x/sp?q+=~%21%2A%27%28%29" },
        { "s", {NULL}, "x=a b&y=%zz", "http://h:1/svc/x/s?x=a%20b&y=%25zz" },
        { "[x]{y}|z^`\"<>\\", {NULL}, NULL, "http://h:1/svc/x/%5Bx%5D%7By%7D%7Cz%5E%60%22%3C%3E%5C" },
        { "a;b,c$d@e:f=g", {NULL}, NULL, "http://h:1/svc/x/a;b,c$d@e:f=g" },
        { "tab\there", {NULL}, NULL, "http://h:1/svc/x/tab%09here" },
        { "a%20b", {NULL}, NULL, "http://h:1/svc/x/a%20b" },
        { "a+b", {"k", "a+b", NULL}, NULL, "http://h:1/svc/x/a+b?k=a%2Bb" },
        { "../../up", {NULL}, NULL, "http://h:1/up" },
        { "d/.", {NULL}, NULL, "http://h:1/svc/x/d/" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = as_requests(cases[i].entry, cases[i].kv[0] ? cases[i].kv : NULL, cases[i].raw);
        if (!got || strcmp(got, cases[i].want))
            fprintf(stderr, "\n%s: got %s, want %s\n", cases[i].entry, got ? got : "NULL", cases[i].want);
        CU_ASSERT_STRING_EQUAL(got ? got : "", cases[i].want);
        free(got);
    }
}

static const unit_test http_tests[] = {
    {"answer text: U+FFFD as Python, NUL offsets", test_text},
    {"message excerpts: controls escaped, cut cleanly", test_excerpt},
    {"JSON values counted outside strings", test_json_values},
    {"BIZ_HTTP_* variables: defaults, values, errors", test_limits},
    {"URLs as requests and urllib3 build them", test_url_as_requests},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"http", NULL, NULL, http_tests},
    UNIT_SUITES_END,
};
