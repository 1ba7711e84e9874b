/* ops.c: the operator table (see ops.h). Arguments come in sets shared by
 * several operators, as in CoWorks' own class hierarchy. */
#include <stdlib.h>
#include <string.h>
#include "ops.h"

#define END { NULL, BIZ_T_ANY, 0, NULL, NULL }

/* BaseOperator: what every task accepts (and default_args may give). */
static const biz_arg_spec base_args[] = {
    { "task_id", BIZ_T_STR, BIZ_A_REQUIRED | BIZ_A_NOT_DEFAULT, NULL, "the task's id, unique in the DAG" },
    { "retries", BIZ_T_INT, 0, "0", "how many times a failed try is retried" },
    { "retry_delay", BIZ_T_DURATION, 0, "300", "wait before a retry" },
    { "retry_exponential_backoff", BIZ_T_BOOL, 0, "false", "double the wait at each retry (with jitter)" },
    { "max_retry_delay", BIZ_T_DURATION, 0, NULL, "cap on the wait before a retry" },
    { "execution_timeout", BIZ_T_TIMEDELTA, 0, NULL, "a try running longer fails (and may be retried)" },
    { "trigger_rule", BIZ_T_TRIGGER, 0, "\"all_success\"", "when the task runs, given its upstream tasks' states" },
    { "depends_on_past", BIZ_T_BOOL, 0, "false", "run only if this task succeeded (or skipped) in the previous run" },
    { "email", BIZ_T_STRS, BIZ_A_TEMPLATED, NULL, "where failure/retry alerts go" },
    { "email_on_failure", BIZ_T_BOOL, 0, "true", "mail `email` when the task fails" },
    { "email_on_retry", BIZ_T_BOOL, 0, "true", "mail `email` when the task is retried" },
    { "do_xcom_push", BIZ_T_BOOL, 0, "true", "keep the task's result as an XCom" },
    { "owner", BIZ_T_STR, 0, "\"airflow\"", "shown in --list" },
    { "doc_md", BIZ_T_STR, 0, NULL, "documentation" },
    { "doc", BIZ_T_STR, 0, NULL, "documentation" },
    { "params", BIZ_T_DICT, 0, NULL, "the task's `params` in templates: the DAG's params updated with these" },
    { "start_date", BIZ_T_DATETIME, BIZ_A_IGNORED, NULL, "ignored: the DAG's start_date is used" },
    { "end_date", BIZ_T_DATETIME, BIZ_A_IGNORED, NULL, "ignored: the DAG's end_date is used" },
    { "pool", BIZ_T_STR, BIZ_A_IGNORED, NULL, "ignored: there are no pools in a compiled DAG" },
    { "pool_slots", BIZ_T_INT, BIZ_A_IGNORED, NULL, "ignored" },
    { "queue", BIZ_T_STR, BIZ_A_IGNORED, NULL, "ignored: there are no workers" },
    { "priority_weight", BIZ_T_INT, BIZ_A_IGNORED, NULL, "ignored" },
    { "weight_rule", BIZ_T_STR, BIZ_A_IGNORED, NULL, "ignored" },
    { "sla", BIZ_T_DURATION, BIZ_A_IGNORED, NULL, "ignored" },
    { "wait_for_downstream", BIZ_T_BOOL, BIZ_A_IGNORED, NULL, "ignored" },
    { "max_active_tis_per_dag", BIZ_T_INT, BIZ_A_IGNORED, NULL, "ignored" },
    { "run_as_user", BIZ_T_STR, BIZ_A_IGNORED, NULL, "ignored" },
    { "ignore_first_depends_on_past", BIZ_T_BOOL, BIZ_A_IGNORED, NULL, "ignored: depends_on_past never blocks the first run here" },
    { "wait_for_past_depends_before_skipping", BIZ_T_BOOL, BIZ_A_IGNORED, NULL, "ignored" },
    { "max_active_tis_per_dagrun", BIZ_T_INT, BIZ_A_IGNORED, NULL, "ignored" },
    { "task_concurrency", BIZ_T_INT, BIZ_A_IGNORED, NULL, "ignored" },
    { "executor", BIZ_T_STR, BIZ_A_IGNORED, NULL, "ignored: there are no executors" },
    { "executor_config", BIZ_T_DICT, BIZ_A_IGNORED, NULL, "ignored: there are no executors" },
    { "resources", BIZ_T_DICT, BIZ_A_IGNORED, NULL, "ignored" },
    { "multiple_outputs", BIZ_T_BOOL, BIZ_A_IGNORED, NULL, "ignored" },
    { "inlets", BIZ_T_ANY, BIZ_A_IGNORED, NULL, "ignored: no lineage" },
    { "outlets", BIZ_T_ANY, BIZ_A_IGNORED, NULL, "ignored: no lineage" },
    { "doc_json", BIZ_T_STR, 0, NULL, "documentation" },
    { "doc_yaml", BIZ_T_STR, 0, NULL, "documentation" },
    { "doc_rst", BIZ_T_STR, 0, NULL, "documentation" },
    { "task_display_name", BIZ_T_STR, BIZ_A_IGNORED, NULL, "ignored: --list shows task ids" },
    { "logger_name", BIZ_T_STR, BIZ_A_IGNORED, NULL, "ignored" },
    { "allow_nested_operators", BIZ_T_BOOL, BIZ_A_IGNORED, NULL, "ignored" },
    { "map_index_template", BIZ_T_STR, BIZ_A_IGNORED, NULL, "ignored: there are no mapped tasks" },
    { "on_failure_callback", BIZ_T_CALLABLE, 0, NULL, "Python callable: not compilable (use email / email_on_failure)" },
    { "on_skipped_callback", BIZ_T_CALLABLE, 0, NULL, "Python callable: not compilable" },
    { "on_success_callback", BIZ_T_CALLABLE, 0, NULL, "Python callable: not compilable" },
    { "on_retry_callback", BIZ_T_CALLABLE, 0, NULL, "Python callable: not compilable (use email_on_retry)" },
    { "on_execute_callback", BIZ_T_CALLABLE, 0, NULL, "Python callable: not compilable" },
    { "pre_execute", BIZ_T_CALLABLE, 0, NULL, "Python callable: not compilable" },
    { "post_execute", BIZ_T_CALLABLE, 0, NULL, "Python callable: not compilable" },
    END
};

