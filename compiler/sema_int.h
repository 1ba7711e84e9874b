/* sema_int.h: what sema.c, consteval.c and graph.c share (not installed,
 * not used outside semantic analysis).
 *
 * Ownership: everything sema allocates while checking a file (values,
 * tasks, scopes, strings) comes from one pool owned by the biz_sema context
 * and freed with it; the IR built at the end is separate (ir.h).
 */
#ifndef BIZ_SEMA_INT_H
#define BIZ_SEMA_INT_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "ir.h"
#include "ops.h"

typedef struct biz_sema biz_sema;
typedef struct sx_val sx_val;

/* A hash table from strings to pointers, its storage in the pool: every
 * lookup that a DAG's size could make linear (names in a scope, task and
 * group ids) goes through one. Keys are borrowed and must live as long as
 * the table (pooled strings do). All zeroes is an empty table. */
typedef struct sx_map {
    const char **keys;
    void **vals;
    size_t cap;                 /* 0 or a power of two */
    size_t n;
} sx_map;
typedef struct sx_dag sx_dag;
typedef struct sx_group sx_group;
typedef struct sx_tgroup sx_tgroup;

/* What a compile-time value is. */
typedef enum sx_kind {
    BV_ERROR,     /* evaluation failed (already reported): stay silent */
    BV_NONE, BV_BOOL, BV_INT, BV_FLOAT, BV_STR,
    BV_LIST, BV_TUPLE, BV_DICT,
    BV_DURATION,  /* timedelta: seconds */
    BV_DATETIME,  /* an instant and its time zone (u.dt) */
    BV_NODE,      /* a task or a group, in dependencies */
    BV_TGROUP,    /* an Airflow TaskGroup (with TaskGroup(...) as g) */
    BV_TGFUNC,    /* a @task_group decorated function */
    BV_PYFUNC,    /* a plain `def` (uses u.tgf, deco NULL): run at compile time */
    BV_LABEL,     /* Label('...') in a dependency chain: a >> Label('x') >> b */
    BV_OUTPUT,    /* task.output: a template plus a dependency */
    BV_PARAM,     /* a @biz function parameter: {{ params.x }} */
    BV_REJECTED,  /* Python that was already reported (@task ...): silent */
    BV_DAG,       /* a DAG object (with ... as dag, first = first()) */
    BV_DAGFUNC,   /* a @biz/@dag decorated function */
    BV_MODULE,    /* import x.y */
    BV_BUILTIN,   /* a function or class bizc knows */
    BV_OPAQUE,    /* imported from somewhere bizc does not know */
} sx_kind;

/* The functions and classes bizc knows (BV_BUILTIN). */
typedef enum sx_fn {
    FN_DATETIME, FN_TIMEDELTA, FN_PENDULUM_DATETIME, FN_PENDULUM_DURATION,
    FN_TIMEZONE,      /* datetime.timezone / pendulum.timezone */
    FN_NONDET,        /* now(), today(), days_ago(): rejected */
    FN_DAG_DECORATOR, /* biz, dag */
    FN_DAG_CLASS,     /* DAG, BizMicroService */
    FN_TASK_DECORATOR,/* task, task.python ... */
    FN_TASK_GROUP_DECORATOR,
    FN_CHAIN, FN_CROSS_DOWNSTREAM,
    FN_TRIGGER_RULE,  /* the TriggerRule class */
    FN_WEIGHT_RULE,   /* the WeightRule class: its members are strings */
    FN_TASK_GROUP,    /* TaskGroup */
    FN_LABEL,         /* airflow.utils.edgemodifier.Label */
    FN_PARAM,         /* Param(default, ...) */
    FN_OPERATOR,      /* an operator of ops.c */
    FN_PYTHON_OP,     /* PythonOperator & co: rejected */
    FN_OTHER,         /* known but nothing to evaluate (get_current_context) */
} sx_fn;

