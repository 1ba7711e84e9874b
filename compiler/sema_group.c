/* sema_group.c: Airflow's TaskGroup, evaluated at compile time.
 *
 *     with TaskGroup("billing", default_args={...}, tooltip="...") as billing:
 *         create = TechMicroServiceOperator(task_id="create", ...)   # "billing.create"
 *     start >> billing >> end
 *
 * A group is a name space (its tasks' ids get "<group_id>." in front unless
 * prefix_group_id=False, nested groups too), a layer of default_args
 * between the DAG's and each task's own arguments, and, in `>>`, the tasks
 * of the group without an upstream (or downstream) inside it, computed
 * when the `>>` is written, as Airflow's get_roots / get_leaves do. Nothing
 * of it reaches the executable but the task ids and each task's group
 * (for --graph's clusters).
 */
#include <string.h>

#include "diag.h"
#include "sema_int.h"

sx_tgroup *sx_scope_tgroup(sx_scope *sc)
{
    for (; sc; sc = sc->parent)
        if (sc->tgroup)
            return sc->tgroup;
    return NULL;
}

const char *sx_tgroup_child_id(biz_sema *S, const sx_tgroup *tg, const char *label)
{
    return tg && tg->prefix ? sx_fmt(S, "%s.%s", tg->id, label) : label;
}

void sx_tgroup_add(biz_sema *S, sx_tgroup *tg, int i)
{
    for (; tg; tg = tg->parent)
        SX_PUSH(S, tg->tasks, tg->ntasks, tg->cap_tasks, i);
}

int sx_tgroup_ends(biz_sema *S, const sx_tgroup *tg, int leaves, sx_val ***out)
{
    const sx_dag *dag = tg->dag;
    /* inside[i]: task i is in the group; linked[i]: it has an upstream
     * (roots) or a downstream (leaves) in the group. */
    char *inside = sx_alloc(S, (size_t)dag->ntasks + 1);
    char *linked = sx_alloc(S, (size_t)dag->ntasks + 1);
    memset(inside, 0, (size_t)dag->ntasks + 1);
    memset(linked, 0, (size_t)dag->ntasks + 1);
    for (int i = 0; i < tg->ntasks; i++)
        inside[tg->tasks[i]] = 1;
    for (int i = 0; i < dag->nedges; i++) {
        const sx_edge *e = &dag->edges[i];
        if (!e->off && inside[e->from] && inside[e->to])
            linked[leaves ? e->from : e->to] = 1;
    }
    sx_val **res = sx_alloc(S, sizeof *res * (size_t)(tg->ntasks + 1));
    int n = 0;
    for (int i = 0; i < tg->ntasks; i++) {
        int t = tg->tasks[i];
        if (linked[t])
            continue;
        sx_val *v = sx_new(S, BV_NODE, tg->span);
        v->u.node.dag = tg->dag;
        v->u.node.first = v->u.node.last = t;
        res[n++] = v;
    }
    *out = res;
    return n;
}

/* The DAG's default_args updated by the group's (a later key wins in a
 * dict value, as in a Python dict display). */
static sx_val *merged_defaults(biz_sema *S, sx_val *base, sx_val *own, biz_span span)
{
    if (!own || own->kind != BV_DICT)
        return base;
    sx_val *m = sx_new(S, BV_DICT, span);
    m->u.dict.n = m->u.dict.cap = 0;
    m->u.dict.keys = m->u.dict.vals = NULL;
    if (base && base->kind == BV_DICT)
        for (int i = 0; i < base->u.dict.n; i++)
            sx_dict_put(S, m, base->u.dict.keys[i], base->u.dict.vals[i]);
    for (int i = 0; i < own->u.dict.n; i++)
        sx_dict_put(S, m, own->u.dict.keys[i], own->u.dict.vals[i]);
    return m;
}

static const char *const tgroup_args[] = {
    "group_id", "prefix_group_id", "tooltip", "ui_color", "ui_fgcolor", "default_args", "dag",
    "parent_group", "add_suffix_on_collision", NULL
};

/* The id already taken by a task or a group of dag, or NULL. */
static const char *id_taken(const sx_dag *dag, const char *id, biz_span *where)
{
    const sx_tgroup *tg = sx_map_get(&dag->tgroup_ids, id);
    if (tg) {
        *where = tg->span;
        return "a task group";
    }
    const sx_group *g = sx_map_get(&dag->group_ids, id);
    if (g) {
        *where = g->span;
        return "a task group";
    }
    int t = sx_find_task(dag, id);
    if (t >= 0) {
        *where = dag->tasks[t]->id_span;
        return "a task";
    }
    return NULL;
}