/* The call to a TechMicroService (TechMicroServiceOperator, the sensor and
 * the group's call task). */
#define TECH_CALL_ARGS \
    { "cws_name", BIZ_T_STR, BIZ_A_TEMPLATED, NULL, "the service's name in the directory" }, \
    { "entry", BIZ_T_STR, BIZ_A_TEMPLATED, "\"/\"", "the route called" }, \
    { "method", BIZ_T_METHOD, 0, "\"get\"", "the HTTP method" }, \
    { "query_params", BIZ_T_ANY, BIZ_A_TEMPLATED, NULL, "query string parameters: a dict, or a string appended as it is" }, \
    { "json", BIZ_T_ANY, BIZ_A_TEMPLATED, NULL, "the JSON body" }, \
    { "data", BIZ_T_ANY, BIZ_A_TEMPLATED, NULL, "the raw body" }, \
    { "headers", BIZ_T_DICT, BIZ_A_TEMPLATED, NULL, "extra request headers" }, \
    { "accept", BIZ_T_STR, 0, "\"application/json\"", "the Accept header" }, \
    { "no_auth", BIZ_T_BOOL, 0, "false", "send no Authorization header" }, \
    { "stage", BIZ_T_STR, 0, NULL, "the service's stage" }, \
    { "api_id", BIZ_T_STR, 0, NULL, "the API Gateway id (without cws_name)" }, \
    { "token", BIZ_T_STR, 0, NULL, "the Authorization token (without cws_name)" }, \
    { "directory_conn_id", BIZ_T_STR, 0, "\"coworks_directory\"", "the connection of the directory service" }, \
    { "raise_errors", BIZ_T_BOOL, 0, "true", "fail the task on an error status" }, \
    { "json_result", BIZ_T_BOOL, 0, "true", "parse the answer as JSON" }, \
    { "log_response", BIZ_T_BOOL, 0, "false", "log the answer's body" }, \
    { "multiple_outputs_transformer", BIZ_T_CALLABLE, 0, NULL, "Python callable: not compilable" }

