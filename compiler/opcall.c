/* opcall.c: operator calls and dependencies in a DAG body.
 *
 * Checks every argument of an operator call against the operator table
 * (runtime/contract/ops.c): unknown, duplicate, missing, wrongly typed, ignored and
 * Python-callable arguments, template syntax and references; then creates
 * the task, or the three tasks of a TechMicroServiceAsyncGroup. Also `>>`,
 * `<<`, chain(), cross_downstream(), set_upstream/set_downstream and
 * task.output.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "ascii.h"
#include "xalloc.h"
#include "sema.h"
#include "sema_int.h"
#include "tz.h"
#include "tzif.h"
#include "template.h"

static const char *const http_methods[] = {
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", NULL
};

static const biz_span no_span;

/* --------------------------------------------------------- task ids */

static int valid_key(const char *s, int allow_dot)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!(isalnum(c) || c == '_' || c == '-' || (allow_dot && c == '.')))
            return 0;
    }
    return 1;
}

int sx_check_id(biz_sema *S, const char *id, biz_span span, const char *what, int allow_dot)
{
    if (strlen(id) > 250) {
        biz_error(S->d, span, NULL, "%s is longer than 250 characters", what);
        return 0;
    }
    if (!valid_key(id, allow_dot)) {
        biz_error(S->d, span, NULL,
                  allow_dot ? "invalid %s '%s': only letters, digits, dashes, dots and underscores are allowed"
                            : "invalid %s '%s': only letters, digits, dashes and underscores are allowed",
                  what, id);
        return 0;
    }
    return 1;
}

int sx_find_task(const sx_dag *dag, const char *id)
{
    const sx_task *t = sx_map_get(&dag->task_ids, id);
    return t ? t->index : -1;
}

/* ---------------------------------------------------- argument lookup */

/* Each operator's arguments hashed by name, built on first use: a call
 * looks up every argument it is given and every one the operator
 * requires, and biz_ops_arg walks the whole table each time. Only the
 * effective arguments are indexed (biz_ops_each_arg's: where a later set
 * overrides a name, its entry), which is what biz_ops_arg returns. */
#define OP_INDEX_SLOTS 512   /* a power of two, at least twice the largest table */

typedef struct op_index {
    int state;               /* 0 not built, 1 built, -1 too many arguments */
    int n;
    const biz_arg_spec *slot[OP_INDEX_SLOTS];
} op_index;

static op_index op_indexes[BIZ_OP__COUNT];

static unsigned name_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void op_index_add(const biz_arg_spec *a, void *user)
{
    op_index *x = user;
    if (x->state < 0 || 2 * (x->n + 1) > OP_INDEX_SLOTS) {
        x->state = -1;
        return;
    }
    unsigned i = name_hash(a->name) & (OP_INDEX_SLOTS - 1);
    while (x->slot[i])
        i = (i + 1) & (OP_INDEX_SLOTS - 1);
    x->slot[i] = a;
    x->n++;
}

const biz_arg_spec *sx_op_arg(const biz_op_spec *op, const char *name)
{
    ptrdiff_t k = op - biz_ops;
    if (k < 0 || k >= BIZ_OP__COUNT)
        return biz_ops_arg(op, name);
    op_index *x = &op_indexes[k];
    if (x->state == 0) {
        x->state = 1;
        biz_ops_each_arg(op, op_index_add, x);
    }
    if (x->state < 0)
        return biz_ops_arg(op, name);
    for (unsigned i = name_hash(name) & (OP_INDEX_SLOTS - 1); x->slot[i]; i = (i + 1) & (OP_INDEX_SLOTS - 1))
        if (strcmp(x->slot[i]->name, name) == 0)
            return x->slot[i];
    return NULL;
}

/* --------------------------------------------------------- type checks */

static int tpl_name_known(const char *name)
{
    return (biz_tpl_name_flags(name) & BIZ_TPL_NAME_CONTEXT) != 0;
}

typedef struct tpl_ctx {
    biz_sema *S;
    const sx_val *v;
    const char *arg;
} tpl_ctx;

static void tpl_ref(void *user, const char *kind, const char *value, int offset)
{
    tpl_ctx *c = user;
    biz_sema *S = c->S;
    biz_pos pos = sx_str_pos(S, c->v, offset);
    if (strcmp(kind, "xcom_task") == 0) {
        sx_ref r = { REF_XCOM, -1, c->arg, sx_strdup(S, value), biz_span_at(pos) };
        /* The offset is the id's literal: underline its quotes too. */
        int q = offset >= 0 && (size_t)offset < c->v->u.str.len
                && (c->v->u.str.s[offset] == '\'' || c->v->u.str.s[offset] == '"');
        r.span.end.col += (int)strlen(value) + 2 * q;
        r.span.end.off += (int)strlen(value) + 2 * q;
        SX_PUSH(S, S->pend_refs, S->npend_refs, S->cap_pend_refs, r);
    } else if (strcmp(kind, "tz") == 0 && !biz_tz_name_is_utc(value)) {
        /* The executable holds the zones its templates convert to. */
        char err[300];
        const biz_tz_def *z = biz_tzif_load(value, err, sizeof err);
        biz_span sp = biz_span_at(pos);
        if (!z) {
            biz_error(S->d, sp, "use a tzdata name such as 'Europe/Paris' or 'UTC'", "%s", err);
            return;
        }
        for (int i = 0; i < S->nzones; i++)
            if (S->zones[i] == z->name)
                return;
        SX_PUSH(S, S->zones, S->nzones, S->cap_zones, z->name);
    } else if (strcmp(kind, "param") == 0) {
        sx_ref r = { REF_PARAM, -1, c->arg, sx_strdup(S, value), biz_span_at(pos) };
        r.span.end.col += (int)strlen(value);
        r.span.end.off += (int)strlen(value);
        SX_PUSH(S, S->pend_refs, S->npend_refs, S->cap_pend_refs, r);
    } else if (strcmp(kind, "name") == 0 && !tpl_name_known(value)) {
        /* Templates render with StrictUndefined, as in Airflow: an unknown
         * name would fail the task on every run, so it is an error here. */
        biz_span sp = biz_span_at(pos);
        sp.end.col += (int)strlen(value);
        sp.end.off += (int)strlen(value);
        if (biz_tpl_name_flags(value) & BIZ_TPL_NAME_AIRFLOW_ONLY) {
            biz_error(S->d, sp, "use ds, ds_nodash, ts, data_interval_start, data_interval_end or "
                                "macros.ds_add(ds, N)",
                      "'%s' is not available in a compiled DAG's templates", value);
            return;
        }
        int n;
        const char *const *names = biz_tpl_context_names(&n);
        const char *sug = biz_suggest(value, names, n);
        biz_error(S->d, sp, sug ? sx_fmt(S, "did you mean '%s'?", sug) : NULL,
                  "undefined name '%s' in template", value);
    }
}

/* Parses every template string inside v (an argument's value). */
void sx_check_templates(biz_sema *S, const sx_val *v, const char *arg)
{
    switch (v->kind) {
    case BV_STR: {
        if (!sx_is_template(v))
            return;
        biz_tpl_error err;
        memset(&err, 0, sizeof err);
        biz_tpl *t = biz_tpl_parse(v->u.str.s, v->u.str.len, &err);
        if (!t) {
            biz_pos pos = err.offset >= 0 ? sx_str_pos(S, v, err.offset) : v->span.begin;
            biz_error(S->d, biz_span_at(pos), NULL, "template: %s", err.message);
            return;
        }
        tpl_ctx c = { S, v, arg };
        biz_tpl_refs(t, tpl_ref, &c);
        biz_tpl_free(t);
        return;
    }
    case BV_LIST: case BV_TUPLE:
        for (int i = 0; i < v->u.seq.n; i++)
            sx_check_templates(S, v->u.seq.items[i], arg);
        return;
    case BV_DICT:
        for (int i = 0; i < v->u.dict.n; i++)
            sx_check_templates(S, v->u.dict.vals[i], arg);
        return;
    default:
        return;
    }
}

/* Can v become JSON (inside an argument)? Collects .output producers. */
int sx_json_ok(biz_sema *S, const biz_arg_spec *spec, const sx_val *v, biz_span span,
                   const char *what)
{
    switch (v->kind) {
    case BV_ERROR: case BV_REJECTED:
        return 0;
    case BV_NONE: case BV_BOOL: case BV_INT: case BV_FLOAT: case BV_STR:
    case BV_DURATION: case BV_DATETIME:
        return 1;
    case BV_OUTPUT: case BV_PARAM:
        if (!(spec->flags & BIZ_A_TEMPLATED)) {
            biz_error(S->d, span, "pass it to a templated argument",
                      "argument '%s' is not templated; %s cannot be used in it", spec->name,
                      sx_kind_name(v));
            return 0;
        }
        if (v->kind == BV_OUTPUT) {
            sx_edge ed = { v->u.out.task, -1, span, 0 };
            SX_PUSH(S, S->pend_out, S->npend_out, S->cap_pend_out, ed);
        }
        return 1;
    case BV_LIST: case BV_TUPLE:
        for (int i = 0; i < v->u.seq.n; i++)
            if (!sx_json_ok(S, spec, v->u.seq.items[i], span, what))
                return 0;
        return 1;
    case BV_DICT:
        for (int i = 0; i < v->u.dict.n; i++)
            if (!sx_json_ok(S, spec, v->u.dict.vals[i], span, what))
                return 0;
        return 1;
    default:
        biz_error(S->d, span, NULL, "argument '%s' expects %s, got %s", spec->name, what,
                  sx_kind_name(v));
        return 0;
    }
}

int sx_all_strs(const sx_val *v)
{
    for (int i = 0; i < v->u.seq.n; i++)
        if (v->u.seq.items[i]->kind != BV_STR)
            return 0;
    return 1;
}

/* The task id a node should be named by in a hint. */
static const char *node_hint_id(const sx_val *v)
{
    if (v->kind != BV_NODE)
        return "...";
    if (v->u.node.grp)
        return v->u.node.dag->tasks[v->u.node.grp->call]->id;
    return v->u.node.dag->tasks[v->u.node.first]->id;
}