/* What Param(default, type=..., minimum=..., ...) says of its value. */
typedef struct sx_pschema {
    int has_default;            /* Param() without a default is NOTSET */
    biz_span span;              /* the Param(...) call */
    sx_val *schema;             /* BV_DICT: the validating keywords, in order */
    const char *description;    /* or NULL */
} sx_pschema;

struct sx_val {
    sx_kind kind;
    biz_span span;              /* where it was written */
    const biz_expr *origin;     /* BV_STR: the literal, for template positions */
    sx_pschema *pschema;        /* a Param's value: its schema, else NULL */
    union {
        int b;
        int64_t i;
        double f;
        struct { char *s; size_t len; } str;
        /* cap: the slots allocated when grown by sx_seq_push / sx_dict_put
         * (which double it); 0 for arrays made otherwise: the next push
         * copies them. */
        struct { sx_val **items; int n; int cap; } seq;
        struct { sx_val **keys; sx_val **vals; int n; int cap; } dict;
        double dur;
        /* t: the instant, seconds since the epoch; tz: its zone's name
         * (NULL: UTC), as tzif.c loaded it */
        struct { int64_t t; const char *tz; } dt;
        struct { sx_dag *dag; int first, last; sx_group *grp; } node;
        struct { sx_dag *dag; int task; char *tpl; } out;
        sx_tgroup *tg;
        /* the tasks set upstream of it so far (they link to what follows) */
        struct { sx_val **ups; int n, cap; const char *text; } label;
        /* the def, its decorator, the scope its names are looked up in,
         * the .override(...) call whose arguments win over the decorator's */
        struct { const biz_stmt *def; const biz_expr *deco; struct sx_scope *scope; const biz_expr *over; } tgf;
        const char *param;
        struct { sx_fn fn; const biz_op_spec *op; const char *name; const char *path; } fn;
        const char *module;
        sx_dag *dag;
    } u;
};

/* A name bound in a scope. */
typedef struct sx_binding {
    const char *name;
    sx_val *val;
    struct sx_binding *next;
} sx_binding;

/* A scope: a function body, the module, or a `with` block (which binds
 * into the module, as Python has no block scope). */
typedef struct sx_scope {
    sx_binding *head;           /* the latest binding first */
    struct sx_scope *parent;
    struct sx_scope *bind_to;   /* where assignments go; NULL = here */
    sx_dag *dag;                /* the DAG being built, or NULL */
    sx_tgroup *tgroup;          /* the TaskGroup being filled, or NULL */
    sx_val **ret;               /* a function call: where `return` puts its value */
    int returned;               /* that function has run a `return`: stop */
    int nbind;                  /* bindings in head's list */
    sx_map names;               /* name -> binding, once there are many */
} sx_scope;

/* An argument given to an operator call. */
typedef struct sx_arg {
    const char *name;
    const biz_arg_spec *spec;
    sx_val *val;
    biz_span key_span;
    biz_span val_span;
    int has_loc;                /* written in the source (not synthesised) */
} sx_arg;

/* One task. */
typedef struct sx_task {
    char *id;
    int index;                  /* in its DAG's tasks */
    const biz_op_spec *op;
    sx_group *grp;
    sx_tgroup *tg;              /* the innermost TaskGroup it is in, or NULL */
    biz_span span;              /* the call that created it */
    biz_span id_span;
    sx_arg *args;
    int nargs, cap;
    int linked;                 /* has an edge to/from outside its group */
    /* .as_setup() / .as_teardown(...): Airflow 2.7's setup and teardown
     * tasks; fail_dagrun: as_teardown(on_failure_fail_dagrun=True). */
    int setup, teardown, fail_dagrun;
    biz_span st_span;           /* the as_setup / as_teardown call */
    int st_block;               /* wired by a setup/teardown `with` block (sema_setup.c) */
    sx_val *map;                /* a mapped task: its map spec (sema_map.c), else NULL */
} sx_task;

/* The .expand(...) / .expand_kwargs(...) of the partial call being checked
 * (sema_map.c): the expanded arguments count as given. */
