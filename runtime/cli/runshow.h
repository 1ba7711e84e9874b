/* runshow.h: what the executable prints about its runs without making
 * one: --runs (the recorded runs, newest first), --show (one run's tasks)
 * and --crontab (the crontab line of the DAG's schedule).
 *
 * Ownership: records are read from the state directory and freed before
 * each function returns; nothing is kept.
 */
#ifndef BIZ_RUNSHOW_H
#define BIZ_RUNSHOW_H

#include <stdio.h>
#include <cjson/cJSON.h>
#include "bizrt.h"
#include "cli.h"

/* --runs and --show. Return the exit status. */
int biz_runshow_runs(FILE *f, const biz_dag_def *dag, const biz_cli *o, const char *prog);
int biz_runshow_run(FILE *f, const biz_dag_def *dag, const biz_cli *o, const char *prog);
/* Prints one record (for --show). */
void biz_runshow_record(FILE *f, const cJSON *rec, const char *record_path);

/* --crontab: the crontab line of the DAG's schedule; exit status 1 when it
 * has none. */
int biz_runshow_crontab(FILE *f, const biz_dag_def *dag, const biz_cli *o, const char *prog);

#endif
