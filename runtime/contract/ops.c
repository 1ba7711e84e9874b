/* ops.c: the operator table of ops.def as C (see ops.h), and the lookups
 * in it. Arguments come in sets shared by several operators, as in
 * CoWorks' own class hierarchy. */
#include <stdlib.h>
#include <string.h>
#include "ops.h"

#define END { NULL, BIZ_T_ANY, 0, NULL, NULL, BIZ_ARG__COUNT }

/* A NULL-terminated list of names (aliases, modules) or of argument sets,
 * as a file-scope compound literal: static, like the table. */
#define BIZ_LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define BIZ_SETS(...) ((const biz_arg_spec *const[]){ __VA_ARGS__, NULL })

/* The argument sets, one array each; the module lists. */
#define BIZ_SET(set, doc) static const biz_arg_spec set[] = {
#define BIZ_ARG(name, type, flags, dflt, doc) { #name, BIZ_T_##type, flags, dflt, doc, BIZ_ARG_##name },
#define BIZ_ARG_AGAIN(name, type, flags, dflt, doc) { #name, BIZ_T_##type, flags, dflt, doc, BIZ_ARG_##name },
#define BIZ_SET_END END };
#define BIZ_MODULES(list, ...) static const char *const list[] = { __VA_ARGS__, NULL };
#include "ops.def"

const biz_arg_set biz_arg_sets[] = {
#define BIZ_SET(set, doc) { #set, set, doc },
#include "ops.def"
    { NULL, NULL, NULL }
};