static const biz_arg_spec tech_call_args[] = {
    TECH_CALL_ARGS,
    END
};

static const biz_arg_spec tech_ms_args[] = {
    { "asynchronous", BIZ_T_BOOL, 0, "false", "call asynchronously, the result lands in S3" },
    { "raise_400_errors", BIZ_T_BOOL, 0, "true", "a 4xx status fails the task too" },
    { "xcom_push", BIZ_T_BOOL, 0, "true", "push status_code and return_value XComs" },
    END
};

/* BaseSensorOperator's arguments (poke_interval apart: its default is the
 * sensor's own). */
static const biz_arg_spec sensor_args[] = {
    { "timeout", BIZ_T_DURATION, 0, "604800", "give up after this long" },
    { "soft_fail", BIZ_T_BOOL, 0, "false", "skip instead of failing at timeout" },
    { "exponential_backoff", BIZ_T_BOOL, 0, "false", "grow the wait between pokes" },
    { "mode", BIZ_T_STR, 0, "\"poke\"", "poke or reschedule (the same here)" },
    { "max_wait", BIZ_T_DURATION, BIZ_A_UNSUPPORTED, NULL, "the cap on the exponential backoff is not implemented" },
    { "silent_fail", BIZ_T_BOOL, BIZ_A_UNSUPPORTED, NULL, "poke errors that leave the sensor poking are not implemented" },
    { "never_fail", BIZ_T_BOOL, BIZ_A_UNSUPPORTED, NULL, "a sensor that skips on any error is not implemented" },
    END
};

static const biz_arg_spec sensor_poke_args[] = {
    { "poke_interval", BIZ_T_DURATION, 0, "60", "seconds between pokes" },
    END
};

/* CoWorks' TechMicroServiceSensor: the operator's call (it sets
 * asynchronous=False and raise_400_errors=False itself), poke mode only,
 * poke_interval 30 by default. */
static const biz_arg_spec tech_sensor_args[] = {
    { "xcom_push", BIZ_T_BOOL, 0, "true", "accepted; a sensor pushes no XCom" },
    { "poke_interval", BIZ_T_DURATION, 0, "30", "seconds between calls" },
    END
};

static const biz_arg_spec branch_args[] = {
    { "cws_task_id", BIZ_T_TASK, BIZ_A_REQUIRED | BIZ_A_NOT_DEFAULT, NULL, "the calling task whose status is tested" },
    { "on_success", BIZ_T_TASKS, BIZ_A_NOT_DEFAULT, NULL, "task(s) to follow on a 2xx/3xx status" },
    { "on_failure", BIZ_T_TASKS, BIZ_A_NOT_DEFAULT, NULL, "task(s) to follow on a status >= 400" },
    { "on_no_content", BIZ_T_TASKS, BIZ_A_NOT_DEFAULT, NULL, "task(s) to follow on a 204" },
    { "on_check", BIZ_T_TASKS, BIZ_A_UNSUPPORTED | BIZ_A_NOT_DEFAULT, NULL, "it is followed when response_check, a Python callable, accepts the answer, and a compiled DAG cannot run Python" },
    { "response_check", BIZ_T_CALLABLE, 0, NULL, "Python callable: not compilable" },
    END
};

