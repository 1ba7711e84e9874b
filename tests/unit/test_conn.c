/* test_conn.c: Airflow connection URIs and JSON (runtime/net/conn.c). */
#include "cunit_main.h"
#include "conn.h"
#include "ascii.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static biz_conn c;
static char err[512];

/* Parses text as conn "t" and asserts success. */
static void ok(const char *text)
{
    err[0] = '\0';
    int rc = biz_conn_parse("t", text, &c, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "\nunexpected error: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.extra);
}

/* Parses text and asserts failure with a message containing want and not
 * containing secret. */
static void bad(const char *text, const char *want, const char *secret)
{
    err[0] = '\0';
    int rc = biz_conn_parse("my_conn", text, &c, err, sizeof err);
    CU_ASSERT_EQUAL(rc, -1);
    if (!strstr(err, want))
        fprintf(stderr, "\nerror '%s' lacks '%s'\n", err, want);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "my_conn"));
    if (secret)
        CU_ASSERT_PTR_NULL(strstr(err, secret));
    CU_ASSERT_PTR_NULL(c.password);
    CU_ASSERT_PTR_NULL(c.conn_id);
}

static void test_full_uri(void)
{
    ok("postgres://user:p%40ss@db.example.com:5432/mydb?sslmode=require&x=a+b%21");
    CU_ASSERT_STRING_EQUAL(c.conn_id, "t");
    CU_ASSERT_STRING_EQUAL(c.conn_type, "postgres");
    CU_ASSERT_STRING_EQUAL(c.login, "user");
    CU_ASSERT_STRING_EQUAL(c.password, "p@ss");
    CU_ASSERT_STRING_EQUAL(c.host, "db.example.com");
    CU_ASSERT_EQUAL(c.port, 5432);
    CU_ASSERT_STRING_EQUAL(c.schema, "mydb");
    CU_ASSERT_STRING_EQUAL(biz_conn_extra_str(&c, "sslmode"), "require");
    CU_ASSERT_STRING_EQUAL(biz_conn_extra_str(&c, "x"), "a b!");
    CU_ASSERT_PTR_NULL(biz_conn_extra_str(&c, "nope"));
    biz_conn_free(&c);
}

static void test_minimal(void)
{
    ok("http://example.com");
    CU_ASSERT_STRING_EQUAL(c.conn_type, "http");
    CU_ASSERT_STRING_EQUAL(c.host, "example.com");
    CU_ASSERT_PTR_NULL(c.login);
    CU_ASSERT_PTR_NULL(c.password);
    CU_ASSERT_EQUAL(c.port, 0);
    CU_ASSERT_STRING_EQUAL(c.schema, "");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(c.extra), 0);
    biz_conn_free(&c);

    ok("  http://example.com/\n");
    CU_ASSERT_STRING_EQUAL(c.host, "example.com");
    CU_ASSERT_STRING_EQUAL(c.schema, "");
    biz_conn_free(&c);
}

static void test_aws_uri(void)
{
    ok("aws://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYEXAMPLEKEY@/"
       "?region_name=eu-west-1&endpoint_url=http%3A%2F%2F127.0.0.1%3A9000");
    CU_ASSERT_STRING_EQUAL(c.conn_type, "aws");
    CU_ASSERT_STRING_EQUAL(c.login, "AKIAIOSFODNN7EXAMPLE");
    CU_ASSERT_STRING_EQUAL(c.password, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    CU_ASSERT_STRING_EQUAL(c.host, "");
    CU_ASSERT_EQUAL(c.port, 0);
    CU_ASSERT_STRING_EQUAL(biz_conn_extra_str(&c, "region_name"), "eu-west-1");
    CU_ASSERT_STRING_EQUAL(biz_conn_extra_str(&c, "endpoint_url"), "http://127.0.0.1:9000");
    biz_conn_free(&c);
}

static void test_extra_json(void)
{
    ok("aws://key:sec@/?__extra__=%7B%22region_name%22%3A+%22us-west-2%22%2C+%22n%22%3A+3%7D");
    CU_ASSERT_STRING_EQUAL(biz_conn_extra_str(&c, "region_name"), "us-west-2");
    CU_ASSERT_PTR_NULL(biz_conn_extra_str(&c, "n")); /* not a string */
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(c.extra, "n")->valueint, 3);
    biz_conn_free(&c);
}

