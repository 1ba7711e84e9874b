/* test_s3.c: S3 configuration, signed requests (AWS's SigV4 example),
 * the CoWorks result document, status messages, base64 (runtime/net/s3.c,
 * runtime/core/base64.c). */
#include "cunit_main.h"
#include "base64.h"
#include "s3.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------ a listener */

/* A one-shot HTTP server in a child process: it accepts one connection,
 * reads the request head, sends it to the parent through a pipe and
 * answers with the given status. */
typedef struct listener {
    pid_t pid;
    int port;
    int rfd;           /* read end of the pipe carrying the request */
} listener;

static int listener_start(listener *l, int status)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t alen = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 1) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &alen) < 0) {
        close(s);
        return -1;
    }
    int p[2];
    if (pipe(p) < 0) {
        close(s);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(s);
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        alarm(10);     /* never outlive a broken test */
        int c = accept(s, NULL, NULL);
        if (c < 0)
            _exit(1);
        char buf[16384];
        size_t n = 0;
        while (n < sizeof buf - 1) {
            ssize_t r = read(c, buf + n, sizeof buf - 1 - n);
            if (r <= 0)
                break;
            n += (size_t)r;
            buf[n] = '\0';
            if (strstr(buf, "\r\n\r\n"))
                break;
        }
        if (write(p[1], buf, n) < 0)
            _exit(1);
        close(p[1]);
        char resp[256];
        int m = snprintf(resp, sizeof resp,
                         "HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);
        if (write(c, resp, (size_t)m) < 0)
            _exit(1);
        close(c);
        _exit(0);
    }
    close(s);
    close(p[1]);
    l->pid = pid;
    l->port = ntohs(a.sin_port);
    l->rfd = p[0];
    return 0;
}

/* Reads what the child saw into a new string and reaps the child. */
static char *listener_finish(listener *l)
{
    size_t cap = 32768, n = 0;
    char *r = malloc(cap);
    ssize_t k;
    while (r && n < cap - 1 && (k = read(l->rfd, r + n, cap - 1 - n)) > 0)
        n += (size_t)k;
    if (r)
        r[n] = '\0';
    close(l->rfd);
    int st;
    waitpid(l->pid, &st, 0);
    return r;
}

/* The value of header name (lower case compare) in a request head, as a new
 * string; NULL when absent. */
static char *header_of(const char *req, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = strstr(req, "\r\n"); p; p = strstr(p, "\r\n")) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            return strndup(v, e ? (size_t)(e - v) : strlen(v));
        }
    }
    return NULL;
}

/* ------------------------------------------------------------ SigV4 */

#define EX_KEY "AKIAIOSFODNN7EXAMPLE"
#define EX_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