typedef struct sx_mapping {
    const biz_expr *expand;     /* the expand call */
    int kwargs;                 /* expand_kwargs */
    int open;                   /* expand_kwargs(task.output): any argument may
                                   come when the DAG runs */
    const char *names[16];      /* the arguments mapped over */
    biz_span spans[16];         /* where each is written */
    int nnames;
} sx_mapping;

/* A TechMicroServiceAsyncGroup. */
struct sx_group {
    char *id;
    biz_span span;
    int call, wait, read;       /* task indices; read -1 when read=False */
};

/* An Airflow TaskGroup: a name space for task ids (prefix_group_id), its
 * own default_args, and in dependencies its roots or leaves as they are
 * when the `>>` is written (Airflow's get_roots / get_leaves). */
struct sx_tgroup {
    char *id;                   /* its group_id, prefixed by its parents' */
    int prefix;                 /* prefix_group_id: children get "<id>." */
    biz_span span;              /* the TaskGroup(...) call */
    sx_dag *dag;
    sx_tgroup *parent;
    sx_val *default_args;       /* the DAG's updated by each group's, or NULL */
    int *tasks;                 /* every task made inside, nested groups too */
    int ntasks, cap_tasks;
};

/* A dependency up >> down, where it was written. */
typedef struct sx_edge {
    int from, to;
    biz_span span;
    int off;                    /* disabled once reported as closing a cycle */
} sx_edge;

/* A task id written somewhere, checked once every task is known. */
/* REF_PARAM: not a task id but a {{ params.X }}, checked against the params. */
typedef enum sx_ref_kind { REF_TASK_ARG, REF_BRANCH, REF_XCOM, REF_PARAM } sx_ref_kind;
typedef struct sx_ref {
    sx_ref_kind kind;
    int owner;                  /* the task that refers, -1 for default_args */
    const char *arg;            /* argument name */
    char *value;
    biz_span span;
} sx_ref;

/* A DAG argument as given. */
typedef struct sx_dag_arg {
    const char *name;
    sx_val *val;
    biz_span span;
} sx_dag_arg;

struct sx_dag {
    char *id;
    biz_span span;              /* the decorator / with call */
    biz_span name_span;         /* the def's name, for "never instantiated" */
    int is_func;
    int instantiated;
    int bare;                   /* @biz without (...): already reported */
    char *doc;                  /* the function's docstring */
    const char *func_name;      /* the @biz function's name */
    int body_errors;            /* errors reported in its body: no "lonely
                                   task" warnings on top of them */
    int classic;                /* `dag = DAG(...)` at module level: its
                                   tasks take dag=<name> */
    const char *var_name;       /* classic: the name it is assigned to */
    int err_base;               /* classic: errors before its tasks */
    sx_dag_arg *args;
    int nargs, cap_args;
    sx_val *default_args;       /* BV_DICT or NULL */
    sx_val *params;             /* BV_DICT built from params= and the def */
    const biz_vec *fparams;     /* the @biz function's parameters (biz_param*) */
    sx_task **tasks;
    int ntasks, cap_tasks;
    sx_group **groups;
    int ngroups, cap_groups;
    sx_edge *edges;
    int nedges, cap_edges;
    sx_ref *refs;
    int nrefs, cap_refs;
    sx_map task_ids;            /* id -> its first sx_task */
    sx_map group_ids;           /* id -> sx_group */
    sx_map tgroup_ids;          /* id -> sx_tgroup */
    cJSON *settings;            /* built at the end, moved into the IR */
};

