/* run.c: building a run from the DAG tables; task instances and XComs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include "isotime.h"
#include "run.h"
#include "args.h"
#include "ops.h"
#include "map.h"

/* Indexed by biz_ti_state (designated: the order of the enum cannot slip;
 * test_state checks that none is missing). */
const char *const biz_ti_state_names[BIZ_TI__COUNT] = {
    [BIZ_TI_NONE] = "none", [BIZ_TI_SCHEDULED] = "scheduled", [BIZ_TI_QUEUED] = "queued",
    [BIZ_TI_RUNNING] = "running", [BIZ_TI_SUCCESS] = "success", [BIZ_TI_FAILED] = "failed",
    [BIZ_TI_UPSTREAM_FAILED] = "upstream_failed", [BIZ_TI_SKIPPED] = "skipped",
    [BIZ_TI_UP_FOR_RETRY] = "up_for_retry",
};

/* Indexed by biz_run_state (designated, as above). */
const char *const biz_run_state_names[BIZ_RUN__COUNT] = {
    [BIZ_RUN_RUNNING] = "running", [BIZ_RUN_SUCCESS] = "success", [BIZ_RUN_FAILED] = "failed",
    [BIZ_RUN_TIMED_OUT] = "timed_out",
};

/* True for success, failed, upstream_failed and skipped. */
int biz_ti_state_finished(biz_ti_state s)
{
    return s == BIZ_TI_SUCCESS || s == BIZ_TI_FAILED ||
           s == BIZ_TI_UPSTREAM_FAILED || s == BIZ_TI_SKIPPED;
}

/* Wall clock in seconds (with fractions). */
double biz_run_wall_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec + tv.tv_usec / 1e6;
}