/* AWS's published example: GET /test.txt with Range: bytes=0-9. */
static void test_sigv4_aws_example(void)
{
    biz_s3_config c = {0};
    c.access_key = EX_KEY;
    c.secret_key = EX_SECRET;
    c.region = "us-east-1";
    listener l;
    CU_ASSERT_EQUAL_FATAL(listener_start(&l, 200), 0);
    CURL *h = curl_easy_init();
    struct curl_slist *hd = curl_slist_append(NULL, "Range: bytes=0-9");
    char err[256];
    CU_ASSERT_EQUAL(biz_s3_prepare(h, &c, BIZ_S3_GET, "examplebucket", "test.txt",
                                   "20130524T000000Z", &hd, err, sizeof err), 0);
    /* The example's host is the legacy global one; keep it in the URL and
     * send the connection to the local listener. */
    curl_easy_setopt(h, CURLOPT_URL, "http://examplebucket.s3.amazonaws.com/test.txt");
    char ct[128];
    snprintf(ct, sizeof ct, "examplebucket.s3.amazonaws.com:80:127.0.0.1:%d", l.port);
    struct curl_slist *connect_to = curl_slist_append(NULL, ct);
    curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    CURLcode rc = curl_easy_perform(h);
    CU_ASSERT_EQUAL(rc, CURLE_OK);
    char *req = listener_finish(&l);
    CU_ASSERT_PTR_NOT_NULL_FATAL(req);
    char *auth = header_of(req, "authorization");
    CU_ASSERT_PTR_NOT_NULL_FATAL(auth);
    CU_ASSERT_STRING_EQUAL(auth,
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    CU_ASSERT_PTR_NOT_NULL(strstr(req, "GET /test.txt HTTP/1.1\r\n"));
    CU_ASSERT_PTR_NULL(strstr(req, EX_SECRET));
    free(auth);
    free(req);
    curl_slist_free_all(hd);
    curl_slist_free_all(connect_to);
    curl_easy_cleanup(h);
}

/* A HEAD through a custom endpoint with a session token and a key that
 * needs encoding: what arrives at the server. */
static void test_head_custom_endpoint(void)
{
    listener l;
    CU_ASSERT_EQUAL_FATAL(listener_start(&l, 404), 0);
    biz_s3_config c = {0};
    c.access_key = "S3RVER";
    c.secret_key = "S3RVER-SECRET";
    c.session_token = "TOKEN123";
    c.region = "eu-west-1";
    c.endpoint = "http://s3.local:9000";
    CURL *h = curl_easy_init();
    struct curl_slist *hd = NULL;
    char err[256];
    CU_ASSERT_EQUAL(biz_s3_prepare(h, &c, BIZ_S3_HEAD, "coworks-airflow",
                                   "s3/dag/task/job 1+\xC3\xA9.json", "20240101T000000Z",
                                   &hd, err, sizeof err), 0);
    /* A fixed Host (the port is part of it) keeps the signature fixed. */
    char ct[128];
    snprintf(ct, sizeof ct, "s3.local:9000:127.0.0.1:%d", l.port);
    struct curl_slist *connect_to = curl_slist_append(NULL, ct);
    curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    CU_ASSERT_EQUAL(curl_easy_perform(h), CURLE_OK);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    CU_ASSERT_EQUAL(code, 404);
    char *req = listener_finish(&l);
    CU_ASSERT_PTR_NOT_NULL_FATAL(req);
    CU_ASSERT_PTR_NOT_NULL(strstr(req, "HEAD /coworks-airflow/s3/dag/task/job%201%2B%C3%A9.json HTTP/1.1\r\n"));
    char *v = header_of(req, "x-amz-content-sha256");
    CU_ASSERT_PTR_NOT_NULL(v);
    if (v)
        CU_ASSERT_STRING_EQUAL(v, BIZ_S3_EMPTY_SHA256);
    free(v);
    v = header_of(req, "x-amz-security-token");
    CU_ASSERT_PTR_NOT_NULL(v);
    if (v)
        CU_ASSERT_STRING_EQUAL(v, "TOKEN123");
    free(v);
    v = header_of(req, "x-amz-date");
    CU_ASSERT_PTR_NOT_NULL(v);
    if (v)
        CU_ASSERT_STRING_EQUAL(v, "20240101T000000Z");
    free(v);
    char *auth = header_of(req, "authorization");
    CU_ASSERT_PTR_NOT_NULL_FATAL(auth);
    CU_ASSERT_PTR_NOT_NULL(strstr(auth, "AWS4-HMAC-SHA256 Credential=S3RVER/20240101/eu-west-1/s3/aws4_request, "));
    CU_ASSERT_PTR_NOT_NULL(strstr(auth, "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, "));
    /* Computed independently (a few lines of Python's hmac, checked against
     * AWS's example first): the canonical path is the key encoded once. */
    CU_ASSERT_PTR_NOT_NULL(strstr(auth, "Signature=ba4399323ffe32fc7ca7b5e11a8a8ddbde550fdc7067ddc70f4a23fdceb8c64e"));
    CU_ASSERT_PTR_NULL(strstr(req, "S3RVER-SECRET"));
    free(auth);
    free(req);
    curl_slist_free_all(hd);
    curl_slist_free_all(connect_to);
    curl_easy_cleanup(h);
}

static void test_prepare_errors(void)
{
    biz_s3_config c = {0};
    c.access_key = "K";
    c.secret_key = "SECRETVALUE";
    c.region = "us-east-1";
    CURL *h = curl_easy_init();
    struct curl_slist *hd = NULL;
    char err[256];
    CU_ASSERT_EQUAL(biz_s3_prepare(h, &c, BIZ_S3_GET, "", "k", NULL, &hd, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bucket"));
    CU_ASSERT_EQUAL(biz_s3_prepare(h, &c, BIZ_S3_GET, "b", "", NULL, &hd, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "key"));
    CU_ASSERT_EQUAL(biz_s3_prepare(h, &c, BIZ_S3_GET, "b", "k", "2024-01-01", &hd, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "x-amz-date"));
    CU_ASSERT_PTR_NULL(hd);
    /* Without a date: only the payload hash header is added. */
    CU_ASSERT_EQUAL(biz_s3_prepare(h, &c, BIZ_S3_GET, "b", "k", NULL, &hd, err, sizeof err), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hd);
    CU_ASSERT_STRING_EQUAL(hd->data, "x-amz-content-sha256: " BIZ_S3_EMPTY_SHA256);
    CU_ASSERT_PTR_NULL(hd->next);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
}

/* ------------------------------------------------------------ URLs */

static void url_is(const char *endpoint, const char *region, const char *bucket,
                   const char *key, const char *want)
{
    biz_s3_config c = {0};
    c.endpoint = (char *)endpoint;
    c.region = (char *)region;
    char *u = biz_s3_url(&c, bucket, key);
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    if (strcmp(u, want) != 0)
        fprintf(stderr, "\nurl %s, want %s\n", u, want);
    CU_ASSERT_STRING_EQUAL(u, want);
    free(u);
}

static void test_urls(void)
{
    url_is(NULL, "us-east-1", "coworks-airflow", "s3/dag/task/1",
           "https://coworks-airflow.s3.us-east-1.amazonaws.com/s3/dag/task/1");
    url_is(NULL, "eu-west-1", "b123", "a b/c+d=e&f?g#h~i_j.k-l",
           "https://b123.s3.eu-west-1.amazonaws.com/a%20b/c%2Bd%3De%26f%3Fg%23h~i_j.k-l");
    url_is(NULL, "eu-west-1", "my.dotted.bucket", "k",
           "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/k");
    url_is(NULL, "eu-west-1", "Upper_Case", "k",
           "https://s3.eu-west-1.amazonaws.com/Upper_Case/k");
    url_is("http://127.0.0.1:9000", "eu-west-1", "coworks-airflow", "s3/x/y",
           "http://127.0.0.1:9000/coworks-airflow/s3/x/y");
    url_is("https://minio.local/prefix", "us-east-1", "b", "dir//f\xC3\xA9%",
           "https://minio.local/prefix/b/dir//f%C3%A9%25");
    url_is("http://h:1", "us-east-1", "b", "/lead", "http://h:1/b//lead");
}

/* ------------------------------------------------------------ config */

static const char *const *fake_vars;

static const char *fake_env(void *user, const char *name)
{
    (void)user;
    for (const char *const *p = fake_vars; p && *p; p += 2)
        if (strcmp(p[0], name) == 0)
            return p[1];
    return NULL;
}

static biz_s3_config cfg;
static char cerr[512];

static int load(const char *conn_id, const char *const *vars)
{
    fake_vars = vars;
    cerr[0] = '\0';
    return biz_s3_config_load(conn_id, fake_env, NULL, &cfg, cerr, sizeof cerr);
}

static void test_config_env(void)
{
    static const char *const v[] = {"AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "SEKRET",
                                    "AWS_SESSION_TOKEN", "TOK", "AWS_DEFAULT_REGION", "eu-west-3",
                                    NULL};
    CU_ASSERT_EQUAL_FATAL(load("aws_s3", v), 0);
    CU_ASSERT_STRING_EQUAL(cfg.access_key, "AKID");
    CU_ASSERT_STRING_EQUAL(cfg.secret_key, "SEKRET");
    CU_ASSERT_STRING_EQUAL(cfg.session_token, "TOK");
    CU_ASSERT_STRING_EQUAL(cfg.region, "eu-west-3");
    CU_ASSERT_PTR_NULL(cfg.endpoint);
    CU_ASSERT_STRING_EQUAL(cfg.source, "environment");
    biz_s3_config_free(&cfg);

    static const char *const v2[] = {"AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "SEKRET",
                                     "AWS_REGION", "us-west-2", "AWS_DEFAULT_REGION", "eu-west-3",
                                     "AWS_ENDPOINT_URL", "http://generic:1",
                                     "AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000/", NULL};
    CU_ASSERT_EQUAL_FATAL(load(NULL, v2), 0);
    CU_ASSERT_STRING_EQUAL(cfg.region, "us-west-2");
    CU_ASSERT_STRING_EQUAL(cfg.endpoint, "http://127.0.0.1:9000");
    CU_ASSERT_PTR_NULL(cfg.session_token);
    biz_s3_config_free(&cfg);

    static const char *const v3[] = {"AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "SEKRET",
                                     "AWS_REGION", "", "AWS_ENDPOINT_URL", "http://generic:1", NULL};
    CU_ASSERT_EQUAL_FATAL(load("aws_s3", v3), 0);
    CU_ASSERT_STRING_EQUAL(cfg.region, "us-east-1");
    CU_ASSERT_STRING_EQUAL(cfg.endpoint, "http://generic:1");
    biz_s3_config_free(&cfg);
}

static void test_config_conn_first(void)
{
    static const char *const v[] = {
        "AIRFLOW_CONN_AWS_S3",
        "aws://CONNKEY:conn%2Fsecret@/?region_name=eu-west-1&endpoint_url=http%3A%2F%2F127.0.0.1%3A9000"
        "&aws_session_token=CTOK",
        "AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "SEKRET", "AWS_SESSION_TOKEN", "ETOK",
        "AWS_REGION", "us-west-2", "AWS_ENDPOINT_URL_S3", "http://other:1", NULL};
    CU_ASSERT_EQUAL_FATAL(load("aws_s3", v), 0);
    CU_ASSERT_STRING_EQUAL(cfg.access_key, "CONNKEY");
    CU_ASSERT_STRING_EQUAL(cfg.secret_key, "conn/secret");
    CU_ASSERT_STRING_EQUAL(cfg.session_token, "CTOK");
    CU_ASSERT_STRING_EQUAL(cfg.region, "eu-west-1");
    CU_ASSERT_STRING_EQUAL(cfg.endpoint, "http://127.0.0.1:9000");
    CU_ASSERT_STRING_EQUAL(cfg.source, "connection 'aws_s3'");
    biz_s3_config_free(&cfg);

    /* Keys from the connection, but no token there: the environment's
     * token belongs to the environment's keys and is not mixed in. Region
     * and endpoint left out fall back to the environment. */
    static const char *const v2[] = {
        "AIRFLOW_CONN_MY_AWS", "aws://CONNKEY:csecret@",
        "AWS_SESSION_TOKEN", "ETOK", "AWS_REGION", "us-west-2",
        "AWS_ENDPOINT_URL_S3", "http://other:1", NULL};
    CU_ASSERT_EQUAL_FATAL(load("my_aws", v2), 0);
    CU_ASSERT_STRING_EQUAL(cfg.access_key, "CONNKEY");
    CU_ASSERT_PTR_NULL(cfg.session_token);
    CU_ASSERT_STRING_EQUAL(cfg.region, "us-west-2");
    CU_ASSERT_STRING_EQUAL(cfg.endpoint, "http://other:1");
    biz_s3_config_free(&cfg);

    /* A connection without keys (region only): keys from the environment. */
    static const char *const v3[] = {
        "AIRFLOW_CONN_AWS_S3", "{\"conn_type\": \"aws\", \"extra\": {\"region_name\": \"ap-south-1\", "
        "\"service_config\": {\"s3\": {\"endpoint_url\": \"https://s3.example.net\"}}}}",
        "AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "SEKRET", "AWS_SESSION_TOKEN", "ETOK",
        NULL};
    CU_ASSERT_EQUAL_FATAL(load("aws_s3", v3), 0);
    CU_ASSERT_STRING_EQUAL(cfg.access_key, "AKID");
    CU_ASSERT_STRING_EQUAL(cfg.session_token, "ETOK");
    CU_ASSERT_STRING_EQUAL(cfg.region, "ap-south-1");
    CU_ASSERT_STRING_EQUAL(cfg.endpoint, "https://s3.example.net");
    CU_ASSERT_STRING_EQUAL(cfg.source, "environment");
    biz_s3_config_free(&cfg);
}

/* load() must fail with want in the message and no secret in it. */
static void config_bad(const char *conn_id, const char *const *vars, const char *want)
{
    CU_ASSERT_EQUAL(load(conn_id, vars), -1);
    if (!strstr(cerr, want))
        fprintf(stderr, "\nerror '%s' lacks '%s'\n", cerr, want);
    CU_ASSERT_PTR_NOT_NULL(strstr(cerr, want));
    CU_ASSERT_PTR_NULL(strstr(cerr, "hunter2"));
    CU_ASSERT_PTR_NULL(cfg.access_key);
    CU_ASSERT_PTR_NULL(cfg.secret_key);
}

static void test_config_errors(void)
{
    static const char *const none[] = {NULL};
    config_bad("aws_s3", none, "no AWS credentials: set AIRFLOW_CONN_AWS_S3");
    config_bad(NULL, none, "no AWS credentials: set AWS_ACCESS_KEY_ID");
    static const char *const k[] = {"AWS_ACCESS_KEY_ID", "AKID", NULL};
    config_bad(NULL, k, "AWS_SECRET_ACCESS_KEY is not");
    static const char *const s[] = {"AWS_SECRET_ACCESS_KEY", "hunter2", NULL};
    config_bad(NULL, s, "AWS_ACCESS_KEY_ID is not");
    static const char *const t[] = {"AIRFLOW_CONN_AWS_S3", "http://u:hunter2@h", NULL};
    config_bad("aws_s3", t, "has type 'http', expected 'aws'");
    static const char *const m[] = {"AIRFLOW_CONN_AWS_S3", "aws://KEY:hunter2/x@", NULL};
    config_bad("aws_s3", m, "percent-encode");
    static const char *const ns[] = {"AIRFLOW_CONN_AWS_S3", "aws://KEY@", NULL};
    config_bad("aws_s3", ns, "no secret");
    static const char *const nl[] = {"AIRFLOW_CONN_AWS_S3", "aws://@/?region_name=eu-west-1", NULL};
    config_bad("aws_s3", nl, "has no login");
    static const char *const r[] = {"AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "hunter2",
                                    "AWS_REGION", "EU West", NULL};
    config_bad(NULL, r, "invalid AWS region");
    static const char *const e[] = {"AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "hunter2",
                                    "AWS_ENDPOINT_URL", "127.0.0.1:9000", NULL};
    config_bad(NULL, e, "must start with http");
}

/* ------------------------------------------------------------ payload */

static biz_s3_payload pl;
static char perr[512];

static int parse(const char *text)
{
    perr[0] = '\0';
    return biz_s3_parse_payload("coworks-airflow", "s3/d/t/1", text, strlen(text), &pl,
                                perr, sizeof perr);
}

static void test_payload_ok(void)
{
    CU_ASSERT_EQUAL_FATAL(parse("{\"statusCode\": 200, \"headers\": {\"content-type\": "
                                "\"application/json\"}, \"body\": {\"a\": [1, 2]}, "
                                "\"isBase64Encoded\": false}"), 0);
    CU_ASSERT_EQUAL(pl.status, 200);
    CU_ASSERT_EQUAL(pl.was_base64, 0);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(pl.headers, "content-type")->valuestring,
                           "application/json");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(pl.body, "a")), 2);
    biz_s3_payload_free(&pl);

    /* base64 of {"ok": true} */
    CU_ASSERT_EQUAL_FATAL(parse("{\"statusCode\": 201, \"body\": \"eyJvayI6IHRydWV9\", "
                                "\"isBase64Encoded\": true}"), 0);
    CU_ASSERT_EQUAL(pl.status, 201);
    CU_ASSERT_EQUAL(pl.was_base64, 1);
    CU_ASSERT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(pl.body, "ok")));
    CU_ASSERT_EQUAL(cJSON_GetArraySize(pl.headers), 0);
    biz_s3_payload_free(&pl);

    /* base64 of "hello world": not JSON, kept as text */
    CU_ASSERT_EQUAL_FATAL(parse("{\"statusCode\": 200, \"body\": \"aGVsbG8gd29ybGQ=\", "
                                "\"isBase64Encoded\": true, \"headers\": null}"), 0);
    CU_ASSERT_STRING_EQUAL(pl.body->valuestring, "hello world");
    biz_s3_payload_free(&pl);

    /* a string body without base64 stays the string; no body is null */
    CU_ASSERT_EQUAL_FATAL(parse("  {\"statusCode\": 404, \"body\": \"{\\\"x\\\": 1}\"}\n"), 0);
    CU_ASSERT_EQUAL(pl.status, 404);
    CU_ASSERT_STRING_EQUAL(pl.body->valuestring, "{\"x\": 1}");
    biz_s3_payload_free(&pl);
    CU_ASSERT_EQUAL_FATAL(parse("\xEF\xBB\xBF{\"statusCode\": 204}"), 0);
    CU_ASSERT_TRUE(cJSON_IsNull(pl.body));
    biz_s3_payload_free(&pl);
    CU_ASSERT_EQUAL_FATAL(parse("{\"statusCode\": 200, \"body\": null, \"isBase64Encoded\": true}"), 0);
    CU_ASSERT_TRUE(cJSON_IsNull(pl.body));
    biz_s3_payload_free(&pl);
}