static void test_query_details(void)
{
    ok("http://h/?a=1&a=2&flag&empty=&&b=%zz");
    CU_ASSERT_STRING_EQUAL(biz_conn_extra_str(&c, "a"), "2");      /* last wins */
    CU_ASSERT_STRING_EQUAL(biz_conn_extra_str(&c, "flag"), "");    /* blank kept */
    CU_ASSERT_STRING_EQUAL(biz_conn_extra_str(&c, "empty"), "");
    CU_ASSERT_STRING_EQUAL(biz_conn_extra_str(&c, "b"), "%zz");    /* bad escape kept */
    CU_ASSERT_EQUAL(cJSON_GetArraySize(c.extra), 4);
    biz_conn_free(&c);
    ok("http://h#frag");
    CU_ASSERT_STRING_EQUAL(c.host, "h");
    biz_conn_free(&c);
}

static void test_type_normalized(void)
{
    ok("Google-Cloud-Platform://h");
    CU_ASSERT_STRING_EQUAL(c.conn_type, "google_cloud_platform");
    biz_conn_free(&c);
    ok("postgresql://h");
    CU_ASSERT_STRING_EQUAL(c.conn_type, "postgres");
    biz_conn_free(&c);
}

static void test_userinfo(void)
{
    /* The last '@' ends the userinfo; the first ':' splits it. */
    ok("smtp://me@x.org:a:b@c@mail.example.com:587");
    CU_ASSERT_STRING_EQUAL(c.login, "me@x.org");
    CU_ASSERT_STRING_EQUAL(c.password, "a:b@c");
    CU_ASSERT_STRING_EQUAL(c.host, "mail.example.com");
    CU_ASSERT_EQUAL(c.port, 587);
    biz_conn_free(&c);
    ok("http://onlyuser@h");
    CU_ASSERT_STRING_EQUAL(c.login, "onlyuser");
    CU_ASSERT_PTR_NULL(c.password);
    biz_conn_free(&c);
    ok("http://:tok@h");
    CU_ASSERT_STRING_EQUAL(c.login, "");
    CU_ASSERT_STRING_EQUAL(c.password, "tok");
    biz_conn_free(&c);
}

static void test_host_forms(void)
{
    ok("http://Example.COM:8080/a%20b/c");
    CU_ASSERT_STRING_EQUAL(c.host, "example.com");
    CU_ASSERT_STRING_EQUAL(c.schema, "a b/c");
    biz_conn_free(&c);
    ok("http://[::1]:8080/x");
    CU_ASSERT_STRING_EQUAL(c.host, "::1");
    CU_ASSERT_EQUAL(c.port, 8080);
    biz_conn_free(&c);
    ok("http://h:/x");    /* empty port: none */
    CU_ASSERT_EQUAL(c.port, 0);
    biz_conn_free(&c);
    /* A host with its own protocol. */
    ok("http://https://api.example.com:8443/v1");
    CU_ASSERT_STRING_EQUAL(c.conn_type, "http");
    CU_ASSERT_STRING_EQUAL(c.host, "https://api.example.com");
    CU_ASSERT_EQUAL(c.port, 8443);
    CU_ASSERT_STRING_EQUAL(c.schema, "v1");
    biz_conn_free(&c);
}

static void test_json_form(void)
{
    ok("{\"conn_type\": \"http\", \"host\": \"svc.local\", \"login\": \"u\", "
       "\"password\": \"pw\", \"port\": 8080, \"schema\": \"api\", "
       "\"extra\": {\"k\": \"v\"}}");
    CU_ASSERT_STRING_EQUAL(c.conn_type, "http");
    CU_ASSERT_STRING_EQUAL(c.host, "svc.local");
    CU_ASSERT_STRING_EQUAL(c.login, "u");
    CU_ASSERT_STRING_EQUAL(c.password, "pw");
    CU_ASSERT_EQUAL(c.port, 8080);
    CU_ASSERT_STRING_EQUAL(c.schema, "api");
    CU_ASSERT_STRING_EQUAL(biz_conn_extra_str(&c, "k"), "v");
    biz_conn_free(&c);
    /* extra as a JSON string, port as a string, missing fields */
    ok("{\"conn_type\": \"aws\", \"port\": \"9000\", \"extra\": \"{\\\"region_name\\\": \\\"eu-west-3\\\"}\"}");
    CU_ASSERT_STRING_EQUAL(c.host, "");
    CU_ASSERT_STRING_EQUAL(c.schema, "");
    CU_ASSERT_PTR_NULL(c.login);
    CU_ASSERT_EQUAL(c.port, 9000);
    CU_ASSERT_STRING_EQUAL(biz_conn_extra_str(&c, "region_name"), "eu-west-3");
    biz_conn_free(&c);
    ok("{}");
    CU_ASSERT_STRING_EQUAL(c.conn_type, "");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(c.extra), 0);
    biz_conn_free(&c);
}

