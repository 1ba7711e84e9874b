/* op_tech.c: TechMicroServiceOperator (PROTOCOL.md): resolve the URL
 * through the directory service (or API Gateway's URL scheme), call the
 * service, push XComs, fail on error statuses. Every HTTP call is an event
 * on the loop. The call itself (biz_tech_call_*, op_tech.h) is shared with
 * TechMicroServiceSensor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include "op.h"
#include "op_tech.h"
#include "http.h"
#include "conn.h"
#include "template.h"

#define DEFAULT_REGION "eu-west-1"
#define DEFAULT_GATEWAY "https://{api_id}.execute-api.{region}.amazonaws.com/{stage}"
#define DEFAULT_STAGE "dev"
#define ASYNC_BUCKET "coworks-airflow"

struct biz_tech_call {
    biz_try *t;
    biz_http *req;        /* the request in flight, or NULL */
    char *name;           /* cws_name, or api_id */
    char *dir_url;        /* the directory URL asked */
    biz_tech_call_fn fn;
    void *user;
    char err[512];        /* why the call could not be made */
    int final;
    int resolve_only;     /* the directory lookup alone (biz_tech_resolve_start) */
    biz_http_limits lim;  /* of the last request */
};

static void call_free(biz_tech_call *s)
{
    if (!s)
        return;
    if (s->req)
        biz_http_cancel(s->req);
    free(s->name);
    free(s->dir_url);
    free(s);
}

/* Records why the call cannot be made; returns -1. */
static int fail(biz_tech_call *s, int final, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(biz_tech_call *s, int final, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    s->final = final;
    return -1;
}

/* Ends the call from the loop: runs the callback, then frees the call. */
static void deliver(biz_tech_call *s, const biz_http_result *r)
{
    s->req = NULL;  /* a request is freed by http.c after its callback */
    s->fn(s->t, s, r, r ? NULL : s->err, s->user);
    call_free(s);
}

/* A value as Python's str() writes it (header and query values). */
static char *py_str(const cJSON *v)
{
    return cJSON_IsString(v) ? strdup(v->valuestring) : biz_tpl_str(v);
}

/* Frees old and returns new: `url = replace(url, f(url))`. */
static char *replace(char *old, char *new)
{
    free(old);
    return new;
}

/* Joins base and path with exactly one '/'. */
static char *join_url(const char *base, const char *path)
{
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    while (path && *path == '/')
        path++;
    char *out = NULL;
    if (asprintf(&out, "%.*s/%s", (int)bl, base, path ? path : "") < 0)
        return NULL;
    return out;
}

/* Replaces every {name} of tmpl by its value (unknown {x} stay as they are). */
static char *substitute(const char *tmpl, const char *const *kv)
{
    /* Two passes over a short template (once per call): the length, then
     * the text. */
    char *out = NULL;
    size_t len = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t n = 0;
        for (const char *p = tmpl; *p;) {
            int matched = 0;
            for (int i = 0; *p == '{' && kv[i]; i += 2) {
                size_t k = strlen(kv[i]);
                if (strncmp(p + 1, kv[i], k) == 0 && p[1 + k] == '}') {
                    size_t v = strlen(kv[i + 1]);
                    if (out)
                        memcpy(out + n, kv[i + 1], v);
                    n += v;
                    p += k + 2;
                    matched = 1;
                    break;
                }
            }
            if (!matched) {
                if (out)
                    out[n] = *p;
                n++;
                p++;
            }
        }
        if (out) {
            out[n] = 0;
            break;
        }
        len = n;
        if (!(out = malloc(len + 1)))
            return NULL;
    }
    return out;
}

/* Adds query_params to url, as requests does (lists repeat, None drops). */
static char *add_query(char *url, const cJSON *qp)
{
    const cJSON *kv;
    cJSON_ArrayForEach(kv, qp) {
        int list = cJSON_IsArray(kv);
        const cJSON *v = list ? kv->child : kv;
        for (; v; v = list ? v->next : NULL) {
            if (cJSON_IsNull(v))
                continue;
            char *s = py_str(v);
            char *u = s ? biz_http_url_add_query(url, kv->string, s) : NULL;
            free(s);
            if (!u) {
                free(url);
                return NULL;
            }
            free(url);
            url = u;
        }
    }
    return url;
}

