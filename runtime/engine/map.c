/* map.c: dynamic task mapping (see map.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "map.h"
#include "args.h"
#include "ops.h"
#include "log.h"
#include "state.h"

/* Reads the mapped task's spec and its concurrency limit. */
int biz_map_init(biz_ti *ti, char *err, size_t errlen)
{
    ti->map = cJSON_Parse(ti->def->map_json);
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(ti->map, "expand");
    const cJSON *kw = cJSON_GetObjectItemCaseSensitive(ti->map, "expand_kwargs");
    if (!cJSON_IsObject(ti->map) || (!cJSON_IsObject(ex) && !kw)) {
        snprintf(err, errlen, "task '%s': malformed map_json", ti->def->task_id);
        return -1;
    }
    /* Airflow 2 has both names (the first per DAG across its runs, the
     * second per run); a compiled DAG has one run at a time. */
    double lim = biz_args_num(ti->args, ti->def->op, BIZ_ARG_max_active_tis_per_dagrun);
    if (lim < 1)
        lim = biz_args_num(ti->args, ti->def->op, BIZ_ARG_max_active_tis_per_dag);
    if (lim < 1)
        lim = biz_args_num(ti->args, ti->def->op, BIZ_ARG_task_concurrency);
    ti->map_limit = lim >= 1 ? (int)lim : 0;
    return 0;
}

/* Frees what mapping added to ti. */
void biz_map_free_ti(biz_ti *ti)
{
    cJSON_Delete(ti->map);
    cJSON_Delete(ti->map_restore);
    cJSON_Delete(ti->map_raw);
    free(ti->map_label);
    if (ti->own_def)
        free((char *)ti->own_def->task_id);
    free(ti->own_def);
}

/* Python's type name of a JSON value, for Airflow's messages. */
static const char *py_type(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "str";
    if (cJSON_IsBool(v))
        return "bool";
    if (cJSON_IsNumber(v))
        return v->valuedouble == (double)(long long)v->valuedouble ? "int" : "float";
    if (cJSON_IsArray(v))
        return "list";
    if (cJSON_IsObject(v))
        return "dict";
    return "NoneType";
}

/* Airflow's [core] max_map_length, from the environment as Airflow reads it. */
static long max_length(const biz_run *run)
{
    const char *env = run->getenv_fn ? run->getenv_fn(NULL, "AIRFLOW__CORE__MAX_MAP_LENGTH")
                                     : getenv("AIRFLOW__CORE__MAX_MAP_LENGTH");
    return env && atol(env) > 0 ? atol(env) : BIZ_MAP_MAX_LENGTH;
}

/* Marks the tasks mapped tasks map over. */
void biz_map_link(biz_run *run)
{
    for (int i = 0; i < run->nstatic; i++) {
        const cJSON *m = run->tis[i]->map;
        if (!m)
            continue;
        const cJSON *kw = cJSON_GetObjectItemCaseSensitive(m, "expand_kwargs"), *src;
        const cJSON *ex = cJSON_GetObjectItemCaseSensitive(m, "expand");
        const char *up = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(kw, "xcom"));
        int u = up ? biz_run_find(run, up) : -1;
        if (u >= 0)
            run->tis[u]->feeds_map = 1;
        cJSON_ArrayForEach(src, ex) {
            up = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(src, "xcom"));
            u = up ? biz_run_find(run, up) : -1;
            if (u >= 0)
                run->tis[u]->feeds_map = 1;
        }
    }
}

/* Airflow's _record_task_map_for_downstreams (run.h). */
const char *biz_map_check_push(const biz_ti *ti, char *buf, size_t len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ti->xcom, "return_value");
    if (!v || cJSON_IsNull(v)) {
        snprintf(buf, len, "did not push XCom for task mapping");
        return buf;
    }
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v)) {
        snprintf(buf, len, "unmappable return type '%s'", py_type(v));
        return buf;
    }
    long max = max_length(ti->run), n = cJSON_GetArraySize(v);
    if (n > max) {
        snprintf(buf, len, "unmappable return value length: %ld > %ld", n, max);
        return buf;
    }
    return NULL;
}

/* Keeps the record's entries of ti's instances for when it expands again:
 * 0, or -1 out of memory. */