static void payload_bad(const char *text, const char *want)
{
    CU_ASSERT_EQUAL(parse(text), -1);
    if (!strstr(perr, want))
        fprintf(stderr, "\n[%s] -> '%s', want '%s'\n", text, perr, want);
    CU_ASSERT_PTR_NOT_NULL(strstr(perr, want));
    CU_ASSERT_PTR_NULL(pl.body);
    CU_ASSERT_PTR_NULL(pl.headers);
}

static void test_payload_malformed(void)
{
    const char *nj = "S3 object s3://coworks-airflow/s3/d/t/1 is not JSON: ";
    const char *px = "S3 object s3://coworks-airflow/s3/d/t/1: ";
    char want[256];
    payload_bad("", nj);
    payload_bad("  \n", "the object is empty");
    payload_bad("hello", nj);
    snprintf(want, sizeof want, "%ssyntax error at byte ", nj);
    payload_bad("{statusCode: 200}", want);
    payload_bad("{\"statusCode\": 200", "unexpected end");
    payload_bad("{\"statusCode\": 200} trailing", "syntax error at byte 20 near 'trailing'");
    snprintf(want, sizeof want, "%sexpected an object", px);
    payload_bad("[1, 2]", want);
    payload_bad("\"text\"", "got a string");
    payload_bad("42", "got a number");
    payload_bad("null", "got null");
    snprintf(want, sizeof want, "%smissing 'statusCode'", px);
    payload_bad("{\"body\": 1}", want);
    payload_bad("{\"StatusCode\": 200}", "missing 'statusCode'");
    payload_bad("{\"statusCode\": \"200\"}", "'statusCode' is not an integer (a string)");
    payload_bad("{\"statusCode\": 200.5}", "'statusCode' is not an integer (a fraction)");
    payload_bad("{\"statusCode\": true}", "'statusCode' is not an integer (a boolean)");
    payload_bad("{\"statusCode\": null}", "'statusCode' is not an integer (null)");
    payload_bad("{\"statusCode\": 1e300}", "'statusCode' is not an integer");
    payload_bad("{\"statusCode\": 42}", "'statusCode' 42 is not an HTTP status");
    payload_bad("{\"statusCode\": 200, \"headers\": []}", "'headers' is not an object (an array)");
    payload_bad("{\"statusCode\": 200, \"isBase64Encoded\": \"true\"}",
                "'isBase64Encoded' is not a boolean (a string)");
    payload_bad("{\"statusCode\": 200, \"isBase64Encoded\": true, \"body\": {}}",
                "'isBase64Encoded' body is not a string (an object)");
    payload_bad("{\"statusCode\": 200, \"isBase64Encoded\": true, \"body\": \"not base64!\"}",
                "'isBase64Encoded' body is not valid base64");
    payload_bad("{\"statusCode\": 200, \"isBase64Encoded\": true, \"body\": \"QQ=\"}",
                "'isBase64Encoded' body is not valid base64");
    /* a NUL inside the object */
    perr[0] = '\0';
    CU_ASSERT_EQUAL(biz_s3_parse_payload("b", "k", "{\"statusCode\": 200}\0x", 21, &pl,
                                         perr, sizeof perr), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(perr, "S3 object s3://b/k is not JSON: NUL byte at offset 19"));
}

