/* try.c: the life of one try (render, start, timeout, end) and the calls
 * operators make on it (op.h). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include "op.h"
#include "ops.h"
#include "args.h"
#include "sched_int.h"
#include "context.h"
#include "alert.h"
#include "webhook.h"

/* A UUID (version 4 format), unique per try, safe in an S3 key: 16 random
 * bytes drawn once per process, the try's sequence number added to the
 * last eight (one getrandom call per run, not per try). */
static void make_job_id(char *buf, size_t len)
{
    static unsigned char seed[16];
    static uint64_t seq;
    if (seq++ == 0 && getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
        unsigned long x = (unsigned long)biz_loop_now_ms() ^ ((unsigned long)getpid() << 20);
        for (size_t i = 0; i < sizeof seed; i++, x = x * 6364136223846793005UL + 1442695040888963407UL)
            seed[i] = (unsigned char)(x >> 33);
    }
    unsigned char r[16];
    memcpy(r, seed, sizeof r);
    uint64_t tail = 0;
    for (int i = 8; i < 16; i++)
        tail = tail << 8 | r[i];
    tail += seq;
    for (int i = 15; i >= 8; i--, tail >>= 8)
        r[i] = (unsigned char)tail;
    r[6] = (r[6] & 0x0f) | 0x40;
    r[8] = (r[8] & 0x3f) | 0x80;
    /* A UUID's text, by hand: printf costs more than the rest of a try's
     * start. */
    static const char hex[] = "0123456789abcdef";
    if (len < 37)
        return;
    char *o = buf;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[r[i] >> 4];
        *o++ = hex[r[i] & 15];
    }
    *o = 0;
}

static long exec_timeout_cb(biz_loop *loop, void *user)
{
    (void)loop;
    biz_try *t = user;
    t->timeout_timer = 0;
    const biz_op_vt *vt = biz_op_vt_for(t->ti->def->op);
    if (vt->cancel)
        vt->cancel(t);
    t->op = NULL;
    biz_try_done(t, BIZ_OUT_FAILED, 0, "execution_timeout of %gs exceeded", t->ti->exec_timeout);
    return BIZ_LOOP_NOMORE;
}

/* Renders ti's arguments and starts a new try. */
void biz_try_begin(biz_run *run, biz_ti *ti)
{
    biz_try *t = calloc(1, sizeof *t);
    if (!t) {
        biz_log_event(BIZ_LOG_ERROR, "failed", ti->def->task_id, 0, "out of memory");
        biz_ti_set_state(ti, BIZ_TI_FAILED);
        return;
    }
    biz_ti_set_state(ti, BIZ_TI_QUEUED);
    run->in_flight++;
    t->run = run;
    t->ti = ti;
    t->task_id = ti->def->task_id;
    t->number = ++ti->tries;
    t->start_mono = biz_loop_now_ms();
    make_job_id(t->job_id, sizeof t->job_id);
    ti->cur = t;
    if (!ti->first_start)
        ti->first_start = biz_run_wall_now();
    /* A new try forgets the last one's XComs and branch choice. */
    cJSON_Delete(ti->xcom);
    ti->xcom = cJSON_CreateObject();
    cJSON_Delete(ti->branch);
    ti->branch = NULL;

    const char *opname = ti->def->op >= 0 && ti->def->op < BIZ_OP__COUNT
                         ? biz_ops[ti->def->op].name : "?";
    char *err = NULL;
    t->args = biz_ctx_render_args(run, ti, t->number, &err);
    biz_ti_set_state(ti, BIZ_TI_RUNNING);
    biz_run_changed(run);
    biz_log_event(BIZ_LOG_INFO, "start", t->task_id, t->number, "start (try %d of %d): %s",
                  t->number, ti->try_base + ti->retries + 1, opname);
    if (!t->args) {
        biz_try_done(t, BIZ_OUT_FAILED, 0, "%s", err ? err : "template error");
        free(err);
        return;
    }
    const cJSON *label = ti->parent ? biz_try_arg(t, BIZ_ARG_map_index_template) : NULL;
    if (label) {
        /* Airflow's rendered map index (text, as Jinja renders it): the
         * instance's label in records and summaries. */
        free(ti->map_label);
        ti->map_label = cJSON_IsString(label) ? strdup(label->valuestring) : cJSON_PrintUnformatted(label);
        biz_ti_touch(ti);
    }
    if (ti->exec_timeout >= 0)
        t->timeout_timer = biz_loop_timer_add(run->loop, (long)(ti->exec_timeout * 1000),
                                              exec_timeout_cb, t);
    biz_op_vt_for(ti->def->op)->start(t);
}

/* Frees the try and detaches it from its task; returns its duration. */
static double release(biz_try *t)
{
    biz_run *run = t->run;
    biz_loop_timer_cancel(run->loop, t->timeout_timer);
    t->ti->cur = NULL;
    run->in_flight--;
    double secs = (biz_loop_now_ms() - t->start_mono) / 1000.0;
    cJSON_Delete(t->args);
    free(t);
    return secs;
}

