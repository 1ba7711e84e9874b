/* runplan.c: deciding the runs of one invocation and making them, with the
 * lock, the records, resume and catch-up (see runplan.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runplan.h"
#include "args.h"
#include "isotime.h"
#include "lock.h"
#include "proc.h"
#include "log.h"
#include "metrics.h"
#include "report.h"
#include "state.h"

/* ---------------------------------------------------------------- pure parts */

static const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int jtime(const cJSON *o, const char *name, time_t *out)
{
    const char *s = jstr(o, name);
    return s && biz_isotime_parse(s, out) == 0 ? 0 : -1;
}

/* A run id of type at t. */
void biz_plan_run_id(const char *type, double t, char *buf, size_t len)
{
    char iso[48];
    biz_state_iso_us(t, iso, sizeof iso);
    snprintf(buf, len, "%s__%s", type, iso);
}

/* The latest successful scheduled run's interval. */
static int last_success(const cJSON *records, biz_interval *out)
{
    int found = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, records) {
        const char *type = jstr(r, "run_type"), *state = jstr(r, "state");
        biz_interval iv;
        if (!type || strcmp(type, "scheduled") != 0 || !state || strcmp(state, "success") != 0)
            continue;
        if (jtime(r, "data_interval_start", &iv.start) < 0 || jtime(r, "data_interval_end", &iv.end) < 0)
            continue;
        if (!found || iv.start > out->start) {
            *out = iv;
            found = 1;
        }
    }
    return found;
}

/* The record whose run id is id, or NULL. */
static const cJSON *by_id(const cJSON *records, const char *id)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, records) {
        const char *rid = jstr(r, "run_id");
        if (rid && strcmp(rid, id) == 0)
            return r;
    }
    return NULL;
}

/* The scheduled runs due at now. */
int biz_plan_due(const biz_schedule_settings *ps, const cJSON *records, time_t now,
                 biz_plan_item *out, int max)
{
    if (max <= 0)
        return 0;
    biz_interval last;
    int has_last = last_success(records, &last);
    biz_interval *iv = calloc((size_t)max, sizeof *iv);
    if (!iv)
        return 0;
    int n = biz_schedule_due(&ps->sched, ps->start_date, ps->end_date, ps->catchup,
                          has_last ? &last : NULL, now, iv, max);
    int k = 0;
    for (int i = 0; i < n; i++) {
        char id[96];
        biz_plan_run_id("scheduled", (double)iv[i].start, id, sizeof id);
        const cJSON *rec = by_id(records, id);
        const char *state = rec ? jstr(rec, "state") : NULL;
        if (state && strcmp(state, "success") == 0)
            continue;   /* done already (a schedule changed under it) */
        out[k].iv = iv[i];
        out[k].rec = rec;
        k++;
    }
    free(iv);
    return k;
}

/* The record named id ("last": the latest started), or NULL. */
const cJSON *biz_plan_find(const cJSON *records, const char *id)
{
    if (strcmp(id, "last") == 0) {
        int n = cJSON_GetArraySize(records);
        return n > 0 ? cJSON_GetArrayItem(records, n - 1) : NULL;  /* sorted by start */
    }
    return by_id(records, id);
}

/* The record of the run before run (by logical date), or NULL. */
static const cJSON *previous_run(const biz_run *run, const cJSON *records, int success_only)
{
    const cJSON *best = NULL, *r;
    time_t best_t = 0;
    cJSON_ArrayForEach(r, records) {
        const char *rid = jstr(r, "run_id"), *state = jstr(r, "state");
        time_t t;
        if (!rid || strcmp(rid, run->run_id) == 0 || jtime(r, "logical_date", &t) < 0)
            continue;
        if (t >= run->logical_date)
            continue;
        if (success_only && (!state || strcmp(state, "success") != 0))
            continue;
        if (!best || t >= best_t) {  /* ties: the later started (records are sorted) */
            best = r;
            best_t = t;
        }
    }
    return best;
}