static const biz_arg_spec async_sensor_args[] = {
    { "cws_task_id", BIZ_T_TASK, BIZ_A_REQUIRED | BIZ_A_NOT_DEFAULT, NULL, "the asynchronous call awaited" },
    { "aws_conn_id", BIZ_T_STR, 0, "\"aws_s3\"", "the connection of the S3 store" },
    END
};

static const biz_arg_spec async_pull_args[] = {
    { "cws_task_id", BIZ_T_TASK, BIZ_A_REQUIRED | BIZ_A_NOT_DEFAULT, NULL, "the asynchronous call whose result is read" },
    { "aws_conn_id", BIZ_T_STR, 0, "\"aws_s3\"", "the connection of the S3 store" },
    { "raise_errors", BIZ_T_BOOL, 0, "true", "fail the task on an error status" },
    { "raise_400_errors", BIZ_T_BOOL, 0, "true", "a 4xx status fails the task too" },
    { "xcom_push", BIZ_T_BOOL, 0, "true", "push status_code and return_value XComs" },
    END
};

/* CoWorks' TechMicroServiceAsyncGroup (coworks/biz/group.py): its own
 * arguments; every other one (the call's and BaseOperator's, task_id
 * excepted) goes to the call task only. */
static const biz_arg_spec async_group_args[] = {
    { "group_id", BIZ_T_STR, BIZ_A_REQUIRED | BIZ_A_POSITIONAL | BIZ_A_NOT_DEFAULT, NULL, "the group's id; its tasks are <id>.call, <id>.wait, <id>.read" },
    { "timeout", BIZ_T_DURATION, BIZ_A_NOT_DEFAULT, "900", "how long the wait task waits for the result" },
    { "read", BIZ_T_BOOL, BIZ_A_NOT_DEFAULT, "true", "add the <id>.read task" },
    { "raise_400_errors", BIZ_T_BOOL, BIZ_A_NOT_DEFAULT, "true", "a 4xx status fails the call or the read too" },
    { "xcom_push", BIZ_T_BOOL, BIZ_A_NOT_DEFAULT, "true", "the read task pushes the result" },
    { "transformer", BIZ_T_CALLABLE, 0, NULL, "Python callable: not compilable" },
    { "op_args", BIZ_T_LIST, BIZ_A_IGNORED, NULL, "ignored: only the Python transformer uses it" },
    { "op_kwargs", BIZ_T_DICT, BIZ_A_IGNORED, NULL, "ignored: only the Python transformer uses it" },
    END
};

static const biz_arg_spec bash_args[] = {
    { "bash_command", BIZ_T_STR, BIZ_A_REQUIRED | BIZ_A_TEMPLATED | BIZ_A_NOT_DEFAULT, NULL, "the command, run with bash -c" },
    { "env", BIZ_T_DICT, BIZ_A_TEMPLATED, NULL, "environment of the command (replaces the inherited one unless append_env)" },
    { "append_env", BIZ_T_BOOL, 0, "false", "add env to the inherited environment" },
    { "cwd", BIZ_T_STR, 0, NULL, "working directory" },
    { "skip_on_exit_code", BIZ_T_ANY, BIZ_A_NONE_OK, "99", "exit code(s) that mean skipped (None: none)" },
    { "output_encoding", BIZ_T_STR, BIZ_A_IGNORED, NULL, "ignored: output is kept as bytes" },
    { "output_processor", BIZ_T_CALLABLE, 0, NULL, "Python callable: not compilable" },
    END
};

