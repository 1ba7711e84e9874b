/* context.h: the template context of a run and the rendering of a task's
 * templated arguments.
 *
 * Ownership: biz_ctx_build stores a new tree in run->context (freed with
 * the run). biz_ctx_render_args returns a new object the caller frees;
 * its error message is a malloc'd string the caller frees.
 */
#ifndef BIZ_CONTEXT_H
#define BIZ_CONTEXT_H

#include <time.h>
#include <cjson/cJSON.h>
#include "run.h"

/* Builds run->context: ds, ds_nodash, ts, ts_nodash, logical_date,
 * data_interval_start/end, run_id, dag_run {conf, run_id, logical_date,
 * run_type}, params (the DAG's params overridden by conf keys, as Airflow's
 * dag_run_conf_overrides_params; per render, the task's own params= come
 * between the two), dag {dag_id}, task (set per render).
 * 0, or -1 when out of memory. */
int biz_ctx_build(biz_run *run);

/* ti's templated arguments (ops.c flags) rendered for try try_number: an
 * object of those whose rendering changed them (biz_try_arg reads the
 * others from ti->args and the table's defaults). NULL on a template
 * error, with *err set to
 * "task 'x', argument 'json' (file.biz:12:14): template error at offset N:
 * <reason>" and the template text on the next line. */
cJSON *biz_ctx_render_args(biz_run *run, biz_ti *ti, int try_number, char **err);

/* For --dry-run: renders every templated argument it can, leaving the
 * failing ones as written; *err gets all errors, one a line (NULL when
 * none). NULL only when out of memory. */
cJSON *biz_ctx_render_args_all(biz_run *run, biz_ti *ti, char **err);

/* For --dry-run (run->dry_run set): as biz_ctx_render_args_all, but an
 * XCom the run lacks renders as "<xcom of task 'x'>" (or "<xcom 'key' of
 * task 'x'>"), and an argument that fails only because of such a
 * placeholder is left as written and described in *notes ("argument 'json'
 * depends on the XCom of 'x': rendered at run time", one a line, NULL when
 * none) instead of *err. Both malloc'd. */
cJSON *biz_ctx_render_args_plan(biz_run *run, biz_ti *ti, char **err, char **notes);

/* Sets obj[key] = a copy of each member of from (Python's dict.update:
 * existing keys keep their place, the last of repeated keys wins), in time
 * linear in the keys. 0, or -1 when out of memory. */
int biz_ctx_update(cJSON *obj, const cJSON *from);

/* The run's ts, logical_date.isoformat() in UTC: "2024-01-01T00:00:00+00:00",
 * the fraction only when not zero. len >= 48 holds any. */
void biz_ctx_ts(const biz_run *run, char *buf, size_t len);

#endif