/* A TaskGroup from the arguments of call (TaskGroup(...), or the
 * @task_group(...) decorator; NULL: none), named label_default when no
 * group_id is given, its arguments read in sc, in the DAG and group of ctx
 * (or dag=). what names it in messages.
 * A mistake in an optional argument is reported and the group made anyway,
 * so that its name does not cascade into "not defined"; NULL when it cannot
 * be made (reported). */
static sx_tgroup *tgroup_make(biz_sema *S, sx_scope *sc, sx_scope *ctx, const biz_expr *call,
                              const biz_expr *over, biz_span at, const char *what, const char *label_default,
                              int suffix_default)
{
    sx_val *label = NULL, *prefix = NULL, *own = NULL, *dagv = NULL, *suffix = NULL;
    biz_span label_span = at;
    int nargs = call ? call->u.call.args.len : 0;
    if (over && over->u.call.args.len)
        biz_error(S->d, ((const biz_expr *)over->u.call.args.items[0])->span, "write .override(group_id='...')",
                  "override() takes keyword arguments only");
    for (int i = 0; i < nargs; i++) {
        const biz_expr *a = call->u.call.args.items[i];
        if (!a)
            continue;
        if (i == 0 && a->kind != BIZ_E_STARRED) {
            label = sx_eval(S, sc, a);
            label_span = a->span;
        } else {
            biz_error(S->d, a->span, "give the others by name: TaskGroup('g', tooltip='...')",
                      "%s takes one positional argument, its group_id", what);
        }
    }
    /* The decorator's (or TaskGroup's) keywords, then .override's, which
     * win; each evaluated where it is written. */
    int ndeco = call ? call->u.call.keywords.len : 0, nkw = ndeco + (over ? over->u.call.keywords.len : 0);
    for (int i = 0; i < nkw; i++) {
        const biz_keyword *k = i < ndeco ? call->u.call.keywords.items[i] : over->u.call.keywords.items[i - ndeco];
        sx_scope *ksc = i < ndeco ? sc : ctx;
        if (!k || !k->value)
            continue;
        const char *name = k->name ? k->name : "**";
        if (!sx_in_list(name, tgroup_args)) {
            const char *sug = biz_suggest(name, tgroup_args, (int)(sizeof tgroup_args / sizeof *tgroup_args) - 1);
            biz_error(S->d, k->span, sug ? sx_fmt(S, "did you mean '%s'?", sug) : NULL,
                      "unknown argument '%s' for %s", name, what);
            continue;
        }
        sx_val *v = sx_eval(S, ksc, k->value);
        if (v->kind == BV_ERROR || v->kind == BV_REJECTED)
            continue;
        if (!strcmp(name, "group_id")) {
            label = v;
            label_span = k->value->span;
        } else if (!strcmp(name, "prefix_group_id") || !strcmp(name, "add_suffix_on_collision")) {
            if (v->kind != BV_BOOL) {
                biz_error(S->d, k->value->span, NULL, "%s must be True or False, got %s", name,
                          sx_kind_name(v));
                continue;
            }
            if (!strcmp(name, "prefix_group_id"))
                prefix = v;
            else
                suffix = v;
        } else if (!strcmp(name, "default_args")) {
            if (v->kind == BV_DICT)
                own = v;
            else if (v->kind != BV_NONE)
                biz_error(S->d, k->value->span, NULL, "default_args must be a dict, got %s", sx_kind_name(v));
        } else if (!strcmp(name, "dag")) {
            if (v->kind == BV_DAG)
                dagv = v;
            else
                biz_error(S->d, k->value->span, NULL, "dag must be a DAG, got %s", sx_kind_name(v));
        } else if (!strcmp(name, "parent_group")) {
            biz_error(S->d, k->span, "nest the `with TaskGroup(...)` blocks instead",
                      "parent_group is not supported");
        } else if (v->kind != BV_STR && v->kind != BV_NONE) {   /* tooltip, ui_color, ui_fgcolor */
            biz_error(S->d, k->value->span, NULL, "%s must be a string, got %s", name, sx_kind_name(v));
        }
    }

    sx_dag *dag = dagv ? dagv->u.dag : sx_scope_dag(ctx);
    int bad = !dag;
    if (!dag)
        biz_error(S->d, at, "create it inside a @biz function or a `with DAG(...) as dag:` block",
                  "%s must be %s inside a DAG", what,
                  label_default ? "called" : "created");
    const char *id = NULL;
    if (label && label->kind == BV_STR) {
        id = label->u.str.s;
    } else if (label && label->kind != BV_NONE) {
        if (label->kind != BV_ERROR && label->kind != BV_REJECTED)
            biz_error(S->d, label_span, NULL, "group_id must be a string, got %s", sx_kind_name(label));
        bad = 1;
    } else if (label_default) {
        id = label_default;
    } else {
        biz_error(S->d, at, "give the group's id first: TaskGroup('my_group')",
                  "missing argument 'group_id' for %s", what);
        bad = 1;
    }
    if (id && !sx_check_id(S, id, label_span, "group id", 0))
        bad = 1;
    if (bad)
        return NULL;

    sx_tgroup *parent = sx_scope_tgroup(ctx);
    if (parent && parent->dag != dag)
        parent = NULL;
    sx_tgroup *tg = sx_alloc(S, sizeof *tg);
    memset(tg, 0, sizeof *tg);
    tg->id = sx_strdup(S, sx_tgroup_child_id(S, parent, id));
    tg->prefix = prefix ? prefix->u.b : 1;
    tg->span = call ? call->span : at;
    tg->dag = dag;
    tg->parent = parent;
    if (own)
        sx_check_default_args(S, dag, own);
    tg->default_args = merged_defaults(S, parent ? parent->default_args : dag->default_args, own, tg->span);

    biz_span where;
    const char *taken = id_taken(dag, tg->id, &where);
    if (taken && (suffix ? suffix->u.b : suffix_default)) {
        /* As Airflow: "<id>__1", "<id>__2", ... until one is free. */
        const char *base = tg->id;
        for (int n = 1; taken; n++) {
            tg->id = sx_fmt(S, "%s__%d", base, n);
            taken = id_taken(dag, tg->id, &where);
        }
    } else if (taken) {
        biz_error(S->d, label_span, "give each group its own id, or pass add_suffix_on_collision=True",
                  "duplicate group id '%s' in DAG '%s': %s has this id", tg->id, dag->id, taken);
        biz_note(S->d, where, "'%s' is first defined here", tg->id);
    }
    if (!sx_map_get(&dag->tgroup_ids, tg->id))   /* notes point at the first */
        sx_map_put(S, &dag->tgroup_ids, tg->id, tg);
    return tg;
}