/* Header list with case-insensitive replacement, in order of first set.
 * Names and values are borrowed (literals, the try's arguments, buffers
 * of call(): all outlive the list), a value given as owned is freed with
 * the list: no copies of what a call sends anyway. */
typedef struct hdrs {
    const char *name[64];
    const char *value[64];
    char *owned[64];
    int n;
} hdrs;

static void hdr_set(hdrs *h, const char *name, const char *value, char *owned)
{
    for (int i = 0; i < h->n; i++)
        if (strcasecmp(h->name[i], name) == 0) {
            free(h->owned[i]);
            h->value[i] = value;
            h->owned[i] = owned;
            return;
        }
    if (h->n < 64) {
        h->name[h->n] = name;
        h->value[h->n] = value;
        h->owned[h->n++] = owned;
    } else {
        free(owned);
    }
}

static void hdr_free(hdrs *h)
{
    for (int i = 0; i < h->n; i++)
        free(h->owned[i]);
}

/* x-amzn-trace-id: Root=1-<hex start seconds>-<hex of "cws" + run number>,
 * the same for every call of a run: made once per run. */
static const char *trace_id(const biz_run *run)
{
    static char buf[96];
    static double made_start = -1;
    static int made_number = -1;
    if (made_start == run->start_wall && made_number == run->run_number)
        return buf;
    char ascii[32];
    snprintf(ascii, sizeof ascii, "cws%09d", run->run_number);
    static const char hex[] = "0123456789abcdef";
    size_t len = sizeof buf;
    int n = snprintf(buf, len, "Root=1-%lx-", (unsigned long)run->start_wall);
    for (const char *p = ascii; *p && (size_t)n + 3 < len; p++) {
        buf[n++] = hex[(unsigned char)*p >> 4];
        buf[n++] = hex[(unsigned char)*p & 15];
    }
    buf[n < (int)len ? n : (int)len - 1] = 0;
    made_start = run->start_wall;
    made_number = run->run_number;
    return buf;
}

/* The S3 key of an asynchronous call's result: s3/<dag_id>/<task_id>/<job>. */
static char *async_key(const biz_try *t)
{
    char *key = NULL;
    if (asprintf(&key, "s3/%s/%s/%s", t->run->dag->dag_id, t->task_id, t->job_id) < 0)
        return NULL;
    return key;
}

/* One key=value pair of a form body; a NULL value (Python's None) is left out. */
static void form_pair(FILE *f, int *first, const char *key, const cJSON *v)
{
    if (cJSON_IsNull(v))
        return;
    char *text = cJSON_IsObject(v) ? NULL : py_str(v);
    if (!cJSON_IsObject(v) && !text)
        return;
    if (!*first)
        fputc('&', f);
    *first = 0;
    biz_http_quote_plus(f, key);
    fputc('=', f);
    biz_http_quote_plus(f, text);
    free(text);
}

/* A dict as requests form-encodes data=: str() of each value, a list repeats
 * its key, None is left out, a dict gives its keys (Python iterates them). */
static char *form_encode(const cJSON *data)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    int first = 1;
    const cJSON *kv, *v;
    cJSON_ArrayForEach(kv, data) {
        if (cJSON_IsArray(kv)) {
            cJSON_ArrayForEach(v, kv)
                form_pair(f, &first, kv->string, v);
        } else if (cJSON_IsObject(kv)) {
            cJSON_ArrayForEach(v, kv) {
                cJSON *name = cJSON_CreateString(v->string);
                form_pair(f, &first, kv->string, name);
                cJSON_Delete(name);
            }
        } else {
            form_pair(f, &first, kv->string, kv);
        }
    }
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* The request body as requests makes it from data= and json=: data when
 * truthy (a string as is, a dict form-encoded), else json encoded as JSON
 * whatever its type (a string becomes a JSON string, as json.dumps does). */