int biz_map_keep_restore(biz_ti *ti, const cJSON *tasks, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int k = 0; a && k < n; k++) {
        char id[600];
        snprintf(id, sizeof id, "%s[%d]", ti->def->task_id, k);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(tasks, id);
        cJSON *c = e ? cJSON_Duplicate(e, 1) : cJSON_CreateNull();
        if (!c) {
            cJSON_Delete(a);
            a = NULL;
            break;
        }
        cJSON_AddItemToArray(a, c);
    }
    cJSON_Delete(ti->map_restore);
    ti->map_restore = a;
    return a ? 0 : -1;
}

/* What a source resolves to now: a list written in the DAG file (literal
 * 1) or an upstream task's return_value (literal 0). NULL with a message. */
static const cJSON *resolve(biz_run *run, biz_ti *ti, const char *what, const cJSON *src,
                            int *literal, char *err, size_t errlen)
{
    *literal = 1;
    if (cJSON_IsArray(src))
        return src;
    const char *up = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(src, "xcom"));
    if (!up) {
        snprintf(err, errlen, "malformed map_json of task '%s'", ti->def->task_id);
        return NULL;
    }
    *literal = 0;
    const cJSON *v = biz_run_xcom_get(run, biz_run_find(run, up), "return_value");
    /* Airflow's XComForMappingNotPushed and UnmappableXComTypePushed. */
    if (!v || cJSON_IsNull(v)) {
        snprintf(err, errlen, "%s: task '%s' did not push XCom for task mapping", what, up);
        return NULL;
    }
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v)) {
        snprintf(err, errlen, "%s: task '%s' pushed an unmappable return type '%s' (a list or a "
                 "dict is needed)", what, up, py_type(v));
        return NULL;
    }
    return v;
}

/* The k-th item of a mapped source: a list's item, or a dict's k-th
 * (key, value) pair as a two-item list (Python's tuple). New value. */
static cJSON *item_at(const cJSON *src, int k)
{
    const cJSON *c = src->child;
    for (int i = 0; c && i < k; i++)
        c = c->next;
    if (!c)
        return NULL;
    if (cJSON_IsArray(src))
        return cJSON_Duplicate(c, 1);
    cJSON *pair = cJSON_CreateArray();
    cJSON_AddItemToArray(pair, cJSON_CreateString(c->string));
    cJSON_AddItemToArray(pair, cJSON_Duplicate(c, 1));
    return pair;
}

static void put(cJSON *obj, const char *name, cJSON *v)
{
    if (!v)
        return;
    if (cJSON_GetObjectItemCaseSensitive(obj, name))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, name, v);
    else
        cJSON_AddItemToObject(obj, name, v);
}

/* The per-try settings init_ti reads, again from an instance's arguments
 * (an expanded argument may be one of them); each one the instance does
 * not set stays its task's. */
static void read_settings(biz_ti *c)
{
    const char *rule = biz_args_str_or(c->args, BIZ_ARG_trigger_rule, NULL);
    int r = rule ? biz_trigger_from_name(rule) : -1;
    if (r >= 0)
        c->rule = r;
    c->retries = (int)biz_args_num_or(c->args, BIZ_ARG_retries, c->retries);
    if (c->retries < 0)
        c->retries = 0;
    c->retry_delay = biz_args_num_or(c->args, BIZ_ARG_retry_delay, c->retry_delay);
    c->exec_timeout = biz_args_num_or(c->args, BIZ_ARG_execution_timeout, c->exec_timeout);
}

/* Queues the next instances to be decided while the limit allows. */
static void release(biz_ti *ti)
{
    biz_run *run = ti->run;
    while (ti->map_next < ti->nmaps && (ti->map_limit == 0 || ti->map_active < ti->map_limit)) {
        biz_ti *c = run->tis[ti->map_first + ti->map_next++];
        if (c->state != BIZ_TI_NONE)
            continue;   /* kept by --resume */
        c->released = 1;
        ti->map_active++;
        biz_run_idx_push(&run->todo, c->index);
    }
}

/* Applies the record of instance c (kept by --resume), if it is kept. */
static void restore(biz_ti *ti, biz_ti *c, int k)
{
    const cJSON *e = cJSON_GetArrayItem(ti->map_restore, k);
    if (cJSON_IsObject(e))
        biz_record_apply_task(c, e);
}