void sx_with_tgroup(biz_sema *S, sx_scope *sc, const biz_stmt *st, const biz_expr *call, sx_val *fn,
                    void (*body)(biz_sema *, sx_scope *, const biz_vec *, int))
{
    sx_tgroup *tg = tgroup_make(S, sc, sc, call, NULL, call->u.call.func->span, fn->u.fn.name, NULL, 0);
    const biz_with_item *it = st->u.with.items.items[0];
    if (it->target) {
        /* When it could not be made, an error value, which stays silent. */
        sx_val *gv = sx_new(S, tg ? BV_TGROUP : BV_ERROR, it->target->span);
        gv->u.tg = tg;
        sx_bind_target(S, sc, it->target, gv);
    }
    sx_dag *dag = tg ? tg->dag : sx_scope_dag(sc);
    sx_scope ws = { .parent = sc, .bind_to = sc->bind_to ? sc->bind_to : sc, .dag = dag, .tgroup = tg };
    body(S, &ws, &st->u.with.body, dag != NULL);
}

/* Python's "'a', 'b' and 'c'". */
static char *name_list(biz_sema *S, const char **names, int n)
{
    char *acc = sx_strdup(S, "");
    for (int i = 0; i < n; i++)
        acc = sx_fmt(S, "%s%s'%s'", acc, i == 0 ? "" : i == n - 1 ? (n > 2 ? ", and " : " and ") : ", ",
                     names[i]);
    return acc;
}

/* Binds the parameters of def (a function defined in defscope) in fs to
 * the arguments of the call e (evaluated in sc) as CPython does, with its
 * messages; as CPython, the first mismatch is the error (then every
 * parameter is bound to an error value, so its uses stay silent). what
 * names the function in messages ("a @task_group function"). */