static int make_body(biz_try *t, char **body, size_t *len)
{
    const cJSON *data = biz_try_arg(t, BIZ_ARG_data);
    const cJSON *json = biz_try_arg(t, BIZ_ARG_json);
    *body = NULL;
    int data_truthy = data && !cJSON_IsNull(data) && !cJSON_IsFalse(data) &&
                      !(cJSON_IsString(data) && !data->valuestring[0]) &&
                      !((cJSON_IsObject(data) || cJSON_IsArray(data)) && !data->child);
    if (data_truthy) {
        if (cJSON_IsString(data))
            *body = strdup(data->valuestring);
        else if (cJSON_IsObject(data))
            *body = form_encode(data);
        else
            *body = cJSON_PrintUnformatted(data);
    } else if (json && !cJSON_IsNull(json)) {
        *body = cJSON_PrintUnformatted(json);
    } else {
        return 0;
    }
    if (!*body)
        return -1;
    *len = strlen(*body);
    return 1;
}

static void on_call(const biz_http_result *r, void *user);

static const char *try_getenv(void *user, const char *name);

/* Applies the limits of the environment to h; -1 (h freed) with the
 * message in s when a variable is wrong: final, a retry reads the same. */
static int apply_limits(biz_tech_call *s, biz_http *h)
{
    biz_http_limits lim;
    char err[256];
    if (biz_http_limits_load(&lim, try_getenv, s->t, err, sizeof err) < 0) {
        biz_http_cancel(h);
        return fail(s, 1, "%s", err);
    }
    biz_http_limits_set(h, &lim);
    s->lim = lim;
    return 0;
}

/* Makes the service call to base (the service's URL) with token. */
static int call(biz_tech_call *s, const char *base, const char *token)
{
    biz_try *t = s->t;
    const char *entry = biz_try_arg_str(t, BIZ_ARG_entry);
    char *url = join_url(base, entry);
    /* As requests: the URL parsed and normalized by urllib3 (dot segments,
     * invalid characters escaped), then the params added (a dict is
     * urlencoded, a string appended as it is), then the whole URL requoted
     * (a space or an 'é' in an entry is escaped). */
    if (url)
        url = replace(url, biz_http_normalize_url(url));
    const cJSON *qp = biz_try_arg(t, BIZ_ARG_query_params);
    if (qp && !cJSON_IsNull(qp) && !cJSON_IsObject(qp) && !cJSON_IsString(qp)) {
        free(url);
        return fail(s, 0, "query_params must be a dict or a string");
    }
    if (url && cJSON_IsObject(qp))
        url = add_query(url, qp);
    else if (url && cJSON_IsString(qp) && qp->valuestring[0])
        url = replace(url, biz_http_url_add_raw_query(url, qp->valuestring));
    if (url)
        url = replace(url, biz_http_requote(url));
    if (!url)
        return fail(s, 0, "out of memory");
    const char *method = biz_try_arg_str(t, BIZ_ARG_method);
    biz_http *h = biz_http_new(method, url);
    biz_try_log(t, BIZ_LOG_DEBUG, "%s %s", method, url);
    free(url);
    if (!h)
        return fail(s, 0, "out of memory");

    hdrs hd = { .n = 0 };
    const char *accept = biz_try_arg_str(t, BIZ_ARG_accept);
    hdr_set(&hd, "Content-Type", "application/json", NULL);
    hdr_set(&hd, "Accept", accept, NULL);
    const cJSON *uh = biz_try_arg(t, BIZ_ARG_headers), *kv;
    if (cJSON_IsObject(uh))
        cJSON_ArrayForEach(kv, uh) {
            char *v = py_str(kv);
            /* An Authorization header the DAG sets itself is as secret as a token. */
            if (v && biz_log_sensitive_name(kv->string))
                biz_log_secret(v);
            if (v)
                hdr_set(&hd, kv->string, v, v);
        }
    if (!biz_try_arg_bool(t, BIZ_ARG_no_auth) && token)
        hdr_set(&hd, "Authorization", token, NULL);
    hdr_set(&hd, "x-amzn-trace-id", trace_id(t->run), NULL);
    if (biz_try_arg_bool(t, BIZ_ARG_asynchronous)) {
        char *key = async_key(t);
        hdr_set(&hd, "InvocationType", "Event", NULL);
        hdr_set(&hd, "X-CWS-S3Bucket", ASYNC_BUCKET, NULL);
        hdr_set(&hd, "X-CWS-S3Key", key ? key : "", key);
    }
    for (int i = 0; i < hd.n; i++)
        biz_http_header(h, hd.name[i], hd.value[i]);
    hdr_free(&hd);

    char *body;
    size_t blen = 0;
    int b = make_body(t, &body, &blen);
    if (b < 0) {
        biz_http_cancel(h);
        return fail(s, 0, "out of memory");
    }
    if (b > 0) {
        biz_http_body(h, body, blen);
        free(body);
    }
    /* A call without an end would hang a task without execution_timeout
     * forever (CoWorks sets no timeout: a deliberate difference). With
     * execution_timeout, that one ends the try. */
    if (apply_limits(s, h) < 0)
        return -1;
    biz_http_timeouts(h, 0, 30000);
    if (!(t->ti->exec_timeout > 0))
        biz_http_default_timeout(h);
    s->req = h;
    if (biz_http_send(h, t->run->loop, on_call, s) < 0) {
        s->req = NULL;
        return fail(s, 0, "cannot start the HTTP request");
    }
    return 0;
}

