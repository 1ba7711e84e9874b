/* webhook.c: failure, retry and success notifications posted to a webhook
 * (webhook.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "webhook.h"
#include "conn.h"
#include "http.h"
#include "log.h"
#include "state.h"

/* ---------------------------------------------------------------- configuration */

typedef struct wh_cfg {
    int loaded;
    int on;                /* configured */
    char *error;           /* a configuration that cannot be used: why */
    char *url;             /* a secret (a Slack URL holds its token) */
    char *origin;          /* scheme://host[:port], what log lines name */
    biz_wh_format format;
    int events;
    int tries;
    double delay;          /* seconds before the second try, doubling */
    long timeout_ms;
    cJSON *headers;        /* object name -> value (secrets) */
} wh_cfg;

/* One configuration per process: the environment does not change. */
static wh_cfg cfg;

static const char *env(const biz_run *run, const char *name)
{
    const char *v = run->getenv_fn ? run->getenv_fn(NULL, name) : getenv(name);
    return v && *v ? v : NULL;
}

static void cfg_fail(const char *fmt, const char *a)
{
    free(cfg.error);
    if (asprintf(&cfg.error, fmt, a) < 0)
        cfg.error = NULL;
}

/* scheme://host[:port] of url: the part a log line may show. */
static char *origin_of(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return strdup("?");
    p += 3;
    const char *at = NULL, *end = p + strcspn(p, "/?#");
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            at = q;
    if (at)
        p = at + 1;   /* never a user:password@ */
    char *o = NULL;
    if (asprintf(&o, "%.*s%.*s", (int)(strstr(url, "://") + 3 - url), url, (int)(end - p), p) < 0)
        return NULL;
    return o;
}

/* A number of the environment in [lo, hi], else dflt (a bad value is a
 * configuration error). */
static double env_num(const biz_run *run, const char *name, double lo, double hi, double dflt)
{
    const char *v = env(run, name);
    if (!v)
        return dflt;
    char *end;
    double d = strtod(v, &end);
    if (*end || !(d >= lo && d <= hi)) {
        cfg_fail("%s is not a number in range", name);
        return dflt;
    }
    return d;
}

/* The webhook URL of a connection, as Airflow's SlackWebhookHook builds
 * it: a password that is a URL is the URL; else the host (with its
 * scheme, else https, or http for a connection of type http; Slack's
 * https://hooks.slack.com/services when empty), the port, the schema and
 * the password (the webhook's token) as path segments. */
static char *conn_url(const biz_conn *c)
{
    const char *pw = c->password;
    if (pw && (strncmp(pw, "https://", 8) == 0 || strncmp(pw, "http://", 7) == 0))
        return strdup(pw);
    char *base = NULL;
    const char *host = c->host && *c->host ? c->host : "hooks.slack.com/services";
    const char *scheme = c->conn_type && strcmp(c->conn_type, "http") == 0 ? "http" : "https";
    char port[16] = "";
    if (c->port > 0)
        snprintf(port, sizeof port, ":%d", c->port);
    int has_scheme = strstr(host, "://") != NULL;
    if (asprintf(&base, "%s%s%s%s%s%s", has_scheme ? "" : scheme, has_scheme ? "" : "://", host,
                 port, c->schema && *c->schema ? "/" : "", c->schema ? c->schema : "") < 0)
        return NULL;
    while (*base && base[strlen(base) - 1] == '/')
        base[strlen(base) - 1] = 0;
    if (!pw || !*pw)
        return base;
    char *url = NULL;
    while (*pw == '/')
        pw++;
    if (asprintf(&url, "%s/%s", base, pw) < 0)
        url = NULL;
    free(base);
    return url;
}

