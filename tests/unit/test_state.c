/* test_state.c: run records (runtime/state/state.c), the run plan
 * (runtime/cli/runplan.c) and the lock (runtime/core/lock.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cunit_main.h"
#include "isotime.h"
#include "state.h"
#include "runplan.h"
#include "runshow.h"
#include "lock.h"
#include "syncer.h"
#include "log.h"
#include "ops.h"

/* a >> b >> c, a >> d: d depends on its past. */
static const int up_b[] = { 0 };
static const int up_c[] = { 1 };
static const int up_d[] = { 0 };
static const biz_task_def tasks[] = {
    { "a", BIZ_OP_EMPTY, NULL, "{}", NULL, 0, NULL, 0, 1, 1, NULL },
    { "b", BIZ_OP_EMPTY, NULL, "{}", up_b, 1, NULL, 0, 2, 1, NULL },
    { "c", BIZ_OP_EMPTY, NULL, "{\"retries\": 2}", up_c, 1, NULL, 0, 3, 1, NULL },
    { "d", BIZ_OP_EMPTY, NULL, "{\"depends_on_past\": true}", up_d, 1, NULL, 0, 4, 1, NULL },
};
static const biz_dag_def dag = {
    "t_dag", "t.biz", "00", "test", NULL,
    "{\"schedule\": \"@daily\", \"start_date\": \"2024-01-01T00:00:00+00:00\", \"catchup\": true}",
    tasks, 4, 1, NULL, 0,
};

#define T unit_time   /* an instant written as ISO text (cunit_main.h) */