/* ------------------------------------------------------------ statuses */

static void status_is(int status, const char *body, const char *want)
{
    char buf[512];
    biz_s3_status_message(status, "bkt", "a/b.json", body, buf, sizeof buf);
    if (!strstr(buf, want))
        fprintf(stderr, "\n%d -> '%s', want '%s'\n", status, buf, want);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
}

static void test_status_messages(void)
{
    status_is(403, NULL, "access denied (check AWS credentials) for s3://bkt/a/b.json");
    status_is(403, "<Error><Code>SignatureDoesNotMatch</Code></Error>", "(SignatureDoesNotMatch)");
    status_is(404, NULL, "no such object s3://bkt/a/b.json");
    status_is(404, "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code></Error>",
              "no such object s3://bkt/a/b.json");
    status_is(404, "<Error><Code>NoSuchBucket</Code></Error>", "no such bucket 'bkt'");
    status_is(500, NULL, "S3 server error 500 for s3://bkt/a/b.json");
    status_is(503, "<Error><Code>SlowDown</Code></Error>", "S3 server error 503 for s3://bkt/a/b.json (SlowDown)");
    status_is(301, NULL, "in another region");
    status_is(400, "<Error><Code>AuthorizationHeaderMalformed</Code>", "(HTTP 400) (AuthorizationHeaderMalformed)");
    status_is(418, NULL, "unexpected S3 answer HTTP 418");
    status_is(200, NULL, "ok");
    status_is(500, "<Error><Code>unterminated", "S3 server error 500 for s3://bkt/a/b.json");
}

