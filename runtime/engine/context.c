/* context.c: what templates see, and rendering a task's arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "context.h"
#include "isotime.h"
#include "args.h"
#include "template.h"
#include "ops.h"

/* The year of ds, ts and the rest is C's strftime %Y, not padded to four
 * digits below year 1000: what the context has always held (Airflow's ds
 * is a strftime, its ts an isoformat(), which pads). */
#define CTX_YEAR BIZ_ISOTIME_PLAIN_YEAR

/* The run's ts (logical_date.isoformat(), UTC; the fraction only when not
 * zero), for the context and for what hashes or exports it. */
void biz_ctx_ts(const biz_run *run, char *buf, size_t len)
{
    biz_isotime_format(buf, len, run->logical_date, run->logical_us, 0,
                       BIZ_ISOTIME_US | BIZ_ISOTIME_OFFSET | CTX_YEAR);
}

/* FNV-1a of a key, for biz_ctx_update's table. */
static size_t key_hash(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The slot of key in the open-addressed table (size a power of two): its
 * item or the empty slot where it goes. */
static cJSON **key_slot(cJSON **tab, size_t mask, const char *key)
{
    size_t i = key_hash(key) & mask;
    while (tab[i] && strcmp(tab[i]->string, key) != 0)
        i = (i + 1) & mask;
    return &tab[i];
}

/* Sets obj[key] = a copy of every member of from, as Python's dict.update:
 * an existing key keeps its place and takes the new value, a new key is
 * appended, a key repeated in from keeps its last value. The keys are
 * found through a hash table: looking each one up in cJSON's list made a
 * --conf of 40,000 keys take seconds (quadratic). 0, or -1 when out of
 * memory (obj then holds part of from). */
int biz_ctx_update(cJSON *obj, const cJSON *from)
{
    if (!cJSON_IsObject(obj) || !cJSON_IsObject(from))
        return 0;
    size_t n = 0;
    const cJSON *kv;
    cJSON_ArrayForEach(kv, obj)
        n++;
    cJSON_ArrayForEach(kv, from)
        n++;
    size_t size = 16;
    while (size < 2 * n)
        size *= 2;
    cJSON **tab = calloc(size, sizeof *tab);
    if (!tab)
        return -1;
    cJSON *it;
    cJSON_ArrayForEach(it, obj)
        if (it->string && !*key_slot(tab, size - 1, it->string))
            *key_slot(tab, size - 1, it->string) = it; /* the first wins, as cJSON's lookup */
    int r = 0;
    cJSON_ArrayForEach(kv, from) {
        if (!kv->string)
            continue;
        cJSON *v = cJSON_Duplicate(kv, 1); /* copies the key too */
        if (!v || !v->string) {
            cJSON_Delete(v);
            r = -1;
            break;
        }
        cJSON **slot = key_slot(tab, size - 1, kv->string);
        if (*slot ? !cJSON_ReplaceItemViaPointer(obj, *slot, v) : !cJSON_AddItemToObject(obj, kv->string, v)) {
            cJSON_Delete(v);
            r = -1;
            break;
        }
        *slot = v;
    }
    free(tab);
    return r;
}

/* `params` as Airflow gives a task: the DAG's params updated with the
 * task's own (task_params, may be NULL), then with dag_run.conf
 * (dag_run_conf_overrides_params). */
static cJSON *ctx_params(const biz_run *run, const cJSON *task_params)
{
    const cJSON *dp = cJSON_GetObjectItemCaseSensitive(run->settings, "params");
    cJSON *params = cJSON_IsObject(dp) ? cJSON_Duplicate(dp, 1) : cJSON_CreateObject();
    if (cJSON_IsObject(task_params))
        biz_ctx_update(params, task_params);
    if (cJSON_IsObject(run->conf))
        biz_ctx_update(params, run->conf);
    return params;
}

/* The `params` a context holds when it is the run's own (the DAG's params
 * updated with the conf), NULL when a task's own params replaced it: a
 * task without params renders with it as it is, not with a new copy. */
static const cJSON *shared_params;

/* Builds run->context, the variables templates see. */
int biz_ctx_build(biz_run *run)
{
    /* ts is logical_date.isoformat(); the datetimes themselves render as
     * str() does, with a space (Airflow's context holds pendulum objects). */
    char ts[BIZ_ISOTIME_MAX], ds[BIZ_ISOTIME_MAX], ds_nodash[BIZ_ISOTIME_MAX];
    char ts_nodash[BIZ_ISOTIME_MAX];
    time_t t = run->logical_date;
    biz_ctx_ts(run, ts, sizeof ts);
    biz_isotime_format(ds, sizeof ds, t, 0, 0, BIZ_ISOTIME_DATE | CTX_YEAR);
    biz_isotime_format(ds_nodash, sizeof ds_nodash, t, 0, 0, BIZ_ISOTIME_DATE | BIZ_ISOTIME_BASIC | CTX_YEAR);
    biz_isotime_format(ts_nodash, sizeof ts_nodash, t, 0, 0, BIZ_ISOTIME_BASIC | CTX_YEAR);
    /* ts without dashes and colons, as Airflow: 20240101T000000+0000 (with
     * ts's microseconds when it has them) */
    char ts_tz[48];
    size_t k = 0;
    for (const char *p = ts; *p && k < sizeof ts_tz - 1; p++)
        if (*p != '-' && *p != ':')
            ts_tz[k++] = *p;
    ts_tz[k] = '\0';

    cJSON *c = cJSON_CreateObject();
    if (!c)
        return -1;
    cJSON_AddStringToObject(c, "ds", ds);
    cJSON_AddStringToObject(c, "ds_nodash", ds_nodash);
    cJSON_AddStringToObject(c, "ts", ts);
    cJSON_AddStringToObject(c, "ts_nodash", ts_nodash);
    cJSON_AddStringToObject(c, "ts_nodash_with_tz", ts_tz);
    /* The date-times are pendulum DateTimes in UTC, as in Airflow: they
     * print as str() does and have its methods (template_dt.c). */
    cJSON_AddItemToObject(c, "logical_date", biz_tpl_new_datetime(run->logical_date, run->logical_us, NULL));
    cJSON_AddItemToObject(c, "execution_date", biz_tpl_new_datetime(run->logical_date, run->logical_us, NULL));
    /* The data interval comes from the schedule (runplan.c): the interval
     * that just ended for a scheduled run; for a manual one without a
     * schedule Airflow gives [logical_date, logical_date]. */
    cJSON_AddItemToObject(c, "data_interval_start", biz_tpl_new_datetime(run->interval_start, run->interval_us, NULL));
    cJSON_AddItemToObject(c, "data_interval_end", biz_tpl_new_datetime(run->interval_end, run->interval_us, NULL));
    cJSON_AddStringToObject(c, "run_id", run->run_id);
    /* The last successful run before this one (from the records), else None. */
    if (run->has_prev_success) {
        cJSON_AddItemToObject(c, "prev_data_interval_start_success", biz_tpl_new_datetime(run->prev_success_start, 0, NULL));
        cJSON_AddItemToObject(c, "prev_data_interval_end_success", biz_tpl_new_datetime(run->prev_success_end, 0, NULL));
    } else {
        cJSON_AddNullToObject(c, "prev_data_interval_start_success");
        cJSON_AddNullToObject(c, "prev_data_interval_end_success");
    }

    cJSON *dr = cJSON_AddObjectToObject(c, "dag_run");
    if (dr) {
        cJSON_AddItemToObject(dr, "conf", cJSON_Duplicate(run->conf, 1));
        cJSON_AddStringToObject(dr, "run_id", run->run_id);
        cJSON_AddItemToObject(dr, "logical_date", biz_tpl_new_datetime(run->logical_date, run->logical_us, NULL));
        cJSON_AddItemToObject(dr, "execution_date", biz_tpl_new_datetime(run->logical_date, run->logical_us, NULL));
        cJSON_AddStringToObject(dr, "run_type", run->run_type ? run->run_type : "manual");
        cJSON_AddItemToObject(dr, "data_interval_start", biz_tpl_new_datetime(run->interval_start, run->interval_us, NULL));
        cJSON_AddItemToObject(dr, "data_interval_end", biz_tpl_new_datetime(run->interval_end, run->interval_us, NULL));
        cJSON_AddStringToObject(dr, "dag_id", run->dag->dag_id);
    }

    cJSON *params = ctx_params(run, NULL);
    cJSON_AddItemToObject(c, "params", params);
    shared_params = params;

    cJSON *dag = cJSON_AddObjectToObject(c, "dag");
    if (dag)
        cJSON_AddStringToObject(dag, "dag_id", run->dag->dag_id);
    cJSON_AddObjectToObject(c, "task");
    cJSON_Delete(run->context);
    run->context = c;
    return 0;
}

typedef struct render_ctx {
    biz_run *run;
    char *missing;      /* dry run: "'a', 'b'", the tasks pulled without XCom */
} render_ctx;

/* Adds 'task_id' to the dry run's list of XComs it does not have. */
static void note_missing(render_ctx *rc, const char *task_id)
{
    char *q = NULL;
    if (asprintf(&q, "'%s'", task_id) < 0)
        return;
    if (rc->missing && strstr(rc->missing, q)) {
        free(q);
        return;
    }
    char *m = NULL;
    if (asprintf(&m, "%s%s%s", rc->missing ? rc->missing : "", rc->missing ? ", " : "", q) < 0)
        m = NULL;
    free(q);
    if (m) {
        free(rc->missing);
        rc->missing = m;
    }
}

static cJSON *pull(void *user, const char *task_id, const char *key, int *failed)
{
    render_ctx *rc = user;
    int i = biz_run_find(rc->run, task_id);
    const cJSON *v = biz_run_xcom_get(rc->run, i, key ? key : "return_value");
    if (v) {
        cJSON *d = cJSON_Duplicate(v, 1);
        *failed = !d;
        return d;
    }
    if (!rc->run->dry_run)
        return NULL;
    /* A dry run has no XComs (unless --xcom gave them): a placeholder
     * that says whose value goes there. */
    note_missing(rc, task_id);
    char *s = NULL;
    if (!key || strcmp(key, "return_value") == 0) {
        if (asprintf(&s, "<xcom of task '%s'>", task_id) < 0)
            s = NULL;
    } else if (asprintf(&s, "<xcom '%s' of task '%s'>", key, task_id) < 0) {
        s = NULL;
    }
    cJSON *r = s ? cJSON_CreateString(s) : NULL;
    free(s);
    *failed = !r;
    return r;
}

static const char *env_get(void *user, const char *name)
{
    render_ctx *rc = user;
    return rc->run->getenv_fn ? rc->run->getenv_fn(NULL, name) : getenv(name);
}

typedef struct render_acc {
    biz_run *run;
    biz_ti *ti;
    biz_tpl_env *env;
    cJSON *out;
    char *err;
    int keep_going;     /* dry run: render the other arguments too */
    render_ctx *rc;
    char *notes;        /* dry run: arguments left for run time (XComs) */
    int ready;          /* the context has this task's task and params */
} render_acc;

static const biz_arg_loc *find_loc(const biz_task_def *d, const char *name)
{
    for (int i = 0; i < d->narg_locs; i++)
        if (d->arg_locs[i].name && strcmp(d->arg_locs[i].name, name) == 0)
            return &d->arg_locs[i];
    return NULL;
}

/* Adds "task 'x', argument 'a' (file:line:col): template error ..." to acc->err. */
static void add_error(render_acc *acc, const biz_arg_spec *a, const biz_tpl_error *e,
                      const char *where)
{
    const biz_arg_loc *loc = find_loc(acc->ti->def, a->name);
    char locbuf[512] = "";
    if (loc)
        snprintf(locbuf, sizeof locbuf, " (%s:%d:%d)",
                 acc->run->dag->source_path ? acc->run->dag->source_path : "?",
                 loc->line, loc->col);
    char at[48] = "";
    if (e->offset >= 0)
        snprintf(at, sizeof at, " at offset %d", e->offset);
    char *msg = NULL;
    if (asprintf(&msg, "%s%stask '%s', argument '%s'%s: template error%s: %s%s%s",
                 acc->err ? acc->err : "", acc->err ? "\n" : "",
                 acc->ti->def->task_id, a->name, locbuf, at, e->message,
                 where ? ", in the template: " : "", where ? where : "") < 0)
        msg = strdup("template error");
    free(acc->err);
    acc->err = msg;
}

typedef struct xref_acc {
    int from, to, hit;
} xref_acc;

static void xref(void *user, const char *kind, const char *value, int offset)
{
    (void)value;
    xref_acc *x = user;
    if (strcmp(kind, "xcom_task") == 0 && offset >= x->from && offset <= x->to)
        x->hit = 1;
}

/* True when the error at offset of template text lies in a {{ }} / {% %}
 * block that calls xcom_pull (so the dry run's placeholder caused it). */
static int error_from_xcom(const char *text, int offset)
{
    if (offset < 0)
        return 1;
    int len = (int)strlen(text), from = 0, to = len;
    for (int k = offset < len ? offset : len - 1; k > 0; k--)
        if (text[k - 1] == '{' && (text[k] == '{' || text[k] == '%')) {
            from = k - 1;
            break;
        }
    const char *end = strstr(text + (offset < len ? offset : len), "}}");
    const char *end2 = strstr(text + (offset < len ? offset : len), "%}");
    if (end2 && (!end || end2 < end))
        end = end2;
    if (end)
        to = (int)(end - text) + 2;
    biz_tpl_error e;
    biz_tpl *t = biz_tpl_parse(text, (size_t)len, &e);
    if (!t)
        return 0;
    xref_acc x = { from, to, 0 };
    biz_tpl_refs(t, xref, &x);
    biz_tpl_free(t);
    return x.hit;
}

/* Dry run: renders each template string inside v on its own, so one
 * string waiting for an XCom does not hide another's real error. A string
 * that fails only on an XCom placeholder stays as written (a note). */
static cJSON *render_dry(render_acc *acc, const biz_arg_spec *a, const cJSON *v)
{
    if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        cJSON *out = cJSON_IsArray(v) ? cJSON_CreateArray() : cJSON_CreateObject();
        const cJSON *kid;
        cJSON_ArrayForEach(kid, v) {
            cJSON *r = render_dry(acc, a, kid);
            if (!out || !r) {
                cJSON_Delete(r);
                continue;
            }
            if (cJSON_IsArray(v))
                cJSON_AddItemToArray(out, r);
            else
                cJSON_AddItemToObject(out, kid->string, r);
        }
        return out;
    }
    if (!cJSON_IsString(v) || !biz_tpl_is_template(v->valuestring, strlen(v->valuestring)))
        return cJSON_Duplicate(v, 1);
    biz_tpl_error e;
    char *where = NULL;
    memset(&e, 0, sizeof e);
    free(acc->rc->missing);
    acc->rc->missing = NULL;
    cJSON *r = biz_tpl_render_value(v, acc->run->native, acc->env, &e, &where);
    if (r) {
        free(where);
        return r;
    }
    if (acc->rc->missing && error_from_xcom(biz_tpl_text(v->valuestring), e.offset)) {
        /* e.g. xcom_pull(...)['id']: the value is known only at run time. */
        char *line = NULL;
        if (asprintf(&line, "argument '%s' depends on the XCom of %s: rendered at run time",
                     a->name, acc->rc->missing) < 0)
            line = NULL;
        if (line && !(acc->notes && strstr(acc->notes, line))) {
            char *n = NULL;
            if (asprintf(&n, "%s%s%s", acc->notes ? acc->notes : "", acc->notes ? "\n" : "",
                         line) < 0)
                n = NULL;
            if (n) {
                free(acc->notes);
                acc->notes = n;
            }
        }
        free(line);
    } else {
        add_error(acc, a, &e, where);
    }
    free(where);
    return cJSON_CreateString(biz_tpl_text(v->valuestring));
}

