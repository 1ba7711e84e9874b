/* webhook.h: chat and webhook notifications of a run, besides the mails
 * of alert.h: a task's failure and retry, the run's success, POSTed as
 * JSON to one URL, Slack's incoming-webhook body ({"text": ...}) or a
 * generic one (README.md, "Chat and webhook alerts").
 *
 * Configured from the environment: BIZ_WEBHOOK_URL, else the connection
 * BIZ_WEBHOOK_CONN_ID (default biz_webhook, AIRFLOW_CONN_BIZ_WEBHOOK) read
 * as Airflow's SlackWebhookHook reads its connection (the password is the
 * webhook's token, or its whole URL); BIZ_WEBHOOK_FORMAT, _EVENTS, _TRIES,
 * _RETRY_DELAY, _TIMEOUT. A notification is sent on the run's loop (the
 * run goes on at once), retried on a transport error, a 5xx or a 429, and
 * never changes a task's or the run's outcome: what could not be sent is a
 * warning in the log, saying why. The URL, the connection's password and
 * its header values are registered as secrets; a log line names only the
 * URL's scheme, host and port; every text in a body is redacted.
 *
 * Ownership: everything is borrowed; the builders return malloc'd text.
 */
#ifndef BIZ_WEBHOOK_H
#define BIZ_WEBHOOK_H

#include <stddef.h>
#include "run.h"

/* The events (BIZ_WEBHOOK_EVENTS: a comma-separated list of names). */
enum {
    BIZ_WH_FAILURE = 1,   /* "failure": a task failed (its last try) */
    BIZ_WH_RETRY = 2,     /* "retry": a try failed, the task will retry */
    BIZ_WH_SUCCESS = 4,   /* "success": the run succeeded */
};

/* The body formats (BIZ_WEBHOOK_FORMAT). */
typedef enum biz_wh_format { BIZ_WH_SLACK, BIZ_WH_JSON } biz_wh_format;

/* What a notification says. Strings are redacted by the builder. */
typedef struct biz_wh_info {
    int event;                 /* one BIZ_WH_* */
    const char *dag_id, *run_id, *logical_date;
    const char *task_id;       /* NULL for the run's success */
    int try_number, max_tries; /* a task's event only */
    const char *error;         /* NULL: none */
    const char *log_path;      /* NULL: no state directory */
    const char *host;
    const char *source_sha256, *bizc_version;
    int tasks;                 /* success: the run's tasks */
    double duration;           /* success: seconds, < 0 unknown */
} biz_wh_info;

/* The body of a notification in format f (NULL when out of memory). */
char *biz_webhook_body(const biz_wh_info *a, biz_wh_format f);

/* Called once the scheduler settled a try that failed (try.c, as the
 * mails): posts the failure or retry notification when configured. */
void biz_webhook_try_ended(biz_run *run, biz_ti *ti, int try_number, const char *msg);

/* Called when the run's loop has run dry (main.c): posts the success
 * notification when configured. Returns 1 when one was started (the
 * caller runs the loop again until it is sent or has failed). */
int biz_webhook_run_ended(biz_run *run);

#endif
