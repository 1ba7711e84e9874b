/* http.c: asynchronous HTTP requests over libcurl's multi interface. */
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>
#include "http.h"
#include "ascii.h"
#include "buf.h"
#include "utf8.h"
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
    char msg[640];           /* the message of a failed transfer */
    biz_buf resp;            /* the answer's body (max: lim.max_bytes) */
    char *location;          /* the last answer's Location header, or NULL:
                              * the one header a message needs (no operator
                              * reads the others, so they are not kept) */
    biz_loop *loop;
    biz_http_fn fn;
    void *user;
    biz_http_prepare_fn prepare;
    void *prepare_user;
    int oom;
    biz_http_limits lim;
    int default_timeout;     /* total_ms is lim.timeout_ms (biz_http_default_timeout) */
    int idempotent;          /* libcurl may resend it by itself */
    int sends;               /* times libcurl was about to send the request */
    int answered;            /* a status line came after the last send */
    int refused_resend;      /* a second send without an answer was refused */
    int too_big;             /* the answer passed lim.max_bytes */
};

/* A request of method (any case) to url. */
biz_http *biz_http_new(const char *method, const char *url)
{
    biz_http *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->method = strdup(method ? method : "GET");
    h->url = strdup(url);
    if (!h->method || !h->url) {
        biz_http_cancel(h);
        return NULL;
    }
    for (char *p = h->method; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    h->lim.max_bytes = BIZ_HTTP_MAX_RESPONSE_DEFAULT;
    h->lim.timeout_ms = BIZ_HTTP_TIMEOUT_DEFAULT_MS;
    h->lim.low_speed_s = BIZ_HTTP_LOW_SPEED_DEFAULT_S;
    h->lim.max_json_values = BIZ_HTTP_MAX_JSON_VALUES_DEFAULT;
    h->idempotent = !strcmp(h->method, "GET") || !strcmp(h->method, "HEAD") ||
                    !strcmp(h->method, "OPTIONS");
    return h;
}

/* Adds a request header (a NULL value sends "Name:" removal to curl). */
void biz_http_header(biz_http *h, const char *name, const char *value)
{
    /* "Name: value", "Name;" (curl's way to send an empty header) or
     * "Name:" (no such header), made without printf (a call sends several
     * headers) in a buffer curl copies. */
    size_t nl = strlen(name), vl = value ? strlen(value) : 0;
    char small[512], *line = nl + vl + 3 <= sizeof small ? small : malloc(nl + vl + 3);
    if (!line) {
        h->oom = 1;
        return;
    }
    memcpy(line, name, nl);
    size_t n = nl;
    if (vl) {
        line[n++] = ':';
        line[n++] = ' ';
        memcpy(line + n, value, vl);
        n += vl;
    } else {
        line[n++] = value ? ';' : ':';
    }
    line[n] = 0;
    struct curl_slist *s = curl_slist_append(h->headers, line);
    if (line != small)
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

/* One variable as a number of seconds (a decimal) or, with bytes, a
 * whole number of bytes; unset or empty: *out is left as it is. */
static int env_number(const char *(*getenv_fn)(void *, const char *), void *user,
                      const char *name, int bytes, long long *out, char *err, size_t errlen)
{
    const char *v = getenv_fn ? getenv_fn(user, name) : getenv(name);
    if (!v || !*v)
        return 0;
    char *end;
    double d = strtod(v, &end);
    while (*end == ' ')
        end++;
    /* strtod also takes "nan", "inf" and hexadecimal: a plain number only. */
    int plain = strspn(v, "0123456789. ") == strlen(v);
    if (*end || !plain || !(d >= 0) || d > (bytes ? 1e15 : 1e9) ||
        (bytes && d != (double)(long long)d)) {
        snprintf(err, errlen, "%s='%.40s' is not a %s (0 turns the limit off)", name, v,
                 bytes ? "whole number of bytes" : "number of seconds");
        return -1;
    }
    *out = bytes ? (long long)d : (long long)(d * 1000 + 0.5);
    if (!bytes && d > 0 && *out == 0)
        *out = 1;  /* a tiny limit is a limit, not "off" */
    return 0;
}

/* The limits from the environment (http.h). */
int biz_http_limits_load(biz_http_limits *l, const char *(*getenv_fn)(void *user, const char *name),
                         void *user, char *err, size_t errlen)
{
    long long max = BIZ_HTTP_MAX_RESPONSE_DEFAULT, tmo = BIZ_HTTP_TIMEOUT_DEFAULT_MS,
              slow = BIZ_HTTP_LOW_SPEED_DEFAULT_S * 1000, values = BIZ_HTTP_MAX_JSON_VALUES_DEFAULT;
    if (env_number(getenv_fn, user, "BIZ_HTTP_MAX_RESPONSE_BYTES", 1, &max, err, errlen) < 0 ||
        env_number(getenv_fn, user, "BIZ_HTTP_TIMEOUT", 0, &tmo, err, errlen) < 0 ||
        env_number(getenv_fn, user, "BIZ_HTTP_LOW_SPEED_TIME", 0, &slow, err, errlen) < 0 ||
        env_number(getenv_fn, user, "BIZ_HTTP_MAX_JSON_VALUES", 1, &values, err, errlen) < 0)
        return -1;
    l->max_json_values = values;
    l->max_bytes = max;
    l->timeout_ms = (long)tmo;
    /* curl counts the low-speed time in whole seconds: round a fraction up. */
    l->low_speed_s = (long)((slow + 999) / 1000);
    return 0;
}

void biz_http_limits_set(biz_http *h, const biz_http_limits *l)
{
    h->lim = *l;
}

const biz_http_limits *biz_http_limits_of(const biz_http *h)
{
    return &h->lim;
}

/* Each value but the first follows a ',' or opens a container's first
 * element: counting ',', '[' and '{' outside strings bounds them. */
long long biz_http_json_values(const char *s, size_t len)
{
    long long n = 1;
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == ',' || c == '[' || c == '{') {
            n++;
        }
    }
    return n;
}

