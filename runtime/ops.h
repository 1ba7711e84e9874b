/* ops.h: the operator table, shared by the compiler and the runtime.
 *
 * The compiler checks every operator call against this table (unknown
 * argument, missing required argument, wrong type, default values); the
 * runtime executes from it. One table, so the two cannot disagree.
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
};

typedef struct biz_arg_spec {
    const char *name;
    biz_arg_type type;
    int flags;
    const char *default_json;   /* JSON text of the default; NULL = none (null) */
    const char *doc;            /* one line, for `bizc --describe` and docs */
} biz_arg_spec;

/* ORDER: biz_ops[] in ops.c follows this enum. */
typedef enum biz_op_kind {
    BIZ_OP_TECH_MS,        /* TechMicroServiceOperator */
    BIZ_OP_BRANCH_TECH_MS, /* BranchTechMicroServiceOperator */
    BIZ_OP_TECH_MS_SENSOR, /* TechMicroServiceSensor */
    BIZ_OP_ASYNC_SENSOR,   /* AsyncTechMicroServiceSensor */
    BIZ_OP_ASYNC_PULL,     /* AsyncTechServicePullOperator */
    BIZ_OP_ASYNC_GROUP,    /* TechMicroServiceAsyncGroup: expanded by the
                              compiler into call/wait/read, never at run time */
    BIZ_OP_EMPTY,          /* EmptyOperator (DummyOperator) */
    BIZ_OP_BASH,           /* BashOperator */
    BIZ_OP_EMAIL,          /* EmailOperator */
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

extern const biz_op_spec biz_ops[BIZ_OP__COUNT];

/* The operator named name (class name or alias), or NULL. */
const biz_op_spec *biz_op_find(const char *name);
/* The argument called name of op (searching all its argument sets), or NULL. */
const biz_arg_spec *biz_op_arg(const biz_op_spec *op, const char *name);
/* Calls fn for each argument of op, in table order. */
/* Whether None is a value of its own for op's argument name (BIZ_A_NONE_OK). */
int biz_op_none_ok(const biz_op_spec *op, const char *name);
void biz_op_each_arg(const biz_op_spec *op,
                     void (*fn)(const biz_arg_spec *arg, void *user), void *user);
/* The same for its templated arguments only (BIZ_A_TEMPLATED): what a try
 * renders, a handful of an operator's seventy. */
void biz_op_each_templated_arg(const biz_op_spec *op,
                               void (*fn)(const biz_arg_spec *arg, void *user), void *user);
/* The argument type as a user reads it ("a string", "a timedelta", ...). */
const char *biz_arg_type_name(biz_arg_type t);

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
