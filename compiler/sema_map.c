/* sema_map.c: Airflow's dynamic task mapping at compile time,
 * Operator.partial(...).expand(...) and .expand_kwargs(...).
 *
 * The partial call is checked as an operator call (sx_op_call) with the
 * expanded arguments counted as given; what it maps over becomes the
 * task's map spec (ir.h): lists written in the file, each item checked as
 * a value of its argument, or an upstream task's .output, whose list is
 * known when the DAG runs (the runtime expands it, runtime/engine/map.h). The
 * messages are Airflow's (models/mappedoperator.py, expandinput.py). */
#include <string.h>
#include "sema_int.h"

/* Python's type name of a value, for Airflow's messages. */
static const char *py_type(const sx_val *v)
{
    switch (v->kind) {
    case BV_NONE: return "NoneType";
    case BV_BOOL: return "bool";
    case BV_INT: return "int";
    case BV_FLOAT: return "float";
    case BV_STR: return "str";
    case BV_LIST: return "list";
    case BV_TUPLE: return "tuple";
    case BV_DICT: return "dict";
    case BV_DURATION: return "timedelta";
    case BV_DATETIME: return "datetime";
    case BV_PARAM: return "DagParam";
    case BV_NODE: return "Operator";
    default: return sx_kind_name(v);
    }
}

/* The XCom source {"xcom": id} of an .output value, or NULL (reported). */
static sx_val *xcom_source(biz_sema *S, const sx_val *v, biz_span span)
{
    const char *id = v->u.out.dag->tasks[v->u.out.task]->id;
    const char *key = strstr(v->u.out.tpl, "key='");
    if (key) {
        const char *end = strchr(key + 5, '\'');
        biz_error(S->d, span, "map over the task's .output (its return_value)",
                  "cannot map over XCom with custom key '%.*s' from <Task(%s): %s>",
                  (int)(end ? end - key - 5 : 0), key + 5, biz_ops[v->u.out.dag->tasks[v->u.out.task]->op->kind].name,
                  id);
        return NULL;
    }
    /* Airflow maps over what the upstream's execute() returned. CoWorks'
     * TechMicroServiceOperator returns nothing (it pushes its XComs
     * itself), nor do EmptyOperator and the sensors: Airflow fails the
     * upstream task with XComForMappingNotPushed. */
    const biz_op_spec *up = v->u.out.dag->tasks[v->u.out.task]->op;
    if (up->kind == BIZ_OP_TECH_MS || up->kind == BIZ_OP_BRANCH_TECH_MS || up->kind == BIZ_OP_EMPTY ||
        up->kind == BIZ_OP_TECH_MS_SENSOR || up->kind == BIZ_OP_ASYNC_SENSOR) {
        biz_error(S->d, span,
                  up->kind == BIZ_OP_TECH_MS
                      ? "call the service with a TechMicroServiceAsyncGroup and map over its .output "
                        "(its read task returns the answer's body)"
                      : "map over the .output of a task that returns a list (a TechMicroServiceAsyncGroup's)",
                  "cannot map over the output of %s '%s': its execute() returns nothing%s, so Airflow "
                  "fails it with \"did not push XCom for task mapping\"",
                  up->name, id, up->kind == BIZ_OP_EMPTY ? "" : " (CoWorks pushes its XComs itself)");
        return NULL;
    }
    sx_edge ed = { v->u.out.task, -1, span, 0 };
    SX_PUSH(S, S->pend_out, S->npend_out, S->cap_pend_out, ed);
    sx_val *d = sx_new(S, BV_DICT, span);
    sx_dict_put(S, d, sx_new_str(S, "xcom", 4, span), sx_new_str(S, id, strlen(id), span));
    return d;
}