/* Cancels a running try through its operator and frees it. */
void biz_try_abort(biz_try *t)
{
    const biz_op_vt *vt = biz_op_vt_for(t->ti->def->op);
    if (vt->cancel)
        vt->cancel(t);
    release(t);
}

/* Ends the try. */
void biz_try_done(biz_try *t, biz_outcome out, int final, const char *fmt, ...)
{
    char *msg = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
            msg = NULL;
        va_end(ap);
    }
    biz_run *run = t->run;
    biz_ti *ti = t->ti;
    int number = t->number;
    cJSON *email = out == BIZ_OUT_FAILED ? biz_alert_email_of(t) : NULL;
    double secs = release(t);
    biz_sched_try_ended(run, ti, number, out, final, msg, secs);
    /* Failure / retry mail, once the scheduler has decided which (alert.h). */
    if (out == BIZ_OUT_FAILED) {
        biz_alert_try_ended(run, ti, number, email, msg);
        biz_webhook_try_ended(run, ti, number, msg);
    }
    free(msg);
}

/* Where the try's argument id is: its rendered arguments when rendering
 * changed it, else its task's own (op.h). */
static const cJSON *holder(const biz_try *t, biz_arg_id id)
{
    return biz_args_given(t->args, id) ? t->args : t->ti->args;
}

/* Arguments (rendered), by id (op.h). */
const cJSON *biz_try_arg(const biz_try *t, biz_arg_id id)
{
    return biz_args_get(holder(t, id), t->ti->def->op, id);
}

/* A string argument of the try, or its default, or NULL. */
const char *biz_try_arg_str(const biz_try *t, biz_arg_id id)
{
    return biz_args_str(holder(t, id), t->ti->def->op, id);
}

/* A boolean argument of the try, or its default. */
int biz_try_arg_bool(const biz_try *t, biz_arg_id id)
{
    return biz_args_bool(holder(t, id), t->ti->def->op, id);
}

/* A number argument of the try, or its default (-1: none). */
double biz_try_arg_num(const biz_try *t, biz_arg_id id)
{
    return biz_args_num(holder(t, id), t->ti->def->op, id);
}

/* A copy of an argument of the try (op.h). */
cJSON *biz_try_arg_take(biz_try *t, biz_arg_id id)
{
    const cJSON *v = biz_try_arg(t, id);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (v == biz_args_given(t->args, id))   /* rendered: moved, not copied */
        return cJSON_DetachItemViaPointer(t->args, (cJSON *)v);
    return cJSON_Duplicate(v, 1);
}

/* Pushes an XCom of this task (value consumed). */
void biz_try_xcom_push(biz_try *t, const char *key, cJSON *value)
{
    biz_run_xcom_push(t->run, t->ti->index, key, value);
}

/* Another task's XCom (borrowed), or NULL. */
const cJSON *biz_try_xcom_get(const biz_try *t, const char *task_id, const char *key)
{
    return biz_run_xcom_get(t->run, biz_run_find(t->run, task_id), key);
}

/* Records a branch task's choice (ids copied). */
void biz_try_branch(biz_try *t, const cJSON *ids)
{
    cJSON *a = cJSON_CreateArray();
    if (cJSON_IsString(ids)) {
        cJSON_AddItemToArray(a, cJSON_CreateString(ids->valuestring));
    } else if (cJSON_IsArray(ids)) {
        const cJSON *id;
        cJSON_ArrayForEach(id, ids)
            if (cJSON_IsString(id))
                cJSON_AddItemToArray(a, cJSON_CreateString(id->valuestring));
    }
    cJSON_Delete(t->ti->branch);
    t->ti->branch = a;
}

/* Logs a line about this try (redacted). */
void biz_try_log(const biz_try *t, biz_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    biz_log_vevent(level, "log", t->task_id, t->number, fmt, ap);
    va_end(ap);
}

/* getenv through the run (tests may replace it), each name read once a
 * run. */
const char *biz_try_getenv(const biz_try *t, const char *name)
{
    biz_run *run = t->run;
    for (int i = 0; i < run->n_env_seen; i++)
        if (strcmp(run->env_seen[i].name, name) == 0)
            return run->env_seen[i].value;
    const char *v = run->getenv_fn ? run->getenv_fn(NULL, name) : getenv(name);
    size_t n = strlen(name);
    if (run->n_env_seen < (int)(sizeof run->env_seen / sizeof run->env_seen[0]) &&
        n < sizeof run->env_seen[0].name) {
        memcpy(run->env_seen[run->n_env_seen].name, name, n + 1);
        run->env_seen[run->n_env_seen++].value = v;
    }
    return v;
}