/* Reads the configuration (once). */
static void cfg_load(const biz_run *run)
{
    if (cfg.loaded)
        return;
    cfg.loaded = 1;
    cfg.format = BIZ_WH_SLACK;
    cfg.events = BIZ_WH_FAILURE | BIZ_WH_RETRY | BIZ_WH_SUCCESS;
    cfg.headers = cJSON_CreateObject();
    const char *url = env(run, "BIZ_WEBHOOK_URL");
    const char *format = NULL;
    if (url) {
        cfg.url = strdup(url);
    } else {
        const char *id = env(run, "BIZ_WEBHOOK_CONN_ID");
        biz_conn c;
        char err[300];
        int found = biz_conn_lookup(id ? id : "biz_webhook", run->getenv_fn, NULL, &c, err, sizeof err);
        if (found == 1)
            return;   /* no webhook: nothing to do */
        if (found < 0) {
            cfg.on = 1;
            cfg_fail("%s", err);
            return;
        }
        if (c.password)
            biz_log_secret(c.password);
        cfg.url = conn_url(&c);
        const char *f = biz_conn_extra_str(&c, "format");
        format = f ? f : NULL;
        const cJSON *x;
        /* The other extras are request headers (an Authorization...), as
         * the directory connection's are. */
        cJSON_ArrayForEach(x, c.extra) {
            if (!x->string || strcmp(x->string, "format") == 0 || !cJSON_IsString(x))
                continue;
            biz_log_secret(x->valuestring);
            cJSON_AddStringToObject(cfg.headers, x->string, x->valuestring);
        }
        if (format)
            format = strdup(format);
        biz_conn_free(&c);
    }
    cfg.on = 1;
    if (!cfg.url) {
        cfg_fail("%s", "out of memory");
        free((char *)format);
        return;
    }
    biz_log_secret(cfg.url);
    cfg.origin = origin_of(cfg.url);
    if (strncmp(cfg.url, "http://", 7) != 0 && strncmp(cfg.url, "https://", 8) != 0)
        cfg_fail("%s", "the webhook URL is not http:// or https://");
    const char *ef = env(run, "BIZ_WEBHOOK_FORMAT");
    const char *fmt = ef ? ef : format;
    if (fmt && strcmp(fmt, "slack") == 0)
        cfg.format = BIZ_WH_SLACK;
    else if (fmt && strcmp(fmt, "json") == 0)
        cfg.format = BIZ_WH_JSON;
    else if (fmt)
        cfg_fail("the webhook format '%s' is not slack or json", fmt);
    free((char *)format);
    const char *ev = env(run, "BIZ_WEBHOOK_EVENTS");
    if (ev) {
        cfg.events = 0;
        char *copy = strdup(ev), *save = NULL;
        for (char *t = copy ? strtok_r(copy, ", ", &save) : NULL; t; t = strtok_r(NULL, ", ", &save)) {
            if (strcmp(t, "failure") == 0)
                cfg.events |= BIZ_WH_FAILURE;
            else if (strcmp(t, "retry") == 0)
                cfg.events |= BIZ_WH_RETRY;
            else if (strcmp(t, "success") == 0)
                cfg.events |= BIZ_WH_SUCCESS;
            else if (strcmp(t, "none") != 0)
                cfg_fail("BIZ_WEBHOOK_EVENTS: '%s' is not failure, retry, success or none", t);
        }
        free(copy);
    }
    cfg.tries = (int)env_num(run, "BIZ_WEBHOOK_TRIES", 1, 10, 3);
    cfg.delay = env_num(run, "BIZ_WEBHOOK_RETRY_DELAY", 0, 600, 2);
    cfg.timeout_ms = (long)(env_num(run, "BIZ_WEBHOOK_TIMEOUT", 0.001, 600, 10) * 1000);
}

/* ---------------------------------------------------------------- bodies */

static const char *event_name(int e)
{
    return e == BIZ_WH_FAILURE ? "failure" : e == BIZ_WH_RETRY ? "retry" : "success";
}

/* Adds s redacted (null when NULL). */
static void add_str(cJSON *o, const char *name, const char *s)
{
    char *r = s ? biz_log_redact(s) : NULL;
    if (r)
        cJSON_AddStringToObject(o, name, r);
    else
        cJSON_AddNullToObject(o, name);
    free(r);
}

/* The one-line summary (Slack mrkdwn: *bold*, `code`). */
static char *summary(const biz_wh_info *a)
{
    char *s = NULL;
    int n;
    if (a->event == BIZ_WH_SUCCESS) {
        char dur[32] = "";
        if (a->duration >= 0)
            snprintf(dur, sizeof dur, " in %.1fs", a->duration);
        n = asprintf(&s, ":large_green_circle: DAG *%s*: run `%s` succeeded (%d task%s%s). Host: %s",
                     a->dag_id, a->run_id, a->tasks, a->tasks == 1 ? "" : "s", dur, a->host);
    } else {
        char *log = NULL;
        if (a->log_path && asprintf(&log, "\nLog: %s (the lines tagged [%s #%d]) on %s", a->log_path,
                                    a->task_id, a->try_number, a->host) < 0)
            log = NULL;
        n = asprintf(&s, "%s DAG *%s*: task `%s` %s in run `%s` (try %d of %d): %s%s",
                     a->event == BIZ_WH_FAILURE ? ":red_circle:" : ":large_orange_circle:",
                     a->dag_id, a->task_id,
                     a->event == BIZ_WH_FAILURE ? "failed" : "failed, will retry", a->run_id,
                     a->try_number, a->max_tries, a->error ? a->error : "(no message)",
                     log ? log : "");
        free(log);
    }
    return n < 0 ? NULL : s;
}