void sx_bind_call_args(biz_sema *S, sx_scope *fs, sx_scope *sc, const biz_expr *e, const biz_stmt *def,
                       sx_scope *defscope, const char *what)
{
    (void)what;
    const char *fname = def->u.def.name ? def->u.def.name : "?";
    biz_span at = e->u.call.func ? e->u.call.func->span : e->span;
    const biz_vec *params = &def->u.def.params;
    int np = params->len;
    sx_val **val = sx_alloc(S, sizeof *val * (size_t)(np + 1));
    memset(val, 0, sizeof *val * (size_t)(np + 1));
    /* The parameters' roles: positional ones come before a * (or *args),
     * positional-only ones before a /. */
    int npos = 0, nposonly = 0, star_args = -1, star_kw = -1, total_pos_defaults = 0;
    for (int j = 0, kwonly = 0; j < np; j++) {
        const biz_param *p = params->items[j];
        if (p->star == 1) {
            if (strcmp(p->name, "*"))
                star_args = j;
            kwonly = 1;
        } else if (p->star == 2) {
            star_kw = j;
        } else if (!strcmp(p->name, "/")) {
            nposonly = npos;
        } else if (!kwonly) {
            npos++;
            total_pos_defaults += p->default_value != NULL;
        }
    }
    /* pos[k]: the index in params of the k-th positional parameter. */
    int *pos = sx_alloc(S, sizeof *pos * (size_t)(npos + 1));
    for (int j = 0, k = 0; j < np && k < npos; j++) {
        const biz_param *p = params->items[j];
        if (p->star == 1)
            break;
        if (p->star == 0 && strcmp(p->name, "/"))
            pos[k++] = j;
    }
    int failed = 0;
    sx_val *extra = sx_new(S, BV_TUPLE, e->span);
    sx_val *kwargs = sx_new(S, BV_DICT, e->span);

    /* Positional arguments, *iterables unpacked. */
    sx_val *args = sx_new(S, BV_TUPLE, e->span);
    biz_span extra_at = e->span;
    for (int i = 0; i < e->u.call.args.len && !failed; i++) {
        const biz_expr *a = e->u.call.args.items[i];
        if (!a)
            continue;
        if (a->kind == BIZ_E_STARRED) {
            sx_val **items;
            int n;
            if (!sx_iterate(S, sx_eval(S, sc, a->u.unary.operand), a->span, "a * argument", &items, &n))
                failed = 1;
            for (int k = 0; !failed && k < n; k++)
                sx_seq_push(S, args, items[k]);
        } else {
            sx_seq_push(S, args, sx_eval(S, sc, a));
        }
        if (args->u.seq.n > npos && extra_at.begin.off == e->span.begin.off)
            extra_at = a->span;   /* the first argument too many */
    }
    for (int k = 0; k < args->u.seq.n && !failed; k++) {
        if (k < npos) {
            val[pos[k]] = args->u.seq.items[k];
        } else if (star_args >= 0) {
            sx_seq_push(S, extra, args->u.seq.items[k]);
        } else {
            int total = args->u.seq.n;
            const char *takes = total_pos_defaults
                ? sx_fmt(S, "from %d to %d positional arguments", npos - total_pos_defaults, npos)
                : sx_fmt(S, "%d positional argument%s", npos, npos == 1 ? "" : "s");
            biz_error(S->d, extra_at, NULL, "%s() takes %s but %d %s given", fname, takes, total,
                      total == 1 ? "was" : "were");
            failed = 1;
        }
    }

    /* Keyword arguments, **dicts unpacked. */
    for (int i = 0; i < e->u.call.keywords.len && !failed; i++) {
        const biz_keyword *kw = e->u.call.keywords.items[i];
        if (!kw || !kw->value)
            continue;
        sx_val *v = sx_eval(S, sc, kw->value);
        sx_val *names = NULL;
        if (!kw->name) {
            if (v->kind == BV_ERROR || v->kind == BV_REJECTED) {
                failed = 1;
                break;
            }
            if (v->kind != BV_DICT) {
                biz_error(S->d, kw->value->span, NULL, "%s() argument after ** must be a mapping, not %s", fname,
                          sx_kind_name(v));
                failed = 1;
                break;
            }
            names = v;
        }
        int n = names ? names->u.dict.n : 1;
        for (int k = 0; k < n && !failed; k++) {
            const char *name = kw->name;
            sx_val *kv = v;
            if (names) {
                if (names->u.dict.keys[k]->kind != BV_STR) {
                    biz_error(S->d, kw->value->span, NULL, "keywords must be strings");
                    failed = 1;
                    break;
                }
                name = names->u.dict.keys[k]->u.str.s;
                kv = names->u.dict.vals[k];
            }
            int j = 0;
            for (; j < np; j++) {
                const biz_param *p = params->items[j];
                if (p->star == 0 && !strcmp(p->name, name))
                    break;
            }
            int posonly = 0;
            for (int k2 = 0; k2 < nposonly; k2++)
                posonly |= pos[k2] == j;
            if (j == np || posonly) {
                if (star_kw >= 0) {
                    sx_dict_put(S, kwargs, sx_new_str(S, name, strlen(name), kw->span), kv);
                    continue;
                }
                if (posonly)
                    biz_error(S->d, kw->span, NULL,
                              "%s() got some positional-only arguments passed as keyword arguments: '%s'", fname,
                              name);
                else
                    biz_error(S->d, kw->span, NULL, "%s() got an unexpected keyword argument '%s'", fname, name);
                failed = 1;
            } else if (val[j]) {
                biz_error(S->d, kw->span, NULL, "%s() got multiple values for argument '%s'", fname, name);
                failed = 1;
            } else {
                val[j] = kv;
            }
        }
    }

    /* Defaults, then what is still missing (all named, as CPython does). */
    const char **missing = sx_alloc(S, sizeof *missing * (size_t)(np + 1));
    int nmissing = 0, missing_kwonly = 0;
    for (int pass = 0; pass < 2 && !failed && !nmissing; pass++) {
        for (int j = 0, kwonly = 0; j < np; j++) {
            const biz_param *p = params->items[j];
            if (p->star == 1)
                kwonly = 1;
            if (p->star || !strcmp(p->name, "/") || val[j] || kwonly != pass)
                continue;
            if (p->default_value)
                val[j] = sx_eval(S, defscope, p->default_value);
            else
                missing[nmissing++] = p->name;
        }
        missing_kwonly = pass;
    }
    if (nmissing) {
        biz_error(S->d, at, NULL, "%s() missing %d required %s argument%s: %s", fname, nmissing,
                  missing_kwonly ? "keyword-only" : "positional", nmissing == 1 ? "" : "s",
                  name_list(S, missing, nmissing));
        failed = 1;
    }
    if (star_args >= 0)
        val[star_args] = extra;
    if (star_kw >= 0)
        val[star_kw] = kwargs;
    for (int j = 0; j < np; j++) {
        const biz_param *p = params->items[j];
        if (!strcmp(p->name, "*") || !strcmp(p->name, "/"))
            continue;
        sx_bind(S, fs, p->name, failed || !val[j] ? sx_new(S, BV_ERROR, p->span) : val[j]);
    }
}