const biz_op_spec biz_ops[BIZ_OP__COUNT] = {
#define BIZ_OP(kind, name, aliases, modules, sets, is_group, run, doc) \
    [BIZ_OP_##kind] = { BIZ_OP_##kind, name, aliases, modules, sets, is_group, doc },
#include "ops.def"
};

const biz_arg_spec *const biz_dag_args = dag_args;

const biz_op_spec *biz_ops_find(const char *name)
{
    for (int i = 0; i < BIZ_OP__COUNT; i++) {
        if (strcmp(biz_ops[i].name, name) == 0)
            return &biz_ops[i];
        for (const char *const *a = biz_ops[i].aliases; a && *a; a++)
            if (strcmp(*a, name) == 0)
                return &biz_ops[i];
    }
    return NULL;
}

const biz_arg_spec *biz_ops_arg(const biz_op_spec *op, const char *name)
{
    /* Later sets override earlier ones (a sensor's timeout is its own). */
    const biz_arg_spec *found = NULL;
    for (const biz_arg_spec *const *set = op->argsets; *set; set++)
        for (const biz_arg_spec *a = *set; a->name; a++)
            if (strcmp(a->name, name) == 0)
                found = a;
    return found;
}

/* Each op's arguments without the overridden ones, in table order, and
 * by id: built once, since a try renders its arguments through the list
 * and reads them by id. */
static const biz_arg_spec **effective[BIZ_OP__COUNT];
static int neffective[BIZ_OP__COUNT];
/* Of those, the templated ones (a try renders only these). */
static const biz_arg_spec **templated[BIZ_OP__COUNT];
static int ntemplated[BIZ_OP__COUNT];
static const biz_arg_spec *none_ok[BIZ_OP__COUNT][4];  /* its NONE_OK arguments */
static const biz_arg_spec *by_id[BIZ_OP__COUNT][BIZ_ARG__COUNT];
static char by_id_built[BIZ_OP__COUNT];

static void build_by_id(int k)
{
    /* Later sets override earlier ones, as in biz_ops_arg. */
    for (const biz_arg_spec *const *set = biz_ops[k].argsets; *set; set++)
        for (const biz_arg_spec *a = *set; a->name; a++)
            by_id[k][a->id] = a;
    by_id_built[k] = 1;
}

static void build_effective(int k)
{
    const biz_op_spec *op = &biz_ops[k];
    if (!by_id_built[k])
        build_by_id(k);
    int n = 0;
    for (const biz_arg_spec *const *set = op->argsets; *set; set++)
        for (const biz_arg_spec *a = *set; a->name; a++)
            n++;
    const biz_arg_spec **v = malloc((size_t)(n ? n : 1) * sizeof *v);
    const biz_arg_spec **tv = malloc((size_t)(n ? n : 1) * sizeof *tv);
    if (!v || !tv) {
        free(v);
        free(tv);
        return;
    }
    n = 0;
    int nt = 0;
    for (const biz_arg_spec *const *set = op->argsets; *set; set++)
        for (const biz_arg_spec *a = *set; a->name; a++)
            if (by_id[k][a->id] == a) {  /* skip overridden ones */
                v[n++] = a;
                if (a->flags & BIZ_A_TEMPLATED)
                    tv[nt++] = a;
                for (int j = 0; j < 4; j++)
                    if ((a->flags & BIZ_A_NONE_OK) && !none_ok[k][j]) {
                        none_ok[k][j] = a;
                        break;
                    }
            }
    effective[k] = v;
    neffective[k] = n;
    templated[k] = tv;
    ntemplated[k] = nt;
}

const biz_arg_spec *biz_ops_arg_id(const biz_op_spec *op, biz_arg_id id)
{
    int k = (int)(op - biz_ops);
    if (k < 0 || k >= BIZ_OP__COUNT || (unsigned)id >= BIZ_ARG__COUNT)
        return NULL;
    if (!by_id_built[k])
        build_by_id(k);
    return by_id[k][id];
}

const biz_arg_spec *biz_dag_arg_id(biz_arg_id id)
{
    static const biz_arg_spec *dag_by_id[BIZ_ARG__COUNT];
    static int built;
    if (!built) {
        for (const biz_arg_spec *a = dag_args; a->name; a++)
            dag_by_id[a->id] = a;
        built = 1;
    }
    return (unsigned)id < BIZ_ARG__COUNT ? dag_by_id[id] : NULL;
}

const biz_arg_spec *biz_arg_decl(biz_arg_id id)
{
    /* The first entry of each id in file order: its BIZ_ARG line, which
     * comes before its BIZ_ARG_AGAIN ones (tests/contract checks it). */
    static const biz_arg_spec *decl[BIZ_ARG__COUNT];
    static int built;
    if (!built) {
        for (const biz_arg_set *set = biz_arg_sets; set->name; set++)
            for (const biz_arg_spec *a = set->args; a->name; a++)
                if (!decl[a->id])
                    decl[a->id] = a;
        built = 1;
    }
    return (unsigned)id < BIZ_ARG__COUNT ? decl[id] : NULL;
}

const char *biz_arg_name(biz_arg_id id)
{
    static const char *const names[BIZ_ARG__COUNT] = {
#define BIZ_ARG(name, type, flags, dflt, doc) [BIZ_ARG_##name] = #name,
#include "ops.def"
    };
    return (unsigned)id < BIZ_ARG__COUNT ? names[id] : "?";
}

const biz_arg_set *biz_arg_set_of(const biz_arg_spec *spec)
{
    for (const biz_arg_set *set = biz_arg_sets; set->name; set++) {
        const biz_arg_spec *a = set->args;
        while (a->name)
            a++;
        if (spec >= set->args && spec <= a)   /* an empty set is its end */
            return set;
    }
    return NULL;
}

/* Whether None is a value of its own for op's argument name (NONE_OK). */
int biz_ops_none_ok(const biz_op_spec *op, const char *name)
{
    int k = (int)(op - biz_ops);
    if (k < 0 || k >= BIZ_OP__COUNT)
        return 0;
    if (!effective[k])
        build_effective(k);
    for (int j = 0; j < 4 && none_ok[k][j]; j++)
        if (strcmp(none_ok[k][j]->name, name) == 0)
            return 1;
    return 0;
}

/* Calls fn for op's arguments without the overridden ones, those with all
 * of flags set (0: all), from the lists built once. */
static void each_arg(const biz_op_spec *op, int flags,
                     void (*fn)(const biz_arg_spec *arg, void *user), void *user)
{
    int k = (int)(op - biz_ops);
    if (k >= 0 && k < BIZ_OP__COUNT && !effective[k])
        build_effective(k);
    const biz_arg_spec **list = k < 0 || k >= BIZ_OP__COUNT ? NULL
                              : flags == BIZ_A_TEMPLATED ? templated[k] : effective[k];
    if (!list || (flags && flags != BIZ_A_TEMPLATED)) {
        for (const biz_arg_spec *const *set = op->argsets; *set; set++)
            for (const biz_arg_spec *a = *set; a->name; a++)
                if ((a->flags & flags) == flags && biz_ops_arg(op, a->name) == a)
                    fn(a, user);
        return;
    }
    int n = flags == BIZ_A_TEMPLATED ? ntemplated[k] : neffective[k];
    for (int i = 0; i < n; i++)
        fn(list[i], user);
}

void biz_ops_each_arg(const biz_op_spec *op,
                     void (*fn)(const biz_arg_spec *arg, void *user), void *user)
{
    each_arg(op, 0, fn, user);
}

void biz_ops_each_templated_arg(const biz_op_spec *op,
                               void (*fn)(const biz_arg_spec *arg, void *user), void *user)
{
    each_arg(op, BIZ_A_TEMPLATED, fn, user);
}

/* Each type as a user reads it (messages) and as a tool does (the JSON of
 * --describe-ops, ops.def's name without BIZ_T_). */
static const struct {
    const char *name, *key;
} types[BIZ_T__COUNT] = {
    [BIZ_T_ANY] = { "a constant", "any" },
    [BIZ_T_STR] = { "a string", "str" },
    [BIZ_T_INT] = { "an integer", "int" },
    [BIZ_T_NUMBER] = { "a number", "number" },
    [BIZ_T_BOOL] = { "a boolean (True or False)", "bool" },
    [BIZ_T_DICT] = { "a dict", "dict" },
    [BIZ_T_LIST] = { "a list", "list" },
    [BIZ_T_STRS] = { "a string or a list of strings", "strs" },
    [BIZ_T_TASK] = { "a task id", "task" },
    [BIZ_T_TASKS] = { "a task id or a list of task ids", "tasks" },
    [BIZ_T_DURATION] = { "a timedelta or a number of seconds", "duration" },
    [BIZ_T_DATETIME] = { "a datetime", "datetime" },
    [BIZ_T_TRIGGER] = { "a trigger rule name", "trigger" },
    [BIZ_T_METHOD] = { "an HTTP method", "method" },
    [BIZ_T_CALLABLE] = { "a Python callable", "callable" },
    [BIZ_T_TIMEDELTA] = { "a timedelta", "timedelta" },
    [BIZ_T_SCHEDULE] = { "a schedule (a cron expression, a preset, a timedelta or None)", "schedule" },
};

const char *biz_arg_type_name(biz_arg_type t)
{
    return (unsigned)t < BIZ_T__COUNT && types[t].name ? types[t].name : "?";
}

const char *biz_arg_type_key(biz_arg_type t)
{
    return (unsigned)t < BIZ_T__COUNT && types[t].key ? types[t].key : "?";
}

/* Indexed by biz_trigger_rule (designated; test_ops checks that none is
 * missing). */
const char *const biz_trigger_names[BIZ_TR__COUNT] = {
    [BIZ_TR_ALL_SUCCESS] = "all_success", [BIZ_TR_ALL_FAILED] = "all_failed",
    [BIZ_TR_ALL_DONE] = "all_done", [BIZ_TR_ALL_SKIPPED] = "all_skipped",
    [BIZ_TR_ONE_SUCCESS] = "one_success", [BIZ_TR_ONE_FAILED] = "one_failed",
    [BIZ_TR_ONE_DONE] = "one_done", [BIZ_TR_NONE_FAILED] = "none_failed",
    [BIZ_TR_NONE_FAILED_MIN_ONE_SUCCESS] = "none_failed_min_one_success",
    [BIZ_TR_NONE_SKIPPED] = "none_skipped", [BIZ_TR_ALWAYS] = "always",
    [BIZ_TR_ALL_DONE_SETUP_SUCCESS] = "all_done_setup_success",
};

int biz_trigger_from_name(const char *name)
{
    for (int i = 0; i < BIZ_TR__COUNT; i++)
        if (strcmp(biz_trigger_names[i], name) == 0)
            return i;
    if (strcmp(name, "dummy") == 0)
        return BIZ_TR_ALWAYS;
    if (strcmp(name, "none_failed_or_skipped") == 0)
        return BIZ_TR_NONE_FAILED_MIN_ONE_SUCCESS;
    return -1;
}
