/* sched.c: trigger rules, retry delays, scheduling passes, run timeout and
 * the run's outcome. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sched.h"
#include "sched_int.h"
#include "op.h"
#include "ops.h"
#include "log.h"
#include "context.h"
#include "map.h"

/* ---------------------------------------------------------------- passes */

static void set_reason(biz_ti *ti, const char *why)
{
    free(ti->reason);
    ti->reason = why ? strdup(why) : NULL;
}

/* Marks ti finished without running (skipped / upstream_failed). */
static void settle(biz_run *run, biz_ti *ti, biz_ti_state s, const char *why)
{
    biz_ti_set_state(ti, s);
    ti->end = biz_run_wall_now();
    set_reason(ti, why);
    biz_log_event(BIZ_LOG_INFO, biz_ti_state_names[s], ti->def->task_id, 0,
                  "%s: %s", biz_ti_state_names[s], why);
    biz_run_changed(run);
}

static void count_upstream(const biz_ti *ti, biz_rules_counts *c)
{
    c->total = ti->nup;
    c->success = ti->up_success;
    c->failed = ti->up_failed;
    c->upstream_failed = ti->up_upstream_failed;
    c->skipped = ti->up_skipped;
    c->done = c->success + c->failed + c->upstream_failed + c->skipped;
    c->setups = ti->up_setups;
    c->setup_success = ti->up_setup_success;
    c->setup_skipped = ti->up_setup_skipped;
}

/* Airflow's setup constraint (trigger_rule_dep): a task with indirect
 * setups waits for them to succeed; one that failed (or whose upstream
 * did) makes it upstream_failed, one skipped skips it, without waiting
 * for the others. Returns 1 when decided or still waiting. */
static int indirect_setups_hold(biz_run *run, biz_ti *ti)
{
    int pending = 0;
    const biz_ti *skipped = NULL;
    for (int k = 0; k < ti->nisetups; k++) {
        const biz_ti *s = run->tis[ti->isetups[k]];
        char why[300];
        if (s->state == BIZ_TI_FAILED || s->state == BIZ_TI_UPSTREAM_FAILED) {
            snprintf(why, sizeof why, "its setup task '%s' did not succeed (%s)", s->def->task_id,
                     biz_ti_state_names[s->state]);
            settle(run, ti, BIZ_TI_UPSTREAM_FAILED, why);
            return 1;
        }
        if (s->state == BIZ_TI_SKIPPED && !skipped)
            skipped = s;
        else if (s->state != BIZ_TI_SUCCESS)
            pending = 1;
    }
    if (skipped) {
        char why[300];
        snprintf(why, sizeof why, "its setup task '%s' was skipped", skipped->def->task_id);
        settle(run, ti, BIZ_TI_SKIPPED, why);
        return 1;
    }
    return pending;
}

/* A mapped task whose trigger rule is met: its instances are made (and
 * decided like any task), or it is skipped (nothing to map over) or fails
 * (what it maps over is not a list). */
static void expand(biz_run *run, biz_ti *ti)
{
    char err[600];
    ti->first_start = biz_run_wall_now();
    int n = biz_map_expand(run, ti, err, sizeof err);
    if (n == 0) {
        settle(run, ti, BIZ_TI_SKIPPED, "mapped over an empty list: nothing to run");
    } else if (n < 0) {
        biz_log_event(BIZ_LOG_ERROR, "failed", ti->def->task_id, 0, "failed: %s", err);
        ti->end = biz_run_wall_now();
        biz_ti_set_state(ti, BIZ_TI_FAILED);
        set_reason(ti, err);
    }
    biz_run_changed(run);
}

/* Decides the waiting tasks whose upstream tasks changed (run->todo). A
 * task is looked at once per upstream task that finishes, so a whole run
 * costs O(edges), whatever the size of the DAG. */