sx_val *sx_call_tgfunc(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *fn,
                       void (*body)(biz_sema *, sx_scope *, const biz_vec *, int))
{
    const biz_stmt *def = fn->u.tgf.def;
    const biz_expr *deco = fn->u.tgf.deco;
    const char *fname = def->u.def.name ? def->u.def.name : "?";
    biz_span at = e->u.call.func ? e->u.call.func->span : e->span;
    /* As Airflow's @task_group: the function's name unless group_id= is
     * given, and a suffix when it is called again (add_suffix_on_collision). */
    sx_tgroup *tg = tgroup_make(S, fn->u.tgf.scope, sc, deco && deco->kind == BIZ_E_CALL ? deco : NULL, fn->u.tgf.over, at,
                                sx_fmt(S, "@task_group function '%s'", fname), fname, 1);
    if (!tg)
        return sx_new(S, BV_ERROR, e->span);

    sx_val *ret = NULL;
    sx_scope fs = { .parent = fn->u.tgf.scope, .dag = tg->dag, .tgroup = tg, .ret = &ret };
    sx_bind_call_args(S, &fs, sc, e, def, fn->u.tgf.scope, "a @task_group function");
    body(S, &fs, &def->u.def.body, 1);
    /* What the function returns, when it returns a task; else the group. */
    if (ret && ret->kind != BV_NONE)
        return ret;
    sx_val *gv = sx_new(S, BV_TGROUP, e->span);
    gv->u.tg = tg;
    return gv;
}

sx_val *sx_attr_of_tgroup(biz_sema *S, sx_val *g, const char *name, biz_span span, biz_span name_span)
{
    if (!strcmp(name, "group_id"))
        return sx_new_str(S, g->u.tg->id, strlen(g->u.tg->id), span);
    biz_error(S->d, name_span, "a task group is used in dependencies (start >> group >> end) and by its id",
              "a task group has no attribute '%s' that bizc knows", name);
    return sx_new(S, BV_ERROR, span);
}