/* Checks v against spec's type; reports and returns 0 when it does not fit. */
int sx_type_ok(biz_sema *S, const biz_arg_spec *spec, sx_val *v, biz_span span)
{
    if (v->kind == BV_ERROR || v->kind == BV_REJECTED)
        return 0;
    const char *want = biz_arg_type_name(spec->type);
    int templated = spec->flags & BIZ_A_TEMPLATED;
    if (v->kind == BV_OUTPUT || v->kind == BV_PARAM)
        return sx_json_ok(S, spec, v, span, want);
    if (templated && sx_is_template(v))
        return 1;
    if (v->kind == BV_NONE) {
        if ((!spec->default_json && !(spec->flags & BIZ_A_REQUIRED)) || (spec->flags & BIZ_A_NONE_OK))
            return 1;
        goto bad;
    }
    switch (spec->type) {
    case BIZ_T_ANY:
        return sx_json_ok(S, spec, v, span, "a constant");
    case BIZ_T_STR:
        if (v->kind == BV_STR)
            return 1;
        break;
    case BIZ_T_INT:
        if (v->kind == BV_INT)
            return 1;
        break;
    case BIZ_T_NUMBER:
        if (v->kind == BV_INT || v->kind == BV_FLOAT)
            return 1;
        break;
    case BIZ_T_BOOL:
        if (v->kind == BV_BOOL)
            return 1;
        break;
    case BIZ_T_DICT:
        if (v->kind == BV_DICT)
            return sx_json_ok(S, spec, v, span, want);
        break;
    case BIZ_T_LIST:
        if (v->kind == BV_LIST || v->kind == BV_TUPLE)
            return sx_json_ok(S, spec, v, span, want);
        break;
    case BIZ_T_STRS:
        if (v->kind == BV_STR || ((v->kind == BV_LIST || v->kind == BV_TUPLE) && sx_all_strs(v)))
            return 1;
        break;
    case BIZ_T_TASK: case BIZ_T_TASKS: {
        if (v->kind == BV_STR)
            return 1;
        const sx_val *node = v->kind == BV_NODE ? v : NULL;
        if (spec->type == BIZ_T_TASKS && (v->kind == BV_LIST || v->kind == BV_TUPLE)) {
            int ok = 1;
            for (int i = 0; i < v->u.seq.n; i++) {
                if (v->u.seq.items[i]->kind == BV_NODE && !node)
                    node = v->u.seq.items[i];
                if (v->u.seq.items[i]->kind != BV_STR)
                    ok = 0;
            }
            if (ok)
                return 1;
        }
        if (node) {
            biz_error(S->d, span, sx_fmt(S, "write %s='%s'", spec->name, node_hint_id(node)),
                      "argument '%s' expects %s, got %s", spec->name, want, sx_kind_name(node));
            return 0;
        }
        break;
    }
    case BIZ_T_DURATION:
        if (v->kind == BV_DURATION || v->kind == BV_INT || v->kind == BV_FLOAT) {
            double s = v->kind == BV_DURATION ? v->u.dur : v->kind == BV_INT ? (double)v->u.i : v->u.f;
            if (s < 0) {
                biz_error(S->d, span, NULL, "argument '%s' must not be negative", spec->name);
                return 0;
            }
            return 1;
        }
        break;
    case BIZ_T_TIMEDELTA:
        if (v->kind == BV_DURATION)
            return 1;
        if (v->kind == BV_INT || v->kind == BV_FLOAT) {
            biz_error(S->d, span, sx_fmt(S, "write %s=timedelta(seconds=%s)", spec->name,
                                         sx_to_text(S, v, 0)),
                      "argument '%s' expects a timedelta, got %s (Airflow refuses a number of seconds here)",
                      spec->name, sx_kind_name(v));
            return 0;
        }
        break;
    case BIZ_T_DATETIME:
        if (v->kind == BV_DATETIME)
            return 1;
        break;
    case BIZ_T_TRIGGER:
        if (v->kind == BV_STR) {
            if (biz_trigger_from_name(v->u.str.s) >= 0)
                return 1;
            const char *sug = biz_suggest(v->u.str.s, biz_trigger_names, BIZ_TR__COUNT);
            biz_error(S->d, span, sug ? sx_fmt(S, "did you mean '%s'?", sug) : NULL,
                      "unknown trigger rule '%s'", v->u.str.s);
            return 0;
        }
        break;
    case BIZ_T_METHOD:
        if (v->kind == BV_STR) {
            char up[16];
            biz_ascii_case_copy(up, sizeof up, v->u.str.s, v->u.str.len, 1);
            if (v->u.str.len < 15 && sx_in_list(up, http_methods))
                return 1;
            biz_error(S->d, span, "use one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS",
                      "unknown HTTP method '%s'", v->u.str.s);
            return 0;
        }
        break;
    case BIZ_T_CALLABLE:
    case BIZ_T_SCHEDULE:   /* a DAG's, checked by sema.c's schedule_ok */
    case BIZ_T__COUNT:
        break;
    }
bad:
    biz_error(S->d, span, NULL, "argument '%s' expects %s, got %s", spec->name, want,
              sx_kind_name(v));
    return 0;
}

/* The hint for a Python callable argument. */
const char *sx_callable_hint(biz_sema *S, const biz_arg_spec *spec)
{
    if (!strcmp(spec->name, "transformer"))
        return "transform the result in the service itself; the result is in <group>.output";
    if (!strcmp(spec->name, "response_check"))
        return "branch on the status with on_success, on_failure and on_no_content";
    if (!strcmp(spec->name, "multiple_outputs_transformer"))
        return "read the result's keys in templates: "
               "\"{{ ti.xcom_pull(task_ids='...')['key'] }}\"";
    const char *u = spec->doc ? strstr(spec->doc, "(use ") : NULL;
    if (u) {
        const char *end = strchr(u, ')');
        return sx_fmt(S, "%.*s instead", (int)(end ? end - u - 1 : (long)strlen(u + 1)), u + 1);
    }
    return "remove it; a compiled DAG runs no Python code";
}

/* The hint for an argument Airflow takes but bizc does not support. */
const char *sx_unsupported_hint(biz_sema *S, const biz_op_spec *op, const biz_arg_spec *spec)
{
    (void)S;
    (void)op;
    if (!strcmp(spec->name, "on_check"))
        return "branch on the status with on_success, on_failure and on_no_content";
    if (!strcmp(spec->name, "max_wait"))
        return "remove it; exponential_backoff then grows the wait without a cap";
    if (!strcmp(spec->name, "silent_fail"))
        return "remove it; a poke error fails the try, and retries may retry it";
    if (!strcmp(spec->name, "never_fail"))
        return "soft_fail=True skips the sensor at its timeout";
    if (!strcmp(spec->name, "files"))
        return "send a link to the file instead";
    return NULL;
}

/* ------------------------------------------------------ operator calls */

typedef struct call_args {
    sx_arg *a;
    int n, cap;
    /* Arguments the user meant but misspelled ("did you mean" was said):
     * not reported missing a second time. */
    const char *meant[8];
    int nmeant;
    const sx_mapping *map;      /* a partial call: what expand() gives */
} call_args;

static void note_meant(call_args *ca, const char *name)
{
    if (name && ca->nmeant < 8)
        ca->meant[ca->nmeant++] = name;
}

static int was_meant(const call_args *ca, const char *name)
{
    for (int i = 0; i < ca->nmeant; i++)
        if (strcmp(ca->meant[i], name) == 0)
            return 1;
    /* Mapped: expand() gives it (or, from an XCom, may give anything). */
    if (ca->map && strcmp(name, "task_id")) {
        if (ca->map->open)
            return 1;
        for (int i = 0; i < ca->map->nnames; i++)
            if (strcmp(ca->map->names[i], name) == 0)
                return 1;
    }
    return 0;
}


static sx_arg *find_arg(call_args *ca, const char *name)
{
    for (int i = 0; i < ca->n; i++)
        if (strcmp(ca->a[i].name, name) == 0)
            return &ca->a[i];
    return NULL;
}

/* Whether the partial call gave name (sx_map_eval's question). */
static int partial_gave(void *user, const char *name)
{
    return find_arg(user, name) != NULL;
}

/* BashOperator's bash_command ending in ".sh" or ".bash" is, for Airflow,
 * the path of a template file beside the DAG (its template_ext), whose
 * text is the command: read here, as Airflow reads it when the task
 * renders (a warning says it is built in). No such file is an error, as
 * Airflow's TemplateNotFound would fail every run. */
static sx_val *bash_script_file(biz_sema *S, sx_val *v, biz_span span)
{
    const char *cmd = v->u.str.s;
    size_t n = v->u.str.len;
    int bash = n >= 5 && !memcmp(cmd + n - 5, ".bash", 5);
    if (!(bash || (n >= 3 && !memcmp(cmd + n - 3, ".sh", 3))) || memchr(cmd, 0, n))
        return v;
    const char *dag = S->d->src && S->d->src->path ? S->d->src->path : "";
    const char *slash = strrchr(dag, '/');
    size_t dlen = slash ? (size_t)(slash - dag + 1) : 0;
    char *path = biz_xmalloc(dlen + n + 1);
    memcpy(path, dag, dlen);
    memcpy(path + dlen, cmd, n + 1);
    /* Airflow's loader looks in the DAG's folder only: no absolute path. */
    biz_source *text = cmd[0] == '/' ? NULL : biz_source_read(path);
    int ok = text && text->len <= SX_MAX_STR && !memchr(text->text, 0, text->len);
    sx_val *out = v;
    if (!ok) {
        biz_error(S->d, span, "to run it as a command, end it with a space: 'script.sh '",
                  "bash_command ends with '%s': Airflow reads it as a template file beside the DAG, "
                  "and %s cannot be read", bash ? ".bash" : ".sh",
                  cmd[0] == '/' ? "an absolute path" : path);
        out = sx_new(S, BV_ERROR, span);
    } else {
        biz_warning(S->d, span, "recompile after changing it; to run it as a command, end it with a space",
                    "bash_command is the text of %s, read when bizc compiles (Airflow reads it when "
                    "the task renders)", path);
        out = sx_new_str(S, text->text, text->len, span);
    }
    biz_source_free(text);
    free(path);
    return out;
}

/* Checks one argument and records it. value is the evaluated value, or NULL
 * to evaluate expr. */
