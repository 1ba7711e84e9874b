/* cli.h: the executable's command line (see biz_cli_usage).
 *
 * Ownership: the parsed options point into argv (borrowed).
 */
#ifndef BIZ_CLI_H
#define BIZ_CLI_H

#include <stdio.h>
#include <stddef.h>
#include "bizrt.h"
#include "log.h"

typedef struct biz_cli {
    const char *conf_json;   /* --conf */
    const char *conf_file;   /* --conf-file */
    const char *task;        /* --task */
    const char *xcom_json;   /* --xcom (with --task) */
    int dry_run, list, graph, version, help;
    const char *graph_format;   /* with graph: "dot", or svg/png/pdf through Graphviz */
    biz_log_format log_format;
    int verbosity;           /* -q: -1, -v: 1 */
    /* Run state (state.h, runplan.h). */
    const char *state_dir;   /* --state-dir */
    const char *resume;      /* --resume RUN_ID or "last" */
    const char *show;        /* --show RUN_ID or "last" */
    const char *logical_date;/* --logical-date ISO (a manual run) */
    int runs;                /* --runs */
    int crontab;             /* --crontab */
    int keep_runs;           /* --keep-runs N (default 100; 0 keeps all) */
    int max_catchup;         /* --max-catchup N (default 50) */
    double wait_lock;        /* --wait-lock SECONDS (default 0) */
    /* Operating recorded runs (runplan.c, metrics.h). */
    const char *rerun;       /* --rerun TASK: clear it in a recorded run, run it again */
    int downstream;          /* --downstream: and every task after it */
    const char *run_id;      /* --run RUN_ID (with --rerun; default "last") */
    int force;               /* --force: continue a run of another build */
    const char *metrics;     /* --metrics FILE (Prometheus textfile) */
    const char *report;      /* --report FILE.html: the run's report at its end */
    const char *html;        /* --html FILE: with --show, the report instead */
} biz_cli;

/* Parses argv. 0, or -1 with a message in err (a usage error). */
int biz_cli_parse(int argc, char **argv, biz_cli *out, char *err, size_t errlen);
/* Prints --help. */
void biz_cli_usage(FILE *f, const char *prog, const biz_dag_def *dag);

#endif
