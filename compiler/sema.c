/* sema.c: semantic analysis of a .biz file (see sema.h).
 *
 * One pass over the module in source order: imports bind names, constants
 * are evaluated (consteval.c), @biz functions and `with DAG(...)` blocks
 * build DAGs, operator calls are checked against the operator table and
 * become tasks. Once the whole file is read, graph.c checks what needs
 * every task (references, cycles) and builds the IR.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sema.h"
#include "sema_int.h"
#include "template.h"
#include "cron.h"
#include "schedule.h"
#include "pynames.h"
#include "xalloc.h"

/* ------------------------------------------------------------ tables */

/* Names bizc knows, by module. */
typedef struct known_name {
    const char *module;
    const char *name;
    sx_fn fn;
} known_name;

static const known_name known_names[] = {
    { "datetime", "datetime", FN_DATETIME },
    { "datetime", "timedelta", FN_TIMEDELTA },
    { "datetime", "timezone", FN_TIMEZONE },
    { "datetime.datetime", "now", FN_NONDET },
    { "datetime.datetime", "utcnow", FN_NONDET },
    { "datetime.datetime", "today", FN_NONDET },
    { "pendulum", "datetime", FN_PENDULUM_DATETIME },
    { "pendulum", "duration", FN_PENDULUM_DURATION },
    { "pendulum", "timezone", FN_TIMEZONE },
    { "zoneinfo", "ZoneInfo", FN_TIMEZONE },
    { "pendulum", "now", FN_NONDET },
    { "pendulum", "today", FN_NONDET },
    { "pendulum", "yesterday", FN_NONDET },
    { "coworks.biz", "biz", FN_DAG_DECORATOR },
    { "coworks.biz", "BizMicroService", FN_DAG_CLASS },
    { "airflow", "DAG", FN_DAG_CLASS },
    { "airflow.models", "DAG", FN_DAG_CLASS },
    { "airflow.models.dag", "DAG", FN_DAG_CLASS },
    { "airflow.decorators", "dag", FN_DAG_DECORATOR },
    { "airflow.decorators", "task", FN_TASK_DECORATOR },
    { "airflow.decorators", "task_group", FN_TASK_GROUP_DECORATOR },
    { "airflow.models.baseoperator", "chain", FN_CHAIN },
    { "airflow.models.baseoperator", "cross_downstream", FN_CROSS_DOWNSTREAM },
    { "airflow.utils.helpers", "chain", FN_CHAIN },
    { "airflow.utils.helpers", "cross_downstream", FN_CROSS_DOWNSTREAM },
    { "airflow.utils.trigger_rule", "TriggerRule", FN_TRIGGER_RULE },
    { "airflow.utils.weight_rule", "WeightRule", FN_WEIGHT_RULE },
    { "airflow.utils.task_group", "TaskGroup", FN_TASK_GROUP },
    { "airflow.utils.edgemodifier", "Label", FN_LABEL },
    { "airflow.models.param", "Param", FN_PARAM },
    { "airflow.models", "Param", FN_PARAM },
    { "airflow.utils.dates", "days_ago", FN_NONDET },
    { "airflow.operators.python", "PythonOperator", FN_PYTHON_OP },
    { "airflow.operators.python", "BranchPythonOperator", FN_PYTHON_OP },
    { "airflow.operators.python", "ShortCircuitOperator", FN_PYTHON_OP },
    { "airflow.operators.python", "PythonVirtualenvOperator", FN_PYTHON_OP },
    { "airflow.operators.python", "ExternalPythonOperator", FN_PYTHON_OP },
    { "airflow.operators.python", "BranchPythonVirtualenvOperator", FN_PYTHON_OP },
    { "airflow.operators.python", "BranchExternalPythonOperator", FN_PYTHON_OP },
    { "airflow.operators.python", "get_current_context", FN_OTHER },
    { "airflow.operators.python", "task", FN_TASK_DECORATOR },
    { "airflow.operators.python_operator", "PythonOperator", FN_PYTHON_OP },
    { "airflow.operators.python_operator", "BranchPythonOperator", FN_PYTHON_OP },
    { "airflow.operators.python_operator", "ShortCircuitOperator", FN_PYTHON_OP },
    { "airflow.sensors.python", "PythonSensor", FN_PYTHON_OP },
    { NULL, NULL, FN_OTHER }
};

/* Other modules that are fine to import. */
static const char *const other_modules[] = {
    "airflow.models.baseoperator", "airflow.utils", "airflow.operators", "airflow.sensors",
    "airflow.utils.state", "typing", "__future__", "os", "json", "logging", "textwrap", NULL
};

/* Where a well-known name comes from, for "add `from ... import ...`". */
static const known_name import_hints[] = {
    { "datetime", "datetime", FN_DATETIME },
    { "datetime", "timedelta", FN_TIMEDELTA },
    { "coworks.biz", "biz", FN_DAG_DECORATOR },
    { "coworks.biz", "BizMicroService", FN_DAG_CLASS },
    { "airflow", "DAG", FN_DAG_CLASS },
    { "airflow.decorators", "dag", FN_DAG_DECORATOR },
    { "airflow.decorators", "task", FN_TASK_DECORATOR },
    { "airflow.models.baseoperator", "chain", FN_CHAIN },
    { "airflow.models.baseoperator", "cross_downstream", FN_CROSS_DOWNSTREAM },
    { "airflow.utils.trigger_rule", "TriggerRule", FN_TRIGGER_RULE },
    { "airflow.utils.task_group", "TaskGroup", FN_TASK_GROUP },
    { "airflow.utils.edgemodifier", "Label", FN_LABEL },
    { "airflow.models.param", "Param", FN_PARAM },
    { "airflow.operators.python", "PythonOperator", FN_PYTHON_OP },
    { NULL, NULL, FN_OTHER }
};

/* ------------------------------------------------------------- helpers */

sx_dag *sx_scope_dag(sx_scope *sc)
{
    for (; sc; sc = sc->parent)
        if (sc->dag)
            return sc->dag;
    return NULL;
}

int sx_in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

sx_val *sx_err_val(biz_sema *S, biz_span span)
{
    return sx_new(S, BV_ERROR, span);
}

static sx_val *builtin(biz_sema *S, sx_fn fn, const biz_op_spec *op, const char *module,
                       const char *name, biz_span span)
{
    sx_val *v = sx_new(S, BV_BUILTIN, span);
    v->u.fn.fn = fn;
    v->u.fn.op = op;
    v->u.fn.name = sx_strdup(S, name);
    v->u.fn.path = sx_fmt(S, "%s.%s", module, name);
    return v;
}

static int op_in_module(const biz_op_spec *op, const char *module)
{
    for (const char *const *m = op->modules; m && *m; m++)
        if (strcmp(*m, module) == 0)
            return 1;
    return 0;
}

/* Is module a module bizc knows (or a package above one)? strict: only
 * those of its tables, not any airflow.* module. */
static int module_known_in(const char *module, int strict)
{
    size_t n = strlen(module);
    for (const known_name *k = known_names; k->module; k++)
        if (strncmp(k->module, module, n) == 0 && (k->module[n] == 0 || k->module[n] == '.'))
            return 1;
    for (int i = 0; i < BIZ_OP__COUNT; i++)
        for (const char *const *m = biz_ops[i].modules; m && *m; m++)
            if (strncmp(*m, module, n) == 0 && ((*m)[n] == 0 || (*m)[n] == '.'))
                return 1;
    if (strict)
        return 0;
    return sx_in_list(module, other_modules) || strcmp(module, "airflow") == 0
           || strncmp(module, "airflow.", 8) == 0;
}

static int module_known(const char *module)
{
    return module_known_in(module, 0);
}

/* "did you mean" for a name module does not have: among its names (the
 * reference environment's), bizc's operators and known names. */
static const char *suggest_name(biz_sema *S, const char *module, const char *name)
{
    (void)S;
    const char *cands[1024];
    int n = 0, nn = 0;
    const char *const *names = biz_py_module_names(module, &nn);
    for (int i = 0; i < nn && n < 900; i++)
        if (names[i][0] != '_')
            cands[n++] = names[i];
    for (const known_name *k = known_names; k->module && n < 1000; k++)
        if (strcmp(k->module, module) == 0)
            cands[n++] = k->name;
    if (strncmp(module, "coworks", 7) == 0 || strncmp(module, "airflow", 7) == 0)
        for (int i = 0; i < BIZ_OP__COUNT && n < 1020; i++)
            if (biz_py_has_name(module, biz_ops[i].name) != 0)
                cands[n++] = biz_ops[i].name;
    return biz_suggest(name, cands, n);
}

/* The value of `from module import name`, or of module.name when attr
 * (reports a name the module does not have, as Python's ImportError /
 * AttributeError would). */
static sx_val *resolve_import(biz_sema *S, const char *module, const char *name, biz_span span,
                              int attr)
{
    if (biz_py_has_name(module, name) == 0) {
        const char *sug = suggest_name(S, module, name);
        if (attr)
            biz_error(S->d, span, sug ? sx_fmt(S, "did you mean '%s'?", sug) : NULL,
                      "module '%s' has no attribute '%s'", module, name);
        else
            biz_error(S->d, span, sug ? sx_fmt(S, "did you mean '%s'?", sug) : NULL,
                      "cannot import name '%s' from '%s'", name, module);
        return sx_err_val(S, span);
    }
    for (const known_name *k = known_names; k->module; k++)
        if (strcmp(k->module, module) == 0 && strcmp(k->name, name) == 0)
            return builtin(S, k->fn, NULL, module, name, span);
    const biz_op_spec *op = biz_ops_find(name);
    if (op && (op_in_module(op, module) || strncmp(module, "coworks", 7) == 0
               || strncmp(module, "airflow", 7) == 0))
        return builtin(S, FN_OPERATOR, op, module, name, span);
    char path[512];
    snprintf(path, sizeof path, "%s.%s", module, name);
    if (module_known_in(path, 1) || biz_py_module_status(path) == BIZ_PY_EXISTS) {
        sx_val *m = sx_new(S, BV_MODULE, span);
        m->u.module = sx_strdup(S, path);
        return m;
    }
    sx_val *v = sx_new(S, BV_OPAQUE, span);
    v->u.fn.name = sx_strdup(S, name);
    v->u.fn.path = sx_strdup(S, path);
    return v;
}