static void add_arg(biz_sema *S, sx_scope *sc, call_args *ca, const biz_op_spec *op,
                    const biz_arg_spec *spec, const biz_expr *expr, sx_val *value,
                    biz_span key_span, biz_span val_span)
{
    sx_arg *prev = find_arg(ca, spec->name);
    if (prev) {
        biz_error(S->d, key_span, NULL, "argument '%s' given twice", spec->name);
        biz_note(S->d, prev->key_span, "first given here");
        return;
    }
    if (spec->type == BIZ_T_CALLABLE && ((expr && expr->kind == BIZ_E_NONE) || (value && value->kind == BV_NONE)))
        return;   /* None: no callable, Airflow's default */
    if (spec->type == BIZ_T_CALLABLE) {
        biz_error(S->d, key_span, sx_callable_hint(S, spec),
                  "argument '%s' takes a Python callable, which a compiled DAG cannot run",
                  spec->name);
        return;
    }
    if (spec->flags & BIZ_A_UNSUPPORTED) {
        biz_error(S->d, key_span, sx_unsupported_hint(S, op, spec),
                  "argument '%s' of %s is not supported by bizc: %s", spec->name, op->name,
                  spec->doc ? spec->doc : "a compiled DAG cannot do it");
        return;
    }
    sx_val *v = value ? value : sx_eval(S, sc, expr);
    if (spec->flags & BIZ_A_IGNORED) {
        const char *why = spec->doc && !strncmp(spec->doc, "ignored: ", 9) ? spec->doc + 9 : NULL;
        if (why)
            biz_warning(S->d, key_span, NULL, "ignored: argument '%s' of %s (%s)", spec->name,
                        op->name, why);
        else
            biz_warning(S->d, key_span, NULL, "ignored: argument '%s' of %s has no effect in a compiled DAG",
                        spec->name, op->name);
    }
    if (!sx_type_ok(S, spec, v, val_span))
        v = sx_new(S, BV_ERROR, val_span);
    if (v->kind == BV_STR && spec->id == BIZ_ARG_bash_command)
        v = bash_script_file(S, v, val_span);
    if (v->kind != BV_ERROR) {
        if (spec->flags & BIZ_A_TEMPLATED) {
            sx_check_templates(S, v, spec->name);
        } else if (sx_has_template(v) && spec->type != BIZ_T_TASK && spec->type != BIZ_T_TASKS
                   && strcmp(spec->name, "task_id") && strcmp(spec->name, "group_id")) {
            /* params (the task's Params) for the call's query string is a
             * likely slip: that one is query_params, which is templated. */
            int query = spec->id == BIZ_ARG_params && biz_ops_arg_id(op, BIZ_ARG_query_params);
            biz_warning(S->d, val_span,
                        query ? "the call's query string is query_params (templated); params "
                                "are the values templates read as {{ params.NAME }}" : NULL,
                        "argument '%s' is not templated; '{{ ... }}' stays as it is, not rendered",
                        spec->name);
        }
        /* Task ids to check once every task is known. */
        if (spec->type == BIZ_T_TASK || spec->type == BIZ_T_TASKS) {
            sx_ref_kind kind = op->kind == BIZ_OP_BRANCH_TECH_MS && strcmp(spec->name, "cws_task_id")
                               ? REF_BRANCH : REF_TASK_ARG;
            if (v->kind == BV_STR) {
                sx_ref r = { kind, -1, spec->name, v->u.str.s, val_span };
                SX_PUSH(S, S->pend_refs, S->npend_refs, S->cap_pend_refs, r);
            } else if (v->kind == BV_LIST || v->kind == BV_TUPLE) {
                for (int i = 0; i < v->u.seq.n; i++) {
                    sx_val *it = v->u.seq.items[i];
                    sx_ref r = { kind, -1, spec->name, it->u.str.s,
                                 it->origin ? it->span : val_span };
                    SX_PUSH(S, S->pend_refs, S->npend_refs, S->cap_pend_refs, r);
                }
            }
        }
    }
    sx_arg a = { spec->name, spec, v, key_span, val_span, 1 };
    SX_PUSH(S, ca->a, ca->n, ca->cap, a);
}

static int has_default(sx_dag *dag, const biz_arg_spec *spec)
{
    if (spec->flags & BIZ_A_NOT_DEFAULT)
        return 0;
    sx_val *v = sx_dict_get(dag->default_args, spec->name);
    return v && v->kind != BV_NONE;
}

static int given(sx_dag *dag, call_args *ca, const biz_op_spec *op, const char *name)
{
    sx_arg *a = find_arg(ca, name);
    if (a)
        return a->val->kind != BV_NONE;
    const biz_arg_spec *spec = sx_op_arg(op, name);
    return spec && has_default(dag, spec);
}

static sx_task *new_task(biz_sema *S, sx_dag *dag, const char *id, const biz_op_spec *op,
                         biz_span span, biz_span id_span)
{
    const sx_group *grp = sx_map_get(&dag->group_ids, id);
    const sx_tgroup *tgrp = sx_map_get(&dag->tgroup_ids, id);
    if (grp || tgrp) {
        biz_error(S->d, id_span, "give the task another id",
                  "duplicate task id '%s' in DAG '%s': a task group has this id", id, dag->id);
        biz_note(S->d, grp ? grp->span : tgrp->span, "the group '%s' is made here", id);
    }
    int prev = sx_find_task(dag, id);
    if (prev >= 0) {
        if (S->loop_desc)
            biz_error(S->d, id_span, "build the task id from the loop variables so that each one differs",
                      "duplicate task id '%s' in DAG '%s' (generated by this loop with %s)", id, dag->id,
                      S->loop_desc);
        else
            biz_error(S->d, id_span, NULL, "duplicate task id '%s' in DAG '%s'", id, dag->id);
        biz_note(S->d, dag->tasks[prev]->id_span, "'%s' is first defined here", id);
    }
    sx_task *t = sx_alloc(S, sizeof *t);
    t->id = sx_strdup(S, id);
    t->op = op;
    t->span = span;
    t->id_span = id_span;
    t->index = dag->ntasks;
    SX_PUSH(S, dag->tasks, dag->ntasks, dag->cap_tasks, t);
    if (prev < 0)
        sx_map_put(S, &dag->task_ids, t->id, t);
    return t;
}

static void task_add(biz_sema *S, sx_task *t, sx_arg a)
{
    SX_PUSH(S, t->args, t->nargs, t->cap, a);
}

/* Adds a synthesised argument (not written in the source). */
static void task_set(biz_sema *S, sx_task *t, const char *name, sx_val *v)
{
    const biz_arg_spec *spec = sx_op_arg(t->op, name);
    if (!spec)
        return;
    for (int i = 0; i < t->nargs; i++)
        if (!strcmp(t->args[i].name, name)) {
            t->args[i].val = v;
            t->args[i].has_loc = 0;
            return;
        }
    sx_arg a = { spec->name, spec, v, no_span, no_span, 0 };
    task_add(S, t, a);
}

void sx_task_set_attr(biz_sema *S, sx_val *node, const char *name, sx_val *v, biz_span name_span,
                      biz_span val_span)
{
    if (node->u.node.grp) {
        biz_error(S->d, name_span, "pass it to the group when it is made",
                  "the attributes of a task group cannot be set");
        return;
    }
    sx_task *t = node->u.node.dag->tasks[node->u.node.first];
    const biz_arg_spec *spec = sx_op_arg(t->op, name);
    if (!spec || !strcmp(name, "task_id")) {
        biz_error(S->d, name_span, spec ? "give the task its id when it is made" : NULL,
                  spec ? "task_id cannot be changed once the task is made"
                       : "%s has no argument '%s' to set", t->op->name, name);
        return;
    }
    if (spec->type == BIZ_T_CALLABLE && v->kind == BV_NONE)
        return;   /* None: no callable, Airflow's default */
    if (spec->type == BIZ_T_CALLABLE) {
        biz_error(S->d, name_span, sx_callable_hint(S, spec),
                  "argument '%s' takes a Python callable, which a compiled DAG cannot run", name);
        return;
    }
    if (v->kind == BV_ERROR || v->kind == BV_REJECTED || !sx_type_ok(S, spec, v, val_span))
        return;
    if (spec->flags & BIZ_A_TEMPLATED)
        sx_check_templates(S, v, name);
    /* As Airflow, where an operator's attribute set after it is made is
     * what the task runs with. */
    task_set(S, t, name, v);
}

/* An argument given to the group as a task's argument (the same value and
 * source position, the task operator's spec). */
static void group_pass(biz_sema *S, sx_task *t, const sx_arg *ga)
{
    sx_arg a = *ga;
    a.spec = sx_op_arg(t->op, ga->name);
    if (a.spec && a.val->kind != BV_ERROR)
        task_add(S, t, a);
}

/* The group's argument name when given, else a synthesised one holding the
 * group's default (json, the JSON text of the default): CoWorks passes
 * these explicitly, so default_args never reach them. */
static void group_explicit(biz_sema *S, sx_task *t, call_args *ca, const char *name,
                           const char *json)
{
    sx_arg *ga = find_arg(ca, name);
    if (ga && ga->val->kind != BV_ERROR) {
        group_pass(S, t, ga);
        return;
    }
    cJSON *j = cJSON_Parse(json);
    sx_val *v;
    if (cJSON_IsBool(j)) {
        v = sx_new(S, BV_BOOL, no_span);
        v->u.b = cJSON_IsTrue(j);
    } else if (cJSON_IsString(j)) {
        v = sx_new_str(S, j->valuestring, strlen(j->valuestring), no_span);
    } else {
        v = sx_new(S, BV_DURATION, no_span);
        v->u.dur = j ? j->valuedouble : 0;
    }
    cJSON_Delete(j);
    task_set(S, t, name, v);
}

/* Expands a TechMicroServiceAsyncGroup into its call, wait and read tasks,
 * routing the arguments as CoWorks 0.9.4 does (coworks/biz/group.py):
 *   call  TechMicroServiceOperator(task_id='call', asynchronous=True,
 *         method, raise_errors, raise_400_errors, trigger_rule, **the rest)
 *   wait  AsyncTechMicroServiceSensor(task_id='wait', cws_task_id, timeout)
 *   read  AsyncTechServicePullOperator(task_id='read', cws_task_id,
 *         raise_errors, raise_400_errors, xcom_push)
 * so retries, email, execution_timeout ... apply to the call alone, and
 * what a task is not given comes from default_args as for any task. */