static const biz_arg_spec email_args[] = {
    { "to", BIZ_T_STRS, BIZ_A_REQUIRED | BIZ_A_TEMPLATED | BIZ_A_NOT_DEFAULT, NULL, "recipients" },
    { "subject", BIZ_T_STR, BIZ_A_REQUIRED | BIZ_A_TEMPLATED | BIZ_A_NOT_DEFAULT, NULL, "subject" },
    { "html_content", BIZ_T_STR, BIZ_A_REQUIRED | BIZ_A_TEMPLATED | BIZ_A_NOT_DEFAULT, NULL, "HTML body" },
    { "cc", BIZ_T_STRS, BIZ_A_TEMPLATED, NULL, "copy" },
    { "bcc", BIZ_T_STRS, BIZ_A_TEMPLATED, NULL, "blind copy" },
    { "mime_charset", BIZ_T_STR, 0, "\"utf-8\"", "charset" },
    { "conn_id", BIZ_T_STR, 0, NULL, "SMTP connection id (default smtp_default)" },
    { "mime_subtype", BIZ_T_STR, BIZ_A_IGNORED, NULL, "ignored: the mail is one HTML part" },
    { "files", BIZ_T_LIST, BIZ_A_UNSUPPORTED, NULL, "attachments are not implemented" },
    { "custom_headers", BIZ_T_DICT, BIZ_A_UNSUPPORTED, NULL, "extra mail headers are not implemented" },
    END
};

static const biz_arg_spec empty_args[] = { END };

static const char *const coworks_modules[] = {
    "coworks.biz", "coworks.biz.operators", "coworks.biz.sensors",
    "coworks.biz.group", "coworks.operators", "coworks.sensors", NULL
};
static const char *const empty_modules[] = {
    "airflow.operators.empty", "airflow.operators.dummy",
    "airflow.operators.dummy_operator", NULL
};
static const char *const empty_aliases[] = { "DummyOperator", NULL };
static const char *const bash_modules[] = {
    "airflow.operators.bash", "airflow.operators.bash_operator", NULL
};
static const char *const email_modules[] = {
    "airflow.operators.email", "airflow.operators.email_operator", NULL
};

static const biz_arg_spec *const tech_ms_sets[] = { base_args, tech_call_args, tech_ms_args, NULL };
static const biz_arg_spec *const branch_sets[] = { base_args, branch_args, NULL };
static const biz_arg_spec *const tech_sensor_sets[] = { base_args, tech_call_args, sensor_args, tech_sensor_args, NULL };
static const biz_arg_spec *const async_sensor_sets[] = { base_args, async_sensor_args, sensor_args, sensor_poke_args, NULL };
static const biz_arg_spec *const async_pull_sets[] = { base_args, async_pull_args, NULL };
static const biz_arg_spec *const async_group_sets[] = { base_args, tech_call_args, async_group_args, NULL };
static const biz_arg_spec *const empty_sets[] = { base_args, empty_args, NULL };
static const biz_arg_spec *const bash_sets[] = { base_args, bash_args, NULL };
static const biz_arg_spec *const email_sets[] = { base_args, email_args, NULL };

/* ORDER: biz_op_kind */
const biz_op_spec biz_ops[BIZ_OP__COUNT] = {
    { BIZ_OP_TECH_MS, "TechMicroServiceOperator", NULL, coworks_modules, tech_ms_sets, 0,
      "Calls a TechMicroService, synchronously or asynchronously." },
    { BIZ_OP_BRANCH_TECH_MS, "BranchTechMicroServiceOperator", NULL, coworks_modules, branch_sets, 0,
      "Follows on_success, on_failure or on_no_content after a call's status." },
    { BIZ_OP_TECH_MS_SENSOR, "TechMicroServiceSensor", NULL, coworks_modules, tech_sensor_sets, 0,
      "Calls a TechMicroService every poke_interval until it answers 2xx/3xx." },
    { BIZ_OP_ASYNC_SENSOR, "AsyncTechMicroServiceSensor", NULL, coworks_modules, async_sensor_sets, 0,
      "Waits until an asynchronous call's result is in S3." },
    { BIZ_OP_ASYNC_PULL, "AsyncTechServicePullOperator", NULL, coworks_modules, async_pull_sets, 0,
      "Reads an asynchronous call's result from S3." },
    { BIZ_OP_ASYNC_GROUP, "TechMicroServiceAsyncGroup", NULL, coworks_modules, async_group_sets, 1,
      "Calls asynchronously, waits for the result and reads it (<id>.call, <id>.wait, <id>.read)." },
    { BIZ_OP_EMPTY, "EmptyOperator", empty_aliases, empty_modules, empty_sets, 0,
      "Does nothing; a join or a placeholder." },
    { BIZ_OP_BASH, "BashOperator", NULL, bash_modules, bash_sets, 0,
      "Runs a shell command; its last line of output is the XCom." },
    { BIZ_OP_EMAIL, "EmailOperator", NULL, email_modules, email_sets, 0,
      "Sends a mail over SMTP." },
};