static void test_errors_hide_secrets(void)
{
    bad("", "empty", NULL);
    bad("no-scheme-here", "not a connection URI", NULL);
    bad("a://b://c://d", "more than two", NULL);
    bad("http://user:hunter2@host:99999/x", "invalid port", "hunter2");
    bad("http://user:hunter2@host:80x", "invalid port", "hunter2");
    /* an unencoded '/' in the password moves it into the port */
    bad("http://user:hunter/2@host", "invalid port", "hunter");
    bad("us:hunter2@x://h", "bad scheme", "hunter2");
    bad("http://u:hunter2@[::1/x", "unclosed", "hunter2");
    bad("http://u:p@https://h", "bad protocol", NULL);
    bad("aws://k:hunter2@/?__extra__=%7Bbroken", "'__extra__' is not a JSON object", "hunter2");
    bad("aws://k:hunter2@/?__extra__=%5B1%5D", "'__extra__' is not a JSON object", "hunter2");
    bad("{\"password\": \"hunter2\", oops}", "invalid JSON", "hunter2");
    bad("{\"password\": \"hunter2\", \"port\": \"http\"}", "'port'", "hunter2");
    bad("{\"password\": \"hunter2\", \"port\": 1.5}", "'port'", "hunter2");
    bad("{\"password\": \"hunter2\", \"host\": 3}", "'host' is not a string", "hunter2");
    bad("{\"password\": \"hunter2\", \"extra\": [1]}", "'extra' is not a JSON object", "hunter2");
    bad("{\"password\": \"hunter2\", \"extra\": \"nope\"}", "'extra' is not a JSON object", "hunter2");
    bad("[\"hunter2\"]", "not a connection URI", "hunter2");
}

static const char *fake_env(void *user, const char *name)
{
    (void)user;
    if (strcmp(name, "AIRFLOW_CONN_MY_SVC") == 0)
        return "https://svc.example.com:8443/base";
    if (strcmp(name, "AIRFLOW_CONN_BROKEN") == 0)
        return "https://u:secret@h:bad";
    return NULL;
}

