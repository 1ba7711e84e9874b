/* req.h: the request every baseline makes, set up as libbizrt sets up a
 * TechMicroServiceOperator call by api_id (runtime/net/http.c, op_tech.c), so
 * both sides send the same bytes: the same headers in the same order
 * (Content-Type, Accept, Authorization, x-amzn-trace-id), the same
 * User-Agent and Accept-Encoding, no "Expect: 100-continue", redirects
 * followed. The answer is kept and checked (a 200 and a non-empty body),
 * as the DAG checks it. Header-only: each baseline is one .c file. */
#ifndef BENCH_REQ_H
#define BENCH_REQ_H

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char url[1024];
    char body[4096];   /* the answer (truncated: only checked) */
    size_t len;
} bench_req;

static size_t bench_on_body(char *p, size_t size, size_t n, void *user)
{
    bench_req *r = user;
    size_t k = size * n, room = sizeof r->body - 1 - r->len;
    memcpy(r->body + r->len, p, k < room ? k : room);
    r->len += k < room ? k : room;
    r->body[r->len] = 0;
    return k;
}

/* The header list, built once and shared by every transfer. */
static struct curl_slist *bench_headers(const char *token)
{
    char trace[128];
    /* Root=1-<start, Unix seconds, hex>-<hex of "cws" + run number 000000001>,
     * the run number of a fresh state directory. */
    snprintf(trace, sizeof trace, "x-amzn-trace-id: Root=1-%08lx-637773303030303030303031",
             (unsigned long)time(NULL));
    char auth[512];
    snprintf(auth, sizeof auth, "Authorization: %s", token);
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: application/json");
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, trace);
    h = curl_slist_append(h, "Expect:");
    if (!h) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return h;
}

/* Sets e up for one call: GET, or POST with body (NULL: GET). */
static void bench_setup(CURL *e, bench_req *r, struct curl_slist *hdrs, const char *body)
{
    r->len = 0;
    r->body[0] = 0;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 30L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, bench_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "bizrt");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
    if (body) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "POST");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
    }
}

/* 0 when the transfer ended with a 200 and a body, else says why. */
static int bench_check(CURL *e, CURLcode rc, const bench_req *r)
{
    long status = 0;
    if (rc != CURLE_OK) {
        fprintf(stderr, "%s: %s\n", r->url, curl_easy_strerror(rc));
        return -1;
    }
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200 || r->len == 0) {
        fprintf(stderr, "%s: status %ld, %zu bytes\n", r->url, status, r->len);
        return -1;
    }
    return 0;
}

#endif
