/* op_s3pull.c: AsyncTechServicePullOperator, as CoWorks' execute does it:
 * downloads the result of an asynchronous call (XComs bucket and key of
 * cws_task_id), the CoWorks document {"statusCode", "headers", "body",
 * "isBase64Encoded"}; pushes XCom status_code whatever xcom_push says;
 * then the error rules of TechMicroServiceOperator (pushing the body first
 * when xcom_push); else return_value is the body as stored (a string stays
 * a string), when xcom_push and do_xcom_push (Airflow pushes what execute
 * returns). A base64 body is decoded (JSON when it parses): CoWorks returns
 * bytes there, which Airflow's XCom cannot store (doc/airflow-differences.md).
 *
 * A status error is final (CoWorks raises AirflowFailException). S3
 * failures (403, 404, 5xx, transport) and a malformed document are
 * ordinary failures that `retries` may retry, as in CoWorks. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "op.h"
#include "op_s3.h"

#define GET_TIMEOUT_MS 300000

typedef struct s3pull {
    biz_op_s3_obj o;         /* the object and the GET in flight */
} s3pull;

static void s3pull_free(biz_try *t)
{
    s3pull *s = t->op;
    if (!s)
        return;
    biz_op_s3_obj_free(&s->o);
    free(s);
    t->op = NULL;
}

/* Frees the state, then ends the try (msg is copied first). */
static void finish(biz_try *t, biz_outcome out, int final, const char *msg)
{
    biz_op_s3_finish(t, s3pull_free, out, final, msg);
}

static void on_get(const biz_http_result *r, void *user)
{
    biz_try *t = user;
    s3pull *s = t->op;
    s->o.req = NULL;  /* freed by http.c after this callback */
    char msg[800];
    if (r->error) {
        snprintf(msg, sizeof msg, "GET s3://%s/%s failed: %s", s->o.bucket, s->o.key, r->error);
        finish(t, BIZ_OUT_FAILED, 0, msg);
        return;
    }
    if (r->status < 200 || r->status >= 300) {
        biz_s3_status_message((int)r->status, s->o.bucket, s->o.key, r->body, msg, sizeof msg);
        finish(t, BIZ_OUT_FAILED, 0, msg);
        return;
    }
    /* Invalid UTF-8 replaced (as Python's decode(errors="replace")), so
     * that the XComs and the record stay valid; with a NUL byte, the raw
     * body, which the parser refuses with its offset. */
    size_t tlen = 0;
    long long nul_at;
    char *txt = biz_http_text(r->body, r->body_len, &tlen, &nul_at);
    biz_s3_payload p;
    int rc = biz_s3_parse_payload_limited(s->o.bucket, s->o.key, txt ? txt : r->body,
                                          txt ? tlen : r->body_len, biz_op_s3_max_json_values(t),
                                          &p, msg, sizeof msg);
    free(txt);
    if (rc < 0) {
        finish(t, BIZ_OUT_FAILED, 0, msg);
        return;
    }
    biz_try_log(t, BIZ_LOG_DEBUG, "s3://%s/%s: statusCode %d%s, %zu bytes", s->o.bucket,
                s->o.key, p.status, p.was_base64 ? " (base64 body)" : "", r->body_len);
    int status = p.status;
    int push = biz_try_arg_bool(t, BIZ_ARG_xcom_push);
    biz_try_xcom_push(t, "status_code", cJSON_CreateNumber(status));
    cJSON *value = p.body;
    p.body = NULL;
    char *text = NULL;
    int fails = biz_try_arg_bool(t, BIZ_ARG_raise_errors) &&
                (status >= 500 || (status >= 400 && biz_try_arg_bool(t, BIZ_ARG_raise_400_errors)));
    if (fails)
        text = cJSON_IsString(value) ? strdup(value->valuestring) : cJSON_PrintUnformatted(value);
    if (push && (fails || biz_try_arg_bool(t, BIZ_ARG_do_xcom_push)))
        biz_try_xcom_push(t, "return_value", value);
    else
        cJSON_Delete(value);
    biz_s3_payload_free(&p);
    if (fails) {
        const char *cws = biz_try_arg_str(t, BIZ_ARG_cws_task_id);
        snprintf(msg, sizeof msg, "the asynchronous call of '%s' answered %d (s3://%s/%s): %.300s",
                 cws ? cws : "?", status, s->o.bucket, s->o.key, text ? text : "");
        free(text);
        finish(t, BIZ_OUT_FAILED, 1, msg);
        return;
    }
    finish(t, BIZ_OUT_SUCCESS, 0, NULL);
}

static void s3pull_start(biz_try *t)
{
    char err[512];
    s3pull *s = biz_op_s3_start(t, sizeof *s, offsetof(s3pull, o), s3pull_free);
    if (!s)
        return;
    biz_try_log(t, BIZ_LOG_DEBUG, "GET s3://%s/%s", s->o.bucket, s->o.key);
    s->o.req = biz_op_s3_send(t, &s->o.cfg, BIZ_S3_GET, s->o.bucket, s->o.key, GET_TIMEOUT_MS,
                              on_get, t, err, sizeof err);
    if (!s->o.req)
        finish(t, BIZ_OUT_FAILED, 0, err);
}

static void s3pull_cancel(biz_try *t)
{
    s3pull_free(t);
}

const biz_op_vt biz_op_s3pull_vt = { s3pull_start, s3pull_cancel };
