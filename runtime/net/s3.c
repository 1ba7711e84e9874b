/* s3.c: S3 configuration, signed request set-up, the CoWorks result
 * document and S3 status messages. Signing itself is libcurl's
 * (CURLOPT_AWS_SIGV4): see DESIGN.md for why not libs3. */
#include "s3.h"
#include "ascii.h"

#include "base64.h"
#include "conn.h"
#include "http.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ config */

static const char *s3_default_getenv(void *user, const char *name)
{
    (void)user;
    return getenv(name);
}

/* An environment variable, NULL when unset or empty (boto3 treats both
 * alike). */
static const char *env_get(const char *(*get)(void *, const char *), void *user,
                           const char *name)
{
    const char *v = get(user, name);
    return v && *v ? v : NULL;
}

/* Overwrites a secret before freeing it. */
static void free_secret(char *s)
{
    if (!s)
        return;
    volatile char *p = s;
    while (*p)
        *p++ = '\0';
    free(s);
}

/* Frees the strings of c and clears it. */
void biz_s3_config_free(biz_s3_config *c)
{
    if (!c)
        return;
    free(c->access_key);
    free_secret(c->secret_key);
    free_secret(c->session_token);
    free(c->region);
    free(c->endpoint);
    free(c->source);
    memset(c, 0, sizeof *c);
}

/* A region goes into a host name: lower-case letters, digits and '-'. */
static int valid_region(const char *r)
{
    if (!*r || strlen(r) > 40)
        return 0;
    for (; *r; r++)
        if (!islower((unsigned char)*r) && !isdigit((unsigned char)*r) && *r != '-')
            return 0;
    return 1;
}

/* Copies an endpoint URL without its trailing slashes; NULL (and a message)
 * when it is not http(s). */
static char *endpoint_copy(const char *e, const char *from, char *err, size_t errlen)
{
    if (strncmp(e, "http://", 7) != 0 && strncmp(e, "https://", 8) != 0) {
        snprintf(err, errlen, "S3 endpoint from %s must start with http:// or https://", from);
        return NULL;
    }
    size_t n = strlen(e);
    while (n > 0 && e[n - 1] == '/')
        n--;
    if (strchr(e, '?') || strchr(e, '#') || n <= (size_t)(strstr(e, "://") - e) + 3) {
        snprintf(err, errlen, "S3 endpoint from %s is not a base URL (http[s]://host[:port])", from);
        return NULL;
    }
    char *r = strndup(e, n);
    if (!r)
        snprintf(err, errlen, "out of memory");
    return r;
}

/* The endpoint an aws connection names: extra endpoint_url, or
 * service_config.s3.endpoint_url (Airflow's per-service form). Borrowed. */
static const char *conn_endpoint(const biz_conn *cn)
{
    const char *e = biz_conn_extra_str(cn, "endpoint_url");
    if (e && *e)
        return e;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(cn->extra, "service_config");
    const cJSON *s3 = cJSON_GetObjectItemCaseSensitive(sc, "s3");
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(s3, "endpoint_url");
    return cJSON_IsString(u) && *u->valuestring ? u->valuestring : NULL;
}

/* Points *err at scratch when the caller gave no message buffer, so that
 * errors can always be written; empties the buffer. */
static void err_buffer(char **err, size_t *errlen, char *scratch, size_t size)
{
    if (!*err || *errlen == 0) {
        *err = scratch;
        *errlen = size;
    }
    (*err)[0] = '\0';
}

