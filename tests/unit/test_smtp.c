/* test_smtp.c: building mails (runtime/net/smtp_msg.c), the SMTP configuration
 * (runtime/net/smtp.c) and the alert texts (runtime/engine/alert.c). */
#include "cunit_main.h"
#include "smtp.h"
#include "alert.h"
#include "base64.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

/* Quoted-printable decoding (RFC 2045), to check round trips. */
static char *qp_decode(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    while (*s) {
        if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
            s += 3;
        } else if (s[0] == '=' && s[1] && s[2]) {
            char h[3] = { s[1], s[2], 0 };
            *o++ = (char)strtol(h, NULL, 16);
            s += 3;
        } else if (s[0] == '\r' && s[1] == '\n') {
            *o++ = '\n';
            s += 2;
        } else {
            *o++ = *s++;
        }
    }
    *o = 0;
    return out;
}

/* Every line of s (CRLF-separated) is at most max characters and no LF
 * stands alone. */
static int lines_ok(const char *s, size_t max)
{
    size_t col = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '\n' && (p == s || p[-1] != '\r'))
            return 0;
        if (*p == '\r' && p[1] != '\n')
            return 0;
        if (*p == '\r')
            continue;
        if (*p == '\n') {
            col = 0;
            continue;
        }
        if (++col > max)
            return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- recipients */

static void test_split(void)
{
    biz_smtp_addrs a = { 0 };
    CU_ASSERT_EQUAL(biz_smtp_addrs_add(&a, " a@x.org, b@y.org;c@z.org ; ; ,"), 0);
    CU_ASSERT_EQUAL_FATAL(a.n, 3);
    CU_ASSERT_STRING_EQUAL(a.v[0], "a@x.org");
    CU_ASSERT_STRING_EQUAL(a.v[1], "b@y.org");
    CU_ASSERT_STRING_EQUAL(a.v[2], "c@z.org");
    biz_smtp_addrs_free(&a);
    CU_ASSERT_EQUAL(a.n, 0);
    CU_ASSERT_EQUAL(biz_smtp_addrs_add(&a, ""), 0);
    CU_ASSERT_EQUAL(biz_smtp_addrs_add(&a, NULL), 0);
    CU_ASSERT_EQUAL(a.n, 0);
    CU_ASSERT_EQUAL(biz_smtp_addrs_add(&a, "Ops Team <ops@x.org>"), 0);
    CU_ASSERT_EQUAL_FATAL(a.n, 1);
    CU_ASSERT_STRING_EQUAL(a.v[0], "Ops Team <ops@x.org>");
    biz_smtp_addrs_free(&a);
}

static void test_split_json(void)
{
    biz_smtp_addrs a = { 0 };
    cJSON *v = cJSON_Parse("[\"a@x.org; b@x.org\", \"c@x.org\", 3, null]");
    CU_ASSERT_EQUAL(biz_smtp_addrs_add_json(&a, v), 0);
    CU_ASSERT_EQUAL_FATAL(a.n, 3);
    CU_ASSERT_STRING_EQUAL(a.v[1], "b@x.org");
    cJSON_Delete(v);
    v = cJSON_CreateString("d@x.org");
    CU_ASSERT_EQUAL(biz_smtp_addrs_add_json(&a, v), 0);
    CU_ASSERT_EQUAL(a.n, 4);
    cJSON_Delete(v);
    v = cJSON_CreateNumber(1);
    biz_smtp_addrs_add_json(&a, v);
    biz_smtp_addrs_add_json(&a, NULL);
    CU_ASSERT_EQUAL(a.n, 4);
    cJSON_Delete(v);
    biz_smtp_addrs_free(&a);
}

