/* alert.c: failure and retry mails of tasks (alert.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "alert.h"
#include "args.h"
#include "buf.h"
#include "log.h"
#include "smtp.h"
#include "state.h"

/* ---------------------------------------------------------------- text */

/* Appends s HTML-escaped; line breaks become <br>. */
static void add_esc(biz_buf *out, const char *s)
{
    for (; s && *s; s++) {
        const char *r = NULL;
        switch (*s) {
        case '&': r = "&amp;"; break;
        case '<': r = "&lt;"; break;
        case '>': r = "&gt;"; break;
        case '"': r = "&quot;"; break;
        case '\'': r = "&#x27;"; break;
        case '\n': r = "<br>\n"; break;
        default: break;
        }
        if (r)
            biz_buf_adds(out, r);
        else
            biz_buf_addc(out, *s);
    }
}

/* The mail's subject. */
char *biz_alert_subject(const biz_alert_info *a)
{
    char *s = NULL;
    if (asprintf(&s, "Airflow alert: <TaskInstance: %s.%s %s [%s]>", a->dag_id, a->task_id,
                 a->run_id, a->state) < 0)
        return NULL;
    return s;
}

/* The mail's HTML body. */
char *biz_alert_html(const biz_alert_info *a)
{
    biz_buf o = { 0 };   /* NULL from biz_buf_take when out of memory */
    char num[64];
    biz_buf_adds(&o, "<html><body>\n");
#define LINE(label, value) do { \
        biz_buf_adds(&o, label); \
        add_esc(&o, value); \
        biz_buf_adds(&o, "<br>\n"); \
    } while (0)
    LINE("DAG: ", a->dag_id);
    LINE("Run: ", a->run_id);
    LINE("Task: ", a->task_id);
    LINE("State: ", a->state);
    snprintf(num, sizeof num, "Try %d out of %d", a->try_number, a->max_tries);
    LINE("", num);
    LINE("Exception:<br>\n", a->error ? a->error : "(no message)");
    char *log = NULL;
    /* One log per run: the try's lines are those tagged with it. */
    if (a->log_path && asprintf(&log, "%s (the lines tagged [%s #%d])", a->log_path, a->task_id,
                                a->try_number) < 0)
        log = NULL;
    LINE("Log: ", log ? log : a->log_path ? a->log_path : "(no state directory)");
    free(log);
    LINE("Host: ", a->host);
#undef LINE
    biz_buf_adds(&o, "</body></html>\n");
    return biz_buf_take(&o);
}

/* ---------------------------------------------------------------- sending */

/* The unrendered value holds a template: it cannot be used as it is. */
static int has_template(const cJSON *v)
{
    if (cJSON_IsString(v))
        return strstr(v->valuestring, "{{") || strstr(v->valuestring, "{%");
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
        if (has_template(e))
            return 1;
    return 0;
}

/* The try's `email`, rendered when it could be. */
cJSON *biz_alert_email_of(biz_try *t)
{
    cJSON *v = NULL;
    if (t->args)
        v = biz_try_arg_take(t, BIZ_ARG_email);
    else {
        const cJSON *raw = biz_args_get(t->ti->args, t->ti->def->op, BIZ_ARG_email);
        if (raw && !has_template(raw))
            v = cJSON_Duplicate(raw, 1);
    }
    if (v && !cJSON_IsString(v) && !cJSON_IsArray(v)) {
        cJSON_Delete(v);
        v = NULL;
    }
    return v;
}

typedef struct pending {
    char *task;
    int try_number;
    const char *kind;   /* "failure" or "retry" */
    char *rcpts;        /* for the log line */
} pending;

static void pending_free(pending *p)
{
    free(p->task);
    free(p->rcpts);
    free(p);
}

static void on_sent(void *user, const char *error)
{
    pending *p = user;
    if (error)
        biz_log_event(BIZ_LOG_WARN, "mail_failed", p->task, p->try_number,
                      "could not send the %s mail for task %s: %s", p->kind, p->task, error);
    else
        biz_log_event(BIZ_LOG_INFO, "mail_sent", p->task, p->try_number,
                      "sent the %s mail for task %s to %s", p->kind, p->task, p->rcpts);
    pending_free(p);
}

static char *join(const biz_smtp_addrs *a)
{
    biz_buf o = { 0 };
    for (int i = 0; i < a->n; i++) {
        if (i)
            biz_buf_adds(&o, ", ");
        biz_buf_adds(&o, a->v[i]);
    }
    char *s = biz_buf_take(&o);
    return s ? s : strdup("");
}

/* Starts the failure / retry mail of a try that ended, when one is due. */
void biz_alert_try_ended(biz_run *run, biz_ti *ti, int try_number, cJSON *email,
                         const char *msg)
{
    const char *state, *kind;
    if (ti->state == BIZ_TI_UP_FOR_RETRY && ti->tries == try_number) {
        state = "up_for_retry";
        kind = "retry";
        if (!biz_args_bool(ti->args, ti->def->op, BIZ_ARG_email_on_retry))
            goto out;
    } else if (ti->state == BIZ_TI_FAILED && ti->tries == try_number) {
        state = "failed";
        kind = "failure";
        if (!biz_args_bool(ti->args, ti->def->op, BIZ_ARG_email_on_failure))
            goto out;
    } else {
        goto out;
    }
    biz_mail m = { 0 };
    if (biz_smtp_addrs_add_json(&m.to, email) < 0 || m.to.n == 0 || !run->loop) {
        biz_mail_free(&m);
        goto out;
    }
    const char *task = ti->def->task_id;
    char err[512] = "";
    biz_smtp_cfg cfg;
    if (biz_smtp_cfg_load(&cfg, NULL, run->getenv_fn, NULL, err, sizeof err) < 0) {
        biz_log_event(BIZ_LOG_WARN, "mail_failed", task, try_number,
                      "could not send the %s mail for task %s: %s", kind, task, err);
        biz_mail_free(&m);
        goto out;
    }
    char host[256] = "localhost";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = 0;
    char *error = msg ? biz_log_redact(msg) : NULL;
    char *log = run->store && run->on_change
                ? biz_store_log_path(run->store, run->run_id) : NULL;
    biz_alert_info a = {
        run->dag->dag_id, run->run_id, task, state, try_number,
        ti->try_base + ti->retries + 1, error, log, host,
    };
    m.subject = biz_alert_subject(&a);
    m.html = biz_alert_html(&a);
    pending *p = calloc(1, sizeof *p);
    if (p) {
        p->task = strdup(task);
        p->try_number = try_number;
        p->kind = kind;
        p->rcpts = join(&m.to);
    }
    if (!p || !p->task || !p->rcpts || !m.subject || !m.html) {
        snprintf(err, sizeof err, "out of memory");
        if (p)
            pending_free(p);
        p = NULL;
    } else if (!biz_smtp_send_mail(run->loop, &cfg, &m, on_sent, p, err, sizeof err)) {
        pending_free(p);
        p = NULL;
    }
    if (!p)
        biz_log_event(BIZ_LOG_WARN, "mail_failed", task, try_number,
                      "could not send the %s mail for task %s: %s", kind, task, err);
    free(error);
    free(log);
    biz_mail_free(&m);
    biz_smtp_cfg_free(&cfg);
out:
    cJSON_Delete(email);
}