static sx_val *expand_group(biz_sema *S, sx_dag *dag, const char *gid, call_args *ca,
                            biz_span span, biz_span id_span)
{
    const sx_group *dup = sx_map_get(&dag->group_ids, gid);
    if (dup) {
        biz_error(S->d, id_span, "give each group its own id",
                  "duplicate group id '%s' in DAG '%s'", gid, dag->id);
        biz_note(S->d, dup->span, "'%s' is first made here", gid);
        return sx_err_val(S, span);
    }
    int same = sx_find_task(dag, gid);
    if (same >= 0) {
        biz_error(S->d, id_span, "give the group another id",
                  "duplicate task id '%s' in DAG '%s': a task has this id, and a group's id is a task id too",
                  gid, dag->id);
        biz_note(S->d, dag->tasks[same]->id_span, "task '%s' is defined here", gid);
        return sx_err_val(S, span);
    }
    sx_group *g = sx_alloc(S, sizeof *g);
    g->id = sx_strdup(S, gid);
    g->span = span;
    SX_PUSH(S, dag->groups, dag->ngroups, dag->cap_groups, g);
    sx_map_put(S, &dag->group_ids, g->id, g);
    sx_arg *read_arg = find_arg(ca, "read");
    int read = !read_arg || read_arg->val->kind != BV_BOOL || read_arg->val->u.b;
    static const char *const suffix[] = { "call", "wait", "read" };
    static const biz_op_kind kinds[] = { BIZ_OP_TECH_MS, BIZ_OP_ASYNC_SENSOR, BIZ_OP_ASYNC_PULL };
    /* The group's own parameters: never passed on to the call. */
    static const char *const group_own[] = { "group_id", "timeout", "read", "xcom_push",
                                             "transformer", "op_args", "op_kwargs", NULL };
    int idx[3] = { -1, -1, -1 };
    for (int k = 0; k < (read ? 3 : 2); k++) {
        const biz_op_spec *op = &biz_ops[kinds[k]];
        sx_task *t = new_task(S, dag, sx_fmt(S, "%s.%s", gid, suffix[k]), op, span, id_span);
        t->grp = g;
        idx[k] = dag->ntasks - 1;
        task_set(S, t, "task_id", sx_new_str(S, t->id, strlen(t->id), no_span));
        if (k == 0) {
            static const char *const explicit_[] = { "method", "raise_errors", "raise_400_errors",
                                                     "trigger_rule", NULL };
            for (int i = 0; i < ca->n; i++)
                if (!sx_in_list(ca->a[i].name, group_own) && !sx_in_list(ca->a[i].name, explicit_))
                    group_pass(S, t, &ca->a[i]);
            sx_val *yes = sx_new(S, BV_BOOL, no_span);
            yes->u.b = 1;
            task_set(S, t, "asynchronous", yes);
            group_explicit(S, t, ca, "method", "\"get\"");
            group_explicit(S, t, ca, "raise_errors", "true");
            group_explicit(S, t, ca, "raise_400_errors", "true");
            group_explicit(S, t, ca, "trigger_rule", "\"all_success\"");
            continue;
        }
        const char *call_id = dag->tasks[idx[0]]->id;
        task_set(S, t, "cws_task_id", sx_new_str(S, call_id, strlen(call_id), no_span));
        if (k == 1) {
            group_explicit(S, t, ca, "timeout", "900");
        } else {
            group_explicit(S, t, ca, "raise_errors", "true");
            group_explicit(S, t, ca, "raise_400_errors", "true");
            group_explicit(S, t, ca, "xcom_push", "true");
        }
    }
    g->call = idx[0];
    g->wait = idx[1];
    g->read = idx[2];
    sx_add_edge(S, dag, idx[0], idx[1], span);
    if (read)
        sx_add_edge(S, dag, idx[1], idx[2], span);
    sx_val *v = sx_new(S, BV_NODE, span);
    v->u.node.dag = dag;
    v->u.node.first = idx[0];
    v->u.node.last = read ? idx[2] : idx[1];
    v->u.node.grp = g;
    return v;
}

/* The argument name of a call of op, or NULL when op does not take it (a
 * group takes every BaseOperator argument but task_id). */
static const biz_arg_spec *op_arg(const biz_op_spec *op, const char *name)
{
    if (op->is_group && !strcmp(name, "task_id"))
        return NULL;
    return sx_op_arg(op, name);
}

/* Why op does not take name, when CoWorks' code says more than "unknown":
 * the message's tail (after "unknown argument 'x' for Op") and the hint. */
static int unknown_why(biz_sema *S, const biz_op_spec *op, const char *name, const sx_val *v,
                       const char **tail, const char **hint)
{
    static const char *const sensor_only[] = { "poke_interval", "soft_fail", "mode",
        "exponential_backoff", "max_wait", "silent_fail", "never_fail", "aws_conn_id", NULL };
    *tail = *hint = NULL;
    if (op->kind == BIZ_OP_ASYNC_GROUP) {
        if (sx_in_list(name, sensor_only)) {
            const char *shown = NULL;
            if (v && (v->kind == BV_INT || v->kind == BV_FLOAT || v->kind == BV_BOOL || v->kind == BV_STR))
                shown = sx_to_text(S, v, 1);
            *tail = ": CoWorks passes it to the call task (TechMicroServiceOperator), which does not take it";
            *hint = sx_fmt(S, "the wait task gets only cws_task_id and timeout from the group; "
                              "`default_args={'%s': %s}` on the DAG sets it for %s",
                           name, shown ? shown : "...",
                           !strcmp(name, "aws_conn_id") ? "the wait and read tasks" : "the wait task");
            return 1;
        }
        if (!strcmp(name, "asynchronous")) {
            *tail = ": the group's call is always asynchronous (CoWorks passes asynchronous=True itself)";
            *hint = "remove it";
            return 1;
        }
        if (!strcmp(name, "cws_task_id")) {
            *tail = ": the group's wait and read tasks read its call task themselves";
            *hint = "remove it; another task reads the result with cws_task_id='<group>.call'";
            return 1;
        }
        if (!strcmp(name, "prefix_group_id") || !strcmp(name, "tooltip")) {
            *tail = ": CoWorks makes the task group itself and passes this to the call task, "
                    "which does not take it";
            *hint = "remove it";
            return 1;
        }
        if (!strcmp(name, "task_id")) {
            *hint = "give the group's id first: TechMicroServiceAsyncGroup('my_group', ...)";
            return 1;
        }
    }
    if (op->kind == BIZ_OP_TECH_MS) {
        if (!strcmp(name, "timeout")) {
            *tail = ": CoWorks' calls have no timeout of their own";
            *hint = "execution_timeout=timedelta(seconds=...) limits each try of the task";
            return 1;
        }
        if (!strcmp(name, "cws_task_id")) {
            *hint = "to read an asynchronous call's result, use AsyncTechServicePullOperator(cws_task_id=...)";
            return 1;
        }
        if (sx_in_list(name, sensor_only) && strcmp(name, "aws_conn_id")) {
            *tail = ": it is a sensor's argument";
            *hint = "to call a service until it answers, use TechMicroServiceSensor";
            return 1;
        }
    }
    if (op->kind == BIZ_OP_TECH_MS_SENSOR) {
        if (!strcmp(name, "asynchronous")) {
            *tail = ": CoWorks' sensor passes asynchronous=False itself (it calls synchronously)";
            *hint = "remove it; to wait for an asynchronous call, use AsyncTechMicroServiceSensor";
            return 1;
        }
        if (!strcmp(name, "raise_400_errors")) {
            *tail = ": CoWorks' sensor passes raise_400_errors=False itself (a 4xx answer means 'not yet')";
            *hint = "remove it";
            return 1;
        }
        if (!strcmp(name, "response_check")) {
            *tail = ": CoWorks' sensor has no response check; it succeeds on any 2xx/3xx answer";
            *hint = "remove it";
            return 1;
        }
    }
    return 0;
}

biz_span sx_call_name_span(const biz_expr *e)
{
    return e->u.call.func ? e->u.call.func->span : e->span;
}

/* Warnings for arguments that work but look wrong. */
static void tech_checks(biz_sema *S, sx_dag *dag, const biz_expr *e, const biz_op_spec *op,
                        call_args *ca)
{
    int cws = given(dag, ca, op, "cws_name"), api = given(dag, ca, op, "api_id"),
        stage = given(dag, ca, op, "stage");
    biz_span at = sx_call_name_span(e);
    cws |= was_meant(ca, "cws_name");
    api |= was_meant(ca, "api_id");
    stage |= was_meant(ca, "stage");
    if (!cws && !api && !stage)
        biz_error(S->d, at, "name the service with cws_name='...', or give api_id='...' and stage='...'",
                  "missing argument 'cws_name' for %s (or both 'api_id' and 'stage')", op->name);
    else if (!cws && api && !stage)
        biz_error(S->d, at, "add stage='...' (e.g. stage='dev'), or name the service with cws_name='...'",
                  "missing argument 'stage' for %s: api_id without cws_name needs a stage", op->name);
    else if (!cws && !api && stage)
        biz_error(S->d, at, "add api_id='...', or name the service with cws_name='...'",
                  "missing argument 'api_id' for %s: without cws_name the service is found by api_id and stage",
                  op->name);
    sx_arg *a;
    if (cws && (a = find_arg(ca, "api_id")) && find_arg(ca, "cws_name"))
        biz_warning(S->d, a->key_span, NULL,
                    "both 'cws_name' and 'api_id' are given; 'api_id' is not used (the directory gives the URL)");
    sx_arg *json = find_arg(ca, "json"), *data = find_arg(ca, "data");
    if (json && data && json->val->kind != BV_NONE && data->val->kind != BV_NONE)
        biz_warning(S->d, data->key_span, "give one of them",
                    "both 'json' and 'data' are given; a request has one body");
    if (json && json->val->kind != BV_NONE && json->val->kind != BV_ERROR) {
        sx_arg *m = find_arg(ca, "method");
        int get = !m || (m->val->kind == BV_STR && !strcasecmp(m->val->u.str.s, "get"));
        if (!m && has_default(dag, sx_op_arg(op, "method")))
            get = 0;
        if (get)
            biz_warning(S->d, json->key_span, "use method='POST', or query_params for a GET",
                        "'json' is sent with a GET request; most services ignore a GET body");
    }
}

/* Reports argument name, which op does not take (value: its value when
 * known, for the hint). */