/* The body of a notification. */
char *biz_webhook_body(const biz_wh_info *a, biz_wh_format f)
{
    char *text = summary(a);
    cJSON *o = cJSON_CreateObject();
    if (!text || !o) {
        free(text);
        cJSON_Delete(o);
        return NULL;
    }
    add_str(o, "text", text);
    free(text);
    if (f == BIZ_WH_JSON) {
        add_str(o, "event", event_name(a->event));
        add_str(o, "dag_id", a->dag_id);
        add_str(o, "run_id", a->run_id);
        add_str(o, "logical_date", a->logical_date);
        add_str(o, "task_id", a->task_id);
        add_str(o, "state", a->event == BIZ_WH_FAILURE ? "failed"
                            : a->event == BIZ_WH_RETRY ? "up_for_retry" : "success");
        if (a->task_id) {
            cJSON_AddNumberToObject(o, "try_number", a->try_number);
            cJSON_AddNumberToObject(o, "max_tries", a->max_tries);
        } else {
            cJSON_AddNumberToObject(o, "tasks", a->tasks);
            if (a->duration >= 0)
                cJSON_AddNumberToObject(o, "duration", (double)(long)(a->duration * 1000) / 1000);
        }
        add_str(o, "error", a->error);
        add_str(o, "log", a->log_path);
        add_str(o, "host", a->host);
        add_str(o, "source_sha256", a->source_sha256);
        add_str(o, "bizc_version", a->bizc_version);
    }
    char *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return body;
}

/* ---------------------------------------------------------------- sending */

typedef struct wh_post {
    biz_loop *loop;
    char *body;
    char *what;            /* "the failure notification for task x" */
    char *task;            /* for the log line, or NULL */
    int try_number;
    int attempt;           /* tries made */
} wh_post;

static void post_free(wh_post *p)
{
    free(p->body);
    free(p->what);
    free(p->task);
    free(p);
}

static int post_send(wh_post *p);

static long retry_cb(biz_loop *loop, void *user)
{
    (void)loop;
    wh_post *p = user;
    if (post_send(p) < 0)
        post_free(p);
    return BIZ_LOOP_NOMORE;
}

static void on_result(const biz_http_result *r, void *user)
{
    wh_post *p = user;
    char why[300];
    if (!r->error && r->status >= 200 && r->status < 300) {
        biz_log_event(BIZ_LOG_INFO, "webhook_sent", p->task, p->try_number,
                      "posted %s to the webhook at %s (HTTP %ld)", p->what,
                      cfg.origin ? cfg.origin : "?", r->status);
        post_free(p);
        return;
    }
    if (r->error)
        snprintf(why, sizeof why, "%s", r->error);
    else
        snprintf(why, sizeof why, "HTTP %ld", r->status);
    /* A 4xx other than 429 says the request is wrong: sending it again
     * would not help. */
    int again = r->error || r->status >= 500 || r->status == 429;
    if (again && p->attempt < cfg.tries) {
        long ms = (long)(cfg.delay * 1000 * (double)(1L << (p->attempt - 1)));
        biz_log_event(BIZ_LOG_WARN, "webhook_retry", p->task, p->try_number,
                      "could not post %s to the webhook at %s (try %d of %d): %s; again in %gs",
                      p->what, cfg.origin ? cfg.origin : "?", p->attempt, cfg.tries, why, ms / 1000.0);
        if (biz_loop_timer_add(p->loop, ms, retry_cb, p))
            return;
    }
    biz_log_event(BIZ_LOG_WARN, "webhook_failed", p->task, p->try_number,
                  "could not post %s to the webhook at %s after %d tr%s: %s (the run's outcome"
                  " is not changed)", p->what, cfg.origin ? cfg.origin : "?", p->attempt,
                  p->attempt == 1 ? "y" : "ies", why);
    post_free(p);
}