static biz_run *new_run(void)
{
    char err[256];
    biz_run *run = biz_run_new(&dag, NULL, T("2024-01-02"), err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    return run;
}

/* ---------------------------------------------------------------- records */

static void test_run_id(void)
{
    char id[96];
    biz_plan_run_id("scheduled", (double)T("2024-01-01"), id, sizeof id);
    CU_ASSERT_STRING_EQUAL(id, "scheduled__2024-01-01T00:00:00+00:00");
    biz_plan_run_id("manual", (double)T("2024-01-03T06:00:00Z") + 0.25, id, sizeof id);
    CU_ASSERT_STRING_EQUAL(id, "manual__2024-01-03T06:00:00.250000+00:00");
    biz_plan_run_id("manual", (double)T("2023-12-31T23:59:59Z"), id, sizeof id);
    CU_ASSERT_STRING_EQUAL(id, "manual__2023-12-31T23:59:59+00:00");
    CU_ASSERT_TRUE(biz_state_run_id_ok("manual__2024-01-03T06:00:00+00:00"));
    CU_ASSERT_FALSE(biz_state_run_id_ok("../etc/passwd"));
    CU_ASSERT_FALSE(biz_state_run_id_ok(".hidden"));
    CU_ASSERT_FALSE(biz_state_run_id_ok(""));
    CU_ASSERT_FALSE(biz_state_run_id_ok("a/b"));
}

static void test_should_rerun(void)
{
    CU_ASSERT_FALSE(biz_record_should_rerun("success", NULL));
    CU_ASSERT_FALSE(biz_record_should_rerun("skipped", "not chosen by branch 'x'"));
    CU_ASSERT_TRUE(biz_record_should_rerun("skipped", "dagrun_timeout exceeded"));
    static const char *const again[] = {
        "failed", "upstream_failed", "none", "scheduled", "queued", "running", "up_for_retry",
    };
    for (size_t i = 0; i < sizeof again / sizeof *again; i++)
        CU_ASSERT_TRUE(biz_record_should_rerun(again[i], NULL));
    CU_ASSERT_TRUE(biz_record_should_rerun(NULL, NULL));
}

static void test_round_trip(void)
{
    biz_run *run = new_run();
    run->run_type = "scheduled";
    run->interval_start = T("2024-01-02");
    run->interval_end = T("2024-01-03");
    run->run_number = 7;
    cJSON_AddStringToObject(run->conf, "k", "v");
    run->state = BIZ_RUN_RUNNING;
    run->tis[0]->state = BIZ_TI_SUCCESS;
    run->tis[0]->tries = 1;
    run->tis[0]->first_start = 1704153600.5;
    run->tis[0]->end = 1704153601.25;
    biz_run_xcom_push(run, 0, "return_value", cJSON_Parse("{\"x\": [1, 2, \"three\"]}"));
    run->tis[1]->state = BIZ_TI_FAILED;
    run->tis[1]->tries = 3;
    run->tis[1]->reason = strdup("HTTP 500");
    run->tis[2]->state = BIZ_TI_UPSTREAM_FAILED;
    run->tis[3]->state = BIZ_TI_RUNNING;   /* a killed run leaves this */
    run->tis[3]->tries = 1;

    cJSON *rec = biz_record_from_run(run, NULL);
    char *text = cJSON_Print(rec);
    cJSON *back = cJSON_Parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(back, "state")->valuestring, "running");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(back, "logical_date")->valuestring,
                           "2024-01-02T00:00:00+00:00");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(back, "data_interval_end")->valuestring,
                           "2024-01-03T00:00:00+00:00");
    CU_ASSERT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(back, "end_date")));

    biz_run *again = new_run();
    char err[256];
    int rerun = biz_record_apply(again, back, err, sizeof err);
    CU_ASSERT_EQUAL(rerun, 3);
    CU_ASSERT_STRING_EQUAL(again->run_id, run->run_id);
    CU_ASSERT_STRING_EQUAL(again->run_type, "scheduled");
    CU_ASSERT_EQUAL(again->run_number, 7);
    CU_ASSERT_EQUAL(again->interval_start, T("2024-01-02"));
    CU_ASSERT_EQUAL(again->interval_end, T("2024-01-03"));
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(again->conf, "k")->valuestring, "v");
    /* The success is kept with its XCom and times... */
    CU_ASSERT_EQUAL(again->tis[0]->state, BIZ_TI_SUCCESS);
    CU_ASSERT_EQUAL(again->tis[0]->tries, 1);
    CU_ASSERT_DOUBLE_EQUAL(again->tis[0]->first_start, 1704153600.5, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(again->tis[0]->end, 1704153601.25, 1e-6);
    CU_ASSERT_TRUE(cJSON_Compare(biz_run_xcom_get(again, 0, NULL),
                                 biz_run_xcom_get(run, 0, NULL), 1));
    /* ...the rest starts again, try numbers continuing. */
    for (int i = 1; i < 4; i++) {
        CU_ASSERT_EQUAL(again->tis[i]->state, BIZ_TI_NONE);
        CU_ASSERT_EQUAL(again->tis[i]->try_base, again->tis[i]->tries);
        CU_ASSERT_EQUAL(again->tis[i]->tries, run->tis[i]->tries);
    }
    /* Serializing the resumed run gives the same kept parts. */
    cJSON *rec2 = biz_record_from_run(again, NULL);
    CU_ASSERT_TRUE(cJSON_Compare(cJSON_GetObjectItem(cJSON_GetObjectItem(rec2, "tasks"), "a"),
                                 cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "tasks"), "a"), 1));
    cJSON_Delete(rec2);

    /* Another DAG's record is refused. */
    cJSON_ReplaceItemInObject(back, "dag_id", cJSON_CreateString("other"));
    biz_run *third = new_run();
    CU_ASSERT_EQUAL(biz_record_apply(third, back, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "other"));

    biz_run_free(third);
    biz_run_free(again);
    cJSON_Delete(back);
    free(text);
    cJSON_Delete(rec);
    biz_run_free(run);
}

