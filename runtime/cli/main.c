/* main.c: biz_main, what a compiled DAG's main() calls: options, the run
 * on the event loop, the summary and the exit status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <cjson/cJSON.h>
#include "args.h"
#include "bizrt.h"
#include "buf.h"
#include "cli.h"
#include "context.h"
#include "log.h"
#include "loop.h"
#include "params.h"
#include "run.h"
#include "runplan.h"
#include "runshow.h"
#include "tz.h"
#include "sched.h"
#include "show.h"
#include "signals.h"
#include "smtp.h"
#include "webhook.h"

/* The ABI check: a generated file refers to this symbol (bizrt.h). */
const int BIZRT_ABI_SYMBOL = BIZRT_ABI;

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

static const char *prog_name(char **argv)
{
    const char *p = argv && argv[0] ? argv[0] : "dag";
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Reads a whole file ('-' = stdin); malloc'd, NULL on error. */
static char *slurp(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    biz_buf buf = { 0 };
    size_t n;
    while (biz_buf_reserve(&buf, 4096) == 0 && (n = fread(buf.p + buf.n, 1, buf.cap - buf.n - 1, f)) > 0)
        buf.n += n;
    if (f != stdin)
        fclose(f);
    if (buf.p)
        buf.p[buf.n] = 0;
    return biz_buf_take(&buf);
}

/* The run's conf from --conf / --conf-file: a JSON object or NULL ({}). */
static int load_conf(const biz_cli *o, cJSON **conf, char *err, size_t errlen)
{
    *conf = NULL;
    char *text = NULL;
    const char *src = o->conf_json;
    if (o->conf_file) {
        errno = 0;
        text = slurp(o->conf_file);
        if (!text) {
            snprintf(err, errlen, "cannot read --conf-file '%s'%s%s", o->conf_file,
                     errno ? ": " : "", errno ? strerror(errno) : "");
            return -1;
        }
        src = text;
    }
    if (!src)
        return 0;
    const char *end = NULL;
    *conf = cJSON_ParseWithOpts(src, &end, 1);
    if (!*conf) {
        /* Where it went wrong: a JSON typo in a long --conf is hard to spot. */
        if (!end || end < src)
            end = src;
        snprintf(err, errlen, "--conf%s is not valid JSON: syntax error at byte %ld%s%.20s%s",
                 o->conf_file ? "-file" : "", (long)(end - src), *end ? " near '" : " (unexpected end)",
                 end, *end ? "'" : "");
        free(text);
        return -1;
    }
    free(text);
    if (!cJSON_IsObject(*conf)) {
        cJSON_Delete(*conf);
        *conf = NULL;
        snprintf(err, errlen, "--conf%s must be a JSON object", o->conf_file ? "-file" : "");
        return -1;
    }
    return 0;
}

/* The DAG's params with conf against their Param schemas (params.h). */
static int check_params(const biz_dag_def *dag, const cJSON *conf, char *err, size_t errlen)
{
    cJSON *settings = cJSON_Parse(dag->settings_json);
    int rc = biz_params_validate(settings, conf, err, errlen);
    cJSON_Delete(settings);
    return rc;
}

/* --xcom {"task_id": {"key": value}} into the run's XComs. */
static int load_xcom(biz_run *run, const char *json, char *err, size_t errlen)
{
    cJSON *x = cJSON_Parse(json);
    if (!cJSON_IsObject(x)) {
        cJSON_Delete(x);
        snprintf(err, errlen, "--xcom must be a JSON object {\"task_id\": {\"key\": value}}");
        return -1;
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, x) {
        int i = biz_run_find(run, t->string);
        if (i < 0 || !cJSON_IsObject(t)) {
            snprintf(err, errlen, i < 0 ? "--xcom: no task '%s' in this DAG"
                                        : "--xcom: the value of '%s' must be an object",
                     t->string);
            cJSON_Delete(x);
            return -1;
        }
        const cJSON *kv;
        cJSON_ArrayForEach(kv, t)
            biz_run_xcom_push(run, i, kv->string, cJSON_Duplicate(kv, 1));
    }
    cJSON_Delete(x);
    return 0;
}

static void print_version(const biz_dag_def *dag)
{
    printf("%s (compiled by bizc %s)\n", dag->dag_id, dag->bizc_version ? dag->bizc_version : "?");
    printf("source: %s sha256:%s\n", dag->source_path ? dag->source_path : "?",
           dag->source_sha256 ? dag->source_sha256 : "?");
    if (dag->build_date)
        printf("built: %s\n", dag->build_date);
    printf("runtime: libbizrt ABI %d, libcurl %s, cJSON %s\n", BIZRT_ABI,
           curl_version_info(CURLVERSION_NOW)->version, cJSON_Version());
}

static int usage_error(const char *prog, const char *msg)
{
    fprintf(stderr, "%s: %s\nTry '%s --help'.\n", prog, msg, prog);
    return EXIT_USAGE;
}

/* The first SIGINT / SIGTERM of a run: stop it cleanly (signals.h). */
static void on_signal(int signo, void *user)
{
    biz_sched_interrupt(user, signo, signo == SIGINT ? "SIGINT" : "SIGTERM");
}

/* Runs the DAG on the event loop; returns the exit status. */
static int execute(biz_run *run)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        biz_log(BIZ_LOG_ERROR, "cannot initialise libcurl");
        return EXIT_FAILED;
    }
    run->loop = biz_loop_new();
    if (!run->loop) {
        biz_log(BIZ_LOG_ERROR, "cannot create the event loop");
        curl_global_cleanup();
        return EXIT_FAILED;
    }
    /* SMTP passwords are secrets even in what tasks print. */
    biz_smtp_register_secrets(run->getenv_fn, NULL);
    biz_sched_start(run);
    if (biz_sig_install(run->loop, on_signal, run) < 0)
        biz_log(BIZ_LOG_WARN, "cannot install the SIGINT/SIGTERM handlers");
    int lrc = biz_loop_run(run->loop);
    biz_sig_uninstall();
    if (lrc < 0)
        biz_log(BIZ_LOG_ERROR, "event loop error");
    if (run->state == BIZ_RUN_RUNNING) {
        /* The loop ran dry without a verdict: cannot happen, but never
         * report success for it. */
        biz_log(BIZ_LOG_ERROR, "run ended without an outcome");
        run->state = BIZ_RUN_FAILED;
    }
    /* The success notification once the outcome is final (webhook.h):
     * the loop runs again until it is posted or has failed. */
    if (lrc >= 0 && biz_webhook_run_ended(run) && biz_loop_run(run->loop) < 0)
        biz_log(BIZ_LOG_ERROR, "event loop error");
    biz_loop_free(run->loop);
    run->loop = NULL;
    curl_global_cleanup();
    /* Interrupted: 128 + the signal, as a shell reports a killed job. */
    return run->interrupted ? 128 + run->interrupted : biz_sched_exit_status(run);
}