struct biz_sema {
    biz_diags *d;
    biz_arena pool;             /* every allocation, freed at the end */
    sx_scope module;
    sx_dag **dags;
    int ndags, cap_dags;
    sx_map reported;            /* names already reported (undefined, assumed) */
    /* Large dicts that subscripts read (sx_dict_lookup), hashed: a loop
     * reading D[k] for every key of a dict of generated routes would scan
     * it each time. A dict's keys are only ever appended, so its key array
     * and length identify what an index covers; a few are kept, reused
     * round robin. */
    struct sx_dict_index { sx_val *const *keys; int n; sx_map map; } dict_index[4];
    int dict_index_next;
    /* per operator call: */
    sx_edge *pend_out;          /* producers of .output values in its args
                                   (to is unused) */
    int npend_out, cap_pend_out;
    const char **zones;         /* zones named by in_timezone('...') in templates */
    int nzones, cap_zones;
    sx_ref *pend_refs;          /* task references in its args */
    int npend_refs, cap_pend_refs;
    int syntax_errors;          /* errors before sema: names may be missing
                                   because a statement did not parse */
    int dag_call_rejected;      /* `dag = DAG(...)` was reported: its tasks
                                   outside a DAG follow from it */
    const biz_expr *dag_call_ok;/* the value of a module-level `NAME = ...`
                                   being evaluated: a DAG(...) call there
                                   creates a classic DAG */
    const char *dag_call_name;  /* that NAME */
    const char *loop_desc;      /* inside unrolled `for` loops: the loop
                                   variables' values ("name='a'"), for
                                   messages about what an iteration made */
    sx_mapping *mapping;        /* inside Op.partial(...).expand(...), else NULL */
    int nclassic;               /* classic DAGs created so far */
    int call_depth;             /* nested calls of compile-time functions */
    sx_dag *last_classic;
};

/* --- pool ---------------------------------------------------------------- */
void *sx_alloc(biz_sema *S, size_t size);
char *sx_strdup(biz_sema *S, const char *s);
char *sx_strndup(biz_sema *S, const char *s, size_t n);
char *sx_fmt(biz_sema *S, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The value of key in m, or NULL. */
void *sx_map_get(const sx_map *m, const char *key);
/* Sets key to val (not NULL) in m, replacing any value it had. */
void sx_map_put(biz_sema *S, sx_map *m, const char *key, void *val);

/* Appends item to a pooled array (arr, n, cap are lvalues). */
#define SX_PUSH(S, arr, n, cap, item) do {                                  \
        if ((n) == (cap)) {                                                 \
            int nc_ = (cap) ? 2 * (cap) : 8;                                \
            void *na_ = sx_alloc((S), (size_t)nc_ * sizeof *(arr));         \
            if ((n) > 0) memcpy(na_, (arr), (size_t)(n) * sizeof *(arr));   \
            (arr) = na_;                                                    \
            (cap) = nc_;                                                    \
        }                                                                   \
        (arr)[(n)++] = (item);                                              \
    } while (0)

/* --- values (consteval.c) ------------------------------------------------ */
sx_val *sx_new(biz_sema *S, sx_kind kind, biz_span span);
sx_val *sx_new_str(biz_sema *S, const char *s, size_t len, biz_span span);
sx_val *sx_new_int(biz_sema *S, int64_t i, biz_span span);
/* "a string", "an integer", "a task" ... for messages. */
const char *sx_kind_name(const sx_val *v);
/* Evaluates e in scope sc; never NULL (BV_ERROR after an error). */
sx_val *sx_eval(biz_sema *S, sx_scope *sc, const biz_expr *e);
/* Looks a name up; NULL when unbound. */
sx_val *sx_lookup(sx_scope *sc, const char *name);
/* Binds name in sc (or where sc binds to). */
void sx_bind(biz_sema *S, sx_scope *sc, const char *name, sx_val *v);
/* The value as JSON (tasks and other non-constants become null). */
cJSON *sx_to_json(const sx_val *v);
/* Appends key: val to the BV_DICT d. */
void sx_dict_put(biz_sema *S, sx_val *d, sx_val *k, sx_val *val);
/* Appends x to the BV_LIST or BV_TUPLE v, in place. */
void sx_seq_push(biz_sema *S, sx_val *v, sx_val *x);
/* The value of key in a BV_DICT, or NULL. */
sx_val *sx_dict_get(const sx_val *dict, const char *key);
/* The same, through a hash index of the dict when it is large (for
 * lookups that a loop may repeat). */
sx_val *sx_dict_lookup(biz_sema *S, const sx_val *dict, const char *key);
/* keep[i] = 1 for the last of each run of equal strings among
 * keys[0..n) (every key not repeated later), else 0. */
