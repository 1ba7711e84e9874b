/* report.h: the HTML run report (--report FILE.html at the end of a run,
 * --show RUN_ID --html FILE for a recorded one).
 *
 * One self-contained page (inline CSS and a little script; no external
 * asset, no network): the run's outcome, conf, logical date, data
 * interval, DAG version and history; the DAG drawn as an SVG graph, each
 * task coloured by its state, a group's tasks marked with the group; a
 * Gantt chart of every try (read from the run's log, which tags each
 * line with its try); each task's state, tries, error, XComs, earlier
 * outcomes and log lines. Search and collapsible groups keep it usable
 * for a DAG of thousands of tasks.
 *
 * Secrets: the record's messages and the log are masked already; a value
 * the record holds sealed (it held a secret) is shown as "***", never
 * opened; every other value is masked again with the registered secrets.
 *
 * Ownership: everything is borrowed.
 */
#ifndef BIZ_REPORT_H
#define BIZ_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "bizrt.h"

/* The colour of a task state in the report (Airflow's palette), "#ddd"
 * for an unknown one. */
const char *biz_report_color(const char *state);

/* Writes the page of rec (a run record of dag) to f; log is the run's
 * log text (NULL: none). 0, or -1 on a write error. */
int biz_report_html(FILE *f, const biz_dag_def *dag, const cJSON *rec, const char *log);

/* Writes the page to path atomically (a temporary file renamed over it),
 * mode 0600 like the run's log (the page holds its lines); the log is
 * read from the file the record names. 0, or -1 with a message. */
int biz_report_write(const char *path, const biz_dag_def *dag, const cJSON *rec,
                     char *err, size_t errlen);

#endif
