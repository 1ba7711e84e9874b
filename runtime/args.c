/* args.c: arguments read by id, with the table's defaults (see args.h). */
#include <stdlib.h>
#include <string.h>
#include "args.h"

/* The argument as owner takes it, or as ops.def declares it. */
static const biz_arg_spec *spec_of(int owner, biz_arg_id id)
{
    const biz_arg_spec *a = NULL;
    if (owner >= 0 && owner < BIZ_OP__COUNT)
        a = biz_op_arg_id(&biz_ops[owner], id);
    else if (owner == BIZ_ARGS_DAG)
        a = biz_dag_arg_id(id);
    return a ? a : biz_arg_decl(id);
}

/* A default as a value: the table's defaults are scalars (test_ops checks
 * it), each made once into static storage, so that reading one never
 * allocates and cannot fail. NULL for anything else. */
static const cJSON *scalar(const char *json)
{
    static cJSON nodes[96];
    static const char *keys[96];
    static char pool[1024];
    static size_t used;
    static int n;
    for (int i = 0; i < n; i++)
        if (keys[i] == json)
            return &nodes[i];
    if (n == (int)(sizeof nodes / sizeof nodes[0]))
        return NULL;
    cJSON v;
    memset(&v, 0, sizeof v);
    size_t len = strlen(json);
    if (strcmp(json, "true") == 0) {
        v.type = cJSON_True;
        v.valueint = 1;
    } else if (strcmp(json, "false") == 0) {
        v.type = cJSON_False;
    } else if (len >= 2 && json[0] == '"' && json[len - 1] == '"') {
        if (memchr(json, '\\', len) || used + len - 1 > sizeof pool)
            return NULL;   /* an escape: not worth decoding here */
        v.type = cJSON_String;
        v.valuestring = pool + used;
        memcpy(pool + used, json + 1, len - 2);
        pool[used + len - 2] = 0;
        used += len - 1;
    } else {
        char *end;
        v.valuedouble = strtod(json, &end);
        if (end == json || *end)
            return NULL;
        v.type = cJSON_Number;
        v.valueint = (int)v.valuedouble;
    }
    nodes[n] = v;
    keys[n] = json;
    return &nodes[n++];
}

/* The default of owner's argument id, or NULL (None): looked up once per
 * owner and argument. One that is not a scalar is parsed and kept. */
static const cJSON *default_of(int owner, biz_arg_id id)
{
    static const cJSON *memo[BIZ_ARGS_DAG + 2][BIZ_ARG__COUNT];
    static char done[BIZ_ARGS_DAG + 2][BIZ_ARG__COUNT];
    if ((unsigned)id >= BIZ_ARG__COUNT)
        return NULL;
    /* An owner out of range (a malformed table) has the last row. */
    int row = owner >= 0 && owner <= BIZ_ARGS_DAG ? owner : BIZ_ARGS_DAG + 1;
    if (!done[row][id]) {
        const biz_arg_spec *a = spec_of(owner, id);
        const cJSON *v = a && a->default_json ? scalar(a->default_json) : NULL;
        if (a && a->default_json && !v)
            v = cJSON_Parse(a->default_json);
        if (v || !a || !a->default_json)   /* a failed parse is tried again */
            done[row][id] = 1;
        memo[row][id] = v;
    }
    return memo[row][id];
}

/* The member named as id, as given: NULL when absent. */
static const cJSON *given(const cJSON *args, biz_arg_id id)
{
    return cJSON_GetObjectItemCaseSensitive(args, biz_arg_name(id));
}

const cJSON *biz_args_get(const cJSON *args, int owner, biz_arg_id id)
{
    const cJSON *v = given(args, id);
    if (v && !cJSON_IsNull(v))
        return v;
    if (v) {   /* None */
        const biz_arg_spec *a = spec_of(owner, id);
        if (a && (a->flags & BIZ_A_NONE_OK))
            return v;
    }
    return default_of(owner, id);
}

double biz_args_num_or(const cJSON *args, biz_arg_id id, double fallback)
{
    const cJSON *v = given(args, id);
    if (cJSON_IsNumber(v))
        return v->valuedouble;
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    return fallback;
}

const char *biz_args_str_or(const cJSON *args, biz_arg_id id, const char *fallback)
{
    const cJSON *v = given(args, id);
    return cJSON_IsString(v) ? v->valuestring : fallback;
}

/* A value as a boolean; -1 when it is not one (nor a number or a string). */
static int truth(const cJSON *v)
{
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0;
    if (cJSON_IsString(v))   /* a rendered template: Python's truthiness */
        return v->valuestring[0] != 0 && strcmp(v->valuestring, "False") != 0;
    return -1;
}

const char *biz_args_str(const cJSON *args, int owner, biz_arg_id id)
{
    const cJSON *d = default_of(owner, id);
    return biz_args_str_or(args, id, cJSON_IsString(d) ? d->valuestring : NULL);
}

int biz_args_bool(const cJSON *args, int owner, biz_arg_id id)
{
    int b = truth(given(args, id));
    if (b < 0)
        b = truth(default_of(owner, id));
    return b < 0 ? 0 : b;
}

double biz_args_num(const cJSON *args, int owner, biz_arg_id id)
{
    const cJSON *d = default_of(owner, id);
    return biz_args_num_or(args, id, cJSON_IsNumber(d) ? d->valuedouble : cJSON_IsBool(d) ? cJSON_IsTrue(d) : -1);
}