static void test_redaction(void)
{
    biz_log_secret("s3cr3t-token");
    biz_run *run = new_run();
    cJSON_AddStringToObject(run->conf, "password", "my s3cr3t-token here");
    cJSON_AddStringToObject(run->conf, "customer", "ACME");
    biz_run_xcom_push(run, 0, "return_value", cJSON_CreateString("Bearer s3cr3t-token"));
    run->tis[0]->state = BIZ_TI_SUCCESS;  /* kept by a resume, XComs and all */
    run->tis[0]->tries = 1;
    biz_run_xcom_push(run, 1, "return_value", cJSON_CreateString("no secret here"));
    run->tis[1]->reason = strdup("401 with s3cr3t-token");
    cJSON *rec = biz_record_from_run(run, NULL);
    char *text = cJSON_PrintUnformatted(rec);
    /* No secret in the record: messages masked, data holding one sealed. */
    CU_ASSERT_PTR_NULL(strstr(text, "s3cr3t"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "401 with ***"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "__sealed__"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "no secret here"));
    free(text);
    /* Masking never changes the data: a resume gets it back exactly. */
    biz_run *again = new_run();
    char err[256];
    CU_ASSERT_EQUAL_FATAL(biz_record_apply(again, rec, err, sizeof err) >= 0, 1);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(again->conf, "password")->valuestring,
                           "my s3cr3t-token here");
    const cJSON *x = cJSON_GetObjectItem(again->tis[0]->xcom, "return_value");
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_STRING_EQUAL(x->valuestring, "Bearer s3cr3t-token");
    cJSON_Delete(rec);
    biz_run_free(again);
    biz_run_free(run);
    biz_log_shutdown();
}

/* ---------------------------------------------------------------- plans */

/* A record array from "run_id state type logical_date interval_end" rows. */
static cJSON *records(const char *const rows[][5], int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "run_id", rows[i][0]);
        cJSON_AddStringToObject(r, "state", rows[i][1]);
        cJSON_AddStringToObject(r, "run_type", rows[i][2]);
        cJSON_AddStringToObject(r, "logical_date", rows[i][3]);
        cJSON_AddStringToObject(r, "data_interval_start", rows[i][3]);
        cJSON_AddStringToObject(r, "data_interval_end", rows[i][4]);
        cJSON *t = cJSON_AddObjectToObject(r, "tasks");
        cJSON *d = cJSON_AddObjectToObject(t, "d");
        cJSON_AddStringToObject(d, "state", strcmp(rows[i][1], "success") == 0 ? "success" : "failed");
        cJSON_AddItemToArray(a, r);
    }
    return a;
}

static biz_schedule_settings daily(int catchup)
{
    biz_schedule_settings ps;
    char err[256];
    cJSON *s = cJSON_Parse(dag.settings_json);
    CU_ASSERT_EQUAL(biz_schedule_settings_read(s, &ps, err, sizeof err), 0);
    cJSON_Delete(s);
    ps.catchup = catchup;
    return ps;
}

#define SCHED_ID(d) "scheduled__" d "T00:00:00+00:00"