void biz_http_default_timeout(biz_http *h)
{
    h->default_timeout = 1;
}

void biz_http_idempotent(biz_http *h)
{
    h->idempotent = 1;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 with
 * *bad how many bytes one U+FFFD replaces (the maximal subpart, as Python
 * does). */
static size_t utf8_seq(const unsigned char *p, size_t n, size_t *bad)
{
    unsigned cp;
    size_t k = biz_utf8_seq(p, n, &cp);
    *bad = k ? 1 : biz_utf8_bad_len(p, n);
    return k;
}

/* The text of an answer (http.h). */
char *biz_http_text(const char *body, size_t body_len, size_t *len, long long *nul_at)
{
    *nul_at = -1;
    const char *nul = memchr(body, 0, body_len);
    if (nul) {
        *nul_at = nul - body;
        return NULL;
    }
    /* Each invalid byte grows by at most 2 (one byte -> 3 of U+FFFD): count first. */
    size_t out_len = 0, bad;
    const unsigned char *p = (const unsigned char *)body, *end = p + body_len;
    for (const unsigned char *q = p; q < end;) {
        size_t k = utf8_seq(q, end - q, &bad);
        out_len += k ? k : 3;
        q += k ? k : bad;
    }
    char *out = malloc(out_len + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *q = p; q < end;) {
        size_t k = utf8_seq(q, end - q, &bad);
        if (k) {
            memcpy(o, q, k);
            o += k;
            q += k;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            q += bad;
        }
    }
    *o = 0;
    *len = out_len;
    return out;
}

/* Copies s (len bytes) into out for a message: control characters and bytes
 * that are not UTF-8 become \n, \r, \t or \xNN, so that a server's text
 * can neither move the terminal's cursor nor forge a log line, and the
 * message stays valid UTF-8. Cut at a character, "..." when cut. */
void biz_http_excerpt(char *out, size_t outlen, const char *s, size_t len)
{
    size_t o = 0, bad;
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    if (!outlen)
        return;
    while (p < end) {
        char esc[8];
        size_t k = utf8_seq(p, end - p, &bad), w;
        const char *src = (const char *)p;
        if (k == 1 && *p == '\n') {
            w = 2, src = "\\n";
        } else if (k == 1 && *p == '\r') {
            w = 2, src = "\\r";
        } else if (k == 1 && *p == '\t') {
            w = 2, src = "\\t";
        } else if (k == 1 && (*p < 0x20 || *p == 0x7F)) {
            w = (size_t)snprintf(esc, sizeof esc, "\\x%02x", *p);
            src = esc;
        } else if (k == 2 && p[0] == 0xC2 && p[1] < 0xA0) {
            /* C1 controls (U+0080..U+009F): U+009B is a CSI to some terminals. */
            w = (size_t)snprintf(esc, sizeof esc, "\\u%04x", p[1]);
            src = esc;
        } else if (!k) {
            w = (size_t)snprintf(esc, sizeof esc, "\\x%02x", *p);
            src = esc;
            k = 1;
        } else {
            w = k;
        }
        if (o + w + 4 > outlen) {
            if (o + 4 <= outlen) {
                memcpy(out + o, "...", 3);
                o += 3;
            }
            break;
        }
        memcpy(out + o, src, w);
        o += w;
        p += k;
    }
    out[o] = 0;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user)
{
    biz_http *h = user;
    size_t n = size * nmemb;
    /* Counted here, after decompression and before any growth: a gzip bomb
     * stops at the limit, not once inflated. */
    h->resp.max = h->lim.max_bytes > 0 ? (size_t)h->lim.max_bytes : 0;
    biz_buf_add(&h->resp, ptr, n);
    if (h->resp.over) {
        h->too_big = 1;
        return 0;  /* curl fails the transfer with a write error */
    }
    if (h->resp.oom)
        return 0;  /* curl fails the transfer with a write error */
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *user)
{
    biz_http *h = user;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
        /* A new response (after a redirect or a 100): forget the last one's.
         * It is also an answer to what was sent (see on_prereq). */
        h->answered = 1;
        free(h->location);
        h->location = NULL;
        biz_buf_clear(&h->resp);
        return n;
    }
    static const char loc[] = "location:";
    if (n < sizeof loc - 1 || strncasecmp(ptr, loc, sizeof loc - 1) != 0)
        return n;
    const char *v = ptr + sizeof loc - 1, *end = ptr + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    char *value = malloc((size_t)(end - v) + 1);
    if (value) {
        memcpy(value, v, (size_t)(end - v));
        value[end - v] = 0;
        free(h->location);
        h->location = value;
    }
    return n;
}