static void test_no_header_injection(void)
{
    biz_smtp_addrs a = { 0 };
    biz_smtp_addrs_add(&a, "a@x.org\r\nBcc: evil@y.org");
    CU_ASSERT_EQUAL_FATAL(a.n, 1);
    CU_ASSERT_PTR_NULL(strchr(a.v[0], '\r'));
    CU_ASSERT_PTR_NULL(strchr(a.v[0], '\n'));
    biz_mail m = { 0 };
    m.to = a;
    m.subject = strdup("hi\r\nBcc: evil@y.org");
    m.html = strdup("x");
    char *msg = biz_smtp_message("f@x.org", &m, 0, "<id@h>");
    CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
    CU_ASSERT_PTR_NULL(strstr(msg, "\r\nBcc:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "Subject: hi  Bcc: evil@y.org\r\n"));
    free(msg);
    biz_mail_free(&m);
}

static void test_addr_spec(void)
{
    char b[64];
    CU_ASSERT_STRING_EQUAL(biz_smtp_addr_spec("Ops <ops@x.org>", b, sizeof b), "ops@x.org");
    CU_ASSERT_STRING_EQUAL(biz_smtp_addr_spec("ops@x.org", b, sizeof b), "ops@x.org");
    CU_ASSERT_STRING_EQUAL(biz_smtp_addr_spec("\"A <b>\" <c@x.org>", b, sizeof b), "c@x.org");
}

/* ---------------------------------------------------------------- RFC 2047 */

static void test_header_ascii(void)
{
    char *s = biz_smtp_encode_header("Airflow alert: <TaskInstance: d.t r [failed]>");
    CU_ASSERT_STRING_EQUAL(s, "Airflow alert: <TaskInstance: d.t r [failed]>");
    free(s);
    s = biz_smtp_encode_header("a\r\nb");
    CU_ASSERT_STRING_EQUAL(s, "a  b");
    free(s);
    s = biz_smtp_encode_header(NULL);
    CU_ASSERT_STRING_EQUAL(s, "");
    free(s);
}

static void test_header_utf8(void)
{
    char *s = biz_smtp_encode_header("\xc3\xa9t\xc3\xa9");   /* "été" */
    CU_ASSERT_STRING_EQUAL(s, "=?utf-8?B?w6l0w6k=?=");
    free(s);
    /* "=?" in plain ASCII would be read as an encoded word: encode it. */
    s = biz_smtp_encode_header("a=?b");
    CU_ASSERT_STRING_EQUAL(s, "=?utf-8?B?YT0/Yg==?=");
    free(s);
}

/* A long non-ASCII subject: words of at most 75 characters, folded, each
 * holding whole UTF-8 sequences, decoding back to the original. */
static void test_header_long(void)
{
    char in[400] = "Rapport: ";
    for (int i = 0; i < 60; i++)
        strcat(in, i % 3 ? "\xc3\xa9" : "\xe2\x82\xac");   /* é and € */
    char *s = biz_smtp_encode_header(in);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_TRUE(lines_ok(s, 76));
    char joined[800] = "";
    int words = 0;
    char *save = NULL, *copy = strdup(s);
    for (char *w = strtok_r(copy, "\r\n ", &save); w; w = strtok_r(NULL, "\r\n ", &save)) {
        words++;
        size_t n = strlen(w);
        CU_ASSERT_TRUE(n <= 75);
        CU_ASSERT_EQUAL(strncmp(w, "=?utf-8?B?", 10), 0);
        CU_ASSERT_STRING_EQUAL(w + n - 2, "?=");
        unsigned char *dec;
        size_t dl;
        CU_ASSERT_EQUAL_FATAL(biz_b64_decode(w + 10, n - 12, &dec, &dl), 0);
        /* whole sequences: the first byte is never a continuation byte,
         * and the last sequence is complete */
        CU_ASSERT_NOT_EQUAL(dec[0] & 0xC0, 0x80);
        size_t k = dl;
        while (k > 0 && (dec[k - 1] & 0xC0) == 0x80)
            k--;
        if (k > 0 && dec[k - 1] >= 0xC0) {
            size_t want = dec[k - 1] >= 0xE0 ? 3 : 2;
            CU_ASSERT_EQUAL(dl - (k - 1), want);
        }
        strncat(joined, (char *)dec, dl);
        free(dec);
    }
    CU_ASSERT_TRUE(words >= 3);
    CU_ASSERT_STRING_EQUAL(joined, in);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "?=\r\n =?utf-8?B?"));
    free(copy);
    free(s);
}

/* ---------------------------------------------------------------- quoted-printable */

static void test_qp_basic(void)
{
    char *s = biz_smtp_qp_encode("a=b \xc3\xa9 <p>");
    CU_ASSERT_STRING_EQUAL(s, "a=3Db =C3=A9 <p>");
    free(s);
    s = biz_smtp_qp_encode("trailing \nend\t");
    CU_ASSERT_STRING_EQUAL(s, "trailing=20\r\nend=09");
    free(s);
    s = biz_smtp_qp_encode("a\r\nb\nc");
    CU_ASSERT_STRING_EQUAL(s, "a\r\nb\r\nc");
    free(s);
    s = biz_smtp_qp_encode("");
    CU_ASSERT_STRING_EQUAL(s, "");
    free(s);
}

static void test_qp_dot(void)
{
    /* A line that is a lone "." would end the DATA: never send one. */
    char *s = biz_smtp_qp_encode(".\n..x\na.b");
    CU_ASSERT_STRING_EQUAL(s, "=2E\r\n=2E.x\r\na.b");
    free(s);
}