/* Loads the S3 configuration (see s3.h). */
int biz_s3_config_load(const char *aws_conn_id,
                       const char *(*getenv_fn)(void *user, const char *name), void *user,
                       biz_s3_config *out, char *err, size_t errlen)
{
    const char *(*get)(void *, const char *) = getenv_fn ? getenv_fn : s3_default_getenv;
    char scratch[8];
    err_buffer(&err, &errlen, scratch, sizeof scratch);
    memset(out, 0, sizeof *out);
    biz_conn cn;
    int have_conn = 0;
    if (aws_conn_id && *aws_conn_id) {
        int rc = biz_conn_lookup(aws_conn_id, getenv_fn, user, &cn, err, errlen);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            if (strcmp(cn.conn_type, "aws") != 0 && strcmp(cn.conn_type, "s3") != 0) {
                snprintf(err, errlen, "connection '%s' has type '%.40s', expected 'aws'",
                         aws_conn_id, cn.conn_type);
                biz_conn_free(&cn);
                return -1;
            }
            have_conn = 1;
        }
    }

    const char *key = NULL, *secret = NULL, *token = NULL, *region = NULL;
    const char *endpoint = NULL, *endpoint_from = "the environment";
    char source[160];
    if (have_conn && cn.login && *cn.login) {
        key = cn.login;
        secret = cn.password;
        token = biz_conn_extra_str(&cn, "aws_session_token");
        snprintf(source, sizeof source, "connection '%s'", aws_conn_id);
        if (!secret || !*secret) {
            snprintf(err, errlen, "connection '%s' has an AWS key id (login) but no secret "
                     "(password)", aws_conn_id);
            goto fail;
        }
    } else {
        /* No keys in the connection: boto3's default chain, the environment. */
        key = env_get(get, user, "AWS_ACCESS_KEY_ID");
        secret = env_get(get, user, "AWS_SECRET_ACCESS_KEY");
        token = env_get(get, user, "AWS_SESSION_TOKEN");
        snprintf(source, sizeof source, "environment");
        if (key && !secret) {
            snprintf(err, errlen, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
            goto fail;
        }
        if (!key && secret) {
            snprintf(err, errlen, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
            goto fail;
        }
        if (!key) {
            if (have_conn)
                snprintf(err, errlen, "no AWS credentials: connection '%s' has no login "
                         "(key id) and AWS_ACCESS_KEY_ID is not set", aws_conn_id);
            else if (aws_conn_id && *aws_conn_id) {
                char up[100];
                biz_ascii_case_copy(up, sizeof up, aws_conn_id, (size_t)-1, 1);
                snprintf(err, errlen, "no AWS credentials: set AIRFLOW_CONN_%s "
                         "(aws://KEY_ID:SECRET@/?region_name=REGION) or "
                         "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", up);
            } else
                snprintf(err, errlen, "no AWS credentials: set AWS_ACCESS_KEY_ID and "
                         "AWS_SECRET_ACCESS_KEY");
            goto fail;
        }
    }

    if (have_conn) {
        region = biz_conn_extra_str(&cn, "region_name");
        if (region && !*region)
            region = NULL;
        endpoint = conn_endpoint(&cn);
        if (endpoint)
            endpoint_from = "the connection";
    }
    if (!region)
        region = env_get(get, user, "AWS_REGION");
    if (!region)
        region = env_get(get, user, "AWS_DEFAULT_REGION");
    if (!region)
        region = "us-east-1";
    if (!valid_region(region)) {
        snprintf(err, errlen, "invalid AWS region '%.40s' (expected e.g. eu-west-1)", region);
        goto fail;
    }
    if (!endpoint) {
        endpoint = env_get(get, user, "AWS_ENDPOINT_URL_S3");
        endpoint_from = "AWS_ENDPOINT_URL_S3";
    }
    if (!endpoint) {
        endpoint = env_get(get, user, "AWS_ENDPOINT_URL");
        endpoint_from = "AWS_ENDPOINT_URL";
    }
    if (endpoint) {
        out->endpoint = endpoint_copy(endpoint, endpoint_from, err, errlen);
        if (!out->endpoint)
            goto fail;
    }

    out->access_key = strdup(key);
    out->secret_key = strdup(secret);
    out->session_token = token && *token ? strdup(token) : NULL;
    out->region = strdup(region);
    out->source = strdup(source);
    if (!out->access_key || !out->secret_key || !out->region || !out->source ||
        (token && *token && !out->session_token)) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (have_conn)
        biz_conn_free(&cn);
    return 0;
fail:
    if (have_conn)
        biz_conn_free(&cn);
    biz_s3_config_free(out);
    return -1;
}

/* ------------------------------------------------------------ requests */

/* True when the bucket name can be the first label of an https host name:
 * 3-63 of a-z 0-9 '-', starting and ending with a letter or digit. */
static int dns_bucket(const char *b)
{
    size_t n = strlen(b);
    if (n < 3 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)b[i];
        if (!(islower(ch) || isdigit(ch) || (ch == '-' && i > 0 && i + 1 < n)))
            return 0;
    }
    return 1;
}