void sx_last_of_keys(const char *const *keys, int n, char *keep);
/* True when the string value holds template markup. */
int sx_is_template(const sx_val *v);
/* True when a string anywhere inside v holds template markup. */
int sx_has_template(const sx_val *v);
/* The source position of byte offset off of a string value. */
biz_pos sx_str_pos(biz_sema *S, const sx_val *v, int off);
/* "YYYY-MM-DDTHH:MM:SS+00:00" into buf (64 bytes). */
void sx_iso(int64_t t, char *buf);
/* The items a `for` loop or comprehension (what) walks over v: a list,
 * tuple, dict (its keys) or string; reports and returns 0 otherwise. */
int sx_iterate(biz_sema *S, sx_val *v, biz_span span, const char *what, sx_val ***items, int *n);
/* Binds a loop target (a name or a tuple of names) to v in sc. */
void sx_bind_target(biz_sema *S, sx_scope *sc, const biz_expr *t, sx_val *v);
/* Python's truth value of a constant. */
int sx_truthy(const sx_val *v);
/* Python's str() (repr = 0) or repr() of a constant, NULL for non-constants. */
char *sx_to_text(biz_sema *S, const sx_val *v, int repr);
/* sx_to_text, or NULL after reporting (at span, with a hint) why v has
 * no text at compile time; silent for BV_ERROR and BV_REJECTED. */
char *sx_text_or_report(biz_sema *S, const sx_val *v, int repr, biz_span span);
/* The largest constant string: Python has no limit, but a constant is
 * built at compile time and written into the executable, so
 * 'a' * 10 ** 9 must be an error, not minutes of work and a gigabyte. */
#define SX_MAX_STR 1000000
/* The largest width or precision of a format spec or a '%' conversion:
 * a constant '{:999999999}' would be a gigabyte of padding. */
#define SX_MAX_WIDTH 1000
/* Reports a constant string that would pass SX_MAX_STR bytes; BV_ERROR. */
sx_val *sx_str_too_large(biz_sema *S, biz_span span);
/* Why v does not validate against a Param's schema (a message), or NULL. */
const char *sx_pschema_problem(biz_sema *S, const sx_val *v, const sx_pschema *p);
/* Marks name reported; returns 1 when it already was. */
int sx_once(biz_sema *S, const char *key);

/* Text built by appending, in the pool: the capacity doubles, so a string
 * of n bytes costs O(n) however many pieces make it (rebuilding it with
 * sx_fmt("%s%s", ...) for each piece would cost O(n) per piece). */
typedef struct sx_text {
    char *s;
    size_t len, cap;
    size_t max;   /* when not 0: the most bytes kept (a constant string's cap) */
    int over;     /* set when an append went past max (and was dropped) */
} sx_text;
/* Appends s[0..n) as it is (NUL bytes too). */
void sx_text_add(biz_sema *S, sx_text *t, const char *s, size_t n);

/* Python's == of two constants. */
int sx_vals_equal(const sx_val *a, const sx_val *b);
/* -1, 0, 1 as Python orders a and b (numbers, strings, sequences of them);
 * 2 when it cannot. */
int sx_order(const sx_val *a, const sx_val *b);

/* --- consteval_py.c: more of Python over constants ------------------------ */
/* max, min, sum, abs, round, any, all, bool, float, dict, set. */
int sx_py_is_builtin(const char *name);
sx_val *sx_py_builtin(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *name);
/* obj.m(...) for the str, dict and list methods there; NULL when m is
 * not one of them (the caller says so). */
sx_val *sx_py_method(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *obj, const char *m);
/* obj[lower:upper:step] of a string (by characters), list or tuple; the
 * bounds NULL when not written. */
sx_val *sx_py_slice(biz_sema *S, sx_val *obj, sx_val *bound[3], biz_span bspan, biz_span span);
/* module.name(...) (json.dumps, textwrap.dedent); NULL when unknown. */
sx_val *sx_py_module_call(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *module, const char *name);
/* os.environ['NAME'] at compile time (consteval_py.c): its value, or a KeyError. */
sx_val *sx_py_environ_item(biz_sema *S, const char *name, biz_span span);
/* The same for a function imported by name ("textwrap.dedent"). */
sx_val *sx_py_imported_call(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *path);