static void decide(biz_run *run)
{
    if (run->only_task >= 0) {
        biz_ti *ti = run->tis[run->only_task];
        if (ti->state == BIZ_TI_NONE && ti->map && ti->nmaps < 0)
            expand(run, ti);
        else if (ti->state == BIZ_TI_NONE)
            biz_ti_set_state(ti, BIZ_TI_SCHEDULED);
        /* --task of a mapped task: its instances run, nothing else. */
        while (run->todo.n > 0) {
            biz_ti *c = run->tis[run->todo.v[--run->todo.n]];
            if (c->parent == ti && c->state == BIZ_TI_NONE)
                biz_ti_set_state(c, BIZ_TI_SCHEDULED);
        }
        return;
    }
    while (run->todo.n > 0) {
        biz_ti *ti = run->tis[run->todo.v[--run->todo.n]];
        if (ti->state != BIZ_TI_NONE || ti->blocked)
            continue;   /* blocked: depends_on_past not met, never runs */
        if (ti->nisetups && indirect_setups_hold(run, ti))
            continue;
        biz_rules_counts c;
        count_upstream(ti, &c);
        char why[160];
        switch (biz_rules_trigger_eval(ti->rule, &c)) {
        case BIZ_TRIG_RUN:
            if (ti->map && ti->nmaps < 0) {
                expand(run, ti);
                break;
            }
            biz_ti_set_state(ti, BIZ_TI_SCHEDULED);
            biz_run_changed(run);
            break;
        case BIZ_TRIG_SKIP:
            snprintf(why, sizeof why, "trigger rule %s not met (%d skipped, %d succeeded, %d failed upstream)",
                     biz_trigger_names[ti->rule], c.skipped, c.success, c.failed + c.upstream_failed);
            settle(run, ti, BIZ_TI_SKIPPED, why);
            break;
        case BIZ_TRIG_UPSTREAM_FAILED:
            snprintf(why, sizeof why, "trigger rule %s not met (%d failed, %d upstream_failed upstream)",
                     biz_trigger_names[ti->rule], c.failed, c.upstream_failed);
            settle(run, ti, BIZ_TI_UPSTREAM_FAILED, why);
            break;
        case BIZ_TRIG_WAIT:
            break;
        }
    }
}

static void show_progress(const biz_run *run)
{
    const int *n = run->nstate;
    int done, running, queued, failed, total;
    if (run->only_task >= 0) {
        biz_ti_state s = run->tis[run->only_task]->state;
        total = 1;
        done = biz_ti_state_finished(s);
        running = s == BIZ_TI_RUNNING;
        queued = s == BIZ_TI_SCHEDULED || s == BIZ_TI_QUEUED;
        failed = s == BIZ_TI_FAILED || s == BIZ_TI_UPSTREAM_FAILED;
    } else {
        total = run->n;
        done = n[BIZ_TI_SUCCESS] + n[BIZ_TI_FAILED] + n[BIZ_TI_UPSTREAM_FAILED] + n[BIZ_TI_SKIPPED];
        running = n[BIZ_TI_RUNNING];
        queued = n[BIZ_TI_SCHEDULED] + n[BIZ_TI_QUEUED];
        failed = n[BIZ_TI_FAILED] + n[BIZ_TI_UPSTREAM_FAILED];
    }
    biz_log_progress(done, total, running, queued, failed);
}

/* A teardown that does not count for the run's outcome (Airflow's
 * _tis_for_dagrun_state): one without on_failure_fail_dagrun. */
static int ignorable(const biz_ti *ti)
{
    return ti->is_teardown && !ti->fail_dagrun;
}

/* Whether ti decides the run's outcome: a leaf once the ignorable
 * teardowns are left out (when every task is one of those: the plain
 * leaves). */
static int is_leaf(const biz_run *run, const biz_ti *ti)
{
    if (!run->any_effective_leaf)
        return ti->ndown == 0;
    if (ignorable(ti))
        return 0;
    for (int k = 0; k < ti->ndown; k++)
        if (!ignorable(run->tis[ti->down[k]]))
            return 0;
    return 1;
}

