/* alert.h: the failure and retry mails of a task (email, email_on_failure,
 * email_on_retry), as Airflow's TaskInstance.email_alert sends them.
 *
 * A mail is sent asynchronously on the run's loop (smtp.h): the run goes
 * on at once, and ends only when its mails are sent or have failed (at
 * most the SMTP timeout later). A mail that cannot be sent is a warning in
 * the log; it never changes a task's or the run's outcome.
 *
 * Ownership: biz_alert_email_of returns a new value that
 * biz_alert_try_ended consumes. The builders return malloc'd strings.
 */
#ifndef BIZ_ALERT_H
#define BIZ_ALERT_H

#include <cjson/cJSON.h>
#include "op.h"

/* The try's `email` argument, taken before the try is freed: the rendered
 * value (detached from t->args), else -- when rendering failed -- the
 * unrendered one if it holds no template. NULL when there is none. */
cJSON *biz_alert_email_of(biz_try *t);

/* Called once the scheduler has settled a try that ended: when ti is now
 * up_for_retry (and email_on_retry) or failed (and email_on_failure) and
 * email names someone, starts the mail. msg: the try's error. Consumes
 * email (may be NULL). */
void biz_alert_try_ended(biz_run *run, biz_ti *ti, int try_number, cJSON *email,
                         const char *msg);

/* What a mail says about a task instance. */
typedef struct biz_alert_info {
    const char *dag_id, *run_id, *task_id;
    const char *state;      /* "failed" or "up_for_retry" */
    int try_number, max_tries;  /* try N out of M */
    const char *error;      /* redacted already; NULL: none given */
    const char *log_path;   /* NULL: no state directory */
    const char *host;
} biz_alert_info;

/* "Airflow alert: <TaskInstance: dag.task run_id [state]>" */
char *biz_alert_subject(const biz_alert_info *a);
/* The HTML body: DAG, run, task, try N out of M, the error, the log, the
 * host; every value HTML-escaped. */
char *biz_alert_html(const biz_alert_info *a);

#endif