/* Appends s URI-encoded (SigV4: all but unreserved; '/' kept when keep_slash)
 * at r + *j. */
static void uri_encode(char *r, size_t *j, const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
            (keep_slash && ch == '/')) {
            r[(*j)++] = (char)ch;
        } else {
            r[(*j)++] = '%';
            r[(*j)++] = hex[ch >> 4];
            r[(*j)++] = hex[ch & 15];
        }
    }
}

/* The object's URL (see s3.h). */
char *biz_s3_url(const biz_s3_config *c, const char *bucket, const char *key)
{
    const char *region = c->region ? c->region : "us-east-1";
    size_t n = 64 + strlen(region) + 3 * strlen(bucket) + 3 * strlen(key) +
               (c->endpoint ? strlen(c->endpoint) : 0);
    char *r = malloc(n);
    if (!r)
        return NULL;
    size_t j;
    if (c->endpoint) {
        j = (size_t)snprintf(r, n, "%s/", c->endpoint);
        uri_encode(r, &j, bucket, 0);
        r[j++] = '/';
    } else if (dns_bucket(bucket)) {
        j = (size_t)snprintf(r, n, "https://%s.s3.%s.amazonaws.com/", bucket, region);
    } else {
        j = (size_t)snprintf(r, n, "https://s3.%s.amazonaws.com/", region);
        uri_encode(r, &j, bucket, 0);
        r[j++] = '/';
    }
    uri_encode(r, &j, key, 1);
    r[j] = '\0';
    return r;
}

/* True when d looks like an x-amz-date: YYYYMMDDTHHMMSSZ. */
static int valid_amz_date(const char *d)
{
    if (strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
        return 0;
    for (int i = 0; i < 15; i++)
        if (i != 8 && !isdigit((unsigned char)d[i]))
            return 0;
    return 1;
}

/* Prepares h for a signed HEAD or GET of s3://bucket/key (see s3.h). */
int biz_s3_prepare(CURL *h, const biz_s3_config *c, biz_s3_method method,
                   const char *bucket, const char *key, const char *amz_date,
                   struct curl_slist **headers, char *err, size_t errlen)
{
    char scratch[8];
    err_buffer(&err, &errlen, scratch, sizeof scratch);
    if (!bucket || !*bucket || strlen(bucket) > 255) {
        snprintf(err, errlen, "invalid S3 bucket name (empty or too long)");
        return -1;
    }
    if (!key || !*key || strlen(key) > 1024) {
        snprintf(err, errlen, "invalid S3 key for bucket '%s' (empty or over 1024 bytes)", bucket);
        return -1;
    }
    if (!c->access_key || !c->secret_key) {
        snprintf(err, errlen, "no AWS credentials");
        return -1;
    }
    if (amz_date && !valid_amz_date(amz_date)) {
        snprintf(err, errlen, "invalid x-amz-date (expected YYYYMMDDTHHMMSSZ)");
        return -1;
    }
    char *url = biz_s3_url(c, bucket, key);
    if (!url) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char sigv4[96];
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", c->region ? c->region : "us-east-1");

    CURLcode rc = curl_easy_setopt(h, CURLOPT_URL, url);
    free(url);
    /* The key is already in canonical form: curl must not squash "//" or
     * "/../" in it, or the signature covers another path. */
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    if (rc == CURLE_OK && method == BIZ_S3_HEAD)
        rc = curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_USERNAME, c->access_key);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_PASSWORD, c->secret_key);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "cannot set up the S3 request: %s", curl_easy_strerror(rc));
        return -1;
    }

    struct curl_slist *l = *headers;
    char line[64];
    l = curl_slist_append(l, "x-amz-content-sha256: " BIZ_S3_EMPTY_SHA256);
    if (l && c->session_token) {
        size_t tl = strlen(c->session_token);
        char *t = malloc(tl + 32);
        if (t) {
            snprintf(t, tl + 32, "x-amz-security-token: %s", c->session_token);
            struct curl_slist *n = curl_slist_append(l, t);
            free_secret(t);
            l = n;
        } else {
            l = NULL;
        }
    }
    if (l && amz_date) {
        snprintf(line, sizeof line, "x-amz-date: %s", amz_date);
        l = curl_slist_append(l, line);
    }
    if (!l) {
        /* curl_slist_append leaves the old list intact on failure. */
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *headers = l;
    rc = curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "cannot set up the S3 request: %s", curl_easy_strerror(rc));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ payload */

