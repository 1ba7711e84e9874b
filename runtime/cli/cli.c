/* cli.c: parsing the executable's options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "params.h"

/* A whole non-negative number (a count or seconds) for option name. */
static int opt_number(const char *name, const char *v, double max, double *out,
                      char *err, size_t errlen)
{
    char *end;
    double d = strtod(v, &end);
    if (!*v || *end || !(d >= 0) || d > max) {
        snprintf(err, errlen, "%s needs a number from 0 to %.0f, not '%s'", name, max, v);
        return -1;
    }
    *out = d;
    return 0;
}

/* Matches "--name" (value in the next argument) or "--name=value". */
static int opt_value(int argc, char **argv, int *i, const char *name,
                     const char **value, char *err, size_t errlen)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != 0)
        return 0;
    if (*i + 1 >= argc) {
        snprintf(err, errlen, "option %s needs a value", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

/* The formats --graph writes: DOT itself, or what Graphviz's dot renders. */
static int graph_format_ok(const char *f)
{
    return !strcmp(f, "dot") || !strcmp(f, "svg") || !strcmp(f, "png") || !strcmp(f, "pdf");
}

/* Parses argv. */
int biz_cli_parse(int argc, char **argv, biz_cli *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->log_format = BIZ_LOG_TEXT;
    o->keep_runs = 100;
    o->max_catchup = 50;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int r;
        if (strcmp(a, "--dry-run") == 0) o->dry_run = 1;
        else if (strcmp(a, "--list") == 0) o->list = 1;
        else if (strcmp(a, "--graph") == 0 || strncmp(a, "--graph=", 8) == 0) {
            /* --graph [FORMAT]: a format word may follow (dot, svg, png, pdf) */
            o->graph = 1;
            const char *fmt = a[7] == '=' ? a + 8 : i + 1 < argc && argv[i + 1][0] != '-' ? argv[++i] : "dot";
            if (!graph_format_ok(fmt)) {
                snprintf(err, errlen, "--graph: unknown format '%s' (dot, svg, png or pdf)", fmt);
                return -1;
            }
            o->graph_format = fmt;
        }
        else if (strcmp(a, "--version") == 0) o->version = 1;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) o->help = 1;
        else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) o->verbosity = -1;
        else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) o->verbosity = 1;
        else if (strcmp(a, "--runs") == 0) o->runs = 1;
        else if (strcmp(a, "--crontab") == 0) o->crontab = 1;
        else if (strcmp(a, "--downstream") == 0) o->downstream = 1;
        else if (strcmp(a, "--force") == 0) o->force = 1;
        else if ((r = opt_value(argc, argv, &i, "--state-dir", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->state_dir = v;
        } else if ((r = opt_value(argc, argv, &i, "--resume", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->resume = v;
        } else if ((r = opt_value(argc, argv, &i, "--rerun", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->rerun = v;
        } else if ((r = opt_value(argc, argv, &i, "--run", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->run_id = v;
        } else if ((r = opt_value(argc, argv, &i, "--metrics", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            if (!*v) {
                snprintf(err, errlen, "--metrics needs a file name");
                return -1;
            }
            o->metrics = v;
        } else if ((r = opt_value(argc, argv, &i, "--report", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            if (!*v) {
                snprintf(err, errlen, "--report needs a file name");
                return -1;
            }
            o->report = v;
        } else if ((r = opt_value(argc, argv, &i, "--html", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            if (!*v) {
                snprintf(err, errlen, "--html needs a file name");
                return -1;
            }
            o->html = v;
        } else if ((r = opt_value(argc, argv, &i, "--show", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->show = v;
        } else if ((r = opt_value(argc, argv, &i, "--logical-date", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->logical_date = v;
        } else if ((r = opt_value(argc, argv, &i, "--keep-runs", &v, err, errlen)) != 0) {
            double d;
            if (r < 0 || opt_number("--keep-runs", v, 1e9, &d, err, errlen) < 0) return -1;
            o->keep_runs = (int)d;
        } else if ((r = opt_value(argc, argv, &i, "--max-catchup", &v, err, errlen)) != 0) {
            double d;
            if (r < 0 || opt_number("--max-catchup", v, 1e6, &d, err, errlen) < 0) return -1;
            if (d < 1) {
                /* Not silently 1: --keep-runs 0 means "no limit", this cannot. */
                snprintf(err, errlen, "--max-catchup needs at least 1 (intervals run per invocation), not '%s'", v);
                return -1;
            }
            o->max_catchup = (int)d;
        } else if ((r = opt_value(argc, argv, &i, "--wait-lock", &v, err, errlen)) != 0) {
            if (r < 0 || opt_number("--wait-lock", v, 1e7, &o->wait_lock, err, errlen) < 0) return -1;
        } else if ((r = opt_value(argc, argv, &i, "--conf", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->conf_json = v;
        } else if ((r = opt_value(argc, argv, &i, "--conf-file", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->conf_file = v;
        } else if ((r = opt_value(argc, argv, &i, "--task", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->task = v;
        } else if ((r = opt_value(argc, argv, &i, "--xcom", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->xcom_json = v;
        } else if ((r = opt_value(argc, argv, &i, "--log-format", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            if (strcmp(v, "text") == 0)
                o->log_format = BIZ_LOG_TEXT;
            else if (strcmp(v, "json") == 0)
                o->log_format = BIZ_LOG_JSON;
            else {
                snprintf(err, errlen, "--log-format must be text or json, not '%s'", v);
                return -1;
            }
        } else {
            snprintf(err, errlen, "%s '%s'", a[0] == '-' ? "unknown option" : "unexpected argument", a);
            return -1;
        }
    }
    if (o->conf_json && o->conf_file) {
        snprintf(err, errlen, "--conf and --conf-file cannot be used together");
        return -1;
    }
    if (o->xcom_json && !o->task) {
        snprintf(err, errlen, "--xcom needs --task");
        return -1;
    }
    /* One action at a time: the others would be silently ignored (a
     * "--dry-run --resume last" would preview a fresh run, not the resume). */
    const char *names[] = {"--dry-run", "--list", "--graph", "--runs", "--show", "--crontab", "--resume",
                           "--rerun"};
    int set[] = {o->dry_run, o->list, o->graph, o->runs, o->show != NULL, o->crontab, o->resume != NULL,
                 o->rerun != NULL};
    const char *first = NULL;
    for (size_t k = 0; k < sizeof set / sizeof *set; k++) {
        if (!set[k])
            continue;
        if (first) {
            snprintf(err, errlen, "%s and %s cannot be used together", first, names[k]);
            return -1;
        }
        first = names[k];
    }
    if (o->resume && (o->conf_json || o->conf_file || o->logical_date || o->task)) {
        snprintf(err, errlen, "--resume reruns a run with its own conf and logical date:"
                 " it cannot be used with --conf, --conf-file, --logical-date or --task");
        return -1;
    }
    if (o->rerun && (o->conf_json || o->conf_file || o->logical_date || o->task)) {
        snprintf(err, errlen, "--rerun runs tasks again with their run's own conf and logical date:"
                 " it cannot be used with --conf, --conf-file, --logical-date or --task");
        return -1;
    }
    if ((o->downstream || o->run_id) && !o->rerun) {
        snprintf(err, errlen, "%s needs --rerun TASK", o->downstream ? "--downstream" : "--run");
        return -1;
    }
    if (o->force && !o->rerun && !o->resume) {
        snprintf(err, errlen, "--force needs --resume or --rerun (it continues a run recorded by"
                 " another build of the DAG)");
        return -1;
    }
    if (o->html && !o->show) {
        snprintf(err, errlen, "--html needs --show RUN_ID (--report FILE writes a run's report at its end)");
        return -1;
    }
    if (o->report && (o->dry_run || o->list || o->graph || o->runs || o->show || o->crontab ||
                      o->task)) {
        snprintf(err, errlen, "--report is written at the end of recorded runs: it cannot be used"
                 " with --dry-run, --list, --graph, --runs, --show (use --show RUN_ID --html FILE),"
                 " --crontab or --task");
        return -1;
    }
    if (o->metrics && (o->dry_run || o->list || o->graph || o->runs || o->show || o->crontab ||
                       o->task)) {
        snprintf(err, errlen, "--metrics is written at the end of recorded runs: it cannot be used"
                 " with --dry-run, --list, --graph, --runs, --show, --crontab or --task");
        return -1;
    }
    return 0;
}

/* Prints --help. */
void biz_cli_usage(FILE *f, const char *prog, const biz_dag_def *dag)
{
    fprintf(f,
        "Usage: %s [OPTION]...\n"
        "Runs the DAG '%s' once (compiled from %s by bizc).\n"
        "\n"
        "  --conf JSON          the run's dag_run.conf (a JSON object)\n"
        "  --conf-file FILE     the same, read from FILE ('-' for stdin)\n"
        "  --dry-run            render every template, call nothing, print the plan\n"
        "  --list               list the tasks: operator, upstream tasks, trigger rule, owner\n"
        "  --graph [FORMAT]     print the DAG as Graphviz DOT, or with FORMAT svg, png or\n"
        "                       pdf rendered by Graphviz's dot (which must be installed)\n"
        "  --task ID            run one task alone, ignoring its upstream tasks\n"
        "  --xcom JSON          with --task: upstream XComs, {\"task_id\": {\"key\": value}}\n"
        "  --logical-date ISO   a manual run for that date (e.g. 2024-01-01)\n"
        "  --state-dir DIR      where runs are recorded (default: $BIZ_STATE_DIR, else\n"
        "                       $XDG_STATE_HOME/biz, else ~/.local/state/biz)\n"
        "  --resume RUN_ID      rerun the failed and unfinished tasks of a recorded run\n"
        "                       ('last': the latest), keeping what succeeded\n"
        "  --rerun TASK         clear TASK in a recorded run and run it again, with the\n"
        "                       run's conf and the XComs of the tasks kept\n"
        "  --downstream         with --rerun: every task after TASK too\n"
        "  --run RUN_ID         with --rerun: the run ('last', the default: the latest)\n"
        "  --force              --resume/--rerun a run recorded by another build of the DAG\n"
        "  --metrics FILE       write the run's metrics at its end (Prometheus text format,\n"
        "                       node_exporter's textfile collector; atomic)\n"
        "  --report FILE        write the run's HTML report at its end (one self-contained\n"
        "                       page: graph by state, Gantt of tries, logs, XComs)\n"
        "  --runs               list the recorded runs (with the DAG version of each)\n"
        "  --show RUN_ID        show one recorded run ('last': the latest)\n"
        "  --html FILE          with --show: write that run's HTML report to FILE instead\n"
        "  --keep-runs N        keep the records and logs of the N latest runs (100; 0: all)\n"
        "  --max-catchup N      run at most N due intervals in one invocation (50)\n"
        "  --wait-lock SECONDS  wait that long for a run of this DAG already going\n"
        "  --crontab            print the crontab line for the DAG's schedule\n"
        "  --log-format FORMAT  text (default) or json (one object per line)\n"
        "  -q, --quiet          only errors and warnings; no summary\n"
        "  -v, --verbose        debug messages too (no progress line)\n"
        "  --version            DAG id, bizc version, source checksum\n"
        "  -h, --help           this help\n"
        "\n"
        "Environment: AIRFLOW_CONN_<ID> (connections, e.g. AIRFLOW_CONN_COWORKS_DIRECTORY),\n"
        "AIRFLOW_VAR_<NAME> (variables), BIZ_API_GATEWAY_REGION (default eu-west-1),\n"
        "BIZ_API_GATEWAY_URL (base URL for calls by api_id, with {api_id}, {stage}, {region}),\n"
        "BIZ_STATE_DIR (the state directory), BIZ_NOW (an ISO time used as now, for tests).\n"
        "BIZ_KILL_GRACE_MS (ms between SIGTERM and SIGKILL to a BashOperator's\n"
        "process group on timeout or stop; default 5000).\n"
        "BIZ_HTTP_MAX_RESPONSE_BYTES (default 4194304), BIZ_HTTP_MAX_JSON_VALUES (250000),\n"
        "BIZ_HTTP_TIMEOUT (s, default 300, without execution_timeout), BIZ_HTTP_LOW_SPEED_TIME\n"
        "(s below 1 byte/s, default 60): limits on what a server sends (0: none).\n"
        "BIZ_WEBHOOK_URL, or the connection BIZ_WEBHOOK_CONN_ID (default biz_webhook):\n"
        "failure/retry/success notifications posted there; BIZ_WEBHOOK_FORMAT (slack or\n"
        "json), BIZ_WEBHOOK_EVENTS (failure,retry,success), BIZ_WEBHOOK_TRIES (3),\n"
        "BIZ_WEBHOOK_RETRY_DELAY (s, 2), BIZ_WEBHOOK_TIMEOUT (s, 10).\n"
        "\n"
        "Without --conf or --logical-date, a DAG with a schedule runs the intervals due\n"
        "now (with catchup, every interval since the last successful run); a DAG\n"
        "without one runs once, by hand.\n"
        "\n"
        "Exit status: 0 the run succeeded (or nothing was due), 1 it failed, 2 usage error\n"
        "(params that do not validate included),\n"
        "3 dagrun_timeout, 4 another run of this DAG holds the lock,\n"
        "5 the run could not be recorded (a write of its record or log failed: no\n"
        "task starts after it; or the state directory is not writable: no run),\n"
        "130 / 143 stopped by SIGINT / SIGTERM (running tasks killed, marked failed,\n"
        "the summary printed; a second signal exits at once).\n",
        prog, dag->dag_id, dag->source_path ? dag->source_path : "?");
    cJSON *settings = cJSON_Parse(dag->settings_json);
    biz_params_help(f, settings);
    cJSON_Delete(settings);
}