static void on_call(const biz_http_result *r, void *user)
{
    deliver(user, r);
}

/* The XComs of an answer, in CoWorks' order: cws_name, then bucket and key
 * (asynchronous) or status_code and return_value (the body as JSON when
 * json_result and it parses, {} when empty, else the text). */
static int push_response(biz_try *t, const biz_tech_call *s, const biz_http_result *r)
{
    int async = biz_try_arg_bool(t, BIZ_ARG_asynchronous);
    int json_result = biz_try_arg_bool(t, BIZ_ARG_json_result);
    char *text = NULL;
    size_t text_len = 0;
    if (!async) {
        /* As requests' response.text: invalid UTF-8 replaced (the XCom and
         * the run record stay valid UTF-8), but a NUL byte is refused: a
         * string would end there and the rest of the answer be lost. */
        long long nul_at;
        text = biz_http_text(r->body, r->body_len, &text_len, &nul_at);
        if (!text && nul_at >= 0) {
            biz_try_done(t, BIZ_OUT_FAILED, 0, "the answer of %s holds a NUL byte at offset %lld "
                         "(of %zu bytes): a text XCom cannot hold it", r->url, nul_at, r->body_len);
            return -1;
        }
        if (!text) {
            biz_try_done(t, BIZ_OUT_FAILED, 0, "out of memory");
            return -1;
        }
        /* A parsed value costs ~84 bytes: count them before building the
         * tree (JSON is an array or an object when it is that big). */
        size_t lead = strspn(text, " \t\r\n");
        long long values;
        if (json_result && s->lim.max_json_values > 0 &&
            (text[lead] == '[' || text[lead] == '{') &&
            (values = biz_http_json_values(text, text_len)) > s->lim.max_json_values) {
            biz_try_done(t, BIZ_OUT_FAILED, 0, "the JSON answer of %s holds about %lld values, "
                         "more than %lld; the limit is BIZ_HTTP_MAX_JSON_VALUES", r->url,
                         values, s->lim.max_json_values);
            free(text);
            return -1;
        }
    }
    biz_try_xcom_push(t, "cws_name", cJSON_CreateString(s->name));
    if (async) {
        char *key = async_key(t);
        biz_try_xcom_push(t, "bucket", cJSON_CreateString(ASYNC_BUCKET));
        biz_try_xcom_push(t, "key", cJSON_CreateString(key ? key : ""));
        free(key);
        return 0;
    }
    biz_try_xcom_push(t, "status_code", cJSON_CreateNumber((double)r->status));
    cJSON *rv = NULL;
    if (json_result) {
        if (text_len == 0)
            rv = cJSON_CreateObject();
        else {
            /* The whole text must be JSON, as for json.loads: cJSON alone
             * takes '"" and more' as "". */
            const char *end = NULL;
            rv = cJSON_ParseWithLengthOpts(text, text_len, &end, 0);
            if (rv && end && end[strspn(end, " \t\r\n")]) {
                cJSON_Delete(rv);
                rv = NULL;
            }
        }
    }
    if (!rv)
        rv = cJSON_CreateString(text);
    free(text);
    biz_try_xcom_push(t, "return_value", rv);
    return 0;
}