/* Formats "S3 object s3://b/k<sep><message>" into err. */
static void payload_err(char *err, size_t errlen, const char *bucket, const char *key,
                        const char *sep, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "S3 object s3://%s/%s%s%s", bucket, key, sep, msg);
}

/* A short printable excerpt of s for an error message. */
static void excerpt(const char *s, char *buf, size_t buflen)
{
    size_t j = 0;
    for (; *s && j + 1 < buflen && j < 20; s++)
        buf[j++] = isprint((unsigned char)*s) ? *s : '?';
    buf[j] = '\0';
}

/* The name of a cJSON value's type, for messages. */
static const char *json_kind(const cJSON *v)
{
    if (cJSON_IsObject(v))
        return "an object";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    return "invalid";
}

/* Parses the CoWorks result document (see s3.h). */
int biz_s3_parse_payload(const char *bucket, const char *key,
                         const char *data, size_t len,
                         biz_s3_payload *out, char *err, size_t errlen)
{
    return biz_s3_parse_payload_limited(bucket, key, data, len, 0, out, err, errlen);
}

/* More than max_values (0: no limit) values in the JSON text s? Then err
 * says so, naming the variable: a tree of millions of values would take
 * ~84 bytes each. */
static int too_many_values(const char *bucket, const char *key, const char *what,
                           const char *s, size_t len, long long max_values,
                           char *err, size_t errlen);