/* The run's outcome once nothing is in flight (AIRFLOW.md: from leaves). */
static void finish_run(biz_run *run)
{
    int waiting = 0, leaf_failed = 0, blocked = 0;
    run->any_effective_leaf = 1;
    int any = 0;
    for (int i = 0; i < run->n && !any; i++)
        any = is_leaf(run, run->tis[i]);
    run->any_effective_leaf = any;
    for (int i = 0; i < run->n; i++) {
        const biz_ti *ti = run->tis[i];
        blocked += ti->blocked != NULL && ti->state == BIZ_TI_NONE;
        if (run->only_task >= 0) {
            if (i == run->only_task)
                leaf_failed = ti->state == BIZ_TI_FAILED || ti->state == BIZ_TI_UPSTREAM_FAILED;
            continue;
        }
        if (ti->state == BIZ_TI_NONE)
            waiting++;
        if (is_leaf(run, ti) && (ti->state == BIZ_TI_FAILED || ti->state == BIZ_TI_UPSTREAM_FAILED))
            leaf_failed = 1;
    }
    biz_loop_timer_cancel(run->loop, run->timeout_timer);
    run->timeout_timer = 0;
    run->end_wall = biz_run_wall_now();
    if (blocked) {
        run->state = BIZ_RUN_FAILED;
        biz_log_event(BIZ_LOG_ERROR, "run_failed", NULL, 0,
                      "run %s failed: %d task(s) did not run because depends_on_past is not met"
                      " (and %d waiting on them)", run->run_id, blocked, waiting - blocked);
    } else if (waiting) {
        run->state = BIZ_RUN_FAILED;
        biz_log_event(BIZ_LOG_ERROR, "run_failed", NULL, 0,
                      "run %s failed: %d task(s) can never run (deadlock)", run->run_id, waiting);
    } else if (leaf_failed) {
        run->state = BIZ_RUN_FAILED;
        biz_log_event(BIZ_LOG_ERROR, "run_failed", NULL, 0, "run %s failed", run->run_id);
    } else {
        run->state = BIZ_RUN_SUCCESS;
        biz_log_event(BIZ_LOG_INFO, "run_success", NULL, 0, "run %s succeeded", run->run_id);
    }
    biz_run_changed(run);
}

static void pass_inner(biz_run *run)
{
    if (run->state != BIZ_RUN_RUNNING)
        return;
    decide(run);
    /* Dispatch in DAG order while slots are free; a task that left the
     * scheduled state since it was queued (a branch skipped it) is dropped. */
    while (run->in_flight < run->max_active && run->state == BIZ_RUN_RUNNING) {
        int i = biz_run_ready_pop(run);
        if (i < 0)
            break;
        if (run->tis[i]->state == BIZ_TI_SCHEDULED)
            biz_try_begin(run, run->tis[i]);
        decide(run);  /* a try may have ended inside start() */
    }
    show_progress(run);
    if (run->pump_timer || run->state != BIZ_RUN_RUNNING)
        return;  /* a try ended inside start(): the next pass decides */
    const int *n = run->nstate;
    if (n[BIZ_TI_SCHEDULED] || n[BIZ_TI_QUEUED] || n[BIZ_TI_RUNNING] || n[BIZ_TI_UP_FOR_RETRY])
        return;
    finish_run(run);
}

/* One scheduling pass; its state changes are written to the record once. */
static void pass(biz_run *run)
{
    biz_run_batch_begin(run);
    pass_inner(run);
    biz_run_batch_end(run);
}

static long pump_cb(biz_loop *loop, void *user)
{
    (void)loop;
    biz_run *run = user;
    run->pump_timer = 0;
    pass(run);
    return BIZ_LOOP_NOMORE;
}

/* Posts a scheduling pass (idempotent). */
void biz_sched_poke(biz_run *run)
{
    if (!run->pump_timer && run->state == BIZ_RUN_RUNNING)
        run->pump_timer = biz_loop_timer_add(run->loop, 0, pump_cb, run);
}

/* ---------------------------------------------------------------- retries */

static long retry_cb(biz_loop *loop, void *user)
{
    (void)loop;
    biz_ti *ti = user;
    biz_run *run = ti->run;
    ti->retry_timer = 0;
    if (ti->state == BIZ_TI_UP_FOR_RETRY) {
        biz_ti_set_state(ti, BIZ_TI_SCHEDULED);
        biz_run_changed(run);
        biz_sched_poke(run);
    }
    return BIZ_LOOP_NOMORE;
}