/* Blocks the tasks whose depends_on_past is not met. */
int biz_plan_depends_on_past(biz_run *run, const cJSON *records)
{
    const cJSON *prev = NULL;
    int looked = 0, blocked = 0;
    for (int i = 0; i < run->n; i++) {
        biz_ti *ti = run->tis[i];
        free(ti->blocked);
        ti->blocked = NULL;
        if (ti->state != BIZ_TI_NONE || !biz_args_bool(ti->args, ti->def->op, BIZ_ARG_depends_on_past))
            continue;
        if (!looked) {
            prev = previous_run(run, records, 0);
            looked = 1;
        }
        if (!prev)
            continue;   /* no previous run: passes */
        const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(prev, "tasks");
        const cJSON *pt = cJSON_GetObjectItemCaseSensitive(tasks, ti->def->task_id);
        const char *st = jstr(pt, "state");
        if (!pt || (st && (strcmp(st, "success") == 0 || strcmp(st, "skipped") == 0)))
            continue;
        if (asprintf(&ti->blocked, "depends_on_past: in the previous run %s this task is %s,"
                     " not success or skipped", jstr(prev, "run_id"), st ? st : "unknown") < 0)
            ti->blocked = NULL;
        else
            blocked++;
    }
    return blocked;
}

/* Sets run's prev_success_* from the records. */
void biz_plan_prev_success(biz_run *run, const cJSON *records)
{
    const cJSON *p = previous_run(run, records, 1);
    run->has_prev_success = p && jtime(p, "data_interval_start", &run->prev_success_start) == 0 &&
                            jtime(p, "data_interval_end", &run->prev_success_end) == 0;
}

/* The logical date of an unrecorded run. */
int biz_plan_manual_date(const biz_cli *o, time_t *out, char *err, size_t errlen)
{
    if (o->logical_date) {
        if (biz_isotime_parse(o->logical_date, out) != 0) {
            snprintf(err, errlen, "--logical-date '%s' is not an ISO date (e.g. 2024-01-01 or"
                     " 2024-01-01T06:00:00Z)", o->logical_date);
            return -1;
        }
        return 0;
    }
    double now;
    if (biz_schedule_now(&now, err, errlen) < 0)
        return -1;
    *out = (time_t)now;
    return 0;
}

/* ---------------------------------------------------------------- making runs */

typedef struct plan_ctx {
    const biz_dag_def *dag;
    const biz_cli *o;
    const char *prog;
    biz_plan_exec_fn exec;
    biz_store *st;
    cJSON *records;     /* refreshed after each run that another follows */
    int more;           /* another run follows this one (catch-up) */
    int made;           /* records this invocation may have added */
    const unsigned char *clear;  /* --rerun: the tasks it clears, or NULL */
} plan_ctx;

/* ---------------------------------------------------------------- DAG version */

/* Whether rec was recorded by another build of the DAG than this
 * executable: its source's sha256 or the bizc that compiled it differ.
 * A record that does not say (older records have no bizc_version) is
 * taken as the same on that field. The message names both builds. */
int biz_plan_other_build(const biz_dag_def *dag, const cJSON *rec, char *why, size_t len)
{
    const char *rs = jstr(rec, "source_sha256"), *rv = jstr(rec, "bizc_version");
    const char *ds = dag->source_sha256 ? dag->source_sha256 : "";
    const char *dv = dag->bizc_version ? dag->bizc_version : "";
    int other = (rs && *rs && *ds && strcmp(rs, ds) != 0) || (rv && *rv && *dv && strcmp(rv, dv) != 0);
    if (other)
        snprintf(why, len, "run %s was recorded by another build of DAG '%s' (source sha256:%.12s,"
                 " bizc %s; this executable: sha256:%.12s, bizc %s)", jstr(rec, "run_id"),
                 dag->dag_id, rs && *rs ? rs : "?", rv && *rv ? rv : "?", *ds ? ds : "?",
                 *dv ? dv : "?");
    return other;
}

/* The run-level history entry of a resume or a rerun of rec. */
static void note_history(biz_run *run, const cJSON *rec, const char *action, const char *task,
                         int downstream, const unsigned char *clear)
{
    if (!run->history)
        run->history = cJSON_CreateArray();
    cJSON *e = cJSON_CreateObject();
    if (!run->history || !e) {
        cJSON_Delete(e);
        return;
    }
    char now[48];
    biz_state_iso_us(biz_run_wall_now(), now, sizeof now);
    cJSON_AddStringToObject(e, "action", action);
    cJSON_AddStringToObject(e, "at", now);
    cJSON_AddStringToObject(e, "previous_state", jstr(rec, "state") ? jstr(rec, "state") : "?");
    if (task) {
        cJSON_AddStringToObject(e, "task", task);
        cJSON_AddBoolToObject(e, "downstream", downstream);
        cJSON *ids = cJSON_AddArrayToObject(e, "cleared");
        for (int i = 0; ids && clear && i < run->n; i++)
            if (clear[i])
                cJSON_AddItemToArray(ids, cJSON_CreateString(run->tis[i]->def->task_id));
    }
    /* The build that ran the run until now: a forced continuation by
     * another build stays visible. */
    const char *rs = jstr(rec, "source_sha256"), *rv = jstr(rec, "bizc_version");
    cJSON_AddStringToObject(e, "source_sha256", rs ? rs : "");
    cJSON_AddStringToObject(e, "bizc_version", rv ? rv : "");
    cJSON_AddItemToArray(run->history, e);
}