static void test_due(void)
{
    biz_plan_item items[10];
    biz_schedule_settings ps = daily(1);
    cJSON *none = cJSON_CreateArray();
    /* AIRFLOW.md's example. */
    int n = biz_plan_due(&ps, none, T("2024-01-03T06:00:00Z"), items, 10);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(items[0].iv.start, T("2024-01-01"));
    CU_ASSERT_EQUAL(items[1].iv.start, T("2024-01-02"));
    CU_ASSERT_EQUAL(items[1].iv.end, T("2024-01-03"));
    CU_ASSERT_PTR_NULL(items[0].rec);
    /* --max-catchup */
    CU_ASSERT_EQUAL(biz_plan_due(&ps, none, T("2024-01-03T06:00:00Z"), items, 1), 1);
    ps.catchup = 0;
    n = biz_plan_due(&ps, none, T("2024-01-03T06:00:00Z"), items, 10);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(items[0].iv.start, T("2024-01-02"));
    ps.catchup = 1;

    /* After a success on the 1st and a failure on the 2nd: the 2nd is
     * resumed, then the 3rd runs; a manual run does not count. */
    static const char *const rows[][5] = {
        { SCHED_ID("2024-01-01"), "success", "scheduled", "2024-01-01", "2024-01-02" },
        { SCHED_ID("2024-01-02"), "failed", "scheduled", "2024-01-02", "2024-01-03" },
        { "manual__2024-01-05T00:00:00+00:00", "success", "manual", "2024-01-05", "2024-01-05" },
    };
    cJSON *recs = records(rows, 3);
    n = biz_plan_due(&ps, recs, T("2024-01-04T00:00:00Z"), items, 10);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(items[0].iv.start, T("2024-01-02"));
    CU_ASSERT_PTR_NOT_NULL(items[0].rec);
    CU_ASSERT_EQUAL(items[1].iv.start, T("2024-01-03"));
    CU_ASSERT_PTR_NULL(items[1].rec);
    /* Nothing due before the interval ends. */
    CU_ASSERT_EQUAL(biz_plan_due(&ps, recs, T("2024-01-02T23:59:59Z"), items, 10), 0);

    /* find: by id and "last" (the latest started: the last element). */
    CU_ASSERT_PTR_EQUAL(biz_plan_find(recs, "last"), cJSON_GetArrayItem(recs, 2));
    CU_ASSERT_PTR_EQUAL(biz_plan_find(recs, SCHED_ID("2024-01-02")), cJSON_GetArrayItem(recs, 1));
    CU_ASSERT_PTR_NULL(biz_plan_find(recs, "nope"));
    CU_ASSERT_PTR_NULL(biz_plan_find(none, "last"));
    cJSON_Delete(recs);
    cJSON_Delete(none);
}

static void test_depends_on_past(void)
{
    static const char *const rows[][5] = {
        { SCHED_ID("2023-12-31"), "success", "scheduled", "2023-12-31", "2024-01-01" },
        { SCHED_ID("2024-01-01"), "failed", "scheduled", "2024-01-01", "2024-01-02" },
        { SCHED_ID("2024-01-03"), "success", "scheduled", "2024-01-03", "2024-01-04" },
    };
    cJSON *recs = records(rows, 3);
    biz_run *run = new_run();   /* logical date 2024-01-02: previous = 01-01, failed */
    CU_ASSERT_EQUAL(biz_plan_depends_on_past(run, recs), 1);
    CU_ASSERT_PTR_NULL(run->tis[0]->blocked);
    CU_ASSERT_PTR_NOT_NULL_FATAL(run->tis[3]->blocked);
    CU_ASSERT_PTR_NOT_NULL(strstr(run->tis[3]->blocked, SCHED_ID("2024-01-01")));
    CU_ASSERT_PTR_NOT_NULL(strstr(run->tis[3]->blocked, "failed"));
    biz_plan_prev_success(run, recs);
    CU_ASSERT_TRUE(run->has_prev_success);
    CU_ASSERT_EQUAL(run->prev_success_start, T("2023-12-31"));
    /* The previous run succeeded: passes. */
    run->logical_date = T("2024-01-01");
    CU_ASSERT_EQUAL(biz_plan_depends_on_past(run, recs), 0);
    /* No previous run: passes. */
    run->logical_date = T("2023-12-01");
    CU_ASSERT_EQUAL(biz_plan_depends_on_past(run, recs), 0);
    biz_plan_prev_success(run, recs);
    CU_ASSERT_FALSE(run->has_prev_success);
    biz_run_free(run);
    cJSON_Delete(recs);
}

/* ---------------------------------------------------------------- files */

