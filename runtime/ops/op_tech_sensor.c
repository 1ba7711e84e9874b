/* op_tech_sensor.c: TechMicroServiceSensor, as CoWorks' poke does it:
 * every poke makes the same call as TechMicroServiceOperator (op_tech.h),
 * directory lookup included, and succeeds on an answer below 400 (requests'
 * `ok`). An answer of 400 or more is "not yet". Anything that raises in
 * CoWorks' poke -- a directory that fails or does not know the service, a
 * transport error -- fails the try, which `retries` may retry; the timeout
 * is final (sensor.h). The sensor pushes no XCom. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "op.h"
#include "op_tech.h"
#include "sensor.h"

typedef struct techsensor {
    biz_sensor sensor;       /* first: the poke callback gets it */
    biz_tech_call *call;     /* the call in flight, or NULL */
    char *name;              /* for the timeout message */
} techsensor;

static void techsensor_free(biz_try *t)
{
    techsensor *s = t->op;
    if (!s)
        return;
    biz_sensor_cancel(&s->sensor);
    biz_tech_call_cancel(s->call);
    free(s->name);
    free(s);
    t->op = NULL;
}

static void on_answer(biz_try *t, const biz_tech_call *c, const biz_http_result *r,
                      const char *error, void *user)
{
    techsensor *s = user;
    s->call = NULL;  /* c is freed after this callback */
    if (!s->name)
        s->name = strdup(biz_tech_call_name(c));
    if (!r || r->error) {
        char why[700];
        if (!r)
            snprintf(why, sizeof why, "%s", error);
        else
            snprintf(why, sizeof why, "call to %s failed: %s", r->url, r->error);
        int pokes = s->sensor.pokes;
        techsensor_free(t);
        biz_try_done(t, BIZ_OUT_FAILED, 0, "poke %d: %s", pokes, why);
        return;
    }
    if (r->status < 400) {
        biz_try_log(t, BIZ_LOG_DEBUG, "poke %d: '%s' answered %ld", s->sensor.pokes,
                    biz_tech_call_name(c), r->status);
        techsensor_free(t);
        biz_try_done(t, BIZ_OUT_SUCCESS, 0, NULL);
        return;
    }
    char why[600];
    snprintf(why, sizeof why, "'%s' answered %ld", biz_tech_call_name(c), r->status);
    if (biz_sensor_not_yet(&s->sensor, why) == 0)
        return;
    char what[700];
    snprintf(what, sizeof what, "TechMicroService '%s' never answered 2xx/3xx (last: %s)",
             s->name ? s->name : "?", why);
    int soft = s->sensor.soft_fail, pokes = s->sensor.pokes;
    double timeout = s->sensor.policy.timeout;
    techsensor_free(t);
    biz_sensor_timeout_end(t, soft, pokes, timeout, what);
}

static void poke(biz_sensor *sensor)
{
    techsensor *s = (techsensor *)sensor;
    biz_try *t = sensor->t;
    char err[512];
    int final = 0;
    biz_try_log(t, BIZ_LOG_DEBUG, "poke %d", sensor->pokes);
    s->call = biz_tech_call_start(t, on_answer, s, err, sizeof err, &final);
    if (!s->call) {
        techsensor_free(t);
        biz_try_done(t, BIZ_OUT_FAILED, final, "%s", err);
    }
}

/* The end of the lookup made before the first poke: poke, or fail. */
static void on_resolved(biz_try *t, const biz_tech_call *c, const biz_http_result *r,
                        const char *error, void *user)
{
    techsensor *s = user;
    (void)c;
    s->call = NULL;  /* c is freed after this callback */
    if (!r) {
        techsensor_free(t);
        biz_try_done(t, BIZ_OUT_FAILED, 0, "%s", error);
        return;
    }
    biz_sensor_begin(&s->sensor);
}

static void techsensor_start(biz_try *t)
{
    techsensor *s = calloc(1, sizeof *s);
    if (!s) {
        biz_try_done(t, BIZ_OUT_FAILED, 0, "out of memory");
        return;
    }
    t->op = s;
    biz_sensor_init(&s->sensor, t, poke);
    /* Airflow runs the operator's pre_execute before the first poke, and
     * CoWorks' asks the directory there too (then again at every poke). */
    char err[512];
    int final;
    s->call = biz_tech_resolve_start(t, on_resolved, s, err, sizeof err, &final);
    if (s->call)
        return;
    if (err[0]) {
        techsensor_free(t);
        biz_try_done(t, BIZ_OUT_FAILED, final, "%s", err);
        return;
    }
    biz_sensor_begin(&s->sensor);
}

static void techsensor_cancel(biz_try *t)
{
    techsensor_free(t);
}

const biz_op_vt biz_op_techsensor_vt = { techsensor_start, techsensor_cancel };