/* ------------------------------------------------------------ base64 */

static void b64_roundtrip(const char *plain, const char *enc)
{
    char *e = biz_b64_encode(plain, strlen(plain));
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_STRING_EQUAL(e, enc);
    free(e);
    unsigned char *d;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(biz_b64_decode(enc, strlen(enc), &d, &n), 0);
    CU_ASSERT_EQUAL(n, strlen(plain));
    CU_ASSERT_EQUAL(memcmp(d, plain, n), 0);
    CU_ASSERT_EQUAL(d[n], 0);
    free(d);
}

static void b64_decodes(const char *enc, const char *plain)
{
    unsigned char *d;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(biz_b64_decode(enc, strlen(enc), &d, &n), 0);
    CU_ASSERT_EQUAL(n, strlen(plain));
    CU_ASSERT_STRING_EQUAL((char *)d, plain);
    free(d);
}

static void b64_rejects(const char *enc)
{
    unsigned char *d = (unsigned char *)"x";
    size_t n = 7;
    CU_ASSERT_EQUAL(biz_b64_decode(enc, strlen(enc), &d, &n), -1);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT_EQUAL(n, 0);
}

static void test_base64(void)
{
    /* RFC 4648, section 10 */
    b64_roundtrip("", "");
    b64_roundtrip("f", "Zg==");
    b64_roundtrip("fo", "Zm8=");
    b64_roundtrip("foo", "Zm9v");
    b64_roundtrip("foob", "Zm9vYg==");
    b64_roundtrip("fooba", "Zm9vYmE=");
    b64_roundtrip("foobar", "Zm9vYmFy");
    /* all 64 characters, binary bytes */
    static const unsigned char bin[] = {0x00, 0x10, 0x83, 0x10, 0x51, 0x87, 0x20, 0x92, 0x8b,
                                        0x30, 0xd3, 0x8f, 0x41, 0x14, 0x93, 0x51, 0x55, 0x97,
                                        0x61, 0x96, 0x9b, 0x71, 0xd7, 0x9f, 0x82, 0x18, 0xa3,
                                        0x92, 0x59, 0xa7, 0xa2, 0x9a, 0xab, 0xb2, 0xdb, 0xaf,
                                        0xc3, 0x1c, 0xb3, 0xd3, 0x5d, 0xb7, 0xe3, 0x9e, 0xbb,
                                        0xf3, 0xdf, 0xbf};
    const char *all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *e = biz_b64_encode(bin, sizeof bin);
    CU_ASSERT_STRING_EQUAL(e, all);
    free(e);
    unsigned char *d;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(biz_b64_decode(all, strlen(all), &d, &n), 0);
    CU_ASSERT_EQUAL(n, sizeof bin);
    CU_ASSERT_EQUAL(memcmp(d, bin, n), 0);
    free(d);
    /* lenient on whitespace and missing padding */
    b64_decodes("Zm9v\r\nYmFy\n", "foobar");
    b64_decodes(" Z g = = ", "f");
    b64_decodes("Zm8", "fo");
    b64_decodes("Zg", "f");
    /* strict on everything else */
    b64_rejects("Z");
    b64_rejects("Zm9vY");
    b64_rejects("Zg=");
    b64_rejects("Zg===");
    b64_rejects("Z===");
    b64_rejects("=Zm9");
    b64_rejects("Zg==Zg==");
    b64_rejects("Zm9v!");
    b64_rejects("Zm9v-_");   /* the URL-safe alphabet is another encoding */
}

/* libcurl once for the program; a peer closing early must not kill it */
static int s3_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static int s3_clean(void)
{
    curl_global_cleanup();
    return 0;
}

static const unit_test s3_tests[] = {
    {"SigV4: AWS example", test_sigv4_aws_example},
    {"HEAD via custom endpoint", test_head_custom_endpoint},
    {"prepare errors", test_prepare_errors},
    {"URLs", test_urls},
    {"config from environment", test_config_env},
    {"config: connection first", test_config_conn_first},
    {"config errors", test_config_errors},
    {"payload", test_payload_ok},
    {"payload malformed", test_payload_malformed},
    {"status messages", test_status_messages},
    {"base64", test_base64},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"s3", s3_init, s3_clean, s3_tests},
    UNIT_SUITES_END,
};