static void unknown_arg(biz_sema *S, call_args *ca, const biz_op_spec *op, const char *name,
                        const sx_val *value, biz_span span, const char **names, int nnames)
{
    const char *tail, *hint;
    if (!unknown_why(S, op, name, value, &tail, &hint)) {
        const char *sug = biz_suggest(name, names, nnames);
        note_meant(ca, sug);
        hint = sug ? sx_fmt(S, "did you mean '%s'?", sug) : NULL;
    }
    biz_error(S->d, span, hint, "unknown argument '%s' for %s%s", name, op->name, tail ? tail : "");
}

/* A sensor's mode: Airflow takes 'poke' and 'reschedule' (the same in a
 * compiled DAG); CoWorks' TechMicroServiceSensor is poke-only. */
static void sensor_checks(biz_sema *S, sx_dag *dag, const biz_op_spec *op, call_args *ca)
{
    sx_arg *a = find_arg(ca, "mode");
    const sx_val *v = a ? a->val : sx_dict_get(dag->default_args, "mode");
    if (!v || v->kind != BV_STR)
        return;
    biz_span at = a ? a->val_span : v->span;
    const char *m = v->u.str.s;
    if (op->kind == BIZ_OP_TECH_MS_SENSOR && strcmp(m, "poke") != 0) {
        biz_error(S->d, at, "remove mode=...; the sensor pokes, one call every poke_interval",
                  "TechMicroServiceSensor runs in poke mode only: CoWorks marks it @poke_mode_only, "
                  "and Airflow refuses mode='%s' (\"Only 'poke' is acceptable\")", m);
        return;
    }
    if (strcmp(m, "poke") != 0 && strcmp(m, "reschedule") != 0) {
        static const char *const modes[] = { "poke", "reschedule" };
        const char *sug = biz_suggest(m, modes, 2);
        biz_error(S->d, at, sug ? sx_fmt(S, "did you mean '%s'?", sug) : "use 'poke' or 'reschedule'",
                  "unknown sensor mode '%s': Airflow takes 'poke' or 'reschedule'", m);
    }
}

/* BaseOperator's own checks on values (given or from default_args). */
static void base_checks(biz_sema *S, sx_dag *dag, call_args *ca)
{
    sx_arg *a = find_arg(ca, "pool_slots");
    const sx_val *v = a ? a->val : sx_dict_get(dag->default_args, "pool_slots");
    if (v && v->kind == BV_INT && v->u.i < 1)
        biz_error(S->d, a ? a->val_span : v->span, "remove it (pools are ignored in a compiled DAG)",
                  "pool_slots must be at least 1 (Airflow refuses %lld)", (long long)v->u.i);
    a = find_arg(ca, "weight_rule");
    v = a ? a->val : sx_dict_get(dag->default_args, "weight_rule");
    if (v && v->kind == BV_STR) {
        static const char *const rules[] = { "downstream", "upstream", "absolute" };
        if (!sx_in_list(v->u.str.s, (const char *const[]){ "downstream", "upstream", "absolute", NULL })) {
            const char *sug = biz_suggest(v->u.str.s, rules, 3);
            biz_error(S->d, a ? a->val_span : v->span,
                      sug ? sx_fmt(S, "did you mean '%s'?", sug) : "use 'downstream', 'upstream' or 'absolute'",
                      "unknown weight_rule '%s' (Airflow: \"Unknown priority strategy\")", v->u.str.s);
        }
    }
}

static void email_check(biz_sema *S, sx_dag *dag, const biz_op_spec *op, call_args *ca)
{
    sx_arg *a = find_arg(ca, "email_on_failure");
    if (a && a->val->kind == BV_BOOL && a->val->u.b && !given(dag, ca, op, "email"))
        biz_warning(S->d, a->key_span, "add email='you@example.com'",
                    "email_on_failure=True has no effect without 'email'");
}

/* Checks an operator call and creates its task(s). */
/* The keyword argument name of call e, or NULL. */
static const biz_keyword *call_keyword(const biz_expr *e, const char *name)
{
    for (int i = 0; i < e->u.call.keywords.len; i++) {
        const biz_keyword *k = e->u.call.keywords.items[i];
        if (k && k->name && k->value && !strcmp(k->name, name))
            return k;
    }
    return NULL;
}

/* The task id written in call e as a literal, or NULL. */
static const char *literal_id(const biz_expr *e, const biz_op_spec *op)
{
    const biz_keyword *k = call_keyword(e, op->is_group ? "group_id" : "task_id");
    const biz_expr *v = k ? k->value : NULL;
    if (!v && op->is_group && e->u.call.args.len > 0)
        v = e->u.call.args.items[0];
    return v && v->kind == BIZ_E_STR ? v->u.str.value : NULL;
}

/* The DAG a task created in sc with call e belongs to: dag=NAME when it
 * names a DAG (the classic style, or an explicit DAG inside another's
 * block), else the DAG being built. NULL when there is none (*failed set
 * when that was already reported). */
static sx_dag *task_dag(biz_sema *S, sx_scope *sc, const biz_expr *e, int *failed)
{
    sx_dag *dag = sx_scope_dag(sc);
    const biz_keyword *k = call_keyword(e, "dag");
    *failed = 0;
    if (!k)
        return dag;
    if (dag) {
        /* Inside a DAG, dag=dag is usual and may name nothing bizc knows
         * (a @biz function's body): only a known DAG changes the owner. */
        if (k->value->kind != BIZ_E_NAME)
            return dag;
        sx_val *v = sx_lookup(sc, k->value->u.name.id);
        return v && v->kind == BV_DAG ? v->u.dag : dag;
    }
    sx_val *v = sx_eval(S, sc, k->value);
    if (v->kind == BV_DAG)
        return v->u.dag;
    *failed = 1;
    if (v->kind != BV_ERROR && v->kind != BV_REJECTED)
        biz_error(S->d, k->value->span, NULL, "argument 'dag' expects a DAG, got %s", sx_kind_name(v));
    return NULL;
}

/* The TaskGroup a call makes its task in: task_group= when given (None:
 * none), else the `with TaskGroup` block it is in. */
static sx_tgroup *call_tgroup(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    for (int i = 0; i < e->u.call.keywords.len; i++) {
        const biz_keyword *k = e->u.call.keywords.items[i];
        if (!k || !k->name || !k->value || strcmp(k->name, "task_group"))
            continue;
        sx_val *v = sx_eval(S, sc, k->value);
        if (v->kind == BV_TGROUP)
            return v->u.tg;
        if (v->kind != BV_NONE && v->kind != BV_ERROR && v->kind != BV_REJECTED)
            biz_error(S->d, k->value->span, NULL, "task_group must be a TaskGroup, got %s",
                      sx_kind_name(v));
        return NULL;
    }
    return sx_scope_tgroup(sc);
}

