/* http.h: one asynchronous HTTP request on the event loop.
 *
 * Build a request (biz_http_new, then headers, body, timeout), start it
 * with biz_http_send; the callback runs once, from the loop, with the
 * status and body (of the headers, only what a message needs is kept),
 * or a transport error.
 *
 * Ownership: the request owns copies of everything given to it. After
 * biz_http_send the loop owns it: it is freed right after the callback
 * returns, or by biz_http_cancel (which calls no callback). Nothing in a
 * request is ever logged here; header values may be secrets.
 */
#ifndef BIZ_HTTP_H
#define BIZ_HTTP_H

#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "loop.h"

typedef struct biz_http biz_http;

/* What the callback sees. */
typedef struct biz_http_result {
    long status;          /* HTTP status, 0 on a transport error */
    const char *error;    /* transport error (curl's message), or NULL */
    const char *body;     /* NUL-terminated; may hold NULs before body_len */
    size_t body_len;
    const char *url;      /* the URL asked for */
    double seconds;       /* total time */
    int may_have_reached; /* error only: the request may have reached the server */
    int refused_resend;   /* error only: libcurl's resend of it was refused */
} biz_http_result;

typedef void (*biz_http_fn)(const biz_http_result *r, void *user);

/* A request of method (any case) to url; NULL when out of memory. */
biz_http *biz_http_new(const char *method, const char *url);
/* Adds a request header (a NULL value sends "Name:" removal to curl). */
void biz_http_header(biz_http *h, const char *name, const char *value);
/* Sets the body (copied). */
void biz_http_body(biz_http *h, const char *data, size_t len);
/* Basic authentication (copied). */
void biz_http_basic_auth(biz_http *h, const char *user, const char *password);
/* HTTPS certificate and host name verification: on (1, the default) or
 * off (0). Only for an explicit opt-out that the caller has logged as a
 * warning (a connection's verify=false extra): never off silently. */
void biz_http_verify(biz_http *h, int verify);
/* Whole-request and connect timeouts in ms (0: none / curl's default). */
void biz_http_timeouts(biz_http *h, long total_ms, long connect_ms);
/* Limits on what a server sends (README "Limits on what a server sends").
 * Every request gets the defaults below from biz_http_new; a caller that
 * reads the environment (biz_http_limits_load) applies them with
 * biz_http_limits_set. */
typedef struct biz_http_limits {
    long long max_bytes;  /* answer size after decompression; 0: none */
    long timeout_ms;      /* whole call, for biz_http_default_timeout; 0: none */
    long low_speed_s;     /* abort below 1 byte/s for this long; 0: never */
    long long max_json_values; /* values of a JSON answer parsed; 0: none */
} biz_http_limits;
/* The defaults. 16 MiB was asked for, but the run keeps an answer several
 * times over (the buffer, the XCom, its JSON in the run record and in the
 * record being written), and a run must stay under 64 MB of memory
 * whatever a server sends: measured in tests/integration/fault.sh. */
#define BIZ_HTTP_MAX_RESPONSE_DEFAULT (4LL * 1024 * 1024)
#define BIZ_HTTP_TIMEOUT_DEFAULT_MS 300000L
#define BIZ_HTTP_LOW_SPEED_DEFAULT_S 60L
/* A parsed JSON value costs ~84 bytes: "[0,0,...]" of 4 MiB took 175 MB.
 * 250,000 values keep a parsed answer near 20 MB. */
#define BIZ_HTTP_MAX_JSON_VALUES_DEFAULT 250000LL
/* Reads BIZ_HTTP_MAX_RESPONSE_BYTES, BIZ_HTTP_TIMEOUT (seconds),
 * BIZ_HTTP_LOW_SPEED_TIME (seconds) and BIZ_HTTP_MAX_JSON_VALUES through getenv_fn (NULL: getenv), the
 * defaults for those unset or empty. 0, or -1 with a message naming the
 * variable. */
int biz_http_limits_load(biz_http_limits *l, const char *(*getenv_fn)(void *user, const char *name),
                         void *user, char *err, size_t errlen);
void biz_http_limits_set(biz_http *h, const biz_http_limits *l);
/* The whole call is bounded by the limits' timeout_ms (what a task without
 * execution_timeout gets); its failure message names BIZ_HTTP_TIMEOUT. */
void biz_http_default_timeout(biz_http *h);
/* Marks the request as safe to send twice (an idempotent PUT, e.g. S3's).
 * Otherwise only GET, HEAD and OPTIONS are: libcurl resends a request by
 * itself when a reused connection closes before any answer, and for any
 * other method the try fails instead (the request may have reached the
 * server, which would then run it twice). */
void biz_http_idempotent(biz_http *h);

/* The limits of a request (after biz_http_limits_set). */
const biz_http_limits *biz_http_limits_of(const biz_http *h);
/* An upper bound of the number of values in the JSON text s (len bytes):
 * counted before parsing, so a huge array is refused, not built. */
long long biz_http_json_values(const char *s, size_t len);

/* Text of an answer as Python's bytes.decode("utf-8", "replace") makes it:
 * each maximal invalid sequence becomes U+FFFD. A new NUL-terminated
 * string (NULL when out of memory); *len its length. When the body holds
 * a NUL byte, returns NULL with *nul_at its offset (else *nul_at is -1). */
char *biz_http_text(const char *body, size_t body_len, size_t *len, long long *nul_at);

/* s (len bytes) for a message, at most outlen bytes with its NUL:
 * control characters escaped (\n, \r, \t, \xNN, \u00NN), bytes that are
 * not UTF-8 as \xNN, "..." when cut. A server's text can then neither drive
 * the terminal nor forge a log line, and the message is valid UTF-8. */
void biz_http_excerpt(char *out, size_t outlen, const char *s, size_t len);

/* Finishes setting up the easy handle when the request is sent, after
 * everything above is applied: e.g. biz_s3_prepare's URL and SigV4 signing.
 * headers is the request's own list (the request frees it): fn may append
 * to it and then sets CURLOPT_HTTPHEADER to *headers itself. fn returns 0,
 * or non-zero to make biz_http_send fail. */
typedef int (*biz_http_prepare_fn)(CURL *easy, struct curl_slist **headers, void *user);
/* Registers fn (called once, from biz_http_send). */
void biz_http_prepare(biz_http *h, biz_http_prepare_fn fn, void *user);
/* Starts the request; fn runs later from the loop, never from here. Returns
 * 0, or -1 (the request is freed, fn never runs). */
int biz_http_send(biz_http *h, biz_loop *loop, biz_http_fn fn, void *user);
/* Aborts a sent request (no callback) or frees an unsent one. */
void biz_http_cancel(biz_http *h);

/* Appends "name=value" to url's query, encoded as Python's urlencode does
 * it (quote_plus: a space is '+'); returns a new string. */
char *biz_http_url_add_query(const char *url, const char *name, const char *value);
/* Appends query, already encoded, to url's query; returns a new string. */
char *biz_http_url_add_raw_query(const char *url, const char *query);
/* Python's urllib.parse.quote_plus of s, appended to f. */
void biz_http_quote_plus(FILE *f, const char *s);
/* url as urllib3's parse_url normalizes it before requests adds the
 * params: '.' and '..' path segments resolved, characters the path, query
 * or fragment may not hold percent-encoded, escapes upper-cased. New
 * string, NULL when out of memory. */
char *biz_http_normalize_url(const char *url);
/* url as requests sends it (requote_uri): characters a URL cannot hold
 * percent-encoded, escapes of unreserved characters decoded. New string. */
char *biz_http_requote(const char *url);

#endif