static void test_files_and_lock(void)
{
    char dir[] = "/tmp/test_state.XXXXXX", err[512];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    mode_t old = umask(0);
    biz_store *st = biz_store_open(dir, "t_dag", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    struct stat sb;
    CU_ASSERT_EQUAL(stat(st->runs_dir, &sb), 0);
    CU_ASSERT_EQUAL(sb.st_mode & 0777, 0700);
    CU_ASSERT_EQUAL(biz_state_write_atomic(st->runs_dir, st->runs_fd, "x.json", "{\"run_id\": \"x\"}\n", 1), 0);
    char *p = NULL;
    CU_ASSERT(asprintf(&p, "%s/x.json", st->runs_dir) > 0);
    CU_ASSERT_EQUAL(stat(p, &sb), 0);
    CU_ASSERT_EQUAL(sb.st_mode & 0777, 0600);
    free(p);
    umask(old);

    cJSON *all = biz_store_list(st);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(all), 1);
    cJSON_Delete(all);
    char *log = biz_store_log_path(st, "r1");
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "/t_dag/logs/r1.log"));
    free(log);

    long holder = 0;
    int fd = biz_lock_acquire(st->dag_dir, 0, &holder, err, sizeof err);
    CU_ASSERT_TRUE(fd >= 0);
    /* A second open file description conflicts even in the same process. */
    CU_ASSERT_EQUAL(biz_lock_acquire(st->dag_dir, 0.1, &holder, err, sizeof err), -1);
    CU_ASSERT_EQUAL(holder, (long)getpid());
    biz_lock_release(fd);
    fd = biz_lock_acquire(st->dag_dir, 0, &holder, err, sizeof err);
    CU_ASSERT_TRUE(fd >= 0);
    biz_lock_release(fd);

    CU_ASSERT_EQUAL(biz_store_prune(st, 1, NULL), 0);
    biz_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* ---------------------------------------------------------------- issue 10 */

/* A record as the store writes it, parsed, for the checks below to damage. */
static cJSON *sound_record(void)
{
    biz_run *run = new_run();
    run->tis[0]->state = BIZ_TI_SUCCESS;
    run->tis[0]->tries = 1;
    run->tis[0]->first_start = 1704153600.5;
    run->tis[0]->end = 1704153601.25;
    cJSON *rec = biz_record_from_run(run, NULL);
    biz_run_free(run);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    return rec;
}

/* Replaces (or adds) rec[field] with the JSON text v. */
static void set_field(cJSON *o, const char *field, const char *v)
{
    cJSON *nv = cJSON_Parse(v);
    CU_ASSERT_PTR_NOT_NULL_FATAL(nv);
    if (cJSON_GetObjectItemCaseSensitive(o, field))
        cJSON_ReplaceItemInObjectCaseSensitive(o, field, nv);
    else
        cJSON_AddItemToObject(o, field, nv);
}