sx_val *sx_op_call(biz_sema *S, sx_scope *sc, const biz_expr *e, const biz_op_spec *op)
{
    int failed;
    sx_dag *dag = task_dag(S, sc, e, &failed);
    if (!dag) {
        if (failed || S->syntax_errors || S->dag_call_rejected)   /* the DAG header failed: said */
            return sx_err_val(S, e->span);
        if (S->nclassic > 0) {
            /* Airflow fails too: a task outside `with` needs dag=. */
            const char *id = literal_id(e, op);
            const char *var = S->nclassic == 1 && S->last_classic->var_name ? S->last_classic->var_name
                                                                             : "dag";
            const char *hint = S->nclassic == 1
                ? sx_fmt(S, "the DAG is '%s', assigned to '%s'", S->last_classic->id, var)
                : "name the DAG it belongs to, e.g. dag=dag";
            if (id)
                biz_error(S->d, sx_call_name_span(e), hint, "task '%s' has no DAG: add dag=%s", id, var);
            else
                biz_error(S->d, sx_call_name_span(e), hint, "%s(...) has no DAG: add dag=%s", op->name, var);
            return sx_err_val(S, e->span);
        }
        biz_error(S->d, sx_call_name_span(e),
                  "create tasks in a @biz function, in a `with BizMicroService(...) as dag:` block, or pass dag=dag",
                  "%s(...) must be created inside a DAG", op->name);
        return sx_err_val(S, e->span);
    }
    if (op->is_group && !sx_scope_dag(sc)) {
        /* CoWorks makes a TaskGroup, which looks the DAG up in the context
         * only: dag=dag reaches the call task, too late. */
        biz_error(S->d, sx_call_name_span(e), sx_fmt(S, "create it inside `with %s:`",
                                                       dag->var_name ? dag->var_name : "dag"),
                  "%s needs its DAG as context (a `with` block or a @biz function), even with dag=%s: "
                  "CoWorks makes a TaskGroup, and Airflow refuses one outside a DAG's context",
                  op->name, dag->var_name ? dag->var_name : "dag");
        return sx_err_val(S, e->span);
    }
    /* Inside `with TaskGroup(...)`: the group's default_args stand for the
     * DAG's during the call (restored at the end), and the id is the
     * group's child id. */
    sx_tgroup *tg = call_tgroup(S, sc, e);
    if (tg && tg->dag != dag)
        tg = NULL;
    sx_val *dag_defaults = dag->default_args;
    if (tg)
        dag->default_args = tg->default_args;
    int ntasks_before = dag->ntasks;
    /* Save the per-call lists: an argument may itself contain a call. */
    sx_edge *save_out = S->pend_out;
    int save_nout = S->npend_out, save_cout = S->cap_pend_out;
    sx_ref *save_refs = S->pend_refs;
    int save_nrefs = S->npend_refs, save_crefs = S->cap_pend_refs;
    S->pend_out = NULL, S->npend_out = S->cap_pend_out = 0;
    S->pend_refs = NULL, S->npend_refs = S->cap_pend_refs = 0;

    call_args ca;
    memset(&ca, 0, sizeof ca);
    const biz_arg_spec *positional[8];
    int npos = 0;
    for (const biz_arg_spec *const *set = op->argsets; *set; set++)
        for (const biz_arg_spec *a = *set; a->name; a++)
            if ((a->flags & BIZ_A_POSITIONAL) && npos < 8)
                positional[npos++] = a;
    for (int i = 0; i < e->u.call.args.len; i++) {
        const biz_expr *a = e->u.call.args.items[i];
        if (!a)
            continue;
        if (a->kind == BIZ_E_STARRED) {
            biz_error(S->d, a->span, NULL, "'*args' is not supported in a call of %s", op->name);
            continue;
        }
        if (i >= npos) {
            if (a->kind == BIZ_E_COMPARE && a->u.binop.op == BIZ_ASTOP_EQ &&
                a->u.binop.left->kind == BIZ_E_NAME) {
                /* f(task_id=='a'): a keyword written with '==' */
                const char *name = a->u.binop.left->u.name.id;
                biz_error(S->d, a->u.binop.op_span, sx_fmt(S, "write %s=... ('==' compares)", name),
                          "expected '=' after keyword '%s', got '=='", name);
                note_meant(&ca, name);
            } else if (npos == 0) {
                /* Airflow: "Use keyword arguments when initializing operators" */
                int id = i == 0 && a->kind == BIZ_E_STR && sx_op_arg(op, "task_id");
                biz_error(S->d, a->span,
                          id ? sx_fmt(S, "write task_id='%s'", a->u.str.value)
                             : "write name=value, e.g. task_id='my_task'",
                          "%s takes no positional arguments (Airflow: \"Use keyword arguments when "
                          "initializing operators\")", op->name);
                if (id)
                    note_meant(&ca, "task_id");
            }
            else
                biz_error(S->d, a->span, "write name=value", "too many positional arguments for %s",
                          op->name);
            continue;
        }
        add_arg(S, sc, &ca, op, positional[i], a, NULL, a->span, a->span);
    }
    const char *names[160];
    int nnames = 0;
    for (const biz_arg_spec *const *set = op->argsets; *set; set++)
        for (const biz_arg_spec *a = *set; a->name && nnames < 160; a++)
            if (op_arg(op, a->name) == a)
                names[nnames++] = a->name;
    for (int i = 0; i < e->u.call.keywords.len; i++) {
        const biz_keyword *k = e->u.call.keywords.items[i];
        if (!k || !k->value)
            continue;
        if (!k->name) {
            sx_val *d = sx_eval(S, sc, k->value);
            if (d->kind == BV_DICT) {
                for (int j = 0; j < d->u.dict.n; j++) {
                    const sx_val *key = d->u.dict.keys[j];
                    if (key->kind != BV_STR)
                        continue;
                    const biz_arg_spec *spec = op_arg(op, key->u.str.s);
                    if (!spec) {
                        unknown_arg(S, &ca, op, key->u.str.s, d->u.dict.vals[j], k->span, names, nnames);
                        continue;
                    }
                    add_arg(S, sc, &ca, op, spec, NULL, d->u.dict.vals[j], k->span, k->span);
                }
            } else if (d->kind != BV_ERROR && d->kind != BV_REJECTED) {
                biz_error(S->d, k->span, NULL, "'**' needs a dict, got %s", sx_kind_name(d));
            }
            continue;
        }
        if (!strcmp(k->name, "dag") || !strcmp(k->name, "task_group"))
            continue;   /* implied by where the task is created */
        const biz_arg_spec *spec = op_arg(op, k->name);
        if (!spec && op->kind == BIZ_OP_BASH && !strcmp(k->name, "skip_exit_code")) {
            /* Airflow 2 still takes the old name, with a warning. */
            biz_warning(S->d, k->name_span, "write skip_on_exit_code=...",
                        "skip_exit_code is deprecated: it is skip_on_exit_code");
            spec = sx_op_arg(op, "skip_on_exit_code");
        }
        if (!spec) {
            biz_expr_kind vk = k->value->kind;
            sx_val *shown = vk == BIZ_E_INT || vk == BIZ_E_FLOAT || vk == BIZ_E_STR || vk == BIZ_E_TRUE
                            || vk == BIZ_E_FALSE ? sx_eval(S, sc, k->value) : NULL;
            unknown_arg(S, &ca, op, k->name, shown, k->name_span, names, nnames);
            continue;
        }
        add_arg(S, sc, &ca, op, spec, k->value, NULL, k->name_span, k->value->span);
    }

    /* Mapped: what expand() maps over, checked once partial's arguments
     * are known. */
    sx_val *map_spec = NULL;
    if (S->mapping) {
        map_spec = sx_map_eval(S, sc, op, S->mapping, partial_gave, &ca);
        ca.map = S->mapping;
    }

    /* Required arguments. */
    int missing = 0;
    for (const biz_arg_spec *const *set = op->argsets; *set; set++)
        for (const biz_arg_spec *a = *set; a->name; a++) {
            if (!(a->flags & BIZ_A_REQUIRED) || op_arg(op, a->name) != a)
                continue;
            if (find_arg(&ca, a->name) || has_default(dag, a) || was_meant(&ca, a->name))
                continue;
            const char *hint = !strcmp(a->name, "task_id") ? "every task needs task_id='...', unique in the DAG"
                             : !strcmp(a->name, "group_id") ? "give the group's id first: TechMicroServiceAsyncGroup('my_group', ...)"
                             : NULL;
            if (ca.map && !strcmp(a->name, "task_id"))   /* Python's own words */
                biz_error(S->d, sx_call_name_span(e), "write partial(task_id='...', ...)",
                          "%s.partial() missing 1 required keyword-only argument: 'task_id'", op->name);
            else if (ca.map)
                biz_error(S->d, sx_call_name_span(e),
                          sx_fmt(S, "give %s=... in partial(...) or map over it in expand(%s=[...])",
                                 a->name, a->name),
                          "missing argument '%s' for %s", a->name, op->name);
            else
                biz_error(S->d, sx_call_name_span(e), hint, "missing argument '%s' for %s", a->name, op->name);
            missing = 1;
        }
    if (op->kind == BIZ_OP_TECH_MS || op->kind == BIZ_OP_TECH_MS_SENSOR || op->kind == BIZ_OP_ASYNC_GROUP)
        tech_checks(S, dag, e, op, &ca);
    if (op->kind == BIZ_OP_TECH_MS_SENSOR || op->kind == BIZ_OP_ASYNC_SENSOR)
        sensor_checks(S, dag, op, &ca);
    email_check(S, dag, op, &ca);
    base_checks(S, dag, &ca);

    sx_val *result;
    sx_arg *ida = find_arg(&ca, op->is_group ? "group_id" : "task_id");
    const char *id = ida && ida->val->kind == BV_STR ? sx_tgroup_child_id(S, tg, ida->val->u.str.s) : NULL;
    if (!id || missing || (S->mapping && !map_spec)) {
        result = sx_err_val(S, e->span);
    } else if (!sx_check_id(S, op->is_group ? ida->val->u.str.s : id, ida->val_span,
                            op->is_group ? "group id" : "task id", !op->is_group)) {
        result = sx_err_val(S, e->span);
    } else if (op->is_group && strcmp(id, ida->val->u.str.s)) {
        /* CoWorks 0.9.4 (coworks/biz/group.py) points the wait and read
         * tasks at f'{group_id}.call', without the TaskGroup's prefix: on
         * Airflow the sensor waits for a task that does not exist. Said
         * once, not once per iteration of a loop. */
        if (!sx_once(S, sx_fmt(S, "async group in TaskGroup@%d", ida->val_span.begin.off)))
            biz_error(S->d, ida->val_span,
                  sx_fmt(S, "pass prefix_group_id=False to the TaskGroup '%s' (the group's id must then be "
                            "unique in the DAG), or create the group outside it", tg->id),
                  "%s '%s' inside TaskGroup '%s' fails on Airflow: CoWorks' wait and read tasks look for "
                  "'%s.call', but the TaskGroup names it '%s.call'", op->name, ida->val->u.str.s, tg->id,
                  ida->val->u.str.s, id);
        result = sx_err_val(S, e->span);
    } else if (op->is_group) {
        result = expand_group(S, dag, id, &ca, e->span, ida->val_span);
    } else {
        sx_task *t = new_task(S, dag, id, op, e->span, ida->val_span);
        for (int i = 0; i < ca.n; i++)
            task_add(S, t, ca.a[i]);
        t->map = map_spec;
        /* An expanded argument's place in the source, for the errors of
         * its instances' templates (its value is each instance's own). */
        for (int i = 0; map_spec && i < S->mapping->nnames; i++) {
            const biz_arg_spec *spec = sx_op_arg(op, S->mapping->names[i]);
            sx_arg a = { spec->name, spec, sx_new(S, BV_NONE, S->mapping->spans[i]), S->mapping->spans[i],
                         S->mapping->spans[i], 1 };
            if (!find_arg(&ca, spec->name))
                task_add(S, t, a);
        }
        result = sx_new(S, BV_NODE, e->span);
        result->u.node.dag = dag;
        result->u.node.first = result->u.node.last = dag->ntasks - 1;
    }
    if (result->kind == BV_NODE) {
        int owner = result->u.node.first;
        for (int i = 0; i < S->npend_out; i++) {
            sx_edge ed = S->pend_out[i];
            sx_add_edge(S, dag, ed.from, owner, ed.span);
        }
        for (int i = 0; i < S->npend_refs; i++) {
            sx_ref r = S->pend_refs[i];
            r.owner = owner;
            SX_PUSH(S, dag->refs, dag->nrefs, dag->cap_refs, r);
        }
    }
    S->pend_out = save_out, S->npend_out = save_nout, S->cap_pend_out = save_cout;
    S->pend_refs = save_refs, S->npend_refs = save_nrefs, S->cap_pend_refs = save_crefs;
    dag->default_args = dag_defaults;
    for (int i = ntasks_before; tg && i < dag->ntasks; i++) {
        dag->tasks[i]->tg = tg;
        sx_tgroup_add(S, tg, i);
    }
    return result;
}

/* ---------------------------------------------------------- dependencies */