/* Runs one recorded run prepared by runplan.c: context, loop, summary. */
static int run_recorded(biz_run *run, const biz_cli *o)
{
    /* Tokens written in the DAG are secrets from the start. */
    for (int i = 0; i < run->n; i++)
        biz_log_secret(biz_args_str(run->tis[i]->args, run->tis[i]->def->op, BIZ_ARG_token));
    if (biz_ctx_build(run) < 0) {
        biz_log(BIZ_LOG_ERROR, "out of memory");
        return EXIT_FAILED;
    }
    int status = execute(run);
    biz_log_progress_end();
    if (o->verbosity >= 0)
        biz_show_summary(stdout, run, o->log_format);
    return status;
}

/* Runs the DAG's command line; returns the exit status. */
int biz_main(const biz_dag_def *dag, int argc, char **argv)
{
    const char *prog = prog_name(argv);
    biz_cli o;
    char err[512];
    for (int i = 0; i < dag->nzones; i++)   /* the zones compiled in, by name */
        biz_tz_register(dag->zones[i]);
    if (biz_cli_parse(argc, argv, &o, err, sizeof err) < 0)
        return usage_error(prog, err);
    if (o.help) {
        biz_cli_usage(stdout, prog, dag);
        return EXIT_OK;
    }
    if (o.version) {
        print_version(dag);
        return EXIT_OK;
    }
    if (o.graph) {
        if (biz_show_graph_as(stdout, dag, o.graph_format, err, sizeof err) < 0) {
            fprintf(stderr, "%s: %s\n", prog, err);
            return EXIT_FAILED;
        }
        return EXIT_OK;
    }
    if (o.crontab)
        return biz_runshow_crontab(stdout, dag, &o, prog);
    signal(SIGPIPE, SIG_IGN);
    biz_log_init(o.log_format, o.verbosity, stderr);

    if (o.runs || o.show) {
        int rc = o.runs ? biz_runshow_runs(stdout, dag, &o, prog)
                        : biz_runshow_run(stdout, dag, &o, prog);
        biz_log_shutdown();
        return rc;
    }

    cJSON *conf;
    if (load_conf(&o, &conf, err, sizeof err) < 0)
        return usage_error(prog, err);
    /* As Airflow creating a DagRun: the params updated with the conf must
     * validate before anything runs (a resumed run's conf did already). */
    if (!o.list && !o.resume && check_params(dag, conf, err, sizeof err) < 0) {
        cJSON_Delete(conf);
        fprintf(stderr, "%s: %s\n", prog, err);
        return EXIT_USAGE;
    }
    if (!o.list && !o.dry_run && !o.task) {
        /* A recorded run (or several: catch-up), under the DAG's lock. */
        int rc = biz_plan_main(dag, &o, conf, prog, run_recorded);
        biz_log_shutdown();
        return rc;
    }
    /* --list, --dry-run and --task are not recorded. */
    time_t logical_date;
    if (biz_plan_manual_date(&o, &logical_date, err, sizeof err) < 0) {
        cJSON_Delete(conf);
        return usage_error(prog, err);
    }
    int has_conf = conf != NULL;
    biz_run *run = biz_run_new(dag, conf, logical_date, err, sizeof err);
    if (!run) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return EXIT_FAILED;
    }
    /* Tokens written in the DAG are secrets from the start (--dry-run too). */
    for (int i = 0; i < run->n; i++)
        biz_log_secret(biz_args_str(run->tis[i]->args, run->tis[i]->def->op, BIZ_ARG_token));
    int status = EXIT_OK;
    if (o.list) {
        biz_show_list(stdout, run);
        goto out;
    }
    if (o.task) {
        run->only_task = biz_run_find(run, o.task);
        if (run->only_task < 0) {
            snprintf(err, sizeof err, "no task '%s' in DAG '%s' (see --list)", o.task, dag->dag_id);
            status = usage_error(prog, err);
            goto out;
        }
        if (o.xcom_json && load_xcom(run, o.xcom_json, err, sizeof err) < 0) {
            status = usage_error(prog, err);
            goto out;
        }
    }
    /* The data interval a recorded run would have (runplan.c): a manual
     * run's from the schedule; a dry run of a scheduled DAG without --conf
     * or --logical-date previews its latest completed interval. */
    biz_schedule_settings ps;
    if (biz_schedule_settings_read(run->settings, &ps, err, sizeof err) == 0) {
        biz_interval iv;
        double now;
        if (o.dry_run && !has_conf && !o.logical_date && ps.sched.kind != BIZ_SCHEDULE_NONE
            && biz_schedule_now(&now, err, sizeof err) == 0
            && biz_schedule_due(&ps.sched, ps.start_date, ps.end_date, 0, NULL, (time_t)now, &iv, 1) == 1) {
            char id[96];
            biz_plan_run_id("scheduled", (double)iv.start, id, sizeof id);
            char *s = strdup(id);
            if (s) {
                free(run->run_id);
                run->run_id = s;
                run->run_type = "scheduled";
                run->logical_date = iv.start;
                run->logical_us = 0;
            }
        } else {
            iv = biz_schedule_manual(&ps.sched, run->logical_date);
        }
        run->interval_start = iv.start;
        run->interval_end = iv.end;
    }
    if (biz_ctx_build(run) < 0) {
        fprintf(stderr, "%s: out of memory\n", prog);
        status = EXIT_FAILED;
        goto out;
    }
    if (o.dry_run) {
        run->dry_run = 1;
        status = biz_show_plan(stdout, run) ? EXIT_FAILED : EXIT_OK;
        goto out;
    }
    status = execute(run);
    biz_log_progress_end();
    if (o.verbosity >= 0)
        biz_show_summary(stdout, run, o.log_format);
out:
    biz_run_free(run);
    biz_log_shutdown();
    return status;
}