sx_val *sx_resolve_member(biz_sema *S, sx_val *obj, const char *name, biz_span span)
{
    if (obj->kind == BV_MODULE)
        return resolve_import(S, obj->u.module, name, span, 1);
    if (obj->kind == BV_BUILTIN) {
        if (obj->u.fn.fn == FN_TASK_DECORATOR) {
            sx_val *v = builtin(S, FN_TASK_DECORATOR, NULL, "airflow.decorators.task", name, span);
            v->u.fn.name = sx_fmt(S, "task.%s", name);
            return v;
        }
        if (obj->u.fn.fn == FN_TIMEZONE && strcmp(name, "utc") == 0)
            return sx_new(S, BV_NONE, span);
        if (obj->u.fn.fn == FN_OPERATOR && (!strcmp(name, "partial") || !strcmp(name, "expand") ||
                                            !strcmp(name, "expand_kwargs"))) {
            /* Op.partial(...) alone (or kept in a name) makes no task. */
            biz_error(S->d, span, sx_fmt(S, "write %s.partial(task_id='...', ...).expand(arg=[...]) in one "
                                            "expression", obj->u.fn.name),
                      !strcmp(name, "partial")
                          ? "%s.partial(...) makes no task until .expand(...) or .expand_kwargs(...) is called "
                            "on it, in the same expression"
                          : "%s has no attribute '%s': call it on %s.partial(...)",
                      obj->u.fn.name, name, obj->u.fn.name);
            return sx_err_val(S, span);
        }
        const char *path = obj->u.fn.path;
        const char *dot = strrchr(path, '.');
        char module[256];
        snprintf(module, sizeof module, "%.*s", (int)(dot ? dot - path : 0), path);
        for (const known_name *k = known_names; k->module; k++)
            if (strcmp(k->module, path) == 0 && strcmp(k->name, name) == 0) {
                sx_val *v = builtin(S, k->fn, NULL, path, name, span);
                v->u.fn.name = sx_fmt(S, "%s.%s", obj->u.fn.name, name);
                return v;
            }
        biz_error(S->d, span, NULL, "'%s.%s' cannot be used in a compiled DAG", obj->u.fn.name, name);
        return sx_err_val(S, span);
    }
    /* BV_OPAQUE: keep the path for the message when it is used. */
    sx_val *v = sx_new(S, BV_OPAQUE, span);
    v->u.fn.name = sx_fmt(S, "%s.%s", obj->u.fn.name, name);
    v->u.fn.path = sx_fmt(S, "%s.%s", obj->u.fn.path, name);
    return v;
}

/* Every name bound in sc and its parents, for "did you mean". */
static int scope_names(sx_scope *sc, const char **out, int max)
{
    int n = 0;
    for (; sc; sc = sc->parent)
        for (sx_binding *b = sc->head; b && n < max; b = b->next)
            out[n++] = b->name;
    return n;
}

static const char *supported_ops(biz_sema *S)
{
    char *s = sx_strdup(S, "supported operators: ");
    for (int i = 0; i < BIZ_OP__COUNT; i++)
        s = sx_fmt(S, "%s%s%s", s, i ? ", " : "", biz_ops[i].name);
    return s;
}

sx_val *sx_undefined(biz_sema *S, sx_scope *sc, const char *name, biz_span span, int calling)
{
    /* Well-known names used without an import (the seed's own examples do
     * this): Python fails with a NameError, so it is an error; the rest of
     * the file is checked as if the import were there. */
    const biz_op_spec *op = biz_ops_find(name);
    if (!strcmp(name, "timedelta") || !strcmp(name, "datetime") || op) {
        const char *module = op ? op->modules[0] : "datetime";
        sx_val *v = op ? builtin(S, FN_OPERATOR, op, module, name, span)
                       : builtin(S, !strcmp(name, "datetime") ? FN_DATETIME : FN_TIMEDELTA, NULL,
                                 module, name, span);
        biz_error(S->d, span, sx_fmt(S, "add `from %s import %s`", module, name),
                  "name '%s' is not defined", name);
        sx_bind(S, &S->module, name, v);
        return v;
    }
    for (const known_name *k = known_names; k->module; k++)
        if (k->fn == FN_PYTHON_OP && strcmp(k->name, name) == 0)
            return builtin(S, FN_PYTHON_OP, NULL, k->module, name, span); /* rejected when called */
    if (sx_once(S, sx_fmt(S, "undefined:%s", name)) || S->syntax_errors)
        return sx_err_val(S, span);   /* once; and not after a syntax error */
    for (const known_name *k = import_hints; k->module; k++)
        if (strcmp(k->name, name) == 0) {
            biz_error(S->d, span, sx_fmt(S, "add `from %s import %s`", k->module, name),
                      "name '%s' is not defined", name);
            return sx_err_val(S, span);
        }
    if (!strcmp(name, "pendulum")) {
        biz_error(S->d, span, "add `import pendulum`", "name 'pendulum' is not defined");
        return sx_err_val(S, span);
    }
    /* Python's builtins exist in Python: "not defined" would mislead. */
    /* Every function of Python 3.11's builtins module: those bizc
     * evaluates never get here. */
    static const char *const builtins[] = {
        "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray",
        "bytes", "callable", "chr", "classmethod", "compile", "complex", "delattr", "dict", "dir",
        "divmod", "enumerate", "eval", "exec", "filter", "float", "format", "frozenset", "getattr",
        "globals", "hasattr", "hash", "help", "hex", "id", "input", "int", "isinstance", "issubclass",
        "iter", "len", "list", "locals", "map", "max", "memoryview", "min", "next", "object", "oct",
        "open", "ord", "pow", "print", "property", "range", "repr", "reversed", "round", "set",
        "setattr", "slice", "sorted", "staticmethod", "str", "sum", "super", "tuple", "type", "vars",
        "zip", NULL,
    };
    for (const char *const *b = builtins; *b; b++)
        if (!strcmp(name, *b)) {
            biz_error(S->d, span,
                      !strcmp(name, "print") ? "remove it; a task can log with BashOperator(bash_command='echo ...')"
                                             : "write the value out as a constant",
                      "Python builtin '%s' cannot be compiled: a compiled DAG cannot run Python code", name);
            return sx_err_val(S, span);
        }
    const char *cands[512];
    int n = scope_names(sc, cands, 400);
    if (calling && !(name[0] >= 'a' && name[0] <= 'z')) {
        int m = 0;
        const char *ops[64];
        for (int i = 0; i < BIZ_OP__COUNT; i++) {
            ops[m++] = biz_ops[i].name;
            for (const char *const *a = biz_ops[i].aliases; a && *a; a++)
                ops[m++] = *a;
        }
        const char *sug = biz_suggest(name, ops, m);
        biz_error(S->d, span, sug ? sx_fmt(S, "did you mean '%s'?", sug) : supported_ops(S),
                  "unknown operator '%s'", name);
        return sx_err_val(S, span);
    }
    const char *sug = biz_suggest(name, cands, n);
    biz_error(S->d, span, sug ? sx_fmt(S, "did you mean '%s'?", sug) : NULL,
              "name '%s' is not defined", name);
    return sx_err_val(S, span);
}

/* ------------------------------------------------------------- calls */

static void python_op_error(biz_sema *S, const biz_expr *e, const char *name)
{
    const char *hint = "call a TechMicroService with TechMicroServiceOperator, or run a command with BashOperator";
    if (strstr(name, "Branch") || strstr(name, "ShortCircuit"))
        hint = "to branch on a service's answer, use BranchTechMicroServiceOperator";
    else if (strstr(name, "Sensor"))
        hint = "to wait until a service answers, use TechMicroServiceSensor";
    biz_error(S->d, sx_call_name_span(e), hint, "%s runs Python code, which a compiled DAG cannot run",
              name);
}

static sx_val *classic_dag(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *fn);

/* The index of parameter name of dag's function, or -1. */
static int fparam_index(const sx_dag *dag, const char *name)
{
    for (int i = 0; dag->fparams && i < dag->fparams->len; i++) {
        const biz_param *p = dag->fparams->items[i];
        if (p && p->name && !p->star && !strcmp(p->name, name))
            return i;
    }
    return -1;
}

/* my_dag(...) at module level: the arguments bind to the function's
 * parameters as Python binds them (Airflow's @dag calls
 * signature(f).bind(...): a missing, unknown or extra argument is a
 * TypeError), and a value given becomes that DAG param's default. */
static void dag_call_args(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_dag *dag)
{
    int n = dag->fparams ? dag->fparams->len : 0;
    char given[256] = { 0 };
    for (int i = 0; i < e->u.call.args.len; i++) {
        const biz_expr *a = e->u.call.args.items[i];
        if (!a)
            continue;
        if (i >= n || i >= 256 || !dag->fparams->items[i] || ((const biz_param *)dag->fparams->items[i])->star) {
            biz_error(S->d, a->span, n ? NULL : sx_fmt(S, "write %s()", dag->func_name),
                      "%s() takes %d positional argument%s but more were given (TypeError in Python)",
                      dag->func_name, n, n == 1 ? "" : "s");
            return;
        }
        given[i] = 1;
        const biz_param *p = dag->fparams->items[i];
        sx_val *v = sx_eval(S, sc, a);
        if (v->kind != BV_ERROR && sx_json_ok(S, &(biz_arg_spec){ .name = p->name, .type = BIZ_T_ANY }, v,
                                              a->span, "a constant"))
            sx_dict_put(S, dag->params, sx_new_str(S, p->name, strlen(p->name), p->span), v);
    }
    for (int i = 0; i < e->u.call.keywords.len; i++) {
        const biz_keyword *k = e->u.call.keywords.items[i];
        if (!k || !k->value)
            continue;
        int j = k->name ? fparam_index(dag, k->name) : -1;
        if (!k->name || j < 0) {
            biz_error(S->d, k->name ? k->name_span : k->span, NULL,
                      k->name ? "%s() got an unexpected keyword argument '%s' (TypeError in Python)"
                              : "%s() cannot take '**' here%s",
                      dag->func_name, k->name ? k->name : "");
            continue;
        }
        if (j < 256 && given[j]) {
            biz_error(S->d, k->name_span, NULL, "%s() got multiple values for argument '%s'", dag->func_name,
                      k->name);
            continue;
        }
        if (j < 256)
            given[j] = 1;
        sx_val *v = sx_eval(S, sc, k->value);
        if (v->kind != BV_ERROR && sx_json_ok(S, &(biz_arg_spec){ .name = k->name, .type = BIZ_T_ANY }, v,
                                              k->value->span, "a constant"))
            sx_dict_put(S, dag->params, sx_new_str(S, k->name, strlen(k->name), k->span), v);
    }
    for (int i = 0; i < n && i < 256; i++) {
        const biz_param *p = dag->fparams->items[i];
        if (p && p->name && !p->star && !p->default_value && !given[i]) {
            biz_error(S->d, sx_call_name_span(e),
                      sx_fmt(S, "give the parameter a default in `def %s(%s=...)`, or call %s(%s=...)",
                             dag->func_name, p->name, dag->func_name, p->name),
                      "%s() is missing its argument '%s': Airflow binds the call to the function's "
                      "parameters (\"missing a required argument: '%s'\")", dag->func_name, p->name, p->name);
        }
    }
}

static void body(biz_sema *S, sx_scope *sc, const biz_vec *stmts, int in_dag);

/* A plain function's call, run at compile time as Python would run it: a
 * DAG factory (`def make_dag(region): with DAG(...) as dag: ...; return
 * dag`) or a helper that makes tasks or computes a constant. Its body sees
 * the names of the scope it was defined in; inside a DAG, what it makes
 * goes to that DAG (and TaskGroup). */
static sx_val *call_pyfunc(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *fn)
{
    const biz_stmt *def = fn->u.tgf.def;
    /* As CPython's default recursion limit, well below C's stack. */
    if (S->call_depth >= 100) {
        biz_error(S->d, e->span, NULL, "maximum recursion depth exceeded while calling '%s' at compile time",
                  def->u.def.name ? def->u.def.name : "?");
        return sx_new(S, BV_ERROR, e->span);
    }
    sx_val *ret = NULL;
    sx_scope fs = { .parent = fn->u.tgf.scope, .dag = sx_scope_dag(sc), .tgroup = sx_scope_tgroup(sc),
                    .ret = &ret };
    sx_bind_call_args(S, &fs, sc, e, def, fn->u.tgf.scope, "a function");
    S->call_depth++;
    body(S, &fs, &def->u.def.body, fs.dag != NULL);
    S->call_depth--;
    return ret ? ret : sx_new(S, BV_NONE, e->span);
}