static void test_lookup(void)
{
    CU_ASSERT_EQUAL(biz_conn_lookup("my_svc", fake_env, NULL, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.conn_id, "my_svc");
    CU_ASSERT_STRING_EQUAL(c.host, "svc.example.com");
    biz_conn_free(&c);
    CU_ASSERT_EQUAL(biz_conn_lookup("absent", fake_env, NULL, &c, err, sizeof err), 1);
    CU_ASSERT_EQUAL(biz_conn_lookup("broken", fake_env, NULL, &c, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "AIRFLOW_CONN_BROKEN"));
    CU_ASSERT_PTR_NULL(strstr(err, "secret"));

    setenv("AIRFLOW_CONN_FROM_ENV", "http://envhost", 1);
    CU_ASSERT_EQUAL(biz_conn_lookup("from_env", NULL, NULL, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.host, "envhost");
    biz_conn_free(&c);
    unsetenv("AIRFLOW_CONN_FROM_ENV");
}

/* Parses text and checks its base URL. */
static void base(const char *text, const char *want)
{
    ok(text);
    char *u = biz_conn_base_url(&c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    if (strcmp(u, want) != 0)
        fprintf(stderr, "\n%s -> %s, want %s\n", text, u, want);
    CU_ASSERT_STRING_EQUAL(u, want);
    free(u);
    biz_conn_free(&c);
}

static void test_base_url(void)
{
    /* Airflow's HttpHook: the schema (the URI's path) is the scheme, the
     * connection type is not used, a host holding "://" is the base. */
    base("http://dir.local:8000", "http://dir.local:8000");
    base("https://dir.example.com", "http://dir.example.com");
    base("https://dir.example.com/", "http://dir.example.com");
    base("http://dir.example.com/api", "api://dir.example.com");
    base("http://a:b@127.0.0.1:9/", "http://127.0.0.1:9");
    base("generic://svc.local:81/https", "https://svc.local:81");
    base("http://https://api.example.com:8443/v1", "https://api.example.com:8443");
    base("{\"conn_type\": \"http\", \"host\": \"https://x.org/dir\"}", "https://x.org/dir");
    base("{\"conn_type\": \"http\", \"host\": \"https://x.org/\", \"schema\": \"\"}", "https://x.org/");
    base("{\"host\": \"h\", \"schema\": \"https\"}", "https://h");
    base("{\"host\": \"h\", \"port\": 81}", "http://h:81");
}

/* base/ascii.c, which the parser trims, unquotes and upper-cases with:
 * <ctype.h>'s "C" locale, byte for byte. */
static void test_ascii(void)
{
    for (int c = 0; c < 256; c++) {
        CU_ASSERT_EQUAL(biz_ascii_isspace(c) != 0, isspace(c) != 0);
        CU_ASSERT_EQUAL(biz_ascii_hexval(c) >= 0, isxdigit(c) != 0);
        char s[2] = { (char)c, 0 }, lo[2], up[2];
        biz_ascii_case_copy(lo, sizeof lo, s, 1, 0);
        biz_ascii_case_copy(up, sizeof up, s, 1, 1);
        if (c) {
            CU_ASSERT_EQUAL((unsigned char)lo[0], tolower(c));
            CU_ASSERT_EQUAL((unsigned char)up[0], toupper(c));
        }
    }
    CU_ASSERT_EQUAL(biz_ascii_hexval('f'), 15);
    CU_ASSERT_EQUAL(biz_ascii_hexval('A'), 10);
    CU_ASSERT_EQUAL(biz_ascii_hexval('9'), 9);
    const char *t = " \t a b \r\n";
    CU_ASSERT_EQUAL(biz_ascii_trim(&t, strlen(t)), 3);
    CU_ASSERT_EQUAL(strncmp(t, "a b", 3), 0);
    t = "  \n";
    CU_ASSERT_EQUAL(biz_ascii_trim(&t, strlen(t)), 0);
    t = "x  ";
    CU_ASSERT_EQUAL(biz_ascii_trim(&t, 2), 1);   /* only the first len bytes */
    char buf[4];
    CU_ASSERT_EQUAL(biz_ascii_case_copy(buf, sizeof buf, "my_conn", (size_t)-1, 1), 3);
    CU_ASSERT_STRING_EQUAL(buf, "MY_");
    CU_ASSERT_EQUAL(biz_ascii_case_copy(buf, sizeof buf, "Ab\0c", 4, 0), 2);
    CU_ASSERT_STRING_EQUAL(buf, "ab");
    char in[] = "Mixed-Case 9";
    CU_ASSERT_STRING_EQUAL(biz_ascii_case(in, 0), "mixed-case 9");
    CU_ASSERT_STRING_EQUAL(biz_ascii_case(in, 1), "MIXED-CASE 9");
    /* the ends of a connection's value are trimmed */
    biz_conn c;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(biz_conn_parse("x", "\n  http://h.local:81\r\n", &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.host, "h.local");
    biz_conn_free(&c);
}

static const unit_test conn_tests[] = {
    {"full URI", test_full_uri},
    {"minimal URI", test_minimal},
    {"aws URI", test_aws_uri},
    {"__extra__ JSON", test_extra_json},
    {"query details", test_query_details},
    {"conn_type normalized", test_type_normalized},
    {"userinfo", test_userinfo},
    {"host forms", test_host_forms},
    {"JSON form", test_json_form},
    {"errors hide secrets", test_errors_hide_secrets},
    {"lookup", test_lookup},
    {"base URL", test_base_url},
    {"ascii helpers", test_ascii},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"conn", NULL, NULL, conn_tests},
    UNIT_SUITES_END,
};