/* Skips a branch task's direct downstream tasks it did not choose. */
static void skip_unchosen(biz_run *run, biz_ti *ti)
{
    for (int k = 0; k < ti->ndown; k++) {
        biz_ti *d = run->tis[ti->down[k]];
        int chosen = 0;
        const cJSON *id;
        cJSON_ArrayForEach(id, ti->branch)
            if (cJSON_IsString(id) && strcmp(id->valuestring, d->def->task_id) == 0)
                chosen = 1;
        if (!chosen && (d->state == BIZ_TI_NONE || d->state == BIZ_TI_SCHEDULED)) {
            char why[300];
            snprintf(why, sizeof why, "not chosen by branch '%s'", ti->def->task_id);
            settle(run, d, BIZ_TI_SKIPPED, why);
        }
    }
}

/* Moves a task on after its try ended: success, skip, retry or failure. */
void biz_sched_try_ended(biz_run *run, biz_ti *ti, int try_number, biz_outcome out,
                         int final, const char *msg, double seconds)
{
    ti->end = biz_run_wall_now();
    const char *id = ti->def->task_id;
    if (biz_log_verbosity() > 0 && ti->xcom && ti->xcom->child) {
        char *x = cJSON_PrintUnformatted(ti->xcom);
        biz_log_event(BIZ_LOG_DEBUG, "xcom", id, try_number, "xcom %s", x ? x : "?");
        free(x);
    }
    char mapbuf[200];
    if (out == BIZ_OUT_SUCCESS && ti->feeds_map && biz_map_check_push(ti, mapbuf, sizeof mapbuf)) {
        out = BIZ_OUT_FAILED;   /* Airflow fails the task that pushed it (retried) */
        msg = mapbuf;
    }
    switch (out) {
    case BIZ_OUT_SUCCESS:
        biz_ti_set_state(ti, BIZ_TI_SUCCESS);
        set_reason(ti, NULL);
        biz_log_event(BIZ_LOG_INFO, "success", id, try_number, "success in %.3fs", seconds);
        if (ti->branch && run->only_task < 0)
            skip_unchosen(run, ti);
        break;
    case BIZ_OUT_SKIPPED:
        biz_ti_set_state(ti, BIZ_TI_SKIPPED);
        set_reason(ti, msg);
        biz_log_event(BIZ_LOG_INFO, "skipped", id, try_number, "skipped: %s", msg ? msg : "");
        break;
    case BIZ_OUT_FAILED:
        set_reason(ti, msg);
        if (!final && try_number - ti->try_base <= ti->retries && run->state == BIZ_RUN_RUNNING) {
            biz_rules_retry p = { ti->retry_delay, ti->backoff, ti->max_retry_delay };
            char iso[48];
            biz_ctx_ts(run, iso, sizeof iso);
            double wait = biz_rules_retry_delay(&p, try_number - ti->try_base,
                biz_rules_retry_hash(run->dag->dag_id, id, iso, try_number));
            biz_ti_set_state(ti, BIZ_TI_UP_FOR_RETRY);
            ti->retry_timer = biz_loop_timer_add(run->loop, (long)(wait * 1000), retry_cb, ti);
            biz_log_event(BIZ_LOG_WARN, "retry", id, try_number,
                          "failed: %s; retry %d of %d in %gs", msg ? msg : "",
                          try_number - ti->try_base, ti->retries, wait);
        } else {
            biz_ti_set_state(ti, BIZ_TI_FAILED);
            biz_log_event(BIZ_LOG_ERROR, "failed", id, try_number, "failed%s: %s",
                          final && try_number - ti->try_base <= ti->retries ? " (not retried)" : "",
                          msg ? msg : "");
        }
        break;
    }
    biz_run_changed(run);
    biz_sched_poke(run);
}

/* ---------------------------------------------------------------- timeout */