/* Checks each item of a list written in the file as a value of spec. */
static int items_ok(biz_sema *S, const biz_arg_spec *spec, sx_val *v)
{
    int ok = 1;
    if (v->kind == BV_DICT) {
        /* Airflow maps a dict to its (key, value) pairs. */
        return 1;
    }
    for (int i = 0; i < v->u.seq.n; i++) {
        sx_val *it = v->u.seq.items[i];
        if (!sx_type_ok(S, spec, it, it->origin || it->span.begin.line ? it->span : v->span)) {
            ok = 0;
            continue;
        }
        if (spec->flags & BIZ_A_TEMPLATED)
            sx_check_templates(S, it, spec->name);
    }
    return ok;
}

/* An argument the partial call may not map: its id, the DAG, the group. */
static int unmappable(const char *name)
{
    return !strcmp(name, "task_id") || !strcmp(name, "dag") || !strcmp(name, "task_group");
}

/* expand(name=value, ...): the spec {"expand": {name: source}}. */
static sx_val *eval_expand(biz_sema *S, sx_scope *sc, const biz_op_spec *op, sx_mapping *m,
                           int (*given)(void *, const char *), void *user)
{
    const biz_expr *e = m->expand;
    int bad = 0;
    sx_val *args = sx_new(S, BV_DICT, e->span);
    for (int i = 0; i < e->u.call.keywords.len; i++) {
        const biz_keyword *k = e->u.call.keywords.items[i];
        if (!k || !k->value)
            continue;
        if (!k->name) {
            biz_error(S->d, k->span, "name each argument: expand(json=[...])",
                      "'**' is not supported in %s.expand()", op->name);
            bad = 1;
            continue;
        }
        const biz_arg_spec *spec = sx_op_arg(op, k->name);
        sx_val *v = sx_eval(S, sc, k->value);
        if (v->kind == BV_ERROR || v->kind == BV_REJECTED) {
            bad = 1;
            continue;
        }
        if (!spec && !unmappable(k->name)) {
            biz_error(S->d, k->name_span, NULL, "%s.expand() got an unexpected keyword argument '%s'",
                      op->name, k->name);
            bad = 1;
            continue;
        }
        if (unmappable(k->name) || given(user, k->name)) {
            biz_error(S->d, k->name_span,
                      unmappable(k->name) ? "give the task its id in partial(task_id=...)"
                                          : sx_fmt(S, "remove %s=... from partial(...)", k->name),
                      "unmappable or already specified argument: %s", k->name);
            bad = 1;
            continue;
        }
        if (spec->type == BIZ_T_CALLABLE || (spec->flags & (BIZ_A_UNSUPPORTED | BIZ_A_IGNORED))) {
            biz_error(S->d, k->name_span, NULL, "argument '%s' of %s cannot be mapped in a compiled DAG",
                      k->name, op->name);
            bad = 1;
            continue;
        }
        sx_val *src = NULL;
        if (v->kind == BV_OUTPUT) {
            src = xcom_source(S, v, k->value->span);
        } else if (v->kind == BV_LIST || v->kind == BV_TUPLE || v->kind == BV_DICT) {
            if (items_ok(S, spec, v))
                src = v;
        } else {
            biz_error(S->d, k->value->span,
                      sx_fmt(S, "map over a list, e.g. %s=[...], or an upstream task's .output", k->name),
                      "%s.expand() got an unexpected type '%s' for keyword argument %s", op->name,
                      py_type(v), k->name);
        }
        if (!src) {
            bad = 1;
            continue;
        }
        sx_dict_put(S, args, sx_new_str(S, k->name, strlen(k->name), k->name_span), src);
        m->names[m->nnames < 16 ? m->nnames++ : 15] = spec->name;
        m->spans[m->nnames - 1] = k->value->span;
    }
    if (bad)
        return NULL;
    sx_val *spec = sx_new(S, BV_DICT, e->span);
    sx_dict_put(S, spec, sx_new_str(S, "expand", 6, e->span), args);
    return spec;
}

