/* op_s3sensor.c: AsyncTechMicroServiceSensor (PROTOCOL.md): waits until the
 * result of an asynchronous call (XComs bucket and key of cws_task_id) is
 * in S3, with an S3 HEAD of that object every poke (sensor.h).
 *
 * Answers: 2xx: there, success. 404: not yet, poke again. 403 and other
 * 4xx/3xx: the try fails (a retry may help once credentials or region are
 * fixed; Airflow's S3 sensor raises those too). A transport error or a 5xx
 * is what boto3 would retry by itself before the sensor raises: it is
 * logged and poked again, and only MAX_TRANSIENT of them in a row fail the
 * try -- an ordinary failure, which `retries` may retry. The timeout alone
 * is final. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "op.h"
#include "op_s3.h"
#include "sensor.h"

#define MAX_TRANSIENT 3      /* transient errors in a row before failing */
#define HEAD_TIMEOUT_MS 30000

typedef struct s3sensor {
    biz_sensor sensor;       /* first: the poke callback gets it */
    biz_op_s3_obj o;         /* the object and the HEAD in flight */
    int transient;           /* transient errors in a row */
} s3sensor;

static void s3sensor_free(biz_try *t)
{
    s3sensor *s = t->op;
    if (!s)
        return;
    biz_sensor_cancel(&s->sensor);
    biz_op_s3_obj_free(&s->o);
    free(s);
    t->op = NULL;
}

/* Frees the state, then ends the try (msg is copied first). */
static void finish(biz_try *t, biz_outcome out, int final, const char *msg)
{
    biz_op_s3_finish(t, s3sensor_free, out, final, msg);
}

/* The poke was not truthy: poke again later, or end at timeout. */
static void not_yet(biz_try *t, const char *why)
{
    s3sensor *s = t->op;
    if (biz_sensor_not_yet(&s->sensor, why) == 0)
        return;
    char what[600];
    snprintf(what, sizeof what, "s3://%s/%s never appeared", s->o.bucket, s->o.key);
    int soft = s->sensor.soft_fail, pokes = s->sensor.pokes;
    double timeout = s->sensor.policy.timeout;
    s3sensor_free(t);
    biz_sensor_timeout_end(t, soft, pokes, timeout, what);
}

static void on_head(const biz_http_result *r, void *user)
{
    biz_try *t = user;
    s3sensor *s = t->op;
    s->o.req = NULL;  /* freed by http.c after this callback */
    char msg[700];
    if (r->error || r->status >= 500) {
        if (r->error)
            snprintf(msg, sizeof msg, "HEAD s3://%s/%s failed: %s", s->o.bucket, s->o.key,
                     r->error);
        else
            biz_s3_status_message((int)r->status, s->o.bucket, s->o.key, r->body, msg, sizeof msg);
        if (++s->transient >= MAX_TRANSIENT) {
            char full[800];
            snprintf(full, sizeof full, "%s (%d times in a row)", msg, s->transient);
            finish(t, BIZ_OUT_FAILED, 0, full);
            return;
        }
        biz_try_log(t, BIZ_LOG_WARN, "poke %d: %s; trying again", s->sensor.pokes, msg);
        not_yet(t, "transient error");
        return;
    }
    s->transient = 0;
    if (r->status >= 200 && r->status < 300) {
        biz_try_log(t, BIZ_LOG_DEBUG, "poke %d: s3://%s/%s is there", s->sensor.pokes,
                    s->o.bucket, s->o.key);
        finish(t, BIZ_OUT_SUCCESS, 0, NULL);
        return;
    }
    if (r->status == 404) {
        not_yet(t, "not there yet (404)");
        return;
    }
    biz_s3_status_message((int)r->status, s->o.bucket, s->o.key, r->body, msg, sizeof msg);
    finish(t, BIZ_OUT_FAILED, 0, msg);
}

static void poke(biz_sensor *sensor)
{
    s3sensor *s = (s3sensor *)sensor;
    biz_try *t = sensor->t;
    char err[512];
    biz_try_log(t, BIZ_LOG_DEBUG, "poke %d: HEAD s3://%s/%s", sensor->pokes, s->o.bucket,
                s->o.key);
    s->o.req = biz_op_s3_send(t, &s->o.cfg, BIZ_S3_HEAD, s->o.bucket, s->o.key,
                              HEAD_TIMEOUT_MS, on_head, t, err, sizeof err);
    if (!s->o.req)
        finish(t, BIZ_OUT_FAILED, 0, err);
}

static void s3sensor_start(biz_try *t)
{
    s3sensor *s = biz_op_s3_start(t, sizeof *s, offsetof(s3sensor, o), s3sensor_free);
    if (!s)
        return;
    biz_sensor_init(&s->sensor, t, poke);
    biz_sensor_begin(&s->sensor);
}

static void s3sensor_cancel(biz_try *t)
{
    s3sensor_free(t);
}

const biz_op_vt biz_op_s3sensor_vt = { s3sensor_start, s3sensor_cancel };
