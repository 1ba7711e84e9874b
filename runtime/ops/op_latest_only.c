/* op_latest_only.c: LatestOnlyOperator, as Airflow 2's: in a scheduled
 * run that is not the latest one (a catch-up of an older interval), its
 * direct downstream tasks are skipped (and what follows them as their
 * trigger rules say); a manual run, or a DAG without a next interval,
 * goes on. "The latest" is Airflow's test: now falls in the interval that
 * follows the run's own on the schedule (next_dagrun_info with
 * restricted=False), left end excluded. Its XCom is the ids followed,
 * sorted. */
#include <stdlib.h>
#include <string.h>
#include "op.h"
#include "run.h"
#include "schedule.h"

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void latest_only_start(biz_try *t)
{
    biz_run *run = t->run;
    const biz_ti *ti = t->ti;
    /* its direct downstream tasks, sorted: Airflow lists them from a set,
     * in an order that changes with Python's hash seed */
    const char **ids = calloc((size_t)ti->ndown + 1, sizeof *ids);
    for (int k = 0; ids && k < ti->ndown; k++)
        ids[k] = run->tis[ti->down[k]]->def->task_id;
    if (ids)
        qsort(ids, (size_t)ti->ndown, sizeof *ids, by_name);
    cJSON *all = ids ? cJSON_CreateArray() : NULL;
    for (int k = 0; all && k < ti->ndown; k++)
        cJSON_AddItemToArray(all, cJSON_CreateString(ids[k]));
    free(ids);
    if (!all) {
        biz_try_done(t, BIZ_OUT_FAILED, 1, "out of memory");
        return;
    }
    int follow = 1;
    const char *why = "a manual run: every downstream task goes on";
    if (run->run_type && strcmp(run->run_type, "scheduled") == 0) {
        biz_schedule_settings ps;
        biz_interval cur = { run->interval_start, run->interval_end }, next;
        double now = 0;
        char err[200];
        if (biz_schedule_settings_read(run->settings, &ps, err, sizeof err) < 0 ||
            biz_schedule_now(&now, err, sizeof err) < 0) {
            cJSON_Delete(all);
            biz_try_done(t, BIZ_OUT_FAILED, 1, "%s", err);
            return;
        }
        if (biz_schedule_next(&ps.sched, ps.start_date, BIZ_NO_TIME, 1, &cur, (time_t)now, &next) != 0) {
            why = "no next interval: the run is the latest";
        } else if ((double)next.start < now && now <= (double)next.end) {
            why = "the latest run: every downstream task goes on";
        } else {
            follow = 0;
            why = "not the latest run (now is past the next interval): its downstream tasks are skipped";
        }
    }
    cJSON *chosen = follow ? all : cJSON_CreateArray();
    biz_try_branch(t, chosen);
    biz_try_log(t, BIZ_LOG_INFO, "%s", why);
    if (biz_try_arg_bool(t, BIZ_ARG_do_xcom_push) && chosen)
        biz_try_xcom_push(t, "return_value", cJSON_Duplicate(chosen, 1));
    if (chosen != all)
        cJSON_Delete(chosen);
    cJSON_Delete(all);
    biz_try_done(t, BIZ_OUT_SUCCESS, 0, NULL);
}

const biz_op_vt biz_op_latest_only_vt = { latest_only_start, NULL };