static void test_hostile_records(void)
{
    char err[256];
    cJSON *rec = sound_record();
    CU_ASSERT_EQUAL(biz_record_check(rec, err, sizeof err), 0);
    cJSON_Delete(rec);

    /* Each damage, and the words that must name it. */
    static const char *const cases[][3] = {
        { "", "tasks", "[1, 2]" },                    /* tasks an array */
        { "", "tasks", "\"x\"" },
        { "", "state", "\"killed\"" },                /* killed, and no pid below */
        { "", "pid", "1e300" },
        { "", "pid", "-3" },
        { "", "run_id", "7" },
        { "", "start_date", "\"yesterday\"" },
        { "", "conf", "[]" },
        { "", "run_number", "1e300" },
        { "a", "tries", "1e300" },
        { "a", "tries", "2147483647" },
        { "a", "tries", "-1" },
        { "a", "state", "3" },
        { "a", "state", "\"exploded\"" },
        { "a", "end_date", "\"9999-99-99\"" },
        { "a", "xcom", "\"x\"" },
        { "a", "branch", "{}" },
        { "a", "reason", "[]" },
        { "a", "duration", "-1" },
    };
    static const char *const words[] = {
        "tasks is not an object", "tasks is not an object", "'killed' is not a run state",
        "pid", "pid", "run_id", "start_date", "conf", "run_number",
        "task 'a': tries", "task 'a': tries", "task 'a': tries", "task 'a': no state",
        "'exploded' is not a task state", "task 'a': start_date or end_date", "task 'a': xcom",
        "task 'a': branch", "task 'a': reason", "task 'a': duration",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rec = sound_record();
        cJSON *o = rec;
        if (*cases[i][0])
            o = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "tasks"), cases[i][0]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        set_field(o, cases[i][1], cases[i][2]);
        if (strcmp(cases[i][2], "\"killed\"") == 0)
            cJSON_DeleteItemFromObject(rec, "pid");
        err[0] = 0;
        CU_ASSERT_EQUAL(biz_record_check(rec, err, sizeof err), -1);
        if (!strstr(err, words[i]))
            fprintf(stderr, "case %zu: '%s' does not say '%s'\n", i, err, words[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, words[i]));
        /* A resume refuses it, saying why, and changes nothing. */
        biz_run *run = new_run();
        CU_ASSERT_EQUAL(biz_record_apply(run, rec, err, sizeof err), -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "malformed run record"));
        CU_ASSERT_EQUAL(run->tis[0]->tries, 0);
        /* --show prints what it can without crashing. */
        FILE *f = tmpfile();
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        biz_runshow_record(f, rec, NULL);
        CU_ASSERT_TRUE(ftell(f) > 0);
        fclose(f);
        biz_run_free(run);
        cJSON_Delete(rec);
    }
    CU_ASSERT_EQUAL(biz_record_check(NULL, err, sizeof err), -1);
}

/* A byte sequence that is not UTF-8 never makes a record invalid JSON. */
static void test_strict_json(void)
{
    biz_run *run = new_run();
    /* A stray continuation byte, a truncated sequence, an overlong '/', a
     * surrogate, beyond U+10FFFF; and valid 2-, 3- and 4-byte sequences. */
    const char *bad = "a\x80" "b\xc3" "c\xc0\xaf" "d\xed\xa0\x80" "e\xf4\x90\x80\x80" "f";
    const char *good = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    biz_run_xcom_push(run, 0, "return_value", cJSON_CreateString(bad));
    biz_run_xcom_push(run, 0, "ok", cJSON_CreateString(good));
    biz_run_xcom_push(run, 0, "k\xff", cJSON_CreateString("key"));
    run->tis[0]->state = BIZ_TI_SUCCESS;
    run->tis[0]->tries = 1;
    run->tis[1]->state = BIZ_TI_FAILED;
    run->tis[1]->reason = strdup("HTTP 500: \xfe\xff");
    run->tis[1]->tries = 1;
    cJSON *rec = biz_record_from_run(run, NULL);   /* parsed from the text written */
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    const cJSON *a = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "tasks"), "a");
    const cJSON *x = cJSON_GetObjectItem(a, "xcom");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(x, "return_value")->valuestring,
                           "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd"
                           "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                           "e\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "f");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(x, "ok")->valuestring, good);
    CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(x, "k\xef\xbf\xbd"));
    const cJSON *b = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "tasks"), "b");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(b, "reason")->valuestring,
                           "HTTP 500: \xef\xbf\xbd\xef\xbf\xbd");
    cJSON_Delete(rec);
    biz_run_free(run);
}