static long dagrun_timeout_cb(biz_loop *loop, void *user)
{
    (void)loop;
    biz_run *run = user;
    run->timeout_timer = 0;
    if (run->state != BIZ_RUN_RUNNING)
        return BIZ_LOOP_NOMORE;
    run->state = BIZ_RUN_TIMED_OUT;
    run->end_wall = biz_run_wall_now();
    biz_run_batch_begin(run);
    biz_log_event(BIZ_LOG_ERROR, "run_timeout", NULL, 0,
                  "run %s timed out after %.0fs (dagrun_timeout): unfinished tasks skipped",
                  run->run_id, run->dagrun_timeout);
    for (int i = 0; i < run->n; i++) {
        biz_ti *ti = run->tis[i];
        if (biz_ti_state_finished(ti->state))
            continue;
        if (run->only_task >= 0 && i != run->only_task &&
            !(ti->parent && ti->parent->index == run->only_task))
            continue;
        if (ti->nmaps > 0)
            continue;   /* follows its instances, skipped here */
        if (ti->cur)
            biz_try_abort(ti->cur);
        biz_loop_timer_cancel(run->loop, ti->retry_timer);
        ti->retry_timer = 0;
        settle(run, ti, BIZ_TI_SKIPPED, "dagrun_timeout exceeded");
    }
    biz_loop_timer_cancel(run->loop, run->pump_timer);
    run->pump_timer = 0;
    biz_run_changed(run);
    biz_run_batch_end(run);
    return BIZ_LOOP_NOMORE;
}

/* Starts the run: first pass and the dagrun_timeout timer. */
void biz_sched_start(biz_run *run)
{
    run->state = BIZ_RUN_RUNNING;
    /* Every waiting task is decided once; later only those whose upstream
     * tasks finish are looked at again. In reverse, so that the worklist
     * (a stack) decides them in DAG order. */
    for (int i = run->nstatic - 1; i >= 0; i--)
        if (run->tis[i]->state == BIZ_TI_NONE)
            biz_run_idx_push(&run->todo, i);
    run->start_mono = biz_loop_now_ms();
    biz_log_event(BIZ_LOG_INFO, "run_start", NULL, 0, "run %s of %s: %d task(s)",
                  run->run_id, run->dag->dag_id,
                  run->only_task >= 0 ? 1 : run->n);
    if (run->dagrun_timeout >= 0)
        run->timeout_timer = biz_loop_timer_add(run->loop, (long)(run->dagrun_timeout * 1000),
                                                dagrun_timeout_cb, run);
    biz_sched_poke(run);
}

/* Exit status for the run's state: 0, 1 failed, 3 timed out. */
int biz_sched_exit_status(const biz_run *run)
{
    switch (run->state) {
    case BIZ_RUN_SUCCESS: return 0;
    case BIZ_RUN_TIMED_OUT: return 3;
    default: return 1;
    }
}

/* ---------------------------------------------------------------- interrupt */

/* Stops the run for a signal: running tries are cancelled (their children
 * killed) and marked failed, pending retries dropped; tasks that never
 * started keep their state. */
void biz_sched_interrupt(biz_run *run, int signo, const char *signame)
{
    if (run->interrupted)
        return;
    run->interrupted = signo;
    if (run->state != BIZ_RUN_RUNNING)
        return;
    run->state = BIZ_RUN_FAILED;
    run->end_wall = biz_run_wall_now();
    biz_run_batch_begin(run);
    biz_log_event(BIZ_LOG_ERROR, "run_interrupted", NULL, 0,
                  "run %s interrupted by %s: stopping running tasks (again to exit at once)",
                  run->run_id, signame);
    char why[64];
    snprintf(why, sizeof why, "interrupted by %s", signame);
    for (int i = 0; i < run->n; i++) {
        biz_ti *ti = run->tis[i];
        biz_loop_timer_cancel(run->loop, ti->retry_timer);
        ti->retry_timer = 0;
        if (ti->cur) {
            biz_try_abort(ti->cur);
            settle(run, ti, BIZ_TI_FAILED, why);
        }
    }
    biz_loop_timer_cancel(run->loop, run->pump_timer);
    run->pump_timer = 0;
    biz_loop_timer_cancel(run->loop, run->timeout_timer);
    run->timeout_timer = 0;
    biz_run_changed(run);
    biz_run_batch_end(run);
}