/* Called by libcurl each time it is about to send the request, on a
 * connection it has ready. A second time without an answer in between is
 * libcurl's own resend after a reused connection closed: the first copy
 * may have reached the server, so a request that is not idempotent is
 * not sent again (the try fails; its retries decide). A redirect or a
 * 1xx is an answer, so following one stays allowed. */
static int on_prereq(void *user, char *remote_ip, char *local_ip, int remote_port, int local_port)
{
    biz_http *h = user;
    (void)remote_ip;
    (void)local_ip;
    (void)remote_port;
    (void)local_port;
    if (h->sends > 0 && !h->answered && !h->idempotent) {
        h->refused_resend = 1;
        return CURL_PREREQFUNC_ABORT;
    }
    h->sends++;
    h->answered = 0;
    return CURL_PREREQFUNC_OK;
}

/* The message of a failed transfer: one that names the limit or the rule
 * when it is one of ours, else curl's. */
static void error_message(biz_http *h, CURLcode rc)
{
    char *buf = h->msg;
    size_t len = sizeof h->msg;
    if (h->refused_resend) {
        snprintf(buf, len, "the connection was closed after the request was sent; the request "
                 "may have reached the server and is not sent twice");
    } else if (h->too_big && rc == CURLE_WRITE_ERROR) {
        snprintf(buf, len, "the answer is larger than %lld bytes (decompressed); the limit is "
                 "BIZ_HTTP_MAX_RESPONSE_BYTES", h->lim.max_bytes);
    } else if (rc == CURLE_OPERATION_TIMEDOUT && strncmp(h->errbuf, "Operation too slow", 18) == 0) {
        snprintf(buf, len, "the server sent less than 1 byte/s for %ld s; the limit is "
                 "BIZ_HTTP_LOW_SPEED_TIME (seconds)", h->lim.low_speed_s);
    } else if (rc == CURLE_OPERATION_TIMEDOUT && h->default_timeout &&
               strncmp(h->errbuf, "Operation timed out", 19) == 0) {
        snprintf(buf, len, "no complete answer within %g s; the limit is BIZ_HTTP_TIMEOUT "
                 "(seconds), for a task without execution_timeout", h->lim.timeout_ms / 1000.0);
    } else if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT) {
        /* The Location of the last answer, when a redirect was refused
         * (curl 7.88 says "bad/illegal format" for file:// there). */
        const char *l = h->location;
        int web = l && (strncasecmp(l, "http://", 7) == 0 || strncasecmp(l, "https://", 8) == 0 ||
                        !strstr(l, "://"));
        char where[300];
        if (l && web) {
            biz_http_excerpt(where, 200, l, strlen(l));
            snprintf(buf, len, "redirected to '%s': %s", where,
                     h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
        } else if (l) {
            biz_http_excerpt(where, 200, l, strlen(l));
            snprintf(buf, len, "redirected to '%s': only http:// and https:// URLs are "
                     "followed", where);
        } else if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
            biz_http_excerpt(where, 200, h->url, strlen(h->url));
            snprintf(buf, len, "'%s' is not an http:// or https:// URL: no other protocol is "
                     "used", where);
        } else {
            snprintf(buf, len, "%s", h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
        }
    } else {
        snprintf(buf, len, "%s", h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
    }
}

static void free_http(biz_http *h)
{
    if (h->easy && h->loop)
        biz_loop_easy_put(h->loop, h->easy);
    else if (h->easy)
        curl_easy_cleanup(h->easy);
    curl_slist_free_all(h->headers);
    free(h->method);
    free(h->url);
    free(h->body);
    if (h->userpwd) {
        memset(h->userpwd, 0, strlen(h->userpwd));
        free(h->userpwd);
    }
    biz_buf_free(&h->resp);
    free(h->location);
    free(h);
}

static void on_done(biz_loop *loop, CURL *easy, CURLcode rc, void *user)
{
    (void)loop;
    biz_http *h = user;
    biz_http_result r = { 0 };
    r.url = h->url;
    r.body = h->resp.p ? h->resp.p : "";
    r.body_len = h->resp.n;
    curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME, &r.seconds);
    if (rc != CURLE_OK) {
        error_message(h, rc);
        r.error = h->msg;
        r.may_have_reached = h->sends > 0 && !h->idempotent;
        r.refused_resend = h->refused_resend;
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
    h->loop = loop;
    h->easy = biz_loop_easy_get(loop);
    if (!h->easy || h->oom) {
        free_http(h);
        return -1;
    }
    CURL *e = h->easy;
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
    /* http and https only, redirects included: a directory or a redirect
     * must not make a DAG read file:// (or talk any other protocol). */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, h);
    if (h->lim.low_speed_s > 0) {
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, h->lim.low_speed_s);
    }
    if (h->default_timeout)
        h->total_ms = h->lim.timeout_ms;
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