/* A one-character secret: masking applies to messages, never to data. */
static void test_one_char_secret(void)
{
    biz_log_secret("1");
    biz_log_secret("t");
    biz_run *run = new_run();
    biz_run_xcom_push(run, 0, "return_value", cJSON_CreateString("order/1001"));
    biz_run_xcom_push(run, 0, "status_code", cJSON_CreateNumber(201));
    run->tis[0]->state = BIZ_TI_SUCCESS;
    run->tis[0]->tries = 1;
    run->tis[1]->state = BIZ_TI_FAILED;
    run->tis[1]->tries = 1;
    run->tis[1]->reason = strdup("got status 1");
    cJSON *rec = biz_record_from_run(run, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    const cJSON *b = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "tasks"), "b");
    CU_ASSERT_PTR_NULL(strstr(cJSON_GetObjectItem(b, "reason")->valuestring, "1"));
    biz_run *again = new_run();
    char err[256];
    CU_ASSERT_EQUAL_FATAL(biz_record_apply(again, rec, err, sizeof err) >= 0, 1);
    char *was = cJSON_PrintUnformatted(run->tis[0]->xcom);
    char *now = cJSON_PrintUnformatted(again->tis[0]->xcom);
    CU_ASSERT_STRING_EQUAL(now, "{\"return_value\":\"order/1001\",\"status_code\":201}");
    CU_ASSERT_STRING_EQUAL(now, was);
    free(was);
    free(now);
    cJSON_Delete(rec);
    biz_run_free(again);
    biz_run_free(run);
    biz_log_shutdown();
}

/* A failed write: the store says so (save_failed, the errno), the run
 * stops, and a write that cannot happen leaves the last record alone. */