static void reload(plan_ctx *pc)
{
    cJSON_Delete(pc->records);
    pc->records = biz_store_list(pc->st);
}

/* Puts the record of run (just ended) in pc->records in place of the one
 * read from disk: what the next run of this invocation plans with, without
 * reading every record again. */
static void remember(plan_ctx *pc, const biz_run *run)
{
    cJSON *rec = biz_record_from_run(run, pc->st);
    if (!rec) {
        reload(pc);
        return;
    }
    int i = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, pc->records) {
        const char *id = jstr(r, "run_id");
        if (id && strcmp(id, run->run_id) == 0) {
            cJSON_ReplaceItemInArray(pc->records, i, rec);
            return;
        }
        i++;
    }
    cJSON_AddItemToArray(pc->records, rec);
}

/* Logs each failed task with its log file. */
static void report_failures(const biz_run *run, const biz_store *st)
{
    for (int i = 0; i < run->n; i++) {
        const biz_ti *ti = run->tis[i];
        if (ti->state == BIZ_TI_FAILED) {
            char *log = biz_store_log_path(st, run->run_id);
            biz_log(BIZ_LOG_ERROR, "task '%s' failed (try %d): %s; log: %s", ti->def->task_id,
                    ti->tries, ti->reason ? ti->reason : "?", log ? log : "?");
            free(log);
        } else if (ti->blocked && ti->state == BIZ_TI_NONE) {
            biz_log(BIZ_LOG_ERROR, "task '%s' did not run: %s", ti->def->task_id, ti->blocked);
        }
    }
}

