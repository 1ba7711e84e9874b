/* http.h: one asynchronous HTTP request on the event loop.
 *
 * Build a request (biz_http_new, then headers, body, timeout), start it
 * with biz_http_send; the callback runs once, from the loop, with the
 * status, response headers and body, or a transport error.
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
    const cJSON *headers; /* object: lower-cased name -> value (last one wins) */
    const char *url;      /* the URL asked for */
    double seconds;       /* total time */
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
/* url as requests sends it (requote_uri): characters a URL cannot hold
 * percent-encoded, escapes of unreserved characters decoded. New string. */
char *biz_http_requote(const char *url);

#endif
