/* ops.h: the operator table, shared by the compiler and the runtime.
 *
 * The table itself is ops.def (an X-macro file: every operator and every
 * argument with its type, default and flags, stated once); this header
 * and ops.c turn it into C. The compiler checks every operator call
 * against it (unknown argument, missing required argument, wrong type,
 * default values); the runtime executes from it and reads arguments by id
 * (args.h, op.h), with the defaults it states. One table, so the two
 * cannot disagree.
 *
 * Everything here is static const data; nothing to free.
 */
#ifndef BIZ_OPS_H
#define BIZ_OPS_H

/* What an argument accepts. The compiler turns every value into JSON for the
 * runtime: a duration (timedelta or number of seconds) becomes a number of
 * seconds, a datetime an ISO-8601 string "YYYY-MM-DDTHH:MM:SS+00:00". */
typedef enum biz_arg_type {
    BIZ_T_ANY,        /* any constant value */
    BIZ_T_STR,
    BIZ_T_INT,
    BIZ_T_NUMBER,     /* int or float */
    BIZ_T_BOOL,
    BIZ_T_DICT,
    BIZ_T_LIST,
    BIZ_T_STRS,       /* a string or a list of strings (email, recipients) */
    BIZ_T_TASK,       /* a task id (checked against the DAG's tasks) */
    BIZ_T_TASKS,      /* a task id or a list of task ids */
    BIZ_T_DURATION,   /* timedelta(...) or seconds; JSON: seconds (number) */
    BIZ_T_DATETIME,   /* datetime(...); JSON: ISO-8601 string */
    BIZ_T_TRIGGER,    /* a trigger rule name (or TriggerRule.X) */
    BIZ_T_METHOD,     /* an HTTP method, case-insensitive */
    BIZ_T_CALLABLE,   /* a Python callable: always rejected with a hint */
    BIZ_T_TIMEDELTA,  /* timedelta(...) only (Airflow refuses a number); JSON: seconds */
    BIZ_T_SCHEDULE,   /* a DAG's schedule: cron, preset, timedelta or None (sema.c) */
    BIZ_T__COUNT
} biz_arg_type;

/* Argument flags. */
enum {
    BIZ_A_REQUIRED   = 1 << 0,  /* must be given (or come from default_args) */
    BIZ_A_TEMPLATED  = 1 << 1,  /* strings inside are Jinja templates */
    BIZ_A_POSITIONAL = 1 << 2,  /* may be passed as the first positional arg */
    BIZ_A_IGNORED    = 1 << 3,  /* accepted for Airflow compatibility, no effect
                                   here (the compiler warns) */
    BIZ_A_NOT_DEFAULT= 1 << 4,  /* never taken from default_args */
    BIZ_A_UNSUPPORTED= 1 << 5,  /* Airflow takes it, a compiled DAG cannot do
                                   it: an error that says why (doc) */
    BIZ_A_NONE_OK    = 1 << 6,  /* None is a value of its own, although the
                                   default is not None */
    BIZ_A_INTERNAL   = 1 << 7,  /* set by the compiler, never written in a DAG
                                   file (no operator takes it) */
};

/* Argument ids: one per argument name, BIZ_ARG_<name> (ops.def's BIZ_ARG
 * lines), whichever sets the name is in. */
typedef enum biz_arg_id {
#define BIZ_ARG(name, type, flags, dflt, doc) BIZ_ARG_##name,
#include "ops.def"
    BIZ_ARG__COUNT
} biz_arg_id;

typedef struct biz_arg_spec {
    const char *name;
    biz_arg_type type;
    int flags;
    const char *default_json;   /* JSON text of the default; NULL = none (null) */
    const char *doc;            /* one line, for `bizc --describe-ops` and docs */
    biz_arg_id id;              /* BIZ_ARG_<name> */
} biz_arg_spec;

/* Operator kinds, BIZ_OP_<KIND>, in ops.def's order. */
typedef enum biz_op_kind {
#define BIZ_OP(kind, name, aliases, modules, sets, is_group, run, doc) BIZ_OP_##kind,
#include "ops.def"
    BIZ_OP__COUNT
} biz_op_kind;