/* Makes one run: fresh (rec NULL) or resumed from rec. Returns its exit status. */
static int make_run(plan_ctx *pc, cJSON *conf, const char *type, double ld,
                    biz_interval iv, const cJSON *rec)
{
    char err[512];
    biz_run *run = biz_run_new(pc->dag, conf, (time_t)ld, err, sizeof err);
    if (!run) {
        fprintf(stderr, "%s: %s\n", pc->prog, err);
        return 1;
    }
    run->logical_us = (int)((ld - (double)(time_t)ld) * 1e6 + 0.5);
    if (run->logical_us > 999999)
        run->logical_us = 999999;
    if (rec) {
        const char *action = pc->clear ? "rerun" : "resume";
        int rerun = biz_record_apply_clear(run, rec, pc->clear, action, err, sizeof err);
        if (rerun < 0) {
            fprintf(stderr, "%s: --%s: %s\n", pc->prog, action, err);
            biz_run_free(run);
            return 1;
        }
        note_history(run, rec, action, pc->clear ? pc->o->rerun : NULL, pc->o->downstream,
                     pc->clear);
        if (pc->clear) {
            int cleared = 0;
            for (int i = 0; i < run->n; i++)
                cleared += pc->clear[i];
            biz_log(BIZ_LOG_INFO, "rerunning run %s from task '%s'%s: %d task(s) cleared, %d to run"
                    " again, %d kept with their XComs", run->run_id, pc->o->rerun,
                    pc->o->downstream ? " and its downstream tasks" : "", cleared, rerun,
                    run->n - rerun);
        } else {
            biz_log(BIZ_LOG_INFO, "resuming run %s: %d task(s) to run again, %d kept",
                    run->run_id, rerun, run->n - rerun);
        }
    } else {
        char id[96];
        biz_plan_run_id(type, ld, id, sizeof id);
        char *s = strdup(id);
        if (!s) {
            biz_run_free(run);
            return 1;
        }
        free(run->run_id);
        run->run_id = s;
        run->run_type = strcmp(type, "scheduled") == 0 ? "scheduled" : "manual";
        run->interval_start = iv.start;
        run->interval_end = iv.end;
        /* Without a schedule the interval is the logical instant itself. */
        if (iv.start == run->logical_date && iv.end == run->logical_date)
            run->interval_us = run->logical_us;
        run->run_number = cJSON_GetArraySize(pc->records) + 1;
    }
    biz_plan_prev_success(run, pc->records);
    int blocked = biz_plan_depends_on_past(run, pc->records);
    for (int i = 0; blocked && i < run->n; i++)
        if (run->tis[i]->blocked)
            biz_log_event(BIZ_LOG_WARN, "blocked", run->tis[i]->def->task_id, 0,
                          "will not run: %s", run->tis[i]->blocked);
    biz_store_attach(pc->st, run);
    pc->made += !rec;
    if (biz_store_save(pc->st) < 0) {
        /* Nothing could be recorded: no call is made that a resume could
         * not know of (the store said why). */
        biz_store_detach(pc->st);
        biz_run_free(run);
        return BIZ_EXIT_RECORD;
    }
    double started = biz_run_wall_now();
    int status = pc->exec(run, pc->o);
    if (run->end_wall <= 0)
        run->end_wall = biz_run_wall_now();
    biz_store_save(pc->st);
    if (status != 0)
        report_failures(run, pc->st);
    /* A run whose record failed says so by its exit status, whatever its
     * tasks did: its record may not tell the whole truth. */
    if (pc->st->save_failed)
        status = BIZ_EXIT_RECORD;
    if (pc->o->metrics) {
        /* Monitoring never changes the run's outcome: a failed write is
         * a warning (and the stale file's age shows it). */
        biz_metrics_in m = { run, status, started,
            run->state == BIZ_RUN_SUCCESS ? run->end_wall
                : biz_metrics_last_success(pc->o->metrics, pc->dag->dag_id, pc->records) };
        if (biz_metrics_write(pc->o->metrics, &m, err, sizeof err) < 0)
            biz_log(BIZ_LOG_WARN, "%s", err);
    }
    if (pc->o->report) {
        cJSON *rec_now = biz_record_from_run(run, pc->st);
        if (!rec_now)
            biz_log(BIZ_LOG_WARN, "cannot write the report %s: out of memory", pc->o->report);
        else if (biz_report_write(pc->o->report, pc->dag, rec_now, err, sizeof err) < 0)
            biz_log(BIZ_LOG_WARN, "%s", err);
        else
            biz_log(BIZ_LOG_INFO, "the run's report: %s", pc->o->report);
        cJSON_Delete(rec_now);
    }
    biz_store_detach(pc->st);
    /* Only a later run of this invocation reads the records again. */
    if (pc->more) {
        remember(pc, run);
        biz_run_free(run);
    } else {
        /* The invocation's last run: the process exits next and its memory
         * goes with it. Freeing thousands of task instances one node at a
         * time cost a few percent of a run; kept reachable, so a leak
         * checker sees it as memory in use at exit, not lost. */
        static biz_run *last_run;
        biz_run_free(last_run);
        last_run = run;
    }
    return status;
}

/* --rerun TASK [--downstream]: clears the task (and the tasks after it)
 * in rec and runs them again (make_run). */
static int rerun_task(plan_ctx *pc, const cJSON *rec, char **last_id)
{
    const biz_dag_def *dag = pc->dag;
    int target = -1;
    for (int i = 0; i < dag->ntasks; i++)
        if (strcmp(dag->tasks[i].task_id, pc->o->rerun) == 0)
            target = i;
    if (target < 0) {
        fprintf(stderr, "%s: --rerun: no task '%s' in DAG '%s' (see --list)\n", pc->prog,
                pc->o->rerun, dag->dag_id);
        return 2;
    }
    unsigned char *clear = calloc((size_t)dag->ntasks + 1, 1);
    cJSON *copy = cJSON_Duplicate(rec, 1);
    char *id = strdup(jstr(rec, "run_id"));
    if (!clear || !copy || !id) {
        free(clear);
        cJSON_Delete(copy);
        free(id);
        fprintf(stderr, "%s: out of memory\n", pc->prog);
        return 1;
    }
    clear[target] = 1;
    /* Tasks are sorted upstream first: one pass finds every task after
     * the target (what Airflow's "clear with downstream" takes). */
    for (int i = target + 1; pc->o->downstream && i < dag->ntasks; i++)
        for (int k = 0; k < dag->tasks[i].nupstream && !clear[i]; k++) {
            int u = dag->tasks[i].upstream[k];
            if (u >= 0 && u < dag->ntasks && clear[u])
                clear[i] = 1;
        }
    free(*last_id);
    *last_id = id;
    pc->clear = clear;
    biz_interval iv = { 0, 0 };
    int status = make_run(pc, NULL, "manual", 0, iv, copy);
    pc->clear = NULL;
    free(clear);
    cJSON_Delete(copy);
    return status;
}