/* Puts the task's own entries in the context, once an argument needs it
 * (most tasks' arguments are plain values: nothing to render). */
static void prepare_context(render_acc *acc)
{
    biz_run *run = acc->run;
    const biz_ti *ti = acc->ti;
    cJSON *task = cJSON_CreateObject();
    /* A mapped instance is its task in templates ("call", not "call[3]"). */
    const char *tid = ti->parent ? ti->parent->def->task_id : ti->def->task_id;
    cJSON_AddStringToObject(task, "task_id", tid);
    cJSON_AddStringToObject(task, "operator", biz_ops[ti->def->op].name);
    cJSON_ReplaceItemInObjectCaseSensitive(run->context, "task", task);
    /* Airflow's "{dag_id}__{task_id}__{ds_nodash}" */
    const cJSON *dsn = cJSON_GetObjectItemCaseSensitive(run->context, "ds_nodash");
    char *key = NULL;
    if (asprintf(&key, "%s__%s__%s", run->dag->dag_id, tid,
                 cJSON_IsString(dsn) ? dsn->valuestring : "") >= 0) {
        cJSON *k = cJSON_CreateString(key);
        if (cJSON_GetObjectItemCaseSensitive(run->context, "task_instance_key_str"))
            cJSON_ReplaceItemInObjectCaseSensitive(run->context, "task_instance_key_str", k);
        else
            cJSON_AddItemToObject(run->context, "task_instance_key_str", k);
        free(key);
    }
    /* A task without params of its own renders with the run's as they
     * are, not with a new copy per try. */
    const cJSON *own = biz_args_get(ti->args, ti->def->op, BIZ_ARG_params);
    if (!cJSON_IsObject(own))
        own = NULL;
    if (own || !shared_params ||
        cJSON_GetObjectItemCaseSensitive(run->context, "params") != shared_params) {
        cJSON *params = ctx_params(run, own);
        cJSON_ReplaceItemInObjectCaseSensitive(run->context, "params", params);
        shared_params = own ? NULL : params;
    }
    acc->ready = 1;
}