static void test_qp_long_lines(void)
{
    char in[600];
    size_t n = 0;
    for (int i = 0; i < 500; i++)
        in[n++] = i % 7 == 0 ? '=' : (i % 11 == 0 ? '.' : (i % 13 == 0 ? ' ' : 'x'));
    in[n] = 0;
    char *s = biz_smtp_qp_encode(in);
    CU_ASSERT_TRUE(lines_ok(s, 76));
    CU_ASSERT_PTR_NULL(strstr(s, "\r\n."));   /* a soft break before a '.' encodes it */
    char *back = qp_decode(s);
    CU_ASSERT_STRING_EQUAL(back, in);
    free(back);
    free(s);
}

static void test_qp_roundtrip(void)
{
    unsigned x = 12345;
    for (int round = 0; round < 200; round++) {
        char in[300];
        int n = (int)(x % 299);
        for (int i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            unsigned c = (x >> 16) % 256;
            in[i] = c == 0 || c == '\r' ? 'r' : (char)c;
        }
        in[n] = 0;
        char *s = biz_smtp_qp_encode(in);
        CU_ASSERT_TRUE(lines_ok(s, 76));
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            CU_ASSERT_TRUE(*p == '\r' || *p == '\n' || *p == '\t' || (*p >= 32 && *p < 127));
        char *back = qp_decode(s);
        CU_ASSERT_STRING_EQUAL(back, in);
        free(back);
        free(s);
    }
}

/* ---------------------------------------------------------------- message */

static void test_date(void)
{
    char b[64];
    biz_smtp_date(0, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "Thu, 01 Jan 1970 00:00:00 +0000");
    biz_smtp_date(1704164645, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "Tue, 02 Jan 2024 03:04:05 +0000");
    biz_smtp_date(1709208000, b, sizeof b);   /* leap day */
    CU_ASSERT_STRING_EQUAL(b, "Thu, 29 Feb 2024 12:00:00 +0000");
}

static void test_msgid(void)
{
    char a[300], b[300];
    biz_smtp_msgid(a, sizeof a);
    biz_smtp_msgid(b, sizeof b);
    CU_ASSERT_EQUAL(a[0], '<');
    CU_ASSERT_EQUAL(a[strlen(a) - 1], '>');
    CU_ASSERT_PTR_NOT_NULL(strchr(a, '@'));
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
}

static void test_message(void)
{
    biz_mail m = { 0 };
    biz_smtp_addrs_add(&m.to, "a@x.org; B <b@x.org>");
    biz_smtp_addrs_add(&m.cc, "c@x.org");
    biz_smtp_addrs_add(&m.bcc, "secret-bcc@x.org");
    m.subject = strdup("R\xc3\xa9sum\xc3\xa9");
    m.html = strdup("<p>caf\xc3\xa9</p>\n.\n");
    char *msg = biz_smtp_message("Airflow <airflow@example.com>", &m, 1704164645, "<1.2@h>");
    CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
    const char *want =
        "From: Airflow <airflow@example.com>\r\n"
        "To: a@x.org,\r\n B <b@x.org>\r\n"
        "Cc: c@x.org\r\n"
        "Subject: =?utf-8?B?UsOpc3Vtw6k=?=\r\n"
        "Date: Tue, 02 Jan 2024 03:04:05 +0000\r\n"
        "Message-ID: <1.2@h>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=\"utf-8\"\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "<p>caf=C3=A9</p>\r\n=2E\r\n";
    CU_ASSERT_STRING_EQUAL(msg, want);
    CU_ASSERT_PTR_NULL(strstr(msg, "secret-bcc"));
    CU_ASSERT_TRUE(lines_ok(msg, 998));
    free(msg);
    /* No Cc header without cc. */
    biz_smtp_addrs_free(&m.cc);
    msg = biz_smtp_message("f@x.org", &m, 0, "<i@h>");
    CU_ASSERT_PTR_NULL(strstr(msg, "Cc:"));
    free(msg);
    /* A sender is needed. */
    CU_ASSERT_PTR_NULL(biz_smtp_message(" ; ", &m, 0, "<i@h>"));
    biz_mail_free(&m);
}

/* ---------------------------------------------------------------- config */

static const char *const *fake_env;

static const char *fake_getenv(void *user, const char *name)
{
    (void)user;
    for (const char *const *e = fake_env; e && *e; e += 2)
        if (strcmp(e[0], name) == 0)
            return e[1];
    return NULL;
}

