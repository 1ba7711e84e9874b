/* describe.c: the operator table as JSON (see describe.h). The shape:
 *
 *   { "bizc": VERSION,
 *     "types": { "str": "a string", ... },
 *     "operators": [ { "name", "aliases", "modules", "group", "doc",
 *                      "sets": [ SET NAME, ... ],
 *                      "arguments": [ ARG, ... ] }, ... ],
 *     "dag": { "arguments": [ ARG, ... ] },
 *     "sets": [ { "name": "base_args", "doc", "arguments": [ ARG, ... ] },
 *               ... ] }
 *
 *   ARG = { "name", "set", "type", "default" (JSON, null for None),
 *           "required", "templated", "flags": [ ... ], "doc" }
 *
 * An operator's arguments are the ones it takes, as it takes them (a set
 * overriding a name replaces it), in table order; "sets" is the whole
 * table, the compiler's internal marks (flag "internal") included. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include "describe.h"
#include "driver.h"
#include "ops.h"

/* The flags' names, in bit order. */
static const struct {
    int bit;
    const char *name;
} flag_names[] = {
    { BIZ_A_REQUIRED, "required" },
    { BIZ_A_TEMPLATED, "templated" },
    { BIZ_A_POSITIONAL, "positional" },
    { BIZ_A_IGNORED, "ignored" },
    { BIZ_A_NOT_DEFAULT, "not_from_default_args" },
    { BIZ_A_UNSUPPORTED, "unsupported" },
    { BIZ_A_NONE_OK, "none_is_a_value" },
    { BIZ_A_INTERNAL, "internal" },
};

static cJSON *strs(const char *const *v)
{
    cJSON *a = cJSON_CreateArray();
    for (; a && v && *v; v++)
        cJSON_AddItemToArray(a, cJSON_CreateString(*v));
    return a;
}

static cJSON *arg_json(const biz_arg_spec *a)
{
    cJSON *o = cJSON_CreateObject();
    const biz_arg_set *set = biz_arg_set_of(a);
    cJSON_AddStringToObject(o, "name", a->name);
    cJSON_AddStringToObject(o, "set", set ? set->name : "?");
    cJSON_AddStringToObject(o, "type", biz_arg_type_key(a->type));
    cJSON *d = a->default_json ? cJSON_Parse(a->default_json) : cJSON_CreateNull();
    cJSON_AddItemToObject(o, "default", d ? d : cJSON_CreateNull());
    cJSON_AddBoolToObject(o, "required", (a->flags & BIZ_A_REQUIRED) != 0);
    cJSON_AddBoolToObject(o, "templated", (a->flags & BIZ_A_TEMPLATED) != 0);
    cJSON *f = cJSON_AddArrayToObject(o, "flags");
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
        if (a->flags & flag_names[i].bit)
            cJSON_AddItemToArray(f, cJSON_CreateString(flag_names[i].name));
    if (a->doc)
        cJSON_AddStringToObject(o, "doc", a->doc);
    return o;
}

static void add_arg(const biz_arg_spec *a, void *user)
{
    cJSON_AddItemToArray(user, arg_json(a));
}

static cJSON *arg_list(const biz_arg_spec *args)
{
    cJSON *v = cJSON_CreateArray();
    for (const biz_arg_spec *a = args; a->name; a++)
        add_arg(a, v);
    return v;
}

int biz_describe_ops(FILE *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "bizc", biz_driver_version());
    cJSON *types = cJSON_AddObjectToObject(root, "types");
    for (int t = 0; t < BIZ_T__COUNT; t++)
        cJSON_AddStringToObject(types, biz_arg_type_key((biz_arg_type)t), biz_arg_type_name((biz_arg_type)t));
    cJSON *ops = cJSON_AddArrayToObject(root, "operators");
    for (int k = 0; k < BIZ_OP__COUNT; k++) {
        const biz_op_spec *op = &biz_ops[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", op->name);
        cJSON_AddItemToObject(o, "aliases", strs(op->aliases));
        cJSON_AddItemToObject(o, "modules", strs(op->modules));
        cJSON_AddBoolToObject(o, "group", op->is_group);
        cJSON_AddStringToObject(o, "doc", op->doc);
        cJSON *names = cJSON_AddArrayToObject(o, "sets");
        for (const biz_arg_spec *const *set = op->argsets; *set; set++) {
            const biz_arg_set *s = biz_arg_set_of(*set);
            cJSON_AddItemToArray(names, cJSON_CreateString(s ? s->name : "?"));
        }
        cJSON *args = cJSON_AddArrayToObject(o, "arguments");
        biz_ops_each_arg(op, add_arg, args);
        cJSON_AddItemToArray(ops, o);
    }
    cJSON *dag = cJSON_AddObjectToObject(root, "dag");
    cJSON_AddItemToObject(dag, "arguments", arg_list(biz_dag_args));
    cJSON *sets = cJSON_AddArrayToObject(root, "sets");
    for (const biz_arg_set *s = biz_arg_sets; s->name; s++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", s->name);
        cJSON_AddStringToObject(o, "doc", s->doc);
        cJSON_AddItemToObject(o, "arguments", arg_list(s->args));
        cJSON_AddItemToArray(sets, o);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return -1;
    int rc = fputs(text, out) < 0 || fputc('\n', out) == EOF || fflush(out) != 0 ? -1 : 0;
    free(text);
    return rc;
}