/* What to write instead of an Airflow feature a compiled DAG cannot have,
 * for the ones users reach for most; NULL for the others. */
static const char *unsupported_advice(const char *name)
{
    static const struct { const char *name, *advice; } table[] = {
        { "Variable.get", "write '{{ var.value.NAME }}' in a templated argument: the executable reads "
                          "AIRFLOW_VAR_NAME from its environment when it runs" },
        { "Variable.set", "pass values between tasks with XComs ('{{ ti.xcom_pull(task_ids=...) }}')" },
        { "Dataset", "give the DAG a cron schedule, or schedule=None and start its executable after the "
                     "producer's (cron, or a BashOperator at the producer's end)" },
        { "TriggerDagRunOperator", "run the other DAG's executable from a BashOperator: "
                                   "bash_command='/path/to/other_dag --conf ...'" },
        { "ExternalTaskSensor", "order the two executables in one cron line (first && second), or wait on "
                                "a service with TechMicroServiceSensor" },
        { "HttpOperator", "call HTTP services with TechMicroServiceOperator (cws_name=... through the "
                          "CoWorks directory, or api_id=... through the API gateway)" },
        { "HttpSensor", "poll HTTP services with TechMicroServiceSensor" },
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (!strcmp(name, table[i].name))
            return table[i].advice;
    return NULL;
}

sx_val *sx_call(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *fn)
{
    biz_span at = sx_call_name_span(e);
    switch (fn->kind) {
    case BV_BUILTIN: {
        const char *name = fn->u.fn.name;
        switch (fn->u.fn.fn) {
        case FN_OPERATOR:
            return sx_op_call(S, sc, e, fn->u.fn.op);
        case FN_PYTHON_OP:
            python_op_error(S, e, name);
            return sx_new(S, BV_REJECTED, e->span);
        case FN_CHAIN: case FN_CROSS_DOWNSTREAM:
            return sx_do_chain(S, sc, e, fn->u.fn.fn == FN_CROSS_DOWNSTREAM);
        case FN_DAG_CLASS:
            if (e == S->dag_call_ok && !sx_scope_dag(sc))
                return classic_dag(S, sc, e, fn);
            if (sx_scope_dag(sc)) {
                biz_error(S->d, at, NULL, "a DAG cannot be defined inside another DAG");
                return sx_new(S, BV_ERROR, e->span);
            }
            biz_error(S->d, at, sx_fmt(S, "write `dag = %s('my_dag', ...)` at module level, or "
                                          "`with %s('my_dag', ...) as dag:`", name, name),
                      "a DAG must be assigned to a name or used in `with %s(...) as dag:`", name);
            S->dag_call_rejected = 1;
            return sx_new(S, BV_ERROR, e->span);
        case FN_DAG_DECORATOR:
            biz_error(S->d, at, sx_fmt(S, "write @%s(...) above `def my_dag():`", name),
                      "%s must decorate a function", name);
            return sx_new(S, BV_ERROR, e->span);
        case FN_TASK_DECORATOR:
            biz_error(S->d, at, "call a TechMicroService with TechMicroServiceOperator, or run a command with BashOperator",
                      "@%s functions run Python code, which a compiled DAG cannot run", name);
            return sx_new(S, BV_REJECTED, e->span);
        case FN_TASK_GROUP_DECORATOR: case FN_TASK_GROUP:
            biz_error(S->d, at, "prefix the task ids instead, e.g. task_id='group.step'",
                      "%s is not supported yet", name);
            return sx_new(S, BV_REJECTED, e->span);
        case FN_LABEL: {
            /* Label('text'): only Airflow's UI shows it; the edges it
             * stands between are made as without it. */
            const biz_expr *a = e->u.call.args.len == 1 && !e->u.call.keywords.len
                                ? e->u.call.args.items[0] : NULL;
            const biz_keyword *k = !e->u.call.args.len && e->u.call.keywords.len == 1
                                   ? e->u.call.keywords.items[0] : NULL;
            if (k && k->name && !strcmp(k->name, "label"))
                a = k->value;
            sx_val *t = a ? sx_eval(S, sc, a) : NULL;
            if (!t || (t->kind != BV_STR && t->kind != BV_ERROR)) {
                biz_error(S->d, at, "write Label('text')", "%s takes one string, its label", name);
                return sx_new(S, BV_ERROR, e->span);
            }
            sx_val *v = sx_new(S, BV_LABEL, e->span);
            v->u.label.text = t->kind == BV_STR ? t->u.str.s : "";
            return v;
        }
        case FN_TRIGGER_RULE:
            biz_error(S->d, at, "write TriggerRule.ALL_DONE or 'all_done'", "TriggerRule is not callable");
            return sx_new(S, BV_ERROR, e->span);
        default:
            biz_error(S->d, at, NULL, "'%s' cannot be compiled: a compiled DAG cannot run Python code",
                      name);
            return sx_new(S, BV_REJECTED, e->span);
        }
    }
    case BV_TGFUNC:
        return sx_call_tgfunc(S, sc, e, fn, body);
    case BV_PYFUNC:
        return call_pyfunc(S, sc, e, fn);
    case BV_DAGFUNC:
        if (sx_scope_dag(sc)) {
            biz_error(S->d, at, NULL, "a DAG cannot be instantiated inside another DAG");
            return sx_new(S, BV_ERROR, e->span);
        }
        fn->u.dag->instantiated = 1;
        dag_call_args(S, sc, e, fn->u.dag);
        {
            sx_val *v = sx_new(S, BV_DAG, e->span);
            v->u.dag = fn->u.dag;
            return v;
        }
    case BV_OPAQUE: {
        const char *name = fn->u.fn.name;
        size_t n = strlen(name);
        const char *advice = unsupported_advice(name);
        if ((n > 8 && !strcmp(name + n - 8, "Operator")) || (n > 6 && !strcmp(name + n - 6, "Sensor")))
            biz_error(S->d, at, advice ? advice : supported_ops(S), "operator '%s' is not supported by bizc", name);
        else if (advice)
            biz_error(S->d, at, advice, "'%s' cannot be compiled: %s", name,
                      !strncmp(name, "Variable", 8) ? "a compiled DAG has no Airflow metadata database"
                                                    : "a compiled DAG has no Airflow scheduler");
        else
            biz_error(S->d, at, NULL, "'%s' cannot be compiled: bizc does not know what it does", name);
        return sx_new(S, BV_REJECTED, e->span);
    }
    default:
        biz_error(S->d, at, NULL, "%s is not callable", sx_kind_name(fn));
        return sx_new(S, BV_ERROR, e->span);
    }
}

/* ------------------------------------------------------------ schedule */

/* Checks a schedule string with the runtime's own parser (runtime/calendar/schedule.c),
 * so that what bizc accepts is exactly what the executable can run. Returns
 * NULL when valid, else the message; *off gets the byte offset of the
 * problem inside the string (-1 for the whole string). */
static const char *schedule_problem(const char *s, char *buf, size_t len, int *off)
{
    biz_schedule sched;
    biz_cron_error cerr;
    *off = -1;
    if (s[0] != '@' && strcmp(s, "None") != 0 && s[0] != '\0'
        && biz_cron_parse(s, &(biz_cron){0}, &cerr) < 0) {
        /* The caret shows the column: drop the "(column N)" the parser adds. */
        char *col = strstr(cerr.message, " (column ");
        if (col)
            *col = '\0';
        *off = cerr.offset;
        snprintf(buf, len, "invalid schedule '%s': %s", s, cerr.message);
        return buf;
    }
    if (biz_schedule_parse(s, &sched, buf, len) < 0)
        return buf;
    return NULL;
}

static int schedule_ok(biz_sema *S, sx_val *v, biz_span span, const char *name)
{
    if (v->kind == BV_ERROR)
        return 0;
    if (v->kind == BV_NONE || v->kind == BV_DURATION)
        return 1;
    if (v->kind == BV_LIST || v->kind == BV_TUPLE)   /* [Dataset(...)]: said where the Dataset is */
        for (int i = 0; i < v->u.seq.n; i++)
            if (v->u.seq.items[i]->kind == BV_REJECTED || v->u.seq.items[i]->kind == BV_ERROR)
                return 0;
    if (v->kind == BV_STR) {
        char msg[300];
        int off;
        if (!schedule_problem(v->u.str.s, msg, sizeof msg, &off))
            return 1;
        if (off >= 0)
            span = biz_span_at(sx_str_pos(S, v, off));
        static const char *const presets[] = { "@once", "@hourly", "@daily", "@weekly", "@monthly",
                                               "@quarterly", "@yearly", "@annually" };
        const char *sug = v->u.str.s[0] == '@' ? biz_suggest(v->u.str.s, presets, 8) : NULL;
        biz_error(S->d, span, sug ? sx_fmt(S, "did you mean '%s'?", sug)
                                  : "use a preset (@hourly, @daily, @weekly, @monthly, @quarterly, @yearly, @once), "
                                    "a cron expression such as '0 6 * * *', a timedelta, or None",
                  "%s", msg);
        return 0;
    }
    biz_error(S->d, span, NULL,
              "argument '%s' expects None, a cron expression, a preset such as '@daily', or a timedelta, got %s",
              name, sx_kind_name(v));
    return 0;
}

/* ------------------------------------------------------------ DAG args */

static sx_dag *new_dag(biz_sema *S, const char *id, biz_span span)
{
    sx_dag *dag = sx_alloc(S, sizeof *dag);
    dag->id = sx_strdup(S, id);
    dag->span = span;
    dag->params = sx_new(S, BV_DICT, span);
    SX_PUSH(S, S->dags, S->ndags, S->cap_dags, dag);
    return dag;
}

static sx_dag_arg *dag_arg(sx_dag *dag, const char *name)
{
    for (int i = 0; i < dag->nargs; i++)
        if (!strcmp(dag->args[i].name, name))
            return &dag->args[i];
    return NULL;
}

void sx_check_default_args(biz_sema *S, sx_dag *dag, sx_val *da)
{
    const char *names[512];
    int n = 0;
    for (int i = 0; i < BIZ_OP__COUNT; i++)
        for (const biz_arg_spec *const *set = biz_ops[i].argsets; *set; set++)
            for (const biz_arg_spec *a = *set; a->name && n < 512; a++)
                if (!sx_in_list(a->name, (const char *const[]){ "group_id", NULL }))
                    names[n++] = a->name;
    S->npend_refs = 0;
    sx_val *email = NULL;
    for (int i = 0; i < da->u.dict.n; i++) {
        sx_val *k = da->u.dict.keys[i], *v = da->u.dict.vals[i];
        if (k->kind != BV_STR)
            continue;
        const biz_arg_spec *spec = NULL;
        for (int j = 0; j < BIZ_OP__COUNT && !spec; j++)
            spec = sx_op_arg(&biz_ops[j], k->u.str.s);
        if (!spec) {
            const char *sug = biz_suggest(k->u.str.s, names, n);
            biz_warning(S->d, k->span, sug ? sx_fmt(S, "did you mean '%s'?", sug) : NULL,
                        "unknown default_args key '%s'", k->u.str.s);
            continue;
        }
        if (spec->type == BIZ_T_CALLABLE && v->kind == BV_NONE)
            continue;   /* None: no callable, Airflow's default */
        if (spec->type == BIZ_T_CALLABLE) {
            biz_error(S->d, k->span, sx_callable_hint(S, spec),
                      "argument '%s' takes a Python callable, which a compiled DAG cannot run",
                      spec->name);
            continue;
        }
        if (spec->flags & BIZ_A_NOT_DEFAULT) {
            biz_warning(S->d, k->span, NULL, "'%s' is never taken from default_args", spec->name);
            continue;
        }
        if (!sx_type_ok(S, spec, v, v->span))
            continue;
        if (spec->flags & BIZ_A_TEMPLATED)
            sx_check_templates(S, v, spec->name);
        if (!strcmp(spec->name, "email"))
            email = v;
    }
    sx_val *eof = sx_dict_get(da, "email_on_failure");
    if (eof && eof->kind == BV_BOOL && eof->u.b && (!email || email->kind == BV_NONE))
        biz_warning(S->d, eof->span, "add 'email': 'you@example.com'",
                    "email_on_failure=True has no effect without 'email'");
    for (int i = 0; i < S->npend_refs; i++)
        SX_PUSH(S, dag->refs, dag->nrefs, dag->cap_refs, S->pend_refs[i]);
    S->npend_refs = 0;
}

/* The checks Airflow's DAG() makes on these values; reports, returns 0. */
static int dag_value_ok(biz_sema *S, const biz_keyword *k, const sx_val *v)
{
    biz_span at = k->value->span;
    if (!strcmp(k->name, "default_view") && v->kind == BV_STR) {
        static const char *const views[] = { "grid", "graph", "duration", "gantt", "landing_times", "tree", NULL };
        if (!sx_in_list(v->u.str.s, views)) {
            const char *sug = biz_suggest(v->u.str.s, views, 6);
            biz_error(S->d, at, sug ? sx_fmt(S, "did you mean '%s'?", sug)
                                    : "use 'grid', 'graph', 'duration', 'gantt' or 'landing_times'",
                      "invalid default_view '%s' (Airflow refuses it)", v->u.str.s);
            return 0;
        }
    }
    if (!strcmp(k->name, "orientation") && v->kind == BV_STR) {
        static const char *const ors[] = { "LR", "TB", "RL", "BT", NULL };
        if (!sx_in_list(v->u.str.s, ors)) {
            biz_error(S->d, at, "use 'LR', 'TB', 'RL' or 'BT'", "invalid orientation '%s' (Airflow refuses it)",
                      v->u.str.s);
            return 0;
        }
    }
    if (!strcmp(k->name, "max_consecutive_failed_dag_runs") && v->kind == BV_INT && v->u.i < 0) {
        biz_error(S->d, at, NULL, "max_consecutive_failed_dag_runs must not be negative (Airflow refuses it)");
        return 0;
    }
    if (!strcmp(k->name, "fail_stop") && v->kind == BV_BOOL && v->u.b) {
        biz_error(S->d, k->name_span, "remove it; trigger rules decide what runs after a failure",
                  "argument 'fail_stop' is not supported by bizc: stopping the whole run at the first "
                  "failure is not implemented");
        return 0;
    }
    if (!strcmp(k->name, "tags") && (v->kind == BV_LIST || v->kind == BV_TUPLE)) {
        for (int i = 0; i < v->u.seq.n; i++)
            if (v->u.seq.items[i]->kind == BV_STR && v->u.seq.items[i]->u.str.len > 100) {
                biz_error(S->d, v->u.seq.items[i]->span, NULL,
                          "tag is longer than 100 characters (Airflow refuses it)");
                return 0;
            }
    }
    if (!strcmp(k->name, "owner_links") && v->kind == BV_DICT) {
        for (int i = 0; i < v->u.dict.n; i++) {
            const sx_val *l = v->u.dict.vals[i];
            if (l->kind != BV_STR)
                continue;
            const char *u = l->u.str.s, *colon = strchr(u, ':');
            int good = 0;
            if (colon && !strncmp(u, "mailto:", 7))
                good = u[7] != 0;
            else if (colon && colon > u && colon[1] == '/' && colon[2] == '/' && colon[3] && colon[3] != '/')
                good = 1;
            if (!good) {
                biz_error(S->d, l->span, "write a URL (https://...) or a mailto: link",
                          "invalid owner link '%s' (Airflow: \"Wrong link format was used for the owner\")", u);
                return 0;
            }
        }
    }
    return 1;
}

/* Binds the arguments of @biz(...) / DAG(...) into dag. */
static void dag_set_args(biz_sema *S, sx_scope *sc, sx_dag *dag, const biz_expr *call,
                         const char *what)
{
    const char *names[64];
    int nnames = 0;
    for (const biz_arg_spec *a = biz_dag_args; a->name && nnames < 64; a++)
        names[nnames++] = a->name;
    for (int i = 0; i < call->u.call.args.len; i++) {
        const biz_expr *a = call->u.call.args.items[i];
        if (!a)
            continue;
        if (i > 0) {
            biz_error(S->d, a->span, "write name=value", "%s takes only dag_id as a positional argument",
                      what);
            continue;
        }
        sx_val *v = sx_eval(S, sc, a);
        if (sx_type_ok(S, biz_dag_arg_id(BIZ_ARG_dag_id), v, a->span)) {
            sx_dag_arg da = { "dag_id", v, a->span };
            SX_PUSH(S, dag->args, dag->nargs, dag->cap_args, da);
        }
    }
    for (int i = 0; i < call->u.call.keywords.len; i++) {
        const biz_keyword *k = call->u.call.keywords.items[i];
        if (!k || !k->value)
            continue;
        if (!k->name) {
            biz_error(S->d, k->span, "write the DAG's arguments out", "'**' is not supported in %s", what);
            continue;
        }
        const biz_arg_spec *spec = NULL;
        for (const biz_arg_spec *a = biz_dag_args; a->name; a++)
            if (!strcmp(a->name, k->name))
                spec = a;
        if (!spec) {
            const char *sug = biz_suggest(k->name, names, nnames);
            biz_error(S->d, k->name_span, sug ? sx_fmt(S, "did you mean '%s'?", sug) : NULL,
                      "unknown argument '%s' for %s", k->name, what);
            continue;
        }
        sx_dag_arg *prev = dag_arg(dag, k->name);
        if (prev) {
            biz_error(S->d, k->name_span, NULL, "argument '%s' given twice", k->name);
            biz_note(S->d, prev->span, "first given here");
            continue;
        }
        if (spec->type == BIZ_T_CALLABLE && k->value && k->value->kind == BIZ_E_NONE)
            continue;   /* None: no callable, Airflow's default */
        if (spec->type == BIZ_T_CALLABLE) {
            biz_error(S->d, k->name_span,
                      !strcmp(k->name, "on_failure_callback")
                          ? "use 'email' and 'email_on_failure' in default_args instead"
                          : "remove it; a compiled DAG runs no Python code",
                      "argument '%s' takes a Python callable, which a compiled DAG cannot run", k->name);
            continue;
        }
        if (spec->flags & BIZ_A_UNSUPPORTED) {
            biz_error(S->d, k->name_span, !strcmp(k->name, "timetable") ? "use schedule=... instead" : NULL,
                      "argument '%s' of %s is not supported by bizc", k->name, what);
            continue;
        }
        sx_val *v = sx_eval(S, sc, k->value);
        if ((spec->flags & BIZ_A_IGNORED) && !(!strcmp(k->name, "fail_stop") && v->kind == BV_BOOL && v->u.b))
            biz_warning(S->d, k->name_span, NULL, "ignored: argument '%s' of %s has no effect in a compiled DAG",
                        k->name, what);
        /* An ignored argument of any type is only evaluated. */
        int ok = spec->type == BIZ_T_SCHEDULE ? schedule_ok(S, v, k->value->span, k->name)
               : !(spec->flags & BIZ_A_IGNORED) || spec->type != BIZ_T_ANY
                   ? sx_type_ok(S, spec, v, k->value->span)
               : v->kind != BV_ERROR;
        if (ok)
            ok = dag_value_ok(S, k, v);
        if (ok && !strcmp(k->name, "tags") && v->kind == BV_TUPLE) {
            biz_error(S->d, k->value->span, "write a list: tags=[...]",
                      "argument 'tags' expects a list, got a tuple (Airflow refuses it)");
            ok = 0;
        } else if (ok && !strcmp(k->name, "tags") && !sx_all_strs(v)) {
            biz_error(S->d, k->value->span, NULL, "argument 'tags' expects a list of strings");
            ok = 0;
        }
        if (!ok)
            v = sx_new(S, BV_ERROR, k->value->span);
        sx_dag_arg da = { spec->name, v, k->name_span };
        SX_PUSH(S, dag->args, dag->nargs, dag->cap_args, da);
        if (ok && !strcmp(k->name, "default_args")) {
            dag->default_args = v;
            sx_check_default_args(S, dag, v);
        }
    }
    sx_dag_arg *id = dag_arg(dag, "dag_id");
    if (id && id->val->kind == BV_STR && id->val->u.str.len)
        dag->id = id->val->u.str.s;
    sx_dag_arg *doc = dag_arg(dag, "doc_md");
    if (doc && doc->val->kind == BV_NONE && !strcmp(what, "@biz"))
        biz_error(S->d, doc->span, "remove doc_md=None",
                  "CoWorks' @biz appends its logo to doc_md (`doc_md += ...`), which fails on None");
}

/* A param's final value against its Param's schema, as Airflow checks it
 * when it loads the DAG: a scheduled DAG's params must validate
 * (validate_schedule_and_params), and so must a plain value given for a
 * key that holds a Param (ParamsDict.__setitem__ resolves it). Otherwise
 * an invalid default only fails the runs that do not override it. */
static void check_param(biz_sema *S, const char *key, const sx_val *final, const sx_pschema *ps, int scheduled)
{
    const char *why = sx_pschema_problem(S, final, ps);
    if (!why || (!scheduled && !ps->has_default && final->pschema == ps))
        return;   /* a required param: each run gives it */
    if (scheduled)
        biz_error(S->d, ps->span, "give it a valid default, or schedule=None to run the DAG by hand",
                  "param '%s' does not validate: %s (Airflow refuses a schedule while a param's "
                  "default does not validate)", key, why);
    else if (final->pschema != ps)
        biz_error(S->d, final->span, NULL, "Invalid input for param %s: %s (Airflow refuses the DAG)", key, why);
    else
        biz_warning(S->d, ps->span, "give it a valid default",
                    "param '%s' does not validate: %s; a run fails unless its --conf gives '%s'", key, why, key);
}

/* The default of the DAG's argument id (ops.def) as a number (a boolean:
 * 0 or 1; None: 0). */
static double dag_default(biz_arg_id id)
{
    const biz_arg_spec *a = biz_dag_arg_id(id);
    cJSON *v = a && a->default_json ? cJSON_Parse(a->default_json) : NULL;
    double d = cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsTrue(v);
    cJSON_Delete(v);
    return d;
}

/* The DAG's settings as bizrt.h describes them. */
static void build_settings(biz_sema *S, sx_dag *dag)
{
    cJSON *o = cJSON_CreateObject();
    sx_dag_arg *a;
    a = dag_arg(dag, "description");
    cJSON_AddItemToObject(o, "description", a && a->val->kind == BV_STR ? sx_to_json(a->val) : cJSON_CreateNull());
    sx_dag_arg *si = dag_arg(dag, "schedule_interval"), *sch = dag_arg(dag, "schedule");
    sx_dag_arg *s = si ? si : sch;   /* Airflow 2: schedule_interval, when given, wins */
    if (si && sch && si->val->kind != BV_ERROR && sch->val->kind != BV_ERROR) {
        biz_span later = sch->span.begin.off > si->span.begin.off ? sch->span : si->span;
        if (sx_truthy(si->val) && sx_truthy(sch->val))
            biz_error(S->d, later, "keep one of them: `schedule=` (schedule_interval is deprecated)",
                      "both 'schedule' and 'schedule_interval' are given; Airflow refuses more than one "
                      "(\"At most one allowed for args 'schedule_interval', 'timetable', and 'schedule'\")");
        else
            biz_warning(S->d, later, "keep one of them",
                        "both 'schedule' and 'schedule_interval' are given; Airflow uses schedule_interval=%s",
                        si->val->kind == BV_NONE ? "None" : "...");
    }
    cJSON *schedule = s ? (s->val->kind == BV_ERROR ? cJSON_CreateNull() : sx_to_json(s->val))
                        : cJSON_CreateNumber(86400); /* Airflow 2's default: one day */
    int scheduled = !cJSON_IsNull(schedule);
    cJSON_AddItemToObject(o, "schedule", schedule);
    a = dag_arg(dag, "start_date");
    sx_val *start = a && a->val->kind == BV_DATETIME ? a->val : NULL;
    if (!start) {
        sx_val *d = sx_dict_get(dag->default_args, "start_date");
        if (d && d->kind == BV_DATETIME)
            start = d;
    }
    if (!start && scheduled && !(a && a->val->kind == BV_ERROR) && !(s && s->val->kind == BV_ERROR)
        && !dag->bare) {
        if (s)
            biz_error(S->d, dag->span, "add start_date=datetime(2024, 1, 1), or schedule=None to run it only by hand",
                      "DAG '%s' has a schedule but no start_date", dag->id);
        else
            biz_error(S->d, dag->span, "add start_date=datetime(2024, 1, 1), or schedule=None to run it only by hand",
                      "DAG '%s' has no start_date, and without a schedule argument Airflow 2 schedules it daily",
                      dag->id);
    }
    cJSON_AddItemToObject(o, "start_date", start ? sx_to_json(start) : cJSON_CreateNull());
    /* Airflow evaluates the schedule in start_date's zone (codegen emits
     * its rules). */
    if (start && start->u.dt.tz)
        cJSON_AddStringToObject(o, "timezone", start->u.dt.tz);
    if (S->nzones > 0) {   /* and those its templates' in_timezone() name */
        cJSON *zl = cJSON_AddArrayToObject(o, "zones");
        for (int i = 0; zl && i < S->nzones; i++)
            cJSON_AddItemToArray(zl, cJSON_CreateString(S->zones[i]));
    }
    a = dag_arg(dag, "end_date");
    cJSON_AddItemToObject(o, "end_date", a && a->val->kind == BV_DATETIME ? sx_to_json(a->val) : cJSON_CreateNull());
    a = dag_arg(dag, "catchup");
    cJSON_AddBoolToObject(o, "catchup", a && a->val->kind == BV_BOOL ? a->val->u.b : dag_default(BIZ_ARG_catchup) != 0);
    a = dag_arg(dag, "max_active_tasks");
    if (!a)
        a = dag_arg(dag, "concurrency");
    cJSON_AddNumberToObject(o, "max_active_tasks", a && a->val->kind == BV_INT ? (double)a->val->u.i
                                                    : dag_default(BIZ_ARG_max_active_tasks));
    a = dag_arg(dag, "max_active_runs");
    cJSON_AddNumberToObject(o, "max_active_runs", a && a->val->kind == BV_INT ? (double)a->val->u.i
                                                   : dag_default(BIZ_ARG_max_active_runs));
    a = dag_arg(dag, "dagrun_timeout");
    cJSON_AddItemToObject(o, "dagrun_timeout",
                          a && a->val->kind != BV_ERROR && a->val->kind != BV_NONE ? sx_to_json(a->val) : cJSON_CreateNull());
    a = dag_arg(dag, "render_template_as_native_obj");
    cJSON_AddBoolToObject(o, "render_template_as_native_obj", a && a->val->kind == BV_BOOL ? a->val->u.b
                          : dag_default(BIZ_ARG_render_template_as_native_obj) != 0);
    /* As Airflow's DAG(): params=, updated with default_args['params'],
     * then with the def's parameters (dag->params); an update moves the
     * key to the end. So each key keeps its last value, where it came
     * last: the members are collected in order and only those kept are
     * added (deleting a key from the object on each update would search
     * it, which is quadratic in the number of params). */
    a = dag_arg(dag, "params");
    sx_val *dap = sx_dict_get(dag->default_args, "params");
    int nmax = 0;
    for (int k = 0; k < 2; k++) {
        sx_val *pv = k == 0 ? (a ? a->val : NULL) : dap;
        if (pv && pv->kind == BV_DICT)
            nmax += pv->u.dict.n;
    }
    nmax += dag->params->u.dict.n;
    const char **pkeys = sx_alloc(S, sizeof *pkeys * (size_t)(nmax + 1));
    cJSON **pvals = sx_alloc(S, sizeof *pvals * (size_t)(nmax + 1));
    const sx_val **pvx = sx_alloc(S, sizeof *pvx * (size_t)(nmax + 1));
    int *withp = sx_alloc(S, sizeof *withp * (size_t)(nmax + 1)), nwithp = 0;
    char *from_def = sx_alloc(S, (size_t)nmax + 1);
    char *keep = sx_alloc(S, (size_t)nmax + 1);
    int np = 0;
    for (int k = 0; k < 3; k++) {
        sx_val *pv = k == 0 ? (a ? a->val : NULL) : k == 1 ? dap : dag->params;
        if (!pv || pv->kind != BV_DICT)
            continue;
        for (int i = 0; i < pv->u.dict.n; i++) {
            if (pv->u.dict.keys[i]->kind != BV_STR)
                continue;
            pkeys[np] = pv->u.dict.keys[i]->u.str.s;
            pvx[np] = pv->u.dict.vals[i];
            from_def[np] = k == 2;
            if (pvx[np]->pschema)
                withp[nwithp++] = np;
            pvals[np++] = sx_to_json(pv->u.dict.vals[i]);
        }
    }
    sx_last_of_keys(pkeys, np, keep);
    /* A def parameter's plain default given for a key that holds a Param
     * keeps that Param's schema (@dag sets it through ParamsDict.__setitem__,
     * which validates it); default_args' params update a plain dict first,
     * so there a plain value replaces the Param, as a Param always does. */
    cJSON *params = cJSON_CreateObject(), *specs = cJSON_CreateObject();
    for (int i = 0; i < np; i++) {
        if (!keep[i]) {
            cJSON_Delete(pvals[i]);
            continue;
        }
        /* the latest Param given for the key (few are: the search is short) */
        const sx_pschema *ps = pvx[i]->pschema;
        for (int j = nwithp - 1; j >= 0 && !ps && from_def[i]; j--)
            if (withp[j] < i && !strcmp(pkeys[withp[j]], pkeys[i]))
                ps = pvx[withp[j]]->pschema;
        cJSON_AddItemToObject(params, pkeys[i], pvals[i]);
        if (ps && (ps->schema->u.dict.n || !ps->has_default || ps->description)) {
            cJSON *spec = cJSON_CreateObject();
            cJSON_AddItemToObject(spec, "schema", sx_to_json(ps->schema));
            cJSON_AddBoolToObject(spec, "has_default", ps->has_default || pvx[i]->pschema != ps);
            if (ps->description)
                cJSON_AddStringToObject(spec, "description", ps->description);
            cJSON_AddItemToObject(specs, pkeys[i], spec);
            check_param(S, pkeys[i], pvx[i], ps, scheduled);
        }
    }
    cJSON_AddItemToObject(o, "params", params);
    cJSON_AddItemToObject(o, "param_specs", specs);
    a = dag_arg(dag, "tags");
    cJSON_AddItemToObject(o, "tags", a && a->val->kind != BV_ERROR ? sx_to_json(a->val) : cJSON_CreateArray());
    a = dag_arg(dag, "doc_md");
    cJSON_AddItemToObject(o, "doc_md", a && a->val->kind == BV_STR ? sx_to_json(a->val)
                                       : dag->doc ? cJSON_CreateString(dag->doc) : cJSON_CreateNull());
    dag->settings = o;
}

/* ----------------------------------------------------------- statements */

static void body(biz_sema *S, sx_scope *sc, const biz_vec *stmts, int in_dag);

static const char *stmt_what(biz_stmt_kind k)
{
    switch (k) {
    case BIZ_S_IF: return "'if' statements are";
    case BIZ_S_FOR: return "'for' loops are";
    case BIZ_S_WHILE: return "'while' loops are";
    case BIZ_S_TRY: return "'try' statements are";
    case BIZ_S_CLASS: return "class definitions are";
    case BIZ_S_RAISE: return "'raise' statements are";
    case BIZ_S_ASSERT: return "'assert' statements are";
    case BIZ_S_DEL: return "'del' statements are";
    case BIZ_S_GLOBAL: return "'global' statements are";
    case BIZ_S_BREAK: return "'break' statements are";
    case BIZ_S_CONTINUE: return "'continue' statements are";
    case BIZ_S_RETURN: return "'return' statements are";
    default: return "such statements are";
    }
}

static sx_scope *function_scope(sx_scope *sc);

static void unsupported_stmt(biz_sema *S, sx_scope *sc, const biz_stmt *st, int in_dag)
{
    if (in_dag)
        biz_error(S->d, st->span, NULL,
                  "a DAG body may only create tasks and wire them; %s not supported yet",
                  stmt_what(st->kind));
    else if (function_scope(sc))
        biz_error(S->d, st->span, NULL,
                  "a function run at compile time may only compute constants and build DAGs; %s not supported yet",
                  stmt_what(st->kind));
    else
        biz_error(S->d, st->span, NULL,
                  "only imports, constants and DAGs can be compiled at module level; %s not supported yet",
                  stmt_what(st->kind));
}

/* The first n bytes of a span (a dotted name's prefix). */
static biz_span span_prefix(biz_span sp, size_t n)
{
    sp.end = sp.begin;
    sp.end.col += (int)n;
    sp.end.off += (int)n;
    return sp;
}

/* Reports module when Python cannot import it: the first package of its
 * path that does not exist, as Python's "No module named ..." names it.
 * span starts where the module is written. Returns 0 after reporting. */
static int check_module(biz_sema *S, const char *module, biz_span span)
{
    char buf[512];
    size_t n = strlen(module);
    if (n >= sizeof buf)
        return 1;
    for (size_t i = 1; i <= n; i++) {
        if (module[i] != '.' && module[i] != 0)
            continue;
        memcpy(buf, module, i);
        buf[i] = 0;
        biz_py_status st = biz_py_module_status(buf);
        if (st == BIZ_PY_UNKNOWN)
            return 1;
        if (st == BIZ_PY_EXISTS)
            continue;
        static const char *cands[2048];
        int k = biz_py_siblings(buf, cands, 2048);
        const char *sug = biz_suggest(buf, cands, k);
        const char *hint = sug ? sx_fmt(S, "did you mean '%s'?", sug)
                         : strchr(buf, '.') ? NULL
                         : sx_fmt(S, "bizc knows the modules of the reference environment (%s); "
                                     "a module of your own cannot be compiled into a DAG", biz_py.what);
        biz_error(S->d, span_prefix(span, i), hint, "no module named '%s'", buf);
        return 0;
    }
    return 1;
}

static void do_import(biz_sema *S, sx_scope *sc, const biz_stmt *st)
{
    if (st->kind == BIZ_S_IMPORT) {
        for (int i = 0; i < st->u.import.names.len; i++) {
            const biz_alias *a = st->u.import.names.items[i];
            if (!a || !a->name)
                continue;
            int ok = check_module(S, a->name, a->span);
            if (ok && !module_known(a->name))
                biz_warning(S->d, a->span, NULL, "unknown module '%s': bizc does not know what it provides",
                            a->name);
            sx_val *m = sx_new(S, ok ? BV_MODULE : BV_ERROR, a->span);
            if (a->asname) {
                m->u.module = sx_strdup(S, a->name);
                sx_bind(S, sc, a->asname, m);
            } else {
                const char *dot = strchr(a->name, '.');
                m->u.module = sx_strndup(S, a->name, dot ? (size_t)(dot - a->name) : strlen(a->name));
                sx_bind(S, sc, m->u.module, m);
            }
        }
        return;
    }
    const char *module = st->u.import.module;
    int ok = 1;
    if (!module || st->u.import.level > 0) {
        /* Airflow imports a DAG file as a top-level module. */
        biz_error(S->d, st->u.import.module_span, "import from the module's full name",
                  "relative imports fail in a DAG file: Airflow imports it as a top-level module "
                  "(\"attempted relative import with no known parent package\")");
        ok = 0;
        module = "";
    } else if (!(ok = check_module(S, module, st->u.import.module_span))) {
        ;
    } else if (!module_known(module)) {
        biz_warning(S->d, st->span, NULL, "unknown module '%s': bizc does not know what it provides", module);
    }
    for (int i = 0; i < st->u.import.names.len; i++) {
        const biz_alias *a = st->u.import.names.items[i];
        if (!a || !a->name)
            continue;
        if (!strcmp(a->name, "*")) {
            if (ok)
                biz_warning(S->d, a->span, "import the names you use", "ignored: `from %s import *`", module);
            continue;
        }
        sx_val *v = ok ? resolve_import(S, module, a->name, a->span, 0) : sx_err_val(S, a->span);
        sx_bind(S, sc, a->asname ? a->asname : a->name, v);
        /* A misspelt name: the rest of the file likely uses the right one
         * (Python stops here): check it as if that one were imported. */
        const char *sug;
        if (ok && v->kind == BV_ERROR && !a->asname && biz_py_has_name(module, a->name) == 0
            && (sug = suggest_name(S, module, a->name)) && !sx_lookup(sc, sug)
            && biz_py_has_name(module, sug) != 0)
            sx_bind(S, sc, sug, resolve_import(S, module, sug, a->span, 0));
    }
}

/* D[k] = v and L[i] = v on a constant dict or list, in place as in
 * Python (every name for it sees the change). A dict keeps its keys in
 * the order first given: the new pair is appended, and lookups and loops
 * take a repeated key's first place and last value. */
/* `globals()` itself, not a name the file binds. */
static int is_globals_call(sx_scope *sc, const biz_expr *e)
{
    return e && e->kind == BIZ_E_CALL && e->u.call.func && e->u.call.func->kind == BIZ_E_NAME
           && !strcmp(e->u.call.func->u.name.id, "globals") && e->u.call.args.len == 0
           && e->u.call.keywords.len == 0 && !sx_lookup(sc, "globals");
}

static void assign_item(biz_sema *S, sx_scope *sc, const biz_expr *t, sx_val *v)
{
    if (is_globals_call(sc, t->u.subscript.obj)) {
        /* globals()[name] = dag: how DAG factories publish their DAGs. */
        sx_val *key = sx_eval(S, sc, t->u.subscript.index);
        if (key->kind == BV_STR)
            sx_bind(S, &S->module, key->u.str.s, v);
        else if (key->kind != BV_ERROR && key->kind != BV_REJECTED)
            biz_error(S->d, t->u.subscript.index->span, NULL, "globals() keys must be strings, got %s",
                      sx_kind_name(key));
        return;
    }
    sx_val *obj = sx_eval(S, sc, t->u.subscript.obj);
    sx_val *key = sx_eval(S, sc, t->u.subscript.index);
    if (obj->kind == BV_ERROR || obj->kind == BV_REJECTED || key->kind == BV_ERROR || key->kind == BV_REJECTED)
        return;
    if (obj->kind == BV_DICT) {
        if (key->kind == BV_LIST || key->kind == BV_DICT) {
            biz_error(S->d, t->u.subscript.index->span, NULL, "unhashable type: %s", sx_kind_name(key));
            return;
        }
        sx_dict_put(S, obj, key, v);
        return;
    }
    if (obj->kind == BV_LIST) {
        if (key->kind != BV_INT) {
            biz_error(S->d, t->u.subscript.index->span, NULL, "list indices must be integers, got %s",
                      sx_kind_name(key));
            return;
        }
        int64_t i = key->u.i < 0 ? key->u.i + obj->u.seq.n : key->u.i;
        if (i < 0 || i >= obj->u.seq.n) {
            biz_error(S->d, t->u.subscript.index->span, NULL, "list assignment index out of range");
            return;
        }
        obj->u.seq.items[i] = v;
        return;
    }
    biz_error(S->d, t->span, NULL, "%s does not support item assignment at compile time", sx_kind_name(obj));
}

/* dag.doc_md = ... and task.retries = ...: what Airflow users set after
 * making the object. A DAG's doc_md and description, a task's arguments. */
static void assign_attr(biz_sema *S, sx_scope *sc, const biz_expr *t, sx_val *v)
{
    sx_val *obj = sx_eval(S, sc, t->u.attr.obj);
    const char *name = t->u.attr.name;
    if (obj->kind == BV_ERROR || obj->kind == BV_REJECTED)
        return;
    if (obj->kind == BV_NODE) {
        sx_task_set_attr(S, obj, name, v, t->u.attr.name_span, t->span);
        return;
    }
    if (obj->kind == BV_DAG) {
        sx_dag *dag = obj->u.dag;
        if (strcmp(name, "doc_md") && strcmp(name, "description")) {
            biz_error(S->d, t->u.attr.name_span, sx_fmt(S, "pass %s=... where the DAG is made", name),
                      "a DAG's '%s' cannot be set after it is made", name);
            return;
        }
        if (v->kind != BV_STR && v->kind != BV_NONE) {
            if (v->kind != BV_ERROR && v->kind != BV_REJECTED)
                biz_error(S->d, t->span, NULL, "%s must be a string, got %s", name, sx_kind_name(v));
            return;
        }
        sx_dag_arg *a = dag_arg(dag, name);
        if (a) {
            a->val = v;
        } else {
            sx_dag_arg da = { !strcmp(name, "doc_md") ? "doc_md" : "description", v, t->span };
            SX_PUSH(S, dag->args, dag->nargs, dag->cap_args, da);
        }
        return;
    }
    biz_error(S->d, t->span, NULL, "cannot set attribute '%s' of %s at compile time", name, sx_kind_name(obj));
}

static void assign_target(biz_sema *S, sx_scope *sc, const biz_expr *t, sx_val *v)
{
    if (!t)
        return;
    if (t->kind == BIZ_E_NAME) {
        sx_bind(S, sc, t->u.name.id, v);
        return;
    }
    if ((t->kind == BIZ_E_TUPLE || t->kind == BIZ_E_LIST)
        && (v->kind == BV_TUPLE || v->kind == BV_LIST) && v->u.seq.n == t->u.seq.len) {
        for (int i = 0; i < t->u.seq.len; i++)
            assign_target(S, sc, t->u.seq.items[i], v->u.seq.items[i]);
        return;
    }
    if (v->kind == BV_ERROR || v->kind == BV_REJECTED) {
        if (t->kind == BIZ_E_TUPLE || t->kind == BIZ_E_LIST)
            for (int i = 0; i < t->u.seq.len; i++)
                assign_target(S, sc, t->u.seq.items[i], v);
        return;
    }
    if (t->kind == BIZ_E_SUBSCRIPT && t->u.subscript.obj && t->u.subscript.index
        && t->u.subscript.index->kind != BIZ_E_SLICE) {
        assign_item(S, sc, t, v);
        return;
    }
    if (t->kind == BIZ_E_ATTR && t->u.attr.obj && t->u.attr.name) {
        assign_attr(S, sc, t, v);
        return;
    }
    biz_error(S->d, t->span, NULL, "only names can be assigned here");
}

/* What a decorator is: its value (BV_BUILTIN...), or NULL when unknown. */
static sx_val *decorator_kind(biz_sema *S, sx_scope *sc, const biz_expr *d, const biz_expr **fexpr)
{
    const biz_expr *f = d && d->kind == BIZ_E_CALL ? d->u.call.func : d;
    *fexpr = f;
    if (!f)
        return NULL;
    /* @task / @task.python without importing task: still the @task error,
     * not "name 'task' is not defined" (the quickstart does this). */
    const biz_expr *root = f;
    while (root && root->kind == BIZ_E_ATTR)
        root = root->u.attr.obj;
    if (root && root->kind == BIZ_E_NAME && !sx_lookup(sc, root->u.name.id)) {
        const char *id = root->u.name.id;
        if (!strcmp(id, "task")) {
            char buf[128];
            const char *dotted = biz_expr_dotted(f, buf, sizeof buf);
            return builtin(S, FN_TASK_DECORATOR, NULL, "airflow.decorators", dotted ? dotted : "task", f->span);
        }
        if (!strcmp(id, "biz") || !strcmp(id, "dag")) {
            sx_undefined(S, sc, id, root->span, 0);
            return builtin(S, FN_DAG_DECORATOR, NULL, "coworks.biz", id, f->span);
        }
    }
    return sx_eval(S, sc, f);
}

static biz_span deco_span(biz_sema *S, const biz_expr *d);

static void def_dag(biz_sema *S, sx_scope *sc, const biz_stmt *st, const biz_expr *deco,
                    const char *what)
{
    const char *fname = st->u.def.name ? st->u.def.name : "?";
    sx_dag *dag = new_dag(S, fname, deco->span);
    dag->is_func = 1;
    dag->name_span = st->u.def.name_span;
    if (deco->kind == BIZ_E_CALL)
        dag_set_args(S, sc, dag, deco, what);
    else   /* @biz(f) returns the decorator itself: calling it fails */
        biz_error(S->d, deco_span(S, deco), sx_fmt(S, "write %s(start_date=datetime(2024, 1, 1), schedule=None)",
                                                   what),
                  "%s must be called with the DAG's arguments: a bare %s makes '%s' a decorator, and "
                  "'%s()' fails", what, what, fname, fname), dag->bare = 1;
    dag->fparams = &st->u.def.params;
    sx_check_id(S, dag->id, dag_arg(dag, "dag_id") ? dag_arg(dag, "dag_id")->span : st->u.def.name_span,
             "dag id", 1);
    sx_scope fs = { .parent = sc, .dag = dag };
    for (int i = 0; i < st->u.def.params.len; i++) {
        const biz_param *p = st->u.def.params.items[i];
        if (!p || !p->name)
            continue;
        if (p->star) {
            biz_error(S->d, p->span, NULL, "'%s%s' cannot be a DAG parameter", p->star == 1 ? "*" : "**",
                      p->name);
            continue;
        }
        sx_val *dv = p->default_value ? sx_eval(S, sc, p->default_value) : sx_new(S, BV_NONE, p->span);
        if (dv->kind == BV_ERROR)
            dv = sx_new(S, BV_NONE, p->span);
        else if (!sx_json_ok(S, &(biz_arg_spec){ .name = p->name, .type = BIZ_T_ANY }, dv, p->span, "a constant"))
            dv = sx_new(S, BV_NONE, p->span);
        sx_dict_put(S, dag->params, sx_new_str(S, p->name, strlen(p->name), p->span), dv);
        sx_val *pv = sx_new(S, BV_PARAM, p->span);
        pv->u.param = sx_strdup(S, p->name);   /* the IR is built after the tree is freed */
        sx_bind(S, &fs, p->name, pv);
    }
    const biz_vec *b = &st->u.def.body;
    if (b->len > 0) {
        const biz_stmt *first = b->items[0];
        if (first && first->kind == BIZ_S_EXPR && first->u.expr && first->u.expr->kind == BIZ_E_STR)
            dag->doc = first->u.expr->u.str.value;
    }
    int before = S->d->nerrors;
    body(S, &fs, b, 1);
    dag->body_errors = S->d->nerrors - before;
    sx_val *fv = sx_new(S, BV_DAGFUNC, st->u.def.name_span);
    fv->u.dag = dag;
    dag->func_name = fname;
    sx_bind(S, sc, fname, fv);
}

/* A decorator's span, from its '@'. */
static biz_span deco_span(biz_sema *S, const biz_expr *d)
{
    biz_span sp = d->span;
    const biz_source *src = S->d->src;
    int off = sp.begin.off - 1;
    while (src && off >= 0 && (size_t)off < src->len && (src->text[off] == ' ' || src->text[off] == '\t'))
        off--;
    if (src && off >= 0 && (size_t)off < src->len && src->text[off] == '@'
        && sp.begin.col - (sp.begin.off - off) >= 1) {
        sp.begin.col -= sp.begin.off - off;
        sp.begin.off = off;
    }
    return sp;
}

static void do_def(biz_sema *S, sx_scope *sc, const biz_stmt *st, int in_dag)
{
    const char *name = st->u.def.name ? st->u.def.name : "?";
    sx_val *rejected = sx_new(S, BV_REJECTED, st->u.def.name_span);
    if (st->u.def.decorators.len == 0) {
        /* Run at each call, at compile time (call_pyfunc). */
        sx_val *fv = sx_new(S, BV_PYFUNC, st->u.def.name_span);
        fv->u.tgf.def = st;
        fv->u.tgf.scope = sc->bind_to ? sc->bind_to : sc;
        sx_bind(S, sc, name, fv);
        return;
    }
    for (int i = 0; i < st->u.def.decorators.len; i++) {
        const biz_expr *d = st->u.def.decorators.items[i];
        const biz_expr *f;
        sx_val *k = decorator_kind(S, sc, d, &f);
        if (!d || !k || k->kind == BV_ERROR) {
            sx_bind(S, sc, name, rejected);
            return;
        }
        if (k->kind == BV_BUILTIN && k->u.fn.fn == FN_TASK_DECORATOR) {
            const char *shown = k->u.fn.name;
            const char *hint = strstr(shown, "branch")
                ? "to branch on a service's answer, use BranchTechMicroServiceOperator"
                : "call a TechMicroService with TechMicroServiceOperator, or run a command with BashOperator";
            biz_error(S->d, deco_span(S, d), hint, "@%s functions run Python code, which a compiled DAG cannot run",
                      shown);
            sx_bind(S, sc, name, rejected);
            return;
        }
        if (k->kind == BV_BUILTIN && k->u.fn.fn == FN_DAG_DECORATOR) {
            if (in_dag) {
                biz_error(S->d, d->span, NULL, "a DAG cannot be defined inside another DAG");
                sx_bind(S, sc, name, rejected);
                return;
            }
            def_dag(S, sc, st, d, sx_fmt(S, "@%s", k->u.fn.name));
            return;
        }
        if (k->kind == BV_BUILTIN && k->u.fn.fn == FN_TASK_GROUP_DECORATOR) {
            /* Its body runs at each call, in a new group (sema_group.c):
             * kept with the scope its names are read from. */
            sx_val *fv = sx_new(S, BV_TGFUNC, st->u.def.name_span);
            fv->u.tgf.def = st;
            fv->u.tgf.deco = d;
            fv->u.tgf.scope = sc->bind_to ? sc->bind_to : sc;
            sx_bind(S, sc, name, fv);
            return;
        }
        if (k->kind != BV_REJECTED)
            biz_error(S->d, deco_span(S, d), "only @biz (or @dag) functions define DAGs",
                      "this decorator cannot be compiled: a compiled DAG cannot run Python code");
        sx_bind(S, sc, name, rejected);
        return;
    }
}

/* The DAG of a DAG(...) / BizMicroService(...) call (with or classic). */
static sx_dag *dag_from_call(biz_sema *S, sx_scope *sc, const biz_expr *call, sx_val *fn)
{
    sx_dag *dag = new_dag(S, "", call->span);
    dag_set_args(S, sc, dag, call, fn->u.fn.name);
    sx_dag_arg *ida = dag_arg(dag, "dag_id");
    /* given, but its value could not be made: that was said where it is */
    int written = call->u.call.args.len > 0;
    for (int i = 0; i < call->u.call.keywords.len && !written; i++) {
        const biz_keyword *k = call->u.call.keywords.items[i];
        written = k && k->name && !strcmp(k->name, "dag_id");
    }
    if (!dag->id[0]) {
        if (!ida && !written)
            biz_error(S->d, call->u.call.func->span, sx_fmt(S, "write %s('my_dag', ...)", fn->u.fn.name),
                      "missing argument 'dag_id' for %s", fn->u.fn.name);
        else if (ida)   /* DAG(''): Airflow's validate_key refuses it */
            sx_check_id(S, dag->id, ida->span, "dag id", 1);
        dag->id = "?";
    } else {
        sx_check_id(S, dag->id, ida->span, "dag id", 1);
    }
    dag->instantiated = 1;
    return dag;
}

/* `NAME = DAG(...)` at module level: the classic style, whose tasks are
 * created at module level with dag=NAME. */
static sx_val *classic_dag(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *fn)
{
    S->dag_call_ok = NULL;   /* the arguments may not create DAGs */
    sx_dag *dag = dag_from_call(S, sc, e, fn);
    dag->classic = 1;
    dag->var_name = S->dag_call_name;
    dag->err_base = S->d->nerrors;
    S->nclassic++;
    S->last_classic = dag;
    sx_val *v = sx_new(S, BV_DAG, e->span);
    v->u.dag = dag;
    return v;
}

static void do_with(biz_sema *S, sx_scope *sc, const biz_stmt *st, int in_dag)
{
    const biz_with_item *it = st->u.with.items.len > 0 ? st->u.with.items.items[0] : NULL;
    const biz_expr *call = it ? it->context : NULL;
    if (call && call->kind == BIZ_E_NAME && !in_dag && !sx_scope_dag(sc)) {
        /* dag = DAG(...) then `with dag:` */
        sx_val *dv = sx_lookup(sc, call->u.name.id);
        if (dv && dv->kind == BV_DAG && dv->u.dag->classic) {
            sx_scope ws = { .parent = sc, .bind_to = sc->bind_to ? sc->bind_to : sc, .dag = dv->u.dag };
            if (it->target)
                assign_target(S, sc, it->target, dv);
            body(S, &ws, &st->u.with.body, 1);
            return;
        }
        if (dv && (dv->kind == BV_ERROR || dv->kind == BV_REJECTED))
            return;
    }
    if (call && call->kind != BIZ_E_CALL && call->kind != BIZ_E_BINOP && sx_scope_dag(sc)) {
        /* `with teardown_task:`: a task made before */
        sx_with_setup_teardown(S, sc, st, call, in_dag, body);
        return;
    }
    /* Airflow's setup/teardown context managers wire the tasks made in
     * the block between the setup and the teardown. */
    const biz_expr *cf = call && call->kind == BIZ_E_CALL ? call->u.call.func : NULL;
    if ((cf && cf->kind == BIZ_E_ATTR && cf->u.attr.name
         && (!strcmp(cf->u.attr.name, "as_teardown") || !strcmp(cf->u.attr.name, "as_setup")))
        || (call && call->kind == BIZ_E_BINOP && call->u.binop.op == BIZ_ASTOP_RSHIFT)) {
        sx_with_setup_teardown(S, sc, st, call, in_dag, body);
        return;
    }
    if (!call || call->kind != BIZ_E_CALL || !call->u.call.func) {
        biz_error(S->d, st->span, NULL, "`with` is only supported for DAG(...) and BizMicroService(...)");
        return;
    }
    sx_val *fn = sx_eval(S, sc, call->u.call.func);
    if (fn->kind == BV_ERROR || fn->kind == BV_REJECTED)
        return;
    if (fn->kind == BV_BUILTIN && fn->u.fn.fn == FN_TASK_GROUP) {
        sx_with_tgroup(S, sc, st, call, fn, body);
        return;
    }
    if (!(fn->kind == BV_BUILTIN && fn->u.fn.fn == FN_DAG_CLASS)) {
        biz_error(S->d, call->span, NULL, "`with` is only supported for DAG(...) and BizMicroService(...)");
        return;
    }
    if (in_dag || sx_scope_dag(sc)) {
        biz_error(S->d, call->span, NULL, "a DAG cannot be defined inside another DAG");
        return;
    }
    if (st->u.with.items.len > 1)
        biz_error(S->d, st->span, NULL, "`with` takes one DAG here");
    sx_dag *dag = dag_from_call(S, sc, call, fn);
    sx_scope ws = { .parent = sc, .bind_to = sc->bind_to ? sc->bind_to : sc, .dag = dag };
    if (it->target) {
        sx_val *dv = sx_new(S, BV_DAG, it->target->span);
        dv->u.dag = dag;
        assign_target(S, sc, it->target, dv);
    }
    int before = S->d->nerrors;
    body(S, &ws, &st->u.with.body, 1);
    dag->body_errors = S->d->nerrors - before;
}

/* "name='a', i=0": the values a loop target took, for messages. */
static char *target_desc(biz_sema *S, sx_scope *sc, const biz_expr *t, char *acc)
{
    if (!t)
        return acc;
    if (t->kind == BIZ_E_NAME) {
        sx_val *v = sx_lookup(sc, t->u.name.id);
        char *x = v ? sx_to_text(S, v, 1) : NULL;
        if (!x && v && v->kind == BV_NODE)
            x = sx_fmt(S, "<task '%s'>", v->u.node.dag->tasks[v->u.node.first]->id);
        return sx_fmt(S, "%s%s%s=%s", acc, acc[0] ? ", " : "", t->u.name.id, x ? x : "...");
    }
    if (t->kind == BIZ_E_TUPLE || t->kind == BIZ_E_LIST)
        for (int i = 0; i < t->u.seq.len; i++)
            acc = target_desc(S, sc, t->u.seq.items[i], acc);
    return acc;
}

/* `x += 1`, `names += ['b']`, `total *= 2` at compile time: x = x OP value,
 * where a list grows in place as in Python (which others holding it see). */
static void do_augassign(biz_sema *S, sx_scope *sc, const biz_stmt *st)
{
    const biz_expr *t = st->u.augassign.target, *value = st->u.augassign.value;
    if (!t || !value)
        return;
    biz_expr op = { .kind = BIZ_E_BINOP, .span = st->span };
    op.u.binop.op = st->u.augassign.op;
    op.u.binop.left = (biz_expr *)t;
    op.u.binop.right = (biz_expr *)value;
    op.u.binop.op_span = st->span;
    if (st->u.augassign.op == BIZ_ASTOP_ADD) {
        sx_val *a = sx_eval(S, sc, t);
        if (a->kind == BV_LIST) {
            sx_val **items;
            int n;
            if (sx_iterate(S, sx_eval(S, sc, value), value->span, "'+=' on a list", &items, &n))
                for (int i = 0; i < n; i++)
                    sx_seq_push(S, a, items[i]);
            return;
        }
    }
    assign_target(S, sc, t, sx_eval(S, sc, &op));
}

/* The scope of the function call sc is in (where `return` goes), or NULL.
 * A function's own scope has ret set; `with` blocks are children of it. */
static sx_scope *function_scope(sx_scope *sc)
{
    for (; sc; sc = sc->parent)
        if (sc->ret)
            return sc;
    return NULL;
}

/* `for target in ITER:` unrolled at compile time: ITER must be a constant
 * and the body is checked once per item, with the target bound to it. */
static void do_for(biz_sema *S, sx_scope *sc, const biz_stmt *st, int in_dag)
{
    const biz_expr *iter = st->u.for_.iter, *target = st->u.for_.target;
    if (!iter || !target)
        return;
    sx_val *it = sx_eval(S, sc, iter);
    sx_val **items;
    int n;
    if (!sx_iterate(S, it, iter->span, "a 'for' loop", &items, &n))
        return;
    const char *save = S->loop_desc;
    sx_scope *f = function_scope(sc);
    for (int i = 0; i < n && !(f && f->returned); i++) {
        sx_bind_target(S, sc, target, items[i]);
        char *d = target_desc(S, sc, target, sx_strdup(S, ""));
        S->loop_desc = save ? sx_fmt(S, "%s, %s", save, d) : d;
        body(S, sc, &st->u.for_.body, in_dag);
    }
    S->loop_desc = save;
    /* no `break` is compiled, so the else block always runs (a `return`
     * stops it in body) */
    body(S, sc, &st->u.for_.orelse, in_dag);
}

/* `if COND:` with COND known at compile time: only the branch taken is
 * compiled, as Python would only run that one. */
static void do_if(biz_sema *S, sx_scope *sc, const biz_stmt *st, int in_dag)
{
    if (!st->u.if_.cond)
        return;
    sx_val *c = sx_eval(S, sc, st->u.if_.cond);
    if (c->kind == BV_ERROR || c->kind == BV_REJECTED)
        return;
    if (c->kind == BV_PARAM || c->kind == BV_OUTPUT) {
        biz_error(S->d, st->u.if_.cond->span,
                  "to choose tasks when the DAG runs, use BranchTechMicroServiceOperator",
                  "the condition of an 'if' must be known at compile time, got %s", sx_kind_name(c));
        return;
    }
    body(S, sc, sx_truthy(c) ? &st->u.if_.body : &st->u.if_.orelse, in_dag);
}

static int is_main_guard(const biz_stmt *st)
{
    const biz_expr *c = st->u.if_.cond;
    return c && c->kind == BIZ_E_COMPARE && c->u.binop.op == BIZ_ASTOP_EQ && c->u.binop.left
           && c->u.binop.left->kind == BIZ_E_NAME && !strcmp(c->u.binop.left->u.name.id, "__name__");
}

static void stmt(biz_sema *S, sx_scope *sc, const biz_stmt *st, int in_dag)
{
    switch (st->kind) {
    case BIZ_S_IMPORT: case BIZ_S_FROM:
        do_import(S, sc, st);
        return;
    case BIZ_S_EXPR: {
        const biz_expr *e = st->u.expr;
        if (!e || e->kind == BIZ_E_STR || e->kind == BIZ_E_ELLIPSIS)
            return;
        sx_eval(S, sc, e);
        return;
    }
    case BIZ_S_ASSIGN: case BIZ_S_ANNASSIGN: {
        if (!st->u.assign.value)
            return;
        const biz_expr *t0 = st->u.assign.targets.len == 1 ? st->u.assign.targets.items[0] : NULL;
        if (!in_dag && (sc == &S->module || (sc->ret && !sc->dag)) && t0 && t0->kind == BIZ_E_NAME
            && st->u.assign.value->kind == BIZ_E_CALL) {
            S->dag_call_ok = st->u.assign.value;   /* may be `dag = DAG(...)` */
            S->dag_call_name = t0->u.name.id;
        }
        sx_val *v = sx_eval(S, sc, st->u.assign.value);
        S->dag_call_ok = NULL;
        for (int i = 0; i < st->u.assign.targets.len; i++)
            assign_target(S, sc, st->u.assign.targets.items[i], v);
        return;
    }
    case BIZ_S_AUGASSIGN:
        do_augassign(S, sc, st);
        return;
    case BIZ_S_DEF:
        do_def(S, sc, st, in_dag);
        return;
    case BIZ_S_WITH:
        do_with(S, sc, st, in_dag);
        return;
    case BIZ_S_PASS:
        return;
    case BIZ_S_RETURN: {
        sx_scope *f = function_scope(sc);
        if (f || (in_dag && sc->dag)) {
            /* A @biz function's return value means nothing to a DAG. */
            sx_val *v = st->u.ret.value ? sx_eval(S, sc, st->u.ret.value) : NULL;
            if (f) {
                *f->ret = v;
                f->returned = 1;
            }
            return;
        }
        unsupported_stmt(S, sc, st, in_dag);
        return;
    }
    case BIZ_S_IF:
        if (!in_dag && is_main_guard(st)) {
            biz_warning(S->d, st->span, NULL,
                        "ignored: the `if __name__ == \"__main__\":` block (run the compiled DAG instead)");
            return;
        }
        do_if(S, sc, st, in_dag);
        return;
    case BIZ_S_FOR:
        do_for(S, sc, st, in_dag);
        return;
    default:
        unsupported_stmt(S, sc, st, in_dag);
        return;
    }
}

static void body(biz_sema *S, sx_scope *sc, const biz_vec *stmts, int in_dag)
{
    sx_scope *f = function_scope(sc);
    for (int i = 0; i < stmts->len && !(f && f->returned); i++)
        if (stmts->items[i])
            stmt(S, sc, stmts->items[i], in_dag);
}

/* ---------------------------------------------------------------- entry */

/* Checks ast; frees owned (the same tree, or NULL) once only the IR is
 * left to build. */
static biz_ir *check(const biz_ast *ast, biz_ast *owned, biz_diags *d)
{
    biz_sema S;
    memset(&S, 0, sizeof S);
    S.d = d;
    S.syntax_errors = d->nerrors;
    if (ast) {
        /* __doc__: the module's docstring (doc_md=__doc__), else None. */
        const biz_stmt *first = ast->body.len ? ast->body.items[0] : NULL;
        const biz_expr *doc = first && first->kind == BIZ_S_EXPR ? first->u.expr : NULL;
        biz_span none = { { 1, 1, 0 }, { 1, 1, 0 } };
        sx_bind(&S, &S.module, "__doc__",
                doc && doc->kind == BIZ_E_STR ? sx_new_str(&S, doc->u.str.value, doc->u.str.len, doc->span)
                                              : sx_new(&S, BV_NONE, none));
        body(&S, &S.module, &ast->body, 0);
    }
    for (int i = 0; i < S.ndags; i++)
        if (S.dags[i]->classic)   /* its tasks may be anywhere after it */
            S.dags[i]->body_errors = d->nerrors - S.dags[i]->err_base;
    biz_ir *ir = biz_xcalloc(1, sizeof *ir);
    if (S.ndags == 0 && !S.syntax_errors && !S.dag_call_rejected) {   /* else the DAG may be in what failed to parse */
        biz_pos start = { 1, 1, 0 };
        biz_error(d, biz_span_at(start), NULL,
                  "no DAG in file: write `with DAG(...):`, or decorate a function with @dag(...) or CoWorks' @biz(...)");
    }
    sx_map dag_ids = { NULL, NULL, 0, 0 };   /* id -> its first DAG */
    for (int i = 0; i < S.ndags; i++) {
        const sx_dag *first = sx_map_get(&dag_ids, S.dags[i]->id);
        if (first) {
            biz_error(d, S.dags[i]->span, NULL, "duplicate dag_id '%s'", S.dags[i]->id);
            biz_note(d, first->span, "'%s' is first defined here", first->id);
        } else {
            sx_map_put(&S, &dag_ids, S.dags[i]->id, S.dags[i]);
        }
    }
    ir->dags = biz_xcalloc((size_t)S.ndags, sizeof *ir->dags);
    ir->ndags = S.ndags;
    for (int i = 0; i < S.ndags; i++) {
        sx_dag *dag = S.dags[i];
        if (dag->is_func && !dag->instantiated && !S.syntax_errors)
            biz_error(d, dag->name_span, sx_fmt(&S, "add `%s()` at module level", dag->func_name),
                      "DAG '%s' is defined but never instantiated: Airflow would not load it", dag->id);
        build_settings(&S, dag);
        sx_check_dag(&S, dag);
    }
    /* What the IR holds comes from the pool, not the tree: free the tree
     * first, so that the two are never in memory together (for a DAG of
     * 10,000 tasks, the tree is a third of the peak). */
    biz_ast_free(owned);
    for (int i = 0; i < S.ndags; i++)
        sx_build_ir(S.dags[i], &ir->dags[i]);
    biz_arena_free(&S.pool);
    return ir;
}

biz_ir *biz_sema_check(const biz_ast *ast, biz_diags *d)
{
    return check(ast, NULL, d);
}

biz_ir *biz_sema_check_free(biz_ast *ast, biz_diags *d)
{
    return check(ast, ast, d);
}