static void test_failed_write(void)
{
    char dir[] = "/tmp/test_state.XXXXXX", err[512], cmd[128];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    biz_store *st = biz_store_open(dir, "t_dag", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    /* A temp file that cannot be made: -1, errno, no file. */
    CU_ASSERT_EQUAL(biz_state_write_atomic("/nonexistent/dir", -1, "x.json", "{}", 1), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);

    biz_log_init(BIZ_LOG_TEXT, -1, stderr);
    biz_run *run = new_run();
    biz_store_attach(st, run);
    CU_ASSERT_EQUAL(biz_store_save(st), 0);   /* the base record and the journal */
    CU_ASSERT_EQUAL(st->save_failed, 0);
    /* The directory goes: the end of the run cannot be written. */
    snprintf(cmd, sizeof cmd, "rm -rf %s/t_dag/runs", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    run->state = BIZ_RUN_SUCCESS;
    CU_ASSERT_EQUAL(biz_store_save(st), -1);
    CU_ASSERT_EQUAL(st->save_failed, 1);
    CU_ASSERT_EQUAL(st->fail_errno, ENOENT);
    biz_store_detach(st);
    biz_run_free(run);

    /* A write failed elsewhere (an operator's own log) counts the same. */
    run = new_run();
    biz_store_attach(st, run);
    CU_ASSERT_EQUAL(st->save_failed, 0);
    biz_record_failed("/some/task.log", ENOSPC);
    CU_ASSERT_EQUAL(st->save_failed, 1);
    CU_ASSERT_EQUAL(st->fail_errno, ENOSPC);
    biz_store_detach(st);
    biz_run_free(run);
    biz_record_failed("/some/task.log", EIO);   /* detached: only said */
    biz_store_close(st);
    biz_log_shutdown();

    /* The lock: deleting the lock file lets no second holder in. */
    st = biz_store_open(dir, "t_dag", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    long holder = 0;
    int fd = biz_lock_acquire(st->dag_dir, 0, &holder, err, sizeof err);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    char *lock = NULL;
    CU_ASSERT(asprintf(&lock, "%s/lock", st->dag_dir) > 0);
    CU_ASSERT_EQUAL(unlink(lock), 0);
    CU_ASSERT_EQUAL(biz_lock_acquire(st->dag_dir, 0, &holder, err, sizeof err), -1);
    biz_lock_release(fd);
    fd = biz_lock_acquire(st->dag_dir, 0, &holder, err, sizeof err);
    CU_ASSERT_TRUE(fd >= 0);
    biz_lock_release(fd);
    free(lock);
    biz_store_close(st);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* Record times as gmtime and strftime write them, over four centuries of
 * days (leap years, the year 2000, 2100), with and without microseconds. */
static void test_iso_times(void)
{
    char got[64], want[64];
    int bad = 0;
    for (long long t = -86400LL * 365 * 2; t < 86400LL * 365 * 400 && bad < 5; t += 86400 * 7 + 3607) {
        time_t sec = (time_t)t;
        struct tm tm;
        gmtime_r(&sec, &tm);
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
        biz_state_iso_us((double)t, got, sizeof got);
        if (strcmp(got, want) != 0) {
            fprintf(stderr, "iso %lld: %s, want %s\n", t, got, want);
            bad++;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    biz_state_iso_us(1704067200.25, got, sizeof got);
    CU_ASSERT_STRING_EQUAL(got, "2024-01-01T00:00:00.250000+00:00");
    biz_state_iso_us(951782399.999999, got, sizeof got);
    CU_ASSERT_STRING_EQUAL(got, "2000-02-28T23:59:59.999999+00:00");
    biz_state_iso_us(951868800.0, got, sizeof got);
    CU_ASSERT_STRING_EQUAL(got, "2000-03-01T00:00:00+00:00");
}

/* The state name tables (run.c) have a name for every state, each once,
 * and the log's has one for every level (log.c). */
static void test_state_names(void)
{
    for (int i = 0; i < BIZ_TI__COUNT; i++) {
        CU_ASSERT_PTR_NOT_NULL_FATAL(biz_ti_state_names[i]);
        for (int j = 0; j < i; j++)
            CU_ASSERT_STRING_NOT_EQUAL(biz_ti_state_names[i], biz_ti_state_names[j]);
    }
    for (int i = 0; i < BIZ_RUN__COUNT; i++) {
        CU_ASSERT_PTR_NOT_NULL_FATAL(biz_run_state_names[i]);
        for (int j = 0; j < i; j++)
            CU_ASSERT_STRING_NOT_EQUAL(biz_run_state_names[i], biz_run_state_names[j]);
    }
    CU_ASSERT_STRING_EQUAL(biz_run_state_names[BIZ_RUN_TIMED_OUT], "timed_out");
    for (int i = BIZ_LOG_ERROR; i <= BIZ_LOG_DEBUG; i++)
        CU_ASSERT_PTR_NOT_NULL(biz_log_level_names[i]);
}

/* The syncer takes a file, syncs it off the caller's thread (drain waits
 * for it), takes the same file twice before its sync as one, and reports
 * no failure for files that sync. */
static void test_syncer(void)
{
    char path[] = "/tmp/test_syncer.XXXXXX", name[64];
    int fd = mkstemp(path);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, "line\n", 5), 5);
    CU_ASSERT_EQUAL(biz_syncer_post(fd, path), 0);
    CU_ASSERT_EQUAL(biz_syncer_post(fd, path), 0);
    /* The caller may close its descriptor at once: the thread has its own. */
    close(fd);
    biz_syncer_drain();
    CU_ASSERT_EQUAL(biz_syncer_failure(name, sizeof name), 0);
    CU_ASSERT_EQUAL(biz_syncer_post(-1, "none"), -1);
    unlink(path);
}

static const unit_test state_tests[] = {
    {"run ids", test_run_id},
    {"record times", test_iso_times},
    {"syncer thread", test_syncer},
    {"which tasks a resume reruns", test_should_rerun},
    {"record round trip and resume", test_round_trip},
    {"secrets never in records, data kept exactly", test_redaction},
    {"due intervals and catch-up", test_due},
    {"depends_on_past and prev success", test_depends_on_past},
    {"files, modes and the lock", test_files_and_lock},
    {"hostile records: checked, refused, shown", test_hostile_records},
    {"records are strict JSON (invalid UTF-8)", test_strict_json},
    {"a failed write is said, the lock file may go", test_failed_write},
    {"a one-character secret changes no data", test_one_char_secret},
    {"state and level name tables", test_state_names},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"state", NULL, NULL, state_tests},
    UNIT_SUITES_END,
};