int biz_map_expand(biz_run *run, biz_ti *ti, char *err, size_t errlen)
{
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(ti->map, "expand");
    const cJSON *kwsrc = cJSON_GetObjectItemCaseSensitive(ti->map, "expand_kwargs");
    const char *op = ti->def->op >= 0 && ti->def->op < BIZ_OP__COUNT ? biz_ops[ti->def->op].name : "?";
    char what[300];
    int nsrc = 0;
    const cJSON *srcs[64];
    int literal[64], lens[64];
    const char *names[64];
    long total = 1;
    if (kwsrc) {
        snprintf(what, sizeof what, "%s.expand_kwargs()", op);
        srcs[0] = resolve(run, ti, what, kwsrc, &literal[0], err, errlen);
        if (!srcs[0])
            return -1;
        if (!cJSON_IsArray(srcs[0])) {
            snprintf(err, errlen, "%s expects a list[dict], not dict", what);
            return -1;
        }
        const cJSON *d;
        cJSON_ArrayForEach(d, srcs[0]) {
            if (!cJSON_IsObject(d)) {
                snprintf(err, errlen, "%s expects a list[dict], not list[%s]", what,
                         cJSON_IsNull(d) ? "None" : py_type(d));
                return -1;
            }
            const cJSON *kv;
            cJSON_ArrayForEach(kv, d) {
                const biz_arg_spec *a = biz_ops_arg(&biz_ops[ti->def->op], kv->string);
                if (!a || !strcmp(kv->string, "task_id")) {
                    snprintf(err, errlen, "%s: %s got an unexpected keyword argument '%s'", what, op,
                             kv->string);
                    return -1;
                }
            }
        }
        nsrc = 1;
        names[0] = NULL;
        total = lens[0] = cJSON_GetArraySize(srcs[0]);
    } else {
        snprintf(what, sizeof what, "%s.expand()", op);
        const cJSON *a;
        cJSON_ArrayForEach(a, ex) {
            if (nsrc == 64) {
                snprintf(err, errlen, "%s: too many arguments", what);
                return -1;
            }
            names[nsrc] = a->string;
            srcs[nsrc] = resolve(run, ti, what, a, &literal[nsrc], err, errlen);
            if (!srcs[nsrc])
                return -1;
            lens[nsrc] = cJSON_GetArraySize(srcs[nsrc]);
            total *= lens[nsrc];
            if (total > 1000000000L)
                total = 1000000000L;
            nsrc++;
        }
    }
    long max = max_length(run);
    for (int s = 0; s < nsrc; s++)
        if (lens[s] > max) {
            /* Airflow's UnmappableXComLengthPushed. */
            snprintf(err, errlen, "%s: unmappable return value length: %d > %ld "
                     "([core] max_map_length, AIRFLOW__CORE__MAX_MAP_LENGTH)", what, lens[s], max);
            return -1;
        }
    if (total == 0)
        return 0;

    int n = (int)total;
    if (run->n + n > run->cap_tis) {
        int cap = run->cap_tis ? run->cap_tis : 16;
        while (cap < run->n + n)
            cap *= 2;
        biz_ti **v = realloc(run->tis, (size_t)cap * sizeof *v);
        if (!v) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        run->tis = v;
        run->cap_tis = cap;
    }
    biz_ti *block = calloc((size_t)n, sizeof *block);
    if (!block) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int first = run->n;
    for (int k = 0; k < n; k++) {
        biz_ti *c = &block[k];
        c->run = run;
        c->index = first + k;
        c->parent = ti;
        c->map_index = k;
        c->nmaps = -1;
        c->own_def = malloc(sizeof *c->own_def);
        char *id = NULL;
        if (c->own_def && asprintf(&id, "%s[%d]", ti->def->task_id, k) < 0)
            id = NULL;
        c->args = cJSON_Duplicate(ti->args, 1);
        c->xcom = cJSON_CreateObject();
        if (!c->own_def || !id || !c->args || !c->xcom) {
            free(id);
            for (int j = 0; j <= k; j++) {
                cJSON_Delete(block[j].args);
                cJSON_Delete(block[j].xcom);
                cJSON_Delete(block[j].map_raw);
                biz_map_free_ti(&block[j]);
            }
            free(block);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        *c->own_def = *ti->def;
        c->own_def->task_id = id;
        c->own_def->upstream = NULL;   /* its task's trigger rule is met */
        c->own_def->nupstream = 0;
        c->own_def->map_json = NULL;
        c->def = c->own_def;
        c->rule = ti->rule;
        c->retries = ti->retries;
        c->retry_delay = ti->retry_delay;
        c->backoff = ti->backoff;
        c->max_retry_delay = ti->max_retry_delay;
        c->exec_timeout = ti->exec_timeout;
        c->down = ti->down;            /* borrowed */
        c->ndown = ti->ndown;
        /* Which item of each source: the last argument varies fastest
         * (Airflow's DictOfListsExpandInput._expand_mapped_field). */
        if (kwsrc) {
            const cJSON *d = cJSON_GetArrayItem(srcs[0], k), *kv;
            cJSON *raw = literal[0] ? NULL : cJSON_CreateObject();
            cJSON_ArrayForEach(kv, d)
                put(literal[0] ? c->args : raw, kv->string, cJSON_Duplicate(kv, 1));
            c->map_raw = raw;
        } else {
            int rest = k;
            for (int s = nsrc - 1; s >= 0; s--) {
                int at = rest % lens[s];
                rest /= lens[s];
                cJSON *v = item_at(srcs[s], at);
                if (literal[s]) {
                    put(c->args, names[s], v);
                } else {
                    if (!c->map_raw)
                        c->map_raw = cJSON_CreateObject();
                    put(c->map_raw, names[s], v);
                }
            }
        }
        read_settings(c);
        run->tis[first + k] = c;
    }
    run->n += n;
    run->nstate[BIZ_TI_NONE] += n;
    /* Its downstream tasks now wait for n instances instead of one task. */
    for (int d = 0; d < ti->ndown; d++)
        run->tis[ti->down[d]]->nup += n - 1;
    ti->nmaps = n;
    ti->map_first = first;
    biz_ti_set_state(ti, BIZ_TI_RUNNING);
    if (ti->map_restore) {
        if (cJSON_GetArraySize(ti->map_restore) == n)
            for (int k = 0; k < n; k++)
                restore(ti, run->tis[first + k], k);
        else
            biz_log_event(BIZ_LOG_WARN, "map", ti->def->task_id, 0,
                          "the record had %d mapped instances, the task now maps over %d: all run again",
                          cJSON_GetArraySize(ti->map_restore), n);
        cJSON_Delete(ti->map_restore);
        ti->map_restore = NULL;
    }
    biz_log_event(BIZ_LOG_INFO, "expanded", ti->def->task_id, 0, "mapped into %d instance(s)%s", n,
                  ti->map_limit ? "" : "");
    release(ti);
    return n;
}

/* Gives the mapped task its state and XComs once its instances finished. */
static void finish(biz_ti *ti)
{
    biz_run *run = ti->run;
    int nsucc = 0, nfail = 0, nskip = 0;
    cJSON *x = cJSON_CreateObject();
    for (int k = 0; k < ti->nmaps; k++) {
        const biz_ti *c = run->tis[ti->map_first + k];
        nsucc += c->state == BIZ_TI_SUCCESS;
        nfail += c->state == BIZ_TI_FAILED || c->state == BIZ_TI_UPSTREAM_FAILED;
        nskip += c->state == BIZ_TI_SKIPPED;
        /* Each key's values in map index order; an instance that pushed
         * none is left out, as Airflow's lazy XCom sequence does. */
        const cJSON *kv;
        cJSON_ArrayForEach(kv, c->xcom) {
            cJSON *list = cJSON_GetObjectItemCaseSensitive(x, kv->string);
            if (!list) {
                list = cJSON_CreateArray();
                cJSON_AddItemToObject(x, kv->string, list);
            }
            cJSON_AddItemToArray(list, cJSON_Duplicate(kv, 1));
        }
    }
    if (x) {
        cJSON_Delete(ti->xcom);
        ti->xcom = x;
    }
    char why[160];
    free(ti->reason);
    ti->reason = NULL;
    if (nfail) {
        snprintf(why, sizeof why, "%d of %d mapped instances failed", nfail, ti->nmaps);
        ti->reason = strdup(why);
    } else if (nskip == ti->nmaps) {
        ti->reason = strdup("every mapped instance was skipped");
    }
    ti->end = biz_run_wall_now();
    biz_ti_set_state(ti, nfail ? BIZ_TI_FAILED : nsucc ? BIZ_TI_SUCCESS : BIZ_TI_SKIPPED);
}

void biz_map_instance_moved(biz_ti *inst, int finished)
{
    biz_ti *ti = inst->parent;
    if (finished) {
        ti->map_done++;
        if (inst->released) {
            inst->released = 0;
            ti->map_active--;
        }
        release(ti);
        if (ti->map_done == ti->nmaps && ti->state == BIZ_TI_RUNNING)
            finish(ti);
    } else {
        ti->map_done--;
    }
}