/* Takes the lock, decides the runs, makes them, prunes. */
int biz_plan_main(const biz_dag_def *dag, const biz_cli *o, cJSON *conf, const char *prog,
                  biz_plan_exec_fn exec)
{
    char err[1024], root[4096];
    plan_ctx pc = { dag, o, prog, exec, NULL, NULL, 0, 0, NULL };
    biz_schedule_settings ps;
    double now;
    cJSON *settings = cJSON_Parse(dag->settings_json ? dag->settings_json : "{}");
    int rc = biz_schedule_settings_read(settings, &ps, err, sizeof err);
    cJSON_Delete(settings);
    if (rc < 0 || biz_schedule_now(&now, err, sizeof err) < 0 ||
        biz_state_dir_resolve(o->state_dir, root, sizeof root, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        cJSON_Delete(conf);
        return 2;
    }
    time_t manual_t = 0;
    if (o->logical_date && biz_plan_manual_date(o, &manual_t, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        cJSON_Delete(conf);
        return 2;
    }
    pc.st = biz_store_open(root, dag->dag_id, err, sizeof err);
    if (!pc.st) {
        /* The state directory cannot be made: nothing could be recorded. */
        fprintf(stderr, "%s: %s; the run does not start (exit status 5)\n", prog, err);
        cJSON_Delete(conf);
        return BIZ_EXIT_RECORD;
    }
    long holder = 0;
    int lock = biz_lock_acquire(pc.st->dag_dir, o->wait_lock, &holder, err, sizeof err);
    if (lock < 0) {
        if (lock == -1) {
            char pid[32] = "unknown";
            if (holder > 0)
                snprintf(pid, sizeof pid, "%ld", holder);
            fprintf(stderr, "%s: another run of DAG '%s' is in progress (pid %s); lock file %s%s\n",
                    prog, dag->dag_id, pid, err,
                    o->wait_lock > 0 ? " (gave up waiting)" : "; use --wait-lock SECONDS to wait");
        } else if (lock == -3) {
            fprintf(stderr, "%s: %s; the run does not start: it could not be recorded (exit status 5)\n",
                    prog, err);
        } else {
            fprintf(stderr, "%s: %s\n", prog, err);
        }
        biz_store_close(pc.st);
        cJSON_Delete(conf);
        return lock == -1 ? BIZ_EXIT_LOCKED : lock == -3 ? BIZ_EXIT_RECORD : 1;
    }
    biz_store_clean_temp(pc.st);
    /* Under the lock: Bash groups a killed executable left running are
     * stopped before anything runs again (proc.h). */
    char procs[4200];
    snprintf(procs, sizeof procs, "%s/procs", pc.st->dag_dir);
    if (biz_proc_registry_open(procs, -1, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        biz_lock_release(lock);
        biz_store_close(pc.st);
        cJSON_Delete(conf);
        return 1;
    }
    reload(&pc);

    int status = 0;
    char *last_id = NULL;
    const char *cont = o->resume ? o->resume : o->rerun ? (o->run_id ? o->run_id : "last") : NULL;
    const cJSON *cont_rec = cont ? biz_plan_find(pc.records, cont) : NULL;
    char why[600];
    if (cont && !cont_rec) {
        fprintf(stderr, "%s: %s: no run '%s' of DAG '%s' in %s (see --runs)\n", prog,
                o->resume ? "--resume" : "--rerun", cont, dag->dag_id, pc.st->runs_dir);
        status = 2;
        cJSON_Delete(conf);
    } else if (cont && biz_plan_other_build(dag, cont_rec, why, sizeof why)) {
        if (!o->force) {
            fprintf(stderr, "%s: %s; continuing it would mix two versions of the DAG in one run:"
                    " %s --force does it anyway, a new run does not need it\n", prog, why,
                    o->resume ? "--resume" : "--rerun");
            status = 2;
            cJSON_Delete(conf);
        } else {
            biz_log(BIZ_LOG_WARN, "%s; continued by this build (--force)", why);
        }
    }
    if (status != 0) {
        /* refused above */
    } else if (o->rerun) {
        status = rerun_task(&pc, cont_rec, &last_id);
        cJSON_Delete(conf);
    } else if (o->resume) {
        const cJSON *rec = cont_rec;
        if (jstr(rec, "state") && strcmp(jstr(rec, "state"), "success") == 0) {
            biz_log(BIZ_LOG_INFO, "run %s succeeded already: nothing to resume", jstr(rec, "run_id"));
        } else {
            last_id = strdup(jstr(rec, "run_id"));
            cJSON *copy = cJSON_Duplicate(rec, 1);
            biz_interval iv = { 0, 0 };
            status = make_run(&pc, NULL, "manual", 0, iv, copy);
            cJSON_Delete(copy);
        }
        cJSON_Delete(conf);
    } else if (conf || o->logical_date || ps.sched.kind == BIZ_SCHEDULE_NONE) {
        /* A manual run: logical date now (or --logical-date). */
        double ld = o->logical_date ? (double)manual_t : now;
        char id[96];
        biz_plan_run_id("manual", ld, id, sizeof id);
        if (by_id(pc.records, id)) {
            fprintf(stderr, "%s: run %s exists already (see --show %s; --resume %s reruns what"
                    " did not succeed)\n", prog, id, id, id);
            cJSON_Delete(conf);
            status = 2;
        } else {
            biz_interval iv = biz_schedule_manual(&ps.sched, (time_t)ld);
            last_id = strdup(id);
            status = make_run(&pc, conf, "manual", ld, iv, NULL);
        }
    } else {
        cJSON_Delete(conf);
        int max = o->max_catchup > 0 ? o->max_catchup : 1;
        biz_plan_item *items = calloc((size_t)max + 1, sizeof *items);
        /* One more than allowed, to tell the user a backlog is left. */
        int n = items ? biz_plan_due(&ps, pc.records, (time_t)now, items, max + 1) : 0;
        int left = n > max ? n - max : 0;
        if (n > max)
            n = max;
        if (n == 0) {
            biz_interval next;
            biz_interval last;
            int has_last = last_success(pc.records, &last);
            char a[40], b[40];
            if (biz_schedule_next(&ps.sched, ps.start_date, ps.end_date, ps.catchup,
                               has_last ? &last : NULL, (time_t)now, &next) == 0)
                biz_log(BIZ_LOG_INFO, "nothing due for DAG '%s': the next run covers %s to %s and"
                        " is due at %s", dag->dag_id, biz_isotime_utc(next.start, a, sizeof a),
                        biz_isotime_utc(next.end, b, sizeof b), b);
            else
                biz_log(BIZ_LOG_INFO, "nothing due for DAG '%s': no run is left in its schedule",
                        dag->dag_id);
        }
        /* The items point into records, which each run refreshes: copy. */
        cJSON **recs = calloc((size_t)n + 1, sizeof *recs);
        for (int i = 0; recs && i < n; i++)
            recs[i] = items[i].rec ? cJSON_Duplicate(items[i].rec, 1) : NULL;
        for (int i = 0; recs && i < n; i++) {
            char id[96];
            biz_plan_run_id("scheduled", (double)items[i].iv.start, id, sizeof id);
            free(last_id);
            last_id = strdup(id);
            pc.more = i + 1 < n;
            if (recs[i] && biz_plan_other_build(dag, recs[i], why, sizeof why))
                biz_log(BIZ_LOG_WARN, "%s: resuming its interval with this build", why);
            status = make_run(&pc, NULL, "scheduled", (double)items[i].iv.start, items[i].iv, recs[i]);
            if (status != 0) {
                if (i + 1 < n || left)
                    biz_log(BIZ_LOG_WARN, "catch-up stopped at the failed run %s: the later"
                            " intervals run once it succeeds (--resume %s, or the next invocation)",
                            id, id);
                break;
            }
        }
        if (status == 0 && left)
            biz_log(BIZ_LOG_INFO, "more intervals are due than --max-catchup %d: the next"
                    " invocation continues", max);
        for (int i = 0; recs && i < n; i++)
            cJSON_Delete(recs[i]);
        free(recs);
        free(items);
    }
    /* Fewer records than --keep-runs when it started, plus the ones it
     * made: nothing to prune, no need to count them on disk again. */
    if (o->keep_runs > 0 && cJSON_GetArraySize(pc.records) + pc.made > o->keep_runs) {
        int removed = biz_store_prune(pc.st, o->keep_runs, last_id);
        if (removed)
            biz_log(BIZ_LOG_INFO, "removed the %d oldest run(s) (--keep-runs %d)", removed, o->keep_runs);
    }
    free(last_id);
    cJSON_Delete(pc.records);
    biz_proc_registry_close();
    biz_lock_release(lock);
    biz_store_close(pc.st);
    return status;
}
