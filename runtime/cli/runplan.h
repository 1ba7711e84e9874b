/* runplan.h: which runs one invocation makes, from the DAG's schedule, the
 * command line and the run records; the loop over them (lock, record,
 * resume, catch-up, pruning). --runs, --show and --crontab are runshow.h.
 *
 * A plain invocation of a scheduled DAG runs the data intervals due now
 * (schedule.h): with catchup every interval after the last successful
 * scheduled run, in order, stopping at the first run that fails; without,
 * only the latest. An interval that already has a record that did not
 * succeed (failed, or killed while running) is resumed, not started anew.
 * --conf, --logical-date or a DAG without schedule make one manual run.
 *
 * Ownership: records are cJSON arrays owned by the caller; the plan
 * functions only read them. Run ids are written into caller buffers.
 */
#ifndef BIZ_RUNPLAN_H
#define BIZ_RUNPLAN_H

#include <stdio.h>
#include <cjson/cJSON.h>
#include "bizrt.h"
#include "cli.h"
#include "run.h"
#include "schedule.h"

/* Exit status when another run of the DAG holds the lock. */
#define BIZ_EXIT_LOCKED 4
/* Exit status when the run could not be recorded: a write of its record,
 * journal or log failed (the run stopped starting tasks), or the state
 * directory cannot be written at all (the run did not start). */
#define BIZ_EXIT_RECORD 5

/* A run id: "<type>__<t in ISO>", as Airflow: "scheduled__2024-01-01T00:00:00+00:00",
 * "manual__2024-01-03T06:00:00.123456+00:00" (microseconds when any). */
void biz_plan_run_id(const char *type, double t, char *buf, size_t len);

/* One run to make. */
typedef struct biz_plan_item {
    biz_interval iv;               /* its data interval */
    const cJSON *rec;              /* its existing record (resumed), or NULL */
} biz_plan_item;

/* The scheduled runs due at now, oldest first, at most max (see the top).
 * Returns how many were written to out. */
int biz_plan_due(const biz_schedule_settings *ps, const cJSON *records, time_t now,
                 biz_plan_item *out, int max);

/* The record named by id ("last": the latest started), borrowed from
 * records, or NULL. */
const cJSON *biz_plan_find(const cJSON *records, const char *id);

/* depends_on_past: blocks (ti->blocked, with the reason) every task with
 * depends_on_past whose instance in the previous run (the record with the
 * greatest logical date before run's, another run id) neither succeeded nor
 * was skipped. Returns how many tasks were blocked. */
int biz_plan_depends_on_past(biz_run *run, const cJSON *records);

/* Sets run's prev_success_* from the latest successful run before it. */
void biz_plan_prev_success(biz_run *run, const cJSON *records);

/* Whether rec was recorded by another build of the DAG (its source's
 * sha256 or bizc's version differ from this executable's): 1 with a
 * message naming both in why, else 0. --resume and --rerun refuse such a
 * run unless --force. */
int biz_plan_other_build(const biz_dag_def *dag, const cJSON *rec, char *why, size_t len);

/* Runs one prepared run (context, event loop, summary); returns its exit
 * status. Supplied by main.c. */
typedef int (*biz_plan_exec_fn)(biz_run *run, const biz_cli *o);

/* Takes the lock, decides the runs (above), makes each with its record,
 * prunes old runs. conf is consumed. Returns the exit status. */
int biz_plan_main(const biz_dag_def *dag, const biz_cli *o, cJSON *conf, const char *prog,
                  biz_plan_exec_fn exec);

/* The logical date of a run that is not recorded (--dry-run, --task):
 * --logical-date, else now. 0, or -1 with a message. */
int biz_plan_manual_date(const biz_cli *o, time_t *out, char *err, size_t errlen);

#endif