/* TechMicroServiceOperator: the answer, its XComs and the error rules. */
static void on_result(biz_try *t, const biz_tech_call *s, const biz_http_result *r,
                      const char *error, void *user)
{
    (void)user;
    t->op = NULL;  /* s is freed by deliver() after this callback */
    if (!r) {
        biz_try_done(t, BIZ_OUT_FAILED, 0, "%s", error);
        return;
    }
    if (r->error) {
        const char *m = biz_try_arg_str(t, BIZ_ARG_method);
        char method[16];
        size_t i = 0;
        for (; m && m[i] && i < sizeof method - 1; i++)
            method[i] = (char)(m[i] >= 'a' && m[i] <= 'z' ? m[i] - 32 : m[i]);
        method[i] = 0;
        if (r->refused_resend)
            biz_try_done(t, BIZ_OUT_FAILED, 0, "%s %s: %s", method, r->url, r->error);
        else if (r->may_have_reached)
            biz_try_done(t, BIZ_OUT_FAILED, 0, "call to %s failed: %s (the %s may have "
                         "reached the server)", r->url, r->error, method);
        else
            biz_try_done(t, BIZ_OUT_FAILED, 0, "call to %s failed: %s", r->url, r->error);
        return;
    }
    if (biz_try_arg_bool(t, BIZ_ARG_log_response))
        biz_try_log(t, BIZ_LOG_INFO, "response %ld: %.*s", r->status, (int)r->body_len, r->body);
    /* CoWorks pushes once the answer is there, whatever its status, and only
     * with xcom_push (do_xcom_push does not stop its explicit pushes). */
    if (biz_try_arg_bool(t, BIZ_ARG_xcom_push) && push_response(t, s, r) < 0)
        return;
    if (biz_try_arg_bool(t, BIZ_ARG_raise_errors) &&
        (r->status >= 500 || (r->status >= 400 && biz_try_arg_bool(t, BIZ_ARG_raise_400_errors)))) {
        char body[310];
        biz_http_excerpt(body, sizeof body, r->body, r->body_len);
        biz_try_done(t, BIZ_OUT_FAILED, 1, "TechMicroService '%s' answered %ld: %s",
                     s->name, r->status, body);
        return;
    }
    biz_try_log(t, BIZ_LOG_DEBUG, "answered %ld in %.3fs", r->status, r->seconds);
    biz_try_done(t, BIZ_OUT_SUCCESS, 0, NULL);
}

/* Uses a directory answer {"url", "token"}. */
static int use_service(biz_tech_call *s, const cJSON *answer)
{
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(answer, "url");
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(answer, "token");
    if (cJSON_IsString(tok))
        biz_log_secret(tok->valuestring);
    char *base = strdup(url->valuestring);
    int rc = base ? call(s, base, cJSON_IsString(tok) ? tok->valuestring : NULL)
                  : fail(s, 0, "out of memory");
    free(base);
    return rc;
}

static void on_directory(const biz_http_result *r, void *user)
{
    biz_tech_call *s = user;
    biz_try *t = s->t;
    s->req = NULL;
    if (r->error) {
        fail(s, 0, "directory call %s failed: %s", s->dir_url, r->error);
        deliver(s, NULL);
        return;
    }
    char body[310];
    biz_http_excerpt(body, sizeof body, r->body, r->body_len);
    if (r->status < 200 || r->status >= 300) {
        fail(s, 0, "directory %s answered %ld for '%s': %s",
             s->dir_url, r->status, s->name, body);
        deliver(s, NULL);
        return;
    }
    cJSON *a = cJSON_ParseWithLength(r->body, r->body_len);
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(a, "url");
    if (!cJSON_IsString(url)) {
        /* Say which: a proxy's HTML page is not an answer without "url". */
        if (!a) {
            biz_http_excerpt(body, 104, r->body, r->body_len);
            fail(s, 0, "directory %s answered %ld for '%s' with a body that is not JSON: %s",
                 s->dir_url, r->status, s->name, body);
        } else {
            fail(s, 0, "directory %s gave no \"url\" for '%s'", s->dir_url, s->name);
        }
        cJSON_Delete(a);
        deliver(s, NULL);
        return;
    }
    /* CoWorks reads the answer's "token" unconditionally (a KeyError fails
     * the try); a service without authentication answers a null token. */
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(a, "token");
    if (!tok) {
        fail(s, 0, "directory %s gave no \"token\" for '%s'", s->dir_url, s->name);
        cJSON_Delete(a);
        deliver(s, NULL);
        return;
    }
    (void)t;
    if (s->resolve_only) {
        cJSON_Delete(a);
        deliver(s, r);
        return;
    }
    int rc = use_service(s, a);
    cJSON_Delete(a);
    if (rc < 0)
        deliver(s, NULL);
}