/* expand_kwargs(list_of_dicts or upstream.output). */
static sx_val *eval_expand_kwargs(biz_sema *S, sx_scope *sc, const biz_op_spec *op, sx_mapping *m,
                                  int (*given)(void *, const char *), void *user)
{
    const biz_expr *e = m->expand;
    const biz_expr *a = e->u.call.args.len == 1 ? e->u.call.args.items[0] : NULL;
    const biz_keyword *k0 = e->u.call.keywords.len == 1 ? e->u.call.keywords.items[0] : NULL;
    if (!a && k0 && k0->name && !strcmp(k0->name, "kwargs"))
        a = k0->value;
    if (!a || e->u.call.args.len + e->u.call.keywords.len != 1) {
        biz_error(S->d, e->span, "write expand_kwargs([{...}, ...]) or expand_kwargs(task.output)",
                  "%s.expand_kwargs() takes one argument, a list of dicts or an XComArg", op->name);
        return NULL;
    }
    sx_val *v = sx_eval(S, sc, a);
    if (v->kind == BV_ERROR || v->kind == BV_REJECTED)
        return NULL;
    sx_val *src = NULL;
    if (v->kind == BV_OUTPUT) {
        m->open = 1;   /* any argument may come from the XCom */
        src = xcom_source(S, v, a->span);
    } else if (v->kind == BV_LIST || v->kind == BV_TUPLE) {
        int bad = 0;
        for (int i = 0; i < v->u.seq.n; i++) {
            sx_val *d = v->u.seq.items[i];
            biz_span at = d->span.begin.line ? d->span : a->span;
            if (d->kind != BV_DICT) {
                biz_error(S->d, at, "each item is a dict of arguments, e.g. {'json': {...}}",
                          "expected XComArg or list[dict], not list[%s]", py_type(d));
                bad = 1;
                continue;
            }
            for (int j = 0; j < d->u.dict.n; j++) {
                const sx_val *key = d->u.dict.keys[j];
                sx_val *val = d->u.dict.vals[j];
                if (key->kind != BV_STR) {
                    biz_error(S->d, at, NULL, "expand_kwargs() input dict keys must all be str, but %s is "
                              "of type %s", sx_to_text(S, key, 1), py_type(key));
                    bad = 1;
                    continue;
                }
                const char *name = key->u.str.s;
                const biz_arg_spec *spec = sx_op_arg(op, name);
                biz_span ks = key->span.begin.line ? key->span : at;
                if (!spec || unmappable(name)) {
                    biz_error(S->d, ks, NULL, spec ? "unmappable or already specified argument: %s"
                                                   : "%s.expand_kwargs() got an unexpected keyword argument '%s'",
                              spec ? name : op->name, name);
                    bad = 1;
                    continue;
                }
                if (given(user, name)) {
                    biz_error(S->d, ks, sx_fmt(S, "remove %s=... from partial(...)", name),
                              "unmappable or already specified argument: %s", name);
                    bad = 1;
                    continue;
                }
                if (!sx_type_ok(S, spec, val, val->span.begin.line ? val->span : at)) {
                    bad = 1;
                    continue;
                }
                if (spec->flags & BIZ_A_TEMPLATED)
                    sx_check_templates(S, val, name);
                int seen = 0;
                for (int n = 0; n < m->nnames; n++)
                    seen |= !strcmp(m->names[n], spec->name);
                if (!seen && m->nnames < 16) {
                    m->spans[m->nnames] = ks;
                    m->names[m->nnames++] = spec->name;
                }
            }
        }
        if (!bad)
            src = v;
    } else {
        biz_error(S->d, a->span, "write expand_kwargs([{...}, ...]) or expand_kwargs(task.output)",
                  "expected XComArg or list[dict], not %s", py_type(v));
    }
    if (!src)
        return NULL;
    sx_val *spec = sx_new(S, BV_DICT, e->span);
    sx_dict_put(S, spec, sx_new_str(S, "expand_kwargs", 13, e->span), src);
    return spec;
}

sx_val *sx_map_eval(biz_sema *S, sx_scope *sc, const biz_op_spec *op, sx_mapping *m,
                    int (*given)(void *, const char *), void *user)
{
    return m->kwargs ? eval_expand_kwargs(S, sc, op, m, given, user)
                     : eval_expand(S, sc, op, m, given, user);
}

