/* template_names.c: the names the template language knows (Jinja's filters
 * with their parameters, its tests, the names a template reads without
 * defining them): what the parser and bizc check a template against, at
 * compile time as at run time, and what the filters read their arguments
 * by. The evaluator is elsewhere (template_filters.c). */
#include <string.h>

#include "suggest.h"
#include "template_int.h"

#define C BIZ_TPL_NAME_CONTEXT
#define G BIZ_TPL_NAME_GLOBAL
#define A BIZ_TPL_NAME_AIRFLOW_ONLY
/* Airflow's template context (AIRFLOW.md), the engine's own names, and
 * Airflow's names a compiled DAG does not provide. The context's names
 * come in the order bizc suggests them. */
const biz_tpl_name biz_tpl_names[] = {
    {"ds", C}, {"ds_nodash", C}, {"ts", C}, {"ts_nodash", C}, {"ts_nodash_with_tz", C},
    {"task_instance_key_str", C}, {"logical_date", C}, {"execution_date", C},
    {"data_interval_start", C}, {"data_interval_end", C}, {"run_id", C}, {"dag_run", C},
    {"params", C}, {"dag", C}, {"task", C},
    {"ti", C | G}, {"task_instance", C | G}, {"var", C | G}, {"conn", C | G}, {"macros", C | G},
    {"prev_data_interval_start_success", C}, {"prev_data_interval_end_success", C},
    {"loop", C}, {"range", C | G}, {"True", C}, {"False", C}, {"None", C}, {"true", C},
    {"false", C}, {"none", C},
    {"dict", G},
    {"prev_start_date_success", A}, {"next_ds", A}, {"prev_ds", A}, {"inlets", A},
    {"outlets", A}, {"next_ds_nodash", A}, {"prev_ds_nodash", A}, {"yesterday_ds", A},
    {"yesterday_ds_nodash", A}, {"tomorrow_ds", A}, {"tomorrow_ds_nodash", A},
    {"test_mode", A}, {"conf", A}, {"next_execution_date", A}, {"prev_execution_date", A},
    {"prev_execution_date_success", A}, {"triggering_dataset_events", A},
    {"expanded_ti_count", A}, {"map_index_template", A},
    {NULL, 0},
};
#undef C
#undef G
#undef A
#define NNAMES (sizeof biz_tpl_names / sizeof biz_tpl_names[0] - 1)

unsigned biz_tpl_name_flags(const char *name)
{
    for (const biz_tpl_name *n = biz_tpl_names; n->name; n++)
        if (!strcmp(n->name, name))
            return n->flags;
    return 0;
}

const char *const *biz_tpl_context_names(int *n)
{
    static const char *names[NNAMES + 1];
    static int count = -1;
    if (count < 0) {
        int k = 0;
        for (const biz_tpl_name *t = biz_tpl_names; t->name; t++)
            if (t->flags & BIZ_TPL_NAME_CONTEXT)
                names[k++] = t->name;
        names[k] = NULL;
        count = k;
    }
    if (n)
        *n = count;
    return names;
}

static const biz_tpl_fdef filters[] = {
    {"abs", {0}}, {"capitalize", {0}}, {"count", {0}},
    {"d", {"default_value", "boolean"}}, {"default", {"default_value", "boolean"}},
    {"ds", {0}}, {"ds_nodash", {0}},
    {"first", {0}}, {"float", {"default"}}, {"format", {"*"}}, {"int", {"default", "base"}},
    {"items", {0}}, {"join", {"d", "attribute"}}, {"last", {0}}, {"length", {0}},
    {"list", {0}}, {"lower", {0}}, {"map", {"*"}},
    {"max", {"case_sensitive", "attribute"}}, {"min", {"case_sensitive", "attribute"}},
    {"replace", {"old", "new", "count"}}, {"reverse", {0}},
    {"round", {"precision", "method"}}, {"safe", {0}},
    {"sort", {"reverse", "case_sensitive", "attribute"}}, {"string", {0}},
    {"sum", {"attribute", "start"}}, {"title", {0}}, {"tojson", {"indent"}},
    {"trim", {"chars"}}, {"ts", {0}}, {"ts_nodash", {0}}, {"ts_nodash_with_tz", {0}},
    {"unique", {"case_sensitive", "attribute"}}, {"upper", {0}},
    {"urlencode", {0}},
};
#define NFILTERS (sizeof filters / sizeof filters[0])

static const char *const test_names[] = {
    "defined", "undefined", "none", "true", "false", "boolean", "string", "number",
    "integer", "float", "mapping", "iterable", "sequence", "even", "odd",
    "divisibleby", "eq", "equalto", "ne", "lt", "le", "gt", "ge", "in", "lower",
    "upper", NULL};

const biz_tpl_fdef *biz_tpl_find_filter(const char *name)
{
    for (size_t i = 0; i < NFILTERS; i++)
        if (!strcmp(filters[i].name, name))
            return &filters[i];
    return NULL;
}

int biz_tpl_filter_known(const char *name)
{
    return biz_tpl_find_filter(name) != NULL;
}

int biz_tpl_test_known(const char *name)
{
    for (const char *const *t = test_names; *t; t++)
        if (!strcmp(*t, name))
            return 1;
    return 0;
}

const char *biz_tpl_filter_suggest(const char *name)
{
    /* The names of the table above, made once. */
    static const char *names[NFILTERS + 1];
    if (!names[0])
        for (size_t i = 0; i < NFILTERS; i++)
            names[i] = filters[i].name;
    return biz_suggest_first(name, names);
}

const char *biz_tpl_test_suggest(const char *name)
{
    return biz_suggest_first(name, test_names);
}
