/* op_s3.c: the S3 plumbing of the asynchronous-result operators (op_s3.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "op_s3.h"
#include "log.h"

/* The bucket and key an asynchronous call pushed. */
int biz_op_s3_location(biz_try *t, const char **bucket, const char **key,
                       char *err, size_t errlen)
{
    const char *cws = biz_try_arg_str(t, BIZ_ARG_cws_task_id);
    if (!cws || !*cws) {
        snprintf(err, errlen, "cws_task_id is not set");
        return -1;
    }
    const cJSON *b = biz_try_xcom_get(t, cws, "bucket");
    const cJSON *k = biz_try_xcom_get(t, cws, "key");
    const char *missing = !cJSON_IsString(b) || !*b->valuestring ? "bucket"
                        : !cJSON_IsString(k) || !*k->valuestring ? "key" : NULL;
    if (missing) {
        snprintf(err, errlen, "task '%s' pushed no '%s' XCom: is it an asynchronous call "
                 "(asynchronous=True)?", cws, missing);
        return -1;
    }
    *bucket = b->valuestring;
    *key = k->valuestring;
    return 0;
}

static const char *try_getenv(void *user, const char *name)
{
    return biz_try_getenv(user, name);
}

/* The S3 configuration of the try. */
int biz_op_s3_config(biz_try *t, biz_s3_config *c, char *err, size_t errlen)
{
    const char *conn_id = biz_try_arg_str(t, BIZ_ARG_aws_conn_id);
    if (biz_s3_config_load(conn_id, try_getenv, t, c, err, errlen) < 0)
        return -1;
    biz_log_secret(c->secret_key);
    if (c->session_token)
        biz_log_secret(c->session_token);
    return 0;
}

/* What biz_s3_prepare needs, for the duration of biz_http_send. */
typedef struct prep {
    const biz_s3_config *c;
    biz_s3_method method;
    const char *bucket, *key;
    char *err;
    size_t errlen;
} prep;

static int prepare(CURL *easy, struct curl_slist **headers, void *user)
{
    prep *p = user;
    return biz_s3_prepare(easy, p->c, p->method, p->bucket, p->key, NULL, headers,
                          p->err, p->errlen);
}

long long biz_op_s3_max_json_values(biz_try *t)
{
    biz_http_limits lim;
    char err[256];
    if (biz_http_limits_load(&lim, try_getenv, t, err, sizeof err) < 0)
        return BIZ_HTTP_MAX_JSON_VALUES_DEFAULT;
    return lim.max_json_values;
}

/* Sends a signed HEAD or GET of s3://bucket/key. */
biz_http *biz_op_s3_send(biz_try *t, const biz_s3_config *c, biz_s3_method method,
                         const char *bucket, const char *key, long total_ms,
                         biz_http_fn fn, void *user, char *err, size_t errlen)
{
    err[0] = '\0';
    char *url = biz_s3_url(c, bucket, key);
    biz_http *h = url ? biz_http_new(method == BIZ_S3_HEAD ? "HEAD" : "GET", url) : NULL;
    free(url);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* The same limits on what a server sends as a service call's. */
    biz_http_limits lim;
    if (biz_http_limits_load(&lim, try_getenv, t, err, errlen) < 0) {
        biz_http_cancel(h);
        return NULL;
    }
    biz_http_limits_set(h, &lim);
    prep p = { c, method, bucket, key, err, errlen };
    biz_http_prepare(h, prepare, &p);
    biz_http_timeouts(h, total_ms, 10000);
    if (biz_http_send(h, t->run->loop, fn, user) < 0) {
        if (!err[0])
            snprintf(err, errlen, "cannot start the S3 request");
        return NULL;
    }
    return h;
}

/* Begins an S3 operator's try: its state, location and configuration. */
void *biz_op_s3_start(biz_try *t, size_t size, size_t offset, biz_op_s3_free_fn *free_op)
{
    char err[512];
    const char *bucket, *key;
    if (biz_op_s3_location(t, &bucket, &key, err, sizeof err) < 0) {
        /* The upstream call's XComs will not change on a retry. */
        biz_try_done(t, BIZ_OUT_FAILED, 1, "%s", err);
        return NULL;
    }
    char *state = calloc(1, size);
    if (!state) {
        biz_try_done(t, BIZ_OUT_FAILED, 0, "out of memory");
        return NULL;
    }
    t->op = state;
    biz_op_s3_obj *o = (biz_op_s3_obj *)(state + offset);
    o->bucket = strdup(bucket);
    o->key = strdup(key);
    if (!o->bucket || !o->key) {
        biz_op_s3_finish(t, free_op, BIZ_OUT_FAILED, 0, "out of memory");
        return NULL;
    }
    if (biz_op_s3_config(t, &o->cfg, err, sizeof err) < 0) {
        biz_op_s3_finish(t, free_op, BIZ_OUT_FAILED, 0, err);
        return NULL;
    }
    return state;
}

/* Cancels the request in flight and frees what o holds. */
void biz_op_s3_obj_free(biz_op_s3_obj *o)
{
    if (o->req)
        biz_http_cancel(o->req);
    o->req = NULL;
    biz_s3_config_free(&o->cfg);
    free(o->bucket);
    free(o->key);
    o->bucket = o->key = NULL;
}

/* Frees the state, then ends the try (msg is copied first). */
void biz_op_s3_finish(biz_try *t, biz_op_s3_free_fn *free_op, biz_outcome out, int final,
                      const char *msg)
{
    char *copy = msg ? strdup(msg) : NULL;
    free_op(t);
    if (msg)
        biz_try_done(t, out, final, "%s", copy ? copy : "out of memory");
    else
        biz_try_done(t, out, final, NULL);
    free(copy);
}