/* --- sema.c: calls that are not constants -------------------------------- */
sx_val *sx_call(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *fn);
sx_val *sx_method_call(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *obj,
                       const char *method);
sx_val *sx_depend(biz_sema *S, sx_val *left, sx_val *right, biz_astop op, biz_span span);
/* node.name (a task's or a group's attribute); errors point at name_span. */
sx_val *sx_attr_of_node(biz_sema *S, sx_val *node, const char *name, biz_span span,
                        biz_span name_span);
/* obj.name for a module, a known function or an unknown import. */
sx_val *sx_resolve_member(biz_sema *S, sx_val *obj, const char *name, biz_span span);
/* Reports a name that is not defined (once per name); returns BV_ERROR. */
sx_val *sx_undefined(biz_sema *S, sx_scope *sc, const char *name, biz_span span, int calling);

/* --- sema.c: shared helpers -------------------------------------------- */
/* The DAG being built in sc, or NULL at module level. */
sx_dag *sx_scope_dag(sx_scope *sc);
/* The innermost TaskGroup whose `with` block sc is in, or NULL. */
sx_tgroup *sx_scope_tgroup(sx_scope *sc);
/* `with TaskGroup(...) as g:` (sema_group.c). */
/* `with setup_or_teardown_task:` (sema_setup.c): evaluates ctx, runs the
 * block, wires the tasks it made between the setup and the teardown. */
void sx_with_setup_teardown(biz_sema *S, sx_scope *sc, const biz_stmt *st, const biz_expr *ctx, int in_dag,
                            void (*body)(biz_sema *, sx_scope *, const biz_vec *, int));
void sx_with_tgroup(biz_sema *S, sx_scope *sc, const biz_stmt *st, const biz_expr *call, sx_val *fn,
                    void (*body)(biz_sema *, sx_scope *, const biz_vec *, int));
/* The id a task or group written as label gets inside tg (Airflow's
 * TaskGroup.child_id). */
const char *sx_tgroup_child_id(biz_sema *S, const sx_tgroup *tg, const char *label);
/* Checks a default_args dict (the DAG's or a TaskGroup's) against the
 * operators' arguments (sema.c). */
void sx_check_default_args(biz_sema *S, sx_dag *dag, sx_val *da);
/* Calls a @task_group function: a new group holding what its body makes;
 * the value is what it returns when not None, else the group. */
sx_val *sx_call_tgfunc(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *fn,
                       void (*body)(biz_sema *, sx_scope *, const biz_vec *, int));
/* Binds the parameters of def (defined in defscope) in fs to the arguments
 * of the call e, evaluated in sc, as Python does; what names the function
 * in messages ("a @task_group function"). */
void sx_bind_call_args(biz_sema *S, sx_scope *fs, sx_scope *sc, const biz_expr *e, const biz_stmt *def,
                       sx_scope *defscope, const char *what);
/* g.name for a TaskGroup (g.group_id). */
sx_val *sx_attr_of_tgroup(biz_sema *S, sx_val *g, const char *name, biz_span span, biz_span name_span);
/* Records task index i as made inside tg and its parents. */
void sx_tgroup_add(biz_sema *S, sx_tgroup *tg, int i);
/* The roots (leaves == 0) or leaves of tg now, as single-task nodes;
 * returns how many, in a pooled array in *out. */
int sx_tgroup_ends(biz_sema *S, const sx_tgroup *tg, int leaves, sx_val ***out);
/* Is s in the NULL-terminated list? */
int sx_in_list(const char *s, const char *const *list);
/* A BV_ERROR value (after an error was reported). */
sx_val *sx_err_val(biz_sema *S, biz_span span);