static void test_cfg_defaults(void)
{
    static const char *const env[] = { NULL };
    fake_env = env;
    biz_smtp_cfg c;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(biz_smtp_cfg_load(&c, NULL, fake_getenv, NULL, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.host, "localhost");
    CU_ASSERT_EQUAL(c.port, 25);
    CU_ASSERT_EQUAL(c.starttls, 1);
    CU_ASSERT_EQUAL(c.ssl, 0);
    CU_ASSERT_PTR_NULL(c.user);
    CU_ASSERT_PTR_NULL(c.password);
    CU_ASSERT_STRING_EQUAL(c.mail_from, "airflow@example.com");
    CU_ASSERT_EQUAL(c.timeout, 30);
    char *url = biz_smtp_url(&c, "myhost");
    CU_ASSERT_STRING_EQUAL(url, "smtp://localhost:25/myhost");
    free(url);
    biz_smtp_cfg_free(&c);
}

static void test_cfg_env(void)
{
    static const char *const env[] = {
        "AIRFLOW__SMTP__SMTP_HOST", "mail.x.org", "AIRFLOW__SMTP__SMTP_PORT", "465",
        "AIRFLOW__SMTP__SMTP_STARTTLS", "false", "AIRFLOW__SMTP__SMTP_SSL", "True",
        "AIRFLOW__SMTP__SMTP_USER", "u", "AIRFLOW__SMTP__SMTP_PASSWORD", "envpw",
        "AIRFLOW__SMTP__SMTP_MAIL_FROM", "me@x.org", "AIRFLOW__SMTP__SMTP_TIMEOUT", "7",
        NULL };
    fake_env = env;
    biz_smtp_cfg c;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(biz_smtp_cfg_load(&c, NULL, fake_getenv, NULL, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.host, "mail.x.org");
    CU_ASSERT_EQUAL(c.port, 465);
    CU_ASSERT_EQUAL(c.starttls, 0);
    CU_ASSERT_EQUAL(c.ssl, 1);
    CU_ASSERT_STRING_EQUAL(c.user, "u");
    CU_ASSERT_STRING_EQUAL(c.password, "envpw");
    CU_ASSERT_STRING_EQUAL(c.mail_from, "me@x.org");
    CU_ASSERT_EQUAL(c.timeout, 7);
    char *url = biz_smtp_url(&c, "h");
    CU_ASSERT_STRING_EQUAL(url, "smtps://mail.x.org:465/h");
    free(url);
    biz_smtp_cfg_free(&c);
}

/* Airflow 2: the connection's login/password win over SMTP_USER/PASSWORD;
 * the variables win for host/port; the connection fills in the rest. */
static void test_cfg_conn(void)
{
    static const char *const env[] = {
        "AIRFLOW_CONN_SMTP_DEFAULT", "smtp://cu:c%20pw@conn.x.org:2525?timeout=9&from_email=c@x.org&disable_tls=true",
        "AIRFLOW__SMTP__SMTP_USER", "u", "AIRFLOW__SMTP__SMTP_PASSWORD", "envpw",
        NULL };
    fake_env = env;
    biz_smtp_cfg c;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(biz_smtp_cfg_load(&c, NULL, fake_getenv, NULL, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.host, "conn.x.org");
    CU_ASSERT_EQUAL(c.port, 2525);
    CU_ASSERT_EQUAL(c.starttls, 0);
    CU_ASSERT_EQUAL(c.timeout, 9);
    CU_ASSERT_STRING_EQUAL(c.mail_from, "c@x.org");
    CU_ASSERT_STRING_EQUAL(c.user, "cu");
    CU_ASSERT_STRING_EQUAL(c.password, "c pw");
    biz_smtp_cfg_free(&c);

    static const char *const env2[] = {
        "AIRFLOW_CONN_SMTP_DEFAULT", "smtp://cu:cpw@conn.x.org:2525",
        "AIRFLOW__SMTP__SMTP_HOST", "env.x.org", "AIRFLOW__SMTP__SMTP_PORT", "26",
        "AIRFLOW__EMAIL__FROM_EMAIL", "from@x.org", "AIRFLOW__SMTP__SMTP_MAIL_FROM", "no@x.org",
        NULL };
    fake_env = env2;
    CU_ASSERT_EQUAL_FATAL(biz_smtp_cfg_load(&c, NULL, fake_getenv, NULL, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.host, "env.x.org");
    CU_ASSERT_EQUAL(c.port, 26);
    CU_ASSERT_EQUAL(c.starttls, 1);
    CU_ASSERT_STRING_EQUAL(c.mail_from, "from@x.org");
    CU_ASSERT_STRING_EQUAL(c.password, "cpw");
    biz_smtp_cfg_free(&c);

    /* A login without a password: the [smtp] variables are used. */
    static const char *const env3[] = {
        "AIRFLOW_CONN_MAILER", "smtps://only@[::1]",
        "AIRFLOW__SMTP__SMTP_USER", "u", "AIRFLOW__SMTP__SMTP_PASSWORD", "envpw",
        NULL };
    fake_env = env3;
    CU_ASSERT_EQUAL_FATAL(biz_smtp_cfg_load(&c, "mailer", fake_getenv, NULL, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.user, "u");
    CU_ASSERT_STRING_EQUAL(c.password, "envpw");
    CU_ASSERT_EQUAL(c.ssl, 1);
    char *url = biz_smtp_url(&c, "h");
    CU_ASSERT_STRING_EQUAL(url, "smtps://[::1]:25/h");
    free(url);
    biz_smtp_cfg_free(&c);
}

static void test_cfg_errors(void)
{
    biz_smtp_cfg c;
    char err[256];
    static const char *const e1[] = { "AIRFLOW__SMTP__SMTP_STARTTLS", "yes", NULL };
    fake_env = e1;
    CU_ASSERT_EQUAL(biz_smtp_cfg_load(&c, NULL, fake_getenv, NULL, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "AIRFLOW__SMTP__SMTP_STARTTLS"));
    static const char *const e2[] = { "AIRFLOW__SMTP__SMTP_PORT", "99999", NULL };
    fake_env = e2;
    CU_ASSERT_EQUAL(biz_smtp_cfg_load(&c, NULL, fake_getenv, NULL, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "PORT"));
    static const char *const e3[] = { "AIRFLOW__SMTP__SMTP_TIMEOUT", "soon", NULL };
    fake_env = e3;
    CU_ASSERT_EQUAL(biz_smtp_cfg_load(&c, NULL, fake_getenv, NULL, err, sizeof err), -1);
    static const char *const e4[] = { "AIRFLOW_CONN_SMTP_DEFAULT", "smtp://u:topsecret@host:notaport", NULL };
    fake_env = e4;
    CU_ASSERT_EQUAL(biz_smtp_cfg_load(&c, NULL, fake_getenv, NULL, err, sizeof err), -1);
    CU_ASSERT_PTR_NULL(strstr(err, "topsecret"));
}

/* ---------------------------------------------------------------- alerts */

static void test_alert_texts(void)
{
    biz_alert_info a = { "dag", "manual__2024-01-01T00:00:00+00:00", "t1", "up_for_retry",
                         1, 3, "bad <thing> & \"more\"\nline 2", NULL, "host1" };
    char *s = biz_alert_subject(&a);
    CU_ASSERT_STRING_EQUAL(s, "Airflow alert: <TaskInstance: dag.t1 manual__2024-01-01T00:00:00+00:00 [up_for_retry]>");
    free(s);
    char *h = biz_alert_html(&a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "DAG: dag<br>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "Task: t1<br>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "Run: manual__2024-01-01T00:00:00+00:00<br>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "Try 1 out of 3<br>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "bad &lt;thing&gt; &amp; &quot;more&quot;<br>\nline 2<br>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "Log: (no state directory)<br>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "Host: host1<br>"));
    free(h);
    a.log_path = "/s/d/logs/r.log";
    a.error = NULL;
    h = biz_alert_html(&a);
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "Log: /s/d/logs/r.log (the lines tagged [t1 #1])<br>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "(no message)"));
    free(h);
}

static const unit_test smtp_tests[] = {
    {"recipients split on , and ;", test_split},
    {"recipients from JSON", test_split_json},
    {"no header injection", test_no_header_injection},
    {"addr-spec", test_addr_spec},
    {"header: ASCII kept", test_header_ascii},
    {"header: RFC 2047", test_header_utf8},
    {"header: long, folded, whole UTF-8", test_header_long},
    {"quoted-printable basics", test_qp_basic},
    {"quoted-printable leading dot", test_qp_dot},
    {"quoted-printable long lines", test_qp_long_lines},
    {"quoted-printable round trip", test_qp_roundtrip},
    {"date", test_date},
    {"message id", test_msgid},
    {"whole message", test_message},
    {"config defaults", test_cfg_defaults},
    {"config from variables", test_cfg_env},
    {"config from the connection", test_cfg_conn},
    {"config errors", test_cfg_errors},
    {"alert subject and body", test_alert_texts},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"smtp", NULL, NULL, smtp_tests},
    UNIT_SUITES_END,
};