/* Is e `X.partial(...).expand(...)` or `.expand_kwargs(...)`? */
int sx_is_mapped_call(const biz_expr *e)
{
    const biz_expr *f = e->u.call.func;
    if (!f || f->kind != BIZ_E_ATTR || !f->u.attr.name || !f->u.attr.obj)
        return 0;
    if (strcmp(f->u.attr.name, "expand") && strcmp(f->u.attr.name, "expand_kwargs"))
        return 0;
    const biz_expr *p = f->u.attr.obj;
    return p->kind == BIZ_E_CALL && p->u.call.func && p->u.call.func->kind == BIZ_E_ATTR &&
           p->u.call.func->u.attr.name && !strcmp(p->u.call.func->u.attr.name, "partial") &&
           p->u.call.func->u.attr.obj;
}

sx_val *sx_mapped_call(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    const biz_expr *f = e->u.call.func;
    const biz_expr *pc = f->u.attr.obj;
    const biz_expr *pf = pc->u.call.func;
    sx_val *cls = sx_eval(S, sc, pf->u.attr.obj);
    if (cls->kind == BV_ERROR || cls->kind == BV_REJECTED)
        return cls;
    if (cls->kind == BV_NODE) {
        biz_error(S->d, pf->u.attr.name_span, "call partial on the operator's class: "
                  "TechMicroServiceOperator.partial(task_id=..., ...)",
                  "partial can only be called on Operator classes, not Tasks themselves");
        return sx_new(S, BV_ERROR, e->span);
    }
    if (cls->kind == BV_BUILTIN && cls->u.fn.fn == FN_PYTHON_OP) {
        biz_error(S->d, pf->span, "call a TechMicroService with TechMicroServiceOperator, or run a command with BashOperator",
                  "%s runs Python code, which a compiled DAG cannot run", cls->u.fn.name);
        return sx_new(S, BV_REJECTED, e->span);
    }
    if (cls->kind != BV_BUILTIN || cls->u.fn.fn != FN_OPERATOR) {
        biz_error(S->d, pf->span, NULL, "partial can only be called on Operator classes, not %s",
                  sx_kind_name(cls));
        return sx_new(S, BV_ERROR, e->span);
    }
    const biz_op_spec *op = cls->u.fn.op;
    if (op->is_group) {
        biz_error(S->d, pf->span, "map its call with TechMicroServiceOperator.partial(...).expand(...)",
                  "%s cannot be mapped: it is a task group, not an operator", op->name);
        return sx_new(S, BV_ERROR, e->span);
    }
    if (pc->u.call.args.len) {
        biz_error(S->d, ((const biz_expr *)pc->u.call.args.items[0])->span, "write name=value, e.g. task_id='my_task'",
                  "BaseOperator.partial() takes 1 positional argument but %d were given",
                  pc->u.call.args.len + 1);
        return sx_new(S, BV_ERROR, e->span);
    }
    sx_mapping m;
    memset(&m, 0, sizeof m);
    m.expand = e;
    m.kwargs = !strcmp(f->u.attr.name, "expand_kwargs");
    if (!m.kwargs && e->u.call.args.len) {
        biz_error(S->d, ((const biz_expr *)e->u.call.args.items[0])->span, "name the argument mapped over: expand(json=[...])",
                  "OperatorPartial.expand() takes 1 positional argument but %d were given",
                  e->u.call.args.len + 1);
        return sx_new(S, BV_ERROR, e->span);
    }
    if (!m.kwargs && !e->u.call.keywords.len) {
        biz_error(S->d, f->u.attr.name_span, "name the argument mapped over: expand(json=[...])",
                  "no arguments to expand against");
        return sx_new(S, BV_ERROR, e->span);
    }
    sx_mapping *save = S->mapping;
    S->mapping = &m;
    sx_val *r = sx_op_call(S, sc, pc, op);
    S->mapping = save;
    if (r->kind == BV_NODE)
        r->span = e->span;
    return r;
}