const biz_op_spec *biz_op_find(const char *name)
{
    for (int i = 0; i < BIZ_OP__COUNT; i++) {
        if (strcmp(biz_ops[i].name, name) == 0)
            return &biz_ops[i];
        for (const char *const *a = biz_ops[i].aliases; a && *a; a++)
            if (strcmp(*a, name) == 0)
                return &biz_ops[i];
    }
    return NULL;
}

const biz_arg_spec *biz_op_arg(const biz_op_spec *op, const char *name)
{
    /* Later sets override earlier ones (a sensor's timeout is its own). */
    const biz_arg_spec *found = NULL;
    for (const biz_arg_spec *const *set = op->argsets; *set; set++)
        for (const biz_arg_spec *a = *set; a->name; a++)
            if (strcmp(a->name, name) == 0)
                found = a;
    return found;
}

/* Each op's arguments without the overridden ones, in table order: built
 * once, since a try renders its arguments through this list. */
static const biz_arg_spec **effective[BIZ_OP__COUNT];
static int neffective[BIZ_OP__COUNT];
/* Of those, the templated ones (a try renders only these). */
static const biz_arg_spec **templated[BIZ_OP__COUNT];
static int ntemplated[BIZ_OP__COUNT];
static const biz_arg_spec *none_ok[BIZ_OP__COUNT][4];  /* its NONE_OK arguments */

static void build_effective(int k)
{
    const biz_op_spec *op = &biz_ops[k];
    int n = 0;
    for (const biz_arg_spec *const *set = op->argsets; *set; set++)
        for (const biz_arg_spec *a = *set; a->name; a++)
            n++;
    const biz_arg_spec **v = malloc((size_t)(n ? n : 1) * sizeof *v);
    /* The names seen from the last set back (open addressing): a name
     * already seen there is overridden by a later set. One pass, not a
     * biz_op_arg walk of the whole table per argument. */
    unsigned cap = 16;
    while (cap < 2u * (unsigned)n)
        cap *= 2;
    const biz_arg_spec **seen = calloc(cap, sizeof *seen);
    unsigned char *keep = calloc((size_t)(n ? n : 1), 1);
    if (!v || !seen || !keep) {
        free(v);
        free(seen);
        free(keep);
        return;
    }
    n = 0;
    for (const biz_arg_spec *const *set = op->argsets; *set; set++)
        for (const biz_arg_spec *a = *set; a->name; a++)
            v[n++] = a;
    for (int i = n - 1; i >= 0; i--) {
        unsigned h = 2166136261u;   /* FNV-1a */
        for (const char *c = v[i]->name; *c; c++)
            h = (h ^ (unsigned char)*c) * 16777619u;
        unsigned j = h & (cap - 1);
        while (seen[j] && strcmp(seen[j]->name, v[i]->name) != 0)
            j = (j + 1) & (cap - 1);
        if (!seen[j])
            seen[j] = v[i];
        keep[i] = seen[j] == v[i];
    }
    int m = 0;
    for (int i = 0; i < n; i++)
        if (keep[i]) {
            const biz_arg_spec *a = v[i];
            v[m++] = a;
            for (int j = 0; j < 4; j++)
                if ((a->flags & BIZ_A_NONE_OK) && !none_ok[k][j]) {
                    none_ok[k][j] = a;
                    break;
                }
        }
    n = m;
    free(seen);
    free(keep);
    const biz_arg_spec **tv = malloc((size_t)(n ? n : 1) * sizeof *tv);
    if (!tv) {
        free(v);
        return;
    }
    int nt = 0;
    for (int i = 0; i < n; i++)
        if (v[i]->flags & BIZ_A_TEMPLATED)
            tv[nt++] = v[i];
    effective[k] = v;
    neffective[k] = n;
    templated[k] = tv;
    ntemplated[k] = nt;
}