/* The nodes of a dependency operand; 0 when it is not one (reported). */
static int dep_nodes(biz_sema *S, sx_val *v, sx_val ***out, int *n, int *is_list, biz_span span,
                     const char *opname, int upstream)
{
    *is_list = v->kind == BV_LIST || v->kind == BV_TUPLE;
    sx_val **items = *is_list ? v->u.seq.items : &v;
    int cnt = *is_list ? v->u.seq.n : 1;
    int room = cnt + 1;
    for (int i = 0; i < cnt; i++)
        if (items[i]->kind == BV_TGROUP)
            room += items[i]->u.tg->ntasks;
    sx_val **res = sx_alloc(S, sizeof *res * (size_t)room);
    int m = 0;
    for (int i = 0; i < cnt; i++) {
        sx_val *x = items[i];
        if (x->kind == BV_TGROUP) {
            /* Upstream, a group stands for its leaves; downstream, for
             * its roots: as they are now. */
            sx_val **ends;
            int ne = sx_tgroup_ends(S, x->u.tg, upstream, &ends);
            for (int j = 0; j < ne; j++)
                res[m++] = ends[j];
            continue;
        }
        if (x->kind == BV_OUTPUT) {
            sx_val *nd = sx_new(S, BV_NODE, x->span);
            nd->u.node.dag = x->u.out.dag;
            nd->u.node.first = nd->u.node.last = x->u.out.task;
            x = nd;
        }
        if (x->kind == BV_NODE)
            res[m++] = x;
        else if (x->kind == BV_ERROR || x->kind == BV_REJECTED)
            continue;
        else {
            if (opname[strlen(opname) - 1] == ')')   /* chain(), set_downstream() ... */
                biz_error(S->d, span, x->kind == BV_STR ? "pass the task itself, not its id" : NULL,
                          "%s takes tasks or lists of tasks, got %s", opname, sx_kind_name(x));
            else
                biz_error(S->d, span, x->kind == BV_STR ? "write the task itself, not its id" : NULL,
                          "'%s' needs tasks on both sides, got %s", opname, sx_kind_name(x));
            return 0;
        }
    }
    *out = res;
    *n = m;
    return 1;
}

static void link_nodes(biz_sema *S, sx_val *up, sx_val *down, biz_span span)
{
    if (up->u.node.dag != down->u.node.dag) {
        biz_error(S->d, span, NULL, "tasks '%s' and '%s' belong to different DAGs",
                  up->u.node.dag->tasks[up->u.node.last]->id,
                  down->u.node.dag->tasks[down->u.node.first]->id);
        return;
    }
    sx_add_edge(S, up->u.node.dag, up->u.node.last, down->u.node.first, span);
}

/* left >> right (or <<), written as opname (">>", "chain()" ...). */
static sx_val *depend_as(biz_sema *S, sx_val *left, sx_val *right, biz_astop op, biz_span span,
                         const char *opname)
{
    if (left->kind == BV_ERROR || left->kind == BV_REJECTED
        || right->kind == BV_ERROR || right->kind == BV_REJECTED)
        return right;
    sx_val *up = op == BIZ_ASTOP_RSHIFT ? left : right;
    sx_val *down = op == BIZ_ASTOP_RSHIFT ? right : left;
    sx_val **ups, **downs;
    int nu, nd, lu, ld;
    if (up->kind == BV_LABEL && down->kind == BV_LABEL) {
        biz_error(S->d, span, "put tasks between two labels", "'%s' between two edge labels", opname);
        return sx_new(S, BV_ERROR, span);
    }
    if (down->kind == BV_LABEL) {
        /* a >> Label('x'): a is kept; the label links it to what follows,
         * as Airflow's EdgeModifier does. */
        if (!dep_nodes(S, up, &ups, &nu, &lu, span, opname, 1))
            return sx_new(S, BV_ERROR, span);
        for (int i = 0; i < nu; i++)
            SX_PUSH(S, down->u.label.ups, down->u.label.n, down->u.label.cap, ups[i]);
        return right;
    }
    if (up->kind == BV_LABEL) {
        if (!dep_nodes(S, down, &downs, &nd, &ld, span, opname, 0))
            return sx_new(S, BV_ERROR, span);
        for (int i = 0; i < up->u.label.n; i++)
            for (int j = 0; j < nd; j++)
                link_nodes(S, up->u.label.ups[i], downs[j], span);
        return right;
    }
    if (!dep_nodes(S, up, &ups, &nu, &lu, span, opname, 1)
        || !dep_nodes(S, down, &downs, &nd, &ld, span, opname, 0))
        return sx_new(S, BV_ERROR, span);
    if (lu && ld) {
        biz_error(S->d, span, "use chain(...) or cross_downstream(...)",
                  "cannot set dependencies between two lists: Airflow does not support list %s list",
                  opname);
        return sx_new(S, BV_ERROR, span);
    }
    for (int i = 0; i < nu; i++)
        for (int j = 0; j < nd; j++)
            link_nodes(S, ups[i], downs[j], span);
    return right;
}

sx_val *sx_depend(biz_sema *S, sx_val *left, sx_val *right, biz_astop op, biz_span span)
{
    return depend_as(S, left, right, op, span, op == BIZ_ASTOP_RSHIFT ? ">>" : "<<");
}

/* The arguments of chain() / cross_downstream(), with where each was
 * written, in pooled arrays that double. */
typedef struct chain_args {
    sx_val **vals;
    biz_span *spans;
    int n, cap;
} chain_args;

static void chain_add(biz_sema *S, chain_args *ca, sx_val *v, biz_span span)
{
    if (ca->n == ca->cap) {
        int cap = ca->cap ? 2 * ca->cap : 16;
        sx_val **vals = sx_alloc(S, (size_t)cap * sizeof *vals);
        biz_span *spans = sx_alloc(S, (size_t)cap * sizeof *spans);
        if (ca->n) {
            memcpy(vals, ca->vals, (size_t)ca->n * sizeof *vals);
            memcpy(spans, ca->spans, (size_t)ca->n * sizeof *spans);
        }
        ca->vals = vals;
        ca->spans = spans;
        ca->cap = cap;
    }
    ca->vals[ca->n] = v;
    ca->spans[ca->n] = span;
    ca->n++;
}

/* chain(a, b, [c, d], e) */
sx_val *sx_do_chain(biz_sema *S, sx_scope *sc, const biz_expr *e, int cross)
{
    /* As many as given: chain(*tasks) of a generated DAG may link
     * thousands (a fixed array would drop the links past its end). */
    chain_args ca = { NULL, NULL, 0, 0 };
    for (int i = 0; i < e->u.call.args.len; i++) {
        const biz_expr *a = e->u.call.args.items[i];
        if (!a)
            continue;
        if (a->kind == BIZ_E_STARRED && a->u.unary.operand) {
            sx_val *v = sx_eval(S, sc, a->u.unary.operand);
            if (v->kind == BV_LIST || v->kind == BV_TUPLE) {
                for (int j = 0; j < v->u.seq.n; j++)
                    chain_add(S, &ca, v->u.seq.items[j], a->span);
            } else if (v->kind != BV_ERROR && v->kind != BV_REJECTED) {
                biz_error(S->d, a->span, NULL, "cannot unpack %s with '*'", sx_kind_name(v));
            }
            continue;
        }
        chain_add(S, &ca, sx_eval(S, sc, a), a->span);
    }
    for (int i = 0; i < e->u.call.keywords.len; i++) {
        const biz_keyword *k = e->u.call.keywords.items[i];
        if (!k || !k->value)
            continue;
        if (cross && k->name && (!strcmp(k->name, "from_tasks") || !strcmp(k->name, "to_tasks"))) {
            int at = !strcmp(k->name, "from_tasks") ? 0 : ca.n;   /* from_tasks comes first */
            sx_val *v = sx_eval(S, sc, k->value);
            chain_add(S, &ca, v, k->value->span);
            for (int j = ca.n - 1; j > at; j--) {
                ca.vals[j] = ca.vals[j - 1];
                ca.spans[j] = ca.spans[j - 1];
            }
            ca.spans[at] = k->value->span;
            ca.vals[at] = v;
        } else {
            biz_error(S->d, k->span, NULL, "%s() takes no keyword argument '%s'",
                      cross ? "cross_downstream" : "chain", k->name ? k->name : "**");
        }
    }
    sx_val **vals = ca.vals;
    biz_span *spans = ca.spans;
    int n = ca.n;
    if (cross) {
        if (n != 2) {
            biz_error(S->d, e->span, NULL, "cross_downstream() takes two lists of tasks");
            return sx_new(S, BV_NONE, e->span);
        }
        sx_val **ups, **downs;
        int nu, nd, l1, l2;
        sx_val *from = vals[0];
        if (from->kind == BV_NODE && from->u.node.grp) {
            /* Airflow iterates a TaskGroup: each of its tasks. */
            sx_group *g = from->u.node.grp;
            int ids[3] = { g->call, g->wait, g->read };
            from = sx_new(S, BV_LIST, from->span);
            from->u.seq.items = sx_alloc(S, 3 * sizeof *from->u.seq.items);
            for (int i = 0; i < 3; i++)
                if (ids[i] >= 0) {
                    sx_val *nd1 = sx_new(S, BV_NODE, from->span);
                    nd1->u.node.dag = vals[0]->u.node.dag;
                    nd1->u.node.first = nd1->u.node.last = ids[i];
                    from->u.seq.items[from->u.seq.n++] = nd1;
                }
        } else if (from->kind != BV_LIST && from->kind != BV_TUPLE && from->kind != BV_ERROR
                   && from->kind != BV_REJECTED) {
            biz_error(S->d, spans[0],
                      from->kind == BV_NODE || from->kind == BV_OUTPUT
                          ? "write cross_downstream([a], [b, c]), or a >> [b, c]" : NULL,
                      "cross_downstream() takes a list of tasks first, got %s (Python cannot iterate it)",
                      sx_kind_name(from));
            return sx_new(S, BV_NONE, e->span);
        }
        if (dep_nodes(S, from, &ups, &nu, &l1, spans[0], "cross_downstream()", 1)
            && dep_nodes(S, vals[1], &downs, &nd, &l2, spans[1], "cross_downstream()", 0))
            for (int i = 0; i < nu; i++)
                for (int j = 0; j < nd; j++)
                    link_nodes(S, ups[i], downs[j], spans[1]);
        return sx_new(S, BV_NONE, e->span);
    }
    for (int i = 0; i + 1 < n; i++) {
        sx_val *up = vals[i], *down = vals[i + 1];
        if (up->kind == BV_ERROR || up->kind == BV_REJECTED || down->kind == BV_ERROR
            || down->kind == BV_REJECTED)
            continue;
        int lu = up->kind == BV_LIST || up->kind == BV_TUPLE;
        int ld = down->kind == BV_LIST || down->kind == BV_TUPLE;
        if (lu && ld) {
            if (up->u.seq.n != down->u.seq.n) {
                biz_error(S->d, spans[i + 1], "give lists of the same length",
                          "chain() cannot pair lists of different lengths (%d and %d)",
                          up->u.seq.n, down->u.seq.n);
                continue;
            }
            for (int j = 0; j < up->u.seq.n; j++)
                depend_as(S, up->u.seq.items[j], down->u.seq.items[j], BIZ_ASTOP_RSHIFT, spans[i + 1],
                          "chain()");
        } else {
            depend_as(S, up, down, BIZ_ASTOP_RSHIFT, spans[i + 1], "chain()");
        }
    }
    return sx_new(S, BV_NONE, e->span);
}