int biz_s3_parse_payload_limited(const char *bucket, const char *key,
                                 const char *data, size_t len, long long max_values,
                                 biz_s3_payload *out, char *err, size_t errlen)
{
    char scratch[8];
    err_buffer(&err, &errlen, scratch, sizeof scratch);
    memset(out, 0, sizeof *out);
    if (!bucket)
        bucket = "";
    if (!key)
        key = "";
    if (!data)
        len = 0;
    /* cJSON wants a C string; a NUL inside the data is an error. */
    char *text = malloc(len + 1);
    if (!text) {
        payload_err(err, errlen, bucket, key, ": ", "out of memory");
        return -1;
    }
    if (len)
        memcpy(text, data, len);
    text[len] = '\0';
    const char *start = text;
    if (len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0)
        start += 3;    /* a UTF-8 byte order mark */
    if (strlen(text) != len) {
        payload_err(err, errlen, bucket, key, " is not JSON: ", "NUL byte at offset %zu",
                    strlen(text));
        free(text);
        return -1;
    }
    const char *p = start;
    while (isspace((unsigned char)*p))
        p++;
    if (!*p) {
        payload_err(err, errlen, bucket, key, " is not JSON: ", "the object is empty");
        free(text);
        return -1;
    }
    if (too_many_values(bucket, key, "", start, len - (size_t)(start - text), max_values,
                        err, errlen)) {
        free(text);
        return -1;
    }
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithOpts(start, &end, 1);
    if (!doc) {
        const char *at = cJSON_GetErrorPtr();
        if (!at || at < text || at > text + len)
            at = end && end >= text && end <= text + len ? end : text;
        char ex[32];
        excerpt(at, ex, sizeof ex);
        payload_err(err, errlen, bucket, key, " is not JSON: ", "syntax error at byte %ld%s%s%s",
                    (long)(at - text), *ex ? " near '" : " (unexpected end)", ex, *ex ? "'" : "");
        free(text);
        return -1;
    }
    free(text);

    int rc = -1;
    if (!cJSON_IsObject(doc)) {
        payload_err(err, errlen, bucket, key, ": ",
                    "expected an object {\"statusCode\", \"headers\", \"body\", "
                    "\"isBase64Encoded\"}, got %s", json_kind(doc));
        goto done;
    }
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(doc, "statusCode");
    if (!sc) {
        payload_err(err, errlen, bucket, key, ": ", "missing 'statusCode'");
        goto done;
    }
    /* The range first: casting a double beyond long's range (1e300, NaN)
     * to long is undefined behaviour. */
    if (!cJSON_IsNumber(sc) || !(sc->valuedouble >= -1e9 && sc->valuedouble <= 1e9) ||
        sc->valuedouble != (double)(long)sc->valuedouble) {
        payload_err(err, errlen, bucket, key, ": ", "'statusCode' is not an integer (%s)",
                    !cJSON_IsNumber(sc) ? json_kind(sc)
                    : sc->valuedouble >= -1e9 && sc->valuedouble <= 1e9 ? "a fraction"
                    : "out of range");
        goto done;
    }
    if (sc->valuedouble < 100 || sc->valuedouble > 599) {
        payload_err(err, errlen, bucket, key, ": ", "'statusCode' %ld is not an HTTP status "
                    "(100-599)", (long)sc->valuedouble);
        goto done;
    }
    out->status = (int)sc->valuedouble;

    cJSON *hd = cJSON_GetObjectItemCaseSensitive(doc, "headers");
    if (hd && !cJSON_IsNull(hd) && !cJSON_IsObject(hd)) {
        payload_err(err, errlen, bucket, key, ": ", "'headers' is not an object (%s)",
                    json_kind(hd));
        goto done;
    }
    out->headers = hd && cJSON_IsObject(hd) ? cJSON_DetachItemViaPointer(doc, hd)
                                            : cJSON_CreateObject();

    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(doc, "isBase64Encoded");
    if (b64 && !cJSON_IsNull(b64) && !cJSON_IsBool(b64)) {
        payload_err(err, errlen, bucket, key, ": ", "'isBase64Encoded' is not a boolean (%s)",
                    json_kind(b64));
        goto done;
    }
    out->was_base64 = cJSON_IsTrue(b64);

    cJSON *body = cJSON_GetObjectItemCaseSensitive(doc, "body");
    if (out->was_base64 && body && !cJSON_IsNull(body)) {
        if (!cJSON_IsString(body)) {
            payload_err(err, errlen, bucket, key, ": ", "'isBase64Encoded' body is not a "
                        "string (%s)", json_kind(body));
            goto done;
        }
        unsigned char *raw = NULL;
        size_t rawlen = 0;
        if (biz_b64_decode(body->valuestring, strlen(body->valuestring), &raw, &rawlen) < 0) {
            payload_err(err, errlen, bucket, key, ": ", "'isBase64Encoded' body is not valid "
                        "base64");
            goto done;
        }
        /* The decoded bytes: JSON when they parse as JSON, else text --
         * valid UTF-8 either way (invalid bytes become U+FFFD, as Python's
         * decode(errors="replace")), so the XCom and the record stay so. */
        size_t tlen = 0;
        long long nul_at;
        char *txt = biz_http_text((char *)raw, rawlen, &tlen, &nul_at);
        free(raw);
        if (!txt && nul_at < 0) {
            payload_err(err, errlen, bucket, key, ": ", "out of memory");
            goto done;
        }
        if (!txt) {
            payload_err(err, errlen, bucket, key, ": ", "the base64 body holds a NUL byte at "
                        "offset %lld: a text XCom cannot hold it", nul_at);
            goto done;
        }
        if (too_many_values(bucket, key, "'s base64 body", txt, tlen, max_values, err, errlen)) {
            free(txt);
            goto done;
        }
        cJSON *v = cJSON_ParseWithOpts(txt, NULL, 1);
        out->body = v ? v : cJSON_CreateString(txt);
        free(txt);
    } else if (body) {
        out->body = cJSON_DetachItemViaPointer(doc, body);
    } else {
        out->body = cJSON_CreateNull();
    }
    if (!out->headers || !out->body) {
        payload_err(err, errlen, bucket, key, ": ", "out of memory");
        goto done;
    }
    rc = 0;
done:
    cJSON_Delete(doc);
    if (rc != 0)
        biz_s3_payload_free(out);
    return rc;
}