/* "false", "0", "no", "off" in any case: a connection extra's false. */
static int is_false_word(const char *v)
{
    return !strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no")
           || !strcasecmp(v, "off");
}

static const char *try_getenv(void *user, const char *name)
{
    return biz_try_getenv(user, name);
}

/* A connection id in capitals, as its AIRFLOW_CONN_ variable has it
 * (a static buffer: for one message at a time). */
static const char *upper_id(const char *conn_id)
{
    static char var[160];
    size_t i = 0;
    for (const char *p = conn_id; *p && i < sizeof var - 1; p++)
        var[i++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    var[i] = 0;
    return var;
}

/* Asks the directory for cws_name (at stage). */
static int ask_directory(biz_tech_call *s, const char *stage)
{
    biz_try *t = s->t;
    const char *conn_id = biz_try_arg_str(t, BIZ_ARG_directory_conn_id);
    biz_conn c;
    char err[256];
    memset(&c, 0, sizeof c);
    int rc = biz_conn_lookup(conn_id, try_getenv, t, &c, err, sizeof err);
    if (rc == 1)
        return fail(s, 0, "connection '%s' is not defined: set AIRFLOW_CONN_%s", conn_id,
                    upper_id(conn_id));
    if (rc < 0)
        return fail(s, 0, "connection '%s': %s", conn_id, err);
    if (c.password)
        biz_log_secret(c.password);
    char *base = biz_conn_base_url(&c);
    if (base && strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) {
        int r = fail(s, 0, "connection '%s' gives the base URL '%.200s': as Airflow's HttpHook, "
                     "bizc takes a URI's path as the URL's scheme; write the whole base URL in "
                     "the host, e.g. AIRFLOW_CONN_%s='{\"conn_type\": \"http\", \"host\": "
                     "\"http://HOST:PORT/PATH\"}'", conn_id, base, upper_id(conn_id));
        free(base);
        biz_conn_free(&c);
        return r;
    }
    if (base && c.conn_type && strcmp(c.conn_type, "https") == 0 && strncmp(base, "http://", 7) == 0)
        biz_try_log(t, BIZ_LOG_WARN, "connection '%s' is of type https but its base URL is %s: "
                    "Airflow's HttpHook takes the scheme from the schema field, not the type; "
                    "give schema https (https://HOST/https) or the whole URL in the host",
                    conn_id, base);
    char *url = base ? join_url(base, s->name) : NULL;
    free(base);
    if (url)
        url = replace(url, biz_http_normalize_url(url));
    if (url && stage)
        url = replace(url, biz_http_url_add_query(url, "stage", stage));
    if (url)
        url = replace(url, biz_http_requote(url));
    biz_http *h = url ? biz_http_new("GET", url) : NULL;
    s->dir_url = url;
    if (!h) {
        biz_conn_free(&c);
        return fail(s, 0, "out of memory");
    }
    biz_http_header(h, "Accept", "*/*");  /* requests' default, as HttpHook sends */
    /* As Airflow's HttpHook: login/password as basic auth, extras as headers. */
    if (c.login && *c.login)
        biz_http_basic_auth(h, c.login, c.password);
    const cJSON *kv;
    cJSON_ArrayForEach(kv, c.extra)
        if (cJSON_IsString(kv) && strcmp(kv->string, "verify") != 0)
            biz_http_header(h, kv->string, kv->valuestring);
    /* As the HttpHook's session: verify=false turns TLS verification off,
     * for this connection only and never silently. */
    const cJSON *vf = cJSON_GetObjectItemCaseSensitive(c.extra, "verify");
    int verify = !(cJSON_IsFalse(vf) || (cJSON_IsString(vf) && is_false_word(vf->valuestring)));
    if (!verify) {
        biz_try_log(t, BIZ_LOG_WARN, "connection '%s' has verify=false: TLS certificates "
                    "are not verified for %s", conn_id, url);
        biz_http_verify(h, 0);
    }
    biz_conn_free(&c);
    if (apply_limits(s, h) < 0)
        return -1;
    biz_http_timeouts(h, 60000, 30000);
    s->req = h;
    biz_try_log(t, BIZ_LOG_DEBUG, "directory GET %s", url);
    if (biz_http_send(h, t->run->loop, on_directory, s) < 0) {
        s->req = NULL;
        return fail(s, 0, "cannot start the HTTP request");
    }
    return 0;
}

/* Resolves the service and makes the call (the start, without the end). */
static int call_begin(biz_tech_call *s)
{
    biz_try *t = s->t;
    const char *cws_name = biz_try_arg_str(t, BIZ_ARG_cws_name);
    const char *stage = biz_try_arg_str(t, BIZ_ARG_stage);
    if (cws_name && *cws_name) {
        /* Asked at every call, as CoWorks does: the directory may move a
         * service or renew its token between two tasks. */
        s->name = strdup(cws_name);
        if (!s->name)
            return fail(s, 0, "out of memory");
        return ask_directory(s, stage);
    }
    const char *api_id = biz_try_arg_str(t, BIZ_ARG_api_id);
    if (!api_id || !*api_id)
        return fail(s, 1, "neither cws_name nor api_id is set");
    s->name = strdup(api_id);
    const char *region = biz_try_getenv(t, "BIZ_API_GATEWAY_REGION");
    const char *tmpl = biz_try_getenv(t, "BIZ_API_GATEWAY_URL");
    const char *kv[] = {
        "api_id", api_id,
        "stage", stage && *stage ? stage : DEFAULT_STAGE,
        "region", region && *region ? region : DEFAULT_REGION,
        NULL
    };
    char *base = substitute(tmpl && *tmpl ? tmpl : DEFAULT_GATEWAY, kv);
    const char *token = biz_try_arg_str(t, BIZ_ARG_token);
    if (token)
        biz_log_secret(token);
    if (!base || !s->name) {
        free(base);
        return fail(s, 0, "out of memory");
    }
    int rc = call(s, base, token);
    free(base);
    return rc;
}

/* Resolves the service and calls it; fn runs later (op_tech.h). */
biz_tech_call *biz_tech_call_start(biz_try *t, biz_tech_call_fn fn, void *user,
                                   char *err, size_t errlen, int *final)
{
    *final = 0;
    biz_tech_call *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->t = t;
    s->fn = fn;
    s->user = user;
    if (call_begin(s) < 0) {
        snprintf(err, errlen, "%s", s->err);
        *final = s->final;
        call_free(s);
        return NULL;
    }
    return s;
}

/* The directory lookup alone (op_tech.h). */
biz_tech_call *biz_tech_resolve_start(biz_try *t, biz_tech_call_fn fn, void *user,
                                      char *err, size_t errlen, int *final)
{
    *final = 0;
    err[0] = '\0';
    const char *cws_name = biz_try_arg_str(t, BIZ_ARG_cws_name);
    if (!cws_name || !*cws_name)
        return NULL;
    biz_tech_call *s = calloc(1, sizeof *s);
    if (!s || !(s->name = strdup(cws_name))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->t = t;
    s->fn = fn;
    s->user = user;
    s->resolve_only = 1;
    if (ask_directory(s, biz_try_arg_str(t, BIZ_ARG_stage)) < 0) {
        snprintf(err, errlen, "%s", s->err);
        *final = s->final;
        call_free(s);
        return NULL;
    }
    return s;
}

/* Stops a call whose callback has not run, and frees it. */
void biz_tech_call_cancel(biz_tech_call *c)
{
    call_free(c);
}

/* The service's name, for messages. */
const char *biz_tech_call_name(const biz_tech_call *c)
{
    return c->name ? c->name : "?";
}

static void tech_start(biz_try *t)
{
    char err[512];
    int final;
    t->op = biz_tech_call_start(t, on_result, NULL, err, sizeof err, &final);
    if (!t->op)
        biz_try_done(t, BIZ_OUT_FAILED, final, "%s", err);
}

static void tech_cancel(biz_try *t)
{
    biz_tech_call_cancel(t->op);
    t->op = NULL;
}

const biz_op_vt biz_op_tech_vt = { tech_start, tech_cancel };