/* Whether None is a value of its own for op's argument name (NONE_OK). */
int biz_op_none_ok(const biz_op_spec *op, const char *name)
{
    int k = (int)(op - biz_ops);
    if (k < 0 || k >= BIZ_OP__COUNT)
        return 0;
    if (!effective[k])
        build_effective(k);
    for (int j = 0; j < 4 && none_ok[k][j]; j++)
        if (strcmp(none_ok[k][j]->name, name) == 0)
            return 1;
    return 0;
}

/* Calls fn for op's arguments without the overridden ones, those with all
 * of flags set (0: all), from the lists built once. */
static void each_arg(const biz_op_spec *op, int flags,
                     void (*fn)(const biz_arg_spec *arg, void *user), void *user)
{
    int k = (int)(op - biz_ops);
    if (k >= 0 && k < BIZ_OP__COUNT && !effective[k])
        build_effective(k);
    const biz_arg_spec **list = k < 0 || k >= BIZ_OP__COUNT ? NULL
                              : flags == BIZ_A_TEMPLATED ? templated[k] : effective[k];
    if (!list || (flags && flags != BIZ_A_TEMPLATED)) {
        for (const biz_arg_spec *const *set = op->argsets; *set; set++)
            for (const biz_arg_spec *a = *set; a->name; a++)
                if ((a->flags & flags) == flags && biz_op_arg(op, a->name) == a)
                    fn(a, user);
        return;
    }
    int n = flags == BIZ_A_TEMPLATED ? ntemplated[k] : neffective[k];
    for (int i = 0; i < n; i++)
        fn(list[i], user);
}

void biz_op_each_arg(const biz_op_spec *op,
                     void (*fn)(const biz_arg_spec *arg, void *user), void *user)
{
    each_arg(op, 0, fn, user);
}

void biz_op_each_templated_arg(const biz_op_spec *op,
                               void (*fn)(const biz_arg_spec *arg, void *user), void *user)
{
    each_arg(op, BIZ_A_TEMPLATED, fn, user);
}

/* ORDER: biz_arg_type */
static const char *const type_names[BIZ_T__COUNT] = {
    "a constant", "a string", "an integer", "a number", "a boolean (True or False)",
    "a dict", "a list", "a string or a list of strings", "a task id",
    "a task id or a list of task ids", "a timedelta or a number of seconds",
    "a datetime", "a trigger rule name", "an HTTP method", "a Python callable",
    "a timedelta",
};

const char *biz_arg_type_name(biz_arg_type t)
{
    return (unsigned)t < BIZ_T__COUNT ? type_names[t] : "?";
}

/* ORDER: biz_trigger_rule */
const char *const biz_trigger_names[BIZ_TR__COUNT] = {
    "all_success", "all_failed", "all_done", "all_skipped", "one_success",
    "one_failed", "one_done", "none_failed", "none_failed_min_one_success",
    "none_skipped", "always", "all_done_setup_success",
};

int biz_trigger_from_name(const char *name)
{
    for (int i = 0; i < BIZ_TR__COUNT; i++)
        if (strcmp(biz_trigger_names[i], name) == 0)
            return i;
    if (strcmp(name, "dummy") == 0)
        return BIZ_TR_ALWAYS;
    if (strcmp(name, "none_failed_or_skipped") == 0)
        return BIZ_TR_NONE_FAILED_MIN_ONE_SUCCESS;
    return -1;
}