/* Frees what a payload holds and clears it. */
void biz_s3_payload_free(biz_s3_payload *p)
{
    if (!p)
        return;
    cJSON_Delete(p->headers);
    cJSON_Delete(p->body);
    memset(p, 0, sizeof *p);
}

/* ------------------------------------------------------------ statuses */

/* Copies the text of <Code>...</Code> from S3's XML error body into code. */
static void xml_code(const char *body, char *code, size_t n)
{
    code[0] = '\0';
    if (!body)
        return;
    const char *s = strstr(body, "<Code>");
    if (!s)
        return;
    s += 6;
    size_t j = 0;
    for (; s[j] && s[j] != '<' && j + 1 < n && j < 64; j++)
        code[j] = isprint((unsigned char)s[j]) ? s[j] : '?';
    code[j] = '\0';
    if (s[j] != '<')
        code[0] = '\0';
}

/* A message for an S3 answer with HTTP status (see s3.h). */
char *biz_s3_status_message(int status, const char *bucket, const char *key,
                            const char *body, char *buf, size_t buflen)
{
    char code[80], tail[96];
    xml_code(body, code, sizeof code);
    if (code[0])
        snprintf(tail, sizeof tail, " (%s)", code);
    else
        tail[0] = '\0';
    if (!bucket)
        bucket = "";
    if (!key)
        key = "";
    if (status >= 200 && status < 300)
        snprintf(buf, buflen, "ok (HTTP %d)", status);
    else if (status == 403)
        snprintf(buf, buflen, "access denied (check AWS credentials) for s3://%s/%s%s; "
                 "a missing object also gives 403 without the s3:ListBucket permission",
                 bucket, key, tail);
    else if (status == 404 && strcmp(code, "NoSuchBucket") == 0)
        snprintf(buf, buflen, "no such bucket '%s'", bucket);
    else if (status == 404)
        snprintf(buf, buflen, "no such object s3://%s/%s", bucket, key);
    else if (status == 301 || status == 307)
        snprintf(buf, buflen, "S3 bucket '%s' is in another region (HTTP %d%s): set the "
                 "connection's region_name or AWS_REGION", bucket, status, tail);
    else if (status == 400)
        snprintf(buf, buflen, "S3 rejected the request for s3://%s/%s (HTTP 400)%s",
                 bucket, key, tail);
    else if (status >= 500 && status < 600)
        snprintf(buf, buflen, "S3 server error %d for s3://%s/%s%s", status, bucket, key, tail);
    else
        snprintf(buf, buflen, "unexpected S3 answer HTTP %d for s3://%s/%s%s",
                 status, bucket, key, tail);
    return buf;
}

static int too_many_values(const char *bucket, const char *key, const char *what,
                           const char *s, size_t len, long long max_values,
                           char *err, size_t errlen)
{
    size_t lead = strspn(s, " \t\r\n");
    if (max_values <= 0 || (s[lead] != '[' && s[lead] != '{'))
        return 0;
    long long n = biz_http_json_values(s, len);
    if (n <= max_values)
        return 0;
    payload_err(err, errlen, bucket, key, what, " holds about %lld JSON values, more than "
                "%lld; the limit is BIZ_HTTP_MAX_JSON_VALUES", n, max_values);
    return 1;
}
