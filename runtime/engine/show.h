/* show.h: what the executable prints besides its log: --list, --graph,
 * the --dry-run plan and the end-of-run summary.
 *
 * Ownership: nothing is kept; the run is borrowed.
 */
#ifndef BIZ_SHOW_H
#define BIZ_SHOW_H

#include <stdio.h>
#include "run.h"
#include "log.h"

/* Task, operator, upstream tasks and trigger rule, one task a line. */
void biz_show_list(FILE *f, const biz_run *run);
/* The DAG as Graphviz DOT; a group's tasks in `subgraph cluster_<group>`. */
void biz_show_graph(FILE *f, const biz_dag_def *dag);
/* --graph FORMAT: the DOT ("dot"), or Graphviz's dot rendering of it
 * (svg, png, pdf) written to out. 0, or -1 with a message in err. */
int biz_show_graph_as(FILE *out, const biz_dag_def *dag, const char *format, char *err, size_t errlen);
/* The --dry-run plan: tasks in dependency order with their arguments,
 * templates rendered. Returns how many templates failed to render. */
int biz_show_plan(FILE *f, biz_run *run);
/* Each task's state, tries and duration (a table, or one JSON line). */
void biz_show_summary(FILE *f, const biz_run *run, biz_log_format format);

#endif
