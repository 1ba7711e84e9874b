/* http.c: asynchronous HTTP requests over libcurl's multi interface. */
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>
#include "http.h"
#include "cacert.h"
#include "log.h"

struct biz_http {
    CURL *easy;
    char *method;
    char *url;
    struct curl_slist *headers;
    char *body;
    size_t body_len;
    int has_body;
    char *userpwd;
    long total_ms, connect_ms;
    int no_verify;           /* biz_http_verify(h, 0): an explicit opt-out */
    char errbuf[CURL_ERROR_SIZE];
    char *resp;              /* growable response buffer */
    size_t resp_len, resp_cap;
    cJSON *resp_headers;
    biz_loop *loop;
    biz_http_fn fn;
    void *user;
    biz_http_prepare_fn prepare;
    void *prepare_user;
    int oom;
};

/* A request of method (any case) to url. */
biz_http *biz_http_new(const char *method, const char *url)
{
    biz_http *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->method = strdup(method ? method : "GET");
    h->url = strdup(url);
    h->resp_headers = cJSON_CreateObject();
    if (!h->method || !h->url || !h->resp_headers) {
        biz_http_cancel(h);
        return NULL;
    }
    for (char *p = h->method; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return h;
}

/* Adds a request header (a NULL value sends "Name:" removal to curl). */
void biz_http_header(biz_http *h, const char *name, const char *value)
{
    size_t n = strlen(name) + (value ? strlen(value) : 0) + 4;
    char *line = malloc(n);
    if (!line) {
        h->oom = 1;
        return;
    }
    if (value && *value)
        snprintf(line, n, "%s: %s", name, value);
    else if (value)
        snprintf(line, n, "%s;", name);  /* curl's way to send an empty header */
    else
        snprintf(line, n, "%s:", name);
    struct curl_slist *s = curl_slist_append(h->headers, line);
    free(line);
    if (!s)
        h->oom = 1;
    else
        h->headers = s;
}

/* Sets the body (copied). */
void biz_http_body(biz_http *h, const char *data, size_t len)
{
    free(h->body);
    h->body = malloc(len + 1);
    if (!h->body) {
        h->oom = 1;
        return;
    }
    memcpy(h->body, data, len);
    h->body[len] = 0;
    h->body_len = len;
    h->has_body = 1;
}

/* Basic authentication (copied). */
void biz_http_basic_auth(biz_http *h, const char *user, const char *password)
{
    size_t n = strlen(user) + (password ? strlen(password) : 0) + 2;
    free(h->userpwd);
    h->userpwd = malloc(n);
    if (!h->userpwd) {
        h->oom = 1;
        return;
    }
    snprintf(h->userpwd, n, "%s:%s", user, password ? password : "");
}

/* TLS verification on or off (an explicit, logged opt-out). */
void biz_http_verify(biz_http *h, int verify)
{
    h->no_verify = !verify;
}

/* The CA bundle for an HTTPS request. What cacert.c has to say (no bundle
 * at all, or a variable naming a missing file) is logged once per process,
 * before the first HTTPS call can fail with a bare OpenSSL error. */
static const char *ca_bundle(void)
{
    static int said;
    char why[1024];
    const char *path = biz_cacert_path(why, sizeof why);
    if (why[0] && !said) {
        said = 1;
        biz_log(BIZ_LOG_WARN, "%s", why);
    }
    return path;
}

/* Whole-request and connect timeouts in ms. */
void biz_http_timeouts(biz_http *h, long total_ms, long connect_ms)
{
    h->total_ms = total_ms;
    h->connect_ms = connect_ms;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user)
{
    biz_http *h = user;
    size_t n = size * nmemb;
    if (h->resp_len + n + 1 > h->resp_cap) {
        size_t cap = h->resp_cap ? h->resp_cap : 1024;
        while (cap < h->resp_len + n + 1)
            cap *= 2;
        char *b = realloc(h->resp, cap);
        if (!b)
            return 0;  /* curl fails the transfer with a write error */
        h->resp = b;
        h->resp_cap = cap;
    }
    memcpy(h->resp + h->resp_len, ptr, n);
    h->resp_len += n;
    h->resp[h->resp_len] = 0;
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *user)
{
    biz_http *h = user;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
        /* A new response (after a redirect or a 100): forget the last one's. */
        cJSON_Delete(h->resp_headers);
        h->resp_headers = cJSON_CreateObject();
        h->resp_len = 0;
        if (h->resp)
            h->resp[0] = 0;
        return n;
    }
    const char *colon = memchr(ptr, ':', n);
    if (!colon || !h->resp_headers)
        return n;
    size_t nl = colon - ptr;
    const char *v = colon + 1, *end = ptr + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    char *name = malloc(nl + 1), *value = malloc(end - v + 1);
    if (name && value) {
        for (size_t i = 0; i < nl; i++)
            name[i] = (char)tolower((unsigned char)ptr[i]);
        name[nl] = 0;
        memcpy(value, v, end - v);
        value[end - v] = 0;
        cJSON_DeleteItemFromObjectCaseSensitive(h->resp_headers, name);
        cJSON_AddStringToObject(h->resp_headers, name, value);
    }
    free(name);
    free(value);
    return n;
}

static void free_http(biz_http *h)
{
    if (h->easy)
        curl_easy_cleanup(h->easy);
    curl_slist_free_all(h->headers);
    free(h->method);
    free(h->url);
    free(h->body);
    if (h->userpwd) {
        memset(h->userpwd, 0, strlen(h->userpwd));
        free(h->userpwd);
    }
    free(h->resp);
    cJSON_Delete(h->resp_headers);
    free(h);
}