/* Marks node's task a setup (teardown 0) or a teardown, as Airflow's
 * is_setup / is_teardown setters: a task cannot be both. 0 on an error. */
static int mark_st(biz_sema *S, const sx_val *node, int teardown, biz_span span)
{
    sx_task *t = node->u.node.dag->tasks[node->u.node.first];
    if (teardown ? t->setup : t->teardown) {
        biz_error(S->d, span, NULL, "Cannot mark task '%s' as %s; task is already a %s.", t->id,
                  teardown ? "teardown" : "setup", teardown ? "setup" : "teardown");
        return 0;
    }
    if (teardown)
        t->teardown = 1;
    else
        t->setup = 1;
    if (!t->st_span.begin.line)
        t->st_span = span;
    return 1;
}

/* task.as_setup() and task.as_teardown(setups=..., on_failure_fail_dagrun=...):
 * they return the task, so they chain (`s >> w >> t.as_teardown(setups=s)`). */
static sx_val *setup_teardown(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *obj, int teardown)
{
    const char *m = teardown ? "as_teardown" : "as_setup";
    if (obj->u.node.grp || obj->u.node.first != obj->u.node.last) {
        biz_error(S->d, e->span, "mark its tasks instead", "a task group cannot be a %s task",
                  teardown ? "teardown" : "setup");
        return sx_new(S, BV_ERROR, e->span);
    }
    if (e->u.call.args.len) {
        biz_error(S->d, e->span, teardown ? "write as_teardown(setups=...)" : NULL,
                  "%s() takes no positional arguments", m);
        return sx_new(S, BV_ERROR, e->span);
    }
    const biz_expr *setups = NULL, *fail = NULL;
    for (int i = 0; i < e->u.call.keywords.len; i++) {
        const biz_keyword *k = e->u.call.keywords.items[i];
        if (teardown && k && k->name && !strcmp(k->name, "setups"))
            setups = k->value;
        else if (teardown && k && k->name && !strcmp(k->name, "on_failure_fail_dagrun"))
            fail = k->value;
        else {
            biz_error(S->d, k ? k->span : e->span, teardown ? "as_teardown takes setups= and on_failure_fail_dagrun=" : NULL,
                      "%s() got an unexpected keyword argument '%s'", m, k && k->name ? k->name : "**");
            return sx_new(S, BV_ERROR, e->span);
        }
    }
    if (!mark_st(S, obj, teardown, e->span))
        return sx_new(S, BV_ERROR, e->span);
    sx_task *t = obj->u.node.dag->tasks[obj->u.node.first];
    if (fail) {
        sx_val *fv = sx_eval(S, sc, fail);
        if (fv->kind == BV_BOOL)
            t->fail_dagrun = fv->u.b;
        else if (fv->kind != BV_ERROR && fv->kind != BV_REJECTED)
            biz_error(S->d, fail->span, NULL, "on_failure_fail_dagrun must be True or False, got %s",
                      sx_kind_name(fv));
    }
    if (setups) {
        sx_val *sv = sx_eval(S, sc, setups);
        int list = sv->kind == BV_LIST || sv->kind == BV_TUPLE;
        sx_val **items = list ? sv->u.seq.items : &sv;
        int n = list ? sv->u.seq.n : 1;
        for (int i = 0; i < n; i++) {
            sx_val *x = items[i];
            if (x->kind == BV_ERROR || x->kind == BV_REJECTED)
                continue;
            if (x->kind != BV_NODE || x->u.node.grp || x->u.node.first != x->u.node.last) {
                biz_error(S->d, setups->span, NULL, "setups= takes tasks or a list of tasks, got %s",
                          x->kind == BV_NODE ? "a task group" : sx_kind_name(x));
                continue;
            }
            if (mark_st(S, x, 0, setups->span))   /* s.is_setup = True; s >> self */
                depend_as(S, x, obj, BIZ_ASTOP_RSHIFT, setups->span, "as_teardown(setups=...)");
        }
    }
    return obj;
}

sx_val *sx_method_call(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *obj,
                       const char *method)
{
    method = method ? method : "";
    if (obj->kind == BV_NODE && (!strcmp(method, "as_setup") || !strcmp(method, "as_teardown")))
        return setup_teardown(S, sc, e, obj, method[3] == 't');
    if (obj->kind == BV_NODE && (!strcmp(method, "set_downstream") || !strcmp(method, "set_upstream"))) {
        if (e->u.call.args.len != 1 || e->u.call.keywords.len) {
            biz_error(S->d, e->span, NULL, "%s() takes one task or a list of tasks", method);
            return sx_new(S, BV_ERROR, e->span);
        }
        sx_val *other = sx_eval(S, sc, e->u.call.args.items[0]);
        depend_as(S, obj, other, !strcmp(method, "set_downstream") ? BIZ_ASTOP_RSHIFT : BIZ_ASTOP_LSHIFT,
                  e->span, sx_fmt(S, "%s()", method));
        return sx_new(S, BV_NONE, e->span);
    }
    if (obj->kind == BV_DAG && !strcmp(method, "test")) {
        biz_warning(S->d, e->span, NULL, "ignored: dag.test() (run the compiled DAG instead)");
        return sx_new(S, BV_NONE, e->span);
    }
    if (obj->kind == BV_NODE && (!strcmp(method, "expand") || !strcmp(method, "expand_kwargs") ||
                                 !strcmp(method, "partial"))) {
        biz_error(S->d, e->span, "map the operator's class: TechMicroServiceOperator.partial(task_id=..., ...)"
                  ".expand(json=[...])",
                  !strcmp(method, "partial") ? "partial can only be called on Operator classes, not Tasks themselves"
                                             : "a task made by calling its operator cannot be mapped: '%s' "
                                               "is called on Operator.partial(...)", method);
        return sx_new(S, BV_ERROR, e->span);
    }
    static const char *const deps[] = { "set_downstream", "set_upstream", "as_setup", "as_teardown" };
    const char *sug = obj->kind == BV_NODE ? biz_suggest(method, deps, 4) : NULL;
    biz_error(S->d, e->span, sug ? sx_fmt(S, "did you mean '%s'?", sug) : NULL,
              "method '%s' of %s cannot be used in a compiled DAG", method, sx_kind_name(obj));
    return sx_new(S, BV_ERROR, e->span);
}

sx_val *sx_attr_of_node(biz_sema *S, sx_val *node, const char *name, biz_span span,
                        biz_span name_span)
{
    if (node->kind == BV_NODE) {
        sx_dag *dag = node->u.node.dag;
        sx_group *g = node->u.node.grp;
        if (!strcmp(name, "output")) {
            if (g && g->read < 0) {
                biz_error(S->d, name_span, "remove read=False to read the result",
                          "group '%s' has read=False, so it has no output (its read_task is None)", g->id);
                return sx_new(S, BV_ERROR, span);
            }
            sx_val *v = sx_new(S, BV_OUTPUT, span);
            v->u.out.dag = dag;
            v->u.out.task = node->u.node.last;
            v->u.out.tpl = sx_fmt(S, "{{ ti.xcom_pull(task_ids='%s') }}", dag->tasks[node->u.node.last]->id);
            return v;
        }
        if (!strcmp(name, "task_id") && !g) {
            const char *id = dag->tasks[node->u.node.first]->id;
            return sx_new_str(S, id, strlen(id), span);
        }
        if (g) {
            /* CoWorks' CoworksTaskGroup: call_task, wait_task, read_task,
             * start_id, end_id, output (and TaskGroup's group_id). */
            if (!strcmp(name, "group_id"))
                return sx_new_str(S, g->id, strlen(g->id), span);
            if (!strcmp(name, "start_id") || !strcmp(name, "end_id")) {
                int idx = name[0] == 's' ? g->call : g->read >= 0 ? g->read : g->wait;
                const char *id = dag->tasks[idx]->id;
                return sx_new_str(S, id, strlen(id), span);
            }
            if (!strcmp(name, "call_task") || !strcmp(name, "wait_task") || !strcmp(name, "read_task")) {
                int idx = name[0] == 'c' ? g->call : name[0] == 'w' ? g->wait : g->read;
                if (idx < 0) {
                    biz_error(S->d, name_span, "remove read=False to have a read task",
                              "group '%s' has read=False, so its read_task is None", g->id);
                    return sx_new(S, BV_ERROR, span);
                }
                sx_val *v = sx_new(S, BV_NODE, span);
                v->u.node.dag = dag;
                v->u.node.first = v->u.node.last = idx;
                return v;
            }
            if (!strcmp(name, "call") || !strcmp(name, "wait") || !strcmp(name, "read")) {
                biz_error(S->d, name_span,
                          sx_fmt(S, "use .%s_task, the task '%s.%s'%s", name, g->id, name,
                                 name[0] == 'c' ? " (its id is .start_id)"
                                 : name[0] == 'r' ? " (its id is .end_id)" : ""),
                          "a TechMicroServiceAsyncGroup has no attribute '%s'", name);
                return sx_new(S, BV_ERROR, span);
            }
            static const char *const attrs[] = { "call_task", "wait_task", "read_task", "start_id",
                                                 "end_id", "output", "group_id" };
            const char *sug = biz_suggest(name, attrs, 7);
            biz_error(S->d, name_span, sug ? sx_fmt(S, "did you mean '%s'?", sug)
                                      : "a group offers call_task, wait_task, read_task, start_id, end_id, "
                                        "output and group_id",
                      "'%s' of a task group cannot be used in a compiled DAG", name);
            return sx_new(S, BV_ERROR, span);
        }
    }
    biz_error(S->d, name_span, node->kind == BV_NODE ? "a task offers .output and .task_id" : NULL,
              "'%s' of %s cannot be used in a compiled DAG", name, sx_kind_name(node));
    return sx_new(S, BV_ERROR, span);
}