static int unreserved(int c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* quote_plus of s into out (room for 3 bytes a byte): how many bytes. */
static size_t quote_plus_into(char *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (unreserved(*p)) {
            *o++ = (char)*p;
        } else if (*p == ' ') {
            *o++ = '+';
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    return (size_t)(o - out);
}

/* Python's urllib.parse.quote_plus of s, appended to f: unreserved
 * characters stay, a space becomes '+', every other byte %XX. */
void biz_http_quote_plus(FILE *f, const char *s)
{
    char buf[256];
    size_t n = strlen(s);
    char *out = 3 * n < sizeof buf ? buf : malloc(3 * n + 1);
    if (out) {
        fwrite(out, 1, quote_plus_into(out, s), f);
        if (out != buf)
            free(out);
    }
}

/* Appends "name=value" to url's query, encoded as requests' urlencode. */
char *biz_http_url_add_query(const char *url, const char *name, const char *value)
{
    if (!value)
        value = "";
    /* Once per call (a directory lookup's stage): a plain buffer, not a
     * stdio stream, whose set-up costs more than the encoding. */
    char *q = malloc(3 * (strlen(name) + strlen(value)) + 2);
    if (!q)
        return NULL;
    size_t n = quote_plus_into(q, name);
    q[n++] = '=';
    n += quote_plus_into(q + n, value);
    q[n] = 0;
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

/* urllib3's _encode_invalid_chars into out (room for 3 bytes a byte): %xx
 * escapes upper-cased, and every byte that is not allowed (extra: the
 * component's own) escaped; a '%' is kept only when every '%' of the
 * component starts an escape. Returns how many bytes it wrote. */
static size_t encode_invalid(char *out, const char *s, size_t n, const char *extra)
{
    size_t pct = 0, valid = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '%') {
            pct++;
            if (i + 2 < n && biz_ascii_hexval((unsigned char)s[i + 1]) >= 0 && biz_ascii_hexval((unsigned char)s[i + 2]) >= 0)
                valid++;
        }
    int encoded = pct == valid;
    static const char hex[] = "0123456789ABCDEF";
    char *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && encoded) {
            *o++ = '%';
            *o++ = (char)toupper((unsigned char)s[i + 1]);
            *o++ = (char)toupper((unsigned char)s[i + 2]);
            i += 2;
        } else if (c < 128 && (unreserved(c) || (c && strchr("!$&'()*+,;=:@/", c)) || (c && extra && strchr(extra, c)))) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    return (size_t)(o - out);
}

/* urllib3's _remove_path_dot_segments into out (room for n + 2 bytes):
 * '.' segments dropped, '..' ones drop the segment before (RFC 3986,
 * 5.2.4). Returns how many bytes it wrote, or -1 when out of memory. */
static long remove_dot_segments(char *out, const char *path, size_t n)
{
    /* the kept segments, as (start, length) pairs: on the stack for the
     * usual path, on the heap past that */
    size_t local[32][2];
    size_t cap = 32, k = 0;
    size_t (*seg)[2] = local;
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && path[j] != '/')
            j++;
        size_t len = j - i;
        if (len == 1 && path[i] == '.') {
            /* the current directory: nothing */
        } else if (len == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (k)
                k--;
        } else {
            if (k == cap) {
                void *g = malloc(sizeof *seg * cap * 2);
                if (!g) {
                    if (seg != local)
                        free(seg);
                    return -1;
                }
                memcpy(g, seg, sizeof *seg * cap);
                if (seg != local)
                    free(seg);
                seg = g;
                cap *= 2;
            }
            seg[k][0] = i;
            seg[k++][1] = len;
        }
        i = j + 1;
    }
    int lead = n && path[0] == '/' && (!k || seg[0][1]);
    int trail = (n >= 2 && !memcmp(path + n - 2, "/.", 2)) || (n >= 3 && !memcmp(path + n - 3, "/..", 3));
    char *o = out;
    if (lead)
        *o++ = '/';
    for (size_t i = 0; i < k; i++) {
        if (i)
            *o++ = '/';
        memcpy(o, path + seg[i][0], seg[i][1]);
        o += seg[i][1];
    }
    if (trail)
        *o++ = '/';
    if (seg != local)
        free(seg);
    return (long)(o - out);
}