static void on_done(biz_loop *loop, CURL *easy, CURLcode rc, void *user)
{
    (void)loop;
    biz_http *h = user;
    biz_http_result r = { 0 };
    r.url = h->url;
    r.body = h->resp ? h->resp : "";
    r.body_len = h->resp_len;
    r.headers = h->resp_headers;
    curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME, &r.seconds);
    if (rc != CURLE_OK) {
        if (!h->errbuf[0])
            snprintf(h->errbuf, sizeof h->errbuf, "%s", curl_easy_strerror(rc));
        r.error = h->errbuf;
    } else {
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.status);
    }
    h->fn(&r, h->user);
    free_http(h);
}

/* Registers a last set-up step of the easy handle. */
void biz_http_prepare(biz_http *h, biz_http_prepare_fn fn, void *user)
{
    h->prepare = fn;
    h->prepare_user = user;
}

/* Starts the request on the loop; fn runs later. */
int biz_http_send(biz_http *h, biz_loop *loop, biz_http_fn fn, void *user)
{
    h->easy = curl_easy_init();
    if (!h->easy || h->oom) {
        free_http(h);
        return -1;
    }
    CURL *e = h->easy;
    h->loop = loop;
    h->fn = fn;
    h->user = user;
    curl_easy_setopt(e, CURLOPT_URL, h->url);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);  /* as requests does */
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 30L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "bizrt");
    if (strncasecmp(h->url, "https:", 6) == 0) {
        long verify = !h->no_verify;
        if (verify)
            biz_cacert_apply(e, ca_bundle());  /* static builds: the target's CAs */
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, verify);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    }
    if (h->total_ms > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->total_ms);
    if (h->connect_ms > 0)
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->connect_ms);
    if (h->userpwd) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERPWD, h->userpwd);
    }
    /* No "Expect: 100-continue" round trip on large bodies. */
    struct curl_slist *s = curl_slist_append(h->headers, "Expect:");
    if (s)
        h->headers = s;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->headers);
    if (strcmp(h->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(h->method, "GET") != 0 || h->has_body) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, h->method);
        if (h->has_body || strcmp(h->method, "POST") == 0 ||
            strcmp(h->method, "PUT") == 0 || strcmp(h->method, "PATCH") == 0) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)h->body_len);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, h->body ? h->body : "");
        }
    }
    if (h->prepare && h->prepare(e, &h->headers, h->prepare_user) != 0) {
        free_http(h);
        return -1;
    }
    if (biz_loop_easy_add(loop, e, on_done, h) < 0) {
        free_http(h);
        return -1;
    }
    return 0;
}

/* Aborts a sent request (no callback) or frees an unsent one. */
void biz_http_cancel(biz_http *h)
{
    if (!h)
        return;
    if (h->easy && h->loop)
        biz_loop_easy_remove(h->loop, h->easy);
    free_http(h);
}

/* Python's urllib.parse.quote_plus of s, appended to f: unreserved
 * characters stay, a space becomes '+', every other byte %XX. */
void biz_http_quote_plus(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~')
            fputc(*p, f);
        else if (*p == ' ')
            fputc('+', f);
        else
            fprintf(f, "%%%02X", *p);
    }
}

/* Appends "name=value" to url's query, encoded as requests' urlencode. */
char *biz_http_url_add_query(const char *url, const char *name, const char *value)
{
    char *q = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&q, &len);
    if (!f)
        return NULL;
    biz_http_quote_plus(f, name);
    fputc('=', f);
    biz_http_quote_plus(f, value ? value : "");
    if (fclose(f) != 0) {
        free(q);
        return NULL;
    }
    char *out = biz_http_url_add_raw_query(url, q);
    free(q);
    return out;
}

/* Appends query (already encoded) to url's query with '&' or '?'. */
char *biz_http_url_add_raw_query(const char *url, const char *query)
{
    const char *hash = strchr(url, '#');
    size_t base = hash ? (size_t)(hash - url) : strlen(url);
    char sep = memchr(url, '?', base) ? '&' : '?';
    char *out = NULL;
    if (asprintf(&out, "%.*s%c%s%s", (int)base, url, sep, query, hash ? hash : "") < 0)
        return NULL;
    return out;
}

static int hexdigit(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int unreserved(int c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* requests' requote_uri: %XX of an unreserved character is decoded, other
 * escapes kept, and whatever is neither safe nor unreserved quoted. When
 * an escape is not hexadecimal, '%' itself is quoted too (requests'
 * fallback). */
char *biz_http_requote(const char *url)
{
    int keep_percent = 1;
    for (const char *p = strchr(url, '%'); p; p = strchr(p + 1, '%'))
        if (isalnum((unsigned char)p[1]) && isalnum((unsigned char)p[2]) &&
            (hexdigit(p[1]) < 0 || hexdigit(p[2]) < 0))
            keep_percent = 0;
    const char *safe = keep_percent ? "!#$%&'()*+,/:;=?@[]~" : "!#$&'()*+,/:;=?@[]~";
    /* Once per call: a plain buffer (at most three bytes a byte), not a
     * stdio stream, whose set-up alone cost more than the rest. */
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(3 * strlen(url) + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (*p == '%' && keep_percent && hexdigit(p[1]) >= 0 && hexdigit(p[2]) >= 0) {
            int c = hexdigit(p[1]) * 16 + hexdigit(p[2]);
            if (unreserved(c)) {
                *o++ = (char)c;
            } else {
                *o++ = '%';
                *o++ = (char)p[1];
                *o++ = (char)p[2];
            }
            p += 2;
        } else if (unreserved(*p) || strchr(safe, *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = 0;
    return out;
}