typedef struct biz_op_spec {
    biz_op_kind kind;
    const char *name;            /* the Python class name */
    const char *const *aliases;  /* other accepted names (NULL-terminated) or NULL */
    const char *const *modules;  /* modules it may be imported from (NULL-terminated) */
    const biz_arg_spec *const *argsets; /* NULL-terminated list of arg arrays,
                                           each terminated by {NULL} */
    int is_group;                /* a task group, not a task: has group_id, no task_id */
    const char *doc;
} biz_op_spec;

/* Indexed by kind. */
extern const biz_op_spec biz_ops[BIZ_OP__COUNT];

/* The DAG's own arguments (DAG(...), @biz(...)), ended by { NULL }. */
extern const biz_arg_spec *const biz_dag_args;

/* The argument sets of ops.def, for tools (--describe-ops), ended by
 * { NULL }: name is the set's C name ("base_args"). */
typedef struct biz_arg_set {
    const char *name;
    const biz_arg_spec *args;   /* ended by { NULL } */
    const char *doc;
} biz_arg_set;
extern const biz_arg_set biz_arg_sets[];

/* The operator named name (class name or alias), or NULL. */
const biz_op_spec *biz_ops_find(const char *name);
/* The argument called name of op (searching all its argument sets), or NULL. */
const biz_arg_spec *biz_ops_arg(const biz_op_spec *op, const char *name);
/* The argument id of op as op takes it (the set that overrides the others),
 * or NULL when op does not take it. */
const biz_arg_spec *biz_ops_arg_id(const biz_op_spec *op, biz_arg_id id);
/* The DAG's argument id, or NULL when a DAG takes none of that name. */
const biz_arg_spec *biz_dag_arg_id(biz_arg_id id);
/* The argument id where ops.def declares it (its BIZ_ARG line). */
const biz_arg_spec *biz_arg_decl(biz_arg_id id);
/* The Python name of argument id ("xcom_push"). */
const char *biz_arg_name(biz_arg_id id);
/* The set of ops.def whose array holds spec, or NULL. */
const biz_arg_set *biz_arg_set_of(const biz_arg_spec *spec);
/* Whether None is a value of its own for op's argument name (BIZ_A_NONE_OK). */
int biz_ops_none_ok(const biz_op_spec *op, const char *name);
/* Calls fn for each argument of op, in table order (an overridden one
 * once, as its overriding set has it). */
void biz_ops_each_arg(const biz_op_spec *op,
                     void (*fn)(const biz_arg_spec *arg, void *user), void *user);
/* The same for its templated arguments only (BIZ_A_TEMPLATED): what a try
 * renders, a handful of an operator's seventy. */
void biz_ops_each_templated_arg(const biz_op_spec *op,
                               void (*fn)(const biz_arg_spec *arg, void *user), void *user);
/* The argument type as a user reads it ("a string", "a timedelta", ...). */
const char *biz_arg_type_name(biz_arg_type t);
/* The argument type as a tool reads it ("str", "timedelta", ...). */
const char *biz_arg_type_key(biz_arg_type t);

/* Trigger rules. ORDER: biz_trigger_names[] in ops.c follows this enum. */
typedef enum biz_trigger_rule {
    BIZ_TR_ALL_SUCCESS,
    BIZ_TR_ALL_FAILED,
    BIZ_TR_ALL_DONE,
    BIZ_TR_ALL_SKIPPED,
    BIZ_TR_ONE_SUCCESS,
    BIZ_TR_ONE_FAILED,
    BIZ_TR_ONE_DONE,
    BIZ_TR_NONE_FAILED,
    BIZ_TR_NONE_FAILED_MIN_ONE_SUCCESS,
    BIZ_TR_NONE_SKIPPED,
    BIZ_TR_ALWAYS,
    BIZ_TR_ALL_DONE_SETUP_SUCCESS,  /* a teardown's (as_teardown) */
    BIZ_TR__COUNT
} biz_trigger_rule;

extern const char *const biz_trigger_names[BIZ_TR__COUNT];
/* The rule named name (old names dummy / none_failed_or_skipped too);
 * -1 when unknown. */
int biz_trigger_from_name(const char *name);

#endif