char *biz_http_normalize_url(const char *url)
{
    /* scheme://authority, as urllib3's _URI_RE splits it */
    const char *p = url;
    const char *colon = p;
    while (isalnum((unsigned char)*colon) || *colon == '+' || *colon == '.' || *colon == '-')
        colon++;
    const char *rest = *colon == ':' && colon > p && isalpha((unsigned char)*p) ? colon + 1 : p;
    if (rest[0] == '/' && rest[1] == '/') {
        rest += 2;
        while (*rest && !strchr("\\/?#", *rest))
            rest++;
    }
    size_t plen = strcspn(rest, "?#");
    const char *query = rest[plen] == '?' ? rest + plen + 1 : NULL;
    size_t qlen = query ? strcspn(query, "#") : 0;
    const char *hash = strchr(rest + plen, '#');
    /* Once per call: plain buffers (an escape is 3 bytes a byte at most,
     * removing dot segments never lengthens the path by more than a
     * slash), not stdio streams, whose set-up alone cost more than the
     * rest of a request's preparation. */
    char *out = malloc(3 * strlen(url) + 8), *dots = malloc(plen + 2);
    long dlen = out && dots ? remove_dot_segments(dots, rest, plen) : -1;
    if (dlen < 0) {
        free(out);
        free(dots);
        return NULL;
    }
    size_t head = (size_t)(rest - url), o = head;
    memcpy(out, url, head);
    o += encode_invalid(out + o, dots, (size_t)dlen, NULL);
    free(dots);
    if (query) {
        out[o++] = '?';
        o += encode_invalid(out + o, query, qlen, "?");
    }
    if (hash) {
        out[o++] = '#';
        o += encode_invalid(out + o, hash + 1, strlen(hash + 1), "?");
    }
    out[o] = 0;
    return out;
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
            (biz_ascii_hexval(p[1]) < 0 || biz_ascii_hexval(p[2]) < 0))
            keep_percent = 0;
    const char *safe = keep_percent ? "!#$%&'()*+,/:;=?@[]~" : "!#$&'()*+,/:;=?@[]~";
    /* Once per call: a plain buffer (at most three bytes a byte), not a
     * stdio stream, whose set-up alone cost more than the rest. */
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(3 * strlen(url) + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (*p == '%' && keep_percent && biz_ascii_hexval(p[1]) >= 0 && biz_ascii_hexval(p[2]) >= 0) {
            int c = biz_ascii_hexval(p[1]) * 16 + biz_ascii_hexval(p[2]);
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