/* Puts r (consumed) in acc->out as argument name. */
static void set_out(render_acc *acc, const char *name, cJSON *r)
{
    if (cJSON_GetObjectItemCaseSensitive(acc->out, name))
        cJSON_ReplaceItemInObjectCaseSensitive(acc->out, name, r);
    else if (!cJSON_AddItemToObject(acc->out, name, r))
        cJSON_Delete(r);
}

/* The same for the table's argument a: its key the table's own string
 * (not copied), which a read by id knows by its address (args.c). */
static void set_arg_out(render_acc *acc, const biz_arg_spec *a, cJSON *r)
{
    if (biz_args_given(acc->out, a->id))
        cJSON_ReplaceItemInObjectCaseSensitive(acc->out, a->name, r);
    else if (!cJSON_AddItemToObjectCS(acc->out, biz_arg_name(a->id), r))
        cJSON_Delete(r);
}

static void render_one(const biz_arg_spec *a, void *user)
{
    render_acc *acc = user;
    if ((acc->err && !acc->keep_going) || !(a->flags & BIZ_A_TEMPLATED))
        return;
    /* A default is a constant of the operator table, never a template:
     * only what the task itself gives can need rendering (the dry run
     * looks at its full copy, defaults included, as before). */
    const cJSON *v = biz_args_given(acc->keep_going ? acc->out : acc->ti->args, a->id);
    if (!v || cJSON_IsNull(v) || biz_tpl_is_plain(v, acc->run->native))
        return;
    if (!acc->ready)
        prepare_context(acc);
    if (acc->keep_going && acc->run->dry_run) {
        cJSON *r = render_dry(acc, a, v);
        if (r)
            set_arg_out(acc, a, r);
        return;
    }
    biz_tpl_error e;
    char *where = NULL;
    memset(&e, 0, sizeof e);
    cJSON *r = biz_tpl_render_value(v, acc->run->native, acc->env, &e, &where);
    if (r) {
        set_arg_out(acc, a, r);
        free(where);
        return;
    }
    add_error(acc, a, &e, where);
    free(where);
}