static unsigned hash_id(const char *s)
{
    unsigned h = 2166136261u;  /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The index of task_id, or -1. */
int biz_run_find(const biz_run *run, const char *task_id)
{
    if (!task_id || !run->index)
        return -1;
    unsigned mask = (unsigned)run->index_cap - 1;
    for (unsigned h = hash_id(task_id) & mask;; h = (h + 1) & mask) {
        int e = run->index[h];
        if (e == 0)
            return -1;
        if (strcmp(run->tis[e - 1]->def->task_id, task_id) == 0)
            return e - 1;
    }
}

/* The order of a summary (run.h). */
int *biz_show_order(const biz_run *run)
{
    int *v = malloc((size_t)(run->n ? run->n : 1) * sizeof *v), k = 0;
    if (!v)
        return NULL;
    for (int i = 0; i < run->nstatic; i++) {
        v[k++] = i;
        for (int j = 0; j < run->tis[i]->nmaps && k < run->n; j++)
            v[k++] = run->tis[i]->map_first + j;
    }
    return v;
}

/* Whether task i belongs to a --task run's summary (run.h). */
int biz_run_shows(const biz_run *run, int i)
{
    if (run->only_task < 0 || i == run->only_task)
        return 1;
    const biz_ti *p = run->tis[i]->parent;
    return p && p->index == run->only_task;
}

/* Builds the task id hash table (load factor at most 1/2). */
static int build_index(biz_run *run)
{
    int cap = 16;
    while (cap < 2 * run->n)
        cap *= 2;
    run->index = calloc((size_t)cap, sizeof *run->index);
    if (!run->index)
        return -1;
    run->index_cap = cap;
    unsigned mask = (unsigned)cap - 1;
    for (int i = 0; i < run->n; i++) {
        unsigned h = hash_id(run->tis[i]->def->task_id) & mask;
        while (run->index[h] != 0)
            h = (h + 1) & mask;
        run->index[h] = i + 1;
    }
    return 0;
}

/* Appends i to a. */
int biz_run_idx_push(biz_idx *a, int i)
{
    if (a->n == a->cap) {
        int cap = a->cap ? a->cap * 2 : 64;
        int *v = realloc(a->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = i;
    return 0;
}

/* Pushes i on the ready min-heap. */
static void ready_push(biz_run *run, int i)
{
    biz_idx *h = &run->ready;
    if (biz_run_idx_push(h, i) < 0)
        return;
    for (int k = h->n - 1; k > 0;) {
        int p = (k - 1) / 2;
        if (h->v[p] <= h->v[k])
            break;
        int t = h->v[p];
        h->v[p] = h->v[k];
        h->v[k] = t;
        k = p;
    }
}

/* The smallest index of the ready heap, removed; -1 when empty. */
int biz_run_ready_pop(biz_run *run)
{
    biz_idx *h = &run->ready;
    if (h->n == 0)
        return -1;
    if (run->before_start && run->before_start(run) < 0)
        return -1;
    int top = h->v[0];
    h->v[0] = h->v[--h->n];
    for (int k = 0;;) {
        int l = 2 * k + 1, r = l + 1, m = k;
        if (l < h->n && h->v[l] < h->v[m])
            m = l;
        if (r < h->n && h->v[r] < h->v[m])
            m = r;
        if (m == k)
            break;
        int t = h->v[m];
        h->v[m] = h->v[k];
        h->v[k] = t;
        k = m;
    }
    return top;
}

/* Marks ti changed for the record. */
void biz_ti_touch(biz_ti *ti)
{
    if (!ti->dirty && biz_run_idx_push(&ti->run->changed, ti->index) == 0)
        ti->dirty = 1;
}

/* Adds (or, with sign -1, removes) a finished state to ti's downstream
 * tasks' upstream counts. */
static void count_in_downstream(biz_ti *ti, biz_ti_state s, int sign)
{
    biz_run *run = ti->run;
    if (ti->nmaps > 0)
        return;   /* an expanded mapped task: its instances count instead */
    for (int k = 0; k < ti->ndown; k++) {
        biz_ti *d = run->tis[ti->down[k]];
        switch (s) {
        case BIZ_TI_SUCCESS: d->up_success += sign; break;
        case BIZ_TI_FAILED: d->up_failed += sign; break;
        case BIZ_TI_UPSTREAM_FAILED: d->up_upstream_failed += sign; break;
        case BIZ_TI_SKIPPED: d->up_skipped += sign; break;
        default: break;
        }
        if (ti->is_setup) {
            d->up_setup_success += sign * (s == BIZ_TI_SUCCESS);
            d->up_setup_skipped += sign * (s == BIZ_TI_SKIPPED);
        }
        if (sign > 0 && d->state == BIZ_TI_NONE)
            biz_run_idx_push(&run->todo, d->index);
    }
    /* the tasks that wait for this setup further down decide again */
    for (int k = 0; sign > 0 && k < ti->niwaiting; k++)
        if (run->tis[ti->iwaiting[k]]->state == BIZ_TI_NONE)
            biz_run_idx_push(&run->todo, ti->iwaiting[k]);
}

/* Moves ti to state s (run.h). */
void biz_ti_set_state(biz_ti *ti, biz_ti_state s)
{
    biz_run *run = ti->run;
    biz_ti_state old = ti->state;
    biz_ti_touch(ti);
    if (old == s)
        return;
    run->nstate[old]--;
    run->nstate[s]++;
    ti->state = s;
    if (biz_ti_state_finished(old))
        count_in_downstream(ti, old, -1);   /* a resume restarting it */
    if (biz_ti_state_finished(s))
        count_in_downstream(ti, s, 1);
    if (s == BIZ_TI_SCHEDULED)
        ready_push(run, ti->index);
    if (ti->parent && biz_ti_state_finished(old) != biz_ti_state_finished(s))
        biz_map_instance_moved(ti, biz_ti_state_finished(s));
}

/* Tells the run's record that something changed (see run.h). */
void biz_run_changed(biz_run *run)
{
    if (run->batch > 0) {
        run->dirty = 1;
        return;
    }
    run->dirty = 0;
    if (run->on_change)
        run->on_change(run);
}

/* Starts a batch of changes written together. */
void biz_run_batch_begin(biz_run *run)
{
    run->batch++;
}

/* Ends a batch: writes the record once if anything changed. */
void biz_run_batch_end(biz_run *run)
{
    if (run->batch > 0 && --run->batch == 0 && run->dirty)
        biz_run_changed(run);
}

/* Pushes an XCom of task (value consumed). */
void biz_run_xcom_push(biz_run *run, int task, const char *key, cJSON *value)
{
    if (!value)
        return;
    cJSON *x = run->tis[task]->xcom;
    biz_ti_touch(run->tis[task]);
    if (cJSON_GetObjectItemCaseSensitive(x, key))
        cJSON_ReplaceItemInObjectCaseSensitive(x, key, value);
    else
        cJSON_AddItemToObject(x, key, value);
}

/* Reads an XCom of task (borrowed), NULL when absent. */
const cJSON *biz_run_xcom_get(const biz_run *run, int task, const char *key)
{
    if (task < 0 || task >= run->n)
        return NULL;
    return cJSON_GetObjectItemCaseSensitive(run->tis[task]->xcom, key ? key : "return_value");
}

/* Reads the retry / timeout / trigger settings of a task from its args. */
static int init_ti(biz_run *run, int i, char *err, size_t errlen)
{
    biz_ti *ti = run->tis[i];
    const biz_task_def *d = &run->dag->tasks[i];
    ti->nmaps = -1;
    ti->map_index = -1;
    ti->nup = d->nupstream;
    ti->run = run;
    ti->def = d;
    ti->index = i;
    /* Without the values that are the table's defaults (args.h): each
     * lookup and each try's arguments are then a few entries, not twenty. */
    ti->args = biz_args_parse(d->op, d->args_json);
    ti->xcom = cJSON_CreateObject();
    if (!cJSON_IsObject(ti->args) || !ti->xcom) {
        snprintf(err, errlen, "task '%s': malformed args_json", d->task_id);
        return -1;
    }
    /* An argument set to None reads as an absent one (biz_try_arg), unless
     * None is a value of its own (skip_on_exit_code=None): left out, every
     * lookup and every try's copy of the arguments is shorter. */
    const biz_op_spec *op = d->op >= 0 && d->op < BIZ_OP__COUNT ? &biz_ops[d->op] : NULL;
    for (cJSON *a = ti->args->child, *next; a && op; a = next) {
        next = a->next;
        if (cJSON_IsNull(a) && !biz_ops_none_ok(op, a->string))
            cJSON_Delete(cJSON_DetachItemViaPointer(ti->args, a));
    }
    const char *rule = biz_args_str(ti->args, d->op, BIZ_ARG_trigger_rule);
    ti->rule = rule ? biz_trigger_from_name(rule) : BIZ_TR_ALL_SUCCESS;
    if (ti->rule < 0) {
        snprintf(err, errlen, "task '%s': unknown trigger rule '%s'", d->task_id, rule);
        return -1;
    }
    ti->retries = (int)biz_args_num(ti->args, d->op, BIZ_ARG_retries);
    if (ti->retries < 0)
        ti->retries = 0;
    ti->retry_delay = biz_args_num(ti->args, d->op, BIZ_ARG_retry_delay);
    ti->backoff = biz_args_bool(ti->args, d->op, BIZ_ARG_retry_exponential_backoff);
    ti->max_retry_delay = biz_args_num(ti->args, d->op, BIZ_ARG_max_retry_delay);
    ti->exec_timeout = biz_args_num(ti->args, d->op, BIZ_ARG_execution_timeout);
    ti->is_setup = biz_args_bool(ti->args, d->op, BIZ_ARG_is_setup);
    ti->is_teardown = biz_args_bool(ti->args, d->op, BIZ_ARG_is_teardown);
    ti->fail_dagrun = biz_args_bool(ti->args, d->op, BIZ_ARG_on_failure_fail_dagrun);
    const cJSON *is = biz_args_get(ti->args, d->op, BIZ_ARG_indirect_setups);
    int nis = cJSON_GetArraySize(is);
    if (nis > 0) {
        ti->isetups = malloc((size_t)nis * sizeof *ti->isetups);
        if (!ti->isetups) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        const cJSON *x;
        cJSON_ArrayForEach(x, is) {
            int k = cJSON_IsNumber(x) ? (int)x->valuedouble : -1;
            if (k < 0 || k >= run->n || k == i) {
                snprintf(err, errlen, "task '%s': bad indirect setup %d", d->task_id, k);
                return -1;
            }
            ti->isetups[ti->nisetups++] = k;
        }
    }
    if (d->map_json && biz_map_init(ti, err, errlen) < 0)
        return -1;
    for (int u = 0; u < d->nupstream; u++) {
        int up = d->upstream[u];
        if (up < 0 || up >= run->n || up == i) {
            snprintf(err, errlen, "task '%s': bad upstream index %d", d->task_id, up);
            return -1;
        }
    }
    return 0;
}

/* Fills each task's downstream list from the upstream lists. */
static int link_downstream(biz_run *run)
{
    for (int i = 0; i < run->n; i++)
        for (int u = 0; u < run->tis[i]->def->nupstream; u++)
            run->tis[run->tis[i]->def->upstream[u]]->ndown++;
    for (int i = 0; i < run->n; i++) {
        biz_ti *ti = run->tis[i];
        ti->down = ti->ndown ? malloc((size_t)ti->ndown * sizeof *ti->down) : NULL;
        if (ti->ndown && !ti->down)
            return -1;
        ti->ndown = 0;
    }
    for (int i = 0; i < run->n; i++) {
        const biz_task_def *d = run->tis[i]->def;
        for (int u = 0; u < d->nupstream; u++) {
            biz_ti *up = run->tis[d->upstream[u]];
            up->down[up->ndown++] = i;
            run->tis[i]->up_setups += up->is_setup;
        }
    }
    /* A setup's list of the tasks waiting for it as an indirect setup. */
    for (int i = 0; i < run->n; i++)
        for (int k = 0; k < run->tis[i]->nisetups; k++)
            run->tis[run->tis[i]->isetups[k]]->niwaiting++;
    for (int i = 0; i < run->n; i++) {
        biz_ti *ti = run->tis[i];
        ti->iwaiting = ti->niwaiting ? malloc((size_t)ti->niwaiting * sizeof *ti->iwaiting) : NULL;
        if (ti->niwaiting && !ti->iwaiting)
            return -1;
        ti->niwaiting = 0;
    }
    for (int i = 0; i < run->n; i++)
        for (int k = 0; k < run->tis[i]->nisetups; k++) {
            biz_ti *s = run->tis[run->tis[i]->isetups[k]];
            s->iwaiting[s->niwaiting++] = i;
        }
    return 0;
}

static void format_run_id(biz_run *run)
{
    char ts[BIZ_ISOTIME_MAX], id[64];
    /* the year as strftime's %Y, as run ids have always had it */
    biz_isotime_format(ts, sizeof ts, run->logical_date, 0, 0,
                       BIZ_ISOTIME_OFFSET | BIZ_ISOTIME_PLAIN_YEAR);
    snprintf(id, sizeof id, "manual__%s", ts);
    run->run_id = strdup(id);
}

/* A new run of dag with conf (consumed). */
biz_run *biz_run_new(const biz_dag_def *dag, cJSON *conf, time_t logical_date,
                     char *err, size_t errlen)
{
    biz_run *run = calloc(1, sizeof *run);
    if (!run) {
        cJSON_Delete(conf);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    run->dag = dag;
    run->conf = conf ? conf : cJSON_CreateObject();
    run->settings = cJSON_Parse(dag->settings_json ? dag->settings_json : "{}");
    if (!cJSON_IsObject(run->settings)) {
        snprintf(err, errlen, "malformed DAG settings");
        biz_run_free(run);
        return NULL;
    }
    run->start_wall = biz_run_wall_now();
    run->logical_date = logical_date ? logical_date : (time_t)run->start_wall;
    run->run_type = "manual";
    run->interval_start = run->interval_end = run->logical_date;
    run->run_number = 1;
    run->only_task = -1;
    run->native = biz_args_bool(run->settings, BIZ_ARGS_DAG, BIZ_ARG_render_template_as_native_obj);
    run->max_active = (int)biz_args_num(run->settings, BIZ_ARGS_DAG, BIZ_ARG_max_active_tasks);
    if (run->max_active < 1)
        run->max_active = 16;
    run->dagrun_timeout = biz_args_num(run->settings, BIZ_ARGS_DAG, BIZ_ARG_dagrun_timeout);
    format_run_id(run);
    run->n = run->nstatic = run->cap_tis = dag->ntasks;
    run->tis = calloc(run->n ? run->n : 1, sizeof *run->tis);
    run->ti_block = calloc(run->n ? run->n : 1, sizeof *run->ti_block);
    for (int i = 0; run->tis && run->ti_block && i < run->n; i++)
        run->tis[i] = &run->ti_block[i];
    if (!run->tis || !run->ti_block || !run->run_id) {
        snprintf(err, errlen, "out of memory");
        biz_run_free(run);
        return NULL;
    }
    for (int i = 0; i < run->n; i++)
        if (init_ti(run, i, err, errlen) < 0) {
            biz_run_free(run);
            return NULL;
        }
    if (link_downstream(run) < 0 || build_index(run) < 0) {
        snprintf(err, errlen, "out of memory");
        biz_run_free(run);
        return NULL;
    }
    run->nstate[BIZ_TI_NONE] = run->n;
    biz_map_link(run);
    return run;
}

/* Frees the run and all it owns. */
void biz_run_free(biz_run *run)
{
    if (!run)
        return;
    for (int i = 0; i < run->n && run->tis; i++) {
        biz_ti *ti = run->tis[i];
        if (!ti)
            continue;
        cJSON_Delete(ti->args);
        cJSON_Delete(ti->xcom);
        cJSON_Delete(ti->branch);
        cJSON_Delete(ti->history);
        if (!ti->parent)
            free(ti->down);   /* an instance borrows its task's */
        free(ti->isetups);
        free(ti->iwaiting);
        free(ti->reason);
        free(ti->blocked);
        biz_map_free_ti(ti);
    }
    /* Each mapped task's instances were made in one block, the first
     * pointing at it. */
    for (int i = 0; i < run->nstatic && run->tis && run->tis[i]; i++)
        if (run->tis[i]->nmaps > 0)
            free(run->tis[run->tis[i]->map_first]);
    free(run->tis);
    free(run->ti_block);
    free(run->todo.v);
    free(run->ready.v);
    free(run->changed.v);
    free(run->index);
    free(run->run_id);
    cJSON_Delete(run->settings);
    cJSON_Delete(run->conf);
    cJSON_Delete(run->history);
    cJSON_Delete(run->context);
    free(run);
}