/* --- consteval_fmt.c: Python's formatting (base/pyformat) ----------------- */
/* fmtv % arg, e the '%' expression. */
sx_val *sx_fmt_percent(biz_sema *S, const sx_val *fmtv, const sx_val *arg, const biz_expr *e);
/* fmtv.format(...) of call e, its arguments evaluated in sc. */
sx_val *sx_fmt_str_format(biz_sema *S, sx_scope *sc, const biz_expr *e, const sx_val *fmtv);
/* One f-string field: v converted by conv (0, 'r', 's', 'a'), formatted
 * with spec (NULL: none); pooled text of *len bytes, NULL after reporting
 * at span. */
char *sx_fmt_field(biz_sema *S, const sx_val *v, char conv, const char *spec, biz_span span, size_t *len);

/* --- opcall.c: operator calls and dependencies ---------------------------- */
/* Checks an operator call and creates its task(s): a BV_NODE or BV_ERROR. */
sx_val *sx_op_call(biz_sema *S, sx_scope *sc, const biz_expr *e, const biz_op_spec *op);
/* --- sema_map.c: Op.partial(...).expand(...) ------------------------------ */
/* Is e a call X.partial(...).expand(...) or .expand_kwargs(...)? */
int sx_is_mapped_call(const biz_expr *e);
/* Checks it: the partial call as an operator call, the task mapped. */
sx_val *sx_mapped_call(biz_sema *S, sx_scope *sc, const biz_expr *e);
/* Evaluates what m maps over (sx_op_call calls it); given(user, name) says
 * whether partial(...) gave name. The task's map spec, or NULL (reported). */
sx_val *sx_map_eval(biz_sema *S, sx_scope *sc, const biz_op_spec *op, sx_mapping *m,
                    int (*given)(void *, const char *), void *user);
/* task.name = v after the task is made: its argument name becomes v. */
void sx_task_set_attr(biz_sema *S, sx_val *node, const char *name, sx_val *v, biz_span name_span,
                      biz_span val_span);
/* chain(...) or (cross) cross_downstream(...). */
sx_val *sx_do_chain(biz_sema *S, sx_scope *sc, const biz_expr *e, int cross);
/* Checks v against spec's type; reports and returns 0 when it does not fit. */
int sx_type_ok(biz_sema *S, const biz_arg_spec *spec, sx_val *v, biz_span span);
/* Can v become JSON in spec's argument? Collects task.output producers. */
int sx_json_ok(biz_sema *S, const biz_arg_spec *spec, const sx_val *v, biz_span span,
               const char *what);
/* Parses every template string inside v, reporting errors and references. */
void sx_check_templates(biz_sema *S, const sx_val *v, const char *arg);
/* What to use instead of a Python callable argument. */
const char *sx_callable_hint(biz_sema *S, const biz_arg_spec *spec);
/* What to do instead of an argument bizc does not support (or NULL). */
const char *sx_unsupported_hint(biz_sema *S, const biz_op_spec *op, const biz_arg_spec *spec);
/* Is v a list or tuple of strings only? */
int sx_all_strs(const sx_val *v);
/* Checks a task/group/dag id the way Airflow does; reports, returns 0 if bad. */
int sx_check_id(biz_sema *S, const char *id, biz_span span, const char *what, int allow_dot);
/* The index of task id in dag (the first task made with it), or -1. */
int sx_find_task(const sx_dag *dag, const char *id);
/* biz_ops_arg(op, name), from a hash table built once per operator. */
const biz_arg_spec *sx_op_arg(const biz_op_spec *op, const char *name);
/* Where a call's function name is (hints and missing arguments point there). */
biz_span sx_call_name_span(const biz_expr *e);

/* --- graph.c -------------------------------------------------------------- */
void sx_add_edge(biz_sema *S, sx_dag *dag, int from, int to, biz_span span);
/* Checks references, cycles, warnings (once every task of dag is known). */
void sx_check_dag(biz_sema *S, sx_dag *dag);
/* Builds the DAG's IR into out, after sx_check_dag; reads only what sema
 * allocated (not the syntax tree) and reports nothing. */
void sx_build_ir(sx_dag *dag, biz_ir_dag *out);

#endif