/* Renders for biz_ctx_render_args: only the templated arguments whose
 * rendering changes them, the try reading the others where they are
 * (biz_try_arg: no copy of a task's arguments per try). keep_going (the
 * dry run) leaves failing arguments unrendered and returns every argument,
 * the defaults included, with every error in *err. */
static cJSON *render_args(biz_run *run, biz_ti *ti, int try_number, char **err, int keep_going,
                          char **notes)
{
    *err = NULL;
    if (notes)
        *notes = NULL;
    cJSON *out = keep_going ? biz_args_full(ti->def->op, ti->args) : cJSON_CreateObject();
    if (!out) {
        *err = strdup("out of memory");
        return NULL;
    }
    if (ti->def->op < 0 || ti->def->op >= BIZ_OP__COUNT)
        return out;
    render_ctx rc = { run, NULL };
    biz_tpl_env env;
    memset(&env, 0, sizeof env);
    env.vars = run->context;
    env.xcom_pull = pull;
    env.getenv = env_get;
    env.task_id = ti->parent ? ti->parent->def->task_id : ti->def->task_id;
    env.try_number = try_number;
    env.is_mapped = ti->parent != NULL;
    env.map_index = ti->map_index;
    env.user = &rc;
    render_acc acc = { run, ti, &env, out, NULL, keep_going, &rc, NULL, 0 };
    biz_ops_each_templated_arg(&biz_ops[ti->def->op], render_one, &acc);
    /* A mapped instance's values from an XCom are data, not templates
     * (Airflow renders only what the DAG file wrote). */
    const cJSON *raw;
    cJSON_ArrayForEach(raw, ti->map_raw) {
        cJSON *c = cJSON_Duplicate(raw, 1);
        if (c)
            set_out(&acc, raw->string, c);
    }
    free(rc.missing);
    if (notes)
        *notes = acc.notes;
    else
        free(acc.notes);
    if (acc.err && !keep_going) {
        cJSON_Delete(out);
        *err = acc.err;
        return NULL;
    }
    *err = acc.err;
    return out;
}

/* All of ti's arguments with the templated ones rendered. */
cJSON *biz_ctx_render_args(biz_run *run, biz_ti *ti, int try_number, char **err)
{
    return render_args(run, ti, try_number, err, 0, NULL);
}

/* Renders what it can; every error in *err (NULL when none). */
cJSON *biz_ctx_render_args_all(biz_run *run, biz_ti *ti, char **err)
{
    return render_args(run, ti, 1, err, 1, NULL);
}

/* --dry-run's rendering: as biz_ctx_render_args_all, with the XComs it
 * lacks as placeholders; arguments that fail only on those are left as
 * written and listed in *notes (not errors). */
cJSON *biz_ctx_render_args_plan(biz_run *run, biz_ti *ti, char **err, char **notes)
{
    return render_args(run, ti, 1, err, 1, notes);
}