/* One try of the POST; -1 when it could not even start (logged). */
static int post_send(wh_post *p)
{
    p->attempt++;
    biz_http *h = biz_http_new("POST", cfg.url);
    if (!h) {
        biz_log_event(BIZ_LOG_WARN, "webhook_failed", p->task, p->try_number,
                      "could not post %s: out of memory", p->what);
        return -1;
    }
    biz_http_header(h, "Content-Type", "application/json");
    const cJSON *x;
    cJSON_ArrayForEach(x, cfg.headers)
        biz_http_header(h, x->string, x->valuestring);
    biz_http_body(h, p->body, strlen(p->body));
    biz_http_timeouts(h, cfg.timeout_ms, cfg.timeout_ms);
    if (biz_http_send(h, p->loop, on_result, p) < 0) {
        biz_log_event(BIZ_LOG_WARN, "webhook_failed", p->task, p->try_number,
                      "could not post %s to the webhook at %s: the request could not start",
                      p->what, cfg.origin ? cfg.origin : "?");
        return -1;
    }
    return 0;
}

/* Starts posting a (redacted) notification; 1 when started. */
static int post(biz_run *run, const biz_wh_info *a)
{
    char what[400];
    if (a->task_id)
        snprintf(what, sizeof what, "the %s notification for task %s", event_name(a->event), a->task_id);
    else
        snprintf(what, sizeof what, "the success notification of run %s", a->run_id);
    if (cfg.error) {
        biz_log_event(BIZ_LOG_WARN, "webhook_failed", a->task_id, a->try_number,
                      "could not post %s: %s", what, cfg.error);
        return 0;
    }
    wh_post *p = calloc(1, sizeof *p);
    if (p) {
        p->loop = run->loop;
        p->body = biz_webhook_body(a, cfg.format);
        p->what = strdup(what);
        p->task = a->task_id ? strdup(a->task_id) : NULL;
        p->try_number = a->try_number;
    }
    if (!p || !p->body || !p->what || (a->task_id && !p->task)) {
        biz_log_event(BIZ_LOG_WARN, "webhook_failed", a->task_id, a->try_number,
                      "could not post %s: out of memory", what);
        if (p)
            post_free(p);
        return 0;
    }
    if (post_send(p) < 0) {
        post_free(p);
        return 0;
    }
    return 1;
}

/* What every notification of run says. */
static void info_of(const biz_run *run, biz_wh_info *a, char *ld, size_t ldlen, char *host,
                    size_t hostlen)
{
    memset(a, 0, sizeof *a);
    biz_state_iso_us((double)run->logical_date + run->logical_us / 1e6, ld, ldlen);
    if (gethostname(host, hostlen - 1) != 0 || !host[0])
        snprintf(host, hostlen, "localhost");
    host[hostlen - 1] = 0;
    a->dag_id = run->dag->dag_id;
    a->run_id = run->run_id;
    a->logical_date = ld;
    a->host = host;
    a->source_sha256 = run->dag->source_sha256;
    a->bizc_version = run->dag->bizc_version;
    a->duration = -1;
}

/* A try failed: the failure or retry notification. */
void biz_webhook_try_ended(biz_run *run, biz_ti *ti, int try_number, const char *msg)
{
    int event;
    if (ti->state == BIZ_TI_UP_FOR_RETRY && ti->tries == try_number)
        event = BIZ_WH_RETRY;
    else if (ti->state == BIZ_TI_FAILED && ti->tries == try_number)
        event = BIZ_WH_FAILURE;
    else
        return;
    if (!run->loop || run->dry_run)
        return;
    cfg_load(run);
    if (!cfg.on || !(cfg.events & event))
        return;
    biz_wh_info a;
    char ld[48], host[256];
    info_of(run, &a, ld, sizeof ld, host, sizeof host);
    a.event = event;
    a.task_id = ti->def->task_id;
    a.try_number = try_number;
    a.max_tries = ti->try_base + ti->retries + 1;
    a.error = msg;
    char *log = run->store && run->on_change ? biz_store_log_path(run->store, run->run_id) : NULL;
    a.log_path = log;
    post(run, &a);
    free(log);
}

/* The run ended: the success notification. */
int biz_webhook_run_ended(biz_run *run)
{
    if (!run->loop || run->dry_run || run->only_task >= 0 || run->state != BIZ_RUN_SUCCESS)
        return 0;
    cfg_load(run);
    if (!cfg.on || !(cfg.events & BIZ_WH_SUCCESS))
        return 0;
    biz_wh_info a;
    char ld[48], host[256];
    info_of(run, &a, ld, sizeof ld, host, sizeof host);
    a.event = BIZ_WH_SUCCESS;
    a.tasks = run->n;
    if (run->start_wall > 0 && run->end_wall >= run->start_wall)
        a.duration = run->end_wall - run->start_wall;
    char *log = run->store && run->on_change ? biz_store_log_path(run->store, run->run_id) : NULL;
    a.log_path = log;
    int started = post(run, &a);
    free(log);
    return started;
}
